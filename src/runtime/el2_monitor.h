/*
 * The EL2 monitor (boot/el2_monitor.S), present when the image entered at EL2: it gives each core
 * the CTR_EL0 value that core asks for, so a run can have cores that disagree on line sizes (boot
 * argument core_lines=). The request is an HVC with the function number in x0; an HVC the monitor does not
 * serve comes back to EL1 as an exception (EC 0x16, ELR after the HVC), reported like any other.
 */
#ifndef SELFMOD_EL2_MONITOR_H
#define SELFMOD_EL2_MONITOR_H

#define EL2_MONITOR_SET_CTR  0x5e1f0001 /* x1 = CTR_EL0 for this core's EL1 reads; 0: the real one */
#define EL2_MONITOR_UNKNOWN  0x5e1fffff /* no such function: EL1 takes the HVC as an exception */
#define EL2_STATE_SIZE_SHIFT 8		/* one core's slot: EL1's x0-x30, then the CTR_EL0 value */
#define EL2_STATE_CTR	     (31 * 8)

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

/* True where the monitor runs: the image entered at EL2 (set once by start.c). */
bool el2_monitor_present(void);
void el2_monitor_set_present(bool present);
/* This core's EL1 reads of CTR_EL0 return ctr from now on (0: the real register). 0, or -1 without the monitor. */
int el2_monitor_set_ctr(uint64_t ctr);
#endif

#endif
