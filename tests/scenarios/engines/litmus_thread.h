/* Running one litmus thread on this core: X0-X29 loaded from regs[], the code entered, X0-X30 stored
   back when it reaches its exit; a synchronous exception inside the code is sent to the thread's
   fault handler (Pn.F, with the thread's registers, ELR_EL1 etc. as the exception left them) or,
   with no handler, ends the thread at its exit and is recorded. */
#ifndef SELFMOD_LITMUS_THREAD_H
#define SELFMOD_LITMUS_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "exceptions.h"

struct litmus_fault_ctx {
	uintptr_t lo, hi;		      /* the test's code: faults elsewhere are not the test's */
	uintptr_t handler, handler_end, exit; /* handler 0: none */
	uint32_t handled;		      /* faults sent to the handler */
	bool unhandled;			      /* faulted with no handler (or inside it) */
	struct fault_record fault;	      /* the last fault */
};

void litmus_thread_call(struct litmus_fault_ctx *ctx, uint64_t regs[31], uintptr_t entry);

#endif
