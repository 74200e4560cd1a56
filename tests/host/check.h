/*
 * The host test harness (the firmware's unit tests and the QEMU plugin's), writing KTAP version 1
 * (through src/harness/ktap.c) to stdout. A test is registered by defining it with HOST_TEST(name)
 * in any file of tests/host/ (or tests/plugin/unit/): no prototype, no table, no Makefile line (only
 * the code under test, if new, joins HOST_LIB_SRCS). Each test is a top-level KTAP result; every CHECK*
 * inside it is a nested result. On failure a check prints "# file:line: expected ..., observed ..."
 * before its "not ok" line. check.c has main(): PROGRAM [DTB] [--only NAME] [--help].
 */
#ifndef SELFMOD_TESTS_CHECK_H
#define SELFMOD_TESTS_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "array_size.h"

struct check_env {
	const char *dtb_path; /* argv's DTB, NULL when none was given */
};

typedef void (*check_fn)(const struct check_env *env);

struct check_test {
	const char *name;
	check_fn fn;
} __attribute__((aligned(16)));

/* Define and register a test: HOST_TEST(pagetable_blocks) { CHECK(...); } It runs as "pagetable_blocks"
   (--only pagetable runs every pagetable_* test); tests run in the order of their names. The entries form an array in
   the section host_tests (GCC does not pad globals placed in a named section, even under ASan). */
#define HOST_TEST(name)                                                                                                \
	static void test_##name(const struct check_env *env __attribute__((unused)));                                  \
	static const struct check_test host_test_##name                                                                \
	    __attribute__((used, section("host_tests"), aligned(16))) = {#name, test_##name};                          \
	static void test_##name(const struct check_env *env __attribute__((unused)))

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
