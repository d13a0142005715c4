#!/usr/bin/env bash
# Held-out figures for the mojibake classes: test_mojibake damages the
# first 1.1 MB of each class's corpora (build/corpus); the repairs are
# tuned while looking at that slice.  This runs the same measure on text
# the tuning never looked at, in four slices built from build/corpus:
#   a: zh_CN, zh_TW, fortunes, mixed from 1.3 MB on
#   b: the same from 2.6 MB on (fortunes is shorter: empty)
#   c: fortunes-zh (Debian tips with no-break spaces, box tables, poetry)
#      as the Simplified corpus, zh_TW from 3.3 MB, zh_CN from 3.4 MB
#   d: mixed as the Simplified corpus, fortunes as the Traditional one
# and prints each class's line, as the test does.  Reports figures;
# asserts nothing (a class under the test's bar prints FAILS there).
# and, last, clean text in other languages held out from the model of text
# in any language (below).
# Usage: tools/moji_heldout.sh [class-name]   (BUILD selects the build)
set -euo pipefail
build=${BUILD:-build}
src=${ZHFIX_CORPUS:-build/corpus}
work=${ZHFIX_HELDOUT_DIR:-build/heldout}
prog=$build/tests/test_mojibake
[ -x "$prog" ] || { echo "heldout: $prog missing (make tests)"; exit 1; }
[ -f "$src/zh_CN.txt" ] || { echo "heldout: $src/zh_CN.txt missing (make corpus)"; exit 1; }

# $1 file, $2 byte offset, $3 output: the file from the first whole line
# after the offset.
from() { tail -c +"$2" "$1" | tail -n +2 > "$3"; }

mkdir -p "$work"/a "$work"/b "$work"/c "$work"/d
for f in zh_CN zh_TW fortunes mixed; do
  from "$src/$f.txt" 1300000 "$work/a/$f.txt"
  from "$src/$f.txt" 2600000 "$work/b/$f.txt"
done
cp "$src/fortunes.txt" "$work/c/zh_CN.txt"
from "$src/zh_TW.txt" 3300000 "$work/c/zh_TW.txt"
from "$src/zh_CN.txt" 3400000 "$work/c/fortunes.txt"
cp "$src/mixed.txt" "$work/c/mixed.txt"
cp "$src/mixed.txt" "$work/d/zh_CN.txt"
cp "$src/fortunes.txt" "$work/d/zh_TW.txt"
head -c 2000000 "$src/zh_TW.txt" > "$work/d/fortunes.txt"
head -c 3000000 "$src/zh_CN.txt" > "$work/d/mixed.txt"

# the tests want the whole pages too (test_whole_pages; not among the
# figures printed here): the same ones in every slice
for s in a b c d; do ln -sfn "$(cd "$src" && pwd)/pages" "$work/$s/pages"; done

for s in a b c d; do
  echo "== slice $s"
  ZHFIX_CORPUS=$work/$s MOJI_ONLY=${1:-} "$prog" 2>&1 |
    grep -E '^mojibake .*(restored exactly|damaged lines:)' |
    grep -v ' 0 damaged lines' || true
done

# Clean text in other languages that the model of text in any language
# never counted (tools/gen_lm_other.py --heldout: the odd man pages of
# each manpages-XX package, the gtk20, xkeyboard-config and Linux-PAM
# catalogues of every non-Chinese locale): every line must come out as it
# went in with --punct=off.  Figures only, like the rest.
other=$work/other
echo "== other languages (held out from tools/gen_lm_other.py)"
if python3 tools/gen_lm_other.py --heldout "$other" 2>/dev/null; then
  tot=0 totch=0
  for f in "$other"/*.txt; do
    n=$(wc -l < "$f")
    ch=$("$build/zhfix" -q --punct=off "$f" | diff "$f" - | grep -c '^<' || true)
    tot=$((tot + n)) totch=$((totch + ch))
    [ "$ch" -gt 0 ] && printf 'clean %-12s %7d lines, %5d changed\n' "$(basename "$f" .txt)" "$n" "$ch"
  done
  echo "clean text in other languages: $(ls "$other"/*.txt | wc -l) locales, $tot lines, $totch changed"
else
  echo "other languages: tools/gen_lm_other.py --heldout failed (make deps?)"
fi
