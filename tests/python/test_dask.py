"""Dask: a dask-scheduler and two dask-worker processes on 127.0.0.1 clean a
JSON Lines corpus of more than 50 MB in six files (built from build/corpus
by make_jsonl_corpus.py), and the result is checked record for record
against `zhfix --jsonl` on the same files: the same bytes for every line,
the lines of each file in order, and the same lines reported as problems
(passed through, never dropped).

The processes are started in their own process groups, on ports the
system picks (--port 0, workers' ports 0, no dashboards), and are killed
when the module's tests end, also when they fail."""
import hashlib
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

import zhfix
import zhfix.dask
from conftest import CORPUS, SRCDIR, ZHFIX_BIN, corpus_path

dask = pytest.importorskip("dask")   # a Debian package in DEB_PKGS: present under make
distributed = pytest.importorskip("distributed")
import dask.bag as db  # noqa: E402
from distributed import Client, get_task_stream  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MIN_BYTES = 50_000_000


def _script(name):
    for d in ("/usr/bin", os.path.dirname(sys.executable)):
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    pytest.fail(f"{name} not found (apt-get install python3-distributed)")


@pytest.fixture(scope="session")
def jsonl_corpus():
    """build/python-corpus/part-NN.jsonl, rebuilt when the script or the
    corpus it reads changes."""
    sys.path.insert(0, HERE)
    import make_jsonl_corpus
    src = [corpus_path(n) for n in ("zh_CN.txt", "zh_TW.txt", "fortunes.txt", "mixed.txt")]
    key = hashlib.sha256(pathlib.Path(make_jsonl_corpus.__file__).read_bytes())
    for p in src:
        key.update(f"{p} {os.path.getsize(p)} {os.path.getmtime(p)}".encode())
    out = os.path.join(os.path.dirname(CORPUS), "python-corpus")
    stamp = os.path.join(out, ".stamp")
    if not os.path.exists(stamp) or pathlib.Path(stamp).read_text() != key.hexdigest():
        make_jsonl_corpus.build(CORPUS, os.path.join(SRCDIR, "data", "samples"), out)
        with open(stamp, "w") as f:
            f.write(key.hexdigest())
    paths = sorted(os.path.join(out, n) for n in os.listdir(out) if n.endswith(".jsonl"))
    assert len(paths) == 6 and sum(map(os.path.getsize, paths)) >= MIN_BYTES
    return paths


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    d = tmp_path_factory.mktemp("dask")
    sched_file = str(d / "scheduler.json")
    procs, logs = [], []

    def start(name, args):
        logs.append((name, d / f"{name}.log"))
        with open(d / f"{name}.log", "wb") as log:
            # the venv's interpreter, so that the workers import this zhfix
            procs.append(subprocess.Popen([sys.executable, *args], stdout=log, stderr=log,
                                          stdin=subprocess.DEVNULL, start_new_session=True,
                                          cwd=str(d)))

    client = None
    try:
        start("scheduler", [_script("dask-scheduler"), "--host", "127.0.0.1", "--port", "0",
                            "--no-dashboard", "--scheduler-file", sched_file,
                            "--idle-timeout", "900"])
        deadline = time.time() + 120
        while not os.path.exists(sched_file):
            assert procs[0].poll() is None, "dask-scheduler exited: " + (d / "scheduler.log").read_text()
            assert time.time() < deadline, "dask-scheduler did not start"
            time.sleep(0.2)
        for i in range(2):
            start(f"worker{i}", [_script("dask-worker"), "--scheduler-file", sched_file,
                                 "--host", "127.0.0.1", "--nthreads", "1", "--no-nanny",
                                 "--no-dashboard", "--name", f"w{i}", "--death-timeout", "120",
                                 "--local-directory", str(d / f"w{i}")])
        client = Client(scheduler_file=sched_file, timeout=120)
        client.wait_for_workers(2, timeout=120)
        yield client
    except BaseException:
        for name, p in logs:
            sys.stderr.write(f"---- {name} log (tail)\n{p.read_text(errors='replace')[-3000:]}\n")
        raise
    finally:
        if client is not None:
            client.close()
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def cli_reference(paths, outdir, args=()):
    """zhfix --jsonl on each file: {path: (output bytes, report entry)}."""
    ref = {}
    for p in paths:
        out = os.path.join(outdir, os.path.basename(p) + ".cli")
        rep = out + ".json"
        r = subprocess.run([ZHFIX_BIN, "--jsonl", "-q", *args, f"--report-file={rep}",
                            "-o", out, p], capture_output=True)
        assert r.returncode == 0, r.stderr.decode()
        ref[p] = (pathlib.Path(out).read_bytes(), json.loads(pathlib.Path(rep).read_text())["files"][0])
    return ref


def check_against(lines, ref, paths):
    by_path = {}
    for l in lines:
        by_path.setdefault(l.path, []).append(l)
    assert list(by_path) == list(paths), "files out of order, missing or extra"
    for p in paths:
        got = by_path[p]
        want, report = ref[p]
        # every line, in order, nothing dropped
        assert [l.lineno for l in got] == list(range(1, len(got) + 1)), p
        assert len(got) == report["lines"], p
        assert b"".join(l.line + b"\n" * l.newline for l in got) == want, p
        # the same lines reported
        assert [l.lineno for l in got if l.problem] == report["invalid_line_numbers"], p
        assert sum(l.status == "changed" for l in got) == report["records_changed"], p


