# Raspberry Pi boards (included by board/rpi3/rules.mk and board/rpi4/rules.mk, after the main Makefile).
