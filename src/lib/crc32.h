/*
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, initial value and
 * final XOR 0xFFFFFFFF): the same value as Python's zlib.crc32 and binascii.crc32.
 * Bitwise, no table: small enough for the chainloader, host-testable.
 */
#ifndef SELFMOD_CRC32_H
#define SELFMOD_CRC32_H

#include <stddef.h>
#include <stdint.h>

#define CRC32_INIT 0u

/* Continue a CRC over len more bytes: crc32_update(CRC32_INIT, data, n) is the CRC of data. */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);
/* One more byte (the loader checks while it receives). */
uint32_t crc32_byte(uint32_t crc, uint8_t byte);

#endif
