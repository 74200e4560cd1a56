/* A tiny KTAP test harness for the plugin's unit tests (host, no dependencies). */
#ifndef SMC_TAP_H
#define SMC_TAP_H

#include <stdbool.h>
#include <stddef.h>

struct unit_test {
	const char *name;
	void (*run)(void);
};

/* Record one check; a failed one prints "# FAIL file:line: message" inside the current test. */
#define CHECK(cond, ...) tap_check((cond), __FILE__, __LINE__, __VA_ARGS__)
bool tap_check(bool ok, const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Run every test as one KTAP result; returns the number of failed tests. */
int tap_run(const struct unit_test *const *groups, const size_t *counts, size_t ngroups);

#endif
