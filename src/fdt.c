#include "fdt.h"

#include <stddef.h>

#define FDT_MAGIC      0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE   2u
#define FDT_PROP       3u
#define FDT_NOP	       4u
#define FDT_END	       9u

/* Byte-wise string helpers: the DTB is read with the MMU off, where picolibc's word-wide
   string routines could make unaligned accesses to Device memory. */
static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static bool str_starts(const char *s, const char *prefix, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		if (s[i] != prefix[i])
			return false;
	return true;
}

static unsigned long component_len(const char *s)
{
	unsigned long n = 0;
	while (s[n] && s[n] != '/')
		n++;
	return n;
}

uint32_t fdt_be32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint32_t token_at(const struct fdt *f, int off)
{
	if (off < 0 || (uint32_t)off + 4 > f->size_struct)
		return FDT_END;
	return fdt_be32(f->blob + f->off_struct + off);
}

static uint32_t align4(uint32_t x)
{
	return (x + 3) & ~3u;
}

/* Length of a NUL-terminated string inside the struct block, or -1 when unterminated. */
static int struct_strlen(const struct fdt *f, uint32_t off)
{
	for (uint32_t i = off; i < f->size_struct; i++)
		if (f->blob[f->off_struct + i] == 0)
			return (int)(i - off);
	return -1;
}

int fdt_open(struct fdt *f, const void *blob)
{
	const uint8_t *b = blob;
	if (!b || fdt_be32(b) != FDT_MAGIC)
		return -1;
	f->blob = b;
	f->size = fdt_be32(b + 4);
	f->off_struct = fdt_be32(b + 8);
	f->off_strings = fdt_be32(b + 12);
	f->size_strings = fdt_be32(b + 32);
	f->size_struct = fdt_be32(b + 36);
	uint32_t version = fdt_be32(b + 20);
	/* Sums in 64 bits: a hostile 32-bit offset must not wrap past the checks. */
	if (version < 17 || (uint64_t)f->off_struct + f->size_struct > f->size ||
	    (uint64_t)f->off_strings + f->size_strings > f->size)
		return -1;
	return 0;
}

const char *fdt_node_name(const struct fdt *f, int node)
{
	if (token_at(f, node) != FDT_BEGIN_NODE || struct_strlen(f, (uint32_t)node + 4) < 0)
		return NULL;
	return (const char *)f->blob + f->off_struct + node + 4;
}

/* Offset just past the node's name (its first property or child), or -1. */
static int node_body(const struct fdt *f, int node)
{
	if (token_at(f, node) != FDT_BEGIN_NODE)
		return -1;
	int len = struct_strlen(f, (uint32_t)node + 4);
	return len < 0 ? -1 : (int)align4((uint32_t)node + 4 + (uint32_t)len + 1);
}

/* Offset of the token after a property or NOP at off, or -1 if the property runs past the block. */
static int skip_prop(const struct fdt *f, int off)
{
	if (token_at(f, off) == FDT_NOP)
		return off + 4;
	uint64_t next = ((uint64_t)off + 12 + token_at(f, off + 4) + 3) & ~UINT64_C(3);
	return next <= f->size_struct ? (int)next : -1;
}

/* Offset of the token after the whole node at node (after its END_NODE), or -1. */
static int skip_node(const struct fdt *f, int node)
{
	int off = node_body(f, node);
	while (off >= 0) {
		uint32_t tok = token_at(f, off);
		if (tok == FDT_END_NODE)
			return off + 4;
		if (tok == FDT_BEGIN_NODE)
			off = skip_node(f, off);
		else if (tok == FDT_PROP || tok == FDT_NOP)
			off = skip_prop(f, off);
		else
			return -1;
	}
	return -1;
}

static int first_node_at_or_after(const struct fdt *f, int off)
{
	while (off >= 0) {
		uint32_t tok = token_at(f, off);
		if (tok == FDT_BEGIN_NODE)
			return off;
		if (tok == FDT_PROP || tok == FDT_NOP)
			off = skip_prop(f, off);
		else
			return -1;
	}
	return -1;
}

int fdt_first_subnode(const struct fdt *f, int node)
{
	return first_node_at_or_after(f, node_body(f, node));
}

int fdt_next_subnode(const struct fdt *f, int node)
{
	int off = skip_node(f, node);
	while (off >= 0 && token_at(f, off) == FDT_NOP)
		off += 4;
	return off >= 0 && token_at(f, off) == FDT_BEGIN_NODE ? off : -1;
}

static bool name_matches(const char *name, const char *want, unsigned long want_len)
{
	if (!name || !str_starts(name, want, want_len))
		return false;
	bool want_has_unit = false;
	for (unsigned long i = 0; i < want_len; i++)
		want_has_unit |= want[i] == '@';
	return name[want_len] == 0 || (name[want_len] == '@' && !want_has_unit);
}

