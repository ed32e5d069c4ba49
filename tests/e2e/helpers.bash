# helpers.bash — shared setup for the end-to-end tests.  A .bats file does
#	load helpers
#	setup() { common_setup; }
#	teardown() { common_teardown; }
# Each test then has its own temporary directory, $TMP, removed afterwards;
# processes registered with track_pid are killed in teardown even when the
# test failed.

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
B=$ROOT/build
RUMP_CFLAGS=(-std=gnu17 -Wall -Wextra -Werror -D_GNU_SOURCE -O1 -g)
TRACKED_PIDS=()
PUBLIC_DIRS=()

common_setup()
{
	if [[ -n ${BATS_TEST_TMPDIR:-} ]]; then
		TMP=$BATS_TEST_TMPDIR
	else
		TMP=$(mktemp -d "${TMPDIR:-/tmp}/rump-e2e.XXXXXX")
		OWN_TMP=1
	fi
	# A make started from a test must not talk to the jobserver of the
	# `make check` that runs us.
	unset MAKEFLAGS MFLAGS MAKELEVEL
}

common_teardown()
{
	local pid d
	for pid in "${TRACKED_PIDS[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	[[ -n ${OWN_TMP:-} ]] && rm -rf "$TMP"
	for d in "${PUBLIC_DIRS[@]}"; do
		rm -rf "$d"
	done
	return 0
}

# public_tmpdir: makes a new directory other users can read (bats' own
# per-test directory is private) and sets PUBDIR to it; removed in
# teardown.
public_tmpdir()
{
	PUBDIR=$(mktemp -d "${TMPDIR:-/tmp}/rump-e2e.XXXXXX") || return 1
	chmod 755 "$PUBDIR"
	PUBLIC_DIRS+=("$PUBDIR")
}

# track_pid PID: kill this process in teardown.
track_pid()
{
	TRACKED_PIDS+=("$1")
}

# need_lib: the built library must exist (make check builds it first).
need_lib()
{
	[[ -f $B/lib/librump.a && -f $B/lib/librump.so ]] ||
	    fail_with "build/lib/librump.{a,so} missing: run make first"
}

# need_gen: the generated and copied headers must exist.
need_gen()
{
	[[ -f $B/include/rump/rump_syscalls.h && -f $B/include/rump/rump.h &&
	    -f $B/gen/sysent.c ]] ||
	    fail_with "build/include/rump or build/gen missing: run make first"
}

fail_with()
{
	echo "$*" >&2
	return 1
}

# compile_rump OUT [static|shared] [extra cc args...] < program.c
# Compiles C source from stdin against build/include and librump: static
# (librump.a, the default) or shared (-Lbuild/lib -lrump; run the result
# with run_shared).
compile_rump()
{
	local out=$1 mode=${2:-static}
	shift 2 || shift $#
	need_lib || return 1
	cat >"$out.c"
	if [[ $mode == shared ]]; then
		cc "${RUMP_CFLAGS[@]}" -I"$B/include" -o "$out" "$out.c" \
		    -L"$B/lib" -lrump -pthread "$@"
	else
		cc "${RUMP_CFLAGS[@]}" -I"$B/include" -o "$out" "$out.c" \
		    "$B/lib/librump.a" -pthread "$@"
	fi
}

# run_shared PROGRAM [args...]: runs a program linked with -lrump.
run_shared()
{
	LD_LIBRARY_PATH=$B/lib "$@"
}

# rmake ARGS...: make in the source tree, quietly.
rmake()
{
	make -C "$ROOT" --no-print-directory "$@"
}

# wait_serving LOG PID: waits until the rump_server PID, started with -v
# and its output in LOG, says it listens; 0, or 1 with its log shown if it
# died or took more than 10 s.
wait_serving()
{
	local i
	for i in $(seq 200); do
		grep -q 'rump_server: serving' "$1" && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.05
	done
	cat "$1" >&2
	return 1
}
