#include "console.h"

#include <stdbool.h>
#include <stdio.h>

#include "board.h"
#include "spinlock.h"

#define CONSOLE_LOCK_TIMEOUT_US 200000

static struct spinlock console_lock;
static bool mmu_on;

void console_mark_mmu_on(void)
{
	mmu_on = true;
}

static void put_line_raw(const char *line)
{
	for (; *line; line++) {
		if (*line == '\n')
			board_console_putc('\r');
		board_console_putc(*line);
	}
	board_console_putc('\r');
	board_console_putc('\n');
}

void console_line(const char *line)
{
	if (!mmu_on) {
		put_line_raw(line);
		return;
	}
	/* If the owner died holding the lock, print anyway after the timeout: a garbled line beats a hang. */
	bool locked = spin_lock_until(&console_lock, deadline_after_us(CONSOLE_LOCK_TIMEOUT_US));
	put_line_raw(line);
	if (locked)
		spin_unlock(&console_lock);
}

/* Partial lines are kept per core (thread-local: libc_core_init) until their newline. */
static __thread char pending[256];
static __thread unsigned pending_len;

static void flush_pending(void)
{
	pending[pending_len] = 0;
	console_line(pending);
	pending_len = 0;
}

void console_putc(char c)
{
	if (c == '\n') {
		flush_pending();
		return;
	}
	if (c == '\r')
		return;
	if (pending_len == sizeof(pending) - 1)
		flush_pending();
	pending[pending_len++] = c;
}

void console_vprintf(const char *fmt, va_list ap)
{
	char buf[256];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	for (int i = 0; i < n; i++)
		console_putc(buf[i]);
}

void console_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	console_vprintf(fmt, ap);
	va_end(ap);
}
