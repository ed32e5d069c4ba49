#!/usr/bin/env bats
# demo.bats — the `make demo` program builds, runs to its halt and shows
# what the kernel says about itself.

load helpers
setup() { common_setup; }
teardown() { common_teardown; }

@test "the demo builds and runs to the halt" {
	need_lib
	rmake build/demo/demo >"$TMP/make.log" 2>&1 || { cat "$TMP/make.log"; false; }
	status=0
	"$B/demo/demo" >"$TMP/out" 2>"$TMP/err" || status=$?
	cat "$TMP/out" "$TMP/err"
	[ "$status" -eq 0 ]
	[ ! -s "$TMP/err" ]
	tail -n 1 "$TMP/out" | grep -q 'rump_sys_reboot(RUMP_RB_HALT)'
}

@test "the demo prints the kernel's identity from sysctl" {
	need_lib
	rmake build/demo/demo >"$TMP/make.log" 2>&1 || { cat "$TMP/make.log"; false; }
	run "$B/demo/demo"
	echo "$output"
	[ "$status" -eq 0 ]
	hostpid=$(sed -n -E 's/.*host pid ([0-9]+)\).*/\1/p' <<<"$output")
	[ -n "$hostpid" ]
	grep -Eq '^  kern\.ostype +Rump$' <<<"$output"
	grep -Eq '^  kern\.osrelease +[0-9]+\.[0-9]+' <<<"$output"
	grep -Eq "^  kern\.hostname +rump-0*$hostpid(\.|\$)" <<<"$output"
	grep -Eq '^  vfs\.generic\.fstypes +(.* )?tmpfs( |$)' <<<"$output"
	grep -Eq '^  hw\.ncpu +[1-9]' <<<"$output"
	grep -Eq '^  uname: Rump ' <<<"$output"
}

@test "the demo's file, pipe and permission steps report real results" {
	need_lib
	rmake build/demo/demo >"$TMP/make.log" 2>&1 || { cat "$TMP/make.log"; false; }
	run "$B/demo/demo"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q 'read /tmp/demo/hello.txt: hello from a rump kernel' <<<"$output"
	grep -q '3145728 bytes, contents identical' <<<"$output"
	grep -q 'symlink /tmp/demo/greeting -> hello.txt' <<<"$output"
	grep -q 'now has 2 links' <<<"$output"
	grep -Eq '^  lrwxrwxrwx +1 +0 +0 +9 .* greeting -> hello.txt$' <<<"$output"
	grep -Eq '^  drwxr-xr-x .* src$' <<<"$output"
	grep -q 'reader got 1000 lines, 8890 bytes' <<<"$output"
	grep -q 'open /tmp/demo/secret (mode 0600, owner 0): Permission denied' <<<"$output"
	grep -q 'write kern.hostname as uid 1000: Operation not permitted' <<<"$output"
	grep -q 'kern.hostname: rump-.* -> demo.rump.example' <<<"$output"
	grep -q 'uname nodename: demo.rump.example' <<<"$output"
}

@test "the demo's second half runs two kernel servers, configures them and halts them" {
	need_lib
	run sh "$ROOT/demo/remote.sh" "$B"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx 'kern.hostname: rump-[0-9]*.*-> kernel-a' <<<"$output"
	grep -qx 'kern.hostname = kernel-b' <<<"$output"
	grep -qx 'hw.physmem64 = 67108864' <<<"$output"
	grep -q "second level name 'nosuchnode' in 'kern.nosuchnode' is invalid" <<<"$output"
	grep -qx 'both kernels halted; their sockets are gone' <<<"$output"
	[ "$(grep -c 'cannot access' <<<"$output")" -eq 2 ]
}

@test "the demo's third part runs tar, ls, sh, sqlite3 and bash on the kernel's files through the preload" {
	need_lib
	[[ -f $B/lib/librumphijack.so ]] || fail_with "librumphijack.so missing"
	run sh "$ROOT/demo/hijack.sh" "$B"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -Eq '^-rw-r--r-- 1 .* README\.md$' <<<"$output"
	grep -Eq ' rumphijack\.3$' <<<"$output"
	grep -qx '/rump/src' <<<"$output"
	grep -qx '2|rump,kernel' <<<"$output"
	pages=$(ls "$ROOT"/docs/man/*.[1-9] | wc -l)
	grep -qx "$pages" <<<"$output"
	grep -Eq ' /rump$' <<<"$output"
	grep -q "cannot access '/rump'" <<<"$output"
}
