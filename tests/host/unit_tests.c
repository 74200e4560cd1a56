/*
 * Host unit tests of the pure firmware logic, built with the host compiler
 * under ASan/UBSan (make unit-tests). Output is KTAP, one subtest per group;
 * exit status 1 if any check failed, 2 on bad arguments.
 *
 *   unit_tests VIRT_DTB RPI3_DTB SPIN_FALLBACK_DTB
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "crc32.h"
#include "fdt.h"
#include "spintable.h"

struct group {
	unsigned checks, failed;
};

static void check(struct group *g, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void check(struct group *g, bool ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("    %s %u ", ok ? "ok" : "not ok", ++g->checks);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	g->failed += !ok;
}

static void *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	static char buf[4][1 << 20];
	static unsigned used;
	char *b = used < 4 ? buf[used++] : NULL;
	size_t n = b ? fread(b, 1, sizeof(buf[0]), f) : 0;
	fclose(f);
	return n ? b : NULL;
}

static void test_crc32(struct group *g)
{
	const char *check_string = "123456789";
	check(g, crc32_update(CRC32_INIT, check_string, 9) == 0xcbf43926u, "CRC-32 of \"123456789\" is 0xcbf43926");
	check(g, crc32_update(CRC32_INIT, "", 0) == 0, "CRC-32 of nothing is 0");
	uint32_t crc = crc32_update(CRC32_INIT, check_string, 4);
	crc = crc32_update(crc, check_string + 4, 5);
	check(g, crc == 0xcbf43926u, "in two pieces: the same CRC");
	uint32_t bytewise = CRC32_INIT;
	for (int i = 0; i < 9; i++)
		bytewise = crc32_byte(bytewise, (uint8_t)check_string[i]);
	check(g, bytewise == 0xcbf43926u, "byte by byte (as the loader receives): the same CRC");
	char flipped[] = "123456789";
	flipped[4] ^= 1;
	check(g, crc32_update(CRC32_INIT, flipped, 9) != 0xcbf43926u, "one flipped bit changes it");
}

static bool parses_to(const char *cmdline, const char *first_pattern, unsigned npatterns)
{
	struct suite_args a;
	if (args_parse(&a, cmdline))
		return false;
	return a.npatterns == npatterns && (!npatterns || strcmp(a.patterns[0], first_pattern) == 0);
}

static void test_args(struct group *g)
{
	struct suite_args a;
	check(g, parses_to("run=cross_core", "cross_core", 1), "plain arguments");
	check(g, parses_to("console=ttyS0,115200 8250.nr_uarts=1 -- run=same_core", "same_core", 1),
	      "firmware arguments before \" -- \" are ignored");
	check(g, parses_to("-- run=a", "a", 1), "a leading \"--\"");
	check(g, parses_to("coherent_pool=1M bcm2708_fb.fbwidth=0 --", "", 0),
	      "a trailing \"--\" with nothing after it (cmdline.txt \"--\" behind the Pi firmware's arguments)");
	check(g, parses_to("x=1\t--\trun=b\n", "b", 1), "\"--\" between tabs and a final newline");
	check(g, parses_to("x=1 -- run=c -- ", "", 0) == false, "only the first \"--\" separates (a second is ours, and bad)");
	check(g, args_parse(&a, "foo --bar") == -1 && strstr(a.error, "foo"), "\"--bar\" is no separator");
}

static void test_fdt(struct group *g, const void *virt)
{
	struct fdt f;
	check(g, fdt_open(&f, virt) == 0, "QEMU virt's DTB opens");
	int cpus = fdt_path_offset(&f, "/cpus");
	unsigned n = 0;
	for (int c = cpus < 0 ? -1 : fdt_first_subnode(&f, cpus); c >= 0; c = fdt_next_subnode(&f, c))
		n += fdt_prop_has_string(&f, c, "device_type", "cpu");
	check(g, n == 4, "/cpus holds the 4 cpus of -smp 4 (found %u)", n);
	int psci = fdt_path_offset(&f, "/psci");
	check(g, psci >= 0 && fdt_prop_has_string(&f, psci, "method", "hvc"), "/psci method is hvc");
	check(g, fdt_open(&f, "not a dtb at all, really") == -1, "garbage is refused");
}

static void test_spintable(struct group *g, const void *virt, const void *rpi3, const void *fallback)
{
	struct fdt f;
	struct spintable t;
	const char *why = "";
	static const uint64_t pi_slots[] = {0xd8, 0xe0, 0xe8, 0xf0};
	bool ok = fdt_open(&f, rpi3) == 0 && spintable_from_fdt(&t, &f, &why) == 0 && t.count == 4;
	for (unsigned i = 0; ok && i < 4; i++)
		ok = t.core[i].release_addr == pi_slots[i] && t.core[i].source == SPINTABLE_FROM_DTB &&
		     strcmp(t.core[i].method, "spin-table") == 0;
	check(g, ok, "rpi3.dts: 4 cores, cpu-release-addr 0xd8/0xe0/0xe8/0xf0 from the DTB");
	check(g, spintable_release_addr(&t, 0x80000002) == 0xe8, "looked up by MPIDR affinity (bit 31 ignored)");
	check(g, spintable_release_addr(&t, 7) == 0, "an unknown MPIDR has no slot");

	ok = fdt_open(&f, fallback) == 0 && spintable_from_fdt(&t, &f, &why) == 0 && t.count == 4;
	check(g, ok, "fallback tree: 4 cpus read (the cache node skipped)");
	check(g, ok && t.core[0].release_addr == 0xd8 && t.core[0].source == SPINTABLE_FALLBACK,
	      "no enable-method, no cpu-release-addr: the fixed slot 0xd8");
	check(g, ok && t.core[1].release_addr == 0xe0 && t.core[1].source == SPINTABLE_FALLBACK,
	      "spin-table without cpu-release-addr: the fixed slot 0xe0");
	check(g, ok && t.core[2].release_addr == 0 && strcmp(t.core[2].method, "psci") == 0,
	      "enable-method psci: no slot, never released through one");
	check(g, ok && t.core[3].release_addr == 0, "Aff1 = 1: beyond the four fixed slots, no slot");

	ok = fdt_open(&f, virt) == 0 && spintable_from_fdt(&t, &f, &why) == 0;
	check(g, ok && t.count == 4 && t.core[1].release_addr == 0, "QEMU virt (PSCI): no spin-table slots");
	check(g, spintable_strerror(SPINTABLE_ERR_NO_SLOT)[0] != 'u', "errors have messages");
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s VIRT_DTB RPI3_DTB SPIN_FALLBACK_DTB\n", argv[0]);
		return 2;
	}
	const void *dtb[3];
	for (int i = 0; i < 3; i++)
		if (!(dtb[i] = read_file(argv[i + 1]))) {
			fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[i + 1]);
			return 2;
		}
	static const char *const names[] = {"crc32", "args_separator", "fdt", "spintable"};
	struct group groups[4] = {{0}};
	printf("KTAP version 1\n1..4\n");
	unsigned failed = 0;
	for (unsigned i = 0; i < 4; i++) {
		printf("    KTAP version 1\n    # Subtest: %s\n", names[i]);
		switch (i) {
		case 0: test_crc32(&groups[i]); break;
		case 1: test_args(&groups[i]); break;
		case 2: test_fdt(&groups[i], dtb[0]); break;
		default: test_spintable(&groups[i], dtb[0], dtb[1], dtb[2]); break;
		}
		printf("    1..%u\n%s %u %s\n", groups[i].checks, groups[i].failed ? "not ok" : "ok", i + 1, names[i]);
		failed += groups[i].failed != 0;
	}
	printf("# unit tests: %u passed, %u failed, 0 skipped\n", 4 - failed, failed);
	return failed ? 1 : 0;
}
