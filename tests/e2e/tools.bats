#!/usr/bin/env bats
# tools.bats — rump.sysctl and rump.halt (docs/man/rump.sysctl.1,
# rump.halt.1) against a real rump_server.  Every test starts its own
# server on unix://sock in its temporary directory; teardown stops every
# server a test started (SIGTERM, then SIGKILL), even when the test failed.

load helpers

SRVPIDS=()

setup()
{
	common_setup
	[[ -x $B/bin/rump_server && -x $B/bin/rump.sysctl &&
	    -x $B/bin/rump.halt ]] ||
	    fail_with "build/bin/rump_server, rump.sysctl or rump.halt missing: run make first"
	SYSCTL=$B/bin/rump.sysctl
	HALT=$B/bin/rump.halt
	unset RUMP_SERVER
}

teardown()
{
	local pid
	for pid in "${SRVPIDS[@]}"; do
		# still ours (not a recycled pid) and not yet exited
		[[ $(ps -o args= -p "$pid" 2>/dev/null) == *rump_server* ]] &&
		    alive "$pid" || continue
		kill -TERM "$pid" 2>/dev/null
		gone "$pid" || kill -KILL "$pid" 2>/dev/null
	done
	common_teardown
}

# server_pid DIR: the daemonized rump_server working in DIR (servers keep
# the directory they were started from, which is unique to this test).
server_pid()
{
	local p
	for p in $(pgrep -f -- "$B/bin/rump_server"); do
		if [[ $(readlink "/proc/$p/cwd" 2>/dev/null) == "$1" ]]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# start_server [options...]: rump_server OPTIONS unix://sock, started in
# $TMP; its exit status 0 means it listens.  Sets SRV and RUMP_SERVER.
start_server()
{
	cd "$TMP" || return 1
	timeout 20 "$B/bin/rump_server" "$@" unix://sock || fail_with "rump_server failed: $?"
	SRV=$(server_pid "$(pwd -P)") || fail_with "cannot find rump_server's pid"
	SRVPIDS+=("$SRV")
	export RUMP_SERVER=unix://sock
}

# runt CMD...: runs CMD with stdout in $out, stderr in $err, exit in $status
# (124 if it hung: a stuck remote call fails the test instead of the suite).
runt()
{
	status=0
	timeout 20 "$@" >"$TMP/out" 2>"$TMP/err" || status=$?
	out=$(<"$TMP/out")
	err=$(<"$TMP/err")
	printf 'status %s\n--- stdout\n%s\n--- stderr\n%s\n' "$status" "$out" "$err"
}

# alive PID: the process exists and is not a zombie (a daemon's parent is
# init, which may take a while to reap it).
alive()
{
	local stat
	stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[[ -n $stat && $stat != Z* ]]
}

# gone PID: true once the process has exited (waits up to 5 s).
gone()
{
	local i
	for i in {1..50}; do
		alive "$1" || return 0
		sleep 0.1
	done
	return 1
}

@test "rump_sp(7) example: rump_server -lrumpvfs && rump.sysctl vfs.generic.fstypes" {
	cd "$TMP"
	"$B/bin/rump_server" -lrumpvfs unix://sock && SRVPIDS+=("$(server_pid "$(pwd -P)")") &&
	    runt env RUMP_SERVER=unix://sock "$SYSCTL" vfs.generic.fstypes
	[ "$status" -eq 0 ]
	[[ $out =~ ^vfs\.generic\.fstypes\ =\ (.*\ )?tmpfs(\ .*)?$ ]]
	[ -z "$err" ]
}

@test "without -lrumpvfs vfs.generic.fstypes is an invalid name, exit 1" {
	start_server
	runt "$SYSCTL" vfs.generic.fstypes
	[ "$status" -eq 1 ]
	[ -z "$out" ]
	[[ $err =~ ^rump\.sysctl:\ (top|second|third)\ level\ name\ \'(vfs|generic|fstypes)\'\ in\ \'vfs\.generic\.fstypes\'\ is\ invalid$ ]]
}

@test "rump.sysctl reads: name = value, -n, -e, several names" {
	start_server -lrumpvfs
	runt "$SYSCTL" kern.ostype hw.ncpu
	[ "$status" -eq 0 ]
	[[ $out =~ ^kern\.ostype\ =\ Rump$'\n'hw\.ncpu\ =\ [1-9][0-9]*$ ]]
	[ -z "$err" ]
	runt "$SYSCTL" -n kern.ostype
	[ "$status" -eq 0 ]
	[ "$out" = Rump ]
	runt "$SYSCTL" -e kern.ostype
	[ "$out" = kern.ostype=Rump ]
	runt "$SYSCTL" kern/ostype
	[ "$out" = "kern/ostype = Rump" ]
	runt "$SYSCTL" -d hw.ncpu
	[ "$status" -eq 0 ]
	[[ $out =~ ^hw\.ncpu:\ .+$ ]]
}

@test "rump.sysctl -w kern.hostname=x prints old -> new and the value sticks" {
	start_server
	runt "$SYSCTL" -w kern.hostname=x
	[ "$status" -eq 0 ]
	[[ $out =~ ^kern\.hostname:\ rump-[0-9]+(\..*)?\ -\>\ x$ ]]
	[ -z "$err" ]
	runt "$SYSCTL" kern.hostname
	[ "$out" = "kern.hostname = x" ]
	runt "$SYSCTL" -nw kern.hostname=y
	[ "$out" = y ]
	runt "$SYSCTL" -qw kern.hostname=z
	[ "$status" -eq 0 ]
	[ -z "$out" ]
	[ -z "$err" ]
	runt "$SYSCTL" -n kern.hostname
	[ "$out" = z ]
}

@test "rump.sysctl -a lists the tree; an interior name lists its subtree" {
	start_server -lrumpvfs
	runt "$SYSCTL" -a
	[ "$status" -eq 0 ]
	[ -z "$err" ]
	grep -qx 'kern.ostype = Rump' "$TMP/out"
	grep -Eqx 'hw.ncpu = [1-9][0-9]*' "$TMP/out"
	grep -Eqx 'vfs.generic.fstypes = (.* )?tmpfs( .*)?' "$TMP/out"
	# ctime(3) format, like NetBSD
	grep -Eqx 'kern.boottime = (Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ 1-3][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}' "$TMP/out"
	[ -z "$(grep -Ev '^[a-z0-9_.]+ = ' "$TMP/out")" ]
	runt "$SYSCTL" -A
	[ "$status" -eq 0 ]
	grep -qx 'kern.ostype = Rump' "$TMP/out"
	runt "$SYSCTL" kern
	[ "$status" -eq 0 ]
	grep -qx 'kern.ostype = Rump' "$TMP/out"
	[ -z "$(grep -v '^kern\.' "$TMP/out")" ]
}

@test "rump.sysctl: unknown names give NetBSD's message and exit 1, also with -q" {
	start_server
	runt "$SYSCTL" kern.foo
	[ "$status" -eq 1 ]
	[ -z "$out" ]
	[ "$err" = "rump.sysctl: second level name 'foo' in 'kern.foo' is invalid" ]
	runt "$SYSCTL" nosuch.thing
	[ "$status" -eq 1 ]
	[ "$err" = "rump.sysctl: top level name 'nosuch' in 'nosuch.thing' is invalid" ]
	runt "$SYSCTL" kern.ostype.x
	[ "$err" = "rump.sysctl: third level name 'x' in 'kern.ostype.x' is invalid" ]
	runt "$SYSCTL" -q kern.foo
	[ "$status" -eq 1 ]
	[ -z "$out" ]
	[ -z "$err" ]
}

@test "rump.sysctl: writing a read-only node fails with exit 1 and changes nothing" {
	start_server
	runt "$SYSCTL" -w kern.ostype=x
	[ "$status" -eq 1 ]
	[ -z "$out" ]
	[ "$err" = "rump.sysctl: kern.ostype: Operation not permitted" ]
	runt "$SYSCTL" -w kern.boottime=1
	[ "$status" -eq 1 ]
	[ "$err" = "rump.sysctl: Cannot write \`kern.boottime': Operation not supported" ]
	runt "$SYSCTL" kern.hostname=x
	[ "$status" -eq 1 ]
	[ "$err" = "rump.sysctl: Must specify -w to set variables" ]
	runt "$SYSCTL" -w hw.ncpu=abc
	[ "$status" -eq 1 ]
	[ "$err" = "rump.sysctl: abc: not a number" ]
	runt "$SYSCTL" -n kern.ostype
	[ "$out" = Rump ]
}

@test "missing or bad RUMP_SERVER: one line on stderr, exit 1" {
	cd "$TMP"
	for tool in "$SYSCTL kern.ostype" "$HALT"; do
		name=$(basename "${tool%% *}")
		runt env -u RUMP_SERVER $tool
		[ "$status" -eq 1 ]
		[ -z "$out" ]
		[ "$err" = "$name: RUMP_SERVER not set" ]
		runt env RUMP_SERVER=unix:///nonexistent/sock $tool
		[ "$status" -eq 1 ]
		[ "$err" = "$name: cannot connect to unix:///nonexistent/sock: No such file or directory" ]
		runt env RUMP_SERVER=bogus $tool
		[ "$status" -eq 1 ]
		[ -z "$out" ]
		[ "$(wc -l <"$TMP/err")" -eq 1 ]
		[[ $err == "$name: "* ]]
	done
}

@test "rump.sysctl and rump.halt: usage errors exit 1" {
	runt "$SYSCTL"
	[ "$status" -eq 1 ]
	[[ $err == usage:* ]]
	runt "$SYSCTL" -z kern.ostype
	[ "$status" -eq 1 ]
	[[ $err == "rump.sysctl: unknown option -- z"$'\n'usage:* ]]
	runt "$HALT" -x
	[ "$status" -eq 1 ]
	[[ $err == *"usage: rump.halt [-dhn]" ]]
}

@test "rump.halt stops the server: its process exits and the socket is gone" {
	start_server -lrumpvfs
	[ -S "$TMP/sock" ]
	runt "$HALT"
	[ "$status" -eq 0 ]
	[ -z "$out" ]
	[ -z "$err" ]
	gone "$SRV"
	[ ! -e "$TMP/sock" ]
	runt "$SYSCTL" kern.ostype
	[ "$status" -eq 1 ]
}

@test "rump.halt -n stops the server without syncing" {
	start_server -lrumpvfs
	runt "$HALT" -n
	[ "$status" -eq 0 ]
	[ -z "$err" ]
	gone "$SRV"
	[ ! -e "$TMP/sock" ]
}

@test "rump.halt -h halts the kernel but the server process stays" {
	start_server
	runt "$HALT" -h
	[ "$status" -eq 0 ]
	[ -z "$err" ]
	# the halter has its answer before the server removes its socket
	for i in $(seq 100); do [ -e "$TMP/sock" ] || break; sleep 0.05; done
	[ ! -e "$TMP/sock" ]
	alive "$SRV"
}
