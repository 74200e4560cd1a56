/* src/lib/cache_geometry.c: CTR_EL0, CLIDR_EL1 and CCSIDR_EL1 decoding, with values QEMU's CPUs report. */
#include <stddef.h>

#include "cache_geometry.h"
#include "check.h"
#include "sysreg.h"

#define CTR_A72	    0x8444c004ULL /* cortex-a72 (and max): 64-byte lines, PIPT */
#define CTR_A53	    0x84448004ULL /* cortex-a53: 64-byte lines, VIPT */
#define CTR_IDC_BIT (1ULL << 28)
#define CTR_DIC_BIT (1ULL << 29)
#define CLIDR_A72   0x0a200023ULL /* L1 I+D, L2 unified; LoUU 1, LoUIS 1, LoC 2 */
#define CLIDR_MAX   0x02000023ULL /* same caches; LoUU 0, LoUIS 0, LoC 2 */

static const struct {
	const char *what;
	uint64_t ctr;
	unsigned dline, iline;
	bool idc, dic;
	const char *l1ip;
} ctr_cases[] = {
    {"cortex-a72", CTR_A72, 64, 64, false, false, "PIPT"},
    {"cortex-a53", CTR_A53, 64, 64, false, false, "VIPT"},
    {"IDC and DIC", CTR_A72 | CTR_IDC_BIT | CTR_DIC_BIT, 64, 64, true, true, "PIPT"},
    {"32-byte lines", 0x83338003ULL, 32, 32, false, false, "VIPT"},
    {"D 16 B, I 128 B", 0x84428005ULL, 16, 128, false, false, "VIPT"},
    {"L1Ip VPIPT", 0x84440004ULL, 64, 64, false, false, "VPIPT"},
    {"L1Ip AIVIVT", 0x84444004ULL, 64, 64, false, false, "AIVIVT"},
};

HOST_TEST(cache_ctr)
{
	(void)env;
	for (size_t i = 0; i < ARRAY_SIZE(ctr_cases); i++) {
		uint64_t ctr = ctr_cases[i].ctr;
		const char *what = ctr_cases[i].what;
		CHECK_EQ_U64(ctr_cases[i].dline, ctr_dline_bytes(ctr), "%s: DminLine bytes", what);
		CHECK_EQ_U64(ctr_cases[i].iline, ctr_iline_bytes(ctr), "%s: IminLine bytes", what);
		CHECK_EQ_U64(ctr_cases[i].idc, CTR_IDC(ctr), "%s: IDC field", what);
		CHECK_EQ_U64(ctr_cases[i].dic, CTR_DIC(ctr), "%s: DIC field", what);
		CHECK_EQ_STR(ctr_cases[i].l1ip, l1ip_name(ctr), "%s: L1Ip", what);
	}
}

/* ---- CLIDR_EL1 and the effective IDC ---- */

static const struct {
	const char *what;
	uint64_t ctr, clidr;
	struct cache_lines expected;
} lines_cases[] = {
    {"cortex-a72: LoC 2, LoUU 1: clean needed", CTR_A72, CLIDR_A72, {64, 64, false, false}},
    {"max: LoUU = LoUIS = 0: IDC implied", CTR_A72, CLIDR_MAX, {64, 64, true, false}},
    {"CTR.IDC set", CTR_A72 | CTR_IDC_BIT, CLIDR_A72, {64, 64, true, false}},
    {"CTR.DIC set", CTR_A72 | CTR_DIC_BIT, CLIDR_A72, {64, 64, false, true}},
    {"LoC 0: IDC implied", CTR_A72, 0x08200023ULL, {64, 64, true, false}},
    {"LoUU 0, LoUIS 1: clean needed", CTR_A72, 0x02200023ULL, {64, 64, false, false}},
    {"LoUU 1, LoUIS 0: clean needed", CTR_A72, 0x0a000023ULL, {64, 64, false, false}},
    {"cortex-a53 CTR", CTR_A53, CLIDR_A72, {64, 64, false, false}},
};

static const struct {
	uint64_t clidr;
	unsigned level;
	const char *ctype;
} ctype_cases[] = {
    {CLIDR_A72, 1, "I+D"}, {CLIDR_A72, 2, "unified"}, {CLIDR_A72, 3, "none"},  {0x1ULL, 1, "I"},
    {0x2ULL, 1, "D"},	   {0x5ULL, 1, "reserved"},   {0x7ULL, 1, "reserved"},
};

static void check_lines(const char *what, struct cache_lines expected, struct cache_lines observed)
{
	CHECK_EQ_U64(expected.dline, observed.dline, "%s: dline", what);
	CHECK_EQ_U64(expected.iline, observed.iline, "%s: iline", what);
	CHECK_EQ_U64(expected.idc, observed.idc, "%s: idc", what);
	CHECK_EQ_U64(expected.dic, observed.dic, "%s: dic", what);
}

/* core_lines=: the CTR_EL0 the EL2 monitor gives a core; everything but the two line fields is kept. */
HOST_TEST(cache_ctr_with_lines)
{
	(void)env;
	const unsigned sizes[] = {16, 32, 64, 128, 256, 2048};
	const uint64_t ctrs[] = {CTR_A72, CTR_A53, CTR_A72 | CTR_IDC_BIT | CTR_DIC_BIT};
	for (size_t c = 0; c < ARRAY_SIZE(ctrs); c++)
		for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
			uint64_t v = ctr_with_lines(ctrs[c], sizes[i]);
			CHECK(ctr_dline_bytes(v) == sizes[i] && ctr_iline_bytes(v) == sizes[i],
			      "0x%llx with %u-byte lines: D %u I %u", (unsigned long long)ctrs[c], sizes[i],
			      ctr_dline_bytes(v), ctr_iline_bytes(v));
			CHECK((v & ~UINT64_C(0xf000f)) == (ctrs[c] & ~UINT64_C(0xf000f)),
			      "0x%llx with %u-byte lines: only DminLine and IminLine change (0x%llx)",
			      (unsigned long long)ctrs[c], sizes[i], (unsigned long long)v);
		}
	CHECK(ctr_with_lines(CTR_A72, 32) == 0x8443c003ULL,
	      "cortex-a72 with 32-byte lines: 0x8443c003 (seen under QEMU)");
}

