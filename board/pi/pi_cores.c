/* The Pi boards' core start (board/board.h): the spin table the device tree describes. */
#include "board.h"

#include "console.h"
#include "pi.h"
#include "pi_soc.h"
#include "spintable.h"

static struct spintable spin;

int board_init(const struct fdt *fdt, const char **why)
{
	if (spintable_from_fdt(&spin, fdt, why))
		return -1;
	/* Before "KTAP version 1": the runner keeps these lines in the log only. */
	for (unsigned i = 0; i < spin.count; i++) {
		const struct spintable_core *c = &spin.core[i];
		console_printf("# %s: cpu 0x%llx enable-method \"%s\", release slot 0x%llx (%s)\n", PI_BOARD_NAME,
			       (unsigned long long)c->mpidr, c->method, (unsigned long long)c->release_addr,
			       spintable_source_name(c->source));
	}
	return 0;
}

int board_core_start(uint64_t mpidr, uint64_t entry, uint64_t context)
{
	return spintable_release(spintable_release_addr(&spin, mpidr), mpidr, entry, context);
}

const char *board_core_start_strerror(int err)
{
	return spintable_strerror(err);
}
