"""Fixer.fix_many and zhfix.fix_many: a batch of records in one library
call gives exactly what Fixer.fix gives record by record (each text its own
document), for str and bytes, across the internal batch limits, in threads;
errors name the record; memory stays flat."""
import collections
import pathlib
import threading

import pytest

import zhfix
import zhfix._core
from conftest import cli_args_to_options, corpus_pages, golden_cases, rss_bytes


def _golden_groups():
    groups = collections.defaultdict(list)
    for p in golden_cases():
        name, args, data, want, prefix = p.values
        groups[tuple(args)].append((name, data, want, prefix))
    return sorted(groups.items())


@pytest.mark.parametrize("args,cases", _golden_groups(),
                         ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_golden_batch(args, cases):
    opts = cli_args_to_options(list(args))
    f = zhfix.Fixer(**opts)
    datas = [c[1] for c in cases]
    one = [f.fix_bytes(d) for d in datas]
    got = f.fix_many(datas)
    assert got == one
    for (name, data, want, prefix), out in zip(cases, got):
        if not prefix:
            assert out.encode() == want, name
    # forwards and backwards, so that no record leaks into the next
    assert f.fix_many(datas[::-1]) == one[::-1]
    # str where the input is UTF-8 (and no encoding was forced), mixed with bytes
    if "from" not in opts:
        mixed = []
        for i, d in enumerate(datas):
            try:
                mixed.append(d.decode("utf-8") if i % 2 else d)
            except UnicodeDecodeError:
                mixed.append(d)
        assert f.fix_many(mixed) == one


def _records():
    out = []
    for p in corpus_pages(12):
        data = pathlib.Path(p).read_bytes()
        out.append(data)                                   # whole pages
        out += [line for line in data.split(b"\n")[:40]]   # and short records, blanks too
    return out


@pytest.mark.parametrize("args", [[], ["--to=simp"], ["--to=trad"], ["--to=tw", "--quotes=corner"],
                                  ["--punct=off", "--mojibake=off"], ["--spacing", "--pinyin=strip"]],
                         ids=lambda a: " ".join(a) or "defaults")
def test_corpus_slice(args):
    recs = _records()
    f = zhfix.Fixer(**cli_args_to_options(args))
    want = [f.fix_bytes(r) for r in recs]
    assert f.fix_many(recs) == want
    assert f.fix_many([r.decode("utf-8") for r in recs]) == want
    assert zhfix.fix_many(iter(recs), **cli_args_to_options(args)) == want


def test_batches_cut_inside(monkeypatch):
    # Past MANY_RECORDS or MANY_BYTES the records go in several library
    # calls: the results do not change, and an error names the record's
    # place in the whole input, not in its slice.
    recs = _records()
    want = zhfix.Fixer().fix_many(recs)
    for records, size in ((7, 1 << 20), (4096, 5000), (1, 1)):
        monkeypatch.setattr(zhfix._core, "MANY_RECORDS", records)
        monkeypatch.setattr(zhfix._core, "MANY_BYTES", size)
        f = zhfix.Fixer()
        assert f.fix_many(recs) == want
        bad = recs[:30] + [b"bin\x00ary"] + recs[30:]
        with pytest.raises(zhfix.BinaryInputError) as e:
            f.fix_many(bad)
        assert e.value.index == 30 and "record 30:" in str(e.value)
        assert f.fix_many(recs[:50]) == want[:50]          # the Fixer goes on working


def test_empty():
    f = zhfix.Fixer(to="simp")
    assert f.fix_many([]) == []
    assert f.fix_many(iter(())) == []
    assert zhfix.fix_many([]) == []
    assert f.fix_many(["", b"", bytearray(), ""]) == [f.fix(""), f.fix(b""), "", ""]
    assert f.fix_many(["", "這是", ""]) == ["", "这是", ""]


def test_types():
    f = zhfix.Fixer(to="simp")
    texts = ["這是", b"\xd6\xd0\xce\xc4", bytearray("測試".encode()), memoryview("網絡".encode()),
             "caf\udce9 中文", "lone \ud800 surrogate"]
    assert f.fix_many(texts) == [f.fix(t) for t in texts]

    class S(str):
        pass

    assert f.fix_many([S("這是")]) == ["这是"]
    with pytest.raises(TypeError) as e:
        f.fix_many(["ok", "ok", 3])
    assert "record 2" in str(e.value) and e.value.index == 2
    for one in ("a str is not a batch", b"nor are bytes"):
        with pytest.raises(TypeError, match="iterable of texts"):
            f.fix_many(one)


def test_errors_name_the_record():
    f = zhfix.Fixer(strict=True, encoding="utf-8")
    texts = ["好的", b"fine", b"abc\xff\xfedef", "never reached"]
    with pytest.raises(zhfix.BadInputError) as e:
        f.fix_many(texts)
    err = e.value
    assert err.index == 2
    assert err.offset == 3
    assert "record 2: byte 3:" in str(err)
    with pytest.raises(zhfix.BadInputError) as one:
        zhfix.Fixer(strict=True, encoding="utf-8").fix(texts[2])
    assert (err.status, err.offset, err.encoding) == (one.value.status, 3, one.value.encoding)
    # the stats describe the record that failed
    assert f.stats["first_invalid_offset"] == 3
    assert f.fix_many(texts[:2]) == ["好的", "fine"]
    with pytest.raises(zhfix.BinaryInputError) as e:
        zhfix.Fixer().fix_many([b"a", b"b", b"c", b"bin\x00ary"])
    assert e.value.index == 3
    # a single fix() has no index
    with pytest.raises(zhfix.BinaryInputError) as e:
        zhfix.Fixer().fix(b"bin\x00ary")
    assert e.value.index is None and "record" not in str(e.value)


def test_stats_are_the_last_record():
    recs = _records()[:30]
    f, g = zhfix.Fixer(), zhfix.Fixer()
    f.fix_many(recs)
    g.fix(recs[-1])
    assert f.stats == g.stats
    assert f.spans == g.spans
    assert f.encoding == g.encoding and f.script == g.script


def test_eight_threads():
    recs = _records()
    for opts in ({}, {"to": "trad"}):
        want = zhfix.Fixer(**opts).fix_many(recs)
        results, errors = [None] * 8, []

        def work(i):
            try:
                f = zhfix.Fixer(**opts)
                k = i * len(recs) // 8                 # each thread its own order
                order = [*range(k, len(recs)), *range(k)]
                got = []
                for a in range(0, len(order), 50):
                    got += f.fix_many([recs[j] for j in order[a:a + 50]])
                res = dict(zip(order, got))
                results[i] = [res[j] for j in range(len(recs))]
            except BaseException as e:  # noqa: B902 - reported below
                errors.append(e)

        th = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in th:
            t.start()
        for t in th:
            t.join()
        assert not errors, errors
        for got in results:
            assert got == want


def test_memory_flat():
    recs = _records()[:200]
    f = zhfix.Fixer()
    bad = recs[:5] + [b"bin\x00ary"]
    for _ in range(100):
        f.fix_many(recs)
    before = rss_bytes()
    for i in range(2000):
        f.fix_many(recs)
        if i % 10 == 0:
            with pytest.raises(zhfix.BinaryInputError):
                f.fix_many(bad)
    grown = rss_bytes() - before
    assert grown < 4 << 20, f"RSS grew by {grown} bytes over 2,000 batches"


def test_big_batch_gives_memory_back():
    f = zhfix.Fixer()
    big = [b"x" * 100_000] * 30                  # 3 MB of output in one call
    for _ in range(2):
        assert [len(s) for s in f.fix_many(big)] == [100_000] * 30
        assert f._c.cap <= 1 << 20


def test_gil_threshold_changes_nothing(monkeypatch):
    # Fixer.fix keeps the GIL for inputs under HOLD_GIL_BELOW bytes and
    # releases it for longer ones: the output is the same either way.
    recs = _records()
    f = zhfix.Fixer(to="trad")
    want = f.fix_many(recs)
    for below in (0, 1, 64, 1 << 30):
        monkeypatch.setattr(zhfix._core, "HOLD_GIL_BELOW", below)
        assert [f.fix(r) for r in recs] == want
        assert [f.fix(r.decode()) for r in recs] == want
        with pytest.raises(zhfix.BinaryInputError):
            f.fix(b"bin\x00ary")
        assert f.fix(recs[0]) == want[0]


def test_jsonl_batches_like_lines():
    # zhfix.jsonl cleans the values of up to BATCH_LINES lines in one
    # fix_many call; the result is clean_line's, line by line, also when
    # the library refuses a value (each such line reported on its own).
    import zhfix.jsonl

    lines = [b'{"text": "\\u9019\\u662f", "n": 1}\n', b"\n", b'{"text": "BOOM"}\n',
             b'{"text": 3}\n', b"not json\n", b'{"other": "x"}\n', b'{"text": "ok, \xe4\xb8\xad"}']
    lines = lines * 200                                     # several batches
    c = zhfix.jsonl.JsonlCleaner(to="simp")
    want = [c.clean_line(line) for line in lines]
    got = [(l.line + b"\n" * l.newline, l.status, l.message) for l in c.clean_lines(lines)]
    assert got == want

    class Refusing(zhfix.Fixer):
        def fix(self, text):
            if text == "BOOM":
                raise zhfix.StateError(zhfix._core.lib.ZHFIX_E_STATE)
            return super().fix(text)

        def fix_many(self, texts):
            texts = list(texts)
            if "BOOM" in texts:
                raise zhfix.StateError(zhfix._core.lib.ZHFIX_E_STATE)
            return super().fix_many(texts)

    c.fixer = Refusing(**c.fixer.options)
    want = [c.clean_line(line) for line in lines]
    assert sum(w[1] == "invalid" and w[2].startswith("cannot clean the field") for w in want) == 200
    got = [(l.line + b"\n" * l.newline, l.status, l.message) for l in c.clean_lines(lines)]
    assert got == want


def _runs_during(call, tries: int = 40) -> bool:
    """Whether this thread gets to run while another thread is inside
    call(): with a switch interval longer than the whole test, the other
    thread gives the GIL up only if the library call releases it.  The
    other thread repeats call() until this one has run (at most `tries`
    times), so the answer does not depend on how soon the scheduler wakes
    this thread on a loaded machine: it is True when this thread ran
    before the other finished all its calls, which it can do only inside
    a call that released the GIL."""
    import sys
    ran, calls, started = [], [], threading.Event()

    def other():
        started.set()
        while not ran and len(calls) < tries:
            call()
            calls.append(1)

    old = sys.getswitchinterval()
    sys.setswitchinterval(300.0)
    try:
        t = threading.Thread(target=other)
        t.start()
        started.wait()
        ran.append(len(calls) < tries)
        t.join()
    finally:
        sys.setswitchinterval(old)
    return ran[0]


def test_gil_released_for_long_inputs(monkeypatch):
    # 430 KB: long, but its output fits the buffer the Fixer keeps (a
    # bigger one is given back after the call, a cffi call of its own,
    # which releases the GIL whatever the threshold)
    big = ("第一行，测试。abc 中文,测试...\n" * 10_000).encode()
    f = zhfix.Fixer()
    assert _runs_during(lambda: f.fix(big))
    assert _runs_during(lambda: f.fix(big.decode()))
    assert _runs_during(lambda: f.fix_many([big[:100], big]))
    # a short record is done with the GIL kept: no hand-off
    assert not _runs_during(lambda: f.fix(big[:300]))
    # and the check can fail: the GIL kept for everything
    monkeypatch.setattr(zhfix._core, "HOLD_GIL_BELOW", 1 << 30)
    assert not _runs_during(lambda: f.fix(big))
