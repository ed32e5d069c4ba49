#!/usr/bin/env bats
# build.bats — the library as a user gets it: linked shared and static,
# installed with pkg-config, generated files reproducible, man pages.

load helpers
setup() { common_setup; }
teardown() { common_teardown; }

# A short file session; prints "session ok" only if every step worked.
session_c()
{
	cat <<'PROG'
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#define T(e) do { if ((e) < 0) { printf("%d: %s: %s\n", __LINE__, #e, \
	strerror(errno)); return 1; } } while (0)

int
main(void)
{
	char buf[64];
	struct stat st;
	ssize_t n;
	int fd;

	if (rump_init() != 0)
		return 1;
	T(rump_sys_mkdir("/tmp/a", 0755));
	T(rump_sys_mkdir("/tmp/a/b", 0755));
	T(fd = rump_sys_open("/tmp/a/f", O_RDWR | O_CREAT | O_EXCL, 0640));
	T(rump_sys_write(fd, "0123456789", 10));
	T(rump_sys_close(fd));
	T(rump_sys_rename("/tmp/a/f", "/tmp/a/b/g"));
	T(rump_sys_symlink("b/g", "/tmp/a/s"));
	T(fd = rump_sys_open("/tmp/a/s", O_RDONLY));
	T(n = rump_sys_read(fd, buf, sizeof(buf)));
	T(rump_sys_fstat(fd, &st));
	T(rump_sys_close(fd));
	if (n != 10 || memcmp(buf, "0123456789", 10) != 0 ||
	    st.st_size != 10 || (st.st_mode & 07777) != 0640)
		return 2;
	if (rump_sys_open("/tmp/a/f", O_RDONLY) != -1 || errno != ENOENT)
		return 3;
	T(rump_sys_unlink("/tmp/a/b/g"));
	if (rump_sys_rmdir("/tmp/a") != -1 || errno != ENOTEMPTY)
		return 4;
	printf("session ok, pid %d\n", rump_sys_getpid());
	return 0;
}
PROG
}

@test "a program linked with -Lbuild/lib -lrump runs a file session" {
	session_c | compile_rump "$TMP/prog" shared
	readelf -d "$TMP/prog" | grep -q 'NEEDED.*librump\.so\.0'
	run run_shared "$TMP/prog"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "session ok, pid 1" ]
}

@test "a program linked statically against librump.a runs a file session" {
	session_c | compile_rump "$TMP/prog" static
	if readelf -d "$TMP/prog" | grep -q 'librump'; then false; fi
	run "$TMP/prog"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "session ok, pid 1" ]
}

@test "librump.so exports only rump_* symbols" {
	need_lib
	run bash -c "nm -D --defined-only '$B/lib/librump.so' | awk '{ print \$3 }' | grep -v '^rump_'"
	echo "unexpected exports: $output"
	[ -z "$output" ]
	nm -D --defined-only "$B/lib/librump.so" | grep -q ' rump_sys_getdents64$'
	nm -D --defined-only "$B/lib/librump.so" | grep -q ' rump_lwproc_rfork$'
}

@test "the public headers compile on their own, in C and C++" {
	need_gen
	printf '#include <rump/rump.h>\n#include <rump/rump_syscalls.h>\nint x;\n' >"$TMP/h.c"
	printf '#include <rump/rump_syscalls.h>\n#include <rump/rump.h>\nint x;\n' >"$TMP/h2.c"
	# (plain -std=c11 hides sigset_t: a POSIX feature macro is needed)
	cc -std=c11 -pedantic -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror \
	    -I"$B/include" -c "$TMP/h.c" -o "$TMP/h.o"
	cc -std=gnu17 -Wall -Wextra -Werror -I"$B/include" -c "$TMP/h2.c" -o "$TMP/h2.o"
	if command -v c++ >/dev/null; then
		cp "$TMP/h.c" "$TMP/h.cc"
		c++ -Wall -Wextra -Werror -I"$B/include" -c "$TMP/h.cc" -o "$TMP/hcc.o"
	fi
}

