// LLVM compiler-rt's __clear_cache on AArch64 (lib/builtins/clear_cache.c), as its published
// sequence goes: CTR_EL0 kept in a static after the first read; unless CTR_EL0.IDC, DC CVAU per
// DminLine from the start rounded down; DSB ISH always; unless CTR_EL0.DIC, IC IVAU per IminLine
// and DSB ISH; ISB SY. (Written here from that description.) The static holds the first caller's
// line sizes: wrong where cores disagree (kind "mismatched").
//
// expect: a72=clean a53=clean a710=clean n2=clean a64fx=clean mismatched=hazard
	.text
	.global	selfmod_user_sync
	.type	selfmod_user_sync, %function
selfmod_user_sync:			// x0 = start, x1 = len
	add	x1, x0, x1
	adrp	x5, ctr_el0_cache
	ldr	x4, [x5, :lo12:ctr_el0_cache]
	cbnz	x4, 1f
	mrs	x4, ctr_el0
	str	x4, [x5, :lo12:ctr_el0_cache]
1:	tbnz	x4, #28, 3f		// IDC: no clean
	ubfx	x2, x4, #16, #4
	mov	x3, #4
	lsl	x3, x3, x2
	sub	x2, x3, #1
	bic	x2, x0, x2
2:	dc	cvau, x2
	add	x2, x2, x3
	cmp	x2, x1
	b.lo	2b
3:	dsb	ish
	tbnz	x4, #29, 5f		// DIC: no invalidate
	and	x2, x4, #0xf
	mov	x3, #4
	lsl	x3, x3, x2
	sub	x2, x3, #1
	bic	x2, x0, x2
4:	ic	ivau, x2
	add	x2, x2, x3
	cmp	x2, x1
	b.lo	4b
	dsb	ish
5:	isb	sy
	ret
	.size	selfmod_user_sync, . - selfmod_user_sync

	.bss
	.balign	8
ctr_el0_cache:
	.space	8
