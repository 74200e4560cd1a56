/*
 * The A64 instructions the checker reacts to, recognised from their encoding
 * (Arm ARM C6): cache maintenance, barriers, context synchronisation, and the
 * address mark (LDRB WZR, [Xn]) that a checked build places before every DC
 * and IC by address, and TLB invalidates. Pure C, no QEMU.
 */
#ifndef SMC_A64_DECODE_H
#define SMC_A64_DECODE_H

#include <stdint.h>

enum a64_kind {
	A64_OTHER,
	A64_ADDRESS_MARK, /* LDRB WZR, [Xn] (unsigned offset 0): the address of the next DC/IC */
	A64_DC_CLEAN,	  /* DC CVAU, CVAC, CIVAC, CVAP, CVADP: clean by address (to PoU or beyond) */
	A64_IC_IVAU,	  /* IC IVAU: invalidate by address to PoU, Inner Shareable */
	A64_IC_IALLU,	  /* IC IALLU: this core's instruction cache */
	A64_IC_IALLUIS,	  /* IC IALLUIS: every instruction cache of the Inner Shareable domain */
	A64_DSB_FULL,	  /* DSB SY/ISH/OSH/NSH: waits for loads and stores, so completes maintenance */
	A64_DSB_ST,	  /* DSB ..ST: completes stores (Linux's dsb ishst with IDC), not maintenance */
	A64_DSB_PARTIAL,  /* DSB ..LD: not a barrier for stores, so completes no maintenance */
	A64_ISB,
	A64_ERET,     /* ERET, ERETAA, ERETAB: exception return, context synchronising */
	A64_EXC_CALL, /* SVC, HVC, SMC: always take an exception, whose entry synchronises */
	A64_TLBI,     /* TLBI (SYS with CRn 8, any operation): the checker forgets the translations it learnt */
};

struct a64_insn {
	enum a64_kind kind;
	unsigned reg; /* Rt of DC/IC by address, Rn of the address mark */
};

struct a64_insn a64_decode(uint32_t insn);
const char *a64_kind_name(enum a64_kind kind);

#endif
