/* KTAP version 1 writer over a line sink: pure, so host tests check its exact output. */
#ifndef SELFMOD_KTAP_H
#define SELFMOD_KTAP_H

#include <stdarg.h>

typedef void (*ktap_emit_fn)(void *ctx, const char *line);

struct ktap_writer {
	ktap_emit_fn emit; /* called with one line, without its newline */
	void *ctx;
};

enum ktap_status { KTAP_OK, KTAP_NOT_OK, KTAP_SKIP };

#define KTAP_LINE_MAX 240
#define KTAP_INDENT   4 /* spaces per nesting level, as KUnit writes it */

void ktap_version(const struct ktap_writer *w, unsigned depth);
void ktap_plan(const struct ktap_writer *w, unsigned depth, unsigned count);
/* "KTAP version 1" and "# Subtest: name" at depth (depth >= 1). */
void ktap_subtest_begin(const struct ktap_writer *w, unsigned depth, const char *name);
/* "ok N name", "not ok N name", "ok N name # SKIP reason", or with a directive "not ok N name # TIMEOUT".
   directive: for KTAP_SKIP the reason, otherwise NULL or a directive word (TIMEOUT, ERROR...).
   '#' and newlines in name become '_'. */
void ktap_result(const struct ktap_writer *w, unsigned depth, unsigned number, enum ktap_status status,
		 const char *name, const char *directive);
void ktap_diag(const struct ktap_writer *w, unsigned depth, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ktap_vdiag(const struct ktap_writer *w, unsigned depth, const char *fmt, va_list ap);
void ktap_bail_out(const struct ktap_writer *w, const char *reason);

#endif
