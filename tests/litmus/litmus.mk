# Instruction-fetch litmus tests (herdtools7 catalogue/aarch64-ifetch): tests/litmus/translate.py
# turns them into C, linked with the firmware into a second image, build/$(BOARD)-litmus/selfmod.bin.
#   make litmus                              the DIC0-IDC0 tests, run on $(LITMUS_CONFIG)
#   make litmus LITMUS="a.litmus dir @list"  chosen tests (files, directories, herd @lists)
#   LITMUS_DIR=path/to/aarch64-ifetch        where the catalogue is (kinds.txt and DIC0-IDC0/)
#   LITMUS_ITERATIONS=N                      default iterations per test (boot argument iterations= overrides)

LITMUS_DIR ?= ../shared/litmus/aarch64-ifetch
LITMUS_KINDS ?= $(LITMUS_DIR)/kinds.txt
LITMUS ?= $(LITMUS_DIR)/DIC0-IDC0
LITMUS_ITERATIONS ?= 200
LITMUS_CONFIG ?= litmus-a72-smp4
LITMUS_BUILD := build/$(BOARD)$(if $(filter newlib,$(LIBC)),-newlib)-litmus
LITMUS_IMAGE := $(LITMUS_BUILD)/selfmod.bin
LITMUS_ELF := $(LITMUS_BUILD)/selfmod.elf
LITMUS_GEN := $(LITMUS_BUILD)/litmus_tests.c
LITMUS_TRANSLATOR := $(wildcard tests/litmus/*.py)

.PHONY: litmus litmus-build litmus-inputs-checked

litmus-inputs-checked:
	@test -f "$(LITMUS_KINDS)" || { echo "selfmod: litmus verdicts not found: $(LITMUS_KINDS)" \
	  "(set LITMUS_DIR to the herdtools7 catalogue/aarch64-ifetch copy, default ../shared/litmus/aarch64-ifetch," \
	  "or LITMUS_KINDS to its kinds.txt)" >&2; exit 1; }
	@for f in $(LITMUS); do p=$${f#@}; test -e "$$p" || { echo "selfmod: litmus input not found: $$f" \
	  "(LITMUS_DIR=$(LITMUS_DIR); set LITMUS to .litmus files, directories or @lists)" >&2; exit 1; }; done

# Always re-translated (the inputs may be directories or lists); the file is only rewritten when it changes.
$(LITMUS_GEN): $(LITMUS_TRANSLATOR) litmus-inputs-checked | deps-checked
	@mkdir -p $(dir $@)
	$(PYTHON) tests/litmus/translate.py -q -o $@ --kinds $(LITMUS_KINDS) --assembler '$(CC) -c' \
	  --iterations $(LITMUS_ITERATIONS) $(LITMUS)

$(LITMUS_BUILD)/litmus_tests.o: $(LITMUS_GEN)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# The generated tests include src/ headers (struct test_case...): rebuild when they change.
-include $(LITMUS_BUILD)/litmus_tests.d

$(LITMUS_ELF): $(FW_OBJS) $(LITMUS_BUILD)/litmus_tests.o $(BUILD)/image.ld
	$(CC) $(LDFLAGS) -T $(BUILD)/image.ld -Wl,-Map=$(LITMUS_BUILD)/selfmod.map $(FW_OBJS) \
	  $(LITMUS_BUILD)/litmus_tests.o $(LIBC_LIBS) -o $@

$(LITMUS_IMAGE): $(LITMUS_ELF)
	$(OBJCOPY) -O binary $< $@

litmus-build: $(LITMUS_IMAGE)

litmus: $(LITMUS_IMAGE)
	$(PYTHON) tests/runner.py --verbose --config $(LITMUS_CONFIG) $(if $(ARGS),--append "$(ARGS)")
