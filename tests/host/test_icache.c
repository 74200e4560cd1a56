/*
 * src/lib/icache.c, compiled for the host with SELFMOD_HOST_TRACE: every DC, IC, DSB and ISB it would
 * issue is recorded, and compared with a brute-force model of the architecture's recipe: every
 * line holding a byte of the range cleaned (in order), DSB ISH, every line invalidated, DSB ISH,
 * ISB, with IDC, DIC, the PoC/CIVAC forms and the whole-cache path.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "errata.h"
#include "icache.h"

#define TRACE_MAX 80000

struct op {
	const char *insn;
	uintptr_t addr;
};

static struct op trace[TRACE_MAX];
static unsigned ntrace;
static struct cache_lines traced_lines; /* the configuration of the call being traced */

void maint_trace(const char *insn, uintptr_t address);
/* DC and IC act on the line holding the address they are given (Arm ARM C5.3, "DC CVAU", "IC IVAU"):
   the trace records that line, so an unaligned address names its line exactly once. */
void maint_trace(const char *insn, uintptr_t address)
{
	unsigned line = !strncmp(insn, "ic ivau", 7) ? traced_lines.iline : traced_lines.dline;
	if (strncmp(insn, "dc ", 3) && strncmp(insn, "ic ivau", 7))
		line = 1; /* barriers and IC IALLUIS carry no address */
	if (ntrace < TRACE_MAX)
		trace[ntrace++] = (struct op){insn, address & ~(uintptr_t)(line - 1)};
}

static struct op model[TRACE_MAX];
static unsigned nmodel;

static void expect(const char *insn, uintptr_t addr)
{
	if (nmodel < TRACE_MAX)
		model[nmodel++] = (struct op){insn, addr};
}

/* Every line of size line that holds at least one byte of [va, va+len), ascending: byte by byte. */
static void expect_lines(const char *insn, uintptr_t va, size_t len, unsigned line)
{
	uintptr_t last = UINTPTR_MAX;
	for (size_t i = 0; i < len; i++) {
		uintptr_t l = (va + i) & ~(uintptr_t)(line - 1);
		if (l != last)
			expect(insn, l);
		last = l;
	}
}

static void build_model(uintptr_t va, size_t len, struct cache_lines lines, struct icache_method m, size_t threshold,
			unsigned actions)
{
	static const char *const cleans[] = {"dc cvau", "dc cvac", "dc civac"};
	nmodel = 0;
	if (actions & ERRATUM_NO_DIC)
		lines.dic = false;
	if (lines.idc && m.clean == ICACHE_CLEAN_POU) {
		expect("dsb ishst", 0);
	} else {
		bool civac = m.clean == ICACHE_CLEAN_INVAL_POC ||
			     (m.clean == ICACHE_CLEAN_POU && (actions & ERRATUM_CLEAN_INVAL));
		expect_lines(civac ? "dc civac" : cleans[m.clean], va, len, lines.dline);
		expect("dsb ish", 0);
	}
	if (m.inval == ICACHE_INVAL_ALL || (m.inval == ICACHE_INVAL_AUTO && len > threshold && !lines.dic)) {
		expect("ic ialluis", 0);
		expect("dsb ish", 0);
	} else if (!lines.dic) {
		expect_lines("ic ivau", va, len, lines.iline);
		expect("dsb ish", 0);
	}
	expect("isb", 0);
}

/* The first difference between trace and model, described; false if none. */
static bool first_difference(char *buf, size_t size)
{
	for (unsigned i = 0; i < ntrace || i < nmodel; i++) {
		const struct op *got = i < ntrace ? &trace[i] : NULL, *want = i < nmodel ? &model[i] : NULL;
		if (got && want && !strcmp(got->insn, want->insn) && got->addr == want->addr)
			continue;
		snprintf(buf, size, "op %u: expected %s 0x%lx, observed %s 0x%lx (%u ops expected, %u issued)", i,
			 want ? want->insn : "nothing", want ? (unsigned long)want->addr : 0UL,
			 got ? got->insn : "nothing", got ? (unsigned long)got->addr : 0UL, nmodel, ntrace);
		return true;
	}
	return false;
}

/* Run one call of icache_sync_range_with, and for the default method one of icache_sync_range (its own
   short path for one or two lines) too, and compare each with the model; true when both matched. */
static bool one_case_with(uintptr_t va, size_t len, struct cache_lines lines, struct icache_method m, unsigned actions,
			  size_t threshold, char *why, size_t size)
{
	icache_set_whole_cache_threshold(threshold);
	icache_configure(lines);
	icache_apply_errata(actions);
	traced_lines = lines;
	build_model(va, len, lines, m, threshold, actions);
	ntrace = 0;
	icache_sync_range_with((const void *)va, len, m);
	if (first_difference(why, size))
		return false;
	if (m.clean != ICACHE_CLEAN_POU || m.inval != ICACHE_INVAL_AUTO)
		return true;
	ntrace = 0;
	icache_sync_range((const void *)va, len);
	if (!first_difference(why, size))
		return true;
	size_t used = strlen(why);
	snprintf(why + used, size - used, " (icache_sync_range)");
	return false;
}
static bool one_case(uintptr_t va, size_t len, struct cache_lines lines, struct icache_method m, unsigned actions,
		     char *why, size_t size)
{
	return one_case_with(va, len, lines, m, actions, ICACHE_WHOLE_CACHE_THRESHOLD_DEFAULT, why, size);
}

