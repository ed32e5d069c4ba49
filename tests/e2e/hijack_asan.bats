#!/usr/bin/env bats
# hijack_asan.bats — a representative part of the hijack workload run
# under build/lib/librumphijack-asan.so, the preload library built with
# ASan+UBSan (mk/hijack.mk), so that memory errors and undefined
# behaviour in hijack/ and client/ fail `make check`: the t_asyncio,
# t_config and t_cwd helpers, dash and bash scripts, coreutils, tar,
# find, python3 and sqlite3 moving trees between the host and a
# `rump_server -lrumpvfs`, plus python3 driving the calls no Debian tool
# here makes (mmap, splice, seekdir, epoll...).  Correctness of each
# program's output is the business of hijack*.bats; the checks here are
# kept to what shows the work really happened.
#
# How reports are caught: the preload is
#	libasan.so  librumphijack-asan.so  build/tests/hijack/asan_logpath.so
# (ASan must come first in the process).  Every process, children of the
# shells and of find included, inherits it and writes any ASan report to
# $SAN/asan.<pid> (asan_logpath.c) and any UBSan report to
# $SAN/ubsan.<pid> (UBSAN_OPTIONS=log_path; -fno-sanitize-recover makes
# it fatal); teardown fails the test if either exists.  The exit codes
# (86 ASan, 87 UBSan) also fail the command that died.  Reports go to
# files because a child's stderr is often a rump file or a pipe nobody
# reads.
#
# Leak checking is off for the Debian programs: tar, sort, tr, bash,
# python3 and others leak at exit on purpose, and LeakSanitizer cannot
# tell their leaks from ours (a suppression matches any frame, and the
# program's own frames are in every stack).  It is on for h_client,
# h_cwd and h_hostcalls, which free everything and do not exec, so a
# leak there is the library's.

load helpers
load hijack_helpers

HIJACK_ASAN_LIB=$B/lib/librumphijack-asan.so
ASAN_LOGPATH_LIB=$HJT/asan_logpath.so

