#!/usr/bin/env bats
# Remote system calls through rump_server and librumpclient: ports of
# NetBSD's tests/rump/rumpkern/t_sp.sh, tests/lib/librumpclient (t_exec,
# t_fd) and a Ctrl-C case.  Client programs are tests/sp/h_*.c, built
# into build/tests/sp by mk/sptests.mk.  Every test runs its own server
# (sp_helpers.bash); teardown stops it even when the test failed.
load helpers
load sp_helpers
setup() { common_setup; }
teardown() { common_teardown; }

@test "sp basic: rumpclient_init, then getpid > 0" {
	start_server -lrumpvfs
	run "$SPT/h_simplecli"
	echo "$output"
	[ "$status" -eq 0 ]
}

# stress_check [kill]: 150 rounds of killing a random one of 32x8 busy
# clients, after which the server must be back at its idle levels:
# descriptors and kernel memory (debug.sp.kmem_inuse) exactly, threads
# once the pool has shrunk, and RSS within 8 MiB.  A warm-up run first,
# so that the idle RSS already includes glibc's per-thread malloc arenas,
# which stay once created.
stress_check()
{
	local fds0 rss0 kmem0 thr0 fds rss kmem i
	start_server -lrumpvfs
	thr0=$(server_threads)
	run timeout 60 "$SPT/h_stresscli" 20 "$@"
	[ "$status" -eq 0 ] || { echo "warm-up: $output"; return 1; }
	wait_idle "$thr0"
	fds0=$(server_fds) rss0=$(server_rss_kb) kmem0=$(server_kmem)
	run timeout 90 "$SPT/h_stresscli" 150 "$@"
	echo "$output"
	[ "$status" -eq 0 ]
	server_alive
	wait_idle "$thr0"
	for i in $(seq 50); do
		fds=$(server_fds)
		[ "$fds" -eq "$fds0" ] && break
		sleep 0.2
	done
	rss=$(server_rss_kb) kmem=$(server_kmem)
	echo "fds $fds0 -> $fds, RSS $rss0 -> $rss kB, kmem $kmem0 -> $kmem"
	[ "$fds" -eq "$fds0" ]
	[ "$kmem" -eq "$kmem0" ]
	[ "$rss" -le $((rss0 + 8192)) ]
	client_works
}

@test "sp stress: 32 clients x 8 threads, SIGUSR1 to a random one every 100 ms" {
	stress_check
}

@test "sp stress_killer: the same with SIGKILL in the middle of calls" {
	stress_check kill
}

@test "sp fork_simple: prefork, host fork, fork_init: new pid, shared descriptors" {
	start_server -lrumpvfs
	run "$SPT/h_forkcli" simple
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "sp fork_pipecomm: a rump pipe made before the fork connects parent and child" {
	start_server -lrumpvfs
	run "$SPT/h_forkcli" pipecomm
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "sp fork_fakeauth: a forged cookie makes fork_init fail with ESRCH" {
	start_server -lrumpvfs
	run "$SPT/h_forkcli" fakeauth
	echo "$output"
	[ "$status" -eq 0 ]
	"$B/bin/rump.sysctl" debug.sp.preforks
}

@test "sp fork: rumpclient_fork and a cancelled prefork" {
	start_server -lrumpvfs
	run "$SPT/h_forkcli" fork
	echo "$output"
	[ "$status" -eq 0 ]
	run "$SPT/h_forkcli" cancel
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "sp sigsafe: signal handlers make remote calls during 20,000 calls" {
	start_server -lrumpvfs
	run timeout 60 "$SPT/h_sigcli"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "sp signal: the kernel raises SIGPROF (27) in a client, which dies of it" {
	local pid cpid st
	start_server -lrumpvfs
	"$SPT/h_simplecli" block >"$TMP/block.out" 2>&1 3>&- &
	cpid=$!
	track_pid "$cpid"
	for i in $(seq 100); do
		[[ -s $TMP/block.out ]] && break
		sleep 0.05
	done
	pid=$(head -1 "$TMP/block.out")
	[[ $pid =~ ^[0-9]+$ ]]
	"$B/bin/rump.sysctl" -w debug.sp.raise_pid="$pid"
	st=0
	wait "$cpid" || st=$?
	echo "client status $st"
	[ "$st" -eq $((128 + 27)) ]
	server_alive
	client_works
}

@test "sp reconnect: INFTIME, the client's socket closed under 4 busy threads" {
	start_server -lrumpvfs
	run timeout 30 "$SPT/h_reconcli" 2
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"rump_sp: reconnected!"* ]]
}

@test "sp reconnect: INFTIME across three server restarts" {
	local cpid st=0
	start_server -lrumpvfs
	timeout 30 "$SPT/h_reconcli" 3 restart >"$TMP/recon.out" 2>&1 3>&- &
	cpid=$!
	track_pid "$cpid"
	sleep 0.5
	for i in 1 2 3; do
		kill "$SERVER_PID"
		wait "$SERVER_PID" || true
		sleep 0.2
		start_server -lrumpvfs
		sleep 0.5
	done
	wait "$cpid" || st=$?
	cat "$TMP/recon.out"
	[ "$st" -eq 0 ]
	[ "$(grep -c 'rump_sp: reconnected!' "$TMP/recon.out")" -ge 3 ]
}

@test "sp exec: pid and descriptors survive rumpclient_exec, close-on-exec ones are gone" {
	start_server -lrumpvfs
	run "$SPT/h_exec" exec
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"descriptors kept, close-on-exec gone"* ]]
	# NetBSD's t_exec: the new image is named after its argv[0]
	grep -q "exec'd as h_ution" "$TMP/server.log"
}

@test "sp vfork: rumpclient_vfork, the child execs with copies of the descriptors" {
	start_server -lrumpvfs
	run "$SPT/h_exec" vfork
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "forked pid" "$TMP/server.log"
}

@test "sp bigenough: the client works with descriptors 0-2 closed" {
	start_server -lrumpvfs
	run "$SPT/h_simplecli" bigenough
	[ "$status" -eq 0 ]
}

@test "sp Ctrl-C: SIGINT interrupts a remote read of an empty pipe with EINTR" {
	start_server -lrumpvfs
	run timeout 20 "$SPT/h_intr"
	echo "$output"
	[ "$status" -eq 0 ]
	server_alive
	client_works
}

@test "sp bigio: large read, pread, readv and write go straight between socket and caller's buffers, byte-exact, with nested reads from signal handlers" {
	start_server -lrumpvfs
	run timeout 120 "$SPT/h_bigio"
	echo "$output"
	[ "$status" -eq 0 ]
	server_alive
}
