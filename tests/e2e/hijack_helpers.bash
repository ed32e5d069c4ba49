# hijack_helpers.bash — running programs under librumphijack against a
# rump_server started by the test (hijack*.bats); load after helpers.bash:
#	load helpers
#	load hijack_helpers
#	setup() { common_setup; need_hijack; }
#	teardown() { common_teardown; }
# Every test starts its own server in the foreground (-s, so the pid is
# ours to track and common_teardown kills it even when the test failed)
# on a socket in its own $TMP, so the tests run in parallel.  The
# function names here are used by other .bats files: keep them stable.

HIJACK_LIB=$B/lib/librumphijack.so
HJT=$B/tests/hijack

# need_hijack: the preload library, the server and the helper programs
# must exist (make check / make hijacktests build them).
need_hijack()
{
	[[ -f $HIJACK_LIB ]] ||
	    fail_with "build/lib/librumphijack.so missing: make hijacktests"
	[[ -x $B/bin/rump_server && -x $B/bin/rump.halt ]] ||
	    fail_with "build/bin/rump_server or rump.halt missing: make hijacktests"
	[[ -x $HJT/h_client && -x $HJT/h_cwd && -x $HJT/h_hostcalls ]] ||
	    fail_with "build/tests/hijack helpers missing: make hijacktests"
	# The tests run as root and write below /rump: while /rump does not
	# exist on the host, a call the library wrongly sends to the host
	# fails instead of writing into the host's root directory.
	[[ ! -e /rump && ! -L /rump ]] ||
	    fail_with "/rump exists on the host (left by a misrouted call?): remove it"
}

# hj_server [rump_server options...]: starts a kernel with the vfs
# component serving on unix://$TMP/sock, waits until it serves (-v says
# "serving" only once it listens), tracks it, and exports RUMP_SERVER (an
# absolute URL, so hijacked programs may change directory).  Sets
# SERVER_PID; the server's output is in $TMP/server.log.
hj_server()
{
	[[ -x $B/bin/rump_server ]] ||
	    fail_with "build/bin/rump_server missing: make hijacktests" || return 1
	rm -f "$TMP/sock"
	"$B/bin/rump_server" -s -v -lrumpvfs "$@" "unix://$TMP/sock" \
	    >"$TMP/server.log" 2>&1 </dev/null 3>&- &
	SERVER_PID=$!
	track_pid "$SERVER_PID"
	export RUMP_SERVER=unix://$TMP/sock
	wait_serving "$TMP/server.log" "$SERVER_PID" ||
	    fail_with "rump_server did not start"
}

# hj_setup: the usual setup() of a hijack*.bats file: own $TMP, the
# library and helpers present, a server running, $TMP the cwd.
hj_setup()
{
	common_setup
	need_hijack
	hj_server
	cd "$TMP"
}

# hj_halt: stops the server started by hj_server through rump.halt and
# waits for it to exit.
hj_halt()
{
	local i
	"$B/bin/rump.halt" >/dev/null 2>&1 || true
	for i in $(seq 200); do
		kill -0 "$SERVER_PID" 2>/dev/null || { wait "$SERVER_PID" 2>/dev/null; return 0; }
		sleep 0.05
	done
	fail_with "rump_server $SERVER_PID did not exit after rump.halt"
}

# hj_across_halt CMD [args...]: runs `CMD args... $TMP/go` under the
# preload (stdout in $TMP/out, stderr in $TMP/err); once CMD prints
# "ready" the server is halted, then a line on the FIFO $TMP/go lets CMD
# go on.  CMD's exit status is left in HSTATUS.
hj_across_halt()
{
	local pid i
	mkfifo "$TMP/go"
	# timeout itself in the background, not a subshell: killing it in
	# teardown passes the signal on to CMD
	timeout 30 env LD_PRELOAD="$HIJACK_LIB" "$@" "$TMP/go" \
	    >"$TMP/out" 2>"$TMP/err" 3>&- &
	pid=$!
	track_pid "$pid"
	for i in $(seq 200); do
		grep -q ready "$TMP/out" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	grep -q ready "$TMP/out" ||
	    { cat "$TMP/err" >&2; fail_with "$1 did not get ready"; } ||
	    return 1
	hj_halt || return 1
	# read-write open: never blocks, even if CMD already left
	echo go 1<>"$TMP/go"
	HSTATUS=0
	wait "$pid" || HSTATUS=$?
}

# hj CMD [args...]: runs CMD with the preload, RUMPHIJACK as currently
# exported (unset means the default path=/rump), under a 60 s timeout so
# that a hang fails the test instead of stopping the run (HJ_TIMEOUT
# seconds if set; timeout's status 124 says it fired).  Only CMD is
# preloaded, not timeout(1) itself.
hj()
{
	timeout "${HJ_TIMEOUT:-60}" env LD_PRELOAD="$HIJACK_LIB" "$@"
}

# hj_ok CMD [args...]: hj CMD, which must exit 0; otherwise its output
# and status are shown and the test fails.  Its stdout is in $output.
hj_ok()
{
	run hj "$@"
	[[ $status -eq 0 ]] && return 0
	printf '%s\n' "$output" >&2
	fail_with "hijacked '$*' exited with status $status"
}

# hj_sh SCRIPT: runs a shell command line under the preload with dash.
hj_sh()
{
	hj dash -c "$1"
}

# hj_rcat PATH: prints a file of the kernel (PATH relative to /rump) via
# the hijacked cat, for checking what a test wrote there.
hj_rcat()
{
	RUMPHIJACK=path=/rump hj cat "/rump$1"
}

# Writing tests: never make a path the host could take for its own when
# a call goes to the wrong kernel — `mkdir /rump/x`, not `mkdir -p`
# (which would create /rump on the host), `mv -t /rump src`, not
# `mv src /rump` (a rename to /rump).

# fail_unless_eq WHAT EXPECTED ACTUAL: fails with both values shown.
fail_unless_eq()
{
	[[ $2 == "$3" ]] && return 0
	printf '%s differs\n--- expected\n%s\n--- got\n%s\n' "$1" "$2" "$3" >&2
	return 1
}
