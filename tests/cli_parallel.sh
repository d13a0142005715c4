#!/usr/bin/env bash
# GNU parallel (issue 16): `parallel --pipe --block 1M -k zhfix --jsonl`
# writes the same bytes as one zhfix process.  --pipe cuts the input at
# newlines, each record is its own document and -k keeps the blocks in
# order, so the output must not depend on the cut.  (Only the messages
# differ: their line numbers count from the start of each block.)
set -u
. "$(dirname "$0")/util/cli_lib.sh"
SRC=${ZHFIX_SRCDIR:?set ZHFIX_SRCDIR to the source tree}
CORPUS=${ZHFIX_CORPUS:-$SRC/build/corpus}
command -v parallel > /dev/null || { fail "GNU parallel missing (apt-get install parallel)"; exit 1; }
[ -f "$CORPUS/zh_CN.txt" ] || { fail "corpus missing: $CORPUS (make corpus)"; exit 1; }

# A JSON Lines corpus built from build/corpus (records, damaged records,
# malformed lines, CRLF, a last line without newline): 8 MB, 2 under
# sanitizers.
mb=8
[ "${ZHFIX_QUICK:-0}" = 1 ] && mb=2
python3 "$SRC/tests/python/make_jsonl_corpus.py" "$CORPUS" "$SRC/data/samples" "$T/in" "$mb" 1 > /dev/null ||
  { fail "cannot build the JSON Lines corpus"; exit 1; }
in=$T/in/part-00.jsonl
size=$(stat -c %s "$in")
[ "$size" -ge $((mb * 1000000)) ] && pass || fail "corpus too small: $size bytes"

"$Z" --jsonl < "$in" > "$T/one" 2> "$T/one.err"
expect "one process" 0 $?
HOME=$T parallel --will-cite --pipe --block 1M -k "$Z" --jsonl < "$in" > "$T/par" 2> "$T/par.err"
expect "parallel" 0 $?
blocks=$(( (size + 999999) / 1000000 ))
[ "$blocks" -ge 2 ] && pass || fail "fewer than two blocks"
same "parallel --pipe --block 1M -k zhfix --jsonl gives the bytes of one process" "$T/one" "$T/par"
# the same problems are reported (one message per malformed line in both)
expect "as many problem lines" "$(grep -c ': line ' "$T/one.err")" "$(grep -c ': line ' "$T/par.err")"
grep -q ': line ' "$T/one.err" && pass || fail "the corpus has no malformed line"

# options pass through too
head -c 400000 "$in" | sed '$d' > "$T/small"
"$Z" --jsonl --to=simp --quotes=corner < "$T/small" > "$T/one.s" 2> /dev/null
HOME=$T parallel --will-cite --pipe --block 100k -k "$Z" --jsonl --to=simp --quotes=corner \
  < "$T/small" > "$T/par.s" 2> /dev/null
same "with --to=simp --quotes=corner" "$T/one.s" "$T/par.s"

# many files, in place, with backups (docs/cli.md): as one process on each
mkdir -p "$T/files"
split -n l/4 -d --additional-suffix=.jsonl "$T/small" "$T/files/part"
for f in "$T"/files/*.jsonl; do cp "$f" "$f.in"; "$Z" --jsonl < "$f" > "$f.want" 2> /dev/null; done
find "$T/files" -name '*.jsonl' | HOME=$T parallel --will-cite "$Z" --jsonl -q -i --backup=.orig {} 2> /dev/null
for f in "$T"/files/*.jsonl; do
  same "parallel zhfix --jsonl -i: $(basename "$f")" "$f.want" "$f"
  same "parallel zhfix --jsonl -i --backup=.orig: $(basename "$f")" "$f.in" "$f.orig"
done

echo "$(basename "$0"): $n checks, $fails failed"
[ "$fails" -eq 0 ]
