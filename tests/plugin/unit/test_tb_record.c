/* The translated-block record: its lines, and telling a stale translation from a current one. */
#include <string.h>

#include "tb_record.h"
#include "check.h"

static uint32_t memory[64]; /* stands for guest RAM at 0x40000000 */
#define PA(i) (0x40000000u + 4u * (i))

static struct tb_record *record(size_t first, size_t n, uint64_t at)
{
	struct tb_record *r = tb_record_new(n, at);
	for (size_t i = 0; i < n; i++)
		r->insns[i] = (struct tb_insn){0x1000 + 4 * (first + i), PA(first + i),
					       (const uint8_t *)&memory[first + i], memory[first + i], 4};
	CHECK(tb_record_seal(r, 64) == 0, "seal");
	return r;
}

/* distinct lines of a block */
HOST_TEST(tb_record_lines_are_distinct_and_in_order)
{
	struct tb_record *r = record(12, 8, 0); /* 0x40000030..0x4000004f: two lines */
	CHECK(r->nlines == 2 && r->lines[0] == 0x40000000u && r->lines[1] == 0x40000040u, "%zu lines", r->nlines);
	tb_record_free(r);
	r = record(0, 1, 0);
	r->insns[0].host = NULL; /* not fetched from RAM */
	CHECK(tb_record_seal(r, 64) == 0 && r->nlines == 0, "an instruction not in RAM has no line");
	tb_record_free(r);
}

/* stale translation detection */
HOST_TEST(tb_record_stale_only_when_written_after_translation_and_different)
{
	struct smc_model_config cfg = {64, 0, 0, 1, {0}};
	struct smc_model *m = smc_model_new(&cfg);
	memset(memory, 0, sizeof(memory));
	smc_write(m, 0, PA(0), 4);
	struct tb_record *r = record(0, 4, smc_now(m));
	CHECK(tb_record_stale(r, m) == NULL, "fresh translation");
	memory[2] = 0xd503201f;
	CHECK(tb_record_stale(r, m) == NULL, "bytes changed but no write seen after the translation");
	smc_write(m, 0, PA(2), 4);
	const struct tb_insn *s = tb_record_stale(r, m);
	CHECK(s && s->paddr == PA(2), "written after the translation and different: stale");
	memory[2] = 0;
	CHECK(tb_record_stale(r, m) == NULL, "written again with the translated bytes: not stale");
	tb_record_free(r);
	smc_model_free(m);
}
