/* The test groups, one per file. */
#ifndef SMC_UNIT_TESTS_H
#define SMC_UNIT_TESTS_H

#include <stddef.h>

#include "tap.h"

extern const struct unit_test model_tests[], decode_tests[], tb_record_tests[], args_tests[], va_map_tests[];
extern const size_t model_tests_count, decode_tests_count, tb_record_tests_count, args_tests_count, va_map_tests_count;

#define UNIT_TEST_GROUP(group, ...)                                                                                    \
	const struct unit_test group[] = {__VA_ARGS__};                                                                \
	const size_t group##_count = sizeof(group) / sizeof(group[0])

#endif
