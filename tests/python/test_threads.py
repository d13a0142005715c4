"""Threads: eight threads sharing nothing give the results one thread gives
(the GIL is released inside the library, so they really run at once)."""
import pathlib
import threading

import zhfix
from conftest import corpus_pages

DOCS = None


def docs():
    global DOCS
    if DOCS is None:
        DOCS = []
        for p in corpus_pages(12):
            data = pathlib.Path(p).read_bytes()
            DOCS.append(data)
            # and the same text as short records (the pipeline case)
            DOCS += [l for l in data.split(b"\n")[:10] if l]
    return DOCS


def _run_threads(n, target):
    results, errors = [None] * n, []

    def run(i):
        try:
            results[i] = target(i)
        except BaseException as e:  # noqa: B902 - reported below
            errors.append(e)

    th = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    assert not errors, errors
    return results


def test_eight_threads_own_fixers():
    for opts in ({}, {"to": "trad"}, {"to": "simp", "spacing": True}):
        want = [zhfix.Fixer(**opts).fix_bytes(d) for d in docs()]

        def work(i):
            f = zhfix.Fixer(**opts)
            d = docs()
            k = i * len(d) // 8                       # each thread its own order
            got = {j: f.fix_bytes(d[j]) for j in [*range(k, len(d)), *range(k)]}
            return [got[j] for j in range(len(d))]

        for got in _run_threads(8, work):
            assert got == want


def test_eight_threads_module_fix():
    want = [zhfix.fix(d, to="simp") for d in docs()]
    for got in _run_threads(8, lambda i: [zhfix.fix(d, to="simp") for d in docs()]):
        assert got == want


def test_shared_fixer_is_safe():
    # Not the way to scale, but it must not break: calls take turns.
    f = zhfix.Fixer(to="tw")
    want = [f.fix_bytes(d) for d in docs()]
    for got in _run_threads(8, lambda i: [f.fix_bytes(d) for d in docs()]):
        assert got == want
