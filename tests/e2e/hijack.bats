#!/usr/bin/env bats
# hijack.bats — NetBSD's librumphijack tests (t_asyncio, t_config, t_cwd,
# t_sh, t_vfs; /work/shared/reference/netbsd-hijack.md §11-§12) ported to
# Linux programs, and the proof that host calls stay untouched.  Each test
# runs unmodified programs (or the helpers in tests/hijack/) under
# LD_PRELOAD=build/lib/librumphijack.so against its own
# `rump_server -lrumpvfs`.

bats_require_minimum_version 1.5.0

load helpers
load hijack_helpers

setup() { hj_setup; }
teardown() { common_teardown; }

# ---- t_asyncio ----------------------------------------------------------

@test "t_asyncio select_timeout: select on an idle host pipe times out" {
	hj_ok "$HJT/h_client" select_timeout
}

@test "t_asyncio select_allunset: select with empty sets and nfds 0" {
	hj_ok "$HJT/h_client" select_allunset
}

@test "t_asyncio invafd: poll of idle stdin and a closed rump fd returns POLLNVAL" {
	HJ_TIMEOUT=10 hj_ok "$HJT/h_client" invafd
}

@test "poll and select over a host pipe and a rump FIFO together" {
	HJ_TIMEOUT=20 hj_ok "$HJT/h_client" poll_mixed
}

# ---- t_config -----------------------------------------------------------

# Adapted: NetBSD refuses host descriptors >= fdoff with ENFILE; our
# placeholders are real host descriptors, so host opens are never
# refused (h_client.c fdoff8 says what is checked).
@test "t_config fdoff: fdoff=8, host fds 3-7 and 9, the rump fd is 8" {
	printf 'host file\n' >"$TMP/hostfile"
	RUMPHIJACK=path=/rump,fdoff=8 hj_ok "$HJT/h_client" fdoff8 "$TMP/hostfile"
}

# ---- t_cwd --------------------------------------------------------------

cwd_case()
{
	RUMPHIJACK=path=$1 hj_ok "$HJT/h_cwd" "$@"
}

