#include "el2_monitor.h"

static bool present;

bool el2_monitor_present(void)
{
	return present;
}

void el2_monitor_set_present(bool p)
{
	present = p;
}

int el2_monitor_set_ctr(uint64_t ctr)
{
	if (!present)
		return -1;
	register uint64_t x0 __asm__("x0") = EL2_MONITOR_SET_CTR;
	register uint64_t x1 __asm__("x1") = ctr;
	__asm__ volatile("hvc #0" : "+r"(x0) : "r"(x1) : "memory");
	return x0 == 0 ? 0 : -1;
}
