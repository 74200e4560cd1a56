/*
 * Strategies for publishing new code to other cores, as tables for the
 * publish engine (publish.h): split maintenance, dual mappings, the
 * Point of Coherency, the SGI sync (membarrier) pattern, and weakened
 * sequences whose outcome the architecture leaves open.
 */
#include "publish.h"
#include "start.h"

/* Brace initializers, which clang-format 14 would split over lines. */
/* clang-format off */
#define DC(op, via) {op, via, SPAN_ALL}
#define WRITER_DC_ONLY {P_DC_CVAU}, {P_DSB_ISH}
#define READER_IC_ISB {P_IC_IVAU, VIA_RX}, {P_DSB_ISH}, {P_ISB}
/* clang-format on */

/* Scenario 3: the maintenance split between cores (herd's dcc2 / ISA2.F shapes). */
static const struct pub_plan split_plans[] = {
    {.name = "DC on the writer, IC on the reader",
     .writer = {WRITER_DC_ONLY},
     .reader = {READER_IC_ISB},
     .rule = RULE_COMPLETE},
    {.name = "DC and IC by a third core",
     .writer = {{P_DSB_ISH}},
     .helper = {{P_DC_CVAU}, {P_DSB_ISH}, {P_IC_IVAU}, {P_DSB_ISH}},
     .reader = {{P_ISB}},
     .rule = RULE_COMPLETE},
    {.name = "DC by a third core, IC on the reader",
     .writer = {{P_DSB_ISH}},
     .helper = {WRITER_DC_ONLY},
     .reader = {READER_IC_ISB},
     .rule = RULE_COMPLETE},
};

static void split_run(struct test *t)
{
	publish_run(t, split_plans, sizeof(split_plans) / sizeof(split_plans[0]));
}

TEST_CASE(410, split_case, .name = "split_maintenance", .group = "smc",
	  .summary = "the clean and the invalidate done by different cores: writer and reader, or a third core",
	  .run = split_run, .min_cores = 2, .iterations = 500, .timeout_ms = 2000, .injections = PUB_INJECTIONS);

/* Scenario 4: write through the RW alias, maintain through one alias or the other, run the RX alias. */
static const struct pub_plan dual_plans[] = {
    /* RW and RX share VA[20:0], so a VIPT I-cache indexes them alike: forbidden everywhere. */
    {.name = "maintained through the RW alias",
     .writer = {PUB_CANONICAL},
     .rule = RULE_IC_OTHER_ALIAS,
     .ic_other_alias = true},
    /* The skewed window differs from RW in VA[12] and up: on a VIPT I-cache the IC may miss it. */
    {.name = "maintained through the RW alias, run through an alias with other index bits",
     .writer = {PUB_CANONICAL},
     .run_skew = true,
     .rule = RULE_IC_OTHER_ALIAS,
     .ic_other_alias = true},
    {.name = "maintained through the RX alias",
     .writer = {DC(P_DC_CVAU, VIA_RX), {P_DSB_ISH}, DC(P_IC_IVAU, VIA_RX), {P_DSB_ISH}, {P_ISB}},
     .rule = RULE_COMPLETE},
    {.name = "DC through RW, IC through RX",
     .writer = {{P_DC_CVAU}, {P_DSB_ISH}, DC(P_IC_IVAU, VIA_RX), {P_DSB_ISH}, {P_ISB}},
     .rule = RULE_COMPLETE},
    /* The library's routine (or a user's, under make check-routine) given one alias or the other. */
    {.name = "icache_sync_range on the RX alias", .writer = {DC(P_SYNC_RANGE, VIA_RX)}, .rule = RULE_COMPLETE},
    {.name = "icache_sync_range on the RW alias",
     .writer = {{P_SYNC_RANGE}},
     .rule = RULE_IC_OTHER_ALIAS,
     .ic_other_alias = true},
};

static void dual_run(struct test *t)
{
	publish_run(t, dual_plans, sizeof(dual_plans) / sizeof(dual_plans[0]));
}

TEST_CASE(430, dual_case, .name = "dual_mapping", .group = "smc",
	  .summary = "code written through a RW alias, maintained through either alias, run through the RX alias "
		     "(a VIPT I-cache needs IC IVAU on the executing alias)",
	  .run = dual_run, .min_cores = 2, .iterations = 500, .timeout_ms = 2000, .injections = PUB_INJECTIONS);

/* Scenario 9: pipeline_sync_all_cores() instead of each reader's ISB. */
static const struct pub_plan sync_plans[] = {
    {.name = "SGI sync after maintenance, readers without ISB",
     .writer = {PUB_CANONICAL, {P_PIPELINE_SYNC}},
     .plain_wait = true,
     .rule = RULE_COMPLETE},
};

static void sync_run(struct test *t)
{
	if (boot_irq_problem()) { /* e.g. rpi3: the BCM2837 has no GIC, so no SGIs */
		test_skip(
		    t,
		    "pipeline_sync_all_cores needs SGIs, and this board has no interrupt controller the suite drives");
		return;
	}
	publish_run(t, sync_plans, 1);
}