int fdt_path_offset(const struct fdt *f, const char *path)
{
	int node = 0;
	if (token_at(f, 0) != FDT_BEGIN_NODE || path[0] != '/')
		return -1;
	while (*path) {
		while (*path == '/')
			path++;
		if (!*path)
			break;
		unsigned long len = component_len(path);
		int child = fdt_first_subnode(f, node);
		while (child >= 0 && !name_matches(fdt_node_name(f, child), path, len))
			child = fdt_next_subnode(f, child);
		if (child < 0)
			return -1;
		node = child;
		path += len;
	}
	return node;
}

const void *fdt_getprop(const struct fdt *f, int node, const char *name, uint32_t *len)
{
	int off = node_body(f, node);
	while (off >= 0) {
		uint32_t tok = token_at(f, off);
		if (tok == FDT_NOP) {
			off += 4;
			continue;
		}
		if (tok != FDT_PROP)
			return NULL;
		uint32_t plen = token_at(f, off + 4), nameoff = token_at(f, off + 8);
		if (nameoff < f->size_strings && str_eq((const char *)f->blob + f->off_strings + nameoff, name)) {
			if ((uint64_t)off + 12 + plen > f->size_struct)
				return NULL;
			if (len)
				*len = plen;
			return f->blob + f->off_struct + off + 12;
		}
		off = skip_prop(f, off);
	}
	return NULL;
}

bool fdt_prop_has_string(const struct fdt *f, int node, const char *name, const char *value)
{
	uint32_t len;
	const char *p = fdt_getprop(f, node, name, &len);
	for (uint32_t i = 0; p && i < len;) {
		uint32_t n = 0;
		while (i + n < len && p[i + n])
			n++;
		if (i + n < len && str_eq(p + i, value))
			return true;
		i += n + 1;
	}
	return false;
}

bool fdt_prop_u64(const struct fdt *f, int node, const char *name, unsigned cells, unsigned index, uint64_t *out)
{
	uint32_t len;
	const uint8_t *p = fdt_getprop(f, node, name, &len);
	if (!p || (cells != 1 && cells != 2) || ((uint64_t)index + 1) * cells * 4 > len)
		return false;
	p += (uint64_t)index * cells * 4;
	*out = cells == 2 ? (uint64_t)fdt_be32(p) << 32 | fdt_be32(p + 4) : fdt_be32(p);
	return true;
}

int fdt_next_cpu(const struct fdt *f, int prev, uint64_t *mpidr)
{
	int cpus = fdt_path_offset(f, "/cpus");
	if (cpus < 0)
		return -1;
	uint32_t len;
	const void *cells = fdt_getprop(f, cpus, "#address-cells", &len);
	unsigned addr_cells = cells && len == 4 ? fdt_be32(cells) : 1;
	for (int n = prev < 0 ? fdt_first_subnode(f, cpus) : fdt_next_subnode(f, prev); n >= 0;
	     n = fdt_next_subnode(f, n))
		if (fdt_prop_has_string(f, n, "device_type", "cpu") && fdt_prop_u64(f, n, "reg", addr_cells, 0, mpidr))
			return n;
	return -1;
}

/* A number of 1 or 2 big-endian cells at p. */
static uint64_t cells_at(const uint8_t *p, unsigned cells)
{
	return cells == 2 ? (uint64_t)fdt_be32(p) << 32 | fdt_be32(p + 4) : fdt_be32(p);
}

static unsigned root_cells(const struct fdt *f, const char *name, unsigned dflt)
{
	uint32_t len = 0;
	const void *v = fdt_getprop(f, 0, name, &len);
	return v && len == 4 ? fdt_be32(v) : dflt;
}

unsigned fdt_memory_holding(const struct fdt *f, uint64_t addr, struct fdt_range *found)
{
	unsigned ac = root_cells(f, "#address-cells", 2), sc = root_cells(f, "#size-cells", 1), count = 0;
	*found = (struct fdt_range){0, 0};
	if (ac < 1 || ac > 2 || sc < 1 || sc > 2)
		return 0;
	for (int n = fdt_first_subnode(f, 0); n >= 0; n = fdt_next_subnode(f, n)) {
		uint32_t len = 0;
		const uint8_t *reg = fdt_getprop(f, n, "reg", &len);
		if (!reg || !fdt_prop_has_string(f, n, "device_type", "memory"))
			continue;
		for (uint32_t off = 0; off + (ac + sc) * 4 <= len; off += (ac + sc) * 4) {
			struct fdt_range r = {cells_at(reg + off, ac), cells_at(reg + off + ac * 4, sc)};
			if (!r.size)
				continue;
			count++;
			if (!found->size && addr >= r.base && addr - r.base < r.size)
				*found = r;
		}
	}
	return count;
}
