#include "exceptions.h"

#include <setjmp.h>
#include <stdio.h>

#include "asm_offsets.h"
#include "cpu.h"
#include "layout.h"
#include "semihost.h"
#include "sysreg.h"

_Static_assert(offsetof(struct exception_frame, x) == FRAME_X(0) &&
		   offsetof(struct exception_frame, x[30]) == FRAME_X30 &&
		   offsetof(struct exception_frame, sp_el0) == FRAME_X30 + 8 &&
		   offsetof(struct exception_frame, elr) == FRAME_ELR &&
		   offsetof(struct exception_frame, spsr) == FRAME_ELR + 8 &&
		   offsetof(struct exception_frame, esr) == FRAME_ESR &&
		   offsetof(struct exception_frame, far) == FRAME_ESR + 8 &&
		   sizeof(struct exception_frame) == FRAME_SIZE && FRAME_SIZE % 16 == 0,
	       "boot/vectors.S's offsets (asm_offsets.h) differ from struct exception_frame");

void (*irq_handler)(struct exception_frame *frame);

struct recovery {
	jmp_buf *env;
	struct fault_record *fault;
};

static struct recovery recovery[MAX_CORES];
static sync_exception_hook sync_hooks[MAX_CORES];
static fatal_exception_handler fatal_handler;

void set_fatal_exception_handler(fatal_exception_handler handler)
{
	fatal_handler = handler;
}

void set_sync_exception_hook(sync_exception_hook hook)
{
	sync_hooks[this_core()] = hook;
}

bool run_protected(void (*fn)(void *), void *arg, struct fault_record *fault)
{
	struct recovery *r = &recovery[this_core()];
	struct recovery outer = *r;
	jmp_buf env;
	bool ok = setjmp(env) == 0;
	if (ok) {
		r->env = &env;
		r->fault = fault;
		fn(arg);
	}
	recovery[this_core()] = outer;
	return ok;
}

const char *exception_class_name(uint64_t esr)
{
	switch (ESR_EC(esr)) {
	case ESR_EC_UNKNOWN: return "undefined instruction";
	case ESR_EC_HVC64: return "HVC";
	case ESR_EC_SMC64: return "SMC (Secure Monitor Call)";
	case ESR_EC_IABT_LOW:
	case ESR_EC_IABT_CUR: return "instruction abort";
	case ESR_EC_PC_ALIGN: return "PC alignment fault";
	case ESR_EC_DABT_LOW:
	case ESR_EC_DABT_CUR: return "data abort";
	case ESR_EC_SP_ALIGN: return "SP alignment fault";
	case ESR_EC_BRK64: return "BRK";
	default: return "exception";
	}
}

void fault_describe(const struct fault_record *f, char *buf, size_t size)
{
	static const char *const types[] = {"synchronous", "IRQ", "FIQ", "SError"};
	if (f->kind == EXC_KIND_DEADLINE) {
		snprintf(buf, size, "core %u: deadline passed, abandoned at ELR=0x%llx", f->core,
			 (unsigned long long)f->elr);
		return;
	}
	const char *what = EXC_TYPE(f->kind) == EXC_TYPE_SYNC ? exception_class_name(f->esr) : types[EXC_TYPE(f->kind)];
	snprintf(buf, size, "core %u: %s%s (EC 0x%02x) ESR=0x%08llx ELR=0x%llx FAR=0x%llx", f->core, what,
		 f->kind / 4 == EXC_SOURCE_CUR_SPX ? " in an exception handler" : "", (unsigned)ESR_EC(f->esr),
		 (unsigned long long)f->esr, (unsigned long long)f->elr, (unsigned long long)f->far);
}

/* Resume at longjmp(env, 1): a leaf that only restores registers, so it runs even on a broken stack. */
static void redirect_to_recovery(struct exception_frame *frame, struct recovery *r)
{
	frame->elr = (uint64_t)(uintptr_t)longjmp;
	frame->x[0] = (uint64_t)(uintptr_t)r->env;
	frame->x[1] = 1;
	r->env = NULL;
}

void exception_dispatch(struct exception_frame *frame, unsigned kind);

void exception_abandon(struct exception_frame *frame, unsigned kind)
{
	struct fault_record f = {
	    .core = this_core(), .kind = kind, .esr = frame->esr, .elr = frame->elr, .far = frame->far};
	if (EXC_TYPE(kind) == EXC_TYPE_SYNC && kind / 4 == 0 && sync_hooks[f.core] && sync_hooks[f.core](frame))
		return;
	struct recovery *r = &recovery[f.core];
	if (r->env && kind / 4 != EXC_SOURCE_CUR_SPX) {
		*r->fault = f;
		redirect_to_recovery(frame, r);
		return;
	}
	if (fatal_handler)
		fatal_handler(&f);
	cpu_park();
}

void exception_dispatch(struct exception_frame *frame, unsigned kind)
{
	if (EXC_TYPE(kind) == EXC_TYPE_IRQ && kind / 4 != EXC_SOURCE_CUR_SPX && irq_handler) {
		irq_handler(frame);
		return;
	}
	/* The semihosting probe: no semihosting here, so step over the HLT and say so. */
	if (EXC_TYPE(kind) == EXC_TYPE_SYNC && frame->elr == (uint64_t)(uintptr_t)semihost_hlt_insn) {
		frame->x[0] = 0xbad;
		frame->elr += 4;
		return;
	}
	exception_abandon(frame, kind);
}