/* Every start offset and length up to several lines, for 16- to 128-byte lines, D and I sizes apart,
   with and without IDC (the short path of icache_sync_range has a form for each). */
HOST_TEST(icache_sequence)
{
	(void)env;
	static const struct cache_lines configs[] = {
	    {.dline = 16, .iline = 16},
	    {.dline = 32, .iline = 32},
	    {.dline = 64, .iline = 64},
	    {.dline = 128, .iline = 128},
	    {.dline = 64, .iline = 32},
	    {.dline = 16, .iline = 128},
	    {.dline = 64, .iline = 64, .idc = true},
	    {.dline = 256, .iline = 256, .idc = true},
	};
	const uintptr_t base = 0x40200000;
	for (unsigned s = 0; s < ARRAY_SIZE(configs); s++) {
		struct cache_lines lines = configs[s];
		unsigned span = lines.dline > lines.iline ? lines.dline : lines.iline;
		unsigned cases = 0, bad = 0;
		char why[200] = "";
		for (uintptr_t off = 0; off <= 2 * span; off += 4)
			for (size_t len = 0; len <= 4 * span; len++, cases++)
				if (!one_case(base + off, len, lines, ICACHE_METHOD_DEFAULT, 0, why, sizeof(why)) &&
				    !bad++)
					check_diag("Dline %u Iline %u IDC %d start +%lu len %zu: %s", lines.dline,
						   lines.iline, lines.idc, (unsigned long)off, len, why);
		CHECK_EQ_U64(0, bad,
			     "Dline %u Iline %u IDC %d: %u ranges issue exactly the model's DC, DSB, IC, DSB, ISB",
			     lines.dline, lines.iline, lines.idc, cases);
	}
}

/* IDC, DIC, the PoC forms, the whole-cache path and its threshold, and a megabyte by line. */
HOST_TEST(icache_variants)
{
	(void)env;
	static const struct {
		const char *what;
		bool idc, dic;
		struct icache_method m;
		size_t len;
		unsigned actions;
	} cases[] = {
	    {"erratum: DC CIVAC for the PoU clean, one line", false, false, ICACHE_METHOD_DEFAULT, 4,
	     ERRATUM_CLEAN_INVAL},
	    {"erratum: DC CIVAC for the PoU clean, two lines", false, false, ICACHE_METHOD_DEFAULT, 8,
	     ERRATUM_CLEAN_INVAL},
	    {"erratum: DC CIVAC for the PoU clean, 200 B", false, false, ICACHE_METHOD_DEFAULT, 200,
	     ERRATUM_CLEAN_INVAL},
	    {"erratum: DIC not trusted, one line", false, true, ICACHE_METHOD_DEFAULT, 4, ERRATUM_NO_DIC},
	    {"erratum: DIC not trusted, IDC, two lines", true, true, ICACHE_METHOD_DEFAULT, 8, ERRATUM_NO_DIC},
	    {"DIC: no invalidate, one line", false, true, ICACHE_METHOD_DEFAULT, 4, 0},
	    {"IDC: DSB ISHST, two lines", true, false, ICACHE_METHOD_DEFAULT, 8, 0},
	    {"IDC: DSB ISHST instead of the clean", true, false, ICACHE_METHOD_DEFAULT, 200, 0},
	    {"auto: 512 B, the short path's loop", false, false, ICACHE_METHOD_DEFAULT, 512, 0},
	    {"auto: 513 B, the short path's unrolled loop", false, false, ICACHE_METHOD_DEFAULT, 513, 0},
	    {"auto: 4 KiB + 4, 66 lines", false, false, ICACHE_METHOD_DEFAULT, 4096 + 4, 0},
	    {"auto: IDC, 64 KiB", true, false, ICACHE_METHOD_DEFAULT, 64 * 1024, 0},
	    {"DIC: no invalidate", false, true, ICACHE_METHOD_DEFAULT, 200, 0},
	    {"IDC and DIC: DSB ISHST and ISB only", true, true, ICACHE_METHOD_DEFAULT, 200, 0},
	    {"IDC does not skip a clean to PoC", true, false, {ICACHE_CLEAN_POC, ICACHE_INVAL_BY_LINE}, 200, 0},
	    {"DC CIVAC, the A53 errata form", false, false, {ICACHE_CLEAN_INVAL_POC, ICACHE_INVAL_BY_LINE}, 200, 0},
	    {"IC IALLUIS when asked", false, false, {ICACHE_CLEAN_POU, ICACHE_INVAL_ALL}, 200, 0},
	    {"auto: by line at the threshold", false, false, ICACHE_METHOD_DEFAULT,
	     ICACHE_WHOLE_CACHE_THRESHOLD_DEFAULT, 0},
	    {"auto: IC IALLUIS above the threshold", false, false, ICACHE_METHOD_DEFAULT,
	     ICACHE_WHOLE_CACHE_THRESHOLD_DEFAULT + 1, 0},
	    {"1 MiB by line", false, false, {ICACHE_CLEAN_POU, ICACHE_INVAL_BY_LINE}, 1024 * 1024, 0},
	    {"IC IALLUIS even with DIC when asked for", false, true, {ICACHE_CLEAN_POU, ICACHE_INVAL_ALL}, 64, 0},
	    {"DIC: no whole-cache invalidate above the threshold", false, true, ICACHE_METHOD_DEFAULT,
	     ICACHE_WHOLE_CACHE_THRESHOLD_DEFAULT + 1, 0},
	};
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cache_lines lines = {.dline = 64, .iline = 64, .idc = cases[i].idc, .dic = cases[i].dic};
		char why[200] = "";
		bool ok =
		    one_case(0x40200000 + 60, cases[i].len, lines, cases[i].m, cases[i].actions, why, sizeof(why));
		if (!ok)
			check_diag("%s", why);
		CHECK(ok, "%s (%u operations)", cases[i].what, ntrace);
	}
}

