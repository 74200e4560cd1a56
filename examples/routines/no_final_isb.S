// The complete clean and invalidate (DC CVAU, DSB ISH, IC IVAU, DSB ISH at CTR_EL0's line sizes),
// without the final ISB: the core that called it may still run instructions it fetched before
// (RULE_NO_ISB: allowed everywhere, SM.B+dsb.ish). Code handed to another core is fine when that
// core ISBs after the hand-off; code run on the calling core is not.
//
// expect: a72=hazard a53=hazard a710=hazard n2=hazard a64fx=hazard mismatched=hazard
	.text
	.global	selfmod_user_sync
	.type	selfmod_user_sync, %function
selfmod_user_sync:			// x0 = start, x1 = len
	add	x1, x0, x1
	mrs	x4, ctr_el0
	ubfx	x2, x4, #16, #4
	mov	x3, #4
	lsl	x3, x3, x2
	sub	x2, x3, #1
	bic	x2, x0, x2
1:	dc	cvau, x2
	add	x2, x2, x3
	cmp	x2, x1
	b.lo	1b
	dsb	ish
	and	x2, x4, #0xf
	mov	x3, #4
	lsl	x3, x3, x2
	sub	x2, x3, #1
	bic	x2, x0, x2
2:	ic	ivau, x2
	add	x2, x2, x3
	cmp	x2, x1
	b.lo	2b
	dsb	ish
	ret
	.size	selfmod_user_sync, . - selfmod_user_sync
