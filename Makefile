# Top-level build: everything lands in build/ (see README).
#   make            library, headers, tools
#   make check      unit (cmocka, ASan+UBSan) and end-to-end (bats) tests
#   make tsan       concurrency tests under ThreadSanitizer (part of check)
#   make bench      ratios against the host, measured in one run
#   make demo       boots a kernel and shows it working
#   make install PREFIX=/usr/local
B       := build
PREFIX  ?= /usr/local
CC      ?= cc
PYTHON  ?= python3

WARN    := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS_COMMON := -std=gnu17 $(WARN) -pthread -D_GNU_SOURCE -fPIC \
	-I. -Iinclude -I$(B)/include -Isys -I$(B)/gen
CFLAGS  ?= -O2 -g
ALLCFLAGS = $(CFLAGS_COMMON) $(CFLAGS)
LDLIBS  := -pthread

KERN_SRC := $(sort $(wildcard sys/*/*.c sys/*/*/*.c)) $(B)/gen/sysent.c
GEN      := $(B)/include/rump/rump_syscalls.h $(B)/gen/sys_protos.h $(B)/gen/sysent.c \
	    $(B)/gen/client_stubs.c $(B)/gen/systab.c
PUBHDR   := $(B)/include/rump/rump.h $(B)/include/rump/rumpdefs.h
HDRS     := $(wildcard sys/*/*.h sys/*/*/*.h) $(GEN) $(PUBHDR)

# Object sets per flavour: normal, asan (ASan+UBSan), tsan.
objs = $(patsubst %.c,$(B)/$(1)/%.o,$(patsubst $(B)/%,%,$(KERN_SRC)))
OBJ       := $(call objs,obj)
ASAN_OBJ  := $(call objs,asan)
TSAN_OBJ  := $(call objs,tsan)
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
TSAN_FLAGS := -O1 -g -fsanitize=thread -fno-omit-frame-pointer

all: $(B)/lib/librump.so $(B)/lib/librump.a $(PUBHDR)
.PHONY: all check unit e2e tsan bench demo install clean setup

$(GEN) &: sys/kern/syscalls.tab scripts/gensys.py
	@mkdir -p $(B)/include/rump $(B)/gen
	$(PYTHON) scripts/gensys.py sys/kern/syscalls.tab $(B)

$(B)/include/rump/%.h: include/rump/%.h
	@mkdir -p $(dir $@)
	cp $< $@

$(B)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -fvisibility=hidden -c $< -o $@
$(B)/obj/gen/%.o: $(B)/gen/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -fvisibility=hidden -c $< -o $@
$(B)/asan/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(ASAN_FLAGS) -c $< -o $@
$(B)/asan/gen/%.o: $(B)/gen/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(ASAN_FLAGS) -c $< -o $@
$(B)/tsan/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(TSAN_FLAGS) -c $< -o $@
$(B)/tsan/gen/%.o: $(B)/gen/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(TSAN_FLAGS) -c $< -o $@

$(B)/lib/librump.so: $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,--no-undefined -Wl,-soname,librump.so.0 -o $@ $^ $(LDLIBS)
$(B)/lib/librump.a: $(OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
# Sanitizer flavours are archives: tests link them statically.
$(B)/lib/librump-asan.a: $(ASAN_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(B)/lib/librump-tsan.a: $(TSAN_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

clean:
	rm -rf $(B)

-include mk/*.mk
