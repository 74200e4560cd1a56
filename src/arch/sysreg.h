/* System-register fields as named constants, with the Arm ARM (DDI 0487) section. */
#ifndef SELFMOD_SYSREG_H
#define SELFMOD_SYSREG_H

#ifdef __ASSEMBLER__
#define UL(x) (x)
#else
#define UL(x) (x##UL)
#endif
#define BIT(n) (UL(1) << (n))

/* CurrentEL (C5.2.1): EL in bits [3:2]. */
#define CURRENTEL_EL_SHIFT 2

/* SCTLR_EL1 (D17.2.118). */
#define SCTLR_EL1_M    BIT(0)  /* stage 1 MMU enable */
#define SCTLR_EL1_A    BIT(1)  /* alignment check */
#define SCTLR_EL1_C    BIT(2)  /* data cacheability */
#define SCTLR_EL1_SA   BIT(3)  /* SP alignment check */
#define SCTLR_EL1_I    BIT(12) /* instruction cacheability */
#define SCTLR_EL1_WXN  BIT(19)
#define SCTLR_EL1_RES1 (BIT(11) | BIT(20) | BIT(22) | BIT(23) | BIT(28) | BIT(29))

/* HCR_EL2 (D17.2.48). */
#define HCR_EL2_RW   BIT(31) /* EL1 is AArch64 */
#define HCR_EL2_TID2 BIT(17) /* EL1 reads of CTR_EL0, CCSIDR_EL1, CCSIDR2_EL1, CLIDR_EL1 and CSSELR_EL1 trap to EL2 */

/* ESR_ELx.ISS of a trapped MSR/MRS, EC 0x18 (D17.2.37): Op0 [21:20], Op2 [19:17], Op1 [16:14], CRn [13:10],
   Rt [9:5], CRm [4:1], Direction [0] (1: a read, MRS). ESR_ISS_SYSREG(...) is the ISS of an MRS with Rt 0. */
#define ESR_ISS_SYSREG_RT_SHIFT 5
#define ESR_ISS_SYSREG_RT_MASK	UL(0x1f)
#define ESR_ISS_SYSREG(op0, op1, crn, crm, op2)                                                                        \
	(((op0) << 20) | ((op2) << 17) | ((op1) << 14) | ((crn) << 10) | ((crm) << 1) | 1)

/* CNTHCTL_EL2 (D17.9.2), E2H == 0 layout. */
#define CNTHCTL_EL2_EL1PCTEN BIT(0) /* EL1 physical counter not trapped */
#define CNTHCTL_EL2_EL1PCEN  BIT(1) /* EL1 physical timer not trapped */

/* CPTR_EL2 (D17.2.31), E2H == 0: RES1 bits, TFP bit 10 clear = FP not trapped. */
#define CPTR_EL2_RES1 UL(0x33ff)

/* CPACR_EL1 (D17.2.30): FPEN [21:20] = 0b11, FP/SIMD not trapped at EL1/EL0. */
#define CPACR_EL1_FPEN_ALL (UL(3) << 20)

/* SPSR for ERET to EL1h with D, A, I, F masked (C5.2.18). */
#define SPSR_EL1H_DAIF_MASKED UL(0x3c5)

/* CNTKCTL_EL1 (D17.9.12): event stream so a WFE never sleeps forever. */
#define CNTKCTL_EL1_EVNTEN	BIT(2)
#define CNTKCTL_EL1_EVNTI_SHIFT 4

/* MAIR_EL1 (D17.2.97) attribute encodings and the indices this project uses. */
#define MAIR_DEVICE_nGnRnE UL(0x00)
#define MAIR_DEVICE_nGnRE  UL(0x04)
#define MAIR_NORMAL_NC	   UL(0x44)
#define MAIR_NORMAL_WB	   UL(0xff)
#define MT_DEVICE_nGnRE	   0
#define MT_NORMAL	   1
#define MT_NORMAL_NC	   2
#define MT_DEVICE_nGnRnE   3
#define MAIR_EL1_VALUE                                                                                                 \
	((MAIR_DEVICE_nGnRE << (8 * MT_DEVICE_nGnRE)) | (MAIR_NORMAL_WB << (8 * MT_NORMAL)) |                          \
	 (MAIR_NORMAL_NC << (8 * MT_NORMAL_NC)) | (MAIR_DEVICE_nGnRnE << (8 * MT_DEVICE_nGnRnE)))

/* TCR_EL1 (D17.2.131), TTBR0 only. */
#define TCR_T0SZ(va_bits) ((UL(64) - (va_bits)) << 0)
#define TCR_IRGN0_WBWA	  (UL(1) << 8)
#define TCR_ORGN0_WBWA	  (UL(1) << 10)
#define TCR_SH0_INNER	  (UL(3) << 12)
#define TCR_TG0_4K	  (UL(0) << 14)
#define TCR_EPD1	  BIT(23) /* no walks through TTBR1 */
#define TCR_IPS_SHIFT	  32

