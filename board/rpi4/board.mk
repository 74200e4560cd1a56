# Raspberry Pi 4 (BCM2711): RAM at 0; the firmware loads kernel8.img at kernel_address=0x80000 (config.txt).
LOAD_ADDR := 0x80000
BOARD_SRCS := board/pi/pi_board.c board/pi/pi_uart.c board/pi/pi_watchdog.c board/pi/pi_irq_gic400.c board/common/gic_irq.c
IMAGE_NAME := kernel8.img
# make run BOARD=rpi4: this runner configuration (QEMU 10's raspi4b: staged first when missing).
CONFIG ?= rpi4-raspi4b
RUN_NEEDS := qemu10
