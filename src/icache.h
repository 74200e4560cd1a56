/*
 * Making written instructions executable: the maintenance a JIT or loader
 * needs (Arm ARM B2.2.5). Depends on nothing but the CPU; lift it freely.
 */
#ifndef SELFMOD_ICACHE_H
#define SELFMOD_ICACHE_H

#include <stddef.h>
#include <stdint.h>

#include "cache_geometry.h"

/* The line sizes and IDC/DIC that are safe on every core that will run the code
   (the minimum over all of them: see cache_lines_merge). Call before icache_sync_range. */
void icache_configure(struct cache_lines lines);
struct cache_lines icache_configuration(void);

/*
 * Clean [va, va+len) to the Point of Unification and invalidate it from the
 * instruction caches of the Inner Shareable domain: all DC CVAU, DSB ISH,
 * all IC IVAU, DSB ISH, ISB (the DC half skipped when IDC, which leaves a
 * DSB ISHST; the IC half when DIC). On return this core may run the new
 * code; another core may once it has context-synchronised (ISB after a
 * control dependency on a flag published after this, or an exception return).
 */
void icache_sync_range(const void *va, size_t len);

/* The first line-aligned address and the number of lines of size line covering [start, start+len). */
static inline size_t cache_lines_covering(uintptr_t start, size_t len, unsigned line, uintptr_t *first)
{
	uintptr_t lo = start & ~(uintptr_t)(line - 1);
	*first = lo;
	return len ? (size_t)((start + len - lo + line - 1) / line) : 0;
}

#endif
