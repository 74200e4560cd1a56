/*
 * Running a litmus test (tests/scenarios/engines/litmus.h): its n threads on n cores (this one and n-1 others), N
 * iterations. Each iteration core 0 copies the code blob to the arena's cacheable RWX alias,
 * resets the data locations and the registers, makes the code coherent (icache_sync_range),
 * draws which core runs which thread, and publishes the iteration (DSB ISH, SEV); every core
 * wakes (control dependency + ISB), meets the others at a barrier, runs its thread and
 * acknowledges. Core 0 then reads the observed registers and locations, evaluates the
 * condition and counts the state. Every wait has a deadline.
 */
#include "litmus.h"

#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "handoff.h"
#include "icache.h"
#include "litmus_cond.h"
#include "litmus_hist.h"
#include "litmus_thread.h"
#include "suite.h"
#include "sysreg.h"
#include "timer.h"

#define CODE_OFFSET 0x180000 /* in the arena: code blob (RWX alias), then data locations (RW alias) */
#define CODE_MAX    0x20000
#define DATA_OFFSET (CODE_OFFSET + CODE_MAX)
#define LOC_STRIDE  128 /* each location alone in its cache line and exclusives reservation granule */
#define DATA_MAX    0x10000

struct worker {
	struct handoff_seq done;
	uint64_t late; /* iterations whose start it missed */
} __attribute__((aligned(64)));

static struct run {
	const struct litmus_test *lt;
	uint64_t iterations, wait_us;
	unsigned n;
	volatile bool abort;
	struct handoff_seq go;
	struct handoff_barrier start; /* the threads of an iteration start together */
	uint64_t barrier_missed;
	uint8_t thread_of[LITMUS_MAX_THREADS]; /* worker -> thread, this iteration */
	uint64_t regs[LITMUS_MAX_THREADS][32] __attribute__((aligned(64)));
	struct litmus_fault_ctx fault[LITMUS_MAX_THREADS];
	struct worker workers[LITMUS_MAX_THREADS];
	struct litmus_hist hist;
} run;

static uintptr_t code_base(void)
{
	return arena_rwx(CODE_OFFSET);
}

static uint64_t label_address(const struct litmus_test *lt, unsigned i)
{
	return code_base() + lt->label_offsets[i];
}

static uint64_t loc_address(const struct litmus_test *lt, unsigned i)
{
	if (lt->loc_alias[i] >= 0) /* pte_L=(oa:phy_x): x is the data alias of code label L */
		return (uintptr_t)arena_rw(CODE_OFFSET + lt->label_offsets[lt->loc_alias[i]]);
	return (uintptr_t)arena_rw(DATA_OFFSET + (size_t)i * LOC_STRIDE);
}

static uint64_t value_of(const struct litmus_test *lt, const struct litmus_value *v)
{
	switch (v->kind) {
	case LV_LABEL: return label_address(lt, v->index);
	case LV_LOC: return loc_address(lt, v->index);
	case LV_INSN: return lt->insns[v->index];
	default: return (uint64_t)v->imm;
	}
}

/* ---- one iteration, on every participating core ---- */

static void run_thread(unsigned w, uint64_t deadline)
{
	unsigned th = run.thread_of[w];
	/* Start together; past the deadline the thread runs anyway, and the miss is reported. */
	if (!handoff_barrier_wait(&run.start, run.n, deadline))
		__atomic_add_fetch(&run.barrier_missed, 1, __ATOMIC_RELAXED);
	litmus_thread_call(&run.fault[th], run.regs[th], code_base() + run.lt->threads[th].entry);
}

static void worker_loop(void *arg)
{
	unsigned w = (unsigned)(uintptr_t)arg;
	for (uint64_t it = 1; it <= run.iterations; it++) {
		if (!handoff_wait(&run.go, it, deadline_after_us(run.wait_us))) {
			run.workers[w].late++;
			return;
		}
		if (run.abort)
			return;
		run_thread(w, deadline_after_us(run.wait_us));
		handoff_ack(&run.workers[w].done, it);
	}
}

