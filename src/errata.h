/*
 * Silicon errata that touch cache maintenance, instruction fetch or the TLB
 * flips the suite does, keyed by MIDR ranges (as Linux's cpu_errata.c does).
 * The table is data: add a row. Its workaround flags drive src/icache.c
 * (icache_apply_errata) and its scenario tags the verdicts of that test.
 * Pure, so host tests check the matching.
 */
#ifndef SELFMOD_ERRATA_H
#define SELFMOD_ERRATA_H

#include <stdbool.h>
#include <stdint.h>

/* MIDR_EL1 (D17.2.100) fields. */
#define MIDR_IMPLEMENTER(m) (((m) >> 24) & 0xff)
#define MIDR_VARIANT(m)	    (((m) >> 20) & 0xf)
#define MIDR_PARTNUM(m)	    (((m) >> 4) & 0xfff)
#define MIDR_REVISION(m)    ((m)&0xf)
/* rNpM as one number: (variant << 4) | revision. */
#define MIDR_RV(m)	      ((unsigned)(MIDR_VARIANT(m) << 4 | MIDR_REVISION(m)))
#define RV(variant, revision) ((variant) << 4 | (revision))
#define RV_ALL_MIN	      RV(0, 0)
#define RV_ALL_MAX	      RV(15, 15)

#define IMPL_ARM      0x41
#define IMPL_CAVIUM   0x43
#define IMPL_QUALCOMM 0x51

/* What the library does about an erratum (src/icache.c icache_apply_errata), as bits. */
enum erratum_action {
	ERRATUM_CLEAN_INVAL = 1u << 0, /* clean with DC CIVAC instead of DC CVAU (Linux ARM64_WORKAROUND_CLEAN_CACHE) */
	ERRATUM_NO_DIC = 1u << 1,      /* treat CTR_EL0.DIC as 0: always invalidate (Linux ARM64_WORKAROUND_1542419) */
	ERRATUM_TLBI_REPEAT = 1u << 2, /* repeat TLBI + DSB (Linux ARM64_WORKAROUND_REPEAT_TLBI): wx_flip */
};

struct erratum {
	const char *number; /* the vendor's erratum number */
	const char *cores;
	unsigned implementer, partnum;
	unsigned partnum_mask;	 /* 0: 0xfff (exact); 0xf00: a family, as Linux's is_kryo_midr */
	unsigned rv_min, rv_max; /* inclusive */
	uint64_t revidr_fixed;	 /* REVIDR_EL1 bits that mean "fixed in this part", 0 if none */
	bool only_with_dic;	 /* applies only when CTR_EL0.DIC is 1 */
	const char *effect;
	const char *workaround;
	unsigned actions;     /* enum erratum_action bits the library applies */
	const char *scenario; /* the test whose verdicts it waives (publish.h waived_by), or NULL */
	const char *source;   /* where the range and text come from */
};

extern const struct erratum errata[];
extern const unsigned errata_count;

bool erratum_applies(const struct erratum *e, uint64_t midr, uint64_t revidr, uint64_t ctr);
/* The union of the actions of every erratum that applies to this core. */
unsigned errata_actions(uint64_t midr, uint64_t revidr, uint64_t ctr);

#endif
