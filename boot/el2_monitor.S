/*
 * The EL2 monitor. When the image enters at EL2 (QEMU -M virt,virtualization=on; a Pi 4), each core
 * keeps these vectors at EL2 before it drops to EL1 (el2_to_el1 in boot/entry.S sets VBAR_EL2 and
 * SP_EL2). They serve one request and one trap, and nothing else reaches them:
 *  - HVC #0 with x0 = EL2_MONITOR_SET_CTR (src/runtime/el2_monitor.h), x1 = a CTR_EL0 value: from now
 *    on EL1 reads of CTR_EL0 on this core return x1 (x1 = 0: the real register again); x0 = 0 on
 *    return. This is how a run gives its cores different line sizes, as on big.LITTLE parts whose
 *    CTR_EL0 disagree (boot argument core_lines=). Another x0 is a caller's bug, handed to EL1 as
 *    below (an HVC exception, ELR after the HVC).
 *  - the trap of HCR_EL2.TID2, set while a value is held: an EL1 read of CTR_EL0 gets the value; the
 *    other registers TID2 traps (CCSIDR_EL1, CCSIDR2_EL1, CLIDR_EL1, CSSELR_EL1) are read or written
 *    here for EL1, unchanged.
 * Anything else taken to EL2 is handed to EL1's vectors as if EL1 had taken it (ESR, ELR, FAR and
 * SPSR copied), so EL1 reports it with its ESR, ELR and FAR like any other unexpected exception.
 * Each core's state is one slot of el2_core_state (SP_EL2 points at it): EL1's registers while
 * the monitor runs, and the CTR_EL0 value. EL2 runs with its MMU off, so its accesses are Device:
 * the slots are touched by EL2 only, and every access is an aligned STP/LDP/STR/LDR.
 */
#include "asm.h"
#include "el2_monitor.h"
#include "layout.h"
#include "sysreg.h"

#define STATE_CTR	    EL2_STATE_CTR
#define STATE_SIZE	    (1 << EL2_STATE_SIZE_SHIFT)
#define SPSR_M_MASK	    0xf
#define SPSR_M_EL1T	    0x4
#define SPSR_M_EL1H	    0x5
#define VECTOR_CURRENT_SP0  0x000
#define VECTOR_CURRENT_SPX  0x200
#define VECTOR_LOWER_A64    0x400

	.text

