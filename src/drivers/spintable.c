/* Spin-table slots from the device tree (pure: no CPU access, host-tested). */
#include "spintable.h"

#include <stddef.h>

#include "sysreg.h"

#define SPINTABLE_METHOD "spin-table"

static void copy_method(char *dst, unsigned size, const char *src, uint32_t len)
{
	unsigned i = 0;
	for (; src && i + 1 < size && i < len && src[i]; i++)
		dst[i] = src[i];
	dst[i] = 0;
}

static uint64_t fallback_slot(uint64_t mpidr)
{
	uint64_t aff0 = mpidr & 0xff;
	if ((mpidr & MPIDR_AFFINITY_MASK & ~UL(0xff)) || aff0 >= SPINTABLE_FALLBACK_CORES)
		return 0;
	return SPINTABLE_FALLBACK_SLOT0 + aff0 * SPINTABLE_FALLBACK_SLOT_STRIDE;
}

static void read_core(struct spintable_core *c, const struct fdt *fdt, int node)
{
	uint32_t len = 0;
	const char *method = fdt_getprop(fdt, node, "enable-method", &len);
	copy_method(c->method, sizeof(c->method), method, len);
	c->release_addr = 0;
	c->source = SPINTABLE_NONE;
	if (method && !fdt_prop_has_string(fdt, node, "enable-method", SPINTABLE_METHOD))
		return; /* psci or another method: not ours to release */
	/* cpu-release-addr is a 64-bit value (two cells); accept one cell from sloppy trees too. */
	const void *addr = fdt_getprop(fdt, node, "cpu-release-addr", &len);
	if (addr && (len == 8 || len == 4)) {
		fdt_prop_u64(fdt, node, "cpu-release-addr", len / 4, 0, &c->release_addr);
		c->source = c->release_addr ? SPINTABLE_FROM_DTB : SPINTABLE_NONE;
		return;
	}
	c->release_addr = fallback_slot(c->mpidr);
	c->source = c->release_addr ? SPINTABLE_FALLBACK : SPINTABLE_NONE;
}

int spintable_from_fdt(struct spintable *t, const struct fdt *fdt, const char **why)
{
	t->count = 0;
	if (fdt_path_offset(fdt, "/cpus") < 0) {
		*why = "the DTB has no /cpus node";
		return -1;
	}
	uint64_t mpidr;
	for (int n = fdt_next_cpu(fdt, -1, &mpidr); n >= 0; n = fdt_next_cpu(fdt, n, &mpidr)) {
		if (t->count == MAX_CORES)
			break; /* src/runtime/cores.c reports the cores it cannot use */
		struct spintable_core *c = &t->core[t->count++];
		c->mpidr = mpidr & MPIDR_AFFINITY_MASK;
		read_core(c, fdt, n);
	}
	if (!t->count) {
		*why = "the DTB lists no cpu under /cpus";
		return -1;
	}
	return 0;
}

const struct spintable_core *spintable_find(const struct spintable *t, uint64_t mpidr)
{
	for (unsigned i = 0; i < t->count; i++)
		if (t->core[i].mpidr == (mpidr & MPIDR_AFFINITY_MASK))
			return &t->core[i];
	return NULL;
}

uint64_t spintable_release_addr(const struct spintable *t, uint64_t mpidr)
{
	const struct spintable_core *c = spintable_find(t, mpidr);
	return c ? c->release_addr : 0;
}

const char *spintable_source_name(enum spintable_source s)
{
	switch (s) {
	case SPINTABLE_FROM_DTB: return "cpu-release-addr from the DTB";
	case SPINTABLE_FALLBACK: return "no cpu-release-addr in the DTB: fixed Pi slot";
	default: return "no release slot";
	}
}

const char *spintable_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case SPINTABLE_ERR_NO_SLOT: return "no spin-table release slot for this core (another enable-method?)";
	case SPINTABLE_ERR_UNMAPPED: return "the release slot is outside the memory map";
	case SPINTABLE_ERR_TABLE_FULL: return "more cores than the spin-table entry table holds";
	default: return "unknown spin-table error";
	}
}
