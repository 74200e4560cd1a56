/*
 * Scenario 7, publish by pointer, never in place (what the JIT literature recommends): code is never
 * rewritten where a core may be running it. Core 0 writes each generation g into block g % RING_BLOCKS of
 * a ring, maintains it (DC CVAU; DSB ISH; IC IVAU; DSB ISH; ISB), and publishes an indirect-branch
 * target, a 64-bit word (generation << 16) | ring offset, with handoff_code_publish (DSB ISH; STR; SEV).
 *
 * Every other core (a consumer) loads the word before each call; when its generation differs from the
 * last one it saw, it loads it again and ISBs after a control dependency on that load
 * (handoff_code_acquire), store-releases that generation into its own "last seen" counter (alone on its
 * cache line), then calls through the word. Core 0
 * reuses a block only once every consumer's counter has moved past the generation the block held: from
 * then on no consumer can call it.
 *
 * Each block returns its generation, so a consumer knows what it ran: the generation it loaded (new),
 * an older generation of the same block (stale: FORBIDDEN), anything else (FORBIDDEN).
 */
#include "arena.h"
#include "handoff.h"
#include "icache.h"
#include "insn.h"
#include "round_budget.h"
#include "suite.h"
#include "timer.h"

#define RING_OFFSET	     0x100000
#define RING_BLOCKS	     4
#define BLOCK_SIZE	     0x1000
#define FN_BYTES	     12 /* MOVZ W0; MOVK W0, LSL 16; RET */
#define WORD_GEN_SHIFT	     16
#define WORD_OFFSET_MASK     0xffffu
#define DEADLINE_CHECK_EVERY 64
#define MAX_DELAY_TICKS	     64
#define MAX_SHOWN	     3

struct consumer {
	struct handoff_seq seen; /* the generation it last loaded, store-released: alone on its line */
	uint64_t calls, new_code, stale, other, generations, timeouts;
	uint64_t bad_gen[MAX_SHOWN];
	uint32_t bad_value[MAX_SHOWN];
} __attribute__((aligned(64)));

struct publish_by_pointer {
	struct handoff_seq word;     /* the published target */
	volatile uint64_t final_gen; /* lowered when the time budget ends the run early */
	uint64_t wait_us;
	volatile bool stop;
	size_t block_offset[RING_BLOCKS]; /* where in its block each block's code goes (from the seed) */
	struct consumer consumers[MAX_CORES];
};

static struct publish_by_pointer pbp;

static void write_generation(unsigned block, uint32_t gen)
{
	uint32_t *code = arena_rw(RING_OFFSET + block * BLOCK_SIZE + pbp.block_offset[block]);
	code[0] = insn_movz_w(0, (uint16_t)gen);
	code[1] = insn_movk_w(0, (uint16_t)(gen >> 16), 1);
	code[2] = INSN_RET;
	icache_sync_range(code, FN_BYTES);
}

static uint64_t word_of(uint64_t gen)
{
	unsigned block = (unsigned)(gen % RING_BLOCKS);
	return gen << WORD_GEN_SHIFT | (block * BLOCK_SIZE + pbp.block_offset[block]);
}

/*
 * Load the published word; if its generation is not last, load it again through handoff_code_acquire
 * (load, control dependency on it, ISB: a routine image's selfmod_user_acquire), so the code published with
 * that word is fetched afresh, then store-release its generation into *seen.
 */
static inline uint64_t load_target(volatile uint64_t *word, uint64_t last, volatile uint64_t *seen)
{
	uint64_t w = *word;
	if (w >> WORD_GEN_SHIFT == last)
		return w;
	w = handoff_code_acquire(word, w);
	__atomic_store_n(seen, w >> WORD_GEN_SHIFT, __ATOMIC_RELEASE);
	return w;
}

static void consumer_run(void *arg)
{
	struct consumer *c = arg;
	uint64_t last = 0, deadline = deadline_after_us(pbp.wait_us);
	for (;;) {
		uint64_t w = load_target(&pbp.word.value, last, &c->seen.value);
		uint64_t gen = w >> WORD_GEN_SHIFT;
		if (gen != last) {
			c->generations++;
			last = gen;
			deadline = deadline_after_us(pbp.wait_us);
		}
		uint32_t got = ((code_fn)arena_rx(RING_OFFSET + (w & WORD_OFFSET_MASK)))();
		c->calls++;
		uint64_t bad = c->stale + c->other;
		if (got == (uint32_t)gen)
			c->new_code++;
		else if (got < gen && (got == 0 || (gen - got) % RING_BLOCKS == 0))
			c->stale++; /* an older generation of the same block (0: the block's first contents) */
		else
			c->other++;
		if (c->stale + c->other > bad && bad < MAX_SHOWN) {
			c->bad_gen[bad] = gen;
			c->bad_value[bad] = got;
		}
		if (gen == pbp.final_gen || pbp.stop)
			return;
		cpu_relax(); /* YIELD: lets a single-threaded emulator run the writer */
		if (c->calls % DEADLINE_CHECK_EVERY == 0 && deadline_passed(deadline)) {
			c->timeouts++;
			return;
		}
	}
}

/* Whether every consumer's last seen generation is at least want (the load-acquire orders the block's
   rewrite after the consumer's last call of it). */
static bool consumers_reached(unsigned n, uint64_t want)
{
	for (unsigned i = 0; i < n; i++)
		if (__atomic_load_n(&pbp.consumers[i].seen.value, __ATOMIC_ACQUIRE) < want)
			return false;
	return true;
}

