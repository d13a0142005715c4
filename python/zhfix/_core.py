"""The binding proper: Fixer, fix(), the exceptions and the warnings."""
from __future__ import annotations

import codecs
import difflib
import io
import threading
from typing import (Any, BinaryIO, Dict, Iterable, List, NamedTuple, Optional, TextIO,
                    Union)

from . import _held
from ._zhfix import ffi, lib

__all__ = [
    "fix", "fix_many", "Fixer", "Span", "stat_names", "library_version",
    "Error", "OptionError", "NoMemoryError", "BadInputError", "BinaryInputError",
    "StateError", "UnsupportedError", "InternalError",
    "ZhfixWarning", "InvalidBytesWarning", "UnrecoverableSpanWarning",
]

#: Version of the libzhfix the module runs with ("MAJOR.MINOR.PATCH").
library_version: str = ffi.string(lib.zhfix_version()).decode("ascii")

_NO_OFFSET = (1 << 64) - 1  # ZHFIX_STAT_FIRST_INVALID_OFFSET when there is none


def _names() -> tuple:
    names = []
    while True:
        p = lib.zhfix_stat_name(len(names))
        if p == ffi.NULL or len(names) > 4096:
            return tuple(names)
        names.append(ffi.string(p).decode("ascii"))


_STAT_NAMES = _names()
_STAT_INDEX = {n: i for i, n in enumerate(_STAT_NAMES)}


def stat_names() -> tuple:
    """The library's statistics, by their stable names (``zhfix_stat_name``),
    in the library's order: the keys of :attr:`Fixer.stats`."""
    return _STAT_NAMES


# ---- errors --------------------------------------------------------------


class Error(Exception):
    """An error reported by libzhfix.

    ``status`` is the library's ``zhfix_status`` (a negative int),
    ``message`` the library's text for it (``zhfix_strerror``), ``detail``
    what the binding adds (which option, which byte), or None.
    ``index`` is the position of the record that failed in a
    :meth:`Fixer.fix_many` batch (0-based), None for a single document.
    """

    index: Optional[int] = None

    def __init__(self, status: int, detail: Optional[str] = None):
        self.status = status
        self.message = ffi.string(lib.zhfix_strerror(status)).decode("ascii")
        self.detail = detail
        super().__init__(status, detail)

    def __str__(self) -> str:
        return f"zhfix: {self.detail}" if self.detail else f"zhfix: {self.message}"


class NoMemoryError(Error, MemoryError):
    """ZHFIX_E_NOMEM: the library could not allocate memory."""


class OptionError(Error, ValueError):
    """ZHFIX_E_INVALID from an option: an unknown name or a value the library
    does not accept.  ``option`` is the name as given, ``value`` the value."""

    def __init__(self, status: int, detail: str, option: str, value: Any):
        super().__init__(status, detail)
        self.option = option
        self.value = value


class BadInputError(Error, ValueError):
    """ZHFIX_E_BAD_INPUT: an invalid byte sequence with ``strict=True``.
    ``offset`` is the byte offset of the first one in the input,
    ``encoding`` the encoding the input was read as."""

    def __init__(self, status: int, detail: str, offset: Optional[int], encoding: str):
        super().__init__(status, detail)
        self.offset = offset
        self.encoding = encoding


class BinaryInputError(Error, ValueError):
    """ZHFIX_E_BINARY: the input looks binary (NUL bytes); ``force=True``
    processes it anyway."""


class StateError(Error):
    """ZHFIX_E_STATE: a call out of order."""


class UnsupportedError(Error):
    """ZHFIX_E_UNSUPPORTED: an option or encoding not available."""


class InternalError(Error):
    """ZHFIX_E_INTERNAL: a library bug or an ICU failure."""


_ERRORS = {
    lib.ZHFIX_E_NOMEM: NoMemoryError,
    lib.ZHFIX_E_INVALID: Error,
    lib.ZHFIX_E_BINARY: BinaryInputError,
    lib.ZHFIX_E_STATE: StateError,
    lib.ZHFIX_E_UNSUPPORTED: UnsupportedError,
    lib.ZHFIX_E_INTERNAL: InternalError,
}


