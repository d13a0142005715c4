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
# and prints each class's line, as the test does; and, last, clean text in
# other languages held out from the model of text in any language (below).
#
# With --gate (make heldout-check, part of make check) the figures are
# also held to their floors in tools/moji_heldout_floors.tsv, set from the
# figures measured on these slices (see that file); any figure under its
# floor (or a wrong-fill rate over its ceiling, or a clean line changed)
# fails.  The slices are never used to tune: test_mojibake tunes and
# gates on the first 1.1 MB.
# With --floors the figures measured now become the floors file: every
# rate 1 percentage point under what was measured (room for the noise of
# other helpers' changes, the same for every class; never tuned per
# class), every wrong-fill rate 0.02 points over, other languages no more
# changed lines than measured.
# Usage: tools/moji_heldout.sh [--gate|--floors] [class-name]
# (BUILD selects the build)
set -euo pipefail
gate=0
if [ "${1:-}" = --gate ]; then gate=1; shift; fi
if [ "${1:-}" = --floors ]; then gate=2; shift; fi
floors=${ZHFIX_HELDOUT_FLOORS:-$(dirname "$0")/moji_heldout_floors.tsv}
report=$(mktemp)
trap 'rm -f "$report"' EXIT
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

# the corpus check (tu_corpora_present) wants the whole pages too (not
# among the figures printed here): the same ones in every slice
for s in a b c d; do ln -sfn "$(cd "$src" && pwd)/pages" "$work/$s/pages"; done

for s in a b c d; do
  echo "== slice $s"
  ZHFIX_CORPUS=$work/$s MOJI_ONLY=${1:-} "$prog" 2>&1 |
    grep -E '^mojibake .*(restored exactly|damaged lines:)' |
    grep -v ' 0 damaged lines' | sed "s/^/$s /" | tee -a "$report" | sed 's/^. //' || true
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
  echo "other clean changed $totch" >> "$report"
else
  echo "other languages: tools/gen_lm_other.py --heldout failed (make deps?)"
  [ $gate = 1 ] && exit 1
fi

[ $gate = 0 ] && exit 0
if [ $gate = 2 ]; then
  {
    echo "# Floors of the held-out mojibake figures (tools/moji_heldout.sh --gate,"
    echo "# make heldout-check, part of make check), written by"
    echo "# tools/moji_heldout.sh --floors from the figures measured on the slices"
    echo "# on $(date -u +%Y-%m-%d) at commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'):"
    echo "# rates 1 point under the measured figure, wrong fills 0.02 over."
    echo "# slice<TAB>class<TAB>figure<TAB>bound<TAB>value"
    awk '
      function pct(line, re,   t) {
        if (!match(line, re "[0-9.]+%")) return ""
        t = substr(line, RSTART, RLENGTH); sub(/%$/, "", t); sub(/.*[^0-9.]/, "", t)
        return t
      }
      function lo(v) { v = int((v - 1) * 10) / 10; return v < 0 ? 0 : v }
      /^other clean changed / { split($0, w, " "); printf "-\tother\tchanged\t<=\t%d\n", w[4]; next }
      {
        split($0, w, " ")
        if ((v = pct($0, "restored exactly +[0-9]* ?\\(")) != "") printf "%s\t%s\texact\t>=\t%.1f\n", w[1], w[3], lo(v)
        if ((v = pct($0, "characters recovered ")) != "") printf "%s\t%s\trecovered\t>=\t%.1f\n", w[1], w[3], lo(v)
        if ((v = pct($0, "filled in wrongly ")) != "") printf "%s\t%s\twrong\t<=\t%.3f\n", w[1], w[3], v + 0.02
      }' "$report"
  } > "$floors"
  echo "heldout: floors written to $floors"
  exit 0
fi
# The gate: every row of the floors file names a slice, a class, a figure
# and its bound; a row whose figure was not measured fails too (a class
# that stopped reporting cannot pass by silence).
echo "== gate (floors: $floors)"
awk -F'\t' '
  # the percentage right after the words matched by re ("" when none)
  function pct(line, re,   t) {
    if (!match(line, re "[0-9.]+%")) return ""
    t = substr(line, RSTART, RLENGTH); sub(/%$/, "", t); sub(/.*[^0-9.]/, "", t)
    return t
  }
  FNR == NR {
    # the report: "SLICE mojibake CLASS ..." and "other clean changed N"
    if ($0 ~ /^other clean changed /) { split($0, w, " "); got["-", "other", "changed"] = w[4]; next }
    split($0, w, " "); s = w[1]; c = w[3]
    if ((v = pct($0, "restored exactly +[0-9]* ?\\(")) != "") got[s, c, "exact"] = v
    if ((v = pct($0, "characters recovered ")) != "") got[s, c, "recovered"] = v
    if ((v = pct($0, "filled in wrongly ")) != "") got[s, c, "wrong"] = v
    next
  }
  /^#/ || NF < 5 { next }
  {
    key = $1 SUBSEP $2 SUBSEP $3; n++
    if (!(key in got)) { printf "heldout gate: %s %s %s not measured\n", $1, $2, $3; bad++; next }
    v = got[key] + 0; b = $5 + 0
    if (($4 == ">=" && v < b) || ($4 == "<=" && v > b)) {
      printf "heldout gate: slice %s %s %s = %s, bound %s %s: FAILS\n", $1, $2, $3, got[key], $4, $5; bad++
    }
  }
  END { printf "heldout gate: %d figures, %d under their floors\n", n, bad; exit bad > 0 }
' "$report" "$floors"
