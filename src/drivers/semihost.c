#include "semihost.h"

#define SYS_EXIT_EXTENDED	     0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

bool semihost_exit(int status)
{
	static volatile uint64_t block[2];
	block[0] = ADP_STOPPED_APPLICATION_EXIT;
	block[1] = (uint64_t)(int64_t)status;
	register uint64_t x0 __asm__("x0") = SYS_EXIT_EXTENDED;
	register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)block;
	/* exception_dispatch sets x0 to 0xbad and steps over the HLT if it traps. */
	__asm__ volatile(".globl semihost_hlt_insn\n"
			 "semihost_hlt_insn: hlt #0xf000"
			 : "+r"(x0)
			 : "r"(x1)
			 : "memory");
	return x0 != 0xbad;
}