# ---- warnings and spans ---------------------------------------------------


class Span(NamedTuple):
    """A damaged span the library detected but left as it was: its byte
    offset and length in the input (the UTF-8 encoding of a str input)."""

    offset: int
    length: int


class ZhfixWarning(UserWarning):
    """Something the library reports about a document it did process.
    Instances are plain objects (``Fixer.warnings``); pass one to
    ``warnings.warn`` to have Python report it.  ``offset`` is a byte
    offset in the input."""

    offset: int


class InvalidBytesWarning(ZhfixWarning):
    """Invalid byte sequences were replaced by U+FFFD: ``count`` of them,
    the first at byte ``offset``, reading the input as ``encoding``."""

    def __init__(self, offset: int, count: int, encoding: str):
        self.offset, self.count, self.encoding = offset, count, encoding
        super().__init__(f"byte {offset}: invalid {encoding} byte sequence replaced by "
                         f"U+FFFD ({count} in all)")


class UnrecoverableSpanWarning(ZhfixWarning):
    """Damage was detected at byte ``offset`` (``length`` bytes) but could
    not be repaired safely, so it was left as it was."""

    def __init__(self, offset: int, length: int):
        self.offset, self.length = offset, length
        super().__init__(f"byte {offset}: {length} damaged bytes left as they were "
                         "(unrecoverable)")


# ---- options --------------------------------------------------------------

# The documented keywords: their library names where the keyword differs,
# and the library's defaults.  A keyword not given is not sent, so the
# library's own default applies, and a library without an option
# (``format`` before it existed) works as long as the caller does not ask
# for it.  Anything given goes to the library by name
# (zhfix_set_option_string), which alone decides what is valid.
_LIBRARY_NAME = {"fmt": "format", "encoding": "from", "from_": "from"}


def _unset(s: str) -> str:
    # A default is told from a value the caller gave by identity: this copy
    # is not the interned literal, so even an explicit "auto" is sent.
    return str(bytearray(s, "ascii"), "ascii")


_D = {name: _unset(v) for name, v in (("to", "keep"), ("script", "auto"), ("quotes", "auto"),
                                      ("pinyin", "auto"), ("fmt", "auto"), ("encoding", "auto"))}
# (True and False are singletons: a switch given as its default is not
# sent, which changes nothing.)
_DEFAULTS: Dict[str, Any] = {**_D, "punct": True, "spacing": False, "mojibake": True,
                             "strict": False, "force": False}


def _value_string(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"zhfix: option {name}: expected str, bool or int, not {type(value).__name__}")


def _candidates(name: str) -> List[str]:
    """Library names to try for a keyword: fmt -> format; lost_marker ->
    lost_marker, then lost-marker (whichever spelling the library uses)."""
    if name in _LIBRARY_NAME:
        return [_LIBRARY_NAME[name]]
    return [name, name.replace("_", "-")] if "_" in name else [name]


def _normalize(explicit: Dict[str, Any], extra: Dict[str, Any]) -> Dict[str, str]:
    """The options to send, as {keyword: value string}: those given."""
    out: Dict[str, str] = {}
    for name, value in explicit.items():
        if value is None or value is _DEFAULTS[name]:
            continue
        out[name] = _value_string(name, value)
    for name, value in extra.items():
        if value is not None:
            out[name] = _value_string(name, value)
    return out


def _try_set(h, name: str, value: str) -> int:
    rc = lib.ZHFIX_E_INVALID
    if "\0" in name or "\0" in value:  # C would see a shorter string
        return rc
    for lname in _candidates(name):
        rc = lib.zhfix_set_option_string(h, lname.encode("utf-8"), value.encode("utf-8"))
        if rc == lib.ZHFIX_OK:
            return rc
    return rc


