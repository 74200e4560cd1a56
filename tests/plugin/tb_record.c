#include "tb_record.h"

#include <stdlib.h>
#include <string.h>

struct tb_record *tb_record_new(size_t n, uint64_t translated_at)
{
	struct tb_record *r = calloc(1, sizeof(*r) + n * sizeof(r->insns[0]));
	if (r) {
		r->ninsns = n;
		r->translated_at = translated_at;
	}
	return r;
}

int tb_record_seal(struct tb_record *r, unsigned line_bytes)
{
	uint64_t mask = ~(uint64_t)(line_bytes - 1);
	free(r->lines);
	r->lines = calloc(2 * r->ninsns + 1, sizeof(r->lines[0]));
	if (!r->lines)
		return -1;
	r->nlines = 0;
	for (size_t i = 0; i < r->ninsns; i++) {
		const struct tb_insn *in = &r->insns[i];
		if (!in->host)
			continue; /* not fetched from RAM: no physical line known */
		uint64_t first = in->paddr & mask, last = (in->paddr + in->size - 1) & mask;
		for (uint64_t l = first;; l += line_bytes) {
			if (!r->nlines || r->lines[r->nlines - 1] != l)
				r->lines[r->nlines++] = l;
			if (l == last)
				break;
		}
	}
	return 0;
}

void tb_record_free(struct tb_record *r)
{
	if (r)
		free(r->lines);
	free(r);
}

const struct tb_insn *tb_record_stale(const struct tb_record *r, const struct smc_model *m)
{
	for (size_t i = 0; i < r->ninsns; i++) {
		const struct tb_insn *in = &r->insns[i];
		if (!in->host || smc_line_written_at(m, in->paddr) <= r->translated_at)
			continue;
		if (memcmp(in->host, &in->bytes, in->size) != 0)
			return in;
	}
	return NULL;
}
