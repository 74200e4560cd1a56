/*
 * EL1 exception vectors. Threads run on SP_EL0; every exception switches to
 * this core's SP_EL1 stack, saves a struct exception_frame and calls
 * exception_dispatch(frame, kind), which may edit the frame (ELR, SP_EL0,
 * registers) to resume elsewhere: that is how a faulting test is recovered.
 */
#include "asm.h"

#define FRAME_SIZE (36 * 8)
#define FRAME_X30 (30 * 8)
#define FRAME_ELR (32 * 8)
#define FRAME_ESR (34 * 8)

/* kind = source * 4 + type; source: 0 current EL SP0, 1 current EL SPx, 2 lower EL A64, 3 lower EL A32;
   type: 0 sync, 1 IRQ, 2 FIQ, 3 SError. */
.macro vector_entry kind
	.balign	0x80
	sub	sp, sp, #FRAME_SIZE
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
	mrs	x1, sp_el0
	stp	x30, x1, [sp, #FRAME_X30]
	mrs	x1, elr_el1
	mrs	x2, spsr_el1
	stp	x1, x2, [sp, #FRAME_ELR]
	mrs	x1, esr_el1
	mrs	x2, far_el1
	stp	x1, x2, [sp, #FRAME_ESR]
	mov	x1, x0
	mov	x0, sp
	bl	exception_dispatch
	ldp	x1, x2, [sp, #FRAME_ELR]
	msr	elr_el1, x1
	msr	spsr_el1, x2
	ldp	x30, x1, [sp, #FRAME_X30]
	msr	sp_el0, x1
	ldp	x0, x1, [sp]
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
	add	sp, sp, #FRAME_SIZE
	eret
