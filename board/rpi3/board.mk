# QEMU raspi3b (BCM2837): RAM at 0; the firmware (or QEMU) loads kernel8.img at text_offset 0x80000.
LOAD_ADDR := 0x80000
BOARD_SRCS := board/pi/pi_board.c board/pi/pi_uart.c board/pi/pi_watchdog.c board/pi/pi_irq_none.c
QEMU_MACHINE := raspi3b
IMAGE_NAME := kernel8.img
# make run BOARD=rpi3: this runner configuration.
CONFIG ?= rpi3-raspi3b
