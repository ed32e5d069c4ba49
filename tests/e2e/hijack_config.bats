#!/usr/bin/env bats
# hijack_config.bats — RUMPHIJACK and RUMPHIJACK_RETRYCONNECT as
# rumphijack(3) defines them: what each setting routes (checked with
# unmodified ls/stat/cat and h_client against a real rump_server), and
# that a malformed value stops the program with exactly one line on
# stderr naming the bad item and status 1.

bats_require_minimum_version 1.5.0

load helpers
load hijack_helpers

setup()
{
	hj_setup
	printf 'host file\n' >hostfile
}

teardown()
{
	common_teardown
}

# rump_devs: the names in the kernel's /dev (through the default
# path=/rump), into RUMPDEVS; they must not look like the host's /dev
rump_devs()
{
	RUMPHIJACK=path=/rump hj_ok ls /rump/dev
	RUMPDEVS=$output
	[[ $RUMPDEVS == *null* && $RUMPDEVS == *zero* ]] ||
	    fail_with "ls /rump/dev: $RUMPDEVS"
	[[ $RUMPDEVS != "$(ls /dev)" ]] ||
	    fail_with "ls /rump/dev lists the host's /dev"
}

# no_such_file CMD...: the hijacked command fails with ENOENT (the path
# went to the host, where it does not exist)
no_such_file()
{
	run hj "$@"
	[[ $status -ne 0 && $output == *"No such file or directory"* ]] ||
	    fail_with "'$*': expected ENOENT from the host, got status" \
	    "$status: $output"
}

# ---- what the settings route --------------------------------------------

@test "RUMPHIJACK unset: path=/rump is the default" {
	unset RUMPHIJACK
	rump_devs
	hj_ok stat -c %F /rump/dev/null
	fail_unless_eq "stat /rump/dev/null" "character special file" "$output"
	hj_ok ls /dev
	fail_unless_eq "ls /dev" "$(ls /dev)" "$output"
}

@test "RUMPHIJACK empty: nothing is hijacked, no kernel is needed" {
	RUMPHIJACK= no_such_file stat /rump/dev
	# no connection is made: a server that is not there does not matter
	RUMPHIJACK= RUMP_SERVER=unix://$TMP/nowhere run --separate-stderr \
	    hj cat hostfile
	[[ $status -eq 0 && $output == "host file" && -z $stderr ]] ||
	    fail_with "cat with RUMPHIJACK empty: status $status, stdout" \
	    "'$output', stderr '$stderr'"
}

@test "RUMPHIJACK path=//: //dev is rump's /dev, /dev is the host's" {
	rump_devs
	export RUMPHIJACK=path=//
	hj_ok ls //dev
	fail_unless_eq "ls //dev" "$RUMPDEVS" "$output"
	hj_ok ls /dev
	fail_unless_eq "ls /dev" "$(ls /dev)" "$output"
	no_such_file ls /rump/dev
}

@test "RUMPHIJACK blanket=/dev: /dev is rump's, unstripped; no path= set" {
	rump_devs
	export RUMPHIJACK=blanket=/dev
	hj_ok ls /dev
	fail_unless_eq "ls /dev" "$RUMPDEVS" "$output"
	no_such_file ls /rump/dev
	hj_ok cat hostfile
}

@test "RUMPHIJACK blanket=/de: prefixes ignore directory boundaries" {
	rump_devs
	RUMPHIJACK=blanket=/de hj_ok ls /dev
	fail_unless_eq "ls /dev" "$RUMPDEVS" "$output"
	RUMPHIJACK=blanket=/tmp:/de hj_ok ls /dev
	fail_unless_eq "ls /dev with two blankets" "$RUMPDEVS" "$output"
}

@test "RUMPHIJACK socket=, sysctl=, vfs= values are accepted" {
	local v
	rump_devs
	for v in socket=all:nolocal socket=inet:inet6 socket=all:noinet \
	    sysctl=yes sysctl=no vfs=all vfs=all:nofhcalls \
	    vfs=nfssvc:getvfsstat; do
		RUMPHIJACK=path=/rump,$v run --separate-stderr hj ls /rump/dev
		[[ $status -eq 0 && $output == "$RUMPDEVS" && -z $stderr ]] ||
		    fail_with "RUMPHIJACK=path=/rump,$v: status $status," \
		    "stdout '$output', stderr '$stderr'"
	done
}

