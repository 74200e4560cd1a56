/*
 * The memory map, built once by core 0 with the MMU off and shared by every
 * core: RAM Normal WB Inner Shareable, MMIO Device-nGnRE, image code RX,
 * read-only data RO, data and stacks RW XN, stack guard pages unmapped, and
 * the SMC arena mapped RW (identity), RX, Non-cacheable RWX and RWX (src/layout.h).
 */
#ifndef SELFMOD_MMU_H
#define SELFMOD_MMU_H

#include <stdint.h>

#include "pagetable.h"

/* Read by secondaries with caches off: boot/entry.S depends on this layout. */
struct mmu_params {
	uint64_t mair, tcr, ttbr0, sctlr;
};
extern struct mmu_params mmu_boot_params;

/* Build the tables for RAM [ram_base, ram_base+ram_size) and switch this core's MMU on.
   0, or -1 with *why (the MMU is then still off). */
int mmu_setup(uint64_t ram_base, uint64_t ram_size, const char **why);
const struct pagetables *mmu_tables(void);

void mmu_enable_this_core(const struct mmu_params *p); /* boot/entry.S */

#endif
