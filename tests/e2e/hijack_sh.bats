#!/usr/bin/env bats
# hijack_sh.bats — dash and bash, unmodified, running shell scripts under
# the preload with a rump directory as the working area
# (tests/hijack/redirs.sh: >, >>, <, 2>&1, here-documents, pipelines of
# hijacked processes over host pipes, subshells, cd into the rump tree
# and back with pwd, exec 3>file, builtins writing to rump files, read
# loops).  Each run is compared with the same script run on a host
# directory without the preload.

load helpers
load hijack_helpers

setup() { hj_setup; }
teardown() { common_teardown; }

SCRIPT=$BATS_TEST_DIRNAME/../hijack/redirs.sh
FILES="a a2 b c d e f g h i m n o sourced sub/j sub/k"

# dump DIR: the files the script leaves, with their contents
dump()
{
	local f
	for f in $FILES; do
		echo "== $f"
		cat "$1/$f"
	done
}

# compare_runs SHELL: the script under SHELL on host dir ./host (no
# preload) and on /rump/work (preload); same output, same files
compare_runs()
{
	local sh=$1 ref refdump
	mkdir host
	ref=$("$sh" "$SCRIPT" "$TMP/host" 2>&1) ||
	    fail_with "$sh on the host failed: $ref" || return 1
	refdump=$(dump "$TMP/host")
	hj_ok mkdir /rump/work
	hj_ok "$sh" "$SCRIPT" /rump/work
	fail_unless_eq "$sh output" "$ref" "$output" || return 1
	hj_ok "$sh" -c "$(declare -f dump); FILES='$FILES'; dump /rump/work"
	fail_unless_eq "files left by $sh" "$refdump" "$output"
}

@test "dash script with redirections on a rump directory, as on the host" {
	compare_runs dash
}

@test "bash script with redirections on a rump directory, as on the host" {
	compare_runs bash
}

@test "bash builtins echo and printf write to rump files (stdio)" {
	hj_ok bash -c 'echo builtin-echo >/rump/b1; printf "%s\n" p1 p2 >/rump/b2
	    echo more >>/rump/b1; printf x >>/rump/b2
	    { echo grouped; printf "%d\n" 7; } >/rump/b3
	    cat /rump/b1 /rump/b2 /rump/b3'
	fail_unless_eq "bash builtins" \
	    "$(printf 'builtin-echo\nmore\np1\np2\nxgrouped\n7')" "$output"
}

@test "dash: a pipeline of hijacked processes reading and writing rump files" {
	hj_ok dash -c 'seq 1 5000 >/rump/n; cat /rump/n | sort -rn | head -3 >/rump/top
	    wc -l </rump/n; cat /rump/top'
	fail_unless_eq "pipeline" "$(printf '5000\n5000\n4999\n4998')" "$output"
}

@test "bash: stdin, stdout and stderr of a whole script in rump files" {
	printf 'echo out; echo err >&2; read -r l; echo "got $l"\n' >s.sh
	hj_ok dash -c 'cp s.sh /rump/s.sh; echo input-line >/rump/in'
	hj_ok bash -c 'bash /rump/s.sh </rump/in >/rump/out 2>/rump/err
	    cat /rump/out; cat /rump/err'
	fail_unless_eq "script in rump" "$(printf 'out\ngot input-line\nerr')" "$output"
}

# share_script DIR: a rump or host directory's script for the next test
share_script()
{
	cat <<END
{ read a; head -n 1; read b; echo "\$a|\$b"; } <$1/lines
exec 3>$1/out
sh -c 'echo child >&3'
echo parent >&3
exec 3>&-
cat $1/out
(echo sub1; sh -c 'echo sub2') >$1/out2
cat $1/out2
cd $1 && exec bash -c 'pwd -P | sed "s|^$1|@D@|"; wc -l <lines'
END
}

@test "dash and bash: children share descriptors and offsets with the shell" {
	local sh ref
	seq 1 5 >lines
	ref=$(dash -c "$(share_script "$TMP")" 2>&1) ||
	    fail_with "on the host: $ref"
	hj_ok cp lines /rump/lines
	for sh in dash bash; do
		hj_ok "$sh" -c "$(share_script /rump)"
		fail_unless_eq "$sh" "$ref" "$output"
	done
}
