/*
 * smc_checker: a QEMU TCG plugin that flags every instruction fetch the
 * architecture does not guarantee to see the latest bytes (smc_model.h), and
 * every execution of a translation whose bytes memory no longer holds.
 *
 * This file is only the QEMU glue: it decodes instructions at translation
 * (a64_decode.h), turns execution into model events, and prints
 *   # hazard: core C addr 0xLINE : what was missing (...)
 *   # stale-translation: core C addr 0xPA : ...
 * to stderr (merged with the console by tests/runner.py and tests/checked.py) or to log=PATH.
 *
 * Where the address of a DC or IC by address comes from depends on the build
 * (qemu_plugin_api.h):
 *   API 1 (QEMU 7.2): plugins cannot read registers; the address comes from
 *     the address mark (LDRB WZR, [Xn]) that a checked build puts right
 *     before it, whose load QEMU reports with its physical address.
 *   API 4 (QEMU 10.0): the operand register is read when the DC/IC runs, and
 *     its virtual address translated with the pages the checker saw accesses
 *     through (va_map.h). Unmodified code is judged so; where a mark is there
 *     too, both addresses must name the same line (a disagreement is printed
 *     and counted, and the mark is used).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a64_decode.h"
#include "checker_args.h"
#include "qemu_plugin_api.h"
#include "smc_model.h"
#include "tb_record.h"
#include "va_map.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_UNMARKED_SHOWN 20
#define FROM_REGISTERS	   (SMC_QEMU_PLUGIN_API >= 2) /* the API reads registers */
#define A64_XREGS	   31			      /* x0..x30; Rt 31 of a DC/IC is XZR */
/* Every callback reads registers with API 4 (the operand, the executing core: this_core). */
#define CB_FLAGS (FROM_REGISTERS ? QEMU_PLUGIN_CB_R_REGS : QEMU_PLUGIN_CB_NO_REGS)

/* How a DC/IC by address found its address mark at translation. */
enum pairing {
	MARK_BEFORE, /* the previous instruction of the block is the mark, on the same register */
	BLOCK_START, /* first of its block: the mark, if any, ended the previous block */
	NO_MARK,     /* the previous instruction is something else */
};

struct op {
	struct a64_insn insn;
	enum pairing pairing;
	uint64_t vaddr;
};

struct vcpu {
	bool marked;
	uint64_t mark_pa;
};

static struct {
	pthread_mutex_t lock;
	struct checker_args args;
	FILE *out;
	struct smc_model *model;
	unsigned cores;
	struct vcpu *vcpu;
	bool have_delta; /* host address of guest RAM minus its physical address, learnt at reset */
	uintptr_t delta;
	uint64_t hazards, hazards_shown, stale, unmarked, outside_ram;
	struct va_map *pages; /* learnt translations (API 4) */
#if FROM_REGISTERS
	struct qemu_plugin_register *xreg[A64_XREGS];
	struct qemu_plugin_register *cpsr, *sctlr_el1, *sctlr_el2; /* is the MMU on at the current EL? */
	struct qemu_plugin_register *tpidr_el1;			   /* the executing core (see this_core) */
	bool have_xregs;
	uint64_t from_register, disagree, core_fixed;
#endif
} g = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static unsigned this_core(unsigned reported);
static void emit(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(g.out, fmt, ap);
	va_end(ap);
	fputc('\n', g.out);
	fflush(g.out);
}

static bool known_core(unsigned vcpu)
{
	return vcpu < g.cores;
}

/* The physical address of an instruction, from the host address QEMU read it at. */
static uint64_t insn_paddr(uint64_t vaddr, const void *host)
{
	/* The first block from RAM runs at reset, MMU off: there VA == PA, which gives the offset. */
	if (!g.have_delta && vaddr >= g.args.ram) {
		g.delta = (uintptr_t)host - (uintptr_t)vaddr;
		g.have_delta = true;
	}
	uint64_t pa = (uint64_t)((uintptr_t)host - g.delta);
	if (pa < g.args.ram && g.outside_ram++ == 0)
		emit("# checker: warning: code at va 0x%" PRIx64 " maps below ram=0x%" PRIx64
		     ": wrong ram= argument? (its fetches are still checked at that address)",
		     vaddr, g.args.ram);
	return pa;
}

/* Every memory access: stores write their lines; the address mark's load gives the next DC/IC its address;
   with API 4 every access also teaches the translation of its page.
   (One callback for both: QEMU 7.2 does not filter callbacks by the access kind they were registered for.) */
