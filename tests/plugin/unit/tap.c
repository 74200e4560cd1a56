#include "tap.h"

#include <stdarg.h>
#include <stdio.h>

static unsigned failed_checks;

bool tap_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	if (ok)
		return true;
	va_list ap;
	va_start(ap, fmt);
	printf("    # FAIL %s:%d: ", file, line);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	failed_checks++;
	return false;
}

int tap_run(const struct unit_test *const *groups, const size_t *counts, size_t ngroups)
{
	size_t total = 0, n = 0;
	int failed = 0;
	for (size_t g = 0; g < ngroups; g++)
		total += counts[g];
	printf("KTAP version 1\n1..%zu\n", total);
	for (size_t g = 0; g < ngroups; g++) {
		for (size_t i = 0; i < counts[g]; i++) {
			unsigned before = failed_checks;
			groups[g][i].run();
			bool ok = failed_checks == before;
			failed += !ok;
			printf("%s %zu %s\n", ok ? "ok" : "not ok", ++n, groups[g][i].name);
		}
	}
	printf("# smc_plugin_tests: %zu passed, %d failed, 0 skipped\n", total - (size_t)failed, failed);
	return failed;
}
