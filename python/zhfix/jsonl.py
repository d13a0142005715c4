r"""JSON Lines records cleaned exactly as ``zhfix --jsonl`` cleans them.

Each line is one record.  The chosen string field (``text`` by default)
goes through the library as its own document; the cleaned value is
spliced into the line's original bytes at the value's place, so every
other byte (other fields, key order, spacing, escapes, number spellings)
stays as it was, and only the cleaned string is escaped anew, in the
style of the original (``\uXXXX`` escapes kept when the value was all
escapes, in the same hex case).  A line whose value does not change is
copied as it is.  The output is byte for byte what ``zhfix --jsonl``
writes (tested on a 50 MB corpus and on malformed lines).

Nothing is dropped.  A line that cannot be cleaned is passed through
unchanged and reported, as ``zhfix --jsonl`` does: its :class:`Line` has
``status == "invalid"`` and a ``message`` saying why ("invalid JSON: ...",
"not a JSON object", "cannot clean the field: ..."), the same cases the
command counts in its report's ``invalid_lines``.  The wording of JSON
syntax messages comes from Python's json module, not from jansson.

Validity follows jansson, the parser the command uses: input must be
UTF-8; no NaN or Infinity, no lone surrogate escapes, no NUL in object
keys, integers within 64 bits, reals that do not overflow, nesting at most
2048 deep; a value may hold ``\u0000``.

>>> from zhfix.jsonl import JsonlCleaner
>>> c = JsonlCleaner(field="text", to="simp")
>>> c.clean_line(b'{"id": 1, "text": "\\u9019\\u662f"}\n')
(b'{"id": 1, "text": "\\u8fd9\\u662f"}\n', 'changed', None)
"""
from __future__ import annotations

import json
import json.decoder
import re
import sys
import threading
from typing import Any, Iterable, Iterator, List, NamedTuple, Optional, Tuple, Union

from ._core import Error, Fixer

__all__ = ["Line", "JsonlCleaner", "clean_lines", "clean_file", "STATUSES"]

#: The values of :attr:`Line.status`.
STATUSES = ("changed", "unchanged", "blank", "no_field", "not_string", "invalid")


class Line(NamedTuple):
    """One input line and what became of it.

    ``line`` is the output line as bytes, without its ``\\n`` (a ``\\r``
    of a CRLF line stays in it); ``newline`` says whether the input line
    ended with ``\\n`` (only a file's last line may not), so
    ``line + b"\\n" * newline`` is exactly what ``zhfix --jsonl`` writes
    for it.  ``status`` is one of :data:`STATUSES`; ``message`` says why
    for ``"invalid"`` lines, else it is None.  ``path`` and ``lineno``
    (1-based) say where the line was.
    """

    path: Optional[str]
    lineno: int
    line: bytes
    newline: bool
    status: str
    message: Optional[str]

    @property
    def problem(self) -> bool:
        """True for a line that could not be cleaned (passed through)."""
        return self.status == "invalid"

    @property
    def text(self) -> str:
        """The output line as str (undecodable bytes of an invalid line as
        surrogate escapes)."""
        return self.line.decode("utf-8", "surrogateescape")

    def report(self) -> str:
        """The message ``zhfix --jsonl`` prints for a problem line."""
        return f"zhfix: {self.path or '<stdin>'}: line {self.lineno}: {self.message}"


class _Invalid(Exception):
    pass


_INT_MIN, _INT_MAX = -(1 << 63), (1 << 63) - 1


class _Number:
    """What a number parses to here: only strings are ever cleaned."""


_NUMBER = _Number()


def _check_int(s: str) -> _Number:
    if len(s) > 18:
        v = int(s)
        if v > _INT_MAX:
            raise _Invalid("too big integer")
        if v < _INT_MIN:
            raise _Invalid("too big negative integer")
    return _NUMBER


def _check_float(s: str) -> _Number:
    if float(s) in (float("inf"), float("-inf")):
        raise _Invalid("real number overflow")
    return _NUMBER


def _no_constant(s: str):
    raise _Invalid(f"invalid token near '{s}'")


def _check_pairs(pairs):
    for k, v in pairs:
        if "\0" in k:
            raise _Invalid("NUL byte in object key not supported")
    return pairs


_DECODER = json.JSONDecoder(parse_int=_check_int, parse_float=_check_float,
                            parse_constant=_no_constant)
_SLOW_DECODER = json.JSONDecoder(parse_int=_check_int, parse_float=_check_float,
                                 parse_constant=_no_constant, object_pairs_hook=_check_pairs)
