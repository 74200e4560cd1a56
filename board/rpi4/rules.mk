# Raspberry Pi 4: the chainloader (board/pi/rules.mk) and the folders to copy onto the SD card's FAT
# partition next to the Pi firmware: build/rpi4/sdcard (the suite) and build/rpi4/sdcard-loader.
include board/pi/rules.mk

# The device tree QEMU 10's raspi4b is given with -dtb (it makes none): board/rpi4/rpi4.dts.
PI_DTB := $(BUILD)/rpi4.dtb
build: $(PI_DTB)

# ... and a tree in the firmware's layout that is not the project's (tests/pi/rpi4-firmware.dts).
PI_FW_DTB := $(BUILD)/rpi4-firmware.dtb
build: $(PI_FW_DTB)

$(PI_DTB): board/rpi4/rpi4.dts | deps-checked
	@mkdir -p $(dir $@)
	dtc -q -I dts -O dtb -o $@ $<
$(PI_FW_DTB): tests/pi/rpi4-firmware.dts | deps-checked
	@mkdir -p $(dir $@)
	dtc -q -I dts -O dtb -o $@ $<

SDCARD := $(BUILD)/sdcard
build: $(SDCARD)/kernel8.img $(SDCARD)/config.txt $(SDCARD)/cmdline.txt
loader: $(SDCARD_LOADER)/config.txt $(SDCARD_LOADER)/cmdline.txt

$(SDCARD)/kernel8.img: $(IMAGE)
	@mkdir -p $(dir $@)
	cp $< $@

$(SDCARD)/config.txt $(SDCARD_LOADER)/config.txt: board/rpi4/config.txt
	@mkdir -p $(dir $@)
	cp $< $@

# Boot arguments: the firmware puts its own in front, the suite reads only what follows "--".
# Rewritten only when ARGS changes. A chainloaded image gets the loader card's cmdline.txt.
.PHONY: FORCE
$(SDCARD)/cmdline.txt $(SDCARD_LOADER)/cmdline.txt: FORCE
	@mkdir -p $(dir $@)
	@printf -- '-- %s\n' '$(ARGS)' | cmp -s - $@ || { printf -- '-- %s\n' '$(ARGS)' > $@; echo "wrote $@"; }

# A test input: the image with its Image header's text_offset set to 0x200000, so QEMU loads it there
# as the Pi firmware does with kernel_address=0x200000. It must refuse to run (rpi4-kernel-address).
MOVED_IMAGE := $(BUILD)/kernel8-at-0x200000.img
build: $(MOVED_IMAGE)

$(MOVED_IMAGE): $(IMAGE)
	cp $< $@.tmp
	printf '\000\000\040\000\000\000\000\000' | dd of=$@.tmp bs=1 seek=8 conv=notrunc status=none
	mv $@.tmp $@
