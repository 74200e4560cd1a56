/*
 * Scenario 2, cross core: core 0 writes a new function each round, does
 * DC CVAU / DSB ISH / IC IVAU / DSB ISH / ISB, and publishes the round with
 * DSB ISH + SEV. Every other core waits in WFE, loads the round, branches on
 * it (control dependency), ISBs and runs the code through the RX alias.
 * Rounds alternate between two code slots, so stale code is recognisable:
 * it returns the previous round's value. Stale or other code is forbidden.
 */
#include "arena.h"
#include "handoff.h"
#include "icache.h"
#include "insn.h"
#include "suite.h"
#include "timer.h"

#define SLOT_OFFSET(s)	   (0x10000 + (size_t)(s)*0x1000)
#define MAX_FAILURES_SHOWN 3

struct cross_core;

struct reader {
	const struct cross_core *xc;
	struct test *t; /* for verbose per-round lines */
	struct handoff_seq ack;
	uint64_t new_code, stale, other, timeouts;
	uint64_t bad_round[MAX_FAILURES_SHOWN];
	uint32_t bad_value[MAX_FAILURES_SHOWN];
} __attribute__((aligned(64)));

struct cross_core {
	struct handoff_seq round;
	uint64_t rounds, wait_us;
	bool stale_reader, reader_never_wakes, verbose;
	struct reader readers[MAX_CORES];
};

static struct cross_core xc;

static uint16_t tag(uint64_t round)
{
	return (uint16_t)round;
}

static void reader_run(void *arg)
{
	struct reader *r = arg;
	const struct cross_core *x = r->xc;
	if (x->reader_never_wakes) {
		/* The deliberate defect: a core that stops answering (interrupts off, no WFE, no acknowledgement). */
		irq_disable();
		for (;;)
			__asm__ volatile("" ::: "memory");
	}
	for (uint64_t round = 1; round <= x->rounds; round++) {
		/* WFE until the round appears, then the load, control dependency and ISB (handoff_code_acquire:
		   a routine image's selfmod_user_acquire). */
		if (!handoff_code_wait(&xc.round.value, round, deadline_after_us(x->wait_us))) {
			r->timeouts++;
			return;
		}
		/* The deliberate defect runs the other slot: the previous round's code. */
		unsigned slot = (unsigned)((round + x->stale_reader) % 2);
		uint32_t got = ((code_fn)arena_rx(SLOT_OFFSET(slot)))();
		uint64_t bad = r->stale + r->other;
		if (got == tag(round))
			r->new_code++;
		else if (got == tag(round - 1) || (round >= 2 && got == tag(round - 2)))
			r->stale++; /* an older round's code: the other slot's, or this slot's previous */
		else
			r->other++;
		if (x->verbose)
			report_info(r->t, "core %u round %llu: ran 0x%04x (%s)", this_core(), (unsigned long long)round,
				    got, got == tag(round) ? "new" : "NOT the new code");
		if (r->stale + r->other > bad && bad < MAX_FAILURES_SHOWN) {
			r->bad_round[bad] = round;
			r->bad_value[bad] = got;
		}
		handoff_ack(&r->ack, round);
	}
}

static void cross_core_run(struct test *t)
{
	unsigned idx[MAX_CORES], n;
	void *args[MAX_CORES];
	xc = (struct cross_core){
	    .rounds = t->iterations,
	    .wait_us = t->tc->timeout_ms * 1000,
	    .stale_reader = test_injected(t, "stale_reader"),
	    .reader_never_wakes = test_injected(t, "reader_never_wakes"),
	    .verbose = t->verbose,
	};
	for (unsigned i = 0; i < MAX_CORES; i++) {
		xc.readers[i].xc = &xc;
		xc.readers[i].t = t;
		args[i] = &xc.readers[i];
	}
	for (unsigned s = 0; s < 2; s++) {
		insn_write_return(arena_rw(SLOT_OFFSET(s)), tag(0));
		icache_sync_range(arena_rw(SLOT_OFFSET(s)), 8);
	}
	report_info(t, "architecture: after the hand-off, running stale or other code is FORBIDDEN "
		       "(Arm ARM B2.2.5; herd MP.RF+cachesync+ctrlisb)");
	n = test_start_on_cores(t, reader_run, args, MAX_CORES, idx);
	uint64_t round;
	for (round = 1; round <= xc.rounds; round++) {
		uint32_t *code = arena_rw(SLOT_OFFSET(round % 2));
		insn_write_return(code, tag(round));
		icache_sync_range(code, 8);
		handoff_code_publish(&xc.round.value, round); /* a routine image's selfmod_user_publish */
		bool all_acked = true;
		uint64_t deadline = deadline_after_us(xc.wait_us);
		for (unsigned i = 0; i < n; i++)
			all_acked &= handoff_wait_data(&xc.readers[i].ack, round, deadline);
		if (!all_acked) {
			report_info(t, "round %llu: not every reader acknowledged within %llu ms",
				    (unsigned long long)round, (unsigned long long)t->tc->timeout_ms);
			break;
		}
	}
	test_join_cores(t, idx, n, test_deadline(t));
	for (unsigned i = 0; i < n; i++) {
		const struct reader *r = &xc.readers[i];
		uint64_t seen = r->new_code + r->stale + r->other;
		report(t, r->new_code == xc.rounds && !r->timeouts,
		       "core %u: new code in %llu of %llu rounds (stale %llu, other %llu, missed %llu)", idx[i],
		       (unsigned long long)r->new_code, (unsigned long long)xc.rounds, (unsigned long long)r->stale,
		       (unsigned long long)r->other, (unsigned long long)(xc.rounds - seen));
		for (unsigned k = 0; k < MAX_FAILURES_SHOWN && k < r->stale + r->other; k++)
			report_info(t, "core %u round %llu: expected 0x%04x observed 0x%04x (%s)", idx[i],
				    (unsigned long long)r->bad_round[k], tag(r->bad_round[k]), r->bad_value[k],
				    r->bad_value[k] == tag(r->bad_round[k] - 1) ||
					    r->bad_value[k] == tag(r->bad_round[k] - 2)
					? "stale: an older round's code"
					: "neither old nor new");
	}
}

TEST_CASE(400, cross_core_case, .name = "cross_core", .group = "smc",
	  .summary = "core 0 publishes new code (DC, IC, DSB, SEV); every other core wakes, ISBs and runs it",
	  .run = cross_core_run, .min_cores = 2, .iterations = 2000, .timeout_ms = 2000,
	  .injections = "stale_reader reader_never_wakes");
