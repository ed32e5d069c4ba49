#!/usr/bin/env bats
# hijack_tools.bats — unmodified Debian programs (coreutils, findutils,
# tar, gzip, python3, sqlite3) run under librumphijack against a real
# `rump_server -lrumpvfs`, each compared with the same command on a host
# directory (issue 4, "Done means").
#
# A test builds the same tree twice, in $H (a host directory) and in $R
# (/rump/t, that is /t in the kernel with the default path=/rump), runs
# the command under the hijack on both, and compares exit status,
# stdout and stderr once the two directory names are replaced by {D}
# (see `both`).  What else must differ between the two file systems is
# normalised by the test that meets it, with the reason next to it:
# inode and device numbers are never printed, and the size and block
# count of directories are the file system's own business (ext4 says
# 4096, a tmpfs counts entries).  Owners and groups are compared as they
# are: the files a program makes in the kernel must carry its own ids,
# as on the host.  The tests that copy a tree into the kernel and back
# compare the copies with `same_tree`.
#
# Times that ls, stat or find print are fixed with touch -d first; TZ and
# LC_ALL are fixed so that host and kernel runs print the same text.
# Each test has its own $TMP and its own server (hijack_helpers.bash), so
# the file runs in parallel with the others.

load helpers
load hijack_helpers

# the fixed time every tree entry gets
T0='2020-01-02 03:04:05'

setup()
{
	hj_setup
	unset RUMPHIJACK	# the default: path=/rump
	export TZ=UTC LC_ALL=C
	umask 022
	# the canonical name: python's resolve() and pwd print it
	TMP=$(cd "$TMP" && pwd -P)
	H=$TMP/host
	R=/rump/t
	mkdir "$H"
	hj mkdir "$R"
	mkdata
}

teardown()
{
	common_teardown
}

# ---- helpers ---------------------------------------------------------

# mkdata: the host files trees are made from, in $TMP/data (host tools).
mkdata()
{
	local d=$TMP/data
	mkdir "$d"
	printf 'hello\nworld\n' >"$d/file1"
	seq 1 2000 >"$d/file2"				# 8893 bytes
	# 1000 numbers in a fixed, unsorted order
	seq 0 999 | awk '{ print ($1 * 337) % 1000 }' >"$d/lines"
	head -c 1100000 /dev/urandom >"$d/big"
}

# mktree DIR: builds the test tree in DIR, under the hijack whether DIR
# is a host or a rump directory:
#	file1 (0644, 12 bytes; hard link: hard)   file2 (0600, 8893 bytes)
#	lines.txt   run.sh (0755)   link -> file1   dangling -> nowhere
#	sub/ (0750): up -> ../file1, deep/f.txt   empty/
# and gives every entry the time $T0.
mktree()
{
	local D=$1
	hj mkdir -p "$D/sub/deep" "$D/empty"
	hj cp "$TMP/data/file1" "$TMP/data/file2" "$D/"
	hj cp "$TMP/data/lines" "$D/lines.txt"
	hj cp "$TMP/data/file1" "$D/run.sh"
	hj cp "$TMP/data/file1" "$D/sub/deep/f.txt"
	hj chmod 600 "$D/file2"
	hj chmod 755 "$D/run.sh"
	hj chmod 750 "$D/sub"
	hj ln "$D/file1" "$D/hard"
	hj ln -s file1 "$D/link"
	hj ln -s nowhere "$D/dangling"
	hj ln -s ../file1 "$D/sub/up"
	hj touch -h -d "$T0" "$D/file1" "$D/file2" "$D/lines.txt" \
	    "$D/run.sh" "$D/link" "$D/dangling" "$D/sub/up" \
	    "$D/sub/deep/f.txt" "$D/sub/deep" "$D/sub" "$D/empty" "$D"
}

mktrees()
{
	mktree "$H"
	mktree "$R"
}

# mksrc DIR: a host tree made with host tools (no hijack), for the tests
# that copy a tree into the kernel: nested directories, a 1.1 MB file,
# symlinks (relative, absolute, dangling), a hard link pair, an empty
# directory, several modes and fixed times.
mksrc()
{
	local s=$1
	mkdir -p "$s/a/b/c" "$s/empty" "$s/x"
	cp "$TMP/data/file1" "$s/a/one"
	cp "$TMP/data/file2" "$s/a/b/two"
	cp "$TMP/data/big" "$s/a/b/c/big"
	cp "$TMP/data/lines" "$s/x/lines"
	ln "$s/a/one" "$s/x/one.hard"
	ln -s ../a/one "$s/x/one.sym"
	ln -s /etc/hostname "$s/x/abs.sym"
	ln -s missing "$s/x/dangling"
	: >"$s/zero"
	chmod 640 "$s/a/b/two"
	chmod 755 "$s/x/lines"
	chmod 700 "$s/a/b/c"
	touch -h -d "$T0" "$s/a/one" "$s/a/b/two" "$s/a/b/c/big" \
	    "$s/x/lines" "$s/x/one.sym" "$s/x/abs.sym" "$s/x/dangling" \
	    "$s/zero"
	touch -d '2019-07-08 09:10:11.5' "$s/a/b/c" "$s/a/b" "$s/a" \
	    "$s/empty" "$s/x" "$s"
}

# subst_dirs FILE: replaces the host and rump directory names by {D} in
# FILE (sed: the output may be binary).
subst_dirs()
{
	local h r
	h=$(printf '%s' "$H" | sed 's/[][\/.^$*|]/\\&/g')
	r=$(printf '%s' "$R" | sed 's/[][\/.^$*|]/\\&/g')
	sed -i -e "s|$h|{D}|g" -e "s|$r|{D}|g" "$1"
}

