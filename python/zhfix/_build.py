"""cffi build script for ``zhfix._zhfix`` (API mode, compiled against zhfix.h).

setup.py names ``build_ffi`` in ``cffi_modules``; the script can also be
run alone (``python3 zhfix/_build.py``) to build the module in place.

Where the library comes from, in this order:

1. A zhfix build tree: ``$ZHFIX_BUILD``, or ``../build`` next to this
   package's source (the tree it ships in), if it holds
   ``zhfix-uninstalled.pc`` (written by ``make``).  The static archive
   ``libzhfix.a`` is linked into the module, so the installed package does
   not depend on the build tree staying where it is; the libraries it needs
   (ICU, the C++ runtime) come from the ``Libs.private`` of that .pc file,
   the same list an installed ``zhfix.pc`` gives C users.
2. An installed libzhfix found by ``pkg-config zhfix`` (``PKG_CONFIG_PATH``
   is honoured): the shared library is linked, with an rpath to its
   directory unless that is a system directory.

``ZHFIX_USE_INSTALLED=1`` skips step 1.
"""
import os
import shlex
import subprocess
import sys

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
PKGROOT = os.path.dirname(HERE)

# Declarations the binding uses.  The values of the enums are left to the
# C compiler (the trailing "..."), so they come from the header itself.
CDEF = r"""
typedef enum zhfix_status {
  ZHFIX_OK, ZHFIX_E_NOMEM, ZHFIX_E_INVALID, ZHFIX_E_BAD_INPUT, ZHFIX_E_BINARY,
  ZHFIX_E_STATE, ZHFIX_E_UNSUPPORTED, ZHFIX_E_INTERNAL, ...
} zhfix_status;
typedef enum zhfix_directive { ZHFIX_CONTINUE, ZHFIX_END, ... } zhfix_directive;
typedef enum zhfix_stat { ZHFIX_STAT_ENCODING, ZHFIX_STAT_SCRIPT,
  ZHFIX_STAT_INVALID_SEQUENCES, ZHFIX_STAT_FIRST_INVALID_OFFSET,
  ZHFIX_STAT_UNRECOVERABLE_SPANS, ... } zhfix_stat;

#define ZHFIX_MAX_SPANS ...
#define ZHFIX_DETECT_WINDOW ...
#define ZHFIX_MAX_SEGMENT ...

typedef struct zhfix zhfix;
typedef struct zhfix_in { const void *src; size_t size; size_t pos; } zhfix_in;
typedef struct zhfix_out { void *dst; size_t size; size_t pos; } zhfix_out;

const char *zhfix_version(void);
int zhfix_version_number(void);
const char *zhfix_strerror(int status);
zhfix_status zhfix_reset(zhfix *h);
zhfix_status zhfix_set_option_string(zhfix *h, const char *name, const char *value);
const char *zhfix_encoding_name(int enc);
const char *zhfix_script_name(int script);
zhfix_status zhfix_stream(zhfix *h, zhfix_out *out, zhfix_in *in,
                          zhfix_directive end, size_t *pending);
uint64_t zhfix_get_stat(const zhfix *h, zhfix_stat which);
const char *zhfix_stat_name(zhfix_stat which);
int zhfix_get_span(const zhfix *h, size_t i, uint64_t *offset, uint64_t *length);

/* the binding's own helpers (below) */
typedef struct zfpy {
  zhfix *h;
  char *out;   /* the last document's output, out[0..len) */
  size_t len;
  size_t cap;
} zfpy;
zfpy *zfpy_new(void);
void zfpy_del(zfpy *c);
int zfpy_fix(zfpy *c, const char *src, size_t len);
int zfpy_fix_many(zfpy *c, const char *src, const size_t *lens, size_t n,
                  size_t *ends, size_t *failed);
void zfpy_trim(zfpy *c);
size_t zfpy_stats(const zfpy *c, uint64_t *v, size_t n);
size_t zfpy_spans(const zfpy *c, uint64_t *v, size_t n);
"""

