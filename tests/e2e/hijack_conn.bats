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

# halted: h_client afterhalt under the preload opens a rump file, says
# "ready"; the server is halted, then it goes on (status in HSTATUS)
halted()
{
	hj_server
	hj_across_halt "$HJT/h_client" afterhalt
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
