# bench.mk — `make bench`: ratios against the host, measured in one run.
# No timed assertions: the numbers are for reading (DESIGN.md §10).
#  - bench/bench.c (build/bench/bench): local rump_sys_* calls against
#    librump.a versus the host's own calls, ns/op and ratio;
#  - bench/sp*.c (build/bench/spbench): calls through librumpclient to
#    rump_servers the bench starts and stops itself, against raw socket
#    ping-pong and host tmpfs references (bench/spbench.h says which);
#  - bench/hijack.sh: what librumphijack adds to a host call (the same
#    program with and without the preload) and a rump-routed stat against
#    the raw remote call.
BENCH   := $(B)/bench/bench
SPBENCH := $(B)/bench/spbench
SPBENCH_SRC := $(sort $(wildcard bench/sp*.c))

$(BENCH): bench/bench.c $(B)/lib/librump.a $(PUBHDR) $(GEN)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu17 $(WARN) -D_GNU_SOURCE -O2 -g -I$(B)/include \
	    -o $@ bench/bench.c $(B)/lib/librump.a -pthread

$(SPBENCH): $(SPBENCH_SRC) bench/spbench.h $(B)/lib/librumpclient.a \
	    $(B)/include/rump/rumpclient.h $(PUBHDR) $(GEN)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu17 $(WARN) -D_GNU_SOURCE -O2 -g -I$(B)/include \
	    -o $@ $(SPBENCH_SRC) $(B)/lib/librumpclient.a -pthread

bench:
	@$(MAKE) --no-print-directory all $(BENCH) $(SPBENCH) hijacktests
	@$(BENCH)
	@$(SPBENCH) $(B)/bin/rump_server
	@bench/hijack.sh
