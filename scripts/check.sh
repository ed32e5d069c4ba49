#!/bin/bash
# check.sh — the test runner behind `make check`.
#
# Runs every executable in build/tests/bin/ (cmocka, ASan+UBSan) and
# build/tests/tsan/ (cmocka, ThreadSanitizer), two at a time, each under a
# timeout, then the end-to-end tests with `bats --tap tests/e2e`.  Prints a
# line per test program, the names of failed tests, and as its very last
# line `N passed, N failed` (`, N skipped` when some were skipped).  Exits 1
# if anything failed.
#
# Usage: scripts/check.sh [--unit|--tsan|--e2e]   (default: everything)
#   --unit: the cmocka programs only; --tsan: only those under ThreadSanitizer
# Environment: CHECK_TIMEOUT (seconds per program, default 300),
#              CHECK_JOBS (programs run at once, default 2).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
B=build
LOGDIR=$B/tests/logs
TIMEOUT=${CHECK_TIMEOUT:-300}
JOBS=${CHECK_JOBS:-2}
run_unit=1
run_e2e=1
unit_dirs=("$B/tests/bin" "$B/tests/tsan")
case "${1:-}" in
--unit) run_e2e=0 ;;
--tsan) run_e2e=0; unit_dirs=("$B/tests/tsan") ;;
--e2e) run_unit=0 ;;
"") ;;
*) echo "usage: $0 [--unit|--tsan|--e2e]" >&2; exit 2 ;;
esac

total_pass=0
total_fail=0
total_skip=0
failed_names=()

export CMOCKA_MESSAGE_OUTPUT=stdout
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
# Sanitizer reports must fail the program even if all its tests passed.
export TSAN_OPTIONS=${TSAN_OPTIONS:-exitcode=66 second_deadlock_stack=1}

# TSan needs a predictable address space on kernels with high mmap
# randomization; run its programs with ASLR off when the host allows it.
TSAN_WRAP=()
if command -v setarch >/dev/null 2>&1 &&
    setarch "$(uname -m)" -R true 2>/dev/null; then
	TSAN_WRAP=(setarch "$(uname -m)" -R)
fi

