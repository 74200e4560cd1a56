/*
 * The Performance Monitors Extension, as the benchmarks use it: event
 * counter 0 counts INST_RETIRED, the cycle counter counts CPU cycles, both
 * at EL1 on the calling core. Under QEMU, INST_RETIRED counts exactly only
 * with -icount (and then counts every vCPU: QEMU's instruction counter is
 * global); without it, it reads 0. PMCCNTR_EL0 is meaningful on silicon only.
 */
#ifndef SELFMOD_PMU_H
#define SELFMOD_PMU_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu.h"
#include "sysreg.h"

/* Common architectural event numbers (Arm ARM D11, "The PMU event number space and common events"). */
#define PMU_EVENT_INST_RETIRED 0x08

/* The counter this header programs for INST_RETIRED. */
#define PMU_INSN_COUNTER 0

struct pmu_sample {
	uint64_t insns, cycles;
};

/* Whether this core has a PMU with at least one event counter. */
bool pmu_present(void);
/* Program and start counter 0 (INST_RETIRED) and the cycle counter on this core. false without a PMU. */
bool pmu_start(void);

/* Both counters after everything before has retired (ISB). Event counters are 32 bits: take differences
   of 32-bit values (pmu_between). */
static inline struct pmu_sample pmu_read(void)
{
	struct pmu_sample s;
	isb();
	s.insns = read_sysreg(pmevcntr0_el0);
	s.cycles = read_sysreg(pmccntr_el0);
	isb();
	return s;
}

static inline struct pmu_sample pmu_between(struct pmu_sample a, struct pmu_sample b)
{
	return (struct pmu_sample){.insns = (uint32_t)(b.insns - a.insns), .cycles = b.cycles - a.cycles};
}

#endif
