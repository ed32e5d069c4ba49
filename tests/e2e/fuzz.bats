#!/usr/bin/env bats
# The frame decoder under libFuzzer for a bounded time: any crash, leak or
# sanitizer report fails the test and leaves the input in $TMP.
load helpers
setup() { common_setup; }
teardown() { common_teardown; }

@test "fuzzing the sysproxy frame decoder for 20 seconds finds nothing" {
	mkdir -p "$TMP/corpus"
	run "$B/tests/fuzz/fuzz_frame" -max_total_time=20 -seed=1 \
		-artifact_prefix="$TMP/" "$TMP/corpus"
	echo "$output" | tail -20
	[ "$status" -eq 0 ]
	[[ $output == *"Done "*" runs in "* ]]
}
