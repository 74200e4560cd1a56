/*
 * What the checker keeps of a translated block: when it was translated (in
 * the model's order), the physical lines its instructions come from, and the
 * bytes QEMU translated with the host address they were read from, so an
 * execution can tell whether memory still holds them. Pure C, no QEMU.
 */
#ifndef SMC_TB_RECORD_H
#define SMC_TB_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "smc_model.h"

struct tb_insn {
	uint64_t vaddr, paddr;
	const uint8_t *host; /* where QEMU read it (guest RAM in the host); NULL: not RAM */
	uint32_t bytes;	     /* as translated */
	unsigned size;	     /* 4 on A64 */
};

struct tb_record {
	uint64_t translated_at;
	size_t ninsns, nlines;
	uint64_t *lines; /* distinct physical line addresses, in order */
	struct tb_insn insns[];
};

/* A record for n instructions; fill insns[], then call tb_record_seal. NULL if memory runs out. */
struct tb_record *tb_record_new(size_t n, uint64_t translated_at);
/* Compute the distinct lines of the instructions fetched from RAM (line_bytes a power of two). Returns 0, or -1 if
 * memory runs out. */
int tb_record_seal(struct tb_record *r, unsigned line_bytes);
void tb_record_free(struct tb_record *r);

/* The first instruction whose line was written after the translation and whose bytes in memory differ
   from the translated ones (QEMU ran a stale translation), or NULL. */
const struct tb_insn *tb_record_stale(const struct tb_record *r, const struct smc_model *m);

#endif
