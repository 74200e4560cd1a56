/*
 * The board interface (board/board.h) for the Raspberry Pi 3 (QEMU raspi3b)
 * and 4: memory map, PL011 console, spin-table core start, exit through
 * semihosting (QEMU) or the watchdog (a real board).
 */
#include "board.h"

#include "console.h"
#include "pi.h"
#include "pi_soc.h"
#include "semihost.h"
#include "spintable.h"

static const struct mem_region mmio[] = {
	{.base = PI_PERIPH_BASE, .size = PI_PERIPH_SIZE, .kind = REGION_DEVICE},
	{.base = PI_LOCAL_BASE, .size = PI_LOCAL_SIZE, .kind = REGION_DEVICE},
};

static struct spintable spin;

const char *board_name(void) { return PI_BOARD_NAME; }
void board_console_init(void) { pi_uart_init(); }
void board_console_putc(char c) { pi_uart_putc(c); }

unsigned board_mmio_regions(const struct mem_region **regions)
{
	*regions = mmio;
	return sizeof(mmio) / sizeof(mmio[0]);
}

int board_init(const struct fdt *fdt, const char **why)
{
	if (spintable_from_fdt(&spin, fdt, why))
		return -1;
	/* Before "KTAP version 1": the runner keeps these lines in the log only. */
	for (unsigned i = 0; i < spin.count; i++) {
		const struct spintable_core *c = &spin.core[i];
		console_printf("# %s: cpu 0x%llx enable-method \"%s\", release slot 0x%llx (%s)\n", PI_BOARD_NAME,
			       (unsigned long long)c->mpidr, c->method, (unsigned long long)c->release_addr,
			       spintable_source_name(c->source));
	}
	return 0;
}

int board_core_start(uint64_t mpidr, uint64_t entry, uint64_t context)
{
	return spintable_release(spintable_release_addr(&spin, mpidr), mpidr, entry, context);
}

const char *board_core_start_strerror(int err) { return spintable_strerror(err); }

void board_exit(int status)
{
	semihost_exit(status); /* QEMU with -semihosting-config exits here; a board traps the HLT and goes on */
	console_printf("# %s: exit status %d; halting through the watchdog (power-cycle to boot again)\n",
		       PI_BOARD_NAME, status);
	pi_uart_flush();
	pi_watchdog_reset(true);
}
