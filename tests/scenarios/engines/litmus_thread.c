#include "litmus_thread.h"

#include <stddef.h>

#include "cores.h"

/*
 * void litmus_call(uint64_t regs[31], uintptr_t entry): saves the callee-saved registers, leaves
 * [regs, resume] on the stack for the thread's exit sequence (tests/litmus/litmus_emit.py
 * EXIT_SEQUENCE), loads X0-X29 and enters the code with X30 = entry. The exit sequence pushes X0
 * and branches to resume (1:, here, outside the blob rewritten every iteration), which stores
 * X0-X30 into regs and returns.
 */
void litmus_call(uint64_t regs[31], uintptr_t entry);
__asm__("	.pushsection .text.litmus_call,\"ax\"\n"
	"	.globl	litmus_call\n"
	"	.type	litmus_call, %function\n"
	"litmus_call:\n"
	"	stp	x29, x30, [sp, #-96]!\n"
	"	stp	x19, x20, [sp, #16]\n"
	"	stp	x21, x22, [sp, #32]\n"
	"	stp	x23, x24, [sp, #48]\n"
	"	stp	x25, x26, [sp, #64]\n"
	"	stp	x27, x28, [sp, #80]\n"
	"	adr	x2, 1f\n"
	"	stp	x0, x2, [sp, #-16]!\n"
	"	mov	x30, x1\n"
	"	ldp	x2, x3, [x0, #16]\n"
	"	ldp	x4, x5, [x0, #32]\n"
	"	ldp	x6, x7, [x0, #48]\n"
	"	ldp	x8, x9, [x0, #64]\n"
	"	ldp	x10, x11, [x0, #80]\n"
	"	ldp	x12, x13, [x0, #96]\n"
	"	ldp	x14, x15, [x0, #112]\n"
	"	ldp	x16, x17, [x0, #128]\n"
	"	ldp	x18, x19, [x0, #144]\n"
	"	ldp	x20, x21, [x0, #160]\n"
	"	ldp	x22, x23, [x0, #176]\n"
	"	ldp	x24, x25, [x0, #192]\n"
	"	ldp	x26, x27, [x0, #208]\n"
	"	ldp	x28, x29, [x0, #224]\n"
	"	ldp	x0, x1, [x0]\n"
	"	ret\n"
	/* From the exit sequence: [sp] = the thread's X0, [sp+16] = regs. */
	"1:	ldr	x0, [sp, #16]\n"
	"	stp	x1, x2, [x0, #8]\n"
	"	stp	x3, x4, [x0, #24]\n"
	"	stp	x5, x6, [x0, #40]\n"
	"	stp	x7, x8, [x0, #56]\n"
	"	stp	x9, x10, [x0, #72]\n"
	"	stp	x11, x12, [x0, #88]\n"
	"	stp	x13, x14, [x0, #104]\n"
	"	stp	x15, x16, [x0, #120]\n"
	"	stp	x17, x18, [x0, #136]\n"
	"	stp	x19, x20, [x0, #152]\n"
	"	stp	x21, x22, [x0, #168]\n"
	"	stp	x23, x24, [x0, #184]\n"
	"	stp	x25, x26, [x0, #200]\n"
	"	stp	x27, x28, [x0, #216]\n"
	"	stp	x29, x30, [x0, #232]\n"
	"	ldr	x1, [sp], #32\n"
	"	str	x1, [x0]\n"
	"	ldp	x19, x20, [sp, #16]\n"
	"	ldp	x21, x22, [sp, #32]\n"
	"	ldp	x23, x24, [sp, #48]\n"
	"	ldp	x25, x26, [sp, #64]\n"
	"	ldp	x27, x28, [sp, #80]\n"
	"	ldp	x29, x30, [sp], #96\n"
	"	ret\n"
	"	.size	litmus_call, . - litmus_call\n"
	"	.popsection\n");

static struct litmus_fault_ctx *volatile fault_ctx[MAX_CORES];

static bool litmus_fault_hook(struct exception_frame *frame)
{
	struct litmus_fault_ctx *c = fault_ctx[this_core()];
	uintptr_t pc = frame->elr;
	if (!c || pc < c->lo || pc >= c->hi)
		return false; /* not the test's code: the harness faulted, run_protected reports it */
	c->fault = (struct fault_record){
	    .core = this_core(), .kind = 0, .esr = frame->esr, .elr = frame->elr, .far = frame->far};
	bool in_handler = c->handler && pc >= c->handler && pc < c->handler_end;
	if (c->handler && !in_handler) {
		c->handled++;
		frame->elr = c->handler; /* its ERET returns with the SPSR the exception saved */
	} else {
		c->unhandled = true;
		frame->elr = c->exit;
	}
	return true;
}

void litmus_thread_call(struct litmus_fault_ctx *ctx, uint64_t regs[31], uintptr_t entry)
{
	fault_ctx[this_core()] = ctx;
	set_sync_exception_hook(litmus_fault_hook);
	litmus_call(regs, entry);
	set_sync_exception_hook(NULL);
	fault_ctx[this_core()] = NULL;
}