/* ---- core 0 ---- */

static void reset(struct test *t, const struct litmus_test *lt)
{
	size_t len = (size_t)(lt->code_end - lt->code);
	volatile uint32_t *dst = (volatile uint32_t *)code_base();
	const uint32_t *src = (const uint32_t *)lt->code;
	for (size_t i = 0; i < len / 4; i++)
		dst[i] = src[i];
	for (unsigned i = 0; i < lt->nlocs; i++)
		if (lt->loc_alias[i] < 0)
			*(volatile uint64_t *)loc_address(lt, i) = 0;
	for (unsigned i = 0; i < lt->nmem; i++)
		*(volatile uint64_t *)loc_address(lt, lt->mem[i].loc) = value_of(lt, &lt->mem[i].value);
	icache_sync_range((const void *)code_base(), len);
	/* Only the test's threads, a word at a time: the libc memset stores a byte at a time, and all 8
	   threads' registers were 2048 of them, most of an iteration's instructions. */
	for (unsigned th = 0; th < lt->nthreads; th++)
		for (unsigned r = 0; r < 32; r++)
			run.regs[th][r] = 0;
	for (unsigned i = 0; i < lt->nregs; i++)
		run.regs[lt->regs[i].thread][lt->regs[i].reg] = value_of(lt, &lt->regs[i].value);
	for (unsigned th = 0; th < lt->nthreads; th++) {
		run.fault[th].handled = 0;
		run.fault[th].unhandled = false;
		run.fault[th].fault = (struct fault_record){0};
	}
	/* Which core runs which thread: a fresh permutation (Fisher-Yates) from the seed. */
	for (unsigned w = 0; w < run.n; w++)
		run.thread_of[w] = (uint8_t)w;
	for (unsigned w = run.n - 1; w > 0; w--) {
		unsigned k = (unsigned)(test_random(t) % (w + 1));
		uint8_t tmp = run.thread_of[w];
		run.thread_of[w] = run.thread_of[k];
		run.thread_of[k] = tmp;
	}
	run.start.arrived = 0; /* usable again after a missed deadline left a count behind */
}

static uint64_t observe(const struct litmus_test *lt, const struct litmus_obs *o)
{
	switch (o->kind) {
	case LO_REG: return o->w ? (uint32_t)run.regs[o->thread][o->reg] : run.regs[o->thread][o->reg];
	case LO_MEM: return *(volatile uint64_t *)loc_address(lt, o->index);
	case LO_CODE: return *(volatile uint32_t *)label_address(lt, o->index);
	default: {
		const struct litmus_fault_ctx *c = &run.fault[o->thread];
		return (c->handled || c->unhandled) &&
		       (o->index == 0xffff || c->fault.elr == label_address(lt, o->index)) &&
		       (o->reg == 0xff || ESR_EC(c->fault.esr) == o->reg);
	}
	}
}

/* Threads whose faults the condition observes (fault(Pn...)): there a fault is an outcome, not a failure. */
static uint32_t fault_observed(const struct litmus_test *lt)
{
	uint32_t mask = 0;
	for (unsigned i = 0; i < lt->nobs; i++)
		if (lt->obs[i].kind == LO_FAULT)
			mask |= 1u << lt->obs[i].thread;
	return mask;
}

/* -1: a malformed program (a translator bug), else whether it holds in v[]. */
static int holds(const struct litmus_test *lt, const uint8_t *program, const uint64_t *v)
{
	bool truth[256];
	unsigned natoms = 0;
	for (const uint8_t *p = program; *p != LC_END; p += *p == LC_ATOM ? 2 : 1)
		if (*p == LC_ATOM && p[1] >= natoms)
			natoms = p[1] + 1u;
	for (unsigned i = 0; i < natoms; i++) {
		const struct litmus_atom *a = &lt->atoms[i];
		const struct litmus_obs *o = &lt->obs[a->obs];
		truth[i] = litmus_atom_holds(v[a->obs], value_of(lt, &a->value), o->w || o->kind == LO_CODE);
	}
	return litmus_cond_eval(program, truth, natoms);
}

