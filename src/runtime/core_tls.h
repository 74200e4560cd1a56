/* Per-core C runtime once the MMU is on: picolibc's TLS (errno, stdio state), one block per core. */
#ifndef SELFMOD_CORE_TLS_H
#define SELFMOD_CORE_TLS_H

void core_tls_init(unsigned idx);

#endif