# Only the public API is used.  zfpy_fix is zhfix_process() writing into a
# buffer kept between calls, so that a short record costs one call (the
# GIL is released once) and no allocation.
SOURCE = r"""
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zhfix.h>

typedef struct zfpy {
  zhfix *h;
  char *out;
  size_t len;
  size_t cap;
} zfpy;

/* Output buffers above this are given back after each document. */
#define ZFPY_KEEP (1u << 20)

static zfpy *zfpy_new(void) {
  zfpy *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->h = zhfix_create();
  if (!c->h) {
    free(c);
    return NULL;
  }
  return c;
}

static void zfpy_del(zfpy *c) {
  if (!c) return;
  zhfix_free(c->h);
  free(c->out);
  free(c);
}

static int zfpy_grow(zfpy *c, size_t need) {
  if (need <= c->cap) return 0;
  size_t cap = c->cap ? c->cap : 256;
  while (cap < need) cap = cap * 2;
  char *p = realloc(c->out, cap);
  if (!p) return -1;
  c->out = p;
  c->cap = cap;
  return 0;
}

/* One document, src[0..len), appended to out[c->len..). */
static int zfpy_doc(zfpy *c, const char *src, size_t len) {
  int rc = zhfix_reset(c->h);
  if (rc) return rc;
  if (zfpy_grow(c, c->len + len + len / 2 + 64)) return ZHFIX_E_NOMEM;
  zhfix_in in = {src, len, 0};
  int stuck = 0;
  for (;;) {
    zhfix_out o = {c->out + c->len, c->cap - c->len, 0};
    size_t pending = 0, before = in.pos;
    rc = zhfix_stream(c->h, &o, &in, ZHFIX_END, &pending);
    c->len += o.pos;
    if (rc) return rc;
    if (!pending && in.pos == in.size) return ZHFIX_OK;
    if (o.pos == 0 && in.pos == before && ++stuck > 2) return ZHFIX_E_INTERNAL;
    if (c->cap - c->len < 4096 && zfpy_grow(c, c->cap + 65536)) return ZHFIX_E_NOMEM;
  }
}

static int zfpy_fix(zfpy *c, const char *src, size_t len) {
  c->len = 0;
  return zfpy_doc(c, src, len);
}

/* n documents given one after another in src (lens[i] bytes each), each
   its own document (the handle is reset before each), their outputs one
   after another in out[0..len): output i ends at out + ends[i].  On an
   error, *failed is the index of the document that failed (the handle
   describes it), ends[0..*failed) are set, and its status is returned;
   the documents after it are not run. */
static int zfpy_fix_many(zfpy *c, const char *src, const size_t *lens, size_t n,
                         size_t *ends, size_t *failed) {
  c->len = 0;
  for (size_t i = 0; i < n; i++) {
    size_t start = c->len;
    int rc = zfpy_doc(c, src, lens[i]);
    if (rc) {
      *failed = i;
      c->len = start;
      return rc;
    }
    src += lens[i];
    ends[i] = c->len;
  }
  *failed = n;
  return ZHFIX_OK;
}

static void zfpy_trim(zfpy *c) {
  if (c->cap > ZFPY_KEEP) {
    free(c->out);
    c->out = NULL;
    c->cap = c->len = 0;
  }
}

/* Every counter the library names, in enum order; returns how many. */
static size_t zfpy_stats(const zfpy *c, uint64_t *v, size_t n) {
  size_t i = 0;
  for (; i < n && zhfix_stat_name((zhfix_stat)i); i++)
    v[i] = zhfix_get_stat(c->h, (zhfix_stat)i);
  return i;
}

/* The kept unrecoverable spans as offset, length pairs; returns how many. */
static size_t zfpy_spans(const zfpy *c, uint64_t *v, size_t n) {
  size_t i = 0;
  while (i < n && zhfix_get_span(c->h, i, &v[2 * i], &v[2 * i + 1])) i++;
  return i;
}
"""

SYSTEM_LIBDIRS = {"/usr/lib", "/lib", "/usr/lib64", "/lib64", "/usr/local/lib"}


