/* What core 0's start-up leaves for the rest of the firmware. */
#ifndef SELFMOD_START_H
#define SELFMOD_START_H

#include "fdt.h"

/* From boot/entry.S: x0 = DTB, w1 = the EL the image was entered at. */
void primary_start(const void *dtb, unsigned el) __attribute__((noreturn));
/* Core 0 from boot/entry.S when the image runs at another address than it was linked for. */
void wrong_load_address(uint64_t run, uint64_t link) __attribute__((noreturn));
/* Per-core runtime once the MMU is on: the C library's TLS and state (libc/). */
void core_runtime_init(unsigned idx);
const struct fdt *boot_dtb(void);
unsigned boot_entry_el(void);
/* Why interrupts (and so deadlines that stop a stuck test) are unavailable, or NULL. */
const char *boot_irq_problem(void);
/* The suite: src/suite.c. Returns the exit status. */
int suite_main(void);

#endif
