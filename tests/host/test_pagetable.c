/* src/runtime/pagetable.c: block/page choice, lookups with attributes, errors, aliases. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pagetable.h"
#include "sysreg.h"

#define KiB(n) ((uint64_t)(n) << 10)
#define MiB(n) ((uint64_t)(n) << 20)
#define GiB(n) ((uint64_t)(n) << 30)
#define VA_END (UL(1) << PT_VA_BITS)

/* Attribute sets as the firmware uses them. */
#define NORMAL	(PTE_ATTRINDX(MT_NORMAL) | PTE_AF | PTE_SH_INNER | PTE_PXN | PTE_UXN)
#define DEVICE	(PTE_ATTRINDX(MT_DEVICE_nGnRE) | PTE_AF | PTE_PXN | PTE_UXN)
#define CODE_RO (PTE_ATTRINDX(MT_NORMAL) | PTE_AF | PTE_SH_INNER | PTE_AP_RO | PTE_UXN)
#define NC_RWX	(PTE_ATTRINDX(MT_NORMAL_NC) | PTE_AF | PTE_SH_INNER)

struct mapping {
	uint64_t va, pa, size, attrs;
};

/* What pt_lookup should say about one VA. */
struct probe {
	const char *what;
	uint64_t va;
	bool mapped;
	uint64_t pa;
	unsigned level;
	uint64_t attrs;
};

struct fixture {
	struct pagetables pt;
	pt_table *pool;
};

/* A fresh 4 KiB-aligned zeroed pool of n tables. */
static void fixture_init(struct fixture *f, unsigned n)
{
	f->pool = aligned_alloc(PT_PAGE_SIZE, n * sizeof(pt_table));
	if (!f->pool)
		abort();
	memset(f->pool, 0, n * sizeof(pt_table));
	pt_init(&f->pt, f->pool, n);
}

static void fixture_free(struct fixture *f)
{
	free(f->pool);
}

static bool map_ok(struct fixture *f, const char *what, struct mapping m)
{
	int err = pt_map(&f->pt, m.va, m.pa, m.size, m.attrs);
	return CHECK_EQ_U64(PT_OK, err, "map %s: VA 0x%llx size 0x%llx", what, (unsigned long long)m.va,
			    (unsigned long long)m.size);
}

static void check_probe(const struct fixture *f, const struct probe *p)
{
	uint64_t pa = 0, attrs = 0;
	unsigned level = 0;
	bool mapped = pt_lookup(&f->pt, p->va, &pa, &attrs, &level);
	if (!CHECK_EQ_U64(p->mapped, mapped, "%s: VA 0x%llx %s", p->what, (unsigned long long)p->va,
			  p->mapped ? "mapped" : "not mapped") ||
	    !mapped)
		return;
	CHECK_EQ_U64(p->pa, pa, "%s: VA 0x%llx -> PA", p->what, (unsigned long long)p->va);
	CHECK_EQ_U64(p->level, level, "%s: level", p->what);
	CHECK_EQ_U64(p->attrs, attrs, "%s: attributes", p->what);
}

static void check_probes(const struct fixture *f, const struct probe *probes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_probe(f, &probes[i]);
}

/* ---- block and page choice ---- */

static const struct {
	const char *what;
	struct mapping m;
} layout[] = {
    {"1 GiB aligned", {GiB(1), GiB(1), GiB(1), NORMAL}},
    {"2 MiB aligned", {MiB(2), 0x08000000, MiB(2), DEVICE}},
    {"three pages", {KiB(4), 0x09000000, KiB(12), CODE_RO}},
    {"page then block", {0x005ff000, 0x7ffff000, KiB(4) + MiB(2), NORMAL}},
    {"block then page", {MiB(8), 0x10000000, MiB(2) + KiB(4), DEVICE}},
    {"VA 2 MiB aligned, PA not", {MiB(12), 0x20001000, MiB(2), NC_RWX}},
    {"below a guard page", {0x10000000, 0x30000000, KiB(8), NORMAL}},
    {"above a guard page", {0x10003000, 0x30003000, KiB(4), NORMAL}},
    {"last page of the VA space", {VA_END - KiB(4), 0x1000, KiB(4), CODE_RO}},
    {"two 1 GiB blocks", {GiB(256), GiB(4), GiB(2), NORMAL}},
};

