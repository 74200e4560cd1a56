/*
 * Raspberry Pi 4 (BCM2711, Cortex-A72 r0p3 x4) in low-peripheral mode, the
 * firmware's default. Addresses from docs/platform.md and the
 * BCM2711 peripherals datasheet; nothing here has run on a board yet.
 */
#ifndef SELFMOD_PI_SOC_H
#define SELFMOD_PI_SOC_H

#define PI_BOARD_NAME "rpi4"
#define PI_PERIPH_BASE 0xfe000000UL /* BCM2711 main peripherals, low-peripheral mode */
#define PI_PERIPH_SIZE 0x01800000UL
#define PI_LOCAL_BASE 0xff800000UL /* ARM local peripherals and the GIC-400 */
#define PI_LOCAL_SIZE 0x00800000UL
#define PI_UART0 (PI_PERIPH_BASE + 0x201000) /* PL011 */
#define PI_GPIO (PI_PERIPH_BASE + 0x200000)
#define PI_PM (PI_PERIPH_BASE + 0x100000) /* power management: watchdog and reset */
#define PI_GIC400_GICD 0xff841000UL /* GIC-400 distributor (inside PI_LOCAL) */
#define PI_GIC400_GICC 0xff842000UL /* GIC-400 CPU interface (inside PI_LOCAL) */
/* GPIO_PUP_PDN_CNTRL_REG0 (GPIO + 0xe4): BCM2711's two-bit pull field per pin. */
#define PI_GPIO_HAS_2711_PULLS 1

#endif
