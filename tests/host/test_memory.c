/*
 * src/fdt.c fdt_memory_holding: the RAM range that holds the image, from the Pi 4's trees (one memory
 * node, two ranges: board/rpi4/rpi4.dts and the firmware-layout tests/pi/rpi4-firmware.dts), QEMU
 * virt's (two-cell sizes), tests/host/memory_nodes.dts (several nodes, entries that are not RAM) and
 * memory_bad_cells.dts (three address cells).
 */
#include <stdlib.h>

#include "check.h"
#include "fdt.h"
#include "unit_tests.h"

struct holding_case {
	const char *dtb; /* beside argv's DTB; NULL: argv's DTB (QEMU virt) */
	uint64_t addr;
	unsigned ranges; /* how many RAM ranges the tree describes */
	struct fdt_range found;
};

static const struct holding_case cases[] = {
    {"rpi4.dtb", 0x80000, 2, {0x0, 0x3b400000}},
    {"rpi4.dtb", 0x3b3fffff, 2, {0x0, 0x3b400000}},
    {"rpi4.dtb", 0x3b400000, 2, {0, 0}}, /* the VideoCore's, between the ranges */
    {"rpi4.dtb", 0x50000000, 2, {0x40000000, 0x40000000}},
    {"rpi4.dtb", 0x80000000, 2, {0, 0}},
    {"rpi4-firmware.dtb", 0x80000, 2, {0x0, 0x3b400000}},
    {"rpi4-firmware.dtb", 0xfbffffff, 2, {0x40000000, 0xbc000000}},
    {"rpi4-firmware.dtb", 0xfc000000, 2, {0, 0}}, /* the low-peripheral window */
    {"rpi3.dtb", 0x80000, 1, {0x0, 0x3c000000}},
    {NULL, 0x40080000, 1, {0x40000000, 0x10000000}}, /* virt, -m 256M */
    {"memory_nodes.dtb", 0x80000, 2, {0x0, 0x3b400000}},
    {"memory_nodes.dtb", 0x7fffffff, 2, {0x40000000, 0x40000000}},
    {"memory_nodes.dtb", 0x80000000, 2, {0, 0}},	    /* no device_type: not RAM */
    {"memory_nodes.dtb", 0xc0000000, 2, {0, 0}},	    /* reg shorter than one entry */
    {"memory_nodes.dtb", 0x2eff2000, 2, {0x0, 0x3b400000}}, /* /reserved-memory is no RAM node of its own */
};

void test_memory_holding(const struct check_env *env)
{
	for (unsigned i = 0; i < ARRAY_LEN(cases); i++) {
		const struct holding_case *c = &cases[i];
		const char *name = c->dtb ? c->dtb : "virt.dtb";
		void *blob = check_read_dtb(env, c->dtb);
		struct fdt f;
		if (!CHECK(blob && fdt_open(&f, blob) == 0, "%s read", name)) {
			free(blob);
			continue;
		}
		struct fdt_range r = {1, 1};
		unsigned n = fdt_memory_holding(&f, c->addr, &r);
		CHECK_EQ_U64(c->ranges, n, "%s: RAM ranges", name);
		if (c->found.size)
			CHECK(r.base == c->found.base && r.size == c->found.size,
			      "%s: 0x%llx is in [0x%llx, +0x%llx) (found [0x%llx, +0x%llx))", name,
			      (unsigned long long)c->addr, (unsigned long long)c->found.base,
			      (unsigned long long)c->found.size, (unsigned long long)r.base,
			      (unsigned long long)r.size);
		else
			CHECK(r.base == 0 && r.size == 0, "%s: 0x%llx is in no RAM range (found [0x%llx, +0x%llx))",
			      name, (unsigned long long)c->addr, (unsigned long long)r.base,
			      (unsigned long long)r.size);
		free(blob);
	}
}

void test_memory_bad_cells(const struct check_env *env)
{
	/* #address-cells = <3>: not a number this reader represents, so nothing is taken for RAM. */
	void *blob = check_read_dtb(env, "memory_bad_cells.dtb");
	struct fdt f;
	if (CHECK(blob && fdt_open(&f, blob) == 0, "memory_bad_cells.dtb read")) {
		struct fdt_range r = {1, 1};
		CHECK_EQ_U64(0, fdt_memory_holding(&f, 0x80000, &r), "three address cells: no RAM ranges");
		CHECK(r.base == 0 && r.size == 0, "and none found");
	}
	free(blob);
}