# both CMD ARGS...: runs CMD under the hijack on the host tree and on the
# rump tree ({D} in an argument becomes $H, then $R) and fails unless
# the exit status, stdout and stderr agree once both names are {D}
# again.  FILTER, when set, is a command the normalised stdout and
# stderr are piped through before comparing.  Afterwards $status,
# $out and $err are those of the rump run.
both()
{
	local side dir tok='{D}' st_host st_rump f bad=0
	for side in host rump; do
		[[ $side == host ]] && dir=$H || dir=$R
		status=0
		hj "${@//"$tok"/$dir}" >"$TMP/$side.out" 2>"$TMP/$side.err" </dev/null ||
		    status=$?
		[[ $side == host ]] && st_host=$status || st_rump=$status
		for f in out err; do
			subst_dirs "$TMP/$side.$f"
			if [[ -n ${FILTER:-} ]]; then
				# (grep -v with nothing left fails: not an error)
				$FILTER <"$TMP/$side.$f" >"$TMP/$side.$f.f" || true
				mv "$TMP/$side.$f.f" "$TMP/$side.$f"
			fi
		done
	done
	# (binary output, dd's: bash would warn about NUL bytes)
	out=$(tr -d '\000' <"$TMP/rump.out")
	err=$(<"$TMP/rump.err")
	if [[ $st_host != "$st_rump" ]]; then
		echo "$*: exit status $st_host on the host, $st_rump in rump" >&2
		bad=1
	fi
	for f in out err; do
		cmp -s "$TMP/host.$f" "$TMP/rump.$f" && continue
		echo "$*: std$f differs (host ---, rump +++)" >&2
		diff -u --label host --label rump -a "$TMP/host.$f" "$TMP/rump.$f" |
		    head -60 >&2
		bad=1
	done
	return $bad
}

# both_ok CMD ARGS...: both, and the command succeeded.
both_ok()
{
	both "$@" || return 1
	[[ $status == 0 ]] || fail_with "$*: exit status $status: $err"
}

# norm_ls: ls -l output without what two file systems legitimately
# disagree on: the "total" line (it sums st_blocks, and directories have
# blocks on ext4 and none on a tmpfs), the ".." entry (the host tree's
# parent is $TMP, the rump one's the kernel's root) and the size column
# of directories.  Spacing is squeezed since column widths follow the
# widest size.
norm_ls()
{
	awk '/^total / || $NF == ".." { next }
	    $1 ~ /^d/ { $5 = "DIRSIZE" }
	    { $1 = $1; print }'
}

