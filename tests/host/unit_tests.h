/* The host unit tests: one check_fn per top-level test, registered in main.c. */
#ifndef SELFMOD_TESTS_UNIT_TESTS_H
#define SELFMOD_TESTS_UNIT_TESTS_H

#include "check.h"

void test_pagetable_blocks(const struct check_env *env);
void test_pagetable_errors(const struct check_env *env);
void test_pagetable_aliases(const struct check_env *env);

void test_cache_ctr(const struct check_env *env);
void test_cache_lines_of(const struct check_env *env);
void test_cache_merge(const struct check_env *env);
void test_cache_ccsidr(const struct check_env *env);

void test_ranges_brute_force(const struct check_env *env);
void test_ranges_extremes(const struct check_env *env);

void test_ktap_lines(const struct check_env *env);
void test_ktap_sanitising(const struct check_env *env);

void test_args_accepted(const struct check_env *env);
void test_args_rejected(const struct check_env *env);
void test_args_u64(const struct check_env *env);

void test_fdt_header(const struct check_env *env);
void test_fdt_nodes(const struct check_env *env);
void test_fdt_truncated(const struct check_env *env);
void test_fdt_hostile(const struct check_env *env);

void test_memory_holding(const struct check_env *env);
void test_memory_bad_cells(const struct check_env *env);

void test_icache_sequence(const struct check_env *env);
void test_icache_variants(const struct check_env *env);

void test_errata_matching(const struct check_env *env);
void test_errata_revidr(const struct check_env *env);
void test_errata_actions(const struct check_env *env);

void test_verdict_rules(const struct check_env *env);
void test_verdict_mixed_lines(const struct check_env *env);
void test_verdict_vipt_alias(const struct check_env *env);
void test_verdict_lines_missed(const struct check_env *env);

void test_litmus_cond_eval(const struct check_env *env);
void test_litmus_cond_stack_limit(const struct check_env *env);
void test_litmus_atom_masks(const struct check_env *env);
void test_litmus_histogram(const struct check_env *env);

void test_crc32_values(const struct check_env *env);
void test_spintable_from_dtb(const struct check_env *env);
void test_spintable_fallback(const struct check_env *env);

void test_fnmatch_patterns(const struct check_env *env);

#endif