static const struct probe layout_probes[] = {
    {"1 GiB block, first byte", GiB(1), true, GiB(1), 1, NORMAL},
    {"1 GiB block, inside", GiB(1) + 0x12345678, true, GiB(1) + 0x12345678, 1, NORMAL},
    {"1 GiB block, last byte", GiB(2) - 1, true, GiB(2) - 1, 1, NORMAL},
    {"after the 1 GiB block", GiB(2), false, 0, 0, 0},
    {"2 MiB block, inside", MiB(2) + 0x1234, true, 0x08001234, 2, DEVICE},
    {"2 MiB block, last byte", MiB(4) - 1, true, 0x081fffff, 2, DEVICE},
    {"below the pages", 0xfff, false, 0, 0, 0},
    {"first page", KiB(4), true, 0x09000000, 3, CODE_RO},
    {"second page, inside", 0x2abc, true, 0x09001abc, 3, CODE_RO},
    {"third page, last byte", 0x3fff, true, 0x09002fff, 3, CODE_RO},
    {"after the pages", KiB(16), false, 0, 0, 0},
    {"page before a block", 0x005ff123, true, 0x7ffff123, 3, NORMAL},
    {"block after a page", MiB(6), true, 0x80000000, 2, NORMAL},
    {"block after a page, last byte", MiB(8) - 1, true, 0x801fffff, 2, NORMAL},
    {"block before a page", MiB(8) + 0x10, true, 0x10000010, 2, DEVICE},
    {"page after a block", MiB(10) + 0xfff, true, 0x10200fff, 3, DEVICE},
    {"after block and page", MiB(10) + KiB(4), false, 0, 0, 0},
    {"PA-misaligned range, first page", MiB(12), true, 0x20001000, 3, NC_RWX},
    {"PA-misaligned range, last page", MiB(14) - KiB(4), true, 0x20200000, 3, NC_RWX},
    {"below the guard page", 0x10001fff, true, 0x30001fff, 3, NORMAL},
    {"the guard page", 0x10002000, false, 0, 0, 0},
    {"the guard page, last byte", 0x10002fff, false, 0, 0, 0},
    {"above the guard page", 0x10003000, true, 0x30003000, 3, NORMAL},
    {"last byte of the VA space", VA_END - 1, true, 0x1fff, 3, CODE_RO},
    {"first VA beyond 39 bits", VA_END, false, 0, 0, 0},
    {"second 1 GiB block", GiB(257) + 5, true, GiB(5) + 5, 1, NORMAL},
    {"after two 1 GiB blocks", GiB(258), false, 0, 0, 0},
};

/* Tables a single mapping takes from a fresh pool (the level 1 table is pool[0]). */
static const struct {
	const char *what;
	struct mapping m;
	unsigned tables;
} table_use[] = {
    {"1 GiB block", {GiB(3), GiB(3), GiB(1), NORMAL}, 1},
    {"2 MiB block", {MiB(6), MiB(6), MiB(2), NORMAL}, 2},
    {"one page", {KiB(8), KiB(8), KiB(4), NORMAL}, 3},
    {"2 MiB + 4 KiB", {MiB(6), MiB(6), MiB(2) + KiB(4), NORMAL}, 3},
    {"1 GiB + 2 MiB + 4 KiB", {GiB(1), GiB(1), GiB(1) + MiB(2) + KiB(4), NORMAL}, 3},
};

HOST_TEST(pagetable_blocks)
{
	(void)env;
	struct fixture f;
	fixture_init(&f, 16);
	for (size_t i = 0; i < ARRAY_SIZE(layout); i++)
		map_ok(&f, layout[i].what, layout[i].m);
	check_probes(&f, layout_probes, ARRAY_SIZE(layout_probes));
	fixture_free(&f);

	for (size_t i = 0; i < ARRAY_SIZE(table_use); i++) {
		fixture_init(&f, 8);
		if (map_ok(&f, table_use[i].what, table_use[i].m))
			CHECK_EQ_U64(table_use[i].tables, f.pt.used, "%s: tables used", table_use[i].what);
		fixture_free(&f);
	}
}

