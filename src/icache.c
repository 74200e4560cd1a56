#include "icache.h"

#include <stdbool.h>

#ifdef SELFMOD_HOST_TRACE
/* Host unit tests: every instruction this file would issue is recorded instead (tests/host). */
void maint_trace(const char *insn, uintptr_t address);
#define MAINT_OP(insn, p) maint_trace(insn, p)
#define MAINT_BARRIER(insn) maint_trace(insn, 0)
#else
#define MAINT_OP(insn, p) __asm__ volatile(insn ", %0" ::"r"(p) : "memory")
#define MAINT_BARRIER(insn) __asm__ volatile(insn ::: "memory")
#endif

static struct cache_lines lines = {.dline = 4, .iline = 4}; /* safe (slow) until configured */
static size_t whole_cache_threshold = ICACHE_WHOLE_CACHE_THRESHOLD_DEFAULT;

void icache_configure(struct cache_lines l) { lines = l; }
struct cache_lines icache_configuration(void) { return lines; }
void icache_set_whole_cache_threshold(size_t bytes) { whole_cache_threshold = bytes; }

#define REPEAT8(x) x x x x x x x x

/* One maintenance instruction per line: unrolled by eight, so a line costs the operation and the step. */
#define DEFINE_LINE_OP(name, insn)                                                   \
	static void name(uintptr_t p, size_t n, uintptr_t step)                      \
	{                                                                            \
		for (; n >= 8; n -= 8) {                                             \
			REPEAT8(MAINT_ADDRESS_MARK(p); MAINT_OP(insn, p); p += step;)  \
		}                                                                    \
		for (; n; n--, p += step) {                                          \
			MAINT_ADDRESS_MARK(p);                                       \
			MAINT_OP(insn, p);                                           \
		}                                                                    \
	}

DEFINE_LINE_OP(dc_cvau_lines, "dc cvau")
DEFINE_LINE_OP(dc_cvac_lines, "dc cvac")
DEFINE_LINE_OP(dc_civac_lines, "dc civac")
DEFINE_LINE_OP(ic_ivau_lines, "ic ivau")

void dc_clean_lines(enum icache_clean kind, uintptr_t first, size_t n, uintptr_t step)
{
	switch (kind) {
	case ICACHE_CLEAN_POU: dc_cvau_lines(first, n, step); break;
	case ICACHE_CLEAN_POC: dc_cvac_lines(first, n, step); break;
	case ICACHE_CLEAN_INVAL_POC: dc_civac_lines(first, n, step); break;
	}
}

void ic_invalidate_lines(uintptr_t first, size_t n, uintptr_t step) { ic_ivau_lines(first, n, step); }

void icache_sync_range_with(const void *va, size_t len, struct icache_method m)
{
	uintptr_t first;
	size_t n;
	/* IDC removes the need to clean to PoU, never to PoC. */
	if (lines.idc && m.clean == ICACHE_CLEAN_POU) {
		MAINT_BARRIER("dsb ishst");
	} else {
		n = cache_lines_covering((uintptr_t)va, len, lines.dline, &first);
		dc_clean_lines(m.clean, first, n, lines.dline);
		MAINT_BARRIER("dsb ish");
	}
	/* DIC removes the need to invalidate, unless the caller asked for the whole cache regardless. */
	bool whole = m.inval == ICACHE_INVAL_ALL ||
		     (m.inval == ICACHE_INVAL_AUTO && len > whole_cache_threshold && !lines.dic);
	if (whole) {
		MAINT_BARRIER("ic ialluis");
		MAINT_BARRIER("dsb ish");
	} else if (!lines.dic) {
		n = cache_lines_covering((uintptr_t)va, len, lines.iline, &first);
		ic_ivau_lines(first, n, lines.iline);
		MAINT_BARRIER("dsb ish");
	}
	MAINT_BARRIER("isb");
}

void icache_sync_range(const void *va, size_t len) { icache_sync_range_with(va, len, ICACHE_METHOD_DEFAULT); }
