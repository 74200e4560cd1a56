# selfmod: bare-metal AArch64 self-modifying-code test suite.
#   make run    install what is missing, build, boot the suite in QEMU, print the results
#   make test   every check: host unit tests, runner tests, the suite on every QEMU configuration
#   make litmus LITMUS="x.litmus dir @list"  herd litmus tests built into an image and run
#   make check-routine ROUTINE=file.S   judge a JIT's cache-maintenance routine under the checker
#   make bench  the benchmarks (tests/bench.py): table, CSV and PNG under build/bench/
#   make qemu10 stage QEMU 10.0 from bookworm-backports into .cache/qemu-10 (make test does it too)
#   make print-qemu QEMU_VERSION=10|7.2   the absolute path of that QEMU
#   make boards every board's image and extras (the Pi's chainloader); make format, format-check, lint
#   make qemu-defects [QEMU_VERSION=10 | QEMU=path]  QEMU's known defects: present/absent (docs/qemu-defects.md)
#   make debug  boot CONFIG under QEMU's gdb stub, stopped at the entry point; prints the gdb command
# Variables: BOARD=virt (one of the boards below), ARGS="run=cross_core iterations=100" (boot arguments for make run),
#            CONFIG=a72-el1-smp4 (runner configuration for make run; a Pi board's own by default:
#            rpi3-raspi3b, rpi4-raspi4b), CONFIGS=glob (for make test),
#            LIBC=picolibc|newlib (the C library; newlib is built from Debian's source, libc/newlib).

BOARD ?= virt
CROSS_COMPILE ?= aarch64-linux-gnu-
CC := $(CROSS_COMPILE)gcc
OBJCOPY := $(CROSS_COMPILE)objcopy
HOSTCC ?= gcc
PYTHON ?= python3
CONFIGS ?=
ARGS ?=

