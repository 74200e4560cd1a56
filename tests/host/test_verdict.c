/* src/verdict.c: every rule over all four IDC/DIC combinations, mixed line sizes, VIPT aliases. */
#include "check.h"
#include "unit_tests.h"
#include "verdict.h"

/* Forbidden (1) or allowed (0) for IDC0/DIC0, IDC1/DIC0, IDC0/DIC1, IDC1/DIC1 (docs/verdicts.md). */
static const struct {
	enum verdict_rule rule;
	bool forbidden[4];
} expected[] = {
    {RULE_COMPLETE, {1, 1, 1, 1}},	  {RULE_NO_DC, {0, 1, 0, 1}},	   {RULE_NO_IC, {0, 0, 1, 1}},
    {RULE_NO_DSB_AFTER_DC, {0, 0, 1, 1}}, {RULE_NO_DSB, {0, 0, 0, 1}},	   {RULE_NO_ISB, {0, 0, 0, 0}},
    {RULE_IC_BEFORE_DC, {0, 0, 1, 1}},	  {RULE_IC_ONLY, {0, 0, 0, 1}},	   {RULE_LINES_SKIPPED, {0, 0, 0, 1}},
    {RULE_IC_OTHER_ALIAS, {1, 1, 1, 1}},  {RULE_CORE0_LINE, {1, 1, 1, 1}},
};

void test_verdict_rules(const struct check_env *env)
{
	(void)env;
	CHECK_EQ_U64(RULE_COUNT, ARRAY_LEN(expected), "every rule has a row");
	for (unsigned i = 0; i < ARRAY_LEN(expected); i++)
		for (unsigned c = 0; c < 4; c++) {
			struct verdict_env e = {
			    .idc = c & 1, .dic = c >> 1, .core0_dline_smallest = true, .core0_iline_smallest = true};
			CHECK(verdict_stale_forbidden(expected[i].rule, e) == expected[i].forbidden[c],
			      "%s, IDC %u DIC %u: %s", verdict_rules[expected[i].rule].name, c & 1, c >> 1,
			      expected[i].forbidden[c] ? "forbidden" : "allowed");
			CHECK(verdict_rules[expected[i].rule].source && verdict_rules[expected[i].rule].source[0],
			      "%s names its source", verdict_rules[expected[i].rule].name);
		}
}

/* CTR_EL0 with DminLine/IminLine (log2 words) and L1Ip. */
#define CTR(dmin, imin, l1ip) ((uint64_t)(dmin) << 16 | (uint64_t)(l1ip) << 14 | (imin))

void test_verdict_mixed_lines(const struct check_env *env)
{
	(void)env;
	/* big.LITTLE with core 0 the big one: 64-byte D lines everywhere, I lines 64 on core 0, 32 on core 1. */
	uint64_t mixed[] = {CTR(4, 4, 3), CTR(4, 3, 3)};
	struct verdict_lines l = verdict_lines_of(mixed, 2);
	CHECK_EQ_U64(64, l.min_dline, "smallest D line");
	CHECK_EQ_U64(32, l.min_iline, "smallest I line");
	CHECK_EQ_U64(64, l.core0_iline, "core 0's I line");
	for (unsigned c = 0; c < 4; c++) {
		struct verdict_env e = {.idc = c & 1,
					.dic = c >> 1,
					.core0_dline_smallest = l.core0_dline <= l.min_dline,
					.core0_iline_smallest = l.core0_iline <= l.min_iline};
		/* Core 0's I line is too large: forbidden only where the IC is not needed (DIC). */
		CHECK(verdict_stale_forbidden(RULE_CORE0_LINE, e) == (bool)(c >> 1),
		      "core 0's lines on a mixed system, IDC %u DIC %u", c & 1, c >> 1);
	}
	/* D lines differ the other way round: core 0 has 32-byte D lines, the smallest: fine. */
	uint64_t dmixed[] = {CTR(3, 4, 3), CTR(4, 4, 3)};
	l = verdict_lines_of(dmixed, 2);
	struct verdict_env e = {.core0_dline_smallest = l.core0_dline <= l.min_dline,
				.core0_iline_smallest = l.core0_iline <= l.min_iline};
	CHECK(verdict_stale_forbidden(RULE_CORE0_LINE, e), "core 0's D line is the smallest: forbidden");
	/* ... and larger than another core's: allowed unless IDC. */
	uint64_t dbig[] = {CTR(5, 4, 3), CTR(4, 4, 3)};
	l = verdict_lines_of(dbig, 2);
	e = (struct verdict_env){.core0_dline_smallest = l.core0_dline <= l.min_dline,
				 .core0_iline_smallest = l.core0_iline <= l.min_iline};
	CHECK(!verdict_stale_forbidden(RULE_CORE0_LINE, e), "core 0's D line is larger than core 1's: allowed");
	e.idc = true;
	CHECK(verdict_stale_forbidden(RULE_CORE0_LINE, e), "... but with IDC the D line does not matter");
}

void test_verdict_vipt_alias(const struct check_env *env)
{
	(void)env;
	uint64_t pipt[] = {CTR(4, 4, 3)}, vipt[] = {CTR(4, 4, 2), CTR(4, 4, 3)};
	struct verdict_lines lp = verdict_lines_of(pipt, 1), lv = verdict_lines_of(vipt, 2);
	CHECK(!lp.any_vipt && lv.any_vipt, "L1Ip decoded");
	/* The arena's aliases are 2 MB apart (share VA[20:0]); the skewed window is one page off. */
	CHECK(!verdict_alias_index_differs(0x40240000, 0x1000240000, &lv), "2 MB-apart aliases agree on VIPT");
	CHECK(verdict_alias_index_differs(0x40240000, 0x5000001000 + 0x200000, &lv), "a page-skewed alias differs");
	CHECK(!verdict_alias_index_differs(0x40240000, 0x5000001000, &lp), "PIPT: no alias differs");
	for (unsigned c = 0; c < 4; c++) {
		struct verdict_env e = {.idc = c & 1, .dic = c >> 1, .alias_index_differs = true};
		CHECK(!verdict_stale_forbidden(RULE_IC_OTHER_ALIAS, e), "VIPT, other index: allowed, IDC %u DIC %u",
		      c & 1, c >> 1);
		e.alias_index_differs = false;
		CHECK(verdict_stale_forbidden(RULE_IC_OTHER_ALIAS, e), "same index: forbidden, IDC %u DIC %u", c & 1,
		      c >> 1);
	}
}

void test_verdict_lines_missed(const struct check_env *env)
{
	(void)env;
	CHECK(!verdict_lines_missed(0x1000, 3, 64, 0x1000, 132, 64), "every 64-byte line of 132 bytes");
	CHECK(verdict_lines_missed(0x1000, 2, 128, 0x1000, 132, 64), "a 128-byte stride skips a 64-byte line");
	CHECK(!verdict_lines_missed(0x1000, 1, 512, 0x1000, 132, 256), "one 256-byte line holds it all (a64fx)");
	CHECK(verdict_lines_missed(0x1000, 1, 64, 0x1000, 132, 64), "the first line only");
	CHECK(!verdict_lines_missed(0x1000, 0, 64, 0x1000, 0, 64), "nothing to cover");
}
