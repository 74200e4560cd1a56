/* A64 instruction encodings the scenarios write (Arm ARM C6). */
#ifndef SELFMOD_INSN_H
#define SELFMOD_INSN_H

#include <stdint.h>

#define INSN_NOP 0xd503201fu
#define INSN_RET 0xd65f03c0u

/* MOVZ Wd, #imm16 (C6.2.229) */
static inline uint32_t insn_movz_w(unsigned rd, uint16_t imm)
{
	return 0x52800000u | (uint32_t)imm << 5 | (rd & 31);
}

/* A two-instruction function returning value: MOVZ W0, #value; RET. */
static inline void insn_write_return(uint32_t *where, uint16_t value)
{
	where[0] = insn_movz_w(0, value);
	where[1] = INSN_RET;
}

typedef uint32_t (*code_fn)(void);

/*
 * Store one instruction with a single 32-bit STR, single-copy atomic (Arm ARM B2.2.1): every patch of
 * code that another core may be running at that moment must use it. A plain C store through an arena
 * pointer compiles to four STRB here (-mstrict-align, and the arena is a byte array): a core running
 * the site then legitimately fetches a mix of old and new bytes, an instruction that is neither (for
 * B<->NOP, 0x1400201f: a branch 32 KiB away). Arm ARM B2.2.5's "old or new" guarantee is about one
 * modification of the instruction, not four.
 */
static inline void insn_store(volatile uint32_t *where, uint32_t insn)
{
	__asm__ volatile("str %w1, %0" : "=Q"(*where) : "r"(insn) : "memory");
}

/*
 * Encodings for generated code (scenarios wx_flip, concurrent_modification, publish_by_pointer,
 * trampoline). Arm ARM (DDI 0487) C6.2, the A64 base instruction of the same name; C4.1 for the
 * encoding classes. Branch offsets are in bytes from the branch itself, multiples of 4.
 */
#define INSN_ISB     0xd5033fdfu /* ISB SY (C6.2 ISB) */
#define INSN_DSB_ISH 0xd5033b9fu /* DSB ISH (C6.2 DSB) */
#define INSN_BRK_0   0xd4200000u /* BRK #0 (C6.2 BRK) */

/* Condition codes (C1.2.4, Table C1-1). */
enum insn_cond { COND_EQ = 0x0, COND_NE = 0x1 };

/* B label (C6.2 B): imm26, +-128 MiB. */
static inline uint32_t insn_b(int64_t off)
{
	return 0x14000000u | ((uint32_t)(off >> 2) & 0x3ffffffu);
}
/* BL label (C6.2 BL): imm26, writes X30. */
static inline uint32_t insn_bl(int64_t off)
{
	return 0x94000000u | ((uint32_t)(off >> 2) & 0x3ffffffu);
}
/* B.cond label (C6.2 B.cond): imm19, +-1 MiB. */
static inline uint32_t insn_b_cond(enum insn_cond c, int64_t off)
{
	return 0x54000000u | ((uint32_t)(off >> 2) & 0x7ffffu) << 5 | (uint32_t)c;
}
/* CBZ / CBNZ Xt, label (C6.2 CBZ, CBNZ), 64-bit form: imm19. */
static inline uint32_t insn_cbz_x(unsigned rt, int64_t off)
{
	return 0xb4000000u | ((uint32_t)(off >> 2) & 0x7ffffu) << 5 | (rt & 31);
}
static inline uint32_t insn_cbnz_x(unsigned rt, int64_t off)
{
	return 0xb5000000u | ((uint32_t)(off >> 2) & 0x7ffffu) << 5 | (rt & 31);
}
/* TBZ / TBNZ Rt, #bit, label (C6.2 TBZ, TBNZ): bit 0-63 in b5:b40, imm14 (+-32 KiB). */
static inline uint32_t insn_tbz(unsigned rt, unsigned bit, int64_t off)
{
	return 0x36000000u | (uint32_t)(bit >> 5) << 31 | (uint32_t)(bit & 31) << 19 |
	       ((uint32_t)(off >> 2) & 0x3fffu) << 5 | (rt & 31);
}
static inline uint32_t insn_tbnz(unsigned rt, unsigned bit, int64_t off)
{
	return insn_tbz(rt, bit, off) | 1u << 24;
}
/* BR Xn / BLR Xn (C6.2 BR, BLR). */
static inline uint32_t insn_br(unsigned rn)
{
	return 0xd61f0000u | (rn & 31) << 5;
}
static inline uint32_t insn_blr(unsigned rn)
{
	return 0xd63f0000u | (rn & 31) << 5;
}
/* MOVZ / MOVK Xd, #imm16, LSL #(16*hw) (C6.2 MOVZ, MOVK), 64-bit. */
static inline uint32_t insn_movz_x(unsigned rd, uint16_t imm, unsigned hw)
{
	return 0xd2800000u | (hw & 3) << 21 | (uint32_t)imm << 5 | (rd & 31);
}
static inline uint32_t insn_movk_w(unsigned rd, uint16_t imm, unsigned hw)
{
	return 0x72800000u | (hw & 1) << 21 | (uint32_t)imm << 5 | (rd & 31);
}
/* ADD / SUB / SUBS Xd, Xn, #imm12 (C6.2 ADD (immediate), SUB (immediate), SUBS (immediate)). CMP is SUBS XZR. */
static inline uint32_t insn_add_x_imm(unsigned rd, unsigned rn, unsigned imm12)
{
	return 0x91000000u | (imm12 & 0xfff) << 10 | (rn & 31) << 5 | (rd & 31);
}
static inline uint32_t insn_sub_x_imm(unsigned rd, unsigned rn, unsigned imm12)
{
	return 0xd1000000u | (imm12 & 0xfff) << 10 | (rn & 31) << 5 | (rd & 31);
}
static inline uint32_t insn_subs_x_imm(unsigned rd, unsigned rn, unsigned imm12)
{
	return 0xf1000000u | (imm12 & 0xfff) << 10 | (rn & 31) << 5 | (rd & 31);
}
static inline uint32_t insn_cmp_x_imm(unsigned rn, unsigned imm12)
{
	return insn_subs_x_imm(31, rn, imm12);
}
/* MOV Xd, Xm (C6.2 MOV (register), an alias of ORR Xd, XZR, Xm). */
static inline uint32_t insn_mov_x(unsigned rd, unsigned rm)
{
	return 0xaa0003e0u | (rm & 31) << 16 | (rd & 31);
}
/* STR / LDR Xt, [Xn, #imm] (C6.2 STR (immediate), LDR (immediate)), unsigned offset, multiple of 8. */
static inline uint32_t insn_str_x(unsigned rt, unsigned rn, unsigned off)
{
	return 0xf9000000u | (off / 8 & 0xfff) << 10 | (rn & 31) << 5 | (rt & 31);
}
/* LDR Xt, label (C6.2 LDR (literal)), 64-bit: imm19, +-1 MiB. */
static inline uint32_t insn_ldr_x_literal(unsigned rt, int64_t off)
{
	return 0x58000000u | ((uint32_t)(off >> 2) & 0x7ffffu) << 5 | (rt & 31);
}

#endif
