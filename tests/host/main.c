/* Host unit tests of the firmware's pure logic: build/host/unit_tests [DTB] [--only NAME]. */
#include "check.h"
#include "unit_tests.h"

/* Brace initializers, which clang-format 14 would split over lines. */
/* clang-format off */
#define TEST(name) {#name, test_##name}
/* clang-format on */

static const struct check_test tests[] = {
    TEST(pagetable_blocks),	   TEST(pagetable_errors),   TEST(pagetable_aliases),	 TEST(cache_ctr),
    TEST(cache_lines_of),	   TEST(cache_merge),	     TEST(cache_ccsidr),	 TEST(ranges_brute_force),
    TEST(ranges_extremes),	   TEST(ktap_lines),	     TEST(ktap_sanitising),	 TEST(args_accepted),
    TEST(args_rejected),	   TEST(args_u64),	     TEST(fdt_header),		 TEST(fdt_nodes),
    TEST(fdt_truncated),	   TEST(fdt_hostile),	     TEST(icache_sequence),	 TEST(icache_variants),
    TEST(errata_matching),	   TEST(errata_revidr),	     TEST(errata_actions),	 TEST(verdict_rules),
    TEST(verdict_mixed_lines),	   TEST(verdict_vipt_alias), TEST(verdict_lines_missed), TEST(litmus_cond_eval),
    TEST(litmus_cond_stack_limit), TEST(litmus_atom_masks),  TEST(litmus_histogram),	 TEST(crc32_values),
    TEST(spintable_from_dtb),	   TEST(spintable_fallback), TEST(memory_holding),	 TEST(memory_bad_cells),
    TEST(fnmatch_patterns),
};

int main(int argc, char **argv)
{
	return check_main(argc, argv, tests, ARRAY_LEN(tests));
}
