/*
 * Probes for the QEMU checker: one correct maintenance sequence and the
 * weakened ones that real code gets wrong. Each round first runs old code
 * after a correct sequence (so a real instruction cache holds it), then
 * writes new code, runs the sequence under test and calls the new code.
 *
 * Where this core's IDC/DIC let the architecture allow stale code after the
 * sequence, the case says "checker: expect hazard": on silicon running stale
 * code there is allowed (ok, counted); under QEMU it always runs the new code,
 * and tests/checked.py asserts that the plugin flagged it. The correct
 * sequence must run the new code everywhere and must show no hazard.
 */
#include "arena.h"
#include "checker_expect.h"
#include "cpu.h"
#include "handoff.h"
#include "icache.h"
#include "insn.h"
#include "suite.h"
#include "timer.h"
#include "verdict.h"

#define PROBE_OFFSET(i) (0x180000 + (size_t)(i)*0x1000) /* upper half of the arena: no other test uses it */
#define PROBE_INSNS	64				/* NOPs, MOVZ, RET: 256 bytes, four 64-byte lines */
#define PROBE_BYTES	(PROBE_INSNS * 4)
#define FIXED_STRIDE	128 /* a stride that skips every other 64-byte line */
#define WASMTIME_STRIDE 64  /* wasmtime's clear_cache: fixed, whatever CTR_EL0 says */

static void write_probe(uint32_t *p, uint16_t value)
{
	for (unsigned i = 0; i < PROBE_INSNS - 2; i++)
		p[i] = INSN_NOP;
	insn_write_return(p + PROBE_INSNS - 2, value);
}

static void dc_range(uintptr_t p, size_t len, unsigned step)
{
	uintptr_t first;
	size_t n = cache_lines_covering(p, len, step, &first);
	dc_clean_lines(ICACHE_CLEAN_POU, first, n, step);
}

static void ic_range(uintptr_t p, size_t len, unsigned step)
{
	uintptr_t first;
	size_t n = cache_lines_covering(p, len, step, &first);
	ic_invalidate_lines(first, n, step);
}

/* The sequences. l: the line sizes and IDC/DIC safe on every core. */
static void seq_correct(uintptr_t p, size_t len, struct cache_lines l)
{
	(void)l;
	icache_sync_range((const void *)p, len);
}

static void seq_no_dc(uintptr_t p, size_t len, struct cache_lines l)
{
	dsb_ish();
	ic_range(p, len, l.iline);
	dsb_ish();
	isb();
}

static void seq_no_ic(uintptr_t p, size_t len, struct cache_lines l)
{
	dc_range(p, len, l.dline);
	dsb_ish();
	isb();
}

static void seq_no_dsb_after_dc(uintptr_t p, size_t len, struct cache_lines l)
{
	dc_range(p, len, l.dline);
	ic_range(p, len, l.iline);
	dsb_ish();
	isb();
}

static void seq_no_isb(uintptr_t p, size_t len, struct cache_lines l)
{
	dc_range(p, len, l.dline);
	dsb_ish();
	ic_range(p, len, l.iline);
	dsb_ish();
}

static void seq_ic_before_dc(uintptr_t p, size_t len, struct cache_lines l)
{
	ic_range(p, len, l.iline);
	dsb_ish();
	dc_range(p, len, l.dline);
	dsb_ish();
	isb();
}

static void seq_fixed_stride(uintptr_t p, size_t len, struct cache_lines l)
{
	(void)l;
	dc_range(p, len, FIXED_STRIDE);
	dsb_ish();
	ic_range(p, len, FIXED_STRIDE);
	dsb_ish();
	isb();
}

static void seq_partial_range(uintptr_t p, size_t len, struct cache_lines l)
{
	(void)l;
	icache_sync_range((const void *)p, len / 2);
}

static void seq_wasmtime(uintptr_t p, size_t len, struct cache_lines l)
{
	(void)l;
	ic_range(p, len, WASMTIME_STRIDE);
	dsb_ish();
	isb();
}

/* Whether maintaining `maintained` bytes from p by `step` leaves a line of [p, p+PROBE_BYTES) out. */
static bool misses_lines(uintptr_t p, size_t maintained, unsigned step, unsigned line)
{
	uintptr_t first;
	size_t n = cache_lines_covering(p, maintained, step, &first);
	return verdict_lines_missed(first, n, step, p, PROBE_BYTES, line);
}

