/* Arm PL011 UART (DDI 0183): polled transmit and receive, every wait bounded so a stuck UART cannot hang a core. */
#ifndef SELFMOD_PL011_H
#define SELFMOD_PL011_H

#include <stdbool.h>
#include <stdint.h>

/* Program 8N1 at baud from a UART clock of clock_hz; 0 keeps what the firmware set up. */
void pl011_init(uintptr_t base, uint32_t clock_hz, uint32_t baud);
void pl011_putc(uintptr_t base, char c);
/* The next received byte, or -1 once the generic-timer deadline (CNTPCT_EL0 ticks) has passed.
   A byte received with an overrun, break, parity or framing error sets *error (when error is not NULL). */
int pl011_getc(uintptr_t base, uint64_t deadline, bool *error);
/* Wait (bounded) until everything written has left the transmitter. */
void pl011_flush(uintptr_t base);

#endif
