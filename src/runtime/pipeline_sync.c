#include "pipeline_sync.h"

#include "board.h"
#include "cores.h"
#include "handoff.h"
#include "irq.h"

static struct handoff_seq request;
static struct handoff_seq acked[MAX_CORES];

static void on_sync_sgi(struct exception_frame *frame, unsigned irq)
{
	(void)frame;
	(void)irq;
	/* The eret that ends this handler is the context synchronisation the caller waits for. */
	handoff_ack(&acked[this_core()], __atomic_load_n(&request.value, __ATOMIC_ACQUIRE));
}

void pipeline_sync_setup(void)
{
	irq_register(SGI_PIPELINE_SYNC, on_sync_sgi);
}

unsigned pipeline_sync_all_cores(uint64_t deadline)
{
	uint64_t generation = request.value + 1;
	unsigned self = this_core(), missing = 0;
	__atomic_store_n(&request.value, generation, __ATOMIC_RELEASE);
	for (unsigned c = 0; c < core_count; c++)
		if (c != self && cores[c].state == CORE_ONLINE && !board_irq_send_sgi(SGI_PIPELINE_SYNC, c))
			missing++;
	for (unsigned c = 0; c < core_count; c++)
		if (c != self && cores[c].state == CORE_ONLINE && !handoff_wait_data(&acked[c], generation, deadline))
			missing++;
	isb();
	return missing;
}
