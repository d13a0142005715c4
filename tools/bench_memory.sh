#!/usr/bin/env bash
# Peak memory of the streaming filter on a 1 GiB input that has no newline
# at all (the worst case for a line-oriented pipeline), and on 1 GiB of
# ordinary lines.  Reports figures; asserts nothing.
# No pipefail: the generators end on SIGPIPE when head has enough.
set -eu
bin=${BUILD:-build}/zhfix
size=${ZHFIX_BENCH_BYTES:-1073741824}
command -v /usr/bin/time >/dev/null || { echo "bench_memory: needs GNU time (apt-get install time)"; exit 0; }
unit=$(printf '中文字符與 ASCII text, 123. ')
for kind in no-newline lines; do
  if [ $kind = lines ]; then
    src() { yes "$unit$unit$unit" | head -c "$size"; }
  else
    src() { yes "$unit" | tr -d '\n' | head -c "$size"; }
  fi
  out=$( { src | /usr/bin/time -f '%M %e' "$bin" --to=trad --script=simp > /dev/null; } 2>&1 | tail -n1 )
  rss=${out% *} secs=${out#* }
  mb=$(awk -v s="$size" -v t="$secs" 'BEGIN { printf "%.1f", (t > 0 ? s / 1048576 / t : 0) }')
  echo "memory: $kind $((size / 1048576)) MiB through --to=trad: peak RSS $((rss / 1024)) MiB, ${secs}s (${mb} MB/s incl. generator)"
done
# Realistic content-farm damage (tools/make_farm_bench.py's 5 MB file, the
# one `make bench` times): its peak RSS is the largest of the bench (issue
# 14: at most 32 MB); --to=simp is the farm bench's own row.
farm=${BUILD:-build}/bench/farm/farm-realistic.txt
if [ ! -e "$farm" ]; then
  ${PYTHON:-python3} tools/make_farm_bench.py "$(dirname "$farm")" --build "${BUILD:-build}" > /dev/null 2>&1 || true
fi
if [ -e "$farm" ]; then
  for to in simp trad keep; do
    rss=$( { /usr/bin/time -f '%M' "$bin" --to=$to < "$farm" > /dev/null; } 2>&1 | tail -n1 )
    echo "memory: realistic farm damage $(($(wc -c < "$farm") / 1000)) KB through --to=$to: peak RSS $(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }') MiB"
  done
else
  echo "memory: realistic farm damage: no $farm (tools/make_farm_bench.py could not build it)"
fi
