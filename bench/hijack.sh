#!/bin/bash
# hijack.sh — `make bench`'s figures for librumphijack, measured in one
# run on this machine (DESIGN.md §10: numbers for reading, no timed
# assertions):
#  - the cost the preload adds to a call it sends to the host: host read()
#    of /dev/zero and stat() of a host file, by tests/hijack/h_hostcalls
#    --bench run without and with LD_PRELOAD (a preload cannot be unloaded
#    from a process, so the two runs are separate processes, alternated
#    three times; each figure is the cheapest run of five in a process and
#    the cheapest of the three processes);
#  - a stat routed to the kernel through the preload (stat("/rump/dev/zero")
#    in h_hostcalls) against the raw remote call it amounts to,
#    rump_sys_stat("/dev/zero") over librumpclient (tests/hijack/b_rstat),
#    as a ratio (again the cheapest of three alternated processes).
# Starts its own rump_server and stops it.  Needs `make hijacktests`.
set -u
cd "$(dirname "$0")/.." || exit 1
B=$PWD/build
HC=$B/tests/hijack/h_hostcalls
RSTAT=$B/tests/hijack/b_rstat
LIB=$B/lib/librumphijack.so

for f in "$HC" "$RSTAT" "$LIB" "$B/bin/rump_server"; do
	[[ -e $f ]] || { echo "bench/hijack.sh: $f missing: make hijacktests" >&2; exit 1; }
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/hijack-bench.XXXXXX") || exit 1
pid=
cleanup()
{
	[[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

"$B/bin/rump_server" -s -v -lrumpvfs "unix://$dir/sock" >"$dir/log" 2>&1 </dev/null &
pid=$!
for _ in $(seq 200); do
	grep -q 'rump_server: serving' "$dir/log" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
grep -q 'rump_server: serving' "$dir/log" ||
    { cat "$dir/log" >&2; echo "bench/hijack.sh: rump_server did not start" >&2; exit 1; }
export RUMP_SERVER=unix://$dir/sock
echo 'a host file' >"$dir/hostfile"

# value NAME OUTPUT: the number after NAME in h_hostcalls/b_rstat output
value()
{
	awk -v k="$1" '$1 == k { print $2 }' <<<"$2"
}
# min A B: the smaller (an empty A loses)
min()
{
	awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'
}

hread= hstat= pread= pstat= rstat= raw=
for _ in 1 2 3; do
	out=$("$HC" --bench "$dir/hostfile") || { echo "$out" >&2; exit 1; }
	hread=$(min "$hread" "$(value read "$out")")
	hstat=$(min "$hstat" "$(value stat "$out")")
	out=$(RUMPHIJACK=path=/rump LD_PRELOAD=$LIB "$HC" --bench "$dir/hostfile" \
	    /rump/dev/zero) || { echo "$out" >&2; exit 1; }
	pread=$(min "$pread" "$(value read "$out")")
	pstat=$(min "$pstat" "$(value stat "$out")")
	rstat=$(min "$rstat" "$(value rstat "$out")")
	out=$("$RSTAT" /dev/zero) || { echo "$out" >&2; exit 1; }
	raw=$(min "$raw" "$(value rstat "$out")")
done

awk -v hr="$hread" -v pr="$pread" -v hs="$hstat" -v ps="$pstat" \
    -v rs="$rstat" -v raw="$raw" 'BEGIN {
	printf "hijack host read: %.1f ns/call overhead (goal <= 10)" \
	    " [%.1f ns without the preload, %.1f with]\n", pr - hr, hr, pr
	printf "hijack host stat: %.1f ns/call overhead (goal <= 10)" \
	    " [%.1f ns without the preload, %.1f with]\n", ps - hs, hs, ps
	printf "hijack rump stat: %.2fx the raw remote call" \
	    " [%.0f ns stat(\"/rump/dev/zero\") through the preload, %.0f ns" \
	    " rump_sys_stat]\n", rs / raw, rs, raw
}'
