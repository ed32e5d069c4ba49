# unit.mk — the cmocka unit tests (tests/unit/t_*.c), one binary per file,
# each booting its own kernel; built with ASan+UBSan against
# librump-asan.a into $(B)/tests/bin/, where the check runner finds them.
#   make unit-bins            build them all
#   make unit-syntax          compile them only (no library needed)
UNIT_SRC   := $(sort $(wildcard tests/unit/t_*.c))
UNIT_BINS  := $(patsubst tests/unit/%.c,$(B)/tests/bin/%,$(UNIT_SRC))
UNIT_CFLAGS := -std=gnu17 $(WARN) -D_GNU_SOURCE -pthread -O1 -g \
	-fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined -I$(B)/include -Isys
UNIT_DEPS  := tests/unit/test_util.h $(GEN) $(PUBHDR)

TEST_BINS += $(UNIT_BINS)

.PHONY: unit-bins unit-syntax
unit-bins: $(UNIT_BINS)

$(B)/tests/bin/t_%: tests/unit/t_%.c $(UNIT_DEPS) $(B)/lib/librump-asan.a
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(B)/lib/librump-asan.a -lcmocka -pthread

unit-syntax: $(UNIT_DEPS)
	@for f in $(UNIT_SRC); do \
		echo "CC -c $$f"; \
		$(CC) $(UNIT_CFLAGS) -fsyntax-only $$f || exit 1; \
	done