/* herd's notation for a value: a label, a location, an instruction, or a number. */
static void format_value(const struct litmus_test *lt, const struct litmus_obs *o, uint64_t v, char *buf, size_t size)
{
	for (unsigned i = 0; i < lt->nlabels; i++)
		if (v == label_address(lt, i) && (o->kind == LO_REG || o->kind == LO_MEM)) {
			snprintf(buf, size, "%s", lt->label_names[i]);
			return;
		}
	for (unsigned i = 0; i < lt->nlocs; i++)
		if (v == loc_address(lt, i) && (o->kind == LO_REG || o->kind == LO_MEM)) {
			snprintf(buf, size, "%s", lt->loc_names[i]);
			return;
		}
	for (unsigned i = 0; i < lt->ninsns; i++)
		if (v == lt->insns[i] && v > 0xffff) {
			snprintf(buf, size, "%s", lt->insn_names[i]);
			return;
		}
	if ((int64_t)v > -0x80000000LL && (int64_t)v < 0x80000000LL)
		snprintf(buf, size, "%lld", (long long)v);
	else
		snprintf(buf, size, "0x%llx", (unsigned long long)v);
}

static void print_histogram(struct test *t, const struct litmus_test *lt)
{
	const struct litmus_hist *h = &run.hist;
	report_info(t, "Histogram (%u states)", h->nstates);
	for (unsigned s = 0; s < h->nstates; s++) {
		char line[200], val[40];
		size_t n = 0;
		for (unsigned i = 0; i < lt->nobs && n < sizeof(line); i++) {
			format_value(lt, &lt->obs[i], h->states[s].v[i], val, sizeof(val));
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s=%s;", i ? " " : "", lt->obs[i].name,
					      val);
		}
		for (unsigned th = 0; th < lt->nthreads && n < sizeof(line); th++)
			if (h->states[s].faulted & (1u << th))
				n += (size_t)snprintf(line + n, sizeof(line) - n, " fault(P%u);", th);
		report_info(t, "%-8llu%c>%s", (unsigned long long)h->states[s].count, h->states[s].holds ? '*' : ':',
			    line);
	}
	if (h->overflow)
		report_info(t, "%llu more iterations ended in states past the first %u (not shown)",
			    (unsigned long long)h->overflow, LITMUS_HIST_STATES);
}

static enum litmus_flavour flavour(void)
{
	struct cache_lines l = icache_configuration();
	return l.dic ? LITMUS_DIC1 : l.idc ? LITMUS_IDC1 : LITMUS_DIC0_IDC0;
}

static const char *const flavour_names[] = {"DIC0-IDC0", "IDC1", "DIC1"};
static const char *const flavour_prefixes[] = {"", "IDC1.", "DIC1."};
static const char *const verdict_names[] = {"no verdict", "Allowed", "Forbidden", "Required"};

