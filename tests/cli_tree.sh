#!/usr/bin/env bash
# Trees and parallel runs (issue 7): -r in sorted order, skipping binary
# files, VCS folders and hidden files, --include/--exclude, --hidden; -j N
# gives the same stdout, stderr and report as -j 1.
set -u
. "$(dirname "$0")/util/cli_lib.sh"

cd "$T"
put() { mkdir -p "$(dirname "$1")"; printf '%s 这是简体中文。\n' "$1" > "$1"; }
# created out of order: the walk must sort
for f in t/b.txt t/a.txt t/C.txt t/sub/z.md t/sub/y.txt t/sub/deep/x.txt \
  t/.hidden.txt t/.cache/h.txt t/.git/config.txt t/.svn/s.txt t/.hg/h.txt \
  t/sub/.git/inner.txt t/skipdir/k.txt t/sub/skipme.txt; do
  put "$f"
done
printf 'ELF\0\0\0binary' > t/sub/bin.dat
ln -s a.txt t/link.txt
ln -s sub t/linkdir

run -r --check --to=trad t
expect "walk exit" 1 $rc
expect "walk order, skips hidden, VCS, binary, symlinks" \
  "t/C.txt t/a.txt t/b.txt t/skipdir/k.txt t/sub/deep/x.txt t/sub/skipme.txt t/sub/y.txt t/sub/z.md" \
  "$(tr '\n' ' ' < out | sed 's/ $//')"
expect "binary files in a tree are skipped quietly" "" "$(cat err)"

run -r --check --to=trad --hidden t
expect "--hidden walks hidden files but never VCS folders" \
  "t/.cache/h.txt t/.hidden.txt t/C.txt t/a.txt t/b.txt t/skipdir/k.txt t/sub/deep/x.txt t/sub/skipme.txt t/sub/y.txt t/sub/z.md" \
  "$(tr '\n' ' ' < out | sed 's/ $//')"

run -r --check --to=trad --include='*.txt' --exclude='skip*' t
expect "--include and --exclude (files and directories)" \
  "t/C.txt t/a.txt t/b.txt t/sub/deep/x.txt t/sub/y.txt" "$(tr '\n' ' ' < out | sed 's/ $//')"

run -r --check --to=trad --include='sub/*.txt' t
expect "a glob with a slash matches the path below the argument" \
  "t/sub/skipme.txt t/sub/y.txt" "$(tr '\n' ' ' < out | sed 's/ $//')"

run -r --check --to=trad --include='*.md' --include='C*' t/ t/sub/z.md
expect "several --include; a trailing slash; explicit files are not filtered" \
  "t/C.txt t/sub/z.md t/sub/z.md" "$(tr '\n' ' ' < out | sed 's/ $//')"

# a binary file named on the command line is an error, in a tree it is skipped
run -r --to=trad t/sub/bin.dat t/sub
expect "explicit binary exit" 2 $rc
has "explicit binary message" err '^zhfix: t/sub/bin.dat: looks like a binary file'
run -r --report=json --report-file=rep.json --to=trad t/sub
python3 -c '
import json, sys
r = json.load(open("rep.json"))
s = [f for f in r["files"] if f["file"] == "t/sub/bin.dat"][0]
assert s["status"] == "skipped" and s["reason"] == "binary", s
assert r["totals"]["skipped"] == 1, r["totals"]
' && pass || fail "report marks the binary file as skipped"

# -r -i rewrites the tree and leaves the binary file alone
cp -a t t2
cp t2/sub/bin.dat bin.orig
run -r -i --to=trad t2
expect "-r -i exit" 0 $rc
has "-r -i converted" t2/sub/deep/x.txt '這是簡體中文'
same "-r -i leaves binaries alone" bin.orig t2/sub/bin.dat
has "-r -i leaves hidden files alone" t2/.hidden.txt '这是简体中文'

# -j: same bytes on stdout and stderr, same report, whatever N
mkdir many
for i in $(seq 1 60); do
  { for k in $(seq 1 $((i % 7 + 1))); do printf '第%d文件第%d行：简体字,测试...\n' "$i" "$k"; done; } > many/f$(printf %02d $i).txt
done
printf 'ab\xffcd\n' > many/f17.txt
args=(--to=trad --from=utf-8 -r many missing.txt many/f03.txt)
"$Z" "${args[@]}" --report=json --report-file=rep1.json > out1 2> err1; rc1=$?
for j in 2 4 16; do
  "$Z" "${args[@]}" -j $j --report=json --report-file=rep$j.json > out$j 2> err$j; rcj=$?
  expect "-j $j exit" $rc1 $rcj
  same "-j $j stdout" out1 out$j
  same "-j $j stderr" err1 err$j
  same "-j $j report" rep1.json rep$j.json
done
expect "-j reference exit" 2 $rc1
expect "-j reference stdout is the files in order" "$(cat many/*.txt many/f03.txt | "$Z" --to=trad --from=utf-8 2> /dev/null)" "$(cat out1)"
has "-j messages kept" err1 'many/f17.txt: byte 2'
"$Z" --check -j 3 -r --to=trad many > c3 2> /dev/null; "$Z" --check -r --to=trad many > c1 2> /dev/null
same "-j --check listing" c1 c3
"$Z" --diff -j 3 -r --to=trad many > d3 2> /dev/null; "$Z" --diff -r --to=trad many > d1 2> /dev/null
same "-j --diff" d1 d3

# -o FILE with -j: the same file as with -j 1
"$Z" --to=trad -r many -o o1.txt 2> /dev/null
"$Z" --to=trad -r many -j 4 -o o4.txt 2> /dev/null
same "-j with -o" o1.txt o4.txt

echo "$(basename "$0"): $n checks, $fails failed"
[ "$fails" -eq 0 ]
