// Other projects' cache-maintenance routines, re-expressed for the bench (make bench) from their
// published sequences, to be counted beside icache_sync_range and libgcc's __clear_cache. Bench-local
// and minimal: the checked examples of the same routines are examples/routines/*.S (make check-routine).
// Each takes x0 = start and x1 = end (compiler-rt, Linux) or length (wasmtime), as the original does.
	.text

// LLVM compiler-rt's __clear_cache (lib/builtins/clear_cache.c): CTR_EL0 kept in a static after the
// first read; unless IDC, DC CVAU per DminLine; DSB ISH; unless DIC, IC IVAU per IminLine and DSB ISH;
// ISB.
	.global	bench_compiler_rt_clear_cache
	.type	bench_compiler_rt_clear_cache, %function
bench_compiler_rt_clear_cache:
	adrp	x5, bench_ctr_el0
	ldr	x4, [x5, :lo12:bench_ctr_el0]
	cbnz	x4, 1f
	mrs	x4, ctr_el0
	str	x4, [x5, :lo12:bench_ctr_el0]
1:	tbnz	x4, #28, 3f
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
	tbnz	x4, #29, 5f
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
5:	isb
	ret
	.size	bench_compiler_rt_clear_cache, . - bench_compiler_rt_clear_cache

// Linux's caches_clean_inval_pou (arch/arm64/mm/cache.S): with IDC a DSB ISHST, else DC CVAU per line
// (dcache_by_line_op) and DSB ISH; with DIC an ISB, else IC IVAU per line, DSB ISH, ISB
// (invalidate_icache_by_line). Line sizes from CTR_EL0 (read_ctr) on every call.
	.global	bench_linux_caches_clean_inval_pou
	.type	bench_linux_caches_clean_inval_pou, %function
bench_linux_caches_clean_inval_pou:
	mrs	x4, ctr_el0
	tbz	x4, #28, 1f
	dsb	ishst
	b	3f
1:	ubfx	x2, x4, #16, #4
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
4:	and	x2, x4, #0xf
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
	.size	bench_linux_caches_clean_inval_pou, . - bench_linux_caches_clean_inval_pou

// wasmtime's AArch64 clear_cache: IC IVAU every 64 bytes (no CTR_EL0 read), DSB ISH, ISB. No DC CVAU
// and no DSB before the ICs: stale code is allowed unless IDC and DIC are both 1 (docs/verdicts.md).
	.global	bench_wasmtime_clear_cache
	.type	bench_wasmtime_clear_cache, %function
bench_wasmtime_clear_cache:
	add	x1, x0, x1
	bic	x2, x0, #63
1:	ic	ivau, x2
	add	x2, x2, #64
	cmp	x2, x1
	b.lo	1b
	dsb	ish
	isb
	ret
	.size	bench_wasmtime_clear_cache, . - bench_wasmtime_clear_cache

	.bss
	.balign	8
bench_ctr_el0:
	.space	8
