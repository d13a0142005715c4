#!/usr/bin/env python3
"""Generates data/headings.bin: what stands alone on a line of a Chinese
manual, the section headings of the installed zh_CN and zh_TW man pages.

    python3 tools/gen_headings.py OUTDIR

The mojibake stage reads a short line that came out unchanged against it
(docs/repair-mojibake.md, wave 13): the language model is built from
running text, where a one-character word such as 区 is 80 times as
frequent as 跋, but a line of one character is a heading, and 跋 is the
heading of 1,342 of 1,463 Chinese man pages while 区 heads none.

Source (Debian packages, read only): every page under /usr/share/man/zh_CN
and /usr/share/man/zh_TW (manpages-zh, and the zh pages of man-db, passwd,
login ...), read as tools/make_corpus.py reads them (gzip, UTF-8, no .so
links).  A heading is the text of a .SH or .SS request, quotes removed,
roff escapes stripped as make_corpus does, runs of white space as one
space.  Each heading counts once per page; only headings of at most
MAX_CHARS characters with a character that is not ASCII are kept (the
stage looks at short lines only).

Layout, little-endian:
  header  u32[4]: magic 'ZFHD', version, count, pages read
  records count * (u32 pages, u32 length, u32 cp[MAX_CHARS], zero padded),
          sorted by (length, cp...) so the stage can search the blob as is;
          a record whose first code point is U+0001 (CORE) counts the
          pages of a bilingual heading's Chinese core (core() below)
"""
import collections
import gzip
import os
import re
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_corpus import ESCAPES, MAN  # noqa: E402

MAX_CHARS = 16  # HEADING_CHARS of src/moji.h
MAGIC = 0x4448465A  # 'ZFHD'
VERSION = 1
REQ = re.compile(r"^\.(SH|SS)\s+(.*)$")
CORE = "\x01"  # CORE_MARK of src/repair_mojibake.c
BILINGUAL = re.compile(r"^([A-Za-z ()\[\]]*)([^\x00-\x7f](?:[^\x00-\x7f]*[^\x00-\x7f])?)([A-Za-z ()\[\]]*)$")


def page_headings(raw):
    seen = set()
    for line in raw.splitlines():
        m = REQ.match(line)
        if not m:
            continue
        h = m.group(2).replace('"', "")
        for rx, rep in ESCAPES:
            h = rx.sub(rep, h)
        h = re.sub(r"\s+", " ", h).strip()
        if h:
            seen.add(h)
            c = core(h)
            if c:
                seen.add(CORE + c)
    return seen


def core(h):
    """The Chinese of a bilingual heading (`NAME(名称)`, `又见 SEE ALSO`,
    `SEE ALSO (另见)`): one run of characters that are not ASCII, beside
    English words (two letters or more) and only spaces and brackets
    around them, or alone (`又见`), full-width brackets at the run's ends
    dropped.  The pages count a core apart from the whole headings (a
    record of CORE and the core), so the layouts of one heading count
    together and the counts of whole headings stay as they are.  None
    for other headings."""
    m = BILINGUAL.match(h)
    latin = m and m.group(1) + m.group(3)
    if not m or (latin and len(re.findall(r"[A-Za-z]", latin)) < 2):
        return None
    c = m.group(2).strip("（）［］【】")
    return c if c and len(c) < MAX_CHARS else None


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_headings.py OUTDIR")
    count = collections.Counter()
    pages = 0
    for lang in ("zh_CN", "zh_TW"):
        paths = []
        for dirpath, _, files in os.walk(os.path.join(MAN, lang)):
            paths += [os.path.join(dirpath, f) for f in files if f.endswith(".gz")]
        for path in sorted(paths):
            with gzip.open(path, "rb") as fh:
                raw = fh.read()
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if raw.startswith(".so "):
                continue
            pages += 1
            count.update(page_headings(raw))
    keep = sorted((len(h), [ord(c) for c in h], n) for h, n in count.items()
                  if len(h) <= MAX_CHARS and any(ord(c) >= 0x80 for c in h))
    out = bytearray(struct.pack("<4I", MAGIC, VERSION, len(keep), pages))
    for n, cps, pg in keep:
        out += struct.pack("<2I", pg, n) + struct.pack("<%dI" % MAX_CHARS, *(cps + [0] * (MAX_CHARS - n)))
    os.makedirs(sys.argv[1], exist_ok=True)
    with open(os.path.join(sys.argv[1], "headings.bin"), "wb") as fh:
        fh.write(out)


if __name__ == "__main__":
    main()