def _option_error(rc: int, name: str, value: str) -> Error:
    if rc != lib.ZHFIX_E_INVALID:
        return _ERRORS.get(rc, Error)(rc, f"option {name}={value!r}: "
                                      + ffi.string(lib.zhfix_strerror(rc)).decode())
    lname = "/".join(_candidates(name))
    if "\0" in value:
        return OptionError(rc, f"invalid value {value!r} for option {name!r}: NUL character",
                           name, value)
    keyword = {"from": "encoding", "from_": "encoding", "format": "fmt"}.get(name, name)
    if keyword in _DEFAULTS:
        # Does this library know the option at all?  Its default must pass.
        default = _value_string(keyword, _DEFAULTS[keyword])
        probe = lib.zfpy_new()
        if probe == ffi.NULL:
            return NoMemoryError(lib.ZHFIX_E_NOMEM)
        try:
            known = _try_set(probe.h, keyword, default) == lib.ZHFIX_OK
        finally:
            lib.zfpy_del(probe)
        called = f" (library option {lname!r})" if lname != name else ""
        if not known:
            return OptionError(rc, f"option {name!r}{called}: libzhfix {library_version} "
                               f"refuses {value!r} and the default {default!r} too: it does "
                               "not have this option", name, value)
        return OptionError(rc, f"invalid value {value!r} for option {name!r}{called}; "
                           "`zhfix --help` lists the values", name, value)
    hint = difflib.get_close_matches(name, list(_DEFAULTS), n=1)
    return OptionError(rc, f"unknown option {name!r}, or invalid value {value!r} for it: "
                       f"libzhfix {library_version} accepts neither"
                       + (f" (did you mean {hint[0]!r}?)" if hint else ""), name, value)


# ---- the fixer ------------------------------------------------------------

Text = Union[str, bytes, bytearray, memoryview]


