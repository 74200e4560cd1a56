/* Decoding of CTR_EL0, CLIDR_EL1 and CCSIDR_EL1: pure functions, host-testable. */
#ifndef SELFMOD_CACHE_GEOMETRY_H
#define SELFMOD_CACHE_GEOMETRY_H

#include <stdbool.h>
#include <stdint.h>

/* What maintenance needs: the smallest line sizes and whether DC (IDC) and IC (DIC) may be skipped. */
struct cache_lines {
	unsigned dline; /* bytes */
	unsigned iline; /* bytes */
	bool idc;	/* no clean to PoU needed for instruction/data coherence */
	bool dic;	/* no instruction cache invalidation needed */
};

struct ccsidr_info {
	unsigned line_bytes, ways, sets;
	uint64_t size_bytes;
};

unsigned ctr_dline_bytes(uint64_t ctr);
unsigned ctr_iline_bytes(uint64_t ctr);
/* ctr with DminLine and IminLine both set to line_bytes (a power of two, 4 to 2^17), the rest kept. */
uint64_t ctr_with_lines(uint64_t ctr, unsigned line_bytes);
/* IDC as it matters: CTR_EL0.IDC, or implied by CLIDR_EL1 (LoUU = LoUIS = 0, or LoC = 0). */
bool cache_idc_effective(uint64_t ctr, uint64_t clidr);
struct cache_lines cache_lines_of(uint64_t ctr, uint64_t clidr);
/* The system-safe combination of two cores: smallest lines, IDC/DIC only if both have them. */
struct cache_lines cache_lines_merge(struct cache_lines a, struct cache_lines b);
bool cache_lines_equal(struct cache_lines a, struct cache_lines b);
struct ccsidr_info ccsidr_decode(uint64_t ccsidr);
/* "none", "I", "D", "I+D", "unified" for a CLIDR_EL1 Ctype field. */
const char *ctype_name(unsigned ctype);
/* The "L1Ip" policy of CTR_EL0 as text: "VPIPT", "AIVIVT", "VIPT", "PIPT". */
const char *l1ip_name(uint64_t ctr);

#endif
