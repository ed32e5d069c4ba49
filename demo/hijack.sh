#!/bin/sh
# hijack.sh — third part of `make demo`: unmodified Debian programs (GNU
# coreutils, tar, bash, sqlite3) run with librumphijack preloaded and
# work on files in a rump kernel under /rump, while the host has no
# /rump at all.  Usage: hijack.sh BUILDDIR
set -eu
B=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/rump-demo.XXXXXX")
trap 'RUMP_SERVER=unix://$dir/fs $B/bin/rump.halt 2>/dev/null || true; rm -rf "$dir"' EXIT
cd "$dir"

# prints a command line, quoting the arguments that need it
say()
{
	printf '\n$'
	for a in "$@"; do
		case $a in
		*[!A-Za-z0-9_./=:-]*)
			printf " '%s'" "$(printf '%s' "$a" | sed "s/'/'\\\\''/g")" ;;
		*) printf ' %s' "$a" ;;
		esac
	done
	printf '\n'
}
hj() { say "$@"; LD_PRELOAD=$B/lib/librumphijack.so "$@"; }

echo "== unmodified programs on a rump kernel's file system (LD_PRELOAD) =="
say rump_server -lrumpvfs unix://fs
"$B/bin/rump_server" -lrumpvfs "unix://$dir/fs"
export RUMP_SERVER="unix://$dir/fs"
echo "\n(export RUMP_SERVER=$RUMP_SERVER LD_PRELOAD=librumphijack.so for every line below)"
hj mkdir /rump/src
hj tar -C "$SRC" -cf /rump/src.tar docs README.md
hj tar -C /rump/src -xf /rump/src.tar
hj ls -l /rump/src /rump/src/docs/man
hj du -sh /rump/src
hj sh -c 'cd /rump/src && pwd && grep -c . README.md > lines && cat lines'
hj sqlite3 /rump/src/db.sqlite "create table t(name text); \
insert into t values ('rump'), ('kernel'); select count(*), group_concat(name) from t;"
hj bash -c 'for f in /rump/src/docs/man/*.[1-9]; do echo "${f##*/}"; done | sort > /rump/src/pages; wc -l < /rump/src/pages'
hj df -h /rump
echo "\n(without the preload: the host has no /rump)"
say ls /rump
ls /rump 2>&1 || true
say rump.halt
"$B/bin/rump.halt"
