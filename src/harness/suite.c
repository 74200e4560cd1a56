/* The suite: boot arguments, test selection, the ID-register table, running each test under fault recovery. */
#include "suite.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "board.h"
#include "cache_geometry.h"
#include "console.h"
#include "deadline.h"
#include "el2_monitor.h"
#include "errata.h"
#include "icache.h"
#include "mmu.h"
#include "ktap.h"
#include "libc_glue.h"
#include "start.h"
#include "sysreg.h"
#include "timer.h"

#define TEST_TIMEOUT_DEFAULT_S 30
#define RUN_TIMEOUT_DEFAULT_S  600
#define REAP_TIMEOUT_US	       200000
#define CORE_LINES_TIMEOUT_US  1000000
#define PROGRESS_INTERVAL_MS   2000 /* between "# progress:" lines of a long test */

extern const struct test_case __testcases_start[], __testcases_end[];

/* What one run of the suite was asked for, and its deadlines (timer ticks). */
struct suite_run {
	struct suite_args args;
	uint64_t test_timeout_s, run_timeout_s, run_deadline;
};

static void emit_line(void *ctx, const char *line)
{
	(void)ctx;
	console_line(line);
}

static const struct ktap_writer out = {.emit = emit_line};

/* ---- reporting, used by tests ---- */

static void vreport(struct test *t, enum ktap_status s, const char *directive, const char *fmt, va_list ap)
{
	char text[KTAP_LINE_MAX];
	vsnprintf(text, sizeof(text), fmt, ap);
	t->results++;
	t->failed += s == KTAP_NOT_OK;
	t->skipped += s == KTAP_SKIP;
	ktap_result(&out, 1, t->results, s, text, directive);
}

bool report(struct test *t, bool ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(t, ok ? KTAP_OK : KTAP_NOT_OK, NULL, fmt, ap);
	va_end(ap);
	return ok;
}

void report_timeout(struct test *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(t, KTAP_NOT_OK, "TIMEOUT", fmt, ap);
	va_end(ap);
}

void report_skip(struct test *t, const char *reason, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(t, KTAP_SKIP, reason, fmt, ap);
	va_end(ap);
}

void report_info(struct test *t, const char *fmt, ...)
{
	(void)t;
	va_list ap;
	va_start(ap, fmt);
	ktap_vdiag(&out, 1, fmt, ap);
	va_end(ap);
}

static uint64_t progress_next; /* timer ticks: no progress line before this */

void test_progress(uint64_t done, uint64_t total)
{
	if (this_core() != 0 || !deadline_passed(progress_next))
		return;
	progress_next = deadline_after_us(PROGRESS_INTERVAL_MS * 1000);
	ktap_diag(&out, 1, "progress: %llu/%llu", (unsigned long long)done, (unsigned long long)total);
}

void test_skip(struct test *t, const char *reason)
{
	t->skipped_whole = true;
	t->skip_reason = reason;
	report_info(t, "skipped: %s", reason);
}

bool test_injected(const struct test *t, const char *name)
{
	return strcmp(t->inject, name) == 0;
}

uint64_t test_deadline(const struct test *t)
{
	return deadline_after_us(t->tc->timeout_ms * 1000);
}

uint64_t test_random(struct test *t)
{
	/* xorshift64* */
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 0x2545f4914f6cdd1dULL;
}

unsigned test_start_on_cores(struct test *t, core_fn fn, void *const *args, unsigned n, unsigned *idx)
{
	unsigned started = 0;
	for (unsigned c = 0; c < core_count && started < n; c++) {
		if (c == this_core() || cores[c].state != CORE_ONLINE)
			continue;
		if (!core_post(c, fn, args[started])) {
			report(t, false, "core %u could not be given work", c);
			continue;
		}
		idx[started++] = c;
	}
	return started;
}

