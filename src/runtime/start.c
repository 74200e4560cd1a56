/*
 * Core 0's path from boot/entry.S to the suite: calls only downward (drivers, runtime) and
 * hands what it found to suite_main, as crt0 calls main.
 */
#include <stdio.h>

#include "board.h"
#include "cache_geometry.h"
#include "console.h"
#include "cores.h"
#include "deadline.h"
#include "el2_monitor.h"
#include "exceptions.h"
#include "fdt.h"
#include "icache.h"
#include "libc_glue.h"
#include "mmu.h"
#include "pipeline_sync.h"
#include "start.h"

#define SECONDARY_START_TIMEOUT_US 2000000

static struct fdt boot_fdt;

static void __attribute__((noreturn)) early_fatal(const char *what)
{
	console_line("Bail out! selfmod cannot start:");
	console_line(what);
	board_exit(3);
}

extern char __image_start[];

/* s followed by v in hex; returns the end. For wrong_load_address: no C library. */
static char *append_hex(char *p, const char *s, uint64_t v)
{
	while (*s)
		*p++ = *s++;
	*p++ = '0';
	*p++ = 'x';
	int shift = 60;
	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = "0123456789abcdef"[(v >> shift) & 0xf];
	*p = 0;
	return p;
}

/*
 * Only PC-relative code runs here (the link-time addresses in literals and tables are wrong), so
 * nothing beyond the console and the exit: a one-test KTAP report whose test fails, which every
 * reader of the console (the runner, flash.py, LAVA) takes as a failed run. The messages are found
 * by ADRP, right for a displacement that is a multiple of 4 KiB (0x200000, the firmware's other usual
 * kernel_address, is); for any other the check in boot/entry.S still stops the image, but the text
 * printed may be wrong.
 */
void wrong_load_address(uint64_t run, uint64_t link)
{
	char line[160];
	board_console_init();
	console_line("KTAP version 1");
	console_line("1..1");
	append_hex(append_hex(line, "# selfmod cannot start: linked for ", link), " but loaded at ", run);
	console_line(line);
	console_line("# this image runs only at its link address (a Pi: kernel_address=0x80000 in config.txt)");
	console_line("not ok 1 load_address");
	board_exit(1);
}

/* The fatal-exception handler (exceptions.h) once the console works. */
static void __attribute__((noreturn)) report_unexpected_exception(const struct fault_record *f)
{
	char line[200];
	fault_describe(f, line + snprintf(line, sizeof(line), "# FATAL: unexpected exception on "), 150);
	console_line(line);
	if (f->core == 0) {
		console_line("Bail out! core 0 took an unexpected exception");
		board_exit(2);
	}
	/* Another core: core 0 sees it miss its deadline and reports it lost. */
	cpu_park();
}

void primary_start(const void *dtb, unsigned el)
{
	const char *why = "";
	struct fdt_range ram;
	static struct boot_info boot = {.dtb = &boot_fdt};
	boot.entry_el = el;
	el2_monitor_set_present(el == 2);
	board_console_init();
	set_fatal_exception_handler(report_unexpected_exception);
	if (fdt_open(&boot_fdt, dtb))
		early_fatal("no valid device tree at the address the loader passed in x0");
	/* The RAM range that holds the image: a Pi 4's firmware reports several. */
	unsigned ranges = fdt_memory_holding(&boot_fdt, (uint64_t)(uintptr_t)__image_start, &ram);
	if (!ram.size)
		early_fatal("no /memory range in the device tree holds the image");
	if (mmu_setup(ram.base, ram.size, &why))
		early_fatal(why);
	console_mark_mmu_on();
	libc_core_init(0);
	/* Before "KTAP version 1": the runner keeps this line in the log only. */
	console_printf("# memory: %u RAM range%s in the device tree; the image's: 0x%llx-0x%llx\n", ranges,
		       ranges == 1 ? "" : "s", (unsigned long long)ram.base, (unsigned long long)(ram.base + ram.size));
	cpu_id_read(&cores[0].id);
	if (board_init(&boot_fdt, &why))
		early_fatal(why);
	boot.irq_problem = board_irq_init(&boot_fdt, &why) ? why : NULL;
	deadline_setup(!boot.irq_problem);
	pipeline_sync_setup();
	if (cores_discover(&boot_fdt, &why) < 0)
		early_fatal(why);
	cores_start_secondaries(SECONDARY_START_TIMEOUT_US);
	board_exit(suite_main(&boot));
}
