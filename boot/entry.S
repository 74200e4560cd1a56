/*
 * Image entry: an arm64 Linux Image header (so QEMU and the Pi firmware load
 * it as a kernel, x0 = DTB), the primary and secondary core entries, and the drop
 * from EL2 to EL1 (the per-core MMU switch-on: boot/mmu_enable.S). Everything else is C.
 */
#include "layout.h"
#include "sysreg.h"
#include "asm.h"
#include "el2_monitor.h"

	.section .text.head, "ax"
	.globl	_start
_start:
	b	primary_entry			/* code0 */
	.long	0				/* code1 */
	.quad	0x80000				/* text_offset: loaded at RAM base + 512 KiB */
	.quad	__image_size			/* image_size, including .bss and the arena */
	.quad	0x2				/* flags: little-endian, 4 KiB pages */
	.quad	0, 0, 0				/* reserved */
	.ascii	"ARM\x64"			/* magic */
	.long	0				/* reserved */

	.text
/* Core 0, from the loader: x0 = DTB physical address, MMU and caches off. */
primary_entry:
	msr	daifset, #0xf
	mov	x19, x0
	mrs	x21, CurrentEL
	lsr	x21, x21, #CURRENTEL_EL_SHIFT
	mov	x1, #0
	bl	el2_to_el1
	bl	el1_common_setup
	/* Clear .bss and the page tables (nothing else is running yet). */
	adr_l	x0, __bss_start
	adr_l	x1, __stacks_start
1:	stp	xzr, xzr, [x0], #16
	cmp	x0, x1
	b.lo	1b
	mov	x20, #0
	msr	tpidr_el1, x20
	set_core_stacks x20, x0, x1
	/* Linked for one address (absolute pointers in tables and literals): anywhere else, e.g. a Pi
	   firmware's kernel_address other than 0x80000, say so and stop (only PC-relative code so far). */
	adr	x0, _start			/* where it runs */
	ldr	x1, =_start			/* where it was linked */
	cmp	x0, x1
	b.ne	wrong_load_address
	mov	x0, x19
	mov	w1, w21
	bl	primary_start
	b	core_halt

/*
 * Other cores, from PSCI CPU_ON or a spin-table release: x0 = core index,
 * MMU and caches off. The MMU goes on with the shared tables (whose
 * parameters core 0 cleaned to PoC) before any shared data is touched.
 */
	.globl	secondary_entry
secondary_entry:
	msr	daifset, #0xf
	mov	x19, x0
	mov	x1, x19
	bl	el2_to_el1
	bl	el1_common_setup
	adr_l	x0, mmu_boot_params
	bl	mmu_enable_this_core
	msr	tpidr_el1, x19
	set_core_stacks x19, x0, x1
	mov	x0, x19
	bl	secondary_start
	b	core_halt

/* If at EL2 (x1 = core index), configure what EL1 needs, leave the EL2 monitor (boot/el2_monitor.S)
   in place for this core, and return to the caller at EL1h. */
el2_to_el1:
	mrs	x0, CurrentEL
	lsr	x0, x0, #CURRENTEL_EL_SHIFT
	cmp	x0, #2
	b.ne	1f
	adr_l	x0, el2_core_state		/* SP_EL2: this core's slot */
	add	x0, x0, x1, lsl #EL2_STATE_SIZE_SHIFT
	msr	spsel, #1
	mov	sp, x0
	adr_l	x0, el2_vectors
	msr	vbar_el2, x0
	mov	x0, #HCR_EL2_RW
	msr	hcr_el2, x0
	mrs	x0, cnthctl_el2
	orr	x0, x0, #(CNTHCTL_EL2_EL1PCTEN | CNTHCTL_EL2_EL1PCEN)
	msr	cnthctl_el2, x0
	msr	cntvoff_el2, xzr
	mov	x0, #CPTR_EL2_RES1
	msr	cptr_el2, x0
	msr	hstr_el2, xzr
	mrs	x0, midr_el1			/* EL1 reads of MIDR/MPIDR see these */
	msr	vpidr_el2, x0
	mrs	x0, mpidr_el1
	msr	vmpidr_el2, x0
	mrs	x0, pmcr_el0			/* MDCR_EL2.HPMN = PMCR_EL0.N: EL1 owns every counter */
	ubfx	x0, x0, #PMCR_N_SHIFT, #PMCR_N_WIDTH
	msr	mdcr_el2, x0
	mrs	x0, id_aa64pfr0_el1		/* GICv3 system registers: let EL1 use them */
	ubfx	x0, x0, #ID_AA64PFR0_GIC_SHIFT, #ID_AA64PFR0_GIC_WIDTH
	cbz	x0, 2f
	mrs	x0, ICC_SRE_EL2
	orr	x0, x0, #ICC_SRE_EL2_ALL		/* SRE, DFB, DIB, Enable */
	msr	ICC_SRE_EL2, x0
	isb
2:	msr	vttbr_el2, xzr
	ldr	x0, =SCTLR_EL1_RES1
	msr	sctlr_el1, x0
	mov	x0, #SPSR_EL1H_DAIF_MASKED
	msr	spsr_el2, x0
	msr	elr_el2, x30
	eret
1:	cmp	x0, #1
	b.ne	core_halt			/* EL3 entry is not supported */
	ret

/* EL1 state every core needs before C: MMU off, FP on, vectors, WFE event stream. */
el1_common_setup:
	ldr	x0, =SCTLR_EL1_RES1
	msr	sctlr_el1, x0
	mov	x0, #CPACR_EL1_FPEN_ALL
	msr	cpacr_el1, x0
	adr_l	x0, exception_vectors
	msr	vbar_el1, x0
	/* An event every 2^(9+1) counter ticks (about 16 us at 62.5 MHz): no WFE sleeps forever. */
	mov	x0, #(CNTKCTL_EL1_EVNTEN | (9 << CNTKCTL_EL1_EVNTI_SHIFT))
	msr	cntkctl_el1, x0
	isb
	ret

/* A core with nothing left to do, or that cannot go on: sleep, for ever. */
	.globl	core_halt
core_halt:
	msr	daifset, #0xf
1:	wfe
	b	1b

	.ltorg