@test "make install PREFIX= installs library, headers, man pages and pkg-config" {
	need_lib
	rmake install PREFIX="$TMP/usr" >"$TMP/install.log" 2>&1 ||
	    { cat "$TMP/install.log"; false; }
	p=$TMP/usr
	[ -f "$p/lib/librump.a" ]
	[ -f "$p/lib/librump.so.0" ]
	[ "$(readlink "$p/lib/librump.so")" = librump.so.0 ]
	for h in rump.h rumpdefs.h rump_syscalls.h; do
		cmp "$B/include/rump/$h" "$p/include/rump/$h"
	done
	[ -f "$p/share/man/man3/rump.3" ]
	[ -f "$p/share/man/man3/rump_syscalls.3" ]
	[ -f "$p/lib/pkgconfig/rump.pc" ]

	export PKG_CONFIG_PATH=$p/lib/pkgconfig
	run pkg-config --cflags --libs rump
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"-I$p/include"* ]]
	[[ $output == *"-L$p/lib -lrump"* ]]
	[[ $(pkg-config --static --libs rump) == *-pthread* ]]
	pkg-config --modversion rump

	session_c >"$TMP/prog.c"
	cc -Wall -Werror -o "$TMP/prog" "$TMP/prog.c" \
	    $(pkg-config --cflags --libs rump) -pthread
	run env LD_LIBRARY_PATH="$p/lib" "$TMP/prog"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "session ok, pid 1" ]
}

@test "make install also installs the server, the client library and the tools, which run from there" {
	need_lib
	rmake install PREFIX="$TMP/usr" >"$TMP/install.log" 2>&1 ||
	    { cat "$TMP/install.log"; false; }
	p=$TMP/usr
	for f in bin/rump_server bin/rump_allserver bin/rump.sysctl bin/rump.halt \
	    lib/librumpclient.a lib/librumpclient.so.0 include/rump/rumpclient.h \
	    lib/pkgconfig/rumpclient.pc lib/librumphijack.so; do
		[ -e "$p/$f" ] || { echo "missing $f"; false; }
	done
	for page in docs/man/*.[1-9]; do
		n=${page##*/}
		[ -f "$p/share/man/man${n##*.}/$n" ] || { echo "missing $n"; false; }
	done
	PKG_CONFIG_PATH=$p/lib/pkgconfig pkg-config --libs rumpclient | grep -q -- -lrumpclient
	cd "$TMP"
	"$p/bin/rump_server" -s -lrumpvfs unix://sock &
	spid=$!
	track_pid $spid
	for i in $(seq 100); do [ -S sock ] && break; sleep 0.05; done
	run env RUMP_SERVER=unix://sock "$p/bin/rump.sysctl" -n vfs.generic.fstypes
	hijacked=$(RUMP_SERVER=unix://sock LD_PRELOAD=$p/lib/librumphijack.so ls /rump/dev)
	RUMP_SERVER=unix://sock "$p/bin/rump.halt"
	# the halter has its answer before the server finishes going away
	for i in $(seq 100); do kill -0 $spid 2>/dev/null || break; sleep 0.05; done
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = tmpfs ]
	echo "$hijacked" | grep -qx null
	[ ! -e "$TMP/sock" ]
}

@test "make install honours DESTDIR" {
	need_lib
	rmake install DESTDIR="$TMP/stage" PREFIX=/opt/rump \
	    >"$TMP/install.log" 2>&1 || { cat "$TMP/install.log"; false; }
	[ -f "$TMP/stage/opt/rump/lib/librump.a" ]
	[ -f "$TMP/stage/opt/rump/include/rump/rump_syscalls.h" ]
	grep -qx 'prefix=/opt/rump' "$TMP/stage/opt/rump/lib/pkgconfig/rump.pc"
}

@test "regenerating from syscalls.tab gives identical files" {
	need_gen
	mkdir -p "$TMP/out/include/rump" "$TMP/out/gen"
	python3 "$ROOT/scripts/gensys.py" "$ROOT/sys/kern/syscalls.tab" "$TMP/out"
	# every generated file equals the one the build uses
	[ -f "$TMP/out/include/rump/rump_syscalls.h" ]
	[ -f "$TMP/out/gen/sysent.c" ]
	for f in $(cd "$TMP/out" && find . -type f); do
		diff -u "$B/$f" "$TMP/out/$f"
	done
	# and once more: the generator is deterministic
	mkdir -p "$TMP/out2/include/rump" "$TMP/out2/gen"
	python3 "$ROOT/scripts/gensys.py" "$ROOT/sys/kern/syscalls.tab" "$TMP/out2"
	diff -r "$TMP/out" "$TMP/out2"
}

@test "every call in syscalls.tab is listed in rump_syscalls(3)" {
	missing=()
	for name in $(sed -n -E 's/^[0-9]+[[:space:]]+([a-z0-9_]+)[[:space:]].*/\1/p' \
	    "$ROOT/sys/kern/syscalls.tab"); do
		grep -q "^\.Fn rump_sys_$name\( ,\)\?\$" "$ROOT/docs/man/rump_syscalls.3" ||
		    missing+=("$name")
	done
	echo "not in docs/man/rump_syscalls.3: ${missing[*]}"
	[ "${#missing[@]}" -eq 0 ]
}

