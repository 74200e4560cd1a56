/*
 * QEMU reproducer qemu_stale_b (group qemu, only with run=): the smallest test that shows QEMU's
 * multi-threaded TCG running a stale translation after the complete maintenance and hand-off.
 * docs/qemu-defects.md is its report; tests/qemu_defects.py (make qemu-defects) runs it.
 *
 * One writer (core 0), one executor (the first other core). A site S holds one B; three functions
 * T0, T1, T2 return 0, 1, 2. Each round:
 *   1. core 0 sets S = B T0 and hands it over (go); the executor calls S in a loop
 *   2. core 0 swaps S between B T1 and B T0 SWAPS times while the executor calls it (each swap
 *      waits until the executor has made a call since the previous one)
 *   3. core 0 publishes stop; the executor stops calling S and acknowledges (stopped)
 *   4. core 0 sets S = B T2 (STR; DC CVAU; DSB ISH; IC IVAU; DSB ISH; ISB) and publishes the round
 *      (DSB ISH; STR; DSB ISH; SEV); the executor sees it (LDR, branch on it, ISB) and calls S once.
 *
 * Every patch is one 32-bit STR (insn_store). Step 2: Arm ARM B2.2.5 (concurrent modification and
 * execution of a B by a B): each call runs the old or the new B, so 0 or 1; anything else FORBIDDEN.
 * Step 4: the write of B T2 is coherence-after every write of step 2, and the executor's call is
 * ordered after it by the complete maintenance and the hand-off: it must return 2 (Arm ARM B2.2.5;
 * herd MP.RF+cachesync+ctrlisb, Forbidden: the old instruction after the hand-off). A stale result is
 * then re-called PERSIST_CALLS times (with an ISB before each) to show how long QEMU keeps it.
 *
 * No bookkeeping is shared between writers: every handoff word and counter has one writer, the
 * executor's counts are read by core 0 only after it has joined.
 */
#include "arena.h"
#include "handoff.h"
#include "icache.h"
#include "insn.h"
#include "round_budget.h"
#include "suite.h"
#include "timer.h"

#define SITE_OFFSET 0x140000 /* S: one B */
/* T0, T1, T2 in the next page: MOVZ W0, #k; RET */
#define TARGET_OFFSET(k) (0x141000 + (k)*0x40)
#define SWAPS		 16
#define PERSIST_CALLS	 100
#define MAX_DELAY_TICKS	 64
#define QUIT		 (~0ull) /* published in go, stop and final: the executor returns */

enum { RESULT_T0, RESULT_T1, RESULT_T2, RESULT_OTHER, NRESULTS };

struct stale_b {
	struct handoff_seq go, stop, final; /* core 0 */
	struct handoff_seq stopped, done;   /* the executor */
	volatile uint64_t calls;	    /* the executor: calls of S in step 2 */
	uint64_t wait_us;
	/* the executor's counts */
	uint64_t during[NRESULTS], after[NRESULTS], persisted, timeouts;
	uint64_t first_bad_round;
	uint32_t first_bad_value;
};

static struct stale_b sb;

static uintptr_t site_rx(void)
{
	return arena_rx(SITE_OFFSET);
}

static unsigned result_of(uint32_t got)
{
	return got < RESULT_OTHER ? got : RESULT_OTHER;
}

/* STR (one 32-bit store); DC CVAU (written alias); DSB ISH; IC IVAU (executing alias); DSB ISH; ISB. */
static void patch_site(unsigned target)
{
	struct cache_lines l = icache_configuration();
	volatile uint32_t *s = arena_rw(SITE_OFFSET);
	insn_store(s, insn_b((int64_t)arena_rx(TARGET_OFFSET(target)) - (int64_t)site_rx()));
	dc_clean_lines(ICACHE_CLEAN_POU, (uintptr_t)s & ~(uintptr_t)(l.dline - 1), 1, l.dline);
	dsb_ish();
	ic_invalidate_lines(site_rx() & ~(uintptr_t)(l.iline - 1), 1, l.iline);
	dsb_ish();
	isb();
}

static bool quit(const struct handoff_seq *h)
{
	return __atomic_load_n(&h->value, __ATOMIC_ACQUIRE) == QUIT;
}

static void executor_run(void *arg)
{
	(void)arg;
	code_fn site = (code_fn)site_rx();
	for (uint64_t r = 1;; r++) {
		if (!handoff_wait(&sb.go, r, deadline_after_us(sb.wait_us)))
			goto timeout;
		if (quit(&sb.go))
			return;
		uint64_t deadline = deadline_after_us(sb.wait_us);
		while (__atomic_load_n(&sb.stop.value, __ATOMIC_ACQUIRE) < r) {
			sb.during[result_of(site())]++;
			__atomic_store_n(&sb.calls, sb.calls + 1, __ATOMIC_RELEASE);
			if (deadline_passed(deadline))
				goto timeout;
			cpu_relax(); /* YIELD: lets a single-threaded emulator run the writer */
		}
		handoff_ack(&sb.stopped, r);
		if (!handoff_wait(&sb.final, r, deadline_after_us(sb.wait_us)))
			goto timeout;
		if (quit(&sb.final))
			return;
		uint32_t got = site();
		sb.after[result_of(got)]++;
		if (got != RESULT_T2) {
			if (!sb.first_bad_round) {
				sb.first_bad_round = r;
				sb.first_bad_value = got;
			}
			for (unsigned k = 0; k < PERSIST_CALLS; k++) {
				isb();
				sb.persisted += site() != RESULT_T2;
			}
		}
		handoff_ack(&sb.done, r);
	}
	return;
timeout:
	sb.timeouts++;
}

