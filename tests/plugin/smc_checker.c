/*
 * smc_checker: a QEMU 7.2 TCG plugin that flags every instruction fetch the
 * architecture does not guarantee to see the latest bytes (smc_model.h), and
 * every execution of a translation whose bytes memory no longer holds.
 *
 * This file is only the QEMU glue: it decodes instructions at translation
 * (a64_decode.h), turns execution into model events, and prints
 *   # hazard: core C addr 0xLINE : what was missing (...)
 *   # stale-translation: core C addr 0xPA : ...
 * to stderr (merged with the console by tests/runner.py and tests/checked.py) or to log=PATH.
 *
 * QEMU 7.2 plugins cannot read registers: the address of a DC or IC comes from
 * the address mark (LDRB WZR, [Xn]) that a checked build puts right before it.
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

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_UNMARKED_SHOWN 20

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
} g = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
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

/* Every memory access: stores write their lines; the address mark's load gives the next DC/IC its address.
   (One callback for both: QEMU 7.2 does not filter callbacks by the access kind they were registered for.) */
static void on_mem(unsigned vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
	bool is_mark = udata != NULL;
	bool store = qemu_plugin_mem_is_store(info);
	if (!store && !is_mark)
		return;
	struct qemu_plugin_hwaddr *hw = qemu_plugin_get_hwaddr(info, vaddr);
	if (!hw || qemu_plugin_hwaddr_is_io(hw) || !known_core(vcpu))
		return;
	uint64_t pa = qemu_plugin_hwaddr_phys_addr(hw);
	pthread_mutex_lock(&g.lock);
	if (store)
		smc_write(g.model, vcpu, pa, (size_t)1 << qemu_plugin_mem_size_shift(info));
	else
		g.vcpu[vcpu] = (struct vcpu){true, pa};
	pthread_mutex_unlock(&g.lock);
}

/* The address of a DC/IC by address, or false when it carries no usable mark. */
static bool take_mark(unsigned vcpu, const struct op *op, uint64_t *pa)
{
	struct vcpu *v = &g.vcpu[vcpu];
	bool ok = v->marked && op->pairing != NO_MARK;
	*pa = v->mark_pa;
	v->marked = false;
	if (!ok && g.unmarked++ < MAX_UNMARKED_SHOWN)
		emit("# checker: core %u pc 0x%" PRIx64 ": %s without an address mark (LDRB WZR, [X%u] right "
		     "before it; build with make CHECKED=1 or use MAINT_ADDRESS_MARK): not modelled",
		     vcpu, op->vaddr, a64_kind_name(op->insn.kind), op->insn.reg);
	return ok;
}

static void on_op(unsigned vcpu, void *udata)
{
	const struct op *op = udata;
	uint64_t pa;
	if (!known_core(vcpu))
		return;
	pthread_mutex_lock(&g.lock);
	switch (op->insn.kind) {
	case A64_DC_CLEAN:
		if (take_mark(vcpu, op, &pa))
			smc_clean(g.model, vcpu, pa);
		break;
	case A64_IC_IVAU:
		if (take_mark(vcpu, op, &pa))
			smc_inval_line(g.model, vcpu, pa);
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

static void on_tb_exec(unsigned vcpu, void *udata)
{
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
	qemu_plugin_register_vcpu_mem_cb(qi, on_mem, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW,
					 is_mark ? &mark : NULL);
	if (is_mark || insn.kind == A64_OTHER || insn.kind == A64_DSB_PARTIAL)
		return;
	struct op *op = malloc(sizeof(*op)); /* lives as long as the translation: never freed, like QEMU's TBs here */
	if (!op)
		abort();
	*op = (struct op){insn, pairing_of(insn, prev), vaddr};
	qemu_plugin_register_vcpu_insn_exec_cb(qi, on_op, QEMU_PLUGIN_CB_NO_REGS, op);
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
		memcpy(&in->bytes, qemu_plugin_insn_data(qi), in->size);
		in->host = qemu_plugin_insn_haddr(qi);
		in->paddr = in->host ? insn_paddr(in->vaddr, in->host) : in->vaddr;
		struct a64_insn insn = a64_decode(in->bytes);
		instrument(qi, insn, i ? &prev : NULL, in->vaddr);
		prev = insn;
	}
	if (tb_record_seal(r, g.args.line) != 0)
		abort();
	pthread_mutex_unlock(&g.lock);
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb_exec, QEMU_PLUGIN_CB_NO_REGS, r);
}

static void on_atexit(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	pthread_mutex_lock(&g.lock);
	emit("# checker: %" PRIu64 " hazards (%" PRIu64 " shown: the first per core and line after each write), "
	     "%" PRIu64 " stale-translation executions, %" PRIu64 " maintenance operations without an address mark",
	     g.hazards, g.hazards_shown, g.stale, g.unmarked);
	if (g.out != stderr)
		fclose(g.out);
	g.out = stderr;
	pthread_mutex_unlock(&g.lock);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	char err[512];
	g.out = stderr;
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
	struct smc_model_config cfg = {g.args.line, g.args.idc, g.args.dic, g.cores};
	g.model = smc_model_new(&cfg);
	g.vcpu = calloc(g.cores, sizeof(*g.vcpu));
	if (!g.model || !g.vcpu) {
		fprintf(stderr, "smc_checker: out of memory\n");
		return -1;
	}
	emit("# checker: smc_checker IDC %d DIC %d line %u cores %u ram 0x%" PRIx64, g.args.idc, g.args.dic,
	     g.args.line, g.cores, g.args.ram);
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
	qemu_plugin_register_atexit_cb(id, on_atexit, NULL);
	return 0;
}
