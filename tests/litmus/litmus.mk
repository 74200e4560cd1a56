# Instruction-fetch litmus tests (herdtools7 catalogue/aarch64-ifetch): tests/litmus/translate.py
# turns them into C, linked with the firmware into a second image, build/$(BOARD)-litmus/selfmod.bin.
#   make litmus                              the image's tests for $(LITMUS_CONFIG)'s cores, run there
#   make litmus LITMUS="a.litmus dir @list"  chosen tests (files, directories, herd @lists)
#   LITMUS_CONFIG=litmus-a710-smp4           the configuration they run on (tests/configs.txt)
#   LITMUS_DIR=path/to/aarch64-ifetch        where the herd catalogue is (kinds.txt and the folders
#                                            DIC0-IDC0, DIC0-IDC1, DIC1-IDC1); default ../shared/...
#                                            when present. Without it: selfmod's own tests only
#                                            (tests/litmus/selfmod), the catalogue configurations skip.
#   LITMUS_ITERATIONS=N                      default iterations per test (boot argument iterations= overrides)

LITMUS_DIR ?= ../shared/litmus/aarch64-ifetch
LITMUS_KINDS ?= $(LITMUS_DIR)/kinds.txt
LITMUS_OWN := tests/litmus/selfmod
LITMUS_FLAVOURS := DIC0-IDC0 DIC0-IDC1 DIC1-IDC1
# The catalogue's flavour folders that are there (all three in a catalogue copy).
LITMUS_CATALOGUE := $(if $(wildcard $(LITMUS_KINDS)),$(wildcard $(addprefix $(LITMUS_DIR)/,$(LITMUS_FLAVOURS))))
LITMUS ?= $(LITMUS_CATALOGUE)
LITMUS_ITERATIONS ?= 200
LITMUS_CONFIG ?= litmus-a72-smp4
LITMUS_BUILD := build/$(BOARD)$(if $(filter newlib,$(LIBC)),-newlib)-litmus
LITMUS_IMAGE := $(LITMUS_BUILD)/selfmod.bin
LITMUS_ELF := $(LITMUS_BUILD)/selfmod.elf
LITMUS_GEN := $(LITMUS_BUILD)/litmus_tests.c
LITMUS_TRANSLATOR := $(wildcard tests/litmus/*.py)
LITMUS_WITHOUT_CATALOGUE := herd catalogue not found at LITMUS_DIR=$(LITMUS_DIR) (no kinds.txt there): \
  set LITMUS_DIR to a herdtools7 catalogue/aarch64-ifetch/tests copy to run its tests

.PHONY: litmus litmus-build litmus-inputs-checked litmus-catalogue-note

litmus-inputs-checked:
	@for f in $(LITMUS); do p=$${f#@}; test -e "$$p" || { echo "selfmod: litmus input not found: $$f" \
	  "(LITMUS_DIR=$(LITMUS_DIR); set LITMUS to .litmus files, directories or @lists)" >&2; exit 1; }; done
	@if [ -n "$(strip $(LITMUS))" ] && [ ! -f "$(LITMUS_KINDS)" ]; then echo "selfmod: litmus verdicts not found:" \
	  "$(LITMUS_KINDS) (set LITMUS_DIR to the herdtools7 catalogue/aarch64-ifetch copy, or LITMUS_KINDS to its" \
	  "kinds.txt)" >&2; exit 1; fi

# One line for make test when the catalogue is not there: its configurations will report a skip.
litmus-catalogue-note:
	@$(if $(LITMUS_CATALOGUE),:,echo "selfmod: litmus: $(LITMUS_WITHOUT_CATALOGUE); the catalogue configurations are skipped")

# Always re-translated (the inputs may be directories or lists); the file is only rewritten when it changes.
$(LITMUS_GEN): $(LITMUS_TRANSLATOR) litmus-inputs-checked | deps-checked
	@mkdir -p $(dir $@)
	$(PYTHON) tests/litmus/translate.py -q -o $@ --kinds $(LITMUS_OWN)/kinds.txt \
	  $(if $(wildcard $(LITMUS_KINDS)),--kinds $(LITMUS_KINDS)) --assembler '$(CC) -c' \
	  --iterations $(LITMUS_ITERATIONS) \
	  $(if $(LITMUS_CATALOGUE),,--without-catalogue '$(LITMUS_WITHOUT_CATALOGUE)') $(LITMUS_OWN) $(LITMUS)

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

# Tests named by LITMUS on the command line all run, whatever cores they are written for.
litmus: $(LITMUS_IMAGE)
	$(PYTHON) tests/runner.py --verbose --config $(LITMUS_CONFIG) \
	  --append "$(if $(filter command line,$(origin LITMUS)),run=litmus-*) $(ARGS)"
