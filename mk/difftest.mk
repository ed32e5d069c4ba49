# difftest.mk — the differential test (tests/diff/: host tmpfs vs rump,
# result logs compared line by line) and the concurrency test
# (tests/concurrency/: threads and processes hammering one tree), all
# cmocka programs found by the check runner:
#   $(B)/tests/bin/t_diff           ASan+UBSan, librump-asan.a
#   $(B)/tests/bin/t_concurrency    ASan+UBSan, librump-asan.a
#   $(B)/tests/tsan/t_concurrency   ThreadSanitizer, librump-tsan.a
#   make difftest-syntax            compile them only (no library needed)
DIFF_SRC := $(sort $(wildcard tests/diff/*.c))
CONC_SRC := $(sort $(wildcard tests/concurrency/*.c))
CONC_HDR := tests/concurrency/conc.h
# Paths here are short and bounded; gcc's truncation guesses are noise.
DT_CFLAGS := -std=gnu17 $(WARN) -Wno-format-truncation -D_GNU_SOURCE \
	-pthread -O1 -g -fno-omit-frame-pointer -I$(B)/include
DT_ASAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
DT_TSAN := -fsanitize=thread
DT_DEPS := $(GEN) $(PUBHDR)

TEST_BINS += $(B)/tests/bin/t_diff $(B)/tests/bin/t_concurrency \
	$(B)/tests/tsan/t_concurrency

.PHONY: difftest-bins difftest-syntax
difftest-bins: $(B)/tests/bin/t_diff $(B)/tests/bin/t_concurrency \
	$(B)/tests/tsan/t_concurrency

$(B)/tests/bin/t_diff: $(DIFF_SRC) tests/diff/difftest.h $(DT_DEPS) \
    $(B)/lib/librump-asan.a
	@mkdir -p $(dir $@)
	$(CC) $(DT_CFLAGS) $(DT_ASAN) -o $@ $(DIFF_SRC) \
	    $(B)/lib/librump-asan.a -lcmocka -pthread

$(B)/tests/bin/t_concurrency: $(CONC_SRC) $(CONC_HDR) $(DT_DEPS) \
    $(B)/lib/librump-asan.a
	@mkdir -p $(dir $@)
	$(CC) $(DT_CFLAGS) $(DT_ASAN) -o $@ $(CONC_SRC) \
	    $(B)/lib/librump-asan.a -lcmocka -pthread

$(B)/tests/tsan/t_concurrency: $(CONC_SRC) $(CONC_HDR) $(DT_DEPS) \
    $(B)/lib/librump-tsan.a
	@mkdir -p $(dir $@)
	$(CC) $(DT_CFLAGS) $(DT_TSAN) -DCONC_ITERS_DEFAULT=8000 \
	    -o $@ $(CONC_SRC) \
	    $(B)/lib/librump-tsan.a -lcmocka -pthread

difftest-syntax: $(DT_DEPS)
	@for f in $(DIFF_SRC) $(CONC_SRC); do \
		echo "CC -c $$f"; \
		$(CC) $(DT_CFLAGS) $(DT_ASAN) -fsyntax-only $$f || exit 1; \
	done