/* ID_AA64MMFR0_EL1 (D17.2.64): PARange [3:0]. */
#define ID_AA64MMFR0_PARANGE_MASK UL(0xf)

/* ID_AA64MMFR2_EL1 (D17.2.66): AT [35:32], nonzero = FEAT_LSE2 (unaligned single-copy atomicity and the
   relaxed alignment checks of exclusive, atomic and ordered accesses within 16 bytes). */
#define ID_AA64MMFR2_AT(mmfr2) (((mmfr2) >> 32) & 0xf)

/* Stage 1 VMSAv8-64 descriptors, 4 KiB granule (D8.3). */
#define PTE_VALID	BIT(0)
#define PTE_TABLE	BIT(1) /* at levels 0-2: next-level table; at level 3: page */
#define PTE_PAGE	BIT(1)
#define PTE_ATTRINDX(i) ((unsigned long)(i) << 2)
#define PTE_AP_RO	BIT(7) /* AP[2]: read-only */
#define PTE_SH_INNER	(UL(3) << 8)
#define PTE_AF		BIT(10)
#define PTE_nG		BIT(11)
#define PTE_PXN		BIT(53)
#define PTE_UXN		BIT(54)
#define PTE_ADDR_MASK	UL(0x0000fffffffff000)

/* CTR_EL0 (D17.2.34). */
#define CTR_LINE_FIELD_MASK UL(0xf) /* DminLine and IminLine: log2 of the line in 4-byte words */
#define CTR_DMINLINE_SHIFT  16
#define CTR_IMINLINE(ctr)   ((ctr)&0xf)
#define CTR_L1IP(ctr)	    (((ctr) >> 14) & 0x3)
#define CTR_DMINLINE(ctr)   (((ctr) >> 16) & 0xf)
#define CTR_ERG(ctr)	    (((ctr) >> 20) & 0xf)
#define CTR_CWG(ctr)	    (((ctr) >> 24) & 0xf)
#define CTR_IDC(ctr)	    (((ctr) >> 28) & 0x1)
#define CTR_DIC(ctr)	    (((ctr) >> 29) & 0x1)
#define CTR_L1IP_VIPT	    2
#define CTR_L1IP_PIPT	    3

/* CLIDR_EL1 (D17.2.28). */
#define CLIDR_CTYPE(clidr, level) (((clidr) >> (3 * ((level)-1))) & 0x7) /* level 1..7 */
#define CLIDR_LOUIS(clidr)	  (((clidr) >> 21) & 0x7)
#define CLIDR_LOC(clidr)	  (((clidr) >> 24) & 0x7)
#define CLIDR_LOUU(clidr)	  (((clidr) >> 27) & 0x7)
#define CTYPE_NONE		  0
#define CTYPE_INSN		  1
#define CTYPE_DATA		  2
#define CTYPE_SEPARATE		  3
#define CTYPE_UNIFIED		  4

/* CSSELR_EL1 (D17.2.35): Level [3:1], InD [0]. */
#define CSSELR_LEVEL(level) ((unsigned long)((level)-1) << 1)
#define CSSELR_IND	    BIT(0)

/* CCSIDR_EL1 without FEAT_CCIDX (D17.2.25). */
#define CCSIDR_LINESIZE(c) ((c)&0x7)			/* log2(bytes) - 4 */
#define CCSIDR_ASSOC(c)	   ((((c) >> 3) & 0x3ff) + 1)	/* ways */
#define CCSIDR_NUMSETS(c)  ((((c) >> 13) & 0x7fff) + 1) /* sets */

/* ESR_ELx (D17.2.37): exception class [31:26]. */
#define ESR_EC(esr)	(((esr) >> 26) & 0x3f)
#define ESR_EC_UNKNOWN	0x00
#define ESR_EC_HVC64	0x16
#define ESR_EC_SMC64	0x17
#define ESR_EC_SYSREG	0x18 /* a trapped MSR, MRS or system instruction */
#define ESR_EC_IABT_LOW 0x20
#define ESR_EC_IABT_CUR 0x21
#define ESR_EC_PC_ALIGN 0x22
#define ESR_EC_DABT_LOW 0x24
#define ESR_EC_DABT_CUR 0x25
#define ESR_EC_SP_ALIGN 0x26
#define ESR_EC_BRK64	0x3c

/* ESR_ELx ISS for data and instruction aborts (D17.2.37): fault status code and write-not-read. */
#define ESR_FSC(esr)		((esr)&0x3f)
#define ESR_WNR			BIT(6)
#define FSC_IS_TRANSLATION(fsc) (((fsc)&0x3c) == 0x04) /* levels 0-3 */
#define FSC_IS_PERMISSION(fsc)	(((fsc)&0x3c) == 0x0c) /* levels 0-3 */
#define FSC_ALIGNMENT		0x21

