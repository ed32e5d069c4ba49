# server.mk — rump_server and rump_allserver (server/, docs/man/rump_server.1):
# one program, linked statically with the kernel (librump.a) and the
# sysproxy codec (sp/*.c, as sp.mk's SP_SRC); rump_allserver is the same binary
# under another name, which turns every component on.  An ASan+UBSan
# build for tests goes to build/tests/bin-helpers/rump_server-asan.

SERVER_SRC  := $(sort $(wildcard server/*.c))
# the same files as sp.mk's SP_SRC, which is not yet defined when this
# file is read (mk/*.mk are included in name order)
SERVER_SP   := $(sort $(wildcard sp/*.c))
SERVER_HDRS := $(wildcard server/*.h) $(wildcard sp/*.h)
SERVER_CFLAGS = -std=gnu17 $(WARN) -D_GNU_SOURCE -pthread -I. -Iinclude \
	-I$(B)/include -Isys -I$(B)/gen

all: $(B)/bin/rump_server $(B)/bin/rump_allserver

$(B)/bin/rump_server: $(SERVER_SRC) $(SERVER_SP) $(SERVER_HDRS) $(B)/lib/librump.a $(GEN) $(PUBHDR)
	@mkdir -p $(dir $@)
	$(CC) $(SERVER_CFLAGS) $(CFLAGS) -o $@ $(SERVER_SRC) $(SERVER_SP) \
	    $(B)/lib/librump.a -pthread

$(B)/bin/rump_allserver: $(B)/bin/rump_server
	cp $< $@

$(B)/tests/bin-helpers/rump_server-asan: $(SERVER_SRC) $(SERVER_SP) $(SERVER_HDRS) $(B)/lib/librump-asan.a $(GEN) $(PUBHDR)
	@mkdir -p $(dir $@)
	$(CC) $(SERVER_CFLAGS) $(ASAN_FLAGS) -o $@ $(SERVER_SRC) $(SERVER_SP) \
	    $(B)/lib/librump-asan.a -pthread

.PHONY: server server-asan
server: $(B)/bin/rump_server $(B)/bin/rump_allserver
server-asan: $(B)/tests/bin-helpers/rump_server-asan
