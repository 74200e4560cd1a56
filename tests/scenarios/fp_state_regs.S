/*
 * The register side of tests/scenarios/fp_state.c, in assembly because the firmware's C is built
 * -mgeneral-regs-only: fp_guarded_call makes FP/SIMD state live around a call, fp_clobber is what an
 * interrupt handler that uses the FP/SIMD registers does to them.
 */
#include "asm.h"
#include "sysreg.h"

#define GUARD_FPCR (FPCR_DN | FPCR_RMODE_ZERO)
#define CLOBBER_FPCR (FPCR_FZ | FPCR_RMODE_PINF)

/*
 * uint64_t fp_guarded_call(void (*fn)(void *), void *arg, uint64_t seed): d8-d15 = seed + i * K
 * and FPCR = GUARD_FPCR, then fn(arg), which preserves d8-d15 and FPCR by the procedure call
 * standard (AAPCS64 6.1.2). Returns a mask of what changed: bit i for d(8+i), bit 8 for FPCR.
 */
	.text
	.globl	fp_guarded_call
fp_guarded_call:
	stp	x29, x30, [sp, #-96]!
	mov	x29, sp
	stp	x19, x20, [sp, #16]
	stp	d8, d9, [sp, #32]
	stp	d10, d11, [sp, #48]
	stp	d12, d13, [sp, #64]
	stp	d14, d15, [sp, #80]
	mov	x19, x2				/* seed */
	mrs	x20, fpcr
	ldr	x3, =0x9e3779b97f4a7c15		/* K */
	mov	x4, x19
	.irp	r, 8, 9, 10, 11, 12, 13, 14, 15
	fmov	d\r, x4
	add	x4, x4, x3
	.endr
	ldr	x4, =GUARD_FPCR
	msr	fpcr, x4
	mov	x16, x0
	mov	x0, x1
	blr	x16
	/* the mask */
	mov	x0, #0
	mov	x1, #1
	ldr	x3, =0x9e3779b97f4a7c15
	mov	x4, x19
	.irp	r, 8, 9, 10, 11, 12, 13, 14, 15
	fmov	x5, d\r
	cmp	x5, x4
	csel	x6, x1, xzr, ne
	orr	x0, x0, x6
	lsl	x1, x1, #1
	add	x4, x4, x3
	.endr
	mrs	x5, fpcr
	ldr	x4, =GUARD_FPCR
	cmp	x5, x4
	csel	x6, x1, xzr, ne
	orr	x0, x0, x6
	msr	fpcr, x20
	ldp	d8, d9, [sp, #32]
	ldp	d10, d11, [sp, #48]
	ldp	d12, d13, [sp, #64]
	ldp	d14, d15, [sp, #80]
	ldp	x19, x20, [sp, #16]
	ldp	x29, x30, [sp], #96
	ret

/* void fp_clobber(void): every FP/SIMD register, FPCR and FPSR get values nobody else uses. */
	.globl	fp_clobber
fp_clobber:
	movi	v0.2d, #0xff00ff00ff00ff00
	.irp	r, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	mov	v\r\().16b, v0.16b
	.endr
	ldr	x0, =CLOBBER_FPCR
	msr	fpcr, x0
	mov	x0, #0x9f			/* FPSR: every cumulative exception flag */
	msr	fpsr, x0
	ret