_WS = re.compile(r"[ \t\n\r]*")
_SURROGATE_ESC = re.compile(r"\\u[dD][89abcdefABCDEF]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_scanstring = json.decoder.scanstring
# jansson's JSON_PARSER_MAX_DEPTH: a value may sit at most 2048 levels deep,
# the top level being 1 (tests/python/test_jsonl.py checks 2048 and 2049
# against zhfix --jsonl).
_MAX_DEPTH = 2048


def _walk_surrogates(v: Any) -> None:
    if isinstance(v, str):
        if _SURROGATE.search(v):
            raise _Invalid("invalid Unicode escape (lone surrogate)")
    elif isinstance(v, list):
        for x in v:
            if isinstance(x, tuple):  # object pairs
                _walk_surrogates(x[0])
                _walk_surrogates(x[1])
            else:
                _walk_surrogates(x)


def _depth(s: str) -> int:
    """The deepest value's level, counted as jansson does (top level 1)."""
    level = top = 0
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c == '"':
            top = max(top, level + 1)
            i += 1
            while i < n and s[i] != '"':
                i += 2 if s[i] == "\\" else 1
        elif c in "[{":
            top = max(top, level + 1)
            level += 1
        elif c in "]}":
            level -= 1
        elif c not in " \t\r\n,:":
            top = max(top, level + 1)
        i += 1
    return top


class _Parsed(NamedTuple):
    value: Any          # the field's value (str if a string), or _MISSING
    start: int          # its span in the body
    end: int


_MISSING = object()


def _parse(s: str, field: str, slow: bool) -> _Parsed:
    """Parses one JSON text as jansson would; returns the last top-level
    member named field.  Raises _Invalid (with jansson's verdict) or
    ValueError (Python's wording) for a line jansson rejects."""
    scan = (_SLOW_DECODER if slow else _DECODER).scan_once
    n = len(s)
    i = _WS.match(s, 0).end()
    if i >= n or s[i] not in "{[":
        raise _Invalid("'[' or '{' expected")
    if s[i] == "[":
        try:
            _, j = scan(s, i)
        except StopIteration as e:
            raise _Invalid(f"unexpected token (column {e.value + 1})") from None
        if _WS.match(s, j).end() != n:
            raise _Invalid("end of file expected")
        raise _Invalid("not a JSON object")
    found = _Parsed(_MISSING, 0, 0)
    pairs = []
    i = _WS.match(s, i + 1).end()
    if s.startswith("}", i):
        i += 1
    else:
        while True:
            if not s.startswith('"', i):
                raise _Invalid(f"string or '}}' expected (column {i + 1})")
            key, i = _scanstring(s, i + 1, True)
            if "\0" in key:
                raise _Invalid("NUL byte in object key not supported")
            i = _WS.match(s, i).end()
            if not s.startswith(":", i):
                raise _Invalid(f"':' expected (column {i + 1})")
            i = _WS.match(s, i + 1).end()
            start = i
            try:
                value, i = scan(s, i)
            except StopIteration as e:
                raise _Invalid(f"unexpected token (column {e.value + 1})") from None
            if key == field:
                found = _Parsed(value, start, i)
            if slow:
                pairs.append((key, value))
            i = _WS.match(s, i).end()
            if s.startswith(",", i):
                i = _WS.match(s, i + 1).end()
                continue
            if s.startswith("}", i):
                i += 1
                break
            raise _Invalid(f"',' or '}}' expected (column {i + 1})")
    if _WS.match(s, i).end() != n:
        raise _Invalid("end of file expected")
    if slow:
        _walk_surrogates(pairs)
    return found


def _parse_checked(s: str, field: str) -> _Parsed:
    slow = "\\u0000" in s or _SURROGATE_ESC.search(s) is not None
    if s.count("[") + s.count("{") >= _MAX_DEPTH and _depth(s) > _MAX_DEPTH:
        raise _Invalid("maximum parsing depth reached")
    try:
        return _parse(s, field, slow)
    except RecursionError:
        pass
    # Deeper than Python's recursion limit allows by default (but within
    # jansson's): retried with room for it.
    with _LIMIT_LOCK:
        need = _MAX_DEPTH + 200 + len(_frames())
        if sys.getrecursionlimit() < need:
            sys.setrecursionlimit(need)
    return _parse(s, field, slow)


_LIMIT_LOCK = threading.Lock()


def _frames() -> list:
    f, out = sys._getframe(), []
    while f is not None:
        out.append(f)
        f = f.f_back
    return out


# ---- writing a cleaned value as jansson would ------------------------------

_encode_plain = json.encoder.encode_basestring            # C; lower-case \u00XX
_encode_ascii = json.encoder.encode_basestring_ascii      # C; escapes DEL too
_ODD_CONTROL = re.compile("[\x00-\x07\x0b\x0e-\x1f]")   # controls without a short escape
_UPPER_ESC = re.compile(r"\\(u[0-9a-f]{4}|.)")
_SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
          "\t": "\\t"}


