#include "gic.h"

#include "cpu.h"
#include "layout.h"
#include "sysreg.h"

/* Distributor (both versions), IHI 0048 / IHI 0069 */
#define GICD_CTLR	       0x0000
#define GICD_ISENABLER(n)      (0x0100 + 4 * (n))
#define GICD_IPRIORITYR(n)     (0x0400 + 4 * (n))
#define GICD_SGIR	       0x0f00
#define GICD_ITARGETSR0	       0x0800 /* reads back this core's CPU interface mask (banked) */
#define GICD_SGIR_TARGET_SHIFT 16
#define GICD_CTLR_ENABLE_GRP0  (1u << 0)
#define GICD_CTLR_ENABLE_GRP1  (1u << 1)
#define GICD_CTLR_ARE	       (1u << 4)
#define GICD_CTLR_RWP	       (1u << 31)
/* GICv2 CPU interface */
#define GICC_CTLR 0x0000
#define GICC_PMR  0x0004
#define GICC_IAR  0x000c
#define GICC_EOIR 0x0010
/* GICv3 redistributor: RD_base frame, then SGI_base frame 64 KiB above */
#define GICR_FRAME_SIZE		   0x20000
#define GICR_TYPER		   0x0008
#define GICR_WAKER		   0x0014
#define GICR_TYPER_LAST		   (1u << 4)
#define GICR_WAKER_PROCESSOR_SLEEP (1u << 1)
#define GICR_WAKER_CHILDREN_ASLEEP (1u << 2)
#define GICR_SGI_BASE		   0x10000
#define GICR_IGROUPR0		   0x0080
#define GICR_ISENABLER0		   0x0100
#define GICR_IPRIORITYR(n)	   (0x0400 + 4 * (n))
/* GICv3 CPU interface system registers */

#define PRIORITY_DEFAULT  0xa0
#define PRIORITY_MASK_ALL 0xf0 /* let every priority above this through */
#define POLL_LIMIT	  1000000

static enum gic_version version;
static uintptr_t dist_base, cpu_base, redist_base;
static uintptr_t this_redist[MAX_CORES];
static uint8_t cpu_interface_mask[MAX_CORES]; /* GICv2 SGI target of each core */
static uint64_t core_mpidr[MAX_CORES];	      /* GICv3 SGI target of each core */

static volatile uint32_t *reg32(uintptr_t base, unsigned off)
{
	return (volatile uint32_t *)(base + off);
}
static volatile uint64_t *reg64(uintptr_t base, unsigned off)
{
	return (volatile uint64_t *)(base + off);
}

enum gic_version gic_version(void)
{
	return version;
}

static int find_compatible(const struct fdt *f, int node, const char *compat)
{
	if (fdt_prop_has_string(f, node, "compatible", compat))
		return node;
	for (int c = fdt_first_subnode(f, node); c >= 0; c = fdt_next_subnode(f, c)) {
		int hit = find_compatible(f, c, compat);
		if (hit >= 0)
			return hit;
	}
	return -1;
}

enum gic_version gic_version_from_fdt(const struct fdt *fdt)
{
	if (find_compatible(fdt, 0, "arm,gic-v3") >= 0)
		return GIC_V3;
	if (find_compatible(fdt, 0, "arm,cortex-a15-gic") >= 0 || find_compatible(fdt, 0, "arm,gic-400") >= 0)
		return GIC_V2;
	return GIC_NONE;
}

static void wait_rwp(void)
{
	for (unsigned i = 0; i < POLL_LIMIT && (*reg32(dist_base, GICD_CTLR) & GICD_CTLR_RWP); i++)
		;
}

void gic_init(enum gic_version v, uintptr_t dist, uintptr_t cpu_or_redist)
{
	version = v;
	dist_base = dist;
	if (v == GIC_V2) {
		cpu_base = cpu_or_redist;
		*reg32(dist_base, GICD_CTLR) = GICD_CTLR_ENABLE_GRP0;
	} else if (v == GIC_V3) {
		redist_base = cpu_or_redist;
		*reg32(dist_base, GICD_CTLR) = GICD_CTLR_ARE | GICD_CTLR_ENABLE_GRP1 | GICD_CTLR_ENABLE_GRP0;
		wait_rwp();
	}
}

/* The redistributor whose GICR_TYPER affinity is this core's MPIDR. */
static uintptr_t find_redist(void)
{
	uint64_t mpidr = read_sysreg(mpidr_el1);
	uint32_t aff = (uint32_t)((mpidr & 0xffffff) | ((mpidr >> 32) & 0xff) << 24);
	for (uintptr_t rd = redist_base;; rd += GICR_FRAME_SIZE) {
		uint64_t typer = *reg64(rd, GICR_TYPER);
		if ((uint32_t)(typer >> 32) == aff)
			return rd;
		if (typer & GICR_TYPER_LAST)
			return 0;
	}
}

