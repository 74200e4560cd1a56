#include "mmu.h"

#include "arena.h"
#include "board.h"
#include "cpu.h"
#include "icache.h"
#include "layout.h"
#include "sysreg.h"

#define ATTR_NORMAL  (PTE_ATTRINDX(MT_NORMAL) | PTE_SH_INNER | PTE_AF)
#define ATTR_RW_DATA (ATTR_NORMAL | PTE_PXN | PTE_UXN)
#define ATTR_RO_DATA (ATTR_NORMAL | PTE_AP_RO | PTE_PXN | PTE_UXN)
#define ATTR_CODE    (ATTR_NORMAL | PTE_AP_RO | PTE_UXN)
#define ATTR_DEVICE  (PTE_ATTRINDX(MT_DEVICE_nGnRE) | PTE_AF | PTE_PXN | PTE_UXN)
#define ATTR_NC_RWX  (PTE_ATTRINDX(MT_NORMAL_NC) | PTE_SH_INNER | PTE_AF | PTE_UXN)
#define ATTR_RWX     (ATTR_NORMAL | PTE_UXN)

#define PT_POOL_TABLES 24

extern char __image_start[], __text_end[], __rodata_end[], __stacks_start[], __image_end[], __arena_end[];

static pt_table pool[PT_POOL_TABLES] __attribute__((section(".pagetables"), aligned(PT_PAGE_SIZE)));
static struct pagetables tables;
struct mmu_params mmu_boot_params __attribute__((aligned(64)));

const struct pagetables *mmu_tables(void)
{
	return &tables;
}

static uint64_t addr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static int map_if_any(uint64_t start, uint64_t end, uint64_t attrs)
{
	return end > start ? pt_map(&tables, start, start, end - start, attrs) : PT_OK;
}

static int build_tables(uint64_t ram_base, uint64_t ram_end)
{
	const struct mem_region *mmio;
	unsigned n = board_mmio_regions(&mmio);
	int err = PT_OK;
	pt_init(&tables, pool, PT_POOL_TABLES);
	for (unsigned i = 0; i < n && !err; i++)
		err = pt_map(&tables, mmio[i].base, mmio[i].base, mmio[i].size, ATTR_DEVICE);
	err = err ?: map_if_any(ram_base, addr(__image_start), ATTR_RW_DATA);
	err = err ?: map_if_any(addr(__image_start), addr(__text_end), ATTR_CODE);
	err = err ?: map_if_any(addr(__text_end), addr(__rodata_end), ATTR_RO_DATA);
	err = err ?: map_if_any(addr(__rodata_end), addr(__stacks_start), ATTR_RW_DATA);
	for (unsigned c = 0; c < MAX_CORES && !err; c++) {
		uint64_t slot = addr(__stacks_start) + (uint64_t)c * CORE_STACK_SLOT;
		err = map_if_any(slot + CORE_THREAD_STACK_BASE, slot + CORE_THREAD_STACK_TOP, ATTR_RW_DATA);
		err = err ?: map_if_any(slot + CORE_EXC_STACK_BASE, slot + CORE_EXC_STACK_TOP, ATTR_RW_DATA);
	}
	err = err ?: map_if_any(addr(__image_end), addr(__arena_end), ATTR_RW_DATA); /* includes the RW arena alias */
	err = err ?: map_if_any(addr(__arena_end), ram_end, ATTR_RW_DATA);
	err = err ?: pt_map(&tables, ARENA_RX_VA, addr(__arena_start), ARENA_SIZE, ATTR_CODE);
	err = err ?: pt_map(&tables, ARENA_NC_VA, addr(__arena_start), ARENA_SIZE, ATTR_NC_RWX);
	err = err ?: pt_map(&tables, ARENA_RWX_VA, addr(__arena_start), ARENA_SIZE, ATTR_RWX);
	err = err
		  ?: pt_map(&tables, ARENA_SKEW_VA, addr(__arena_start) + ARENA_SKEW_ARENA_OFFSET,
			    ARENA_SKEW_PAGES * PT_PAGE_SIZE, ATTR_CODE);
	err = err
		  ?: pt_map(&tables, WX_WINDOW_VA, addr(__arena_start) + WX_WINDOW_ARENA_OFFSET,
			    WX_WINDOW_PAGES * PT_PAGE_SIZE, ATTR_RW_DATA);
	return err;
}

