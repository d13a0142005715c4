"""zhfix: repair damaged Chinese text and write clean text, from Python.

A thin binding over libzhfix (the C library behind the ``zhfix`` command):
it decodes whatever encoding the text arrived in, repairs mojibake and
content-farm damage, converts Simplified/Traditional and normalizes
punctuation, with the same results as the command line.

>>> import zhfix
>>> zhfix.fix("這是简体中文,测试。", to="simp")
'这是简体中文，测试。'
>>> fixer = zhfix.Fixer(to="trad")          # one per thread, reusable
>>> fixer.fix(b"\\xd6\\xd0\\xce\\xc4")           # bytes in any encoding (GBK here)
'中文'
>>> fixer.stats["bytes_in"], fixer.encoding
(4, 'gb18030')

Modules: :mod:`zhfix.jsonl` cleans JSON Lines records exactly as
``zhfix --jsonl`` does; :mod:`zhfix.dask` maps that over a corpus on Dask.
"""
from ._core import (BadInputError, BinaryInputError, Error, Fixer, InternalError,
                    InvalidBytesWarning, NoMemoryError, OptionError, Span, StateError,
                    UnrecoverableSpanWarning, UnsupportedError, ZhfixWarning, fix,
                    fix_many, library_version, stat_names)

__version__ = library_version

__all__ = [
    "fix", "fix_many", "Fixer", "Span", "stat_names", "library_version",
    "Error", "OptionError", "NoMemoryError", "BadInputError", "BinaryInputError",
    "StateError", "UnsupportedError", "InternalError",
    "ZhfixWarning", "InvalidBytesWarning", "UnrecoverableSpanWarning",
]