@test "RUMPHIJACK fdoff=N: rump descriptors start at N, 128 by default" {
	RUMPHIJACK=path=/rump,fdoff=100 hj_ok "$HJT/h_client" openfd /rump/dev/null
	fail_unless_eq "rump fd with fdoff=100" 100 "$output"
	RUMPHIJACK=path=/rump,fdoff=100 hj_ok "$HJT/h_client" openfd hostfile
	[[ $output -lt 100 ]] || fail_with "host fd with fdoff=100: $output"
	unset RUMPHIJACK
	hj_ok "$HJT/h_client" openfd /rump/dev/null
	fail_unless_eq "rump fd with the default fdoff" 128 "$output"
}

# ---- malformed values ---------------------------------------------------

# bad_value VARIABLE VALUE WORD...: the hijacked cat stops before doing
# anything, with status 1 and one line on stderr that contains each WORD
bad_value()
{
	local var=$1 val=$2 w
	shift 2
	run --separate-stderr env "$var=$val" \
	    timeout 20 env LD_PRELOAD="$HIJACK_LIB" cat hostfile
	[[ $status -eq 1 ]] ||
	    fail_with "$var='$val': status $status, expected 1 (stderr: $stderr)" ||
	    return 1
	[[ -z $output ]] ||
	    fail_with "$var='$val': the program ran: '$output'" || return 1
	[[ ${#stderr_lines[@]} -eq 1 ]] ||
	    fail_with "$var='$val': expected one line on stderr, got:" \
	    "$stderr" || return 1
	for w; do
		[[ $stderr == *"$w"* ]] ||
		    fail_with "$var='$val': '$stderr' does not name '$w'" ||
		    return 1
	done
}

@test "RUMPHIJACK unknown key: one line, exit 1" {
	bad_value RUMPHIJACK frobnicate=1 frobnicate
	bad_value RUMPHIJACK path=/rump,frobnicate frobnicate
}

@test "RUMPHIJACK path=relative: one line, exit 1" {
	bad_value RUMPHIJACK path=relative/dir path relative/dir
	bad_value RUMPHIJACK path= path
}

@test "RUMPHIJACK fdoff=abc, fdoff=2: one line, exit 1" {
	bad_value RUMPHIJACK path=/rump,fdoff=abc fdoff abc
	bad_value RUMPHIJACK fdoff=2 fdoff 2
	bad_value RUMPHIJACK fdoff=8x fdoff 8x
}

@test "RUMPHIJACK socket=bogus: one line, exit 1" {
	bad_value RUMPHIJACK socket=bogus socket bogus
	bad_value RUMPHIJACK path=/rump,socket=inet:nobogus socket bogus
}

@test "RUMPHIJACK blanket=rel: one line, exit 1" {
	bad_value RUMPHIJACK blanket=rel blanket rel
	bad_value RUMPHIJACK blanket=/dev:relpath blanket relpath
}

@test "RUMPHIJACK sysctl=maybe: one line, exit 1" {
	bad_value RUMPHIJACK sysctl=maybe sysctl maybe
}

# ---- RUMPHIJACK_RETRYCONNECT --------------------------------------------

@test "RUMPHIJACK_RETRYCONNECT inftime, once, die, N, 0 are accepted" {
	local v
	for v in inftime once die 5 0; do
		RUMPHIJACK_RETRYCONNECT=$v run --separate-stderr hj cat /rump/dev/null
		[[ $status -eq 0 && -z $output && -z $stderr ]] ||
		    fail_with "RUMPHIJACK_RETRYCONNECT=$v: status $status," \
		    "stdout '$output', stderr '$stderr'"
	done
}

@test "RUMPHIJACK_RETRYCONNECT garbage: one line, exit 1" {
	bad_value RUMPHIJACK_RETRYCONNECT sometimes sometimes
	bad_value RUMPHIJACK_RETRYCONNECT -5 -5
	bad_value RUMPHIJACK_RETRYCONNECT 5s 5s
}
