/*
 * Interrupts on the Raspberry Pi 3 (QEMU raspi3b): the BCM2837 has no GIC. Its
 * ARM local interrupt controller (core timers, mailboxes) could route the
 * timer and stand in for SGIs; that is not done, so the suite runs without
 * interrupts here and says so (deadline interrupts, SGI scenarios skipped).
 */
#include "board.h"

int board_irq_init(const struct fdt *fdt, const char **why)
{
	(void)fdt;
	*why = "the BCM2837 has no GIC (its local interrupt controller is not used): no timer interrupts, no SGIs";
	return -1;
}

bool board_irq_init_this_core(void)
{
	return false;
}
void board_irq_enable_timer(void) {}
unsigned board_irq_ack(void)
{
	return BOARD_IRQ_NONE;
}
void board_irq_eoi(unsigned irq)
{
	(void)irq;
}
bool board_irq_send_sgi(unsigned sgi, unsigned core)
{
	(void)sgi;
	(void)core;
	return false;
}