bool test_join_cores(struct test *t, const unsigned *idx, unsigned n, uint64_t deadline)
{
	bool all = true;
	for (unsigned i = 0; i < n; i++) {
		enum work_result r = core_wait(idx[i], deadline);
		if (r == WORK_DONE)
			continue;
		all = false;
		if (r == WORK_FAULTED) {
			char why[160];
			fault_describe(&cores[idx[i]].fault, why, sizeof(why));
			report(t, false, "core %u faulted", idx[i]);
			report_info(t, "%s", why);
		} else {
			report_timeout(t, "core %u did not finish by the deadline", idx[i]);
			report_info(t, "core %u is marked lost: later tests that need it are skipped", idx[i]);
		}
	}
	return all;
}

/* ---- selection ---- */

static bool matches(const struct test_case *tc, const char *pattern)
{
	return fnmatch(pattern, tc->name, 0) == 0 || fnmatch(pattern, tc->group, 0) == 0;
}

static bool selected(const struct suite_args *a, const struct test_case *tc)
{
	if (!a->npatterns)
		return !tc->explicit_only;
	for (unsigned i = 0; i < a->npatterns; i++)
		if (matches(tc, a->patterns[i]))
			return true;
	return false;
}

static bool knows_injection(const struct test_case *tc, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = tc->injections; p && *p; p += strcspn(p, " "), p += strspn(p, " "))
		if (strncmp(p, name, n) == 0 && (p[n] == ' ' || p[n] == 0))
			return true;
	return false;
}

static void print_choices(void)
{
	console_line("# tests (groups in brackets):");
	for (const struct test_case *tc = __testcases_start; tc < __testcases_end; tc++)
		console_printf("#   %s [%s]%s%s%s\n", tc->name, tc->group, tc->explicit_only ? " (only with run=)" : "",
			       tc->injections ? " inject: " : "", tc->injections ? tc->injections : "");
}

/* Checks what the boot arguments ask for against the tests. 0, or -1 after printing why. */
static int validate(const struct suite_args *a)
{
	for (unsigned i = 0; i < a->npatterns; i++) {
		bool any = false;
		for (const struct test_case *tc = __testcases_start; tc < __testcases_end; tc++)
			any |= matches(tc, a->patterns[i]);
		if (!any) {
			console_printf("# error: run=%s matches no test or group\n", a->patterns[i]);
			return -1;
		}
	}
	if (a->inject[0]) {
		bool any = false;
		for (const struct test_case *tc = __testcases_start; tc < __testcases_end; tc++)
			any |= selected(a, tc) && knows_injection(tc, a->inject);
		if (!any) {
			console_printf("# error: inject=%s is not a defect any selected test knows\n", a->inject);
			return -1;
		}
	}
	return 0;
}

/* ---- the header: who is running ---- */

static void print_id_table(void)
{
	console_line("# core  MPIDR       MIDR        REVIDR      CTR_EL0     CLIDR_EL1   state");
	for (unsigned i = 0; i < core_count; i++) {
		const struct cpu_id *id = &cores[i].id;
		if (cores[i].state != CORE_ONLINE) {
			console_printf("# %-4u  0x%08llx  -           -           -           -           %s", i,
				       (unsigned long long)cores[i].mpidr, core_state_name(cores[i].state));
			if (cores[i].start_error)
				console_printf(" (%s)", board_core_start_strerror(cores[i].start_error));
			console_printf("\n");
			continue;
		}
		console_printf("# %-4u  0x%08llx  0x%08llx  0x%08llx  0x%08llx  0x%08llx  online\n", i,
			       (unsigned long long)id->mpidr, (unsigned long long)id->midr,
			       (unsigned long long)id->revidr, (unsigned long long)id->ctr,
			       (unsigned long long)id->clidr);
	}
	for (unsigned i = 0; i < core_count; i++) {
		const struct cpu_id *id = &cores[i].id;
		if (cores[i].state != CORE_ONLINE)
			continue;
		struct cache_lines l = cache_lines_of(id->ctr, id->clidr);
		console_printf("# core %u: Dline %u Iline %u IDC %d%s DIC %d L1I %s", i, l.dline, l.iline,
			       (int)CTR_IDC(id->ctr), l.idc && !CTR_IDC(id->ctr) ? " (effective 1: CLIDR_EL1)" : "",
			       l.dic, l1ip_name(id->ctr));
		for (unsigned lv = 1; lv <= CACHE_LEVELS_MAX; lv++) {
			unsigned ctype = CLIDR_CTYPE(id->clidr, lv);
			if (ctype == CTYPE_NONE)
				break;
			for (int insn = 1; insn >= 0; insn--) {
				uint64_t c = insn ? id->ccsidr_insn[lv - 1] : id->ccsidr_data[lv - 1];
				if (!c)
					continue;
				struct ccsidr_info ci = ccsidr_decode(c);
				console_printf(" | L%u%s CCSIDR=0x%llx %lluK %u-way %uB", lv,
					       insn			? "I"
					       : ctype == CTYPE_UNIFIED ? "U"
									: "D",
					       (unsigned long long)c, (unsigned long long)(ci.size_bytes / 1024),
					       ci.ways, ci.line_bytes);
			}
		}
		console_printf("\n");
	}
}

