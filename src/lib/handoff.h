/*
 * Handing new code to other cores: a sequence number published with
 * DSB ISH + SEV, received with WFE, a load, a control dependency and ISB
 * (Arm ARM B2.2.5; the herd model's MP.RF+cachesync+ctrlisb). Every wait has
 * a deadline in generic-timer ticks. Depends on nothing but the CPU.
 */
#ifndef SELFMOD_HANDOFF_H
#define SELFMOD_HANDOFF_H

#include <stdbool.h>
#include <stdint.h>

/* One sequence word alone on its cache line (writers of different words never share a line). */
struct handoff_seq {
	volatile uint64_t value;
} __attribute__((aligned(64)));

/* Publish seq after everything before it (the code and its maintenance) has completed. */
static inline void handoff_publish(struct handoff_seq *h, uint64_t seq)
{
	__asm__ volatile("dsb ish\n"
			 "str %1, %0\n"
			 "dsb ish\n"
			 "sev"
			 : "=m"(h->value)
			 : "r"(seq)
			 : "memory");
}

/*
 * Wait until h >= want, sleeping in WFE (an SEV or the timer event stream
 * wakes it). On success the branch on the loaded value and the ISB after it
 * context-synchronise this core: code published before h may be executed.
 * false if the deadline (CNTPCT_EL0 ticks) passed first.
 */
static inline bool handoff_wait(const struct handoff_seq *h, uint64_t want, uint64_t deadline)
{
	uint64_t seen, now;
	unsigned ok;
	__asm__ volatile("1:	ldr	%[seen], %[h]\n"
			 "	cmp	%[seen], %[want]\n"
			 "	b.hs	2f\n"
			 "	wfe\n"
			 "	mrs	%[now], cntpct_el0\n"
			 "	cmp	%[now], %[deadline]\n"
			 "	b.lo	1b\n"
			 "	mov	%w[ok], #0\n"
			 "	b	3f\n"
			 "2:	isb\n"
			 "	mov	%w[ok], #1\n"
			 "3:\n"
			 : [seen] "=&r"(seen), [now] "=&r"(now), [ok] "=&r"(ok)
			 : [h] "m"(h->value), [want] "r"(want), [deadline] "r"(deadline)
			 : "cc", "memory");
	return ok;
}

/* Same wait without the ISB: for acknowledgements, where no code is run after it. */
static inline bool handoff_wait_data(const struct handoff_seq *h, uint64_t want, uint64_t deadline)
{
	uint64_t now;
	while (__atomic_load_n(&h->value, __ATOMIC_ACQUIRE) < want) {
		__asm__ volatile("wfe\n mrs %0, cntpct_el0" : "=r"(now)::"memory");
		if (now >= deadline)
			return false;
	}
	return true;
}

/* Publish with no barrier of its own (a release store and SEV): for sequences that supply their own,
   or deliberately omit them. */
static inline void handoff_publish_plain(struct handoff_seq *h, uint64_t seq)
{
	__atomic_store_n(&h->value, seq, __ATOMIC_RELEASE);
	__asm__ volatile("sev" ::: "memory");
}

/* Acknowledge: a release store and SEV so a waiter in WFE looks again. */
static inline void handoff_ack(struct handoff_seq *h, uint64_t seq)
{
	__atomic_store_n(&h->value, seq, __ATOMIC_RELEASE);
	__asm__ volatile("dsb ish\n sev" ::: "memory");
}

/*
 * The code hand-off as two calls (src/lib/handoff.c), for scenarios whose hand-off a user's routine may
 * replace (make check-routine: selfmod_user_publish / selfmod_user_acquire).
 * handoff_code_publish: after the code's maintenance, make value visible in *flag (handoff_publish).
 * handoff_code_acquire: the caller has already seen *flag >= expect (its own bounded poll); load *flag
 *   again and context-synchronise on it (load, control dependency, ISB). Returns the value loaded: code
 *   published with a value <= it may then be executed. Never waits.
 */
void handoff_code_publish(volatile uint64_t *flag, uint64_t value);
uint64_t handoff_code_acquire(volatile uint64_t *flag, uint64_t expect);

/* Wait (WFE, bounded by deadline in CNTPCT_EL0 ticks) until *flag >= want, then handoff_code_acquire:
   the returned value, or 0 if the deadline passed first (or the acquire returned less than want). */
static inline uint64_t handoff_code_wait(volatile uint64_t *flag, uint64_t want, uint64_t deadline)
{
	if (!handoff_wait_data((const struct handoff_seq *)(uintptr_t)flag, want, deadline))
		return 0;
	uint64_t got = handoff_code_acquire(flag, want);
	return got >= want ? got : 0;
}

/* A barrier for n cores, reusable: the last to arrive opens it for the others. */
struct handoff_barrier {
	volatile uint32_t arrived;
	volatile uint32_t generation;
} __attribute__((aligned(64)));

/* false if the deadline passed before all n arrived (the barrier is then unusable). */
static inline bool handoff_barrier_wait(struct handoff_barrier *b, uint32_t n, uint64_t deadline)
{
	uint32_t generation = __atomic_load_n(&b->generation, __ATOMIC_ACQUIRE);
	if (__atomic_add_fetch(&b->arrived, 1, __ATOMIC_ACQ_REL) == n) {
		b->arrived = 0;
		__atomic_store_n(&b->generation, generation + 1, __ATOMIC_RELEASE);
		__asm__ volatile("dsb ish\n sev" ::: "memory");
		return true;
	}
	uint64_t now;
	while (__atomic_load_n(&b->generation, __ATOMIC_ACQUIRE) == generation) {
		__asm__ volatile("wfe\n mrs %0, cntpct_el0" : "=r"(now)::"memory");
		if (now >= deadline)
			return false;
	}
	return true;
}

#endif
