"""Cleaning a JSON Lines corpus on Dask, as ``zhfix --jsonl`` would.

>>> from dask.distributed import Client
>>> import zhfix.dask
>>> client = Client("tcp://127.0.0.1:8786")                 # doctest: +SKIP
>>> lines = zhfix.dask.clean_jsonl("corpus/*.jsonl", to="simp").persist()  # doctest: +SKIP
>>> zhfix.dask.write_jsonl(lines, "clean/")                  # doctest: +SKIP
>>> lines.filter(lambda r: r.problem).map(zhfix.jsonl.Line.report).compute()  # doctest: +SKIP

:func:`clean_jsonl` gives a ``dask.bag.Bag`` of :class:`zhfix.jsonl.Line`,
one per input line, in order: each file's lines in order, files in the
order given (globs sorted).  A line's ``line`` is byte for byte what
``zhfix --jsonl`` writes for it.

Malformed records are reported, not dropped, exactly as ``zhfix --jsonl``
does: the line is passed through unchanged at its place, and its Line has
``status == "invalid"``, ``problem == True`` and a ``message``; the
command counts the same lines in its report's ``invalid_lines`` and prints
``zhfix: FILE: line N: MESSAGE`` for each (``Line.report()`` gives that
text).  Each task also logs the first 20 of its problem lines on the
``zhfix.dask`` logger (the worker's log).

The library runs inside the worker processes (each task uses one
:class:`zhfix.Fixer` per worker thread), so the workers need the zhfix
package installed (the same venv, or the same install line on each host).
"""
from __future__ import annotations

import logging
import os
import threading
from typing import Any, Iterable, List, Optional, Sequence, Union

import dask
import dask.bag as db
from dask.bytes import read_bytes

from .jsonl import BATCH_LINES, JsonlCleaner, Line

__all__ = ["clean_jsonl", "write_jsonl", "Line"]

log = logging.getLogger("zhfix.dask")

#: Problem lines each task logs (the Lines have them all).
MAX_LOGGED = 20

_local = threading.local()


def _cleaner(field: str, options: dict) -> JsonlCleaner:
    """One cleaner per worker thread and set of options."""
    cache = getattr(_local, "cleaners", None)
    if cache is None:
        cache = _local.cleaners = {}
    key = (field, tuple(sorted(options.items())))
    c = cache.get(key)
    if c is None:
        c = cache[key] = JsonlCleaner(field, **options)
    return c


def _log_problems(lines: List[Line]) -> None:
    bad = [r for r in lines if r.problem]
    for r in bad[:MAX_LOGGED]:
        log.warning("%s", r.report())
    if len(bad) > MAX_LOGGED:
        log.warning("zhfix: %s: %d more lines with problems in this partition",
                    bad[0].path or "<bag>", len(bad) - MAX_LOGGED)


def _clean_block(block: bytes, path: str, newlines_before: int, field: str,
                 options: dict) -> List[Line]:
    # The block holds whole lines; its first line is line newlines_before + 1.
    out = list(_cleaner(field, options).clean_bytes(block, path, newlines_before + 1))
    _log_problems(out)
    return out


def _count_newlines(block: bytes) -> int:
    return block.count(b"\n")


def _add(a: int, b: int) -> int:
    return a + b


def _from_paths(paths: Union[str, Sequence[str]], field: str, options: dict,
                blocksize: Optional[Union[int, str]], compression: Optional[str],
                storage_options: Optional[dict]) -> db.Bag:
    # read_bytes cuts each file into blocks that end at a newline (a whole
    # number of lines, the last block taking a last line without one); the
    # line number of a block's first line is 1 + the newlines of the blocks
    # before it in the file, a chain of small tasks.
    _, blocks, names = read_bytes(paths, delimiter=b"\n", blocksize=blocksize, sample=False,
                                  compression=compression, include_path=True,
                                  **(storage_options or {}))
    if not names:
        raise FileNotFoundError(f"zhfix: no files match {paths!r}")
    parts = []
    for file_blocks, name in zip(blocks, names):
        before = 0
        for i, block in enumerate(file_blocks):
            parts.append(dask.delayed(_clean_block, pure=True)(
                block, name, before, field, options))
            if i + 1 < len(file_blocks):
                before = dask.delayed(_add, pure=True)(
                    before, dask.delayed(_count_newlines, pure=True)(block))
    if not parts:  # only empty files
        return db.from_sequence([], npartitions=1)
    return db.from_delayed(parts)


