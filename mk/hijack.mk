# hijack.mk — librumphijack (docs/man/rumphijack.3): hijack/*.c plus the
# client (client/, sp/, the generated stubs) linked in with hidden
# visibility.  Only the glibc functions we interpose are exported; the
# version script keeps rump_sys_*/rumpclient_* local so a program that
# links librumpclient itself keeps its own.
HIJACK_SRC := $(sort $(wildcard hijack/*.c))
HIJACK_OBJ := $(patsubst %.c,$(B)/obj/hijack/%.o,$(HIJACK_SRC))
HIJACK_HDR := $(wildcard hijack/*.h)
HIJACK_CFLAGS = $(ALLCFLAGS) -fvisibility=hidden -U_FORTIFY_SOURCE \
	-fno-builtin -ftls-model=initial-exec

all: $(B)/lib/librumphijack.so

$(B)/obj/hijack/%.o: %.c $(HDRS) $(CLIENT_HDR) $(HIJACK_HDR) $(B)/include/rump/rumpclient.h
	@mkdir -p $(dir $@)
	$(CC) $(HIJACK_CFLAGS) -c $< -o $@

$(B)/lib/librumphijack.so: $(HIJACK_OBJ) $(CLIENT_OBJ) hijack/hijack.map
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,--no-undefined -Wl,-soname,librumphijack.so \
	    -Wl,--version-script=hijack/hijack.map -o $@ \
	    $(HIJACK_OBJ) $(CLIENT_OBJ) -ldl $(LDLIBS)
