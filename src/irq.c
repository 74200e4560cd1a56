#include "irq.h"

#include "board.h"

static irq_fn handlers[IRQ_MAX];

static void dispatch(struct exception_frame *frame)
{
	unsigned irq = board_irq_ack();
	if (irq >= IRQ_MAX)
		return; /* spurious */
	if (handlers[irq])
		handlers[irq](frame, irq);
	board_irq_eoi(irq);
}

irq_fn irq_register(unsigned irq, irq_fn fn)
{
	irq_fn previous = NULL;
	if (irq < IRQ_MAX) {
		previous = handlers[irq];
		handlers[irq] = fn;
	}
	irq_handler = dispatch;
	return previous;
}
