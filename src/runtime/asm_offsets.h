/*
 * Offsets the boot assembly uses in structures C also reads. Each is checked
 * against its C structure by _Static_assert next to that structure's code
 * (exceptions.c, mmu.c, spintable_release.c): changing one side without the
 * other fails the build.
 */
#ifndef SELFMOD_ASM_OFFSETS_H
#define SELFMOD_ASM_OFFSETS_H

/* struct exception_frame (exceptions.h), saved by boot/vectors.S: x0-x30, then pairs stored with stp. */
#define FRAME_X(n) ((n)*8)
#define FRAME_X30  FRAME_X(30) /* x30, then sp_el0 */
#define FRAME_ELR  (32 * 8)    /* elr, then spsr */
#define FRAME_ESR  (34 * 8)    /* esr, then far */
#define FRAME_SIZE (36 * 8)    /* a multiple of 16: SP stays aligned */

/* struct mmu_params (mmu.h), loaded by boot/mmu_enable.S as two ldp pairs. */
#define MMU_PARAMS_MAIR	 0  /* mair, then tcr */
#define MMU_PARAMS_TTBR0 16 /* ttbr0, then sctlr */

/* struct spintable_boot_entry (spintable_release.c), searched by boot/spintable_entry.S. */
#define SPINTABLE_BOOT_MPIDR   0 /* mpidr, then entry (ldp) */
#define SPINTABLE_BOOT_CONTEXT 16
#define SPINTABLE_BOOT_SIZE    32

#endif
