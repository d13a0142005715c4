#!/usr/bin/env bash
# The world corpus (issues #12 and #13): zhfix over clean real files of many
# kinds (tools/make_world.py) must leave every protected region
# byte-identical with default flags, and every file and every line of the
# per-language line corpora byte-identical with --punct=off
# (tools/world_check.py; docs/world-corpus.md).
#
# It runs only with ZHFIX_WORLD=1, which the Makefile's TEST_ENV sets, so it
# gates `make test` (and `make world-test` runs it alone).
# With ZHFIX_QUICK=1 (sanitizer builds) it checks the files on standard
# input too only for a few kinds, and skips the line corpora.
set -u
SRC=${ZHFIX_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
Z=${ZHFIX_BIN:-$SRC/build/zhfix}
WORLD=${ZHFIX_WORLD_DIR:-$SRC/build/world}
PY=${PYTHON:-python3}

if [ "${ZHFIX_WORLD:-0}" != 1 ]; then
  echo "world.sh: SKIPPED (ZHFIX_WORLD is not 1; make test and make world-test set it)"
  exit 0
fi
if [ ! -f "$WORLD/MANIFEST.tsv" ] || [ "$SRC/tools/make_world.py" -nt "$WORLD/MANIFEST.tsv" ]; then
  "$PY" "$SRC/tools/make_world.py" "$WORLD" || { echo "world.sh: FAIL: could not build the corpus"; exit 1; }
fi

pass=0 fail=0
# the checkers themselves first: built-in cases they must and must not report
if "$PY" "$SRC/tools/world_check.py" --self-test --world "$WORLD"; then
  echo "ok - checker self-test"; pass=$((pass+1))
else
  echo "FAIL - checker self-test"; fail=$((fail+1))
fi
check() {
  local name=$1; shift
  if "$PY" "$SRC/tools/world_check.py" --zhfix "$Z" --world "$WORLD" --max-list 40 "$@"; then
    echo "ok - $name"; pass=$((pass+1))
  else
    echo "FAIL - $name"; fail=$((fail+1))
  fi
}
quick=0; [ "${ZHFIX_QUICK:-0}" = 1 ] && quick=1
if [ $quick = 1 ]; then
  check "default flags: no protected region changed" --mode default --no-lines
else
  check "default flags: no protected region and no other-language line changed" --mode default
fi
if [ $quick = 1 ]; then
  check "--punct=off: no file changed" --mode punct-off --no-lines
else
  check "--punct=off: no file and no line changed" --mode punct-off
fi
if [ $quick = 1 ]; then
  check "stdin, --punct=off: no file changed" --mode punct-off --stdin --kind json --kind yaml --kind troff
else
  check "stdin, --punct=off: no file changed" --mode punct-off --stdin --no-lines
fi
echo "world.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
