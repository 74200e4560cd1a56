#include "errata.h"

#include "array_size.h"
#include "sysreg.h"

#define CORTEX_A53  0xd03
#define CORTEX_A72  0xd08
#define NEOVERSE_N1 0xd0c

/* Each row names its fields; those left out are 0 (no REVIDR bit marks a fixed part; applies whatever DIC). */
const struct erratum errata[] = {
    {.id = "819472",
     .cores = "Cortex-A53 r0p0-r0p1",
     .implementer = IMPL_ARM,
     .partnum = CORTEX_A53,
     .rv_min = RV(0, 0),
     .rv_max = RV(0, 1),
     .effect = "DC CVAU/CVAC racing other traffic can corrupt data or deadlock",
     .workaround = "clean with DC CIVAC",
     .scenario = "errata"},
    {.id = "826319",
     .cores = "Cortex-A53 r0p0-r0p2",
     .implementer = IMPL_ARM,
     .partnum = CORTEX_A53,
     .rv_min = RV(0, 0),
     .rv_max = RV(0, 2),
     .effect = "DC CVAU/CVAC racing other traffic can corrupt data",
     .workaround = "clean with DC CIVAC",
     .scenario = "errata"},
    {.id = "827319",
     .cores = "Cortex-A53 r0p0-r0p2",
     .implementer = IMPL_ARM,
     .partnum = CORTEX_A53,
     .rv_min = RV(0, 0),
     .rv_max = RV(0, 2),
     .effect = "DC CVAU/CVAC with a hazard on the same line can corrupt data",
     .workaround = "clean with DC CIVAC",
     .scenario = "errata"},
    {.id = "824069",
     .cores = "Cortex-A53 r0p0-r0p2",
     .implementer = IMPL_ARM,
     .partnum = CORTEX_A53,
     .rv_min = RV(0, 0),
     .rv_max = RV(0, 2),
     .effect = "DC CVAU/CVAC can leave a line dirty (corruption)",
     .workaround = "clean with DC CIVAC",
     .scenario = "errata"},
    {.id = "859971",
     .cores = "Cortex-A72 r0p0-r0p3",
     .implementer = IMPL_ARM,
     .partnum = CORTEX_A72,
     .rv_min = RV(0, 0),
     .rv_max = RV(0, 3),
     .effect = "instruction prefetch issue (the Raspberry Pi 4's r0p3)",
     .workaround = "CPUACTLR_EL1 bit 32 (needs EL3 or EL2 to allow it)",
     .scenario = "cross_core"},
    {.id = "1542419",
     .cores = "Neoverse-N1 r3p0-r4p0 reporting DIC=1",
     .implementer = IMPL_ARM,
     .partnum = NEOVERSE_N1,
     .rv_min = RV(3, 0),
     .rv_max = RV(4, 0),
     .only_with_dic = true,
     .effect = "stale instruction fetch after code is modified",
     .workaround = "trap IC IVAU or hide DIC",
     .scenario = "weakened_sequences"},
    {.id = "27456",
     .cores = "Cavium ThunderX 88xx r0p0-r1p1",
     .implementer = IMPL_CAVIUM,
     .partnum = 0x0a1,
     .rv_min = RV(0, 0),
     .rv_max = RV(1, 1),
     .effect = "broadcast TLBI corrupts I-cache lines of another ASID",
     .workaround = "invalidate the I-cache on context switch",
     .scenario = "cross_core"},
    {.id = "ESOP 2020",
     .cores = "Qualcomm Kryo (Snapdragon 820)",
     .implementer = IMPL_QUALCOMM,
     .partnum = 0x211,
     .rv_min = RV(0, 0),
     .rv_max = RV(15, 15),
     .effect = "MP.RF+cachesync+ctrl-isb (forbidden) observed 84 times in 1.1e9 runs",
     .workaround = "none known",
     .scenario = "cross_core"},
};

const unsigned errata_count = ARRAY_SIZE(errata);

bool erratum_applies(const struct erratum *e, uint64_t midr, uint64_t revidr, uint64_t ctr)
{
	unsigned rv = MIDR_RV(midr);
	return MIDR_IMPLEMENTER(midr) == e->implementer && MIDR_PARTNUM(midr) == e->partnum && rv >= e->rv_min &&
	       rv <= e->rv_max && !(revidr & e->revidr_fixed) && (!e->only_with_dic || CTR_DIC(ctr));
}
