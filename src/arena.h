/* The SMC arena: where scenarios write code. One physical region, four aliases. */
#ifndef SELFMOD_ARENA_H
#define SELFMOD_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "layout.h"

extern uint8_t __arena_start[];

/* Read-write, never executable: write instructions here. */
static inline uint32_t *arena_rw(size_t offset)
{
	return (uint32_t *)(__arena_start + offset);
}
/* Read-only, executable: run them from here. */
static inline uintptr_t arena_rx(size_t offset)
{
	return ARENA_RX_VA + offset;
}
/* Normal Non-cacheable, read-write-executable: for Point-of-Coherency scenarios. */
static inline uintptr_t arena_nc(size_t offset)
{
	return ARENA_NC_VA + offset;
}
/* Read-write-executable, cacheable: for code that stores to its own instructions (litmus tests). */
static inline uintptr_t arena_rwx(size_t offset)
{
	return ARENA_RWX_VA + offset;
}

/* Read-only, executable, in the skewed window (src/layout.h): offset within
   [ARENA_SKEW_ARENA_OFFSET, + ARENA_SKEW_PAGES pages). Differs from arena_rw in the VIPT index bits. */
static inline uintptr_t arena_rx_skew(size_t offset)
{
	return ARENA_SKEW_VA + (offset - ARENA_SKEW_ARENA_OFFSET);
}

#endif