def _upper(m: "re.Match") -> str:
    g = m.group(0)
    return g.upper().replace("\\U", "\\u") if g[1] == "u" else g


def _esc_char(c: str, ascii: bool) -> str:
    if c in _SHORT:
        return _SHORT[c]
    o = ord(c)
    if o < 0x20 or (ascii and o > 0x7F):
        if o < 0x10000:
            return "\\u%04X" % o
        o -= 0x10000
        return "\\u%04X\\u%04X" % (0xD800 | (o >> 10), 0xDC00 | (o & 0x3FF))
    return c


def _dump_string(s: str, ascii: bool, lower: bool) -> str:
    """The JSON string jansson's json_dumps writes (JSON_ENSURE_ASCII when
    ascii; hex in upper case, turned lower when lower)."""
    if not ascii:
        if _ODD_CONTROL.search(s) is None:
            return _encode_plain(s)
        return '"' + "".join(_esc_char(c, False) for c in s) + '"'
    if "\x7f" in s:
        out = '"' + "".join(_esc_char(c, True) for c in s) + '"'
        return _lower_escapes(out) if lower else out
    out = _encode_ascii(s)
    return out if lower else _UPPER_ESC.sub(_upper, out)


def _lower_escapes(s: str) -> str:
    return re.sub(r"\\(u[0-9A-F]{4}|.)",
                  lambda m: m.group(0).lower() if m.group(0)[1] == "u" else m.group(0), s)


def _lower_hex(tok: str) -> bool:
    """zhfix --jsonl's rule: the first \\u escape with a hex letter decides."""
    n, i = len(tok), 0
    while i + 5 < n:
        if tok[i] == "\\":
            if tok[i + 1] == "u":
                for d in range(2, 6):
                    ch = tok[i + d]
                    if "a" <= ch <= "f":
                        return True
                    if "A" <= ch <= "F":
                        return False
            i += 1
        i += 1
    return False


def _encode_like(orig: str, clean: str) -> str:
    ascii = orig.isascii() and "\\u" in orig
    return _dump_string(clean, ascii, ascii and _lower_hex(orig))


# ---- the cleaner -----------------------------------------------------------

_BLANK = b" \t\r\n"


#: Lines :meth:`JsonlCleaner.clean_lines` reads ahead and cleans in one
#: library call (Fixer.fix_many).
BATCH_LINES = 512


class _Pending(NamedTuple):
    raw: bytes          # the input line
    end: int            # where its body ends (before CR LF)
    s: str              # the body
    start: int          # the value's span in s
    stop: int
    value: str          # the string to clean


def _finish(r: _Pending, clean: str) -> Tuple[bytes, str, Optional[str]]:
    if clean == r.value:
        return r.raw, "unchanged", None
    enc = _encode_like(r.s[r.start:r.stop], clean)
    return (r.s[:r.start] + enc + r.s[r.stop:]).encode("utf-8") + r.raw[r.end:], "changed", None


# Set last, as zhfix --jsonl does: a JSON string is UTF-8 text (no
# detection), and an escaped NUL in it is text, not a sign of binary input.
_JSONL_OPTIONS = {"encoding": "utf-8", "force": True}
_OVERRIDDEN = ("encoding", "from_", "from", "force")


