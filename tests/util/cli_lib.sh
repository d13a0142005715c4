# Shared by the CLI tests (tests/cli_*.sh): sourced, never run alone.
# Sets Z (the binary) and T (a scratch directory removed on exit), and the
# check helpers that count into n / fails.
Z=${ZHFIX_BIN:?set ZHFIX_BIN to the zhfix binary}
T=$(mktemp -d)
# chmod first: some tests make parts of T read-only.
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
n=0 fails=0
pass() { n=$((n + 1)); }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "FAIL: $*"; }
expect() { # name expected actual
  if [ "$2" == "$3" ]; then pass; else fail "$1: expected [$2], got [$3]"; fi
}
has() { # name file pattern (grep -E)
  if grep -qE -- "$3" "$2"; then pass; else fail "$1: no /$3/ in: $(head -c 600 "$2")"; fi
}
hasnot() {
  if grep -qE -- "$3" "$2"; then fail "$1: unexpected /$3/ in: $(head -c 600 "$2")"; else pass; fi
}
same() { if cmp -s "$2" "$3"; then pass; else fail "$1: $2 and $3 differ"; fi; }
notemp() { # name dir: no temporary file of ours left
  local left
  left=$(find "$2" -name '*.zhfix-*' 2>/dev/null)
  if [ -z "$left" ]; then pass; else fail "$1: temporary files left: $left"; fi
}
run() { "$Z" "$@" > "$T/out" 2> "$T/err"; rc=$?; }
