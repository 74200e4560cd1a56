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
#include <stdio.h>

#include "arena.h"
#include "bench.h"
#include "icache.h"
#include "ktap.h"
#include "pmu.h"

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
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* Called only from the measured region (BLR with x0, x1 set), so any signature: void (*)(void) holds them all. */
typedef void (*routine_fn)(void);

static void sync_by_line(uintptr_t va, uintptr_t len)
{
	icache_sync_range_with((const void *)va, len, (struct icache_method){ICACHE_CLEAN_POU, ICACHE_INVAL_BY_LINE});
}
static void sync_all(uintptr_t va, uintptr_t len)
{
	icache_sync_range_with((const void *)va, len, (struct icache_method){ICACHE_CLEAN_POU, ICACHE_INVAL_ALL});
}
/* libgcc's (the compiler's __builtin___clear_cache calls it) and the re-expressed routines of bench_routines.S. */
void __clear_cache(void *start, void *end);
void bench_compiler_rt_clear_cache(uintptr_t start, uintptr_t end);
void bench_linux_caches_clean_inval_pou(uintptr_t start, uintptr_t end);
void bench_wasmtime_clear_cache(uintptr_t start, uintptr_t len);

/* The routines measured, by their CSV name; takes_end: x1 is the end of the range, not its length. */
static const struct {
	const char *name;
	routine_fn fn;
	bool takes_end;
} routines[] = {
    {"by_line", (routine_fn)sync_by_line, false},
    {"auto", (routine_fn)icache_sync_range, false},
    {"all", (routine_fn)sync_all, false},
    {"libgcc", (routine_fn)__clear_cache, true},
    {"compiler_rt", (routine_fn)bench_compiler_rt_clear_cache, true},
    {"linux", (routine_fn)bench_linux_caches_clean_inval_pou, true},
    {"wasmtime", (routine_fn)bench_wasmtime_clear_cache, false},
};
#define NROUTINES (sizeof(routines) / sizeof(routines[0]))
enum { R_BY_LINE, R_AUTO, R_ALL, R_LIBGCC };

/*
 * One call, counted exactly: the region between the two counter reads is the BLR and the routine
 * (with its RET), the arguments already in x0 and x1; with fn NULL the region is empty. The counters
 * live in callee-saved registers; everything a call may clobber is declared clobbered.
 */
#define PMU_REGION(call)                                                                                               \
	__asm__ volatile("isb\n mrs %[i0], pmevcntr0_el0\n mrs %[c0], pmccntr_el0\n isb\n" call                        \
			 "isb\n mrs %[i1], pmevcntr0_el0\n mrs %[c1], pmccntr_el0\n isb"                               \
			 : [i0] "=&r"(i0), [c0] "=&r"(c0), [i1] "=r"(i1), [c1] "=r"(c1), "+r"(x0), "+r"(x1)            \
			 : [fn] "r"(fn)                                                                                \
			 : "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15",   \
			   "x16", "x17", "x18", "x30", "memory", "cc")
static struct pmu_sample measure_once(routine_fn fn, uintptr_t a0, uintptr_t a1)
{
	register uintptr_t x0 __asm__("x0") = a0, x1 __asm__("x1") = a1;
	register uint64_t i0 __asm__("x19"), c0 __asm__("x20");
	uint64_t i1, c1;
	if (fn)
		PMU_REGION("blr %[fn]\n");
	else
		PMU_REGION("");
	return (struct pmu_sample){(uint32_t)(i1 - i0), c1 - c0};
}

static struct pmu_sample measure(routine_fn fn, uintptr_t a0, uintptr_t a1)
{
	struct pmu_sample best = measure_once(fn, a0, a1);
	for (unsigned i = 1; i < REPS; i++) {
		struct pmu_sample s = measure_once(fn, a0, a1);
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
	struct pmu_sample empty = measure(NULL, 0, 0);
	BENCH_LINE(t, "maint_setup",
		   "dline=%u iline=%u idc=%d dic=%d threshold=%zu overhead_insns=%llu overhead_cycles=%llu", l.dline,
		   l.iline, l.idc, l.dic, (size_t)ICACHE_WHOLE_CACHE_THRESHOLD_DEFAULT, (unsigned long long)empty.insns,
		   (unsigned long long)empty.cycles);
	uint64_t insns[NCASES][NROUTINES];
	bool counted = true, above_bound = true, monotonic = true;
	for (size_t c = 0; c < NCASES; c++) {
		uintptr_t va = (uintptr_t)base + cases[c].offset;
		size_t len = cases[c].size;
		uintptr_t first;
		size_t dlines = cache_lines_covering(va, len, l.dline, &first);
		size_t ilines = cache_lines_covering(va, len, l.iline, &first);
		uint64_t bound = (l.idc ? 0 : 2 * dlines) + (l.dic ? 0 : 2 * ilines) + LOWER_BOUND_BARRIERS;
		/* Two lines per range (a KTAP line holds KTAP_LINE_MAX characters): instructions, then cycles. */
		char counts[KTAP_LINE_MAX], cycles[KTAP_LINE_MAX];
		size_t ni = 0, nc = 0;
		for (unsigned r = 0; r < NROUTINES; r++) {
			struct pmu_sample s = measure(routines[r].fn, va, routines[r].takes_end ? va + len : len);
			insns[c][r] = minus(s.insns, empty.insns);
			counted &= insns[c][r] > 0;
			ni += (size_t)snprintf(counts + ni, sizeof(counts) - ni, " %s=%llu", routines[r].name,
					       (unsigned long long)insns[c][r]);
			nc += (size_t)snprintf(cycles + nc, sizeof(cycles) - nc, " %s_cycles=%llu", routines[r].name,
					       (unsigned long long)minus(s.cycles, empty.cycles));
		}
		above_bound &= insns[c][R_BY_LINE] >= bound && insns[c][R_LIBGCC] >= bound;
		/* The aligned cases come in increasing size: by line and libgcc must never get cheaper. */
		if (c && cases[c].offset == 0 && cases[c - 1].offset == 0)
			monotonic &= insns[c][R_BY_LINE] >= insns[c - 1][R_BY_LINE] &&
				     insns[c][R_LIBGCC] >= insns[c - 1][R_LIBGCC];
		BENCH_LINE(t, "maint", "size=%zu offset=%zu dlines=%zu ilines=%zu bound=%llu%s", len, cases[c].offset,
			   dlines, ilines, (unsigned long long)bound, counts);
		BENCH_LINE(t, "maint_cycles", "size=%zu offset=%zu%s", len, cases[c].offset, cycles);
	}
	if (!counted) {
		report_skip(t, "INST_RETIRED did not count",
			    "instruction counts (INST_RETIRED reads 0: QEMU counts only with -icount shift=0)");
		return;
	}
	report(t, true, "instructions counted for %zu ranges (4 B to 1 MiB) and %zu routines", NCASES, NROUTINES);
	report(t, above_bound,
	       "by line and libgcc never under the lower bound (2 per line for DC and IC, + 3 barriers)");
	report(t, monotonic, "by line and libgcc never cheaper for a larger aligned range");
}

TEST_CASE(900, bench_maint_case, .name = "bench_maintenance", .group = BENCH_GROUP,
	  .summary = "instructions per call: icache_sync_range (by line, auto, IC IALLUIS) against libgcc "
		     "__clear_cache and the lower bound, 4 B to 1 MiB",
	  .run = bench_maint_run, .min_cores = 1, .timeout_ms = 2000, .explicit_only = true);
