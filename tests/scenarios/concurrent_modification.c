/*
 * Scenario 6, concurrent modification: every other core (an executor) runs a generated loop whose
 * patch site core 0 swaps between two encodings while they run it, with nothing but
 * STR; DC CVAU; DSB ISH; IC IVAU; DSB ISH (no hand-off, no ISB on the executors).
 *
 * Arm ARM B2.2.5 (concurrent modification and execution of instructions): when both the old and the
 * new instruction are among B, BL, BRK, HVC, ISB, NOP, SMC, SVC (newer text adds B.cond, CBZ, CBNZ,
 * TBZ, TBNZ, where the old condition may be used with the new target or the new condition with the
 * old target), each execution behaves as the old or the new instruction or one of those two mixes:
 * any other path, or a fault, is FORBIDDEN (so for B.NE A <-> B.EQ B, path A, B.EQ's condition with
 * B.NE's target, is allowed). Any other pair is CONSTRAINED
 * UNPREDICTABLE (anything an EL1 instruction sequence could do): its counts are an observation,
 * reported "ok ... # SKIP observation only", never a pass and never a failure.
 *
 * The loop sets X5 = 0 (so CBZ/TBZ X5 are taken), Z = 1 (B.EQ taken, B.NE not) and X8 = 10, then runs
 * the site, then counts which of three paths it took: A and B (branch targets, or X8 = 11 / 9 after
 * the ADD/SUB pair) and F (fall through). The table below says which path each pair may take.
 */
#include <stdio.h>

#include "arena.h"
#include "checker_expect.h"
#include "handoff.h"
#include "icache.h"
#include "insn.h"
#include "round_budget.h"
#include "suite.h"
#include "timer.h"

#define LOOP_OFFSET	 0x110000
#define CHUNK_ITERATIONS 16
#define MAX_DELAY_TICKS	 256
#define PROGRESS_CHUNKS	 2 /* chunks every executor runs after each write before the next one */

enum path { PATH_A, PATH_B, PATH_F, NPATHS };
static const char path_letter[NPATHS] = {'A', 'B', 'F'};

enum op { OP_B, OP_BL, OP_NOP, OP_ISB, OP_BEQ, OP_BNE, OP_CBZ, OP_CBNZ, OP_TBZ, OP_TBNZ, OP_ADD, OP_SUB };

struct op_info {
	const char *name;
	bool defined;	  /* in the set B2.2.5 guarantees (old or new) */
	bool branch;	  /* has a target */
	bool conditional; /* B.cond, CB(N)Z, TB(N)Z */
	bool taken;	  /* with X5 = 0, Z = 1 */
	enum path fall;	  /* where it goes when not taken (or not a branch) */
};

static const struct op_info ops[] = {
    [OP_B] = {"B", true, true, false, true, PATH_F},
    [OP_BL] = {"BL", true, true, false, true, PATH_F},
    [OP_NOP] = {"NOP", true, false, false, false, PATH_F},
    [OP_ISB] = {"ISB", true, false, false, false, PATH_F},
    [OP_BEQ] = {"B.EQ", true, true, true, true, PATH_F},
    [OP_BNE] = {"B.NE", true, true, true, false, PATH_F},
    [OP_CBZ] = {"CBZ X5", true, true, true, true, PATH_F},
    [OP_CBNZ] = {"CBNZ X5", true, true, true, false, PATH_F},
    [OP_TBZ] = {"TBZ X5[0]", true, true, true, true, PATH_F},
    [OP_TBNZ] = {"TBNZ X5[0]", true, true, true, false, PATH_F},
    [OP_ADD] = {"ADD X8+1", false, false, false, false, PATH_A}, /* X8 = 11: counted as A */
    [OP_SUB] = {"SUB X8-1", false, false, false, false, PATH_B}, /* X8 = 9: counted as B */
};

struct insn_spec {
	enum op op;
	enum path target; /* for branches */
};

struct pair {
	struct insn_spec old, new_;
};

