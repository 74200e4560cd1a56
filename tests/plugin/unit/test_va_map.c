/* The learnt translations: a hit gives the page's physical address with the offset, a miss is a miss, a
   newer access replaces an older one, a flush forgets everything. */
#include "unit_tests.h"
#include "va_map.h"

static void learns_and_translates(void)
{
	struct va_map *m = va_map_new();
	uint64_t pa = 0;
	CHECK(m != NULL, "va_map_new");
	if (!m)
		return;
	CHECK(!va_map_lookup(m, 0x4000123, &pa), "empty map: miss");
	va_map_learn(m, 0xffff000000201234u, 0x40201000u);
	CHECK(va_map_lookup(m, 0xffff000000201ff8u, &pa) && pa == 0x40201ff8u, "same page, other offset: 0x%llx",
	      (unsigned long long)pa);
	CHECK(!va_map_lookup(m, 0xffff000000202000u, &pa), "next page: miss");
	va_map_learn(m, 0xffff000000201000u, 0x40801000u);
	CHECK(va_map_lookup(m, 0xffff000000201040u, &pa) && pa == 0x40801040u, "remapped page: the newer access");
	va_map_learn(m, 0x40000000u, 0x40000000u);
	va_map_flush(m);
	CHECK(!va_map_lookup(m, 0xffff000000201040u, &pa) && !va_map_lookup(m, 0x40000000u, &pa),
	      "flush forgets every page");
	va_map_free(m);
}

static void many_pages(void)
{
	struct va_map *m = va_map_new();
	if (!m)
		return;
	unsigned hits = 0, wrong = 0;
	for (uint64_t i = 0; i < 4096; i++)
		va_map_learn(m, 0x80000000u + (i << 12), 0x40000000u + (i << 12));
	for (uint64_t i = 0; i < 4096; i++) {
		uint64_t pa;
		if (!va_map_lookup(m, 0x80000000u + (i << 12) + 8, &pa))
			continue;
		hits++;
		wrong += pa != 0x40000000u + (i << 12) + 8;
	}
	CHECK(wrong == 0, "%u wrong translations", wrong);
	CHECK(hits >= 4000, "%u of 4096 recent pages still known", hits);
	va_map_free(m);
}

UNIT_TEST_GROUP(va_map_tests, {"va_map: learn, translate, replace, flush", learns_and_translates},
		{"va_map: 4096 pages, never a wrong translation", many_pages});
