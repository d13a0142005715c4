#!/usr/bin/env python3
"""Scores the command line on simulated lossy damage (issue #15).

    python3 tools/lost_cli_score.py DIR ZHFIX [--class NAME ...] [--mixed N]

DIR is a tools/lossy_sim.py output (NAME.orig, NAME.dam, NAME.lossy).
For every class the damaged file goes through ZHFIX as one document
(--punct=off: the repair is measured, not the typography) in mark and in
guess mode, and each output line is compared with the original line:

  restored  the original's non-ASCII characters an unmarked output
            character matches (longest common subsequence of the two
            non-ASCII sequences, U+FFFD left out), % of the original's
  wrong     unmarked non-ASCII output characters matching nothing, %
  silent    lines that differ from the original and show no U+FFFD

and the same restored / wrong with --lost=off (the mojibake stage alone),
separately for the lossy lines (bytes were lost) and the lossless ones
(a wrong decode that lost nothing: the mojibake stage's).

--mixed N also builds one document of N lines per class, the classes'
lines interleaved with clean lines (the originals of lines no decoder
touched), runs it once, and reports lossless lines restored exactly, clean
lines changed, and lossy lines restored.
"""
import argparse
import os
import subprocess
import sys


def lcs_len(a, b):
    """Length of the longest common subsequence (bit-parallel, Hyyro)."""
    if not a or not b:
        return 0
    pos = {}
    for i, c in enumerate(a):
        pos[c] = pos.get(c, 0) | (1 << i)
    mask = (1 << len(a)) - 1
    v = mask
    for c in b:
        u = v & pos.get(c, 0)
        v = ((v + u) | (v - u)) & mask
    return len(a) - bin(v).count("1")


def nonascii(s):
    return [c for c in s if ord(c) >= 0x80]


def run(zhfix, data, mode):
    args = [zhfix, "--punct=off"]
    if not os.environ.get("LOST_NO_OPTION"):  # a zhfix without --lost (main, to compare)
        args.append("--lost=" + mode)
    p = subprocess.run(args, input=data,
                       stdout=subprocess.PIPE, check=True)
    return p.stdout.decode("utf-8").split("\n")


def read_class(d, name):
    def lines(ext):
        with open(os.path.join(d, name + "." + ext), encoding="utf-8") as f:
            return f.read().split("\n")[:-1]
    return lines("orig"), lines("dam"), lines("lossy")


def score(orig, out, t, key):
    o, y = nonascii(orig), [c for c in nonascii(out) if c != "\ufffd"]
    m = lcs_len(o, y)
    t[key + "n"] += len(o)
    t[key + "ok"] += m
    t[key + "bad"] += len(y) - m
    t[key + "lines"] += 1
    t[key + "exact"] += out == orig
    t[key + "silent"] += out != orig and "\ufffd" not in out


def pct(a, b):
    return 100.0 * a / b if b else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("zhfix")
    ap.add_argument("--class", dest="classes", action="append")
    ap.add_argument("--mixed", type=int, default=0)
    a = ap.parse_args()
    names = []
    with open(os.path.join(a.dir, "MANIFEST.tsv")) as f:
        for line in f:
            if line.startswith("#"):
                continue
            names.append(line.split("\t")[0])
    if a.classes:
        names = [n for n in names if n in a.classes]
    if a.mixed:
        return mixed(a, names)
    print("class\tlossy lines\tmark restored\tmark wrong\tsilent lines\tguess right\tguess wrong"
          "\tlossless lines\tlossless exact\toff restored\toff wrong")
    for name in names:
        orig, dam, lossy = read_class(a.dir, name)
        data = ("\n".join(dam) + "\n").encode("utf-8")
        t = {}
        for k in ("m", "g", "l", "o"):
            for f in ("n", "ok", "bad", "lines", "exact", "silent"):
                t[k + f] = 0
        outm = run(a.zhfix, data, "mark")
        outg = run(a.zhfix, data, "guess")
        outo = run(a.zhfix, data, "off")
        for i, o in enumerate(orig):
            if lossy[i] == "1":
                score(o, outm[i], t, "m")
                score(o, outg[i], t, "g")
                score(o, outo[i], t, "o")
            else:
                score(o, outm[i], t, "l")
        print("%s\t%d\t%.2f\t%.3f\t%d\t%.2f\t%.2f\t%d\t%.2f\t%.2f\t%.3f" % (
            name, t["mlines"], pct(t["mok"], t["mn"]), pct(t["mbad"], t["mn"]), t["msilent"],
            pct(t["gok"], t["gn"]), pct(t["gbad"], t["gn"]), t["llines"],
            pct(t["lexact"], t["llines"]), pct(t["ook"], t["on"]), pct(t["obad"], t["on"])))
        sys.stdout.flush()


def mixed(a, names):
    """One document: the classes' damaged lines interleaved with clean
    lines, each line judged on its own."""
    doc, want, kind = [], [], []
    per = {}
    for name in names:
        per[name] = read_class(a.dir, name)
    for i in range(a.mixed):
        for name in names:
            orig, dam, lossy = per[name]
            if i >= len(orig):
                continue
            # a clean line (the original) before each damaged one
            doc.append(orig[i])
            want.append(orig[i])
            kind.append("clean")
            doc.append(dam[i])
            want.append(orig[i])
            kind.append("clean" if dam[i] == orig[i] else "lossy" if lossy[i] == "1" else "lossless")
    data = ("\n".join(doc) + "\n").encode("utf-8")
    out = run(a.zhfix, data, "mark")
    t = {}
    for k in ("clean", "lossless", "lossy"):
        for f in ("n", "ok", "bad", "lines", "exact", "silent"):
            t[k + f] = 0
    for i, w in enumerate(want):
        score(w, out[i], t, kind[i])
    print("mixed document: %d lines (%d clean, %d lossless damaged, %d lossy)" % (
        len(doc), t["cleanlines"], t["losslesslines"], t["lossylines"]))
    print("clean lines changed: %d" % (t["cleanlines"] - t["cleanexact"]))
    print("lossless damaged lines restored exactly: %d of %d (%.2f%%)" % (
        t["losslessexact"], t["losslesslines"], pct(t["losslessexact"], t["losslesslines"])))
    print("lossy lines: restored %.2f%% of non-ASCII characters, wrong %.3f%%, silent lines %d" % (
        pct(t["lossyok"], t["lossyn"]), pct(t["lossybad"], t["lossyn"]), t["lossysilent"]))
    return 0 if t["cleanlines"] == t["cleanexact"] else 1


if __name__ == "__main__":
    sys.exit(main())
