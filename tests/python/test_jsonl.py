"""zhfix.jsonl gives byte for byte what `zhfix --jsonl` writes, and reports
the same lines as invalid (passed through, not dropped)."""
import json
import os
import pathlib
import subprocess
import sys

import pytest

from zhfix.jsonl import JsonlCleaner, Line, clean_file
from conftest import CORPUS, SRCDIR, ZHFIX_BIN, cli_args_to_options

T = b'"\\u9019,\\u662f"'   # a value the cleaning changes ("這,是")

EDGE = [
    b'{"text": "\xe9\x80\x99\xe6\x98\xaf,\xe6\xb8\xac\xe8\xa9\xa6"}',
    b'{"id":1,"text":"\\u9019\\u662f,\\u6e2c\\u8a66"}',               # escapes, lower case
    b'{"id":1,"text":"\\u9019\\u662F,\\u6e2c\\u8a66"}',               # upper case decides
    b'{"id":1,"text":"\\u9019\\u662f,\\u6e2c\\u8a66\\u007f"}',         # DEL
    b'{"id":1,"text":"\\u9019\\u662f,\\u6e2c\\u8a66\\u001f\\u0001"}',   # controls
    b'{"id":1,"text":"\xe9\x80\x99,\\u001f\\u0001\\u000b\x7f \\\\u00e9 \\/ \\"q\\""}\r',
    b'{"id":1,"text":"\xf0\x9f\x98\x80 \xe9\x80\x99,\xe6\x98\xaf"}',   # astral, raw
    b'{"id":1,"text":"\\ud83d\\ude00 \\u9019,\\u662f"}',               # astral, escaped
    b'{"id":1,"text":"\\ud83d \\u9019,\\u662f"}',                      # lone high surrogate
    b'{"id":1,"text":"\\ude00 \\u9019,\\u662f"}',                      # lone low surrogate
    b'{"id":1,"text":"\\u0000 \\u9019,\\u662f"}',                      # NUL in the value
    b'{"id\\u0000":1,"text":' + T + b'}',                             # NUL in a key
    b'{"a":{"b\\u0000":1},"text":' + T + b'}',
    b'{"a":[{"b":"\\udc00"}],"text":' + T + b'}',
    b'{"id":NaN,"text":' + T + b'}',
    b'{"id":Infinity,"text":' + T + b'}',
    b'{"id":-Infinity,"text":' + T + b'}',
    b'{"id":9223372036854775807,"text":' + T + b'}',
    b'{"id":9223372036854775808,"text":' + T + b'}',
    b'{"id":-9223372036854775808,"text":' + T + b'}',
    b'{"id":-9223372036854775809,"text":' + T + b'}',
    b'{"id":1e400,"text":' + T + b'}',
    b'{"id":1e-400,"text":' + T + b'}',
    b'{"id":01,"text":' + T + b'}',
    b'{"id":1.,"text":' + T + b'}',
    b'{"id":1,"text":' + T + b',}',
    b'{"id":1,"text":' + T + b'} x',
    b'{"id":1,"text":' + T + b'}   ',
    b'  {"id":1 , "text" : ' + T + b' }',
    b'["text", ' + T + b']',
    b'"text"',
    b'5',
    b'',
    b'   \t\r',
    b'{"id":1}',
    b'{"text":5}',
    b'{"text":null}',
    b'{"text":"a","text":' + T + b'}',                                # the last one counts
    b'{"text":' + T + b',"text":"a"}',
    b'{"te\\u0078t":' + T + b'}',                                     # an escaped key
    b'{"text":"\xff\xfe"}',                                           # not UTF-8
    b'\xef\xbb\xbf{"text":' + T + b'}',                               # a BOM
    b'{"text":"tab\there"}',                                          # raw control
    b'{"text":"\\x"}',
    b'{"text":"\\u12"}',
    b'{"a":' + b'[' * 1500 + b']' * 1500 + b',"text":' + T + b'}',
    b'{"a":' + b'[' * 2047 + b']' * 2047 + b',"text":' + T + b'}',      # 2048 levels: fine
    b'{"a":' + b'[' * 2046 + b'1' + b']' * 2046 + b',"text":' + T + b'}',
    b'{"a":' + b'[' * 2047 + b'1' + b']' * 2047 + b',"text":' + T + b'}',  # 2049: too deep
    b'{"a":' + b'[' * 3000 + b']' * 3000 + b',"text":' + T + b'}',
    b'{"a":"\\u00e9\\u00E9","text":"caf\xc3\xa9 \xe9\x80\x99,\xe6\x98\xaf \\u00e9"}',
    b'{"text":"\\u00e9 \\u9019,\\u662F"}',
    b'{"text":"\\"\\u9019\\", \\u662f"}',
    b'{}', b'{ }', b'{"text":"a" "b"}', b'{"text" "a"}', b'{"text":}', b'{', b'{"a":1,}',
    b'{"id":1,"text":' + T + b'}\r\r',
    b'{"id":1,"text":"x"}\x00',
    b'{"text":"\xe4\xb8\xad\xe6\x96\x87 abc\xc2\xa0, def", "title": ' + T + b'}',
    b'{"id":1,"text":' + T + b'}',                                      # last, no newline
]
EDGE_DATA = b"\n".join(EDGE)