static void on_mem(unsigned reported, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
	unsigned vcpu = this_core(reported);
	bool is_mark = udata != NULL;
	bool store = qemu_plugin_mem_is_store(info);
	if (!store && !is_mark && !FROM_REGISTERS)
		return;
	struct qemu_plugin_hwaddr *hw = qemu_plugin_get_hwaddr(info, vaddr);
	if (!hw || qemu_plugin_hwaddr_is_io(hw) || !known_core(vcpu))
		return;
	uint64_t pa = qemu_plugin_hwaddr_phys_addr(hw);
	pthread_mutex_lock(&g.lock);
	if (FROM_REGISTERS) /* every access teaches the translation of its page */
		va_map_learn(g.pages, vaddr, pa);
	if (store) {
		smc_write(g.model, vcpu, pa, (size_t)1 << qemu_plugin_mem_size_shift(info));
	} else if (is_mark) {
		g.vcpu[vcpu].marked = true;
		g.vcpu[vcpu].mark_pa = pa;
	}
	pthread_mutex_unlock(&g.lock);
}

/* The physical address of the mark that goes with this DC/IC, if it has one. */
static bool take_mark(unsigned vcpu, const struct op *op, uint64_t *pa)
{
	struct vcpu *v = &g.vcpu[vcpu];
	bool ok = v->marked && op->pairing != NO_MARK;
	*pa = v->mark_pa;
	v->marked = false;
	return ok;
}

#if FROM_REGISTERS
/* A register of the vCPU running the callback (registered with R_REGS), up to 8 bytes. */
static bool read_reg(struct qemu_plugin_register *reg, uint64_t *value)
{
	static _Thread_local GByteArray *buf; /* one per QEMU vCPU thread */
	if (!reg)
		return false;
	if (!buf)
		buf = g_byte_array_new();
	g_byte_array_set_size(buf, 0); /* QEMU appends the register's bytes */
	int n = qemu_plugin_read_register(reg, buf);
	if (n < 1 || n > 8 || buf->len != (unsigned)n)
		return false;
	uint64_t v = 0;
	for (int i = 0; i < n; i++) /* target byte order: little-endian */
		v |= (uint64_t)buf->data[i] << (8 * i);
	*value = v;
	return true;
}

/* The operand of a DC/IC by address. */
static bool read_operand(unsigned vcpu, unsigned reg, uint64_t *va)
{
	if (reg >= A64_XREGS) {
		*va = 0; /* XZR */
		return true;
	}
	(void)vcpu;
	return g.have_xregs && read_reg(g.xreg[reg], va);
}

#define PSTATE_EL(cpsr) (((cpsr) >> 2) & 3) /* PSTATE.EL in the gdb cpsr (SPSR layout, Arm ARM C5.2.18) */
#define SCTLR_M		1u		    /* SCTLR_ELx.M: stage 1 translation on (Arm ARM D17.2.118) */

/* True when the current translation regime has its MMU off, so that VA == PA (Arm ARM D8.2.10; stage 2,
   which the suite never enables, is not looked at). */
static bool mmu_off(void)
{
	uint64_t cpsr, sctlr;
	if (!read_reg(g.cpsr, &cpsr))
		return false;
	struct qemu_plugin_register *reg = PSTATE_EL(cpsr) >= 2 ? g.sctlr_el2 : g.sctlr_el1;
	return read_reg(reg, &sctlr) && !(sctlr & SCTLR_M);
}
#endif

/*
 * The core that runs a callback. QEMU 9.2 to 10.0 pass the index of the vCPU that TRANSLATED the block
 * when TCG is not parallel (-accel tcg,thread=single with -smp > 1 included): the translation-time constant
 * of QEMU's "plugins: optimize cpu_index code generation" (accel/tcg/plugin-gen.c gen_cpu_index; later
 * QEMU restricts it to a single vCPU). Blocks are shared between vCPUs, so the index names the wrong core
 * whenever another core translated the code. The register reads of the callback are of the right vCPU,
 * and the suite's boot code keeps the core index in TPIDR_EL1 (boot/entry.S): the checker takes it from
 * there once it is set (before that, only boot code runs, with nothing to check). QEMU 7.2 passes the
 * right index.
 */
static unsigned this_core(unsigned reported)
{
#if FROM_REGISTERS
	uint64_t core;
	if (g.cores > 1 && read_reg(g.tpidr_el1, &core) && core < g.cores) {
		if (core != reported)
			g.core_fixed++;
		return (unsigned)core;
	}
#endif
	return reported;
}

