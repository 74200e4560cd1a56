/* A64 instruction encodings the scenarios write (Arm ARM C6). */
#ifndef SELFMOD_INSN_H
#define SELFMOD_INSN_H

#include <stdint.h>

#define INSN_NOP 0xd503201fu
#define INSN_RET 0xd65f03c0u

/* MOVZ Wd, #imm16 (C6.2.229) */
static inline uint32_t insn_movz_w(unsigned rd, uint16_t imm) { return 0x52800000u | (uint32_t)imm << 5 | (rd & 31); }

/* A two-instruction function returning value: MOVZ W0, #value; RET. */
static inline void insn_write_return(uint32_t *where, uint16_t value)
{
	where[0] = insn_movz_w(0, value);
	where[1] = INSN_RET;
}

typedef uint32_t (*code_fn)(void);

#endif
