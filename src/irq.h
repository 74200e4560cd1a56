/* Interrupt dispatch: acknowledge, call the handler registered for the number, end of interrupt. */
#ifndef SELFMOD_IRQ_H
#define SELFMOD_IRQ_H

#include "exceptions.h"

#define IRQ_MAX 1020

typedef void (*irq_fn)(struct exception_frame *frame, unsigned irq);

/* Register fn for irq (before interrupts are unmasked, or with them masked on this core's own
   timer). Installs the dispatcher on first use. Returns the handler it replaces (NULL if none). */
irq_fn irq_register(unsigned irq, irq_fn fn);

#endif
