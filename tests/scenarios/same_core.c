/*
 * Scenario 1, same core: write a function through the arena's RW alias,
 * DC CVAU / DSB ISH / IC IVAU / DSB ISH / ISB over its lines, call it through
 * the RX alias. Running anything but the new code is forbidden.
 */
#include "arena.h"
#include "icache.h"
#include "insn.h"
#include "suite.h"

#define MAX_FAILURES_SHOWN 5
#define BIG_SHAPE_EVERY	   64 /* shapes over 64 KiB run one round in this many */

struct shape {
	const char *name;
	size_t offset; /* where the function goes; SIZE_MAX: a random place */
	size_t bytes;  /* its length: NOPs, then MOVZ W0 and RET */
};

/* Awkward places and lengths: a line start, straddling lines and pages, one whole line, more than
   a page, and a megabyte (over the IC IALLUIS threshold). */
static const struct shape shapes[] = {
    {"8 bytes, line-aligned", 0x1000, 8},
    {"8 bytes straddling a 64-byte line", 0x2040 - 4, 8},
    {"8 bytes straddling a 16-byte line", 0x2810 - 4, 8},
    {"8 bytes straddling a page", 0x4000 - 4, 8},
    {"exactly one 64-byte line", 0x5000, 64},
    {"4 KiB + 8 across two pages", 0x6ff8, 4096 + 8},
    {"8 bytes at a random offset", SIZE_MAX, 8},
    {"1 MiB, whole-cache invalidate", 0x100000, 1024 * 1024},
};
#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

/* NOPs up to the last two instructions, which return value. */
static void write_function(uint32_t *code, size_t bytes, uint16_t value)
{
	size_t n = bytes / 4;
	for (size_t i = 0; i + 2 < n; i++)
		code[i] = INSN_NOP;
	insn_write_return(code + n - 2, value);
}

static void same_core_run(struct test *t)
{
	uint64_t ok_rounds[NSHAPES] = {0}, rounds[NSHAPES] = {0};
	unsigned shown = 0;
	bool exec_rw = test_injected(t, "exec_rw_alias");
	report_info(t, "architecture: after this sequence, running anything but the new code is FORBIDDEN");
	for (uint64_t r = 1; r <= t->iterations; r++) {
		test_progress(r - 1, t->iterations);
		unsigned s = (unsigned)(r % NSHAPES);
		size_t off = shapes[s].offset, bytes = shapes[s].bytes;
		/* Big shapes: their first round, then one in BIG_SHAPE_EVERY. */
		if (bytes > 64 * 1024 && (r - 1) / NSHAPES % BIG_SHAPE_EVERY != 0)
			continue;
		if (off == SIZE_MAX)
			off = (size_t)(test_random(t) % (ARENA_SIZE / 4 - bytes)) & ~(size_t)3;
		uint16_t value = (uint16_t)(r * 0x9e37u) | 1;
		write_function(arena_rw(off), bytes, value);
		icache_sync_range(arena_rw(off), bytes);
		/* The deliberate defect runs the RW alias, which is never executable: it must fault. */
		code_fn fn = (code_fn)(exec_rw ? (uintptr_t)arena_rw(off) : arena_rx(off));
		uint32_t got = fn();
		rounds[s]++;
		ok_rounds[s] += got == value;
		if (got != value && shown++ < MAX_FAILURES_SHOWN)
			report_info(t, "round %llu at arena+0x%zx: expected 0x%04x observed 0x%04x",
				    (unsigned long long)r, off, value, got);
		if (t->verbose)
			report_info(t, "round %llu at arena+0x%zx: ran 0x%04x", (unsigned long long)r, off, got);
	}
	for (unsigned s = 0; s < NSHAPES; s++) {
		if (!rounds[s])
			report_skip(t, "fewer iterations than shapes", "%s: no round", shapes[s].name);
		else
			report(t, ok_rounds[s] == rounds[s], "%s: new code ran in %llu of %llu rounds", shapes[s].name,
			       (unsigned long long)ok_rounds[s], (unsigned long long)rounds[s]);
	}
}

TEST_CASE(300, same_core_case, .name = "same_core", .group = "smc",
	  .summary = "one core writes code (RW alias), cleans and invalidates to PoU, runs it (RX alias)",
	  .run = same_core_run, .min_cores = 1, .iterations = 1000, .timeout_ms = 2000, .injections = "exec_rw_alias");
