/*
 * EL1 exception vectors. Threads run on SP_EL0; every exception switches to
 * this core's SP_EL1 stack, saves a struct exception_frame and calls
 * exception_dispatch(frame, kind), which may edit the frame (ELR, SP_EL0,
 * registers) to resume elsewhere: that is how a faulting test is recovered.
 * Above the frame it saves the FP/SIMD registers, FPCR and FPSR (struct fp_state): the firmware's own
 * code is built -mgeneral-regs-only, but the C library's is not (printf, memcpy), and a handler may
 * call it while the interrupted code had FP/SIMD state live. (tests/scenarios/fp_state.c checks it.)
 */
#include "asm.h"

#include "asm_offsets.h"	/* FRAME_*: struct exception_frame, checked in exceptions.c */
#define FP_FRAME_SIZE (32 * 16 + 16)	/* q0-q31, FPCR, FPSR */
#define FP_FRAME_FPCR (32 * 16)
#define FULL_FRAME_SIZE (FRAME_SIZE + FP_FRAME_SIZE)

/* kind = source * 4 + type; source: 0 current EL SP0, 1 current EL SPx, 2 lower EL A64, 3 lower EL A32;
   type: 0 sync, 1 IRQ, 2 FIQ, 3 SError. */
.macro vector_entry kind
	.balign	0x80
	sub	sp, sp, #FULL_FRAME_SIZE
	stp	x0, x1, [sp]
	mov	x0, #\kind
	b	exception_common
.endm

	.text
	.balign	0x800
	.globl	exception_vectors
exception_vectors:
	.irp	kind, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vector_entry \kind
	.endr

exception_common:
	save_x2_to_x29
	mrs	x1, sp_el0
	stp	x30, x1, [sp, #FRAME_X30]
	mrs	x1, elr_el1
	mrs	x2, spsr_el1
	stp	x1, x2, [sp, #FRAME_ELR]
	mrs	x1, esr_el1
	mrs	x2, far_el1
	stp	x1, x2, [sp, #FRAME_ESR]
	add	x2, sp, #FRAME_SIZE
	stp	q0, q1, [x2, #0]
	stp	q2, q3, [x2, #32]
	stp	q4, q5, [x2, #64]
	stp	q6, q7, [x2, #96]
	stp	q8, q9, [x2, #128]
	stp	q10, q11, [x2, #160]
	stp	q12, q13, [x2, #192]
	stp	q14, q15, [x2, #224]
	stp	q16, q17, [x2, #256]
	stp	q18, q19, [x2, #288]
	stp	q20, q21, [x2, #320]
	stp	q22, q23, [x2, #352]
	stp	q24, q25, [x2, #384]
	stp	q26, q27, [x2, #416]
	stp	q28, q29, [x2, #448]
	stp	q30, q31, [x2, #480]
	mrs	x3, fpcr
	mrs	x4, fpsr
	str	x3, [x2, #FP_FRAME_FPCR]
	str	x4, [x2, #FP_FRAME_FPCR + 8]
	mov	x1, x0
	mov	x0, sp
	bl	exception_dispatch
	add	x2, sp, #FRAME_SIZE
	ldp	q0, q1, [x2, #0]
	ldp	q2, q3, [x2, #32]
	ldp	q4, q5, [x2, #64]
	ldp	q6, q7, [x2, #96]
	ldp	q8, q9, [x2, #128]
	ldp	q10, q11, [x2, #160]
	ldp	q12, q13, [x2, #192]
	ldp	q14, q15, [x2, #224]
	ldp	q16, q17, [x2, #256]
	ldp	q18, q19, [x2, #288]
	ldp	q20, q21, [x2, #320]
	ldp	q22, q23, [x2, #352]
	ldp	q24, q25, [x2, #384]
	ldp	q26, q27, [x2, #416]
	ldp	q28, q29, [x2, #448]
	ldp	q30, q31, [x2, #480]
	ldr	x3, [x2, #FP_FRAME_FPCR]
	ldr	x4, [x2, #FP_FRAME_FPCR + 8]
	msr	fpcr, x3
	msr	fpsr, x4
	ldp	x1, x2, [sp, #FRAME_ELR]
	msr	elr_el1, x1
	msr	spsr_el1, x2
	ldp	x30, x1, [sp, #FRAME_X30]
	msr	sp_el0, x1
	ldp	x0, x1, [sp]
	restore_x2_to_x29
	add	sp, sp, #FULL_FRAME_SIZE
	eret
