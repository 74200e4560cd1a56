#include "a64_decode.h"

#include <stddef.h>

struct pattern {
	uint32_t mask, value;
	enum a64_kind kind;
};

/* SYS #op1, C7, Cm, #op2, Xt is 0xd5080000 | op1 << 16 | 7 << 12 | Cm << 8 | op2 << 5 | Rt. */
#define SYS_C7(op1, crm, op2) (0xd5087000u | (op1) << 16 | (crm) << 8 | (op2) << 5)
#define BY_ADDRESS	      0xffffffe0u /* any Rt */

static const struct pattern patterns[] = {
    {0xfffffc1fu, 0x3940001fu, A64_ADDRESS_MARK}, /* LDRB WZR, [Xn, #0] */
    {BY_ADDRESS, SYS_C7(3, 11, 1), A64_DC_CLEAN}, /* DC CVAU */
    {BY_ADDRESS, SYS_C7(3, 10, 1), A64_DC_CLEAN}, /* DC CVAC */
    {BY_ADDRESS, SYS_C7(3, 14, 1), A64_DC_CLEAN}, /* DC CIVAC */
    {BY_ADDRESS, SYS_C7(3, 12, 1), A64_DC_CLEAN}, /* DC CVAP */
    {BY_ADDRESS, SYS_C7(3, 13, 1), A64_DC_CLEAN}, /* DC CVADP */
    /* DC IVAC discards cached copies: code written through a Non-cacheable alias is then what the
       instruction side reads. The model knows no memory types, so it counts as a clean (a
       simplification: after a cacheable write it would lose the data instead). */
    {BY_ADDRESS, SYS_C7(0, 6, 1), A64_DC_CLEAN}, /* DC IVAC */
    {BY_ADDRESS, SYS_C7(3, 5, 1), A64_IC_IVAU},	 /* IC IVAU */
    {0xffffffffu, SYS_C7(0, 5, 0) | 31, A64_IC_IALLU},
    {0xffffffffu, SYS_C7(0, 1, 0) | 31, A64_IC_IALLUIS},
    {0xfffff0ffu, 0xd50330dfu, A64_ISB},
    {0xfffffbffu, 0xd69f03e0u, A64_ERET},     /* ERET */
    {0xfffffbffu, 0xd69f0bffu, A64_ERET},     /* ERETAA, ERETAB */
    {0xffe0001fu, 0xd4000001u, A64_EXC_CALL}, /* SVC #imm */
    {0xffe0001fu, 0xd4000002u, A64_EXC_CALL}, /* HVC #imm */
    {0xffe0001fu, 0xd4000003u, A64_EXC_CALL}, /* SMC #imm */
    {0xfff8f000u, 0xd5088000u, A64_TLBI},     /* SYS #op1, C8, Cm, #op2, Xt: TLBI (Arm ARM C5.5) */
};

/* DSB <option>: 0xd503309f | CRm << 8. CRm 0 and 4 are SSBB/PSSBB, not DSBs. */
static enum a64_kind dsb_kind(uint32_t insn)
{
	unsigned crm = (insn >> 8) & 0xf;
	if ((crm & 3) == 0)
		return A64_OTHER;
	return (crm & 3) == 3 ? A64_DSB_FULL : (crm & 3) == 2 ? A64_DSB_ST : A64_DSB_PARTIAL;
}

struct a64_insn a64_decode(uint32_t insn)
{
	if ((insn & 0xfffff0ffu) == 0xd503309fu)
		return (struct a64_insn){dsb_kind(insn), 0};
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		if ((insn & patterns[i].mask) != patterns[i].value)
			continue;
		unsigned reg = patterns[i].kind == A64_ADDRESS_MARK ? (insn >> 5) & 31 : insn & 31;
		return (struct a64_insn){patterns[i].kind, reg};
	}
	return (struct a64_insn){A64_OTHER, 0};
}

const char *a64_kind_name(enum a64_kind kind)
{
	switch (kind) {
	case A64_OTHER: return "other";
	case A64_ADDRESS_MARK: return "address mark";
	case A64_DC_CLEAN: return "DC clean";
	case A64_IC_IVAU: return "IC IVAU";
	case A64_IC_IALLU: return "IC IALLU";
	case A64_IC_IALLUIS: return "IC IALLUIS";
	case A64_DSB_FULL: return "DSB";
	case A64_DSB_ST: return "DSB (stores only)";
	case A64_DSB_PARTIAL: return "DSB (loads only)";
	case A64_ISB: return "ISB";
	case A64_ERET: return "ERET";
	case A64_EXC_CALL: return "SVC/HVC/SMC";
	case A64_TLBI: return "TLBI";
	}
	return "?";
}
