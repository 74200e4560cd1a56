/* src/lib/errata.c: which rows of the errata table match a MIDR, REVIDR and CTR_EL0. */
#include <string.h>

#include "check.h"
#include "errata.h"

#define MIDR(impl, variant, part, revision)                                                                            \
	((uint64_t)(impl) << 24 | (uint64_t)(variant) << 20 | 0xfu << 16 | (uint64_t)(part) << 4 | (revision))
#define CTR_DIC_SET (1ull << 29)

/* The ids that apply, space-separated, in table order. */
static void applying(uint64_t midr, uint64_t revidr, uint64_t ctr, char *out, size_t size)
{
	out[0] = 0;
	for (unsigned i = 0; i < errata_count; i++)
		if (erratum_applies(&errata[i], midr, revidr, ctr) && strlen(out) + strlen(errata[i].id) + 2 < size) {
			if (out[0])
				strcat(out, " ");
			strcat(out, errata[i].id);
		}
}

HOST_TEST(errata_matching)
{
	(void)env;
	static const struct {
		const char *what;
		uint64_t midr, ctr;
		const char *expected;
	} cases[] = {
	    {"Cortex-A53 r0p0", MIDR(0x41, 0, 0xd03, 0), 0, "819472 826319 827319 824069"},
	    {"Cortex-A53 r0p2", MIDR(0x41, 0, 0xd03, 2), 0, "826319 827319 824069"},
	    {"Cortex-A53 r0p4 (QEMU's)", MIDR(0x41, 0, 0xd03, 4), 0, ""},
	    {"Cortex-A72 r0p3 (the Pi 4's)", 0x410fd083, 0, "859971"},
	    {"Cortex-A72 r1p0", MIDR(0x41, 1, 0xd08, 0), 0, ""},
	    {"Neoverse-N1 r3p1 with DIC", MIDR(0x41, 3, 0xd0c, 1), CTR_DIC_SET, "1542419"},
	    {"Neoverse-N1 r3p1 without DIC", MIDR(0x41, 3, 0xd0c, 1), 0, ""},
	    {"Neoverse-N1 r4p1 with DIC", MIDR(0x41, 4, 0xd0c, 1), CTR_DIC_SET, ""},
	    {"ThunderX 88xx r1p1", MIDR(0x43, 1, 0x0a1, 1), 0, "27456"},
	    {"another implementer with the A53 part number", MIDR(0x42, 0, 0xd03, 0), 0, ""},
	};
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		char got[128];
		applying(cases[i].midr, 0, cases[i].ctr, got, sizeof(got));
		CHECK_EQ_STR(cases[i].expected, got, "%s", cases[i].what);
	}
}

HOST_TEST(errata_revidr)
{
	(void)env;
	struct erratum e = errata[0];
	e.revidr_fixed = 1u << 8;
	uint64_t midr = MIDR(e.implementer, e.rv_min >> 4, e.partnum, e.rv_min & 15);
	CHECK(erratum_applies(&e, midr, 0, 0), "applies while REVIDR_EL1 lacks the fix bit");
	CHECK(!erratum_applies(&e, midr, 1u << 8, 0), "a REVIDR_EL1 fix bit makes it not apply");
}
