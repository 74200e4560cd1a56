/*
 * A deadline on this core's EL1 physical timer (CNTP): when it passes, the
 * code running under run_protected() on this core is abandoned as if it had
 * faulted (fault kind EXC_KIND_DEADLINE). Needs the board's interrupt
 * controller; without one, deadline_available() is false.
 */
#ifndef SELFMOD_DEADLINE_H
#define SELFMOD_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

/* Core 0, once: whether interrupts work on this board. Then every core: deadline_init_this_core. */
void deadline_setup(bool irq_controller_ready);
void deadline_init_this_core(void);
bool deadline_available(void);
/* Fire at deadline (CNTPCT_EL0 ticks) unless disarmed first. IRQs must be unmasked to take it. */
void deadline_arm(uint64_t deadline);
void deadline_disarm(void);
/* The armed deadline, or 0 if none: to restore it after arming a shorter one. */
uint64_t deadline_armed(void);

#endif
