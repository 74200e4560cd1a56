/* EL1 exceptions: the frame boot/vectors.S saves, fault capture, and recovery of a faulting function. */
#ifndef SELFMOD_EXCEPTIONS_H
#define SELFMOD_EXCEPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct exception_frame {
	uint64_t x[31];
	uint64_t sp_el0, elr, spsr, esr, far;
};

/* Saved by boot/vectors.S just above the frame and restored on return: the C library's code uses
   FP/SIMD registers (the firmware's own never does), so an exception must not lose them. */
struct fp_state {
	uint64_t q[32][2]; /* q0-q31, low half first */
	uint64_t fpcr, fpsr;
};
static inline struct fp_state *exception_fp_state(struct exception_frame *frame)
{
	return (struct fp_state *)(frame + 1);
}

/* kind = source * 4 + type, as boot/vectors.S numbers its entries. */
#define EXC_TYPE(kind)	   ((kind)&3)
#define EXC_TYPE_SYNC	   0
#define EXC_TYPE_IRQ	   1
#define EXC_SOURCE_CUR_SPX 1  /* taken while already on the exception stack */
#define EXC_KIND_DEADLINE  16 /* not a vector: src/deadline.c abandons code that ran past its deadline */

struct fault_record {
	unsigned core, kind;
	uint64_t esr, elr, far;
};

/* Run fn(arg) on this core; a synchronous exception or SError inside it is caught, fn abandoned and
   false returned with *fault filled. Nests. */
bool run_protected(void (*fn)(void *), void *arg, struct fault_record *fault);
/* "undefined instruction", "data abort", ... for the exception class of an ESR. */
const char *exception_class_name(uint64_t esr);
/* "core 1: data abort (EC 0x25) ESR=0x... ELR=0x... FAR=0x..." */
void fault_describe(const struct fault_record *f, char *buf, size_t size);

/* Set by the interrupt code (src/deadline.c): called for every IRQ taken from thread code. */
extern void (*irq_handler)(struct exception_frame *frame);
/* From an exception handler: abandon the protected code this core runs, as a fault of this kind
   (resuming after its run_protected); outside protected code, unexpected_exception. */
void exception_abandon(struct exception_frame *frame, unsigned kind);
/* A per-core hook tried first for a synchronous exception taken from thread context (SP_EL0), e.g.
   to run a litmus test's own fault handler: it may edit the frame (ELR, registers) and return true
   to resume there; false leaves the exception to run_protected. NULL (the default) for none. */
typedef bool (*sync_exception_hook)(struct exception_frame *frame);
void set_sync_exception_hook(sync_exception_hook hook); /* for this core */
/* Called for an exception nobody expected; does not return. Provided by src/start.c. */
void unexpected_exception(const struct fault_record *f) __attribute__((noreturn));

#endif