static void enable_private(unsigned id);

/* Every SGI, on this core: they are how cores interrupt each other. */
static void enable_sgis(void)
{
	for (unsigned sgi = 0; sgi < 16; sgi++)
		enable_private(sgi);
}

bool gic_init_this_core(void)
{
	unsigned core = (unsigned)read_sysreg(tpidr_el1); /* the core index (boot/entry.S) */
	core_mpidr[core] = read_sysreg(mpidr_el1);
	if (version == GIC_V2) {
		cpu_interface_mask[core] = (uint8_t)*reg32(dist_base, GICD_ITARGETSR0);
		*reg32(cpu_base, GICC_PMR) = PRIORITY_MASK_ALL;
		*reg32(cpu_base, GICC_CTLR) = 1;
		enable_sgis();
		return true;
	}
	if (version != GIC_V3)
		return false;
	uintptr_t rd = find_redist();
	if (!rd)
		return false;
	this_redist[core] = rd;
	*reg32(rd, GICR_WAKER) &= ~GICR_WAKER_PROCESSOR_SLEEP;
	for (unsigned i = 0; i < POLL_LIMIT && (*reg32(rd, GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP); i++)
		;
	*reg32(rd + GICR_SGI_BASE, GICR_IGROUPR0) = ~0u; /* SGIs and PPIs in Group 1 */
	write_sysreg(ICC_SRE_EL1, read_sysreg(ICC_SRE_EL1) | ICC_SRE_SRE);
	isb();
	write_sysreg(ICC_PMR_EL1, PRIORITY_MASK_ALL);
	write_sysreg(ICC_IGRPEN1_EL1, ICC_IGRPEN1_ENABLE);
	isb();
	enable_sgis();
	return true;
}

void gic_enable_ppi(unsigned id)
{
	enable_private(id);
}

static void enable_private(unsigned id)
{
	unsigned core = (unsigned)read_sysreg(tpidr_el1); /* the core index (boot/entry.S) */
	uintptr_t base = version == GIC_V3 ? this_redist[core] + GICR_SGI_BASE : dist_base;
	unsigned prio_off = version == GIC_V3 ? GICR_IPRIORITYR(id / 4) : GICD_IPRIORITYR(id / 4);
	unsigned shift = 8 * (id % 4);
	*reg32(base, prio_off) = (*reg32(base, prio_off) & ~(0xffu << shift)) | (PRIORITY_DEFAULT << shift);
	*reg32(base, version == GIC_V3 ? GICR_ISENABLER0 : GICD_ISENABLER(0)) = 1u << id;
	dsb_sy();
}

bool gic_send_sgi(unsigned sgi, unsigned core)
{
	if (sgi > 15 || core >= MAX_CORES)
		return false;
	dsb_ish(); /* what the sender wrote is visible to the handler */
	if (version == GIC_V2 && cpu_interface_mask[core]) {
		*reg32(dist_base, GICD_SGIR) = (uint32_t)cpu_interface_mask[core] << GICD_SGIR_TARGET_SHIFT | sgi;
		return true;
	}
	if (version != GIC_V3 || !core_mpidr[core])
		return false;
	uint64_t m = core_mpidr[core];
	uint64_t aff0 = m & 0xff;
	write_sysreg(ICC_SGI1R_EL1, (uint64_t)sgi << SGI1R_INTID_SHIFT | ((m >> 8) & 0xff) << SGI1R_AFF1_SHIFT |
					((m >> 16) & 0xff) << SGI1R_AFF2_SHIFT | (aff0 >> 4) << SGI1R_RS_SHIFT |
					((m >> 32) & 0xff) << SGI1R_AFF3_SHIFT | (UL(1) << (aff0 & 15)));
	isb();
	return true;
}

unsigned gic_ack(void)
{
	if (version == GIC_V3)
		return (unsigned)read_sysreg(ICC_IAR1_EL1) & ICC_IAR_INTID_MASK;
	return version == GIC_V2 ? *reg32(cpu_base, GICC_IAR) & 0x3ff : GIC_SPURIOUS;
}

void gic_eoi(unsigned id)
{
	if (version == GIC_V3) {
		write_sysreg(ICC_EOIR1_EL1, id);
		isb();
	} else if (version == GIC_V2) {
		*reg32(cpu_base, GICC_EOIR) = id;
	}
}
