#include "el2_monitor.h"

#include "sysreg.h"

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

uint64_t ctr_with_lines(uint64_t ctr, unsigned line_bytes)
{
	uint64_t words_log2 = 0;
	while ((4u << words_log2) < line_bytes)
		words_log2++;
	ctr &= ~((CTR_LINE_FIELD_MASK << CTR_DMINLINE_SHIFT) | CTR_LINE_FIELD_MASK);
	return ctr | (words_log2 << CTR_DMINLINE_SHIFT) | words_log2;
}
