/*
 * Benchmarks (make bench, tests/bench.py): group "bench", run only when
 * selected with run= (explicit_only). Figures are printed as diagnostic lines
 *   # BENCH <table> key=value key=value ...
 * for the host tool; the KTAP results assert only that the figures are sane
 * (non-zero, monotonic, not under the lower bound), never a timing target.
 */
#ifndef SELFMOD_BENCH_H
#define SELFMOD_BENCH_H

#include "suite.h"

#define BENCH_GROUP		       "bench"
#define BENCH_LINE(t, table, fmt, ...) report_info(t, "BENCH " table " " fmt, __VA_ARGS__)

/* Arena offsets the benchmarks use (the other scenarios stay below 0x60000). */
#define BENCH_SLOT_OFFSET(s) (0x60000 + (size_t)(s)*0x1000)
#define BENCH_RANGE_OFFSET   0x80000 /* up to 1 MiB + a line of maintained range */

#endif