TEST_CASE(440, sync_case, .name = "pipeline_sync", .group = "smc",
	  .summary = "after pipeline_sync_all_cores() (an SGI to every core, whose exception return synchronises it) "
		     "every core runs the new code without an ISB of its own",
	  .run = sync_run, .min_cores = 2, .iterations = 300, .timeout_ms = 2000, .injections = PUB_INJECTIONS);

/* Scenario 10: the Point of Coherency and the Non-cacheable alias. */
static const struct pub_plan poc_plans[] = {
    {.name = "cleaned to PoC, run through the Non-cacheable alias",
     .run_nc = true,
     .writer = {{P_DC_CVAC}, {P_DSB_ISH}, {P_IC_IVAU}, {P_DSB_ISH}, {P_ISB}},
     .rule = RULE_COMPLETE},
    {.name = "written Non-cacheable, cached copies discarded, run cacheable",
     .write_nc = true,
     .writer = {{P_DSB_ISH}, {P_DC_IVAC}, {P_DSB_ISH}, {P_IC_IVAU}, {P_DSB_ISH}, {P_ISB}},
     .rule = RULE_COMPLETE},
};

static void poc_run(struct test *t)
{
	publish_run(t, poc_plans, sizeof(poc_plans) / sizeof(poc_plans[0]));
}

TEST_CASE(450, poc_case, .name = "poc", .group = "smc",
	  .summary = "code cleaned to the Point of Coherency and run Non-cacheable, and the converse", .run = poc_run,
	  .min_cores = 2, .iterations = 300, .timeout_ms = 2000, .injections = PUB_INJECTIONS);

/* Scenario 11 (and 12's stride): sequences with something missing. Stale code is then allowed
   (or forbidden only on cores whose IDC/DIC make the missing part unnecessary); the counts are
   what a user compares across cores. */
static const struct pub_plan weakened_plans[] = {
    {.name = "complete (reference)", .writer = {PUB_CANONICAL}, .rule = RULE_COMPLETE},
    {.name = "no DC", .writer = {{P_DSB_ISH}, {P_IC_IVAU}, {P_DSB_ISH}, {P_ISB}}, .rule = RULE_NO_DC},
    {.name = "no IC", .writer = {{P_DC_CVAU}, {P_DSB_ISH}, {P_ISB}}, .rule = RULE_NO_IC},
    {.name = "no DSB", .writer = {{P_DC_CVAU}, {P_IC_IVAU}, {P_ISB}}, .rule = RULE_NO_DSB},
    {.name = "no reader ISB", .writer = {PUB_CANONICAL}, .plain_wait = true, .rule = RULE_NO_ISB},
    {.name = "IC before DC",
     .writer = {{P_IC_IVAU}, {P_DSB_ISH}, {P_DC_CVAU}, {P_DSB_ISH}, {P_ISB}},
     .rule = RULE_IC_BEFORE_DC},
    {.name = "stride of two lines",
     .writer = {{P_DC_CVAU, VIA_RW, SPAN_DOUBLE_STRIDE},
		{P_DSB_ISH},
		{P_IC_IVAU, VIA_RW, SPAN_DOUBLE_STRIDE},
		{P_DSB_ISH},
		{P_ISB}},
     .rule = RULE_LINES_SKIPPED},
    {.name = "only part of the range",
     .writer = {{P_DC_CVAU, VIA_RW, SPAN_FIRST_LINE},
		{P_DSB_ISH},
		{P_IC_IVAU, VIA_RW, SPAN_FIRST_LINE},
		{P_DSB_ISH},
		{P_ISB}},
     .rule = RULE_LINES_SKIPPED},
    {.name = "IC only, 64-byte stride (wasmtime clear_cache)",
     .writer = {{P_IC_IVAU, VIA_RW, SPAN_FIXED_64}, {P_DSB_ISH}, {P_ISB}},
     .rule = RULE_IC_ONLY},
    {.name = "core 0's line size used on every core",
     .writer = {{P_DC_CVAU, VIA_RW, SPAN_CORE0_LINE},
		{P_DSB_ISH},
		{P_IC_IVAU, VIA_RW, SPAN_CORE0_LINE},
		{P_DSB_ISH},
		{P_ISB}},
     .rule = RULE_CORE0_LINE},
};

static void weakened_run(struct test *t)
{
	report_info(t, "on QEMU stale code never shows (TCG keeps code coherent): the counts that matter are a "
		       "board's; 'allowed' means the architecture permits stale code after that sequence here");
	publish_run(t, weakened_plans, sizeof(weakened_plans) / sizeof(weakened_plans[0]));
}

TEST_CASE(460, weakened_case, .name = "weakened_sequences", .group = "smc",
	  .summary = "sequences missing a DC, an IC, a DSB, the reader's ISB, lines or order: stale code counted",
	  .run = weakened_run, .min_cores = 2, .iterations = 300, .timeout_ms = 2000, .injections = PUB_INJECTIONS);
