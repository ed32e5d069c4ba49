#!/usr/bin/env bats
# Malformed input to rump_server: a hand-written raw client
# (tests/sp/h_badframe.c) sends truncated, oversized, wrong-type and
# garbage frames, or never reads its replies.  Each time the server must
# log, drop that one connection and keep serving: a well-behaved client
# connected before the bad one keeps working, a new one works afterwards,
# and the server process is alive.  (The frame decoder's fuzz target is
# fuzz.bats.)
load helpers
load sp_helpers
setup() { common_setup; }
teardown() { common_teardown; }

# bad_case CASE LOGPATTERN: runs h_badframe CASE next to a connected
# client that keeps making calls, then checks the log and the server.
bad_case()
{
	local bystander st=0
	start_server -lrumpvfs
	# a client that is in the middle of its life while the bad one runs
	"$SPT/h_reconcli" 4 restart >"$TMP/bystander.out" 2>&1 3>&- &
	bystander=$!
	track_pid "$bystander"
	sleep 0.3
	run timeout 30 "$SPT/h_badframe" "$1"
	echo "$output"
	[ "$status" -eq 0 ]
	server_alive
	client_works
	wait "$bystander" || st=$?
	cat "$TMP/bystander.out"
	[ "$st" -eq 0 ]
	# it never had to reconnect: its connection was not touched
	! grep -q 'connection to kernel lost' "$TMP/bystander.out"
	if [[ -n ${2:-} ]]; then
		grep -E -- "$2" "$TMP/server.log"
	fi
}

@test "sp malformed: half a header, then close" {
	bad_case truncated
}

@test "sp malformed: a frame cut short in its body, then close" {
	bad_case truncbody
}

@test "sp malformed: a length field past the maximum frame size" {
	bad_case oversized 'malformed frame .*dropping the connection'
}

@test "sp malformed: a length field smaller than the header" {
	bad_case undersized 'malformed frame .*dropping the connection'
}

@test "sp malformed: an unknown frame type" {
	bad_case wrongtype 'malformed frame .*dropping the connection'
}

@test "sp malformed: a request with unknown flag bits" {
	bad_case badflags 'malformed frame .*dropping the connection'
}

@test "sp malformed: a server-only frame type (RAISE) from a client" {
	bad_case notrequest 'malformed frame .*dropping the connection'
}

@test "sp malformed: garbage instead of a handshake" {
	bad_case garbage 'dropping the connection'
}

@test "sp malformed: a valid handshake followed by garbage" {
	bad_case hsgarbage 'dropping the connection'
}

@test "sp malformed: a system call with bytes after its arguments" {
	bad_case badbody 'malformed system call.*dropping the connection'
}

@test "sp malformed: a system call before the handshake" {
	bad_case early 'not allowed before the handshake'
}

@test "sp malformed: a client that sends requests and never reads the replies" {
	bad_case noread 'does not read its replies'
}

# Shared-memory lanes (sp/lane.h): the hostile client maps the memfd it
# was given and writes into the rings what a real client never would.

@test "sp malformed: lane: a garbage frame header in the request ring" {
	bad_case lanegarbage 'malformed (frame in the )?lane'
}

@test "sp malformed: lane: an impossible request ring index" {
	bad_case laneindex 'malformed lane'
}

@test "sp malformed: lane: a confirmation with the wrong nonce" {
	bad_case lanenonce 'lane confirmation does not match'
}

@test "sp malformed: lane: a HANDSHAKE frame through the ring" {
	bad_case lanetype 'malformed frame in the lane'
}

@test "sp malformed: lane: the memfd is sealed, and a call through it works" {
	# h_badframe fails unless both ftruncates fail with EPERM and the
	# reply comes; no drop is expected, so no log line either
	bad_case laneseal
}

@test "sp malformed: lane: a client that floods the ring and never reads the replies" {
	bad_case laneflood 'does not read its replies'
}

@test "sp malformed: an impossible reply ring tail in a lane" {
	bad_case lanetail 'corrupt lane: dropping the connection'
}

@test "sp malformed: a second lane offer is refused, the first lane keeps working" {
	bad_case lanereoffer
}

@test "sp malformed: lane calls of connections going away are cancelled, no thread stays" {
	local thr0
	start_server -lrumpvfs
	thr0=$(server_threads)
	run timeout 120 "$SPT/h_badframe" lanerace 150
	echo "$output"
	[ "$status" -eq 0 ]
	server_alive
	wait_idle "$thr0"
	client_works
}
