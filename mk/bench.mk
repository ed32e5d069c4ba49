# bench.mk — `make bench`: builds the library (`all`) and bench/bench.c at
# -O2 against librump.a, then prints ns/op for the host's own calls and
# the rump kernel's, and their ratio, all measured in the same run.  No
# timed assertions: the numbers are for reading (DESIGN.md §10).
BENCH := $(B)/bench/bench

$(BENCH): bench/bench.c $(B)/lib/librump.a $(PUBHDR) $(GEN)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu17 $(WARN) -D_GNU_SOURCE -O2 -g -I$(B)/include \
	    -o $@ bench/bench.c $(B)/lib/librump.a -pthread

bench:
	@$(MAKE) --no-print-directory all $(BENCH)
	@$(BENCH)
