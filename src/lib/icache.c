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
 * FOR_LINES_THROUGH(insn, p, last, step) is the same loop not unrolled, from p (line-aligned, at most
 * last) through the line holding last: four instructions a line (the operation, the step, a compare
 * with last and the branch) and nothing before or after, the cheaper form up to SHORT_LOOP_BYTES.
 */
#define LINES_BLOCK	 64
#define SHORT_LOOP_BYTES 512
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
#define FOR_LINES_THROUGH(insn, p, last, step)                                                                         \
	do {                                                                                                           \
		LINE(insn, p, step);                                                                                   \
	} while ((p) <= (last))
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
static unsigned dshift = 2, ishift = 2;			    /* log2 of the line sizes */
/* In .data beside the short path's words: icache_sync_range reads it with one LDR (literal) too. */
static uintptr_t whole_cache_threshold __attribute__((section(".data.icache_threshold"))) =
    ICACHE_WHOLE_CACHE_THRESHOLD_DEFAULT;
static bool clean_inval; /* ERRATUM_CLEAN_INVAL: the PoU clean is DC CIVAC (Linux ARM64_WORKAROUND_CLEAN_CACHE) */

/*
 * The short path of icache_sync_range: a range within one line or two, the JIT's patch of an
 * instruction. It needs equal D and I line sizes, the DC CVAU clean (no erratum) and IC by line (no
 * DIC). The mode is chosen once, at configuration: short_plain holds line - 1 (a mask) where the plain form
 * (DC, DSB ISH, IC) applies, short_idc where the IDC form (DSB ISHST, IC) applies, each else 0;
 * at most one is non-zero. Each word is read by one LDR (literal), so it lives in .data, within the
 * +-1 MiB such a load reaches from the code (the link fails with "relocation truncated" otherwise).
 */
static uintptr_t short_plain __attribute__((section(".data.icache_short_plain")));
static uintptr_t short_idc __attribute__((section(".data.icache_short_idc")));
static uintptr_t short_shift __attribute__((section(".data.icache_short_shift"))); /* log2(line) of the mode */
#ifdef SELFMOD_HOST_TRACE
#define LOAD_NEAR(v) (v)
#else
#define LOAD_NEAR(v) load_near(&(v))
static inline uintptr_t load_near(const uintptr_t *v)
{
	uintptr_t x;
	__asm__ volatile("ldr %0, %c1" : "=r"(x) : "S"(v));
	return x;
}
#endif

static unsigned log2_of(unsigned line)
{
	unsigned s = 0;
	while ((1u << s) < line)
		s++;
	return s;
}

static void derive_short_path(void)
{
	bool by_line =
	    lines.dline == lines.iline && !clean_inval && !lines.dic && whole_cache_threshold >= SHORT_LOOP_BYTES;
	uintptr_t mask = lines.dline - 1;
	short_plain = by_line && !lines.idc ? mask : 0;
	short_idc = by_line && lines.idc ? mask : 0;
	dshift = log2_of(lines.dline);
	ishift = log2_of(lines.iline);
	short_shift = dshift;
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

/* The first line-aligned address and the number of lines of 1 << shift bytes covering [va, va+len): the
   count by a shift, not cache_lines_covering's division (a UDIV). */
static inline __attribute__((always_inline)) size_t lines_of(uintptr_t va, size_t len, unsigned shift, uintptr_t *first)
{
	uintptr_t lo = va & -((uintptr_t)1 << shift);
	*first = lo;
	return len ? (((va - lo) + (len - 1)) >> shift) + 1 : 0;
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
		n = lines_of(va, len, dshift, &p);
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
		n = lines_of(va, len, ishift, &p);
		FOR_EACH_LINE("ic ivau", p, n, l.iline);
		MAINT_BARRIER("dsb ish");
	}
	MAINT_BARRIER("isb");
}

void icache_sync_range_with(const void *va, size_t len, struct icache_method m)
{
	sync_range((uintptr_t)va, len, m.clean, m.inval);
}