static bool wait_consumers(unsigned n, uint64_t want)
{
	uint64_t deadline = deadline_after_us(pbp.wait_us);
	while (!consumers_reached(n, want)) {
		if (deadline_passed(deadline))
			return false;
		cpu_relax();
	}
	return true;
}

static void spin_ticks(uint64_t ticks)
{
	uint64_t end = timer_ticks() + ticks;
	while (timer_ticks() < end)
		cpu_relax();
}

static void publish_by_pointer_run(struct test *t)
{
	unsigned idx[MAX_CORES], n;
	void *args[MAX_CORES];
	bool before_write = test_injected(t, "publish_before_write");
	pbp = (struct publish_by_pointer){.final_gen = t->iterations, .wait_us = t->tc->timeout_ms * 1000};
	for (unsigned b = 0; b < RING_BLOCKS; b++) {
		pbp.block_offset[b] = (size_t)(test_random(t) % ((BLOCK_SIZE - FN_BYTES) / 4)) * 4;
		write_generation(b, 0);
	}
	for (unsigned i = 0; i < MAX_CORES; i++)
		args[i] = &pbp.consumers[i];
	report_info(t, "architecture: a consumer that loaded generation g and ISBed after a control dependency "
		       "must run g; an older generation of its block (stale) or anything else is FORBIDDEN "
		       "(Arm ARM B2.2.5; herd MP.RF+cachesync+ctrlisb)");
	/* Generation 1 before anyone looks: the consumers start with something to call. */
	write_generation(1, 1);
	__atomic_store_n(&pbp.word.value, word_of(1), __ATOMIC_RELEASE);
	n = test_start_on_cores(t, consumer_run, args, MAX_CORES, idx);
	uint64_t start = timer_ticks(), budget = round_budget_end(), reuse_waits = 0, gen;
	bool timed_out = false;
	for (gen = 2; gen <= pbp.final_gen && !timed_out && timer_ticks() < budget; gen++) {
		unsigned block = (unsigned)(gen % RING_BLOCKS);
		/* The block held generation gen - RING_BLOCKS: reuse it once every consumer has moved past that. */
		if (gen > RING_BLOCKS) {
			reuse_waits += !consumers_reached(n, gen - RING_BLOCKS + 1);
			timed_out = !wait_consumers(n, gen - RING_BLOCKS + 1);
		}
		if (before_write) {
			/* The deliberate defect: the pointer is published first, and the code written only once every
			   consumer has loaded it, so each of them calls the block's previous contents. */
			__atomic_store_n(&pbp.word.value, word_of(gen), __ATOMIC_RELEASE);
			timed_out |= !wait_consumers(n, gen);
			write_generation(block, (uint32_t)gen);
		} else {
			write_generation(block, (uint32_t)gen);
			/* A routine image's selfmod_user_publish. */
			handoff_code_publish(&pbp.word.value, word_of(gen));
		}
		spin_ticks(test_random(t) % MAX_DELAY_TICKS);
	}
	if (!timed_out && gen <= pbp.final_gen) {
		report_info(t, "time budget reached after %llu of %llu generations", (unsigned long long)(gen - 1),
			    (unsigned long long)pbp.final_gen);
		pbp.final_gen = gen - 1; /* consumers stop once they have called the last one published */
	}
	if (timed_out) {
		report_timeout(t, "generation %llu: every consumer moved past the block's previous generation",
			       (unsigned long long)gen - 1);
		pbp.stop = true;
	}
	test_join_cores(t, idx, n, test_deadline(t));
	uint64_t ticks = timer_ticks() - start;
	for (unsigned i = 0; i < n; i++) {
		const struct consumer *c = &pbp.consumers[i];
		report(t, c->new_code == c->calls && c->calls && !c->timeouts,
		       "core %u: the loaded generation ran in %llu of %llu calls (stale %llu, other %llu); %llu "
		       "generations seen",
		       idx[i], (unsigned long long)c->new_code, (unsigned long long)c->calls,
		       (unsigned long long)c->stale, (unsigned long long)c->other, (unsigned long long)c->generations);
		for (unsigned k = 0; k < MAX_SHOWN && k < c->stale + c->other; k++)
			report_info(t, "core %u: loaded generation %llu, ran generation %u (%s)", idx[i],
				    (unsigned long long)c->bad_gen[k], c->bad_value[k],
				    c->bad_value[k] < c->bad_gen[k] ? "stale: the block's older contents" : "other");
		if (c->timeouts)
			report_info(t, "core %u saw no new generation for %llu ms", idx[i],
				    (unsigned long long)t->tc->timeout_ms);
	}
	report_info(t,
		    "%llu generations through %u blocks to %u consumers (reuse waited for a consumer %llu times) in "
		    "%llu ms: %llu generations/s",
		    (unsigned long long)(gen - 1), RING_BLOCKS, n, (unsigned long long)reuse_waits,
		    (unsigned long long)(ticks_to_us(ticks) / 1000),
		    (unsigned long long)(ticks ? (gen - 1) * timer_freq() / ticks : 0));
}

TEST_CASE(440, publish_by_pointer_case, .name = "publish_by_pointer", .group = "smc",
	  .summary = "a ring of code blocks; the target is published (DSB ISH; STR; SEV); blocks reused only "
		     "when every consumer moved past them",
	  .run = publish_by_pointer_run, .min_cores = 2, .iterations = 2000, .timeout_ms = 2000,
	  .injections = "publish_before_write");
