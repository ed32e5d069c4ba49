# sptests.mk — client helper programs for the sysproxy end-to-end tests
# (tests/e2e/sysproxy.bats, sp_malformed.bats): NetBSD's t_sp/t_exec/t_fd
# helpers rewritten for our client.  Each links the shared librumpclient
# with an rpath to build/lib, so the tests run them in place.  They live in
# build/tests/sp/, not build/tests/bin/: they are not cmocka programs.
# h_badframe speaks the wire protocol by hand and links the codec (libsp.a)
# only for the table of call numbers.
SPT_DIR    := $(B)/tests/sp
SPT_CLI    := h_simplecli h_stresscli h_forkcli h_sigcli h_reconcli h_exec h_intr \
	      h_bigio h_lane
SPT_BINS   := $(addprefix $(SPT_DIR)/,$(SPT_CLI)) $(SPT_DIR)/h_badframe
SPT_CFLAGS := -std=gnu17 $(WARN) -D_GNU_SOURCE -pthread -O1 -g -I$(B)/include -Itests/sp

$(SPT_DIR)/h_%: tests/sp/h_%.c tests/sp/h_common.h $(B)/lib/librumpclient.so \
		$(B)/include/rump/rumpclient.h $(GEN) $(PUBHDR)
	@mkdir -p $(dir $@)
	$(CC) $(SPT_CFLAGS) -o $@ $< -L$(B)/lib -lrumpclient \
	    -Wl,-rpath,$(abspath $(B)/lib) -pthread

$(SPT_DIR)/h_badframe: tests/sp/h_badframe.c tests/sp/h_common.h $(B)/lib/libsp.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(SPT_CFLAGS) -I. -Isys -I$(B)/gen -o $@ $< $(B)/lib/libsp.a -pthread

.PHONY: sptests
sptests: $(SPT_BINS) $(B)/bin/rump_server $(B)/bin/rump.sysctl $(B)/bin/rump.halt
TEST_BINS += $(SPT_BINS)
