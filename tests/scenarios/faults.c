/*
 * Self-tests of the safety net: every kind of fault a scenario can take is
 * provoked on purpose, and the record the exception handler made of it
 * (exception class, fault status, FAR, ELR, core) is checked exactly. They
 * prove the memory protections too: code is not writable, data not
 * executable, stacks have guard pages, the RX alias is read-only. The
 * unaligned exclusive loads follow the Arm ARM's rule for the running core
 * (FEAT_LSE2 or not): see exclusive_faults().
 */
#include <stdio.h>

#include "arena.h"
#include "cpu.h"
#include "deadline.h"
#include "icache.h"
#include "insn.h"
#include "layout.h"
#include "el2_monitor.h"
#include "suite.h"
#include "sysreg.h"
#include "timer.h"
#include "array_size.h"

#define UDF_0		  0x00000000u /* UDF #0: permanently undefined */
#define UNMAPPED_VA	  0x7000000000UL
#define PROBE_OFFSET	  0x30000 /* arena offset the probes use */
#define DEADLINE_PROBE_US 20000
#define EXCL_SIZE	  8  /* LDXR Xt: a doubleword */
#define LSE2_QUANTUM	  16 /* FEAT_LSE2: the aligned quantity an exclusive access may not leave */
#define NOT_EXCL	  (-1)

enum fsc_kind { FSC_NONE, FSC_PERMISSION, FSC_TRANSLATION, FSC_ALIGNED };

struct probe {
	uintptr_t addr;	  /* the address that must be reported (FAR, or ELR for undefined) */
	uintptr_t lo, hi; /* for stack overflow: FAR must fall in [lo, hi) */
	uint64_t value;	  /* for exclusive loads: what was loaded, when nothing faulted */
};

struct fault_case {
	const char *name;
	void (*provoke)(void *probe);
	unsigned ec;
	enum fsc_kind fsc;
	bool write; /* WnR expected set */
	bool far_in_range;
	int excl_offset; /* an unaligned exclusive load at this offset of excl_block, whose fault
			    exclusive_faults() decides; NOT_EXCL for every other probe */
};

extern char __stacks_start[];
static uint32_t data_code[2] = {INSN_RET, INSN_RET}; /* in .data: never executable */
static uint64_t aligned_word;
/* Two aligned 16-byte quantities of distinct bytes (0xa0, 0xa1, ...) for the unaligned exclusive loads. */
static uint8_t excl_block[2 * LSE2_QUANTUM] __attribute__((aligned(2 * LSE2_QUANTUM)));

static void provoke_undefined(void *arg)
{
	struct probe *p = arg;
	*arena_rw(PROBE_OFFSET) = UDF_0;
	icache_sync_range(arena_rw(PROBE_OFFSET), 4);
	p->addr = arena_rx(PROBE_OFFSET);
	((code_fn)p->addr)();
}

static void provoke_write_code(void *arg)
{
	struct probe *p = arg;
	p->addr = (uintptr_t)provoke_undefined;
	*(volatile uint32_t *)p->addr = INSN_NOP;
}

static void provoke_write_rx_alias(void *arg)
{
	struct probe *p = arg;
	p->addr = arena_rx(PROBE_OFFSET);
	*(volatile uint32_t *)p->addr = INSN_NOP;
}

static void provoke_exec_data(void *arg)
{
	struct probe *p = arg;
	p->addr = (uintptr_t)data_code;
	((code_fn)p->addr)();
}

/* LDXR of a doubleword at p->addr (set by check_case inside excl_block), then CLREX. */
static void provoke_exclusive(void *arg)
{
	struct probe *p = arg;
	uint64_t v;
	__asm__ volatile("ldxr %0, [%1]\n\tclrex" : "=r"(v) : "r"(p->addr) : "memory");
	p->value = v;
}

