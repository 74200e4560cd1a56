// libgcc's __clear_cache on AArch64 (__aarch64_sync_cache_range), as its published sequence goes:
// CTR_EL0 read once and kept in a static; with CTR_EL0.IDC a DSB ISH alone, else DC CVAU per
// DminLine from the start rounded down, then DSB ISH; with CTR_EL0.DIC no IC, else IC IVAU per
// IminLine, then DSB ISH; ISB at the end. (Written here from that description.) The static holds
// the first caller's line sizes: wrong where cores disagree (kind "mismatched").
//
// expect: a72=clean a53=clean a710=clean n2=clean a64fx=clean mismatched=hazard
	.text
	.global	selfmod_user_sync
	.type	selfmod_user_sync, %function
selfmod_user_sync:			// x0 = start, x1 = len
	add	x1, x0, x1		// end
	adrp	x5, cache_info
	ldr	w4, [x5, :lo12:cache_info]
	cbnz	w4, 1f
	mrs	x4, ctr_el0
	str	w4, [x5, :lo12:cache_info]
1:	tbz	w4, #28, 2f		// IDC?
	dsb	ish
	b	4f
2:	ubfx	w2, w4, #16, #4		// DminLine
	mov	x3, #4
	lsl	x3, x3, x2
	sub	x2, x3, #1
	bic	x2, x0, x2
3:	dc	cvau, x2
	add	x2, x2, x3
	cmp	x2, x1
	b.lo	3b
	dsb	ish
4:	tbnz	w4, #29, 6f		// DIC?
	and	w2, w4, #0xf		// IminLine
	mov	x3, #4
	lsl	x3, x3, x2
	sub	x2, x3, #1
	bic	x2, x0, x2
5:	ic	ivau, x2
	add	x2, x2, x3
	cmp	x2, x1
	b.lo	5b
	dsb	ish
6:	isb
	ret
	.size	selfmod_user_sync, . - selfmod_user_sync

	.bss
	.balign	4
cache_info:
	.space	4