def test_options_checked_before_running():
    with pytest.raises(zhfix.OptionError):
        zhfix.dask.clean_jsonl(["/nonexistent/*.jsonl"], to="klingon")
    with pytest.raises(TypeError):
        zhfix.dask.clean_jsonl(db.from_sequence([{"text": "x"}]), to="simp").compute(
            scheduler="sync")  # before any Client exists in this module


def test_small_cases_local(tmp_path):
    # (Dask's synchronous scheduler: the graph, not the cluster.)
    import gzip
    a = tmp_path / "a.jsonl"
    a.write_bytes(b'{"text": "\\u9019,\\u662f"}\n\n{bad\n{"text": "x"}')
    (tmp_path / "empty.jsonl").write_bytes(b"")
    gz = tmp_path / "c.jsonl.gz"
    gz.write_bytes(gzip.compress(a.read_bytes()))
    want = subprocess.run([ZHFIX_BIN, "--jsonl", "-q", str(a)], capture_output=True).stdout
    for paths, kw in (([str(a)], {"blocksize": 10}), ([str(a), str(tmp_path / "empty.jsonl")], {}),
                      ([str(gz)], {"compression": "gzip", "blocksize": None})):
        lines = zhfix.dask.clean_jsonl(paths, **kw).compute(scheduler="sync")
        assert b"".join(l.line + b"\n" * l.newline for l in lines) == want, kw
        assert [(l.lineno, l.status) for l in lines] == [
            (1, "changed"), (2, "blank"), (3, "invalid"), (4, "unchanged")]
    assert zhfix.dask.clean_jsonl([str(tmp_path / "empty.jsonl")]).compute(scheduler="sync") == []
    with pytest.raises(OSError):   # dask: "... resolved to no files"
        zhfix.dask.clean_jsonl(str(tmp_path / "none-*.jsonl"))


def test_clean_jsonl_two_workers(cluster, jsonl_corpus, zhfix_bin, tmp_path):
    paths = jsonl_corpus
    ref = cli_reference(paths, str(tmp_path))
    assert sum(r["invalid_lines"] for _, r in ref.values()) >= 6  # malformed lines exist
    assert sum(r["records_changed"] for _, r in ref.values()) > 10000
    bag = zhfix.dask.clean_jsonl(paths, blocksize="4MiB")
    assert bag.npartitions > len(paths)             # files are cut into several blocks
    with get_task_stream(cluster) as ts:
        bag = bag.persist()
        lines = bag.compute()
    workers = {t["worker"] for t in ts.data if "clean_block" in str(t["key"])}
    assert len(workers) == 2, f"the work did not use both workers: {workers}"
    check_against(lines, ref, paths)
    problems = [l for l in lines if l.problem]
    assert all(l.message and l.report().startswith(f"zhfix: {l.path}: line {l.lineno}: ")
               for l in problems)
    # written back as files: the command's output byte for byte
    written = zhfix.dask.write_jsonl(bag, str(tmp_path / "clean"))
    assert [os.path.basename(w) for w in written] == [os.path.basename(p) for p in paths]
    for w, p in zip(written, paths):
        assert pathlib.Path(w).read_bytes() == ref[p][0], w
    assert sorted(os.listdir(tmp_path / "clean")) == sorted(os.path.basename(p) for p in paths)
    cluster.cancel(bag)   # the persisted partitions


def test_clean_jsonl_bag_input_with_conversion(cluster, jsonl_corpus, zhfix_bin, tmp_path):
    # A slice through a Bag from read_text (the recipe in clean_jsonl's
    # docstring), with script conversion and a field of one's own.
    src = jsonl_corpus[0]
    data = pathlib.Path(src).read_bytes()
    cut = data.index(b"\n", 1_000_000) + 1
    part = tmp_path / "slice.jsonl"
    part.write_bytes(data[:cut])
    ref = cli_reference([str(part)], str(tmp_path), ["--to=trad"])
    bag = db.read_text(str(part), linedelimiter="\n", errors="surrogateescape",
                       include_path=True)
    lines = zhfix.dask.clean_jsonl(bag, to="trad").compute()
    assert {l.path for l in lines} == {str(part)}
    check_against(lines, ref, [str(part)])


def test_readme_example(cluster, jsonl_corpus, tmp_path):
    sys.path.insert(0, HERE)
    from test_readme import readme_blocks
    code = [b for lang, b in readme_blocks() if lang == "python"][1]
    assert 'Client("tcp://127.0.0.1:8786")' in code
    code = code.replace('Client("tcp://127.0.0.1:8786")',
                        f'Client("{cluster.scheduler.address}")')
    code = code.replace('to="simp"', 'to="keep"')   # conversion is slow per record today
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    data = pathlib.Path(jsonl_corpus[0]).read_bytes()
    cut = data.index(b"\n", 400_000) + 1
    (corpus / "a.jsonl").write_bytes(data[:cut])
    (corpus / "b.jsonl").write_bytes(data[cut:2 * cut])
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    for name in ("a.jsonl", "b.jsonl"):
        want = subprocess.run([ZHFIX_BIN, "--jsonl", "-q", str(corpus / name)],
                              capture_output=True).stdout
        assert (tmp_path / "clean" / name).read_bytes() == want
    reported = [l for l in r.stdout.splitlines() if l.startswith("zhfix: ")]
    assert reported and all(": line " in l for l in reported)
