/*
 * QEMU's raspi3b (BCM2837, Cortex-A53 x4): the Pi boot path that QEMU 7.2 can
 * emulate. Peripherals at 0x3F000000, ARM local peripherals at 0x40000000,
 * no GIC (scenarios that need interrupts are skipped here: see README).
 */
#ifndef SELFMOD_PI_SOC_H
#define SELFMOD_PI_SOC_H

#define PI_BOARD_NAME  "rpi3"
#define PI_PERIPH_BASE 0x3f000000UL /* BCM2837 peripherals, as the ARM cores see them */
#define PI_PERIPH_SIZE 0x01000000UL
#define PI_LOCAL_BASE  0x40000000UL /* ARM local peripherals: core timers and mailboxes */
#define PI_LOCAL_SIZE  0x00200000UL
#define PI_UART0       (PI_PERIPH_BASE + 0x201000) /* PL011 */
#define PI_GPIO	       (PI_PERIPH_BASE + 0x200000)
#define PI_PM	       (PI_PERIPH_BASE + 0x100000) /* power management: watchdog and reset */
/* BCM2837 GPIO pulls use the GPPUD/GPPUDCLK sequence, not the BCM2711 register: not set here
   (the Pi 3's firmware already configures GPIO14/15, and QEMU ignores pulls). */
#define PI_GPIO_HAS_2711_PULLS 0

#endif
