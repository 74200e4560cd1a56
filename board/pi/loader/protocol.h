/*
 * The serial chainloader's wire protocol (README "The serial chainloader";
 * tests/flash.py is the host side and must agree with these values).
 *
 *   loader -> host  "\x03\x03\x03selfmod-loader ready ... max=N\r\n"    (again every few seconds while idle)
 *   host -> loader  "SMLD", size (u32 LE), CRC-32 of the image (u32 LE)
 *   loader -> host  "OK size N\r\n"  or  "ERR <reason>\r\n" and a new announcement
 *   host -> loader  size bytes (each within LOADER_BYTE_TIMEOUT_US of the previous one)
 *   loader -> host  "OK crc ... jumping ...\r\n" and runs the image, or "ERR <reason>\r\n" and a new announcement
 */
#ifndef SELFMOD_LOADER_PROTOCOL_H
#define SELFMOD_LOADER_PROTOCOL_H

#define LOADER_ANNOUNCE_BYTE	    0x03      /* sent three times before the banner */
#define LOADER_MAGIC		    "SMLD"    /* first four bytes of the host's header */
#define LOADER_HEADER_SIZE	    12	      /* magic, size, CRC-32 */
#define LOADER_BYTE_TIMEOUT_US	    1000000u  /* a transfer pausing longer than this is abandoned */
#define LOADER_ANNOUNCE_INTERVAL_US 3000000u  /* idle: announce again (a host may connect late) */
#define LOADER_LOAD_ADDR	    0x80000UL /* where the image goes: the firmware's kernel_address */
#define LOADER_MIN_SIZE		    64u	      /* an arm64 Image header */
#define LOADER_MAX_SIZE		    (LOADER_BASE - LOADER_LOAD_ADDR) /* the loader itself lives at LOADER_BASE */

/* arm64 Image header fields the loader checks before running what it received. */
#define IMAGE_TEXT_OFFSET_AT 8
#define IMAGE_SIZE_AT	     16
#define IMAGE_MAGIC_AT	     0x38
#define IMAGE_MAGIC	     "ARM\x64"

#endif
