# The QEMU checker (README: "Checking maintenance under QEMU"): a TCG plugin for qemu-system-aarch64
# built with the host compiler, once per plugin API (tests/plugin/qemu_plugin_api.h), its host unit
# tests, and the firmware built with address marks.
#   make plugin         build/host/smc_checker.so (API 1: QEMU 7.2) and smc_checker-api4.so (QEMU 10.0)
#   make plugin-tests   the model, decoder, block record and argument parser on the host (KTAP)
#   make checked        the suite under the plugin (tests/checked.py): every checked-* configuration; part of make test
PLUGIN_DIR := tests/plugin
PLUGIN := $(HOST_BUILD)/smc_checker.so
PLUGIN_API4 := $(HOST_BUILD)/smc_checker-api4.so
PLUGIN_TESTS := $(HOST_BUILD)/smc_plugin_tests
PLUGIN_LIB_SRCS := $(PLUGIN_DIR)/smc_model.c $(PLUGIN_DIR)/a64_decode.c $(PLUGIN_DIR)/tb_record.c \
	$(PLUGIN_DIR)/checker_args.c $(PLUGIN_DIR)/va_map.c
PLUGIN_TEST_SRCS := $(wildcard $(PLUGIN_DIR)/unit/*.c)
PLUGIN_HDRS := $(wildcard $(PLUGIN_DIR)/*.h $(PLUGIN_DIR)/unit/*.h)
PLUGIN_CFLAGS := -std=c11 -O2 -g $(WARNINGS) -I$(PLUGIN_DIR)

$(PLUGIN): PLUGIN_API_VERSION := 1
$(PLUGIN_API4): PLUGIN_API_VERSION := 4
$(PLUGIN) $(PLUGIN_API4): $(PLUGIN_DIR)/smc_checker.c $(PLUGIN_LIB_SRCS) $(PLUGIN_HDRS) | deps-checked
	@mkdir -p $(dir $@)
	$(HOSTCC) $(PLUGIN_CFLAGS) -DSMC_QEMU_PLUGIN_API=$(PLUGIN_API_VERSION) -fPIC -shared -fvisibility=hidden \
		-pthread $(PLUGIN_DIR)/smc_checker.c $(PLUGIN_LIB_SRCS) -o $@

$(PLUGIN_TESTS): $(PLUGIN_TEST_SRCS) $(PLUGIN_LIB_SRCS) $(PLUGIN_HDRS) | deps-checked
	@mkdir -p $(dir $@)
	$(HOSTCC) $(PLUGIN_CFLAGS) -I$(PLUGIN_DIR)/unit -fsanitize=address,undefined $(PLUGIN_TEST_SRCS) \
		$(PLUGIN_LIB_SRCS) -o $@

plugin: $(PLUGIN) $(PLUGIN_API4)

plugin-tests: $(PLUGIN_TESTS)
	$(PLUGIN_TESTS)

.PHONY: plugin plugin-tests

# The firmware with address marks, built by a nested make so both images share every rule.
checked-image:
	$(MAKE) CHECKED=1 build

checked: $(PLUGIN) $(PLUGIN_API4) $(PLUGIN_TESTS) checked-image
	$(PYTHON) tests/runner.py --config plugin-unit --config 'checked-*'

# make test runs every default configuration of tests/configs.txt, these included.
test: $(PLUGIN) $(PLUGIN_API4) $(PLUGIN_TESTS) checked-image

.PHONY: checked checked-image

# make format covers the plugin too.
format: format-plugin
format-plugin:
	clang-format -i $(PLUGIN_DIR)/*.[ch] $(PLUGIN_DIR)/unit/*.[ch]
.PHONY: format-plugin
