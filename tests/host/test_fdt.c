/* src/drivers/fdt.c against the DTB of QEMU virt (-cpu cortex-a72 -smp 4 -m 256M), given as argv[1]. */
#define _POSIX_C_SOURCE 200809L /* alarm() */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fdt.h"

/* Header fields (byte offsets). */
#define HDR_MAGIC	 0
#define HDR_TOTALSIZE	 4
#define HDR_OFF_STRUCT	 8
#define HDR_OFF_STRINGS	 12
#define HDR_VERSION	 20
#define HDR_SIZE_STRINGS 32
#define HDR_SIZE_STRUCT	 36
#define HDR_LEN		 40

struct dtb {
	uint8_t *blob;
	size_t file_size;
	uint32_t data_end; /* end of the struct and strings blocks: what a copy needs */
	struct fdt f;
};

static void put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

/* An exactly sized heap copy of the first n bytes, so ASan sees any read past it. */
static uint8_t *copy_of(const uint8_t *src, size_t n)
{
	uint8_t *p = malloc(n);
	if (!p)
		abort();
	memcpy(p, src, n);
	return p;
}

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n = -1;
	if (fp && fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= HDR_LEN && fseek(fp, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n)) && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (fp)
		fclose(fp);
	*size = buf ? (size_t)n : 0;
	return buf;
}

/* Load and open the DTB, or skip (none given) or fail (unreadable); false when the test cannot go on. */
static bool load_dtb(const struct check_env *env, struct dtb *d)
{
	memset(d, 0, sizeof(*d));
	if (!env->dtb_path) {
		check_skip_test("no DTB given");
		return false;
	}
	d->blob = read_file(env->dtb_path, &d->file_size);
	if (!CHECK(d->blob != NULL, "read %s", env->dtb_path))
		return false;
	if (!CHECK_EQ_U64(0, fdt_open(&d->f, d->blob), "fdt_open of the QEMU virt DTB")) {
		free(d->blob);
		return false;
	}
	uint32_t end_struct = d->f.off_struct + d->f.size_struct, end_strings = d->f.off_strings + d->f.size_strings;
	d->data_end = end_struct > end_strings ? end_struct : end_strings;
	return true;
}

/* ---- header validation ---- */

static const struct {
	const char *what;
	unsigned field;
	uint32_t value;
	int expected;
} header_cases[] = {
    {"bad magic", HDR_MAGIC, 0xd00dfeef, -1},
    {"byte-swapped magic", HDR_MAGIC, 0xedfe0dd0, -1},
    {"version 16", HDR_VERSION, 16, -1},
    {"version 0", HDR_VERSION, 0, -1},
    {"totalsize 0", HDR_TOTALSIZE, 0, -1},
    {"size_dt_struct past totalsize", HDR_SIZE_STRUCT, 0x100000, -1},
    {"size_dt_strings past totalsize", HDR_SIZE_STRINGS, 0x100000, -1},
};

/* Every copy cut short, with its totalsize saying so, must be refused: the strings block ends it. */
static void check_cut_copies(const struct dtb *d)
{
	unsigned refused = 0, tried = 0;
	for (uint32_t cut = HDR_LEN; cut < d->data_end; cut += 4, tried++) {
		uint8_t *c = copy_of(d->blob, cut);
		put_be32(c + HDR_TOTALSIZE, cut);
		struct fdt f;
		refused += fdt_open(&f, c) == -1;
		free(c);
	}
	CHECK_EQ_U64(tried, refused, "all %u copies cut short refused", tried);
}

HOST_TEST(fdt_header)
{
	struct dtb d;
	if (!load_dtb(env, &d))
		return;
	CHECK_EQ_U64(d.file_size, d.f.size, "totalsize is the file size");
	CHECK(d.f.off_struct >= HDR_LEN && d.data_end <= d.f.size, "blocks inside the blob");
	struct fdt f;
	CHECK_EQ_U64((uint64_t)-1, (uint64_t)fdt_open(&f, NULL), "NULL refused");
	for (size_t i = 0; i < ARRAY_SIZE(header_cases); i++) {
		uint8_t *c = copy_of(d.blob, d.file_size);
		put_be32(c + header_cases[i].field, header_cases[i].value);
		CHECK_EQ_U64((uint64_t)(int64_t)header_cases[i].expected, (uint64_t)(int64_t)fdt_open(&f, c), "%s",
			     header_cases[i].what);
		free(c);
	}
	uint8_t *c = copy_of(d.blob, d.file_size);
	put_be32(c + HDR_TOTALSIZE, d.data_end - 1);
	CHECK_EQ_U64((uint64_t)-1, (uint64_t)fdt_open(&f, c), "totalsize shrunk by one byte refused");
	put_be32(c + HDR_TOTALSIZE, d.data_end / 2);
	CHECK_EQ_U64((uint64_t)-1, (uint64_t)fdt_open(&f, c), "totalsize halved refused");
	free(c);
	check_cut_copies(&d);

	/* The padding QEMU adds is not needed: a copy of just the data works. */
	c = copy_of(d.blob, d.data_end);
	put_be32(c + HDR_TOTALSIZE, d.data_end);
	if (CHECK_EQ_U64(0, fdt_open(&f, c), "copy without the padding opens"))
		CHECK(fdt_path_offset(&f, "/chosen") > 0, "copy without the padding: /chosen found");
	free(c);
	free(d.blob);
}

