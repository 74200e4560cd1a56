/* cache_lines_covering (src/lib/icache.h): against a byte-by-byte model, and at the extremes. */
#include "check.h"
#include "icache.h"

static const unsigned line_sizes[] = {16, 32, 64, 128};

/* The model: walk every byte of [start, start+len), counting the line-aligned addresses entered. */
static size_t brute_force_lines(uintptr_t start, size_t len, unsigned line, uintptr_t *first)
{
	size_t count = 0;
	uintptr_t prev = 0;
	for (size_t i = 0; i < len; i++) {
		uintptr_t l = (start + i) - (start + i) % line;
		if (count == 0)
			*first = l;
		if (count == 0 || l != prev)
			count++;
		prev = l;
	}
	return count;
}

/* First mismatch of one case, or false. first is only compared when len > 0 (it means nothing then). */
static bool mismatch(uintptr_t start, size_t len, unsigned line)
{
	uintptr_t first = 0, model_first = 0;
	size_t count = cache_lines_covering(start, len, line, &first);
	size_t model = brute_force_lines(start, len, line, &model_first);
	if (count == model && (len == 0 || first == model_first))
		return false;
	check_diag("line %u, start 0x%lx, len %zu: expected %zu lines from 0x%lx, observed %zu from 0x%lx", line,
		   (unsigned long)start, len, model, (unsigned long)model_first, count, (unsigned long)first);
	return true;
}

HOST_TEST(ranges_brute_force)
{
	(void)env;
	const uintptr_t base = 0x40080000; /* aligned to every line size */
	for (size_t i = 0; i < ARRAY_SIZE(line_sizes); i++) {
		unsigned line = line_sizes[i];
		size_t cases = 0, failures = 0;
		for (uintptr_t off = 0; off <= 3 * line; off++)
			for (size_t len = 0; len <= 4 * line; len++, cases++)
				failures += failures < 5 && mismatch(base + off, len, line);
		CHECK(failures == 0, "line %u: %zu (start, len) cases match the byte-by-byte model", line, cases);
	}
}

/* ---- extremes: the model by its inclusive last byte, valid for ranges that do not wrap ---- */

static size_t lines_by_last_byte(uintptr_t start, size_t len, unsigned line)
{
	uintptr_t mask = ~(uintptr_t)(line - 1);
	return len ? (size_t)((((start + len - 1) & mask) - (start & mask)) / line + 1) : 0;
}

#define TOP UINTPTR_MAX

static const struct {
	const char *what;
	uintptr_t start;
	size_t len;
} extremes[] = {
    {"8 MiB + 3 from an odd start", 0x40000005, (8u << 20) + 3},
    {"64 MiB aligned", 0x80000000, 64u << 20},
    {"last byte of the address space", TOP, 1},
    {"last 101 bytes of the address space", TOP - 100, 101},
    {"last 4 KiB of the address space", TOP - 4095, 4096},
    {"last 1 MiB - 1, odd start", TOP - (1u << 20) + 2, (1u << 20) - 1},
    {"from 0x1000 to the end of the address space", 0x1000, (size_t)(TOP - 0xfff)},
    {"from the second 128-byte line to the end", 0x80, (size_t)(TOP - 0x7f)},
    {"3 bytes ending one short of the top", TOP - 3, 3},
    {"the whole address space but its last byte", 0, (size_t)TOP},
    {"from 0x10 to one short of the top", 0x10, (size_t)(TOP - 0x10)},
};

HOST_TEST(ranges_extremes)
{
	(void)env;
	for (size_t i = 0; i < ARRAY_SIZE(extremes); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(line_sizes); j++) {
			unsigned line = line_sizes[j];
			uintptr_t start = extremes[i].start, first = 0;
			size_t count = cache_lines_covering(start, extremes[i].len, line, &first);
			CHECK_EQ_U64(lines_by_last_byte(start, extremes[i].len, line), count, "%s, line %u: count",
				     extremes[i].what, line);
			CHECK_EQ_U64(start & ~(uintptr_t)(line - 1), first, "%s, line %u: first", extremes[i].what,
				     line);
		}
	}
}