static uint64_t tcr_value(void)
{
	uint64_t parange = read_sysreg(id_aa64mmfr0_el1) & ID_AA64MMFR0_PARANGE_MASK;
	if (parange > 5)
		parange = 5; /* 48 bits: what 4 KiB pages without FEAT_LPA reach */
	return TCR_T0SZ(PT_VA_BITS) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA | TCR_SH0_INNER | TCR_TG0_4K | TCR_EPD1 |
	       (parange << TCR_IPS_SHIFT);
}

/* Discard any stale cache lines over what was written with caches off (a loader may have left some). */
static void invalidate_to_poc(uint64_t start, uint64_t end)
{
	for (uint64_t p = start & ~UL(63); p < end; p += 16) { /* 16 bytes: no line is smaller */
		MAINT_ADDRESS_MARK(p);
		__asm__ volatile("dc ivac, %0" ::"r"(p) : "memory");
	}
	dsb_sy();
}

int mmu_setup(uint64_t ram_base, uint64_t ram_size, const char **why)
{
	uint64_t ram_end = ram_base + ram_size;
	if (addr(__image_start) < ram_base || addr(__arena_end) > ram_end) {
		*why = "the image and its arena do not fit in the RAM the DTB describes";
		return -1;
	}
	int err = build_tables(ram_base, ram_end);
	if (err) {
		*why = pt_strerror(err);
		return -1;
	}
	mmu_boot_params = (struct mmu_params){
	    .mair = MAIR_EL1_VALUE,
	    .tcr = tcr_value(),
	    .ttbr0 = addr(pool[0]),
	    .sctlr = SCTLR_EL1_RES1 | SCTLR_EL1_M | SCTLR_EL1_C | SCTLR_EL1_I | SCTLR_EL1_SA,
	};
	invalidate_to_poc(addr(__image_start), addr(__image_end));
	mmu_enable_this_core(&mmu_boot_params);
	/* Secondaries read the parameters with their caches off. */
	MAINT_ADDRESS_MARK(&mmu_boot_params);
	__asm__ volatile("dc civac, %0" ::"r"(&mmu_boot_params) : "memory");
	dsb_sy();
	return 0;
}

/* The level 3 descriptor of a page of the W^X window, or NULL. */
static uint64_t *window_descriptor(uintptr_t va)
{
	if (va < WX_WINDOW_VA || va >= WX_WINDOW_VA + WX_WINDOW_PAGES * PT_PAGE_SIZE)
		return NULL;
	uint64_t *table = tables.pool[0];
	for (unsigned shift = 30; shift > 12; shift -= 9) {
		uint64_t entry = table[(va >> shift) & (PT_ENTRIES - 1)];
		if ((entry & 3) != 3) /* not a table: the window is never mapped by blocks */
			return NULL;
		table = (uint64_t *)(uintptr_t)(entry & PTE_ADDR_MASK);
	}
	return &table[(va >> 12) & (PT_ENTRIES - 1)];
}

bool mmu_write_page_perm(uintptr_t va, enum mmu_page_perm perm)
{
	static const uint64_t attrs[] = {
	    [MMU_PAGE_RW_XN] = ATTR_RW_DATA, [MMU_PAGE_RO_X] = ATTR_CODE, [MMU_PAGE_RO_XN] = ATTR_RO_DATA};
	uint64_t *d = window_descriptor(va);
	if (!d || !(*d & PTE_VALID))
		return false;
	__atomic_store_n(d, (*d & PTE_ADDR_MASK) | attrs[perm] | PTE_VALID | PTE_PAGE, __ATOMIC_RELAXED);
	return true;
}

static bool tlbi_repeat; /* errata 1286807, 2441007, 2441009, Falkor E1009 (src/errata.c ERRATUM_TLBI_REPEAT) */

void mmu_set_tlbi_repeat(bool repeat)
{
	tlbi_repeat = repeat;
}

bool mmu_set_page_perm(uintptr_t va, enum mmu_page_perm perm)
{
	if (!mmu_write_page_perm(va, perm))
		return false;
	dsb_ish(); /* the descriptor is visible to every table walker before the invalidation */
	tlbi_va_is(va);
	dsb_ish();	   /* the invalidation has completed on every core of the Inner Shareable domain */
	if (tlbi_repeat) { /* as Linux's __tlbi with ARM64_WORKAROUND_REPEAT_TLBI: once more after a DSB */
		tlbi_va_is(va);
		dsb_ish();
	}
	isb(); /* and this core fetches with the new permissions */
	return true;
}
