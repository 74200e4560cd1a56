/* Thin inline wrappers around the instructions C cannot express. */
#ifndef SELFMOD_CPU_H
#define SELFMOD_CPU_H

#include <stdint.h>

#define read_sysreg(reg)                                                                                               \
	({                                                                                                             \
		uint64_t v_;                                                                                           \
		__asm__ volatile("mrs %0, " #reg : "=r"(v_));                                                          \
		v_;                                                                                                    \
	})
#define write_sysreg(reg, val) __asm__ volatile("msr " #reg ", %0" ::"r"((uint64_t)(val)) : "memory")

static inline void dsb_ish(void)
{
	__asm__ volatile("dsb ish" ::: "memory");
}
static inline void dsb_ishst(void)
{
	__asm__ volatile("dsb ishst" ::: "memory");
}
static inline void dsb_sy(void)
{
	__asm__ volatile("dsb sy" ::: "memory");
}
static inline void dmb_ish(void)
{
	__asm__ volatile("dmb ish" ::: "memory");
}
static inline void isb(void)
{
	__asm__ volatile("isb" ::: "memory");
}
static inline void sev(void)
{
	__asm__ volatile("sev" ::: "memory");
}
static inline void wfe(void)
{
	__asm__ volatile("wfe" ::: "memory");
}
static inline void cpu_relax(void)
{
	__asm__ volatile("yield" ::: "memory");
}

static inline unsigned int current_el(void)
{
	return (unsigned int)(read_sysreg(CurrentEL) >> 2) & 3;
}

/* This core's index (0 = the boot core): boot/entry.S keeps it in TPIDR_EL1. */
static inline unsigned this_core(void)
{
	return (unsigned)read_sysreg(tpidr_el1);
}

/* Stop this core for good: every exception masked (DAIF), waiting for events that change nothing. */
static inline void __attribute__((noreturn)) cpu_park(void)
{
	__asm__ volatile("msr daifset, #0xf" ::: "memory");
	for (;;)
		wfe();
}

static inline void irq_enable(void)
{
	__asm__ volatile("msr daifclr, #2" ::: "memory");
}
static inline void irq_disable(void)
{
	__asm__ volatile("msr daifset, #2" ::: "memory");
}

#endif
