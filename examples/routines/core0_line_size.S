// The complete sequence, but at the line sizes read from CTR_EL0 once, on the first call (core 0
// in the suite), and kept for every later call on any core: the bug of JITs on big.LITTLE parts
// whose cores disagree on line sizes (RULE_CORE0_LINE). Where every core reports the same lines it
// is right; it goes wrong where another core's lines are smaller (kind "mismatched": core 0 64
// bytes, the others 32).
//
// expect: a72=clean a53=clean a710=clean n2=clean a64fx=clean mismatched=hazard
	.text
	.global	selfmod_user_sync
	.type	selfmod_user_sync, %function
selfmod_user_sync:			// x0 = start, x1 = len
	add	x1, x0, x1
	adrp	x5, line_sizes
	ldr	x4, [x5, :lo12:line_sizes]
	cbnz	x4, 1f
	mrs	x6, ctr_el0		// first call: DminLine and IminLine in bytes, kept
	ubfx	x2, x6, #16, #4
	mov	x3, #4
	lsl	x3, x3, x2
	and	x2, x6, #0xf
	mov	x4, #4
	lsl	x4, x4, x2
	orr	x4, x4, x3, lsl #32
	str	x4, [x5, :lo12:line_sizes]
1:	lsr	x3, x4, #32		// D line
	and	x4, x4, #0xffffffff	// I line
	sub	x2, x3, #1
	bic	x2, x0, x2
2:	dc	cvau, x2
	add	x2, x2, x3
	cmp	x2, x1
	b.lo	2b
	dsb	ish
	sub	x2, x4, #1
	bic	x2, x0, x2
3:	ic	ivau, x2
	add	x2, x2, x4
	cmp	x2, x1
	b.lo	3b
	dsb	ish
	isb
	ret
	.size	selfmod_user_sync, . - selfmod_user_sync

	.bss
	.balign	8
line_sizes:
	.space	8
