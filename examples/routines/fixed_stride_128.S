// A routine written for 128-byte cache lines (no CTR_EL0 read): DC CVAU every 128 bytes from the
// start rounded down to 128, DSB ISH, IC IVAU every 128 bytes, DSB ISH, ISB. On 64-byte lines it
// skips every other line (RULE_LINES_SKIPPED: stale allowed unless IDC 1 / DIC 1, where no line
// needs maintenance); on A64FX's 256-byte lines it covers every line.
//
// expect: a72=hazard a53=hazard a710=hazard n2=clean a64fx=clean mismatched=hazard
	.text
	.global	selfmod_user_sync
	.type	selfmod_user_sync, %function
selfmod_user_sync:			// x0 = start, x1 = len
	add	x1, x0, x1
	bic	x2, x0, #127
1:	dc	cvau, x2
	add	x2, x2, #128
	cmp	x2, x1
	b.lo	1b
	dsb	ish
	bic	x2, x0, #127
2:	ic	ivau, x2
	add	x2, x2, #128
	cmp	x2, x1
	b.lo	2b
	dsb	ish
	isb
	ret
	.size	selfmod_user_sync, . - selfmod_user_sync
