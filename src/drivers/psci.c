#include "psci.h"

#define PSCI_0_2_FN64_CPU_ON   0xc4000003u
#define PSCI_0_2_FN_SYSTEM_OFF 0x84000008u

static enum psci_conduit conduit;

enum psci_conduit psci_conduit_from_fdt(const struct fdt *fdt)
{
	int node = fdt_path_offset(fdt, "/psci");
	if (node < 0)
		return PSCI_CONDUIT_NONE;
	if (fdt_prop_has_string(fdt, node, "method", "hvc"))
		return PSCI_CONDUIT_HVC;
	if (fdt_prop_has_string(fdt, node, "method", "smc"))
		return PSCI_CONDUIT_SMC;
	return PSCI_CONDUIT_NONE;
}

void psci_set_conduit(enum psci_conduit c)
{
	conduit = c;
}
enum psci_conduit psci_get_conduit(void)
{
	return conduit;
}

static int64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;
	if (conduit == PSCI_CONDUIT_HVC)
		__asm__ volatile("hvc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3) : "memory");
	else if (conduit == PSCI_CONDUIT_SMC)
		__asm__ volatile("smc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3) : "memory");
	else
		return PSCI_NOT_SUPPORTED;
	return (int64_t)x0;
}

int psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context)
{
	return (int)psci_call(PSCI_0_2_FN64_CPU_ON, mpidr, entry, context);
}

void psci_system_off(void)
{
	psci_call(PSCI_0_2_FN_SYSTEM_OFF, 0, 0, 0);
}

const char *psci_strerror(int err)
{
	static const char *const names[] = {"SUCCESS",	  "NOT_SUPPORTED",  "INVALID_PARAMETERS", "DENIED",
					    "ALREADY_ON", "ON_PENDING",	    "INTERNAL_FAILURE",	  "NOT_PRESENT",
					    "DISABLED",	  "INVALID_ADDRESS"};
	return err <= 0 && err >= -9 ? names[-err] : "unknown PSCI error";
}
