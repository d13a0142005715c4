#!/usr/bin/env bash
# Review modes (issue 7): --check, --diff (applied back to prove it is a
# correct unified diff), --report=json (parsed back), colour, progress.
set -u
. "$(dirname "$0")/util/cli_lib.sh"

# Applies a unified diff (our own reader, no patch(1) needed) to a file and
# prints the result; fails on any context or removed line that does not match.
cat > "$T/apply.py" << 'EOF'
import re, sys
old = open(sys.argv[1], "rb").read().splitlines(keepends=True)
diff = open(sys.argv[2], "rb").read().splitlines(keepends=True)
want = sys.argv[3].encode()
out, pos, i, cur = [], 0, 0, None
while i < len(diff):
    d = diff[i]
    if d.startswith(b"--- "):
        cur = d[4:].rstrip(b"\n"); i += 2; continue
    m = re.match(rb"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", d)
    if not m:
        sys.exit("bad line in diff: %r" % d)
    if cur != want:
        i += 1
        while i < len(diff) and diff[i][:1] in b" -+\\": i += 1
        continue
    a, ac = int(m.group(1)), int(m.group(2) or 1)
    start = a - 1 if ac else a
    out += old[pos:start]; pos = start
    bc = int(m.group(4) or 1)
    i += 1
    while ac > 0 or bc > 0:
        t, body = diff[i][:1], diff[i][1:]
        i += 1
        if i < len(diff) and diff[i].startswith(b"\\"):
            body = body[:-1]  # the line has no newline in the file
            i += 1
        if t in b" -":
            if pos >= len(old) or old[pos] != body:
                sys.exit("context mismatch at old line %d: %r" % (pos + 1, body))
            pos += 1; ac -= 1
        if t in b" +":
            out.append(body); bc -= 1
        if t not in b" -+":
            sys.exit("bad hunk line %r" % t)
out += old[pos:]
sys.stdout.buffer.write(b"".join(out))
EOF

cd "$T"
printf 'hello\n' > clean1.txt
printf 'nothing to do\n' > clean2.txt
{
  for i in $(seq 1 30); do printf 'line %d stays\n' "$i"; done
  printf '这是简体中文。\n'
  for i in $(seq 31 40); do printf 'line %d stays\n' "$i"; done
  printf '发现一个问题\n'
  printf 'last line without newline 台风'
} > dirty.txt
cp dirty.txt dirty.orig

# --check: nothing written, changed files listed, exit 1
run --check clean1.txt clean2.txt
expect "check clean exit" 0 $rc
expect "check clean output" "" "$(cat out)"
run --check --to=trad clean1.txt dirty.txt clean2.txt
expect "check dirty exit" 1 $rc
expect "check lists the changed file" "dirty.txt" "$(cat out)"
same "check writes nothing" dirty.orig dirty.txt
run --check --to=trad missing.txt dirty.txt
expect "check with an error exit" 2 $rc
"$Z" --check --to=trad < dirty.txt > out; rc=$?
expect "check stdin exit" 1 $rc
expect "check stdin name" "<stdin>" "$(cat out)"

# --diff: a unified diff that turns the input into the output
"$Z" --to=trad dirty.txt > converted.txt
run --diff --to=trad dirty.txt clean1.txt
expect "diff exit" 0 $rc
has "diff header ---" out '^--- dirty.txt$'
has "diff header +++" out '^\+\+\+ dirty.txt$'
has "diff hunk" out '^@@ -[0-9]+,[0-9]+ \+[0-9]+,[0-9]+ @@$'
has "diff removed line" out '^-这是简体中文。$'
has "diff added line" out '^\+這是簡體中文。$'
has "diff no newline marker" out '^\\ No newline at end of file$'
hasnot "diff has no hunk for the clean file" out 'clean1'
hasnot "no colour when not a terminal" out $'\033'
if python3 apply.py dirty.txt out dirty.txt > applied.txt; then
  same "diff applies to give the output" converted.txt applied.txt
else
  fail "diff does not apply"
fi
run --diff --check --to=trad dirty.txt
expect "diff + check exit" 1 $rc
has "diff + check prints the diff" out '^@@ '
run --diff --color=always --to=trad dirty.txt
has "colour when asked" out $'^\033\\[31m-'
has "colour for additions" out $'^\033\\[32m\\+'
# many changed lines (every line), and lines added at the end
for i in $(seq 1 300); do printf '第%d行：简体字\n' "$i"; done > many.txt
"$Z" --to=trad many.txt > many.conv
run --diff --to=trad many.txt
if python3 apply.py many.txt out many.txt > many.applied; then
  same "diff of 300 changed lines applies" many.conv many.applied
else
  fail "diff of 300 changed lines does not apply"
fi

# --report=json: per-file statistics, parsed back
printf 'ab\xffcd\n' > bad.txt
printf '这是简体中文。\n' | iconv -f UTF-8 -t GB18030 > gb.txt
run --report=json --to=trad -o /dev/null dirty.txt clean1.txt bad.txt gb.txt missing.txt
expect "report exit (a missing file)" 2 $rc
# stderr: the messages, then the JSON document
sed -n '/^{/,$p' err > rep.json
python3 - rep.json << 'EOF' || fail "report content"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["zhfix_version"], r
assert r["options"] == {"to": "trad"}, r["options"]
files = {f["file"]: f for f in r["files"]}
assert [f["file"] for f in r["files"]] == ["dirty.txt", "clean1.txt", "bad.txt", "gb.txt", "missing.txt"]
d = files["dirty.txt"]
assert d["status"] == "changed" and d["encoding"] == "utf-8" and d["converted_to_utf8"] is False, d
assert d["stats"]["chars_converted"] >= 6, d["stats"]
assert d["stats"]["bytes_in"] > 0 and "repairs" in d and isinstance(d["unrecoverable"], list), d
assert files["clean1.txt"]["status"] == "unchanged"
b = files["bad.txt"]
assert b["stats"]["invalid_sequences"] == 1 and b["first_invalid_offset"] == 2, b
assert any("byte 2" in m for m in b["messages"]), b
g = files["gb.txt"]
assert g["encoding"] == "gb18030" and g["converted_to_utf8"] is True, g
m = files["missing.txt"]
assert "encoding" not in m and "stats" not in m, m
assert m["status"] == "error" and "No such file" in m["messages"][0], m
t = r["totals"]
assert t == {"files": 5, "changed": 3, "errors": 1, "skipped": 0}, t
EOF
pass
run --report-file=r2.json --to=trad dirty.txt
python3 -m json.tool r2.json > /dev/null && pass || fail "--report-file is valid JSON"
run --report=json --report-file=- --check --to=trad clean1.txt
python3 -m json.tool out > /dev/null && pass || fail "--report-file=- is valid JSON on stdout"

# progress: nothing when stderr is not a terminal, unless asked
for i in 1 2 3; do cp dirty.txt p$i.txt; done
run --check p1.txt p2.txt p3.txt
hasnot "no progress when stderr is not a terminal" err 'files'
yes '这是简体中文,测试...' | head -n 150000 > big.txt
run --check --progress=always big.txt big.txt big.txt big.txt
has "progress when asked" err '4 files'
has "progress line is cleared at the end" err $'\r\033\\[K$'
if command -v script > /dev/null; then
  script -qec "$Z --check big.txt big.txt big.txt big.txt" /dev/null > tty.out 2>&1
  has "progress on a terminal" tty.out 'files'
  has "progress shows the rate" tty.out '/s'
fi

echo "$(basename "$0"): $n checks, $fails failed"
[ "$fails" -eq 0 ]
