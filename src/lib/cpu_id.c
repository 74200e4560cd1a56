#include "cpu_id.h"

#include <stdbool.h>

#include "cpu.h"
#include "sysreg.h"

static uint64_t read_ccsidr(unsigned level, bool insn)
{
	write_sysreg(csselr_el1, CSSELR_LEVEL(level) | (insn ? CSSELR_IND : 0));
	isb();
	return read_sysreg(ccsidr_el1);
}

void cpu_id_read(struct cpu_id *id)
{
	id->midr = read_sysreg(midr_el1);
	id->mpidr = read_sysreg(mpidr_el1);
	id->revidr = read_sysreg(revidr_el1);
	id->ctr = read_sysreg(ctr_el0);
	id->clidr = read_sysreg(clidr_el1);
	id->current_el = current_el();
	id->sctlr = read_sysreg(sctlr_el1);
	for (unsigned level = 1; level <= CACHE_LEVELS_MAX; level++) {
		unsigned ctype = CLIDR_CTYPE(id->clidr, level);
		id->ccsidr_data[level - 1] = ctype >= CTYPE_DATA ? read_ccsidr(level, false) : 0;
		id->ccsidr_insn[level - 1] =
		    (ctype == CTYPE_INSN || ctype == CTYPE_SEPARATE) ? read_ccsidr(level, true) : 0;
	}
}
