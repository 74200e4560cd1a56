#include "icache.h"

#include <stdbool.h>

#include "errata.h"

#ifdef SELFMOD_HOST_TRACE
/* Host unit tests: every instruction this file would issue is recorded instead (tests/host). */
void maint_trace(const char *insn, uintptr_t address);
#define MAINT_OP(insn, p)   maint_trace(insn, p)
#define MAINT_BARRIER(insn) maint_trace(insn, 0)
#else
#define MAINT_OP(insn, p)   __asm__ volatile(insn ", %0" ::"r"(p) : "memory")
#define MAINT_BARRIER(insn) __asm__ volatile(insn ::: "memory")
#endif

static struct cache_lines lines = {.dline = 4, .iline = 4}; /* safe (slow) until configured */
static unsigned dshift = 2, ishift = 2;			    /* log2 of the line sizes */
static size_t whole_cache_threshold = ICACHE_WHOLE_CACHE_THRESHOLD_DEFAULT;

static bool clean_inval; /* ERRATUM_CLEAN_INVAL: the PoU clean is DC CIVAC (Linux ARM64_WORKAROUND_CLEAN_CACHE) */

void icache_apply_errata(unsigned actions)
{
	clean_inval = actions & ERRATUM_CLEAN_INVAL;
	/* Neoverse-N1 1542419: DIC is not to be trusted (Linux hides it from EL0; at EL1 we invalidate). */
	if (actions & ERRATUM_NO_DIC)
		lines.dic = false;
}

void icache_configure(struct cache_lines l)
{
	lines = l;
	dshift = (unsigned)__builtin_ctz(l.dline);
	ishift = (unsigned)__builtin_ctz(l.iline);
}
struct cache_lines icache_configuration(void)
{
	return lines;
}
void icache_set_whole_cache_threshold(size_t bytes)
{
	whole_cache_threshold = bytes;
}

/*
 * One maintenance instruction per line, and the step to the next line's address (DC and IC take no
 * offset): the loop is unrolled by LINES_UNROLL with a computed entry (Duff's device), so a line costs
 * those two instructions plus 2/LINES_UNROLL for the loop, with no separate loop for the remainder.
 */
#define LINES_UNROLL	  32
#define SMALL_RANGE_LINES 4 /* below this, a plain loop costs less than the computed entry */
#define FALLTHROUGH	  __attribute__((fallthrough))
#define C(k, L)                                                                                                        \
	FALLTHROUGH;                                                                                                   \
	case k:                                                                                                        \
		L
#define UNROLLED_CASES_31_TO_1(L)                                                                                      \
	C(31, L)                                                                                                       \
	C(30, L)                                                                                                       \
	C(29, L)                                                                                                       \
	C(28, L)                                                                                                       \
	C(27, L)                                                                                                       \
	C(26, L)                                                                                                       \
	C(25, L)                                                                                                       \
	C(24, L)                                                                                                       \
	C(23, L) C(22, L) C(21, L) C(20, L) C(19, L) C(18, L) C(17, L) C(16, L) C(15, L) C(14, L) C(13, L) C(12, L)    \
	    C(11, L) C(10, L) C(9, L) C(8, L) C(7, L) C(6, L) C(5, L) C(4, L) C(3, L) C(2, L) C(1, L)

#define DEFINE_LINE_OP(name, insn)                                                                                     \
	static inline __attribute__((always_inline)) void name(uintptr_t p, size_t n, uintptr_t step)                  \
	{                                                                                                              \
		if (n < SMALL_RANGE_LINES) { /* a few lines (patching an instruction): no dispatch */                  \
			if (n)                                                                                         \
				do {                                                                                   \
					LINE_STEP(insn)                                                                \
				} while (--n);                                                                         \
			return;                                                                                        \
		}                                                                                                      \
		uintptr_t end = p + n * step;                                                                          \
		switch (n % LINES_UNROLL) {                                                                            \
		case 0:                                                                                                \
			do {                                                                                           \
				LINE_STEP(insn)                                                                        \
				UNROLLED_CASES_31_TO_1(LINE_STEP(insn))                                                \
			} while (p != end);                                                                            \
		default: break;                                                                                        \
		}                                                                                                      \
	}
#define LINE_STEP(insn)                                                                                                \
	MAINT_ADDRESS_MARK(p);                                                                                         \
	MAINT_OP(insn, p);                                                                                             \
	p += step;

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

void ic_invalidate_lines(uintptr_t first, size_t n, uintptr_t step)
{
	ic_ivau_lines(first, n, step);
}

/* cache_lines_covering for a line of 1 << shift bytes, without a division. */
static inline size_t lines_covering(uintptr_t va, size_t len, unsigned shift, uintptr_t *first)
{
	uintptr_t mask = ((uintptr_t)1 << shift) - 1;
	*first = va & ~mask;
	/* (va - first) + (len - 1) cannot overflow for any range that does not wrap the address space. */
	return len ? (((va - *first) + (len - 1)) >> shift) + 1 : 0;
}

/* Inlined into both entry points, so the default (icache_sync_range) has no dispatch on the method. */
static inline __attribute__((always_inline)) void sync_range(uintptr_t va, size_t len, enum icache_clean clean,
							     enum icache_inval inval)
{
	uintptr_t first;
	size_t n;
	/* IDC removes the need to clean to PoU, never to PoC. */
	if (lines.idc && clean == ICACHE_CLEAN_POU) {
		MAINT_BARRIER("dsb ishst");
	} else {
		n = lines_covering(va, len, dshift, &first);
		switch (clean) {
		case ICACHE_CLEAN_POU:
			if (clean_inval)
				dc_civac_lines(first, n, lines.dline);
			else
				dc_cvau_lines(first, n, lines.dline);
			break;
		case ICACHE_CLEAN_POC: dc_cvac_lines(first, n, lines.dline); break;
		case ICACHE_CLEAN_INVAL_POC: dc_civac_lines(first, n, lines.dline); break;
		}
		MAINT_BARRIER("dsb ish");
	}
	/* DIC removes the need to invalidate, unless the caller asked for the whole cache regardless. */
	bool whole =
	    inval == ICACHE_INVAL_ALL || (inval == ICACHE_INVAL_AUTO && len > whole_cache_threshold && !lines.dic);
	if (whole) {
		MAINT_BARRIER("ic ialluis");
		MAINT_BARRIER("dsb ish");
	} else if (!lines.dic) {
		n = lines_covering(va, len, ishift, &first);
		ic_ivau_lines(first, n, lines.iline);
		MAINT_BARRIER("dsb ish");
	}
	MAINT_BARRIER("isb");
}

void icache_sync_range_with(const void *va, size_t len, struct icache_method m)
{
	sync_range((uintptr_t)va, len, m.clean, m.inval);
}

void icache_sync_range(const void *va, size_t len)
{
	sync_range((uintptr_t)va, len, ICACHE_CLEAN_POU, ICACHE_INVAL_AUTO);
}
