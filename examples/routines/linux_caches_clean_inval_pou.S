// Linux's caches_clean_inval_pou (arch/arm64/mm/cache.S), as its published sequence goes: with
// IDC a DSB ISHST instead of the clean, else DC CVAU per line (dcache_by_line_op) and DSB ISH;
// with DIC an ISB alone, else IC IVAU per line, DSB ISH, ISB (invalidate_icache_by_line). The line
// sizes come from the sanitised CTR_EL0 (read_ctr); on one kind of core that is CTR_EL0 itself.
// (Written here from that description.) This file reads the running core's CTR_EL0, so where cores
// disagree (kind "mismatched") it steps by core 0's larger line: Linux's own read_ctr gives the
// system-wide smallest there (ARM64_MISMATCHED_CACHE_TYPE), which this file does not model.
//
// expect: a72=clean a53=clean a710=clean n2=clean a64fx=clean mismatched=hazard
	.text
	.global	selfmod_user_sync
	.type	selfmod_user_sync, %function
selfmod_user_sync:			// x0 = start, x1 = len
	add	x1, x0, x1		// Linux takes [start, end)
	mrs	x4, ctr_el0
	tbz	x4, #28, 1f
	dsb	ishst
	b	3f
1:	ubfx	x2, x4, #16, #4		// dcache_line_size
	mov	x3, #4
	lsl	x3, x3, x2
	sub	x2, x3, #1
	bic	x2, x0, x2
2:	dc	cvau, x2
	add	x2, x2, x3
	cmp	x2, x1
	b.lo	2b
	dsb	ish
3:	tbz	x4, #29, 4f
	isb
	ret
4:	and	x2, x4, #0xf		// icache_line_size
	mov	x3, #4
	lsl	x3, x3, x2
	sub	x2, x3, #1
	bic	x2, x0, x2
5:	ic	ivau, x2
	add	x2, x2, x3
	cmp	x2, x1
	b.lo	5b
	dsb	ish
	isb
	ret
	.size	selfmod_user_sync, . - selfmod_user_sync
