# hijacktests.mk — helper programs for the librumphijack end-to-end tests
# (tests/e2e/hijack*.bats) and bench/hijack.sh.  The h_* programs are
# plain C with no rump library: the tests run them under LD_PRELOAD of
# build/lib/librumphijack.so, which is the point.  b_rstat is the
# benchmark's reference, the raw remote call through librumpclient (rpath
# to build/lib, run in place).  They live in build/tests/hijack/, not
# build/tests/bin/: check.sh must not run them as cmocka programs.
HJT_DIR    := $(B)/tests/hijack
HJT_BINS   := $(addprefix $(HJT_DIR)/,h_client h_cwd h_hostcalls h_review b_rstat)
HJT_CFLAGS := -std=gnu17 $(WARN) -D_GNU_SOURCE -O2 -g -Itests/hijack

$(HJT_DIR)/h_%: tests/hijack/h_%.c tests/hijack/h_common.h tests/sp/h_common.h
	@mkdir -p $(dir $@)
	$(CC) $(HJT_CFLAGS) -o $@ $<

$(HJT_DIR)/b_rstat: tests/hijack/b_rstat.c $(B)/lib/librumpclient.so \
		$(B)/include/rump/rumpclient.h $(GEN) $(PUBHDR)
	@mkdir -p $(dir $@)
	$(CC) $(HJT_CFLAGS) -I$(B)/include -o $@ $< -L$(B)/lib -lrumpclient \
	    -Wl,-rpath,$(abspath $(B)/lib) -pthread

.PHONY: hijacktests
hijacktests: $(HJT_BINS) $(B)/lib/librumphijack.so $(B)/bin/rump_server \
	$(B)/bin/rump.halt
TEST_BINS += $(HJT_BINS)
