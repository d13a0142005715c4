#!/bin/sh
# The lost-byte repair (issue #15) measured on slices of the corpus other
# than the one `make test` gates (tests/test_lost.c: LOST_SKIP 1500000,
# LOST_BUDGET 12000).  The margins were tuned on the slice at the start of
# the corpus files (skip 0).
#
#   tools/lost_heldout.sh [SKIP [BUDGET]]      (after make, make tests corpus)
#   LOST_LATTICE=1 tools/lost_heldout.sh ...   also the lattice alone, with
#                                              the bytes-only ceiling (slow)
#
# 1. Through the command line (tools/lost_cli_score.py): every class's
#    damaged file as one document, --punct=off, mark and guess mode, per
#    class: mark restored / wrong / silent lines, guess right / wrong, and
#    the lossless lines restored exactly; then one mixed document (clean,
#    lossless and lossy lines interleaved): clean lines changed, lossless
#    lines restored.
# 2. With LOST_LATTICE=1, tests/test_lost on the same slice: bytes = the
#    bytes-only ceiling (characters every byte stream consistent with the
#    damaged line agrees on), mark, wrong, guess; % of the original's
#    non-ASCII characters.
set -e
BUILD=${BUILD:-build}
SKIP=${1:-3000000}
BUDGET=${2:-12000}
DIR=$(pwd)/build/lossy/s$SKIP-b$BUDGET
[ -f "$DIR/MANIFEST.tsv" ] || python3 tools/lossy_sim.py --corpus build/corpus --out "$DIR" --skip "$SKIP" --budget "$BUDGET"
nice python3 tools/lost_cli_score.py "$DIR" "$BUILD/zhfix"
nice python3 tools/lost_cli_score.py "$DIR" "$BUILD/zhfix" --mixed 40 \
  --class utf8-as-py-gbk-replace --class utf8-as-py-gbk-ignore --class utf8-as-py-cp1252-replace \
  --class gbk-as-py-big5-replace --class gbk-as-icu-big5-replace --class big5-as-py-gbk-replace
if [ -n "$LOST_LATTICE" ]; then
  ZHFIX_SRCDIR=$(pwd) ZHFIX_CORPUS=$(pwd)/build/corpus ZHFIX_LOSSY_DIR=$DIR LOST_LINES=0 LOST_CLASSES=all \
    LOST_TEST=test_classes nice "$BUILD/tests/test_lost"
fi
