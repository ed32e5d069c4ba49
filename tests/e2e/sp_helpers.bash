# sp_helpers.bash — starting and watching a rump_server for the sysproxy
# tests (sysproxy.bats, sp_malformed.bats); load after helpers.bash.
# Each test runs its own server in the foreground (-s, so we know its
# pid) on unix://sock in $TMP, with the debug sysctl nodes on; teardown
# (common_teardown) stops it through track_pid even when the test failed.

SPT=$B/tests/sp

# start_server [rump_server options...]: starts it and waits until it
# listens (-v prints "serving" only then); sets SERVER_PID, RUMP_SERVER.
# It listens on unix://sock in $TMP, or on SP_URL if that is set.
start_server()
{
	local url=${SP_URL:-unix://sock}
	[[ -x $B/bin/rump_server && -x $SPT/h_simplecli ]] ||
	    fail_with "rump_server or tests/sp helpers missing: make sptests"
	cd "$TMP" || return 1
	rm -f sock
	RUMP_SERVER_DEBUG=1 "$B/bin/rump_server" -s -v "$@" "$url" \
	    >"$TMP/server.log" 2>&1 3>&- &
	SERVER_PID=$!
	track_pid "$SERVER_PID"
	export RUMP_SERVER=$url
	wait_serving "$TMP/server.log" "$SERVER_PID" ||
	    fail_with "rump_server did not start"
}

server_alive()
{
	kill -0 "$SERVER_PID" 2>/dev/null ||
	    { cat "$TMP/server.log" >&2; fail_with "rump_server died"; }
}

server_fds()
{
	ls "/proc/$SERVER_PID/fd" | wc -l
}

server_rss_kb()
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status"
}

server_threads()
{
	awk '/^Threads:/ { print $2 }' "/proc/$SERVER_PID/status"
}

# wait_idle THREADS: until the server is down to THREADS threads again
# (workers above the pool's minimum and idle lane threads exit after
# some idle seconds)
wait_idle()
{
	local i
	for i in $(seq 150); do
		[ "$(server_threads)" -le "$1" ] && return 0
		sleep 0.2
	done
	fail_with "server still has $(server_threads) threads, idle had $1"
}

server_kmem()
{
	"$B/bin/rump.sysctl" -n debug.sp.kmem_inuse
}

# a normal client still gets served
client_works()
{
	run timeout 20 "$SPT/h_simplecli"
	[ "$status" -eq 0 ] || { echo "$output"; fail_with "basic client failed"; }
}
