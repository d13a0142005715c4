#!/usr/bin/env python3
"""Clean Traditional Chinese text that is not man pages, for `make bench`.

The conversion benchmark's Traditional corpus (build/corpus/zh_TW.txt) is
man pages; text of another kind exercises other characters and line shapes
(issue 14: t2s on such text fell to 5x opencc because the mojibake stage
searched lines that hold no mojibake at all).  This writes, from Debian
packages only and in a fixed order (the output is the same on every run):

  1. the Debian Reference in Taiwanese Chinese (debian-reference-zh-tw),
     its plain-text edition;
  2. the Debian New Maintainers' Guide (maint-guide-zh-tw), plain text;
  3. every translated message of the zh_TW message catalogues installed
     under /usr/share/locale (sorted by catalogue name, then by message id),
     one message per paragraph;
  4. with --fortunes and Debian's opencc CLI on PATH: fortunes-zh (Tang
     and Song poetry, sayings) converted with opencc s2twp, colour escapes
     removed.

Usage: tools/make_trad_text.py OUT [--fortunes]
A source that is not installed is skipped with a note on stderr (make deps
installs them all); the script fails when none is.
"""
import gettext
import glob
import gzip
import os
import re
import shutil
import subprocess
import sys

SOURCES = [
    "/usr/share/debian-reference/debian-reference.zh-tw.txt.gz",
    "/usr/share/doc/maint-guide-zh-tw/maint-guide.zh-tw.txt.gz",
]
LOCALE = "/usr/share/locale/zh_TW/LC_MESSAGES"
FORTUNES = ["tang300.u8", "song100.u8", "chinese.u8"]
ESC = re.compile(r"\x1b\[[0-9;]*m")


def read_text(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.read().decode("utf-8")


def catalogue_text(path):
    with open(path, "rb") as f:
        cat = gettext.GNUTranslations(f)
    out = []
    for key in sorted(cat._catalog, key=lambda k: k if isinstance(k, str) else k[0] + "\0%d" % k[1]):
        msg = cat._catalog[key]
        if not msg or (isinstance(key, str) and key == ""):
            continue  # the header
        out.append(msg.rstrip("\n") + "\n\n")
    return "".join(out)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    outpath, fortunes = sys.argv[1], "--fortunes" in sys.argv[2:]
    parts = []
    for src in SOURCES:
        if os.path.exists(src):
            parts.append(read_text(src))
        else:
            print("make_trad_text: %s not installed, skipped" % src, file=sys.stderr)
    for mo in sorted(glob.glob(os.path.join(LOCALE, "*.mo"))):
        try:
            parts.append(catalogue_text(mo))
        except (OSError, UnicodeDecodeError, ValueError) as e:
            print("make_trad_text: %s: %s, skipped" % (mo, e), file=sys.stderr)
    if fortunes:
        opencc = shutil.which("opencc")
        for name in FORTUNES:
            path = os.path.join("/usr/share/games/fortunes", name)
            if not opencc or not os.path.exists(path):
                print("make_trad_text: %s (or opencc) missing, skipped" % path, file=sys.stderr)
                continue
            text = ESC.sub("", read_text(path))
            conv = subprocess.run([opencc, "-c", "s2twp.json"], input=text.encode("utf-8"),
                                  stdout=subprocess.PIPE, check=True).stdout
            parts.append(conv.decode("utf-8"))
    if not parts:
        sys.exit("make_trad_text: no source installed (make deps)")
    text = "".join(p if p.endswith("\n") else p + "\n" for p in parts)
    with open(outpath, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    print("make_trad_text: %s: %d bytes, %d lines" % (outpath, len(text.encode("utf-8")), text.count("\n")),
          file=sys.stderr)


if __name__ == "__main__":
    main()
