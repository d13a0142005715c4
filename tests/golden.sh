#!/usr/bin/env bash
# Golden cases (tests/golden/NAME/, see tests/test_golden.c) through the CLI:
# stdin to stdout, and the input given as a file.
set -u
bin=${ZHFIX_BIN:-build/zhfix}
src=${ZHFIX_SRCDIR:-.}
fail=0 n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
resolve() { # dir name -> path of the case file
  if [ -f "$1/$2" ]; then echo "$1/$2"; else echo "$src/$(head -n1 "$1/$2.path")"; fi
}
for dir in "$src"/tests/golden/*/; do
  name=$(basename "$dir")
  in=$(resolve "$dir" in) out=$(resolve "$dir" out)
  args=$(cat "$dir/args" 2>/dev/null || true)
  n=$((n + 1))
  for mode in stdin file; do
    # shellcheck disable=SC2086
    if [ $mode = stdin ]; then "$bin" $args < "$in" > "$tmp/got" 2> "$tmp/err"; rc=$?
    else "$bin" $args "$in" > "$tmp/got" 2> "$tmp/err"; rc=$?; fi
    if [ $rc -ne 0 ]; then echo "golden $name ($mode): exit $rc: $(cat "$tmp/err")"; fail=$((fail + 1)); continue; fi
    # the whole output, every byte (tests/test_golden.c refuses prefix files)
    if [ -e "$dir/prefix" ]; then echo "golden $name: a prefix file: cases compare the whole output"; fail=$((fail + 1)); continue; fi
    if ! cmp -s "$tmp/got" "$out"; then
      echo "golden $name ($mode): output differs:"; diff "$out" "$tmp/got" | head -10; fail=$((fail + 1))
    fi
  done
done
echo "golden CLI cases: $n, failures: $fail"
[ "$fail" -eq 0 ]
