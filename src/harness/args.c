#include "args.h"

#include <stdio.h>
#include <string.h>

#define TOKEN_MAX 128

bool args_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

static int fail(struct suite_args *a, const char *fmt, const char *token)
{
	snprintf(a->error, sizeof(a->error), fmt, token);
	return -1;
}

static int add_patterns(struct suite_args *a, const char *token, const char *list)
{
	if (!*list)
		return fail(a, "'%s': run= needs a test name, group or glob", token);
	while (*list) {
		size_t len = strcspn(list, ",");
		if (len == 0 || len >= ARGS_PATTERN_MAX)
			return fail(a, "'%s': empty or over-long name in run= (at most 47 characters each)", token);
		if (a->npatterns == ARGS_MAX_PATTERNS)
			return fail(a, "'%s': too many run= patterns (at most 16)", token);
		memcpy(a->patterns[a->npatterns], list, len);
		a->patterns[a->npatterns++][len] = 0;
		list += len;
		if (*list == ',' && !*++list)
			return fail(a, "'%s': run= ends with a comma", token);
	}
	return 0;
}

/* core_lines=64,32: powers of two from ARGS_LINE_MIN to ARGS_LINE_MAX, one per core from core 0. */
static int parse_core_lines(struct suite_args *a, const char *token, const char *list)
{
	const char *why = "'%s': core_lines= takes line sizes in bytes, powers of two from 16 to 2048, "
			  "comma-separated, one per core from core 0 (the last applies to the cores after it)";
	a->ncore_lines = 0;
	do {
		char item[16];
		size_t len = strcspn(list, ",");
		uint64_t v;
		if (len == 0 || len >= sizeof(item) || a->ncore_lines == ARGS_CORE_LINES_MAX)
			return fail(a, why, token);
		memcpy(item, list, len);
		item[len] = 0;
		if (!args_parse_u64(item, ARGS_LINE_MIN, ARGS_LINE_MAX, &v) || (v & (v - 1)))
			return fail(a, why, token);
		a->core_lines[a->ncore_lines++] = (unsigned)v;
		list += len;
	} while (*list && *++list);
	if (list[-1] == ',')
		return fail(a, why, token);
	return 0;
}

static int parse_token(struct suite_args *a, const char *token)
{
	const char *eq = strchr(token, '=');
	size_t klen = eq ? (size_t)(eq - token) : strlen(token);
	const char *value = eq ? eq + 1 : NULL;
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(token, k, klen) == 0)
	if (KEY("list") && !value)
		a->list = true;
	else if (KEY("verbose") && !value)
		a->verbose = true;
	else if (KEY("run") && value)
		return add_patterns(a, token, value);
	else if (KEY("iterations") && value) {
		if (!args_parse_u64(value, 1, ARGS_ITERATIONS_MAX, &a->iterations))
			return fail(a, "'%s': iterations must be a whole number from 1 to 1000000000", token);
	} else if (KEY("seed") && value) {
		if (!args_parse_u64(value, 0, UINT64_MAX, &a->seed))
			return fail(a, "'%s': seed must be a whole number (decimal or 0x hex) below 2^64", token);
		a->seed_set = true;
	} else if ((KEY("test_timeout") || KEY("run_timeout")) && value) {
		uint64_t *dest = KEY("test_timeout") ? &a->test_timeout_s : &a->run_timeout_s;
		if (!args_parse_u64(value, 1, ARGS_TIMEOUT_MAX_S, dest))
			return fail(a, "'%s': timeouts are whole seconds from 1 to 86400", token);
	} else if (KEY("core_lines") && value) {
		return parse_core_lines(a, token, value);
	} else if (KEY("inject") && value) {
		if (!*value || strlen(value) >= ARGS_PATTERN_MAX)
			return fail(a, "'%s': inject= needs the name of a deliberate defect", token);
		strcpy(a->inject, value);
	} else
		return fail(a, "unknown boot argument '%s' (valid: " ARGS_USAGE ")", token);
#undef KEY
	return 0;
}

#define BLANKS " \t\n"

/* What follows the first "--" token (blanks on both sides, or the line's ends), else the whole line. */
static const char *after_separator(const char *line)
{
	for (const char *p = line + strspn(line, BLANKS); *p; p += strspn(p, BLANKS)) {
		size_t len = strcspn(p, BLANKS);
		if (len == 2 && p[0] == '-' && p[1] == '-')
			return p + 2;
		p += len;
	}
	return line;
}

int args_parse(struct suite_args *a, const char *cmdline)
{
	memset(a, 0, sizeof(*a));
	if (!cmdline)
		return 0;
	cmdline = after_separator(cmdline);
	while (*cmdline) {
		cmdline += strspn(cmdline, BLANKS);
		size_t len = strcspn(cmdline, BLANKS);
		if (!len)
			break;
		char token[TOKEN_MAX];
		if (len >= TOKEN_MAX) {
			snprintf(a->error, sizeof(a->error),
				 "boot argument '%.40s...' is too long (at most %d characters)", cmdline,
				 TOKEN_MAX - 1);
			return -1;
		}
		memcpy(token, cmdline, len);
		token[len] = 0;
		if (parse_token(a, token))
			return -1;
		cmdline += len;
	}
	return 0;
}
