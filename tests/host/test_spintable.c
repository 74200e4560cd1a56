/*
 * src/spintable.c: spin-table release slots from a device tree. Reads rpi3.dtb (board/rpi3/rpi3.dts)
 * and spin_fallback.dtb (tests/host/spin_fallback.dts) from the directory of argv's DTB, where
 * make unit-tests builds them, and the virt DTB itself (PSCI: no slots).
 */
#include <stdlib.h>

#include "check.h"
#include "fdt.h"
#include "spintable.h"
#include "unit_tests.h"

static bool open_table(const struct check_env *env, const char *file, struct spintable *t)
{
	void *blob = check_read_dtb(env, file);
	struct fdt f;
	const char *why = "";
	bool ok = blob && fdt_open(&f, blob) == 0 && spintable_from_fdt(t, &f, &why) == 0;
	if (blob && !ok)
		check_diag("%s: %s", file ? file : env->dtb_path, why);
	free(blob); /* the table keeps copies, no pointers into the blob */
	return ok;
}

void test_spintable_from_dtb(const struct check_env *env)
{
	static const uint64_t pi_slots[] = {0xd8, 0xe0, 0xe8, 0xf0};
	struct spintable t;
	if (!CHECK(open_table(env, "rpi3.dtb", &t), "rpi3.dtb read"))
		return;
	CHECK_EQ_U64(4, t.count, "4 cpus");
	for (unsigned i = 0; i < 4 && i < t.count; i++) {
		CHECK_EQ_U64(pi_slots[i], t.core[i].release_addr, "cpu %u: cpu-release-addr", i);
		CHECK_EQ_U64(SPINTABLE_FROM_DTB, t.core[i].source, "cpu %u: from the DTB", i);
		CHECK_EQ_STR("spin-table", t.core[i].method, "cpu %u: enable-method", i);
	}
	CHECK_EQ_U64(0xe8, spintable_release_addr(&t, 0x80000002), "looked up by MPIDR affinity (bit 31 ignored)");
	CHECK_EQ_U64(0, spintable_release_addr(&t, 7), "an unknown MPIDR has no slot");
	CHECK(spintable_find(&t, 7) == NULL, "and no entry");
}

void test_spintable_fallback(const struct check_env *env)
{
	struct spintable t;
	if (!CHECK(open_table(env, "spin_fallback.dtb", &t), "spin_fallback.dtb read"))
		return;
	CHECK_EQ_U64(4, t.count, "4 cpus (the cache node under /cpus skipped)");
	if (t.count != 4)
		return;
	CHECK_EQ_U64(0xd8, t.core[0].release_addr, "no enable-method, no cpu-release-addr: the fixed slot");
	CHECK_EQ_U64(SPINTABLE_FALLBACK, t.core[0].source, "reported as the fallback");
	CHECK_EQ_U64(0xe0, t.core[1].release_addr, "spin-table without cpu-release-addr: the fixed slot");
	CHECK_EQ_U64(0, t.core[2].release_addr, "enable-method psci: no slot");
	CHECK_EQ_STR("psci", t.core[2].method, "its method is kept for the report");
	CHECK_EQ_U64(0, t.core[3].release_addr, "Aff1 = 1: beyond the four fixed slots");

	if (!CHECK(open_table(env, NULL, &t), "the virt DTB read"))
		return;
	CHECK(t.count == 4 && t.core[1].release_addr == 0, "QEMU virt (PSCI): no spin-table slots");
	CHECK_CONTAINS(spintable_strerror(SPINTABLE_ERR_NO_SLOT), "enable-method", "errors say what is wrong");
}
