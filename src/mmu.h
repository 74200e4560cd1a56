/*
 * The memory map, built once by core 0 with the MMU off and shared by every
 * core: RAM Normal WB Inner Shareable, MMIO Device-nGnRE, image code RX,
 * read-only data RO, data and stacks RW XN, stack guard pages unmapped, and
 * the SMC arena mapped RW (identity), RX, Non-cacheable RWX and RWX (src/layout.h).
 */
#ifndef SELFMOD_MMU_H
#define SELFMOD_MMU_H

#include <stdbool.h>
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

/* Permissions of a page of the W^X window (WX_WINDOW_VA, src/layout.h). */
enum mmu_page_perm {
	MMU_PAGE_RW_XN, /* read-write, never executable: write code here */
	MMU_PAGE_RO_X,	/* read-only, executable: run it */
	MMU_PAGE_RO_XN, /* read-only, never executable */
};

/* TLBI VAE1IS (Arm ARM C5.5 TLBI VAE1IS): this VA's entries, any ASID, on every core of the Inner
   Shareable domain. No barrier: the caller brackets it with DSB ISH. */
static inline void tlbi_va_is(uintptr_t va)
{
	__asm__ volatile("tlbi vae1is, %0" ::"r"(va >> 12) : "memory");
}

/* Store the window page's new descriptor and nothing else (no barrier, no TLB maintenance): for
   sequences that are the point of a test. false if va is not in the window. */
bool mmu_write_page_perm(uintptr_t va, enum mmu_page_perm perm);
/* Change a window page's permissions for every core: descriptor; DSB ISH; TLBI VAE1IS; DSB ISH; ISB
   (Arm ARM D8.16 TLB maintenance). Another core fetches with the new permissions once it has
   context-synchronised. false if va is not in the window. */
bool mmu_set_page_perm(uintptr_t va, enum mmu_page_perm perm);
/* Repeat every TLBI and its DSB (the errata of src/errata.c with ERRATUM_TLBI_REPEAT). */
void mmu_set_tlbi_repeat(bool repeat);

#endif
