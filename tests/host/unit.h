/* Host unit tests of the firmware's pure logic: a table of cases, each reporting KTAP results. */
#ifndef SELFMOD_UNIT_H
#define SELFMOD_UNIT_H

#include <stdbool.h>

struct unit_ctx;
/* One nested result; returns ok. */
bool unit_check(struct unit_ctx *u, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

struct unit_case {
	const char *name;
	void (*run)(struct unit_ctx *u);
};

extern const struct unit_case litmus_unit_cases[];
extern const unsigned litmus_unit_count;

#endif
