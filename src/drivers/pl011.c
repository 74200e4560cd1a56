#include "pl011.h"

#include "timer.h"

#define UART_DR	      0x00
#define UART_FR	      0x18
#define UART_IBRD     0x24
#define UART_FBRD     0x28
#define UART_LCRH     0x2c
#define UART_CR	      0x30
#define UART_ICR      0x44
#define FR_RXFE	      (1u << 4)	  /* receive FIFO empty */
#define FR_TXFF	      (1u << 5)	  /* transmit FIFO full */
#define FR_TXFE	      (1u << 7)	  /* transmit FIFO empty */
#define DR_ERRORS     (0xfu << 8) /* overrun, break, parity, framing error bits of a received byte */
#define FR_BUSY	      (1u << 3)
#define LCRH_FEN      (1u << 4)
#define LCRH_WLEN_8   (3u << 5)
#define CR_UARTEN     (1u << 0)
#define CR_TXE	      (1u << 8)
#define CR_RXE	      (1u << 9)
#define TX_SPIN_LIMIT 1000000

static inline volatile uint32_t *reg(uintptr_t base, unsigned off)
{
	return (volatile uint32_t *)(base + off);
}

void pl011_init(uintptr_t base, uint32_t clock_hz, uint32_t baud)
{
	if (!clock_hz || !baud)
		return;
	for (unsigned i = 0; i < TX_SPIN_LIMIT && (*reg(base, UART_FR) & FR_BUSY); i++)
		;
	*reg(base, UART_CR) = 0;
	*reg(base, UART_ICR) = 0x7ff;
	/* divisor = clock / (16 * baud), as 16.6 fixed point */
	uint32_t div64 = (uint32_t)(((uint64_t)clock_hz * 4 + baud / 2) / baud);
	*reg(base, UART_IBRD) = div64 >> 6;
	*reg(base, UART_FBRD) = div64 & 0x3f;
	*reg(base, UART_LCRH) = LCRH_WLEN_8 | LCRH_FEN;
	*reg(base, UART_CR) = CR_UARTEN | CR_TXE | CR_RXE;
}

void pl011_putc(uintptr_t base, char c)
{
	for (unsigned i = 0; i < TX_SPIN_LIMIT && (*reg(base, UART_FR) & FR_TXFF); i++)
		;
	*reg(base, UART_DR) = (uint32_t)(unsigned char)c;
}

int pl011_getc(uintptr_t base, uint64_t deadline, bool *error)
{
	while (*reg(base, UART_FR) & FR_RXFE)
		if (deadline_passed(deadline))
			return -1;
	uint32_t dr = *reg(base, UART_DR);
	if (error && (dr & DR_ERRORS))
		*error = true;
	return (int)(dr & 0xff);
}

void pl011_flush(uintptr_t base)
{
	for (unsigned i = 0; i < TX_SPIN_LIMIT && (*reg(base, UART_FR) & (FR_BUSY | FR_TXFE)) != FR_TXFE; i++)
		;
}
