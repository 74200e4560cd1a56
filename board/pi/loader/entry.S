/*
 * Chainloader entry: the same arm64 Image header as the firmware (so the Pi
 * firmware and QEMU load it at 0x80000 with x0 = DTB), a copy of itself to
 * the address it is linked at (LOADER_BASE), and the hand-over to a received
 * image. MMU and caches stay off throughout (as the firmware left them):
 * every data access is Device-nGnRnE, so only aligned accesses are made.
 */
	.section .text.head, "ax"
	.globl	_start
_start:
	b	relocate			/* code0 */
	.long	0				/* code1 */
	.quad	0x80000				/* text_offset */
	.quad	__loader_size			/* image_size, including .bss and the stack */
	.quad	0x2				/* flags: little-endian, 4 KiB pages */
	.quad	0, 0, 0				/* reserved */
	.ascii	"ARM\x64"			/* magic */
	.long	0				/* reserved */

/*
 * Position-independent until the branch to relocated. Copying code and then
 * running it is self-modifying code: with the data cache off the stores reach
 * memory, and IC IALLU + DSB + ISB discard any instruction fetched or
 * prefetched from the destination before the copy.
 */
relocate:
	msr	daifset, #0xf
	mov	x19, x0				/* DTB: handed on to the received image */
	adr	x1, _start			/* where the firmware put us */
	ldr	x2, =__loader_start		/* where we are linked */
	ldr	x3, =__loader_load_end
	cmp	x1, x2
	b.eq	2f
1:	ldp	x4, x5, [x1], #16
	stp	x4, x5, [x2], #16
	cmp	x2, x3
	b.lo	1b
	dsb	sy
	ic	iallu
	dsb	sy
	isb
2:	ldr	x4, =relocated
	br	x4

	.text
relocated:
	ldr	x1, =__bss_start
	ldr	x2, =__bss_end
1:	cmp	x1, x2
	b.hs	2f
	stp	xzr, xzr, [x1], #16
	b	1b
2:	ldr	x1, =__loader_stack_top
	mov	sp, x1
	mov	x0, x19
	adr	x1, _start
	bl	loader_main
3:	wfe
	b	3b

/*
 * loader_run(entry, dtb, start, size): make [start, start+size) safe to
 * execute, then branch to entry with x0 = dtb, x1-x3 = 0 (the arm64 boot
 * protocol). DC CIVAC to the Point of Coherency by data-cache line (CTR_EL0
 * DminLine): the image will switch its caches on and invalidate its own range
 * to PoC, so no byte may be left only in a cache; DSB SY; IC IALLUIS: no core
 * keeps stale instructions for these addresses; DSB SY; ISB: this core
 * fetches anew.
 */
	.globl	loader_run
loader_run:
	mrs	x4, ctr_el0
	ubfx	x4, x4, #16, #4			/* DminLine: log2(words) */
	mov	x5, #4
	lsl	x5, x5, x4			/* line size in bytes */
	sub	x6, x5, #1
	bic	x7, x2, x6
	add	x3, x2, x3
1:	dc	civac, x7
	add	x7, x7, x5
	cmp	x7, x3
	b.lo	1b
	dsb	sy
	ic	ialluis
	dsb	sy
	isb
	mov	x4, x0
	mov	x0, x1
	mov	x1, xzr
	mov	x2, xzr
	mov	x3, xzr
	br	x4

	.ltorg
