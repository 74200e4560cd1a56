#include "va_map.h"

#include <stdlib.h>

/* Direct-mapped: a newer page in a slot evicts the older one (a miss is reported, never a wrong address). */
#define SLOTS (1u << 16)

struct slot {
	uint64_t vpage_plus1; /* 0: empty */
	uint64_t ppage;
};

struct va_map {
	struct slot slot[SLOTS];
};

static size_t slot_of(uint64_t vpage)
{
	return (size_t)((vpage * 0x9e3779b97f4a7c15ull) >> 48) & (SLOTS - 1);
}

struct va_map *va_map_new(void)
{
	return calloc(1, sizeof(struct va_map));
}

void va_map_free(struct va_map *m)
{
	free(m);
}

void va_map_learn(struct va_map *m, uint64_t va, uint64_t pa)
{
	uint64_t vpage = va >> VA_MAP_PAGE_SHIFT;
	m->slot[slot_of(vpage)] = (struct slot){vpage + 1, pa >> VA_MAP_PAGE_SHIFT};
}

bool va_map_lookup(const struct va_map *m, uint64_t va, uint64_t *pa)
{
	uint64_t vpage = va >> VA_MAP_PAGE_SHIFT;
	const struct slot *s = &m->slot[slot_of(vpage)];
	if (s->vpage_plus1 != vpage + 1)
		return false;
	*pa = s->ppage << VA_MAP_PAGE_SHIFT | (va & ((1ull << VA_MAP_PAGE_SHIFT) - 1));
	return true;
}

void va_map_flush(struct va_map *m)
{
	for (size_t i = 0; i < SLOTS; i++)
		m->slot[i].vpage_plus1 = 0;
}
