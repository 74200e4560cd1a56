/*
 * Boot arguments (DTB /chosen/bootargs, QEMU -append, the Pi's cmdline.txt).
 * Pure parsing, host-testable. If the line holds a "--" token, only what
 * follows it is ours (a board firmware may put its own arguments first).
 */
#ifndef SELFMOD_ARGS_H
#define SELFMOD_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#define ARGS_MAX_PATTERNS   16
#define ARGS_PATTERN_MAX    48
#define ARGS_ERROR_MAX	    200
#define ARGS_ITERATIONS_MAX 1000000000ULL
#define ARGS_CORE_LINES_MAX 8 /* MAX_CORES */
#define ARGS_LINE_MIN	    16
#define ARGS_LINE_MAX	    2048

struct suite_args {
	char patterns[ARGS_MAX_PATTERNS][ARGS_PATTERN_MAX]; /* run=: test names, groups or globs */
	unsigned npatterns;
	bool list;	     /* list the tests and stop */
	bool verbose;	     /* a line per round */
	uint64_t iterations; /* 0: each test's default */
	uint64_t seed;
	bool seed_set;
	char inject[ARGS_PATTERN_MAX];		  /* a deliberate defect for self-tests, "" for none */
	uint64_t test_timeout_s;		  /* each test's deadline; 0: the default */
	uint64_t run_timeout_s;			  /* the whole run's deadline; 0: the default */
	unsigned core_lines[ARGS_CORE_LINES_MAX]; /* core_lines=: core i's line bytes (the last repeats); */
	unsigned ncore_lines;			  /* 0: every core's own CTR_EL0 */
	char error[ARGS_ERROR_MAX];		  /* why args_parse failed */
};

#define ARGS_TIMEOUT_MAX_S 86400ULL
#define ARGS_USAGE                                                                                                     \
	"run=NAME|GROUP|GLOB[,...] list verbose iterations=N seed=N inject=NAME test_timeout=SECONDS "                 \
	"run_timeout=SECONDS core_lines=BYTES[,BYTES...]"

/* 0 on success; -1 with a->error naming the bad token and what is valid. */
int args_parse(struct suite_args *a, const char *cmdline);
/* Parse a whole decimal or 0x-hex number within [min, max]; false on anything else. */
bool args_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
