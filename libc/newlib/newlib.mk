# newlib (LIBC=newlib), built from Debian's newlib-source tarball into the project's cache: Debian ships
# no AArch64 newlib binary. Built once (about 4 minutes of CPU: a minute on two idle cores); rebuilt only
# when the tarball changes. make clean keeps it; rm -rf $(NEWLIB_CACHE) drops it (after changing the
# configure line below, do that).
#   make newlib          build it now (LIBC=newlib builds do it on demand)
#   NEWLIB_TARBALL=path  another newlib source tarball (default: Debian's newlib-source)

NEWLIB_TARBALL ?= /usr/src/newlib/newlib-3.3.0.tar.xz
NEWLIB_CACHE ?= .cache/newlib
NEWLIB_PREFIX := $(NEWLIB_CACHE)/install
NEWLIB_SYSROOT := $(NEWLIB_PREFIX)/aarch64-none-elf
NEWLIB_LIBC := $(NEWLIB_SYSROOT)/lib/libc.a

# __DYNAMIC_REENT__: newlib reaches its per-thread state (errno, stdio, strtok...) through __getreent(),
# which libc/newlib/syscalls.c answers with this core's struct _reent (newlib's sys/reent.h).
# Not -mgeneral-regs-only: printf's code and __adjust use floating-point types (so the exception
# vectors save the FP/SIMD registers: boot/vectors.S). -mstrict-align: core 0 runs C with the MMU off.
NEWLIB_CFLAGS := -O2 -g -ffunction-sections -fdata-sections -mstrict-align -fno-pie -fno-stack-protector \
	-mno-outline-atomics -D__DYNAMIC_REENT__
NEWLIB_TOOLS := $(foreach t,AR AS LD NM RANLIB OBJCOPY OBJDUMP STRIP READELF,\
	$(t)_FOR_TARGET=$(CROSS_COMPILE)$(shell echo $(t) | tr A-Z a-z))
NEWLIB_CONFIGURE := --target=aarch64-none-elf --prefix=$(abspath $(NEWLIB_PREFIX)) --disable-multilib \
	--disable-newlib-supplied-syscalls --enable-newlib-nano-malloc --disable-newlib-io-float \
	--disable-nls

.PHONY: newlib
newlib: $(NEWLIB_LIBC)

$(NEWLIB_TARBALL):
	@$(MAKE) --no-print-directory deps-checked DEBIAN_PKGS=newlib-source
	@test -f $@ || { echo "selfmod: $@ not found (Debian's newlib-source installs it; or set NEWLIB_TARBALL)" >&2; exit 1; }

# Several builds may share the cache (parallel checkouts, CI): one builds while the others wait on the
# lock, then find it built.
$(NEWLIB_LIBC): $(NEWLIB_TARBALL) | deps-checked
	@mkdir -p $(NEWLIB_CACHE)
	@flock $(NEWLIB_CACHE)/.lock $(MAKE) --no-print-directory newlib-build-locked

.PHONY: newlib-build-locked
newlib-build-locked:
	@if [ -f $(NEWLIB_LIBC) ] && [ $(NEWLIB_LIBC) -nt $(NEWLIB_TARBALL) ]; then exit 0; fi; \
	echo "selfmod: building newlib from $(NEWLIB_TARBALL) into $(NEWLIB_CACHE) (about a minute)"; \
	set -e; rm -rf $(NEWLIB_CACHE)/src $(NEWLIB_CACHE)/build $(NEWLIB_PREFIX); \
	mkdir -p $(NEWLIB_CACHE)/src $(NEWLIB_CACHE)/build; \
	tar -xJf $(NEWLIB_TARBALL) -C $(NEWLIB_CACHE)/src --strip-components=1; \
	(cd $(NEWLIB_CACHE)/build && ../src/configure $(NEWLIB_CONFIGURE) \
	  CC_FOR_TARGET=$(CROSS_COMPILE)gcc $(NEWLIB_TOOLS) CFLAGS_FOR_TARGET='$(NEWLIB_CFLAGS)' \
	  >configure.log 2>&1) || { tail -20 $(NEWLIB_CACHE)/build/configure.log; exit 1; }; \
	$(MAKE) -C $(NEWLIB_CACHE)/build -j2 all-target-newlib >$(NEWLIB_CACHE)/build/make.log 2>&1 \
	  || { tail -30 $(NEWLIB_CACHE)/build/make.log; exit 1; }; \
	$(MAKE) -C $(NEWLIB_CACHE)/build install-target-newlib >$(NEWLIB_CACHE)/build/install.log 2>&1 \
	  || { tail -30 $(NEWLIB_CACHE)/build/install.log; exit 1; }; \
	rm -rf $(NEWLIB_CACHE)/src $(NEWLIB_CACHE)/build; \
	touch $(NEWLIB_LIBC)