/* "# erratum 859971 (Cortex-A72 r0p0-r0p3) applies to cores 0 1 2 3: ..." for each that applies. */
static void print_errata(void)
{
	unsigned any = 0;
	for (unsigned e = 0; e < errata_count; e++) {
		char list[48] = "";
		size_t n = 0;
		for (unsigned i = 0; i < core_count && n < sizeof(list); i++)
			if (cores[i].state == CORE_ONLINE &&
			    erratum_applies(&errata[e], cores[i].id.midr, cores[i].id.revidr, cores[i].id.ctr))
				n += (size_t)snprintf(list + n, sizeof(list) - n, " %u", i);
		if (!n)
			continue;
		any++;
		console_printf("# erratum %s (%s) applies to cores%s: %s (test: %s)\n", errata[e].number,
			       errata[e].cores, list, errata[e].effect,
			       errata[e].scenario ? errata[e].scenario : "none");
	}
	if (!any)
		console_printf("# errata: none of the %u in the table applies to these cores\n", errata_count);
}

/*
 * core_lines=: give each core the CTR_EL0 line sizes asked for, through the EL2 monitor, before anything
 * reads them (the ID table, the maintenance's configuration, the tests): a big.LITTLE part whose cores
 * disagree on line sizes. Each core asks for its own (HCR_EL2 is per core) and reads its ID registers
 * again. Returns NULL, or why it cannot be done.
 */
struct ctr_request {
	uint64_t ctr;
	int result;
};

static void set_ctr_on_this_core(void *arg)
{
	struct ctr_request *r = arg;
	r->result = el2_monitor_set_ctr(r->ctr);
	cpu_id_read(&cores[this_core()].id);
}

static unsigned emulated_line[MAX_CORES]; /* 0: the core's own CTR_EL0 */

unsigned suite_emulated_line(unsigned core)
{
	return core < MAX_CORES ? emulated_line[core] : 0;
}

static const char *apply_core_lines(const struct suite_args *a)
{
	if (!a->ncore_lines)
		return NULL;
	if (!el2_monitor_present())
		return "core_lines= needs the EL2 monitor: boot the image at EL2 (QEMU: -M virt,virtualization=on)";
	for (unsigned i = 0; i < core_count; i++) {
		if (cores[i].state != CORE_ONLINE)
			continue;
		unsigned line = a->core_lines[i < a->ncore_lines ? i : a->ncore_lines - 1];
		struct ctr_request r = {.ctr = ctr_with_lines(cores[i].id.ctr, line), .result = -1};
		if (i == 0)
			set_ctr_on_this_core(&r);
		else if (!core_post(i, set_ctr_on_this_core, &r) ||
			 core_wait(i, deadline_after_us(CORE_LINES_TIMEOUT_US)) != WORK_DONE)
			return "core_lines=: a core did not take its CTR_EL0 value";
		if (r.result)
			return "core_lines=: the EL2 monitor refused the CTR_EL0 value";
		emulated_line[i] = line;
	}
	return NULL;
}

