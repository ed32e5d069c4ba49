#!/bin/sh
# remote.sh — second half of `make demo`: two rump kernels as servers on
# unix sockets, configured and inspected with the rump.* tools over the
# sysproxy protocol, then halted.  Usage: remote.sh BUILDDIR
set -eu
B=$(cd "$1" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/rump-demo.XXXXXX")
trap 'for s in a b; do RUMP_SERVER=unix://$dir/$s $B/bin/rump.halt 2>/dev/null || true; done; rm -rf "$dir"' EXIT
cd "$dir"

say() { printf '\n$ %s\n' "$*"; }
run() { say "$*"; "$@"; }

echo "== two rump kernels as servers =="
run "$B/bin/rump_server" -lrumpvfs unix://a
run "$B/bin/rump_server" -lrumpvfs -r 64m unix://b
say "ls -l a b"
ls -l a b
for s in a b; do
	export RUMP_SERVER=unix://$s
	say "RUMP_SERVER=unix://$s rump.sysctl -w kern.hostname=kernel-$s"
	"$B/bin/rump.sysctl" -w kern.hostname=kernel-$s
done
for s in a b; do
	export RUMP_SERVER=unix://$s
	say "RUMP_SERVER=unix://$s rump.sysctl kern.hostname hw.physmem64 vfs.generic.fstypes"
	"$B/bin/rump.sysctl" kern.hostname hw.physmem64 vfs.generic.fstypes
done
export RUMP_SERVER=unix://a
say "RUMP_SERVER=unix://a rump.sysctl kern.nosuchnode"
"$B/bin/rump.sysctl" kern.nosuchnode 2>&1 || echo "(exit status $?)"
for s in a b; do
	say "RUMP_SERVER=unix://$s rump.halt"
	RUMP_SERVER=unix://$s "$B/bin/rump.halt"
done
# the halter has its answer before the server finishes going away
for i in $(seq 100); do
	[ -e a ] || [ -e b ] || break
	sleep 0.05
done
say "ls a b"
ls a b 2>&1 || true
echo
echo "both kernels halted; their sockets are gone"
