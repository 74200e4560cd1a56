/*
 * The narrow interface every board folder implements: console, memory map,
 * core start, interrupts and power. src/ uses nothing else of a board.
 * Every function must be defined (the image does not link otherwise):
 *   Mandatory  the port must do what it says;
 *   Optional   a stub that reports the feature missing is enough (the suite
 *              then runs on one core, or without interrupts, and says so).
 * board/virt/board.c is the smallest complete port; README: Add a board.
 */
#ifndef SELFMOD_BOARD_H
#define SELFMOD_BOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "fdt.h"

enum region_kind { REGION_DEVICE, REGION_NORMAL };

struct mem_region {
	uint64_t base, size;
	enum region_kind kind;
};

/* Mandatory: the name printed in the suite's header ("virt", "rpi4"). */
const char *board_name(void);
/* Mandatory: the console, before anything else (the MMU is off, the DTB not yet read): init, then
   one character at a time, polled (it must work with interrupts masked). */
void board_console_init(void);
void board_console_putc(char c);
/* Mandatory: every MMIO region the port and its drivers touch, mapped Device-nGnRE: sets *regions,
   returns the count. RAM comes from the DTB's /memory node, not from here. */
unsigned board_mmio_regions(const struct mem_region **regions);
/* Mandatory: learn from the DTB what the board needs (PSCI conduit, spin table...): 0, or -1 with
   the reason in *why (start-up stops with it). A board with nothing to learn returns 0. */
int board_init(const struct fdt *fdt, const char **why);
/* Optional: start core with MPIDR mpidr at entry (physical), x0 = context; 0, or a negative board
   error. A stub returning an error leaves the suite on one core (multi-core tests skipped). */
int board_core_start(uint64_t mpidr, uint64_t entry, uint64_t context);
/* Mandatory with board_core_start: the message for one of its errors. */
const char *board_core_start_strerror(int err);
/*
 * Optional, all together: interrupts (board/common/gic_irq.c for a GIC; board/pi/pi_irq_none.c is
 * the stub). board_irq_init once on core 0 (0, or -1 with *why when there is no usable controller:
 * deadlines then cannot interrupt a stuck test, and tests that need SGIs skip), board_irq_init_this_core
 * on every core, then the per-core timer interrupt.
 */
int board_irq_init(const struct fdt *fdt, const char **why);
bool board_irq_init_this_core(void);
void board_irq_enable_timer(void);
/* Acknowledge the pending interrupt: its number, BOARD_IRQ_TIMER, or BOARD_IRQ_NONE. */
unsigned board_irq_ack(void);
void board_irq_eoi(unsigned irq);
/* Send software-generated interrupt sgi (0-15) to the core with this index; false if the board cannot. */
bool board_irq_send_sgi(unsigned sgi, unsigned core);
#define BOARD_IRQ_TIMER 30 /* the EL1 physical timer (the GIC's PPI 30; other boards map theirs to it) */
#define BOARD_IRQ_NONE	1023

/* Mandatory: end the run: report status to the host where it can listen (semihosting under QEMU),
   then power off or halt. Never returns. */
void board_exit(int status) __attribute__((noreturn));

#endif