# snap DIR: everything two copies of a tree must share, one line per
# entry: relative name, type, mode, owner, group, link count, size (not
# for directories, see norm_ls), mtime to the nanosecond and symlink
# target; then the sha256 of every regular file.  Runs find and
# sha256sum under the hijack, so DIR may be either kind.
snap()
{
	local d=$1 meta dirs files sums
	meta=$(hj find "$d" ! -type d -printf '%P %y %m %u %g %n %s %T+ %l\n')
	dirs=$(hj find "$d" -type d -printf '%P %y %m %u %g %n - %T+\n')
	printf '%s\n%s\n' "$meta" "$dirs" | sort
	mapfile -t files < <(hj find "$d" -type f -printf '%p\n' | sort)
	[[ ${#files[@]} -gt 0 ]] || fail_with "snap $d: no files" || return 1
	sums=$(hj sha256sum "${files[@]}")
	printf '%s\n' "${sums//"$d/"/}"
}

# same_tree A B: snap A and snap B are identical.
same_tree()
{
	local a b
	a=$(snap "$1") || return 1
	b=$(snap "$2") || return 1
	fail_unless_eq "tree $2 (vs $1)" "$a" "$b"
}

# rump_missing PATH: the kernel has no PATH (stat fails with ENOENT).
rump_missing()
{
	local e
	e=$(hj stat -c %n "$1" 2>&1) && fail_with "$1 still exists"
	[[ $e == *"No such file or directory"* ]] ||
	    fail_with "stat $1: $e"
}

# ---- coreutils -------------------------------------------------------

@test "ls -la and ls -R list a rump tree as they list the host one" {
	mktrees
	FILTER=norm_ls both_ok ls -la --time-style=full-iso {D}
	# the default time style: old dates as "Jan  2  2020"
	FILTER=norm_ls both_ok ls -la {D} {D}/sub {D}/sub/deep
	FILTER=norm_ls both_ok ls -la {D}/file1 {D}/link {D}/dangling {D}/sub/up
	both_ok ls -R {D}
	both_ok ls -R -a -p -1 {D}/sub
	both ls -la {D}/nope
	[[ $status == 2 && $err == *"cannot access '{D}/nope': No such file"* ]]
}

@test "cat: rump files, symlinks, a mix with host files and stdin" {
	mktrees
	both_ok cat {D}/file1 {D}/sub/deep/f.txt {D}/link {D}/sub/up
	[[ $out == $'hello\nworld\nhello\nworld\nhello\nworld\nhello\nworld' ]]
	both cat {D}/nope {D}/sub {D}/file1
	[[ $status == 1 ]]
	hj cp "$TMP/data/big" "$R/big"
	hj cat "$R/big" >"$TMP/big.out"
	cmp "$TMP/data/big" "$TMP/big.out"
	# host file, rump file and stdin (a host pipe) in one run
	out=$(printf 'stdin\n' | hj cat "$TMP/data/file1" "$R/file1" - "$R/lines.txt")
	fail_unless_eq "cat mix" "$(cat "$TMP/data/file1" "$TMP/data/file1" \
	    <(printf 'stdin\n') "$TMP/data/lines")" "$out"
}

@test "cp -a of a tree with symlinks: host to rump, rump to rump, rump to host" {
	mksrc "$TMP/src"
	run hj cp -a "$TMP/src" "$R/a"
	echo "$output"
	[[ $status == 0 && -z $output ]]
	run hj cp -a "$R/a" "$R/b"
	echo "$output"
	[[ $status == 0 && -z $output ]]
	run hj cp -a "$R/b" "$TMP/back"
	echo "$output"
	[[ $status == 0 && -z $output ]]
	same_tree "$TMP/src" "$R/a"
	same_tree "$TMP/src" "$R/b"
	same_tree "$TMP/src" "$TMP/back"
	# the symlink in the kernel holds the host's absolute name unchanged
	[[ $(hj readlink "$R/b/x/abs.sym") == /etc/hostname ]]
	# hard links stayed links: one inode, two names
	[[ $(hj stat -c %i "$R/b/a/one") == $(hj stat -c %i "$R/b/x/one.hard") ]]
}

@test "mv within the rump kernel renames in the kernel (same inode)" {
	mktrees
	local ino dino
	ino=$(hj stat -c %i "$R/file2")
	dino=$(hj stat -c %i "$R/sub/deep")
	both_ok mv {D}/file2 {D}/sub/moved
	both_ok mv {D}/sub/deep {D}/empty/deep2
	both_ok mv -v {D}/lines.txt {D}/run.sh {D}/empty/
	[[ $out == *"renamed '{D}/lines.txt' -> '{D}/empty/lines.txt'"* ]]
	# a rename, not a copy: the kernel kept the inodes
	[[ $(hj stat -c %i "$R/sub/moved") == "$ino" ]]
	[[ $(hj stat -c %i "$R/empty/deep2") == "$dino" ]]
	rump_missing "$R/file2"
	rump_missing "$R/sub/deep"
	# the parents' times changed now: compare without them
	# (and of a directory moved to a new parent: whether its own mtime
	# changes with its ".." is the file system's business)
	hj touch -d "$T0" "$H" "$H/sub" "$H/empty" "$H/empty/deep2" \
	    "$R" "$R/sub" "$R/empty" "$R/empty/deep2"
	same_tree "$H" "$R"
}

@test "mv across kernels: host to rump and rump to host copy (EXDEV fallback)" {
	mksrc "$TMP/src"
	cp -a "$TMP/src" "$TMP/src.2"
	cp -a "$TMP/data/file2" "$TMP/f"
	chmod 640 "$TMP/f"
	touch -d "$T0" "$TMP/f"
	cp -a "$TMP/f" "$TMP/f.2"
	# a file and a tree, host to rump
	run hj mv "$TMP/f" "$R/f"
	echo "$output"
	[[ $status == 0 && -z $output ]]
	run hj mv "$TMP/src" "$R/"
	echo "$output"
	[[ $status == 0 && -z $output ]]
	[[ ! -e $TMP/f && ! -e $TMP/src ]]
	[[ $(hj stat -c '%a %s %y' "$R/f") == "640 8893 2020-01-02 03:04:05.000000000 +0000" ]]
	[[ $(hj sha256sum <"$TMP/f.2") == $(hj cat "$R/f" | sha256sum) ]]
	same_tree "$TMP/src.2" "$R/src"
	# and back, rump to host
	run hj mv "$R/src" "$TMP/again"
	echo "$output"
	[[ $status == 0 && -z $output ]]
	run hj mv "$R/f" "$TMP/f.back"
	echo "$output"
	[[ $status == 0 && -z $output ]]
	rump_missing "$R/src"
	rump_missing "$R/f"
	same_tree "$TMP/src.2" "$TMP/again"
	cmp "$TMP/f.2" "$TMP/f.back"
	[[ $(stat -c '%a %y' "$TMP/f.back") == "640 2020-01-02 03:04:05.000000000 +0000" ]]
}

@test "rm -rf removes a rump tree" {
	mktrees
	both_ok rm -rf {D}/sub {D}/link {D}/nothing-there
	FILTER=norm_ls both_ok ls -la --time-style=full-iso {D}/empty
	both rm {D}/empty
	[[ $status == 1 && $err == "rm: cannot remove '{D}/empty': Is a directory" ]]
	both_ok rm -r -v {D}/empty
	hj cp -a "$H" "$R/copy"
	run hj rm -rf "$R"
	echo "$output"
	[[ $status == 0 && -z $output ]]
	rump_missing "$R"
	run hj ls -a /rump
	[[ $status == 0 && $output == *dev* ]]
	! grep -qx t <<<"$output"
}

@test "mkdir -p creates every level with the umask applied" {
	both_ok mkdir -p {D}/x/y/z {D}/x/y2
	both_ok mkdir -p -m 700 {D}/m/n
	both_ok mkdir -p {D}/x/y/z
	both_ok mkdir -p -v {D}/x/y/new/newer
	[[ $out == *"created directory '{D}/x/y/new/newer'"* ]]
	both mkdir {D}/x
	[[ $status == 1 && $err == "mkdir: cannot create directory '{D}/x': File exists" ]]
	both_ok touch {D}/f
	both mkdir -p {D}/f/a
	[[ $status == 1 && $err == *"Not a directory"* ]]
	both_ok stat -c '%n %A %h %U %G' {D}/x {D}/x/y {D}/x/y/z {D}/m {D}/m/n
}

@test "ln and ln -s; a hard link across kernels fails with EXDEV" {
	mktrees
	both_ok ln {D}/file2 {D}/sub/two
	both_ok ln -s ../file2 {D}/sub/two.sym
	both_ok ln -s -f file1 {D}/dangling
	both_ok ln -s -v deep {D}/sub/deep.sym
	both_ok stat -c '%n %h %s %A' {D}/file2 {D}/sub/two {D}/file1 {D}/hard
	both_ok readlink {D}/sub/two.sym {D}/dangling {D}/sub/deep.sym
	both_ok cat {D}/sub/two.sym {D}/sub/deep.sym/f.txt {D}/dangling
	both ln {D}/file1 {D}/hard
	[[ $status == 1 && $err == *"File exists"* ]]
	# the two names are one inode in the kernel
	[[ $(hj stat -c %i "$R/file2") == $(hj stat -c %i "$R/sub/two") ]]
	# an absolute symlink in the kernel resolves in the kernel's name space
	hj ln -s /t/file2 "$R/abs"
	cmp "$TMP/data/file2" <(hj cat "$R/abs")
	# NetBSD's t_vfs ln_x: host file, rump directory
	run hj ln "$TMP/data/file1" "$R/x"
	echo "$output"
	[[ $status == 1 && $output == *"Invalid cross-device link"* ]]
	run hj ln "$R/file1" "$TMP/x"
	echo "$output"
	[[ $status == 1 && $output == *"Invalid cross-device link"* ]]
	[[ ! -e $TMP/x ]]
	rump_missing "$R/x"
}

@test "stat prints the same fields for rump and host files" {
	mktrees
	# non-directories: everything except the inode, device, ctime (now),
	# birth time (ext4 has one, tmpfs need not) and the I/O size hint
	both_ok stat -c '%n|%F|%a|%A|%h|%U|%G|%u|%g|%s|%b|%B|%N|%x|%y|%X|%Y' \
	    {D}/file1 {D}/file2 {D}/hard {D}/run.sh {D}/link {D}/dangling {D}/sub/up
	both_ok stat -L -c '%n|%F|%a|%s|%y' {D}/link {D}/sub/up
	# directories: without size and blocks (norm_ls)
	both_ok stat -c '%n|%F|%a|%A|%h|%U|%G|%y' {D} {D}/sub {D}/sub/deep {D}/empty
	# the default format, without Device/Inode, Change and Birth (of a
	# file nothing read since touch: following a symlink updates its
	# atime on the host's relatime ext4)
	FILTER="grep -v -e Device: -e Change: -e Birth:" both_ok stat {D}/file2
	both stat -L {D}/dangling
	[[ $status == 1 && $err == *"No such file or directory"* ]]
	both stat {D}/nope {D}/file1/x
	[[ $status == 1 && $err == *"No such file or directory"*"Not a directory"* ]]
	# hard links: one inode on each side
	[[ $(hj stat -c %i "$R/file1") == $(hj stat -c %i "$R/hard") ]]
	[[ $(hj stat -c %i "$R/file1") != $(hj stat -c %i "$R/file2") ]]
}

@test "touch -d sets atime and mtime of rump files to the nanosecond" {
	mktrees
	both_ok touch -d '2021-06-07 08:09:10.123456789' {D}/new {D}/file1
	both_ok touch -a -d '2019-01-01 00:00:00' {D}/file2
	both_ok touch -m -d '2018-05-05 05:05:05.5' {D}/file2
	both_ok touch -h -d '2017-03-03 03:03:03' {D}/link
	both_ok touch -r {D}/file1 {D}/sub/deep/f.txt
	both_ok touch -c {D}/absent
	both_ok touch -d @1234567890 {D}/sub
	both_ok stat -c '%n %s %x %y' {D}/new {D}/file1 {D}/file2 {D}/link \
	    {D}/sub/deep/f.txt
	both_ok stat -c '%n %x %y' {D}/sub	# no size: see norm_ls
	both touch {D}/nodir/x
	[[ $status == 1 && $err == "touch: cannot touch '{D}/nodir/x': No such file or directory" ]]
	rump_missing "$R/absent"
	# no -d: the kernel's clock is the host's
	hj touch "$R/now"
	local t now
	t=$(hj stat -c %Y "$R/now")
	now=$(date +%s)
	(( t >= now - 5 && t <= now ))
}

@test "chmod: octal, symbolic, -R, reference" {
	mktrees
	both_ok chmod -v 640 {D}/file1
	[[ $out == "mode of '{D}/file1' changed from 0644 (rw-r--r--) to 0640 (rw-r-----)" ]]
	both_ok chmod -v u+x,g-r,o=w {D}/file2 {D}/run.sh
	both_ok chmod 4755 {D}/sub/deep/f.txt
	both_ok chmod -R -c go-rwx {D}/sub
	both_ok chmod --reference={D}/file2 {D}/lines.txt
	both_ok chmod 600 {D}/link	# follows the link to file1
	both_ok stat -c '%n %a %A' {D}/file1 {D}/file2 {D}/run.sh {D}/link \
	    {D}/sub {D}/sub/deep {D}/sub/deep/f.txt {D}/lines.txt
	both chmod 644 {D}/nope
	[[ $status == 1 && $err == *"No such file or directory"* ]]
}

# du_expect DIR: what du -s -B1 and du -s -b --apparent-size must print
# for DIR, from stat's view of every entry (hard links counted once),
# so that directories count with each file system's own sizes.
du_expect()
{
	hj find "$1" -printf '%i %b %s\n' |
	    awk '!seen[$1]++ { b += $2 * 512; s += $3 } END { print b, s }'
}

@test "du -s counts a rump tree" {
	mktrees
	both_ok du -s --inodes {D}
	[[ $out == $'12\t{D}' ]]
	both_ok du -s -b --apparent-size {D}/file1 {D}/file2 {D}/sub/deep/f.txt
	both_ok du -s -b --apparent-size -L {D}/link
	local d exp b s
	for d in "$H" "$R"; do
		exp=$(du_expect "$d")
		b=$(hj du -s -B1 "$d")
		s=$(hj du -s -b --apparent-size "$d")
		fail_unless_eq "du -s -B1 $d" "${exp% *}" "${b%%$'\t'*}"
		fail_unless_eq "du -s --apparent-size $d" "${exp#* }" "${s%%$'\t'*}"
		[[ ${b#*$'\t'} == "$d" ]]
	done
	# du -s (1K blocks) of the kernel's tree
	exp=$(du_expect "$R")
	b=$(hj du -s "$R")
	[[ ${b%%$'\t'*} == $(( (${exp% *} + 1023) / 1024 )) ]]
}

# df_field OUTPUT N: field N of df's data line
df_field()
{
	printf '%s\n' "$1" | awk -v n="$2" 'NR == 2 { print $n }'
}

@test "df reports the rump file system's size, not the host's" {
	local before after size want
	run hj df -k "$R"
	echo "$output"
	[[ $status == 0 ]]
	before=$output
	# the kernel's root tmpfs defaults to half the host's RAM, in pages
	want=$(( $(getconf _PHYS_PAGES) * $(getconf PAGESIZE) / 4096 / 2 * 4 ))
	size=$(df_field "$before" 2)
	fail_unless_eq "df 1K-blocks" "$want" "$size"
	# statfs through stat -f agrees, and says tmpfs
	[[ $(hj stat -f -c '%T %b %S' "$R") == "tmpfs $((want / 4)) 4096" ]]
	# 3 MiB written in the kernel show up exactly in its Used column,
	# which no host file system's activity can fake
	hj dd if=/dev/zero of="$R/fill" bs=1M count=3 conv=fsync status=none
	run hj df -k "$R"
	echo "$output"
	[[ $status == 0 ]]
	after=$output
	fail_unless_eq "df Used delta" 3072 \
	    $(( $(df_field "$after" 3) - $(df_field "$before" 3) ))
	hj rm "$R/fill"
	run hj df -k "$R"
	[[ $status == 0 && $(df_field "$output" 3) == $(df_field "$before" 3) ]]
}

@test "dd with conv=fsync, skip, seek and notrunc" {
	mktrees
	# dd's last line has the elapsed time and rate
	FILTER="sed -e s/copied,.*/copied/" both_ok dd if="$TMP/data/big" \
	    of={D}/big bs=64k conv=fsync
	[[ $err == *"16+1 records in"*"1100000 bytes"* ]]
	FILTER="sed -e s/copied,.*/copied/" both_ok dd if={D}/big bs=4096 skip=3 count=5
	cmp <(dd if="$TMP/data/big" bs=4096 skip=3 count=5 status=none) "$TMP/rump.out"
	both_ok dd if={D}/file2 of={D}/big bs=1000 seek=5 count=3 \
	    conv=notrunc,fsync status=none
	both_ok dd if={D}/big of={D}/short bs=1000 count=7 seek=2 status=none
	both_ok sha256sum {D}/big {D}/short
	hj dd if="$R/big" of="$TMP/back" bs=1M conv=fsync status=none
	cmp "$TMP/back" "$H/big"
	both dd if={D}/nope of={D}/x
	[[ $status == 1 && $err == *"failed to open '{D}/nope'"* ]]
}

@test "truncate grows, shrinks and creates rump files" {
	mktrees
	both_ok truncate -s 5000 {D}/file1
	both_ok truncate -s +100 {D}/file2
	both_ok truncate -s -8000 {D}/lines.txt
	both_ok truncate -s 1M {D}/sparse
	both_ok truncate -s 0 {D}/run.sh
	both_ok truncate -c -s 10 {D}/absent
	both_ok stat -c '%n %s' {D}/file1 {D}/file2 {D}/lines.txt {D}/sparse {D}/run.sh {D}/hard
	both_ok sha256sum {D}/file1 {D}/file2 {D}/lines.txt {D}/sparse {D}/run.sh
	rump_missing "$R/absent"
	both truncate -s 10 {D}/sub
	[[ $status == 1 && $err == *"Is a directory"* ]]
}

@test "head and tail of rump files" {
	mktrees
	hj cp "$TMP/data/big" "$R/big"
	cp "$TMP/data/big" "$H/big"
	both_ok head -n 3 {D}/lines.txt
	[[ $out == $'0\n337\n674' ]]
	both_ok head -c 100 {D}/lines.txt
	both_ok head -n -990 {D}/lines.txt
	both_ok head -n 2 {D}/lines.txt {D}/file1
	both_ok tail -n 5 {D}/lines.txt
	both_ok tail -n +995 {D}/lines.txt
	both_ok tail -c 50 {D}/lines.txt
	both_ok tail -n 1 {D}/file1 {D}/lines.txt
	both_ok tail -c 5000 {D}/big
	cmp "$TMP/rump.out" <(tail -c 5000 "$TMP/data/big")
	both_ok head -c 300000 {D}/big
	cmp "$TMP/rump.out" <(head -c 300000 "$TMP/data/big")
	both head {D}/nope
	[[ $status == 1 && $err == *"cannot open '{D}/nope'"* ]]
}

@test "sort -o writes its output into the rump kernel, in place too" {
	mktrees
	both_ok sort -o {D}/sorted {D}/lines.txt
	both_ok sort -n -r -o {D}/lines.txt {D}/lines.txt
	both_ok sort -u -o {D}/merged {D}/lines.txt {D}/file1 {D}/file2
	both_ok cat {D}/sorted {D}/lines.txt {D}/merged
	cmp <(hj cat "$R/sorted") <(sort "$TMP/data/lines")
	cmp <(hj cat "$R/lines.txt") <(sort -n -r "$TMP/data/lines")
	both_ok stat -c '%n %s %a' {D}/sorted {D}/lines.txt {D}/merged
}

@test "sort -T keeps its temporary files in the rump kernel" {
	hj mkdir "$R/tmp"
	mkdir "$H/tmp"
	seq 1 60000 | awk '{ print ($1 * 7919) % 60000 }' >"$TMP/many"
	hj cp "$TMP/many" "$R/many"
	cp "$TMP/many" "$H/many"
	# a 16 KiB buffer for 350 KB of input: many temporary files
	both_ok sort -n -S 16k -T {D}/tmp -o {D}/many.sorted {D}/many
	cmp <(hj cat "$R/many.sorted") <(sort -n "$TMP/many")
	# and none left behind
	both_ok ls -A {D}/tmp
	[[ -z $out ]]
}

@test "split into rump files" {
	mktrees
	both_ok split -b 1000 {D}/file2 {D}/p.
	both_ok split -l 300 -d --additional-suffix=.txt {D}/lines.txt {D}/l.
	both_ok split -n 3 {D}/file1 {D}/n.
	both_ok ls {D}
	[[ $out == *l.00.txt*l.03.txt*n.ac*p.aa*p.ai* ]]
	local names=() parts=() n
	for n in $(cd "$H" && ls -d l.* n.* p.*); do
		names+=("{D}/$n")
	done
	both_ok sha256sum "${names[@]}"
	both_ok stat -c '%n %s' "${names[@]}"
	for n in $(cd "$H" && ls -d p.*); do
		parts+=("$R/$n")
	done
	cmp "$TMP/data/file2" <(hj cat "${parts[@]}")
}

# ---- findutils -------------------------------------------------------

@test "find with -exec, -execdir, -newer, -type, -delete" {
	mktrees
	# readdir order is the file system's: sort
	FILTER=sort both_ok find {D}
	FILTER=sort both_ok find {D} -type f -exec sha256sum {} +
	FILTER=sort both_ok find {D} -name '*.txt' -exec wc -c {} ';'
	FILTER=sort both_ok find {D} -type l -printf '%p -> %l %y %Y\n'
	FILTER=sort both_ok find {D} -empty
	FILTER=sort both_ok find {D} -maxdepth 1 -perm -u+x -type f
	# -execdir runs the program in the file's directory, in the kernel
	FILTER=sort both_ok find {D} -name f.txt -execdir pwd ';'
	[[ $out == "{D}/sub/deep" ]]
	FILTER=sort both_ok find {D} -name 'f*' -type f -execdir cat ./{} ';'
	hj touch -d '2022-01-01' "$R/file2"
	touch -d '2022-01-01' "$H/file2"
	FILTER=sort both_ok find {D} -newer {D}/file1
	[[ $out == "{D}/file2" ]]
	both_ok find {D}/sub -delete
	rump_missing "$R/sub"
	FILTER=sort both_ok find {D} -printf '%P %y %m %n %u\n'
}

# ---- tar -------------------------------------------------------------

# norm_tartv: tar -tvf output in an order and form independent of the
# order readdir returned the entries in: sorted, and a hard link pair
# written the same whichever name tar met first (it stores that one as
# the file and the other as "link to" it): both lines get the pair's
# name, no type letter and no size.
norm_tartv()
{
	awk '{ line[NR] = $0 }
	    $7 == "link" && $8 == "to" {
		k = $6 < $9 ? $6 "+" $9 : $9 "+" $6
		pair[$6] = k
		pair[$9] = k
	    }
	    END {
		for (i = 1; i <= NR; i++) {
			$0 = line[i]
			$1 = $1		# tar aligns sizes to the widest so far
			if ($6 in pair) {
				$1 = substr($1, 2)
				$3 = "-"
				$6 = pair[$6]
				if ($7 == "link")
					$7 = $8 = $9 = ""
			}
			print
		}
	    }' | sort
}

@test "tar: a host tree into the rump kernel and back out, same checksums" {
	mksrc "$TMP/src"
	hj mkdir "$R/x"
	# host tree -> rump tree, through a pipe; the pax format keeps the
	# nanoseconds of the times
	hj tar -H posix -C "$TMP/src" -cf - . | hj tar -C "$R/x" -xf -
	[[ ${PIPESTATUS[*]} == "0 0" ]]
	# rump tree -> archive in the kernel -> host tree
	hj tar -H posix -C "$R/x" -cf "$R/b.tar" .
	mkdir "$TMP/back"
	hj tar -C "$TMP/back" -xf "$R/b.tar"
	# every file's sha256: source, kernel copy, and what came back
	local want
	want=$(cd "$TMP/src" && find . -type f -exec sha256sum {} + | sort -k2)
	fail_unless_eq "checksums back on the host" "$want" \
	    "$(cd "$TMP/back" && find . -type f -exec sha256sum {} + | sort -k2)"
	same_tree "$TMP/src" "$R/x"
	same_tree "$TMP/src" "$TMP/back"
	# the archives list the same members
	hj tar -H posix -C "$TMP/src" -cf "$TMP/a.tar" .
	fail_unless_eq "tar tv of the two archives" \
	    "$(hj tar -tvf "$TMP/a.tar" | norm_tartv)" \
	    "$(hj tar -tvf "$R/b.tar" | norm_tartv)"
	# extracting the same archive twice over itself works in the kernel
	hj tar -C "$R/x" -xf "$R/b.tar"
	same_tree "$TMP/src" "$R/x"
}

# ---- gzip ------------------------------------------------------------

@test "gzip and gunzip in place in the rump kernel" {
	mktrees
	both_ok gzip {D}/file2 {D}/lines.txt
	rump_missing "$R/file2"
	both_ok stat -c '%n %a %y' {D}/file2.gz {D}/lines.txt.gz
	# the header holds the name and mtime, so the bytes agree
	both_ok sha256sum {D}/file2.gz {D}/lines.txt.gz
	both_ok gzip -l {D}/file2.gz
	both_ok gzip -t {D}/file2.gz
	both_ok gunzip {D}/file2.gz {D}/lines.txt.gz
	rump_missing "$R/file2.gz"
	both_ok stat -c '%n %a %s %y' {D}/file2 {D}/lines.txt
	cmp "$TMP/data/file2" <(hj cat "$R/file2")
	cmp "$TMP/data/lines" <(hj cat "$R/lines.txt")
	both_ok gzip -k -9 {D}/run.sh
	both_ok gzip -d -c {D}/run.sh.gz
	[[ $out == $'hello\nworld' ]]
	both gzip {D}/run.sh
	[[ $status != 0 && $err == *"{D}/run.sh.gz already exists"* ]]
	both gzip {D}/file1
	[[ $status != 0 && $err == *"{D}/file1 has 1 other link"* ]]
	hj touch -d "$T0" "$H" "$R"	# entries came and went just now
	same_tree "$H" "$R"
}

# ---- python3 ---------------------------------------------------------

@test "python3: open, os.listdir, os.walk, shutil.copytree, pathlib" {
	cat >"$TMP/t.py" <<'EOF'
import errno, os, pathlib, shutil, stat, sys

root = sys.argv[1]
P = pathlib.Path(root)
def j(*a):
	return os.path.join(root, *a)

# open: text, append, binary, seek/tell, r+
with open(j("a.txt"), "w") as f:
	f.write("line1\nline2\n")
with open(j("a.txt"), "a") as f:
	f.write("line3\n")
with open(j("a.txt")) as f:
	print(repr(f.read()), f.tell())
with open(j("a.txt")) as f:
	print([l.rstrip() for l in f])
with open(j("b.bin"), "wb") as f:
	f.write(bytes(range(256)) * 40)
with open(j("b.bin"), "r+b") as f:
	f.seek(1000)
	f.write(b"XYZ")
	f.seek(-10, 2)
	print(f.tell(), f.read().hex())
	f.seek(998)
	print(f.read(6).hex())
try:
	open(j("a.txt"), "x")
except FileExistsError as e:
	print("x:", e.errno == errno.EEXIST, e.filename)

# a tree
os.makedirs(j("d1", "d2", "d3"))
os.makedirs(j("d1", "d2", "d3"), exist_ok=True)
for i in range(5):
	with open(j("d1", "f%d" % i), "w") as f:
		f.write(str(i) * (i * 1000))
os.symlink("a.txt", j("sl"))
os.symlink("../a.txt", j("d1", "d2", "up"))
os.link(j("a.txt"), j("d1", "hl"))
os.chmod(j("d1", "f3"), 0o640)
os.utime(j("d1", "f3"), ns=(1500000000123456789, 1600000000987654321))

# os.listdir, os.scandir, os.stat
print(sorted(os.listdir(root)))
print(sorted(os.listdir(j("d1"))))
for e in sorted(os.scandir(root), key=lambda e: e.name):
	st = e.stat(follow_symlinks=False)
	print(e.name, e.is_dir(), e.is_file(), e.is_symlink(),
	    "-" if e.is_dir() else st.st_size, oct(st.st_mode), st.st_nlink)
st = os.stat(j("d1", "f3"))
print(st.st_size, oct(st.st_mode), st.st_mtime_ns, st.st_atime_ns)
print(os.readlink(j("sl")), os.path.islink(j("sl")), os.path.exists(j("nope")))

# os.walk, top-down and bottom-up
for dp, dns, fns in os.walk(root):
	dns.sort()
	print(dp, dns, sorted(fns))
print([d for d, _, _ in os.walk(root, topdown=False) if "d1" in d])

# shutil.copytree (copy2: sendfile, utime, chmod, xattrs) and friends
shutil.copytree(j("d1"), j("copy"), symlinks=True)
for dp, dns, fns in os.walk(j("copy")):
	dns.sort()
	for n in sorted(fns):
		c = os.path.join(dp, n)
		s = os.lstat(c)
		o = os.lstat(c.replace(j("copy"), j("d1")))
		# times of the copy's sources are when this run made them:
		# only compare them with the copy's
		print(c, s.st_size, oct(s.st_mode), s.st_mtime_ns == o.st_mtime_ns)
a = os.stat(j("d1", "f3"))
b = os.stat(j("copy", "f3"))
print(a.st_mtime_ns == b.st_mtime_ns, a.st_mode == b.st_mode)
shutil.copyfile(j("b.bin"), j("copy", "b2"))
with open(j("copy", "b2"), "rb") as f1, open(j("b.bin"), "rb") as f2:
	print(f1.read() == f2.read())
shutil.move(j("copy", "b2"), j("b3"))
print(os.path.getsize(j("b3")))
shutil.rmtree(j("copy"))
print(os.path.exists(j("copy")))

# pathlib
(P / "pl" / "x").mkdir(parents=True)
(P / "pl" / "x" / "t.txt").write_text("pathlib\n")
print((P / "pl" / "x" / "t.txt").read_text(), end="")
(P / "pl" / "b").write_bytes(b"\0\1\2")
print((P / "pl" / "b").read_bytes(), (P / "pl" / "b").stat().st_size)
print(sorted(str(q.relative_to(P)) for q in P.rglob("*.txt")))
print(sorted(str(q.relative_to(P)) for q in P.glob("d1/f*")))
print(sorted(q.name for q in (P / "d1").iterdir()))
print((P / "sl").is_symlink(), (P / "sl").resolve())
print((P / "d1" / "d2" / "up").resolve(), (P / "d1" / ".." / "a.txt").resolve())
print((P / "a.txt").samefile(P / "d1" / "hl"), (P / "a.txt").samefile(P / "b.bin"))
(P / "pl" / "x" / "t.txt").rename(P / "pl" / "t2.txt")
print((P / "pl" / "t2.txt").exists(), (P / "pl" / "x" / "t.txt").exists())
(P / "pl" / "t2.txt").replace(P / "pl" / "b")
print((P / "pl" / "b").read_text(), end="")
(P / "pl" / "b").unlink()
(P / "pl" / "x").rmdir()
print(sorted(os.listdir(P / "pl")), (P / "d1").is_dir(), (P / "sl").is_file())
(P / "touched").touch()
(P / "touched").chmod(0o600)
print(oct((P / "touched").stat().st_mode))

# errors carry Linux's errno and the name the program used
for fn in (lambda: open(j("missing")), lambda: os.rmdir(j("d1")),
    lambda: os.mkdir(j("d1")), lambda: open(j("d1"), "w"),
    lambda: os.listdir(j("a.txt")), lambda: os.unlink(j("d1"))):
	try:
		fn()
	except OSError as e:
		print(type(e).__name__, errno.errorcode[e.errno], e.strerror, e.filename)

# cwd inside the tree
os.chdir(j("d1"))
print(os.getcwd(), sorted(os.listdir(".")), os.path.abspath("f1"))
with open("d2/../f2") as f:
	print(len(f.read()))
os.chdir("..")
print(os.getcwd())
EOF
	both_ok /usr/bin/python3 "$TMP/t.py" {D}
	echo "$out"
	[[ $out == *"{D}/d1 ['d2'] ['f0', 'f1', 'f2', 'f3', 'f4', 'hl']"* ]]
	[[ $out == *"True True"*"FileNotFoundError ENOENT"* ]]
	# the script made everything just now: fix the times, then the
	# trees must agree in everything else
	hj find "$H" "$R" -exec touch -h -d "$T0" {} +
	same_tree "$H" "$R"
}

# ---- sqlite3 ---------------------------------------------------------

@test "sqlite3 CLI: a database in the rump kernel, reopened by a new process" {
	local i
	{
		echo "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT, c REAL);"
		echo "BEGIN;"
		for ((i = 1; i <= 1000; i++)); do
			echo "INSERT INTO t VALUES ($i, 'row $i', $i.5);"
		done
		echo "COMMIT;"
		echo "SELECT count(*), sum(a), min(b), max(b), sum(c) FROM t;"
	} >"$TMP/create.sql"
	both_ok sqlite3 {D}/db.sqlite ".read $TMP/create.sql"
	[[ $out == "1000|500500|row 1|row 999|501000.0" ]]
	# no journal left behind
	both_ok ls -A {D}
	[[ $out == db.sqlite ]]
	# a new process: the data is there and the file is sound
	both_ok sqlite3 {D}/db.sqlite "PRAGMA integrity_check;" \
	    "SELECT count(*), sum(a) FROM t;" "SELECT b FROM t WHERE a = 500;"
	[[ $out == $'ok\n1000|500500\nrow 500' ]]
	both_ok sqlite3 {D}/db.sqlite "BEGIN; DELETE FROM t WHERE a % 2 = 0;
	    UPDATE t SET b = upper(b) WHERE a < 10; COMMIT; VACUUM;"
	both_ok sqlite3 {D}/db.sqlite .dump
	[[ $(grep -c INSERT <<<"$out") == 500 ]]
	both_ok stat -c '%n %s' {D}/db.sqlite
	# a rolled back transaction leaves the data as it was
	both_ok sqlite3 {D}/db.sqlite "BEGIN; DELETE FROM t; ROLLBACK;" \
	    "SELECT count(*) FROM t;"
	[[ $out == 500 ]]
}

@test "python3 sqlite3 module: a database in the rump kernel" {
	cat >"$TMP/w.py" <<'EOF'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT, c BLOB)")
with con:
	con.executemany("INSERT INTO t VALUES (?, ?, ?)",
	    ((i, "row %d" % i, bytes([i % 256]) * 100) for i in range(1, 1001)))
print(con.execute("SELECT count(*), sum(a), sum(length(c)) FROM t").fetchone())
con.close()
EOF
	cat >"$TMP/r.py" <<'EOF'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
print(con.execute("PRAGMA integrity_check").fetchone())
print(con.execute("SELECT count(*), sum(a), max(b) FROM t").fetchone())
print(con.execute("SELECT b, hex(substr(c, 1, 2)) FROM t WHERE a = 300").fetchone())
with con:
	con.execute("DELETE FROM t WHERE a > 900")
print(con.execute("SELECT count(*) FROM t").fetchone())
con.close()
EOF
	both_ok /usr/bin/python3 "$TMP/w.py" {D}/py.db
	[[ $out == "(1000, 500500, 100000)" ]]
	both_ok /usr/bin/python3 "$TMP/r.py" {D}/py.db
	[[ $out == $'(\'ok\',)\n(1000, 500500, \'row 999\')\n(\'row 300\', \'2C2C\')\n(900,)' ]]
	# the CLI, another process again, sees the committed delete
	both_ok sqlite3 {D}/py.db "SELECT count(*), max(a) FROM t;"
	[[ $out == "900|900" ]]
}
