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

/* The same when only the blocks starting in one line (at va) run the weakened sequence: hazards of
   other blocks in the case are someone else's (make check-routine charges them to the user's routine). */
static inline void checker_expect_hazard_at(struct test *t, const char *why, uintptr_t va)
{
	report_info(t, CHECKER_EXPECT_HAZARD ": %s (only in blocks at va 0x%llx)", why, (unsigned long long)va);
}

#endif
