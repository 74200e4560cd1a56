/*
 * The spin-table enable method (Linux Documentation/arch/arm64/booting.rst,
 * the Raspberry Pi's and QEMU raspi's way of starting secondary cores): each
 * core waits in the firmware's stub, with its caches off, for a non-zero
 * address in its release slot, then branches there with x0 = 0.
 *
 * spintable_from_fdt/spintable_release_addr are pure (host-tested);
 * spintable_release (src/runtime/spintable_release.c) writes the slot, and
 * boot/spintable_entry.S turns the arrival into secondary_entry(x0 = context).
 */
#ifndef SELFMOD_SPINTABLE_H
#define SELFMOD_SPINTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "fdt.h"
#include "layout.h"

/* Fallback when a /cpus/cpu node has no cpu-release-addr: the slots of the Pi firmware's and
   QEMU raspi's stubs, 0xd8 + 8 * Aff0 for cores 0-3 (cores 1-3 use 0xe0, 0xe8, 0xf0). */
#define SPINTABLE_FALLBACK_SLOT0       0xd8UL
#define SPINTABLE_FALLBACK_SLOT_STRIDE 8UL
#define SPINTABLE_FALLBACK_CORES       4

/* Errors of spintable_release (negative, like PSCI's). */
#define SPINTABLE_ERR_NO_SLOT	 -101 /* the DTB names another enable method, or no slot is known */
#define SPINTABLE_ERR_UNMAPPED	 -102 /* the release slot is outside the memory map */
#define SPINTABLE_ERR_TABLE_FULL -103 /* more cores than MAX_CORES */

enum spintable_source { SPINTABLE_NONE, SPINTABLE_FROM_DTB, SPINTABLE_FALLBACK };

struct spintable_core {
	uint64_t mpidr;	       /* affinity bits of the cpu node's reg */
	uint64_t release_addr; /* physical address of its release slot, 0 if none */
	enum spintable_source source;
	char method[16]; /* the node's enable-method, "" if absent */
};

struct spintable {
	struct spintable_core core[MAX_CORES];
	unsigned count;
};

/* Read every /cpus/cpu node: enable-method "spin-table" and cpu-release-addr, with the
   documented fallback slots for nodes that name no method and no address. 0, or -1 with *why. */
int spintable_from_fdt(struct spintable *t, const struct fdt *fdt, const char **why);
/* The release slot of the core with this MPIDR (affinity bits compared), 0 if none. */
uint64_t spintable_release_addr(const struct spintable *t, uint64_t mpidr);
const struct spintable_core *spintable_find(const struct spintable *t, uint64_t mpidr);
const char *spintable_source_name(enum spintable_source s);

/* Release core mpidr through its slot so that it runs entry with x0 = context (MMU off, as after
   PSCI CPU_ON). Slot write, clean to PoC (the waiting core reads with caches off), DSB SY, SEV.
   0, or a SPINTABLE_ERR_ code. */
int spintable_release(uint64_t release_addr, uint64_t mpidr, uint64_t entry, uint64_t context);
const char *spintable_strerror(int err);

#endif
