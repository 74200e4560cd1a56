# Raspberry Pi boards (included by board/rpi3/rules.mk and board/rpi4/rules.mk, after the main Makefile):
# the serial chainloader, build/$(BOARD)/sdcard-loader/kernel8.img (make BOARD=... loader).

# The loader runs at 32 MiB, out of the way of images received at 0x80000 (board/pi/loader/protocol.h).
LOADER_BASE := 0x02000000
LOADER_BUILD := $(BUILD)/loader
LOADER_SRCS := board/pi/loader/loader.c src/lib/crc32.c src/drivers/pl011.c board/pi/pi_uart.c
LOADER_OBJS := $(patsubst %.c,$(LOADER_BUILD)/%.o,$(LOADER_SRCS)) $(LOADER_BUILD)/board/pi/loader/entry.o
# No C library: the loader runs with the MMU off, where every access is Device memory.
LOADER_CFLAGS := $(COMMON_CFLAGS) -Iboard/pi/loader -ffreestanding -fno-builtin -march=armv8-a -mstrict-align \
	-mgeneral-regs-only -mno-outline-atomics -fno-pie -fno-tree-loop-distribute-patterns -ffunction-sections \
	-fno-stack-protector -DLOADER_BASE=$(LOADER_BASE)
LOADER_ELF := $(LOADER_BUILD)/loader.elf
SDCARD_LOADER := $(BUILD)/sdcard-loader

.PHONY: loader
loader: $(SDCARD_LOADER)/kernel8.img
BOARD_EXTRAS += loader

$(LOADER_BUILD)/%.o: %.c | deps-checked
	@mkdir -p $(dir $@)
	$(CC) $(LOADER_CFLAGS) -MMD -MP -c $< -o $@

$(LOADER_BUILD)/%.o: %.S | deps-checked
	@mkdir -p $(dir $@)
	$(CC) $(ASFLAGS) -MMD -MP -c $< -o $@

$(LOADER_BUILD)/loader.ld: board/pi/loader/loader.ld | deps-checked
	@mkdir -p $(dir $@)
	$(CC) -E -P -x c -DLOADER_BASE=$(LOADER_BASE) $< -o $@

$(LOADER_ELF): $(LOADER_OBJS) $(LOADER_BUILD)/loader.ld
	$(CC) -nostdlib -nostartfiles -static -no-pie -Wl,--gc-sections -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
		-T $(LOADER_BUILD)/loader.ld -Wl,-Map=$(LOADER_BUILD)/loader.map $(LOADER_OBJS) -o $@

$(SDCARD_LOADER)/kernel8.img: $(LOADER_ELF)
	@mkdir -p $(dir $@)
	$(OBJCOPY) -O binary $< $@

-include $(LOADER_OBJS:.o=.d)
