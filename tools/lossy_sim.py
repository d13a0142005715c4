#!/usr/bin/env python3
"""Damages test corpora the way decoders that lose bytes do (issue #15).

    python3 tools/lossy_sim.py --corpus build/corpus --out DIR
        [--budget BYTES] [--skip BYTES] [--source-files utf8=zh_CN,zh_TW ...]
        [--class NAME ...]

Each class is (source encoding, decoder, error style): the corpus line is
encoded in the source (UTF-8, GBK or Big5 = cp950) and decoded by the
decoder (tools/lost_codecs.py: CPython's codecs, ICU through uconv, glibc's
iconv -c, the WHATWG decoders) with errors replaced by U+FFFD
("replace"), replaced by '?' (ICU windows-936 with '?' for U+FFFD, as
cp936 writes it: "qmark") or dropped ("ignore").  For each class DIR gets

  NAME.orig   the original lines (UTF-8), one per line
  NAME.dam    the same lines as the decoder left them
  NAME.lossy  one character per line: 1 when bytes were lost, 0 when the
              decode was a lossless wrong decode (or changed nothing)

and DIR/MANIFEST.tsv lists the classes with their line counts.  Lines come
from the start of each source file after --skip bytes, with non-ASCII text
and no control characters but tab, up to --budget bytes of UTF-8 per class
(half from each of the class's files); lines the source encoding cannot
hold (a Simplified character in Big5) are left out and counted.
Deterministic.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lost_codecs as LC  # noqa: E402

# (source, decoder, style)
CLASSES = []
for dec, styles in [("py-gbk", ["replace", "ignore"]), ("whatwg-gbk", ["replace"]),
                    ("icu-gbk", ["replace", "qmark"]), ("glibc-gbk", ["ignore"]),
                    ("py-big5", ["replace", "ignore"]), ("whatwg-big5", ["replace"]),
                    ("icu-big5", ["replace"]), ("glibc-big5", ["ignore"]),
                    ("py-cp1252", ["replace", "ignore"])]:
    for st in styles:
        CLASSES.append(("utf8", dec, st))
for dec, styles in [("py-big5", ["replace", "ignore"]), ("whatwg-big5", ["replace"]),
                    ("icu-big5", ["replace"]), ("glibc-big5", ["ignore"]),
                    ("utf8", ["replace", "ignore"])]:
    for st in styles:
        CLASSES.append(("gbk", dec, st))
for dec, styles in [("py-gbk", ["replace", "ignore"]), ("whatwg-gbk", ["replace"]),
                    ("icu-gbk", ["replace"]), ("glibc-gbk", ["ignore"]),
                    ("utf8", ["replace", "ignore"])]:
    for st in styles:
        CLASSES.append(("big5", dec, st))

DEFAULT_FILES = {"utf8": ["zh_CN.txt", "zh_TW.txt"], "gbk": ["zh_CN.txt", "zh_TW.txt"],
                 "big5": ["zh_TW.txt", "zh_CN.txt"]}


def class_name(src, dec, style):
    return "%s-as-%s-%s" % (src, dec, style)


def usable(line):
    if not any(ord(c) >= 0x80 for c in line):
        return False
    return not any((ord(c) < 0x20 and c != "\t") or 0x7F <= ord(c) < 0xA0 or
                   c in "\u2028\u2029\ufffd" for c in line)


def read_lines(path, skip, budget):
    with open(path, "rb") as f:
        data = f.read()
    if skip:
        data = data[skip:]
        nl = data.find(b"\n")
        data = data[nl + 1:] if nl >= 0 else b""
    out, used = [], 0
    for raw in data.split(b"\n"):
        if used >= budget:
            break
        try:
            line = raw.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError:
            continue
        if not usable(line) or len(raw) > 60000:
            continue
        out.append(line)
        used += len(raw) + 1
    return out


def byte_len(dec, c):
    """Bytes the decoder read for output character c (0 for a marker)."""
    if c == "\ufffd":
        return 0
    if ord(c) < 0x80:
        return 1
    if dec == "utf8":
        return len(c.encode("utf-8"))
    if dec == "py-cp1252":
        return 1
    return 1 if c in SINGLES.get(dec, ()) else 2


SINGLES = {}


def damage(src, dec, style, lines):
    """Encodes the lines in src, decodes them with dec; returns
    (kept lines, damaged lines, lossy flags, lines left out)."""
    enc, kept = [], []
    for ln in lines:
        b = LC.encode(src, ln)
        if b is None:
            continue
        enc.append(b)
        kept.append(ln)
    if not kept:
        return [], [], [], len(lines)
    errors = "ignore" if style == "ignore" else "replace"
    text = LC.decode(dec, b"\n".join(enc) + b"\n", errors)
    dam = text.split("\n")[:-1]
    if len(dam) != len(kept):
        raise RuntimeError("%s: %d lines in, %d out" % (class_name(src, dec, style), len(kept), len(dam)))
    if dec not in SINGLES and dec != "utf8":
        single = LC.probe(dec)[0] if dec != "py-cp1252" else []
        SINGLES[dec] = set(chr(c) for c in single if c)
    flags = []
    for b, d in zip(enc, dam):
        flags.append(1 if sum(byte_len(dec, c) for c in d) != len(b) else 0)
    if style == "qmark":
        dam = [d.replace("\ufffd", "?") for d in dam]
    return kept, dam, flags, len(lines) - len(kept)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--budget", type=int, default=200000)
    ap.add_argument("--skip", type=int, default=0)
    ap.add_argument("--source-files", action="append", default=[],
                    help="SRC=FILE,FILE: the corpus files of a source encoding")
    ap.add_argument("--class", dest="classes", action="append", default=[])
    a = ap.parse_args()
    files = dict(DEFAULT_FILES)
    for spec in a.source_files:
        k, v = spec.split("=", 1)
        files[k] = v.split(",")
    os.makedirs(a.out, exist_ok=True)
    cache = {}
    manifest = []
    for src, dec, style in CLASSES:
        name = class_name(src, dec, style)
        if a.classes and name not in a.classes:
            continue
        if src not in cache:
            lines = []
            for fn in files[src]:
                p = os.path.join(a.corpus, fn)
                if not os.path.exists(p):
                    sys.exit("lossy_sim: %s missing (make corpus)" % p)
                lines += read_lines(p, a.skip, a.budget // len(files[src]))
            cache[src] = lines
        kept, dam, flags, left = damage(src, dec, style, cache[src])
        with open(os.path.join(a.out, name + ".orig"), "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(x + "\n" for x in kept))
        with open(os.path.join(a.out, name + ".dam"), "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(x + "\n" for x in dam))
        with open(os.path.join(a.out, name + ".lossy"), "w", encoding="ascii", newline="\n") as f:
            f.write("".join("%d\n" % x for x in flags))
        manifest.append("%s\t%s\t%s\t%s\t%d\t%d\t%d\n" % (name, src, dec, style, len(kept),
                                                          sum(flags), left))
    with open(os.path.join(a.out, "MANIFEST.tsv"), "w", encoding="utf-8") as f:
        f.write("# class\tsource\tdecoder\tstyle\tlines\tlossy lines\tlines the source cannot hold\n")
        f.write("".join(manifest))


if __name__ == "__main__":
    main()
