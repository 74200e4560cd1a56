/*
 * The console: whole lines, never interleaved between cores. Before the
 * MMU is on (exclusive loads need Normal memory) only core 0 runs, unlocked.
 */
#ifndef SELFMOD_CONSOLE_H
#define SELFMOD_CONSOLE_H

#include <stdarg.h>

void console_mark_mmu_on(void);
/* One line, a newline is added. */
void console_line(const char *line);
/* Formatted text; each complete line goes out whole. */
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_vprintf(const char *fmt, va_list ap);
/* One character of a line (the C library's stdout, src/libc/): the line goes out at its newline. */
void console_putc(char c);

#endif