/* ---- errors ---- */

/* Brace initializers, which clang-format 14 would split over lines. */
/* clang-format off */
#define NONE {0, 0, 0, 0}
/* clang-format on */

static const struct {
	const char *what;
	struct mapping before; /* mapped first (unless size 0), must succeed */
	struct mapping m;
	int expected;
	unsigned pool;
} error_cases[] = {
    {"adjacent pages", {KiB(4), KiB(4), KiB(4), NORMAL}, {KiB(8), KiB(8), KiB(4), NORMAL}, PT_OK, 4},
    {"page over page", {KiB(4), KiB(4), KiB(4), NORMAL}, {KiB(4), KiB(40), KiB(4), NORMAL}, PT_ERR_OVERLAP, 4},
    {"range ending over a page", {KiB(12), 0, KiB(4), NORMAL}, {0, 0, KiB(16), NORMAL}, PT_ERR_OVERLAP, 4},
    {"page inside a 2 MiB block", {MiB(2), MiB(2), MiB(2), NORMAL}, {MiB(3), 0, KiB(4), NORMAL}, PT_ERR_OVERLAP, 4},
    {"page inside a 1 GiB block",
     {GiB(1), GiB(1), GiB(1), NORMAL},
     {GiB(1) + KiB(20), 0, KiB(4), NORMAL},
     PT_ERR_OVERLAP,
     4},
    {"2 MiB block inside a 1 GiB block",
     {GiB(1), GiB(1), GiB(1), NORMAL},
     {GiB(1) + MiB(4), 0, MiB(2), NORMAL},
     PT_ERR_OVERLAP,
     4},
    {"2 MiB block over a page table",
     {MiB(2) + KiB(4), 0, KiB(4), NORMAL},
     {MiB(2), MiB(2), MiB(2), NORMAL},
     PT_ERR_OVERLAP,
     4},
    {"1 GiB block over a block table",
     {GiB(1) + MiB(2), 0, MiB(2), NORMAL},
     {GiB(1), GiB(1), GiB(1), NORMAL},
     PT_ERR_OVERLAP,
     4},
    {"VA not page aligned", NONE, {KiB(4) + 1, 0, KiB(4), NORMAL}, PT_ERR_ALIGN, 4},
    {"PA not page aligned", NONE, {KiB(4), 0x800, KiB(4), NORMAL}, PT_ERR_ALIGN, 4},
    {"size not page aligned", NONE, {KiB(4), KiB(4), KiB(4) + 1, NORMAL}, PT_ERR_ALIGN, 4},
    {"size half a page", NONE, {KiB(4), KiB(4), KiB(2), NORMAL}, PT_ERR_ALIGN, 4},
    {"size 0", NONE, {KiB(4), KiB(4), 0, NORMAL}, PT_ERR_RANGE, 4},
    {"VA at 2^39", NONE, {VA_END, 0, KiB(4), NORMAL}, PT_ERR_RANGE, 4},
    {"VA range crossing 2^39", NONE, {VA_END - KiB(4), 0, KiB(8), NORMAL}, PT_ERR_RANGE, 4},
    {"VA range wrapping 2^64", NONE, {0xfffffffffffff000, 0, KiB(8), NORMAL}, PT_ERR_RANGE, 4},
    {"PA at 2^48", NONE, {0, UL(1) << 48, KiB(4), NORMAL}, PT_ERR_RANGE, 4},
    {"PA range crossing 2^48", NONE, {0, (UL(1) << 48) - KiB(4), KiB(8), NORMAL}, PT_ERR_RANGE, 4},
    {"PA range wrapping 2^64", NONE, {KiB(4), 0xfffffffffffff000, KiB(4), NORMAL}, PT_ERR_RANGE, 4},
    {"1 GiB block, pool of 1", NONE, {0, 0, GiB(1), NORMAL}, PT_OK, 1},
    {"2 MiB block, pool of 1", NONE, {0, 0, MiB(2), NORMAL}, PT_ERR_NOMEM, 1},
    {"page, pool of 2", NONE, {0, 0, KiB(4), NORMAL}, PT_ERR_NOMEM, 2},
    {"page, pool of 3", NONE, {0, 0, KiB(4), NORMAL}, PT_OK, 3},
    {"second 1 GiB region, pool used up", {0, 0, MiB(2), NORMAL}, {GiB(1), 0, MiB(2), NORMAL}, PT_ERR_NOMEM, 2},
};

