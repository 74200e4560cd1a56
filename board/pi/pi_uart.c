/* The Pi console: PL011 UART0 on GPIO14 (TXD0) and GPIO15 (RXD0), 115200 8N1. */
#include "pi.h"

#include "pi_soc.h"
#include "pl011.h"

#define GPFSEL1			0x04 /* function select, GPIO10-19, three bits per pin */
#define GPFSEL_ALT0		4u   /* function 0b100 = ALT0: TXD0/RXD0 on GPIO14/15 */
#define GPFSEL_MASK		7u
#define GPFSEL1_SHIFT(pin)	(((pin)-10) * 3)
#define GPIO_PUP_PDN_CNTRL_REG0 0xe4 /* BCM2711 pulls, GPIO0-15, two bits per pin */
#define GPIO_PULL_NONE		0u
#define GPIO_PULL_UP		1u
#define GPIO_PULL_MASK		3u
#define GPIO_PULL_SHIFT(pin)	((pin)*2)
#define PIN_TXD0		14
#define PIN_RXD0		15

static volatile uint32_t *gpio(unsigned off)
{
	return (volatile uint32_t *)(PI_GPIO + off);
}

void pi_uart_init(void)
{
	uint32_t sel = *gpio(GPFSEL1);
	sel &= ~(GPFSEL_MASK << GPFSEL1_SHIFT(PIN_TXD0) | GPFSEL_MASK << GPFSEL1_SHIFT(PIN_RXD0));
	sel |= GPFSEL_ALT0 << GPFSEL1_SHIFT(PIN_TXD0) | GPFSEL_ALT0 << GPFSEL1_SHIFT(PIN_RXD0);
	*gpio(GPFSEL1) = sel;
	if (PI_GPIO_HAS_2711_PULLS) {
		/* TX driven, no pull; RX pulled up so an unconnected line reads idle, not noise. */
		uint32_t pulls = *gpio(GPIO_PUP_PDN_CNTRL_REG0);
		pulls &= ~(GPIO_PULL_MASK << GPIO_PULL_SHIFT(PIN_TXD0) | GPIO_PULL_MASK << GPIO_PULL_SHIFT(PIN_RXD0));
		pulls |= GPIO_PULL_NONE << GPIO_PULL_SHIFT(PIN_TXD0) | GPIO_PULL_UP << GPIO_PULL_SHIFT(PIN_RXD0);
		*gpio(GPIO_PUP_PDN_CNTRL_REG0) = pulls;
	}
	pl011_init(PI_UART0, PI_UART_CLOCK_HZ, PI_UART_BAUD);
}

void pi_uart_putc(char c)
{
	pl011_putc(PI_UART0, c);
}
int pi_uart_getc(uint64_t deadline, bool *error)
{
	return pl011_getc(PI_UART0, deadline, error);
}
void pi_uart_flush(void)
{
	pl011_flush(PI_UART0);
}