# need_asan: the sanitizer flavour and the ASan runtime it needs.
need_asan()
{
	[[ -f $HIJACK_ASAN_LIB && -f $ASAN_LOGPATH_LIB ]] ||
	    fail_with "librumphijack-asan.so or asan_logpath.so missing: make hijacktests" ||
	    return 1
	ASAN_RT=$(gcc -print-file-name=libasan.so)
	[[ $ASAN_RT == /* && -e $ASAN_RT ]] ||
	    fail_with "gcc has no libasan.so (gcc -print-file-name=libasan.so)"
}

setup()
{
	common_setup
	need_hijack
	need_asan
	SAN=$TMP/san
	mkdir "$SAN"
	# hj, hj_ok, hj_sh and hj_rcat of hijack_helpers.bash preload this
	HIJACK_LIB="$ASAN_RT $HIJACK_ASAN_LIB $ASAN_LOGPATH_LIB"
	export HJ_ASAN_LOG=$SAN/asan
	# detect_leaks: see the top of the file
	export ASAN_OPTIONS=detect_leaks=0:exitcode=86:detect_stack_use_after_return=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87:log_path=$SAN/ubsan
	export HJ_TIMEOUT=30
	unset RUMPHIJACK
	export TZ=UTC LC_ALL=C
	umask 022
	hj_server
	TMP=$(cd "$TMP" && pwd -P)
	cd "$TMP"
}

teardown()
{
	local rc=0
	san_reports || rc=1
	common_teardown
	return $rc
}

# san_reports: fails, showing them, if any process left a sanitizer
# report in $SAN.
san_reports()
{
	local f found=0
	for f in "$SAN"/asan.* "$SAN"/ubsan.*; do
		[[ -e $f ]] || continue
		echo "==== sanitizer report $f" >&2
		cat "$f" >&2
		found=1
	done
	((found == 0))
}

# leakcheck CMD...: CMD with LeakSanitizer on (our own helpers only).
leakcheck()
{
	ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=1 "$@"
}

# mksrc DIR: a host tree (host tools, no preload): nested directories, a
# 1.1 MB file (several transfer chunks), a hard link pair, symlinks
# (relative, absolute, dangling), an empty file and directory, odd modes
# and fixed times.
mksrc()
{
	local s=$1
	mkdir -p "$s/a/b/c" "$s/empty" "$s/x"
	printf 'hello\nworld\n' >"$s/a/one"
	seq 1 2000 >"$s/a/b/two"
	head -c 1100000 /dev/urandom >"$s/a/b/c/big"
	cp "$ROOT"/tests/hijack/*.c "$s/x/"
	ln "$s/a/one" "$s/x/one.hard"
	ln -s ../a/one "$s/x/one.sym"
	ln -s /etc/hostname "$s/x/abs.sym"
	ln -s missing "$s/x/dangling"
	: >"$s/zero"
	chmod 640 "$s/a/b/two"
	chmod 700 "$s/a/b/c"
	find "$s" -exec touch -h -d '2020-01-02 03:04:05.25' {} +
}

# snap DIR: a host tree's entries (name, type, mode, size for
# non-directories, mtime, link target) and file checksums.
snap()
{
	(cd "$1" && find . ! -name . -printf '%P %y %m %T+ %l\n' | sort &&
	    find . ! -type d -printf '%P %s\n' | sort &&
	    find . -type f -exec sha256sum {} + | sort -k2)
}

# ---- the setup itself ------------------------------------------------

@test "asan: the preload is the instrumented library and reports are caught" {
	hj_ok cat /proc/self/maps
	[[ $output == *"$HIJACK_ASAN_LIB"* ]] ||
	    fail_with "librumphijack-asan.so not mapped"
	[[ $output == *libasan.so* ]] || fail_with "libasan not mapped"
	# instrumented for both (UBSan's runtime is inside, hidden)
	nm "$HIJACK_ASAN_LIB" | grep -q ' U __asan_report_load8$' ||
	    fail_with "no ASan instrumentation in $HIJACK_ASAN_LIB"
	nm "$HIJACK_ASAN_LIB" | grep -q ' t __ubsan_handle_add_overflow_abort$' ||
	    fail_with "no UBSan runtime in $HIJACK_ASAN_LIB"
	# a report from a host program (ASan's memcpy interceptor sees
	# overlapping ranges) lands in $SAN and changes the exit status
	run hj /usr/bin/python3 -c 'import ctypes
b = ctypes.create_string_buffer(32)
ctypes.CDLL(None).memcpy(b, ctypes.byref(b, 1), 16)'
	[[ $status == 86 ]] || fail_with "canary: status $status: $output"
	compgen -G "$SAN/asan.*" >/dev/null ||
	    fail_with "canary: no report in $SAN"
	grep -q 'ERROR: AddressSanitizer: memcpy-param-overlap' "$SAN"/asan.*
	rm -f "$SAN"/asan.*
}

# ---- NetBSD's helper programs ---------------------------------------

@test "asan: h_client select and poll over host and rump descriptors" {
	local m
	for m in select_timeout select_allunset invafd poll_mixed; do
		leakcheck hj_ok "$HJT/h_client" $m
	done
	printf 'host file\n' >"$TMP/hostfile"
	RUMPHIJACK=path=/rump,fdoff=8 leakcheck hj_ok "$HJT/h_client" \
	    fdoff8 "$TMP/hostfile"
}

@test "asan: h_cwd, every t_cwd case" {
	local p k c
	for p in /rump //; do
		for k in simple symlink; do
			for c in chdir fchdir; do
				RUMPHIJACK=path=$p leakcheck hj_ok "$HJT/h_cwd" $p $k $c
				# each case starts from an empty kernel
				hj_halt
				hj_server
			done
		done
	done
}

# ---- shells ----------------------------------------------------------

SCRIPT=$BATS_TEST_DIRNAME/../hijack/redirs.sh

@test "asan: dash and bash run redirs.sh on a rump directory as on the host" {
	local sh ref
	for sh in dash bash; do
		mkdir "host.$sh"
		ref=$("$sh" "$SCRIPT" "$TMP/host.$sh" 2>&1) ||
		    fail_with "$sh on the host: $ref" || return 1
		hj_ok mkdir "/rump/$sh"
		hj_ok "$sh" "$SCRIPT" "/rump/$sh"
		fail_unless_eq "$sh redirs.sh" "$ref" "$output"
	done
}

@test "asan: bash with fork, exec, pipes, here-documents and rump stdio" {
	printf 'echo out; echo err >&2; read -r l; echo "got $l"\n' >s.sh
	hj_ok dash -c 'cp s.sh /rump/s.sh; echo input-line >/rump/in'
	hj_ok bash -c '
	    bash /rump/s.sh </rump/in >/rump/out 2>/rump/err
	    seq 1 3000 | sort -rn | head -2 >/rump/top
	    cat <<-END >/rump/here
		here $((6 * 7))
		END
	    exec 3>/rump/fd3
	    sh -c "echo child >&3"
	    echo parent >&3
	    exec 3>&-
	    (cd /rump && cat out err top here fd3) | tr a-z A-Z
	    wc -l </rump/top'
	fail_unless_eq "bash" "$(printf '%s\n' OUT 'GOT INPUT-LINE' ERR 3000 \
	    2999 'HERE 42' CHILD PARENT 2)" "$output"
}

# ---- coreutils, tar, find --------------------------------------------

@test "asan: cp -a host to rump to host; ls -la and ls -R of the rump copy" {
	mksrc src
	hj_ok cp -a src /rump/a
	hj_ok cp -a /rump/a back
	fail_unless_eq "tree after cp -a there and back" "$(snap src)" \
	    "$(snap back)"
	hj_ok ls -la --time-style=full-iso /rump/a /rump/a/x
	[[ $output == *"lrwxrwxrwx 1 "*" abs.sym -> /etc/hostname"* ]] ||
	    fail_with "ls -la: $output"
	hj_ok ls -R /rump/a
	fail_unless_eq "ls -R" "$(cd src && ls -R . | sed 's|^\.|/rump/a|')" \
	    "$output"
}

@test "asan: tar a host tree into the kernel and back out" {
	mksrc src
	hj_ok mkdir /rump/x
	hj tar -H posix -C src -cf - . | hj tar -C /rump/x -xf -
	[[ ${PIPESTATUS[*]} == "0 0" ]] || fail_with "tar pipe: ${PIPESTATUS[*]}"
	hj_ok tar -H posix -C /rump/x -cf /rump/b.tar .
	mkdir back
	hj_ok tar -C back -xf /rump/b.tar
	fail_unless_eq "tree after tar there and back" "$(snap src)" \
	    "$(snap back)"
	hj_ok tar -tvf /rump/b.tar
	[[ $output == *"./a/b/c/big"* ]] || fail_with "tar -tv: $output"
}

@test "asan: find -exec, -execdir and -delete in the kernel" {
	mksrc src
	hj_ok cp -a src /rump/f
	hj_ok find /rump/f -type f -exec sha256sum {} +
	fail_unless_eq "find -exec sha256sum" \
	    "$(cd src && find . -type f -exec sha256sum {} + | sort -k2)" \
	    "$(sed 's|/rump/f|.|' <<<"$output" | sort -k2)"
	hj_ok find /rump/f -name 'h_*.c' -execdir pwd ';'
	[[ $(sort -u <<<"$output") == /rump/f/x ]] ||
	    fail_with "find -execdir pwd: $output"
	hj_ok find /rump/f/x -delete
	run hj stat /rump/f/x
	[[ $status == 1 && $output == *"No such file"* ]] ||
	    fail_with "after find -delete: $status $output"
}

# ---- python3, sqlite3 ------------------------------------------------

@test "asan: python3 os.walk, shutil.copytree, scandir and files" {
	local total
	mksrc src
	cat >t.py <<'EOF'
import os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
shutil.copytree(src, dst, symlinks=True)
n = 0
for root, dirs, files in os.walk(dst):
	dirs.sort()
	for f in sorted(files):
		p = os.path.join(root, f)
		if not os.path.islink(p):
			with open(p, "rb") as fh:
				n += len(fh.read())
print(n, sorted(e.name for e in os.scandir(dst)))
with open(os.path.join(dst, "new"), "w+") as f:
	f.write("x" * 10000)
	f.seek(5000)
	print(len(f.read()))
shutil.copytree(dst, dst + ".2", symlinks=True)
shutil.rmtree(dst)
print(os.path.exists(dst), os.path.getsize(dst + ".2/new"))
EOF
	hj_ok /usr/bin/python3 t.py "$TMP/src" /rump/py
	total=$(find src -type f -printf '%s\n' | awk '{ n += $1 } END { print n }')
	fail_unless_eq "python3" "$total ['a', 'empty', 'x', 'zero']
5000
False 10000" "$output"
	hj_ok cp -a /rump/py.2 back
	rm back/new
	fail_unless_eq "tree through python" "$(snap src)" "$(snap back)"
}

@test "asan: sqlite3 CLI and python3 sqlite3 on a rump database" {
	local i
	{
		echo "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT);"
		echo "BEGIN;"
		for ((i = 1; i <= 500; i++)); do
			echo "INSERT INTO t VALUES ($i, 'row $i');"
		done
		echo "COMMIT;"
	} >create.sql
	hj_ok sqlite3 /rump/db ".read $TMP/create.sql" \
	    "SELECT count(*), sum(a) FROM t;"
	fail_unless_eq "sqlite3" "500|125250" "$output"
	hj_ok sqlite3 /rump/db "PRAGMA integrity_check;" \
	    "BEGIN; DELETE FROM t WHERE a % 2 = 0; COMMIT; VACUUM;" \
	    "SELECT count(*) FROM t;"
	fail_unless_eq "sqlite3 reopened" $'ok\n250' "$output"
	hj_ok /usr/bin/python3 -c 'import sqlite3
con = sqlite3.connect("/rump/db")
with con:
	con.executemany("INSERT INTO t VALUES (?, ?)",
	    ((i, "py %d" % i) for i in range(1000, 1200)))
print(con.execute("SELECT count(*), max(b) FROM t").fetchone())
con.close()'
	fail_unless_eq "python3 sqlite3" "(450, 'row 99')" "$output"
}


# ---- more of the library: files, processes, polling ------------------

# (not dd or split: they ask aligned_alloc for sizes that are no multiple
# of the alignment, which glibc allows and GCC 12's ASan reports)
@test "asan: mv, ln, chmod, touch, truncate, sed -i, awk, gzip, sort -o, df" {
	seq 1 5000 >nums
	printf 'b\na\nc\n' >letters
	hj_ok mv -t /rump nums letters
	[[ ! -e nums ]] || fail_with "mv left nums on the host"
	hj_ok dash -c '
	    cd /rump && mkdir d && mv letters d/l && ln d/l hard && ln -s d/l sym
	    chmod 600 hard && touch -d "2001-02-03 04:05:06" sym
	    stat -L -c "%n %a %h %Y" sym
	    head -c 300 nums >part && truncate -s 350 part && wc -c <part
	    sed -i "s/^1/one-/" nums && head -n 1 nums
	    awk "NR % 1000 == 0 { s += \$1 } END { print s }" nums
	    gzip nums && gunzip -c nums.gz | tail -n 1
	    sort -o d/l d/l && cat d/l | tr "\n" " "; echo
	    csplit -s -f piece. d/l 2 && ls piece.* | tr "\n" " "; echo
	    df -P . | wc -l
	    mv d/l "$0" && cat "$0" | wc -l' "$TMP/back"
	fail_unless_eq "dash" "sym 600 2 981173106
350
one-
14000
5000
a b c 
piece.00 piece.01 
2
3" "$output"
	[[ $(cat back) == $'a\nb\nc' ]] || fail_with "mv rump to host: $(cat back)"
}

@test "asan: python3 subprocess, posix_spawn, os.system, popen with rump fds" {
	cat >p.py <<'END'
import os, subprocess, sys
with open("/rump/in", "w") as f:
	f.write("hello\n")
with open("/rump/in") as i, open("/rump/out", "w") as o:
	subprocess.run(["tr", "a-z", "A-Z"], stdin=i, stdout=o, check=True)
print(open("/rump/out").read(), end="")
fd = os.open("/rump/passed", os.O_WRONLY | os.O_CREAT, 0o644)
subprocess.run(["bash", "-c", "echo via-fd >&%d" % fd], pass_fds=(fd,), check=True)
os.close(fd)
print(open("/rump/passed").read(), end="")
pid = os.posix_spawnp("sh", ["sh", "-c", "cat /rump/in >/rump/spawned"], os.environ)
print(os.waitpid(pid, 0)[1], open("/rump/spawned").read(), end="")
print(os.system("wc -c </rump/in >/rump/sys"), open("/rump/sys").read(), end="")
with os.popen("cat /rump/in /rump/out") as p:
	print(p.read().split())
print(subprocess.check_output("echo /rump/[iops]*", shell=True).decode(), end="")
END
	hj_ok /usr/bin/python3 p.py
	fail_unless_eq "python3 processes" "HELLO
via-fd
0 hello
0 6
['hello', 'HELLO']
/rump/in /rump/out /rump/passed /rump/spawned /rump/sys" "$output"
}

@test "asan: python3 select, poll and epoll over a rump FIFO and a host pipe" {
	cat >e.py <<'END'
import os, select
os.mkfifo("/rump/fifo")
r = os.open("/rump/fifo", os.O_RDONLY | os.O_NONBLOCK)
w = os.open("/rump/fifo", os.O_WRONLY)
hr, hw = os.pipe()
print(select.select([r, hr], [], [], 0))
os.write(w, b"rump")
print(select.select([r, hr], [w], [], 1)[0] == [r])
p = select.poll()
p.register(r, select.POLLIN)
p.register(hr, select.POLLIN)
os.write(hw, b"host")
print(sorted(fd == r for fd, ev in p.poll(1000)))
e = select.epoll()
e.register(r, select.EPOLLIN)
e.register(hr, select.EPOLLIN)
e.register(w, select.EPOLLOUT)
print(sorted((fd == r, fd == hr, fd == w) for fd, ev in e.poll(1)))
print(os.read(r, 10), os.read(hr, 10))
e.unregister(w)
print(e.poll(0.05))
os.close(w)
print([(fd == r, bool(ev & select.EPOLLHUP)) for fd, ev in e.poll(1)])
e.close()
END
	HJ_TIMEOUT=20 hj_ok /usr/bin/python3 e.py
	fail_unless_eq "python3 polling" "([], [], [])
True
[False, True]
[(False, False, True), (False, True, False), (True, False, False)]
b'rump' b'host'
[]
[(True, True)]" "$output"
}

@test "asan: h_hostcalls, host reads and stats untouched" {
	printf 'a host file\n' >"$TMP/hostfile"
	leakcheck hj_ok "$HJT/h_hostcalls" "$TMP/hostfile" 20000 20000
	fail_unless_eq "h_hostcalls" \
	    "20000 reads, 20000 stats: all correct" "$output"
}

@test "asan: python3 big directory, vectored I/O, mmap, locks, copies, dup" {
	cat >io.py <<'END'
import ctypes, fcntl, mmap, os
os.mkdir("/rump/big")
for i in range(2000):
	open("/rump/big/%04d-%s" % (i, "n" * (i % 200)), "w").close()
print(len(os.listdir("/rump/big")), sum(e.is_file() for e in os.scandir("/rump/big")))
# telldir/seekdir/rewinddir: the library's DIR, through libc's names
libc = ctypes.CDLL(None)
libc.opendir.restype = ctypes.c_void_p
libc.readdir.restype = ctypes.c_void_p
libc.readdir.argtypes = libc.telldir.argtypes = libc.rewinddir.argtypes = \
    libc.closedir.argtypes = [ctypes.c_void_p]
libc.telldir.restype = ctypes.c_long
libc.seekdir.argtypes = [ctypes.c_void_p, ctypes.c_long]
d = libc.opendir(b"/rump/big")
marks, n = [], 0
while True:
	if n % 400 == 0:
		marks.append((libc.telldir(d), n))
	if not libc.readdir(d):
		break
	n += 1
for pos, k in marks:
	libc.seekdir(d, pos)
	m = 0
	while libc.readdir(d):
		m += 1
	assert m == n - k, (pos, k, m)
libc.rewinddir(d)
m = 0
while libc.readdir(d):
	m += 1
print(n, m, libc.closedir(d))
data = os.urandom(3 * 1024 * 1024 + 17)
with open("/rump/data", "wb") as f:
	f.write(data)
fd = os.open("/rump/data", os.O_RDWR)
print(os.readv(fd, [bytearray(1000 + i) for i in range(600)]),
    os.writev(fd, [b"x" * (i % 7 + 1) for i in range(1000)]),
    os.preadv(fd, [bytearray(5), bytearray(70000)], 100),
    os.pwrite(fd, b"end", 10 * 1024 * 1024), os.fstat(fd).st_size)
m = mmap.mmap(fd, 3 * 4096, flags=mmap.MAP_PRIVATE, offset=4096)
print(m[:16] == data[4096:4112], m[-16:] == data[4 * 4096 - 16:4 * 4096])
m.close()
fcntl.flock(fd, fcntl.LOCK_EX)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 100, 10)
h = os.open("host.copy", os.O_RDWR | os.O_CREAT | os.O_TRUNC)
r, w = os.pipe()
print(os.sendfile(h, fd, 0, 5 * 1024 * 1024),
    os.copy_file_range(fd, h, 2 * 1024 * 1024, 0, 0),
    os.copy_file_range(h, fd, 1 << 20, 0, 1 << 22),
    os.splice(fd, w, 60000, offset_src=0), os.splice(r, fd, 60000, offset_dst=5))
for i in range(200):
	os.dup2(fd, 50 + i % 40)
os.closerange(50, 100)
print(os.dup2(fd, 3000, inheritable=False), fcntl.fcntl(fd, fcntl.F_DUPFD, 5000))
os.ftruncate(fd, 7)
os.fdatasync(fd)
with os.fdopen(os.dup(fd), "r+") as f:
	f.seek(0, 2)
	f.write("y" * 100000)
print(os.fstat(fd).st_size)
END
	hj_ok /usr/bin/python3 io.py
	fail_unless_eq "python3 I/O" "2000 2000
2002 2002 0
779700 3997 70005 3 10485763
True True
5242880 2097152 1048576 60000 60000
3000 5000
100007" "$output"
}

# ---- configuration and connection errors -----------------------------

@test "asan: RUMPHIJACK values, good and bad, and unreachable servers" {
	local v
	printf 'host\n' >hostfile
	for v in path=//,blanket=/dirtoo:/dir:/de,fdoff=200 \
	    path=/rump,socket=all:nolocal,sysctl=yes,vfs=all:nofhcalls \
	    socket=inet:inet6,vfs=nfssvc:getvfsstat,sysctl=no,path=/r; do
		RUMPHIJACK=$v leakcheck hj_ok "$HJT/h_client" openfd hostfile
	done
	for v in frobnicate=1 path=/rump,frobnicate path=relative/dir path= \
	    fdoff=abc fdoff=2 fdoff=8x socket=bogus \
	    path=/rump,socket=inet:nobogus blanket=rel blanket=/dev:relpath \
	    sysctl=maybe "$(printf 'path=/%0*d' 5000 0)" \
	    "$(printf 'blanket=/x%.0s:' {1..40})/y" =; do
		RUMPHIJACK=$v leakcheck run hj "$HJT/h_client" openfd hostfile
		[[ $status == 1 ]] || fail_with "RUMPHIJACK='$v': status $status: $output"
	done
	for v in sometimes -5 5s 99999999999999999999999; do
		RUMPHIJACK_RETRYCONNECT=$v leakcheck run hj cat hostfile
		[[ $status == 1 ]] ||
		    fail_with "RUMPHIJACK_RETRYCONNECT='$v': status $status: $output"
	done
	for v in unix://$TMP/nosock bogus://x unix:// tcp://127.0.0.1:1 ""; do
		RUMP_SERVER=$v leakcheck run hj cat /rump/dev/null
		[[ $status == 1 ]] || fail_with "RUMP_SERVER='$v': status $status: $output"
	done
}

@test "asan: the server halted under a running program" {
	ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=1" \
	    hj_across_halt "$HJT/h_client" afterhalt
	[[ $HSTATUS == 0 ]] || fail_with "h_client: status $HSTATUS: $(cat "$TMP/err")"
	fail_unless_eq "h_client afterhalt" \
	    "$(printf 'ready\nstat: ENOTCONN\nwrite: ENOTCONN')" "$(cat "$TMP/out")"
}
