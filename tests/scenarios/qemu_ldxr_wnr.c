/*
 * QEMU reproducer qemu_ldxr_wnr (group qemu, only with run=): the Alignment fault of a Load-Exclusive
 * must be reported as a read. docs/qemu-defects.md is its report; tests/qemu_defects.py (make
 * qemu-defects) runs it.
 *
 * One core. An LDXR of a doubleword at offset 12 of an aligned 16-byte quantity (bytes 12..19, across
 * the 16-byte boundary) must take an Alignment fault on every core (SCTLR_EL1.A = 0, which this firmware
 * leaves clear): Arm ARM (DDI 0487K.a) AArch64.UnalignedAccessFaults(), for exclusive and atomic accesses
 *     return !IsFeatureImplemented(FEAT_LSE2) || !AllInAlignedQuantity(address, size, 16);
 * so without FEAT_LSE2 because it is unaligned, with FEAT_LSE2 because it leaves its 16-byte quantity.
 * The fault is a Data Abort whose ISS.WnR must be 0: ESR_ELx ISS encoding for an exception from a Data
 * Abort (D24.2.40), WnR "0: abort caused by an instruction reading from a memory location". LDXR reads.
 *
 * The control: LDAR (a Load-Acquire: an ordered access, SCTLR_EL1.nAA = 0) of the same bytes takes the
 * same Alignment fault by the same rule for ordered accesses and must report WnR 0 as well. QEMU checks
 * the two on different paths (check_atomic_align and check_ordered_align in target/arm/tcg/
 * translate-a64.c), so the control tells a wrong WnR for exclusives from a wrong WnR for every
 * unaligned read.
 *
 * The "# QEMU-DEFECT qemu_ldxr_wnr" line gives the LDXR's counts (tests/qemu_defects.py parses them):
 * lse2 (ID_AA64MMFR2_EL1.AT != 0), loads, faults (Alignment faults taken), wnr_set (of them with
 * WnR 1, the defect) and esr (the last fault's syndrome).
 */
#include "array_size.h"
#include "exceptions.h"
#include "suite.h"
#include "sysreg.h"

#define QUANTUM	    16 /* FEAT_LSE2: the aligned quantity an exclusive or ordered access may not leave */
#define LOAD_OFFSET 12 /* a doubleword at bytes 12..19: across the boundary of the first quantity */

/* Two aligned 16-byte quantities. */
static uint8_t block[2 * QUANTUM] __attribute__((aligned(2 * QUANTUM)));

static void load_exclusive(void *addr)
{
	uint64_t v;
	__asm__ volatile("ldxr %0, [%1]\n\tclrex" : "=r"(v) : "r"(addr) : "memory");
}

static void load_acquire(void *addr)
{
	uint64_t v;
	__asm__ volatile("ldar %0, [%1]" : "=r"(v) : "r"(addr) : "memory");
}

struct probe {
	const char *name;
	void (*load)(void *addr);
};

static const struct probe probes[] = {
    {"LDXR (exclusive)", load_exclusive},
    {"LDAR (ordered, the control)", load_acquire},
};
#define NPROBES ARRAY_SIZE(probes)

struct tally {
	uint64_t loads, faults, wnr_set, other;
	uint64_t esr;
};

/* Each load must fault as a read: EC Data Abort (same EL), FSC Alignment fault, FAR the address, WnR 0. */
static struct tally run_probe(struct test *t, const struct probe *p, uint64_t n)
{
	struct tally y = {0};
	void *addr = block + LOAD_OFFSET;
	struct fault_record f = {0};
	char seen[160] = "no exception";
	for (uint64_t i = 0; i < n; i++) {
		y.loads++;
		if (run_protected(p->load, addr, &f))
			continue;
		fault_describe(&f, seen, sizeof(seen));
		bool alignment =
		    ESR_EC(f.esr) == ESR_EC_DABT_CUR && ESR_FSC(f.esr) == FSC_ALIGNMENT && f.far == (uintptr_t)addr;
		if (!alignment) {
			y.other++;
			continue;
		}
		y.faults++;
		y.wnr_set += (f.esr & ESR_WNR) != 0;
		y.esr = f.esr;
	}
	report(t, y.faults == y.loads && y.wnr_set == 0,
	       "%s of 8 bytes at 0x%lx: Alignment fault as a read in %llu of %llu loads; WnR 1 (FORBIDDEN) %llu, "
	       "no fault or another fault (FORBIDDEN) %llu",
	       p->name, (uintptr_t)addr, (unsigned long long)(y.faults - y.wnr_set), (unsigned long long)y.loads,
	       (unsigned long long)y.wnr_set, (unsigned long long)(y.loads - y.faults));
	report_info(t, "%s: last observed %s", p->name, seen);
	return y;
}

static void qemu_ldxr_wnr_run(struct test *t)
{
	uint64_t mmfr2 = read_sysreg(id_aa64mmfr2_el1);
	bool lse2 = ID_AA64MMFR2_AT(mmfr2) != 0;
	report_info(t, "ID_AA64MMFR2_EL1.AT=%llu: %s", (unsigned long long)ID_AA64MMFR2_AT(mmfr2),
		    lse2 ? "FEAT_LSE2: the load leaves its aligned 16-byte quantity, so it faults"
			 : "no FEAT_LSE2: the load is unaligned, so it faults");
	report_info(t, "architecture: an Alignment fault (AArch64.UnalignedAccessFaults) reported as a read, "
		       "ESR_ELx ISS.WnR = 0 (Arm ARM D24.2.40)");
	struct tally ldxr = {0};
	for (unsigned i = 0; i < NPROBES; i++) {
		struct tally y = run_probe(t, &probes[i], t->iterations);
		if (i == 0)
			ldxr = y;
	}
	report_info(t, "QEMU-DEFECT qemu_ldxr_wnr lse2=%u loads=%llu faults=%llu wnr_set=%llu esr=0x%08llx", lse2,
		    (unsigned long long)ldxr.loads, (unsigned long long)ldxr.faults, (unsigned long long)ldxr.wnr_set,
		    (unsigned long long)ldxr.esr);
}

TEST_CASE(901, qemu_ldxr_wnr_case, .name = "qemu_ldxr_wnr", .group = "qemu",
	  .summary = "QEMU reproducer: an LDXR across a 16-byte boundary takes an Alignment fault, which must be "
		     "reported as a read (ESR ISS.WnR 0)",
	  .run = qemu_ldxr_wnr_run, .min_cores = 1, .iterations = 1, .timeout_ms = 1000, .explicit_only = true);
