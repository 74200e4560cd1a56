/* Interrupts on the Raspberry Pi 4: the BCM2711's GIC-400 (GICv2) at the addresses in pi_soc.h. */
#include "board.h"

#include "gic.h"
#include "pi_soc.h"

int board_irq_init(const struct fdt *fdt, const char **why)
{
	(void)why;
	/* The firmware's DTB names it "arm,gic-400"; its address is fixed by the SoC, so it is not read. */
	(void)fdt;
	gic_init(GIC_V2, PI_GIC400_GICD, PI_GIC400_GICC);
	return 0;
}
