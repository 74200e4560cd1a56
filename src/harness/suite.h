/*
 * Tests and how they report. A test is registered with TEST_CASE (a table in
 * the .testcases section, in link order), runs on core 0, may put work on
 * the other cores, and reports nested KTAP results with report().
 */
#ifndef SELFMOD_SUITE_H
#define SELFMOD_SUITE_H

#include <stdbool.h>
#include <stdint.h>

#include "cores.h"
#include "start.h"

struct test;

/* What start-up found (the DTB, the entry EL, why interrupts are missing): valid once suite_main runs. */
const struct boot_info *suite_boot(void);
/* The line size core_lines= gave core (its CTR_EL0 through the EL2 monitor), or 0 for its own. */
unsigned suite_emulated_line(unsigned core);

struct test_case {
	const char *name;
	const char *group;
	const char *summary; /* one line: what it checks */
	void (*run)(struct test *t);
	unsigned min_cores;	/* skipped with fewer cores online */
	uint64_t iterations;	/* default rounds; boot argument iterations= overrides */
	uint64_t timeout_ms;	/* deadline for each wait inside the test */
	const char *injections; /* space-separated deliberate defects it can be built with (inject=) */
	bool explicit_only;	/* only when a run= pattern selects it: the default run skips it (benchmarks) */
};

/* order: a number, unique (tests/check_registry.py checks); tests run in ascending numeric order (boot
   checks first, then by complexity): the linker sorts the sections by their last number
   (SORT_BY_INIT_PRIORITY in linker/image.ld), so 1000 comes after 110. */
#define TEST_CASE(order, ident, ...)                                                                                   \
	static const struct test_case ident                                                                            \
	    __attribute__((used, section(".testcases." #ident "." #order), aligned(8))) = {__VA_ARGS__}

struct test {
	const struct test_case *tc;
	uint64_t iterations, seed, rng;
	const char *inject; /* the deliberate defect asked for, "" for none */
	bool verbose;
	unsigned results, failed, skipped;
	bool skipped_whole;
	const char *skip_reason; /* test_skip's reason, shown on the test's result line */
};

/* A nested result: "ok N text" or "not ok N text". Returns ok. */
bool report(struct test *t, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void report_skip(struct test *t, const char *reason, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A nested "not ok N text # TIMEOUT": something did not happen by its deadline. */
void report_timeout(struct test *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A diagnostic line inside the test: "# text". */
void report_info(struct test *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* In a long loop: "# progress: DONE/TOTAL" at most every PROGRESS_INTERVAL_MS of the running test,
   from core 0 only (other cores return at once); tests/runner.py shows it as a status line. */
void test_progress(uint64_t done, uint64_t total);
/* Skip the whole test (before any nested result). */
void test_skip(struct test *t, const char *reason);
/* Whether the run asked for this deliberate defect (inject=NAME). */
bool test_injected(const struct test *t, const char *name);
/* Now plus the test's timeout, in timer ticks. */
uint64_t test_deadline(const struct test *t);
/* Reproducible pseudo-random numbers from the printed seed. */
uint64_t test_random(struct test *t);

/* Run fn(args[i]) on the first n online cores other than this one; their indices go to idx[].
   Returns how many were started. */
unsigned test_start_on_cores(struct test *t, core_fn fn, void *const *args, unsigned n, unsigned *idx);
/* Wait for them; a core that faulted or missed the deadline is reported not ok. Returns true if all returned. */
bool test_join_cores(struct test *t, const unsigned *idx, unsigned n, uint64_t deadline);

#endif
