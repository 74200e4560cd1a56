/*
 * Memory layout shared by the linker script, the boot assembly and src/mmu.c.
 * Each core's stack slot: [guard][thread stack][guard][exception stack].
 * The thread stack is SP_EL0; exceptions run on SP_EL1, so a thread-stack
 * overflow faults into the guard page and is still reported.
 */
#ifndef SELFMOD_LAYOUT_H
#define SELFMOD_LAYOUT_H

#define MAX_CORES	       8
#define PAGE_SIZE	       4096
#define GUARD_SIZE	       PAGE_SIZE
#define THREAD_STACK_SIZE      (16 * 1024)
#define EXC_STACK_SIZE	       (8 * 1024)
#define CORE_STACK_SLOT	       (GUARD_SIZE + THREAD_STACK_SIZE + GUARD_SIZE + EXC_STACK_SIZE)
#define CORE_THREAD_STACK_BASE GUARD_SIZE
#define CORE_THREAD_STACK_TOP  (GUARD_SIZE + THREAD_STACK_SIZE)
#define CORE_EXC_STACK_BASE    (CORE_THREAD_STACK_TOP + GUARD_SIZE)
#define CORE_EXC_STACK_TOP     CORE_STACK_SLOT

/* The SMC arena: one physical region, four virtual aliases (src/mmu.c). */
#define ARENA_SIZE   (2 * 1024 * 1024)
#define ARENA_RX_VA  0x1000000000UL /* read-only, executable, cacheable */
#define ARENA_NC_VA  0x2000000000UL /* Normal Non-cacheable, read-write, executable */
#define ARENA_RWX_VA 0x3000000000UL /* read-write, executable, cacheable: code written where it runs */
/* The W^X window: WX_WINDOW_PAGES arena pages from WX_WINDOW_ARENA_OFFSET, mapped page by page (level 3,
   never a block) so one page's permissions can change (mmu_set_page_attrs); starts read-write, never executable. */
#define WX_WINDOW_VA	       0x4000000000UL
#define WX_WINDOW_ARENA_OFFSET 0x1f0000
#define WX_WINDOW_PAGES	       2
/* The skewed window: ARENA_SKEW_PAGES arena pages from ARENA_SKEW_ARENA_OFFSET (the publish engine's code
   slots), read-only executable, at a VA one page past a 2 MB boundary. Every other alias shares VA[20:0]
   with the RW alias, so a VIPT I-cache indexes them alike; this one differs in VA[12] and up, inside the
   index of any VIPT I-cache whose way exceeds 4 KB (Cortex-A53: 16 KB ways), so IC IVAU through the RW
   alias may miss its lines there (src/verdict.c RULE_IC_OTHER_ALIAS). Page-mapped (level 3). */
#define ARENA_SKEW_VA		(0x5000000000UL + PAGE_SIZE)
#define ARENA_SKEW_ARENA_OFFSET 0x40000
#define ARENA_SKEW_PAGES	16

#endif
