/* src/harness/ktap.c: the exact lines the writer emits, captured through its emit callback. */
#include <string.h>

#include "check.h"
#include "ktap.h"

#define CAPTURE_LINES 8

struct capture {
	char lines[CAPTURE_LINES][KTAP_LINE_MAX * 2];
	size_t lengths[CAPTURE_LINES];
	unsigned count, overflowed;
};

static void capture_line(void *ctx, const char *line)
{
	struct capture *c = ctx;
	if (c->count == CAPTURE_LINES) {
		c->overflowed++;
		return;
	}
	size_t n = strlen(line);
	c->lengths[c->count] = n;
	/* Copy at most the buffer, so an over-long line shows as too long rather than corrupting the test. */
	if (n >= sizeof(c->lines[0]))
		n = sizeof(c->lines[0]) - 1;
	memcpy(c->lines[c->count], line, n);
	c->lines[c->count++][n] = 0;
}

static struct capture cap;
static const struct ktap_writer w = {.emit = capture_line, .ctx = &cap};

static void reset(void)
{
	memset(&cap, 0, sizeof(cap));
}

/* The lines emitted since reset() are exactly expected[] (NULL-terminated). */
static void expect_lines(const char *what, const char *const *expected)
{
	unsigned n = 0;
	while (expected[n])
		n++;
	CHECK_EQ_U64(n, cap.count + cap.overflowed, "%s: number of lines", what);
	for (unsigned i = 0; i < n && i < cap.count; i++)
		CHECK_EQ_STR(expected[i], cap.lines[i], "%s: line %u", what, i + 1);
}

#define EXPECT(what, ...) expect_lines(what, (const char *const[]){__VA_ARGS__, NULL})

HOST_TEST(ktap_lines)
{
	(void)env;
	reset();
	ktap_version(&w, 0);
	EXPECT("version", "KTAP version 1");
	reset();
	ktap_plan(&w, 0, 17);
	EXPECT("plan", "1..17");
	reset();
	ktap_plan(&w, 1, 0);
	EXPECT("empty plan at depth 1", "    1..0");
	reset();
	ktap_subtest_begin(&w, 1, "pagetable_blocks");
	EXPECT("subtest at depth 1", "    KTAP version 1", "    # Subtest: pagetable_blocks");
	reset();
	ktap_subtest_begin(&w, 2, "inner");
	EXPECT("subtest at depth 2", "        KTAP version 1", "        # Subtest: inner");
	reset();
	ktap_result(&w, 0, 1, KTAP_OK, "passes", NULL);
	ktap_result(&w, 1, 2, KTAP_NOT_OK, "fails", NULL);
	ktap_result(&w, 0, 3, KTAP_SKIP, "skipped", "needs 4 cores");
	ktap_result(&w, 0, 4, KTAP_NOT_OK, "hangs", "TIMEOUT");
	ktap_result(&w, 1, 5, KTAP_OK, "later", "TODO");
	EXPECT("results and directives", "ok 1 passes", "    not ok 2 fails", "ok 3 skipped # SKIP needs 4 cores",
	       "not ok 4 hangs # TIMEOUT", "    ok 5 later # TODO");
	reset();
	ktap_diag(&w, 0, "seed=0x%x", 42);
	ktap_diag(&w, 1, "%s and %d", "text", -7);
	EXPECT("diagnostics", "# seed=0x2a", "    # text and -7");
	reset();
	ktap_bail_out(&w, "bad boot arguments");
	EXPECT("bail out", "Bail out! bad boot arguments");
}

/* ---- names, newlines and long lines ---- */

static void check_bounded(const char *what)
{
	CHECK(cap.count == 1 && cap.lengths[0] <= KTAP_LINE_MAX, "%s: one line of at most %d characters", what,
	      KTAP_LINE_MAX);
}

static void long_text(char *buf, size_t n, char c)
{
	memset(buf, c, n - 1);
	buf[n - 1] = 0;
}

HOST_TEST(ktap_sanitising)
{
	(void)env;
	char text[1000];
	reset();
	ktap_result(&w, 0, 5, KTAP_OK, "a#b\nc\rd", NULL);
	ktap_result(&w, 0, 6, KTAP_NOT_OK, "x # SKIP y", NULL);
	ktap_result(&w, 0, 7, KTAP_SKIP, "name#1", "reason");
	EXPECT("'#' and newlines in names", "ok 5 a_b_c_d", "not ok 6 x _ SKIP y", "ok 7 name_1 # SKIP reason");
	reset();
	ktap_diag(&w, 0, "two\nlines\r");
	ktap_subtest_begin(&w, 1, "sub\ntest");
	EXPECT("newlines in diagnostics and subtest names", "# two lines ", "    KTAP version 1",
	       "    # Subtest: sub test");

	long_text(text, sizeof(text), 'x');
	reset();
	ktap_diag(&w, 1, "%s", text);
	check_bounded("long diagnostic");
	CHECK(cap.lengths[0] == KTAP_LINE_MAX && strncmp(cap.lines[0], "    # xxxx", 10) == 0,
	      "long diagnostic: truncated to exactly %d characters, prefix kept", KTAP_LINE_MAX);
	reset();
	ktap_result(&w, 1, 123456, KTAP_NOT_OK, text, NULL);
	check_bounded("long result name");
	CHECK(strncmp(cap.lines[0], "    not ok 123456 xxxx", 22) == 0, "long result name: prefix kept");
	reset();
	ktap_result(&w, 0, 1, KTAP_SKIP, "t", text);
	check_bounded("long skip reason");
	reset();
	ktap_bail_out(&w, text);
	check_bounded("long bail out reason");
	reset();
	ktap_subtest_begin(&w, 40, text);
	CHECK(cap.count == 2 && cap.lengths[0] <= KTAP_LINE_MAX && cap.lengths[1] <= KTAP_LINE_MAX &&
		  strstr(cap.lines[0], "KTAP version 1"),
	      "subtest at depth 40 with a long name: two bounded lines");
}
