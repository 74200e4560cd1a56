/*
 * What the QEMU checker (tests/checked.py, tests/plugin) must see. The
 * checker attributes each "# hazard:" line to the nested result that follows
 * it; a nested case that the architecture guarantees must show none, and one
 * that runs a weakened sequence must show at least one. A scenario marks the
 * second kind by calling checker_expect_hazard before running the case, after
 * deciding from this core's IDC/DIC whether stale code is allowed at all.
 * On silicon (no checker) the line is just a diagnostic.
 */
#ifndef SELFMOD_CHECKER_EXPECT_H
#define SELFMOD_CHECKER_EXPECT_H

#include "suite.h"

#define CHECKER_EXPECT_HAZARD "checker: expect hazard"

static inline void checker_expect_hazard(struct test *t, const char *why)
{
	report_info(t, CHECKER_EXPECT_HAZARD ": %s", why);
}

#endif
