#include "icache.h"

#include "cpu.h"

static struct cache_lines lines = {.dline = 4, .iline = 4}; /* safe (slow) until configured */

void icache_configure(struct cache_lines l) { lines = l; }
struct cache_lines icache_configuration(void) { return lines; }

void icache_sync_range(const void *va, size_t len)
{
	uintptr_t p;
	size_t n;
	if (lines.idc) {
		dsb_ishst();
	} else {
		for (n = cache_lines_covering((uintptr_t)va, len, lines.dline, &p); n; n--, p += lines.dline)
			__asm__ volatile("dc cvau, %0" ::"r"(p) : "memory");
		dsb_ish();
	}
	if (!lines.dic) {
		for (n = cache_lines_covering((uintptr_t)va, len, lines.iline, &p); n; n--, p += lines.iline)
			__asm__ volatile("ic ivau, %0" ::"r"(p) : "memory");
		dsb_ish();
	}
	isb();
}
