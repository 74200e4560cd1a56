/* The final condition of a litmus test: its postfix program (enum litmus_cond_op) over atom truths.
   Pure logic: also built into the host unit tests. */
#ifndef SELFMOD_LITMUS_COND_H
#define SELFMOD_LITMUS_COND_H

#include <stdbool.h>
#include <stdint.h>

/* Whether observed (masked to 32 bits when w32) equals want. */
static inline bool litmus_atom_holds(uint64_t observed, uint64_t want, bool w32)
{
	uint64_t mask = w32 ? 0xffffffffu : ~(uint64_t)0;
	return (observed & mask) == (want & mask);
}

/* Runs the program: 1 true, 0 false, -1 malformed (stack over- or underflow, unknown opcode, bad atom). */
int litmus_cond_eval(const uint8_t *code, const bool *atom_true, unsigned natoms);

#endif
