#include "publish.h"

#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "checker_expect.h"

/* Said instead of the plan's name when only a VIPT I-cache lets the IC miss the executing alias: the QEMU
   checker models a PIPT instruction side, so tests/checked.py reports such a case as outside its model. */
#define CHECKER_VIPT_ALIAS "VIPT I-cache alias, outside the checker's PIPT model"
#include "errata.h"
#include "handoff.h"
#include "icache.h"
#include "insn.h"
#include "pipeline_sync.h"
#include "round_budget.h"
#include "sysreg.h"
#include "timer.h"

/*
 * The function: 31 NOPs, MOVZ W0 #tag at byte 124 (the end of the second 64-byte line, the fourth
 * 32-byte line), RET at 128 (the third line). Only the MOVZ changes between rounds, so maintenance
 * that skips its line (a partial range, a doubled stride) leaves it stale.
 */
#define FN_NOPS		31
#define FN_BYTES	((FN_NOPS + 2) * 4)
#define SLOT_BASE	0x40000 /* arena offsets 0x40000-0x4ffff: this engine's */
#define SLOT_STRIDE	0x4000
#define MAX_BAD_SHOWN	3
#define MAX_DELAY_SPINS 64

enum role { ROLE_HELPER, ROLE_READER, ROLE_LOAD };

struct pub_core {
	const struct pub_run *run;
	enum role role;
	uint64_t rng;
	struct handoff_seq done;
	uint64_t new_code, stale, other, missed;
	uint64_t bad_round[MAX_BAD_SHOWN];
	uint32_t bad_value[MAX_BAD_SHOWN];
} __attribute__((aligned(64)));

struct pub_run {
	const struct pub_plan *plan;
	uint64_t rounds, wait_us;
	size_t slot_offset[2];
	bool stale_reader;
	unsigned sync_failures;
	struct handoff_seq to_helper, to_readers, stop_load;
	struct pub_core core[MAX_CORES];
};

static struct pub_run run;

static enum pub_alias run_alias(const struct pub_plan *p)
{
	return p->run_nc ? VIA_NC : p->run_skew ? VIA_RX_SKEW : VIA_RX;
}

static uint16_t tag(uint64_t round)
{
	return (uint16_t)round;
}

static uintptr_t slot_va(const struct pub_run *r, unsigned slot, enum pub_alias via)
{
	size_t off = r->slot_offset[slot];
	switch (via) {
	case VIA_RX: return arena_rx(off);
	case VIA_NC: return arena_nc(off);
	case VIA_RX_SKEW: return arena_rx_skew(off);
	case VIA_RW: break;
	}
	return (uintptr_t)arena_rw(off);
}

static void write_function(const struct pub_run *r, unsigned slot, uint16_t value)
{
	volatile uint32_t *code = (volatile uint32_t *)slot_va(r, slot, r->plan->write_nc ? VIA_NC : VIA_RW);
	for (unsigned i = 0; i < FN_NOPS; i++)
		code[i] = INSN_NOP;
	code[FN_NOPS] = insn_movz_w(0, value);
	code[FN_NOPS + 1] = INSN_RET;
}

/* The lines a step covers: first address, count and step. line: the system-safe size of the step's
   kind; core0_line: core 0's own size of that kind (DminLine for DC, IminLine for IC). */
static size_t span_lines(enum pub_span span, uintptr_t va, unsigned line, unsigned core0_line, uintptr_t *first,
			 uintptr_t *step)
{
	size_t n;
	*step = line;
	switch (span) {
	case SPAN_FIRST_LINE: return cache_lines_covering(va, 1, line, first);
	case SPAN_DOUBLE_STRIDE:
		n = cache_lines_covering(va, FN_BYTES, line, first);
		*step = 2 * (uintptr_t)line;
		return (n + 1) / 2;
	case SPAN_FIXED_64: *step = 64; return cache_lines_covering(va, FN_BYTES, 64, first);
	case SPAN_CORE0_LINE: *step = core0_line; return cache_lines_covering(va, FN_BYTES, core0_line, first);
	case SPAN_ALL: break;
	}
	return cache_lines_covering(va, FN_BYTES, line, first);
}

