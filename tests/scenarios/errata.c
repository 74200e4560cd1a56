/*
 * Scenario 13: the errata that touch cache maintenance (src/lib/errata.c). The
 * header lists which apply to the running cores; this test runs the
 * Cortex-A53 clean (DC CVAU) side by side with its workaround (DC CIVAC)
 * under traffic from another core on the same lines' neighbours. Where an
 * A53 clean erratum applies, stale code after the plain form is allowed.
 */
#include "errata.h"
#include "publish.h"
#include "array_size.h"

static const struct pub_plan a53_plans[] = {
    {.name = "DC CVAU clean under load",
     .writer = {PUB_CANONICAL},
     .background_load = true,
     .rule = STALE_FORBIDDEN,
     .waived_by = "errata"},
    {.name = "DC CIVAC clean (the A53 workaround) under load",
     .writer = {{P_DC_CIVAC}, {P_DSB_ISH}, {P_IC_IVAU}, {P_DSB_ISH}, {P_ISB}},
     .background_load = true,
     .rule = STALE_FORBIDDEN},
};

static void errata_run(struct test *t)
{
	unsigned applying = 0;
	for (unsigned i = 0; i < core_count; i++) {
		const struct cpu_id *id = &cores[i].id;
		for (unsigned e = 0; e < errata_count && cores[i].state == CORE_ONLINE; e++) {
			if (!erratum_applies(&errata[e], id->midr, id->revidr, id->ctr))
				continue;
			applying++;
			report_info(t, "core %u (MIDR 0x%08llx r%up%u): erratum %s (%s): %s; workaround: %s; test: %s",
				    i, (unsigned long long)id->midr, (unsigned)MIDR_VARIANT(id->midr),
				    (unsigned)MIDR_REVISION(id->midr), errata[e].id, errata[e].cores, errata[e].effect,
				    errata[e].workaround, errata[e].scenario);
		}
	}
	if (!applying)
		report_info(t, "none of the %u errata in the table applies to these cores", errata_count);
	publish_run(t, a53_plans, ARRAY_SIZE(a53_plans));
}

TEST_CASE(470, errata_case, .name = "errata", .group = "smc",
	  .summary = "the errata table against these cores, and the Cortex-A53 clean (DC CVAU) beside its "
		     "workaround (DC CIVAC) under load",
	  .run = errata_run, .min_cores = 2, .iterations = 300, .timeout_ms = 2000, .injections = PUB_INJECTIONS);
