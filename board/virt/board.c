/* QEMU's "virt" machine: PL011 console, PSCI (hvc or smc, from the DTB), semihosting exit. */
#include "board.h"

#include "cores.h"
#include "gic.h"
#include "pl011.h"
#include "psci.h"
#include "semihost.h"
#include "array_size.h"

#define VIRT_UART0 0x09000000UL
#define VIRT_GICD  0x08000000UL
#define VIRT_GICC  0x08010000UL /* GICv2 CPU interface */
#define VIRT_GICR  0x080a0000UL /* GICv3 redistributors */

static const struct mem_region mmio[] = {
    /* GIC distributor, CPU interface and redistributors, UART, RTC, GPIO: 0x08000000-0x0fffffff */
    {.base = 0x08000000UL, .size = 0x08000000UL, .kind = REGION_DEVICE},
};

const char *board_name(void)
{
	return "virt";
}
void board_console_init(void)
{
	pl011_init(VIRT_UART0, 0, 0);
}
void board_console_putc(char c)
{
	pl011_putc(VIRT_UART0, c);
}

unsigned board_mmio_regions(const struct mem_region **regions)
{
	*regions = mmio;
	return ARRAY_SIZE(mmio);
}

int board_init(const struct fdt *fdt, const char **why)
{
	enum psci_conduit c = psci_conduit_from_fdt(fdt);
	if (c == PSCI_CONDUIT_NONE) {
		*why = "the DTB names no PSCI conduit (/psci method): cannot start the other cores";
		return -1;
	}
	psci_set_conduit(c);
	return 0;
}

int board_core_start(uint64_t mpidr, uint64_t entry, uint64_t context)
{
	return psci_cpu_on(mpidr, entry, context);
}
const char *board_core_start_strerror(int err)
{
	return psci_strerror(err);
}

int board_irq_init(const struct fdt *fdt, const char **why)
{
	enum gic_version v = gic_version_from_fdt(fdt);
	if (v == GIC_NONE) {
		*why = "the DTB describes no GICv2 or GICv3";
		return -1;
	}
	gic_init(v, VIRT_GICD, v == GIC_V3 ? VIRT_GICR : VIRT_GICC);
	return 0;
}

void board_exit(int status)
{
	semihost_exit(status);
	psci_system_off();
	for (;;)
		__asm__ volatile("wfe");
}
