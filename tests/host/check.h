/*
 * A tiny host test framework writing KTAP version 1 (through src/ktap.c) to stdout.
 * Each registered test function is a top-level test; every CHECK* inside it is a nested result.
 * On failure a check prints "# file:line: expected ..., observed ..." before its "not ok" line.
 */
#ifndef SELFMOD_TESTS_CHECK_H
#define SELFMOD_TESTS_CHECK_H

#include <stdbool.h>
#include <stdint.h>

struct check_env {
	const char *dtb_path; /* argv's DTB, NULL when none was given */
};

typedef void (*check_fn)(const struct check_env *env);

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct check_test {
	const char *name;
	check_fn fn;
};

/* Parse "[DTB] [--only NAME] [--help]", run the selected tests, print the summary; the exit status. */
int check_main(int argc, char **argv, const struct check_test *tests, unsigned ntests);

/* The functions behind the macros: each records one nested result named by fmt and returns ok. */
bool check_true(const char *file, int line, bool ok, const char *cond, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
bool check_eq_u64(const char *file, int line, uint64_t expected, uint64_t observed, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
bool check_eq_str(const char *file, int line, const char *expected, const char *observed, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
bool check_contains(const char *file, int line, const char *haystack, const char *needle, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The DTB named file in the directory of env->dtb_path (file NULL: that path itself), read into a buffer
   the caller frees; NULL (with a diagnostic) when unreadable. make unit-tests builds them there. */
void *check_read_dtb(const struct check_env *env, const char *file);

/* A diagnostic line inside the current test. */
void check_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Skip the whole current test (call before any check, then return): "ok N name # SKIP reason". */
void check_skip_test(const char *reason);

#define CHECK(cond, ...) check_true(__FILE__, __LINE__, (cond), #cond, __VA_ARGS__)
/* Both printed in hex (and decimal) on failure. */
#define CHECK_EQ_U64(expected, observed, ...)                                                                          \
	check_eq_u64(__FILE__, __LINE__, (uint64_t)(expected), (uint64_t)(observed), __VA_ARGS__)
#define CHECK_EQ_STR(expected, observed, ...) check_eq_str(__FILE__, __LINE__, (expected), (observed), __VA_ARGS__)
/* haystack contains needle (a NULL haystack fails). */
#define CHECK_CONTAINS(haystack, needle, ...) check_contains(__FILE__, __LINE__, (haystack), (needle), __VA_ARGS__)

#endif