/*
 * The short path, given mask = line - 1: true when [va, va+len) is 1 byte to the whole-cache threshold and
 * its maintenance is done; always inlined. t = va | ~mask is va's
 * offset in its line minus line, and x = t + (len - 1) modulo 2^64: the sum carries unless the range
 * ends in va's line (one line; len 0 carries too), and after a carry x is the last byte's offset from
 * the start of the next line, at most mask when the range ends there (two lines). One and two lines,
 * the JIT's patch of an instruction, are straight-line code; DC and IC act on the line holding the
 * address they are given, so the second line is named by the last byte. Up to SHORT_LOOP_BYTES the
 * plain loop, above it FOR_EACH_LINE with the count from x; len 0 and IC IALLUIS are the general path's.
 */
static inline __attribute__((always_inline)) void short_maintenance(uintptr_t va, uintptr_t last, bool two, bool idc)
{
	if (idc) {
		MAINT_BARRIER("dsb ishst");
	} else {
		MAINT_LINE("dc cvau", va);
		if (two)
			MAINT_LINE("dc cvau", last);
		MAINT_BARRIER("dsb ish");
	}
	MAINT_LINE("ic ivau", va);
	if (two)
		MAINT_LINE("ic ivau", last);
	MAINT_BARRIER("dsb ish");
	MAINT_BARRIER("isb");
}
static inline __attribute__((always_inline)) bool short_path(uintptr_t va, size_t len, uintptr_t mask, bool idc)
{
	const uintptr_t last = va + (len - 1);
	uintptr_t x, p;
	if (!__builtin_add_overflow(va | ~mask, len - 1, &x)) {
		short_maintenance(va, va, false, idc);
		return true;
	}
	if (x <= mask) {
		short_maintenance(va, last, true, idc);
		return true;
	}
	if (len - 1 >= SHORT_LOOP_BYTES) { /* len 0 too */
		/* By line up to the threshold (len 0 and IC IALLUIS are the general path's): x is the last byte's
		   offset from the second line, so the range has (x >> shift) + 2 lines. */
		if (len - 1 >= LOAD_NEAR(whole_cache_threshold))
			return false;
		size_t n = (x >> LOAD_NEAR(short_shift)) + 2;
		__asm__("" : "+r"(mask));
		const uintptr_t line = mask + 1;
		if (idc) {
			MAINT_BARRIER("dsb ishst");
		} else {
			p = va & ~mask;
			FOR_EACH_LINE("dc cvau", p, n, line);
			MAINT_BARRIER("dsb ish");
			/* Else GCC keeps a mask per binary digit of n for the second pass: one AND each. */
			__asm__("" : "+r"(n));
		}
		p = va & ~mask;
		FOR_EACH_LINE("ic ivau", p, n, line);
		MAINT_BARRIER("dsb ish");
		MAINT_BARRIER("isb");
		return true;
	}
	/* The empty asm keeps GCC from computing ~mask for the AND below ahead of the one-line path. */
	__asm__("" : "+r"(mask));
	if (idc) {
		MAINT_BARRIER("dsb ishst");
	} else {
		p = va & ~mask;
		FOR_LINES_THROUGH("dc cvau", p, last, mask + 1);
		MAINT_BARRIER("dsb ish");
	}
	p = va & ~mask;
	FOR_LINES_THROUGH("ic ivau", p, last, mask + 1);
	MAINT_BARRIER("dsb ish");
	MAINT_BARRIER("isb");
	return true;
}

/* The default: up to SHORT_LOOP_BYTES by the short path of the mode chosen at configuration, anything else
   by the general one. Loops unaligned (an alignment NOP before a loop is one more instruction a call) and
   tails not merged (the branch to a shared tail is one more). */
__attribute__((optimize("align-loops=1", "no-crossjumping"))) void icache_sync_range(const void *start, size_t len)
{
	const uintptr_t va = (uintptr_t)start;
	uintptr_t mask = LOAD_NEAR(short_plain);
	if (mask) {
		if (short_path(va, len, mask, false))
			return;
	} else if ((mask = LOAD_NEAR(short_idc)) != 0) {
		if (short_path(va, len, mask, true))
			return;
	}
	sync_range(va, len, ICACHE_CLEAN_POU, ICACHE_INVAL_AUTO);
}
