/*
 * How long a scenario keeps starting rounds: until a quarter of the time left to the test's deadline
 * (the deadline timer armed on core 0 for the running test) has passed, so its joins and its report
 * always fit before the deadline, even on a platform where a round costs milliseconds (multi-threaded
 * TCG running self-modifying code). test_timeout=S raises it for long stress runs. Without a deadline
 * timer: ROUND_BUDGET_FALLBACK_S seconds.
 */
#ifndef SELFMOD_ROUND_BUDGET_H
#define SELFMOD_ROUND_BUDGET_H

#include <stdint.h>

#include "deadline.h"
#include "timer.h"

#define ROUND_BUDGET_FALLBACK_S 10

/* The timer tick at which to stop starting rounds; parts > 1 splits it into that many equal shares
   (the share of part i ends at round_budget_share(start, end, parts, i)). */
static inline uint64_t round_budget_end(void)
{
	uint64_t now = timer_ticks(), deadline = deadline_armed();
	uint64_t left = deadline > now ? deadline - now : 4 * ROUND_BUDGET_FALLBACK_S * timer_freq();
	return now + left / 4;
}

static inline uint64_t round_budget_share(uint64_t start, uint64_t end, unsigned parts, unsigned i)
{
	return start + (end - start) / parts * (i + 1);
}

#endif
