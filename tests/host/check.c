#include "check.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktap.h"

#define NAME_MAX_LEN 160

static void emit_stdout(void *ctx, const char *line)
{
	(void)ctx;
	puts(line);
}

static const struct ktap_writer out = {.emit = emit_stdout};

/* The test being run. */
static struct {
	unsigned results, failed;
	const char *skip_reason;
} cur;

/* Nested results over the whole run. */
static struct {
	unsigned passed, failed, skipped;
} checks;

/* ---- recording ---- */

static bool record(bool ok, const char *name)
{
	cur.results++;
	cur.failed += !ok;
	if (ok)
		checks.passed++;
	else
		checks.failed++;
	ktap_result(&out, 1, cur.results, ok ? KTAP_OK : KTAP_NOT_OK, name, NULL);
	return ok;
}

void check_diag(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ktap_vdiag(&out, 1, fmt, ap);
	va_end(ap);
}

#define MAX_DTB (1 << 20)

void *check_read_dtb(const struct check_env *env, const char *file)
{
	char path[512];
	const char *slash = env->dtb_path ? strrchr(env->dtb_path, '/') : NULL;
	int dir = slash ? (int)(slash - env->dtb_path) + 1 : 0;
	if (!env->dtb_path)
		return NULL;
	if (file)
		snprintf(path, sizeof(path), "%.*s%s", dir, env->dtb_path, file);
	else
		snprintf(path, sizeof(path), "%s", env->dtb_path);
	FILE *fp = fopen(path, "rb");
	void *buf = fp ? malloc(MAX_DTB) : NULL;
	size_t n = buf ? fread(buf, 1, MAX_DTB, fp) : 0;
	if (fp)
		fclose(fp);
	if (!n) {
		check_diag("cannot read %s (make unit-tests builds it)", path);
		free(buf);
		return NULL;
	}
	return buf;
}

void check_skip_test(const char *reason)
{
	cur.skip_reason = reason;
	check_diag("skipped: %s", reason);
}

#define FORMAT_NAME(buf, fmt)                                                                                          \
	do {                                                                                                           \
		va_list ap_;                                                                                           \
		va_start(ap_, fmt);                                                                                    \
		vsnprintf(buf, sizeof(buf), fmt, ap_);                                                                 \
		va_end(ap_);                                                                                           \
	} while (0)

bool check_true(const char *file, int line, bool ok, const char *cond, const char *fmt, ...)
{
	char name[NAME_MAX_LEN];
	FORMAT_NAME(name, fmt);
	if (!ok)
		check_diag("%s:%d: expected (%s) to hold, observed it false", file, line, cond);
	return record(ok, name);
}

bool check_eq_u64(const char *file, int line, uint64_t expected, uint64_t observed, const char *fmt, ...)
{
	char name[NAME_MAX_LEN];
	FORMAT_NAME(name, fmt);
	bool ok = expected == observed;
	if (!ok)
		check_diag("%s:%d: expected 0x%" PRIx64 " (%" PRIu64 "), observed 0x%" PRIx64 " (%" PRIu64 ")", file,
			   line, expected, expected, observed, observed);
	return record(ok, name);
}

bool check_eq_str(const char *file, int line, const char *expected, const char *observed, const char *fmt, ...)
{
	char name[NAME_MAX_LEN];
	FORMAT_NAME(name, fmt);
	bool ok = expected && observed ? strcmp(expected, observed) == 0 : expected == observed;
	if (!ok)
		check_diag("%s:%d: expected \"%s\", observed \"%s\"", file, line, expected ? expected : "(null)",
			   observed ? observed : "(null)");
	return record(ok, name);
}

bool check_contains(const char *file, int line, const char *haystack, const char *needle, const char *fmt, ...)
{
	char name[NAME_MAX_LEN];
	FORMAT_NAME(name, fmt);
	bool ok = haystack && strstr(haystack, needle);
	if (!ok)
		check_diag("%s:%d: expected a text containing \"%s\", observed \"%s\"", file, line, needle,
			   haystack ? haystack : "(null)");
	return record(ok, name);
}

/* ---- running ---- */

