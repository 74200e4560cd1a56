/* A ticket-free test-and-set lock with a deadline: a dead owner never hangs the others. */
#ifndef SELFMOD_SPINLOCK_H
#define SELFMOD_SPINLOCK_H

#include <stdatomic.h>
#include <stdbool.h>

#include "timer.h"

struct spinlock {
	atomic_uint held;
};

/* true if taken; false if the deadline passed first (the caller decides whether to go on anyway). */
static inline bool spin_lock_until(struct spinlock *l, uint64_t deadline)
{
	while (atomic_exchange_explicit(&l->held, 1, memory_order_acquire)) {
		if (deadline_passed(deadline))
			return false;
		cpu_relax();
	}
	return true;
}

static inline void spin_unlock(struct spinlock *l)
{
	atomic_store_explicit(&l->held, 0, memory_order_release);
}

#endif