# The boards: every folder board/NAME with a board.mk (README: Add a board). board.mk sets LOAD_ADDR
# and BOARD_SRCS (and IMAGE_NAME if not selfmod.bin); an optional rules.mk adds the board's own
# products, naming those make test needs in BOARD_EXTRAS.
BOARDS := $(sort $(patsubst board/%/board.mk,%,$(wildcard board/*/board.mk)))
ifneq ($(words $(BOARD))$(filter $(BOARD),$(BOARDS)),1$(BOARD))
$(error selfmod: unknown BOARD='$(BOARD)'; the boards are: $(BOARDS))
endif
include board/$(BOARD)/board.mk
# The runner configuration make run boots (a board.mk may name its own, and RUN_NEEDS, e.g. qemu10).
CONFIG ?= a72-el1-smp4
IMAGE_NAME ?= selfmod.bin

# The C library: picolibc (Debian's binary package) or newlib (built once from Debian's newlib-source
# into .cache/newlib: libc/newlib/newlib.mk). Each has its glue in libc/$(LIBC)/ and its own build dir.
LIBC ?= picolibc
ifeq ($(filter picolibc newlib,$(LIBC)),)
$(error LIBC=$(LIBC): use picolibc or newlib)
endif
include libc/newlib/newlib.mk
.DEFAULT_GOAL := all  # not newlib.mk's first rule

# CHECKED=1: an address mark before every DC/IC (src/lib/icache.h) for the QEMU checker, in its own build dir.
CHECKED ?=
BUILD := build/$(BOARD)$(if $(CHECKED),-checked)$(if $(filter newlib,$(LIBC)),-newlib)
HOST_BUILD := build/host
IMAGE := $(BUILD)/$(IMAGE_NAME)
ELF := $(BUILD)/selfmod.elf

# Debian packages: cross compiler, C library, emulator, and the host side.
DEBIAN_PKGS := gcc-aarch64-linux-gnu picolibc-aarch64-linux-gnu qemu-system-arm gcc libc6-dev python3 make \
	device-tree-compiler newlib-source gdb-multiarch clang-format flake8

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# The firmware's layers, lowest first (README: Layout); each is on the include path.
SRC_DIRS := src/arch src/lib src/drivers src/runtime src/harness tests/scenarios/engines
COMMON_CFLAGS := -std=c11 -O2 -g $(WARNINGS) $(addprefix -I,$(SRC_DIRS)) -Iboard -Iboard/$(BOARD)
ifeq ($(LIBC),newlib)
# The compiler's own headers first (stdatomic.h: newlib 3.3's does not build with GCC 12), then newlib's.
LIBC_CFLAGS := -isystem $(shell $(CC) -print-file-name=include) -isystem $(NEWLIB_SYSROOT)/include \
	-ftls-model=local-exec -D__DYNAMIC_REENT__
LIBC_LDFLAGS := -nostdlib -L$(NEWLIB_SYSROOT)/lib -Wl,--build-id=none
LIBC_LIBS := -Wl,--start-group -lc -lgcc -Wl,--end-group
LIBC_DEP := $(NEWLIB_LIBC)
else
LIBC_CFLAGS := --specs=picolibc.specs
LIBC_LDFLAGS := --specs=picolibc.specs
LIBC_LIBS :=
LIBC_DEP :=
endif
# -mstrict-align: core 0 runs C with the MMU off (Device memory faults unaligned accesses).
# -mgeneral-regs-only: the firmware's own code never touches FP/SIMD registers (the C library's
#   does: boot/vectors.S saves and restores them on every exception).
# -mno-outline-atomics: scenarios must contain the instructions they say, not library calls.
CFLAGS := $(COMMON_CFLAGS) -Ilibc $(LIBC_CFLAGS) -march=armv8-a -mstrict-align -mgeneral-regs-only \
	-mno-outline-atomics -fno-pie -fno-tree-loop-distribute-patterns -ffunction-sections \
	$(if $(CHECKED),-DSELFMOD_CHECKED)
ASFLAGS := -Isrc/arch -Isrc/runtime -Iboot -D__ASSEMBLER__
LDFLAGS := $(LIBC_LDFLAGS) -nostartfiles -static -no-pie -Wl,--no-warn-rwx-segments

FW_SRCS := $(wildcard $(addsuffix /*.c,$(SRC_DIRS))) $(BOARD_SRCS) $(wildcard tests/scenarios/*.c) \
	$(wildcard libc/$(LIBC)/*.c)
FW_ASM := $(wildcard boot/*.S tests/scenarios/*.S)
FW_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(FW_SRCS)) $(patsubst %.S,$(BUILD)/%.o,$(FW_ASM))

# Pure firmware logic the host unit tests compile; src/lib/icache.c records its instructions instead
# of issuing them (SELFMOD_HOST_TRACE).
HOST_LIB_SRCS := src/runtime/pagetable.c src/lib/cache_geometry.c src/harness/ktap.c src/harness/args.c src/drivers/fdt.c \
	src/lib/icache.c src/lib/errata.c src/lib/verdict.c tests/scenarios/engines/litmus_cond.c \
	tests/scenarios/engines/litmus_hist.c src/lib/crc32.c src/drivers/spintable.c libc/newlib/fnmatch.c
HOST_TEST_SRCS := $(wildcard tests/host/*.c)
UNIT_TESTS := $(HOST_BUILD)/unit_tests

.PHONY: all build run test check-layers check-registry format-check lint unit-tests runner-tests deps clean format help \
	bench flash boards board-extras qemu10 qemu10-if-available print-qemu qemu-defects newlib-image debug

all: build

# Before any rule that names $(LITMUS_IMAGE): prerequisites are expanded as they are read.
include tests/litmus/litmus.mk

help:
	@sed -n '2,15p' Makefile
	@echo 'Boards (board/*/board.mk): $(BOARDS)'

# QEMU 10.0, unpacked from Debian's bookworm-backports into the project (the system's QEMU and apt
# configuration are left alone; tests/qemu_stage.py). Cached: staged once, then reused.
QEMU_VERSION ?= 7.2
QEMU10_STAGE := $(PYTHON) tests/qemu_stage.py -q
qemu10: | deps-checked
	@$(QEMU10_STAGE)
# For make test: where backports cannot be reached, the QEMU 10 configurations are skipped, not failed.
qemu10-if-available: | deps-checked
	@$(QEMU10_STAGE) >/dev/null || echo "selfmod: the QEMU 10 configurations (q10-*) will be skipped"
print-qemu:
	@case '$(QEMU_VERSION)' in \
	  10) $(QEMU10_STAGE) ;; \
	  7.2) p=$${QEMU:-$$(command -v qemu-system-aarch64)} && test -n "$$p" && readlink -f "$$p" \
	       || { echo "selfmod: qemu-system-aarch64 (7.2) not found: make deps installs it" >&2; exit 1; } ;; \
	  *) echo "selfmod: QEMU_VERSION=$(QEMU_VERSION): use 7.2 (the system's) or 10 (staged)" >&2; exit 2 ;; \
	esac

