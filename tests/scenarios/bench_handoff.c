/*
 * Benchmark: the cross-core round between core 0 and one other core, for
 * each hand-off method. A round: core 0 writes MOVZ W0,#round; RET into one
 * of two slots, icache_sync_range over it, and hands it over; the reader
 * wakes, branches on the round (control dependency), ISBs, runs the code
 * and acknowledges; core 0 waits for the acknowledgement.
 *   sev_wfe  handoff_publish / handoff_wait (WFE) / handoff_ack (SEV)
 *   poll     the same stores and loads, but both sides spin on the load with a YIELD hint: no SEV, no WFE
 *            (without the YIELD, single-threaded TCG switches vCPUs only on its 100 ms kick: about 5 rounds/s)
 *   sgi      pipeline_sync_all_cores() (SGI, acknowledged from the handler; its exception return is the
 *            reader's context synchronisation), then the round published; the reader waits without ISB
 * Figures per method: instructions per round counted on core 0 (under QEMU -icount every vCPU's, since
 * QEMU's instruction counter is global), cycles (silicon), generic-timer ticks, and rounds per second.
 * A method runs for iterations= rounds or BENCH_METHOD_MS of timer time, whichever ends first.
 */
#include "arena.h"
#include "bench.h"
#include "handoff.h"
#include "icache.h"
#include "insn.h"
#include "pipeline_sync.h"
#include "pmu.h"
#include "timer.h"

#define BENCH_METHOD_MS 1000
#define CLOCK_EVERY	64
#define ROUND_STOP	UINT64_MAX /* published after the last round: the reader returns */

enum method { H_SEV_WFE, H_POLL, H_SGI, H_COUNT };
static const char *const method_names[H_COUNT] = {"sev_wfe", "poll", "sgi"};

struct bench_round {
	enum method method;
	uint64_t wait_us, deadline; /* the whole method's: no clock read per round */
	struct handoff_seq round, ack;
	uint64_t new_code, wrong, timeouts;
};

static struct bench_round br;

static uint16_t tag(uint64_t round)
{
	return (uint16_t)round;
}

/* Polling: spin on the load (YIELD, as a spin lock's cpu_relax; the clock read every CLOCK_EVERY loads),
   then the control dependency and ISB. */
static bool poll_wait(const struct handoff_seq *h, uint64_t want, uint64_t deadline, bool with_isb)
{
	for (unsigned n = 1; __atomic_load_n(&h->value, __ATOMIC_ACQUIRE) < want; n++) {
		cpu_relax();
		if (n % CLOCK_EVERY == 0 && read_sysreg(cntpct_el0) >= deadline)
			return false;
	}
	if (with_isb)
		isb();
	return true;
}

static uint64_t reader_wait(const struct bench_round *b, uint64_t round)
{
	uint64_t deadline = b->deadline;
	bool ok = b->method == H_SEV_WFE ? handoff_wait(&b->round, round, deadline)
		  : b->method == H_POLL	 ? poll_wait(&b->round, round, deadline, true)
					 : handoff_wait_data(&b->round, round, deadline);
	return ok ? b->round.value : 0;
}

static void reader(void *arg)
{
	struct bench_round *b = arg;
	for (uint64_t round = 1;; round++) {
		uint64_t seen = reader_wait(b, round);
		if (!seen) {
			b->timeouts++;
			return;
		}
		if (seen == ROUND_STOP)
			return;
		uint32_t got = ((code_fn)arena_rx(BENCH_SLOT_OFFSET(round % 2)))();
		if (got == tag(round))
			b->new_code++;
		else
			b->wrong++;
		if (b->method == H_POLL)
			__atomic_store_n(&b->ack.value, round, __ATOMIC_RELEASE);
		else
			handoff_ack(&b->ack, round);
	}
}

/* Core 0's side of one round. false if the reader did not acknowledge in time. */
static bool writer_round(struct bench_round *b, uint64_t round)
{
	uint32_t *code = arena_rw(BENCH_SLOT_OFFSET(round % 2));
	insn_write_return(code, tag(round));
	icache_sync_range(code, 8);
	uint64_t deadline = b->deadline;
	switch (b->method) {
	case H_SEV_WFE: handoff_publish(&b->round, round); return handoff_wait_data(&b->ack, round, deadline);
	case H_POLL:
		handoff_publish_plain(&b->round,
				      round); /* a release store (its SEV wakes nobody: no one waits in WFE) */
		return poll_wait(&b->ack, round, deadline, false);
	case H_SGI:
	case H_COUNT: break;
	}
	if (pipeline_sync_all_cores(deadline))
		return false;
	handoff_publish_plain(&b->round, round);
	return handoff_wait_data(&b->ack, round, deadline);
}

