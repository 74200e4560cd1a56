// wasmtime's current AArch64 clear_cache, as its published sequence goes: IC IVAU every 64 bytes
// over the range (no CTR_EL0 read), then DSB ISH and ISB. No DC CVAU, and no DSB between the
// stores and the ICs. (Written here from that description.)
// The architecture (docs/verdicts.md RULE_IC_ONLY): stale code allowed with IDC 0 (nothing cleans
// the line to PoU) and with IDC 1 / DIC 0 (nothing completes the store before the IC:
// IDC1.SM.B+dsb.ish-ic.ivau-dsb.ish-isb is Forbidden only through its leading DSB); forbidden only
// with IDC 1 / DIC 1.
//
// expect: a72=hazard a53=hazard a710=hazard n2=clean a64fx=hazard mismatched=hazard
	.text
	.global	selfmod_user_sync
	.type	selfmod_user_sync, %function
selfmod_user_sync:			// x0 = start, x1 = len
	add	x1, x0, x1
	bic	x2, x0, #63
1:	ic	ivau, x2
	add	x2, x2, #64
	cmp	x2, x1
	b.lo	1b
	dsb	ish
	isb
	ret
	.size	selfmod_user_sync, . - selfmod_user_sync
