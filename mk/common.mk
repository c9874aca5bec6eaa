# mk/common.mk - flags shared by every part of the tree.
#   V=1          show full commands
#   SANITIZE=1   AddressSanitizer + UndefinedBehaviorSanitizer (host only)
#   SANITIZE=ubsan  UBSan alone (runs inside UML, where ASan cannot)
#   DEBUG=1      -O0 and the daemon's SK_DF debug logging

CC      ?= cc
AR      ?= ar
PKG_CONFIG ?= pkg-config

ifeq ($(V),1)
Q :=
else
Q := @
endif

OPT := -O2
ifeq ($(DEBUG),1)
OPT := -O0
DEFS += -DSK_LOG_DEBUG
endif

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wno-unused-parameter -Wformat=2
CSTD := -std=gnu11

SAN :=
BUILD ?= build
ifeq ($(SANITIZE),1)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
BUILD := build-asan
endif
ifeq ($(SANITIZE),ubsan)
SAN := -fsanitize=undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
BUILD := build-ubsan
endif

FUSE_CFLAGS := $(shell $(PKG_CONFIG) --cflags fuse3 2>/dev/null)
FUSE_LIBS   := $(shell $(PKG_CONFIG) --libs fuse3 2>/dev/null)
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS  := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

CPPFLAGS += -Iinclude $(DEFS) -D_GNU_SOURCE
CFLAGS   += $(CSTD) $(OPT) -g $(WARN) $(SAN) -fPIC -MMD -MP
LDFLAGS  += $(SAN)
