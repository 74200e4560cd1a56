/*
 * Scenario 5, W^X flip: code is written into a page that is read-write and never executable, the
 * page's descriptor is changed to read-only executable, and the code is run on core 0 and on every
 * other core. Each round first proves the page is not executable yet (every core's attempt must take
 * a permission fault: that also loads the non-executable translation into its TLB), then flips it
 * (descriptor; DSB ISH; TLBI VAE1IS; DSB ISH; ISB on core 0; the others take the flip through a
 * hand-off: control dependency and ISB), runs it, and flips it back for the next round.
 *
 * The page is one of the W^X window's level 3 pages (src/arch/layout.h, mmu_set_page_perm): never a
 * block, so nothing else changes with it. The flip sequences are a table: the complete one, where
 * anything but the new code is forbidden, and the one without TLB maintenance, where a stale
 * (non-executable) translation is allowed, reported with its counts.
 */
#include "arena.h"
#include "handoff.h"
#include "icache.h"
#include "insn.h"
#include "mmu.h"
#include "round_budget.h"
#include "suite.h"
#include "sysreg.h"
#include "timer.h"
#include "array_size.h"

#define CODE_PAGE_VA WX_WINDOW_VA
#define FN_BYTES     8
#define MAX_SHOWN    3

struct flip_sequence {
	const char *name;   /* short, for result lines */
	const char *steps;  /* the sequence after the descriptor store */
	bool tlbi;	    /* TLBI VAE1IS between the two DSB ISH */
	bool stale_allowed; /* a fault after the flip is allowed (a TLB may keep the old entry) */
	const char *architecture;
};

static const struct flip_sequence sequences[] = {
    {"flip", "DSB ISH; TLBI VAE1IS; DSB ISH; ISB", true, false,
     "after it, a permission fault or any other code is FORBIDDEN on every core that context-synchronised "
     "(Arm ARM D8.16: broadcast TLB maintenance completed by DSB ISH)"},
    {"no TLBI", "DSB ISH; ISB", false, true,
     "without TLB maintenance a core may keep the non-executable entry: a permission fault is ALLOWED, "
     "other code is FORBIDDEN"},
};
#define NSEQ (ARRAY_SIZE(sequences))

/* What happened when a core called the code. */
enum outcome { RAN_NEW, FAULT_PERMISSION, FAULT_OTHER, RAN_OTHER, NOUTCOMES };

struct tally {
	uint64_t xn[NOUTCOMES];	  /* before the flip */
	uint64_t exec[NOUTCOMES]; /* after it */
};

struct wx_core {
	struct handoff_seq ack;
	struct tally per_seq[NSEQ];
	struct fault_record last_fault;
	uint64_t timeouts;
} __attribute__((aligned(64)));

struct wx_flip {
	struct handoff_seq step;  /* 2r-1: probe the XN page of round r; 2r: run it after the flip */
	volatile uint64_t rounds; /* lowered when the time budget ends the run early */
	uint64_t wait_us;
	uintptr_t va;			/* this round's function */
	uint16_t value;			/* what it returns */
	unsigned seq;			/* this round's flip sequence */
	struct wx_core core[MAX_CORES]; /* [0] is core 0, then the readers in start order */
};

static struct wx_flip wx;

struct call {
	uintptr_t va;
	uint32_t got;
};

static void call_code(void *arg)
{
	struct call *c = arg;
	c->got = ((code_fn)c->va)();
}

/* Call the function at va, caught; the outcome against want (and, for faults, the FAR). */
static enum outcome try_run(uintptr_t va, uint16_t want, struct fault_record *f)
{
	struct call c = {.va = va};
	if (run_protected(call_code, &c, f))
		return c.got == want ? RAN_NEW : RAN_OTHER;
	bool perm = ESR_EC(f->esr) == ESR_EC_IABT_CUR && FSC_IS_PERMISSION(ESR_FSC(f->esr)) && f->far == va;
	return perm ? FAULT_PERMISSION : FAULT_OTHER;
}