/* Maintenance must use line sizes that are safe on every core (the minimum). */
static void configure_maintenance(void)
{
	struct cache_lines safe = cache_lines_of(cores[0].id.ctr, cores[0].id.clidr);
	for (unsigned i = 1; i < core_count; i++)
		if (cores[i].state == CORE_ONLINE)
			safe = cache_lines_merge(safe, cache_lines_of(cores[i].id.ctr, cores[i].id.clidr));
	icache_configure(safe);
	unsigned actions = 0;
	for (unsigned i = 0; i < core_count; i++)
		if (cores[i].state == CORE_ONLINE)
			actions |= errata_actions(cores[i].id.midr, cores[i].id.revidr, cores[i].id.ctr);
	icache_apply_errata(actions);
	mmu_set_tlbi_repeat(actions & ERRATUM_TLBI_REPEAT);
	safe = icache_configuration();
	console_printf("# maintenance uses Dline %u Iline %u IDC %d DIC %d (safe for every online core)%s%s%s\n",
		       safe.dline, safe.iline, safe.idc, safe.dic,
		       actions & ERRATUM_CLEAN_INVAL ? "; errata: clean by DC CIVAC" : "",
		       actions & ERRATUM_NO_DIC ? "; errata: DIC treated as 0" : "",
		       actions & ERRATUM_TLBI_REPEAT ? "; errata: TLBI repeated" : "");
}

/* ---- running ---- */

static void run_test_body(void *arg)
{
	irq_enable(); /* the deadline interrupt can now abandon the test */
	((struct test *)arg)->tc->run(arg);
}

/* "needs 2 cores, 1 online (core 1 lost)" */
static void describe_missing_cores(char *buf, size_t size, unsigned needed)
{
	size_t n = (size_t)snprintf(buf, size, "needs %u cores, %u online", needed, cores_online());
	const char *sep = " (";
	for (unsigned i = 0; i < core_count && n < size; i++) {
		if (cores[i].state == CORE_ONLINE)
			continue;
		n += (size_t)snprintf(buf + n, size - n, "%score %u %s", sep, i, core_state_name(cores[i].state));
		sep = ", ";
	}
	if (sep[0] == ',' && n < size)
		snprintf(buf + n, size - n, ")");
}

/* A core still busy with the test's work after the test ended is waited for briefly, then lost. */
static void reap_cores(struct test *t)
{
	for (unsigned i = 1; i < core_count; i++) {
		if (cores[i].state != CORE_ONLINE || cores[i].finished == cores[i].posted)
			continue;
		if (core_wait(i, deadline_after_us(REAP_TIMEOUT_US)) == WORK_TIMED_OUT) {
			report_timeout(t, "core %u was still running this test's work after it ended", i);
			report_info(t, "core %u is marked lost: later tests that need it are skipped", i);
		}
	}
}

static void run_protected_test(struct test *t, const struct suite_run *run)
{
	uint64_t test_deadline = deadline_after_us(run->test_timeout_s * 1000000);
	uint64_t deadline = test_deadline < run->run_deadline ? test_deadline : run->run_deadline;
	struct fault_record f;
	progress_next = deadline_after_us(PROGRESS_INTERVAL_MS * 1000);
	deadline_arm(deadline);
	bool completed = run_protected(run_test_body, t, &f);
	irq_disable();
	deadline_disarm();
	if (!completed && f.kind == EXC_KIND_DEADLINE) {
		bool whole_run = deadline == run->run_deadline;
		report_timeout(t, "finished within the %s deadline of %llu s", whole_run ? "run's" : "test's",
			       (unsigned long long)(whole_run ? run->run_timeout_s : run->test_timeout_s));
		report_info(t, "abandoned on core 0 at ELR=0x%llx", (unsigned long long)f.elr);
	} else if (!completed) {
		char why[160];
		fault_describe(&f, why, sizeof(why));
		report(t, false, "the test faulted on core 0");
		report_info(t, "%s", why);
	}
	reap_cores(t);
}