@test "the man pages render without warnings" {
	for page in "$ROOT"/docs/man/*.[1-9]; do
		run groff -ww -mandoc -Tutf8 "$page"
		echo "$page"
		[ "$status" -eq 0 ]
		[ -n "$output" ]
		# warnings go to stderr, which run merges into output
		if grep -Ei 'warning|mdoc|troff:' <<<"$output"; then false; fi
	done
}

@test "setup.sh is a silent no-op when every package is there" {
	run "$ROOT/scripts/setup.sh"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "setup.sh without root prints the apt-get line for a missing package" {
	public_tmpdir
	d=$PUBDIR
	sed 's/^REQUIRED="/REQUIRED="rump-no-such-package /' \
	    "$ROOT/scripts/setup.sh" >"$d/setup.sh"
	chmod 755 "$d/setup.sh"
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null || skip "setpriv needed to drop root"
		run setpriv --reuid=65534 --regid=65534 --clear-groups "$d/setup.sh"
	else
		run "$d/setup.sh"
	fi
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q 'sudo apt-get install -y --no-install-recommends rump-no-such-package' <<<"$output"
}

# A tree with fake test programs: check.sh must count what cmocka and bats
# report, and count crashes, silence and hangs as failures.
@test "check.sh counts passes, failures, skips, crashes and timeouts" {
	t=$TMP/tree
	mkdir -p "$t/scripts" "$t/build/tests/bin" "$t/build/tests/tsan" "$t/tests/e2e"
	cp "$ROOT/scripts/check.sh" "$t/scripts/"
	cat >"$TMP/fake.c" <<'PROG'
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
static void good(void **s) { (void)s; }
static void bad(void **s) { (void)s; fail(); }
static void skipped(void **s) { (void)s; skip(); }
static void crash(void **s) { (void)s; abort(); }
int
main(int argc, char **argv)
{
	const struct CMUnitTest mixed[] = { cmocka_unit_test(good),
	    cmocka_unit_test(bad), cmocka_unit_test(skipped) };
	const struct CMUnitTest dies[] = { cmocka_unit_test(good),
	    cmocka_unit_test(crash) };
	(void)argc;
	if (argv[0][strlen(argv[0]) - 1] == 'x')
		return cmocka_run_group_tests(dies, NULL, NULL);
	return cmocka_run_group_tests(mixed, NULL, NULL);
}
PROG
	cc -o "$t/build/tests/bin/mixed" "$TMP/fake.c" -lcmocka
	cp "$t/build/tests/bin/mixed" "$t/build/tests/bin/crashx"
	cp "$t/build/tests/bin/mixed" "$t/build/tests/tsan/mixed"
	printf '#!/bin/sh\necho no summary here\n' >"$t/build/tests/bin/silent"
	printf '#!/bin/sh\nexec sleep 60\n' >"$t/build/tests/bin/hangs"
	chmod 755 "$t/build/tests/bin/silent" "$t/build/tests/bin/hangs"
	# (printf: bats would rewrite @test lines in a here-document)
	printf '@%s "%s" { %s; }\n' test passes true test fails false \
	    test skips 'skip "not today"' >"$t/tests/e2e/x.bats"
	# A clean environment: no BATS_* variables of this run leak in, and
	# `bats` is /usr/bin/bats, not the libexec helper on this run's PATH.
	path=$(tr ':' '\n' <<<"$PATH" | grep -v 'bats-core' | paste -sd:)
	run env -i PATH="$path" HOME="$HOME" CHECK_TIMEOUT=2 "$t/scripts/check.sh"
	echo "$output"
	[ "$status" -eq 1 ]
	# mixed x2: 1 pass, 1 fail, 1 skip each; crashx, silent, hangs: one
	# failure each (no summary: passes before the crash do not count);
	# bats: 1 pass, 1 fail, 1 skip
	[ "${lines[-1]}" = "3 passed, 6 failed, 3 skipped" ]
	grep -q 'build/tests/bin/crashx: died in test crash' <<<"$output"
	grep -q 'build/tests/bin/hangs: timed out after 2s' <<<"$output"
	grep -q 'build/tests/bin/silent: no cmocka summary' <<<"$output"
	grep -q 'build/tests/bin/mixed: bad' <<<"$output"
	grep -q 'e2e: fails' <<<"$output"
}
