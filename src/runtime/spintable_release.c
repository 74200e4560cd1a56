/* Releasing a core from a spin table: the slot write and the cache maintenance a caches-off reader needs. */
#include "asm_offsets.h"
#include "spintable.h"

#include <stddef.h>

#include "cpu.h"
#include "mmu.h"
#include "sysreg.h"

/*
 * Where boot/spintable_entry.S finds, by MPIDR, the entry and context of a
 * released core (the stub passes x0 = 0). Read with the MMU and caches off:
 * every entry is cleaned to PoC before its core is released. Layout shared
 * with the assembly: {mpidr, entry, context, unused}, 32 bytes each.
 */
struct spintable_boot_entry {
	uint64_t mpidr, entry, context, unused;
};
_Static_assert(offsetof(struct spintable_boot_entry, mpidr) == SPINTABLE_BOOT_MPIDR &&
		   offsetof(struct spintable_boot_entry, entry) == SPINTABLE_BOOT_MPIDR + 8 &&
		   offsetof(struct spintable_boot_entry, context) == SPINTABLE_BOOT_CONTEXT &&
		   sizeof(struct spintable_boot_entry) == SPINTABLE_BOOT_SIZE,
	       "boot/spintable_entry.S's offsets (asm_offsets.h) differ from struct spintable_boot_entry");
struct spintable_boot_entry spintable_boot[MAX_CORES] __attribute__((aligned(64)));

extern char spintable_entry[];

static void clean_to_poc(const volatile void *p)
{
	__asm__ volatile("dc civac, %0" ::"r"(p) : "memory");
}

static bool mapped(uint64_t addr)
{
	uint64_t pa, attrs;
	unsigned level;
	return pt_lookup(mmu_tables(), addr, &pa, &attrs, &level) && pa == addr;
}

int spintable_release(uint64_t release_addr, uint64_t mpidr, uint64_t entry, uint64_t context)
{
	if (!release_addr)
		return SPINTABLE_ERR_NO_SLOT;
	if ((release_addr & 7) || !mapped(release_addr))
		return SPINTABLE_ERR_UNMAPPED;
	mpidr &= MPIDR_AFFINITY_MASK;
	struct spintable_boot_entry *e = NULL;
	for (unsigned i = 0; i < MAX_CORES && !e; i++)
		if (!spintable_boot[i].entry || spintable_boot[i].mpidr == mpidr)
			e = &spintable_boot[i];
	if (!e)
		return SPINTABLE_ERR_TABLE_FULL;
	e->mpidr = mpidr;
	e->context = context;
	e->entry = entry;
	/* 32 bytes: one line of 64, or two of the smallest possible data line (16 bytes). */
	clean_to_poc(e);
	clean_to_poc((const char *)e + 16);
	dsb_sy();
	volatile uint64_t *slot = (volatile uint64_t *)(uintptr_t)release_addr;
	*slot = (uint64_t)(uintptr_t)spintable_entry;
	clean_to_poc(slot);
	dsb_sy(); /* the slot is in memory before the event */
	sev();
	return 0;
}