static enum ktap_status run_one(const struct test_case *tc, unsigned number, const struct suite_run *run)
{
	const struct suite_args *a = &run->args;
	struct test t = {
	    .tc = tc,
	    .iterations = a->iterations ? a->iterations : tc->iterations,
	    .seed = a->seed + number,
	    .rng = (a->seed + number) * 0x9e3779b97f4a7c15ULL | 1,
	    .inject = knows_injection(tc, a->inject) ? a->inject : "",
	    .verbose = a->verbose,
	};
	char reason[120];
	ktap_subtest_begin(&out, 1, tc->name);
	report_info(&t, "%s", tc->summary);
	if (t.inject[0])
		report_info(&t, "DELIBERATE DEFECT inject=%s: this run must report not ok", t.inject);
	if (deadline_passed(run->run_deadline)) {
		report(&t, false, "started before the run's deadline of %llu s",
		       (unsigned long long)run->run_timeout_s);
	} else if (cores_online() < tc->min_cores) {
		describe_missing_cores(reason, sizeof(reason), tc->min_cores);
		test_skip(&t, reason);
	} else {
		run_protected_test(&t, run);
		if (!t.results && !t.skipped_whole)
			report(&t, false, "the test reported no result");
	}
	ktap_plan(&out, 1, t.results);
	enum ktap_status s = t.failed ? KTAP_NOT_OK : t.skipped_whole ? KTAP_SKIP : KTAP_OK;
	ktap_result(&out, 0, number, s, tc->name, t.skipped_whole ? t.skip_reason : NULL);
	return s;
}

static const struct boot_info *boot;

const struct boot_info *suite_boot(void)
{
	return boot;
}

int suite_main(const struct boot_info *b)
{
	static struct suite_run run;
	struct suite_args *const a = &run.args;
	boot = b;
	const struct fdt *fdt = b->dtb;
	int chosen = fdt_path_offset(fdt, "/chosen");
	const char *bootargs = chosen >= 0 ? fdt_getprop(fdt, chosen, "bootargs", NULL) : NULL;

	ktap_version(&out, 0);
	if (args_parse(a, bootargs) || validate(a)) {
		if (a->error[0])
			console_printf("# error: %s\n", a->error);
		print_choices();
		ktap_bail_out(&out, "bad boot arguments: nothing was run");
		return 2;
	}
	if (!a->seed_set)
		a->seed = timer_ticks();
	run.test_timeout_s = a->test_timeout_s ? a->test_timeout_s : TEST_TIMEOUT_DEFAULT_S;
	run.run_timeout_s = a->run_timeout_s ? a->run_timeout_s : RUN_TIMEOUT_DEFAULT_S;
	run.run_deadline = deadline_after_us(run.run_timeout_s * 1000000);
	console_printf("# selfmod on %s: entered at EL%u, running at EL%u; %u of %u cores online; CNTFRQ %llu Hz; %s\n",
		       board_name(), b->entry_el, current_el(), cores_online(), core_count,
		       (unsigned long long)timer_freq(), libc_name);
	console_printf("# seed=0x%llx (boot argument seed=0x%llx reproduces this run)\n", (unsigned long long)a->seed,
		       (unsigned long long)a->seed);
	console_printf("# deadlines: %llu s per test, %llu s for the run%s%s\n", (unsigned long long)run.test_timeout_s,
		       (unsigned long long)run.run_timeout_s,
		       b->irq_problem ? "; WARNING: no interrupts, so a stuck test "
					"cannot be stopped: "
				      : "",
		       b->irq_problem ? b->irq_problem : "");
	if (a->list) {
		print_choices();
		ktap_plan(&out, 0, 0);
		return 0;
	}
	const char *why = apply_core_lines(a);
	if (why) {
		console_printf("# error: %s\n", why);
		ktap_bail_out(&out, el2_monitor_present() ? "core_lines= not applied: nothing was run"
							  : "bad boot arguments: nothing was run");
		return 2;
	}
	print_id_table();
	print_errata();
	configure_maintenance();

	unsigned total = 0, passed = 0, failed = 0, skipped = 0;
	for (const struct test_case *tc = __testcases_start; tc < __testcases_end; tc++)
		total += selected(a, tc);
	ktap_plan(&out, 0, total);
	unsigned number = 0;
	for (const struct test_case *tc = __testcases_start; tc < __testcases_end; tc++) {
		if (!selected(a, tc))
			continue;
		enum ktap_status s = run_one(tc, ++number, &run);
		passed += s == KTAP_OK;
		failed += s == KTAP_NOT_OK;
		skipped += s == KTAP_SKIP;
	}
	console_printf("# selfmod: %u passed, %u failed, %u skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
