/*
 * The two ends of a code hand-off as out-of-line functions, so that a routine image (make check-routine,
 * tests/routine/user_shim.c) can put a user's selfmod_user_publish / selfmod_user_acquire in their place
 * with -Wl,--wrap. The plain suite runs these. Depends on nothing but the CPU.
 */
#include "handoff.h"

/* DSB ISH; STR; DSB ISH; SEV (handoff_publish): everything before, the code's maintenance included, has
   completed before a reader can see value. */
void handoff_code_publish(volatile uint64_t *flag, uint64_t value)
{
	handoff_publish((struct handoff_seq *)(uintptr_t)flag, value);
}

/* LDR; CMP; B.LO; ISB: the ISB follows a branch on the loaded value (a control dependency), so code
   published with a value >= expect is fetched afresh (Arm ARM B2.2.5; herd MP.RF+cachesync+ctrlisb). */
uint64_t handoff_code_acquire(volatile uint64_t *flag, uint64_t expect)
{
	uint64_t seen;
	__asm__ volatile("ldr	%[seen], [%[flag]]\n"
			 "cmp	%[seen], %[expect]\n"
			 "b.lo	1f\n"
			 "isb\n"
			 "1:\n"
			 : [seen] "=&r"(seen)
			 : [flag] "r"(flag), [expect] "r"(expect)
			 : "cc", "memory");
	return seen;
}
