/*
 * The same hand-off as handoff_release_acquire.c with the acquire's ISB left out: a load-acquire of the
 * flag orders the reader's later loads, not its instruction fetches, so the reader may run instructions
 * it fetched before the new code was published (stale code allowed: Arm ARM B2.2.5, the herd model's
 * MP.RF+cachesync+ctrl without the ISB). The cross-core scenarios show "no ISB on the executing core
 * after the hand-off" on every core kind, DIC=1 ones included.
 *
 * expect: a72=hazard a53=hazard a710=hazard n2=hazard a64fx=hazard mismatched=hazard
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
	(void)expect;
	uint64_t seen;
	__asm__ volatile("ldar %0, %1" : "=r"(seen) : "Q"(*flag) : "memory");
	return seen;
}
