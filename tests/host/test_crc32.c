/* src/lib/crc32.c: the chainloader's CRC-32 must equal zlib's (tests/flash.py sends zlib.crc32). */
#include <string.h>

#include "check.h"
#include "crc32.h"

#define CHECK_VALUE 0xcbf43926u /* CRC-32 of "123456789", the catalogue check value */

HOST_TEST(crc32_values)
{
	(void)env;
	const char *digits = "123456789";
	CHECK_EQ_U64(CHECK_VALUE, crc32_update(CRC32_INIT, digits, 9), "CRC-32 of \"123456789\"");
	CHECK_EQ_U64(0, crc32_update(CRC32_INIT, "", 0), "CRC-32 of nothing is 0");
	uint32_t crc = crc32_update(CRC32_INIT, digits, 4);
	CHECK_EQ_U64(CHECK_VALUE, crc32_update(crc, digits + 4, 5), "in two pieces, the same CRC");
	uint32_t bytewise = CRC32_INIT;
	for (int i = 0; i < 9; i++)
		bytewise = crc32_byte(bytewise, (uint8_t)digits[i]);
	CHECK_EQ_U64(CHECK_VALUE, bytewise, "byte by byte, as the loader receives: the same CRC");
	char flipped[10];
	memcpy(flipped, digits, 10);
	flipped[4] ^= 1;
	CHECK(crc32_update(CRC32_INIT, flipped, 9) != CHECK_VALUE, "one flipped bit changes it");
	/* zlib.crc32(bytes(range(256))) */
	uint8_t all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	CHECK_EQ_U64(0x29058c73u, crc32_update(CRC32_INIT, all, sizeof(all)), "bytes 0..255, as zlib.crc32");
}
