/* src/libc/newlib/fnmatch.c (newlib builds none for aarch64-none-elf): run= patterns as POSIX.1-2017 2.13
   matches them with flags 0. The host program's fnmatch is this one (it overrides the C library's). */
#include <fnmatch.h>

#include "check.h"

static const struct {
	const char *pattern, *string;
	int match;
} cases[] = {
    {"cross_core", "cross_core", 1},
    {"cross_core", "cross_cor", 0},
    {"cross_core", "cross_core2", 0},
    {"", "", 1},
    {"", "a", 0},
    {"*", "", 1},
    {"*", "anything", 1},
    {"cross_*", "cross_core", 1},
    {"cross_*", "same_core", 0},
    {"*_core", "same_core", 1},
    {"*core*", "same_core_x", 1},
    {"a*b*c", "aXbYbZc", 1},
    {"a*b*c", "aXbYbZ", 0},
    {"**", "x", 1},
    {"?", "a", 1},
    {"?", "", 0},
    {"??_core", "ab_core", 1},
    {"[abc]x", "bx", 1},
    {"[abc]x", "dx", 0},
    {"[a-c]x", "cx", 1},
    {"[!a-c]x", "dx", 1},
    {"[!a-c]x", "ax", 0},
    {"[^a]", "b", 1},
    {"[]]", "]", 1},
    {"[a-]", "-", 1},
    {"[", "[", 1},
    {"[ab", "[ab", 1},
    {"\\*", "*", 1},
    {"\\*", "a", 0},
    {"\\?x", "?x", 1},
    {"litmus*", "litmus-a72", 1},
    {"SM.B+dsb.ish", "SM.B+dsb.ish", 1},
    {"SM.*", "SM.B+dsb.ish", 1},
    {"*+*", "MP.RF+cachesync+ctrlisb", 1},
};

HOST_TEST(fnmatch_patterns)
{
	(void)env;
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK((fnmatch(cases[i].pattern, cases[i].string, 0) == 0) == cases[i].match,
		      "fnmatch(\"%s\", \"%s\") %s", cases[i].pattern, cases[i].string,
		      cases[i].match ? "matches" : "does not match");
}
