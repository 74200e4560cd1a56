/*
 * The per-core half of the board interrupt interface for boards with an Arm
 * GIC (src/drivers/gic.c): shared by every such board, which provides only
 * board_irq_init (where its GIC is and which version).
 */
#include "board.h"

#include "gic.h"

bool board_irq_init_this_core(void)
{
	return gic_init_this_core();
}
void board_irq_enable_timer(void)
{
	gic_enable_ppi(GIC_PPI_EL1_PHYS_TIMER);
}
unsigned board_irq_ack(void)
{
	return gic_ack();
}
void board_irq_eoi(unsigned irq)
{
	gic_eoi(irq);
}
bool board_irq_send_sgi(unsigned sgi, unsigned core)
{
	return gic_send_sgi(sgi, core);
}