def _encode(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        pass
    try:  # undecodable bytes carried as surrogates (errors="surrogateescape")
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # other lone surrogates: invalid UTF-8, hence U+FFFD
        return text.encode("utf-8", "surrogatepass")


def _rebuild(options: Dict[str, str]) -> "Fixer":
    return Fixer(**options)


# Fixer.fix goes through zhfix._held (see _held.c): inputs shorter than
# HOLD_GIL_BELOW bytes are processed with the GIL held, longer ones with it
# released.  Below about 4 KB a call takes the library well under the
# ~10 us that a GIL hand-off between contending threads costs (measured:
# 4 threads on 100-character records ran at 0.41x one thread when every
# call released it).
_held_fix = _held.fix
_ZFPY_FIX = int(ffi.cast("uintptr_t", ffi.addressof(lib, "zfpy_fix")))
HOLD_GIL_BELOW = 4096
_fix_many = lib.zfpy_fix_many
_unpack = ffi.unpack

#: :meth:`Fixer.fix_many` hands the library at most this many records, or
#: about this many bytes of input, per call (the output arena's size).
MANY_RECORDS = 4096
MANY_BYTES = 1 << 20
_buffer = ffi.buffer
_KEEP = 1 << 20


class Fixer:
    """A reusable zhfix handle with its options: one per thread.

    ``Fixer(to="simp")`` checks the options at once (``OptionError``, a
    ``ValueError``, names the option).  Each call of :meth:`fix`,
    :meth:`fix_bytes` or :meth:`fix_stream` is one document; afterwards
    :attr:`stats`, :attr:`spans`, :attr:`warnings`, :attr:`encoding` and
    :attr:`script` describe that document.

    The library is called with the GIL released, so threads with a Fixer
    each run in parallel.  A Fixer shared between threads is safe (calls
    take turns on a lock) but not parallel.  A Fixer pickles as its
    options, so it can be shipped to Dask workers or processes.

    Options (the library's defaults shown; ``zhfix --help`` and
    ``docs/cli.md`` describe them):

    ``to``         keep, simp, trad, tw, twp, hk: the script to write
    ``script``     auto, simp, trad, tw, twp, hk: the input's script
    ``punct``      normalize punctuation (bool)
    ``quotes``     auto, curly, corner, keep
    ``spacing``    a space between Han and Latin letters or digits (bool)
    ``pinyin``     auto, strip, keep: content-farm ``X(pinyin)`` annotations
    ``mojibake``   repair wrong decodes (bool)
    ``fmt``        the input's format, library option ``format``
    ``encoding``   the input's encoding, library option ``from`` (auto,
                   utf-8, gb18030, gbk, big5, ...); also ``from_=``
    ``strict``     invalid bytes raise BadInputError instead of becoming U+FFFD
    ``force``      process input that looks binary

    Any other keyword is passed to the library by name as well
    (``zhfix_set_option_string``; ``lost_marker`` is tried as
    ``lost_marker`` then ``lost-marker``), so options added to the library
    need no change here.  Values: str as given, bool as on/off, int as
    digits.  Only the options given are sent (None, or a keyword left out,
    means the library's default).
    """

    def __init__(self, *, to: str = _D["to"], script: str = _D["script"], punct: bool = True,
                 quotes: str = _D["quotes"], spacing: bool = False, pinyin: str = _D["pinyin"],
                 mojibake: bool = True, fmt: str = _D["fmt"], encoding: str = _D["encoding"],
                 strict: bool = False, force: bool = False, **options: Any):
        explicit = {"to": to, "script": script, "punct": punct, "quotes": quotes,
                    "spacing": spacing, "pinyin": pinyin, "mojibake": mojibake, "fmt": fmt,
                    "encoding": encoding, "strict": strict, "force": force}
        self._opts = _normalize(explicit, options)
        self._lock = threading.Lock()
        c = lib.zfpy_new()
        if c == ffi.NULL:
            raise NoMemoryError(lib.ZHFIX_E_NOMEM)
        self._c = ffi.gc(c, lib.zfpy_del)
        self._cp = int(ffi.cast("uintptr_t", c))  # for zhfix._held
        for name, value in self._opts.items():
            rc = _try_set(c.h, name, value)
            if rc != lib.ZHFIX_OK:
                raise _option_error(rc, name, value)

    @property
    def options(self) -> Dict[str, str]:
        """The options given that differ from the defaults, as sent."""
        return dict(self._opts)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._opts.items())
        return f"zhfix.Fixer({args})"

    def __reduce__(self):
        return (_rebuild, (dict(self._opts),))

    def close(self) -> None:
        """Frees the library handle now (it is freed anyway when the Fixer
        is collected).  The Fixer cannot be used afterwards."""
        with self._lock:
            if self._c is not None:
                ffi.release(self._c)
                self._c = None
                self._cp = 0

    def __enter__(self) -> "Fixer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _handle(self):
        if self._c is None:
            raise ValueError("zhfix: the Fixer is closed")
        return self._c

    def _raise(self, c, rc: int, index: Optional[int] = None):
        rec = "" if index is None else f"record {index}: "
        if rc == lib.ZHFIX_E_BAD_INPUT:
            first = lib.zhfix_get_stat(c.h, lib.ZHFIX_STAT_FIRST_INVALID_OFFSET)
            enc = ffi.string(lib.zhfix_encoding_name(
                lib.zhfix_get_stat(c.h, lib.ZHFIX_STAT_ENCODING))).decode()
            off = None if first == _NO_OFFSET else first
            where = f"byte {off}: " if off is not None else ""
            e: Error = BadInputError(rc, f"{rec}{where}invalid {enc} byte sequence (strict)",
                                     off, enc)
        elif rc == lib.ZHFIX_E_BINARY:
            e = BinaryInputError(rc, f"{rec}input looks binary (NUL bytes); force=True "
                                 "processes it")
        else:
            e = _ERRORS.get(rc, Error)(rc, f"{rec}{ffi.string(lib.zhfix_strerror(rc)).decode()}"
                                       if rec else None)
        e.index = index
        raise e

    def fix(self, text: Text) -> str:
        """Repairs one document and returns it as str.

        ``text`` is a str or bytes-like.  Bytes may be in any encoding the
        library reads (auto-detected unless ``encoding=`` was given).  A
        str is handed to the library as UTF-8; lone surrogates U+DC80 to
        U+DCFF (Python's ``surrogateescape``) become the bytes they stand
        for, other lone surrogates invalid bytes (hence U+FFFD).
        """
        if type(text) is str:
            data = _encode(text)
        elif type(text) is bytes:
            data = text
        elif isinstance(text, (bytes, bytearray, memoryview)):
            data = text
        elif isinstance(text, str):
            data = _encode(str(text))
        else:
            raise TypeError(f"zhfix: fix() takes str or bytes, not {type(text).__name__}")
        with self._lock:
            c = self._c
            if c is None:
                self._handle()
            out = _held_fix(_ZFPY_FIX, self._cp, data, HOLD_GIL_BELOW)
            if out.__class__ is int:
                self._raise(c, out)
            if c.cap > _KEEP:
                lib.zfpy_trim(c)
        return out

    def fix_bytes(self, data: Union[bytes, bytearray, memoryview]) -> str:
        """Repairs one document given as bytes (any encoding) and returns
        it as str.  A str is refused (TypeError): use :meth:`fix`."""
        if isinstance(data, str) or not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"zhfix: fix_bytes() takes bytes, not {type(data).__name__}")
        return self.fix(data)

    def fix_many(self, texts: Iterable[Text]) -> List[str]:
        """Repairs many short documents (records) and returns their clean
        texts, in order: ``fixer.fix_many(texts) == [fixer.fix(t) for t in
        texts]``, each text its own document as with :meth:`fix` (str, or
        bytes-like in any encoding, detected per text).

        The point is speed on many small records: the whole batch goes to
        the library in one call (one per ``MANY_RECORDS`` records or
        ``MANY_BYTES`` bytes of input, whichever comes first), with the
        GIL released once, where :meth:`fix` pays a call and a GIL hand-off
        per record.  That is what lets threads scale on records of a few
        hundred bytes (``docs/python.md`` has the figures).

        Errors: if a text fails (``strict=True`` and invalid bytes, binary
        input without ``force=True``, a wrong type), the exception says
        ``record N`` and carries ``index`` = N (0-based position in
        ``texts``); no list is returned, so nothing is lost silently.  Call
        :meth:`fix` on each text to go on past a bad one.

        Afterwards :attr:`stats`, :attr:`spans`, :attr:`warnings`,
        :attr:`encoding` and :attr:`script` describe the last text of the
        batch (the failing one after an error); use :meth:`fix` per text
        for each record's figures.
        """
        if isinstance(texts, (str, bytes, bytearray, memoryview)):
            raise TypeError("zhfix: fix_many() takes an iterable of texts, not one "
                            f"{type(texts).__name__}: use fix()")
        out: List[str] = []
        batch: List[Any] = []
        size = 0
        n = 0
        enc = _encode
        with self._lock:
            c = self._handle()
            for t in texts:
                tt = type(t)
                if tt is str:
                    try:
                        b = t.encode("utf-8")
                    except UnicodeEncodeError:
                        b = enc(t)
                elif tt is bytes or tt is bytearray:
                    b = t
                elif isinstance(t, (bytes, bytearray)):
                    b = bytes(t)
                elif isinstance(t, memoryview):
                    b = t.tobytes()
                elif isinstance(t, str):
                    b = enc(str(t))
                else:
                    e = TypeError(f"zhfix: fix_many(): record {n} is a {type(t).__name__}, "
                                  "not str or bytes")
                    e.index = n  # type: ignore[attr-defined]
                    raise e
                batch.append(b)
                size += len(b)
                n += 1
                if len(batch) >= MANY_RECORDS or size >= MANY_BYTES:
                    self._many(c, batch, n - len(batch), out)
                    batch = []
                    size = 0
            if batch:
                self._many(c, batch, n - len(batch), out)
        return out

    def _many(self, c, batch: List[Any], first: int, out: List[str]) -> None:
        k = len(batch)
        lens = ffi.new("size_t[]", [len(b) for b in batch])
        ends = ffi.new("size_t[]", k)
        failed = ffi.new("size_t *")
        rc = _fix_many(c, b"".join(batch), lens, k, ends, failed)
        if rc:
            self._raise(c, rc, first + failed[0])
        # Each output decoded on its own: one str of the whole arena cut
        # by code points costs three times as much in CPython.
        mv = memoryview(_buffer(c.out, c.len))
        a = 0
        app = out.append
        for b in _unpack(ends, k):
            app(str(mv[a:b], "utf-8"))
            a = b
        mv.release()
        if c.cap > _KEEP:
            lib.zfpy_trim(c)

    def fix_stream(self, src: BinaryIO, dst: Union[TextIO, BinaryIO], *,
                   chunk_size: int = 65536) -> int:
        """Repairs one document read from the binary file ``src`` and
        writes it to ``dst`` as it goes, in bounded memory.  ``dst`` is a
        text file (str is written) or a binary one (UTF-8 bytes).  The
        output is the same as :meth:`fix` of the whole input, however
        ``src.read`` splits it.  Returns the number of bytes read.  On an
        error the output written so far stays written."""
        if chunk_size <= 0:
            raise ValueError("zhfix: chunk_size must be positive")
        text_out = isinstance(dst, io.TextIOBase) or (
            not isinstance(dst, (io.RawIOBase, io.BufferedIOBase)) and hasattr(dst, "encoding"))
        decoder = codecs.getincrementaldecoder("utf-8")() if text_out else None
        write = dst.write
        outcap = 1 << 16
        outbuf = ffi.new("char[]", outcap)
        zin = ffi.new("zhfix_in *")
        zout = ffi.new("zhfix_out *")
        pending = ffi.new("size_t *")
        total = 0
        with self._lock:
            c = self._handle()
            h = c.h
            rc = lib.zhfix_reset(h)
            if rc:
                self._raise(c, rc)
            eof = False
            while not eof:
                chunk = src.read(chunk_size)
                if chunk is None:  # a non-blocking stream with nothing yet
                    raise BlockingIOError("zhfix: fix_stream needs a blocking input")
                if isinstance(chunk, str):
                    raise TypeError("zhfix: fix_stream reads bytes: open the input in binary mode")
                eof = len(chunk) == 0
                total += len(chunk)
                keep = ffi.from_buffer(chunk)
                zin.src = keep
                zin.size = len(chunk)
                zin.pos = 0
                stuck = 0
                while True:
                    zout.dst = outbuf
                    zout.size = outcap
                    zout.pos = 0
                    before = zin.pos
                    rc = lib.zhfix_stream(h, zout, zin,
                                          lib.ZHFIX_END if eof else lib.ZHFIX_CONTINUE, pending)
                    if zout.pos:
                        piece = ffi.unpack(outbuf, zout.pos)
                        write(decoder.decode(piece) if text_out else piece)
                    if rc:
                        self._raise(c, rc)
                    if (pending[0] == 0) if eof else (zin.pos == zin.size and zout.pos < outcap):
                        break
                    if zout.pos == 0 and zin.pos == before:
                        stuck += 1
                        if stuck > 2:
                            raise InternalError(lib.ZHFIX_E_INTERNAL,
                                                "the library made no progress")
                    else:
                        stuck = 0
            if text_out:
                tail = decoder.decode(b"", final=True)
                if tail:
                    write(tail)
        return total

    # ---- what the last document reported ----

    @property
    def stats(self) -> Dict[str, int]:
        """The last document's counters, keyed by the library's stable
        names (:func:`stat_names`; ``zhfix --report=json`` uses the same).
        ``encoding`` and ``script`` are the library's enum values (see
        :attr:`encoding`, :attr:`script` for names);
        ``first_invalid_offset`` is 2**64-1 when there was none."""
        n = len(_STAT_NAMES)
        v = ffi.new("uint64_t[]", n or 1)
        with self._lock:
            got = lib.zfpy_stats(self._handle(), v, n)
        return dict(zip(_STAT_NAMES[:got], v[0:got]))

    def _stat(self, which: int) -> int:
        with self._lock:
            return lib.zhfix_get_stat(self._handle().h, which)

    @property
    def encoding(self) -> str:
        """The encoding the last document was read as ("utf-8", "gb18030", ...)."""
        return ffi.string(lib.zhfix_encoding_name(self._stat(lib.ZHFIX_STAT_ENCODING))).decode()

    @property
    def script(self) -> str:
        """The script of the last document's input ("simp", "trad", ...)."""
        return ffi.string(lib.zhfix_script_name(self._stat(lib.ZHFIX_STAT_SCRIPT))).decode()

    @property
    def spans(self) -> List[Span]:
        """The last document's unrecoverable spans, in input order (the
        library keeps the first ``ZHFIX_MAX_SPANS``; ``stats`` counts all)."""
        n = lib.ZHFIX_MAX_SPANS
        v = ffi.new("uint64_t[]", 2 * n)
        with self._lock:
            got = lib.zfpy_spans(self._handle(), v, n)
        return [Span(v[2 * i], v[2 * i + 1]) for i in range(got)]

    @property
    def warnings(self) -> List[ZhfixWarning]:
        """What the library reports about the last document, as objects:
        an :class:`InvalidBytesWarning` if bytes were replaced by U+FFFD,
        then an :class:`UnrecoverableSpanWarning` per kept span."""
        s = self.stats
        out: List[ZhfixWarning] = []
        if s.get("invalid_sequences"):
            first = s["first_invalid_offset"]
            out.append(InvalidBytesWarning(first if first != _NO_OFFSET else 0,
                                           s["invalid_sequences"], self.encoding))
        out.extend(UnrecoverableSpanWarning(sp.offset, sp.length) for sp in self.spans)
        return out


