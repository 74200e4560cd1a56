/*
 * The cores: discovery from the DTB, start-up with a deadline, and running
 * work on a core (TF-A style: a core's result is "crashed" until it reports).
 * Depends on no console or report: callers print what these return.
 */
#ifndef SELFMOD_CORES_H
#define SELFMOD_CORES_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu.h"
#include "cpu_id.h"
#include "exceptions.h"
#include "fdt.h"
#include "layout.h"

enum core_state {
	CORE_OFF,      /* not started */
	CORE_STARTING, /* asked to start, not yet online */
	CORE_ONLINE,   /* idle or working */
	CORE_FAILED,   /* did not come up */
	CORE_LOST,     /* stopped answering (missed a deadline or crashed outside a test) */
};

enum work_result {
	WORK_DONE,	/* the function returned */
	WORK_FAULTED,	/* it took an exception: see core->fault */
	WORK_TIMED_OUT, /* no answer by the deadline: the core is now CORE_LOST */
	WORK_NOT_RUN,	/* the core was not online */
};

typedef void (*core_fn)(void *arg);

struct core {
	uint64_t mpidr;
	volatile enum core_state state;
	int start_error; /* board error when CORE_FAILED at start */
	struct cpu_id id;
	/* Work hand-off: core 0 writes fn/arg then bumps posted; the core bumps finished. */
	core_fn fn;
	void *arg;
	volatile uint64_t posted;
	volatile uint64_t finished __attribute__((aligned(64)));
	volatile enum work_result result;
	struct fault_record fault;
} __attribute__((aligned(64)));

extern struct core cores[MAX_CORES];
extern unsigned core_count;

/* Fill cores[] from /cpus (the boot core is index 0). Returns the count, or -1 with *why. */
int cores_discover(const struct fdt *fdt, const char **why);
/* Start every other core and wait for each until the deadline (µs from now). */
void cores_start_secondaries(uint64_t timeout_us);
unsigned cores_online(void);
/* Run fn(arg) on core idx (not this one). false if the core is not online and idle. */
bool core_post(unsigned idx, core_fn fn, void *arg);
/* Wait for the work posted on idx; past the deadline (timer ticks) the core is marked lost. */
enum work_result core_wait(unsigned idx, uint64_t deadline);
const char *core_state_name(enum core_state s);

/* Entered by each secondary core from boot/entry.S with its MMU on. */
void secondary_start(unsigned idx) __attribute__((noreturn));

#endif
