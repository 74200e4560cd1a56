/* The plugin's arguments: defaults, every key, and a clear error for each kind of bad input. */
#include <string.h>

#include "checker_args.h"
#include "check.h"

static int parse(const char *joined, struct checker_args *a, char *err)
{
	static char buf[256];
	char *argv[16];
	int argc = 0;
	strcpy(buf, joined);
	for (char *tok = strtok(buf, " "); tok && argc < 16; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	return checker_args_parse(argc, argv, a, err, 256);
}

/* defaults and every key */
HOST_TEST(args_defaults_and_every_key)
{
	struct checker_args a;
	char err[256];
	CHECK(parse("", &a, err) == 0 && a.line == 64 && !a.idc && !a.dic && a.ram == 0x40000000 && !a.log &&
		  a.max_reports == 1000,
	      "defaults");
	CHECK(parse("log=/tmp/x idc=1 dic=1 line=128 ram=0x80000000 max_reports=5", &a, err) == 0 && a.idc && a.dic &&
		  a.line == 128 && a.ram == 0x80000000u && a.max_reports == 5 && !strcmp(a.log, "/tmp/x"),
	      "every key");
	CHECK(parse("line=32 core_lines=64/32", &a, err) == 0 && a.ncore_lines == 2 && a.core_lines[0] == 64 &&
		  a.core_lines[1] == 32,
	      "core_lines");
}

/* bad input is named, with the usage */
HOST_TEST(args_bad_input_is_named)
{
	const char *bad[][2] = {{"idc", "not key=value"},
				{"idc=2", "bad value in 'idc=2'"},
				{"line=48", "bad value in 'line=48'"},
				{"line=8192", "bad value"},
				{"ram=0x4000zz", "bad value"},
				{"max_reports=-1", "bad value"},
				{"log=", "bad value"},
				{"colour=blue", "unknown argument 'colour=blue'"},
				{"core_lines=", "bad value in 'core_lines='"},
				{"core_lines=64/", "bad value"},
				{"core_lines=64//32", "bad value"},
				{"core_lines=48", "bad value"},
				{"line=64 core_lines=32", "core_lines: 32 is not line=64"},
				{"line=32 core_lines=512", "core_lines: 512 is not line=32"}};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct checker_args a;
		char err[256] = "";
		CHECK(parse(bad[i][0], &a, err) == -1 && strstr(err, bad[i][1]) && strstr(err, "idc=0|1"),
		      "'%s': got '%s'", bad[i][0], err);
	}
}
