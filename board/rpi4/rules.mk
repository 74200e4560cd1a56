# Raspberry Pi 4: the chainloader (board/pi/rules.mk) and the folders to copy onto the SD card's FAT
# partition next to the Pi firmware: build/rpi4/sdcard (the suite) and build/rpi4/sdcard-loader.
include board/pi/rules.mk

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
