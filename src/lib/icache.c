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
 * The loop, one form for every pass (Linux's dcache_by_line_op, unrolled): a computed entry into one
 * unrolled block of LINES_BLOCK (64) lines, then whole blocks. A line costs two instructions, the
 * operation and the step to the next line's address (DC and IC take no offset), which is the lower bound
 * the bench compares with. UNROLLED_BLOCK(name, insn, p, step, q) is the block. Its lines are labelled
 * name##hl, where 8 h + l lines follow that one, so a table of BLOCK_ENTRY (GNU C labels as values) holds
 * at [k] the line from which k + 1 lines run to the block's end. At the end the block goes back while q,
 * the whole blocks still to do, is not 0, through the decrement above its first line (reached only from
 * there): n lines are `q = (n - 1) / 64; goto *entry[(n - 1) % 64];`, a table load and a branch, then one
 * CBNZ a block (and a SUB when it loops), never a line outside the n. Every user has its own blocks: a
 * computed goto reaches only labels of its own function, and GCC inlines no function that keeps a label's
 * address in a static table. GCC also takes every computed goto of a function to reach every one of its
 * labels, so it sees icache_sync_range's IDC form enter the DC block, whose count that form never sets,
 * and warns "may be used uninitialized" at the decrement: the pragma silences that warning on the
 * block's lines only. MAINT_LINE is one operation with the checked build's address mark.
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
/* X(h, l, ...) for the block's 64 lines, first to last: 8 h + l lines follow the one named h, l. */
/* clang-format off */
#define BLOCK_EIGHT(X, h, ...)                                                                                         \
	X(h, 7, __VA_ARGS__) X(h, 6, __VA_ARGS__) X(h, 5, __VA_ARGS__) X(h, 4, __VA_ARGS__)                            \
	X(h, 3, __VA_ARGS__) X(h, 2, __VA_ARGS__) X(h, 1, __VA_ARGS__) X(h, 0, __VA_ARGS__)
#define BLOCK_LINES(X, ...)                                                                                            \
	BLOCK_EIGHT(X, 7, __VA_ARGS__) BLOCK_EIGHT(X, 6, __VA_ARGS__) BLOCK_EIGHT(X, 5, __VA_ARGS__)                   \
	BLOCK_EIGHT(X, 4, __VA_ARGS__) BLOCK_EIGHT(X, 3, __VA_ARGS__) BLOCK_EIGHT(X, 2, __VA_ARGS__)                   \
	BLOCK_EIGHT(X, 1, __VA_ARGS__) BLOCK_EIGHT(X, 0, __VA_ARGS__)
/* clang-format on */
#define BLOCK_LINE(h, l, name, insn, p, step) name##h##l : LINE(insn, p, step);
#define BLOCK_ENTRY(h, l, name)		      [8 * h + l] = &&name##h##l,
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#define UNROLLED_BLOCK(name, insn, p, step, q)                                                                         \
	do {                                                                                                           \
		name##again : (q)--;                                                                                   \
		BLOCK_LINES(BLOCK_LINE, name, insn, p, step)                                                           \
		if (q)                                                                                                 \
			goto name##again;                                                                              \
	} while (0)
#pragma GCC diagnostic pop

static struct cache_lines lines = {.dline = 4, .iline = 4}; /* safe (slow) until configured */
static unsigned dshift = 2, ishift = 2;			    /* log2 of the line sizes */
/* In .data beside the fast path's words: icache_sync_range reads it with one LDR (literal) too. */
static uintptr_t whole_cache_threshold __attribute__((section(".data.icache_threshold"))) =
    ICACHE_WHOLE_CACHE_THRESHOLD_DEFAULT;
static bool clean_inval; /* ERRATUM_CLEAN_INVAL: the PoU clean is DC CIVAC (Linux ARM64_WORKAROUND_CLEAN_CACHE) */

/*
 * The fast path of icache_sync_range. It needs equal D and I line sizes, the DC CVAU clean (no erratum),
 * IC by line (no DIC) and a whole-cache threshold of at least LINES_BLOCK + 1 lines (below it every
 * range is the general path's). The mode is chosen once, at configuration: fast_plain holds -line
 * (~(line - 1)) where the plain form (DC, DSB ISH, IC) applies, fast_idc where the IDC form (DSB ISHST,
 * IC) applies, each else 0; at most one is non-zero. -line is at once the mask that makes va's offset in
 * its line (ORR), the step (SUB) and, added to an offset, the test that it is below one line (the carry).
 * The passes start at va itself: DC and IC act on the line holding the address they are given, so the
 * first line needs no AND. Each word is read by one LDR (literal), so it lives in .data, within the
 * +-1 MiB such a load reaches from the code (the link fails with "relocation truncated" otherwise);
 * ADDRESS_NEAR is the ADR of the entry table, in .rodata within the same reach.
 */
static uintptr_t fast_plain __attribute__((section(".data.icache_fast_plain")));
static uintptr_t fast_idc __attribute__((section(".data.icache_fast_idc")));
static uintptr_t fast_shift __attribute__((section(".data.icache_fast_shift"))); /* log2(line) of the mode */
#ifdef SELFMOD_HOST_TRACE
#define LOAD_NEAR(v)	(v)
#define ADDRESS_NEAR(v) (v)
#else
#define LOAD_NEAR(v)	load_near(&(v))
static inline uintptr_t load_near(const uintptr_t *v)
{
	uintptr_t x;
	__asm__ volatile("ldr %0, %c1" : "=r"(x) : "S"(v));
	return x;
}
#define ADDRESS_NEAR(v) ((__typeof__(&(v)[0]))address_near(v))
static inline const void *address_near(const void *v)
{
	const void *x;
	__asm__("adr %0, %c1" : "=r"(x) : "S"(v));
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

static void derive_fast_path(void)
{
	bool by_line = lines.dline == lines.iline && !clean_inval && !lines.dic &&
		       whole_cache_threshold >= (LINES_BLOCK + 1) * (uintptr_t)lines.dline;
	uintptr_t neg_line = -(uintptr_t)lines.dline;
	fast_plain = by_line && !lines.idc ? neg_line : 0;
	fast_idc = by_line && lines.idc ? neg_line : 0;
	dshift = log2_of(lines.dline);
	ishift = log2_of(lines.iline);
	fast_shift = dshift;
}

void icache_apply_errata(unsigned actions)
{
	clean_inval = actions & ERRATUM_CLEAN_INVAL;
	/* Neoverse-N1 1542419: DIC is not to be trusted (Linux hides it from EL0; at EL1 we invalidate). */
	if (actions & ERRATUM_NO_DIC)
		lines.dic = false;
	derive_fast_path();
}

void icache_configure(struct cache_lines l)
{
	lines = l;
	derive_fast_path();
}
struct cache_lines icache_configuration(void)
{
	return lines;
}
void icache_set_whole_cache_threshold(size_t bytes)
{
	whole_cache_threshold = bytes;
	derive_fast_path();
}

/* DC and IC apart: in one function of the four blocks, each followed by a return, GCC 12 laid every block's end
   out as CBZ, SUB and B instead of one CBNZ back to a SUB before the block (one instruction more a block). */
void dc_clean_lines(enum icache_clean kind, uintptr_t first, size_t n, uintptr_t step)
{
	static const void *const entry[][LINES_BLOCK] = {
	    [ICACHE_CLEAN_POU] = {BLOCK_LINES(BLOCK_ENTRY, cvau_)},
	    [ICACHE_CLEAN_POC] = {BLOCK_LINES(BLOCK_ENTRY, cvac_)},
	    [ICACHE_CLEAN_INVAL_POC] = {BLOCK_LINES(BLOCK_ENTRY, civac_)},
	};
	if (!n)
		return;
	size_t q = (n - 1) / LINES_BLOCK;
	uintptr_t p = first;
	goto *entry[kind][(n - 1) % LINES_BLOCK];
	UNROLLED_BLOCK(cvau_, "dc cvau", p, step, q);
	return;
	UNROLLED_BLOCK(cvac_, "dc cvac", p, step, q);
	return;
	UNROLLED_BLOCK(civac_, "dc civac", p, step, q);
}

void ic_invalidate_lines(uintptr_t first, size_t n, uintptr_t step)
{
	static const void *const entry[LINES_BLOCK] = {BLOCK_LINES(BLOCK_ENTRY, ivau_)};
	if (!n)
		return;
	size_t q = (n - 1) / LINES_BLOCK;
	uintptr_t p = first;
	goto *entry[(n - 1) % LINES_BLOCK];
	UNROLLED_BLOCK(ivau_, "ic ivau", p, step, q);
}

/* The first line-aligned address and the number of lines of 1 << shift bytes covering [va, va+len): the
   count by a shift, not cache_lines_covering's division (a UDIV). */
static inline __attribute__((always_inline)) size_t lines_of(uintptr_t va, size_t len, unsigned shift, uintptr_t *first)
{
	uintptr_t lo = va & -((uintptr_t)1 << shift);
	*first = lo;
	return len ? (((va - lo) + (len - 1)) >> shift) + 1 : 0;
}

/*
 * The general path: any method and configuration, len 0, above the whole-cache threshold. The configuration
 * is read into locals once: the maintenance's "memory" clobber would reload it per line. Its passes are
 * blocks of its own (calls of dc_clean_lines and ic_invalidate_lines would make it save a frame on every
 * path); a function, not inlined into its two callers: GCC inlines no function that keeps a label's
 * address in a static table.
 */
static __attribute__((noinline)) void sync_general(uintptr_t va, size_t len, enum icache_clean clean,
						   enum icache_inval inval)
{
	static const void *const clean_entry[][LINES_BLOCK] = {
	    [ICACHE_CLEAN_POU] = {BLOCK_LINES(BLOCK_ENTRY, cvau_)},
	    [ICACHE_CLEAN_POC] = {BLOCK_LINES(BLOCK_ENTRY, cvac_)},
	    [ICACHE_CLEAN_INVAL_POC] = {BLOCK_LINES(BLOCK_ENTRY, civac_)},
	};
	static const void *const inval_entry[LINES_BLOCK] = {BLOCK_LINES(BLOCK_ENTRY, ivau_)};
	const uintptr_t dline = lines.dline, iline = lines.iline;
	const bool idc = lines.idc, dic = lines.dic;
	uintptr_t p;
	size_t n, q;
	/* IDC removes the need to clean to PoU, never to PoC. */
	if (idc && clean == ICACHE_CLEAN_POU) {
		MAINT_BARRIER("dsb ishst");
	} else {
		if (clean == ICACHE_CLEAN_POU && clean_inval)
			clean = ICACHE_CLEAN_INVAL_POC;
		n = lines_of(va, len, dshift, &p);
		if (n) {
			q = (n - 1) / LINES_BLOCK;
			goto *clean_entry[clean][(n - 1) % LINES_BLOCK];
			UNROLLED_BLOCK(cvau_, "dc cvau", p, dline, q);
			goto cleaned;
			UNROLLED_BLOCK(cvac_, "dc cvac", p, dline, q);
			goto cleaned;
			UNROLLED_BLOCK(civac_, "dc civac", p, dline, q);
		}
	cleaned:
		MAINT_BARRIER("dsb ish");
	}
	/* DIC removes the need to invalidate, unless the caller asked for the whole cache regardless. */
	if (inval == ICACHE_INVAL_ALL || (inval == ICACHE_INVAL_AUTO && len > whole_cache_threshold && !dic)) {
		MAINT_BARRIER("ic ialluis");
		MAINT_BARRIER("dsb ish");
	} else if (!dic) {
		n = lines_of(va, len, ishift, &p);
		if (n) {
			q = (n - 1) / LINES_BLOCK;
			goto *inval_entry[(n - 1) % LINES_BLOCK];
			UNROLLED_BLOCK(ivau_, "ic ivau", p, iline, q);
		}
		MAINT_BARRIER("dsb ish");
	}
	MAINT_BARRIER("isb");
}

void icache_sync_range_with(const void *va, size_t len, struct icache_method m)
{
	sync_general((uintptr_t)va, len, m.clean, m.inval);
}

/*
 * The fast path's one and two lines, given neg_line = -line: true when [va, va+len) is one or two lines
 * and its maintenance is done; always inlined. t = va | neg_line is va's offset in its line minus line,
 * and x = t + (len - 1) modulo 2^64: the sum carries unless the range ends in va's line (one line; len 0
 * carries too), and after a carry x is the last byte's offset from the start of the next line, below line
 * (x + neg_line does not carry) when the range ends there (two lines). One and two lines, the JIT's patch
 * of an instruction, are straight-line code; DC and IC act on the line holding the address they are
 * given, so the second line is named by the last byte. Otherwise *more is x: the range has
 * (x >> shift) + 2 lines.
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
static inline __attribute__((always_inline)) bool one_or_two_lines(uintptr_t va, size_t len, uintptr_t neg_line,
								   bool idc, uintptr_t *more)
{
	uintptr_t x, below;
	if (!__builtin_add_overflow(va | neg_line, len - 1, &x)) {
		short_maintenance(va, va, false, idc);
		return true;
	}
	if (!__builtin_add_overflow(x, neg_line, &below)) {
		short_maintenance(va, va + (len - 1), true, idc);
		return true;
	}
	*more = x;
	return false;
}

/*
 * The fast path's 3 lines and more, n = m + 2 of them, given m = x >> shift: the first line, then the
 * unrolled block from entry[m % 64] (m % 64 + 1 lines), then q = m / 64 whole blocks. The fast path
 * needs a threshold of at least 65 lines, so only a range with whole blocks can be above it, and only
 * such a range is compared with it (false: the general path's, len 0 too). The two passes' entries are
 * side by side, read by one LDP; the empty asm statements steer GCC 12 (each says what it saves).
 */
struct fast_entry {
	const void *dc, *ic;
};
struct fast_lines {
	const struct fast_entry *entry;
	size_t q; /* whole blocks */
};
static inline __attribute__((always_inline)) bool fast_lines(const struct fast_entry *table, uintptr_t x, size_t len,
							     struct fast_lines *f)
{
	uintptr_t m = x >> LOAD_NEAR(fast_shift);
	size_t q = m / LINES_BLOCK;
	/* Else GCC tests m > 63 (CMP and B.HI) beside computing q. */
	__asm__("" : "+r"(q));
	if (q) {
		if (len - 1 >= LOAD_NEAR(whole_cache_threshold))
			return false;
		m %= LINES_BLOCK;
	}
	/* Else m < 64 already: no AND. */
	__asm__("" : "+r"(m));
	const struct fast_entry *e = &ADDRESS_NEAR(table)[m];
	/* Else GCC indexes the two loads apart (LSL, ADD, LDR, LDR): one ADD and one LDP. */
	__asm__("" : "+r"(e));
	f->entry = e;
	f->q = q;
	return true;
}

/* The default: the fast path of the mode chosen at configuration, else the general one. The IC block counts
   with f.q, the DC block with a copy. Loops unaligned (an alignment NOP before a loop is one more
   instruction a call) and tails not merged (the branch to a shared tail is one more). */
__attribute__((optimize("align-loops=1", "no-crossjumping"))) void icache_sync_range(const void *start, size_t len)
{
	static const struct fast_entry entry[LINES_BLOCK] = {
#define FAST_ENTRY(h, l, dc, ic) [8 * h + l] = {&&dc##h##l, &&ic##h##l},
	    BLOCK_LINES(FAST_ENTRY, dc_, ic_)
#undef FAST_ENTRY
	};
	const uintptr_t va = (uintptr_t)start;
	uintptr_t neg_line = LOAD_NEAR(fast_plain), x, p;
	struct fast_lines f;
	const void *ic;
	if (neg_line) {
		if (one_or_two_lines(va, len, neg_line, false, &x))
			return;
		if (!fast_lines(entry, x, len, &f))
			goto general;
		size_t q = f.q;
		const void *dc = f.entry->dc;
		ic = f.entry->ic;
		p = va;
		LINE("dc cvau", p, -neg_line);
		goto *dc;
		UNROLLED_BLOCK(dc_, "dc cvau", p, -neg_line, q);
		MAINT_BARRIER("dsb ish");
	} else if ((neg_line = LOAD_NEAR(fast_idc)) != 0) {
		if (one_or_two_lines(va, len, neg_line, true, &x))
			return;
		if (!fast_lines(entry, x, len, &f))
			goto general;
		ic = f.entry->ic;
		MAINT_BARRIER("dsb ishst");
	} else {
		goto general;
	}
	/* Else GCC keeps va + line from the DC pass and copies it (MOV) into each pass's pointer. */
	__asm__("" : "+r"(neg_line));
	p = va;
	LINE("ic ivau", p, -neg_line);
	goto *ic;
	UNROLLED_BLOCK(ic_, "ic ivau", p, -neg_line, f.q);
	MAINT_BARRIER("dsb ish");
	MAINT_BARRIER("isb");
	return;
general:
	sync_general(va, len, ICACHE_CLEAN_POU, ICACHE_INVAL_AUTO);
}