static bool wait_calls(uint64_t beyond)
{
	uint64_t deadline = deadline_after_us(sb.wait_us);
	while (__atomic_load_n(&sb.calls, __ATOMIC_ACQUIRE) <= beyond) {
		if (deadline_passed(deadline))
			return false;
		cpu_relax();
	}
	return true;
}

static void qemu_stale_b_run(struct test *t)
{
	unsigned idx;
	void *arg = NULL;
	uint64_t rounds = t->iterations;
	sb = (struct stale_b){.wait_us = t->tc->timeout_ms * 1000};
	for (unsigned k = 0; k < 3; k++) {
		insn_write_return(arena_rw(TARGET_OFFSET(k)), (uint16_t)k);
		icache_sync_range((const void *)arena_rx(TARGET_OFFSET(k)), 8);
	}
	patch_site(0);
	report_info(t,
		    "site S = B T0; core 0 swaps it between B T1 and B T0 %u times while core 1 calls it, then "
		    "writes B T2 with STR; DC CVAU; DSB ISH; IC IVAU; DSB ISH; ISB and hands it over",
		    SWAPS);
	report_info(t, "architecture: while patched, B T0 or B T1 (Arm ARM B2.2.5); after the hand-off only B T2: "
		       "an older B is FORBIDDEN (Arm ARM B2.2.5; herd MP.RF+cachesync+ctrlisb)");
	if (test_start_on_cores(t, executor_run, &arg, 1, &idx) != 1)
		return;
	uint64_t start = timer_ticks(), budget = round_budget_end(), r;
	bool ok = true;
	for (r = 1; r <= rounds && ok && timer_ticks() < budget; r++) {
		uint64_t deadline = deadline_after_us(sb.wait_us);
		patch_site(0);
		handoff_publish(&sb.go, r);
		for (unsigned s = 1; s <= SWAPS && ok; s++) {
			ok = wait_calls(sb.calls);
			uint64_t end = timer_ticks() + test_random(t) % MAX_DELAY_TICKS;
			while (timer_ticks() < end)
				cpu_relax();
			patch_site(s % 2);
		}
		handoff_publish(&sb.stop, r);
		ok = ok && handoff_wait_data(&sb.stopped, r, deadline);
		patch_site(2);
		handoff_publish(&sb.final, r);
		ok = ok && handoff_wait_data(&sb.done, r, deadline_after_us(sb.wait_us));
	}
	uint64_t ran = r - 1, ms = ticks_to_us(timer_ticks() - start) / 1000;
	if (!ok)
		report_timeout(t, "round %llu: the executor answered within %llu ms", (unsigned long long)ran,
			       (unsigned long long)t->tc->timeout_ms);
	/* Release the executor from whatever it waits for: it returns. */
	handoff_publish(&sb.stop, QUIT);
	handoff_publish(&sb.final, QUIT);
	handoff_publish(&sb.go, QUIT);
	test_join_cores(t, &idx, 1, test_deadline(t));
	uint64_t stale = sb.after[RESULT_T0] + sb.after[RESULT_T1];
	report(t, stale == 0 && sb.after[RESULT_OTHER] == 0,
	       "after the hand-off: new B T2 in %llu of %llu rounds; stale B T0 %llu, B T1 %llu (still stale in %llu "
	       "of %llu re-calls); other %llu",
	       (unsigned long long)sb.after[RESULT_T2], (unsigned long long)ran,
	       (unsigned long long)sb.after[RESULT_T0], (unsigned long long)sb.after[RESULT_T1],
	       (unsigned long long)sb.persisted, (unsigned long long)(stale + sb.after[RESULT_OTHER]) * PERSIST_CALLS,
	       (unsigned long long)sb.after[RESULT_OTHER]);
	report(t, sb.during[RESULT_T2] == 0 && sb.during[RESULT_OTHER] == 0,
	       "while patched: B T0 %llu, B T1 %llu, B T2 (FORBIDDEN) %llu, other (FORBIDDEN) %llu calls",
	       (unsigned long long)sb.during[RESULT_T0], (unsigned long long)sb.during[RESULT_T1],
	       (unsigned long long)sb.during[RESULT_T2], (unsigned long long)sb.during[RESULT_OTHER]);
	if (sb.first_bad_round)
		report_info(t, "first stale result: round %llu returned %u", (unsigned long long)sb.first_bad_round,
			    sb.first_bad_value);
	report_info(t, "QEMU-DEFECT qemu_stale_b rounds=%llu stale=%llu persisted=%llu ms=%llu",
		    (unsigned long long)ran, (unsigned long long)(stale + sb.after[RESULT_OTHER]),
		    (unsigned long long)sb.persisted, (unsigned long long)ms);
}

TEST_CASE(900, qemu_stale_b_case, .name = "qemu_stale_b", .group = "qemu",
	  .summary = "QEMU reproducer: a B patched while another core runs it, then rewritten with the complete "
		     "maintenance and handed over: the other core must run the new B",
	  .run = qemu_stale_b_run, .min_cores = 2, .iterations = 2000, .timeout_ms = 2000, .explicit_only = true);
