/*
 * Instruction-fetch litmus tests: the tables tests/litmus/translate.py generates
 * from herd .litmus files, and the runtime that runs them (src/litmus_run.c).
 *
 * A test's code is one blob assembled at build time (every thread, each followed
 * by its exit sequence, then its fault handler Pn.F if any). Each iteration the
 * blob is copied to the cacheable RWX alias of the arena and made coherent, so
 * threads may store to code labels and run them at the same address. Values
 * (labels, locations, instructions) are resolved at run time.
 */
#ifndef SELFMOD_LITMUS_H
#define SELFMOD_LITMUS_H

#include <stdint.h>

struct test;

#define LITMUS_MAX_THREADS 8
#define LITMUS_MAX_OBS	   16
#define LITMUS_NONE	   0xffffffffu /* no fault handler */
#define LITMUS_COND_STACK  16	       /* tests/litmus/litmus_cond.py MAX_STACK */

enum litmus_value_kind { LV_INT, LV_LABEL, LV_LOC, LV_INSN };
/* A number, the address of label[index], the address of location[index], or insns[index]. */
struct litmus_value {
	uint8_t kind;
	uint16_t index;
	int64_t imm;
};

struct litmus_reg_init {
	uint8_t thread, reg;
	struct litmus_value value;
};

struct litmus_mem_init {
	uint16_t loc;
	struct litmus_value value;
};

enum litmus_obs_kind { LO_REG, LO_MEM, LO_CODE, LO_FAULT };
/* What a final state records: a register of a thread (w: its low 32 bits), a data location,
   the instruction word at a code label, or (LO_FAULT) 1 if the thread's last fault this
   iteration was at label index (0xffff: anywhere) with exception class reg (0xff: any). */
struct litmus_obs {
	uint8_t kind, thread, reg, w;
	uint16_t index;	  /* location (LO_MEM) or label (LO_CODE) */
	const char *name; /* "1:X9", "x", "[P1:L0]" */
};

/* obs = value */
struct litmus_atom {
	uint8_t obs;
	struct litmus_value value;
};

/* Postfix program of the condition: tests/litmus/litmus_cond.py OP_*. */
enum litmus_cond_op { LC_END, LC_TRUE, LC_FALSE, LC_ATOM, LC_NOT, LC_AND, LC_OR, LC_IMPLIES };

/* Offsets into the code blob. */
struct litmus_thread_code {
	uint32_t entry, exit, handler, handler_end; /* handler == LITMUS_NONE: none */
};

enum litmus_verdict { LITMUS_NO_VERDICT, LITMUS_ALLOWED, LITMUS_FORBIDDEN, LITMUS_REQUIRED };
/* verdict[] index: the catalogue's flavours, by the effective CTR_EL0 bits. */
enum litmus_flavour { LITMUS_DIC0_IDC0, LITMUS_IDC1, LITMUS_DIC1 };
#define LITMUS_ANY_FLAVOUR 0xff /* written_for of a test written for every flavour (selfmod's own) */

struct litmus_test {
	const char *name, *source, *quantifier, *condition;
	uint8_t nthreads, nobs;
	uint16_t nlabels, ninsns, nlocs, nregs, nmem;
	const uint8_t *code, *code_end;
	const struct litmus_thread_code *threads;
	const uint32_t *label_offsets;
	const char *const *label_names; /* "P1:L0" */
	const uint32_t *insns;
	const char *const *insn_names;
	const char *const *loc_names;
	const int16_t *loc_alias; /* a location that is the RW alias of label[i] (pte_L=(oa:phy_x)), or -1 */
	const struct litmus_reg_init *regs;
	const struct litmus_mem_init *mem;
	const struct litmus_obs *obs;
	const struct litmus_atom *atoms;
	const uint8_t *cond, *filter; /* filter NULL: none */
	uint8_t verdict[3];	      /* herd's verdict for the shape (kinds.txt) on each flavour of core */
	const char *base;	      /* the shape: the name without its IDC1./DIC1. prefix */
	uint8_t written_for;	      /* the flavour the test is written for (its CacheType= line) */
};

/* Run one test as a KTAP subtest body (src/litmus_run.c). */
void litmus_run(struct test *t, const struct litmus_test *lt);

#endif
