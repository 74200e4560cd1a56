/*
 * fnmatch for newlib: newlib declares it (fnmatch.h) but builds its libc/posix only for POSIX
 * targets, not aarch64-none-elf. The firmware matches run= patterns with flags 0: '*', '?',
 * bracket expressions ('[a-z]', '[!x]') and backslash escapes, as POSIX.1-2017 2.13 describes.
 */
#include <fnmatch.h>
#include <stdbool.h>
#include <stddef.h>

/* The bracket expression at *p (after '['): whether c is in it; *p moves past its ']'.
   An unterminated bracket is an ordinary '[' (returns -1). */
static int bracket(const char **p, char c)
{
	const char *s = *p;
	bool negate = *s == '!' || *s == '^', in = false;
	if (negate)
		s++;
	for (bool first = true; *s && (first || *s != ']'); first = false) {
		char lo = *s == '\\' && s[1] ? *++s : *s;
		char hi = lo;
		if (s[1] == '-' && s[2] && s[2] != ']') {
			s += 2;
			hi = *s == '\\' && s[1] ? *++s : *s;
		}
		in |= lo <= c && c <= hi;
		s++;
	}
	if (*s != ']')
		return -1;
	*p = s + 1;
	return in != negate;
}

/* Whether the pattern element at *p matches c; *p moves past it. */
static bool element(const char **p, char c)
{
	const char *s = *p;
	if (*s == '?') {
		*p = s + 1;
		return true;
	}
	if (*s == '[') {
		const char *after = s + 1;
		int in = bracket(&after, c);
		if (in >= 0) {
			*p = after;
			return in;
		}
	}
	if (*s == '\\' && s[1])
		s++;
	*p = s + 1;
	return *s == c;
}

int fnmatch(const char *pattern, const char *string, int flags)
{
	const char *star = NULL, *resume = NULL;
	(void)flags;
	while (*string) {
		if (*pattern == '*') {
			star = ++pattern;
			resume = string;
			continue;
		}
		const char *next = pattern;
		if (*pattern && element(&next, *string)) {
			pattern = next;
			string++;
		} else if (star) {
			pattern = star; /* backtrack: the last '*' takes one more character */
			string = ++resume;
		} else {
			return FNM_NOMATCH;
		}
	}
	while (*pattern == '*')
		pattern++;
	return *pattern ? FNM_NOMATCH : 0;
}
