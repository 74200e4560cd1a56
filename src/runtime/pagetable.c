#include "pagetable.h"

#include "sysreg.h"

#define DESC_TYPE_MASK	   UL(3)
#define DESC_BLOCK	   UL(1) /* levels 1 and 2 */
#define DESC_TABLE_OR_PAGE UL(3) /* table at levels 1 and 2, page at level 3 */
#define ATTR_MASK	   (~PTE_ADDR_MASK & ~DESC_TYPE_MASK)

static unsigned level_shift(unsigned level)
{
	return 12 + 9 * (3 - level);
}

void pt_init(struct pagetables *pt, pt_table *zeroed_pool, unsigned pool_size)
{
	pt->pool = zeroed_pool;
	pt->pool_size = pool_size;
	pt->used = 1;
}

static int map_level(struct pagetables *pt, uint64_t *table, unsigned level, uint64_t va, uint64_t pa, uint64_t size,
		     uint64_t attrs)
{
	uint64_t block = UL(1) << level_shift(level);
	while (size) {
		uint64_t *entry = &table[(va >> level_shift(level)) & (PT_ENTRIES - 1)];
		uint64_t chunk = block - (va & (block - 1));
		if (chunk > size)
			chunk = size;
		if (level == 3 || (chunk == block && (pa & (block - 1)) == 0)) {
			if (*entry & PTE_VALID)
				return PT_ERR_OVERLAP;
			*entry = pa | attrs | (level == 3 ? DESC_TABLE_OR_PAGE : DESC_BLOCK);
		} else {
			if ((*entry & DESC_TYPE_MASK) == DESC_BLOCK)
				return PT_ERR_OVERLAP;
			if (!(*entry & PTE_VALID)) {
				if (pt->used == pt->pool_size)
					return PT_ERR_NOMEM;
				*entry = (uint64_t)(uintptr_t)pt->pool[pt->used++] | DESC_TABLE_OR_PAGE;
			}
			uint64_t *next = (uint64_t *)(uintptr_t)(*entry & PTE_ADDR_MASK);
			int err = map_level(pt, next, level + 1, va, pa, chunk, attrs);
			if (err)
				return err;
		}
		va += chunk;
		pa += chunk;
		size -= chunk;
	}
	return PT_OK;
}

int pt_map(struct pagetables *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t attrs)
{
	if ((va | pa | size) & (PT_PAGE_SIZE - 1))
		return PT_ERR_ALIGN;
	if (size == 0 || va + size < va || pa + size < pa || va + size > (UL(1) << PT_VA_BITS) ||
	    pa + size > (UL(1) << 48))
		return PT_ERR_RANGE;
	return map_level(pt, pt->pool[0], 1, va, pa, size, attrs & ATTR_MASK);
}

bool pt_lookup(const struct pagetables *pt, uint64_t va, uint64_t *pa, uint64_t *attrs, unsigned *level)
{
	const uint64_t *table = pt->pool[0];
	if (va >> PT_VA_BITS)
		return false;
	for (unsigned l = 1; l <= 3; l++) {
		uint64_t entry = table[(va >> level_shift(l)) & (PT_ENTRIES - 1)];
		if (!(entry & PTE_VALID))
			return false;
		if (l == 3 || (entry & DESC_TYPE_MASK) == DESC_BLOCK) {
			uint64_t offset_mask = (UL(1) << level_shift(l)) - 1;
			*pa = (entry & PTE_ADDR_MASK & ~offset_mask) | (va & offset_mask);
			*attrs = entry & ATTR_MASK;
			*level = l;
			return true;
		}
		table = (const uint64_t *)(uintptr_t)(entry & PTE_ADDR_MASK);
	}
	return false;
}

const char *pt_strerror(int err)
{
	switch (err) {
	case PT_OK: return "ok";
	case PT_ERR_ALIGN: return "address or size not page aligned";
	case PT_ERR_RANGE: return "range outside the 39-bit VA or 48-bit PA space";
	case PT_ERR_OVERLAP: return "range overlaps an existing mapping";
	case PT_ERR_NOMEM: return "out of translation tables";
	}
	return "unknown error";
}
