/*
 * Scenario 8, trampoline: a single consumer (a randomly chosen core other than 0) always calls one
 * fixed address, the trampoline T: a single B instruction. It starts as B N(0).
 *
 * Each round core 0 writes new code N(r) (a fresh place in one of two slots), maintains it, publishes
 * (r, N(r)) and patches T to B VENEER (STR; DC CVAU; DSB ISH; IC IVAU; DSB ISH): a concurrent
 * modification of a B by a B, which the consumer may be executing (Arm ARM B2.2.5 allows it to run the
 * old or the new one). The veneer (LDR X16, literal; BR X16: the arena is far from the image) enters a
 * stub on the consumer that invalidates N(r) (IC IVAU; DSB ISH; ISB), re-points T to B N(r) itself
 * (STR; DC CVAU; DSB ISH; IC IVAU; DSB ISH; ISB), acknowledges, and tail-calls N(r). From then on every
 * call goes T -> N(r) directly.
 *
 * Allowed: N(R) directly (R: the round last re-pointed), the stub once per round, the old branch while
 * the writer's patch is in flight. FORBIDDEN after the consumer's own re-point: an older N (stale), the
 * stub again for the same round, anything else.
 */
#include "arena.h"
#include "checker_expect.h"
#include "handoff.h"
#include "icache.h"
#include "insn.h"
#include "round_budget.h"
#include "suite.h"
#include "timer.h"

#define TRAMP_OFFSET	0x130000
#define VENEER_OFFSET	0x130040 /* its own cache line */
#define SLOT_OFFSET(s)	(0x131000 + (size_t)(s)*0x1000)
#define FN_BYTES	12
#define DIRECT_CALLS	2 /* calls the consumer makes after each re-point before the next round */
#define MAX_DELAY_TICKS 256
#define MAX_SHOWN	3

enum call_outcome {
	CALL_DIRECT,	 /* T -> N(R): allowed */
	CALL_OLD_BRANCH, /* T -> N(R) although the writer had already patched T for R + 1: allowed */
	CALL_STUB,	 /* T -> veneer -> stub -> N(r): allowed once per round */
	CALL_STALE,	 /* an older N after the re-point: forbidden */
	CALL_STUB_AGAIN, /* the stub for a round already re-pointed: forbidden */
	CALL_OTHER,	 /* anything else: forbidden */
	NCALL_OUTCOMES
};
static const bool call_allowed[NCALL_OUTCOMES] = {true, true, true, false, false, false};

struct trampoline {
	struct handoff_seq pending; /* core 0: round r whose N is ready and whose patch follows */
	struct handoff_seq ack;	    /* consumer: round re-pointed */
	volatile uint64_t calls;    /* calls that did not go through the stub */
	volatile bool done;
	uintptr_t pending_va, previous_va; /* N(r) and N(r - 1), RX alias */
	uint64_t wait_us;
	bool repoint_old; /* the deliberate defect */
	/* the consumer's own state */
	uint64_t repointed;  /* R */
	uint64_t stub_round; /* the round the stub ran for in this call, 0 if none */
	uint64_t counts[NCALL_OUTCOMES], timeouts;
	uint64_t bad_round[MAX_SHOWN];
	uint32_t bad_value[MAX_SHOWN];
};

static struct trampoline tr;

static uintptr_t tramp_rx(void)
{
	return arena_rx(TRAMP_OFFSET);
}

/* MOVZ W0, #lo; MOVK W0, #hi, LSL 16; RET: a function returning round. */
static void write_return32(uint32_t *code, uint32_t round)
{
	code[0] = insn_movz_w(0, (uint16_t)round);
	code[1] = insn_movk_w(0, (uint16_t)(round >> 16), 1);
	code[2] = INSN_RET;
}

/* STR a B into T (RW alias), then DC CVAU; DSB ISH; IC IVAU (executing alias); DSB ISH. */
static void patch_trampoline(uintptr_t target)
{
	struct cache_lines l = icache_configuration();
	volatile uint32_t *t = arena_rw(TRAMP_OFFSET);
	insn_store(t, insn_b((int64_t)target - (int64_t)tramp_rx())); /* one STR: the consumer may be running T */
	dc_clean_lines(ICACHE_CLEAN_POU, (uintptr_t)t & ~(uintptr_t)(l.dline - 1), 1, l.dline);
	dsb_ish();
	ic_invalidate_lines(tramp_rx() & ~(uintptr_t)(l.iline - 1), 1, l.iline);
	dsb_ish();
}