@test "t_cwd basic_chdir" { cwd_case /rump simple chdir; }
@test "t_cwd basic_fchdir" { cwd_case /rump simple fchdir; }
@test "t_cwd slash_chdir" { cwd_case // simple chdir; }
@test "t_cwd slash_fchdir" { cwd_case // simple fchdir; }
@test "t_cwd symlink_chdir" { cwd_case /rump symlink chdir; }
@test "t_cwd symlink_fchdir" { cwd_case /rump symlink fchdir; }
@test "t_cwd symlink_slash_chdir" { cwd_case // symlink chdir; }
@test "t_cwd symlink_slash_fchdir" { cwd_case // symlink fchdir; }

# ---- t_sh ---------------------------------------------------------------

TEXT='this is the output you are looking for'

@test "t_sh runscript: dash runs a script moved into the rump kernel" {
	echo "echo $TEXT" >thescript
	# (-t: if /rump were the host's, mv fails instead of making /rump)
	hj_ok mv -t /rump thescript
	[[ ! -e thescript ]] || fail_with "mv left the host file behind"
	hj_ok dash /rump/thescript
	fail_unless_eq "script output" "$TEXT" "$output"
}

@test "t_sh redirect: dash redirects to and from a rump file" {
	echo "echo $TEXT > /rump/thefile" >thescript
	hj_ok dash thescript
	fail_unless_eq "script output" "" "$output"
	[[ ! -e /rump/thefile ]] || fail_with "the file landed on the host"
	hj_ok cat /rump/thefile
	fail_unless_eq "cat /rump/thefile" "$TEXT" "$output"
	echo "cat < /rump/thefile" >thescript
	hj_ok dash thescript
	fail_unless_eq "cat < /rump/thefile" "$TEXT" "$output"
}

# ---- t_vfs --------------------------------------------------------------

# NetBSD's `stat -f '%d %i %Sp %l %Su %Sg %r %z "%Sa" "%Sm" "%SB" %k %b
# %#Xf'` in GNU terms, without the name and the ctime (which a second
# link or a copy changes).  GNU stat has no birth time for every file
# system and %t,%T stands for %r.  For one object seen through two names
# every field must agree.
STATFMT='%d %i %A %h %U %G %t,%T %s %X %Y %b %B %f'

# a host tree with what mv must carry over: nested directories, a
# symlink, odd modes, an empty file, a larger file
make_tree()
{
	mkdir -p "$1/sub/deeper" "$1/empty"
	cp "$ROOT"/tests/hijack/*.c "$1/"
	seq 1 20000 >"$1/sub/numbers"
	: >"$1/sub/deeper/zero"
	printf 'secret\n' >"$1/sub/private"
	chmod 600 "$1/sub/private"
	chmod 751 "$1/sub/deeper"
	ln -s ../h_cwd.c "$1/sub/link"
	touch -d '2001-02-03 04:05:06' "$1/sub/numbers"
}

@test "t_vfs mv_x: mv of a tree across kernels copies it" {
	make_tree dir
	cp -Rp dir dir.2
	hj_ok mv -t /rump dir
	[[ ! -e dir ]] || fail_with "mv left the host tree behind"
	hj_ok diff -ru --no-dereference dir.2 /rump/dir
	# mv across file systems keeps modes and times, as cp -p does
	hj_ok stat -c '%n %A %Y' /rump/dir/sub/numbers /rump/dir/sub/private \
	    /rump/dir/sub/deeper
	fail_unless_eq "stat after mv" \
	    "$(stat -c '%n %A %Y' dir.2/sub/numbers dir.2/sub/private \
	    dir.2/sub/deeper | sed 's|^dir.2|/rump/dir|')" \
	    "$output"
	hj_ok readlink /rump/dir/sub/link
	fail_unless_eq "symlink" "../h_cwd.c" "$output"
}

@test "t_vfs ln_x: a hard link across kernels fails with EXDEV" {
	touch ./loser
	run hj ln ./loser /rump/.
	[[ $status -ne 0 ]] || fail_with "ln across kernels succeeded"
	[[ $output == *"Invalid cross-device link"* ]] ||
	    fail_with "ln: expected EXDEV, got: $output"
	run hj stat /rump/loser
	[[ $status -ne 0 ]] || fail_with "/rump/loser exists after failed ln"
}

@test "t_vfs runonprefix: /rump/dev is rump's, /rumpdev is the host's" {
	hj_ok stat /rump/dev
	run hj stat /rumpdev
	[[ $status -eq 1 ]] || fail_with "stat /rumpdev: status $status: $output"
	[[ $output == *"No such file or directory"* ]] ||
	    fail_with "stat /rumpdev: $output"
}

@test "t_vfs blanket: with blanket=/dev, /dev/null is the rump kernel's" {
	local rump host
	export RUMPHIJACK='blanket=/dev,path=/rump'
	hj_ok stat -c "$STATFMT" /rump/dev/null
	rump=$output
	hj_ok stat -c "$STATFMT" /dev/null
	fail_unless_eq "stat /dev/null under blanket=/dev" "$rump" "$output"
	host=$(stat -c "$STATFMT" /dev/null)
	[[ $host != "$rump" ]] ||
	    fail_with "rump's /dev/null looks exactly like the host's: $host"
}

@test "t_vfs doubleblanket: blanket=/dirtoo:/dir follows a rump symlink" {
	local a
	hj_ok mkdir /rump/dir
	hj_ok ln -s dir /rump/dirtoo
	export RUMPHIJACK='blanket=/dirtoo:/dir'
	hj_ok touch /dir/file
	hj_ok stat -c "$STATFMT" /dir/file
	a=$output
	hj_ok stat -c "$STATFMT" /dirtoo/file
	fail_unless_eq "stat through the symlink" "$a" "$output"
	[[ ! -e /dir/file ]] || fail_with "/dir/file was made on the host"
	RUMPHIJACK=path=/rump hj_ok stat -c "$STATFMT" /rump/dir/file
	fail_unless_eq "stat through path=/rump" "$a" "$output"
}

# ---- host calls ---------------------------------------------------------

# (about 12 s of this machine's time: a host stat costs ~1 us here)
@test "host calls untouched: 10 million reads of /dev/zero and stats" {
	printf 'a host file\n' >"$TMP/hostfile"
	HJ_TIMEOUT=120 hj_ok "$HJT/h_hostcalls" "$TMP/hostfile" 10000000 10000000
	fail_unless_eq "h_hostcalls" \
	    "10000000 reads, 10000000 stats: all correct" "$output"
}

# ---- review fixes (tests/hijack/h_review.c) -----------------------------

@test "fclose(stdout) on a rump fd 1 whose flush fails: EOF, EBADF, fd 1 closed" {
	hj_ok "$HJT/h_review" fclose_pending
}

@test "popen and posix_spawn children do not write the parent's stdout buffer" {
	hj_ok "$HJT/h_review" spawn_noflush /rump/out
	run hj_rcat /out
	fail_unless_eq "/rump/out" "$(printf 'before\nafter')" "$output"
}

@test "fork while another thread is in popen: the child's popen works" {
	HJ_TIMEOUT=60 hj_ok "$HJT/h_review" fork_popen 100
}

# (a stress: the window is a few instructions wide, so a regression
# shows only sometimes)
@test "fork while other threads make and drop poll helpers: the child runs" {
	HJ_TIMEOUT=60 hj_ok "$HJT/h_review" fork_helpers 300
}

@test "umask leaves errno alone when the kernel is gone" {
	hj_across_halt "$HJT/h_review" umask_errno
	[[ $HSTATUS -eq 0 ]] ||
	    { cat "$TMP/err" >&2; fail_with "h_review: status $HSTATUS"; }
	fail_unless_eq "h_review umask_errno" "$(printf 'ready\nok')" "$(cat "$TMP/out")"
}

@test "RUMPHIJACK path=/// and path=/rump/ are refused, path=// is not" {
	printf 'x\n' >hostfile
	for v in /// /rump/; do
		run --separate-stderr env RUMPHIJACK="path=$v" \
		    timeout 20 env LD_PRELOAD="$HIJACK_LIB" cat hostfile
		[[ $status -eq 1 && $stderr == *"path=$v"* ]] ||
		    fail_with "path=$v: status $status, stderr '$stderr'"
	done
	RUMPHIJACK=path=// hj_ok cat hostfile
	fail_unless_eq "cat under path=//" x "$output"
}

@test "fdoff above RLIMIT_NOFILE: a rump open fails with EMFILE" {
	ulimit -n 256
	RUMPHIJACK=path=/rump,fdoff=300 hj_ok "$HJT/h_review" open_errno /rump/dev/null
	fail_unless_eq "open's errno" EMFILE "$output"
}

@test "stdout's buffer follows fd 1 as in glibc: across dup2, not from a fork+exec child" {
	hj "$HJT/h_review" pending_moves >"$TMP/hostout" ||
	    fail_with "h_review pending_moves: status $?"
	fail_unless_eq "host file" "$(printf 'hdr\nthree\nfour')" "$(cat "$TMP/hostout")"
	run hj_rcat /y
	fail_unless_eq "/rump/y" "$(printf 'one\ntwo')" "$output"
	run hj_rcat /x
	fail_unless_eq "/rump/x" "" "$output"
}
