#include "ktap.h"

#include <stdio.h>
#include <string.h>

static void emitf(const struct ktap_writer *w, unsigned depth, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int indent(char *buf, unsigned depth)
{
	unsigned n = depth * KTAP_INDENT;
	if (n > 32)
		n = 32;
	memset(buf, ' ', n);
	return (int)n;
}

static void emit_v(const struct ktap_writer *w, unsigned depth, const char *fmt, va_list ap)
{
	char line[KTAP_LINE_MAX + 1];
	int n = indent(line, depth);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	w->emit(w->ctx, line);
}

static void emitf(const struct ktap_writer *w, unsigned depth, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit_v(w, depth, fmt, ap);
	va_end(ap);
}

void ktap_version(const struct ktap_writer *w, unsigned depth)
{
	emitf(w, depth, "KTAP version 1");
}

void ktap_plan(const struct ktap_writer *w, unsigned depth, unsigned count)
{
	emitf(w, depth, "1..%u", count);
}

void ktap_subtest_begin(const struct ktap_writer *w, unsigned depth, const char *name)
{
	ktap_version(w, depth);
	emitf(w, depth, "# Subtest: %s", name);
}

void ktap_result(const struct ktap_writer *w, unsigned depth, unsigned number, enum ktap_status status,
		 const char *name, const char *directive)
{
	char clean[KTAP_LINE_MAX];
	snprintf(clean, sizeof(clean), "%s", name);
	for (char *p = clean; *p; p++)
		if (*p == '#' || *p == '\n' || *p == '\r')
			*p = '_';
	if (status == KTAP_SKIP)
		emitf(w, depth, "ok %u %s # SKIP %s", number, clean, directive ? directive : "");
	else if (directive)
		emitf(w, depth, "%s %u %s # %s", status == KTAP_OK ? "ok" : "not ok", number, clean, directive);
	else
		emitf(w, depth, "%s %u %s", status == KTAP_OK ? "ok" : "not ok", number, clean);
}

void ktap_vdiag(const struct ktap_writer *w, unsigned depth, const char *fmt, va_list ap)
{
	char text[KTAP_LINE_MAX];
	vsnprintf(text, sizeof(text), fmt, ap);
	emitf(w, depth, "# %s", text);
}

void ktap_diag(const struct ktap_writer *w, unsigned depth, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ktap_vdiag(w, depth, fmt, ap);
	va_end(ap);
}

void ktap_bail_out(const struct ktap_writer *w, const char *reason)
{
	emitf(w, 0, "Bail out! %s", reason);
}
