#!/usr/bin/env bash
# Compares zhfix's punctuation stage with zhlint's fixer on a shared set of
# cases (tests/punct_cases.txt, one input per line) and prints every case
# where the two outputs differ.  docs/punctuation.md discusses them.
#
# Installs the npm package zhlint into build/zhlint on first use (npm
# registry); never part of `make check`.
#
#   tools/zhlint_compare.sh [CASES]     (ZHFIX_BIN: default build/zhfix)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cases=${1:-$src/tests/punct_cases.txt}
bin=${ZHFIX_BIN:-$src/build/zhfix}
dir=$src/build/zhlint
version=${ZHLINT_VERSION:-0.8.2}

if [ ! -x "$bin" ]; then echo "zhlint_compare: $bin not built (make)" >&2; exit 1; fi
if [ ! -f "$dir/node_modules/zhlint/package.json" ]; then
  mkdir -p "$dir"
  (cd "$dir" && npm install --no-audit --no-fund --silent "zhlint@$version" >&2)
fi

# zhlint's fixer, one case per line: each line is its own document.
cat > "$dir/fix.mjs" <<'JS'
import { run } from 'zhlint'
import { readFileSync } from 'fs'
const lines = readFileSync(process.argv[2], 'utf8').split('\n')
for (const line of lines) {
  if (line === '' || line.startsWith('#')) continue
  let out
  try { out = run(line, { rules: { preset: 'default' } }).result } catch (e) { out = '<error: ' + e.message + '>' }
  process.stdout.write(out.replace(/\n/g, ' ') + '\n')
}
JS

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -v -e '^#' -e '^$' "$cases" > "$tmp/in"
(cd "$dir" && node fix.mjs "$tmp/in") > "$tmp/zhlint"
"$bin" --to=keep < "$tmp/in" > "$tmp/zhfix"

n=0 diff=0
while IFS= read -r -u 3 a && IFS= read -r -u 4 b && IFS= read -r -u 5 c; do
  n=$((n + 1))
  if [ "$b" != "$c" ]; then
    diff=$((diff + 1))
    printf 'case %d\n  input:  %s\n  zhfix:  %s\n  zhlint: %s\n' "$n" "$a" "$b" "$c"
  fi
done 3< "$tmp/in" 4< "$tmp/zhfix" 5< "$tmp/zhlint"
echo "zhlint_compare: $n cases, $diff differ (zhlint $version)"
