"""Output identical to the CLI: every golden case (tests/golden) and a slice
of the corpus, one-shot, from str, and streamed in random 1-16 byte pieces."""
import io
import os
import pathlib
import random

import pytest

import zhfix
from conftest import cli_args_to_options, corpus_pages, golden_cases, run_cli


class Trickle(io.RawIOBase):
    """A binary file whose reads return 1-16 bytes at random."""

    def __init__(self, data: bytes, seed: int):
        self.data, self.pos, self.rng = data, 0, random.Random(seed)

    def readable(self):
        return True

    def read(self, n=-1):
        k = self.rng.randint(1, 16)
        out = self.data[self.pos:self.pos + k]
        self.pos += len(out)
        return out


def _prefix(got: str, want: bytes, prefix: bool) -> bytes:
    b = got.encode("utf-8")
    if not prefix:
        return b
    keep = want.count(b"\n")
    return b"".join(b.splitlines(keepends=True)[:keep])


@pytest.mark.parametrize("name,args,data,want,prefix", golden_cases())
def test_golden(zhfix_bin, name, args, data, want, prefix):
    f = zhfix.Fixer(**cli_args_to_options(args))
    got = f.fix_bytes(data)
    assert _prefix(got, want, prefix) == want
    assert got.encode() == run_cli(args, data).stdout          # the CLI, whole output
    for seed in (1, 2):
        out = io.StringIO()
        f.fix_stream(Trickle(data, seed), out)
        assert out.getvalue() == got, f"{name}: streamed in pieces (seed {seed}) differs"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    if "from" not in cli_args_to_options(args):
        assert f.fix(text) == got                              # str input


OPTION_SETS = [[], ["--to=simp"], ["--to=trad"], ["--to=tw", "--quotes=corner"],
               ["--punct=off", "--mojibake=off"], ["--spacing", "--pinyin=strip"]]


@pytest.mark.parametrize("args", OPTION_SETS, ids=lambda a: " ".join(a) or "defaults")
def test_corpus_slice(zhfix_bin, args):
    pages = corpus_pages(12)
    f = zhfix.Fixer(**cli_args_to_options(args))
    # the CLI on all pages at once (each file its own document, outputs in order)
    cli = run_cli(["-q", *args, *pages], b"").stdout
    ours = b"".join(f.fix_bytes(pathlib.Path(p).read_bytes()).encode() for p in pages)
    assert ours == cli
    rng = random.Random(len(args))
    for p in rng.sample(pages, 3):
        data = pathlib.Path(p).read_bytes()
        out = io.BytesIO()
        f.fix_stream(Trickle(data, 7), out)
        assert out.getvalue() == f.fix_bytes(data).encode(), os.path.basename(p)
        assert f.fix(data.decode("utf-8")) == f.fix_bytes(data)
