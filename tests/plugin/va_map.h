/*
 * What the checker knows of the guest's address translation: the physical
 * page of each virtual page it saw an access through (a load or store, whose
 * physical address QEMU reports, or an instruction fetch), like a TLB filled
 * by the accesses themselves. QEMU 10.0's plugin API (version 4) reads
 * registers but cannot translate an address, so the address of a DC/IC taken
 * from its register is translated here. Pages of 4 KB: exact under any
 * granule or block size. Entries are dropped by va_map_flush (the checker
 * calls it on every TLBI: the architecture needs one before a changed
 * mapping is relied on) and replaced by newer accesses. Pure C, no QEMU.
 */
#ifndef SMC_VA_MAP_H
#define SMC_VA_MAP_H

#include <stdbool.h>
#include <stdint.h>

#define VA_MAP_PAGE_SHIFT 12

struct va_map;

/* NULL if memory runs out. */
struct va_map *va_map_new(void);
void va_map_free(struct va_map *m);

/* An access through va reached pa. */
void va_map_learn(struct va_map *m, uint64_t va, uint64_t pa);
/* The physical address of va if its page was seen since the last flush (and not evicted). */
bool va_map_lookup(const struct va_map *m, uint64_t va, uint64_t *pa);
void va_map_flush(struct va_map *m);

#endif