/* MPIDR_EL1 (D17.2.101): affinity fields. */
#define MPIDR_AFFINITY_MASK UL(0xff00ffffff)
#define MPIDR_AFF1(m)	    (((m) >> 8) & 0xff) /* the cluster, on the cores this suite knows */

/* MIDR_EL1 (D17.2.100) fields. */
#define MIDR_IMPLEMENTER(m) (((m) >> 24) & 0xff)
#define MIDR_VARIANT(m)	    (((m) >> 20) & 0xf)
#define MIDR_PARTNUM(m)	    (((m) >> 4) & 0xfff)
#define MIDR_REVISION(m)    ((m)&0xf)

/* MIDR_EL1.Implementer codes. */
#define IMPL_ARM      0x41
#define IMPL_CAVIUM   0x43
#define IMPL_QUALCOMM 0x51

/* CNTP_CTL_EL0 (D17.9.15) */
#define CNTP_CTL_ENABLE BIT(0)
#define CNTP_CTL_IMASK	BIT(1)

/* ID_AA64DFR0_EL1 (Arm ARM D17.2, "ID_AA64DFR0_EL1"): PMUVer [11:8]; 0 none, 0xf IMPLEMENTATION DEFINED. */
#define ID_AA64DFR0_PMUVER(dfr0) (((dfr0) >> 8) & 0xf)
#define PMUVER_NONE		 0x0
#define PMUVER_IMPDEF		 0xf

/* PMCR_EL0 (Arm ARM D17.5, "PMCR_EL0"). */
#define PMCR_E	     BIT(0) /* enable the counters */
#define PMCR_P	     BIT(1) /* reset the event counters */
#define PMCR_C	     BIT(2) /* reset the cycle counter */
#define PMCR_LC	     BIT(6) /* the cycle counter overflows at 64 bits */
#define PMCR_N_SHIFT 11	    /* N [15:11]: number of event counters */
#define PMCR_N_WIDTH 5
#define PMCR_N(pmcr) (((pmcr) >> PMCR_N_SHIFT) & 0x1f)

/* PMCNTENSET_EL0 / PMOVSCLR_EL0 (Arm ARM D17.5): bit n = event counter n, bit 31 = the cycle counter. */
#define PMCNT_EVENT(n) BIT(n)
#define PMCNT_CYCLES   BIT(31)

/* PMEVTYPER<n>_EL0 and PMCCFILTR_EL0 (Arm ARM D17.5): evtCount [15:0]; P, U exclude EL1, EL0;
   NSH (set) includes EL2. All clear: count at EL1 and EL0, not at EL2 or EL3. */
#define PMEVTYPER_EVTCOUNT(e) ((uint64_t)(e)&0xffff)

/* ID_AA64PFR0_EL1 (Arm ARM D17.2, "ID_AA64PFR0_EL1"): GIC [27:24], non-zero when the GIC system-register
   interface is implemented. */
#define ID_AA64PFR0_GIC_SHIFT 24
#define ID_AA64PFR0_GIC_WIDTH 4

/* GIC CPU interface system registers (GIC architecture specification IHI 0069), by encoding: the
   assembler knows them by name only with the GIC extension enabled. */
#define ICC_SRE_EL1	S3_0_C12_C12_5
#define ICC_PMR_EL1	S3_0_C4_C6_0
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define ICC_IAR1_EL1	S3_0_C12_C12_0
#define ICC_EOIR1_EL1	S3_0_C12_C12_1
#define ICC_SRE_EL2	S3_4_C12_C9_5
#define ICC_SGI1R_EL1	S3_0_C12_C11_5
/* ICC_SGI1R_EL1 (IHI 0069): TargetList [15:0], Aff1, INTID [27:24], Aff2, IRM, RS [47:44], Aff3. */
#define SGI1R_INTID_SHIFT 24
#define SGI1R_AFF1_SHIFT  16
#define SGI1R_AFF2_SHIFT  32
#define SGI1R_RS_SHIFT	  44
#define SGI1R_AFF3_SHIFT  48
/* ICC_SRE_ELx (IHI 0069): SRE [0] (system-register interface), DFB [1], DIB [2]; at EL2 also
   Enable [3] (lower ELs may use ICC_SRE_EL1). */
#define ICC_SRE_SRE	   BIT(0)
#define ICC_SRE_EL2_ALL	   (BIT(0) | BIT(1) | BIT(2) | BIT(3))
#define ICC_IGRPEN1_ENABLE BIT(0)
#define ICC_IAR_INTID_MASK 0xffffff

/* FPCR (C5.2.8): the controls tests/scenarios/fp_state_regs.S sets to values the default never has. */
#define FPCR_RMODE_ZERO (UL(3) << 22) /* round towards zero */
#define FPCR_RMODE_PINF (UL(1) << 22) /* round towards plus infinity */
#define FPCR_FZ		BIT(24)	      /* flush denormals to zero */
#define FPCR_DN		BIT(25)	      /* default NaN */

#endif
