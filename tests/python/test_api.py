"""The Python API: results, options, statistics, spans, warnings, errors."""
import io
import json
import pathlib
import pickle

import pytest

import zhfix
from conftest import SRCDIR, run_cli

SIMP_IN = "這是简体中文,测试。"


def test_version_and_names(zhfix_bin):
    assert zhfix.library_version == zhfix.__version__
    out = run_cli(["--version"], b"").stdout.decode()
    assert out.startswith("zhfix " + zhfix.library_version)
    names = zhfix.stat_names()
    assert names[:3] == ("bytes_in", "bytes_out", "invalid_sequences")
    assert len(set(names)) == len(names)
    # the same names as the CLI's report (its stats and repairs)
    rep = json.loads(run_cli(["--report-file=-", "-o", "/dev/null"], b"abc\n").stdout)
    f = rep["files"][0]
    counters = set(f["stats"]) | set(f["repairs"])
    assert counters <= set(names)                         # every counter the CLI reports
    assert set(names) <= counters | set(f)                # the rest are the entry's own keys


def test_fix_str_and_bytes():
    assert zhfix.fix(SIMP_IN, to="simp") == "这是简体中文，测试。"
    data = SIMP_IN.encode("utf-8")
    assert zhfix.fix(data, to="simp") == "这是简体中文，测试。"
    assert zhfix.fix(bytearray(data), to="simp") == "这是简体中文，测试。"
    assert zhfix.fix(memoryview(data), to="simp") == "这是简体中文，测试。"
    f = zhfix.Fixer(to="trad")
    assert f.fix_bytes(data) == f.fix(SIMP_IN) == "這是簡體中文，測試。"
    # GBK bytes, detected
    gbk = "中文的测试文本，这是一段。".encode("gbk")
    assert f.fix(gbk) == "中文的測試文本，這是一段。"
    assert f.encoding == "gb18030"
    assert zhfix.fix("") == "" and zhfix.fix(b"") == ""


def test_options_reach_the_library():
    text = "他说:\"好的\"……在LeanCloud上"
    f = zhfix.Fixer(quotes="corner", spacing=True)
    assert f.fix(text) == run_cli(["--quotes=corner", "--spacing"], text.encode()).stdout.decode()
    assert zhfix.Fixer(punct=False).fix(text) == text
    assert zhfix.Fixer(punct="off").fix(text) == text
    assert zhfix.Fixer(punct=0).fix(text) == text
    # encoding= is the library's "from"; from_ and "from" too
    big5 = "繁體中文的測試".encode("big5")
    for kw in ({"encoding": "big5"}, {"from_": "big5"}, {"from": "big5"}):
        f = zhfix.Fixer(**kw)
        assert f.fix(big5) == "繁體中文的測試"
        assert f.encoding == "big5"


def test_only_given_options_are_sent():
    # A keyword left out is not sent (the library's default applies, and a
    # library without the option works); one given is sent, even when it
    # spells the default.
    assert zhfix.Fixer().options == {}
    assert zhfix.Fixer(to="keep", punct=None).options == {"to": "keep"}
    assert zhfix.Fixer(quotes="auto", encoding="auto").options == {"quotes": "auto",
                                                                   "encoding": "auto"}
    import inspect
    sig = inspect.signature(zhfix.Fixer)
    assert sig.parameters["fmt"].default == "auto" and sig.parameters["to"].default == "keep"
    assert inspect.signature(zhfix.fix).parameters["script"].default == "auto"


def test_option_errors():
    with pytest.raises(zhfix.OptionError) as e:
        zhfix.Fixer(to="klingon")
    assert isinstance(e.value, ValueError) and isinstance(e.value, zhfix.Error)
    assert e.value.status == -2 and e.value.message == "invalid argument"
    assert e.value.option == "to" and e.value.value == "klingon"
    assert "'klingon'" in str(e.value) and "'to'" in str(e.value)
    with pytest.raises(ValueError, match="unknown option 'too'.*did you mean 'to'"):
        zhfix.Fixer(too="simp")
    with pytest.raises(ValueError, match="invalid value 'maybe' for option 'punct'"):
        zhfix.fix("x", punct="maybe")
    with pytest.raises(ValueError, match="encoding.*library option 'from'"):
        zhfix.Fixer(encoding="latin9")
    with pytest.raises(ValueError, match="NUL"):
        zhfix.Fixer(to="simp\0")
    with pytest.raises(TypeError, match="option to"):
        zhfix.Fixer(to=["simp"])
    with pytest.raises(TypeError):
        zhfix.Fixer("simp")  # options are keywords only


def test_new_options_pass_through():
    """Any keyword goes to zhfix_set_option_string by name: an option the
    library has is accepted without a binding change, one it has not is
    an OptionError naming it."""
    f = zhfix.Fixer(strict="on", force="yes")   # existing options, given as strings
    assert f.options == {"strict": "on", "force": "yes"}
    with pytest.raises(zhfix.OptionError) as e:
        zhfix.Fixer(no_such_option="x")
    assert e.value.option == "no_such_option"
    # fmt maps to the library's "format": either the library knows it (a
    # bad value is refused as such) or it does not (said so).
    with pytest.raises(zhfix.OptionError, match="fmt.*'format'"):
        zhfix.Fixer(fmt="no-such-format")
    with pytest.raises(zhfix.OptionError, match="invalid value 'latin9' for option 'from'"):
        zhfix.Fixer(**{"from": "latin9"})