static void wx_reader(void *arg)
{
	struct wx_core *me = arg;
	for (uint64_t r = 1; r <= wx.rounds; r++) {
		for (unsigned phase = 0; phase < 2; phase++) {
			uint64_t step = 2 * r - 1 + phase;
			if (!handoff_wait(&wx.step, step, deadline_after_us(wx.wait_us))) {
				me->timeouts++;
				return;
			}
			if (r > wx.rounds)
				return;
			struct fault_record f = {0};
			enum outcome o = try_run(wx.va, wx.value, &f);
			uint64_t *counts = phase ? me->per_seq[wx.seq].exec : me->per_seq[wx.seq].xn;
			counts[o]++;
			if (o != (phase ? RAN_NEW : FAULT_PERMISSION))
				me->last_fault = f;
			handoff_ack(&me->ack, step);
		}
	}
}

static bool wait_acks(const unsigned n, uint64_t step)
{
	uint64_t deadline = deadline_after_us(wx.wait_us);
	bool all = true;
	for (unsigned i = 1; i <= n; i++)
		all &= handoff_wait_data(&wx.core[i].ack, step, deadline);
	return all;
}

static void report_sequence(struct test *t, unsigned s, const unsigned *idx, unsigned n)
{
	const struct flip_sequence *q = &sequences[s];
	report_info(t, "%s (descriptor; %s): %s", q->name, q->steps, q->architecture);
	for (unsigned i = 0; i <= n; i++) {
		const struct tally *c = &wx.core[i].per_seq[s];
		unsigned core = i ? idx[i - 1] : 0;
		uint64_t xn_total = 0, exec_total = 0;
		for (unsigned o = 0; o < NOUTCOMES; o++) {
			xn_total += c->xn[o];
			exec_total += c->exec[o];
		}
		report(t, c->xn[FAULT_PERMISSION] == xn_total && xn_total && !wx.core[i].timeouts,
		       "%s: core %u, XN page: permission fault in %llu of %llu rounds (ran %llu, other fault %llu)",
		       q->name, core, (unsigned long long)c->xn[FAULT_PERMISSION], (unsigned long long)xn_total,
		       (unsigned long long)(c->xn[RAN_NEW] + c->xn[RAN_OTHER]), (unsigned long long)c->xn[FAULT_OTHER]);
		bool ok = exec_total && c->exec[RAN_OTHER] == 0 && c->exec[FAULT_OTHER] == 0 &&
			  (q->stale_allowed || c->exec[RAN_NEW] == exec_total);
		report(t, ok,
		       "%s: core %u, after it: new code in %llu of %llu (permission fault %llu%s, "
		       "other fault %llu, other code %llu)",
		       q->name, core, (unsigned long long)c->exec[RAN_NEW], (unsigned long long)exec_total,
		       (unsigned long long)c->exec[FAULT_PERMISSION], q->stale_allowed ? " allowed" : "",
		       (unsigned long long)c->exec[FAULT_OTHER], (unsigned long long)c->exec[RAN_OTHER]);
	}
}

