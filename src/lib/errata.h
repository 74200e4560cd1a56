/*
 * Silicon errata that touch cache maintenance or instruction fetch, keyed by
 * MIDR ranges (as Linux's cpu_errata.c does). The table is data: add a row.
 * Pure, so host tests check the matching.
 */
#ifndef SELFMOD_ERRATA_H
#define SELFMOD_ERRATA_H

#include <stdbool.h>
#include <stdint.h>

#include "sysreg.h"

/* rNpM as one number: (variant << 4) | revision. */
#define MIDR_RV(m)	      ((unsigned)(MIDR_VARIANT(m) << 4 | MIDR_REVISION(m)))
#define RV(variant, revision) ((variant) << 4 | (revision))

struct erratum {
	const char *id;
	const char *cores;
	unsigned implementer, partnum;
	unsigned rv_min, rv_max; /* inclusive */
	uint64_t revidr_fixed;	 /* REVIDR_EL1 bits that mean "fixed in this part", 0 if none */
	bool only_with_dic;	 /* applies only when CTR_EL0.DIC is 1 */
	const char *effect;
	const char *workaround;
	const char *scenario; /* the test that targets it */
};

extern const struct erratum errata[];
extern const unsigned errata_count;

bool erratum_applies(const struct erratum *e, uint64_t midr, uint64_t revidr, uint64_t ctr);

#endif
