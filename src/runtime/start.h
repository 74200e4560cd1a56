/* Core 0's start-up, and what it hands to the program above it. */
#ifndef SELFMOD_START_H
#define SELFMOD_START_H

#include <stdint.h>

#include "fdt.h"

/* What core 0's start-up found, handed to suite_main. */
struct boot_info {
	const struct fdt *dtb;
	unsigned entry_el;	 /* the EL the image was entered at */
	const char *irq_problem; /* why interrupts (and so deadlines that stop a stuck test) are unavailable, or NULL */
};

/* From boot/entry.S: x0 = DTB, w1 = the EL the image was entered at. */
void primary_start(const void *dtb, unsigned el) __attribute__((noreturn));
/* Core 0 from boot/entry.S when the image runs at another address than it was linked for. */
void wrong_load_address(uint64_t run, uint64_t link) __attribute__((noreturn));
/* The program start-up hands over to once every core is up, as crt0 calls main (the suite:
   src/harness/suite.c). Returns the exit status. */
int suite_main(const struct boot_info *boot);

#endif
