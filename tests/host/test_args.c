/* src/harness/args.c: boot-argument lines accepted (with what they set) and rejected (with what the error names). */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "check.h"

#define ZEROS_10  "0000000000"
#define ZEROS_60  ZEROS_10 ZEROS_10 ZEROS_10 ZEROS_10 ZEROS_10 ZEROS_10
#define ZEROS_121 ZEROS_60 ZEROS_60 "0"
/* A valid 127-character token (the longest allowed) and a 128-character one. */
#define TOKEN_127   "seed=" ZEROS_121 "7"
#define TOKEN_128   "seed=" ZEROS_121 "07"
#define PATTERNS_16 "run=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p"
#define PATTERN_47  "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstu"

static const struct {
	const char *line;
	struct suite_args expected;
} accepted[] = {
    {NULL, {.npatterns = 0}},
    {"", {.npatterns = 0}},
    {"   \t\n ", {.npatterns = 0}},
    {"run=a,b", {.patterns = {"a", "b"}, .npatterns = 2}},
    {"run=cross_* run=same_core", {.patterns = {"cross_*", "same_core"}, .npatterns = 2}},
    {PATTERNS_16,
     {.patterns = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p"}, .npatterns = 16}},
    {"run=" PATTERN_47, {.patterns = {PATTERN_47}, .npatterns = 1}},
    {"list", {.list = true}},
    {"verbose list", {.list = true, .verbose = true}},
    {"iterations=1", {.iterations = 1}},
    {"iterations=1000000000", {.iterations = 1000000000}},
    {"iterations=0x10", {.iterations = 16}},
    {"seed=0", {.seed = 0, .seed_set = true}},
    {"seed=0xffffffffffffffff", {.seed = UINT64_MAX, .seed_set = true}},
    {"seed=18446744073709551615", {.seed = UINT64_MAX, .seed_set = true}},
    {"seed=0XDeadBeef", {.seed = 0xdeadbeef, .seed_set = true}},
    {TOKEN_127, {.seed = 7, .seed_set = true}},
    {"inject=skip_ic", {.inject = "skip_ic"}},
    {"console=ttyAMA0 foo=bar -- run=x", {.patterns = {"x"}, .npatterns = 1}},
    {"-- verbose", {.verbose = true}},
    {"--", {.npatterns = 0}},
    {"console=ttyAMA0 -- ", {.npatterns = 0}},
    {" \t verbose\titerations=5\n", {.verbose = true, .iterations = 5}},
    {"test_timeout=1 run_timeout=86400", {.test_timeout_s = 1, .run_timeout_s = 86400}},
    {"run_timeout=0x3c", {.run_timeout_s = 60}},
    {"core_lines=64,32", {.core_lines = {64, 32}, .ncore_lines = 2}},
    {"core_lines=2048", {.core_lines = {2048}, .ncore_lines = 1}},
    {"core_lines=16,32,64,128,256,512,1024,2048",
     {.core_lines = {16, 32, 64, 128, 256, 512, 1024, 2048}, .ncore_lines = 8}},
    /* A "--" token ends the firmware's arguments wherever it stands and whatever blanks surround it. */
    {"console=ttyAMA0 --", {.npatterns = 0}},
    {"console=ttyAMA0\t--\trun=x", {.patterns = {"x"}, .npatterns = 1}},
    {"console=ttyAMA0 --\trun=x", {.patterns = {"x"}, .npatterns = 1}},
    {"a--b=1 -- verbose", {.verbose = true}},
};

static void check_fields(const char *line, const struct suite_args *want, const struct suite_args *got)
{
	CHECK_EQ_U64(want->npatterns, got->npatterns, "'%s': number of patterns", line);
	for (unsigned i = 0; i < want->npatterns && i < got->npatterns; i++)
		CHECK_EQ_STR(want->patterns[i], got->patterns[i], "'%s': pattern %u", line, i);
	CHECK(want->list == got->list && want->verbose == got->verbose, "'%s': list and verbose", line);
	CHECK_EQ_U64(want->iterations, got->iterations, "'%s': iterations", line);
	CHECK_EQ_U64(want->seed, got->seed, "'%s': seed", line);
	CHECK_EQ_U64(want->seed_set, got->seed_set, "'%s': seed_set", line);
	CHECK_EQ_STR(want->inject, got->inject, "'%s': inject", line);
	CHECK(want->test_timeout_s == got->test_timeout_s && want->run_timeout_s == got->run_timeout_s,
	      "'%s': timeouts", line);
	CHECK_EQ_U64(want->ncore_lines, got->ncore_lines, "'%s': number of core_lines", line);
	for (unsigned i = 0; i < want->ncore_lines && i < got->ncore_lines; i++)
		CHECK_EQ_U64(want->core_lines[i], got->core_lines[i], "'%s': core_lines %u", line, i);
}

HOST_TEST(args_accepted)
{
	(void)env;
	for (size_t i = 0; i < ARRAY_SIZE(accepted); i++) {
		struct suite_args a;
		const char *line = accepted[i].line;
		char shown[48];
		snprintf(shown, sizeof(shown), "%s", line ? line : "(NULL)");
		if (CHECK_EQ_U64(0, args_parse(&a, line), "'%s' accepted", shown))
			check_fields(shown, &accepted[i].expected, &a);
		else
			check_diag("error: %s", a.error);
	}
}

/* ---- rejected lines: the error must name the offending token and say what is wrong ---- */

static const struct {
	const char *line;
	const char *names;  /* the offending token, as the message quotes it */
	const char *reason; /* a word of the explanation */
} rejected[] = {
    {"run=", "'run='", "needs a test name"},
    {"run=a,", "'run=a,'", "ends with a comma"},
    {"run=a,,b", "'run=a,,b'", "empty"},
    {"run=,a", "'run=,a'", "empty"},
    {"run=" PATTERN_47 "v", "'run=" PATTERN_47 "v'", "over-long"},
    {PATTERNS_16 ",q", "'" PATTERNS_16 ",q'", "too many"},
    {PATTERNS_16 " run=q", "'run=q'", "too many"},
    {"iterations=0", "'iterations=0'", "1 to 1000000000"},
    {"iterations=1000000001", "'iterations=1000000001'", "1 to 1000000000"},
    {"iterations=12abc", "'iterations=12abc'", "whole number"},
    {"iterations=", "'iterations='", "whole number"},
    {"iterations=-1", "'iterations=-1'", "whole number"},
    {"iterations=0x", "'iterations=0x'", "whole number"},
    {"iterations=99999999999999999999", "'iterations=99999999999999999999'", "whole number"},
    {"seed=18446744073709551616", "'seed=18446744073709551616'", "below 2^64"},
    {"seed=0x10000000000000000", "'seed=0x10000000000000000'", "below 2^64"},
    {"seed=0x1g", "'seed=0x1g'", "below 2^64"},
    {"inject=", "'inject='", "deliberate defect"},
    {"core_lines=", "'core_lines='", "powers of two"},
    {"core_lines=64,", "'core_lines=64,'", "powers of two"},
    {"core_lines=64,,32", "'core_lines=64,,32'", "powers of two"},
    {"core_lines=48", "'core_lines=48'", "powers of two"},
    {"core_lines=8", "'core_lines=8'", "powers of two"},
    {"core_lines=4096", "'core_lines=4096'", "powers of two"},
    {"core_lines=64x", "'core_lines=64x'", "powers of two"},
    {"core_lines=16,16,16,16,16,16,16,16,16", "'core_lines=16,16,16,16,16,16,16,16,16'", "one per core"},
    {"test_timeout=0", "'test_timeout=0'", "1 to 86400"},
    {"run_timeout=86401", "'run_timeout=86401'", "1 to 86400"},
    {"test_timeout", "'test_timeout'", "valid"},
    {"bogus", "'bogus'", "valid"},
    {"verbose=1", "'verbose=1'", "valid"},
    {"list=yes", "'list=yes'", "valid"},
    {"run", "'run'", "valid"},
    {"verbose console=ttyAMA0", "'console=ttyAMA0'", "valid"},
    {"console=ttyAMA0 foo=bar run=x", "'console=ttyAMA0'", "valid"},
    {"run=x -- bogus", "'bogus'", "valid"},
    {TOKEN_128, "'" TOKEN_128, "too long"},
};

HOST_TEST(args_rejected)
{
	(void)env;
	for (size_t i = 0; i < ARRAY_SIZE(rejected); i++) {
		struct suite_args a;
		char shown[48];
		snprintf(shown, sizeof(shown), "%s", rejected[i].line);
		if (!CHECK_EQ_U64((uint64_t)-1, (uint64_t)args_parse(&a, rejected[i].line), "'%s' rejected", shown))
			continue;
		/* For long tokens the message quotes the first 40 characters: compare that much. */
		char quoted[42];
		snprintf(quoted, sizeof(quoted), "%s", rejected[i].names);
		CHECK_CONTAINS(a.error, quoted, "'%s': error names the token", shown);
		CHECK_CONTAINS(a.error, rejected[i].reason, "'%s': error says '%s'", shown, rejected[i].reason);
	}
	struct suite_args a;
	args_parse(&a, "nonsense");
	CHECK_CONTAINS(a.error, ARGS_USAGE, "unknown key: error lists the valid arguments");
}

/* ---- args_parse_u64 ---- */

static const struct {
	const char *s;
	uint64_t min, max;
	bool ok;
	uint64_t value;
} numbers[] = {
    {"0", 0, 10, true, 0},
    {"10", 0, 10, true, 10},
    {"11", 0, 10, false, 0},
    {"4", 5, 10, false, 0},
    {"0x0", 0, 1, true, 0},
    {"0xaBcD", 0, UINT64_MAX, true, 0xabcd},
    {"007", 0, 10, true, 7},
    {"18446744073709551615", 0, UINT64_MAX, true, UINT64_MAX},
    {"18446744073709551616", 0, UINT64_MAX, false, 0},
    {"0xffffffffffffffff", 0, UINT64_MAX, true, UINT64_MAX},
    {"0x00000000000000000000000000000001", 0, UINT64_MAX, true, 1},
    {"0x10000000000000000", 0, UINT64_MAX, false, 0},
    {"", 0, UINT64_MAX, false, 0},
    {"0x", 0, UINT64_MAX, false, 0},
    {"abc", 0, UINT64_MAX, false, 0},
    {"12abc", 0, UINT64_MAX, false, 0},
    {" 1", 0, UINT64_MAX, false, 0},
    {"1 ", 0, UINT64_MAX, false, 0},
    {"+1", 0, UINT64_MAX, false, 0},
    {"-1", 0, UINT64_MAX, false, 0},
    {"1e3", 0, UINT64_MAX, false, 0},
    {"0b101", 0, UINT64_MAX, false, 0},
};

HOST_TEST(args_u64)
{
	(void)env;
	for (size_t i = 0; i < ARRAY_SIZE(numbers); i++) {
		uint64_t v = 0x5a5a5a5a;
		bool ok = args_parse_u64(numbers[i].s, numbers[i].min, numbers[i].max, &v);
		CHECK_EQ_U64(numbers[i].ok, ok, "'%s' in [%llu, %llu] %s", numbers[i].s,
			     (unsigned long long)numbers[i].min, (unsigned long long)numbers[i].max,
			     numbers[i].ok ? "accepted" : "rejected");
		/* Accepted: the value; rejected: *out untouched. */
		CHECK_EQ_U64(numbers[i].ok ? numbers[i].value : 0x5a5a5a5a, v, "'%s': value", numbers[i].s);
	}
}