HOST_TEST(cache_lines_of)
{
	(void)env;
	CHECK_EQ_U64(1, CLIDR_LOUU(CLIDR_A72), "cortex-a72 CLIDR LoUU");
	CHECK_EQ_U64(1, CLIDR_LOUIS(CLIDR_A72), "cortex-a72 CLIDR LoUIS");
	CHECK_EQ_U64(2, CLIDR_LOC(CLIDR_A72), "cortex-a72 CLIDR LoC");
	CHECK_EQ_U64(0, CLIDR_LOUU(CLIDR_MAX) | CLIDR_LOUIS(CLIDR_MAX), "max CLIDR LoUU and LoUIS");
	for (size_t i = 0; i < ARRAY_SIZE(ctype_cases); i++) {
		uint64_t clidr = ctype_cases[i].clidr;
		unsigned level = ctype_cases[i].level;
		CHECK_EQ_STR(ctype_cases[i].ctype, ctype_name((unsigned)CLIDR_CTYPE(clidr, level)),
			     "CLIDR 0x%llx L%u Ctype", (unsigned long long)clidr, level);
	}
	for (size_t i = 0; i < ARRAY_SIZE(lines_cases); i++) {
		const char *what = lines_cases[i].what;
		CHECK_EQ_U64(lines_cases[i].expected.idc, cache_idc_effective(lines_cases[i].ctr, lines_cases[i].clidr),
			     "%s: cache_idc_effective", what);
		check_lines(what, lines_cases[i].expected, cache_lines_of(lines_cases[i].ctr, lines_cases[i].clidr));
	}
}

/* ---- merging two cores ---- */

static const struct {
	const char *what;
	struct cache_lines a, b, merged;
} merge_cases[] = {
    {"big.LITTLE 64/32-byte lines", {64, 64, true, true}, {32, 32, false, true}, {32, 32, false, true}},
    {"D and I minimum from different cores", {64, 32, true, false}, {32, 64, true, true}, {32, 32, true, false}},
    {"two cortex-a72", {64, 64, false, false}, {64, 64, false, false}, {64, 64, false, false}},
    {"both IDC and DIC", {64, 64, true, true}, {128, 64, true, true}, {64, 64, true, true}},
};

/* One field changed each: none of them equal the base. */
static const struct cache_lines base = {64, 64, true, false};
static const struct cache_lines unequal[] = {
    {32, 64, true, false},
    {64, 128, true, false},
    {64, 64, false, false},
    {64, 64, true, true},
};

HOST_TEST(cache_merge)
{
	(void)env;
	for (size_t i = 0; i < ARRAY_SIZE(merge_cases); i++) {
		const char *what = merge_cases[i].what;
		check_lines(what, merge_cases[i].merged, cache_lines_merge(merge_cases[i].a, merge_cases[i].b));
		CHECK(cache_lines_equal(cache_lines_merge(merge_cases[i].b, merge_cases[i].a), merge_cases[i].merged),
		      "%s: merge is symmetric", what);
		CHECK(cache_lines_equal(cache_lines_merge(merge_cases[i].a, merge_cases[i].a), merge_cases[i].a),
		      "%s: merging a core with itself changes nothing", what);
	}
	CHECK(cache_lines_equal(base, base), "cache_lines_equal: equal to itself");
	for (size_t i = 0; i < ARRAY_SIZE(unequal); i++)
		CHECK(!cache_lines_equal(base, unequal[i]) && !cache_lines_equal(unequal[i], base),
		      "cache_lines_equal: field %zu differs", i);
}

/* ---- CCSIDR_EL1 ---- */

static const struct {
	const char *what;
	uint64_t ccsidr;
	unsigned line, ways, sets;
	uint64_t size;
} ccsidr_cases[] = {
    {"cortex-a72 L1 I", 0x201fe012ULL, 64, 3, 256, 48 * 1024},
    {"cortex-a72 L1 D", 0x701fe00aULL, 64, 2, 256, 32 * 1024},
    {"cortex-a72 L2", 0x707fe07aULL, 64, 16, 1024, 1024 * 1024},
    {"all fields 0", 0x0ULL, 16, 1, 1, 16},
    {"all fields maximal", 0x0fffffffULL, 2048, 1024, 32768, 1ULL << 36},
    {"bits 31:28 ignored", 0xf0000000ULL, 16, 1, 1, 16},
};

HOST_TEST(cache_ccsidr)
{
	(void)env;
	for (size_t i = 0; i < ARRAY_SIZE(ccsidr_cases); i++) {
		struct ccsidr_info c = ccsidr_decode(ccsidr_cases[i].ccsidr);
		const char *what = ccsidr_cases[i].what;
		CHECK_EQ_U64(ccsidr_cases[i].line, c.line_bytes, "%s: line bytes", what);
		CHECK_EQ_U64(ccsidr_cases[i].ways, c.ways, "%s: ways", what);
		CHECK_EQ_U64(ccsidr_cases[i].sets, c.sets, "%s: sets", what);
		CHECK_EQ_U64(ccsidr_cases[i].size, c.size_bytes, "%s: size bytes", what);
	}
}
