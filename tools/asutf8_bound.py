#!/usr/bin/env python3
"""Upper bound of what GBK or Big5 text read by a dropping UTF-8 decoder
(errors="ignore") still holds (issue #15; docs/repair-lost-utf8.md).

    python3 tools/asutf8_bound.py DIR [CLASS ...]

DIR is a tools/lossy_sim.py output.  For each lossy line of the class
(gbk-as-utf8-ignore, big5-as-utf8-ignore) the original is encoded in the
source (CPython gbk / cp950) and decoded as UTF-8 byte by byte as CPython
does with errors="ignore", keeping which source bytes survive and how:
inside a multi-byte stray character, or as ASCII.  A non-ASCII character
of the original counts as

  held      both its bytes survived inside one stray character (its pair
            is there to be read, in the right phase), or its lead inside a
            stray character and its trail (40-7E) as the ASCII byte right
            after it;
  lost      anything else.

The bytes alone decide none of them (every stray character has two
phases and the gaps have no length), so the bytes-only ceiling of mark
mode is 0; "held" bounds what a model choosing the phase could restore.
"""
import os
import sys


def utf8_spans(b):
    """CPython's UTF-8 decoder with errors="ignore": (start, end, kind) of
    each byte run it keeps, kind 'a' ASCII or 'm' a multi-byte character."""
    out, i, n = [], 0, len(b)
    while i < n:
        c = b[i]
        if c < 0x80:
            out.append((i, i + 1, "a"))
            i += 1
            continue
        if 0xC2 <= c <= 0xDF:
            k = 2
        elif 0xE0 <= c <= 0xEF:
            k = 3
        elif 0xF0 <= c <= 0xF4:
            k = 4
        else:
            i += 1
            continue
        try:
            b[i:i + k].decode("utf-8")
            out.append((i, i + k, "m"))
            i += k
        except UnicodeDecodeError:
            i += 1
    return out


def main():
    d = sys.argv[1]
    classes = sys.argv[2:] or ["gbk-as-utf8-ignore", "big5-as-utf8-ignore"]
    for name in classes:
        src = "gbk" if name.startswith("gbk") else "cp950"
        with open(os.path.join(d, name + ".orig"), encoding="utf-8") as f:
            orig = f.read().split("\n")
        with open(os.path.join(d, name + ".lossy"), encoding="utf-8") as f:
            lossy = f.read().split("\n")
        total = held = 0
        for o, l in zip(orig, lossy):
            if l != "1":
                continue
            try:
                b = o.encode(src)
            except UnicodeEncodeError:
                continue
            where = [None] * len(b)  # span index of each surviving byte
            spans = utf8_spans(b)
            for k, (s, e, _) in enumerate(spans):
                for q in range(s, e):
                    where[q] = k
            at = 0
            for ch in o:
                cb = ch.encode(src)
                if ord(ch) >= 0x80:
                    total += 1
                    if len(cb) == 2:
                        a, z = where[at], where[at + 1]
                        if a is not None and spans[a][2] == "m" and (
                                z == a or (z == a + 1 and spans[z][2] == "a" and spans[a][1] == at + 1)):
                            held += 1
                at += len(cb)
        print("%s: %d non-ASCII characters in lossy lines, held %d (%.2f%%), bytes-only 0" % (
            name, total, held, 100.0 * held / total if total else 0))


if __name__ == "__main__":
    main()
