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

/*
 * FOR_EACH_LINE(insn, p, n, step): `insn p` on the n lines from p, advancing p by step; the loop of
 * Linux's dcache_by_line_op, unrolled. A line costs two instructions, the operation and the step to
 * the next line's address (DC and IC take no offset), which is the lower bound the bench compares
 * with. The unrolling adds one test per binary digit of n below LINES_BLOCK (each digit a straight run
 * of that many lines) and two per block of LINES_BLOCK lines, and never touches a line outside the n.
 */
#define LINES_BLOCK 64
#define MAINT_LINE(insn, p)                                                                                            \
	do {                                                                                                           \
		MAINT_ADDRESS_MARK(p);                                                                                 \
		MAINT_OP(insn, p);                                                                                     \
	} while (0)
#define LINE(insn, p, step)                                                                                            \
	do {                                                                                                           \
		MAINT_LINE(insn, p);                                                                                   \
		(p) += (step);                                                                                         \
	} while (0)
#define TIMES_2(x)  x x
#define TIMES_4(x)  TIMES_2(x) TIMES_2(x)
#define TIMES_8(x)  TIMES_4(x) TIMES_4(x)
#define TIMES_16(x) TIMES_8(x) TIMES_8(x)
#define TIMES_32(x) TIMES_16(x) TIMES_16(x)
#define TIMES_64(x) TIMES_32(x) TIMES_32(x)
#define FOR_EACH_LINE(insn, p, n, step)                                                                                \
	do {                                                                                                           \
		size_t n_ = (n);                                                                                       \
		if (n_ & 1)                                                                                            \
			LINE(insn, p, step);                                                                           \
		if (n_ & 2) {                                                                                          \
			TIMES_2(LINE(insn, p, step);)                                                                  \
		}                                                                                                      \
		if (n_ & 4) {                                                                                          \
			TIMES_4(LINE(insn, p, step);)                                                                  \
		}                                                                                                      \
		if (n_ & 8) {                                                                                          \
			TIMES_8(LINE(insn, p, step);)                                                                  \
		}                                                                                                      \
		if (n_ & 16) {                                                                                         \
			TIMES_16(LINE(insn, p, step);)                                                                 \
		}                                                                                                      \
		if (n_ & 32) {                                                                                         \
			TIMES_32(LINE(insn, p, step);)                                                                 \
		}                                                                                                      \
		for (n_ /= LINES_BLOCK; n_; n_--) {                                                                    \
			TIMES_64(LINE(insn, p, step);)                                                                 \
		}                                                                                                      \
	} while (0)

static struct cache_lines lines = {.dline = 4, .iline = 4}; /* safe (slow) until configured */
static size_t whole_cache_threshold = ICACHE_WHOLE_CACHE_THRESHOLD_DEFAULT;
static bool clean_inval; /* ERRATUM_CLEAN_INVAL: the PoU clean is DC CIVAC (Linux ARM64_WORKAROUND_CLEAN_CACHE) */

/*
 * The short path of icache_sync_range: 1 to line bytes, so one line or two, the JIT's patch of an
 * instruction. It needs equal D and I line sizes, the DC CVAU clean (no erratum) and IC by line (no
 * DIC); with IDC its clean is DSB ISHST. short_line_plain (without IDC) and short_line_idc (with IDC)
 * hold the line size where it applies, else 0: one load and one comparison select it. Each is in a
 * section of its own: grouped with the other variables (a section anchor), a load costs one more ADD.
 */
static uintptr_t short_line_plain __attribute__((section(".bss.icache_short_line_plain")));
static uintptr_t short_line_idc __attribute__((section(".bss.icache_short_line_idc")));

static void derive_short_path(void)
{
	bool by_line = lines.dline == lines.iline && !clean_inval && !lines.dic && lines.iline <= whole_cache_threshold;
	short_line_plain = by_line && !lines.idc ? lines.dline : 0;
	short_line_idc = by_line && lines.idc ? lines.iline : 0;
}

void icache_apply_errata(unsigned actions)
{
	clean_inval = actions & ERRATUM_CLEAN_INVAL;
	/* Neoverse-N1 1542419: DIC is not to be trusted (Linux hides it from EL0; at EL1 we invalidate). */
	if (actions & ERRATUM_NO_DIC)
		lines.dic = false;
	derive_short_path();
}