/* A name selects a test by being its name or its module prefix ("pagetable" runs "pagetable_*"). */
static bool selected(const char *name, const char *only)
{
	if (!only)
		return true;
	size_t n = strlen(only);
	return strncmp(name, only, n) == 0 && (name[n] == 0 || name[n] == '_');
}

static enum ktap_status run_test(const struct check_test *t, unsigned number, const struct check_env *env)
{
	cur.results = cur.failed = 0;
	cur.skip_reason = NULL;
	ktap_subtest_begin(&out, 1, t->name);
	t->fn(env);
	bool skipped_whole = cur.skip_reason && cur.results == 0;
	if (!cur.results && !skipped_whole)
		record(false, "the test recorded no result");
	ktap_plan(&out, 1, cur.results);
	enum ktap_status s = cur.failed ? KTAP_NOT_OK : skipped_whole ? KTAP_SKIP : KTAP_OK;
	checks.skipped += skipped_whole;
	ktap_result(&out, 0, number, s, t->name, skipped_whole ? cur.skip_reason : NULL);
	return s;
}

static int run_all(const struct check_test *tests, unsigned ntests, const char *only, const struct check_env *env)
{
	unsigned total = 0, number = 0, passed = 0, failed = 0, skipped = 0;
	for (unsigned i = 0; i < ntests; i++)
		total += selected(tests[i].name, only);
	ktap_version(&out, 0);
	ktap_plan(&out, 0, total);
	for (unsigned i = 0; i < ntests; i++) {
		if (!selected(tests[i].name, only))
			continue;
		enum ktap_status s = run_test(&tests[i], ++number, env);
		passed += s == KTAP_OK;
		failed += s == KTAP_NOT_OK;
		skipped += s == KTAP_SKIP;
	}
	ktap_diag(&out, 0, "checks: %u passed, %u failed, %u skipped", checks.passed, checks.failed, checks.skipped);
	ktap_diag(&out, 0, "unit_tests: %u passed, %u failed, %u skipped", passed, failed, skipped);
	fflush(stdout);
	return failed ? 1 : 0;
}

/* ---- command line ---- */

static void usage(FILE *f, const char *prog, const struct check_test *tests, unsigned ntests)
{
	fprintf(f, "usage: %s [DTB] [--only NAME] [--help]\n", prog);
	fprintf(f, "  DTB          a QEMU virt device tree blob for the fdt tests (skipped without one)\n");
	fprintf(f, "  --only NAME  run only the test NAME, or every NAME_* test\n");
	fprintf(f, "tests:");
	for (unsigned i = 0; i < ntests; i++)
		fprintf(f, " %s", tests[i].name);
	fprintf(f, "\n");
}

enum { RUN = -1, EXIT_OK = 0, EXIT_USAGE = 2 };

/* RUN with *env and *only filled in, or the status to exit with. */
static int parse_options(int argc, char **argv, const struct check_test *tests, unsigned ntests, struct check_env *env,
			 const char **only)
{
	const char *prog = argc > 0 ? argv[0] : "unit_tests";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *error = NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout, prog, tests, ntests);
			return EXIT_OK;
		} else if (strcmp(a, "--only") == 0) {
			if (i + 1 == argc)
				error = "--only needs a test name";
			else
				*only = argv[++i];
		} else if (a[0] == '-') {
			error = "unknown option";
		} else if (env->dtb_path) {
			error = "more than one DTB given";
		} else {
			env->dtb_path = a;
		}
		if (error) {
			fprintf(stderr, "%s: %s: '%s'\n", prog, error, a);
			usage(stderr, prog, tests, ntests);
			return EXIT_USAGE;
		}
	}
	for (unsigned i = 0; *only && i < ntests; i++)
		if (selected(tests[i].name, *only))
			return RUN;
	if (*only) {
		fprintf(stderr, "%s: no test named '%s'\n", prog, *only);
		usage(stderr, prog, tests, ntests);
		return EXIT_USAGE;
	}
	return RUN;
}

int check_main(int argc, char **argv, const struct check_test *tests, unsigned ntests)
{
	struct check_env env = {0};
	const char *only = NULL;
	int status = parse_options(argc, argv, tests, ntests, &env, &only);
	return status == RUN ? run_all(tests, ntests, only, &env) : status;
}