# run_one PROGRAM: runs one test program, output and status into its log.
run_one()
{
	local prog=$1 log=$LOGDIR/${1#$B/tests/}.log wrap=()
	local start end
	mkdir -p "$(dirname "$log")"
	[[ $prog == $B/tests/tsan/* ]] && wrap=("${TSAN_WRAP[@]}")
	start=$(date +%s.%N)
	timeout -k 10 "$TIMEOUT" "${wrap[@]}" "$prog" >"$log" 2>&1 </dev/null
	echo "$?" >"$log.rc"
	end=$(date +%s.%N)
	echo "$start $end" | awk '{ printf "%.1f\n", $2 - $1 }' >"$log.time"
}

# parse_one PROGRAM: sets pass, fail and skip for the program and appends
# the names of its failed tests to failed_names.
#
# cmocka prints per group "[==========] N test(s) run." and summaries
# "[  PASSED  ] N test(s).", "[  FAILED  ] N test(s), listed below:",
# "[  SKIPPED ] N test(s), listed below:".  A test whose setup failed
# appears in no summary, so a group's run count minus its summaries
# counts as failed too.  A program that dies, times out or reports a
# sanitizer error after its tests counts as one more failure.
parse_one()
{
	local prog=$1 log=$LOGDIR/${1#$B/tests/}.log rc name
	local counts run started cur
	rc=$(cat "$log.rc")
	counts=$(awk '
	    /^\[==========\] Running [0-9]+ test\(s\)\./ { started += $3 }
	    /^\[==========\] [0-9]+ test\(s\) run\./ { run += $2 }
	    /^\[  PASSED  \] [0-9]+ test\(s\)\./ { pass += $4 }
	    /^\[  FAILED  \] [0-9]+ test\(s\), listed below:/ { fail += $4 }
	    /^\[  SKIPPED \] [0-9]+ test\(s\), listed below:/ { skip += $4 }
	    /^\[ RUN      \] / { cur = substr($0, 14) }
	    /^\[ *(OK|FAILED|SKIPPED|ERROR) *\] / && !/\] --- / { cur = "" }
	    END { printf "%d %d %d %d %d %s\n", pass, fail, skip, run, started, cur }
	' "$log")
	read -r pass fail skip run started cur <<<"$counts"
	if ((run > pass + fail + skip)); then
		fail=$((run - pass - skip))
	fi
	while IFS= read -r name; do
		failed_names+=("$prog: $name")
	done < <(sed -n -E \
	    -e '/^\[  (FAILED|ERROR)   ?\] [0-9]+ test\(s\)/d' \
	    -e '/^\[  (FAILED|ERROR)   ?\] --- /d' \
	    -e 's/^\[  (FAILED|ERROR)   ?\] (.+)$/\2/p' "$log" | sort -u)
	local why=""
	if ((rc == 124 || rc == 137)); then
		why="timed out after ${TIMEOUT}s${cur:+ in test $cur}"
	elif ((started == 0 && run == 0)); then
		why="no cmocka summary (exit status $rc)"
	elif ((started > run)); then
		why="died${cur:+ in test $cur} (exit status $rc)"
	elif ((rc != 0 && fail == 0)); then
		why="exit status $rc after its tests (sanitizer report?)"
	fi
	if [[ -n $why ]]; then
		fail=$((fail + 1))
		failed_names+=("$prog: $why")
	fi
}

show_log_tail()
{
	echo "----- $1 (last 40 lines of $2) -----"
	tail -n 40 "$2"
	echo "-----"
}

unit_tests()
{
	local progs=() p pass fail skip line d
	for d in "${unit_dirs[@]}"; do
		for p in "$d"/*; do
			[[ -f $p && -x $p ]] && progs+=("$p")
		done
	done
	if ((${#progs[@]} == 0)); then
		echo "unit: no test programs in ${unit_dirs[*]}"
		return
	fi
	echo "unit: running ${#progs[@]} program(s), $JOBS at a time" \
	    "(logs in $LOGDIR)"
	# Each background job writes only its own log: results are read after.
	local running=0
	for p in "${progs[@]}"; do
		if ((running >= JOBS)); then
			wait -n
			running=$((running - 1))
		fi
		# (quiet: bash would report a killed program on stderr)
		run_one "$p" 2>/dev/null &
		running=$((running + 1))
	done
	wait
	for p in "${progs[@]}"; do
		parse_one "$p"
		line=$(printf '  %-40s %4d passed, %d failed' "${p#$B/tests/}" \
		    "$pass" "$fail")
		((skip > 0)) && line+=", $skip skipped"
		echo "$line  ($(cat "$LOGDIR/${p#$B/tests/}.log.time")s)"
		((fail > 0)) && show_log_tail "$p" "$LOGDIR/${p#$B/tests/}.log"
		total_pass=$((total_pass + pass))
		total_fail=$((total_fail + fail))
		total_skip=$((total_skip + skip))
	done
}

e2e_tests()
{
	local log=$LOGDIR/e2e.tap rc pass fail skip
	if ! compgen -G "tests/e2e/*.bats" >/dev/null; then
		echo "e2e: no tests in tests/e2e"
		return
	fi
	if ! command -v bats >/dev/null 2>&1; then
		echo "e2e: bats is not installed (run scripts/setup.sh)"
		total_fail=$((total_fail + 1))
		failed_names+=("e2e: bats missing")
		return
	fi
	mkdir -p "$LOGDIR"
	echo "e2e: bats --tap tests/e2e"
	bats --tap tests/e2e 2>&1 | tee "$log" | sed 's/^/  /'
	rc=${PIPESTATUS[0]}
	pass=$(grep -cE '^ok [0-9]+' "$log" | head -1)
	skip=$(grep -cE '^ok [0-9]+ .*# skip' "$log")
	pass=$((pass - skip))
	fail=$(grep -cE '^not ok [0-9]+' "$log")
	while IFS= read -r name; do
		failed_names+=("e2e: $name")
	done < <(sed -n -E 's/^not ok [0-9]+ (.*)$/\1/p' "$log")
	if ((rc != 0 && fail == 0)); then
		fail=1
		failed_names+=("e2e: bats exited with status $rc")
	fi
	echo "  e2e: $pass passed, $fail failed, $skip skipped"
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	total_skip=$((total_skip + skip))
}

mkdir -p "$LOGDIR"
((run_unit)) && unit_tests
((run_e2e)) && e2e_tests

if ((${#failed_names[@]} > 0)); then
	echo "failed:"
	printf '  %s\n' "${failed_names[@]}"
fi
summary="$total_pass passed, $total_fail failed"
((total_skip > 0)) && summary+=", $total_skip skipped"
echo "$summary"
((total_fail == 0))
