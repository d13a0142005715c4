#!/usr/bin/env python3
"""Mixed documents (issue #15, item 4): every damaged line judged on its own.

Builds documents from corpus text (build/corpus) in which each line carries
its own damage, drawn from every lossless class the mojibake stage undoes
(docs/repair-mojibake.md), interleaved with clean lines, runs each document
through the CLI (one process per document, so each is a document of its
own), and scores:

  * lossless damaged lines restored exactly (overall and per class),
  * clean lines changed (must be 0).

Damage is made with ICU's windows-936 and windows-950 tables (read through
uconv, the tables the stage itself uses) and windows-1252 with its five
undefined bytes read as the C1 control of the same value (as WHATWG reads
them); a line is used only where the wrong decode is lossless (strict
decode, and encoding the result gives the same bytes back) and changes the
line.  Classes that need OpenCC (garbage then converted) are not made here;
tests/test_mojibake.c measures them.

Documents vary their majority damage: each document draws 60% of its damaged
lines from one class (rotating through the classes, and one document in
every len(CLASSES)+1 has no majority), the rest from all classes at random;
about half the lines of a document are clean, Simplified or Traditional.

Documents of Python's own decoders (PY_CLASSES: GBK read by CPython's
cp950, whose table differs from ICU's) follow, --py-docs of them (a quarter
of --docs by default), drawn with a generator of their own so the documents
above stay the same; they are scored apart ("pyexact" in the floors).

Slices: text is taken from the corpus files past 1.2 MB (test_mojibake
tunes on the first 1.1 MB), cut at the middle of what is left: `tune`
takes the first half, `gate` the second.  Nothing of one slice is in the
other.

  tools/mixed_docs.py [--slice tune|gate] [--docs N] [--zhfix PATH]
                      [--lost MODE] [--misses] [--floors FILE]
With --floors, the overall exact figure must reach the file's floor
(`exact >= X`), each class its own (`exact CLASS >= X`), the same for the
documents of Python's decoders (`pyexact`), and no clean line may change;
the exit status says whether it did.
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

C1 = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def dec_1252(b):
    """windows-1252 as WHATWG reads it (undefined bytes are C1 controls)."""
    return "".join(chr(x) if x in C1 else bytes([x]).decode("cp1252") for x in b)


def enc_1252(s):
    out = bytearray()
    for c in s:
        if ord(c) in C1:
            out.append(ord(c))
        else:
            out += c.encode("cp1252")
    return bytes(out)


_DBCS = {}


def icu_table(enc):
    """The double-byte table of ICU's converter enc (windows-936,
    windows-950), the tables the stage reads (src/codec.c): code -> char.
    CPython's cp950 differs (it decodes C6F4 as a kana, ICU as private
    use), and a line is lossless only for the tables the repair uses."""
    if enc in _DBCS:
        return _DBCS[enc]
    codes = [(a << 8) | b for a in range(0x81, 0xFF) for b in range(0x40, 0xFF) if b != 0x7F]
    raw = b"".join(bytes([c >> 8, c & 0xFF]) + b"\n" for c in codes)
    out = subprocess.run(["uconv", "-f", enc, "-t", "utf-8", "--callback", "substitute"], input=raw,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode("utf-8")
    dec, enc_map = {}, {}
    for c, u in zip(codes, out.split("\n")):
        if len(u) == 1 and u not in ("\ufffd", "\x1a"):
            dec[c] = u
            enc_map.setdefault(u, c)
    if enc == "windows-936":
        enc_map.setdefault("\u20ac", 0x80)
    _DBCS[enc] = (dec, enc_map)
    return _DBCS[enc]


def dbcs_decode(data, enc):
    dec, _ = icu_table(enc)
    out, i = [], 0
    while i < len(data):
        b = data[i]
        if b < 0x80:
            out.append(chr(b))
            i += 1
        elif b == 0x80 and enc == "windows-936":
            out.append("\u20ac")
            i += 1
        elif i + 1 < len(data) and ((b << 8) | data[i + 1]) in dec:
            out.append(dec[(b << 8) | data[i + 1]])
            i += 2
        else:
            raise UnicodeDecodeError(enc, data, i, i + 1, "invalid")
    return "".join(out)


def dbcs_encode(s, enc):
    _, em = icu_table(enc)
    out = bytearray()
    for c in s:
        if ord(c) < 0x80:
            out.append(ord(c))
        elif c in em:
            v = em[c]
            out += bytes([v]) if v < 0x100 else bytes([v >> 8, v & 0xFF])
        else:
            raise UnicodeEncodeError(enc, s, 0, 1, "unmappable")
    return bytes(out)


def wrong(data, enc):
    """data (bytes) read as enc, losslessly, or None."""
    try:
        if enc == "1252":
            s = dec_1252(data)
            back = enc_1252(s)
        elif enc.startswith("windows-"):
            s = dbcs_decode(data, enc)
            back = dbcs_encode(s, enc)
        else:
            s = data.decode(enc)
            back = s.encode(enc)
    except (UnicodeDecodeError, UnicodeEncodeError):
        return None
    return s if back == data else None


def u8(s):
    return s.encode("utf-8")


def chain(text, steps):
    """Apply (source encoding, wrong encoding) steps in turn."""
    for src, enc in steps:
        try:
            data = dbcs_encode(text, src) if src.startswith("windows-") else text.encode(src)
        except UnicodeEncodeError:
            return None
        text = wrong(data, enc)
        if text is None:
            return None
    return text


# name -> (which text: "s" Simplified, "t" Traditional, "*" either, steps)
CLASSES = {
    "utf8-as-gbk": ("*", [("utf-8", "windows-936")]),
    "utf8-as-big5": ("*", [("utf-8", "windows-950")]),
    "utf8-as-1252": ("*", [("utf-8", "1252")]),
    "utf8-as-latin1": ("*", [("utf-8", "latin-1")]),
    "utf8-1252-twice": ("*", [("utf-8", "1252"), ("utf-8", "1252")]),
    "utf8-gbk-then-1252": ("*", [("utf-8", "windows-936"), ("utf-8", "1252")]),
    "utf8-gbk-twice": ("*", [("utf-8", "windows-936"), ("utf-8", "windows-936")]),
    "gbk-as-big5": ("s", [("windows-936", "windows-950")]),
    "big5-as-gbk": ("t", [("windows-950", "windows-936")]),
    "gbk-as-1252": ("s", [("windows-936", "1252")]),
    "big5-as-1252": ("t", [("windows-950", "1252")]),
}

# Damage by Python's own codecs (errors="strict": lossless lines only),
# in documents of their own (--py-docs) after the ones above, so that
# those stay as they were.  CPython's cp950 is a real-world decoder
# (open(..., encoding="cp950"), requests' guess for Big5 pages) that
# differs from ICU's windows-950 in rows C6A1..C7FC: kana, Cyrillic and
# circled numbers where ICU has private use, and GBK's rows C6 and C7 (启,
# 请, 区...) land there.
PY_CLASSES = {
    "gbk-as-cp950": ("s", [("windows-936", "cp950")]),
}
ALL_CLASSES = dict(CLASSES, **PY_CLASSES)

SIMP = ["zh_CN.txt", "mixed.txt"]
TRAD = ["zh_TW.txt"]
SKIP = 1200000


def has_han(s):
    return any("\u3400" <= c <= "\u9fff" for c in s)


def slice_lines(path, part):
    with open(path, "rb") as f:
        data = f.read()
    start = data.find(b"\n", SKIP) + 1 if len(data) > SKIP else len(data)
    mid = start + (len(data) - start) // 2
    mid = data.find(b"\n", mid) + 1 if mid < len(data) else len(data)
    chunk = data[start:mid] if part == "tune" else data[mid:]
    out = []
    for line in chunk.decode("utf-8", "replace").split("\n"):
        line = line.rstrip("\r")
        if line and "\ufffd" not in line and has_han(line) and len(line) <= 400:
            out.append(line)
    return out


def build(corpus, part, ndocs, per_doc, seed, py_docs=0):
    rnd = random.Random(seed)
    pools = {"s": [], "t": []}
    for k, files in (("s", SIMP), ("t", TRAD)):
        for f in files:
            p = os.path.join(corpus, f)
            if os.path.exists(p):
                pools[k] += slice_lines(p, part)
        rnd.shuffle(pools[k])
    pos = {"s": 0, "t": 0}

    def take(rnd, k):
        if k == "*":
            k = rnd.choice("st")
        line = pools[k][pos[k] % len(pools[k])]
        pos[k] += 1
        return line

    def make_doc(rnd, major, names):
        lines = []  # (kind, input, want)
        for _ in range(per_doc):
            if rnd.random() < 0.5:
                c = take(rnd, "*")
                lines.append(("clean", c, c))
                continue
            cls = major if major and rnd.random() < 0.6 else rnd.choice(names)
            which, steps = ALL_CLASSES[cls]
            for _try in range(50):
                orig = take(rnd, which)
                dam = chain(orig, steps)
                if dam is not None and dam != orig:
                    lines.append((cls, dam, orig))
                    break
        return lines

    names = list(CLASSES)
    docs = []
    for d in range(ndocs):
        major = d % (len(names) + 1)
        major = names[major] if major < len(names) else None
        docs.append((major or "none", make_doc(rnd, major, names)))
    # Python's decoders: each document's majority damage is one of them,
    # the rest drawn from every class
    rnd = random.Random(seed + 500)
    py = list(PY_CLASSES)
    for d in range(py_docs):
        major = py[d % len(py)]
        docs.append((major, make_doc(rnd, major, names + py)))
    return docs


def run_doc(zhfix, extra, doc):
    data = ("\n".join(x[1] for x in doc[1]) + "\n").encode("utf-8")
    p = subprocess.run([zhfix, "-q", "--punct=off"] + extra, input=data,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.decode("utf-8", "replace").split("\n")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--slice", default="tune", choices=["tune", "gate"])
    ap.add_argument("--docs", type=int, default=240)
    ap.add_argument("--lines", type=int, default=40, help="lines per document")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--corpus", default=os.environ.get("ZHFIX_CORPUS", "build/corpus"))
    ap.add_argument("--zhfix", default=os.environ.get("ZHFIX_BIN", "build/zhfix"))
    ap.add_argument("--lost", help="pass --lost=MODE")
    ap.add_argument("--misses", action="store_true", help="print every line missed")
    ap.add_argument("--floors", help="hold the figures to this file's floors")
    ap.add_argument("--write-floors", help="write the figures measured now, 1 point under, as floors")
    ap.add_argument("--py-docs", type=int, default=None,
                    help="documents damaged mostly by Python's codecs, after the others (default: a quarter of --docs)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--dump", help="write each document (NNN.in, NNN.want) here")
    a = ap.parse_args()

    seed = a.seed + (0 if a.slice == "tune" else 1000)
    py_docs = a.docs // 4 if a.py_docs is None else a.py_docs
    docs = build(a.corpus, a.slice, a.docs, a.lines, seed, py_docs)
    extra = ["--lost=" + a.lost] if a.lost else []
    if a.dump:
        os.makedirs(a.dump, exist_ok=True)
        for n, (major, lines) in enumerate(docs):
            for ext, col in (("in", 1), ("want", 2)):
                with open(os.path.join(a.dump, "%03d.%s" % (n, ext)), "w", encoding="utf-8") as f:
                    f.write("".join(x[col] + "\n" for x in lines))
    with ThreadPoolExecutor(a.jobs) as ex:
        outs = list(ex.map(lambda d: run_doc(a.zhfix, extra, d), docs))

    # Two sets of figures: the documents of ICU's tables (the first
    # a.docs, as they always were: "exact"), and those of Python's
    # decoders after them ("pyexact"), each overall and per class.
    sets = ({}, {})
    clean_n = clean_changed = 0
    for dn, ((major, lines), out) in enumerate(zip(docs, outs)):
        per = sets[dn >= a.docs]
        for i, (kind, inp, want) in enumerate(lines):
            got = out[i] if i < len(out) else None
            if kind == "clean":
                clean_n += 1
                if got != want:
                    clean_changed += 1
                    if a.misses:
                        print("CLEAN CHANGED [%s]\n  in : %s\n  out: %s" % (major, want, got))
                continue
            t = per.setdefault(kind, [0, 0])
            t[0] += 1
            if got == want:
                t[1] += 1
            elif a.misses:
                print("MISS %s [doc %s %03d line %d]\n  want: %s\n  in  : %s\n  out : %s" % (kind, major, dn, i + 1, want, inp, got))
    figures = {}  # floor key -> (measured %, what)
    print("mixed documents (%s slice): %d documents, %d clean lines" % (a.slice, len(docs), clean_n))
    for key, per, title in (("exact", sets[0], "%d documents of ICU's tables" % min(a.docs, len(docs))),
                            ("pyexact", sets[1], "%d documents of Python's decoders" % max(0, len(docs) - a.docs))):
        tot = sum(v[0] for v in per.values())
        if not tot:
            continue
        ok = sum(v[1] for v in per.values())
        print("%s:" % title)
        for k in ALL_CLASSES:
            if k in per:
                n, r = per[k]
                print("  %-20s %5d lines, restored exactly %5d (%.2f%%)" % (k, n, r, 100.0 * r / n))
                figures[(key, k)] = (100.0 * r / n, "%s %s" % (key, k))
        pct = 100.0 * ok / tot
        print("  lossless damaged lines restored exactly: %d of %d (%.2f%%)" % (ok, tot, pct))
        figures[(key, None)] = (pct, "%s all classes" % key)
    print("clean lines changed: %d of %d" % (clean_changed, clean_n))
    if a.write_floors:
        def lo(v):
            return max(0.0, int((v - 1.0) * 10) / 10.0)
        with open(a.write_floors, "w") as f:
            f.write("# Floors of tests/mixed_docs.sh (tools/mixed_docs.py --slice %s --docs %d\n"
                    "# --floors), written by --write-floors: every rate 1 point under what was\n"
                    "# measured on the gate slice (the same rule for every class, as\n"
                    "# tools/moji_heldout_floors.tsv); no clean line may change.  exact: the\n"
                    "# documents of ICU's tables; pyexact: those of Python's decoders.\n"
                    "# Measured: %s; %d of %d clean lines changed.\n"
                    % (a.slice, a.docs, ", ".join("%s %.2f%%" % (v[1], v[0]) for k, v in figures.items() if k[1] is None),
                       clean_changed, clean_n))
            for (key, k), (v, _) in figures.items():
                if key == "pyexact" and k is not None and k not in PY_CLASSES:
                    continue  # a few dozen lines each there: no floor of their own
                if k is None:
                    f.write("%s\t>=\t%.1f\n" % (key, lo(v)))
                else:
                    f.write("%s\t%s\t>=\t%.1f\n" % (key, k, lo(v)))
    if not a.floors:
        return 0
    bad = 0 if clean_changed == 0 else 1
    if clean_changed:
        print("mixed gate: %d clean lines changed: FAILS" % clean_changed)
    with open(a.floors) as f:
        for row in f:
            w = row.split()
            if not w or w[0].startswith("#") or w[0] not in ("exact", "pyexact"):
                continue
            key = (w[0], w[1] if len(w) == 4 else None)
            if key not in figures:
                print("mixed gate: %s not measured: FAILS" % " ".join(w[:-2]))
                bad += 1
                continue
            got, what = figures[key]
            floor = float(w[-1])
            if got < floor:
                print("mixed gate: %s %.2f%% under its floor %.2f%%: FAILS" % (what, got, floor))
                bad += 1
    print("mixed gate: %s" % ("FAILS" if bad else "ok"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