static void run_steps(struct pub_run *r, const struct pub_step *s, unsigned slot)
{
	struct cache_lines lines = icache_configuration();
	for (; s->op != P_END; s++) {
		uintptr_t va = slot_va(r, slot, (enum pub_alias)s->via), first, step;
		bool dc = s->op >= P_DC_CVAU && s->op <= P_DC_IVAC;
		size_t n =
		    span_lines((enum pub_span)s->span, va, dc ? lines.dline : lines.iline,
			       dc ? ctr_dline_bytes(cores[0].id.ctr) : ctr_iline_bytes(cores[0].id.ctr), &first, &step);
		switch ((enum pub_op)s->op) {
		case P_DC_CVAU: dc_clean_lines(ICACHE_CLEAN_POU, first, n, step); break;
		case P_DC_CVAC: dc_clean_lines(ICACHE_CLEAN_POC, first, n, step); break;
		case P_DC_CIVAC: dc_clean_lines(ICACHE_CLEAN_INVAL_POC, first, n, step); break;
		case P_DC_IVAC:
			/* A local copy, never in memory, so the address mark is right before the DC. */
			for (uintptr_t a = first; n; n--, a += step) {
				MAINT_ADDRESS_MARK(a);
				__asm__ volatile("dc ivac, %0" ::"r"(a) : "memory");
			}
			break;
		case P_IC_IVAU: ic_invalidate_lines(first, n, step); break;
		case P_IC_IALLUIS: ic_invalidate_all_is(); break;
		case P_DSB_ISH: dsb_ish(); break;
		case P_DSB_ISHST: dsb_ishst(); break;
		case P_ISB: isb(); break;
		case P_PIPELINE_SYNC: r->sync_failures += pipeline_sync_all_cores(deadline_after_us(r->wait_us)); break;
		case P_SYNC_RANGE: icache_sync_range((const void *)va, FN_BYTES); break;
		case P_END: break;
		}
	}
}

static void classify(struct pub_core *c, uint64_t round, uint32_t got)
{
	uint64_t bad = c->stale + c->other;
	if (got == tag(round))
		c->new_code++;
	else if (got == tag(round - 1) || (round >= 2 && got == tag(round - 2)))
		c->stale++;
	else
		c->other++;
	if (c->stale + c->other > bad && bad < MAX_BAD_SHOWN) {
		c->bad_round[bad] = round;
		c->bad_value[bad] = got;
	}
}

static bool wait_round(const struct pub_run *r, const struct handoff_seq *h, uint64_t round, bool with_isb)
{
	uint64_t deadline = deadline_after_us(r->wait_us);
	return with_isb ? handoff_wait(h, round, deadline) : handoff_wait_data(h, round, deadline);
}

static void random_delay(struct pub_core *c)
{
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	for (unsigned i = c->rng % MAX_DELAY_SPINS; i; i--)
		__asm__ volatile("" ::: "memory");
}

/* An exclusive pair that rewrites the word's own value (one attempt: no livelock against the writer,
   which stores the same NOP there), then a clean to PoC of its line from this core. */
static void exclusive_and_clean(uintptr_t a)
{
	uint32_t v, failed;
#ifdef SELFMOD_CHECKED
	/* The QEMU checker counts any store to a code line as new code, whatever its value: keep the
	   exclusive load and the CMO, drop the store (under QEMU the traffic changes nothing anyway). */
	(void)failed;
	__asm__ volatile("ldxr %w0, [%1]\n\tclrex" : "=&r"(v) : "r"(a) : "memory");
#else
	__asm__ volatile("ldxr %w0, [%2]\n\tstxr %w1, %w0, [%2]" : "=&r"(v), "=&r"(failed) : "r"(a) : "memory");
#endif
	MAINT_ADDRESS_MARK(a);
	__asm__ volatile("dc cvac, %0" ::"r"(a) : "memory");
}

/* The code's own lines: byte offsets of a word in each 64-byte line that never changes between rounds
   (a NOP, or past the RET), so the exclusive pair leaves the code as the writer wrote it. */
static const size_t same_line_words[] = {0, 64, FN_BYTES};

static void same_lines_body(struct pub_run *r)
{
	uint64_t deadline = deadline_after_us(r->wait_us * 4);
	while (!__atomic_load_n(&r->stop_load.value, __ATOMIC_ACQUIRE) && !deadline_passed(deadline)) {
		for (unsigned s = 0; s < 2; s++)
			for (unsigned w = 0; w < sizeof(same_line_words) / sizeof(same_line_words[0]); w++)
				exclusive_and_clean(slot_va(r, s, VIA_RW) + same_line_words[w]);
		cpu_relax();
	}
}