void icache_configure(struct cache_lines l)
{
	lines = l;
	derive_short_path();
}
struct cache_lines icache_configuration(void)
{
	return lines;
}
void icache_set_whole_cache_threshold(size_t bytes)
{
	whole_cache_threshold = bytes;
	derive_short_path();
}

void dc_clean_lines(enum icache_clean kind, uintptr_t first, size_t n, uintptr_t step)
{
	switch (kind) {
	case ICACHE_CLEAN_POU: FOR_EACH_LINE("dc cvau", first, n, step); break;
	case ICACHE_CLEAN_POC: FOR_EACH_LINE("dc cvac", first, n, step); break;
	case ICACHE_CLEAN_INVAL_POC: FOR_EACH_LINE("dc civac", first, n, step); break;
	}
}

void ic_invalidate_lines(uintptr_t first, size_t n, uintptr_t step)
{
	FOR_EACH_LINE("ic ivau", first, n, step);
}

/* Inlined into both entry points, so the default (icache_sync_range) has no dispatch on the method. The
   configuration is read into locals once: the maintenance's "memory" clobber would reload it per line. */
static inline __attribute__((always_inline)) void sync_range(uintptr_t va, size_t len, enum icache_clean clean,
							     enum icache_inval inval)
{
	const struct cache_lines l = lines;
	uintptr_t p;
	size_t n;
	/* IDC removes the need to clean to PoU, never to PoC. */
	if (l.idc && clean == ICACHE_CLEAN_POU) {
		MAINT_BARRIER("dsb ishst");
	} else {
		n = cache_lines_covering(va, len, l.dline, &p);
		if (clean == ICACHE_CLEAN_POU && clean_inval)
			clean = ICACHE_CLEAN_INVAL_POC;
		switch (clean) {
		case ICACHE_CLEAN_POU: FOR_EACH_LINE("dc cvau", p, n, l.dline); break;
		case ICACHE_CLEAN_POC: FOR_EACH_LINE("dc cvac", p, n, l.dline); break;
		case ICACHE_CLEAN_INVAL_POC: FOR_EACH_LINE("dc civac", p, n, l.dline); break;
		}
		MAINT_BARRIER("dsb ish");
	}
	/* DIC removes the need to invalidate, unless the caller asked for the whole cache regardless. */
	bool whole = inval == ICACHE_INVAL_ALL || (inval == ICACHE_INVAL_AUTO && len > whole_cache_threshold && !l.dic);
	if (whole) {
		MAINT_BARRIER("ic ialluis");
		MAINT_BARRIER("dsb ish");
	} else if (!l.dic) {
		n = cache_lines_covering(va, len, l.iline, &p);
		FOR_EACH_LINE("ic ivau", p, n, l.iline);
		MAINT_BARRIER("dsb ish");
	}
	MAINT_BARRIER("isb");
}

void icache_sync_range_with(const void *va, size_t len, struct icache_method m)
{
	sync_range((uintptr_t)va, len, m.clean, m.inval);
}

/* The short path for the lines of first and of last (the same line unless two): always inlined, so each
   use is straight-line code. DC and IC act on the line holding the address they are given. */
static inline __attribute__((always_inline)) void short_path(uintptr_t first, uintptr_t last, bool two, bool idc)
{
	if (idc) {
		MAINT_BARRIER("dsb ishst");
	} else {
		MAINT_LINE("dc cvau", first);
		if (two)
			MAINT_LINE("dc cvau", last);
		MAINT_BARRIER("dsb ish");
	}
	MAINT_LINE("ic ivau", first);
	if (two)
		MAINT_LINE("ic ivau", last);
	MAINT_BARRIER("dsb ish");
	MAINT_BARRIER("isb");
}

/* The default: one or two lines by the short path, anything else by the general one. */
void icache_sync_range(const void *start, size_t len)
{
	const uintptr_t va = (uintptr_t)start, last = va + len - 1;
	if (len - 1 < short_line_plain)
		short_path(va, last, (va ^ last) >= short_line_plain, false);
	else if (len - 1 < short_line_idc)
		short_path(va, last, (va ^ last) >= short_line_idc, true);
	else
		sync_range(va, len, ICACHE_CLEAN_POU, ICACHE_INVAL_AUTO);
}
