#include "core_tls.h"

#include <picolibc.h>
#include <picotls.h>
#include <stdint.h>

#include "board.h"
#include "layout.h"

#define TLS_BLOCK_SIZE 512

static uint8_t tls_blocks[MAX_CORES][TLS_BLOCK_SIZE] __attribute__((aligned(64)));

void core_tls_init(unsigned idx)
{
	/* picolibc keeps errno and stdio state in TLS: each core has its own block. */
	if (_tls_size() + 16 > TLS_BLOCK_SIZE)
		board_exit(3);
	_init_tls(tls_blocks[idx]);
	_set_tls(tls_blocks[idx]);
}
