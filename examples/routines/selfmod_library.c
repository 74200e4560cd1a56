/*
 * The suite's own routine, icache_sync_range (src/lib/icache.c), as a user routine: DC CVAU per line
 * (DSB ISHST instead when IDC), DSB ISH, IC IVAU per line (none when DIC; IC IALLUIS above 256 KiB),
 * DSB ISH, ISB, at the smallest line size of every online core. make check-routine links every
 * routine with --wrap=icache_sync_range, so the library's own stays reachable as
 * __real_icache_sync_range.
 *
 * expect: a72=clean a53=clean a710=clean n2=clean a64fx=clean mismatched=clean
 */
#include <stddef.h>

void __real_icache_sync_range(const void *va, size_t len);
void selfmod_user_sync(void *start, size_t len);

void selfmod_user_sync(void *start, size_t len)
{
	__real_icache_sync_range(start, len);
}
