# A user's cache-maintenance routine linked into the suite in place of icache_sync_range
# (README "Check your JIT's cache maintenance"; tests/check_routine.py drives these).
#   make check-routine ROUTINE=file.S [ROUTINE=...] [V=1]   the routine under the QEMU checker: a table
#   make check-routine-examples   examples/routines/, expected beside observed verdicts
#   make routine-image ROUTINE_SRC=file ROUTINE_DIR=dir [CHECKED=1]   one image (the driver's step)
#   make test-routine ROUTINE=file [CONFIGS=glob]   the plain suite with that routine on every configuration
#   make flash ROUTINE=file PORT=...   the same on a Raspberry Pi 4 through the chainloader
ROUTINE ?=
ROUTINE_SRC ?=
ROUTINE_DIR ?=
ROUTINE_SHIM := tests/routine/user_shim.c
# A user's C is the user's: the firmware's flags (the same code generation) but its warnings not errors.
ROUTINE_CFLAGS = $(filter-out -Werror,$(CFLAGS)) -Wno-missing-prototypes
# A C routine is compiled to assembly like the firmware; an assembly one goes through the C preprocessor
# (its own directory first on the include path). In a checked build the assembly gets address marks.
routine-image: $(FW_OBJS) $(BUILD)/image.ld
	@test -n '$(ROUTINE_SRC)' && test -n '$(ROUTINE_DIR)' || \
	  { echo "selfmod: routine-image needs ROUTINE_SRC=file and ROUTINE_DIR=dir" >&2; exit 2; }
	@mkdir -p '$(ROUTINE_DIR)'
	@case '$(ROUTINE_SRC)' in \
	  *.c) $(CC) $(ROUTINE_CFLAGS) -I'$(dir $(ROUTINE_SRC))' -S '$(ROUTINE_SRC)' -o '$(ROUTINE_DIR)/routine.i.s' ;; \
	  *.S|*.sx) $(CC) $(ASFLAGS) -I'$(dir $(ROUTINE_SRC))' -E -P -x assembler-with-cpp '$(ROUTINE_SRC)' \
	       -o '$(ROUTINE_DIR)/routine.i.s' ;; \
	  *.s) cp '$(ROUTINE_SRC)' '$(ROUTINE_DIR)/routine.i.s' ;; \
	  *) echo "selfmod: $(ROUTINE_SRC): a routine is a .c, .S or .s file" >&2; exit 2 ;; \
	esac
	$(if $(CHECKED),$(PYTHON) tests/routine_marks.py '$(ROUTINE_DIR)/routine.i.s' '$(ROUTINE_DIR)/routine.s', \
		cp '$(ROUTINE_DIR)/routine.i.s' '$(ROUTINE_DIR)/routine.s')
	$(CC) $(ASFLAGS) -c '$(ROUTINE_DIR)/routine.s' -o '$(ROUTINE_DIR)/routine.o'
	$(CC) $(CFLAGS) -c $(ROUTINE_SHIM) -o '$(ROUTINE_DIR)/user_shim.o'
	$(CC) $(LDFLAGS) -T $(BUILD)/image.ld -Wl,--wrap=icache_sync_range \
		-Wl,--wrap=handoff_code_publish -Wl,--wrap=handoff_code_acquire -Wl,-Map='$(ROUTINE_DIR)/selfmod.map' \
		$(FW_OBJS) '$(ROUTINE_DIR)/user_shim.o' '$(ROUTINE_DIR)/routine.o' -o '$(ROUTINE_DIR)/selfmod.elf'
	$(OBJCOPY) -O binary '$(ROUTINE_DIR)/selfmod.elf' '$(ROUTINE_DIR)/$(IMAGE_NAME)'

CHECK_ROUTINE = $(PYTHON) tests/check_routine.py $(if $(V),-v) $(if $(CONFIGS),--kinds '$(CONFIGS)')
check-routine: $(PLUGIN) $(PLUGIN_API4)
	$(if $(strip $(ROUTINE)),,@echo "selfmod: make check-routine ROUTINE=path/to/routine.S (several: ROUTINE='a.S b.c' or ROUTINE=a.S ROUTINE+=b.c; a path with blanks in quotes)" >&2; exit 2)
	$(CHECK_ROUTINE) $(ROUTINE)
check-routine-examples: $(PLUGIN) $(PLUGIN_API4)
	$(CHECK_ROUTINE) --examples examples/routines

# The plain suite (no checker) with the routine, on every configuration of tests/configs.txt that boots
# the suite's image (CONFIGS=glob narrows them): forbidden outcomes fail as usual.
test-routine:
	$(if $(strip $(ROUTINE)),,@echo "selfmod: make test-routine ROUTINE=path/to/routine.S" >&2; exit 2)
	$(PYTHON) tests/check_routine.py --plain $(if $(CONFIGS),--configs-glob '$(CONFIGS)') $(ROUTINE)

.PHONY: routine-image check-routine check-routine-examples test-routine