/* ---- nodes, paths and properties ---- */

static const struct {
	const char *path;
	const char *name; /* NULL: not found */
} paths[] = {
    {"/", ""},
    {"/cpus", "cpus"},
    {"/cpus/", "cpus"},
    {"//cpus", "cpus"},
    {"/cpus/cpu", "cpu@0"},
    {"/cpus/cpu@2", "cpu@2"},
    {"/cpus//cpu@3", "cpu@3"},
    {"/cpus/cpu@4", NULL},
    {"/cpus/cpu-map/socket0/cluster0/core3", "core3"},
    {"/psci", "psci"},
    {"/memory", "memory@40000000"},
    {"/memory@40000000", "memory@40000000"},
    {"/memory@40000001", NULL},
    {"/chosen", "chosen"},
    {"/pl011@9000000", "pl011@9000000"},
    {"/pl011", "pl011@9000000"},
    {"/pl011@9000001", NULL},
    {"/pl0", NULL},
    {"/pl011x", NULL},
    {"/nonexistent", NULL},
    {"/psci/nonexistent", NULL},
    {"cpus", NULL},
    {"", NULL},
};

static void check_paths(const struct fdt *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		int node = fdt_path_offset(f, paths[i].path);
		if (!paths[i].name)
			CHECK_EQ_U64((uint64_t)-1, (uint64_t)(int64_t)node, "'%s': not found", paths[i].path);
		else if (CHECK(node >= 0, "'%s': found", paths[i].path))
			CHECK_EQ_STR(paths[i].name, fdt_node_name(f, node), "'%s': node name", paths[i].path);
	}
}

static uint64_t u64_prop(const struct fdt *f, const char *path, const char *prop, unsigned cells, unsigned index)
{
	uint64_t v = 0xbad;
	if (!fdt_prop_u64(f, fdt_path_offset(f, path), prop, cells, index, &v))
		check_diag("%s %s[%u] (%u cells) missing", path, prop, index, cells);
	return v;
}

static void check_cpus(const struct fdt *f)
{
	int cpus = fdt_path_offset(f, "/cpus");
	CHECK_EQ_U64(1, u64_prop(f, "/cpus", "#address-cells", 1, 0), "/cpus #address-cells");
	CHECK_EQ_U64(0, u64_prop(f, "/cpus", "#size-cells", 1, 0), "/cpus #size-cells");
	unsigned subnodes = 0, ncpus = 0;
	for (int n = fdt_first_subnode(f, cpus); n >= 0 && subnodes < 100; n = fdt_next_subnode(f, n), subnodes++) {
		if (!fdt_prop_has_string(f, n, "device_type", "cpu"))
			continue;
		uint64_t reg = 0xbad;
		CHECK(fdt_prop_u64(f, n, "reg", 1, 0, &reg) && reg == ncpus, "cpu %u: reg %u", ncpus, ncpus);
		char name[16];
		snprintf(name, sizeof(name), "cpu@%u", ncpus);
		CHECK_EQ_STR(name, fdt_node_name(f, n), "cpu %u: node name", ncpus);
		CHECK(fdt_prop_has_string(f, n, "compatible", "arm,cortex-a72"), "cpu %u: arm,cortex-a72", ncpus);
		ncpus++;
	}
	CHECK_EQ_U64(4, ncpus, "/cpus: cpu nodes");
	CHECK_EQ_U64(5, subnodes, "/cpus: subnodes (cpu-map and 4 cpus)");
	/* fdt_next_cpu: the same 4 cpus, in order, skipping cpu-map, then -1. */
	uint64_t mpidr = 0xbad;
	unsigned seen = 0;
	for (int n = fdt_next_cpu(f, -1, &mpidr); n >= 0 && seen < 100; n = fdt_next_cpu(f, n, &mpidr), seen++) {
		char name[16];
		snprintf(name, sizeof(name), "cpu@%u", seen);
		CHECK(mpidr == seen && !strcmp(fdt_node_name(f, n), name), "fdt_next_cpu %u: %s, MPIDR %u", seen, name,
		      seen);
	}
	CHECK_EQ_U64(4, seen, "fdt_next_cpu: cpu nodes");
}

