/*
 * The part of QEMU's TCG plugin API that the checker uses, declared from
 * QEMU's documentation of that API (include/qemu/qemu-plugin.h of the QEMU
 * release named below): Debian ships no qemu-plugin.h. The functions are
 * resolved from the QEMU binary at load. Two builds (tests/plugin/plugin.mk):
 *
 *   SMC_QEMU_PLUGIN_API 1  QEMU 7.2 (API version 1; no register access).
 *   SMC_QEMU_PLUGIN_API 4  QEMU 9.2 to 10.0 (API version 4, minimum 2).
 *                          Version 2 removed the non-per-vCPU inline ops and
 *                          added register reads (qemu_plugin_get_registers,
 *                          qemu_plugin_read_register), version 3 made
 *                          qemu_plugin_insn_data copy into a buffer, version 4
 *                          added qemu_plugin_read_memory_vaddr. QEMU refuses a
 *                          plugin whose version is outside [min, cur].
 */
#ifndef SMC_QEMU_PLUGIN_API_H
#define SMC_QEMU_PLUGIN_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef SMC_QEMU_PLUGIN_API
#define SMC_QEMU_PLUGIN_API 1
#endif
#if SMC_QEMU_PLUGIN_API != 1 && SMC_QEMU_PLUGIN_API != 4
#error "SMC_QEMU_PLUGIN_API must be 1 (QEMU 7.2) or 4 (QEMU 9.2 to 10.0)"
#endif

#define QEMU_PLUGIN_EXPORT  __attribute__((visibility("default")))
#define QEMU_PLUGIN_VERSION SMC_QEMU_PLUGIN_API

typedef uint64_t qemu_plugin_id_t;
typedef uint32_t qemu_plugin_meminfo_t;

typedef struct qemu_info_t {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus;
			int max_vcpus;
		} system;
	};
} qemu_info_t;

struct qemu_plugin_tb;
struct qemu_plugin_insn;
struct qemu_plugin_hwaddr;

/* From version 2, QEMU_PLUGIN_CB_R_REGS makes the guest registers readable in the callback. */
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_mem_rw { QEMU_PLUGIN_MEM_R = 1, QEMU_PLUGIN_MEM_W, QEMU_PLUGIN_MEM_RW };

typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_simple_cb_t)(qemu_plugin_id_t id, unsigned int vcpu_index);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_mem_cb_t)(unsigned int vcpu_index, qemu_plugin_meminfo_t info, uint64_t vaddr,
					  void *userdata);

QEMU_PLUGIN_EXPORT extern int qemu_plugin_version;
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_mem_cb_t cb,
				      enum qemu_plugin_cb_flags flags, enum qemu_plugin_mem_rw rw, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
void qemu_plugin_register_vcpu_init_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_simple_cb_t cb);

size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
/* Documented as the "hardware address"; in QEMU 7.2 and 10.0 it is the host pointer to the guest RAM holding
   the instruction (NULL when not RAM). */
void *qemu_plugin_insn_haddr(const struct qemu_plugin_insn *insn);

bool qemu_plugin_mem_is_store(qemu_plugin_meminfo_t info);
unsigned int qemu_plugin_mem_size_shift(qemu_plugin_meminfo_t info);
struct qemu_plugin_hwaddr *qemu_plugin_get_hwaddr(qemu_plugin_meminfo_t info, uint64_t vaddr);
bool qemu_plugin_hwaddr_is_io(const struct qemu_plugin_hwaddr *haddr);
uint64_t qemu_plugin_hwaddr_phys_addr(const struct qemu_plugin_hwaddr *haddr);

#if SMC_QEMU_PLUGIN_API == 1
/* Version 1: a pointer to the instruction's bytes, valid during the translation callback. */
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
#else
/* Version 3 on: copies min(len, size of the instruction) bytes into dest and returns how many. */
size_t qemu_plugin_insn_data(const struct qemu_plugin_insn *insn, void *dest, size_t len);

/*
 * Registers (version 2 on). qemu_plugin_get_registers, called in a vCPU context (the vCPU init callback),
 * lists the registers QEMU's gdbstub knows for that vCPU (for AArch64 "x0".."x30", "sp", "pc", ...) in a
 * GArray of qemu_plugin_reg_descriptor. qemu_plugin_read_register, in a callback registered with
 * QEMU_PLUGIN_CB_R_REGS, appends the register's bytes (target byte order) to buf and returns their count
 * (-1 on failure).
 */
struct qemu_plugin_register;
typedef struct {
	struct qemu_plugin_register *handle;
	const char *name;
	const char *feature;
} qemu_plugin_reg_descriptor;

/* The GLib containers those calls use (GLib's struct _GArray and struct _GByteArray: the public fields
   only) and the GLib functions that make and free them, resolved from the GLib that QEMU links. */
typedef struct {
	char *data;
	unsigned int len;
} GArray;
typedef struct {
	uint8_t *data;
	unsigned int len;
} GByteArray;
GByteArray *g_byte_array_new(void);
GByteArray *g_byte_array_set_size(GByteArray *array, unsigned int length);
uint8_t *g_byte_array_free(GByteArray *array, int free_segment);
char *g_array_free(GArray *array, int free_segment);

GArray *qemu_plugin_get_registers(void);
int qemu_plugin_read_register(struct qemu_plugin_register *handle, GByteArray *buf);
#endif

#endif