def _pkg_config(*args, env=None):
    cmd = [os.environ.get("PKG_CONFIG", "pkg-config"), *args]
    try:
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    except FileNotFoundError:
        raise SystemExit("zhfix: pkg-config is needed to find libzhfix "
                         "(apt-get install pkg-config)") from None
    except subprocess.CalledProcessError as e:
        raise LookupError(e.stderr.strip() or " ".join(cmd)) from None
    return shlex.split(out.stdout)


def _split(flags, kw):
    """Sorts compiler/linker flags into setuptools Extension arguments."""
    for f in flags:
        if f.startswith("-I"):
            kw["include_dirs"].append(f[2:])
        elif f.startswith("-L"):
            kw["library_dirs"].append(f[2:])
        elif f.startswith("-l"):
            kw["libraries"].append(f[2:])
        elif f.startswith("-D"):
            name, _, value = f[2:].partition("=")
            kw["define_macros"].append((name, value or None))
        else:
            kw["extra_link_args"].append(f)


def _tree_build_dir():
    if os.environ.get("ZHFIX_USE_INSTALLED"):
        return None
    build = os.environ.get("ZHFIX_BUILD") or os.path.join(os.path.dirname(PKGROOT), "build")
    pc = os.path.join(build, "zhfix-uninstalled.pc")
    return build if os.path.isfile(pc) else None


def library_config():
    """Returns (description, Extension keyword arguments)."""
    # depends: setuptools relinks only when a dependency is newer than the
    # module; the archive is not a source, so without it a rebuilt
    # libzhfix.a would be left out of a reinstall.
    kw = {"include_dirs": [], "library_dirs": [], "libraries": [], "extra_objects": [],
          "extra_link_args": [], "define_macros": [], "depends": []}
    build = _tree_build_dir()
    if build:
        pc = os.path.join(os.path.abspath(build), "zhfix-uninstalled.pc")
        libdir = _pkg_config("--variable=libdir", pc)[0]
        archive = os.path.join(libdir, "libzhfix.a")
        if not os.path.isfile(archive):
            raise SystemExit(f"zhfix: {archive} is missing: run make first")
        _split(_pkg_config("--cflags", pc), kw)
        libs = _pkg_config("--static", "--libs", pc)
        _split([f for f in libs if f not in ("-lzhfix", "-L" + libdir)], kw)
        kw["extra_objects"].append(archive)
        kw["depends"] += [archive, os.path.join(kw["include_dirs"][0], "zhfix.h"), pc]
        return f"the build tree {build} (static {archive})", kw
    try:
        _split(_pkg_config("--cflags", "zhfix"), kw)
        _split(_pkg_config("--libs", "zhfix"), kw)
        libdir = _pkg_config("--variable=libdir", "zhfix")[0]
    except LookupError as e:
        raise SystemExit(
            "zhfix: libzhfix not found.  Run `make` in the zhfix source tree (the "
            "package links build/libzhfix.a), or install the library and make "
            f"`pkg-config zhfix` find it (PKG_CONFIG_PATH).  pkg-config said: {e}") from None
    if os.path.realpath(libdir) not in SYSTEM_LIBDIRS and not libdir.startswith("/usr/lib/"):
        kw["extra_link_args"].append("-Wl,-rpath," + libdir)
    kw["depends"] += [p for p in [os.path.join(d, "zhfix.h") for d in kw["include_dirs"]]
                      + [os.path.join(libdir, "libzhfix.so")] if os.path.exists(p)]
    return f"the installed library in {libdir} (shared)", kw


def library_version():
    """The version of the library the module will be built against."""
    build = _tree_build_dir()
    pc = os.path.join(os.path.abspath(build), "zhfix-uninstalled.pc") if build else "zhfix"
    try:
        return _pkg_config("--modversion", pc)[0]
    except (LookupError, IndexError):
        return "0"


def build_ffi():
    """The FFI builder (setup.py: cffi_modules=["zhfix/_build.py:build_ffi"])."""
    where, kw = library_config()
    print(f"zhfix: building the Python binding against {where}", file=sys.stderr)
    ffi = FFI()
    ffi.cdef(CDEF)
    ffi.set_source("zhfix._zhfix", SOURCE, **kw)
    return ffi


if __name__ == "__main__":
    build_ffi().compile(tmpdir=PKGROOT, verbose=True)
