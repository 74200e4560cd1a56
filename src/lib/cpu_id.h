/* The identification and cache registers one core reads about itself. */
#ifndef SELFMOD_CPU_ID_H
#define SELFMOD_CPU_ID_H

#include <stdint.h>

#define CACHE_LEVELS_MAX 7

struct cpu_id {
	uint64_t midr, mpidr, revidr, ctr, clidr;
	uint64_t current_el, sctlr;		/* the state the core runs in */
	uint64_t ccsidr_data[CACHE_LEVELS_MAX]; /* data or unified cache of level n+1, 0 if none */
	uint64_t ccsidr_insn[CACHE_LEVELS_MAX]; /* instruction cache of level n+1, 0 if none */
};

/* Read this core's registers (CCSIDR through CSSELR_EL1). */
void cpu_id_read(struct cpu_id *id);

#endif
