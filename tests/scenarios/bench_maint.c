/*
 * Benchmark: the instructions (and, on silicon, cycles) one call of the
 * maintenance takes, for ranges of 4 bytes to 1 MiB: icache_sync_range by
 * line and with the whole-cache threshold (auto), IC IALLUIS always (all),
 * and libgcc's __builtin___clear_cache over the same range in the same run,
 * beside the practical lower bound: two instructions per line (the operation
 * and the step to the next line's address) for each of DC and IC, plus two
 * DSB and one ISB. The cost of an empty measured region is subtracted.
 */
#include <stddef.h>

#include "arena.h"
#include "bench.h"
#include "icache.h"
#include "pmu.h"
#include "array_size.h"

#define REPS		     3	/* each figure is the minimum of this many runs */
#define UNALIGNED_OFFSET     62 /* 4 bytes at 62 straddle two 64-byte lines */
#define LOWER_BOUND_BARRIERS 3	/* DSB ISH, DSB ISH, ISB */

static const struct {
	size_t size, offset;
} cases[] = {
    {4, 0},
    {64, 0},
    {256, 0},
    {1024, 0},
    {4096, 0},
    {16384, 0},
    {65536, 0},
    {262144, 0},
    {1048576, 0},
    {4, UNALIGNED_OFFSET},
    {4096, UNALIGNED_OFFSET},
    {65536, UNALIGNED_OFFSET},
};
#define NCASES (ARRAY_SIZE(cases))

enum method { M_EMPTY, M_BY_LINE, M_AUTO, M_ALL, M_LIBGCC, M_COUNT };

/* The counters around one statement: what it costs, plus the fixed cost of an empty region. */
#define MEASURE(stmt)                                                                                                  \
	({                                                                                                             \
		struct pmu_sample before_ = pmu_read();                                                                \
		stmt;                                                                                                  \
		pmu_between(before_, pmu_read());                                                                      \
	})

static struct pmu_sample measure_once(enum method m, char *va, size_t len)
{
	switch (m) {
	case M_BY_LINE:
		return MEASURE(
		    icache_sync_range_with(va, len, (struct icache_method){ICACHE_CLEAN_POU, ICACHE_INVAL_BY_LINE}));
	case M_AUTO: return MEASURE(icache_sync_range(va, len));
	case M_ALL:
		return MEASURE(
		    icache_sync_range_with(va, len, (struct icache_method){ICACHE_CLEAN_POU, ICACHE_INVAL_ALL}));
	case M_LIBGCC: return MEASURE(__builtin___clear_cache(va, va + len));
	case M_EMPTY:
	case M_COUNT: break;
	}
	return MEASURE((void)0);
}

static struct pmu_sample measure(enum method m, char *va, size_t len)
{
	struct pmu_sample best = measure_once(m, va, len);
	for (unsigned i = 1; i < REPS; i++) {
		struct pmu_sample s = measure_once(m, va, len);
		best.insns = s.insns < best.insns ? s.insns : best.insns;
		best.cycles = s.cycles < best.cycles ? s.cycles : best.cycles;
	}
	return best;
}

static uint64_t minus(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static void bench_maint_run(struct test *t)
{
	if (!pmu_start()) {
		test_skip(t, "this core has no PMU event counter (ID_AA64DFR0_EL1.PMUVer, PMCR_EL0.N)");
		return;
	}
	struct cache_lines l = icache_configuration();
	char *base = (char *)arena_rw(BENCH_RANGE_OFFSET);
	struct pmu_sample empty = measure(M_EMPTY, base, 0);
	BENCH_LINE(t, "maint_setup",
		   "dline=%u iline=%u idc=%d dic=%d threshold=%zu overhead_insns=%llu overhead_cycles=%llu", l.dline,
		   l.iline, l.idc, l.dic, (size_t)ICACHE_WHOLE_CACHE_THRESHOLD_DEFAULT, (unsigned long long)empty.insns,
		   (unsigned long long)empty.cycles);
	uint64_t insns[NCASES][M_COUNT];
	bool counted = true, above_bound = true, monotonic = true;
	for (size_t c = 0; c < NCASES; c++) {
		char *va = base + cases[c].offset;
		size_t len = cases[c].size;
		uintptr_t first;
		size_t dlines = cache_lines_covering((uintptr_t)va, len, l.dline, &first);
		size_t ilines = cache_lines_covering((uintptr_t)va, len, l.iline, &first);
		uint64_t bound = (l.idc ? 0 : 2 * dlines) + (l.dic ? 0 : 2 * ilines) + LOWER_BOUND_BARRIERS;
		uint64_t cycles[M_COUNT];
		for (unsigned m = M_BY_LINE; m < M_COUNT; m++) {
			struct pmu_sample s = measure((enum method)m, va, len);
			insns[c][m] = minus(s.insns, empty.insns);
			cycles[m] = minus(s.cycles, empty.cycles);
			counted &= insns[c][m] > 0;
		}
		above_bound &= insns[c][M_BY_LINE] >= bound && insns[c][M_LIBGCC] >= bound;
		/* The aligned cases come in increasing size: by line and libgcc must never get cheaper. */
		if (c && cases[c].offset == 0 && cases[c - 1].offset == 0)
			monotonic &= insns[c][M_BY_LINE] >= insns[c - 1][M_BY_LINE] &&
				     insns[c][M_LIBGCC] >= insns[c - 1][M_LIBGCC];
		BENCH_LINE(
		    t, "maint",
		    "size=%zu offset=%zu dlines=%zu ilines=%zu bound=%llu by_line=%llu auto=%llu all=%llu libgcc=%llu "
		    "by_line_cycles=%llu auto_cycles=%llu all_cycles=%llu libgcc_cycles=%llu",
		    len, cases[c].offset, dlines, ilines, (unsigned long long)bound,
		    (unsigned long long)insns[c][M_BY_LINE], (unsigned long long)insns[c][M_AUTO],
		    (unsigned long long)insns[c][M_ALL], (unsigned long long)insns[c][M_LIBGCC],
		    (unsigned long long)cycles[M_BY_LINE], (unsigned long long)cycles[M_AUTO],
		    (unsigned long long)cycles[M_ALL], (unsigned long long)cycles[M_LIBGCC]);
	}
	if (!counted) {
		report_skip(t, "INST_RETIRED did not count",
			    "instruction counts (INST_RETIRED reads 0: QEMU counts only with -icount shift=0)");
		return;
	}
	report(t, true, "instructions counted for %zu ranges (4 B to 1 MiB) and 4 methods", NCASES);
	report(t, above_bound,
	       "by line and libgcc never under the lower bound (2 per line for DC and IC, + 3 barriers)");
	report(t, monotonic, "by line and libgcc never cheaper for a larger aligned range");
}

TEST_CASE(900, bench_maint_case, .name = "bench_maintenance", .group = BENCH_GROUP,
	  .summary = "instructions per call: icache_sync_range (by line, auto, IC IALLUIS) against libgcc "
		     "__clear_cache and the lower bound, 4 B to 1 MiB",
	  .run = bench_maint_run, .min_cores = 1, .timeout_ms = 2000, .explicit_only = true);
