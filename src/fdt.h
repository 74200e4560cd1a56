/* A small read-only flattened device tree (DTB) reader. Byte loads only, so it works with the MMU off. */
#ifndef SELFMOD_FDT_H
#define SELFMOD_FDT_H

#include <stdbool.h>
#include <stdint.h>

struct fdt {
	const uint8_t *blob;
	uint32_t size;
	uint32_t off_struct, size_struct;
	uint32_t off_strings, size_strings;
};

/* 0 on success, -1 if blob is not a DTB of a version this reader knows. */
int fdt_open(struct fdt *f, const void *blob);
/* Offset of the node at an absolute path ("/cpus", "/psci"; a name without "@unit" matches any unit), or -1. */
int fdt_path_offset(const struct fdt *f, const char *path);
int fdt_first_subnode(const struct fdt *f, int node);
int fdt_next_subnode(const struct fdt *f, int node);
const char *fdt_node_name(const struct fdt *f, int node);
/* The property's value and length, or NULL. */
const void *fdt_getprop(const struct fdt *f, int node, const char *name, uint32_t *len);
/* A string property equal to value (or, for a string list, containing it). */
bool fdt_prop_has_string(const struct fdt *f, int node, const char *name, const char *value);
/* A cells-sized number (1 or 2 cells) at index i of a property; false if absent or short. */
bool fdt_prop_u64(const struct fdt *f, int node, const char *name, unsigned cells, unsigned index, uint64_t *out);
/* The next cpu node under /cpus after prev (-1: the first): a node with device_type "cpu" and a reg,
   whose value (the MPIDR, in /cpus' #address-cells) goes to *mpidr. -1 when there is none. */
int fdt_next_cpu(const struct fdt *f, int prev, uint64_t *mpidr);
uint32_t fdt_be32(const void *p);

/* A RAM range from a memory node's reg. */
struct fdt_range {
	uint64_t base, size;
};
/* The RAM range that holds addr: every reg entry (in the root's #address-cells and #size-cells, 1 or 2
   each; defaults 2 and 1) of every node under / with device_type "memory", in tree order (a Pi 4's
   firmware reports one node with several ranges; empty entries are left out). Returns how many
   ranges the tree describes and sets *found to the first that holds addr; *found is {0, 0} when
   none does. Devicetree Specification v0.4, 3.4 (/memory) and 2.3.5-2.3.6 (cells). */
unsigned fdt_memory_holding(const struct fdt *f, uint64_t addr, struct fdt_range *found);

#endif
