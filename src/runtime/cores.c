#include "cores.h"

#include <string.h>

#include "board.h"
#include "libc_glue.h"
#include "deadline.h"
#include "sysreg.h"
#include "timer.h"

struct core cores[MAX_CORES];
unsigned core_count;

extern char secondary_entry[];

int cores_discover(const struct fdt *fdt, const char **why)
{
	if (fdt_path_offset(fdt, "/cpus") < 0) {
		*why = "the DTB has no /cpus node";
		return -1;
	}
	uint64_t self = read_sysreg(mpidr_el1) & MPIDR_AFFINITY_MASK, mpidr;
	core_count = 1;
	cores[0].mpidr = self;
	for (int n = fdt_next_cpu(fdt, -1, &mpidr); n >= 0; n = fdt_next_cpu(fdt, n, &mpidr)) {
		if ((mpidr & MPIDR_AFFINITY_MASK) == self)
			continue;
		if (core_count == MAX_CORES) {
			*why = "the DTB lists more cores than MAX_CORES (8); the rest are not used";
			return (int)core_count;
		}
		cores[core_count++].mpidr = mpidr;
	}
	cores[0].state = CORE_ONLINE;
	return (int)core_count;
}

void cores_start_secondaries(uint64_t timeout_us)
{
	for (unsigned i = 1; i < core_count; i++) {
		cores[i].state = CORE_STARTING;
		dsb_ish();
		int err = board_core_start(cores[i].mpidr, (uint64_t)(uintptr_t)secondary_entry, i);
		if (err) {
			cores[i].state = CORE_FAILED;
			cores[i].start_error = err;
		}
	}
	uint64_t deadline = deadline_after_us(timeout_us);
	for (unsigned i = 1; i < core_count; i++) {
		while (cores[i].state == CORE_STARTING && !deadline_passed(deadline))
			wfe();
		if (cores[i].state == CORE_STARTING)
			cores[i].state = CORE_FAILED;
	}
}

unsigned cores_online(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < core_count; i++)
		n += cores[i].state == CORE_ONLINE;
	return n;
}

bool core_post(unsigned idx, core_fn fn, void *arg)
{
	struct core *c = &cores[idx];
	if (idx >= core_count || idx == this_core() || c->state != CORE_ONLINE || c->finished != c->posted)
		return false;
	c->fn = fn;
	c->arg = arg;
	c->result = WORK_TIMED_OUT; /* what stands if the core never reports */
	__atomic_store_n(&c->posted, c->posted + 1, __ATOMIC_RELEASE);
	dsb_ish();
	sev();
	return true;
}

enum work_result core_wait(unsigned idx, uint64_t deadline)
{
	struct core *c = &cores[idx];
	if (idx >= core_count || c->state != CORE_ONLINE)
		return WORK_NOT_RUN;
	while (__atomic_load_n(&c->finished, __ATOMIC_ACQUIRE) != c->posted) {
		if (deadline_passed(deadline)) {
			c->state = CORE_LOST;
			return WORK_TIMED_OUT;
		}
		wfe();
	}
	return c->result;
}

const char *core_state_name(enum core_state s)
{
	static const char *const names[] = {"off", "starting", "online", "failed to start", "lost"};
	return s <= CORE_LOST ? names[s] : "?";
}

static void __attribute__((noreturn)) idle_loop(struct core *c)
{
	uint64_t done = 0;
	for (;;) {
		while (__atomic_load_n(&c->posted, __ATOMIC_ACQUIRE) == done)
			wfe();
		done++;
		c->result = run_protected(c->fn, c->arg, &c->fault) ? WORK_DONE : WORK_FAULTED;
		__atomic_store_n(&c->finished, done, __ATOMIC_RELEASE);
		dsb_ish();
		sev();
	}
}

void secondary_start(unsigned idx)
{
	struct core *c = &cores[idx];
	libc_core_init(idx);
	deadline_init_this_core();
	cpu_id_read(&c->id);
	enum core_state starting = CORE_STARTING;
	/* Too late (core 0 gave up on this core): stay out of the way. */
	if (!__atomic_compare_exchange_n(&c->state, &starting, CORE_ONLINE, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		for (;;)
			wfe();
	dsb_ish();
	sev();
	irq_enable(); /* other cores' SGIs (pipeline_sync_all_cores) reach this one while idle or working */
	idle_loop(c);
}