static const struct {
	const char *path, *prop, *value;
	bool has;
} strings[] = {
    {"/psci", "method", "hvc", true},
    {"/psci", "method", "smc", false},
    {"/psci", "method", "hv", false},
    {"/psci", "compatible", "arm,psci-1.0", true},
    {"/psci", "compatible", "arm,psci-0.2", true},
    {"/psci", "compatible", "arm,psci", true},
    {"/psci", "compatible", "arm,psci-0.1", false},
    {"/psci", "compatible", "arm,psci-1", false},
    {"/psci", "compatible", "psci", false},
    {"/psci", "compatible", "", false},
    {"/psci", "no-such-property", "hvc", false},
    {"/memory", "device_type", "memory", true},
    {"/pl011", "compatible", "arm,primecell", true},
    {"/", "compatible", "linux,dummy-virt", true},
};

static const struct {
	const char *path, *prop;
	unsigned cells, index;
	bool present;
	uint64_t value;
} numbers[] = {
    {"/", "#address-cells", 1, 0, true, 2},	{"/", "#size-cells", 1, 0, true, 2},
    {"/memory", "reg", 2, 0, true, 0x40000000}, {"/memory", "reg", 2, 1, true, 0x10000000},
    {"/memory", "reg", 2, 2, false, 0},		{"/memory", "reg", 1, 1, true, 0x40000000},
    {"/memory", "reg", 1, 4, false, 0},		{"/memory", "reg", 3, 0, false, 0},
    {"/memory", "reg", 0, 0, false, 0},		{"/pl011", "reg", 2, 0, true, 0x9000000},
    {"/pl011", "reg", 2, 1, true, 0x1000},	{"/psci", "cpu_on", 1, 0, true, 0xc4000003},
    {"/psci", "cpu_on", 2, 0, false, 0},	{"/psci", "missing", 1, 0, false, 0},
};

static void check_properties(const struct fdt *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(strings); i++) {
		int node = fdt_path_offset(f, strings[i].path);
		CHECK_EQ_U64(strings[i].has, fdt_prop_has_string(f, node, strings[i].prop, strings[i].value),
			     "%s %s %s \"%s\"", strings[i].path, strings[i].prop, strings[i].has ? "has" : "lacks",
			     strings[i].value);
	}
	for (size_t i = 0; i < ARRAY_SIZE(numbers); i++) {
		uint64_t v = 0;
		bool present = fdt_prop_u64(f, fdt_path_offset(f, numbers[i].path), numbers[i].prop, numbers[i].cells,
					    numbers[i].index, &v);
		if (CHECK_EQ_U64(numbers[i].present, present, "%s %s[%u] with %u cells %s", numbers[i].path,
				 numbers[i].prop, numbers[i].index, numbers[i].cells,
				 numbers[i].present ? "present" : "absent") &&
		    present)
			CHECK_EQ_U64(numbers[i].value, v, "%s %s[%u] value", numbers[i].path, numbers[i].prop,
				     numbers[i].index);
	}
	uint32_t len = 0;
	const char *compat = fdt_getprop(f, fdt_path_offset(f, "/psci"), "compatible", &len);
	CHECK(compat && len == sizeof("arm,psci-1.0\0arm,psci-0.2\0arm,psci") &&
		  memcmp(compat, "arm,psci-1.0\0arm,psci-0.2\0arm,psci", len) == 0,
	      "/psci compatible: the whole string list and its length");
	CHECK(fdt_getprop(f, 0, "no-such-property", NULL) == NULL, "missing property: NULL");
	const char *stdout_path = fdt_getprop(f, fdt_path_offset(f, "/chosen"), "stdout-path", NULL);
	CHECK(stdout_path && fdt_path_offset(f, stdout_path) == fdt_path_offset(f, "/pl011"),
	      "/chosen stdout-path leads to the pl011 node");
}

static void check_walking(const struct fdt *f)
{
	CHECK_EQ_U64((uint64_t)-1, (uint64_t)fdt_first_subnode(f, fdt_path_offset(f, "/psci")), "/psci: no subnode");
	CHECK_EQ_U64((uint64_t)-1, (uint64_t)fdt_next_subnode(f, fdt_path_offset(f, "/chosen")),
		     "/chosen: the last node");
	CHECK(fdt_node_name(f, -1) == NULL && fdt_node_name(f, (int)f->size_struct) == NULL,
	      "fdt_node_name outside the struct block: NULL");
	CHECK_EQ_U64(0x12345678, fdt_be32((const uint8_t[]){0x12, 0x34, 0x56, 0x78}), "fdt_be32 is big-endian");
}

