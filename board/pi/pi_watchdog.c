/* The BCM2835/BCM2711 power-management watchdog: how a Pi reboots or halts itself (as Linux's bcm2835_wdt). */
#include "pi.h"

#include "board.h"
#include "console.h"
#include "pi_soc.h"
#include "semihost.h"

#define PM_RSTC			 0x1c	     /* reset control */
#define PM_RSTS			 0x20	     /* reset status; the firmware reads the boot partition from it */
#define PM_WDOG			 0x24	     /* watchdog countdown, in ~16 us ticks */
#define PM_PASSWORD		 0x5a000000u /* every write must carry it */
#define PM_RSTC_WRCFG_CLR	 0xffffffcfu
#define PM_RSTC_WRCFG_FULL_RESET 0x20u
#define PM_RSTS_PARTITION_HALT	 0x555u /* partition 63: the firmware halts instead of booting */
#define PM_WDOG_TICKS		 10u
#define RESET_WAIT_SPINS	 100000000u

static volatile uint32_t *pm(unsigned off)
{
	return (volatile uint32_t *)(PI_PM + off);
}

void pi_watchdog_reset(bool halt)
{
	if (halt)
		*pm(PM_RSTS) = *pm(PM_RSTS) | PM_PASSWORD | PM_RSTS_PARTITION_HALT;
	*pm(PM_WDOG) = PM_PASSWORD | PM_WDOG_TICKS;
	*pm(PM_RSTC) = (*pm(PM_RSTC) & PM_RSTC_WRCFG_CLR) | PM_PASSWORD | PM_RSTC_WRCFG_FULL_RESET;
	/* The reset comes within a few hundred microseconds; if it never does, sleep. */
	for (volatile unsigned i = 0; i < RESET_WAIT_SPINS; i++)
		;
	for (;;)
		__asm__ volatile("wfe");
}

/* board.h: exit through semihosting (QEMU), else halt through the watchdog (a real board). */
void board_exit(int status)
{
	semihost_exit(status); /* QEMU with -semihosting-config exits here; a board traps the HLT and goes on */
	console_printf("# %s: exit status %d; halting through the watchdog (power-cycle to boot again)\n",
		       PI_BOARD_NAME, status);
	pi_uart_flush();
	pi_watchdog_reset(true);
}
