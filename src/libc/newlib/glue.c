/*
 * newlib glue (LIBC=newlib): each core's TLS block and struct _reent, and the system calls newlib
 * needs on bare metal: _write to the console, _sbrk from a bounded heap, _exit through the board.
 *
 * Reentrancy with several cores: newlib keeps errno, stdio and strtok state in a struct _reent.
 * newlib is built with __DYNAMIC_REENT__ (src/libc/newlib/newlib.mk), so it reaches that state through
 * __getreent() (newlib's sys/reent.h), answered here with this core's own struct _reent: cores never
 * share it, as they never share picolibc's TLS. The allocator, the one piece of global state, takes
 * __malloc_lock (newlib's malloc.h hook).
 */
#include <errno.h>
#include <reent.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "board.h"
#include "console.h"
#include "cores.h"
#include "cpu.h"
#include "layout.h"
#include "libc_glue.h"
#include "spinlock.h"

#define TLS_BLOCK_SIZE	       512
#define HEAP_SIZE	       (64 * 1024)
#define MALLOC_LOCK_TIMEOUT_US 200000

const char libc_name[] = "newlib " _NEWLIB_VERSION;

/* What newlib's libc/reent layer calls (built --disable-newlib-supplied-syscalls); its headers do
   not declare them all. And its allocator's lock hooks (newlib's malloc.h). */
struct stat;
int _write(int fd, const void *buf, size_t len);
void *_sbrk(ptrdiff_t incr);
void _exit(int status) __attribute__((noreturn));
int _read(int fd, void *buf, size_t len);
int _close(int fd);
off_t _lseek(int fd, off_t off, int whence);
int _fstat(int fd, struct stat *st);
int _isatty(int fd);
int _getpid(void);
int _kill(int pid, int sig);
void __malloc_lock(struct _reent *r);
void __malloc_unlock(struct _reent *r);

/* The TLS image (linker/image.ld): AArch64 TLS variant 1, TPIDR_EL0 -> 16-byte TCB, then the block. */
extern char __tdata_start[], __tdata_size[], __tbss_offset[], __tbss_size[], __tls_size[], __arm64_tls_tcb_offset[];

static uint8_t tls_blocks[MAX_CORES][TLS_BLOCK_SIZE] __attribute__((aligned(64)));
static struct _reent reents[MAX_CORES];

void libc_core_init(unsigned idx)
{
	size_t tcb = (size_t)__arm64_tls_tcb_offset;
	if (tcb + (size_t)__tls_size > TLS_BLOCK_SIZE)
		board_exit(3);
	uint8_t *block = tls_blocks[idx];
	memcpy(block + tcb, __tdata_start, (size_t)__tdata_size);
	memset(block + tcb + (size_t)__tbss_offset, 0, (size_t)__tbss_size);
	write_sysreg(tpidr_el0, (uintptr_t)block);
	_REENT_INIT_PTR(&reents[idx]);
}

struct _reent *__getreent(void)
{
	return &reents[this_core()];
}

/* The allocator's lock: recursive (newlib may nest it), with a deadline so a dead owner never hangs. */
static struct spinlock malloc_lock;
static volatile int malloc_owner = -1;
static unsigned malloc_depth;
static bool malloc_locked;

void __malloc_lock(struct _reent *r)
{
	(void)r;
	if (malloc_owner == (int)this_core()) {
		malloc_depth++;
		return;
	}
	malloc_locked = spin_lock_until(&malloc_lock, deadline_after_us(MALLOC_LOCK_TIMEOUT_US));
	malloc_owner = (int)this_core();
	malloc_depth = 1;
}

void __malloc_unlock(struct _reent *r)
{
	(void)r;
	if (--malloc_depth)
		return;
	malloc_owner = -1;
	if (malloc_locked)
		spin_unlock(&malloc_lock);
}

/* stdout and stderr: the console's per-core line discipline. */
int _write(int fd, const void *buf, size_t len)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		console_putc(((const char *)buf)[i]);
	return (int)len;
}

/* A bounded heap: malloc fails with ENOMEM instead of growing into the stacks or the arena. */
static uint8_t heap[HEAP_SIZE] __attribute__((aligned(16)));
static atomic_size_t heap_used;

void *_sbrk(ptrdiff_t incr)
{
	size_t old = atomic_load(&heap_used);
	do {
		if (incr < 0 ? (size_t)-incr > old : (size_t)incr > HEAP_SIZE - old) {
			errno = ENOMEM;
			return (void *)-1;
		}
	} while (!atomic_compare_exchange_weak(&heap_used, &old, old + (size_t)incr));
	return heap + old;
}

void _exit(int status)
{
	board_exit(status);
}

/* What newlib's stdio may reach besides _write: no files, no input. */
int _read(int fd, void *buf, size_t len)
{
	(void)fd, (void)buf, (void)len;
	errno = EBADF;
	return -1;
}
int _close(int fd)
{
	(void)fd;
	errno = EBADF;
	return -1;
}
off_t _lseek(int fd, off_t off, int whence)
{
	(void)fd, (void)off, (void)whence;
	errno = ESPIPE;
	return -1;
}
int _fstat(int fd, struct stat *st)
{
	(void)fd;
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFCHR;
	return 0;
}
int _isatty(int fd)
{
	return fd <= 2;
}
int _getpid(void)
{
	return 1;
}
int _kill(int pid, int sig)
{
	(void)pid, (void)sig;
	errno = EINVAL;
	return -1;
}
