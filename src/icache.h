/*
 * Making written instructions executable: the maintenance a JIT or loader
 * needs (Arm ARM B2.2.5). Depends on nothing but the CPU; lift it freely.
 */
#ifndef SELFMOD_ICACHE_H
#define SELFMOD_ICACHE_H

#include <stddef.h>
#include <stdint.h>

#include "cache_geometry.h"

/* How the data side is cleaned. */
enum icache_clean {
	ICACHE_CLEAN_POU,	/* DC CVAU: enough for instruction fetch (skipped when IDC) */
	ICACHE_CLEAN_POC,	/* DC CVAC: code fetched with caches off or through a Non-cacheable alias */
	ICACHE_CLEAN_INVAL_POC, /* DC CIVAC: the Cortex-A53 errata 819472/826319/827319/824069 form */
};

/* How the instruction side is invalidated. */
enum icache_inval {
	ICACHE_INVAL_AUTO,    /* by line up to the whole-cache threshold, IC IALLUIS above it */
	ICACHE_INVAL_BY_LINE, /* IC IVAU on every line (skipped when DIC) */
	ICACHE_INVAL_ALL,     /* IC IALLUIS: every instruction cache of the Inner Shareable domain */
};

struct icache_method {
	enum icache_clean clean;
	enum icache_inval inval;
};

#define ICACHE_METHOD_DEFAULT ((struct icache_method){ICACHE_CLEAN_POU, ICACHE_INVAL_AUTO})
/* Above this many bytes ICACHE_INVAL_AUTO uses IC IALLUIS (see make bench). */
#define ICACHE_WHOLE_CACHE_THRESHOLD_DEFAULT (256 * 1024)

/* The line sizes and IDC/DIC that are safe on every core that will run the code
   (the minimum over all of them: see cache_lines_merge). Call before icache_sync_range. */
void icache_configure(struct cache_lines lines);
/* Apply errata workarounds (src/errata.h enum erratum_action bits, the union over every core), after
   icache_configure: ERRATUM_CLEAN_INVAL makes the PoU clean DC CIVAC, ERRATUM_NO_DIC clears DIC. Decided
   once here, so icache_sync_range stays one test of a static flag. */
void icache_apply_errata(unsigned actions);
struct cache_lines icache_configuration(void);
void icache_set_whole_cache_threshold(size_t bytes);

/*
 * Clean [va, va+len) to the Point of Unification and invalidate it from the
 * instruction caches of the Inner Shareable domain: all DC CVAU, DSB ISH,
 * all IC IVAU, DSB ISH, ISB (the DC half skipped when IDC, which leaves a
 * DSB ISHST; the IC half when DIC; the clean DC CIVAC where an erratum
 * says so, see icache_apply_errata). On return this core may run the new
 * code; another core may once it has context-synchronised (ISB after a
 * control dependency on a flag published after this, or an exception return).
 */
void icache_sync_range(const void *va, size_t len);
/* The same with a chosen clean and invalidate. */
void icache_sync_range_with(const void *va, size_t len, struct icache_method m);

/* Building blocks, for sequences that are the point of a test: no barriers, n lines from first by step. */
void dc_clean_lines(enum icache_clean kind, uintptr_t first, size_t n, uintptr_t step);
void ic_invalidate_lines(uintptr_t first, size_t n, uintptr_t step);
static inline void ic_invalidate_all_is(void)
{
	__asm__ volatile("ic ialluis" ::: "memory");
}

/* The first line-aligned address and the number of lines of size line covering [start, start+len). */
static inline size_t cache_lines_covering(uintptr_t start, size_t len, unsigned line, uintptr_t *first)
{
	uintptr_t lo = start & ~(uintptr_t)(line - 1);
	*first = lo;
	/* (start - lo) + (len - 1) cannot overflow for any range that does not wrap the address space. */
	return len ? (size_t)(((start - lo) + (len - 1)) / line + 1) : 0;
}

/*
 * In a checked build (make CHECKED=1) every DC and IC by address is preceded
 * by a load from the same address, so the QEMU plugin (which cannot read
 * registers) learns the address of the maintenance that follows.
 */
#ifdef SELFMOD_CHECKED
#define MAINT_ADDRESS_MARK(p) __asm__ volatile("ldrb wzr, [%0]" ::"r"(p) : "memory")
#else
#define MAINT_ADDRESS_MARK(p) ((void)0)
#endif

#endif
