#!/usr/bin/env bash
# Millions of short records (issue 14): JSON Lines of at least 1,000,000
# records of about 100 characters each, cut from the corpus text
# (build/corpus zh_CN, zh_TW, fortunes, mixed, repeated as needed), through
# `zhfix --jsonl`, against the same text as one plain file (one record a
# line) through `zhfix`; every stage on, default options, one thread.
# Prints the CPU time and throughput of each (text bytes per CPU second) and
# their ratio [target: JSON Lines >= 70% of plain], then the cost of a
# handle a record (tools/bench_handle.c) [target < 50 us].
# Reports figures; asserts nothing.  Run by `make bench`; BUILD selects
# the build, ZHFIX_BENCH_RECORDS the number of records.
set -euo pipefail
build=${BUILD:-build}
bin=$build/zhfix
corpus=${ZHFIX_CORPUS:-build/corpus}
work=${ZHFIX_BENCH_DIR:-build/bench}
nrec=${ZHFIX_BENCH_RECORDS:-1000000}
mkdir -p "$work"
[ -x "$bin" ] || { echo "bench_records: $bin missing (make all)"; exit 1; }
[ -x /usr/bin/time ] || { echo "bench_records: needs GNU time (apt-get install time)"; exit 1; }

# records.txt: one ~100-character record a line; records.jsonl: the same
# texts as {"id": N, "text": "..."}.
if [ ! -f "$work/records.$nrec.jsonl" ]; then
  python3 - "$corpus" "$nrec" "$work/records.$nrec" <<'EOF'
import json, sys
corpus, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
text = []
for name in ("zh_CN", "zh_TW", "fortunes", "mixed"):
    with open("%s/%s.txt" % (corpus, name), encoding="utf-8", errors="replace") as f:
        # a record is prose: the lines joined, blank runs dropped
        text.append(" ".join(l.strip() for l in f if l.strip()))
text = " ".join(text)
recs = [text[i:i + 100] for i in range(0, len(text) - 100, 100)]
with open(out + ".txt", "w", encoding="utf-8") as t, open(out + ".jsonl", "w", encoding="utf-8") as j:
    for k in range(n):
        r = recs[k % len(recs)]
        t.write(r + "\n")
        j.write(json.dumps({"id": k, "text": r}, ensure_ascii=False) + "\n")
EOF
fi
txt=$work/records.$nrec.txt jl=$work/records.$nrec.jsonl
size=$(stat -c %s "$txt")

# $1 input, then the command: sets cpu (user + system seconds) and rss (KiB)
run() {
  local in=$1 r; shift
  r=$( { /usr/bin/time -f '%U %S %M' "$@" < "$in" > /dev/null; } 2>&1 | tail -n1 )
  read -r u s rss <<< "$r"
  cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
}
run "$txt" "$bin" -q
p_cpu=$cpu p_rss=$rss
run "$jl" "$bin" -q --jsonl
j_cpu=$cpu j_rss=$rss
mbps() { awk -v s="$size" -v t="$1" 'BEGIN { printf "%.1f", (t > 0 ? s / 1e6 / t : 0) }'; }
printf 'records: %d records of ~100 characters (%d MB of text): plain %s MB/s (%ss CPU, RSS %d MiB) | --jsonl %s MB/s (%ss CPU, RSS %d MiB) | jsonl/plain %s%% [target >= 70%%]\n' \
  "$nrec" $((size / 1000000)) "$(mbps "$p_cpu")" "$p_cpu" $((p_rss / 1024)) \
  "$(mbps "$j_cpu")" "$j_cpu" $((j_rss / 1024)) \
  "$(awk -v a="$p_cpu" -v b="$j_cpu" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }')"

# The cost of a handle a record, through the library.
cc -std=c11 -O2 -Iinclude -o "$work/bench_handle" tools/bench_handle.c "$build/libzhfix.a" \
  $(PKG_CONFIG_PATH="$build" pkg-config --static --libs-only-l zhfix-uninstalled | sed 's/-lzhfix//')
"$work/bench_handle" "$txt" "${ZHFIX_BENCH_HANDLES:-100000}"
