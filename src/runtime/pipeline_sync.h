/*
 * The bare-metal membarrier(SYNC_CORE): interrupt every other online core
 * with an SGI; each acknowledges from its handler, and its exception return
 * is a context synchronisation event. After pipeline_sync_all_cores returns,
 * every core that acknowledged fetches instructions anew: code made coherent
 * (icache_sync_range) before the call runs there without an ISB of its own.
 * Cores must run with IRQs unmasked to answer.
 */
#ifndef SELFMOD_PIPELINE_SYNC_H
#define SELFMOD_PIPELINE_SYNC_H

#include <stdint.h>

#define SGI_PIPELINE_SYNC 1

/* Once, on core 0, before interrupts are unmasked anywhere. */
void pipeline_sync_setup(void);
/* Returns how many cores did not acknowledge by the deadline (timer ticks): 0 when all did. */
unsigned pipeline_sync_all_cores(uint64_t deadline);

#endif
