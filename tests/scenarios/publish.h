/*
 * The publish engine: one writer (core 0) writes a new function every round,
 * runs its maintenance steps, optionally hands the range to a helper core
 * that runs its own steps, then publishes the round; every other core waits,
 * runs its steps and calls the code. Plans are data: which core issues which
 * DC/IC/DSB/ISB, through which alias, over which lines, and when running
 * the previous round's code is forbidden by the architecture on this core.
 */
#ifndef SELFMOD_PUBLISH_H
#define SELFMOD_PUBLISH_H

#include <stdbool.h>

#include "suite.h"
#include "verdict.h"

enum pub_op {
	P_END = 0,
	P_DC_CVAU,
	P_DC_CVAC,
	P_DC_CIVAC,
	P_DC_IVAC, /* discard cached copies (after writing through the Non-cacheable alias) */
	P_IC_IVAU,
	P_IC_IALLUIS,
	P_DSB_ISH,
	P_DSB_ISHST,
	P_ISB,
	P_PIPELINE_SYNC, /* SGI to every other core; each context-synchronises on its exception return */
	P_SYNC_RANGE,	 /* icache_sync_range over the function through the step's alias (a user's routine
			    under make check-routine) */
};

/* VIA_RX_SKEW: the RX alias of the arena's skewed window, whose VA differs from the RW alias's in
   the VIPT index bits (src/layout.h ARENA_SKEW_*); every other alias shares VA[20:0] with RW. */
enum pub_alias { VIA_RW, VIA_RX, VIA_NC, VIA_RX_SKEW };

/* Which lines of the function a step covers. */
enum pub_span {
	SPAN_ALL,	    /* every line, at the system-safe line size */
	SPAN_FIRST_LINE,    /* only the first line: a partial range */
	SPAN_DOUBLE_STRIDE, /* every other line: a 128-byte stride on 64-byte lines */
	SPAN_FIXED_64,	    /* a fixed 64-byte stride whatever CTR_EL0 says (wasmtime's clear_cache) */
	SPAN_CORE0_LINE,    /* core 0's own line size (DminLine for DC, IminLine for IC), used on every core */
};

struct pub_step {
	unsigned char op, via, span;
};

#define PUB_STEPS_MAX 8

/* Background traffic from one spare core while the plan runs. */
enum pub_load {
	LOAD_NONE,
	LOAD_NEIGHBOURS, /* plain stores to the lines around both code slots */
	LOAD_SAME_LINES, /* on the code's own lines: LDXR/STXR of a word that keeps its value, then DC CVAC
			    (the Cortex-A53 clean errata's trigger: exclusives and CMOs by another core to the
			    same address, Linux Kconfig ARM64_ERRATUM_819472/826319/827319/824069) */
};

struct pub_plan {
	const char *name;
	bool write_nc; /* write the code through the Non-cacheable alias (else the RW alias) */
	bool run_nc;   /* run it through the Non-cacheable alias (else the RX alias) */
	bool run_skew; /* run it through the skewed RX window (src/layout.h ARENA_SKEW_VA) */
	struct pub_step writer[PUB_STEPS_MAX], helper[PUB_STEPS_MAX], reader[PUB_STEPS_MAX];
	bool plain_wait;	/* the reader waits with no control dependency + ISB of its own */
	enum pub_load load;	/* what one spare core does all along, if one is spare */
	enum verdict_rule rule; /* when stale code is forbidden (src/verdict.c names each rule's source) */
	bool ic_other_alias;	/* its IC goes through the RW alias, not the one run (RULE_IC_OTHER_ALIAS) */
	const char *waived_by;	/* stale is allowed after all where an erratum tagged with this test applies */
};

/* The canonical same-core sequence, on the RW alias: DC CVAU, DSB ISH, IC IVAU, DSB ISH, ISB. */
/* Brace initializers, which clang-format 14 would split over lines. */
/* clang-format off */
#define PUB_CANONICAL {P_DC_CVAU}, {P_DSB_ISH}, {P_IC_IVAU}, {P_DSB_ISH}, {P_ISB}
/* clang-format on */

/* Run each plan for t->iterations rounds on all online cores; one nested result per plan.
   The deliberate defect inject=stale_reader makes readers run the previous round's slot. */
void publish_run(struct test *t, const struct pub_plan *plans, unsigned n);

#define PUB_INJECTIONS "stale_reader"

#endif