/* Background traffic: stores to every line around both code slots until the plan ends. */
static void load_body(struct pub_run *r)
{
	if (r->plan->load == LOAD_SAME_LINES) {
		same_lines_body(r);
		return;
	}
	uint64_t deadline = deadline_after_us(r->wait_us * 4);
	for (uint64_t n = 0; !__atomic_load_n(&r->stop_load.value, __ATOMIC_ACQUIRE); n++) {
		for (unsigned s = 0; s < 2; s++)
			for (size_t off = 0; off < SLOT_STRIDE; off += 64)
				if (off + 64 <= (r->slot_offset[s] & (SLOT_STRIDE - 1)) ||
				    off >= (r->slot_offset[s] & (SLOT_STRIDE - 1)) + FN_BYTES + 64)
					*(volatile uint64_t *)arena_rw(
					    (r->slot_offset[s] & ~(size_t)(SLOT_STRIDE - 1)) + off) = n;
		cpu_relax(); /* YIELD: a hint on silicon, a turn for the others under single-threaded QEMU */
		if (deadline_passed(deadline))
			return;
	}
}

static void core_body(void *arg)
{
	struct pub_core *c = arg;
	struct pub_run *r = &run;
	const struct pub_plan *p = r->plan;
	if (c->role == ROLE_LOAD) {
		load_body(r);
		return;
	}
	/* r->rounds shrinks when the writer runs out of time; it then publishes one round more to say so. */
	for (uint64_t round = 1; round <= __atomic_load_n(&r->rounds, __ATOMIC_ACQUIRE); round++) {
		test_progress(round - 1, r->rounds); /* core 0's role prints it */
		unsigned slot = (unsigned)(round % 2);
		if (c->role == ROLE_HELPER) {
			if (!wait_round(r, &r->to_helper, round, false))
				return;
			if (round > __atomic_load_n(&r->rounds, __ATOMIC_ACQUIRE))
				return;
			run_steps(r, p->helper, slot);
			handoff_ack(&c->done, round);
			continue;
		}
		if (!wait_round(r, &r->to_readers, round, !p->plain_wait)) {
			c->missed = r->rounds - round + 1;
			return;
		}
		if (round > __atomic_load_n(&r->rounds, __ATOMIC_ACQUIRE))
			return;
		run_steps(r, p->reader, slot);
		random_delay(c);
		/* The deliberate defect runs the other slot: the previous round's code. */
		unsigned run_slot = r->stale_reader ? 1 - slot : slot;
		classify(c, round, ((code_fn)slot_va(r, run_slot, run_alias(p)))());
		handoff_ack(&c->done, round);
	}
}

/* An erratum row tagged with this test (src/errata.c .scenario) applies to an online core. */
static bool waived(const char *test)
{
	for (unsigned i = 0; test && i < core_count; i++)
		for (unsigned e = 0; e < errata_count && cores[i].state == CORE_ONLINE; e++)
			if (errata[e].scenario && !strcmp(errata[e].scenario, test) &&
			    erratum_applies(&errata[e], cores[i].id.midr, cores[i].id.revidr, cores[i].id.ctr))
				return true;
	return false;
}

/* Whether a plan's steps of one kind (DC or IC) leave a line of [va, va+FN_BYTES) unmaintained. */
static bool steps_skip_lines(const struct pub_step *s, uintptr_t va, bool dc_kind, unsigned line, unsigned core0_line)
{
	for (; s->op != P_END; s++) {
		bool dc = s->op >= P_DC_CVAU && s->op <= P_DC_IVAC;
		if (dc != dc_kind || s->op == P_IC_IALLUIS || s->op > P_IC_IVAU)
			continue;
		uintptr_t first, step;
		size_t n = span_lines((enum pub_span)s->span, va, line, core0_line, &first, &step);
		if (verdict_lines_missed(first, n, step, va, FN_BYTES, line))
			return true;
	}
	return false;
}

/* The verdict for this plan on this system (src/verdict.c). A plan whose partial span happens to
   cover the whole function (lines as large as the function) is judged as complete. */
static bool stale_forbidden(const struct pub_plan *p)
{
	struct cache_lines l = icache_configuration();
	uint64_t ctr[MAX_CORES];
	unsigned n = 0;
	for (unsigned i = 0; i < core_count; i++)
		if (cores[i].state == CORE_ONLINE)
			ctr[n++] = cores[i].id.ctr;
	struct verdict_lines vl = verdict_lines_of(ctr, n);
	enum verdict_rule rule = p->rule;
	if (rule == RULE_LINES_SKIPPED) {
		bool skips = false;
		for (unsigned s = 0; s < 2; s++) {
			uintptr_t va = slot_va(&run, s, VIA_RW);
			skips |= (!l.idc && steps_skip_lines(p->writer, va, true, l.dline, vl.core0_dline)) ||
				 (!l.dic && steps_skip_lines(p->writer, va, false, l.iline, vl.core0_iline));
		}
		rule = skips ? RULE_LINES_SKIPPED : RULE_COMPLETE;
	}
	struct verdict_env env = {
	    .idc = l.idc,
	    .dic = l.dic,
	    .alias_index_differs =
		p->ic_other_alias &&
		verdict_alias_index_differs(slot_va(&run, 0, VIA_RW), slot_va(&run, 0, run_alias(p)), &vl),
	    .core0_dline_smallest = vl.core0_dline <= vl.min_dline,
	    .core0_iline_smallest = vl.core0_iline <= vl.min_iline,
	};
	return verdict_stale_forbidden(rule, env);
}

