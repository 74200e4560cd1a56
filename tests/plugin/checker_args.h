/* The plugin's arguments (-plugin smc_checker.so,key=value,...), parsed and checked. Pure C, no QEMU. */
#ifndef SMC_CHECKER_ARGS_H
#define SMC_CHECKER_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct checker_args {
	const char *log;      /* log=PATH: where hazard lines go (default: QEMU's stderr) */
	bool idc, dic;	      /* idc=0|1, dic=0|1 (default 0: the strict Cortex-A72 case) */
	unsigned line;	      /* line=BYTES: line size of the model (default 64) */
	uint64_t ram;	      /* ram=ADDR: guest RAM base (default 0x40000000, QEMU virt) */
	unsigned max_reports; /* max_reports=N: hazard lines printed at most (default 1000), then only counted */
};

#define CHECKER_ARGS_USAGE                                                                                             \
	"smc_checker arguments: log=PATH idc=0|1 dic=0|1 line=BYTES (power of two, 4..4096) ram=ADDR max_reports=N"

/* 0 on success; otherwise -1 with a one-line reason in err. */
int checker_args_parse(int argc, char **argv, struct checker_args *out, char *err, size_t errlen);

#endif