HOST_TEST(fdt_nodes)
{
	struct dtb d;
	if (!load_dtb(env, &d))
		return;
	check_paths(&d.f);
	check_cpus(&d.f);
	check_properties(&d.f);
	check_walking(&d.f);
	free(d.blob);
}

/* ---- a struct block cut short: answers may go missing, never change ---- */

static const struct {
	const char *path, *prop;
} queries[] = {
    {"/", "compatible"},    {"/psci", "method"}, {"/psci", "compatible"},    {"/memory", "reg"},
    {"/cpus/cpu@3", "reg"}, {"/pl011", "reg"},	 {"/chosen", "stdout-path"}, {"/chosen", "kaslr-seed"},
};

#define NQUERIES (ARRAY_SIZE(queries))

struct answer {
	int node;
	long prop; /* offset of the value in the struct block, -1 when absent */
	uint32_t len;
};

static void ask(const struct fdt *f, size_t q, struct answer *a)
{
	const uint8_t *p = NULL;
	a->node = fdt_path_offset(f, queries[q].path);
	a->len = 0;
	if (a->node >= 0)
		p = fdt_getprop(f, a->node, queries[q].prop, &a->len);
	a->prop = p ? (long)(p - (f->blob + f->off_struct)) : -1;
}

/*
 * A copy whose struct block holds only its first s bytes and ends the buffer (strings moved before it),
 * exactly sized: any read past the cut is one past the allocation, which ASan reports.
 */
static uint8_t *struct_last_copy(const struct dtb *d, uint32_t s)
{
	uint32_t off_strings = d->f.off_struct, off_struct = (off_strings + d->f.size_strings + 3) & ~3u;
	uint8_t *c = malloc(off_struct + s);
	if (!c)
		abort();
	memset(c, 0, off_struct);
	memcpy(c, d->blob, d->f.off_struct); /* header and memory reservation block */
	memcpy(c + off_strings, d->blob + d->f.off_strings, d->f.size_strings);
	memcpy(c + off_struct, d->blob + d->f.off_struct, s);
	put_be32(c + HDR_TOTALSIZE, off_struct + s);
	put_be32(c + HDR_OFF_STRUCT, off_struct);
	put_be32(c + HDR_SIZE_STRUCT, s);
	put_be32(c + HDR_OFF_STRINGS, off_strings);
	return c;
}

/* Subnodes of the root, walked with a bound so a loop shows as a failure, not a hang. */
static unsigned count_root_children(const struct fdt *f)
{
	unsigned n = 0;
	for (int c = fdt_first_subnode(f, 0); c >= 0 && n < 1000; c = fdt_next_subnode(f, c))
		n++;
	return n;
}

/* One truncation: answers that differ from the full blob's, or lie past the cut. */
static unsigned wrong_answers(const struct fdt *f, const struct answer *full, unsigned full_children)
{
	unsigned wrong = 0;
	for (size_t q = 0; q < NQUERIES; q++) {
		struct answer a;
		ask(f, q, &a);
		bool node_ok = a.node == -1 || (a.node == full[q].node && (uint32_t)a.node + 4 <= f->size_struct);
		bool prop_ok = a.prop == -1 || (a.prop == full[q].prop && a.len == full[q].len &&
						(uint64_t)a.prop + a.len <= f->size_struct);
		if (!(node_ok && prop_ok) && wrong < 3)
			check_diag("size_dt_struct %u: %s %s gave node %d, value at %ld", f->size_struct,
				   queries[q].path, queries[q].prop, a.node, a.prop);
		wrong += !(node_ok && prop_ok);
	}
	return wrong + (count_root_children(f) > full_children);
}

/* Open the copy cut at s and check it; false if it did not open. */
static bool check_cut(const struct dtb *d, uint32_t s, const struct answer *full, unsigned full_children,
		      unsigned *wrong)
{
	uint8_t *c = struct_last_copy(d, s);
	struct fdt f;
	bool opened = fdt_open(&f, c) == 0;
	if (opened)
		*wrong += wrong_answers(&f, full, full_children);
	free(c);
	return opened;
}

