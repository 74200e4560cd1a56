#include "crc32.h"

#define CRC32_POLY_REFLECTED 0xedb88320u

uint32_t crc32_byte(uint32_t crc, uint8_t byte)
{
	crc = ~crc ^ byte;
	for (int bit = 0; bit < 8; bit++)
		crc = (crc >> 1) ^ (CRC32_POLY_REFLECTED & (0u - (crc & 1u)));
	return ~crc;
}

uint32_t crc32_update(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;
	for (size_t i = 0; i < len; i++)
		crc = crc32_byte(crc, p[i]);
	return crc;
}