/* Entered from T through the veneer, on the consumer, with the consumer's return address in X30. */
static uint32_t trampoline_stub(void)
{
	uint64_t r = __atomic_load_n(&tr.pending.value, __ATOMIC_ACQUIRE);
	uintptr_t n = tr.pending_va, first;
	struct cache_lines l = icache_configuration();
	/* Invalidate N through the alias it runs from, then synchronise this core. */
	size_t lines = cache_lines_covering(n, FN_BYTES, l.iline, &first);
	ic_invalidate_lines(first, lines, l.iline);
	dsb_ish();
	isb();
	/* Re-point T straight at N (the deliberate defect: at the previous N) and synchronise again. */
	patch_trampoline(tr.repoint_old ? tr.previous_va : n);
	isb();
	tr.stub_round = r;
	handoff_ack(&tr.ack, r);
	return ((code_fn)n)();
}

static void consumer_run(void *arg)
{
	(void)arg;
	uint64_t deadline = deadline_after_us(tr.wait_us);
	while (!tr.done) {
		uint64_t pending_before = __atomic_load_n(&tr.pending.value, __ATOMIC_ACQUIRE);
		uint64_t r = tr.repointed;
		tr.stub_round = 0;
		uint32_t got = ((code_fn)tramp_rx())();
		enum call_outcome o;
		if (tr.stub_round) {
			o = tr.stub_round == r		     ? CALL_STUB_AGAIN
			    : got == (uint32_t)tr.stub_round ? CALL_STUB
							     : CALL_OTHER;
			tr.repointed = tr.stub_round;
			deadline = deadline_after_us(tr.wait_us);
		} else if (got == (uint32_t)r) {
			o = pending_before > r ? CALL_OLD_BRANCH : CALL_DIRECT;
		} else {
			o = got < r ? CALL_STALE : CALL_OTHER;
		}
		uint64_t bad = tr.counts[CALL_STALE] + tr.counts[CALL_STUB_AGAIN] + tr.counts[CALL_OTHER];
		if (!call_allowed[o] && bad < MAX_SHOWN) {
			tr.bad_round[bad] = tr.repointed;
			tr.bad_value[bad] = got;
		}
		tr.counts[o]++;
		if (!tr.stub_round)
			__atomic_store_n(&tr.calls, tr.calls + 1, __ATOMIC_RELEASE);
		if (deadline_passed(deadline)) {
			tr.timeouts++;
			return;
		}
		cpu_relax(); /* YIELD: lets a single-threaded emulator run the writer */
	}
}

static bool wait_for(const volatile uint64_t *v, uint64_t want)
{
	uint64_t deadline = deadline_after_us(tr.wait_us);
	while (__atomic_load_n(v, __ATOMIC_ACQUIRE) < want) {
		if (deadline_passed(deadline))
			return false;
		cpu_relax();
	}
	return true;
}

/* A random online core other than this one, or MAX_CORES. */
static unsigned pick_consumer(struct test *t)
{
	unsigned candidates[MAX_CORES], n = 0;
	for (unsigned c = 0; c < core_count; c++)
		if (c != this_core() && cores[c].state == CORE_ONLINE)
			candidates[n++] = c;
	return n ? candidates[test_random(t) % n] : MAX_CORES;
}