def _clean_partition(items: Iterable[Any], field: str, options: dict) -> List[Line]:
    cleaner = _cleaner(field, options)
    raws, paths = [], []
    for item in items:
        path = None
        if isinstance(item, tuple) and len(item) == 2:  # read_text(..., include_path=True)
            item, path = item
        if isinstance(item, str):
            item = item.encode("utf-8", "surrogateescape")
        elif not isinstance(item, (bytes, bytearray)):
            raise TypeError("zhfix.dask.clean_jsonl: a bag of lines (str or bytes, as "
                            "dask.bag.read_text gives) is needed, not of "
                            f"{type(item).__name__}; for records already parsed, map "
                            "a zhfix.Fixer over their field")
        if not item:  # read_text(linedelimiter=...) ends a file with "": not a line
            continue
        raws.append(bytes(item))
        paths.append(path)
    out = []
    counts: dict = {}
    for a in range(0, len(raws), BATCH_LINES):   # values cleaned in one library call
        done = cleaner._clean_batch(raws[a:a + BATCH_LINES])
        for path, (line, status, msg) in zip(paths[a:a + BATCH_LINES], done):
            n = counts[path] = counts.get(path, 0) + 1
            nl = line.endswith(b"\n")
            out.append(Line(path, n, line[:-1] if nl else line, nl, status, msg))
    _log_problems(out)
    return out


def clean_jsonl(paths_or_bag: Union[str, Sequence[str], db.Bag], field: str = "text", *,
                blocksize: Optional[Union[int, str]] = "64MiB", compression: Optional[str] = None,
                storage_options: Optional[dict] = None, **options: Any) -> db.Bag:
    """Cleans the ``field`` of every record of a JSON Lines corpus, as
    ``zhfix --jsonl=FIELD`` with the same options would.

    ``paths_or_bag`` is a path, a glob or a list of them (anything
    ``dask.bytes.read_bytes`` reads; ``storage_options`` go to it), or a
    ``dask.bag.Bag`` of lines (str or bytes, e.g. from
    ``dask.bag.read_text``, possibly with ``include_path=True``; for the
    command's bytes exactly, read with ``linedelimiter="\\n",
    errors="surrogateescape"``, or else Python's universal newlines
    rewrite CR and CRLF line ends and invalid UTF-8 stops the read).  Files
    are cut into blocks of about ``blocksize`` bytes at line boundaries
    (None: one partition per file).  Compressed files: ``compression=``
    ("gzip", "bz2", "xz", ... as fsspec names them) with
    ``blocksize=None``.

    ``options`` are :class:`zhfix.Fixer` options (``to="simp"`` ...).  They
    are checked here, before anything runs (``zhfix.OptionError``).

    Returns a Bag of :class:`zhfix.jsonl.Line`, one per input line, in
    input order.  ``lineno`` is the line number in the file; for a Bag
    input, the position in its partition (the line number when the bag
    was read with one partition per file, read_text's default).
    """
    if not isinstance(field, str):
        raise TypeError("zhfix: field must be a str")
    JsonlCleaner(field, **options)  # raises OptionError now, not on a worker
    if isinstance(paths_or_bag, db.Bag):
        return paths_or_bag.map_partitions(_clean_partition, field, options)
    if isinstance(paths_or_bag, (str, os.PathLike)):
        paths_or_bag = os.fspath(paths_or_bag)
    else:
        paths_or_bag = [os.fspath(p) for p in paths_or_bag]
    return _from_paths(paths_or_bag, field, options, blocksize, compression, storage_options)


def _write_part(lines: List[Line], index: int, tmpdir: str) -> List[tuple]:
    """Writes one partition's lines per input file; returns
    [(path, part file)] in order."""
    out, f, cur = [], None, object()
    try:
        for r in lines:
            if r.path != cur:
                if f:
                    f.close()
                cur = r.path
                part = os.path.join(tmpdir, f"{index:08d}-{len(out):04d}")
                out.append((cur, part))
                f = open(part, "wb")
            f.write(r.line)
            if r.newline:
                f.write(b"\n")
    finally:
        if f:
            f.close()
    return out


def write_jsonl(lines: db.Bag, directory: str) -> List[str]:
    """Writes a :func:`clean_jsonl` result as one file per input file,
    ``directory/BASENAME``, byte for byte what ``zhfix --jsonl`` writes for
    it.  The partitions are written by the workers (``directory`` must be
    a file system they share with the client), then joined in order.
    Returns the paths written.  Input files with the same base name are
    an error."""
    directory = os.path.abspath(directory)   # the workers' cwd is not ours
    os.makedirs(directory, exist_ok=True)
    tmpdir = os.path.join(directory, ".zhfix-parts")
    os.makedirs(tmpdir, exist_ok=True)
    parts = [dask.delayed(_write_part)(d, i, tmpdir) for i, d in enumerate(lines.to_delayed())]
    done = dask.compute(*parts)
    order: dict = {}
    for written in done:
        for path, part in written:
            order.setdefault(path, []).append(part)
    targets = {}
    for path in order:
        name = os.path.basename(path or "stdin.jsonl")
        if name in targets.values():
            raise ValueError(f"zhfix: two input files named {name!r}")
        targets[path] = name
    result = []
    for path, plist in order.items():
        target = os.path.join(directory, targets[path])
        with open(target, "wb") as out:
            for part in plist:
                with open(part, "rb") as f:
                    while True:
                        buf = f.read(1 << 20)
                        if not buf:
                            break
                        out.write(buf)
                os.unlink(part)
        result.append(target)
    os.rmdir(tmpdir)
    return result
