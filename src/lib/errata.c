#include "errata.h"

#include "sysreg.h"

#define CORTEX_A53  0xd03
#define CORTEX_A72  0xd08
#define NEOVERSE_N1 0xd0c

const struct erratum errata[] = {
    {"819472", "Cortex-A53 r0p0-r0p1", IMPL_ARM, CORTEX_A53, RV(0, 0), RV(0, 1), 0, false,
     "DC CVAU/CVAC racing other traffic can corrupt data or deadlock", "clean with DC CIVAC", "errata"},
    {"826319", "Cortex-A53 r0p0-r0p2", IMPL_ARM, CORTEX_A53, RV(0, 0), RV(0, 2), 0, false,
     "DC CVAU/CVAC racing other traffic can corrupt data", "clean with DC CIVAC", "errata"},
    {"827319", "Cortex-A53 r0p0-r0p2", IMPL_ARM, CORTEX_A53, RV(0, 0), RV(0, 2), 0, false,
     "DC CVAU/CVAC with a hazard on the same line can corrupt data", "clean with DC CIVAC", "errata"},
    {"824069", "Cortex-A53 r0p0-r0p2", IMPL_ARM, CORTEX_A53, RV(0, 0), RV(0, 2), 0, false,
     "DC CVAU/CVAC can leave a line dirty (corruption)", "clean with DC CIVAC", "errata"},
    {"859971", "Cortex-A72 r0p0-r0p3", IMPL_ARM, CORTEX_A72, RV(0, 0), RV(0, 3), 0, false,
     "instruction prefetch issue (the Raspberry Pi 4's r0p3)", "CPUACTLR_EL1 bit 32 (needs EL3 or EL2 to allow it)",
     "cross_core"},
    {"1542419", "Neoverse-N1 r3p0-r4p0 reporting DIC=1", IMPL_ARM, NEOVERSE_N1, RV(3, 0), RV(4, 0), 0, true,
     "stale instruction fetch after code is modified", "trap IC IVAU or hide DIC", "weakened_sequences"},
    {"27456", "Cavium ThunderX 88xx r0p0-r1p1", IMPL_CAVIUM, 0x0a1, RV(0, 0), RV(1, 1), 0, false,
     "broadcast TLBI corrupts I-cache lines of another ASID", "invalidate the I-cache on context switch", "cross_core"},
    {"ESOP 2020", "Qualcomm Kryo (Snapdragon 820)", IMPL_QUALCOMM, 0x211, RV(0, 0), RV(15, 15), 0, false,
     "MP.RF+cachesync+ctrl-isb (forbidden) observed 84 times in 1.1e9 runs", "none known", "cross_core"},
};

const unsigned errata_count = sizeof(errata) / sizeof(errata[0]);

bool erratum_applies(const struct erratum *e, uint64_t midr, uint64_t revidr, uint64_t ctr)
{
	unsigned rv = MIDR_RV(midr);
	return MIDR_IMPLEMENTER(midr) == e->implementer && MIDR_PARTNUM(midr) == e->partnum && rv >= e->rv_min &&
	       rv <= e->rv_max && !(revidr & e->revidr_fixed) && (!e->only_with_dic || CTR_DIC(ctr));
}
