/* Arm semihosting, only to hand the exit status to an emulator or debugger that listens. */
#ifndef SELFMOD_SEMIHOST_H
#define SELFMOD_SEMIHOST_H

#include <stdbool.h>
#include <stdint.h>

/* SYS_EXIT_EXTENDED with the status. Returns (false) only when nobody implements semihosting:
   the HLT then traps as undefined, and exception_dispatch resumes after it. */
bool semihost_exit(int status);
/* The address of the HLT, so the exception handler recognises the probe. */
extern const char semihost_hlt_insn[];

#endif
