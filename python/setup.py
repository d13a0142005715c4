"""Builds the cffi module zhfix._zhfix.  zhfix/_build.py says where the
library is taken from: the zhfix build tree this directory ships in, else an
installed libzhfix found by pkg-config."""
import importlib.util
import os

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("zhfix_build", os.path.join(HERE, "zhfix", "_build.py"))
_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_build)

# The package's version is the library's.  zhfix._held (Fixer.fix's call,
# with the GIL kept for short inputs) links nothing: it reaches the library
# through the cffi module.
setup(version=_build.library_version(), cffi_modules=["zhfix/_build.py:build_ffi"],
      ext_modules=[Extension("zhfix._held", ["zhfix/_held.c"])])