static void judge(struct test *t, const struct litmus_test *lt, uint64_t filtered)
{
	enum litmus_flavour f = flavour();
	enum litmus_verdict v = lt->verdict[f];
	const struct litmus_hist *h = &run.hist;
	unsigned long long total = h->total, yes = h->holds;
	if (test_injected(t, "litmus_flip_verdict") && v != LITMUS_NO_VERDICT)
		v = v == LITMUS_FORBIDDEN ? LITMUS_REQUIRED : LITMUS_FORBIDDEN;
	report_info(t,
		    "%s: %s; herd's verdict: %s (kinds.txt: %s%s, for %s cores: this core's effective "
		    "CTR_EL0 IDC/DIC)",
		    lt->name, lt->condition, verdict_names[v], flavour_prefixes[f], lt->base, flavour_names[f]);
	if (lt->written_for != LITMUS_ANY_FLAVOUR && lt->written_for != f)
		report_info(t, "%s is written for %s cores and this core is %s: judged by the same shape's %s verdict",
			    lt->name, flavour_names[lt->written_for], flavour_names[f], flavour_names[f]);
	report_info(t, "Observation %s %s %llu %llu%s", lt->name,
		    yes == 0	   ? "Never"
		    : yes == total ? "Always"
				   : "Sometimes",
		    yes, total - yes, filtered ? " (after the filter)" : "");
	if (filtered)
		report_info(t, "%llu iterations removed by the filter", (unsigned long long)filtered);
	switch (v) {
	case LITMUS_FORBIDDEN:
		report(t, yes == 0, "Forbidden: the condition held in %llu of %llu iterations", yes, total);
		break;
	case LITMUS_REQUIRED:
		report(t, yes == total && total, "Required: the condition held in %llu of %llu iterations", yes, total);
		break;
	case LITMUS_ALLOWED:
		report(t, true, "Allowed: the condition held in %llu of %llu iterations", yes, total);
		break;
	default:
		report_info(t, "kinds.txt has no verdict for %s%s", flavour_prefixes[f], lt->base);
		test_skip(t, "no verdict in kinds.txt for this flavour: histogram only");
	}
}

/* Starts the other n-1 workers. false (after reporting) if the cores are not there. */
static bool start_workers(struct test *t, unsigned *idx)
{
	void *args[LITMUS_MAX_THREADS];
	for (unsigned w = 1; w < run.n; w++)
		args[w - 1] = (void *)(uintptr_t)w;
	unsigned started = run.n > 1 ? test_start_on_cores(t, worker_loop, args, run.n - 1, idx) : 0;
	if (started == run.n - 1)
		return true;
	run.abort = true;
	handoff_publish(&run.go, 1);
	test_join_cores(t, idx, started, test_deadline(t));
	report(t, false, "needs %u cores, only %u could be given work", run.n, started + 1);
	return false;
}

static void report_faults(struct test *t, const struct litmus_test *lt, uint64_t handled, uint64_t unhandled,
			  const struct fault_record *last_handled, const struct fault_record *last_unhandled)
{
	char why[160];
	if (handled) {
		fault_describe(last_handled, why, sizeof(why));
		report_info(t, "%llu faults were part of the test (its handler, or fault(...) observed); last: %s",
			    (unsigned long long)handled, why);
	}
	if (unhandled) {
		fault_describe(last_unhandled, why, sizeof(why));
		report(t, false, "%llu iterations faulted outside a fault handler (thread ended there)",
		       (unsigned long long)unhandled);
		report_info(t, "the last: %s", why);
	} else {
		for (unsigned th = 0; th < lt->nthreads; th++)
			if (lt->threads[th].handler != LITMUS_NONE) {
				report(t, true, "no fault outside a fault handler");
				break;
			}
	}
}

