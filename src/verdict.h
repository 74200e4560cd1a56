/*
 * When the architecture forbids running stale code after a maintenance
 * sequence: one table of rules, each with its source (docs/verdicts.md),
 * evaluated for the system's effective IDC/DIC, the VIPT-ness of the
 * instruction caches and the line sizes of every core. Pure: the host
 * unit tests cover every rule over all four IDC/DIC combinations.
 */
#ifndef SELFMOD_VERDICT_H
#define SELFMOD_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a sequence after STR (new code) lacks or does differently. */
enum verdict_rule {
	RULE_COMPLETE,	      /* DC CVAU, DSB ISH, IC IVAU, DSB ISH, ISB (or more) */
	RULE_NO_DC,	      /* DSB ISH, IC IVAU, DSB ISH, ISB */
	RULE_NO_IC,	      /* DC CVAU, DSB ISH, ISB */
	RULE_NO_DSB_AFTER_DC, /* DC CVAU, IC IVAU, DSB ISH, ISB */
	RULE_NO_DSB,	      /* DC CVAU, IC IVAU, ISB, then a release hand-off: no DSB at all */
	RULE_NO_ISB,	      /* complete, but the core that runs the code never context-synchronises */
	RULE_IC_BEFORE_DC,    /* IC IVAU, DSB ISH, DC CVAU, DSB ISH, ISB: nothing between STR and IC */
	RULE_IC_ONLY,	      /* IC IVAU, DSB ISH, ISB: no DC and no DSB before the IC (wasmtime) */
	RULE_LINES_SKIPPED,   /* complete, but some lines of the code never maintained */
	RULE_IC_OTHER_ALIAS,  /* complete, IC IVAU through an alias other than the executing one */
	RULE_CORE0_LINE,      /* complete, stepping by core 0's line sizes on every core */
	RULE_COUNT
};

/* The IDC/DIC combinations, as bits of verdict_rule_info.forbidden. */
#define VERDICT_COMBO(idc, dic) (1u << ((idc ? 1u : 0u) | (dic ? 2u : 0u)))
#define IDC0_DIC0		VERDICT_COMBO(0, 0)
#define IDC1_DIC0		VERDICT_COMBO(1, 0)
#define IDC0_DIC1		VERDICT_COMBO(0, 1)
#define IDC1_DIC1		VERDICT_COMBO(1, 1)
#define ALL_COMBOS		(IDC0_DIC0 | IDC1_DIC0 | IDC0_DIC1 | IDC1_DIC1)

/* What else a verdict depends on. */
enum verdict_extra {
	EXTRA_NONE,
	EXTRA_ALIAS_INDEX, /* also forbidden only if the aliases agree in every I-cache's VIPT index bits */
	EXTRA_CORE0_LINES, /* also forbidden only if core 0's lines are the smallest of each kind (or not needed) */
};

struct verdict_rule_info {
	const char *name;
	unsigned forbidden; /* IDCx_DICy bits: stale code forbidden in that combination */
	enum verdict_extra extra;
	const char *source; /* the herd catalogue test(s) of the same shape and their kinds, or the Arm ARM */
};

extern const struct verdict_rule_info verdict_rules[RULE_COUNT];

/* The system as the verdict sees it. */
struct verdict_env {
	bool idc, dic;		   /* effective for every core (CTR_EL0/CLIDR_EL1, after errata) */
	bool alias_index_differs;  /* the IC's alias and the executing one differ in some VIPT I-cache's index */
	bool core0_dline_smallest; /* core 0's DminLine is the smallest of all cores' */
	bool core0_iline_smallest; /* core 0's IminLine is the smallest of all cores' */
};

bool verdict_stale_forbidden(enum verdict_rule rule, struct verdict_env env);

/* Line sizes over every core: the smallest of each kind, and whether core 0's are those. */
struct verdict_lines {
	unsigned min_dline, min_iline, core0_dline, core0_iline;
	bool any_vipt;		 /* some core's CTR_EL0.L1Ip is VIPT (or AIVIVT/VPIPT: not PIPT) */
	unsigned vipt_way_bytes; /* the largest VIPT I-cache way size given (0: unknown, assume 64 KB) */
};
struct verdict_lines verdict_lines_of(const uint64_t *ctr, unsigned n);

/* Two virtual aliases of one physical line agree in a VIPT I-cache's index when they are equal
   modulo its way size (line offset and set index are VA[log2(way)-1:0]). way_bytes 0: 64 KB. */
bool verdict_alias_index_differs(uintptr_t va_a, uintptr_t va_b, const struct verdict_lines *l);

/* Whether maintenance at n addresses first, first+step, ... leaves a line (of `line` bytes) of
   [start, start+len) without one: a DC or IC by VA acts on the line holding its address. */
bool verdict_lines_missed(uintptr_t first, size_t n, uintptr_t step, uintptr_t start, size_t len, unsigned line);

#endif