.macro el2_save
	stp	x0, x1, [sp, #0]
	save_x2_to_x29
	str	x30, [sp, #240]
.endm

.macro el2_vector target
	.balign	0x80
	el2_save
	b	\target
.endm

	.balign	0x800
	.globl	el2_vectors
el2_vectors:
	.irp	source, 0, 1				/* current EL, SP0 and SPx: a monitor bug */
	el2_vector el2_unexpected
	el2_vector el2_unexpected
	el2_vector el2_unexpected
	el2_vector el2_unexpected
	.endr
	el2_vector el2_sync_lower			/* lower EL, AArch64 */
	el2_vector el2_unexpected
	el2_vector el2_unexpected
	el2_vector el2_unexpected
	.irp	type, 0, 1, 2, 3			/* lower EL, AArch32 */
	el2_vector el2_unexpected
	.endr

el2_sync_lower:
	mrs	x0, esr_el2
	lsr	x1, x0, #26
	cmp	x1, #ESR_EC_HVC64
	b.eq	el2_hvc
	cmp	x1, #ESR_EC_SYSREG
	b.eq	el2_sysreg
	b	el2_unexpected

el2_hvc:
	ldp	x0, x1, [sp, #0]			/* EL1's x0 (the request) and x1 */
	mov	x2, #EL2_MONITOR_SET_CTR & 0xffff
	movk	x2, #EL2_MONITOR_SET_CTR >> 16, lsl #16
	cmp	x0, x2
	b.ne	1f
	str	x1, [sp, #STATE_CTR]
	mrs	x2, hcr_el2
	bic	x2, x2, #HCR_EL2_TID2
	cbz	x1, 2f
	orr	x2, x2, #HCR_EL2_TID2
2:	msr	hcr_el2, x2
	isb
	str	xzr, [sp, #0]				/* EL1's x0 = 0 */
	b	el2_return				/* ELR_EL2 is already the HVC's next instruction */
1:	b	el2_unexpected

/* x0 = ESR_EL2 of a trapped MRS/MSR. */
el2_sysreg:
	ubfx	x3, x0, #ESR_ISS_SYSREG_RT_SHIFT, #5	/* Rt */
	mov	x1, #(ESR_ISS_SYSREG_RT_MASK << ESR_ISS_SYSREG_RT_SHIFT)
	orr	x1, x1, #(0x3f << 26)			/* EC */
	orr	x1, x1, #(1 << 25)			/* IL */
	bic	x0, x0, x1				/* the register and the direction */
	ldr	x1, =ESR_ISS_SYSREG(3, 3, 0, 0, 1)	/* MRS CTR_EL0 */
	cmp	x0, x1
	b.ne	1f
	ldr	x2, [sp, #STATE_CTR]
	b	el2_sysreg_read
1:	ldr	x1, =ESR_ISS_SYSREG(3, 1, 0, 0, 0)	/* MRS CCSIDR_EL1 */
	cmp	x0, x1
	b.ne	1f
	mrs	x2, ccsidr_el1
	b	el2_sysreg_read
1:	ldr	x1, =ESR_ISS_SYSREG(3, 1, 0, 0, 1)	/* MRS CLIDR_EL1 */
	cmp	x0, x1
	b.ne	1f
	mrs	x2, clidr_el1
	b	el2_sysreg_read
1:	ldr	x1, =ESR_ISS_SYSREG(3, 1, 0, 0, 2)	/* MRS CCSIDR2_EL1 (FEAT_CCIDX) */
	cmp	x0, x1
	b.ne	1f
	mrs	x2, S3_1_C0_C0_2
	b	el2_sysreg_read
1:	ldr	x1, =ESR_ISS_SYSREG(3, 2, 0, 0, 0)	/* MRS CSSELR_EL1 */
	cmp	x0, x1
	b.ne	1f
	mrs	x2, csselr_el1
	b	el2_sysreg_read
1:	sub	x1, x1, #1				/* MSR CSSELR_EL1: Direction 0 */
	cmp	x0, x1
	b.ne	el2_unexpected
	mov	x2, xzr
	cmp	x3, #31					/* XZR */
	b.eq	2f
	ldr	x2, [sp, x3, lsl #3]
2:	msr	csselr_el1, x2
	b	el2_skip

/* x2 = the value, x3 = Rt. */
el2_sysreg_read:
	cmp	x3, #31
	b.eq	el2_skip
	str	x2, [sp, x3, lsl #3]
el2_skip:
	mrs	x0, elr_el2
	add	x0, x0, #4
	msr	elr_el2, x0
el2_return:
	ldp	x0, x1, [sp, #0]
	restore_x2_to_x29
	ldr	x30, [sp, #240]
	eret

/*
 * Hand the exception to EL1 as if EL1 had taken it: its syndrome, return address, fault address and
 * state, and EL1's vector for where it came from (EL1 with SP_EL0 or SP_EL1; anything else, EL2
 * itself included, as from a lower EL). EL1's handler reports it with its ESR, ELR and FAR.
 */
el2_unexpected:
	mrs	x0, esr_el2
	msr	esr_el1, x0
	mrs	x0, elr_el2
	msr	elr_el1, x0
	mrs	x0, far_el2
	msr	far_el1, x0
	mrs	x0, spsr_el2
	msr	spsr_el1, x0
	and	x0, x0, #SPSR_M_MASK
	mov	x1, #VECTOR_CURRENT_SPX
	cmp	x0, #SPSR_M_EL1H
	b.eq	1f
	mov	x1, #VECTOR_CURRENT_SP0
	cmp	x0, #SPSR_M_EL1T
	b.eq	1f
	mov	x1, #VECTOR_LOWER_A64
1:	mrs	x0, vbar_el1
	add	x0, x0, x1
	msr	elr_el2, x0
	mov	x0, #SPSR_EL1H_DAIF_MASKED
	msr	spsr_el2, x0
	b	el2_return

	.ltorg

	.bss
	.balign	64
	.globl	el2_core_state
el2_core_state:
	.space	MAX_CORES * STATE_SIZE