HOST_TEST(fdt_truncated)
{
	struct dtb d;
	if (!load_dtb(env, &d))
		return;
	struct answer full[NQUERIES];
	unsigned found = 0;
	for (size_t q = 0; q < NQUERIES; q++) {
		ask(&d.f, q, &full[q]);
		found += full[q].prop >= 0;
	}
	CHECK_EQ_U64(NQUERIES, found, "full blob: every query answered");
	unsigned full_children = count_root_children(&d.f);

	unsigned wrong = 0, cuts = 0, opened = 0;
	for (uint32_t s = 0; s <= d.f.size_struct; s += 4, cuts++)
		opened += check_cut(&d, s, full, full_children, &wrong);
	CHECK_EQ_U64(cuts, opened, "struct block cut at every 4 bytes: %u blobs open", cuts);
	CHECK_EQ_U64(0, wrong, "cut struct blocks: answers only go missing, never change");

	/* The uncut relocated copy answers everything; cut before the last value, only that goes. */
	uint32_t last = (uint32_t)full[NQUERIES - 1].prop;
	uint8_t *c = struct_last_copy(&d, d.f.size_struct);
	struct fdt f;
	struct answer a;
	found = 0;
	for (size_t q = 0; fdt_open(&f, c) == 0 && q < NQUERIES; q++) {
		ask(&f, q, &a);
		found += a.prop == full[q].prop;
	}
	CHECK_EQ_U64(NQUERIES, found, "struct block moved to the end: every query answered alike");
	free(c);
	c = struct_last_copy(&d, last);
	if (CHECK_EQ_U64(0, fdt_open(&f, c), "cut before /chosen kaslr-seed: opens")) {
		ask(&f, NQUERIES - 1, &a);
		CHECK(a.node == full[NQUERIES - 1].node && a.prop == -1,
		      "cut before /chosen kaslr-seed: node, no value");
	}
	free(c);
	free(d.blob);
}

/* ---- hostile values: each once slipped through an unchecked 32-bit sum ---- */

#define ROOT_FIRST_PROP 8 /* the root's BEGIN_NODE token and its empty name, padded to 4 */
#define HOSTILE_ALARM_S 5 /* a loop that never ends kills the test binary instead of hanging it */

/* The name of the root node's first property, read from the strings block. */
static const char *fdt_string_of_first_prop(const struct fdt *f)
{
	const uint8_t *token = f->blob + f->off_struct + ROOT_FIRST_PROP;
	return fdt_be32(token) == 3 ? (const char *)f->blob + f->off_strings + fdt_be32(token + 8) : NULL;
}

/* A copy of the DTB with one 32-bit value overwritten at byte offset at. */
static uint8_t *patched(const struct dtb *d, size_t at, uint32_t value)
{
	uint8_t *c = copy_of(d->blob, d->file_size);
	put_be32(c + at, value);
	return c;
}

HOST_TEST(fdt_hostile)
{
	struct dtb d;
	struct fdt f;
	if (!load_dtb(env, &d))
		return;
	alarm(HOSTILE_ALARM_S);
	uint8_t *c = patched(&d, HDR_OFF_STRUCT, 0xfffffff0);
	put_be32(c + HDR_SIZE_STRUCT, 0x20);
	CHECK_EQ_U64((uint64_t)-1, (uint64_t)fdt_open(&f, c), "a struct block offset that wraps 2^32 is refused");
	free(c);

	size_t first_len = d.f.off_struct + ROOT_FIRST_PROP + 4;
	static const uint32_t lengths[] = {0xfffffff4, 0xffffffff - 12 - ROOT_FIRST_PROP + 1 + 0x10, 0xffffffff};
	for (size_t i = 0; i < ARRAY_SIZE(lengths); i++) {
		c = patched(&d, first_len, lengths[i]);
		if (!CHECK_EQ_U64(0, fdt_open(&f, c), "length 0x%x: the header is still fine", lengths[i]))
			continue;
		uint32_t len = 0;
		const char *name = fdt_string_of_first_prop(&f);
		CHECK(fdt_path_offset(&f, "/chosen") == -1, "length 0x%x: no walk past the property", lengths[i]);
		CHECK(name && fdt_getprop(&f, 0, name, &len) == NULL, "length 0x%x: the property is not returned",
		      lengths[i]);
		CHECK(name && !fdt_prop_has_string(&f, 0, name, "x"), "length 0x%x: no string read from it",
		      lengths[i]);
		free(c);
	}
	alarm(0);

	uint64_t v = 0;
	int mem = fdt_path_offset(&d.f, "/memory");
	CHECK(mem >= 0 && !fdt_prop_u64(&d.f, mem, "reg", 1, 0x40000000u, &v),
	      "an index whose byte offset wraps 2^32 is refused");
	free(d.blob);
}
