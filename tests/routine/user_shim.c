/*
 * A user's cache-maintenance routine in the suite's place (make check-routine; README "Check your
 * JIT's cache maintenance"). The image is linked with -Wl,--wrap=icache_sync_range, so every call
 * the suite makes to icache_sync_range runs the user's selfmod_user_sync instead, with the same
 * range; the library itself is unchanged. Only routine images link this file.
 */
#include <stddef.h>

#include "icache.h"

/* The routine under test (the contract: README "Check your JIT's cache maintenance"). */
void selfmod_user_sync(void *start, size_t len);

void __wrap_icache_sync_range(const void *va, size_t len);
void __wrap_icache_sync_range(const void *va, size_t len)
{
	selfmod_user_sync((void *)(uintptr_t)va, len);
}