static void trampoline_run(struct test *t)
{
	tr = (struct trampoline){.wait_us = t->tc->timeout_ms * 1000,
				 .repoint_old = test_injected(t, "repoint_old_target")};
	/* The veneer: LDR X16, [PC + 8]; BR X16; .quad trampoline_stub. */
	uint32_t *veneer = arena_rw(VENEER_OFFSET);
	veneer[0] = insn_ldr_x_literal(16, 8);
	veneer[1] = insn_br(16);
	*(volatile uint64_t *)arena_rw(VENEER_OFFSET + 8) = (uint64_t)(uintptr_t)trampoline_stub;
	icache_sync_range((const void *)arena_rx(VENEER_OFFSET), 16);
	/* N(0) and T = B N(0). */
	write_return32(arena_rw(SLOT_OFFSET(0)), 0);
	icache_sync_range((const void *)arena_rx(SLOT_OFFSET(0)), FN_BYTES);
	tr.pending_va = arena_rx(SLOT_OFFSET(0));
	patch_trampoline(tr.pending_va);
	isb();
	unsigned consumer = pick_consumer(t);
	if (!core_post(consumer, consumer_run, NULL)) {
		report(t, false, "core %u could not be given work", consumer);
		return;
	}
	report_info(t,
		    "consumer: core %u; architecture: after its own re-point (STR; DC CVAU; DSB ISH; IC IVAU; "
		    "DSB ISH; ISB) the consumer must run the new N",
		    consumer);
	report_info(t, "allowed: N(R) directly, the old branch while T is being patched (B<->B, Arm ARM B2.2.5), "
		       "the stub once a round; FORBIDDEN: an older N, the stub again, anything else");
	checker_expect_hazard_at(t,
				 "the consumer runs T while core 0 patches it (B to B, no synchronisation): "
				 "the old branch is allowed",
				 arena_rx(TRAMP_OFFSET));
	uint64_t start = timer_ticks(), budget = round_budget_end(), r;
	bool ok = true;
	for (r = 1; r <= t->iterations && ok && timer_ticks() < budget; r++) {
		test_progress(r - 1, t->iterations);
		size_t off = SLOT_OFFSET(r % 2) + (size_t)(test_random(t) % ((0x1000 - FN_BYTES) / 4)) * 4;
		write_return32(arena_rw(off), (uint32_t)r);
		icache_sync_range((const void *)arena_rx(off), FN_BYTES);
		tr.previous_va = tr.pending_va;
		tr.pending_va = arena_rx(off);
		handoff_publish(&tr.pending, r);
		patch_trampoline(arena_rx(VENEER_OFFSET));
		uint64_t calls = tr.calls;
		ok = wait_for(&tr.ack.value, r) && wait_for(&tr.calls, calls + DIRECT_CALLS);
		uint64_t end = timer_ticks() + test_random(t) % MAX_DELAY_TICKS;
		while (timer_ticks() < end)
			cpu_relax();
	}
	tr.done = true;
	if (ok && r <= t->iterations)
		report_info(t, "time budget reached after %llu of %llu rounds", (unsigned long long)(r - 1),
			    (unsigned long long)t->iterations);
	if (!ok)
		report_timeout(t, "round %llu: the consumer re-pointed and called the new code within %llu ms",
			       (unsigned long long)(r - 1), (unsigned long long)t->tc->timeout_ms);
	uint64_t ticks = timer_ticks() - start;
	test_join_cores(t, &consumer, 1, test_deadline(t));
	uint64_t forbidden = 0;
	for (unsigned o = 0; o < NCALL_OUTCOMES; o++)
		forbidden += call_allowed[o] ? 0 : tr.counts[o];
	report(t, forbidden == 0 && tr.counts[CALL_STUB] == r - 1 && !tr.timeouts,
	       "core %u: through the stub %llu of %llu rounds; direct %llu, old branch %llu; stale %llu, stub again "
	       "%llu, other %llu",
	       consumer, (unsigned long long)tr.counts[CALL_STUB], (unsigned long long)(r - 1),
	       (unsigned long long)tr.counts[CALL_DIRECT], (unsigned long long)tr.counts[CALL_OLD_BRANCH],
	       (unsigned long long)tr.counts[CALL_STALE], (unsigned long long)tr.counts[CALL_STUB_AGAIN],
	       (unsigned long long)tr.counts[CALL_OTHER]);
	for (unsigned k = 0; k < MAX_SHOWN && k < forbidden; k++)
		report_info(t, "after re-pointing round %llu the consumer ran 0x%x (%s)",
			    (unsigned long long)tr.bad_round[k], tr.bad_value[k],
			    tr.bad_value[k] < tr.bad_round[k] ? "an older N: stale" : "not the new N");
	report_info(t, "%llu rounds in %llu ms: %llu rounds/s", (unsigned long long)(r - 1),
		    (unsigned long long)(ticks_to_us(ticks) / 1000),
		    (unsigned long long)(ticks ? (r - 1) * timer_freq() / ticks : 0));
}

TEST_CASE(450, trampoline_case, .name = "trampoline", .group = "smc",
	  .summary = "a consumer always calls a fixed trampoline, which invalidates and re-points itself to new code",
	  .run = trampoline_run, .min_cores = 2, .iterations = 500, .timeout_ms = 2000,
	  .injections = "repoint_old_target");
