"""Shared by the Python tests (run by `make test` with the package installed
into build/venv: `make python`).

Environment, as for the other tests: ZHFIX_BIN (the CLI), ZHFIX_SRCDIR,
ZHFIX_CORPUS (build/corpus; a missing corpus fails, it never skips)."""
import os
import pathlib
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("ZHFIX_SRCDIR") or os.path.dirname(os.path.dirname(HERE))
ZHFIX_BIN = os.environ.get("ZHFIX_BIN") or os.path.join(SRCDIR, "build", "zhfix")
CORPUS = os.environ.get("ZHFIX_CORPUS") or os.path.join(SRCDIR, "build", "corpus")

# The package under test must be the installed one, not python/ itself
# (which has no compiled module).
if os.path.isfile(os.path.join(os.getcwd(), "zhfix", "__init__.py")):
    sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.getcwd()]


def run_cli(args, data: bytes, check=True) -> subprocess.CompletedProcess:
    r = subprocess.run([ZHFIX_BIN, *args], input=data, capture_output=True)
    if check and r.returncode != 0:
        raise AssertionError(f"zhfix {' '.join(args)}: exit {r.returncode}: {r.stderr.decode()}")
    return r


def cli_args_to_options(args):
    """`--to=trad --spacing` -> {"to": "trad", "spacing": True}: the CLI's
    library options as Fixer keywords (names as the CLI spells them)."""
    opts = {}
    for a in args:
        assert a.startswith("--"), a
        name, eq, value = a[2:].partition("=")
        opts[name.replace("-", "_")] = value if eq else True
    return opts


def _case_file(d, name):
    p = os.path.join(d, name)
    if os.path.exists(p):
        return pathlib.Path(p).read_bytes()
    with open(p + ".path") as f:
        rel = f.readline().strip()
    return pathlib.Path(os.path.join(SRCDIR, rel)).read_bytes()


def golden_cases():
    root = os.path.join(SRCDIR, "tests", "golden")
    out = []
    for name in sorted(os.listdir(root)):
        d = os.path.join(root, name)
        if not os.path.isdir(d):
            continue
        args = pathlib.Path(os.path.join(d, "args")).read_text().split() if os.path.exists(
            os.path.join(d, "args")) else []
        out.append(pytest.param(name, args, _case_file(d, "in"), _case_file(d, "out"),
                                os.path.exists(os.path.join(d, "prefix")), id=name))
    assert out, f"no golden cases under {root}"
    return out


def corpus_path(*parts):
    p = os.path.join(CORPUS, *parts)
    if not os.path.exists(p):
        pytest.fail(f"corpus missing: {p} (make corpus)")
    return p


def corpus_pages(n_each=12):
    """A slice of the per-page corpus: the first n_each pages of zh_CN and of
    zh_TW, sorted by name (deterministic)."""
    out = []
    for lang in ("zh_CN", "zh_TW"):
        d = corpus_path("pages", lang)
        names = sorted(os.listdir(d))[:n_each]
        assert len(names) == n_each, f"{d}: only {len(names)} pages"
        out += [os.path.join(d, x) for x in names]
    return out


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.fixture(scope="session")
def zhfix_bin():
    if not os.access(ZHFIX_BIN, os.X_OK):
        pytest.fail(f"{ZHFIX_BIN} missing (make)")
    return ZHFIX_BIN