/* Table-driven: each pair is swapped back and forth t->iterations times. */
static const struct pair pairs[] = {
    {{OP_B, PATH_A}, {OP_NOP, 0}},	  {{OP_B, PATH_A}, {OP_B, PATH_B}},	 {{OP_NOP, 0}, {OP_ISB, 0}},
    {{OP_BL, PATH_A}, {OP_B, PATH_B}},	  {{OP_BEQ, PATH_A}, {OP_NOP, 0}},	 {{OP_BEQ, PATH_A}, {OP_BEQ, PATH_B}},
    {{OP_BNE, PATH_A}, {OP_BEQ, PATH_B}}, {{OP_CBZ, PATH_A}, {OP_CBZ, PATH_B}},	 {{OP_CBZ, PATH_A}, {OP_CBNZ, PATH_B}},
    {{OP_TBZ, PATH_A}, {OP_TBZ, PATH_B}}, {{OP_TBZ, PATH_A}, {OP_TBNZ, PATH_B}}, {{OP_ADD, 0}, {OP_SUB, 0}},
};
#define NPAIRS (sizeof(pairs) / sizeof(pairs[0]))

/* The generated loop, by instruction index. */
enum {
	I_SAVE_LR,
	I_ZERO_A,
	I_ZERO_B,
	I_ZERO_F,
	I_LOOP,
	I_X6,
	I_X8,
	I_FLAGS,
	I_SITE,
	I_F,
	I_F_BEQ,
	I_F_CMP9,
	I_F_BEQ9,
	I_F_COUNT,
	I_F_NEXT,
	I_A,
	I_A_NEXT,
	I_B,
	I_NEXT,
	I_NEXT_BNE,
	I_STORE_A,
	I_STORE_B,
	I_STORE_F,
	I_RESTORE_LR,
	I_RET,
	LOOP_INSNS
};
static const unsigned path_index[NPATHS] = {I_A, I_B, I_F};

static int64_t to(unsigned from, unsigned index)
{
	return ((int64_t)index - (int64_t)from) * 4;
}

static uint32_t encode(struct insn_spec s)
{
	int64_t off = to(I_SITE, path_index[s.target]);
	switch (s.op) {
	case OP_B: return insn_b(off);
	case OP_BL: return insn_bl(off);
	case OP_NOP: return INSN_NOP;
	case OP_ISB: return INSN_ISB;
	case OP_BEQ: return insn_b_cond(COND_EQ, off);
	case OP_BNE: return insn_b_cond(COND_NE, off);
	case OP_CBZ: return insn_cbz_x(5, off);
	case OP_CBNZ: return insn_cbnz_x(5, off);
	case OP_TBZ: return insn_tbz(5, 0, off);
	case OP_TBNZ: return insn_tbnz(5, 0, off);
	case OP_ADD: return insn_add_x_imm(8, 8, 1);
	case OP_SUB: return insn_sub_x_imm(8, 8, 1);
	}
	return INSN_BRK_0;
}

/* void loop(uint64_t counts[3], uint64_t n): n iterations, each counting the path the site took. */
static void generate_loop(uint32_t *c, uint32_t site)
{
	c[I_SAVE_LR] = insn_mov_x(9, 30); /* a BL at the site overwrites X30 */
	c[I_ZERO_A] = insn_movz_x(2, 0, 0);
	c[I_ZERO_B] = insn_movz_x(3, 0, 0);
	c[I_ZERO_F] = insn_movz_x(4, 0, 0);
	c[I_LOOP] = insn_movz_x(5, 0, 0);
	c[I_X6] = insn_movz_x(6, 1, 0);
	c[I_X8] = insn_movz_x(8, 10, 0);
	c[I_FLAGS] = insn_cmp_x_imm(5, 0); /* Z = 1 */
	c[I_SITE] = site;
	c[I_F] = insn_cmp_x_imm(8, 11); /* after ADD: path A */
	c[I_F_BEQ] = insn_b_cond(COND_EQ, to(I_F_BEQ, I_A));
	c[I_F_CMP9] = insn_cmp_x_imm(8, 9); /* after SUB: path B */
	c[I_F_BEQ9] = insn_b_cond(COND_EQ, to(I_F_BEQ9, I_B));
	c[I_F_COUNT] = insn_add_x_imm(4, 4, 1);
	c[I_F_NEXT] = insn_b(to(I_F_NEXT, I_NEXT));
	c[I_A] = insn_add_x_imm(2, 2, 1);
	c[I_A_NEXT] = insn_b(to(I_A_NEXT, I_NEXT));
	c[I_B] = insn_add_x_imm(3, 3, 1);
	c[I_NEXT] = insn_subs_x_imm(1, 1, 1);
	c[I_NEXT_BNE] = insn_b_cond(COND_NE, to(I_NEXT_BNE, I_LOOP));
	c[I_STORE_A] = insn_str_x(2, 0, 0);
	c[I_STORE_B] = insn_str_x(3, 0, 8);
	c[I_STORE_F] = insn_str_x(4, 0, 16);
	c[I_RESTORE_LR] = insn_mov_x(30, 9);
	c[I_RET] = INSN_RET;
}