static void describe_steps(char *buf, size_t size, const char *who, const struct pub_step *s)
{
	static const char *const ops[] = {"",	       "DC CVAU", "DC CVAC",	"DC CIVAC",
					  "DC IVAC",   "IC IVAU", "IC IALLUIS", "DSB ISH",
					  "DSB ISHST", "ISB",	  "SGI sync",	"icache_sync_range"};
	static const char *const vias[] = {"", "@RX", "@NC", "@RX-skew"};
	static const char *const spans[] = {"", " first line", " stride x2", " stride 64", " core 0 stride"};
	size_t n = strlen(buf);
	n += (size_t)snprintf(buf + n, size - n, "%s%s:", n ? "; " : "", who);
	if (s->op == P_END)
		snprintf(buf + n, size - n, " nothing");
	for (; s->op != P_END && n < size; s++) {
		bool by_address = s->op <= P_IC_IVAU || s->op == P_SYNC_RANGE;
		n += (size_t)snprintf(buf + n, size - n, " %s%s%s,", ops[s->op], by_address ? vias[s->via] : "",
				      by_address ? spans[s->span] : "");
	}
	if (n && n < size && buf[n - 1] == ',')
		buf[n - 1] = 0;
}

/* Helper: a random other core when the plan has helper steps; the load: the last core, if one is spare. */
static unsigned assign_roles(struct test *t, const struct pub_plan *p, unsigned n, unsigned *load)
{
	unsigned helper = n;
	*load = p->load != LOAD_NONE && n >= 2 ? n - 1 : n;
	if (p->helper[0].op != P_END && *load >= 2)
		helper = (unsigned)(test_random(t) % *load);
	for (unsigned i = 0; i < n; i++) {
		enum role role = i == helper ? ROLE_HELPER : i == *load ? ROLE_LOAD : ROLE_READER;
		run.core[i] = (struct pub_core){.run = &run, .role = role, .rng = test_random(t) | 1};
	}
	return helper;
}

static void report_plan(struct test *t, const struct pub_plan *p, const unsigned *idx, unsigned n, uint64_t us)
{
	struct cache_lines l = icache_configuration();
	bool forbidden = stale_forbidden(p) && !waived(p->waived_by);
	char seq[200] = "";
	describe_steps(seq, sizeof(seq), "writer", p->writer);
	if (p->helper[0].op != P_END)
		describe_steps(seq, sizeof(seq), "helper", p->helper);
	describe_steps(seq, sizeof(seq), p->plain_wait ? "reader (no ISB)" : "reader (ctrl+ISB)", p->reader);
	report_info(t, "%s: %s", p->name, seq);
	report_info(t, "%s: rule '%s': %s", p->name, verdict_rules[p->rule].name, verdict_rules[p->rule].source);
	for (unsigned i = 0; i < n; i++) {
		const struct pub_core *c = &run.core[i];
		if (c->role != ROLE_READER)
			continue;
		/* Every round must have been seen; old code only counts against a forbidden rule. */
		bool ok = !c->missed && !run.sync_failures && (!forbidden || c->new_code == run.rounds);
		report(t, ok,
		       "%s, core %u: new %llu, stale %llu, other %llu of %llu rounds; stale %s here (IDC %d DIC %d)",
		       p->name, idx[i], (unsigned long long)c->new_code, (unsigned long long)c->stale,
		       (unsigned long long)c->other, (unsigned long long)run.rounds,
		       forbidden ? "FORBIDDEN" : "allowed", l.idc, l.dic);
		for (unsigned k = 0; k < MAX_BAD_SHOWN && k < c->stale + c->other; k++)
			report_info(t, "core %u round %llu: expected 0x%04x observed 0x%04x", idx[i],
				    (unsigned long long)c->bad_round[k], tag(c->bad_round[k]), c->bad_value[k]);
		if (c->missed)
			report_info(t, "core %u missed %llu rounds (no hand-off by the deadline)", idx[i],
				    (unsigned long long)c->missed);
	}
	if (run.sync_failures)
		report_info(t, "%s: %u cores did not acknowledge the SGI sync", p->name, run.sync_failures);
	for (unsigned i = 0; i < n; i++)
		if (run.core[i].role == ROLE_LOAD)
			report_info(
			    t, "%s: background load on core %u, %s cluster as the writer (MPIDR Aff1 %llu vs %llu)",
			    p->name, idx[i],
			    MPIDR_AFF1(cores[idx[i]].id.mpidr) == MPIDR_AFF1(cores[0].id.mpidr) ? "the same"
												: "another",
			    (unsigned long long)MPIDR_AFF1(cores[idx[i]].id.mpidr),
			    (unsigned long long)MPIDR_AFF1(cores[0].id.mpidr));
	report_info(t, "%s: %llu rounds in %llu us (%llu rounds/s)", p->name, (unsigned long long)run.rounds,
		    (unsigned long long)us, (unsigned long long)(us ? run.rounds * 1000000 / us : 0));
}