def test_stats_spans_warnings():
    f = zhfix.Fixer()
    out = f.fix(b"abc\xff\xfe def \xe4\xb8\xad\xe6\x96\x87\n")
    s = f.stats
    assert list(s) == list(zhfix.stat_names())
    assert s["bytes_in"] == 17 and s["bytes_out"] == len(out.encode())
    assert s["invalid_sequences"] >= 1
    w = f.warnings
    assert isinstance(w[0], zhfix.InvalidBytesWarning) and isinstance(w[0], UserWarning)
    assert w[0].offset == s["first_invalid_offset"] and w[0].count == s["invalid_sequences"]
    assert w[0].encoding == f.encoding
    # the CLI prints the same message
    err = run_cli([], b"abc\xff\xfe def \xe4\xb8\xad\xe6\x96\x87\n").stderr.decode()
    assert str(w[0]) in err
    spans = f.spans
    assert len(spans) == s["unrecoverable_spans"]
    for sp, wu in zip(spans, w[1:]):
        assert isinstance(sp, zhfix.Span) and wu.offset == sp.offset and wu.length == sp.length
    # a clean document: nothing to report, stats of that document only
    f.fix("干净的文本。")
    assert f.warnings == [] and f.spans == [] and f.stats["invalid_sequences"] == 0
    assert f.stats["first_invalid_offset"] == 2**64 - 1
    assert f.script == "simp" and f.encoding == "utf-8"


def test_unrecoverable_spans_match_cli():
    data = pathlib.Path(SRCDIR, "data", "samples", "000_22c49fc42f219c9f.txt").read_bytes()
    f = zhfix.Fixer(to="simp")
    f.fix(data)
    rep = json.loads(run_cli(["--to=simp", "--report-file=-", "-o", "/dev/null"], data).stdout)
    want = [zhfix.Span(x["offset"], x["length"]) for x in rep["files"][0]["unrecoverable"]]
    assert f.spans == want
    assert f.stats["unrecoverable_spans"] == rep["files"][0]["stats"]["unrecoverable_spans"]


def test_errors_carry_status_and_message():
    with pytest.raises(zhfix.BinaryInputError) as e:
        zhfix.fix(b"PK\x03\x04\x00\x00binary")
    assert e.value.status == -4 and e.value.message == "input looks binary (NUL bytes)"
    assert "force=True" in str(e.value)
    assert zhfix.fix(b"a\x00b", force=True) == run_cli(["--force"], b"a\x00b").stdout.decode()
    with pytest.raises(zhfix.BadInputError) as e:
        zhfix.fix(b"caf\xc3\xa9 \xff\xfe\xfd ok " + "中文".encode() * 50, strict=True,
                  encoding="utf-8")
    assert e.value.status == -3 and e.value.offset == 6 and e.value.encoding == "utf-8"
    assert isinstance(e.value, ValueError)
    assert "byte 6" in str(e.value)
    # the handle is usable after an error
    f = zhfix.Fixer(strict=True, encoding="utf-8")
    with pytest.raises(zhfix.BadInputError):
        f.fix(b"\xff")
    assert f.fix("好") == "好"


def test_fixer_lifecycle():
    f = zhfix.Fixer(to="simp", punct=False)
    assert repr(f) == "zhfix.Fixer(to='simp', punct='off')"
    g = pickle.loads(pickle.dumps(f))
    assert g.options == f.options and g.fix("這是,") == f.fix("這是,") == "这是,"
    with zhfix.Fixer() as h:
        assert h.fix("x") == "x"
    with pytest.raises(ValueError, match="closed"):
        h.fix("x")
    h.close()  # twice is fine


def test_fix_stream_text_and_binary_out():
    data = ("第一行,测试。\n" * 5000).encode("gbk")
    f = zhfix.Fixer(to="trad")
    want = f.fix(data)
    out = io.StringIO()
    assert f.fix_stream(io.BytesIO(data), out) == len(data)
    assert out.getvalue() == want
    bout = io.BytesIO()
    f.fix_stream(io.BufferedReader(io.BytesIO(data)), bout, chunk_size=7)
    assert bout.getvalue() == want.encode()
    assert f.encoding == "gb18030" and f.stats["bytes_in"] == len(data)
    with pytest.raises(TypeError, match="binary mode"):
        f.fix_stream(io.StringIO("text"), io.StringIO())


def test_surrogates():
    # surrogateescape'd bytes go back to the library as those bytes
    raw = "中文".encode("gbk") * 20
    s = raw.decode("utf-8", "surrogateescape")
    assert zhfix.fix(s) == zhfix.fix(raw) == "中文" * 20
    # other lone surrogates are invalid UTF-8 to the library
    out = zhfix.fix("a\ud800b")
    assert out == zhfix.fix(b"a\xed\xa0\x80b") == run_cli([], b"a\xed\xa0\x80b").stdout.decode()
    assert "\ufffd" in out and "\ud800" not in out


def test_wrong_types():
    with pytest.raises(TypeError):
        zhfix.fix(123)
    with pytest.raises(TypeError):
        zhfix.fix(None)
    with pytest.raises(TypeError):
        zhfix.Fixer().fix_bytes("str is not bytes")