/* The physical address of a DC/IC by address, or false (said once per case, up to a limit) when it has none. */
static bool address_of(unsigned vcpu, const struct op *op, uint64_t *pa)
{
	uint64_t mark_pa;
	bool marked = take_mark(vcpu, op, &mark_pa);
#if FROM_REGISTERS
	uint64_t va = 0, reg_pa = 0;
	bool read = read_operand(vcpu, op->insn.reg, &va);
	bool translated = read && va_map_lookup(g.pages, va, &reg_pa);
	if (read && !translated && mmu_off()) {
		reg_pa = va;
		translated = true;
	}
	if (translated && marked && (reg_pa ^ mark_pa) >> 6 != 0 && g.disagree++ < MAX_UNMARKED_SHOWN)
		emit("# checker: core %u pc 0x%" PRIx64
		     ": %s register address disagrees with its mark: X%u = 0x%" PRIx64 " (pa 0x%" PRIx64
		     "), mark pa 0x%" PRIx64 " (the mark is used)",
		     vcpu, op->vaddr, a64_kind_name(op->insn.kind), op->insn.reg, va, reg_pa, mark_pa);
	if (marked) {
		*pa = mark_pa;
		return true;
	}
	if (translated) {
		g.from_register++;
		*pa = reg_pa;
		return true;
	}
	if (g.unmarked++ < MAX_UNMARKED_SHOWN) {
		if (read)
			emit("# checker: core %u pc 0x%" PRIx64 ": %s X%u = 0x%" PRIx64
			     ": MMU on and no access through "
			     "that page seen since the last TLBI, so no physical address: not modelled",
			     vcpu, op->vaddr, a64_kind_name(op->insn.kind), op->insn.reg, va);
		else
			emit("# checker: core %u pc 0x%" PRIx64 ": %s: X%u could not be read: not modelled", vcpu,
			     op->vaddr, a64_kind_name(op->insn.kind), op->insn.reg);
	}
	return false;
#else
	*pa = mark_pa;
	if (!marked && g.unmarked++ < MAX_UNMARKED_SHOWN)
		emit("# checker: core %u pc 0x%" PRIx64 ": %s without an address mark (LDRB WZR, [X%u] right "
		     "before it; build with make CHECKED=1 or use MAINT_ADDRESS_MARK): not modelled",
		     vcpu, op->vaddr, a64_kind_name(op->insn.kind), op->insn.reg);
	return marked;
#endif
}

static void on_op(unsigned reported, void *udata)
{
	unsigned vcpu = this_core(reported);
	const struct op *op = udata;
	uint64_t pa;
	if (!known_core(vcpu))
		return;
	pthread_mutex_lock(&g.lock);
	switch (op->insn.kind) {
	case A64_DC_CLEAN:
		if (address_of(vcpu, op, &pa))
			smc_clean(g.model, vcpu, pa);
		break;
	case A64_IC_IVAU:
		if (address_of(vcpu, op, &pa))
			smc_inval_line(g.model, vcpu, pa);
		break;
	case A64_TLBI:
		if (FROM_REGISTERS)
			va_map_flush(g.pages);
		break;
	case A64_IC_IALLU: smc_inval_all(g.model, vcpu, false); break;
	case A64_IC_IALLUIS: smc_inval_all(g.model, vcpu, true); break;
	case A64_DSB_FULL: smc_dsb(g.model, vcpu); break;
	case A64_ISB:
	case A64_ERET:
	case A64_EXC_CALL: smc_context_sync(g.model, vcpu); break;
	case A64_OTHER:
	case A64_ADDRESS_MARK:
	case A64_DSB_ST: smc_dsb_st(g.model, vcpu); break;
	case A64_DSB_PARTIAL: break;
	}
	pthread_mutex_unlock(&g.lock);
}

