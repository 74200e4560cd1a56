/*
 * A user's cache-maintenance routine in the suite's place (make check-routine; README "Check your
 * JIT's cache maintenance"). The image is linked with -Wl,--wrap=icache_sync_range, so every call
 * the suite makes to icache_sync_range runs the user's selfmod_user_sync instead, with the same
 * range; and with --wrap=handoff_code_publish / handoff_code_acquire, so the scenarios that hand code
 * to other cores (cross_core) run the user's selfmod_user_publish / _acquire when
 * the user's file defines them (the weak defaults below are the suite's own). The library itself is
 * unchanged. Only routine images link this file.
 */
#include <stddef.h>
#include <stdint.h>

#include "handoff.h"
#include "icache.h"

/* The routine under test and the optional hand-off (the contract: README "Check your JIT's cache
   maintenance"). */
void selfmod_user_sync(void *start, size_t len);
void selfmod_user_publish(volatile uint64_t *flag, uint64_t value);
uint64_t selfmod_user_acquire(volatile uint64_t *flag, uint64_t expect);

void __wrap_icache_sync_range(const void *va, size_t len);
void __wrap_icache_sync_range(const void *va, size_t len)
{
	selfmod_user_sync((void *)(uintptr_t)va, len);
}

void __real_handoff_code_publish(volatile uint64_t *flag, uint64_t value);
uint64_t __real_handoff_code_acquire(volatile uint64_t *flag, uint64_t expect);

__attribute__((weak)) void selfmod_user_publish(volatile uint64_t *flag, uint64_t value)
{
	__real_handoff_code_publish(flag, value);
}

__attribute__((weak)) uint64_t selfmod_user_acquire(volatile uint64_t *flag, uint64_t expect)
{
	return __real_handoff_code_acquire(flag, expect);
}

void __wrap_handoff_code_publish(volatile uint64_t *flag, uint64_t value);
void __wrap_handoff_code_publish(volatile uint64_t *flag, uint64_t value)
{
	selfmod_user_publish(flag, value);
	/* Wakes readers waiting in WFE sooner (they wake on the timer event stream anyway): not a barrier,
	   so it hides no missing step of the user's. */
	__asm__ volatile("sev" ::: "memory");
}

uint64_t __wrap_handoff_code_acquire(volatile uint64_t *flag, uint64_t expect);
uint64_t __wrap_handoff_code_acquire(volatile uint64_t *flag, uint64_t expect)
{
	return selfmod_user_acquire(flag, expect);
}