static void run_plan(struct test *t, const struct pub_plan *p, uint64_t budget_end)
{
	unsigned idx[MAX_CORES];
	void *args[MAX_CORES];
	unsigned others = cores_online() - 1;
	run.plan = p;
	run.rounds = t->iterations;
	run.wait_us = t->tc->timeout_ms * 1000;
	run.stale_reader = test_injected(t, "stale_reader");
	run.sync_failures = 0;
	run.to_helper.value = run.to_readers.value = run.stop_load.value = 0;
	for (unsigned s = 0; s < 2; s++) {
		/* A random line-aligned place in the slot's page, from the seed. */
		run.slot_offset[s] = SLOT_BASE + s * SLOT_STRIDE + (size_t)(test_random(t) % 32) * 64;
		write_function(&run, s, tag(0));
		icache_sync_range_with((void *)slot_va(&run, s, VIA_RW), FN_BYTES,
				       (struct icache_method){ICACHE_CLEAN_INVAL_POC, ICACHE_INVAL_BY_LINE});
	}
	unsigned load;
	unsigned helper = assign_roles(t, p, others, &load);
	if (p->load != LOAD_NONE && load == others)
		report_info(t, "%s: no core to spare for the background load: run without it", p->name);
	for (unsigned i = 0; i < others; i++)
		args[i] = &run.core[i];
	/* A sequence the architecture does not guarantee here must show the QEMU checker its hazards
	   (its nested results attribute them to this plan's first result). */
	if (!stale_forbidden(p))
		checker_expect_hazard(t, p->rule == RULE_IC_OTHER_ALIAS ? CHECKER_VIPT_ALIAS : p->name);
	unsigned n = test_start_on_cores(t, core_body, args, others, idx);
	uint64_t start = timer_ticks();
	for (uint64_t round = 1; round <= run.rounds; round++) {
		if (round > 1 && timer_ticks() >= budget_end) {
			/* Out of time (multi-threaded TCG): every core stops after the rounds done so far. */
			report_info(t, "%s: time budget reached after %llu of %llu rounds", p->name,
				    (unsigned long long)(round - 1), (unsigned long long)run.rounds);
			__atomic_store_n(&run.rounds, round - 1, __ATOMIC_RELEASE);
			handoff_publish_plain(&run.to_helper, round);
			handoff_publish_plain(&run.to_readers, round);
			break;
		}
		unsigned slot = (unsigned)(round % 2);
		uint64_t deadline = deadline_after_us(run.wait_us);
		write_function(&run, slot, tag(round));
		run_steps(&run, p->writer, slot);
		if (helper < n) {
			handoff_publish_plain(&run.to_helper, round);
			if (!handoff_wait_data(&run.core[helper].done, round, deadline))
				break;
		}
		handoff_publish_plain(&run.to_readers, round);
		bool all = true;
		for (unsigned i = 0; i < n; i++)
			if (run.core[i].role == ROLE_READER)
				all &= handoff_wait_data(&run.core[i].done, round, deadline);
		if (!all)
			break;
	}
	uint64_t us = ticks_to_us(timer_ticks() - start);
	handoff_publish_plain(&run.stop_load, 1);
	test_join_cores(t, idx, n, test_deadline(t));
	report_plan(t, p, idx, n, us);
}

void publish_run(struct test *t, const struct pub_plan *plans, unsigned n)
{
	uint64_t start = timer_ticks(), budget = round_budget_end();
	for (unsigned i = 0; i < n; i++) {
		bool needs_helper = plans[i].helper[0].op != P_END;
		if (cores_online() < (needs_helper ? 3u : 2u)) {
			report_skip(t, needs_helper ? "needs 3 cores" : "needs 2 cores", "%s", plans[i].name);
			continue;
		}
		run_plan(t, &plans[i], round_budget_share(start, budget, n, i));
	}
}
