# redirs.sh — the shell work of tests/e2e/hijack_sh.bats: redirections,
# here-documents, pipelines, subshells, cd and pwd, descriptors opened
# with exec, builtins writing to files, a read loop.  Run as
# `SHELL script DIR` with DIR an existing empty directory, once on the
# host without the preload and once on /rump/... under it; stdout (with
# DIR replaced by @D@) and the files left in DIR must be the same.
# Everything is relative to DIR or under it, so that a call sent to the
# wrong kernel fails instead of writing elsewhere.
set -e
D=$1
cd "$D"
echo "pwd: $(pwd | sed "s|^$D|@D@|")"

echo one >a
echo two >>a
printf '%s-%d\n' three 3 >>a
cat <a >b
ls -d nonexistent >c 2>&1 || echo "ls failed as it should"
X=42
cat >d <<END
here-document, X is $X
	tab-indented line
END
cat <<-'END' >>d
	literal $X, tabs stripped
	END
cat a | tr a-z A-Z | sort -r >e
(cd "$D" && echo "in a subshell" >f && exit 3) || echo "subshell said $?"
exec 3>g
echo x >&3
printf 'y\n' >&3
exec 3>&-
exec 4>>g
echo z >&4
exec 4>&-
n=0
while read -r line; do
	n=$((n + 1))
	echo "$n: $line"
done <a >h
{ echo grouped; echo stderr-too >&2; } >i 2>&1
echo "lines in a: $(wc -l <a)"
echo "first line: $(head -n 1 a)"

# the shell's own stdout and stderr in a file, then back
exec 7>&1 8>&2
exec >o 2>&1
echo to-o
ls -d nonexistent || printf 'printf %s\n' after-failure
exec 1>&7 2>&8 7>&- 8>&-

# two reads from one descriptor share its offset (bash reads ahead on
# regular files and seeks back)
exec 6<a
read -r first <&6
read -r second <&6
exec 6<&-
echo "read twice: $first/$second"
exec 5<>n
echo rw >&5
exec 5>&-

umask 077
echo private >m
ls -l m | cut -c1-10
umask 022
set -C
if (echo clobber >a) 2>/dev/null; then echo "noclobber ignored"; else echo "noclobber held"; fi
echo forced >|a2
set +C

printf 'SOURCED=yes\n' >sourced
. ./sourced
echo "sourced: $SOURCED"
for f in [a-c]; do echo "glob: $f"; done
[ -f a ] && [ ! -d a ] && [ -s a ] && echo "tests on a hold"

mkdir sub
cd sub
echo "pwd in sub: $(pwd | sed "s|^$D|@D@|")"
echo "pwd -P in sub: $(pwd -P | sed "s|^$D|@D@|")"
echo "in sub" >j
cat ../a >k
cd ..
cd /
echo "pwd after cd /: $(pwd)"
cd - >/dev/null
echo "pwd after cd -: $(pwd | sed "s|^$D|@D@|")"
cd sub/..
echo "pwd after sub/..: $(pwd | sed "s|^$D|@D@|")"

while read -r line; do echo "read back: $line"; done <h
echo done >&2
