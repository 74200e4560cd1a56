#include "deadline.h"

#include "board.h"
#include "cpu.h"
#include "exceptions.h"
#include "irq.h"
#include "sysreg.h"

static bool available;

static void on_timer(struct exception_frame *frame, unsigned irq)
{
	(void)irq;
	write_sysreg(cntp_ctl_el0, 0); /* level-triggered: silence it before the end of interrupt */
	exception_abandon(frame, EXC_KIND_DEADLINE);
}

void deadline_setup(bool irq_controller_ready)
{
	available = irq_controller_ready;
	irq_register(BOARD_IRQ_TIMER, on_timer);
	deadline_init_this_core();
}

void deadline_init_this_core(void)
{
	write_sysreg(cntp_ctl_el0, 0);
	if (available && board_irq_init_this_core())
		board_irq_enable_timer();
}

bool deadline_available(void)
{
	return available;
}

void deadline_arm(uint64_t deadline)
{
	write_sysreg(cntp_cval_el0, deadline);
	write_sysreg(cntp_ctl_el0, CNTP_CTL_ENABLE);
	isb();
}

uint64_t deadline_armed(void)
{
	return (read_sysreg(cntp_ctl_el0) & CNTP_CTL_ENABLE) ? read_sysreg(cntp_cval_el0) : 0;
}

void deadline_disarm(void)
{
	write_sysreg(cntp_ctl_el0, 0);
	isb();
}
