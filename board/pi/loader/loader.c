/*
 * The serial chainloader: receives a test image over the PL011 (protocol in
 * board/pi/loader/protocol.h and the README), checks its size, CRC-32 and arm64 Image
 * header, and runs it at 0x80000 with the DTB the firmware gave the loader.
 * A partial, corrupt or oversized image is never run: the loader says why and
 * waits for the next attempt. Every wait for the host is bounded.
 */
#include <stdbool.h>
#include <stdint.h>

#include "crc32.h"
#include "pi/pi.h"
#include "pi_soc.h"
#include "protocol.h"
#include "timer.h"

void loader_main(uint64_t dtb, uint64_t loaded_at) __attribute__((noreturn));
/* board/pi/loader/entry.S: cache maintenance over [start, start+size), then branch to entry with x0 = dtb. */
void loader_run(uint64_t entry, uint64_t dtb, uint64_t start, uint64_t size) __attribute__((noreturn));

static void put(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			pi_uart_putc('\r');
		pi_uart_putc(*s);
	}
}

static void put_dec(uint64_t v)
{
	char buf[21];
	int i = 20;
	buf[i] = 0;
	do
		buf[--i] = (char)('0' + v % 10);
	while (v /= 10);
	put(buf + i);
}

static void put_hex(uint64_t v)
{
	char buf[19];
	int i = 18;
	buf[i] = 0;
	do
		buf[--i] = "0123456789abcdef"[v & 15];
	while (v >>= 4);
	buf[--i] = 'x';
	buf[--i] = '0';
	put(buf + i);
}

static uint32_t le32(const volatile uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const volatile uint8_t *p)
{
	return (uint64_t)le32(p + 4) << 32 | le32(p);
}

static void announce(uint64_t dtb)
{
	for (int i = 0; i < 3; i++)
		pi_uart_putc(LOADER_ANNOUNCE_BYTE);
	put("selfmod-loader ready on " PI_BOARD_NAME ": EL");
	put_dec((read_sysreg(CurrentEL) >> 2) & 3);
	put(", DTB at ");
	put_hex(dtb);
	put(", loads at ");
	put_hex(LOADER_LOAD_ADDR);
	put(" max=");
	put_dec(LOADER_MAX_SIZE);
	put("\n");
}

/* Every failure ends its "ERR ..." line the same way: the host retries after the next announcement. */
static bool fail(const char *what)
{
	put(what);
	put("; nothing was run, waiting for a new transfer\n");
	return false;
}

static bool fail_n(const char *what, uint64_t n, const char *rest)
{
	put(what);
	put_dec(n);
	return fail(rest);
}

/* Wait for the magic, sliding over anything else; false when the host stayed silent for the interval. */
static bool wait_magic(void)
{
	static const char magic[] = LOADER_MAGIC;
	unsigned matched = 0;
	uint64_t deadline = deadline_after_us(LOADER_ANNOUNCE_INTERVAL_US);
	while (matched < sizeof(magic) - 1) {
		int c = pi_uart_getc(deadline, 0);
		if (c < 0)
			return false;
		matched = c == magic[matched] ? matched + 1 : (c == magic[0] ? 1 : 0);
	}
	return true;
}

/* n bytes into dst, each within the byte timeout; returns how many arrived. CRC and errors accumulate. */
static uint32_t receive(volatile uint8_t *dst, uint32_t n, uint32_t *crc, bool *uart_error)
{
	for (uint32_t i = 0; i < n; i++) {
		int c = pi_uart_getc(deadline_after_us(LOADER_BYTE_TIMEOUT_US), uart_error);
		if (c < 0)
			return i;
		dst[i] = (uint8_t)c;
		if (crc)
			*crc = crc32_byte(*crc, (uint8_t)c);
	}
	return n;
}

static bool overlaps(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size)
{
	return a < b + b_size && b < a + a_size;
}

/* The image's arm64 header: NULL if it may run at LOADER_LOAD_ADDR, else why not. *image_size is set. */
static const char *check_image(const volatile uint8_t *image, uint32_t size, uint64_t dtb, uint64_t *image_size)
{
	for (unsigned i = 0; i < 4; i++)
		if (image[IMAGE_MAGIC_AT + i] != (uint8_t)IMAGE_MAGIC[i])
			return "ERR not an arm64 Image (no \"ARM\\x64\" at 0x38)";
	if (le64(image + IMAGE_TEXT_OFFSET_AT) != LOADER_LOAD_ADDR)
		return "ERR the Image's text_offset is not 0x80000";
	*image_size = le64(image + IMAGE_SIZE_AT);
	if (*image_size < size)
		*image_size = size;
	if (*image_size > LOADER_MAX_SIZE)
		return "ERR the Image's image_size (with .bss) would overwrite the loader";
	if (dtb && overlaps(LOADER_LOAD_ADDR, *image_size, dtb, 1))
		return "ERR the Image's image_size would overwrite the DTB";
	return 0;
}

/* One transfer after the magic. Returns (false) only on failure, after an "ERR ..." line. */
static bool transfer(uint64_t dtb)
{
	uint8_t header[LOADER_HEADER_SIZE - 4];
	bool uart_error = false;
	if (receive(header, sizeof(header), 0, &uart_error) != sizeof(header))
		return fail("ERR timeout in the header");
	uint32_t size = le32(header), want_crc = le32(header + 4);
	if (size < LOADER_MIN_SIZE || size > LOADER_MAX_SIZE)
		return fail_n("ERR size out of bounds (64 to max): ", size, " bytes");
	if (dtb && overlaps(LOADER_LOAD_ADDR, size, dtb, 1))
		return fail("ERR the image would overwrite the DTB");
	put("OK size ");
	put_dec(size);
	put("\n");
	volatile uint8_t *image = (volatile uint8_t *)LOADER_LOAD_ADDR;
	uint32_t crc = CRC32_INIT;
	uint32_t got = receive((uint8_t *)image, size, &crc, &uart_error);
	if (got != size)
		return fail_n("ERR timeout: transfer abandoned after ", got, " bytes");
	if (uart_error)
		return fail("ERR UART receive error (overrun, framing or parity) during the transfer");
	if (crc != want_crc) {
		put("ERR CRC-32 mismatch: received ");
		put_hex(crc);
		put(", header says ");
		put_hex(want_crc);
		return fail("");
	}
	uint64_t image_size;
	const char *why = check_image(image, size, dtb, &image_size);
	if (why)
		return fail(why);
	put("OK crc ");
	put_hex(crc);
	put(", jumping to ");
	put_hex(LOADER_LOAD_ADDR);
	put(" with x0 = DTB ");
	put_hex(dtb);
	put("\n");
	pi_uart_flush();
	loader_run(LOADER_LOAD_ADDR, dtb, LOADER_LOAD_ADDR, image_size);
	return true;
}

void loader_main(uint64_t dtb, uint64_t loaded_at)
{
	(void)loaded_at;
	pi_uart_init();
	for (;;) {
		announce(dtb);
		while (!wait_magic())
			announce(dtb);
		transfer(dtb);
	}
}
