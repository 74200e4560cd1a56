/*
 * What the firmware needs from its C library's glue (src/libc/$(LIBC)/glue.c, chosen by make LIBC=):
 * picolibc (the default) or newlib built from Debian's source package (src/libc/newlib/newlib.mk).
 */
#ifndef SELFMOD_LIBC_GLUE_H
#define SELFMOD_LIBC_GLUE_H

/* Once per core, MMU on, before the core calls the library: its thread-local storage (__thread)
   and the library's per-thread state (errno, stdio). */
void libc_core_init(unsigned idx);
/* The library's name and version, for the boot banner. */
extern const char libc_name[];

#endif
