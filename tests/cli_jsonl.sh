#!/usr/bin/env bash
# JSON Lines (issue 7): --jsonl[=FIELD] cleans one string field per record
# and keeps every other byte of the line; invalid lines are reported with
# their line number and passed through, or rejected with --strict.
set -u
. "$(dirname "$0")/util/cli_lib.sh"
cd "$T"

# Records as (prefix, value, suffix): the value's JSON spelling is known, so
# the check can demand that prefix and suffix survive byte for byte.
cat > gen.py << 'EOF'
import json, sys
recs = [
    ('{"id": 1, "text": ', "这是简体中文。", ', "tags": ["a", "b"]}'),
    ('{"text":', "发现一个问题", ',"id":2}'),
    ('{ "meta" : {"text": "nested, not cleaned: 简体"}, "n": 1.50e+10, "text" : ', "台风来了", ' }'),
    ('{"url":"http:\\/\\/example.com\\/a","esc":"tab\\there \\u00e9","text":', "汉字\\n第二行", '}'),
    ('{"te\\u0078t": ', "体育", ', "z": null, "b": true}'),
    ('{"id":7,"text":', "nothing to change here", '}'),
    ('{"text":', "\\u8fd9\\u662f\\u7b80\\u4f53", ',"ascii":1}'),
    ('{"text":', "nul\\u0000inside 简体", '}'),
]
with open(sys.argv[1], "w", encoding="utf-8", newline="") as f, open(sys.argv[2], "w") as m:
    for r in recs:
        pre, val, suf = r
        raw = '"' + val + '"'
        f.write(pre + raw + suf + "\n")
        m.write(json.dumps([pre, suf]) + "\n")
EOF
python3 gen.py in.jsonl meta.jsonl
# Oddities passed through: appended as lines 9..16
{
  printf 'not json at all\n'
  printf '{"text": "unterminated\n'
  printf '[1, 2, 3]\n'
  printf '{"text": 42, "other": "简体"}\n'
  printf '{"other": "简体 no text field"}\n'
  printf '\n'
  printf '{"text":"CRLF 简体"}\r\n'
  printf '{"text":"last line without newline 简体"}'
} > odd.part
cat in.jsonl odd.part > all.jsonl

run --jsonl --to=trad all.jsonl
expect "jsonl exit" 0 $rc
expect "same number of lines" "$(wc -l < all.jsonl)" "$(wc -l < out)"
has "invalid line reported with its number" err '^zhfix: all.jsonl: line 9: invalid JSON: '
has "unterminated string reported" err '^zhfix: all.jsonl: line 10: invalid JSON'
has "non-object reported" err '^zhfix: all.jsonl: line 11: not a JSON object$'
expect "three lines reported" 3 "$(wc -l < err)"

# every cleaned record: prefix and suffix byte-identical, value = zhfix's
# output for the value alone; every other line byte-identical
python3 - all.jsonl out meta.jsonl "$Z" << 'EOF' || fail "byte identity of the records"
import json, subprocess, sys
src = open(sys.argv[1], "rb").read().split(b"\n")
got = open(sys.argv[2], "rb").read().split(b"\n")
meta = [json.loads(l) for l in open(sys.argv[3])]
assert len(src) == len(got), (len(src), len(got))
for i, (pre, suf) in enumerate(meta):
    pre, suf, line = pre.encode(), suf.encode(), got[i]
    assert line.startswith(pre) and line.endswith(suf), (i + 1, line)
    value = json.loads(line[len(pre):len(line) - len(suf)])
    orig = json.loads(src[i][len(pre):len(src[i]) - len(suf)])
    want = subprocess.run([sys.argv[4], "--to=trad", "--from=utf-8", "--force"], input=orig.encode(),
                          capture_output=True).stdout.decode()
    assert value == want, (i + 1, value, want)
    if value == orig:
        assert line == src[i], ("unchanged value must keep the line", i + 1)
for i in range(len(meta), len(src)):
    if i + 1 <= 14:  # invalid, not an object, a number, no field, blank
        assert got[i] == src[i], i + 1
assert got[14] == b'{"text":"CRLF \xe7\xb0\xa1\xe9\xab\x94"}\r', got[14]
assert got[15] == '{"text":"last line without newline 簡體"}'.encode(), got[15]
# an all-ASCII escaped value stays all-ASCII, in the original's hex case
assert b'\\u9019\\u662f\\u7c21\\u9ad4' in got[6], got[6]
EOF
pass

# --strict: invalid lines are rejected (left out), exit 2
run --jsonl --strict --to=trad all.jsonl
expect "strict exit" 2 $rc
expect "strict drops the 3 invalid lines" $(($(wc -l < all.jsonl) - 3)) "$(wc -l < out)"
has "strict summary" err 'all.jsonl: 3 invalid lines rejected \(--strict\)'

