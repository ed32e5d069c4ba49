#!/usr/bin/env bats
# hijack_conn.bats — a hijacked program and a kernel that is not there or
# goes away: one line naming RUMP_SERVER and exit 1 when none is
# reachable at the start; after a halt, rump calls fail with ENOTCONN
# (the default: no reconnect) or the program exits (die).  Never a hang:
# everything runs under short timeouts (status 124 means one fired).

bats_require_minimum_version 1.5.0

load helpers
load hijack_helpers

setup()
{
	common_setup
	need_hijack
	cd "$TMP"
}

teardown()
{
	common_teardown
}

# unreachable: the hijacked cat of a rump file stops with status 1 and
# one line on stderr naming RUMP_SERVER
unreachable()
{
	HJ_TIMEOUT=20 run --separate-stderr hj cat /rump/dev/null
	[[ $status -eq 1 && -z $output ]] ||
	    fail_with "status $status (expected 1), stdout '$output'," \
	    "stderr '$stderr'" || return 1
	[[ ${#stderr_lines[@]} -eq 1 && $stderr == *RUMP_SERVER* ]] ||
	    fail_with "expected one line naming RUMP_SERVER, got: $stderr"
}

@test "no server at RUMP_SERVER: one line naming it, exit 1" {
	export RUMP_SERVER=unix://$TMP/nosock
	unreachable
	[[ $stderr == *"$TMP/nosock"* ]] ||
	    fail_with "the line does not say which server: $stderr"
}

# (inftime keeps trying to connect at start too, by design of init.c: a
# server may be about to come up; so it is not tested here)
@test "no server, RUMPHIJACK_RETRYCONNECT=once or 1: gives up, one line" {
	export RUMP_SERVER=unix://$TMP/nosock
	RUMPHIJACK_RETRYCONNECT=once unreachable
	RUMPHIJACK_RETRYCONNECT=1 unreachable
}

@test "a socket nobody listens on: one line, exit 1" {
	export RUMP_SERVER=unix://$TMP/deadsock
	python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
	    "$TMP/deadsock"
	unreachable
}

@test "RUMP_SERVER unset: one line naming it, exit 1" {
	unset RUMP_SERVER
	unreachable
}

@test "RUMP_SERVER malformed: one line naming it, exit 1" {
	export RUMP_SERVER=bogus://x
	unreachable
}

# halted POLICY: h_client afterhalt under the preload opens a rump file,
# says "ready"; we halt the server, then let it go on
halted()
{
	mkfifo "$TMP/go"
	hj_server
	# timeout itself in the background, not a subshell: killing it in
	# teardown passes the signal on to h_client
	timeout 30 env LD_PRELOAD="$HIJACK_LIB" "$HJT/h_client" afterhalt \
	    "$TMP/go" >"$TMP/out" 2>"$TMP/err" 3>&- &
	local pid=$! i
	track_pid "$pid"
	for i in $(seq 200); do
		grep -q ready "$TMP/out" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	grep -q ready "$TMP/out" ||
	    { cat "$TMP/err" >&2; fail_with "h_client did not get ready"; } ||
	    return 1
	hj_halt || return 1
	# read-write open: never blocks, even if the client already left
	echo go 1<>"$TMP/go"
	HSTATUS=0
	wait "$pid" || HSTATUS=$?
}

@test "server halted under a running program: rump calls fail with ENOTCONN" {
	halted
	[[ $HSTATUS -eq 0 ]] ||
	    { cat "$TMP/err" >&2; fail_with "h_client: status $HSTATUS"; }
	fail_unless_eq "h_client afterhalt" \
	    "$(printf 'ready\nstat: ENOTCONN\nwrite: ENOTCONN')" "$(cat "$TMP/out")"
}

@test "server halted, RUMPHIJACK_RETRYCONNECT=die: the program exits" {
	export RUMPHIJACK_RETRYCONNECT=die
	halted
	[[ $HSTATUS -eq 1 ]] ||
	    { cat "$TMP/out" "$TMP/err" >&2; fail_with "h_client: status $HSTATUS, expected 1"; }
	fail_unless_eq "h_client afterhalt" ready "$(cat "$TMP/out")"
}