/* The doubleword the little-endian exclusive load at addr must return from excl_block. */
static uint64_t excl_expected(uintptr_t addr)
{
	const uint8_t *b = (const uint8_t *)addr;
	uint64_t v = 0;
	for (unsigned i = 0; i < EXCL_SIZE; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

/*
 * Whether an unaligned exclusive access of size bytes at addr must take an Alignment fault, and the rule
 * that says so. Arm ARM (DDI 0487K.a), pseudocode AArch64.UnalignedAccessFaults(): first
 * "if AlignmentEnforced() then return TRUE" (SCTLR_ELx.A = 1), then for exclusive and atomic accesses
 *     return !IsFeatureImplemented(FEAT_LSE2) || !AllInAlignedQuantity(address, size, 16);
 * so without FEAT_LSE2 every unaligned Load-Exclusive faults, and with it only one whose bytes are not all
 * within a single 16-byte aligned quantity (B2.2.1.1 "Changes to single-copy atomicity in Armv8.4").
 * SCTLR_ELx.nAA relaxes only Load-Acquire/Store-Release, never exclusives. QEMU implements the same rule
 * (target/arm/tcg/translate-a64.c: gen_load_exclusive -> check_atomic_align -> check_lse2_align).
 */
static bool exclusive_faults(bool lse2, uintptr_t addr, unsigned size, const char **rule)
{
	if (read_sysreg(sctlr_el1) & SCTLR_EL1_A) {
		*rule = "SCTLR_EL1.A=1: every unaligned access faults";
		return true;
	}
	if (!lse2) {
		*rule = "FEAT_LSE2 not implemented: every unaligned exclusive access faults";
		return true;
	}
	if ((addr % LSE2_QUANTUM) + size > LSE2_QUANTUM) {
		*rule = "FEAT_LSE2: an exclusive access leaving its aligned 16-byte quantity faults";
		return true;
	}
	*rule = "FEAT_LSE2: an exclusive access within one aligned 16-byte quantity does not fault";
	return false;
}

/* FEAT_LSE2 from ID_AA64MMFR2_EL1.AT; inject=wrong_lse2 takes the opposite answer, to prove the checks fail. */
static bool core_has_lse2(const struct test *t)
{
	bool lse2 = ID_AA64MMFR2_AT(read_sysreg(id_aa64mmfr2_el1)) != 0;
	return test_injected(t, "wrong_lse2") ? !lse2 : lse2;
}

static void provoke_unmapped(void *arg)
{
	struct probe *p = arg;
	p->addr = UNMAPPED_VA;
	(void)*(volatile uint64_t *)p->addr;
}

/* Recursion bounded only by a limit far beyond the stack: it must hit the guard page first. */
static unsigned __attribute__((noinline)) recurse(volatile uint8_t *prev, unsigned depth)
{
	volatile uint8_t frame[512];
	frame[0] = (uint8_t)depth;
	frame[511] = prev ? prev[0] : 0;
	if (depth > THREAD_STACK_SIZE) /* 512 bytes a level: unreachable before the guard */
		return frame[511];
	return recurse(frame, depth + 1) + frame[511];
}

static void provoke_stack_overflow(void *arg)
{
	struct probe *p = arg;
	uintptr_t slot = (uintptr_t)__stacks_start + (uintptr_t)this_core() * CORE_STACK_SLOT;
	p->lo = slot;
	p->hi = slot + GUARD_SIZE;
	recurse(NULL, 0);
}

/* An HVC the EL2 monitor does not serve: EL1 must take it as an exception (boot/el2_monitor.S). */
static void provoke_unknown_hvc(void *arg)
{
	struct probe *p = arg;
	register uint64_t x0 __asm__("x0") = EL2_MONITOR_UNKNOWN;
	__asm__ volatile("adr x1, 1f\n\tstr x1, %1\n\thvc #0\n1:" : "+r"(x0), "=m"(p->addr) : : "x1", "memory");
}

/* The deliberate defect "no_fault": a probe that faults on nothing must be reported not ok. */
static void provoke_nothing(void *arg)
{
	struct probe *p = arg;
	p->addr = (uintptr_t)&aligned_word;
	*(volatile uint64_t *)p->addr = 1;
}

static const struct fault_case cases[] = {
    {"undefined instruction run from the arena", provoke_undefined, ESR_EC_UNKNOWN, FSC_NONE, false, false, NOT_EXCL},
    {"write to image code", provoke_write_code, ESR_EC_DABT_CUR, FSC_PERMISSION, true, false, NOT_EXCL},
    {"write through the arena's RX alias", provoke_write_rx_alias, ESR_EC_DABT_CUR, FSC_PERMISSION, true, false,
     NOT_EXCL},
    {"execute from a data page", provoke_exec_data, ESR_EC_IABT_CUR, FSC_PERMISSION, false, false, NOT_EXCL},
    /* bytes 1..8: unaligned, within the first aligned 16-byte quantity */
    {"unaligned exclusive load within a 16-byte quantity", provoke_exclusive, ESR_EC_DABT_CUR, FSC_ALIGNED, false,
     false, 1},
    /* bytes 12..19: from the first aligned 16-byte quantity into the second */
    {"unaligned exclusive load across a 16-byte boundary", provoke_exclusive, ESR_EC_DABT_CUR, FSC_ALIGNED, false,
     false, 12},
    {"load from an unmapped address", provoke_unmapped, ESR_EC_DABT_CUR, FSC_TRANSLATION, false, false, NOT_EXCL},
    {"HVC the EL2 monitor does not serve", provoke_unknown_hvc, ESR_EC_HVC64, FSC_NONE, false, false, NOT_EXCL},
    {"stack overflow into the guard page", provoke_stack_overflow, ESR_EC_DABT_CUR, FSC_TRANSLATION, true, true,
     NOT_EXCL},
};
#define NCASES (ARRAY_SIZE(cases))

static bool fsc_matches(enum fsc_kind k, uint64_t esr)
{
	unsigned fsc = (unsigned)ESR_FSC(esr);
	switch (k) {
	case FSC_PERMISSION: return FSC_IS_PERMISSION(fsc);
	case FSC_TRANSLATION: return FSC_IS_TRANSLATION(fsc);
	case FSC_ALIGNED: return fsc == FSC_ALIGNMENT;
	case FSC_NONE: break;
	}
	return true;
}

/* An exclusive load the architecture lets through: it must not fault and must load the right bytes. */
static void check_no_fault(struct test *t, const struct fault_case *c, const struct probe *p, bool returned,
			   const struct fault_record *f, const char *rule)
{
	uint64_t want = excl_expected(p->addr);
	char seen[160];
	if (returned)
		snprintf(seen, sizeof(seen), "no fault, 0x%016llx loaded", (unsigned long long)p->value);
	else
		fault_describe(f, seen, sizeof(seen));
	report(t, returned && p->value == want, "%s: %s", c->name,
	       returned ? "no fault" : exception_class_name(f->esr));
	report_info(t, "%s: expected no fault, 0x%016llx loaded from 0x%lx; observed %s", rule,
		    (unsigned long long)want, p->addr, seen);
}

static void check_case(struct test *t, const struct fault_case *c, bool lse2)
{
	static const char *const fsc_names[] = {"-", "permission", "translation", "alignment"};
	struct probe p = {0};
	struct fault_record f;
	void (*provoke)(void *) = c->provoke;
	const char *rule = NULL;
	bool must_fault = true;
	if (provoke == provoke_unknown_hvc && !el2_monitor_present()) {
		report_skip(t, "the image entered at EL1: no EL2 monitor", "%s", c->name);
		return;
	}
	if (c->excl_offset != NOT_EXCL) {
		for (unsigned i = 0; i < sizeof(excl_block); i++)
			excl_block[i] = (uint8_t)(0xa0 + i);
		p.addr = (uintptr_t)excl_block + (unsigned)c->excl_offset;
		must_fault = exclusive_faults(lse2, p.addr, EXCL_SIZE, &rule);
	}
	/* no_fault: a probe that must fault on every core does not */
	if (test_injected(t, "no_fault") &&
	    (provoke == provoke_write_code || (provoke == provoke_exclusive && must_fault)))
		provoke = provoke_nothing;
	bool returned = run_protected(provoke, &p, &f);
	if (!must_fault) {
		check_no_fault(t, c, &p, returned, &f, rule);
		return;
	}
	if (returned) {
		report(t, false, "%s: caught", c->name);
		report_info(t, "%s%sexpected EC 0x%02x, observed no exception at all", rule ? rule : "",
			    rule ? ": " : "", c->ec);
		return;
	}
	uintptr_t where = c->ec == ESR_EC_UNKNOWN || c->ec == ESR_EC_HVC64 ? f.elr : f.far;
	bool addr_ok = c->far_in_range ? where >= p.lo && where < p.hi : where == p.addr;
	/* A data abort's ISS.WnR says whether a write (1) or a read (0) faulted (Arm ARM D24.2.40, ESR_ELx
	   ISS encoding for an exception from a Data Abort): checked both ways. */
	bool wnr_ok = ESR_EC(f.esr) != ESR_EC_DABT_CUR || !!(f.esr & ESR_WNR) == c->write;
	bool ok = f.core == this_core() && ESR_EC(f.esr) == c->ec && fsc_matches(c->fsc, f.esr) && wnr_ok && addr_ok;
	char seen[160];
	fault_describe(&f, seen, sizeof(seen));
	if (!report(t, ok, "%s: caught as %s", c->name, exception_class_name(f.esr)) || rule)
		report_info(t, "%s%sexpected core %u EC 0x%02x %s fault%s at %s0x%lx%s, observed %s", rule ? rule : "",
			    rule ? ": " : "", this_core(), c->ec, fsc_names[c->fsc],
			    c->ec != ESR_EC_DABT_CUR ? ""
			    : c->write		     ? " (write: WnR 1)"
						     : " (read: WnR 0)",
			    c->far_in_range ? "[" : "", c->far_in_range ? p.lo : p.addr,
			    c->far_in_range ? ", guard end)" : "", seen);
	else
		report_info(t, "%s", seen);
}

static void faults_run(struct test *t)
{
	bool lse2 = core_has_lse2(t);
	for (unsigned i = 0; i < NCASES; i++)
		check_case(t, &cases[i], lse2);
}

TEST_CASE(150, faults_case, .name = "faults", .group = "selftest",
	  .summary = "each kind of fault is caught and reported exactly (exception class, fault status, FAR, ELR)",
	  .run = faults_run, .min_cores = 1, .iterations = 1, .timeout_ms = 1000, .injections = "no_fault wrong_lse2");

static void spin_forever(void *arg)
{
	(void)arg;
	for (;;)
		__asm__ volatile("" ::: "memory");
}

static void deadline_run(struct test *t)
{
	if (!deadline_available()) {
		test_skip(t, "this board has no interrupt controller the suite drives");
		return;
	}
	uint64_t outer = deadline_armed(), start = timer_ticks();
	struct fault_record f;
	deadline_arm(deadline_after_us(DEADLINE_PROBE_US));
	bool returned = run_protected(spin_forever, NULL, &f);
	uint64_t took_us = ticks_to_us(timer_ticks() - start);
	deadline_arm(outer);
	bool ok = !returned && f.kind == EXC_KIND_DEADLINE && took_us >= DEADLINE_PROBE_US;
	if (!report(t, ok, "a spinning core is abandoned at its deadline (%u us)", DEADLINE_PROBE_US))
		report_info(t, "expected a deadline stop after >= %u us, observed %s after %llu us", DEADLINE_PROBE_US,
			    returned ? "a return" : "another fault", (unsigned long long)took_us);
	if (test_injected(t, "hang_core0"))
		spin_forever(NULL); /* only the suite's own per-test deadline ends this */
}

TEST_CASE(160, deadline_case, .name = "deadline", .group = "selftest",
	  .summary = "code that never returns is stopped by the timer interrupt at its deadline", .run = deadline_run,
	  .min_cores = 1, .iterations = 1, .timeout_ms = 1000, .injections = "hang_core0");

static void udf_on_this_core(void *arg)
{
	(void)arg;
	isb(); /* core 0 wrote this code: context-synchronise after receiving the work, before running it */
	((code_fn)arena_rx(PROBE_OFFSET))();
}

static void do_nothing(void *arg)
{
	(void)arg;
}

static void fault_other_core_run(struct test *t)
{
	unsigned idx;
	void *arg = NULL;
	*arena_rw(PROBE_OFFSET) = UDF_0;
	icache_sync_range(arena_rw(PROBE_OFFSET), 4);
	if (!test_start_on_cores(t, udf_on_this_core, &arg, 1, &idx))
		return;
	enum work_result r = core_wait(idx, test_deadline(t));
	const struct fault_record *f = &cores[idx].fault;
	bool ok =
	    r == WORK_FAULTED && f->core == idx && ESR_EC(f->esr) == ESR_EC_UNKNOWN && f->elr == arena_rx(PROBE_OFFSET);
	char seen[160];
	fault_describe(f, seen, sizeof(seen));
	if (!report(t, ok, "an undefined instruction on core %u is caught there and reported to core 0", idx))
		report_info(t, "expected WORK_FAULTED from core %u EC 0x00 at ELR=0x%lx, observed result %d: %s", idx,
			    arena_rx(PROBE_OFFSET), (int)r, seen);
	else
		report_info(t, "%s", seen);
	bool served = core_post(idx, do_nothing, NULL) && core_wait(idx, test_deadline(t)) == WORK_DONE;
	report(t, served, "core %u takes new work after the fault", idx);
}

TEST_CASE(500, fault_other_core_case, .name = "fault_other_core", .group = "selftest",
	  .summary = "a fault on another core is caught on that core and reported, and the core keeps serving",
	  .run = fault_other_core_run, .min_cores = 2, .iterations = 1, .timeout_ms = 1000);
