/*
 * The board interface (board/board.h) for the Raspberry Pi 3 (QEMU raspi3b)
 * and 4: name, memory map and console (the leaves the runtime calls; core
 * start is board/pi/pi_cores.c, exit board/pi/pi_watchdog.c).
 */
#include "board.h"

#include "pi.h"
#include "pi_soc.h"
#include "array_size.h"

static const struct mem_region mmio[] = {
    {.base = PI_PERIPH_BASE, .size = PI_PERIPH_SIZE, .kind = REGION_DEVICE},
    {.base = PI_LOCAL_BASE, .size = PI_LOCAL_SIZE, .kind = REGION_DEVICE},
};

const char *board_name(void)
{
	return PI_BOARD_NAME;
}
void board_console_init(void)
{
	pi_uart_init();
}
void board_console_putc(char c)
{
	pi_uart_putc(c);
}

unsigned board_mmio_regions(const struct mem_region **regions)
{
	*regions = mmio;
	return ARRAY_SIZE(mmio);
}