typedef void (*loop_fn)(uint64_t *counts, uint64_t n);

static enum path path_of(struct insn_spec s)
{
	return ops[s.op].branch && ops[s.op].taken ? s.target : ops[s.op].fall;
}

/* What the architecture allows on each path for this pair: a label, or NULL (forbidden). */
static void allowed_paths(const struct pair *p, const char *label[NPATHS])
{
	for (unsigned i = 0; i < NPATHS; i++)
		label[i] = NULL;
	const struct op_info *o = &ops[p->old.op], *n = &ops[p->new_.op];
	/* Both branches, one conditional: Arm ARM B2.2.5 lets the old condition go with the new target, or the
	   new condition with the old target. The writer swaps both ways, so each mix is reachable. */
	if (o->branch && n->branch && (o->conditional || n->conditional)) {
		label[o->taken ? p->new_.target : o->fall] = "old condition, new target";
		label[n->taken ? p->old.target : n->fall] = "new condition, old target";
	}
	label[path_of(p->new_)] = "new";
	label[path_of(p->old)] = path_of(p->old) == path_of(p->new_) ? "old/new" : "old";
}

static bool pair_defined(const struct pair *p)
{
	return ops[p->old.op].defined && ops[p->new_.op].defined;
}

static void describe(char *buf, size_t size, struct insn_spec s)
{
	if (ops[s.op].branch)
		snprintf(buf, size, "%s %c", ops[s.op].name, path_letter[s.target]);
	else
		snprintf(buf, size, "%s", ops[s.op].name);
}

struct executor {
	volatile uint64_t chunks; /* progress, read by core 0 */
	struct handoff_seq ack;
	uint64_t counts[NPAIRS][NPATHS], faults[NPAIRS], timeouts;
	struct fault_record fault;
} __attribute__((aligned(64)));

struct cmod {
	struct handoff_seq start; /* pair p + 1 may run */
	struct handoff_seq stop;  /* pair p + 1 is over */
	uint64_t wait_us;
	uint64_t swaps[NPAIRS];
	struct executor ex[MAX_CORES];
};

static struct cmod cm;

struct chunk {
	uint64_t counts[NPATHS];
};

static void run_chunk(void *arg)
{
	struct chunk *c = arg;
	((loop_fn)arena_rx(LOOP_OFFSET))(c->counts, CHUNK_ITERATIONS);
}

static void executor_run(void *arg)
{
	struct executor *e = arg;
	for (unsigned p = 0; p < NPAIRS; p++) {
		if (!handoff_wait(&cm.start, p + 1, deadline_after_us(cm.wait_us))) {
			e->timeouts++;
			return;
		}
		uint64_t deadline = deadline_after_us(cm.wait_us);
		while (__atomic_load_n(&cm.stop.value, __ATOMIC_ACQUIRE) < p + 1) {
			struct chunk c = {{0}};
			if (run_protected(run_chunk, &c, &e->fault))
				for (unsigned i = 0; i < NPATHS; i++)
					e->counts[p][i] += c.counts[i];
			else
				e->faults[p]++;
			__atomic_store_n(&e->chunks, e->chunks + 1, __ATOMIC_RELEASE);
			if (deadline_passed(deadline)) {
				e->timeouts++;
				return;
			}
			cpu_relax(); /* YIELD: lets a single-threaded emulator run the writer */
		}
		handoff_ack(&e->ack, p + 1);
	}
}