class JsonlCleaner:
    """Cleans JSON Lines records with one :class:`~zhfix.Fixer` (so one
    cleaner per thread).  ``field`` is the member to clean; the keywords
    are Fixer options.  As with ``zhfix --jsonl``, values are read as
    UTF-8 and ``force`` is on (``encoding`` and ``force`` are ignored)."""

    def __init__(self, field: str = "text", **options: Any):
        if not isinstance(field, str):
            raise TypeError("zhfix: field must be a str")
        opts = {k: v for k, v in options.items() if k not in _OVERRIDDEN}
        opts.update(_JSONL_OPTIONS)
        self.field = field
        self.options = {k: v for k, v in options.items() if k not in _OVERRIDDEN}
        self.fixer = Fixer(**opts)

    def clean_line(self, raw: bytes) -> Tuple[bytes, str, Optional[str]]:
        """Cleans one line (bytes, with or without its ``\\n``).  Returns
        (output line with the same ending, status, message or None)."""
        r = self._prepare(raw)
        if r.__class__ is not _Pending:
            return r
        try:
            clean = self.fixer.fix(r.value)
        except Error as e:
            return raw, "invalid", "cannot clean the field: " + e.message
        return _finish(r, clean)

    def _prepare(self, raw: bytes) -> Union[Tuple[bytes, str, Optional[str]], "_Pending"]:
        """Everything up to the library: a finished result, or the string
        value to clean with where to put it back."""
        end = len(raw)
        if end and raw[end - 1] == 0x0A:
            end -= 1
        if end and raw[end - 1] == 0x0D:
            end -= 1
        body = raw[:end] if end != len(raw) else raw
        if not body.strip(_BLANK):
            return raw, "blank", None
        try:
            s = body.decode("utf-8")
        except UnicodeDecodeError as e:
            return raw, "invalid", (f"invalid JSON: unable to decode byte 0x{body[e.start]:02x} "
                                    f"(byte {e.start + 1})")
        try:
            p = _parse_checked(s, self.field)
        except _Invalid as e:
            msg = str(e)
            return raw, "invalid", msg if msg == "not a JSON object" else "invalid JSON: " + msg
        except ValueError as e:  # json.JSONDecodeError from inside a value
            return raw, "invalid", f"invalid JSON: {getattr(e, 'msg', e)} (column {getattr(e, 'colno', 0)})"
        value = p.value
        if value is _MISSING:
            return raw, "no_field", None
        if not isinstance(value, str):
            return raw, "not_string", None
        return _Pending(raw, end, s, p.start, p.end, value)

    def _clean_batch(self, raws: List[bytes]) -> List[Tuple[bytes, str, Optional[str]]]:
        """clean_line of each line, the values cleaned in one
        Fixer.fix_many call (one library call, the GIL released once)."""
        out: List[Any] = [self._prepare(raw) for raw in raws]
        pend = [i for i, r in enumerate(out) if r.__class__ is _Pending]
        if not pend:
            return out
        try:
            cleans = self.fixer.fix_many([out[i].value for i in pend])
        except Error:
            # A value the library refuses: each line on its own, so that
            # every such line gets its own message, as clean_line gives.
            for i in pend:
                out[i] = self.clean_line(raws[i])
            return out
        for i, clean in zip(pend, cleans):
            out[i] = _finish(out[i], clean)
        return out

    def clean_lines(self, lines: Iterable[Union[bytes, str]], path: Optional[str] = None,
                    first_lineno: int = 1) -> Iterator[Line]:
        """Cleans an iterable of lines (bytes, or str encoded as UTF-8 with
        ``surrogateescape``); yields one :class:`Line` per line, in order.
        Lines are read ahead in batches of :data:`BATCH_LINES`, whose
        values go to the library in one call."""
        n = first_lineno
        batch: List[bytes] = []
        it = iter(lines)
        while True:
            for raw in it:
                if isinstance(raw, str):
                    raw = raw.encode("utf-8", "surrogateescape")
                batch.append(raw)
                if len(batch) >= BATCH_LINES:
                    break
            if not batch:
                return
            for out, status, msg in self._clean_batch(batch):
                nl = out.endswith(b"\n")
                yield Line(path, n, out[:-1] if nl else out, nl, status, msg)
                n += 1
            batch = []

    def clean_bytes(self, data: bytes, path: Optional[str] = None,
                    first_lineno: int = 1) -> Iterator[Line]:
        """Cleans a block of whole lines (split at ``\\n`` only)."""
        parts = data.split(b"\n")
        last = parts.pop()
        lines = [p + b"\n" for p in parts]
        if last:
            lines.append(last)
        return self.clean_lines(lines, path, first_lineno)


def clean_lines(lines: Iterable[Union[bytes, str]], field: str = "text", *,
                path: Optional[str] = None, **options: Any) -> Iterator[Line]:
    """Cleans lines of JSON Lines; see :class:`JsonlCleaner`."""
    return JsonlCleaner(field, **options).clean_lines(lines, path)


def clean_file(path: str, field: str = "text", **options: Any) -> Iterator[Line]:
    """Cleans a JSON Lines file, line by line (bounded memory)."""
    cleaner = JsonlCleaner(field, **options)
    with open(path, "rb") as f:
        yield from cleaner.clean_lines(f, path)
