/*
 * Arm Generic Interrupt Controller, v2 (GIC-400, QEMU virt's default) and v3
 * (QEMU virt,gic-version=3): just what the suite needs: per-core PPIs (the
 * timer), acknowledge/end, and SGIs between cores.
 */
#ifndef SELFMOD_GIC_H
#define SELFMOD_GIC_H

#include <stdbool.h>
#include <stdint.h>

#include "fdt.h"

enum gic_version { GIC_NONE = 0, GIC_V2 = 2, GIC_V3 = 3 };

#define GIC_SPURIOUS	       1023
#define GIC_PPI_EL1_PHYS_TIMER 30 /* CNTP: PPI 14 (Arm BSA) */

/* The version the DTB describes (compatible "arm,gic-v3", "arm,cortex-a15-gic" or "arm,gic-400"). */
enum gic_version gic_version_from_fdt(const struct fdt *fdt);
/* Core 0: the distributor. cpu_or_redist is GICC (v2) or the first GICR frame (v3). */
void gic_init(enum gic_version v, uintptr_t dist, uintptr_t cpu_or_redist);
/* Every core: its CPU interface (and redistributor). false if its redistributor is not found. */
bool gic_init_this_core(void);
void gic_enable_ppi(unsigned id);
/* SGI sgi (0-15) to the core with this index (which must have run gic_init_this_core). */
bool gic_send_sgi(unsigned sgi, unsigned core);
unsigned gic_ack(void);
void gic_eoi(unsigned id);
enum gic_version gic_version(void);

#endif
