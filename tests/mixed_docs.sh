#!/usr/bin/env bash
# Mixed documents (issue #15, item 4): documents whose lines each carry
# their own damage, from every lossless class of the mojibake stage,
# interleaved with clean lines (tools/mixed_docs.py).  Run on the GATE
# slice of the corpus (the mechanism was studied on the tune slice); the
# share of damaged lines restored exactly, overall and per class, must
# reach the floors of tools/mixed_docs_floors.tsv, and no clean line may
# change.  The same 240 documents (and the 60 of Python's decoders after
# them) under ZHFIX_QUICK=1 (sanitizer builds: about a minute), since the
# floors were measured on them.
set -u
SRC=${ZHFIX_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
Z=${ZHFIX_BIN:-$SRC/build/zhfix}
CORPUS=${ZHFIX_CORPUS:-$SRC/build/corpus}
PY=${PYTHON:-python3}
if [ ! -f "$CORPUS/zh_CN.txt" ] || [ ! -f "$CORPUS/zh_TW.txt" ]; then
  echo "mixed_docs.sh: FAIL: no corpus in $CORPUS (make corpus)"
  exit 1
fi
command -v uconv >/dev/null || { echo "mixed_docs.sh: FAIL: uconv missing (icu-devtools; make deps)"; exit 1; }
docs=240
if "$PY" "$SRC/tools/mixed_docs.py" --slice gate --docs "$docs" --corpus "$CORPUS" --zhfix "$Z" \
     --floors "$SRC/tools/mixed_docs_floors.tsv"; then
  echo "ok - mixed documents"
else
  echo "not ok - mixed documents"
  exit 1
fi
# Do no harm: clean icon-font lines (private use, where a GBK decoder
# leaves Big5's commonest Han) after Big5-as-GBK lines that give the
# document its signature come out unchanged (tools/mixed_docs_icons.py:
# the code points of real icon fonts, tools/mixed_docs_icons.tsv).
if "$PY" "$SRC/tools/mixed_docs_icons.py" --check "$Z"; then
  echo "ok - icon-font lines"
else
  echo "not ok - icon-font lines"
  exit 1
fi
