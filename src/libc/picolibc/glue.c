/*
 * picolibc glue: each core's TLS block (picolibc keeps errno and stdio state in TLS) and
 * stdout/stderr through the console's per-core line discipline.
 */
#include <picolibc.h>
#include <picotls.h>
#include <stdint.h>
#include <stdio.h>

#include "board.h"
#include "console.h"
#include "layout.h"
#include "libc_glue.h"

#define TLS_BLOCK_SIZE 512

const char libc_name[] = "picolibc " __PICOLIBC_VERSION__;

static uint8_t tls_blocks[MAX_CORES][TLS_BLOCK_SIZE] __attribute__((aligned(64)));

void libc_core_init(unsigned idx)
{
	if (_tls_size() + 16 > TLS_BLOCK_SIZE)
		board_exit(3);
	_init_tls(tls_blocks[idx]);
	_set_tls(tls_blocks[idx]);
}

static int stdio_put(char c, FILE *f)
{
	(void)f;
	console_putc(c);
	return (unsigned char)c;
}

static FILE console_stdio = FDEV_SETUP_STREAM(stdio_put, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdout = &console_stdio;
FILE *const stderr = &console_stdio;
FILE *const stdin = NULL;
