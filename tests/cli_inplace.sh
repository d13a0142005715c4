#!/usr/bin/env bash
# In-place editing (issue 7): temp file + fsync + rename, mode and owner
# kept, symlinks followed, --backup, read-only files, and failures in the
# middle of a write (test hook, a real file-size limit, a signal) that must
# leave the original intact and no temporary file behind.
set -u
. "$(dirname "$0")/util/cli_lib.sh"
QUICK=${ZHFIX_QUICK:-0}

cd "$T"
SIMP='这是简体中文。'
TRAD='這是簡體中文。'
mk() { printf '%s\n第二行，没有变化\n' "$SIMP" > "$1"; }
mk orig
"$Z" --to=trad orig > expected

# basic in place, mode kept
mkdir d && mk d/a.txt && chmod 640 d/a.txt
mk d/b.sh && chmod 755 d/b.sh
run -i --to=trad d/a.txt d/b.sh
expect "in place exit" 0 $rc
same "in place result" expected d/a.txt
same "in place result 2" expected d/b.sh
expect "mode 640 kept" 640 "$(stat -c %a d/a.txt)"
expect "mode 755 kept" 755 "$(stat -c %a d/b.sh)"
expect "nothing on stdout" "" "$(cat out)"
notemp "in place" d

# owner kept (when we are root and can give the file away)
if [ "$(id -u)" = 0 ]; then
  mk d/owned.txt && chown 65534:65534 d/owned.txt
  run -i --to=trad d/owned.txt
  expect "owner kept" "65534:65534" "$(stat -c %u:%g d/owned.txt)"
  same "owned file rewritten" expected d/owned.txt
fi

# an unchanged file is left alone: same inode, no rewrite
printf 'nothing to change here\n' > d/clean.txt
ino=$(stat -c %i d/clean.txt)
run -i d/clean.txt
expect "unchanged exit" 0 $rc
expect "unchanged keeps its inode" "$ino" "$(stat -c %i d/clean.txt)"

# a symlink is followed: the target is rewritten, the link stays a link
mkdir s && mk s/target.txt && ln -s target.txt s/link.txt
run -i --to=trad s/link.txt
expect "symlink exit" 0 $rc
if [ -L s/link.txt ]; then pass; else fail "symlink replaced by a regular file"; fi
expect "symlink still points to the target" target.txt "$(readlink s/link.txt)"
same "symlink target rewritten" expected s/target.txt
notemp "symlink" s

# --backup (default ~) and --backup=SUFFIX
mkdir b && mk b/x.txt && mk b/y.txt && chmod 600 b/x.txt
run -i --backup --to=trad b/x.txt
same "backup ~ holds the original" orig "b/x.txt~"
same "backup: file rewritten" expected b/x.txt
expect "backup keeps the mode" 600 "$(stat -c %a 'b/x.txt~')"
run -i --backup=.orig --to=trad b/y.txt
same "backup .orig" orig b/y.txt.orig
# an existing backup is replaced
mk b/z.txt && echo old > b/z.txt.bak
run -i --backup=.bak --to=trad b/z.txt
same "older backup replaced" orig b/z.txt.bak
notemp "backup" b

# a read-only file is not modified (even by root), others are processed
mkdir r && mk r/ro.txt && chmod 444 r/ro.txt && mk r/rw.txt
run -i --to=trad r/ro.txt r/rw.txt
expect "read-only exit" 2 $rc
has "read-only message" err '^zhfix: r/ro.txt: file is read-only; not modified$'
same "read-only file untouched" orig r/ro.txt
same "the writable one rewritten" expected r/rw.txt
notemp "read-only" r

# a directory we cannot write to, as an unprivileged user: the temporary
# file cannot be created, so nothing changes
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
  mkdir -p u/ro && mk u/ro/f.txt && chmod 666 u/ro/f.txt && chmod 555 u/ro && chmod 755 u "$T"
  setpriv --reuid=65534 --regid=65534 --clear-groups "$Z" -i --to=trad u/ro/f.txt > out 2> err
  rc=$?
  expect "unwritable directory exit" 2 $rc
  has "unwritable directory message" err '^zhfix: u/ro/f.txt: cannot create a temporary file beside it: Permission denied'
  same "unwritable directory: file untouched" orig u/ro/f.txt
  chmod 755 u/ro
fi

# stdin cannot be edited in place
"$Z" -i - < orig > out 2> err; rc=$?
expect "stdin in place exit" 2 $rc
has "stdin in place message" err 'cannot edit standard input in place'

# a write failure injected in the middle (test hook): original intact
big=$T/big
for i in $(seq 1 400); do printf '%s 第%d行，测试...\n' "$SIMP" "$i"; done > "$big.src"
mkdir f && cp "$big.src" f/big.txt && chmod 604 f/big.txt
ZHFIX_TEST_FAIL_AFTER_BYTES=5000 "$Z" -i --to=trad f/big.txt f/none.txt > out 2> err
rc=$?
expect "injected failure exit" 2 $rc
has "injected failure message" err '^zhfix: f/big.txt: write error: No space left on device$'
same "injected failure: original intact" "$big.src" f/big.txt
expect "injected failure: mode intact" 604 "$(stat -c %a f/big.txt)"
notemp "injected failure" f
# the same file without the hook works, proving the hook was the cause
run -i --to=trad f/big.txt
expect "without the hook" 0 $rc

