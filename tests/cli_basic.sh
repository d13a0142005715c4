#!/usr/bin/env bash
# CLI conventions (issue 2): stdin/stdout, -o, --help, --version, exit
# codes, missing files amid good ones, invalid bytes with and without
# --strict, binary refusal and --force, option validation.
set -u
. "$(dirname "$0")/util/cli_lib.sh"

cd "$T"
printf '这是简体中文。\n' > simp.txt
printf '這是簡體中文。\n' > trad.txt
printf 'plain ASCII text, nothing to fix.\n' > clean.txt

# stdin to stdout, and "-" as a file name
"$Z" --to=trad < simp.txt > out 2> err; rc=$?
expect "stdin exit" 0 $rc
expect "stdin output" "$(cat trad.txt)" "$(cat out)"
expect "stdin quiet stderr" "" "$(cat err)"
"$Z" --to=trad - < simp.txt > out; expect "dash is stdin" "$(cat trad.txt)" "$(cat out)"

# several files are concatenated, in order
run --to=trad simp.txt clean.txt simp.txt
expect "concatenation" "$(cat trad.txt clean.txt trad.txt)" "$(cat out)"

# -o FILE
run --to=trad -o result.txt simp.txt
expect "-o exit" 0 $rc
expect "-o writes the file" "$(cat trad.txt)" "$(cat result.txt)"
expect "-o leaves stdout empty" "" "$(cat out)"
run -o simp.txt simp.txt
expect "-o onto an input is refused" 2 $rc
has "-o onto an input message" err '^zhfix: simp.txt: output file is also an input'
expect "-o onto an input keeps it" "这是简体中文。" "$(cat simp.txt)"

# --help and --version
run --help
expect "--help exit" 0 $rc
for opt in --from= --to= --script= --pinyin= --quotes= --spacing --punct= --mojibake= \
  --strict --force --in-place --backup --recursive --include= --exclude= --check \
  --diff --report=json --jobs= --jsonl --quiet --version; do
  has "--help lists $opt" out "$opt"
done
run --version
expect "--version exit" 0 $rc
has "--version" out '^zhfix [0-9]+\.[0-9]+\.[0-9]+'

# a missing file amid good ones: message naming it, exit 2, others done
run --to=trad simp.txt missing.txt simp.txt
expect "missing file exit" 2 $rc
expect "missing file: others processed" "$(cat trad.txt trad.txt)" "$(cat out)"
has "missing file message" err '^zhfix: missing.txt: No such file or directory$'
expect "one message" 1 "$(wc -l < err)"

# an unreadable path: a directory without -r
mkdir adir
run simp.txt adir
expect "directory without -r exit" 2 $rc
has "directory message" err '^zhfix: adir: is a directory'

# invalid bytes: U+FFFD, one warning naming file and first offset
printf 'ab\xffcd\xfe\n' > bad.txt
run --from=utf-8 bad.txt
expect "invalid bytes exit" 0 $rc
expect "invalid bytes replaced" "$(printf 'ab\xef\xbf\xbdcd\xef\xbf\xbd')" "$(cat out)"
has "invalid bytes warning" err '^zhfix: bad.txt: byte 2: invalid utf-8 byte sequence replaced by U\+FFFD \(2 in all\)$'
expect "one warning per file" 1 "$(wc -l < err)"
run -q --from=utf-8 bad.txt
expect "-q silences the warning" "" "$(cat err)"
# --strict: an error with the same file and offset, exit 2, others done
run --from=utf-8 --strict bad.txt clean.txt
expect "--strict exit" 2 $rc
has "--strict message" err '^zhfix: bad.txt: byte 2: invalid utf-8 byte sequence \(--strict\)$'
has "--strict: the other file still processed" out 'plain ASCII text'
# stdin is named <stdin>
"$Z" --from=utf-8 --strict < bad.txt > out 2> err; rc=$?
expect "--strict stdin exit" 2 $rc
has "--strict stdin message" err '^zhfix: <stdin>: byte 2: '

# binary input is refused unless --force
printf 'abc\0def\n' > bin.dat
run bin.dat clean.txt
expect "binary exit" 2 $rc
has "binary message" err '^zhfix: bin.dat: looks like a binary file.*--force'
has "binary: the other file processed" out 'plain ASCII text'
hasnot "binary: nothing of it written" out 'abc'
run --force bin.dat
expect "--force exit" 0 $rc
same "--force output: the bytes as they were (control characters stay, issue #12)" bin.dat out

# usage errors: exit 2, message prefixed zhfix:
for args in "--to=klingon" "--from=ebcdic" "--punct=maybe" "--jobs=0" "--report=xml" \
  "-i" "-i -o x simp.txt" "--check -i simp.txt" "--backup simp.txt" "--include=*.txt simp.txt" \
  "--no-such-option"; do
  # shellcheck disable=SC2086
  run $args
  expect "usage error exit ($args)" 2 $rc
  has "usage error message ($args)" err '^zhfix: |^Try .zhfix --help'
done
has "invalid value names the option" <("$Z" --to=klingon 2>&1) "invalid value 'klingon' for --to"

# options by name reach the library: --punct=off, --mojibake=off accepted
printf '中文,测试\n' > p.txt
run --punct=off p.txt
expect "--punct=off keeps ASCII comma" "中文,测试" "$(cat out)"
run --mojibake=off --spacing --quotes=corner --pinyin=keep --script=simp p.txt
expect "all text options accepted" 0 $rc

# clean text is not changed
run clean.txt
expect "clean text unchanged" "$(cat clean.txt)" "$(cat out)"

# GB18030 input comes out as UTF-8
printf '这是简体中文。\n' | iconv -f UTF-8 -t GB18030 > gb.txt
run gb.txt
expect "gb18030 decoded" "这是简体中文。" "$(cat out)"

# memory does not grow with the input: 64 MiB without a newline, streamed
# (and compared, for --check) in a few MiB (not under sanitizers)
if [ "${ZHFIX_QUICK:-0}" != 1 ] && [ -x /usr/bin/time ]; then
  for mode in "" "--check"; do
    # shellcheck disable=SC2086
    head -c $((64 << 20)) /dev/zero | tr '\0' 'a' |
      /usr/bin/time -f '%M' -o rss.txt "$Z" $mode > /dev/null
    rss=$(tail -n 1 rss.txt)
    if [ "$rss" -lt 32768 ]; then pass; else fail "64 MiB without newline ($mode): ${rss} KiB RSS"; fi
  done
fi

echo "$(basename "$0"): $n checks, $fails failed"
[ "$fails" -eq 0 ]
