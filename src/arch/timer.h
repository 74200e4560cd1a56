/* The generic timer's physical counter as a clock for deadlines (CNTFRQ_EL0 is read, never assumed). */
#ifndef SELFMOD_TIMER_H
#define SELFMOD_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu.h"

static inline uint64_t timer_ticks(void)
{
	isb();
	return read_sysreg(cntpct_el0);
}
static inline uint64_t timer_freq(void)
{
	return read_sysreg(cntfrq_el0);
}
static inline uint64_t ticks_to_us(uint64_t ticks)
{
	return ticks * 1000000 / timer_freq();
}
static inline uint64_t deadline_after_us(uint64_t us)
{
	return timer_ticks() + us * timer_freq() / 1000000;
}
static inline bool deadline_passed(uint64_t deadline)
{
	return timer_ticks() >= deadline;
}

#endif
