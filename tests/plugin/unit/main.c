/* The plugin's host unit tests: the model on hand-written event traces, the decoder, the translated-block
   record, the plugin arguments and the learnt translations. KTAP on stdout; exit status 1 if any test failed. */
#include <stdio.h>

#include "tap.h"
#include "unit_tests.h"

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* every line out, even if a sanitizer stops the run */
	const struct unit_test *const groups[] = {model_tests, decode_tests, tb_record_tests, args_tests, va_map_tests};
	const size_t counts[] = {model_tests_count, decode_tests_count, tb_record_tests_count, args_tests_count,
				 va_map_tests_count};
	return tap_run(groups, counts, sizeof(counts) / sizeof(counts[0])) ? 1 : 0;
}
