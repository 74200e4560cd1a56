/* Macros shared by the boot assembly. */
#ifndef SELFMOD_BOOT_ASM_H
#define SELFMOD_BOOT_ASM_H

/* Load the address of a symbol, PC-relative (the image runs where it is linked). */
.macro adr_l reg, sym
	adrp	\reg, \sym
	add	\reg, \reg, :lo12:\sym
.endm

/* Set SP_EL1 (exception stack) and SP_EL0 (thread stack, used from now on) for core \idx. */
.macro set_core_stacks idx, tmp1, tmp2
	adr_l	\tmp1, __stacks_start
	ldr	\tmp2, =CORE_STACK_SLOT
	madd	\tmp1, \idx, \tmp2, \tmp1
	add	\tmp2, \tmp1, #CORE_THREAD_STACK_TOP
	msr	spsel, #1
	add	\tmp1, \tmp1, #CORE_EXC_STACK_TOP
	mov	sp, \tmp1
	msr	spsel, #0
	mov	sp, \tmp2
.endm

/* x2-x29 to (from) [sp, #16] to [sp, #232]: the register frame of both exception paths (boot/vectors.S at
   EL1, boot/el2_monitor.S at EL2) after x0 and x1, which each saves first to free a register. */
.macro save_x2_to_x29
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
.endm
.macro restore_x2_to_x29
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
.endm

#endif