void litmus_run(struct test *t, const struct litmus_test *lt)
{
	unsigned idx[LITMUS_MAX_THREADS];
	size_t len = (size_t)(lt->code_end - lt->code);
	if (len > CODE_MAX || (size_t)lt->nlocs * LOC_STRIDE > DATA_MAX || lt->nthreads > LITMUS_MAX_THREADS ||
	    lt->nobs > LITMUS_MAX_OBS) {
		report(t, false, "too big for the harness: %zu bytes of code, %u locations, %u threads, %u observed",
		       len, lt->nlocs, lt->nthreads, lt->nobs);
		return;
	}
	memset(&run, 0, sizeof(run));
	run.lt = lt;
	run.iterations = t->iterations;
	run.wait_us = t->tc->timeout_ms * 1000;
	run.n = lt->nthreads;
	bool ignore_handlers = test_injected(t, "litmus_ignore_handlers");
	for (unsigned th = 0; th < lt->nthreads; th++) {
		const struct litmus_thread_code *c = &lt->threads[th];
		run.fault[th] = (struct litmus_fault_ctx){
		    .lo = code_base(),
		    .hi = code_base() + len,
		    .handler = c->handler == LITMUS_NONE || ignore_handlers ? 0 : code_base() + c->handler,
		    .handler_end = c->handler == LITMUS_NONE ? 0 : code_base() + c->handler_end,
		    .exit = code_base() + c->exit,
		};
	}
	litmus_hist_init(&run.hist, lt->nobs);
	report_info(t, "%s (%s): %u threads on %u cores, %llu iterations", lt->name, lt->source, lt->nthreads,
		    lt->nthreads, (unsigned long long)run.iterations);
	if (!start_workers(t, idx))
		return;

	uint64_t filtered = 0, handled = 0, unhandled = 0, it;
	struct fault_record last_handled = {0}, last_unhandled = {0};
	uint64_t start = timer_ticks();
	for (it = 1; it <= run.iterations; it++) {
		test_progress(it - 1, run.iterations);
		reset(t, lt);
		handoff_publish(&run.go, it);
		run_thread(0, deadline_after_us(run.wait_us));
		uint64_t deadline = deadline_after_us(run.wait_us);
		bool all = true;
		for (unsigned w = 1; w < run.n; w++)
			all &= handoff_wait_data(&run.workers[w].done, it, deadline);
		if (!all) {
			report_timeout(t, "iteration %llu: a thread did not finish within %llu ms",
				       (unsigned long long)it, (unsigned long long)t->tc->timeout_ms);
			break;
		}
		uint64_t v[LITMUS_MAX_OBS];
		uint32_t faulted = 0;
		for (unsigned i = 0; i < lt->nobs; i++)
			v[i] = observe(lt, &lt->obs[i]);
		for (unsigned th = 0; th < lt->nthreads; th++) {
			const struct litmus_fault_ctx *c = &run.fault[th];
			handled += c->handled;
			if (c->handled)
				last_handled = c->fault;
			if (c->unhandled) {
				faulted |= 1u << th;
				if (!(fault_observed(lt) & (1u << th))) {
					unhandled++;
					last_unhandled = c->fault;
				} else {
					handled++; /* an outcome the condition looks at: reported, not a failure */
					last_handled = c->fault;
				}
			}
		}
		int pass = lt->filter ? holds(lt, lt->filter, v) : 1;
		int h = holds(lt, lt->cond, v);
		if (pass < 0 || h < 0) {
			report(t, false, "the condition program is malformed (a translator defect)");
			break;
		}
		if (!pass) {
			filtered++;
			continue;
		}
		litmus_hist_add(&run.hist, v, faulted, h);
	}
	uint64_t us = ticks_to_us(timer_ticks() - start);
	/* herd's litmus tool prints "Time NAME SECONDS"; the BENCH line is for tests/bench.py. */
	report_info(t, "Time %s %llu.%06llu", lt->name, (unsigned long long)(us / 1000000),
		    (unsigned long long)(us % 1000000));
	report_info(t, "BENCH litmus name=%s threads=%u iterations=%llu us=%llu per_s=%llu", lt->name, lt->nthreads,
		    (unsigned long long)(it - 1), (unsigned long long)us,
		    (unsigned long long)(us ? (it - 1) * 1000000 / us : 0));
	run.abort = it <= run.iterations; /* workers still waiting for an iteration: let them go */
	if (run.abort)
		handoff_publish(&run.go, run.iterations);
	test_join_cores(t, idx, run.n - 1, test_deadline(t));
	if (run.barrier_missed)
		report(t, false, "%llu times a thread waited past the deadline for the others to start",
		       (unsigned long long)run.barrier_missed);
	for (unsigned w = 1; w < run.n; w++)
		if (run.workers[w].late)
			report(t, false, "the core of worker %u was not woken for an iteration within the deadline", w);
	print_histogram(t, lt);
	report_faults(t, lt, handled, unhandled, &last_handled, &last_unhandled);
	judge(t, lt, filtered);
}
