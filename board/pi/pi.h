/*
 * What the Raspberry Pi boards (board/rpi3, board/rpi4) share. Each board
 * folder supplies pi_soc.h (addresses); the code in board/pi is compiled once
 * per board. Also used by the serial chainloader (board/pi/loader/).
 */
#ifndef SELFMOD_PI_H
#define SELFMOD_PI_H

#include <stdbool.h>
#include <stdint.h>

#define PI_UART_CLOCK_HZ 48000000u /* PL011 reference clock the firmware sets up (init_uart_clock) */
#define PI_UART_BAUD	 115200u   /* 48 MHz / (16 * 115200) = 26.04: IBRD 26, FBRD 3 */

/* GPIO14/15 to the PL011 (ALT0), then 8N1 at PI_UART_BAUD. */
void pi_uart_init(void);
void pi_uart_putc(char c);
/* The next received byte, or -1 once the deadline (CNTPCT_EL0 ticks) has passed; *error as pl011_getc. */
int pi_uart_getc(uint64_t deadline, bool *error);
/* Wait (bounded) until every byte written has been sent. */
void pi_uart_flush(void);

/* Reset the SoC through the PM watchdog; with halt, ask the firmware to stay halted after it. */
void pi_watchdog_reset(bool halt) __attribute__((noreturn));

#endif
