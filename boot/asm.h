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

#endif
