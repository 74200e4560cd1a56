/* src/errata.c: which rows of the errata table match a MIDR, REVIDR and CTR_EL0. */
#include <string.h>

#include "check.h"
#include "errata.h"
#include "unit_tests.h"

#define MIDR(impl, variant, part, revision)                                                                            \
	((uint64_t)(impl) << 24 | (uint64_t)(variant) << 20 | 0xfu << 16 | (uint64_t)(part) << 4 | (revision))
#define CTR_DIC_SET (1ull << 29)

/* The ids that apply, space-separated, in table order. */
static void applying(uint64_t midr, uint64_t revidr, uint64_t ctr, char *out, size_t size)
{
	out[0] = 0;
	for (unsigned i = 0; i < errata_count; i++)
		if (erratum_applies(&errata[i], midr, revidr, ctr) &&
		    strlen(out) + strlen(errata[i].number) + 2 < size) {
			if (out[0])
				strcat(out, " ");
			strcat(out, errata[i].number);
		}
}

void test_errata_matching(const struct check_env *env)
{
	(void)env;
	static const struct {
		const char *what;
		uint64_t midr, ctr;
		const char *expected;
	} cases[] = {
	    {"Cortex-A53 r0p0", MIDR(0x41, 0, 0xd03, 0), 0, "819472 826319 827319 824069 855873"},
	    {"Cortex-A53 r0p2", MIDR(0x41, 0, 0xd03, 2), 0, "826319 827319 824069 855873"},
	    {"Cortex-A53 r0p4 (QEMU's, the Pi 3's)", MIDR(0x41, 0, 0xd03, 4), 0, "855873"},
	    {"Cortex-A35 r0p0", MIDR(0x41, 0, 0xd04, 0), 0, "855472"},
	    {"Cortex-A57 r1p3", MIDR(0x41, 1, 0xd07, 3), 0, "859972"},
	    {"Cortex-A57 r1p4", MIDR(0x41, 1, 0xd07, 4), 0, ""},
	    {"Cortex-A72 r0p3 (the Pi 4's)", 0x410fd083, 0, "859971"},
	    {"Cortex-A72 r1p0", MIDR(0x41, 1, 0xd08, 0), 0, ""},
	    {"Cortex-A76 r3p0", MIDR(0x41, 3, 0xd0b, 0), 0, "1286807"},
	    {"Cortex-A76 r3p1", MIDR(0x41, 3, 0xd0b, 1), 0, ""},
	    {"Cortex-A55 r2p0", MIDR(0x41, 2, 0xd05, 0), 0, "2441007"},
	    {"Cortex-A510 r1p1", MIDR(0x41, 1, 0xd46, 1), 0, "2441009"},
	    {"Cortex-A510 r1p2", MIDR(0x41, 1, 0xd46, 2), 0, ""},
	    {"Cortex-A77 r1p0", MIDR(0x41, 1, 0xd0d, 0), 0, "1542418"},
	    {"Neoverse-N1 r3p1 with DIC", MIDR(0x41, 3, 0xd0c, 1), CTR_DIC_SET, "1542419"},
	    {"Neoverse-N1 r3p1 without DIC", MIDR(0x41, 3, 0xd0c, 1), 0, ""},
	    {"Neoverse-N1 r4p1 with DIC (Linux: every revision with DIC)", MIDR(0x41, 4, 0xd0c, 1), CTR_DIC_SET,
	     "1542419"},
	    {"ThunderX 88xx r1p1", MIDR(0x43, 1, 0x0a1, 1), 0, "27456"},
	    {"ThunderX 81xx r0p0", MIDR(0x43, 0, 0x0a2, 0), 0, "27456"},
	    {"ThunderX 81xx r0p1", MIDR(0x43, 0, 0x0a2, 1), 0, ""},
	    {"Kryo 0x205", MIDR(0x51, 0xa, 0x205, 4), 0, "E1009 ESOP 2020"},
	    {"Kryo 0x211", MIDR(0x51, 0, 0x211, 0), 0, "E1009 ESOP 2020"},
	    {"Falkor v1 r0p0", MIDR(0x51, 0, 0x800, 0), 0, "E1009 E1041"},
	    {"Falkor", MIDR(0x51, 0, 0xc00, 0), 0, "E1041"},
	    {"another implementer with the A53 part number", MIDR(0x42, 0, 0xd03, 0), 0, ""},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char got[160];
		applying(cases[i].midr, 0, cases[i].ctr, got, sizeof(got));
		CHECK_EQ_STR(cases[i].expected, got, "%s", cases[i].what);
	}
}

void test_errata_revidr(const struct check_env *env)
{
	(void)env;
	struct erratum e = errata[0];
	e.revidr_fixed = 1u << 8;
	uint64_t midr = MIDR(e.implementer, e.rv_min >> 4, e.partnum, e.rv_min & 15);
	CHECK(erratum_applies(&e, midr, 0, 0), "applies while REVIDR_EL1 lacks the fix bit");
	CHECK(!erratum_applies(&e, midr, 1u << 8, 0), "a REVIDR_EL1 fix bit makes it not apply");
}

void test_errata_actions(const struct check_env *env)
{
	(void)env;
	CHECK_EQ_U64(ERRATUM_CLEAN_INVAL, errata_actions(MIDR(0x41, 0, 0xd03, 2), 0, 0), "A53 r0p2: DC CIVAC");
	CHECK_EQ_U64(0, errata_actions(MIDR(0x41, 0, 0xd03, 4), 0, 0), "A53 r0p4: 855873 is EL3's, nothing here");
	CHECK_EQ_U64(ERRATUM_NO_DIC, errata_actions(MIDR(0x41, 3, 0xd0c, 1), 0, CTR_DIC_SET), "N1 with DIC: no DIC");
	CHECK_EQ_U64(ERRATUM_TLBI_REPEAT, errata_actions(MIDR(0x41, 0, 0xd05, 0), 0, 0), "A55: TLBI repeated");
	for (unsigned i = 0; i < errata_count; i++)
		CHECK(errata[i].source && errata[i].source[0], "erratum %s (%s) names its source", errata[i].number,
		      errata[i].cores);
}
