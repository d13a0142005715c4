"""Bad input: invalid bytes, binary data, wrong option names and values, odd
streams.  Every case: a clear exception or the CLI's result, nothing lost."""
import io
import os

import pytest

import zhfix
from conftest import run_cli

INVALID = [
    b"\xff",
    b"abc\xff\xfedef",
    "中文".encode() + b"\xe4\xb8" + " 结尾".encode(),          # truncated sequence
    b"\xc0\xaf overlong",
    b"\xed\xa0\x80 surrogate",
    b"\xf4\x90\x80\x80 beyond U+10FFFF",
    ("中文" * 40000).encode() + b"\x80" + ("后" * 10).encode(),  # after the detection window
    b"\x80" * 1000,
]


@pytest.mark.parametrize("data", INVALID, ids=range(len(INVALID)))
def test_invalid_bytes_like_cli(zhfix_bin, data):
    f = zhfix.Fixer()
    got = f.fix(data)
    cli = run_cli([], data)
    assert got.encode() == cli.stdout
    w = [x for x in f.warnings if isinstance(x, zhfix.InvalidBytesWarning)]
    if f.stats["invalid_sequences"]:
        assert len(w) == 1 and str(w[0]) in cli.stderr.decode()
    else:
        assert not w and "U+FFFD" not in cli.stderr.decode()


@pytest.mark.parametrize("data", INVALID, ids=range(len(INVALID)))
def test_invalid_bytes_strict(zhfix_bin, data):
    f = zhfix.Fixer(strict=True, encoding="utf-8")
    cli = run_cli(["--strict", "--from=utf-8"], data, check=False)
    assert cli.returncode == 2
    with pytest.raises(zhfix.BadInputError) as e:
        f.fix(data)
    assert f"byte {e.value.offset}:" in cli.stderr.decode()
    # streaming: the same error, the same offset
    with pytest.raises(zhfix.BadInputError) as e2:
        f.fix_stream(io.BytesIO(data), io.BytesIO(), chunk_size=3)
    assert e2.value.offset == e.value.offset


BINARY = [b"\x00", b"GIF89a\x01\x00\x01\x00\x00\xff", os.urandom(4096) + b"\x00",
          b"\x7fELF\x02\x01\x01\x00" + bytes(range(256))]


@pytest.mark.parametrize("data", BINARY, ids=range(len(BINARY)))
def test_binary(zhfix_bin, data):
    with pytest.raises(zhfix.BinaryInputError) as e:
        zhfix.fix(data)
    assert e.value.status == -4
    with pytest.raises(zhfix.BinaryInputError):
        zhfix.Fixer().fix_stream(io.BytesIO(data), io.StringIO())
    forced = zhfix.fix(data, force=True)
    assert forced.encode() == run_cli(["--force"], data).stdout


def test_bad_option_names_and_values():
    bad = [({"to": "simplified"}, "to"), ({"script": "latin"}, "script"),
           ({"quotes": "double"}, "quotes"), ({"pinyin": "remove"}, "pinyin"),
           ({"encoding": "ebcdic"}, "encoding"), ({"punct": "sometimes"}, "punct"),
           ({"spacing": "2"}, "spacing"), ({"frobnicate": True}, "frobnicate"),
           ({"TO": "simp"}, "TO"), ({"": "x"}, "")]
    for opts, name in bad:
        with pytest.raises(zhfix.OptionError) as e:
            zhfix.Fixer(**opts)
        assert e.value.option == name and isinstance(e.value, ValueError)
        with pytest.raises(ValueError):
            zhfix.fix("x", **opts)
    # the CLI refuses the same values
    for args in (["--to=simplified"], ["--quotes=double"], ["--from=ebcdic"]):
        assert run_cli(args, b"x", check=False).returncode == 2


def test_huge_line_and_empty():
    line = ("中文,测试。" * 20000).encode()              # one line, > ZHFIX_MAX_SEGMENT
    f = zhfix.Fixer(to="trad")
    assert f.fix(line).encode() == run_cli(["--to=trad"], line).stdout
    assert f.fix(b"") == "" and f.stats["bytes_in"] == 0
    assert f.fix("\n\n") == "\n\n"


def test_stream_edge_cases():
    f = zhfix.Fixer()
    out = io.StringIO()
    assert f.fix_stream(io.BytesIO(b""), out) == 0 and out.getvalue() == ""
    with pytest.raises(ValueError):
        f.fix_stream(io.BytesIO(b"x"), out, chunk_size=0)

    class Broken(io.RawIOBase):
        def readable(self):
            return True

        def read(self, n=-1):
            raise OSError("disk on fire")

    with pytest.raises(OSError, match="disk on fire"):
        f.fix_stream(Broken(), io.StringIO())
    assert f.fix("之后照常") == "之后照常"   # the handle is still good