# a real failure: the file-size limit (EFBIG) stops the write
cp "$big.src" f/lim.txt
(ulimit -f 8; "$Z" -i --to=trad f/lim.txt > "$T/out" 2> "$T/err"); rc=$?
sz=$(wc -c < "$big.src")
if [ "$sz" -gt 8192 ]; then
  expect "file-size limit exit" 2 $rc
  has "file-size limit message" err 'f/lim.txt: write error: File too large'
  same "file-size limit: original intact" "$big.src" f/lim.txt
  notemp "file-size limit" f
fi

# killed in the middle: the original or the complete result, never a mix,
# and no temporary file left behind
mb=40
[ "$QUICK" = 1 ] && mb=12
yes "$SIMP 测试...abc" | head -n $((mb * 30000)) > k.src
"$Z" --to=trad k.src > k.expected
mkdir k && cp k.src k/k.txt
"$Z" -i --to=trad k/k.txt 2> err &
pid=$!
sleep 0.3
kill -TERM $pid 2> /dev/null
wait $pid
rc=$?
if cmp -s k/k.txt k.src; then
  pass
  [ $rc -ne 0 ] && expect "killed: dies of SIGTERM" 143 $rc
elif cmp -s k/k.txt k.expected; then
  pass
else
  fail "killed: the file is neither the original nor the result"
fi
notemp "killed" k

# a non-UTF-8 file is written as UTF-8, and the note and the report say so
printf '%s\n' "$SIMP" | iconv -f UTF-8 -t GB18030 > gb.txt
run -i --report=json --report-file=rep.json gb.txt
expect "gb18030 in place exit" 0 $rc
expect "gb18030 now UTF-8" "$SIMP" "$(cat gb.txt)"
has "gb18030 note" err '^zhfix: gb.txt: converted from gb18030 to UTF-8$'
python3 - rep.json << 'EOF' || fail "report of the converted file"
import json, sys
f = json.load(open(sys.argv[1]))["files"][0]
assert f["encoding"] == "gb18030", f
assert f["converted_to_utf8"] is True, f
assert f["status"] == "changed", f
EOF
pass

# a file with another hard link: a new inode; the other name keeps the old
# text, and a note says so
mkdir h && mk h/one.txt && ln h/one.txt h/two.txt
run -i --to=trad h/one.txt
same "hard link: the named file rewritten" expected h/one.txt
same "hard link: the other name keeps the old text" orig h/two.txt
has "hard link note" err '^zhfix: h/one.txt: had 1 hard links; the other names keep the old text$'

# -i with --diff: the files are rewritten and the diff printed
mk h/d.txt
run -i --diff --to=trad h/d.txt
same "-i --diff rewrites" expected h/d.txt
has "-i --diff prints the diff" out '^\+這是簡體中文。$'

# in place in parallel
mkdir p && for i in 1 2 3 4 5 6; do mk p/$i.txt; done
run -i -j 3 --to=trad p/1.txt p/2.txt p/3.txt p/4.txt p/5.txt p/6.txt
expect "parallel in place exit" 0 $rc
for i in 1 2 3 4 5 6; do same "parallel in place $i" expected p/$i.txt; done
notemp "parallel in place" p

# Uncertain decoding is never written back (issue 13): a UTF-8 file with a
# stray byte stays UTF-8 (first line intact on stdout), and -i refuses it,
# naming the byte, unless --force; so does a guessed encoding.
mkdir -p uu
printf '马斯克与普京定期进行秘密对话，克宫回应。\ncaf\xe9\n' > uu/stray.txt
cp uu/stray.txt uu/stray.orig
run --punct=off uu/stray.txt
expect "stray byte: first line intact" '马斯克与普京定期进行秘密对话，克宫回应。' "$(head -n 1 out)"
has "stray byte: warning names the byte" err 'uu/stray.txt: byte 64: invalid utf-8'
run -i --to=trad uu/stray.txt
expect "stray byte -i: exit 2" 2 $rc
same "stray byte -i: file untouched" uu/stray.orig uu/stray.txt
has "stray byte -i: message names file and byte" err 'uu/stray.txt: byte 64: .*not modified'
notemp "stray byte -i" uu
run -i --force --punct=off uu/stray.txt
expect "stray byte -i --force: exit 0" 0 $rc
expect "stray byte -i --force: rewritten" 'caf�' "$(tail -n 1 uu/stray.txt)"
# Latin-1 German read as GB18030 is no evidence: refused in place
printf 'Gr\xf6\xdfe und L\xe4nge der Datei \xfcber die Stra\xdfe\n' > uu/latin1.txt
cp uu/latin1.txt uu/latin1.orig
run -i uu/latin1.txt
expect "guessed encoding -i: exit 2" 2 $rc
same "guessed encoding -i: file untouched" uu/latin1.orig uu/latin1.txt
has "guessed encoding -i: message" err 'uu/latin1.txt: bytes 0-[0-9]+: encoding guessed as .*not modified'
# a real GB18030 file is converted as before
printf '%s\n' '这是一个用国标码保存的中文文件，内容很普通，没有任何损坏。' | iconv -f utf-8 -t gb18030 > uu/gb.txt
run -i uu/gb.txt
expect "GB18030 -i: exit 0" 0 $rc
expect "GB18030 -i: converted" '这是一个用国标码保存的中文文件，内容很普通，没有任何损坏。' "$(cat uu/gb.txt)"

echo "$(basename "$0"): $n checks, $fails failed"
[ "$fails" -eq 0 ]
