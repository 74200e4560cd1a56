/*
 * The per-core MMU switch-on, called by src/runtime/mmu.c on core 0 and by
 * boot/entry.S on every other core. Its own file: it is a leaf that the C
 * runtime calls, while entry.S calls into the runtime.
 */

#include "asm_offsets.h"

	.text
/*
 * x0 = struct mmu_params { mair, tcr, ttbr0, sctlr }: switch this core's MMU
 * and caches on. Called with the MMU off; touches no stack.
 */
	.globl	mmu_enable_this_core
mmu_enable_this_core:
	ldp	x1, x2, [x0, #MMU_PARAMS_MAIR]	/* mair, tcr */
	msr	mair_el1, x1
	msr	tcr_el1, x2
	ldp	x1, x2, [x0, #MMU_PARAMS_TTBR0]	/* ttbr0, sctlr */
	msr	ttbr0_el1, x1
	isb
	tlbi	vmalle1
	ic	iallu
	dsb	nsh
	isb
	msr	sctlr_el1, x2
	isb
	ret