/* Wait until every executor has run PROGRESS_CHUNKS more chunks than it had at since[]. */
static bool wait_progress(unsigned n, uint64_t *since)
{
	uint64_t deadline = deadline_after_us(cm.wait_us);
	for (unsigned i = 0; i < n; i++) {
		while (__atomic_load_n(&cm.ex[i].chunks, __ATOMIC_ACQUIRE) < since[i] + PROGRESS_CHUNKS) {
			if (deadline_passed(deadline))
				return false;
			cpu_relax();
		}
		since[i] = cm.ex[i].chunks;
	}
	return true;
}

/* The patch: STR (a single 32-bit store, insn_store); DC CVAU (written alias); DSB ISH; IC IVAU (executing alias); DSB
 * ISH. */
static void patch_site(uint32_t insn)
{
	struct cache_lines l = icache_configuration();
	volatile uint32_t *site = arena_rw(LOOP_OFFSET + I_SITE * 4);
	insn_store(site, insn); /* one STR: four STRB would pass through encodings neither old nor new */
	dc_clean_lines(ICACHE_CLEAN_POU, (uintptr_t)site & ~(uintptr_t)(l.dline - 1), 1, l.dline);
	dsb_ish();
	ic_invalidate_lines(arena_rx(LOOP_OFFSET + I_SITE * 4) & ~(uintptr_t)(l.iline - 1), 1, l.iline);
	dsb_ish();
}

static void spin_ticks(uint64_t ticks)
{
	uint64_t end = timer_ticks() + ticks;
	while (timer_ticks() < end)
		cpu_relax();
}

static void report_pair(struct test *t, unsigned p, unsigned n)
{
	const struct pair *pr = &pairs[p];
	const char *label[NPATHS];
	char old[24], new_[24], counts[120];
	uint64_t total[NPATHS] = {0}, faults = 0, forbidden = 0;
	size_t len = 0;
	allowed_paths(pr, label);
	describe(old, sizeof(old), pr->old);
	describe(new_, sizeof(new_), pr->new_);
	for (unsigned i = 0; i < n; i++) {
		faults += cm.ex[i].faults[p];
		for (unsigned k = 0; k < NPATHS; k++)
			total[k] += cm.ex[i].counts[p][k];
	}
	for (unsigned k = 0; k < NPATHS; k++) {
		if (!label[k])
			forbidden += total[k];
		len +=
		    (size_t)snprintf(counts + len, sizeof(counts) - len, "%s%c %s %llu", k ? ", " : "", path_letter[k],
				     label[k]		? label[k]
				     : pair_defined(pr) ? "FORBIDDEN"
							: "other",
				     (unsigned long long)total[k]);
	}
	if (!pair_defined(pr)) {
		report_skip(t, "observation only", "%s <-> %s (CONSTRAINED UNPREDICTABLE): %s, faults %llu; %llu swaps",
			    old, new_, counts, (unsigned long long)faults, (unsigned long long)cm.swaps[p]);
		return;
	}
	report(t, forbidden == 0 && faults == 0, "%s <-> %s: %s, faults %llu; %llu swaps", old, new_, counts,
	       (unsigned long long)faults, (unsigned long long)cm.swaps[p]);
}

static uint64_t executor_faults(const struct executor *e)
{
	uint64_t f = 0;
	for (unsigned p = 0; p < NPAIRS; p++)
		f += e->faults[p];
	return f;
}

