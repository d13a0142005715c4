"""The examples in the package's docstrings run as written."""
import doctest

import zhfix
import zhfix.dask
import zhfix.jsonl


def test_docstring_examples():
    for mod in (zhfix, zhfix.jsonl, zhfix.dask):
        failed, tried = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
        assert failed == 0, mod.__name__
    assert doctest.testmod(zhfix).attempted >= 3