static void bench_method(struct test *t, enum method m, bool pmu)
{
	unsigned idx;
	void *arg = &br;
	br = (struct bench_round){.method = m,
				  .wait_us = t->tc->timeout_ms * 1000,
				  .deadline = deadline_after_us((BENCH_METHOD_MS + t->tc->timeout_ms) * 1000)};
	for (unsigned s = 0; s < 2; s++) {
		insn_write_return(arena_rw(BENCH_SLOT_OFFSET(s)), tag(0));
		icache_sync_range(arena_rw(BENCH_SLOT_OFFSET(s)), 8);
	}
	if (test_start_on_cores(t, reader, &arg, 1, &idx) != 1)
		return;
	uint64_t rounds = 0, end = deadline_after_us(BENCH_METHOD_MS * 1000);
	bool answered = true;
	struct pmu_sample before = pmu ? pmu_read() : (struct pmu_sample){0, 0};
	uint64_t start = timer_ticks();
	/* The clock is read every CLOCK_EVERY rounds only: under multi-threaded TCG a read takes QEMU's global lock. */
	while (rounds < t->iterations && (rounds % CLOCK_EVERY || !deadline_passed(end)) &&
	       (answered = writer_round(&br, rounds + 1)))
		rounds++;
	uint64_t ticks = timer_ticks() - start;
	struct pmu_sample used = pmu ? pmu_between(before, pmu_read()) : (struct pmu_sample){0, 0};
	handoff_publish(&br.round, ROUND_STOP);
	test_join_cores(t, &idx, 1, test_deadline(t));
	uint64_t us = ticks_to_us(ticks);
	uint64_t per_s = us ? rounds * 1000000 / us : 0;
	BENCH_LINE(t, "handoff",
		   "method=%s core=%u rounds=%llu insns_per_round=%llu cycles_per_round=%llu ticks_per_round=%llu "
		   "us=%llu rounds_per_s=%llu new=%llu wrong=%llu",
		   method_names[m], idx, (unsigned long long)rounds,
		   (unsigned long long)(rounds ? used.insns / rounds : 0),
		   (unsigned long long)(rounds ? used.cycles / rounds : 0),
		   (unsigned long long)(rounds ? ticks / rounds : 0), (unsigned long long)us, (unsigned long long)per_s,
		   (unsigned long long)br.new_code, (unsigned long long)br.wrong);
	if (!answered)
		report_info(t, "%s: core %u did not acknowledge round %llu within %llu ms", method_names[m], idx,
			    (unsigned long long)rounds + 1, (unsigned long long)t->tc->timeout_ms);
	/* Stale or other code is forbidden after every one of these hand-offs (Arm ARM B2.2.5). */
	report(t, answered && rounds > 0 && br.new_code == rounds && !br.timeouts,
	       "%s: %llu rounds, new code in %llu, stale or other %llu, %llu rounds/s", method_names[m],
	       (unsigned long long)rounds, (unsigned long long)br.new_code, (unsigned long long)br.wrong,
	       (unsigned long long)per_s);
}

static void bench_handoff_run(struct test *t)
{
	bool pmu = pmu_start();
	if (!pmu)
		report_info(t, "no PMU: instructions and cycles are reported as 0");
	BENCH_LINE(t, "handoff_setup", "cores=%u cntfrq=%llu max_rounds=%llu max_ms=%u", cores_online(),
		   (unsigned long long)timer_freq(), (unsigned long long)t->iterations, BENCH_METHOD_MS);
	for (unsigned m = 0; m < H_COUNT; m++)
		bench_method(t, (enum method)m, pmu);
}

TEST_CASE(910, bench_handoff_case, .name = "bench_handoff", .group = BENCH_GROUP,
	  .summary = "the cross-core round (publish, wake, control dependency, ISB, run, acknowledge) by SEV/WFE, "
		     "pure polling and the SGI sync: instructions, ticks and rounds per second",
	  .run = bench_handoff_run, .min_cores = 2, .iterations = 1000000, .timeout_ms = 2000, .explicit_only = true);