static void concurrent_modification_run(struct test *t)
{
	unsigned idx[MAX_CORES], n;
	void *args[MAX_CORES];
	uint64_t since[MAX_CORES] = {0};
	bool outside = test_injected(t, "patch_outside_pair");
	cm = (struct cmod){.wait_us = t->tc->timeout_ms * 1000};
	for (unsigned i = 0; i < MAX_CORES; i++)
		args[i] = &cm.ex[i];
	report_info(t, "architecture (Arm ARM B2.2.5): old and new both in {B, BL, ISB, NOP, B.cond, CBZ, CBNZ, "
		       "TBZ, TBNZ}: each run is old or new");
	report_info(t, "(a conditional branch may use the old condition with the new target); any other path or "
		       "a fault is FORBIDDEN; other pairs: observation");
	checker_expect_hazard(t, "the executors run the site while it is patched, with no synchronisation: "
				 "old or new is what the architecture allows");
	n = test_start_on_cores(t, executor_run, args, MAX_CORES, idx);
	uint64_t start = timer_ticks(), budget = round_budget_end(), swaps = 0;
	bool ok = true, cut = false;
	unsigned p;
	for (p = 0; p < NPAIRS && ok; p++) {
		const struct pair *pr = &pairs[p];
		uint32_t old = encode(pr->old), new_ = encode(pr->new_);
		if (outside) {
			/* The deliberate defect: a B to a path neither the old nor the new instruction takes. */
			const char *label[NPATHS];
			allowed_paths(pr, label);
			for (unsigned k = 0; k < NPATHS; k++)
				if (!label[k])
					new_ = encode((struct insn_spec){OP_B, (enum path)k});
		}
		generate_loop(arena_rw(LOOP_OFFSET), old);
		icache_sync_range(arena_rw(LOOP_OFFSET), LOOP_INSNS * 4);
		handoff_publish(&cm.start, p + 1);
		ok = wait_progress(n, since);
		uint64_t share_end = round_budget_share(start, budget, NPAIRS, p);
		for (uint64_t s = 1; s <= t->iterations && ok && timer_ticks() < share_end; s++) {
			test_progress(p * t->iterations + s - 1, NPAIRS * t->iterations);
			spin_ticks(test_random(t) % MAX_DELAY_TICKS);
			patch_site(s % 2 ? new_ : old);
			cm.swaps[p]++;
			ok = wait_progress(n, since);
		}
		swaps += cm.swaps[p];
		cut |= cm.swaps[p] < t->iterations;
		handoff_publish(&cm.stop, p + 1);
		uint64_t deadline = deadline_after_us(cm.wait_us);
		for (unsigned i = 0; i < n; i++)
			ok &= handoff_wait_data(&cm.ex[i].ack, p + 1, deadline);
	}
	if (!ok)
		report_timeout(t, "pair %u: every executor made progress within %llu ms", p,
			       (unsigned long long)t->tc->timeout_ms);
	uint64_t ticks = timer_ticks() - start;
	if (cut)
		report_info(t, "time budget: some pairs ran fewer than %llu swaps (see each line)",
			    (unsigned long long)t->iterations);
	test_join_cores(t, idx, n, test_deadline(t));
	for (unsigned q = 0; q < p; q++)
		report_pair(t, q, n);
	for (unsigned i = 0; i < n; i++)
		if (executor_faults(&cm.ex[i])) {
			char why[160];
			fault_describe(&cm.ex[i].fault, why, sizeof(why));
			report_info(t, "executor core %u, last fault: %s", idx[i], why);
		}
	report_info(t, "%llu swaps of %u pairs while %u cores ran the site, in %llu ms: %llu swaps/s",
		    (unsigned long long)swaps, p, n, (unsigned long long)(ticks_to_us(ticks) / 1000),
		    (unsigned long long)(ticks ? swaps * timer_freq() / ticks : 0));
}

TEST_CASE(430, concurrent_modification_case, .name = "concurrent_modification", .group = "smc",
	  .summary = "other cores run a loop while core 0 swaps its instruction between two encodings; only "
		     "old or new may run",
	  .run = concurrent_modification_run, .min_cores = 2, .iterations = 200, .timeout_ms = 2000,
	  .injections = "patch_outside_pair");
