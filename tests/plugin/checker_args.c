#include "checker_args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool number(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static bool flag(const char *s, bool *out)
{
	if (strcmp(s, "0") && strcmp(s, "1"))
		return false;
	*out = s[0] == '1';
	return true;
}

/* "64/32": each a power of two up to 4096; at most CHECKER_CORE_LINES_MAX. */
static bool core_lines(const char *s, struct checker_args *out)
{
	out->ncore_lines = 0;
	while (*s) {
		char item[8];
		size_t len = strcspn(s, "/");
		uint64_t v;
		if (len == 0 || len >= sizeof(item) || out->ncore_lines == CHECKER_CORE_LINES_MAX)
			return false;
		memcpy(item, s, len);
		item[len] = 0;
		if (!number(item, 4096, &v) || v < 4 || (v & (v - 1)))
			return false;
		out->core_lines[out->ncore_lines++] = (unsigned)v;
		s += len;
		if (*s == '/' && !*++s)
			return false;
	}
	return out->ncore_lines > 0;
}

int checker_args_parse(int argc, char **argv, struct checker_args *out, char *err, size_t errlen)
{
	*out = (struct checker_args){.line = 64, .ram = 0x40000000, .max_reports = 1000};
	for (int i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		uint64_t v = 0;
		bool ok;
		if (!eq) {
			snprintf(err, errlen, "'%s' is not key=value; " CHECKER_ARGS_USAGE, argv[i]);
			return -1;
		}
		size_t klen = (size_t)(eq - argv[i]);
		const char *val = eq + 1;
#define KEY(k) (klen == strlen(k) && !strncmp(argv[i], k, klen))
		if (KEY("log")) {
			ok = *val != 0;
			out->log = val;
		} else if (KEY("idc")) {
			ok = flag(val, &out->idc);
		} else if (KEY("dic")) {
			ok = flag(val, &out->dic);
		} else if (KEY("line")) {
			ok = number(val, 4096, &v) && v >= 4 && !(v & (v - 1));
			out->line = (unsigned)v;
		} else if (KEY("core_lines")) {
			ok = core_lines(val, out);
		} else if (KEY("ram")) {
			ok = number(val, UINT64_MAX, &v);
			out->ram = v;
		} else if (KEY("max_reports")) {
			ok = number(val, 1000000000, &v);
			out->max_reports = (unsigned)v;
		} else {
			snprintf(err, errlen, "unknown argument '%s'; " CHECKER_ARGS_USAGE, argv[i]);
			return -1;
		}
#undef KEY
		if (!ok) {
			snprintf(err, errlen, "bad value in '%s'; " CHECKER_ARGS_USAGE, argv[i]);
			return -1;
		}
	}
	for (unsigned i = 0; i < out->ncore_lines; i++) {
		unsigned l = out->core_lines[i];
		if (l < out->line || l > out->line << 3) {
			snprintf(err, errlen,
				 "core_lines: %u is not line=%u << 0..3 (line= is the smallest of "
				 "them); " CHECKER_ARGS_USAGE,
				 l, out->line);
			return -1;
		}
	}
	return 0;
}
