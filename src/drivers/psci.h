/* PSCI (Arm DEN 0022) calls through the conduit the DTB names. */
#ifndef SELFMOD_PSCI_H
#define SELFMOD_PSCI_H

#include <stdint.h>

#include "fdt.h"

enum psci_conduit { PSCI_CONDUIT_NONE, PSCI_CONDUIT_HVC, PSCI_CONDUIT_SMC };

#define PSCI_SUCCESS		0
#define PSCI_NOT_SUPPORTED	-1
#define PSCI_INVALID_PARAMETERS -2
#define PSCI_DENIED		-3
#define PSCI_ALREADY_ON		-4
#define PSCI_ON_PENDING		-5
#define PSCI_INTERNAL_FAILURE	-6
#define PSCI_NOT_PRESENT	-7
#define PSCI_DISABLED		-8
#define PSCI_INVALID_ADDRESS	-9

/* Read /psci "method" ("hvc" or "smc"); NONE if absent. */
enum psci_conduit psci_conduit_from_fdt(const struct fdt *fdt);
void psci_set_conduit(enum psci_conduit c);
enum psci_conduit psci_get_conduit(void);
int psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context);
void psci_system_off(void);
const char *psci_strerror(int err);

#endif
