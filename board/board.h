/*
 * The narrow interface every board folder implements: console, memory map,
 * core start, interrupts and power. src/ uses nothing else of a board.
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

const char *board_name(void);
/* Console before anything else: the MMU is off, the DTB not yet read. */
void board_console_init(void);
void board_console_putc(char c);
/* MMIO regions to map as Device-nGnRE; count returned, *regions set. */
unsigned board_mmio_regions(const struct mem_region **regions);
/* Learn from the DTB what the board needs (PSCI conduit, ...); 0 or -1 with *why set. */
int board_init(const struct fdt *fdt, const char **why);
/* Start core with MPIDR mpidr at entry (physical), x0 = context. 0, or a negative board error. */
int board_core_start(uint64_t mpidr, uint64_t entry, uint64_t context);
const char *board_core_start_strerror(int err);
/*
 * Interrupts. board_irq_init once on core 0 (0, or -1 with *why when there is
 * no usable controller: deadlines then cannot interrupt a stuck test),
 * board_irq_init_this_core on every core, then the per-core timer interrupt.
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

/* End the run: report status to the host where it can listen, then power off or halt. Never returns. */
void board_exit(int status) __attribute__((noreturn));

#endif