/* Which verdict rule (src/verdict.c) each sequence falls under on this system. */
static enum verdict_rule fixed_stride_rule(uintptr_t p, struct cache_lines l)
{
	bool skip = (!l.idc && misses_lines(p, PROBE_BYTES, FIXED_STRIDE, l.dline)) ||
		    (!l.dic && misses_lines(p, PROBE_BYTES, FIXED_STRIDE, l.iline));
	return skip ? RULE_LINES_SKIPPED : RULE_COMPLETE;
}
static enum verdict_rule partial_rule(uintptr_t p, struct cache_lines l)
{
	bool skip = (!l.idc && misses_lines(p, PROBE_BYTES / 2, l.dline, l.dline)) ||
		    (!l.dic && misses_lines(p, PROBE_BYTES / 2, l.iline, l.iline));
	return skip ? RULE_LINES_SKIPPED : RULE_COMPLETE;
}

struct probe_case {
	const char *name;
	void (*maintain)(uintptr_t p, size_t len, struct cache_lines l);
	enum verdict_rule rule;
	enum verdict_rule (*rule_here)(uintptr_t p, struct cache_lines l); /* when it depends on line sizes */
};

static const struct probe_case cases[] = {
    {"correct: DC CVAU, DSB ISH, IC IVAU, DSB ISH, ISB", seq_correct, RULE_COMPLETE, NULL},
    {"no DC: DSB ISH, IC IVAU, DSB ISH, ISB", seq_no_dc, RULE_NO_DC, NULL},
    {"no IC: DC CVAU, DSB ISH, ISB", seq_no_ic, RULE_NO_IC, NULL},
    {"no DSB after DC: DC CVAU, IC IVAU, DSB ISH, ISB", seq_no_dsb_after_dc, RULE_NO_DSB_AFTER_DC, NULL},
    {"no ISB: DC CVAU, DSB ISH, IC IVAU, DSB ISH", seq_no_isb, RULE_NO_ISB, NULL},
    {"IC before DC: IC IVAU, DSB ISH, DC CVAU, DSB ISH, ISB", seq_ic_before_dc, RULE_IC_BEFORE_DC, NULL},
    {"128-byte stride", seq_fixed_stride, RULE_LINES_SKIPPED, fixed_stride_rule},
    {"partial range: only the first half maintained", seq_partial_range, RULE_LINES_SKIPPED, partial_rule},
    {"wasmtime clear_cache: IC IVAU per 64 bytes, DSB ISH, ISB", seq_wasmtime, RULE_IC_ONLY, NULL},
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static uint16_t old_tag(uint64_t round)
{
	return (uint16_t)(round * 2 + 0x100);
}
static uint16_t new_tag(uint64_t round)
{
	return (uint16_t)(round * 2 + 0x101);
}

struct tally {
	uint64_t rounds, new_code, old_code, other, bad_setup;
};

static void count(struct tally *s, uint32_t got, uint64_t round)
{
	s->rounds++;
	s->new_code += got == new_tag(round);
	s->old_code += got == old_tag(round);
	s->other += got != new_tag(round) && got != old_tag(round);
}

/* Report one case: stale code is a failure only where the architecture forbids it. */
static void report_case(struct test *t, const char *name, bool allowed, const struct tally *s)
{
	bool all_new = s->new_code == s->rounds && !s->bad_setup;
	report(t, allowed ? !s->bad_setup : all_new, "%s: new code %llu of %llu (old %llu, other %llu)%s", name,
	       (unsigned long long)s->new_code, (unsigned long long)s->rounds, (unsigned long long)s->old_code,
	       (unsigned long long)s->other, allowed && !all_new ? " (allowed)" : "");
	if (s->bad_setup)
		report_info(t, "%s: the old code did not run after a correct sequence in %llu rounds", name,
			    (unsigned long long)s->bad_setup);
}

static void announce(struct test *t, bool allowed, enum verdict_rule rule)
{
	const struct verdict_rule_info *r = &verdict_rules[rule];
	report_info(t, "architecture: stale code is %s after this sequence here (rule '%s': %s)",
		    allowed ? "ALLOWED" : "FORBIDDEN", r->name, r->source);
	if (allowed)
		checker_expect_hazard(t, r->name);
}

static void run_same_core(struct test *t, unsigned i, struct cache_lines l)
{
	const struct probe_case *c = &cases[i];
	uint32_t *rw = arena_rw(PROBE_OFFSET(i));
	code_fn fn = (code_fn)arena_rx(PROBE_OFFSET(i));
	enum verdict_rule rule = c->rule_here ? c->rule_here((uintptr_t)rw, l) : c->rule;
	/* One core's probe: IDC/DIC as the system-safe configuration says (the same on every core here). */
	bool allowed = !verdict_stale_forbidden(rule, (struct verdict_env){.idc = l.idc, .dic = l.dic});
	struct tally s = {0};
	announce(t, allowed, rule);
	for (uint64_t r = 1; r <= t->iterations; r++) {
		write_probe(rw, old_tag(r));
		icache_sync_range(rw, PROBE_BYTES);
		s.bad_setup += fn() != old_tag(r);
		write_probe(rw, new_tag(r));
		c->maintain((uintptr_t)rw, PROBE_BYTES, l);
		count(&s, fn(), r);
	}
	report_case(t, c->name, allowed, &s);
}

/* Another core runs the code after the writer's correct sequence, but without an ISB of its own. */
struct reader_probe {
	struct handoff_seq published, acked;
	uint64_t rounds, wait_us, bad_setup;
	uint32_t got[64];
	code_fn fn;
};

static struct reader_probe rp;

static void reader_without_isb(void *arg)
{
	struct reader_probe *p = arg;
	for (uint64_t r = 1; r <= p->rounds; r++) {
		uint64_t deadline = deadline_after_us(p->wait_us);
		if (!handoff_wait(&p->published, 2 * r - 1, deadline)) /* with its ISB: the old code */
			return;
		p->bad_setup += p->fn() != old_tag(r);
		handoff_ack(&p->acked, 2 * r - 1);
		if (!handoff_wait_data(&p->published, 2 * r, deadline)) /* the defect: no ISB after it */
			return;
		p->got[(r - 1) % 64] = p->fn();
		handoff_ack(&p->acked, 2 * r);
	}
}

static void run_reader_without_isb(struct test *t)
{
	const char *name = "no ISB on the reader: core 0 maintains and publishes, core 1 runs without ISB";
	unsigned idx;
	void *arg = &rp;
	uint32_t *rw = arena_rw(PROBE_OFFSET(NCASES));
	uint64_t rounds = t->iterations < 64 ? t->iterations : 64;
	rp = (struct reader_probe){
	    .rounds = rounds, .wait_us = t->tc->timeout_ms * 1000, .fn = (code_fn)arena_rx(PROBE_OFFSET(NCASES))};
	if (test_start_on_cores(t, reader_without_isb, &arg, 1, &idx) != 1) {
		report_skip(t, "needs 2 cores online", "%s", name);
		return;
	}
	announce(t, !verdict_stale_forbidden(RULE_NO_ISB, (struct verdict_env){0}), RULE_NO_ISB);
	struct tally s = {0};
	for (uint64_t r = 1; r <= rounds; r++) {
		uint64_t deadline = deadline_after_us(rp.wait_us);
		write_probe(rw, old_tag(r));
		icache_sync_range(rw, PROBE_BYTES);
		handoff_publish(&rp.published, 2 * r - 1);
		if (!handoff_wait_data(&rp.acked, 2 * r - 1, deadline))
			break;
		write_probe(rw, new_tag(r));
		icache_sync_range(rw, PROBE_BYTES);
		handoff_publish(&rp.published, 2 * r);
		if (!handoff_wait_data(&rp.acked, 2 * r, deadline))
			break;
		count(&s, rp.got[(r - 1) % 64], r);
	}
	s.bad_setup = rp.bad_setup;
	if (!test_join_cores(t, &idx, 1, test_deadline(t)) || s.rounds != rounds) {
		report(t, false, "%s: the reader answered %llu of %llu rounds", name, (unsigned long long)s.rounds,
		       (unsigned long long)rounds);
		return;
	}
	report_case(t, name, true, &s);
}

static void checked_probe_run(struct test *t)
{
	struct cache_lines l = icache_configuration();
	report_info(t, "each case: old code after a correct sequence, then new code after the sequence named");
	for (unsigned i = 0; i < NCASES; i++)
		run_same_core(t, i, l);
	run_reader_without_isb(t);
}

TEST_CASE(800, checked_probe_case, .name = "checked_probe", .group = "checked",
	  .summary = "correct and weakened maintenance sequences: the QEMU checker must flag exactly the weakened ones",
	  .run = checked_probe_run, .min_cores = 1, .iterations = 10, .timeout_ms = 2000, .injections = "");
