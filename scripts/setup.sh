#!/bin/sh
# setup.sh — makes sure the Debian packages the project needs are installed.
#
# Idempotent and cheap: one dpkg-query call when everything is present, so
# `make check` and `make demo` run it every time.  Missing packages are
# installed with apt-get when run as root; otherwise the exact command to
# run is printed and the script fails.
#
# REQUIRED packages are needed to build and test (clang and its runtime
# libraries build the libFuzzer target that `make check` runs); OPTIONAL
# ones are installed when we can, but their absence is not an error.
set -u

REQUIRED="build-essential python3 libcmocka-dev bats pkg-config clang libclang-rt-14-dev groff-base sqlite3"
OPTIONAL=""

# Prints the packages of "$@" that are not fully installed (one dpkg-query
# for all of them; unknown names are simply absent from its answer).
missing()
{
	ok=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "$@" \
	    2>/dev/null | awk '$2 == "ii" { print $1 }')
	out=""
	for pkg in "$@"; do
		echo "$ok" | grep -qx "$pkg" || out="${out:+$out }$pkg"
	done
	printf '%s' "$out"
}

# Without dpkg we cannot install anything: check the tools themselves.
if ! command -v dpkg-query >/dev/null 2>&1; then
	miss=""
	for tool in cc make python3 bats pkg-config; do
		command -v "$tool" >/dev/null 2>&1 || miss="$miss $tool"
	done
	printf '#include <stdarg.h>\n#include <stddef.h>\n#include <setjmp.h>\n#include <cmocka.h>\n' |
	    cc -E -x c - >/dev/null 2>&1 || miss="$miss cmocka(header)"
	if [ -n "$miss" ]; then
		echo "setup: not a Debian system and missing:$miss" >&2
		echo "setup: install the equivalents of: $REQUIRED" >&2
		exit 1
	fi
	exit 0
fi

need=$(missing $REQUIRED)
want=""
[ -n "$OPTIONAL" ] && want=$(missing $OPTIONAL)
[ -z "$need$want" ] && exit 0
all="${need:+$need }$want"

if [ "$(id -u)" -ne 0 ]; then
	if [ -z "$need" ]; then
		echo "setup: optional: sudo apt-get install" \
		    "-y --no-install-recommends $want" >&2
		exit 0
	fi
	echo "setup: missing Debian package(s): $all" >&2
	echo "setup: please run:" >&2
	echo "    sudo apt-get install -y --no-install-recommends $all" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "setup: installing $all" >&2

# A fresh image has no package lists: fetch them first.  Otherwise try
# without an update and refresh the lists only if the install fails.
have_lists()
{
	for f in /var/lib/apt/lists/*_Packages*; do
		[ -e "$f" ] && return 0
	done
	return 1
}
# The optional packages must never block the required ones.
install()
{
	apt-get install -y --no-install-recommends $need $want >&2 && return 0
	[ -n "$want" ] && [ -n "$need" ] &&
	    apt-get install -y --no-install-recommends $need >&2
}
if ! have_lists; then
	apt-get update >&2 || exit 1
	install
elif ! install; then
	apt-get update >&2 || exit 1
	install
fi

need=$(missing $REQUIRED)
if [ -n "$need" ]; then
	echo "setup: still missing after apt-get: $need" >&2
	exit 1
fi
[ -n "$OPTIONAL" ] && want=$(missing $OPTIONAL)
[ -n "$want" ] && echo "setup: could not install optional: $want" >&2
exit 0
