#include "errata.h"

#include <stddef.h>

#include "array_size.h"
#include "sysreg.h"

/* MIDR part numbers (Linux arch/arm64/include/asm/cputype.h). */
#define CORTEX_A35     0xd04
#define CORTEX_A53     0xd03
#define CORTEX_A55     0xd05
#define CORTEX_A57     0xd07
#define CORTEX_A72     0xd08
#define CORTEX_A76     0xd0b
#define CORTEX_A77     0xd0d
#define CORTEX_A510    0xd46
#define NEOVERSE_N1    0xd0c
#define THUNDERX_88XX  0x0a1
#define THUNDERX_81XX  0x0a2
#define QCOM_KRYO      0x200 /* with partnum_mask 0xf00: 0x2XX (0x201, 0x205, 0x211, ...) */
#define QCOM_FALKOR_V1 0x800
#define QCOM_FALKOR    0xc00
#define LINUX_ERRATA   "Linux arch/arm64/kernel/cpu_errata.c and Kconfig"
#define TFA_ERRATA     "TF-A docs/design/cpu-specific-build-macros.rst"

const struct erratum errata[] = {
    {.number = "819472",
     .cores = "Cortex-A53 r0p0-r0p1",
     .implementer = IMPL_ARM,
     .partnum = CORTEX_A53,
     .rv_min = RV(0, 0),
     .rv_max = RV(0, 1),
     .effect = "store exclusive instructions might cause data corruption (with DC CVAU/CVAC traffic)",
     .workaround = "clean with DC CIVAC",
     .actions = ERRATUM_CLEAN_INVAL,
     .scenario = "errata",
     .source = LINUX_ERRATA " (workaround_clean_cache r0p0-r0p1); " TFA_ERRATA " (<= r0p1)"},
    {.number = "826319",
     .cores = "Cortex-A53 r0p0-r0p2",
     .implementer = IMPL_ARM,
     .partnum = CORTEX_A53,
     .rv_min = RV(0, 0),
     .rv_max = RV(0, 2),
     .effect = "system might deadlock if a write cannot complete until read data is accepted",
     .workaround = "clean with DC CIVAC",
     .actions = ERRATUM_CLEAN_INVAL,
     .scenario = "errata",
     .source = LINUX_ERRATA " (workaround_clean_cache r0p0-r0p2); " TFA_ERRATA " (<= r0p2)"},
    {.number = "827319",
     .cores = "Cortex-A53 r0p0-r0p2",
     .implementer = IMPL_ARM,
     .partnum = CORTEX_A53,
     .rv_min = RV(0, 0),
     .rv_max = RV(0, 2),
     .effect = "data cache clean instructions might cause overlapping transactions to the interconnect",
     .workaround = "clean with DC CIVAC",
     .actions = ERRATUM_CLEAN_INVAL,
     .scenario = "errata",
     .source = LINUX_ERRATA " (r0p0-r0p2); " TFA_ERRATA " (<= r0p2)"},
    {.number = "824069",
     .cores = "Cortex-A53 r0p0-r0p2",
     .implementer = IMPL_ARM,
     .partnum = CORTEX_A53,
     .rv_min = RV(0, 0),
     .rv_max = RV(0, 2),
     .effect = "cache line might not be marked as clean after a CleanShared snoop",
     .workaround = "clean with DC CIVAC",
     .actions = ERRATUM_CLEAN_INVAL,
     .scenario = "errata",
     .source = LINUX_ERRATA " (r0p0-r0p2); " TFA_ERRATA " (<= r0p2)"},
    /* Every revision; the fix is EL3's: TF-A sets CPUACTLR_EL1[44] (a clean acts as clean and invalidate)
       on r0p3 and later, and relies on the software DC CIVAC of the errata above before r0p3. EL1 cannot
       read CPUACTLR_EL1 to see whether the Pi 3's firmware set it, and Linux does not act on 855873, so
       the library does not promote the clean on r0p3+: the errata test reports it, waiving its verdict. */
    {.number = "855873",
     .cores = "Cortex-A53 (all revisions)",
     .implementer = IMPL_ARM,
     .partnum = CORTEX_A53,
     .rv_min = RV_ALL_MIN,
     .rv_max = RV_ALL_MAX,
     .effect = "an eviction might overtake a cache clean operation",
     .workaround = "CPUACTLR_EL1[44] at EL3 (r0p3+), or DC CIVAC",
     .scenario = "errata",
     .source = TFA_ERRATA " (present in every revision, chicken bit from r0p3); not in Linux"},
    {.number = "855472",
     .cores = "Cortex-A35 r0p0",
     .implementer = IMPL_ARM,
     .partnum = CORTEX_A35,
     .rv_min = RV(0, 0),
     .rv_max = RV(0, 0),
     .effect = "a cache maintenance erratum TF-A fixes at EL3 (Cortex-A35 errata notice)",
     .workaround = "CPUACTLR_EL1 bit at EL3 (TF-A)",
     .scenario = "errata",
     .source = TFA_ERRATA " (r0p0)"},
    {.number = "859972",
     .cores = "Cortex-A57 r0p0-r1p3",
     .implementer = IMPL_ARM,
     .partnum = CORTEX_A57,
     .rv_min = RV(0, 0),
     .rv_max = RV(1, 3),
     .effect = "an instruction-side erratum TF-A fixes at EL3 (Cortex-A57 errata notice)",
     .workaround = "CPUACTLR_EL1 bit at EL3 (TF-A)",
     .scenario = "cross_core",
     .source = TFA_ERRATA " (<= r1p3)"},
    {.number = "859971",
     .cores = "Cortex-A72 r0p0-r0p3",
     .implementer = IMPL_ARM,
     .partnum = CORTEX_A72,
     .rv_min = RV(0, 0),
     .rv_max = RV(0, 3),
     .effect = "instruction prefetch issue (the Raspberry Pi 4's r0p3)",
     .workaround = "CPUACTLR_EL1 bit 32 (needs EL3 or EL2 to allow it)",
     .scenario = "cross_core",
     .source = TFA_ERRATA " (<= r0p3)"},
    {.number = "1286807",
     .cores = "Cortex-A76 r0p0-r3p0",
     .implementer = IMPL_ARM,
     .partnum = CORTEX_A76,
     .rv_min = RV(0, 0),
     .rv_max = RV(3, 0),
     .effect = "a TLBI might not complete: stale translations",
     .workaround = "repeat TLBI and DSB",
     .actions = ERRATUM_TLBI_REPEAT,
     .scenario = "wx_flip",
     .source = LINUX_ERRATA " (arm64_repeat_tlbi_list r0p0-r3p0)"},
    {.number = "2441007",
     .cores = "Cortex-A55 (all revisions)",
     .implementer = IMPL_ARM,
     .partnum = CORTEX_A55,
     .rv_min = RV_ALL_MIN,
     .rv_max = RV_ALL_MAX,
     .effect = "a TLBI might not complete: stale translations",
     .workaround = "repeat TLBI and DSB",
     .actions = ERRATUM_TLBI_REPEAT,
     .scenario = "wx_flip",
     .source = LINUX_ERRATA " (arm64_repeat_tlbi_list, all versions)"},
    {.number = "2441009",
     .cores = "Cortex-A510 r0p0-r1p1",
     .implementer = IMPL_ARM,
     .partnum = CORTEX_A510,
     .rv_min = RV(0, 0),
     .rv_max = RV(1, 1),
     .effect = "a TLBI might not complete: stale translations",
     .workaround = "repeat TLBI and DSB",
     .actions = ERRATUM_TLBI_REPEAT,
     .scenario = "wx_flip",
     .source = LINUX_ERRATA " (arm64_repeat_tlbi_list r0p0-r1p1)"},
    {.number = "1542418",
     .cores = "Cortex-A77 r0p0-r1p0",
     .implementer = IMPL_ARM,
     .partnum = CORTEX_A77,
     .rv_min = RV(0, 0),
     .rv_max = RV(1, 0),
     .effect = "stale instruction fetch of a modified branch predicted from an old ASID/VMID",
     .workaround = "use 60 other ASIDs before reusing one",
     .scenario = "cross_core",
     .source = "linux-arm-kernel 'arm64: Add workaround for Cortex-A77 erratum 1542418' (2019, not merged)"},
    {.number = "1542419",
     .cores = "Neoverse-N1 reporting DIC=1",
     .implementer = IMPL_ARM,
     .partnum = NEOVERSE_N1,
     .rv_min = RV_ALL_MIN,
     .rv_max = RV_ALL_MAX,
     .only_with_dic = true,
     .effect = "stale instruction fetch after code is modified although DIC is 1",
     .workaround = "treat DIC as 0 (EL3 traps only EL0's IC IVAU)",
     .actions = ERRATUM_NO_DIC,
     .scenario = "weakened_sequences",
     .source = LINUX_ERRATA " (all revisions with DIC); " TFA_ERRATA " (r3p0-r4p0)"},
    {.number = "27456",
     .cores = "Cavium ThunderX 88xx r0p0-r1p1",
     .implementer = IMPL_CAVIUM,
     .partnum = THUNDERX_88XX,
     .rv_min = RV(0, 0),
     .rv_max = RV(1, 1),
     .effect = "broadcast TLBI corrupts I-cache lines of another ASID",
     .workaround = "invalidate the I-cache on context switch",
     .scenario = "cross_core",
     .source = LINUX_ERRATA " (cavium_erratum_27456_cpus)"},
    {.number = "27456",
     .cores = "Cavium ThunderX 81xx r0p0",
     .implementer = IMPL_CAVIUM,
     .partnum = THUNDERX_81XX,
     .rv_min = RV(0, 0),
     .rv_max = RV(0, 0),
     .effect = "broadcast TLBI corrupts I-cache lines of another ASID",
     .workaround = "invalidate the I-cache on context switch",
     .scenario = "cross_core",
     .source = LINUX_ERRATA " (cavium_erratum_27456_cpus)"},
    {.number = "E1009",
     .cores = "Qualcomm Falkor v1 r0p0",
     .implementer = IMPL_QUALCOMM,
     .partnum = QCOM_FALKOR_V1,
     .rv_min = RV(0, 0),
     .rv_max = RV(0, 0),
     .effect = "a TLBI might not complete: stale translations",
     .workaround = "repeat TLBI and DSB",
     .actions = ERRATUM_TLBI_REPEAT,
     .scenario = "wx_flip",
     .source = LINUX_ERRATA " (arm64_repeat_tlbi_list)"},
    {.number = "E1009",
     .cores = "Qualcomm Kryo (0x2XX)",
     .implementer = IMPL_QUALCOMM,
     .partnum = QCOM_KRYO,
     .partnum_mask = 0xf00,
     .rv_min = RV_ALL_MIN,
     .rv_max = RV_ALL_MAX,
     .effect = "a TLBI might not complete: stale translations",
     .workaround = "repeat TLBI and DSB",
     .actions = ERRATUM_TLBI_REPEAT,
     .scenario = "wx_flip",
     .source = LINUX_ERRATA " (arm64_repeat_tlbi_list, is_kryo_midr)"},
    /* Linux applies it unconditionally (pre_disable_mmu_workaround); the MIDRs are Falkor's. */
    {.number = "E1041",
     .cores = "Qualcomm Falkor",
     .implementer = IMPL_QUALCOMM,
     .partnum = QCOM_FALKOR,
     .rv_min = RV_ALL_MIN,
     .rv_max = RV_ALL_MAX,
     .effect = "speculative instruction fetch from an improper location when SCTLR_ELx.M goes 1 to 0",
     .workaround = "ISB before clearing SCTLR_ELx.M (the chainloader's MMU-off path)",
     .source = "Linux Kconfig QCOM_FALKOR_ERRATUM_E1041"},
    {.number = "E1041",
     .cores = "Qualcomm Falkor v1",
     .implementer = IMPL_QUALCOMM,
     .partnum = QCOM_FALKOR_V1,
     .rv_min = RV_ALL_MIN,
     .rv_max = RV_ALL_MAX,
     .effect = "speculative instruction fetch from an improper location when SCTLR_ELx.M goes 1 to 0",
     .workaround = "ISB before clearing SCTLR_ELx.M (the chainloader's MMU-off path)",
     .source = "Linux Kconfig QCOM_FALKOR_ERRATUM_E1041"},
    /* Not an erratum notice: a published observation of a forbidden outcome (ESOP 2020, Snapdragon 820). */
    {.number = "ESOP 2020",
     .cores = "Qualcomm Kryo (0x2XX; Snapdragon 820)",
     .implementer = IMPL_QUALCOMM,
     .partnum = QCOM_KRYO,
     .partnum_mask = 0xf00,
     .rv_min = RV_ALL_MIN,
     .rv_max = RV_ALL_MAX,
     .effect = "MP.RF+cachesync+ctrl-isb (forbidden) observed 84 times in 1.1e9 runs",
     .workaround = "none known",
     .scenario = "cross_core",
     .source = "Simner et al., ESOP 2020 (ARMv8-A system semantics: instruction fetch)"},
};

const unsigned errata_count = ARRAY_SIZE(errata);

bool erratum_applies(const struct erratum *e, uint64_t midr, uint64_t revidr, uint64_t ctr)
{
	unsigned rv = MIDR_RV(midr);
	unsigned mask = e->partnum_mask ? e->partnum_mask : 0xfff;
	return MIDR_IMPLEMENTER(midr) == e->implementer && (MIDR_PARTNUM(midr) & mask) == e->partnum &&
	       rv >= e->rv_min && rv <= e->rv_max && !(revidr & e->revidr_fixed) && (!e->only_with_dic || CTR_DIC(ctr));
}

unsigned errata_actions(uint64_t midr, uint64_t revidr, uint64_t ctr)
{
	unsigned a = 0;
	for (unsigned i = 0; i < errata_count; i++)
		if (erratum_applies(&errata[i], midr, revidr, ctr))
			a |= errata[i].actions;
	return a;
}