static void wx_flip_run(struct test *t)
{
	unsigned idx[MAX_CORES], n;
	void *args[MAX_CORES];
	struct fault_record f;
	bool wrong_page = test_injected(t, "wx_wrong_page");
	wx = (struct wx_flip){.rounds = t->iterations, .wait_us = t->tc->timeout_ms * 1000};
	for (unsigned i = 0; i < MAX_CORES - 1; i++)
		args[i] = &wx.core[i + 1];
	n = test_start_on_cores(t, wx_reader, args, MAX_CORES - 1, idx);
	uint64_t start = timer_ticks(), budget = round_budget_end(), r;
	unsigned shown = 0;
	for (r = 1; r <= wx.rounds && timer_ticks() < budget; r++) {
		unsigned s = (unsigned)(r % NSEQ);
		const struct flip_sequence *q = &sequences[s];
		size_t off = (size_t)(test_random(t) % ((PAGE_SIZE - FN_BYTES) / 4)) * 4;
		uintptr_t va = CODE_PAGE_VA + off;
		/* Back to read-write, never executable, for every core, then write and maintain the code. */
		mmu_set_page_perm(CODE_PAGE_VA, MMU_PAGE_RW_XN);
		wx.va = va;
		wx.seq = s;
		wx.value = (uint16_t)(test_random(t) | 1);
		insn_write_return((uint32_t *)va, wx.value);
		icache_sync_range((const void *)va, FN_BYTES);
		/* Every core must fault on it now. */
		enum outcome o = try_run(va, wx.value, &f);
		wx.core[0].per_seq[s].xn[o]++;
		handoff_publish(&wx.step, 2 * r - 1);
		bool acked = wait_acks(n, 2 * r - 1);
		/* The flip. The deliberate defect flips the neighbouring page: an off-by-one page computation. */
		uintptr_t page = CODE_PAGE_VA + (wrong_page ? PAGE_SIZE : 0);
		if (q->tlbi) {
			mmu_set_page_perm(page, MMU_PAGE_RO_X);
		} else {
			mmu_write_page_perm(page, MMU_PAGE_RO_X);
			dsb_ish();
			isb();
		}
		o = try_run(va, wx.value, &f);
		wx.core[0].per_seq[s].exec[o]++;
		if (o != RAN_NEW && !(o == FAULT_PERMISSION && q->stale_allowed) && shown++ < MAX_SHOWN) {
			char why[160];
			fault_describe(&f, why, sizeof(why));
			report_info(t, "round %llu (%s): core 0 expected 0x%04x from 0x%lx, observed %s",
				    (unsigned long long)r, q->name, wx.value, va, o == RAN_OTHER ? "other code" : why);
		}
		handoff_publish(&wx.step, 2 * r);
		acked &= wait_acks(n, 2 * r);
		if (wrong_page)
			mmu_set_page_perm(page, MMU_PAGE_RW_XN);
		if (!acked) {
			report_info(t, "round %llu: not every core acknowledged within %llu ms", (unsigned long long)r,
				    (unsigned long long)t->tc->timeout_ms);
			break;
		}
	}
	mmu_set_page_perm(CODE_PAGE_VA, MMU_PAGE_RW_XN);
	uint64_t ticks = timer_ticks() - start;
	if (r <= wx.rounds) {
		report_info(t, "time budget reached after %llu of %llu rounds", (unsigned long long)(r - 1),
			    (unsigned long long)wx.rounds);
		wx.rounds = r - 1; /* the readers stop after the last round started */
		handoff_publish(&wx.step, 2 * wx.rounds + 1);
	}
	test_join_cores(t, idx, n, test_deadline(t));
	for (unsigned s = 0; s < NSEQ; s++)
		report_sequence(t, s, idx, n);
	for (unsigned i = 1; i <= n; i++)
		if (wx.core[i].last_fault.esr) {
			char why[160];
			fault_describe(&wx.core[i].last_fault, why, sizeof(why));
			report_info(t, "core %u, last unexpected outcome: %s", idx[i - 1], why);
		}
	report_info(t, "%llu rounds on %u cores in %llu ms: %llu rounds/s", (unsigned long long)(r - 1), n + 1,
		    (unsigned long long)(ticks_to_us(ticks) / 1000),
		    (unsigned long long)(ticks ? (r - 1) * timer_freq() / ticks : 0));
}

TEST_CASE(420, wx_flip_case, .name = "wx_flip", .group = "smc",
	  .summary = "code written in a RW XN page, flipped to RO X (TLBI VAE1IS), run on every core; XN must fault",
	  .run = wx_flip_run, .min_cores = 1, .iterations = 200, .timeout_ms = 2000, .injections = "wx_wrong_page");