static void on_tb_exec(unsigned reported, void *udata)
{
	unsigned vcpu = this_core(reported);
	const struct tb_record *r = udata;
	struct smc_hazard h;
	if (!known_core(vcpu))
		return;
	pthread_mutex_lock(&g.lock);
	for (size_t i = 0; i < r->nlines; i++) {
		if (!smc_fetch(g.model, vcpu, r->lines[i], &h))
			continue;
		g.hazards++;
		if (h.first && g.hazards_shown < g.args.max_reports) {
			g.hazards_shown++;
			emit("# hazard: core %u addr 0x%" PRIx64
			     " : %s (line last written by core %u; block at va 0x%" PRIx64 ")",
			     vcpu, h.line, smc_missing_text(h.missing), h.writer, r->insns[0].vaddr);
		}
	}
	const struct tb_insn *stale = tb_record_stale(r, g.model);
	if (stale && g.stale++ < g.args.max_reports)
		emit("# stale-translation: core %u addr 0x%" PRIx64 " : QEMU ran a translation of bytes that memory no "
		     "longer holds (va 0x%" PRIx64 ")",
		     vcpu, stale->paddr, stale->vaddr);
	pthread_mutex_unlock(&g.lock);
}

static enum pairing pairing_of(struct a64_insn insn, const struct a64_insn *prev)
{
	if (!prev)
		return BLOCK_START;
	return prev->kind == A64_ADDRESS_MARK && prev->reg == insn.reg ? MARK_BEFORE : NO_MARK;
}

static void instrument(struct qemu_plugin_insn *qi, struct a64_insn insn, const struct a64_insn *prev, uint64_t vaddr)
{
	static char mark; /* any non-NULL pointer: "this load is an address mark" */
	bool is_mark = insn.kind == A64_ADDRESS_MARK;
	qemu_plugin_register_vcpu_mem_cb(qi, on_mem, CB_FLAGS, QEMU_PLUGIN_MEM_RW, is_mark ? &mark : NULL);
	if (is_mark || insn.kind == A64_OTHER || insn.kind == A64_DSB_PARTIAL)
		return;
	struct op *op = malloc(sizeof(*op)); /* lives as long as the translation: never freed, like QEMU's TBs here */
	if (!op)
		abort();
	*op = (struct op){insn, pairing_of(insn, prev), vaddr};
	qemu_plugin_register_vcpu_insn_exec_cb(qi, on_op, CB_FLAGS, op);
}

static void on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	size_t n = qemu_plugin_tb_n_insns(tb);
	pthread_mutex_lock(&g.lock);
	struct tb_record *r = tb_record_new(n, smc_now(g.model));
	if (!r)
		abort();
	struct a64_insn prev = {A64_OTHER, 0};
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *qi = qemu_plugin_tb_get_insn(tb, i);
		struct tb_insn *in = &r->insns[i];
		size_t size = qemu_plugin_insn_size(qi);
		in->vaddr = qemu_plugin_insn_vaddr(qi);
		in->size = size < sizeof(in->bytes) ? (unsigned)size : (unsigned)sizeof(in->bytes);
#if SMC_QEMU_PLUGIN_API == 1
		memcpy(&in->bytes, qemu_plugin_insn_data(qi), in->size);
#else
		in->bytes = 0;
		qemu_plugin_insn_data(qi, &in->bytes, in->size);
#endif
		in->host = qemu_plugin_insn_haddr(qi);
		in->paddr = in->host ? insn_paddr(in->vaddr, in->host) : in->vaddr;
		if (in->host && FROM_REGISTERS)
			va_map_learn(g.pages, in->vaddr, in->paddr);
		struct a64_insn insn = a64_decode(in->bytes);
		instrument(qi, insn, i ? &prev : NULL, in->vaddr);
		prev = insn;
	}
	if (tb_record_seal(r, g.args.line) != 0)
		abort();
	pthread_mutex_unlock(&g.lock);
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb_exec, CB_FLAGS, r);
}

#if FROM_REGISTERS
/* A vCPU context: the only place qemu_plugin_get_registers may be called. The handles of x0..x30 are the
   same for every vCPU of one model (gdbstub register numbers); each vCPU gets its own read buffer. */
