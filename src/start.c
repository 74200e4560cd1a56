/*
 * Core 0's path from boot/entry.S to the suite, and the per-core runtime
 * (the C library's TLS and state) every core sets up once its MMU is on.
 */
#include <stdio.h>

#include "board.h"
#include "cache_geometry.h"
#include "console.h"
#include "cores.h"
#include "deadline.h"
#include "fdt.h"
#include "icache.h"
#include "libc_glue.h"
#include "mmu.h"
#include "pipeline_sync.h"
#include "start.h"

#define SECONDARY_START_TIMEOUT_US 2000000

static struct fdt boot_fdt;
static unsigned entry_el;
static const char *irq_problem;

void core_runtime_init(unsigned idx)
{
	libc_core_init(idx);
}

const struct fdt *boot_dtb(void)
{
	return &boot_fdt;
}
unsigned boot_entry_el(void)
{
	return entry_el;
}
const char *boot_irq_problem(void)
{
	return irq_problem;
}

static void __attribute__((noreturn)) early_fatal(const char *what)
{
	console_line("Bail out! selfmod cannot start:");
	console_line(what);
	board_exit(3);
}

/* The first /memory range: its base and size. */
static int ram_from_dtb(const struct fdt *f, uint64_t *base, uint64_t *size)
{
	uint32_t len;
	const void *a = fdt_getprop(f, 0, "#address-cells", &len);
	const void *s = fdt_getprop(f, 0, "#size-cells", &len);
	unsigned ac = a ? fdt_be32(a) : 2, sc = s ? fdt_be32(s) : 1;
	int mem = fdt_path_offset(f, "/memory");
	if (mem < 0 || !fdt_prop_u64(f, mem, "reg", ac, 0, base))
		return -1;
	/* reg = <address size>: the size follows ac address cells. */
	const uint8_t *reg = fdt_getprop(f, mem, "reg", &len);
	if (len < (ac + sc) * 4)
		return -1;
	*size = sc == 2 ? (uint64_t)fdt_be32(reg + ac * 4) << 32 | fdt_be32(reg + ac * 4 + 4) : fdt_be32(reg + ac * 4);
	return 0;
}

void primary_start(const void *dtb, unsigned el)
{
	const char *why = "";
	uint64_t ram_base, ram_size;
	entry_el = el;
	board_console_init();
	if (fdt_open(&boot_fdt, dtb))
		early_fatal("no valid device tree at the address the loader passed in x0");
	if (ram_from_dtb(&boot_fdt, &ram_base, &ram_size))
		early_fatal("the device tree has no usable /memory node");
	if (mmu_setup(ram_base, ram_size, &why))
		early_fatal(why);
	console_mark_mmu_on();
	core_runtime_init(0);
	cpu_id_read(&cores[0].id);
	if (board_init(&boot_fdt, &why))
		early_fatal(why);
	irq_problem = board_irq_init(&boot_fdt, &why) ? why : NULL;
	deadline_setup(!irq_problem);
	pipeline_sync_setup();
	if (cores_discover(&boot_fdt, &why) < 0)
		early_fatal(why);
	cores_start_secondaries(SECONDARY_START_TIMEOUT_US);
	board_exit(suite_main());
}

void unexpected_exception(const struct fault_record *f)
{
	char line[200];
	fault_describe(f, line + snprintf(line, sizeof(line), "# FATAL: unexpected exception on "), 150);
	console_line(line);
	if (f->core == 0) {
		console_line("Bail out! core 0 took an unexpected exception");
		board_exit(2);
	}
	/* Another core: core 0 sees it miss its deadline and reports it lost. */
	__asm__ volatile("msr daifset, #0xf\n1: wfe\n b 1b");
	__builtin_unreachable();
}
