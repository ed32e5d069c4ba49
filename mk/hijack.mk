# hijack.mk — librumphijack (docs/man/rumphijack.3): hijack/*.c plus the
# client (client/, sp/, the generated stubs) linked in with hidden
# visibility.  Only the glibc functions we interpose are exported; the
# version script keeps rump_sys_*/rumpclient_* local so a program that
# links librumpclient itself keeps its own.
#
# librumphijack-asan.so is the same library with ASan+UBSan (ASAN_FLAGS)
# for tests/e2e/hijack_asan.bats: hijack/ and the client recompiled into
# $(B)/asan-hijack/.  ASan must be the process's first library, so it
# stays gcc's shared runtime and the program loads it ahead of us:
#	LD_PRELOAD="$(gcc -print-file-name=libasan.so) build/lib/librumphijack-asan.so"
# The UBSan runtime is linked in statically and hidden (--exclude-libs):
# the shared libubsan would bind its report-file setup to libasan's
# exported copy and ignore UBSAN_OPTIONS=log_path, and the test needs
# that to see reports of children whose stderr is not the terminal's.
HIJACK_SRC := $(sort $(wildcard hijack/*.c))
HIJACK_OBJ := $(patsubst %.c,$(B)/obj/hijack/%.o,$(HIJACK_SRC))
HIJACK_HDR := $(wildcard hijack/*.h)
HIJACK_XFLAGS := -fvisibility=hidden -U_FORTIFY_SOURCE -fno-builtin \
	-ftls-model=initial-exec
HIJACK_CFLAGS = $(ALLCFLAGS) $(HIJACK_XFLAGS)

all: $(B)/lib/librumphijack.so

$(B)/obj/hijack/%.o: %.c $(HDRS) $(CLIENT_HDR) $(HIJACK_HDR) $(B)/include/rump/rumpclient.h
	@mkdir -p $(dir $@)
	$(CC) $(HIJACK_CFLAGS) -c $< -o $@

$(B)/lib/librumphijack.so: $(HIJACK_OBJ) $(CLIENT_OBJ) hijack/hijack.map
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,--no-undefined -Wl,-soname,librumphijack.so \
	    -Wl,--version-script=hijack/hijack.map -o $@ \
	    $(HIJACK_OBJ) $(CLIENT_OBJ) -ldl $(LDLIBS)

# The sanitizer flavour: every source of the library, client included,
# in one object tree of its own ($(B)/asan is the kernel's).  GCC warns
# that sanitizers make -Wmaybe-uninitialized report false positives (it
# does, at -O1, in loops that always run once); the -O2 build keeps that
# warning an error.
HJA_DIR := $(B)/asan-hijack
HJA_OBJ := $(patsubst %.c,$(HJA_DIR)/%.o,$(patsubst $(B)/%,%,$(HIJACK_SRC) $(CLIENT_SRC)))
HJA_CFLAGS = $(CFLAGS_COMMON) $(ASAN_FLAGS) $(HIJACK_XFLAGS) \
	-Wno-maybe-uninitialized
HJA_DEPS = $(HDRS) $(CLIENT_HDR) $(HIJACK_HDR) $(B)/include/rump/rumpclient.h

$(HJA_DIR)/%.o: %.c $(HJA_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(HJA_CFLAGS) -c $< -o $@
$(HJA_DIR)/gen/%.o: $(B)/gen/%.c $(HJA_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(HJA_CFLAGS) -c $< -o $@

$(B)/lib/librumphijack-asan.so: $(HJA_OBJ) hijack/hijack.map
	@mkdir -p $(dir $@)
	$(CC) -fsanitize=address,undefined -static-libubsan -shared \
	    -Wl,--exclude-libs,libubsan.a -Wl,--no-undefined \
	    -Wl,-soname,librumphijack-asan.so \
	    -Wl,--version-script=hijack/hijack.map -o $@ \
	    $(HJA_OBJ) -ldl $(LDLIBS)

# hijack_asan.bats preloads this after the library: it points the ASan
# reports at a file (tests/hijack/asan_logpath.c says why not log_path)
$(B)/tests/hijack/asan_logpath.so: tests/hijack/asan_logpath.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu17 $(WARN) -O1 -g -fPIC -fsanitize=address -shared \
	    -Wl,--no-undefined -o $@ $<

# built by `make check` (check-build) and by `make e2e` (hijacktests)
HJA_TEST := $(B)/lib/librumphijack-asan.so $(B)/tests/hijack/asan_logpath.so
TEST_BINS += $(HJA_TEST)
hijacktests: $(HJA_TEST)
