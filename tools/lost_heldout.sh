#!/bin/sh
# The lost-byte lattice (src/lost.c, issue #15) measured on slices of the
# corpus other than the one `make test` gates (tests/test_lost.c: LOST_SKIP
# 1500000, LOST_BUDGET 12000).  The margins were tuned on the slice at the
# start of the corpus files (skip 0); this prints the per-class table for
# any slice:
#
#   tools/lost_heldout.sh [SKIP [BUDGET]]      (after make tests corpus)
#
# Columns: bytes = the bytes-only ceiling (characters every byte stream
# consistent with the damaged line agrees on), mark = restored by the
# default mode, wrong = unmarked characters that are wrong, marked, and
# the same for guess mode; all in % of the original's non-ASCII characters.
set -e
BUILD=${BUILD:-build}
SKIP=${1:-3000000}
BUDGET=${2:-60000}
ZHFIX_SRCDIR=$(pwd) ZHFIX_CORPUS=$(pwd)/build/corpus LOST_SKIP=$SKIP LOST_BUDGET=$BUDGET LOST_LINES=0 LOST_CLASSES=all \
  LOST_TEST=test_classes nice "$BUILD/tests/test_lost"
