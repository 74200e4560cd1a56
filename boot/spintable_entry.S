/*
 * Where a core released from a spin table arrives (src/runtime/spintable_release.c):
 * x0 = 0, MMU and caches off, at EL2 or EL1. Look this core's MPIDR up in
 * spintable_boot (cleaned to PoC by the releasing core) and continue at its
 * entry with x0 = its context, as PSCI CPU_ON would have. A core that finds
 * no entry halts.
 */
#include "layout.h"
#include "sysreg.h"
#include "asm.h"
#include "asm_offsets.h"

	.text
	.globl	spintable_entry
spintable_entry:
	msr	daifset, #0xf
	mrs	x1, mpidr_el1
	ldr	x2, =MPIDR_AFFINITY_MASK
	and	x1, x1, x2
	adr_l	x2, spintable_boot
	mov	x3, #MAX_CORES
1:	ldp	x4, x5, [x2, #SPINTABLE_BOOT_MPIDR]	/* mpidr, entry */
	cbz	x5, 2f
	cmp	x4, x1
	b.eq	3f
2:	add	x2, x2, #SPINTABLE_BOOT_SIZE
	subs	x3, x3, #1
	b.ne	1b
	b	core_halt
3:	ldr	x0, [x2, #SPINTABLE_BOOT_CONTEXT]
	br	x5

	.ltorg
