# client.mk — librumpclient (docs/man/rumpclient.3): the remote rump_sys_*
# stubs generated from the syscall table, the client transport in
# client/, and the wire codec shared with the server in sp/.  Only
# rump_sys_* and rumpclient_* are exported.
CLIENT_SRC := $(sort $(wildcard client/*.c sp/*.c)) $(B)/gen/client_stubs.c $(B)/gen/systab.c
CLIENT_OBJ := $(patsubst %.c,$(B)/obj/client-lib/%.o,$(patsubst $(B)/%,%,$(CLIENT_SRC)))
CLIENT_HDR := $(wildcard client/*.h sp/*.h) $(B)/include/rump/rumpclient.h

all: $(B)/lib/librumpclient.so $(B)/lib/librumpclient.a $(B)/include/rump/rumpclient.h

$(B)/obj/client-lib/%.o: %.c $(HDRS) $(CLIENT_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -fvisibility=hidden -c $< -o $@
$(B)/obj/client-lib/gen/%.o: $(B)/gen/%.c $(HDRS) $(CLIENT_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -fvisibility=hidden -c $< -o $@

$(B)/lib/librumpclient.so: $(CLIENT_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,--no-undefined -Wl,-soname,librumpclient.so.0 -o $@ $^ $(LDLIBS)
	ln -sf librumpclient.so $(B)/lib/librumpclient.so.0
$(B)/lib/librumpclient.a: $(CLIENT_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
