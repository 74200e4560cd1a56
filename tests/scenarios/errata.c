/*
 * Scenario 13: the errata that touch cache maintenance, instruction fetch or TLB flips (src/errata.c).
 * The header lists which apply to the running cores and what the library does about each
 * (src/icache.c icache_apply_errata); then the Cortex-A53 clean (DC CVAU) runs beside its workaround
 * (DC CIVAC) under a stressor on the code's own lines.
 *
 * The stressor creates what Linux's Kconfig names as the trigger of errata 819472/826319/827319/824069
 * as closely as bare metal allows: another core issuing exclusives (LDXR/STXR) and cache maintenance
 * (DC CVAC) to the same addresses as the writer's clean, all along. What it cannot create:
 *   - a core in another cluster: QEMU's virt and the Pi 3 have one cluster (the result says which
 *     cluster the stressing core is in);
 *   - the interconnect the errata need (ACE ports, particular CCI/CCN configurations, 826319's write
 *     that cannot complete until read data is accepted): the SoC decides;
 *   - 855873's eviction overtaking the clean: evictions are not under software control.
 * Where an erratum tagged "errata" applies (src/errata.c .scenario), stale code after the plain form
 * is allowed (publish.h waived_by); the DC CIVAC form stays forbidden everywhere.
 */
#include "errata.h"
#include "publish.h"

static const struct pub_plan a53_plans[] = {
    {.name = "DC CVAU clean under exclusives and CMOs to the same lines",
     .writer = {PUB_CANONICAL},
     .load = LOAD_SAME_LINES,
     .rule = RULE_COMPLETE,
     .waived_by = "errata"},
    {.name = "DC CIVAC clean (the A53 workaround) under exclusives and CMOs to the same lines",
     .writer = {{P_DC_CIVAC}, {P_DSB_ISH}, {P_IC_IVAU}, {P_DSB_ISH}, {P_ISB}},
     .load = LOAD_SAME_LINES,
     .rule = RULE_COMPLETE},
    {.name = "DC CVAU clean under stores to neighbouring lines",
     .writer = {PUB_CANONICAL},
     .load = LOAD_NEIGHBOURS,
     .rule = RULE_COMPLETE,
     .waived_by = "errata"},
};

static const char *const action_names[] = {"DC CVAU promoted to DC CIVAC", "DIC treated as 0", "TLBI repeated"};

static void errata_run(struct test *t)
{
	unsigned applying = 0;
	for (unsigned i = 0; i < core_count; i++) {
		const struct cpu_id *id = &cores[i].id;
		for (unsigned e = 0; e < errata_count && cores[i].state == CORE_ONLINE; e++) {
			const struct erratum *er = &errata[e];
			if (!erratum_applies(er, id->midr, id->revidr, id->ctr))
				continue;
			applying++;
			report_info(t, "core %u (MIDR 0x%08llx r%up%u): erratum %s (%s): %s; workaround: %s; test: %s",
				    i, (unsigned long long)id->midr, (unsigned)MIDR_VARIANT(id->midr),
				    (unsigned)MIDR_REVISION(id->midr), er->number, er->cores, er->effect,
				    er->workaround, er->scenario ? er->scenario : "none");
			for (unsigned a = 0; a < sizeof(action_names) / sizeof(action_names[0]); a++)
				if (er->actions & (1u << a))
					report_info(t, "erratum %s: the library applies it: %s", er->number,
						    action_names[a]);
		}
	}
	if (!applying)
		report_info(t, "none of the %u errata in the table applies to these cores", errata_count);
	publish_run(t, a53_plans, sizeof(a53_plans) / sizeof(a53_plans[0]));
}

TEST_CASE(470, errata_case, .name = "errata", .group = "smc",
	  .summary = "the errata table against these cores, and the Cortex-A53 clean (DC CVAU) beside its "
		     "workaround (DC CIVAC) under exclusives and CMOs from another core to the same lines",
	  .run = errata_run, .min_cores = 2, .iterations = 300, .timeout_ms = 2000, .injections = PUB_INJECTIONS);
