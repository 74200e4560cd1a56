# QEMU virt: RAM at 0x40000000; a raw Image is loaded at RAM + text_offset (0x80000).
LOAD_ADDR := 0x40080000
BOARD_SRCS := board/virt/board.c board/common/gic_irq.c