/* The unrolled loop's block boundaries (src/lib/icache.c: a computed entry into a block of 64 lines, then whole
   blocks): every start in two lines and every length to two whole blocks and four lines, on 16-byte lines (the
   fast path, plain and IDC, and the general path's D and I lines apart); then with a whole-cache threshold the
   fast path compares (100 lines) and one below the 65 lines it needs (40 lines: every range the general path's). */
HOST_TEST(icache_blocks)
{
	(void)env;
	static const struct {
		struct cache_lines lines;
		size_t threshold_lines;
	} configs[] = {
	    {{.dline = 16, .iline = 16}, 0},
	    {{.dline = 16, .iline = 16, .idc = true}, 0},
	    {{.dline = 16, .iline = 32}, 0},
	    {{.dline = 16, .iline = 16}, 100},
	    {{.dline = 16, .iline = 16, .idc = true}, 100},
	    {{.dline = 16, .iline = 16}, 40},
	};
	const uintptr_t base = 0x40200000;
	for (unsigned s = 0; s < ARRAY_SIZE(configs); s++) {
		struct cache_lines lines = configs[s].lines;
		size_t threshold = configs[s].threshold_lines ? configs[s].threshold_lines * lines.dline
							      : ICACHE_WHOLE_CACHE_THRESHOLD_DEFAULT;
		unsigned cases = 0, bad = 0;
		char why[200] = "";
		for (uintptr_t off = 0; off <= 2 * lines.dline; off += 4)
			for (size_t len = 0; len <= (2 * 64 + 4) * lines.dline; len++, cases++)
				if (!one_case_with(base + off, len, lines, ICACHE_METHOD_DEFAULT, 0, threshold, why,
						   sizeof(why)) &&
				    !bad++)
					check_diag("Dline %u Iline %u IDC %d threshold %zu start +%lu len %zu: %s",
						   lines.dline, lines.iline, lines.idc, threshold, (unsigned long)off,
						   len, why);
		CHECK_EQ_U64(0, bad, "Dline %u Iline %u IDC %d threshold %zu: %u ranges to 132 lines issue the model's",
			     lines.dline, lines.iline, lines.idc, threshold, cases);
	}
	icache_set_whole_cache_threshold(ICACHE_WHOLE_CACHE_THRESHOLD_DEFAULT);
}

/* dc_clean_lines and ic_invalidate_lines: exactly n operations from first by step, for every n to three blocks. */
HOST_TEST(icache_lines_loops)
{
	(void)env;
	static const char *const cleans[] = {"dc cvau", "dc cvac", "dc civac"};
	const struct cache_lines lines = {.dline = 64, .iline = 64};
	const uintptr_t first = 0x40200000, step = 64;
	icache_configure(lines);
	icache_apply_errata(0);
	traced_lines = lines;
	for (unsigned kind = 0; kind <= ARRAY_SIZE(cleans); kind++) {
		const char *insn = kind < ARRAY_SIZE(cleans) ? cleans[kind] : "ic ivau";
		unsigned bad = 0;
		char why[200] = "";
		for (size_t n = 0; n <= 3 * 64 + 1; n++) {
			nmodel = 0;
			for (size_t i = 0; i < n; i++)
				expect(insn, first + i * step);
			ntrace = 0;
			if (kind < ARRAY_SIZE(cleans))
				dc_clean_lines((enum icache_clean)kind, first, n, step);
			else
				ic_invalidate_lines(first, n, step);
			if (first_difference(why, sizeof(why)) && !bad++)
				check_diag("%s, n %zu: %s", insn, n, why);
		}
		CHECK_EQ_U64(0, bad, "%s: n lines from first by step, n 0 to 193", insn);
	}
}
