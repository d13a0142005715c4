#!/usr/bin/env python3
"""Builds a JSON Lines corpus from build/corpus for the JSON Lines, Dask and
GNU parallel tests and for `make bench`.

    python3 make_jsonl_corpus.py CORPUS_DIR SAMPLES_DIR OUTDIR [MEGABYTES [FILES]]

Writes OUTDIR/part-NN.jsonl (FILES files, MEGABYTES in all, default 52 and
6).  Records hold one to five corpus lines (man pages zh_CN/zh_TW, fortunes,
mixed-script lines, the sample article's damaged paragraphs), some damaged
further (UTF-8 read as GBK, as Big5, as cp1252), in the styles corpora are
written in: json.dumps with and without ensure_ascii (escaped, lower-case
hex), upper-case escapes, spaced or compact, extra fields before and after,
nested metadata, CRLF lines, blank lines, records without the field or with
a non-string one, and a few malformed lines (truncated, invalid UTF-8, a
top-level array, NaN) so that problem lines are exercised at scale.
Deterministic: the same inputs give the same bytes.
"""
import json
import os
import random
import re
import sys


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.strip()]


def damage(rng, s):
    kind = rng.randrange(3)
    try:
        if kind == 0:
            return s.encode("utf-8").decode("gbk", errors="replace")
        if kind == 1:
            return s.encode("utf-8").decode("big5", errors="replace")
        return s.encode("utf-8").decode("cp1252", errors="replace")
    except (UnicodeError, LookupError):
        return s


def upper_escapes(s):
    return re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(), s)


# zh_CN, zh_TW, fortunes, mixed, the sample article (damaged, slow to repair)
WEIGHTS = (30, 30, 20, 18, 2)


def record(rng, n, sources):
    src = rng.choices(sources, WEIGHTS)[0]
    start = rng.randrange(len(src))
    text = "\n".join(src[start:start + rng.randint(1, 5)])
    if rng.random() < 0.04:
        text = damage(rng, text)
    r = rng.random()
    if r < 0.3:
        rec = {"id": n, "text": text}
    elif r < 0.6:
        rec = {"url": f"https://example.org/{n}?a=1&b=二", "text": text, "len": len(text)}
    elif r < 0.8:
        rec = {"meta": {"source": "corpus", "tags": ["zh", n % 7], "score": n / 7.0},
               "text": text, "id": n}
    else:
        rec = {"text": text, "title": text[:12], "id": n}
    style = rng.random()
    if style < 0.4:
        line = json.dumps(rec, ensure_ascii=False)
    elif style < 0.7:
        line = json.dumps(rec)
    elif style < 0.8:
        line = upper_escapes(json.dumps(rec))
    elif style < 0.9:
        line = json.dumps(rec, ensure_ascii=False, separators=(",", ":"))
    else:
        line = json.dumps(rec, ensure_ascii=False, indent=None, separators=(" , ", " : "))
    return line.encode("utf-8")


def odd_line(rng, n):
    kind = n % 9
    if kind == 0:
        return b""                                                   # blank
    if kind == 1:
        return b'{"id": %d, "title": "\xe6\xb2\xa1\xe6\x9c\x89 text"}' % n  # no field
    if kind == 2:
        return b'{"id": %d, "text": %d}' % (n, n)                       # not a string
    if kind == 3:
        return b'{"id": %d, "text": "\xe6\x96\x87\xe5\xad\x97, \xe5\x86\x85\xe5\xae\xb9' % n  # truncated
    if kind == 4:
        return b'{"id": %d, "text": "\xd6\xd0\xce\xc4 gbk bytes"}' % n   # invalid UTF-8
    if kind == 5:
        return b'["text", "\xe4\xb8\xad\xe6\x96\x87,\xe6\xb5\x8b\xe8\xaf\x95"]'  # not an object
    if kind == 6:
        return b'{"id": NaN, "text": "\xe4\xb8\xad\xe6\x96\x87,\xe6\xb5\x8b\xe8\xaf\x95"}'
    if kind == 7:
        return b'{"id": %d, "text": "\\u4e2d\\u6587,\\u6d4b\\u8bd5"}\r' % n  # CRLF
    return b'{"id": %d, "text": "NUL \\u0000 \xe4\xb8\xad\xe6\x96\x87,\xe6\xb5\x8b\xe8\xaf\x95"}' % n


def build(corpus, samples, outdir, megabytes=52, files=6):
    sources = [read_lines(os.path.join(corpus, n))
               for n in ("zh_CN.txt", "zh_TW.txt", "fortunes.txt", "mixed.txt")]
    sample = os.path.join(samples, "000_22c49fc42f219c9f.txt")
    sources.append(read_lines(sample))
    os.makedirs(outdir, exist_ok=True)
    for old in os.listdir(outdir):
        if old.startswith("part-") and old.endswith(".jsonl"):
            os.unlink(os.path.join(outdir, old))
    per_file = megabytes * 1000 * 1000 // files + 1
    rng = random.Random(16)
    n = 0
    paths = []
    for k in range(files):
        path = os.path.join(outdir, f"part-{k:02d}.jsonl")
        size = 0
        with open(path, "wb") as f:
            while size < per_file:
                n += 1
                line = odd_line(rng, n) if n % 997 == 0 else record(rng, n, sources)
                f.write(line + b"\n")
                size += len(line) + 1
            if k == files - 1:
                # the last line of the last file without its newline
                line = record(rng, n + 1, sources)
                f.write(line)
        paths.append(path)
    return paths


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    mb = int(sys.argv[4]) if len(sys.argv) > 4 else 52
    nf = int(sys.argv[5]) if len(sys.argv) > 5 else 6
    for p in build(sys.argv[1], sys.argv[2], sys.argv[3], mb, nf):
        print(p, os.path.getsize(p))
