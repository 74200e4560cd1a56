/* A histogram of final states, like herd's: each distinct state (observed values and which threads
   faulted with no handler) with its count and whether the condition holds in it. Pure logic. */
#ifndef SELFMOD_LITMUS_HIST_H
#define SELFMOD_LITMUS_HIST_H

#include <stdbool.h>
#include <stdint.h>

#include "litmus.h"

#define LITMUS_HIST_STATES 64

struct litmus_state {
	uint64_t v[LITMUS_MAX_OBS];
	uint32_t faulted; /* bit n: thread n faulted outside a fault handler */
	bool holds;	  /* the condition */
	uint64_t count;
};

struct litmus_hist {
	unsigned nobs, nstates;
	uint64_t total, holds, overflow; /* overflow: states past LITMUS_HIST_STATES (counted in total) */
	struct litmus_state states[LITMUS_HIST_STATES];
};

void litmus_hist_init(struct litmus_hist *h, unsigned nobs);
/* Counts one final state. */
void litmus_hist_add(struct litmus_hist *h, const uint64_t *v, uint32_t faulted, bool holds);

#endif
