/*
 * A JIT that hands code to other threads with its own publish and acquire (the optional hooks of
 * README "Check your JIT's cache maintenance"): the suite's sync routine, then a publish of DSB ISH and
 * a store-release of the flag, and an acquire of a load, a branch on the loaded value (control
 * dependency) and ISB (Arm ARM B2.2.5; herd MP.RF+cachesync+ctrlisb). Right on every core.
 *
 * expect: a72=clean a53=clean a710=clean n2=clean a64fx=clean mismatched=clean
 */
#include <stddef.h>
#include <stdint.h>

void __real_icache_sync_range(const void *va, size_t len);
void selfmod_user_sync(void *start, size_t len);
void selfmod_user_publish(volatile uint64_t *flag, uint64_t value);
uint64_t selfmod_user_acquire(volatile uint64_t *flag, uint64_t expect);

void selfmod_user_sync(void *start, size_t len)
{
	__real_icache_sync_range(start, len);
}

void selfmod_user_publish(volatile uint64_t *flag, uint64_t value)
{
	__asm__ volatile("dsb ish\n stlr %1, %0" : "=Q"(*flag) : "r"(value) : "memory");
}

uint64_t selfmod_user_acquire(volatile uint64_t *flag, uint64_t expect)
{
	uint64_t seen;
	__asm__ volatile("ldr %0, %1\n"
			 "cmp %0, %2\n"
			 "b.lo 1f\n"
			 "isb\n"
			 "1:"
			 : "=&r"(seen)
			 : "Q"(*flag), "r"(expect)
			 : "cc", "memory");
	return seen;
}
