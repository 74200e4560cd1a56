/* The plugin's arguments (-plugin smc_checker.so,key=value,...), parsed and checked. Pure C, no QEMU. */
#ifndef SMC_CHECKER_ARGS_H
#define SMC_CHECKER_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHECKER_CORE_LINES_MAX 64

struct checker_args {
	const char *log;      /* log=PATH: where hazard lines go (default: QEMU's stderr) */
	bool idc, dic;	      /* idc=0|1, dic=0|1 (default 0: the strict Cortex-A72 case) */
	unsigned line;	      /* line=BYTES: line size of the model (default 64) */
	uint64_t ram;	      /* ram=ADDR: guest RAM base (default 0x40000000, QEMU virt) */
	unsigned max_reports; /* max_reports=N: hazard lines printed at most (default 1000), then only counted */
	/* core_lines=B0/B1/...: core i's line where cores disagree (the last applies to the cores after it); the
	   model's line= must be the smallest. ncore_lines 0: every core has line=. */
	unsigned core_lines[CHECKER_CORE_LINES_MAX];
	unsigned ncore_lines;
};

#define CHECKER_ARGS_USAGE                                                                                             \
	"smc_checker arguments: log=PATH idc=0|1 dic=0|1 line=BYTES (power of two, 4..4096) ram=ADDR max_reports=N "   \
	"core_lines=BYTES/BYTES/... (per core, each line= << 0..3)"

/* 0 on success; otherwise -1 with a one-line reason in err. */
int checker_args_parse(int argc, char **argv, struct checker_args *out, char *err, size_t errlen);

#endif
