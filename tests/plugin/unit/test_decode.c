/* The decoder on encodings produced by GNU as (aarch64-linux-gnu-as -march=armv8.2-a). */
#include "a64_decode.h"
#include "unit_tests.h"

struct sample {
	uint32_t word;
	const char *text;
	enum a64_kind kind;
	unsigned reg;
};

static const struct sample samples[] = {
    {0x3940007f, "ldrb wzr, [x3]", A64_ADDRESS_MARK, 3},
    {0x3940047f, "ldrb wzr, [x3, #1]", A64_OTHER, 0},
    {0x39400060, "ldrb w0, [x3]", A64_OTHER, 0},
    {0xd50b7b25, "dc cvau, x5", A64_DC_CLEAN, 5},
    {0xd50b7a20, "dc cvac, x0", A64_DC_CLEAN, 0},
    {0xd50b7e21, "dc civac, x1", A64_DC_CLEAN, 1},
    {0xd50b7c22, "dc cvap, x2", A64_DC_CLEAN, 2},
    {0xd50b7423, "dc zva, x3", A64_OTHER, 0},
    {0xd5087623, "dc ivac, x3", A64_DC_CLEAN, 3},
    {0xd50b7527, "ic ivau, x7", A64_IC_IVAU, 7},
    {0xd508751f, "ic iallu", A64_IC_IALLU, 31},
    {0xd508711f, "ic ialluis", A64_IC_IALLUIS, 31},
    {0xd5033b9f, "dsb ish", A64_DSB_FULL, 0},
    {0xd5033f9f, "dsb sy", A64_DSB_FULL, 0},
    {0xd503379f, "dsb nsh", A64_DSB_FULL, 0},
    {0xd5033a9f, "dsb ishst", A64_DSB_ST, 0},
    {0xd5033d9f, "dsb ld", A64_DSB_PARTIAL, 0},
    {0xd503309f, "ssbb", A64_OTHER, 0},
    {0xd503349f, "pssbb", A64_OTHER, 0},
    {0xd5033bbf, "dmb ish", A64_OTHER, 0},
    {0xd5033fdf, "isb", A64_ISB, 0},
    {0xd69f03e0, "eret", A64_ERET, 0},
    {0xd4000001, "svc #0", A64_EXC_CALL, 1},
    {0xd4000002, "hvc #0", A64_EXC_CALL, 2},
    {0xd4000003, "smc #0", A64_EXC_CALL, 3},
    {0xd45e0000, "hlt #0xf000", A64_OTHER, 0},
    {0xd508831f, "tlbi vmalle1is", A64_TLBI, 0},
    {0xd5088720, "tlbi vae1, x0", A64_TLBI, 0},
    {0xd50c871f, "tlbi alle2", A64_TLBI, 0},
    {0xd5087620, "dc ivac, x0 (CRn 7, not a TLBI)", A64_DC_CLEAN, 0},
    {0xd503201f, "nop", A64_OTHER, 0},
    {0xd65f03c0, "ret", A64_OTHER, 0},
};

static void decodes_every_sample(void)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		struct a64_insn got = a64_decode(samples[i].word);
		CHECK(got.kind == samples[i].kind, "%s (0x%08x): %s, expected %s", samples[i].text, samples[i].word,
		      a64_kind_name(got.kind), a64_kind_name(samples[i].kind));
		if (samples[i].kind == A64_ADDRESS_MARK || samples[i].kind == A64_DC_CLEAN ||
		    samples[i].kind == A64_IC_IVAU)
			CHECK(got.reg == samples[i].reg, "%s: register %u, expected %u", samples[i].text, got.reg,
			      samples[i].reg);
	}
}

UNIT_TEST_GROUP(decode_tests,
		{"decode: maintenance, barriers, context synchronisation, address mark", decodes_every_sample});