static void on_vcpu_init(qemu_plugin_id_t id, unsigned vcpu)
{
	(void)id;
	pthread_mutex_lock(&g.lock);
	if (!g.have_xregs) {
		GArray *regs = qemu_plugin_get_registers();
		const qemu_plugin_reg_descriptor *d = regs ? (const qemu_plugin_reg_descriptor *)regs->data : NULL;
		unsigned found = 0;
		for (unsigned i = 0; d && i < regs->len; i++) {
			unsigned n;
			char end;
			if (sscanf(d[i].name, "x%u%c", &n, &end) == 1 && n < A64_XREGS && !g.xreg[n]) {
				g.xreg[n] = d[i].handle;
				found++;
			}
			/* gdbstub names: "cpsr" (core), "SCTLR" (SCTLR_EL1) and "SCTLR_EL2" (system registers) */
			if (!strcmp(d[i].name, "cpsr"))
				g.cpsr = d[i].handle;
			else if (!strcmp(d[i].name, "SCTLR"))
				g.sctlr_el1 = d[i].handle;
			else if (!strcmp(d[i].name, "SCTLR_EL2"))
				g.sctlr_el2 = d[i].handle;
			else if (!strcmp(d[i].name, "TPIDR_EL1"))
				g.tpidr_el1 = d[i].handle;
		}
		if (regs)
			g_array_free(regs, 1);
		g.have_xregs = found == A64_XREGS;
		if (!g.have_xregs)
			emit("# checker: warning: QEMU names only %u of x0..x30: DC/IC addresses need address marks",
			     found);
	}
	(void)vcpu;
	pthread_mutex_unlock(&g.lock);
}
#endif

static void on_atexit(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	pthread_mutex_lock(&g.lock);
	emit("# checker: %" PRIu64 " hazards (%" PRIu64 " shown: the first per core and line after each write), "
	     "%" PRIu64 " stale-translation executions, %" PRIu64 " maintenance operations without an address",
	     g.hazards, g.hazards_shown, g.stale, g.unmarked);
#if FROM_REGISTERS
	emit("# checker: %" PRIu64 " addresses from registers alone, %" PRIu64 " register/mark disagreements, "
	     "%" PRIu64 " callbacks whose core QEMU misreported (taken from TPIDR_EL1)",
	     g.from_register, g.disagree, g.core_fixed);
#endif
	if (g.out != stderr)
		fclose(g.out);
	g.out = stderr;
	pthread_mutex_unlock(&g.lock);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	char err[512];
	g.out = stderr;
	if (info->version.cur < SMC_QEMU_PLUGIN_API) { /* QEMU refuses us first; said here for a clear message */
		fprintf(stderr, "smc_checker: built for plugin API %d, this QEMU offers %d..%d\n", SMC_QEMU_PLUGIN_API,
			info->version.min, info->version.cur);
		return -1;
	}
	if (!info->system_emulation || strcmp(info->target_name, "aarch64") != 0) {
		fprintf(stderr, "smc_checker: needs qemu-system-aarch64 (got %s%s)\n", info->target_name,
			info->system_emulation ? "" : ", user mode");
		return -1;
	}
	if (checker_args_parse(argc, argv, &g.args, err, sizeof(err)) != 0) {
		fprintf(stderr, "smc_checker: %s\n", err);
		return -1;
	}
	if (g.args.log) {
		g.out = fopen(g.args.log, "w");
		if (!g.out) {
			fprintf(stderr, "smc_checker: cannot write log=%s: %s\n", g.args.log, strerror(errno));
			return -1;
		}
	}
	g.cores = (unsigned)(info->system.max_vcpus > 0 ? info->system.max_vcpus : 1);
	if (g.cores > SMC_MAX_CORES) {
		fprintf(stderr, "smc_checker: at most %d cores (got %u)\n", SMC_MAX_CORES, g.cores);
		return -1;
	}
	struct smc_model_config cfg = {g.args.line, g.args.idc, g.args.dic, g.cores, {0}};
	for (unsigned c = 0; c < g.cores && g.args.ncore_lines; c++)
		cfg.core_line[c] = g.args.core_lines[c < g.args.ncore_lines ? c : g.args.ncore_lines - 1];
	g.model = smc_model_new(&cfg);
	g.vcpu = calloc(g.cores, sizeof(*g.vcpu));
	g.pages = va_map_new();
	if (!g.model || !g.vcpu || !g.pages) {
		fprintf(stderr, "smc_checker: out of memory\n");
		return -1;
	}
	emit("# checker: smc_checker IDC %d DIC %d line %u cores %u ram 0x%" PRIx64 " api %d (%s)", g.args.idc,
	     g.args.dic, g.args.line, g.cores, g.args.ram, SMC_QEMU_PLUGIN_API,
	     FROM_REGISTERS ? "addresses from registers, checked against marks where present" : "address marks");
	for (unsigned c = 0; c < g.cores && g.args.ncore_lines; c++)
		emit("# checker: core %u line %u (cores that disagree on line sizes)", c, cfg.core_line[c]);
#if FROM_REGISTERS
	qemu_plugin_register_vcpu_init_cb(id, on_vcpu_init);
#endif
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
	qemu_plugin_register_atexit_cb(id, on_atexit, NULL);
	return 0;
}
