/*
 * FP/SIMD state across interrupts. The firmware's C is -mgeneral-regs-only, the C library's is not
 * (picolibc's and newlib's memcpy, printf): interrupts taken while the library runs must give the
 * interrupted code its FP/SIMD registers, FPCR and FPSR back (boot/vectors.S saves and restores them;
 * the Arm ARM, D1.10 "Exception entry", saves none of them on exception entry). Every round runs the
 * library (memcpy, snprintf, memcmp) inside fp_guarded_call, which makes d8-d15 and FPCR live, while
 * the EL1 physical timer interrupts it every few microseconds with a handler that overwrites every
 * FP/SIMD register (fp_clobber). The library's results and the live registers must come back intact.
 * inject=fp_state_lost: the handler also overwrites the saved state, as a vector path without
 * save/restore would leave it.
 */
#include <stdio.h>
#include <string.h>

#include "board.h"
#include "cpu.h"
#include "deadline.h"
#include "exceptions.h"
#include "irq.h"
#include "suite.h"
#include "timer.h"

#define COPY_BYTES	     4096
#define TICK_MIN_US	     3
#define TICK_SPREAD_US	     16
#define FP_FILL		     0xff00ff00ff00ff00ULL
#define MIN_TICKS_IN_LIBRARY 10
#define EXTRA_ROUNDS_MS	     5000 /* more rounds, until enough interrupts landed inside the library */

uint64_t fp_guarded_call(void (*fn)(void *), void *arg, uint64_t seed);
void fp_clobber(void);

struct fp_round {
	uint8_t src[COPY_BYTES], dst[COPY_BYTES], filled[COPY_BYTES];
	char expected[160], printed[160];
	unsigned bad_fills, bad_copies, bad_prints;
};

static struct fp_round round_data;
static volatile bool in_library;
static volatile unsigned ticks, ticks_in_library;
static volatile uint64_t last_outside_elr; /* where the last interrupt outside the library landed */
static uint64_t outer_deadline, tick_seed;
static unsigned tick_core;
static bool lose_state;
static irq_fn previous_timer_handler;

static void arm_tick(void)
{
	tick_seed = tick_seed * 6364136223846793005ULL + 1442695040888963407ULL;
	uint64_t us = TICK_MIN_US + (tick_seed >> 33) % TICK_SPREAD_US;
	deadline_arm(timer_ticks() + us * timer_freq() / 1000000);
}

static void on_tick(struct exception_frame *frame, unsigned irq)
{
	/* Another core's deadline, or this test's own: handled as usual (abandoned). */
	if (this_core() != tick_core || (outer_deadline && deadline_passed(outer_deadline))) {
		previous_timer_handler(frame, irq);
		return;
	}
	ticks++;
	if (in_library)
		ticks_in_library++;
	else
		last_outside_elr = frame->elr;
	fp_clobber();
	if (lose_state) {
		struct fp_state *s = exception_fp_state(frame);
		for (unsigned i = 0; i < 32; i++)
			s->q[i][0] = s->q[i][1] = FP_FILL;
		s->fpcr = 0;
	}
	arm_tick();
}

static void print_round(char *buf, size_t size, const struct fp_round *r, unsigned n)
{
	snprintf(buf, size, "round %u: %08x %llu %-12s|%5d|%#llx %s", n, (unsigned)r->src[n % COPY_BYTES],
		 (unsigned long long)n * 0x10001ULL, "selfmod", -(int)n, (unsigned long long)n << 20, "end");
}

static unsigned round_number;

static void library_round(void *arg)
{
	struct fp_round *r = arg;
	unsigned n = round_number;
	uint8_t fill = (uint8_t)(n * 37 + 1);
	in_library = true;
	memset(r->filled, fill, sizeof(r->filled)); /* newlib's: DUP to a vector register, STP of it */
	memcpy(r->dst, r->src, sizeof(r->src));
	print_round(r->printed, sizeof(r->printed), r, n);
	in_library = false;
	unsigned wrong = 0;
	for (unsigned i = 0; i < COPY_BYTES; i++)
		wrong += r->filled[i] != fill;
	r->bad_fills += wrong != 0;
	r->bad_copies += memcmp(r->dst, r->src, sizeof(r->src)) != 0;
	r->bad_prints += strcmp(r->printed, r->expected) != 0;
}

static void fp_state_run(struct test *t)
{
	if (!deadline_available()) {
		test_skip(t, "this board has no interrupt controller the suite drives");
		return;
	}
	struct fp_round *r = &round_data;
	memset(r, 0, sizeof(*r));
	for (unsigned i = 0; i < COPY_BYTES; i++)
		r->src[i] = (uint8_t)test_random(t);
	unsigned lost_rounds = 0;
	uint64_t lost_mask = 0;
	lose_state = test_injected(t, "fp_state_lost");
	outer_deadline = deadline_armed();
	tick_seed = test_random(t);
	ticks = ticks_in_library = 0;
	tick_core = this_core();
	irq_disable();
	previous_timer_handler = irq_register(BOARD_IRQ_TIMER, on_tick);
	arm_tick();
	irq_enable();
	/* At least the iterations; then, on a loaded host where the timer's interrupts keep landing
	   outside the library, more rounds for up to EXTRA_ROUNDS_MS. */
	uint64_t rounds, extra_end = 0;
	for (rounds = 0; rounds < t->iterations || ticks_in_library < MIN_TICKS_IN_LIBRARY; rounds++) {
		if (rounds == t->iterations)
			extra_end = deadline_after_us(EXTRA_ROUNDS_MS * 1000);
		if (extra_end && deadline_passed(extra_end))
			break;
		test_progress(rounds, t->iterations);
		round_number = (unsigned)rounds;
		print_round(r->expected, sizeof(r->expected), r, round_number);
		uint64_t mask = fp_guarded_call(library_round, r, test_random(t));
		lost_rounds += mask != 0;
		lost_mask |= mask;
	}
	irq_disable(); /* no tick between giving the timer back and restoring the test's deadline */
	if (outer_deadline)
		deadline_arm(outer_deadline);
	else
		deadline_disarm();
	irq_register(BOARD_IRQ_TIMER, previous_timer_handler);
	irq_enable();

	if (!report(t, ticks_in_library >= MIN_TICKS_IN_LIBRARY,
		    "interrupts taken while the C library ran: %u of %u (at least %u needed)", ticks_in_library, ticks,
		    MIN_TICKS_IN_LIBRARY))
		report_info(t, "the last interrupt outside the library was taken at ELR=0x%llx",
			    (unsigned long long)last_outside_elr);
	if (!report(t, lost_rounds == 0, "d8-d15 and FPCR, live across the interrupts, come back intact (%llu rounds)",
		    (unsigned long long)rounds))
		report_info(t, "lost in %u rounds; changed: mask 0x%llx (bit i: d(8+i), bit 8: FPCR)", lost_rounds,
			    (unsigned long long)lost_mask);
	report(t, r->bad_fills == 0 && r->bad_copies == 0 && r->bad_prints == 0,
	       "the library's results in %llu rounds: %u memset, %u memcpy, %u snprintf wrong",
	       (unsigned long long)rounds, r->bad_fills, r->bad_copies, r->bad_prints);
}

TEST_CASE(170, fp_state_case, .name = "fp_state", .group = "selftest",
	  .summary = "interrupts taken while the C library runs give back its FP/SIMD registers, FPCR and FPSR",
	  .run = fp_state_run, .min_cores = 1, .iterations = 3000, .timeout_ms = 10000, .injections = "fp_state_lost");