# a repeated key: the last one is the value (as jansson reads it)
printf '{"text":"简体","text":"简体"}\n' > dup.jsonl
run --jsonl --to=trad dup.jsonl
expect "repeated key: the last is cleaned" '{"text":"简体","text":"簡體"}' "$(cat out)"

# another field, and the report
printf '{"text":"简体","content":"简体中文"}\n' > f.jsonl
run --jsonl=content --to=trad f.jsonl
expect "--jsonl=FIELD" '{"text":"简体","content":"簡體中文"}' "$(cat out)"
run --jsonl --to=trad --report=json --report-file=rep.json all.jsonl
python3 - rep.json << 'EOF' || fail "jsonl report"
import json, sys
f = json.load(open(sys.argv[1]))["files"][0]
assert f["lines"] == 16, f
assert f["invalid_lines"] == 3 and f["invalid_line_numbers"] == [9, 10, 11], f
assert f["records_field_not_string"] == 1 and f["records_without_field"] == 1, f
assert f["records_changed"] >= 8, f
assert f["stats"]["chars_converted"] > 10, f
EOF
pass

# --check, stdin, -j over several files
run --jsonl --check --to=trad all.jsonl f.jsonl
expect "jsonl check exit" 1 $rc
"$Z" --jsonl --to=trad < all.jsonl > stdin.out 2> /dev/null
run --jsonl --to=trad all.jsonl
same "stdin and file agree" out stdin.out
for i in 1 2 3 4 5; do cp all.jsonl p$i.jsonl; done
"$Z" --jsonl --to=trad p1.jsonl p2.jsonl p3.jsonl p4.jsonl p5.jsonl > j1 2> e1
"$Z" --jsonl --to=trad -j 3 p1.jsonl p2.jsonl p3.jsonl p4.jsonl p5.jsonl > j3 2> e3
same "jsonl -j stdout" j1 j3
same "jsonl -j stderr" e1 e3
# -j on one stream spreads the records over threads: same bytes, same
# messages (the first 20 of 30 invalid lines, then a count), same report
python3 - big.jsonl << 'EOF'
import json, sys
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for i in range(3000):
        if i % 100 == 7:
            f.write('{"broken": \n')
        else:
            f.write(json.dumps({"id": i, "text": "第%d条：简体中文,测试..." % i}, ensure_ascii=i % 2 == 0) + "\n")
EOF
"$Z" --jsonl --mojibake=off --to=trad --report-file=b1.json < big.jsonl > b1 2> be1; rc1=$?
"$Z" --jsonl --mojibake=off --to=trad -j 3 --report-file=b3.json < big.jsonl > b3 2> be3; rc3=$?
expect "records in parallel: exit" "$rc1" "$rc3"
same "records in parallel: stdout" b1 b3
same "records in parallel: stderr" be1 be3
same "records in parallel: report" b1.json b3.json
expect "records in parallel: 20 messages and a count" 21 "$(wc -l < be3)"
has "records in parallel: the count" be3 '^zhfix: <stdin>: 10 more lines with problems'
expect "records in parallel: all lines" 3000 "$(wc -l < b3)"

# the cleaned value's buffer is kept from record to record: values of
# very different sizes in turn (one of 4.8 MB, whose buffer is not kept,
# one empty, ASCII ones whose output fills four bytes a character less)
# each come out as zhfix cleans them alone
python3 - sizes.jsonl << 'EOF'
import json, sys
vals = ["简体中文，测试。" * 200000, "体育", "", "ascii only (a) line? " * 500, "发现",
        "中" * 5000 + "x" * 70000, "台风", "a"]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for v in vals:
        f.write(json.dumps({"text": v}, ensure_ascii=False) + "\n")
EOF
run --jsonl --to=trad sizes.jsonl
expect "records of many sizes: exit" 0 $rc
python3 - sizes.jsonl out "$Z" << 'EOF' || fail "records of many sizes"
import json, subprocess, sys
src = open(sys.argv[1], encoding="utf-8").read().splitlines()
got = open(sys.argv[2], encoding="utf-8").read().splitlines()
assert len(src) == len(got) == 8, (len(src), len(got))
for s, g in zip(src, got):
    v = json.loads(s)["text"]
    want = subprocess.run([sys.argv[3], "--to=trad", "--from=utf-8", "--force"], input=v.encode(),
                          capture_output=True).stdout.decode()
    assert json.loads(g)["text"] == want, (len(v), len(want))
EOF
pass

# in place
cp all.jsonl ip.jsonl
run --jsonl -i --to=trad ip.jsonl
"$Z" --jsonl --to=trad all.jsonl > ip.want 2> /dev/null
same "jsonl in place" ip.want ip.jsonl

echo "$(basename "$0"): $n checks, $fails failed"
[ "$fails" -eq 0 ]