OPTION_SETS = [[], ["--to=simp"], ["--to=trad", "--punct=off"], ["--spacing", "--quotes=corner"],
               ["--to=tw", "--jsonl=title"]]


@pytest.mark.parametrize("args", OPTION_SETS, ids=lambda a: " ".join(a) or "defaults")
def test_edge_lines_like_cli(zhfix_bin, args, tmp_path):
    src = tmp_path / "edge.jsonl"
    src.write_bytes(EDGE_DATA)
    out = tmp_path / "cli.jsonl"
    field = "text"
    rest = [a for a in args if not a.startswith("--jsonl")]
    if len(rest) != len(args):
        field = [a for a in args if a.startswith("--jsonl")][0].split("=", 1)[1]
    r = subprocess.run([ZHFIX_BIN, f"--jsonl={field}", f"--report-file={tmp_path}/rep.json",
                        "-o", str(out), *rest, str(src)], capture_output=True)
    assert r.returncode == 0, r.stderr
    report = json.loads(pathlib.Path(tmp_path / "rep.json").read_text())["files"][0]
    lines = list(clean_file(str(src), field, **cli_args_to_options(rest)))
    assert len(lines) == len(EDGE)                        # nothing dropped
    assert [l.lineno for l in lines] == list(range(1, len(EDGE) + 1))
    ours = b"".join(l.line + b"\n" * l.newline for l in lines)
    assert ours == out.read_bytes()
    problems = [l.lineno for l in lines if l.problem]
    assert problems == report["invalid_line_numbers"]
    assert len(problems) == report["invalid_lines"] > 20
    assert sum(l.status == "changed" for l in lines) == report["records_changed"]
    assert sum(l.status == "no_field" for l in lines) == report["records_without_field"]
    assert sum(l.status == "not_string" for l in lines) == report["records_field_not_string"]
    assert sum(l.status != "blank" for l in lines) == report["records"]
    # the CLI prints one message per problem line (the first 20); ours name
    # the same file and line
    err = r.stderr.decode()
    for l in [x for x in lines if x.problem][:20]:
        assert f"{src}: line {l.lineno}: " in err
        assert l.report().startswith(f"zhfix: {src}: line {l.lineno}: ")


def test_depth_limit():
    c = JsonlCleaner(to="simp")
    ok = b'{"a":' + b'[' * 2047 + b']' * 2047 + b',"text":' + T + b'}'
    deep = b'{"a":' + b'[' * 2048 + b']' * 2048 + b',"text":' + T + b'}'
    assert c.clean_line(ok)[1] == "changed"
    assert c.clean_line(deep)[1:] == ("invalid", "invalid JSON: maximum parsing depth reached")


@pytest.fixture(scope="module")
def slice_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("jsonl")
    sys.path.insert(0, os.path.dirname(__file__))
    import make_jsonl_corpus
    return make_jsonl_corpus.build(CORPUS, os.path.join(SRCDIR, "data", "samples"), str(d),
                                   megabytes=2, files=1)[0]


@pytest.mark.parametrize("args", [[], ["--to=simp"]], ids=["defaults", "simp"])
def test_corpus_slice_like_cli(zhfix_bin, slice_file, args, tmp_path):
    out = tmp_path / "cli.jsonl"
    r = subprocess.run([ZHFIX_BIN, "--jsonl", "-q", f"--report-file={tmp_path}/rep.json",
                        "-o", str(out), *args, slice_file], capture_output=True)
    assert r.returncode == 0, r.stderr
    report = json.loads(pathlib.Path(tmp_path / "rep.json").read_text())["files"][0]
    lines = list(clean_file(slice_file, **cli_args_to_options(args)))
    assert b"".join(l.line + b"\n" * l.newline for l in lines) == out.read_bytes()
    assert [l.lineno for l in lines if l.problem] == report["invalid_line_numbers"]
    assert report["records_changed"] > 100 and report["invalid_lines"] > 0


def test_line_object():
    l = Line("f.jsonl", 3, b'{"text":"x"}', True, "invalid", "not a JSON object")
    assert l.problem and l.text == '{"text":"x"}'
    assert l.report() == "zhfix: f.jsonl: line 3: not a JSON object"
    c = JsonlCleaner(encoding="gbk", force=False, to="simp")
    assert c.fixer.options["encoding"] == "utf-8"     # as zhfix --jsonl: values are UTF-8
