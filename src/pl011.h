/* Arm PL011 UART (DDI 0183): polled transmit, bounded so a stuck UART cannot hang a core. */
#ifndef SELFMOD_PL011_H
#define SELFMOD_PL011_H

#include <stdint.h>

/* Program 8N1 at baud from a UART clock of clock_hz; 0 keeps what the firmware set up. */
void pl011_init(uintptr_t base, uint32_t clock_hz, uint32_t baud);
void pl011_putc(uintptr_t base, char c);

#endif
