# skchan - Apple's Skywalk packet channels on Linux.  `make help` lists
# the targets.  Sources are found by wildcard: drop a .c file into its
# directory and it is built.

include mk/common.mk

PREFIX  ?= /usr/local
DESTDIR ?=
LIBDIR  ?= $(PREFIX)/lib
INCDIR  ?= $(PREFIX)/include
BINDIR  ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
SOVER   := 1
VERSION := 0.1.0

LIB_SRC   := $(wildcard libos/*.c)
KERN_SRC  := $(filter-out cuse-dev/main.c,$(wildcard cuse-dev/*.c)) \
	     $(wildcard backend/*.c)
TOOL_SRC  := $(wildcard tools/*.c)
EX_SRC    := $(wildcard examples/*.c)
UNIT_SRC  := $(wildcard tests/unit/check_*.c)
TLIB_SRC  := $(wildcard tests/lib/*.c)
PROG_SRC  := $(wildcard tests/prog/*.c)

# Objects live apart from outputs ($(BUILD)/cuse-dev is the daemon).
OBJ       := $(BUILD)/obj
LIB_OBJ   := $(LIB_SRC:%.c=$(OBJ)/%.o)
KERN_OBJ  := $(KERN_SRC:%.c=$(OBJ)/%.o)
TLIB_OBJ  := $(TLIB_SRC:%.c=$(OBJ)/%.o)

SO        := $(BUILD)/libskywalk.so.$(SOVER)
ALIB      := $(BUILD)/libskywalk.a
KLIB      := $(BUILD)/libskkern.a
DAEMON    := $(BUILD)/cuse-dev
TOOLS     := $(TOOL_SRC:tools/%.c=$(BUILD)/%)
EXAMPLES  := $(EX_SRC:examples/%.c=$(BUILD)/examples/%)
UNITS     := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
PROGS     := $(PROG_SRC:tests/prog/%.c=$(BUILD)/tests/prog/%)
LIBS      := -luuid -lpthread

# Keep objects that pattern rules treat as intermediates.
.SECONDARY:

.PHONY: all lib daemon tools examples units progs test test-unit test-integration \
	run install uninstall clean help deps lint format million bench \
	bench-netif

all: lib daemon tools examples progs

lib: $(SO) $(ALIB)
daemon: $(DAEMON)
tools: $(TOOLS)
examples: $(EXAMPLES)
units: $(UNITS)
progs: $(PROGS)

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(FUSE_CFLAGS) $(CHECK_CFLAGS) -c $< -o $@

$(SO): $(LIB_OBJ) libos/libskywalk.map
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared -Wl,-soname,libskywalk.so.$(SOVER) \
		-Wl,--version-script=libos/libskywalk.map $(LDFLAGS) \
		-o $@ $(LIB_OBJ) $(LIBS)
	$(Q)ln -sf libskywalk.so.$(SOVER) $(BUILD)/libskywalk.so

$(ALIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(KLIB): $(KERN_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(DAEMON): $(OBJ)/cuse-dev/main.o $(KLIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(FUSE_LIBS) $(LIBS)

# Tools and examples link the shared library, as a user's program would.
$(BUILD)/%: $(OBJ)/tools/%.o $(SO)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< -L$(BUILD) -lskywalk \
		-Wl,-rpath,'$$ORIGIN' $(LIBS)

$(BUILD)/examples/%: $(OBJ)/examples/%.o $(SO)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< -L$(BUILD) -lskywalk \
		-Wl,-rpath,'$$ORIGIN/..' $(LIBS)

# Integration test programs are ordinary Skywalk programs, like examples.
$(BUILD)/tests/prog/%: $(OBJ)/tests/prog/%.o $(SO)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< -L$(BUILD) -lskywalk \
		-Wl,-rpath,'$$ORIGIN/../..' $(LIBS)

# Unit tests link the kernel and the library statically: they drive both
# directly, without a door.
$(BUILD)/tests/%: $(OBJ)/tests/unit/%.o $(TLIB_OBJ) $(KLIB) $(ALIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(TLIB_OBJ) $(KLIB) $(ALIB) \
		$(CHECK_LIBS) $(FUSE_LIBS) $(LIBS)

deps:
	$(Q)scripts/install-deps

test: deps
	$(Q)$(MAKE) --no-print-directory all units
	$(Q)BUILD=$(BUILD) tests/run-tests

test-unit: units
	$(Q)BUILD=$(BUILD) tests/run-tests --unit

test-integration: all
	$(Q)BUILD=$(BUILD) tests/run-tests --integration

# The million-packet echo through both doors (documented in README).
million: all
	$(Q)BUILD=$(BUILD) SKCHAN_ECHO_COUNT=1000000 tests/run-tests \
		--integration --only echo

bench: all
	$(Q)BUILD=$(BUILD) tools/bench-sync.sh $(ARGS)

# TAP-path throughput next to raw TAP read()/write() (root; netns, UML).
bench-netif: all
	$(Q)BUILD=$(BUILD) tools/bench-netif.sh $(ARGS)

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) scripts/demo $(ARGS)

install: all
	install -d $(DESTDIR)$(INCDIR)/skywalk $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(MANDIR)/man4 $(DESTDIR)$(MANDIR)/man8
	install -m 644 include/skywalk/*.h $(DESTDIR)$(INCDIR)/skywalk/
	install -m 755 $(SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libskywalk.so.$(SOVER) $(DESTDIR)$(LIBDIR)/libskywalk.so
	install -m 644 $(ALIB) $(DESTDIR)$(LIBDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
		-e 's|@INCDIR@|$(INCDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
		libos/skywalk.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/skywalk.pc
	install -m 755 $(DAEMON) $(DESTDIR)$(SBINDIR)/
	$(if $(TOOLS),install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)/)
	install -m 644 $(wildcard man/*.4) $(DESTDIR)$(MANDIR)/man4/
	install -m 644 $(wildcard man/*.8) $(DESTDIR)$(MANDIR)/man8/

uninstall:
	rm -rf $(DESTDIR)$(INCDIR)/skywalk
	rm -f $(DESTDIR)$(LIBDIR)/libskywalk.* \
		$(DESTDIR)$(LIBDIR)/pkgconfig/skywalk.pc \
		$(DESTDIR)$(SBINDIR)/cuse-dev \
		$(TOOLS:$(BUILD)/%=$(DESTDIR)$(BINDIR)/%)

lint:
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --suppress=missingIncludeSystem -Iinclude \
		--include=/usr/include/x86_64-linux-gnu/sys/queue.h \
		-D_GNU_SOURCE libos cuse-dev backend tools
	$(Q)clang-tidy --quiet $(LIB_SRC) $(KERN_SRC) cuse-dev/main.c \
		$(TOOL_SRC) -- $(CPPFLAGS) $(FUSE_CFLAGS) $(CSTD) 2>/dev/null

format:
	$(Q)clang-format -i $(LIB_SRC) $(KERN_SRC) cuse-dev/*.h libos/*.h

clean:
	rm -rf build build-asan build-ubsan

help:
	@echo "skchan make targets:"
	@echo "  all (default)     library, daemon, tools, examples"
	@echo "  test              install deps, build, run unit + integration tests (UML for CUSE)"
	@echo "  test-unit         Check unit suites only"
	@echo "  test-integration  integration tests only (both doors)"
	@echo "  million           the 1,000,000-packet echo through both doors"
	@echo "  bench             sync cost through each door (benchmark, not a test)"
	@echo "  bench-netif       netif TAP-path pps beside raw TAP read/write (root)"
	@echo "  run               the demo"
	@echo "  install           PREFIX=$(PREFIX) DESTDIR= ; headers, libs, skywalk.pc, binaries, man pages"
	@echo "  lint / format     cppcheck + clang-tidy / clang-format"
	@echo "  clean"
	@echo "variables: V=1 (commands), SANITIZE=1 (ASan+UBSan), SANITIZE=ubsan, DEBUG=1"

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)
