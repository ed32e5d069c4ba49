#!/usr/bin/env bats
# The shared-memory lane (docs/protocol.md §7): same-host clients get one
# on unix sockets and on tcp to a loopback address, lanes and sockets
# carry interleaved replies correctly, fork and exec get lanes of their
# own, RUMPCLIENT_SHM=no and clients that may not open the server's
# memfd fall back to the socket, and the main sysproxy scenarios also
# pass on the socket path alone (sysproxy.bats runs them with lanes).
# Hostile lane clients are in sp_malformed.bats.
load helpers
load sp_helpers
setup() { common_setup; }
teardown()
{
	common_teardown
	[[ -z ${SHARED:-} ]] || rm -rf "$SHARED"
}

# a tcp port nobody listens on right now
free_port()
{
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# a directory every user can reach (the build tree and $TMP may sit
# under directories only root can enter), holding h_lane and its library
shared_dir()
{
	[[ -n ${SHARED:-} ]] && return 0
	SHARED=$(mktemp -d /tmp/splane.XXXXXX)
	chmod 755 "$SHARED"
	cp "$SPT/h_lane" "$B"/lib/librumpclient.so* "$SHARED/"
	chmod -R a+rX "$SHARED"
}

# the result of h_lane which, as uid:gid $1 if given
lane_which()
{
	if [[ -n ${1:-} ]]; then
		shared_dir
		run env LD_LIBRARY_PATH="$SHARED" setpriv --reuid="${1%:*}" \
		    --regid="${1#*:}" --clear-groups "$SHARED/h_lane" which
	else
		run "$SPT/h_lane" which
	fi
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "sp lane: a unix client gets a lane" {
	start_server -lrumpvfs
	lane_which
	[ "$output" = lane ]
}

@test "sp lane: RUMPCLIENT_SHM=no keeps a client on the socket" {
	start_server -lrumpvfs
	RUMPCLIENT_SHM=no lane_which
	[ "$output" = socket ]
	RUMPCLIENT_SHM=0 lane_which
	[ "$output" = socket ]
}

@test "sp lane: a tcp client on the loopback gets a lane through /proc" {
	SP_URL="tcp://127.0.0.1:$(free_port)/" start_server -lrumpvfs
	lane_which
	[ "$output" = lane ]
}

@test "sp lane: a tcp client that may not open the server's memfd stays on the socket" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to run the client as another user"
	command -v setpriv >/dev/null || skip "setpriv needed"
	SP_URL="tcp://127.0.0.1:$(free_port)/" start_server -lrumpvfs
	lane_which 65534:65534
	[ "$output" = socket ]
	server_alive
}

@test "sp lane: an unprivileged unix client gets a lane from a root server" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to run the client as another user"
	command -v setpriv >/dev/null || skip "setpriv needed"
	shared_dir
	SP_URL="unix://$SHARED/sock" start_server -lrumpvfs
	chmod 777 "$SHARED/sock"
	lane_which 65534:65534
	[ "$output" = lane ]
}

@test "sp lane: 8 threads mix lane and socket replies, byte-exact" {
	start_server -lrumpvfs
	run timeout 120 "$SPT/h_lane" mixed 60
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == lane:* ]]
	server_alive
}

@test "sp lane: the same over tcp" {
	SP_URL="tcp://127.0.0.1:$(free_port)/" start_server -lrumpvfs
	run timeout 120 "$SPT/h_lane" mixed 30
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == lane:* ]]
}

@test "sp lane: the same on the socket only" {
	start_server -lrumpvfs
	RUMPCLIENT_SHM=no run timeout 120 "$SPT/h_lane" mixed 30
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == socket:* ]]
}

@test "sp lane: parent and child of rumpclient_fork each get a lane" {
	start_server -lrumpvfs
	run timeout 60 "$SPT/h_lane" fork
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"fork ok"* ]]
}

@test "sp lane: an exec'd image gets a new lane" {
	start_server -lrumpvfs
	run timeout 60 "$SPT/h_lane" exec
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = lane ]
	server_alive
	client_works
}

@test "sp lane: lane threads are gone when their clients are" {
	local thr0 i pids=() st=0
	start_server -lrumpvfs
	thr0=$(server_threads)
	for i in 1 2 3 4 5 6 7 8; do
		timeout 60 "$SPT/h_lane" mixed 5 >/dev/null 2>&1 3>&- &
		pids+=($!)
		track_pid $!
	done
	for i in "${pids[@]}"; do
		wait "$i" || st=$?
	done
	[ "$st" -eq 0 ]
	for i in $(seq 100); do
		[ "$(server_threads)" -le "$thr0" ] && break
		sleep 0.1
	done
	echo "threads: idle $thr0, now $(server_threads)"
	[ "$(server_threads)" -le "$thr0" ]
}

@test "sp lane: more blocked calls than a lane has threads do not stall the call that frees them" {
	start_server -lrumpvfs
	run timeout 60 "$SPT/h_lane" many 150
	echo "$output"
	[ "$status" -eq 0 ]
	server_alive
}

@test "sp lane: a signal interrupts a blocked read whatever its timing" {
	local ms
	start_server -lrumpvfs
	# 250 ms multiples once met the reader's periodic wake-up
	for ms in 100 250 500 750; do
		run timeout 20 "$SPT/h_lane" sigread "$ms"
		echo "$output"
		[ "$status" -eq 0 ]
	done
}

@test "sp lane: a handler that forks while a lane read waits leaves a healthy child" {
	local ms
	start_server -lrumpvfs
	for ms in 300 500 620; do
		run timeout 20 "$SPT/h_lane" sigread "$ms" fork
		echo "$output"
		[ "$status" -eq 0 ]
	done
	server_alive
}

# the main scenarios of sysproxy.bats once more without lanes
@test "sp socket only: sigsafe, 20,000 calls with remote calls in signal handlers" {
	start_server -lrumpvfs
	RUMPCLIENT_SHM=no run timeout 60 "$SPT/h_sigcli"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "sp socket only: Ctrl-C interrupts a remote read of an empty pipe" {
	start_server -lrumpvfs
	RUMPCLIENT_SHM=no run timeout 20 "$SPT/h_intr"
	echo "$output"
	[ "$status" -eq 0 ]
	server_alive
}

@test "sp socket only: reconnect with the socket closed under 4 busy threads" {
	start_server -lrumpvfs
	RUMPCLIENT_SHM=no run timeout 30 "$SPT/h_reconcli" 2
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"rump_sp: reconnected!"* ]]
}

@test "sp socket only: stress, 32 clients x 8 threads, SIGUSR1 to random ones" {
	start_server -lrumpvfs
	RUMPCLIENT_SHM=no run timeout 90 "$SPT/h_stresscli" 40
	echo "$output"
	[ "$status" -eq 0 ]
	server_alive
	client_works
}

@test "sp socket only: bigio with nested reads from signal handlers" {
	start_server -lrumpvfs
	RUMPCLIENT_SHM=no run timeout 120 "$SPT/h_bigio"
	echo "$output"
	[ "$status" -eq 0 ]
}
