/* What every later scenario stands on: all cores up at EL1 with MMU and caches on, agreeing on cache lines. */
#include "cache_geometry.h"
#include "icache.h"
#include "suite.h"
#include "sysreg.h"

static void cores_online_run(struct test *t)
{
	const uint64_t want = SCTLR_EL1_M | SCTLR_EL1_C | SCTLR_EL1_I;
	for (unsigned i = 0; i < core_count; i++) {
		const struct core *c = &cores[i];
		if (c->state != CORE_ONLINE) {
			report(t, false, "core %u (MPIDR 0x%llx) came up", i, (unsigned long long)c->mpidr);
			report_info(t, "expected online, observed %s", core_state_name(c->state));
			continue;
		}
		bool ok = c->id.current_el == 1 && (c->id.sctlr & want) == want;
		report(t, ok, "core %u (MPIDR 0x%llx) runs at EL1 with MMU, D- and I-cache on", i,
		       (unsigned long long)c->id.mpidr);
		if (!ok)
			report_info(t, "expected EL1 SCTLR_EL1.{M,C,I}=1, observed EL%llu SCTLR_EL1=0x%llx",
				    (unsigned long long)c->id.current_el, (unsigned long long)c->id.sctlr);
	}
}

TEST_CASE(100, cores_online_case, .name = "cores_online", .group = "boot",
	  .summary = "every core in the DTB came up at EL1 with its MMU and caches on", .run = cores_online_run,
	  .min_cores = 1, .iterations = 1, .timeout_ms = 1000);

static void cache_geometry_run(struct test *t)
{
	const struct cpu_id *ref = &cores[0].id;
	struct cache_lines ref_lines = cache_lines_of(ref->ctr, ref->clidr), smallest = ref_lines;
	for (unsigned i = 0; i < core_count; i++) {
		if (cores[i].state != CORE_ONLINE)
			continue;
		struct cache_lines l = cache_lines_of(cores[i].id.ctr, cores[i].id.clidr);
		smallest.dline = l.dline < smallest.dline ? l.dline : smallest.dline;
		smallest.iline = l.iline < smallest.iline ? l.iline : smallest.iline;
		unsigned emulated = suite_emulated_line(i);
		if (emulated) {
			/* core_lines=: the EL2 monitor's CTR_EL0 is what this core reads. */
			if (!report(t, l.dline == emulated && l.iline == emulated,
				    "core %u reads the line sizes core_lines= gave it (CTR_EL0 from the EL2 monitor)",
				    i))
				report_info(t, "expected Dline %u Iline %u, observed Dline %u Iline %u", emulated,
					    emulated, l.dline, l.iline);
			continue;
		}
		if (i == 0)
			continue;
		/* The deliberate defect: the last core claims half core 0's data line (a big.LITTLE mismatch). */
		if (test_injected(t, "mismatched_lines") && i == core_count - 1)
			l.dline /= 2;
		if (!report(t, cache_lines_equal(l, ref_lines), "core %u agrees with core 0 on line sizes, IDC and DIC",
			    i))
			report_info(t,
				    "expected Dline %u Iline %u IDC %d DIC %d (core 0), observed Dline %u Iline %u IDC "
				    "%d DIC %d",
				    ref_lines.dline, ref_lines.iline, ref_lines.idc, ref_lines.dic, l.dline, l.iline,
				    l.idc, l.dic);
	}
	struct cache_lines used = icache_configuration();
	if (!report(t, used.dline == smallest.dline && used.iline == smallest.iline,
		    "maintenance uses the minimum line sizes of all cores (D %u, I %u bytes)", used.dline, used.iline))
		report_info(t, "expected Dline %u Iline %u, observed Dline %u Iline %u", smallest.dline, smallest.iline,
			    used.dline, used.iline);
}

TEST_CASE(110, cache_geometry_case, .name = "cache_geometry", .group = "boot",
	  .summary = "all cores report the same CTR_EL0 line sizes, IDC and DIC (or those core_lines= gave them); "
		     "maintenance uses the minimum",
	  .run = cache_geometry_run, .min_cores = 1, .iterations = 1, .timeout_ms = 1000,
	  .injections = "mismatched_lines");
