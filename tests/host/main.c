/* Runs every host unit case as a KTAP test with nested results; exit status 0 iff all pass.
   argv[1] (a DTB, given by the host-unit configuration) is accepted for the cases that need one. */
#include <stdarg.h>
#include <stdio.h>

#include "ktap.h"
#include "unit.h"

struct unit_ctx {
	unsigned results, failed;
};

static void emit(void *ctx, const char *line)
{
	(void)ctx;
	puts(line);
}

static const struct ktap_writer out = {.emit = emit};

bool unit_check(struct unit_ctx *u, bool ok, const char *fmt, ...)
{
	char text[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	u->results++;
	u->failed += !ok;
	ktap_result(&out, 1, u->results, ok ? KTAP_OK : KTAP_NOT_OK, text, NULL);
	return ok;
}

struct unit_table {
	const struct unit_case *cases;
	const unsigned *count;
};

static const struct unit_table tables[] = {
    {litmus_unit_cases, &litmus_unit_count},
};

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	unsigned total = 0, number = 0, passed = 0, failed = 0;
	for (unsigned t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		total += *tables[t].count;
	ktap_version(&out, 0);
	ktap_plan(&out, 0, total);
	for (unsigned t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (unsigned i = 0; i < *tables[t].count; i++) {
			const struct unit_case *c = &tables[t].cases[i];
			struct unit_ctx u = {0};
			ktap_subtest_begin(&out, 1, c->name);
			c->run(&u);
			ktap_plan(&out, 1, u.results);
			ktap_result(&out, 0, ++number, u.failed || !u.results ? KTAP_NOT_OK : KTAP_OK, c->name, NULL);
			passed += !u.failed && u.results;
			failed += u.failed || !u.results;
		}
	printf("# unit tests: %u passed, %u failed, 0 skipped\n", passed, failed);
	return failed ? 1 : 0;
}
