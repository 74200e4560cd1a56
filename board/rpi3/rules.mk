# QEMU raspi3b: the chainloader, and the device tree QEMU is given with -dtb (it makes none for raspi3b).
include board/pi/rules.mk

PI_DTB := $(BUILD)/rpi3.dtb
build: $(PI_DTB)

$(PI_DTB): board/rpi3/rpi3.dts | deps-checked
	@mkdir -p $(dir $@)
	dtc -q -I dts -O dtb -o $@ $<
