#include "verdict.h"

#include "sysreg.h"

/*
 * Kinds are those of herdtools7 catalogue/aarch64-ifetch (tests/kinds.txt), flavour by flavour:
 * plain = IDC0/DIC0, IDC1. = IDC1/DIC0, DIC1. = IDC1/DIC1. The catalogue has no IDC0/DIC1 flavour:
 * that column follows the Arm ARM's CTR_EL0.DIC (D17.2.34: no IC needed for instruction-to-data
 * coherence; the clean to PoU still is) applied to the IDC0/DIC0 shape. docs/verdicts.md has the table.
 */
const struct verdict_rule_info verdict_rules[RULE_COUNT] = {
    [RULE_COMPLETE] = {.name = "complete",
		       .forbidden = ALL_COMBOS,
		       .source = "SM.B+cachesync-isb, MP.RF+cachesync+ctrlisb: Forbidden in all three flavours"},
    [RULE_NO_DC] = {.name = "no DC",
		    .forbidden = IDC1_DIC0 | IDC1_DIC1,
		    .source = "SM.B+dsb.ish-ic.ivau-dsb.ish-isb: Allowed / IDC1. Forbidden / DIC1. Forbidden; "
			      "IDC0/DIC1: the clean is still needed (CTR_EL0.DIC)"},
    [RULE_NO_IC] = {.name = "no IC",
		    .forbidden = IDC0_DIC1 | IDC1_DIC1,
		    .source = "SM.B+dc.cvau-dsb.ish-isb: Allowed / IDC1. Allowed / DIC1. Forbidden"},
    [RULE_NO_DSB_AFTER_DC] = {.name = "no DSB after DC",
			      .forbidden = IDC0_DIC1 | IDC1_DIC1,
			      .source =
				  "DIC1.SM.B+dc.cvau-dsb.ish-isb Forbidden (the IC is not needed, the DSB after "
				  "it completes the clean); DIC0: nothing orders the IC after the clean (IDC0) or "
				  "after the store (IDC1: only a DSB does, Arm ARM B2.4.4; Linux cache.S: dsb ishst)"},
    [RULE_NO_DSB] = {.name = "no DSB",
		     .forbidden = IDC1_DIC1,
		     .source = "DIC1.MP.RF+dmb.st+ctrlisb Forbidden; IDC1.MP.RF+dmb.st+ctrlisb Allowed (the IC is "
			       "never completed); IDC0: the clean is never completed by a DSB (Arm ARM B2.4.4)"},
    [RULE_NO_ISB] = {.name = "no ISB",
		     .forbidden = 0,
		     .source = "MP.RF+dc-dsb-ic-dsb+addr (another core), SM.B+dsb.ish, DIC1.SM.B+dc.cvau-dsb.ish "
			       "(the same core): Allowed in all three flavours"},
    [RULE_IC_BEFORE_DC] = {.name = "IC before DC",
			   .forbidden = IDC0_DIC1 | IDC1_DIC1,
			   .source = "SM.B+badcachesync-isb Allowed; IDC1.SM.B+badcachesync-isb Forbidden only "
				     "through its DSB between STR and IC, which this sequence lacks; DIC1: the later "
				     "DC, DSB, ISB suffice (DIC1.SM.B+dc.cvau-dsb.ish-isb Forbidden)"},
    [RULE_IC_ONLY] = {.name = "IC only",
		      .forbidden = IDC1_DIC1,
		      .source = "IDC1.SM.B+dsb.ish-ic.ivau-dsb.ish-isb is Forbidden through its leading DSB, "
				"which this lacks (IDC1/DIC0: Allowed); IDC0: no clean (SM.B+dsb.ish-ic.ivau-dsb."
				"ish-isb Allowed); DIC1.SM.B+dsb.ish-isb Forbidden: STR; DSB; ISB is enough"},
    [RULE_LINES_SKIPPED] = {.name = "lines skipped",
			    .forbidden = IDC1_DIC1,
			    .source = "the skipped lines get no maintenance: as SM.B+dsb.ish-isb (Allowed / IDC1. "
				      "Allowed / DIC1. Forbidden, the DSB and ISB cover every line)"},
    [RULE_IC_OTHER_ALIAS] = {.name = "IC through another alias",
			     .forbidden = ALL_COMBOS,
			     .extra = EXTRA_ALIAS_INDEX,
			     .source = "Arm ARM D7.4 (instruction caches, VIPT): IC IVAU by VA reaches the lines at "
				       "that VA's index; an alias differing in the index bits may keep a stale copy "
				       "(Linux mm/flush.c sync_icache_aliases: IC IALLU on aliasing I-caches)"},
    [RULE_CORE0_LINE] = {.name = "core 0's line sizes",
			 .forbidden = ALL_COMBOS,
			 .extra = EXTRA_CORE0_LINES,
			 .source = "Arm ARM D17.2.34 CTR_EL0.{D,I}minLine: the smallest line of any core the code "
				   "may run on (Linux reads the system-wide minimum, cpufeature.c)"},
};

bool verdict_stale_forbidden(enum verdict_rule rule, struct verdict_env env)
{
	const struct verdict_rule_info *r = &verdict_rules[rule];
	if (!(r->forbidden & VERDICT_COMBO(env.idc, env.dic)))
		return false;
	switch (r->extra) {
	case EXTRA_ALIAS_INDEX: return !env.alias_index_differs;
	/* A kind of line that needs no maintenance (IDC for D, DIC for I) does not depend on its size. */
	case EXTRA_CORE0_LINES: return (env.idc || env.core0_dline_smallest) && (env.dic || env.core0_iline_smallest);
	case EXTRA_NONE: break;
	}
	return true;
}

#define VIPT_WAY_BYTES_ASSUMED (64 * 1024) /* larger than any Arm L1 I-cache way this suite knows */

struct verdict_lines verdict_lines_of(const uint64_t *ctr, unsigned n)
{
	struct verdict_lines l = {0};
	for (unsigned i = 0; i < n; i++) {
		unsigned d = 4u << CTR_DMINLINE(ctr[i]), in = 4u << CTR_IMINLINE(ctr[i]);
		if (i == 0) {
			l.min_dline = l.core0_dline = d;
			l.min_iline = l.core0_iline = in;
		}
		l.min_dline = d < l.min_dline ? d : l.min_dline;
		l.min_iline = in < l.min_iline ? in : l.min_iline;
		l.any_vipt |= CTR_L1IP(ctr[i]) != CTR_L1IP_PIPT;
	}
	return l;
}

bool verdict_alias_index_differs(uintptr_t va_a, uintptr_t va_b, const struct verdict_lines *l)
{
	uintptr_t way = l->vipt_way_bytes ? l->vipt_way_bytes : VIPT_WAY_BYTES_ASSUMED;
	return l->any_vipt && ((va_a ^ va_b) & (way - 1)) != 0;
}

bool verdict_lines_missed(uintptr_t first, size_t n, uintptr_t step, uintptr_t start, size_t len, unsigned line)
{
	uintptr_t mask = ~(uintptr_t)(line - 1);
	for (uintptr_t lo = start & mask; len && lo <= ((start + len - 1) & mask); lo += line) {
		bool hit = false;
		for (size_t j = 0; j < n && !hit; j++)
			hit = ((first + j * step) & mask) == lo;
		if (!hit)
			return true;
	}
	return false;
}