static void check_error_case(size_t i)
{
	struct fixture f;
	const char *what = error_cases[i].what;
	const struct mapping *b = &error_cases[i].before, *m = &error_cases[i].m;
	fixture_init(&f, error_cases[i].pool);
	if (!b->size || map_ok(&f, what, *b)) {
		int err = pt_map(&f.pt, m->va, m->pa, m->size, m->attrs);
		CHECK_EQ_U64((uint64_t)(int64_t)error_cases[i].expected, (uint64_t)(int64_t)err, "%s: %s", what,
			     pt_strerror(error_cases[i].expected));
	}
	if (b->size) {
		/* Whatever the second call did, the first mapping is still there, unchanged. */
		uint64_t last = b->size - 1, pa, attrs;
		unsigned level;
		bool mapped = pt_lookup(&f.pt, b->va + last, &pa, &attrs, &level);
		CHECK(mapped && pa == b->pa + last && attrs == b->attrs, "%s: earlier mapping intact", what);
	}
	fixture_free(&f);
}

static const struct {
	int err;
	const char *says;
} error_texts[] = {
    {PT_OK, "ok"},
    {PT_ERR_ALIGN, "aligned"},
    {PT_ERR_RANGE, "39-bit"},
    {PT_ERR_OVERLAP, "overlaps"},
    {PT_ERR_NOMEM, "out of"},
    {42, "unknown"},
};

HOST_TEST(pagetable_errors)
{
	(void)env;
	for (size_t i = 0; i < ARRAY_SIZE(error_cases); i++)
		check_error_case(i);
	for (size_t i = 0; i < ARRAY_SIZE(error_texts); i++)
		CHECK_CONTAINS(pt_strerror(error_texts[i].err), error_texts[i].says, "pt_strerror(%d)",
			       error_texts[i].err);
}

/* ---- aliases: one PA, several VAs with different attributes ---- */

#define ARENA_PA 0x40200000ULL
#define ALIAS_VA 0x1000000000ULL

static const struct mapping aliases[] = {
    {ARENA_PA, ARENA_PA, MiB(2), NORMAL},			      /* identity, RW, never executable */
    {ALIAS_VA, ARENA_PA, MiB(2), CODE_RO},			      /* RO, executable */
    {ALIAS_VA + MiB(2), ARENA_PA, MiB(2), NC_RWX},		      /* Non-cacheable */
    {ALIAS_VA + MiB(4) + KiB(12), ARENA_PA + KiB(4), KiB(4), DEVICE}, /* one page of it again */
};

static const struct probe alias_probes[] = {
    {"identity", ARENA_PA + 0x1234, true, ARENA_PA + 0x1234, 2, NORMAL},
    {"alias at 0x1000000000", ALIAS_VA + 0x1234, true, ARENA_PA + 0x1234, 2, CODE_RO},
    {"Non-cacheable alias", ALIAS_VA + MiB(2) + 0x1234, true, ARENA_PA + 0x1234, 2, NC_RWX},
    {"page alias", ALIAS_VA + MiB(4) + KiB(12) + 0x234, true, ARENA_PA + 0x1234, 3, DEVICE},
    {"beside the page alias", ALIAS_VA + MiB(4) + KiB(16), false, 0, 0, 0},
};

HOST_TEST(pagetable_aliases)
{
	(void)env;
	struct fixture f;
	fixture_init(&f, 8);
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		map_ok(&f, "alias", aliases[i]);
	check_probes(&f, alias_probes, ARRAY_SIZE(alias_probes));
	fixture_free(&f);
}