# The minimal reproducers of QEMU's known defects against $(QEMU) (default: the system's
# 7.2, or the staged one with QEMU_VERSION=10). Exits 0 whether they are present or not.
qemu-defects: build
	@q='$(QEMU)'; if [ -z "$$q" ]; then q=$$($(MAKE) --no-print-directory -s print-qemu QEMU_VERSION=$(QEMU_VERSION)) || exit 2; fi; \
	$(PYTHON) tests/qemu_defects.py --image $(IMAGE) --qemu "$$q"

build: $(IMAGE)

$(BUILD)/%.o: %.c | deps-checked $(LIBC_DEP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%.o: %.S | deps-checked
	@mkdir -p $(dir $@)
	$(CC) $(ASFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/image.ld: linker/image.ld src/arch/layout.h | deps-checked
	@mkdir -p $(dir $@)
	$(CC) -E -P -x c -Isrc/arch -DLOAD_ADDR=$(LOAD_ADDR) $< -o $@

$(ELF): $(FW_OBJS) $(BUILD)/image.ld $(LIBC_DEP)
	$(CC) $(LDFLAGS) -T $(BUILD)/image.ld -Wl,-Map=$(BUILD)/selfmod.map $(FW_OBJS) $(LIBC_LIBS) -o $@

$(IMAGE): $(ELF)
	$(OBJCOPY) -O binary $< $@

$(UNIT_TESTS): $(HOST_TEST_SRCS) $(HOST_LIB_SRCS) $(wildcard $(addsuffix /*.h,$(SRC_DIRS)) tests/host/*.h) | deps-checked
	@mkdir -p $(dir $@)
	$(HOSTCC) $(COMMON_CFLAGS) -DSELFMOD_HOST_TRACE -Itests/host -fsanitize=address,undefined $(HOST_TEST_SRCS) \
		$(HOST_LIB_SRCS) -o $@

# The unit tests read a real device tree: QEMU's own for virt.
$(HOST_BUILD)/virt.dtb: | deps-checked
	@mkdir -p $(dir $@)
	qemu-system-aarch64 -M virt -cpu cortex-a72 -smp 4 -m 256M -nic none -display none -machine dumpdtb=$@

# ... and, next to it, the Pi's: board/rpi3's and board/rpi4's, the firmware-layout Pi 4 tree QEMU also
# boots (tests/pi), and the host tests' own (tests/host/*.dts: spin-table fallback, memory nodes);
# tests/host/test_spintable.c and test_memory.c find them in the same directory.
HOST_DTS_DTBS := $(patsubst tests/host/%.dts,$(HOST_BUILD)/%.dtb,$(wildcard tests/host/*.dts))
UNIT_DTBS := $(HOST_BUILD)/virt.dtb $(HOST_BUILD)/rpi3.dtb $(HOST_BUILD)/rpi4.dtb $(HOST_BUILD)/rpi4-firmware.dtb \
	$(HOST_DTS_DTBS)
DTC_RECIPE = @mkdir -p $(dir $@) && dtc -q -I dts -O dtb -o $@ $<
$(HOST_BUILD)/rpi3.dtb: board/rpi3/rpi3.dts | deps-checked
	$(DTC_RECIPE)
$(HOST_BUILD)/rpi4.dtb: board/rpi4/rpi4.dts | deps-checked
	$(DTC_RECIPE)
$(HOST_BUILD)/rpi4-firmware.dtb: tests/pi/rpi4-firmware.dts | deps-checked
	$(DTC_RECIPE)
$(HOST_DTS_DTBS): $(HOST_BUILD)/%.dtb: tests/host/%.dts | deps-checked
	$(DTC_RECIPE)

unit-tests: $(UNIT_TESTS) $(UNIT_DTBS)
	$(UNIT_TESTS) $(HOST_BUILD)/virt.dtb

runner-tests: boards
	$(PYTHON) -m unittest discover -s tests -p 'test_*.py'

run: build $(RUN_NEEDS)
	$(PYTHON) tests/runner.py --verbose --config $(CONFIG) --image $(IMAGE) $(if $(ARGS),--append "$(ARGS)")

# make debug [CONFIG=..] [CORE=N] [GDB_PORT=1234] [ARGS=..]: QEMU stopped at reset with its gdb stub; prints
# the gdb-multiarch command that attaches with $(ELF)'s symbols and runs to _start (tests/debug.py).
GDB_PORT ?= 1234
CORE ?=
debug: build
	@$(PYTHON) tests/debug.py --config $(CONFIG) --image $(IMAGE) --elf $(ELF) --port $(GDB_PORT) \
	  $(if $(CORE),--core $(CORE)) $(if $(ARGS),--append "$(ARGS)")

# Every board's image and its extras (BOARD_EXTRAS: the Pi's chainloader...), which make test boots
# or checks, whatever BOARD is.
boards:
	@for b in $(BOARDS); do $(MAKE) --no-print-directory BOARD=$$b build board-extras || exit 1; done

# make flash PORT=/dev/ttyUSB0: send a Pi image to the serial chainloader, stream the run.
FLASH_BOARD ?= rpi4
# With ROUTINE=file: the image with that routine in place of icache_sync_range (make check-routine).
flash:
	@$(MAKE) --no-print-directory BOARD=$(FLASH_BOARD) build
	@img=build/$(FLASH_BOARD)/kernel8.img; \
	if [ -n '$(ROUTINE)' ]; then \
	  img=$$($(PYTHON) tests/check_routine.py --build-only --board $(FLASH_BOARD) $(ROUTINE)) || exit 2; fi; \
	echo "$(PYTHON) tests/flash.py --port '$(PORT)' --image $$img"; \
	$(PYTHON) tests/flash.py --port '$(PORT)' --image $$img

# The newlib build of the virt image that make test boots (configs newlib-*).
newlib-image:
	@$(MAKE) --no-print-directory BOARD=virt LIBC=newlib build

test: build $(LITMUS_IMAGE) $(UNIT_TESTS) $(UNIT_DTBS) boards newlib-image check-layers check-registry format-check lint \
	qemu10-if-available litmus-catalogue-note
	$(PYTHON) -m unittest discover -s tests -p 'test_*.py'
	$(PYTHON) tests/runner.py --image $(IMAGE) $(if $(CONFIGS),--config '$(CONFIGS)')

# Every include and call goes down the layers (README: Layout), no cycles: this board's image.
check-layers: build
	$(PYTHON) tests/check_layers.py --nm $(CROSS_COMPILE)nm --objects $(FW_OBJS)

# The suite's tables agree: TEST_CASE order keys unique, injections declared, used, provoked, expected.
check-registry:
	$(PYTHON) tests/check_registry.py

# The bench's plot needs gnuplot; without it tests/bench.py still prints the table and writes the CSV.
bench: build litmus-build
	-@$(MAKE) --no-print-directory deps-checked DEBIAN_PKGS=gnuplot-nox
	$(PYTHON) tests/bench.py --image $(IMAGE) --out build/bench

# Install the Debian packages that are missing (with sudo when not root).
deps-checked:
	@missing=; \
	for p in $(DEBIAN_PKGS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  command -v apt-get >/dev/null || { echo "selfmod: missing packages:$$missing; install them (this is not a Debian system)" >&2; exit 1; }; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
	  else echo "selfmod: missing packages:$$missing; run as root or install sudo" >&2; exit 1; fi; \
	  echo "selfmod: installing$$missing"; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing \
	    || { echo "selfmod: could not install$$missing" >&2; exit 1; }; \
	fi
deps: deps-checked
.PHONY: deps-checked

# Every tracked C file, whatever BOARD (outside a git checkout: every C file under the project's folders).
FORMAT_FILES = $(wildcard $(shell git ls-files '*.c' '*.h' 2>/dev/null || find src board boot tests -name '*.[ch]' -not -path '*/build/*'))
format: | deps-checked
	clang-format -i $(FORMAT_FILES)
# The Python lint (Debian's flake8: pyflakes and pycodestyle), configured in .flake8.
lint: | deps-checked
	@flake8 . || { echo "selfmod: flake8 found the problems above (configuration: .flake8)" >&2; exit 1; }

format-check: | deps-checked
	@clang-format --dry-run --Werror $(FORMAT_FILES) || { echo "selfmod: run make format (clang-format 14, .clang-format)" >&2; exit 1; }

clean:
	rm -rf build

include tests/plugin/plugin.mk
include tests/routine/routine.mk

-include $(FW_OBJS:.o=.d)
# Board-specific products (the Pi boards: device tree, SD-card folder, chainloader).
-include board/$(BOARD)/rules.mk
# After rules.mk, which adds to BOARD_EXTRAS (prerequisites are expanded as they are read).
board-extras: $(BOARD_EXTRAS)
