#include "pmu.h"

bool pmu_present(void)
{
	unsigned ver = (unsigned)ID_AA64DFR0_PMUVER(read_sysreg(id_aa64dfr0_el1));
	return ver != PMUVER_NONE && ver != PMUVER_IMPDEF && PMCR_N(read_sysreg(pmcr_el0)) > PMU_INSN_COUNTER;
}

bool pmu_start(void)
{
	if (!pmu_present())
		return false;
	write_sysreg(pmcntenclr_el0, PMCNT_EVENT(PMU_INSN_COUNTER) | PMCNT_CYCLES);
	write_sysreg(pmevtyper0_el0, PMEVTYPER_EVTCOUNT(PMU_EVENT_INST_RETIRED));
	write_sysreg(pmccfiltr_el0, 0);
	write_sysreg(pmovsclr_el0, PMCNT_EVENT(PMU_INSN_COUNTER) | PMCNT_CYCLES);
	write_sysreg(pmcr_el0, read_sysreg(pmcr_el0) | PMCR_E | PMCR_P | PMCR_C | PMCR_LC);
	write_sysreg(pmcntenset_el0, PMCNT_EVENT(PMU_INSN_COUNTER) | PMCNT_CYCLES);
	isb();
	return true;
}
