/*
 * Stage 1 translation tables, 4 KiB granule, 39-bit VA (lookup starts at
 * level 1). Pure construction with no MMU access, so host tests run it too.
 * Tables come from a caller-provided zeroed pool; their addresses are used as
 * physical addresses (the firmware builds them with VA == PA).
 */
#ifndef SELFMOD_PAGETABLE_H
#define SELFMOD_PAGETABLE_H

#include <stdbool.h>
#include <stdint.h>

#define PT_VA_BITS   39
#define PT_ENTRIES   512
#define PT_PAGE_SIZE 4096UL

typedef uint64_t pt_table[PT_ENTRIES];

struct pagetables {
	pt_table *pool; /* pool[0] is the level 1 table */
	unsigned pool_size, used;
};

enum pt_error { PT_OK = 0, PT_ERR_ALIGN = -1, PT_ERR_RANGE = -2, PT_ERR_OVERLAP = -3, PT_ERR_NOMEM = -4 };

void pt_init(struct pagetables *pt, pt_table *zeroed_pool, unsigned pool_size);
/* Map [va, va+size) to pa with the given attribute bits (AttrIndx, AP, SH, AF, PXN, UXN), using the
   largest blocks alignment allows. Mapping any page twice is an error (PT_ERR_OVERLAP). */
int pt_map(struct pagetables *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t attrs);
/* Walk the tables for va: true if mapped, with the output address, attribute bits and level. */
bool pt_lookup(const struct pagetables *pt, uint64_t va, uint64_t *pa, uint64_t *attrs, unsigned *level);
const char *pt_strerror(int err);

#endif
