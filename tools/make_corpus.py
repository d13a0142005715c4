#!/usr/bin/env python3
"""Build plain-text test corpora from Debian's Chinese text packages.

    python3 tools/make_corpus.py OUTDIR

Writes (UTF-8, one paragraph per line):
  zh_CN.txt    manpages-zh zh_CN pages, roff markup stripped (Simplified)
  zh_TW.txt    manpages-zh zh_TW pages, roff markup stripped (Traditional)
  fortunes.txt fortunes-zh (classical poems and sayings, Simplified)
  mixed.txt    lines of the above that mix Han with Latin, digits, code, URLs
  pages/zh_CN/NAME.txt, pages/zh_TW/NAME.txt  one file per man page

Deterministic: pages are read in sorted order.  Only installed files are read.
"""
import gzip
import os
import re
import sys

MAN = "/usr/share/man"
FORTUNES = "/usr/share/games/fortunes"

ESCAPES = [
    (re.compile(r"\\f(\[[^\]]*\]|\(..|.)"), ""),   # font changes
    (re.compile(r"\\s[-+]?\d+"), ""),               # size changes
    (re.compile(r"\\\*(\[[^\]]*\]|\(..|.)"), ""),  # strings
    (re.compile(r"\\[/,&%:]"), ""),                 # zero-width escapes
    (re.compile(r"\\\(em|\\\(en"), "-"),
    (re.compile(r"\\\(lq|\\\(rq|\\\(dq"), '"'),
    (re.compile(r"\\\(aq|\\\(oq|\\\(cq"), "'"),
    (re.compile(r"\\\(bu"), "*"),
    (re.compile(r"\\\(co"), "(C)"),
    (re.compile(r"\\\(..|\\\[[^\]]*\]"), ""),      # other named glyphs
    (re.compile(r"\\-"), "-"),
    (re.compile(r"\\e|\\\\"), "\\\\"),
    (re.compile(r"\\ |\\~|\\0"), " "),
    (re.compile(r"\\\^|\\\||\\c"), ""),
    (re.compile(r"\\\"|\\#.*$"), ""),
    (re.compile(r"\\(.)"), r"\1"),
]
TEXT_MACROS = {".SH", ".SS", ".B", ".I", ".BI", ".BR", ".IB", ".IR", ".RB", ".RI", ".SM", ".TP", ".IP"}


def strip_roff(raw):
    out, para = [], []

    def flush():
        if para:
            out.append(" ".join(para).strip())
            para.clear()

    for line in raw.splitlines():
        if line.startswith('.\\"') or line.startswith("'\\\"") or line.startswith('.\\#'):
            continue
        if line.startswith(".") or line.startswith("'"):
            parts = line.split(None, 1)
            macro = parts[0]
            if macro in (".PP", ".P", ".LP", ".SH", ".SS", ".TP", ".IP", ".br", ".sp", ".nf", ".fi", ".RS", ".RE"):
                flush()
            if macro in TEXT_MACROS and len(parts) > 1:
                arg = parts[1]
                if macro in (".IP", ".TP"):
                    arg = arg.split('"')[1] if arg.startswith('"') and arg.count('"') >= 2 else arg.split()[0]
                else:
                    arg = arg.replace('"', "")
                para.append(arg)
                if macro in (".SH", ".SS"):
                    flush()
            continue
        for rx, rep in ESCAPES:
            line = rx.sub(rep, line)
        if not line.strip():
            flush()
            continue
        para.append(line.strip())
    flush()
    text = []
    for p in out:
        p = re.sub(r"[ \t]+", " ", p).strip()
        if p:
            text.append(p)
    return text


def read_pages(lang):
    root = os.path.join(MAN, lang)
    pages = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith(".gz"):
                pages.append(os.path.join(dirpath, f))
    pages.sort()
    for path in pages:
        with gzip.open(path, "rb") as fh:
            raw = fh.read()
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue  # not UTF-8: skip rather than guess
        if raw.startswith(".so "):
            continue  # link page
        name = os.path.basename(path)[:-3]
        yield name, strip_roff(raw)


def read_fortunes():
    lines = []
    for name in ("chinese.u8", "tang300.u8", "song100.u8"):
        path = os.path.join(FORTUNES, name)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as fh:
            for entry in fh.read().split("\n%\n"):
                for l in entry.splitlines():
                    l = l.strip()
                    if l and l != "%":
                        lines.append(l)
    return lines


HAN = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z0-9]")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_corpus.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    mixed = []
    for lang in ("zh_CN", "zh_TW"):
        pdir = os.path.join(out, "pages", lang)
        os.makedirs(pdir, exist_ok=True)
        all_lines = []
        for name, lines in read_pages(lang):
            lines = [l for l in lines if HAN.search(l) or LATIN.search(l)]
            if not lines:
                continue
            with open(os.path.join(pdir, name + ".txt"), "w", encoding="utf-8") as fh:
                fh.write("\n".join(lines) + "\n")
            all_lines.extend(lines)
            mixed.extend(l for l in lines if HAN.search(l) and LATIN.search(l))
        with open(os.path.join(out, lang + ".txt"), "w", encoding="utf-8") as fh:
            fh.write("\n".join(all_lines) + "\n")
    with open(os.path.join(out, "fortunes.txt"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(read_fortunes()) + "\n")
    with open(os.path.join(out, "mixed.txt"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(mixed) + "\n")


if __name__ == "__main__":
    main()