# ---- one-call convenience -------------------------------------------------

_local = threading.local()
_CACHE_SIZE = 16


def fix(text: Text, *, to: str = _D["to"], script: str = _D["script"], punct: bool = True,
        quotes: str = _D["quotes"], spacing: bool = False, pinyin: str = _D["pinyin"],
        mojibake: bool = True, fmt: str = _D["fmt"], encoding: str = _D["encoding"],
        strict: bool = False, force: bool = False, **options: Any) -> str:
    """Repairs one document (str or bytes) and returns clean text.

    The options are those of :class:`Fixer`.  A Fixer per thread and set
    of options is kept (at most 16 per thread), so repeated calls do not
    rebuild one; for the last document's statistics use a Fixer.
    """
    explicit = {"to": to, "script": script, "punct": punct, "quotes": quotes,
                "spacing": spacing, "pinyin": pinyin, "mojibake": mojibake, "fmt": fmt,
                "encoding": encoding, "strict": strict, "force": force}
    return _cached(_normalize(explicit, options)).fix(text)


def _cached(opts: Dict[str, str]) -> Fixer:
    """This thread's Fixer for these options (at most 16 kept per thread)."""
    key = tuple(opts.items())
    cache = getattr(_local, "fixers", None)
    if cache is None:
        cache = _local.fixers = {}
    f = cache.get(key)
    if f is None:
        f = Fixer(**opts)
        if len(cache) >= _CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = f
    return f


def fix_many(texts: Iterable[Text], *, to: str = _D["to"], script: str = _D["script"],
             punct: bool = True, quotes: str = _D["quotes"], spacing: bool = False,
             pinyin: str = _D["pinyin"], mojibake: bool = True, fmt: str = _D["fmt"],
             encoding: str = _D["encoding"], strict: bool = False, force: bool = False,
             **options: Any) -> List[str]:
    """Repairs many documents (str or bytes), each on its own, and returns
    their clean texts in order: :meth:`Fixer.fix_many` with a Fixer kept
    per thread and set of options, as :func:`fix` does."""
    explicit = {"to": to, "script": script, "punct": punct, "quotes": quotes,
                "spacing": spacing, "pinyin": pinyin, "mojibake": mojibake, "fmt": fmt,
                "encoding": encoding, "strict": strict, "force": force}
    return _cached(_normalize(explicit, options)).fix_many(texts)
