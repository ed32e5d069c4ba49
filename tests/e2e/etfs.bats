#!/usr/bin/env bats
# etfs.bats — rump_server -d: a host file registered with etfs is a block
# device inside the kernel; a remote client writes through it and the
# bytes land in the host file.  Every server runs in the foreground (-s),
# tracked so that teardown kills it even when the test failed.

load helpers

setup()
{
	common_setup
	[[ -x $B/bin/rump_server && -x $B/bin/rump.halt &&
	    -f $B/lib/librumpclient.so ]] ||
	    fail_with "rump_server, rump.halt or librumpclient missing: run make first"
	unset RUMP_SERVER
}

teardown()
{
	common_teardown
}

# wait_sock PATH PID: until the server listens on PATH (or dies)
wait_sock()
{
	local i
	for ((i = 0; i < 200; i++)); do
		[[ -S $1 ]] && return 0
		kill -0 "$2" 2>/dev/null || fail_with "rump_server exited"
		sleep 0.05
	done
	fail_with "no socket $1"
}

# wait_exit PID: until PID (a child of this shell) has exited
wait_exit()
{
	local i
	for ((i = 0; i < 200; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	fail_with "pid $1 still running"
}

build_client()
{
	cat >"$TMP/dkclient.c" <<'CEOF'
#include <err.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <rump/rumpclient.h>
#include <rump/rump_syscalls.h>

int
main(void)
{
	char buf[8] = "";
	struct stat st;
	int fd;

	if (rumpclient_init() != 0)
		err(1, "rumpclient_init");
	if ((fd = rump_sys_open("/dk", O_RDWR)) < 0)
		err(1, "open /dk");
	if (rump_sys_fstat(fd, &st) != 0 || !S_ISBLK(st.st_mode) ||
	    st.st_size != 1048576)
		errx(1, "fstat: mode %o size %lld", st.st_mode,
		    (long long)st.st_size);
	if (rump_sys_pwrite(fd, "hello", 5, 512) != 5)
		err(1, "pwrite");
	if (rump_sys_pread(fd, buf, 5, 512) != 5 || memcmp(buf, "hello", 5))
		errx(1, "pread: '%s'", buf);
	if (rump_sys_pwrite(fd, "x", 1, 1048576) != -1)
		errx(1, "write past the end succeeded");
	if (rump_sys_close(fd) != 0)
		err(1, "close");
	return 0;
}
CEOF
	cc "${RUMP_CFLAGS[@]}" -I"$B/include" -o "$TMP/dkclient" "$TMP/dkclient.c" \
	    -L"$B/lib" -lrumpclient -Wl,-rpath,"$B/lib" -pthread
}

@test "etfs: -d drive written by a remote client lands in the host file" {
	build_client
	cd "$TMP"
	"$B/bin/rump_server" -s -lrumpvfs -d "key=/dk,hostpath=$TMP/img,size=1m" \
	    unix://sock 2>"$TMP/srv.err" &
	local srv=$!
	track_pid "$srv"
	wait_sock "$TMP/sock" "$srv"
	RUMP_SERVER=unix://sock "$TMP/dkclient"
	RUMP_SERVER=unix://sock "$B/bin/rump.halt"
	wait_exit "$srv"
	[[ $(stat -c %s "$TMP/img") == 1048576 ]]
	[[ $(dd if="$TMP/img" bs=1 skip=512 count=5 2>/dev/null) == hello ]]
	[[ $(od -An -tx1 -j 511 -N 1 "$TMP/img" | tr -d ' ') == 00 ]]
}

@test "etfs: -d without rumpvfs fails with ENOSYS" {
	cd "$TMP"
	run "$B/bin/rump_server" -s -d "key=/dk,hostpath=$TMP/img,size=1m" unix://sock
	[[ $status -eq 38 ]]
	[[ $output == *rumpvfs* ]]
	[[ ! -e $TMP/sock ]]
}
