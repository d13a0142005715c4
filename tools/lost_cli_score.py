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
            (the old column, kept for comparison), split into
    fill    wrong characters zhfix wrote: matching nothing of the damaged
            input line either (a wrong fill or a wrong change), %; the
            issue's "fewer than 0.5% filled wrongly" is this column
    left    wrong characters that are the damaged input's own, left as
            they came (longest common subsequence of the output's wrong
            characters with the damaged line), %
    unrep   of "left": characters on lines for which zhfix reported no
            unrecoverable span (--report-file, mapped to the line by its
            input offset): garbage left silently, %
  silent    lines that differ from the original and show no U+FFFD
  unreported lines  silent lines for which zhfix reported no unrecoverable
            span either (a line reported as damaged with its places
            unknown -- whole characters gone -- is silent but reported)

and the same restored / wrong with --lost=off (the mojibake stage alone),
separately for the lossy lines (bytes were lost) and the lossless ones
(a wrong decode that lost nothing: the mojibake stage's).

--mixed N also builds one document of N lines per class, the classes'
lines interleaved with clean lines (the originals of lines no decoder
touched), runs it once, and reports lossless lines restored exactly, clean
lines changed, and lossy lines restored.
"""
import argparse
import bisect
import json
import os
import subprocess
import sys
import tempfile


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


def lcs_matched(a, b):
    """Indices of b matched by one longest common subsequence of a and b."""
    n, m = len(a), len(b)
    if not n or not m:
        return set()
    dp = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, nxt, ai = dp[i], dp[i + 1], a[i]
        for j in range(m - 1, -1, -1):
            row[j] = nxt[j + 1] + 1 if ai == b[j] else max(nxt[j], row[j + 1])
    got, i, j = set(), 0, 0
    while i < n and j < m:
        if a[i] == b[j]:
            got.add(j)
            i += 1
            j += 1
        elif dp[i + 1][j] >= dp[i][j + 1]:
            i += 1
        else:
            j += 1
    return got


def nonascii(s):
    return [c for c in s if ord(c) >= 0x80]


def run(zhfix, data, mode, reported=None):
    """Output lines; with reported (a list, one per input line), which
    input lines the report gives an unrecoverable span in."""
    args = [zhfix, "--punct=off"]
    if not os.environ.get("LOST_NO_OPTION"):  # a zhfix without --lost (main, to compare)
        args.append("--lost=" + mode)
    p = subprocess.run(args, input=data, stdout=subprocess.PIPE, check=True)
    if reported is not None:
        lines = data.split(b"\n")
        reported.extend([False] * len(lines))
        first = 0
        while first < len(lines):
            first = report_lines(args, lines, first, reported)
    return p.stdout.decode("utf-8").split("\n")


def report_lines(args, lines, first, reported):
    """Marks the lines from first on that the report of a run on them
    gives a span in.  The report keeps at most 1024 spans: when it is
    full, returns the line of its last span, to be run again from there
    (those lines' report then comes from a document that starts at them);
    else len(lines)."""
    data = b"\n".join(lines[first:])
    with tempfile.TemporaryDirectory() as tmp:
        rep = os.path.join(tmp, "report.json")
        subprocess.run(args + ["--report-file=" + rep], input=data,
                       stdout=subprocess.DEVNULL, check=True)
        with open(rep, encoding="utf-8") as f:
            r = json.load(f)["files"][0]
    starts, at = [], 0
    for line in lines[first:]:
        starts.append(at)
        at += len(line) + 1
    spans = r.get("unrecoverable", [])
    full = len(spans) < r["stats"].get("unrecoverable_spans", 0)
    last = bisect.bisect_right(starts, spans[-1]["offset"]) - 1 if full else len(starts)
    for sp in spans:
        i = bisect.bisect_right(starts, sp["offset"]) - 1
        if i < max(last, 1):
            reported[first + i] = True
    return first + max(last, 1) if full else len(lines)


def read_class(d, name):
    def lines(ext):
        with open(os.path.join(d, name + "." + ext), encoding="utf-8") as f:
            return f.read().split("\n")[:-1]
    return lines("orig"), lines("dam"), lines("lossy")


def score(orig, out, t, key, dam=None, reported=False):
    o, y = nonascii(orig), [c for c in nonascii(out) if c != "\ufffd"]
    m = lcs_len(o, y)
    t[key + "n"] += len(o)
    t[key + "ok"] += m
    t[key + "bad"] += len(y) - m
    if dam is not None and len(y) > m:
        hit = lcs_matched(o, y)
        wrong = [c for j, c in enumerate(y) if j not in hit]
        left = lcs_len(nonascii(dam), wrong)
        t[key + "fill"] += len(wrong) - left
        t[key + "left"] += left
        t[key + "unrep"] += 0 if reported else left
    t[key + "unrepl"] += out != orig and "\ufffd" not in out and not reported
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
    print("class\tlossy lines\tmark restored\tmark wrong\tmark fill\tmark left\tmark unrep"
          "\tsilent lines\tguess right\tguess wrong"
          "\tlossless lines\tlossless exact\toff restored\toff wrong\toff fill\toff left\toff unrep"
          "\tunreported lines")
    for name in names:
        orig, dam, lossy = read_class(a.dir, name)
        data = ("\n".join(dam) + "\n").encode("utf-8")
        t = {}
        for k in ("m", "g", "l", "o"):
            for f in ("n", "ok", "bad", "lines", "exact", "silent", "fill", "left", "unrep", "unrepl"):
                t[k + f] = 0
        repm, repo = [], []
        outm = run(a.zhfix, data, "mark", repm)
        outg = run(a.zhfix, data, "guess")
        outo = run(a.zhfix, data, "off", repo)
        for i, o in enumerate(orig):
            if lossy[i] == "1":
                score(o, outm[i], t, "m", dam[i], repm[i])
                score(o, outg[i], t, "g")
                score(o, outo[i], t, "o", dam[i], repo[i])
            else:
                score(o, outm[i], t, "l")
        print("%s\t%d\t%.2f\t%.3f\t%.3f\t%.3f\t%.3f\t%d\t%.2f\t%.2f\t%d\t%.2f\t%.2f\t%.3f\t%.3f\t%.3f\t%.3f\t%d" % (
            name, t["mlines"], pct(t["mok"], t["mn"]), pct(t["mbad"], t["mn"]),
            pct(t["mfill"], t["mn"]), pct(t["mleft"], t["mn"]), pct(t["munrep"], t["mn"]), t["msilent"],
            pct(t["gok"], t["gn"]), pct(t["gbad"], t["gn"]), t["llines"],
            pct(t["lexact"], t["llines"]), pct(t["ook"], t["on"]), pct(t["obad"], t["on"]),
            pct(t["ofill"], t["on"]), pct(t["oleft"], t["on"]), pct(t["ounrep"], t["on"]), t["munrepl"]))
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
    rep = []
    out = run(a.zhfix, data, "mark", rep)
    t = {}
    for k in ("clean", "lossless", "lossy"):
        for f in ("n", "ok", "bad", "lines", "exact", "silent", "fill", "left", "unrep", "unrepl"):
            t[k + f] = 0
    for i, w in enumerate(want):
        score(w, out[i], t, kind[i], doc[i], rep[i])
    print("mixed document: %d lines (%d clean, %d lossless damaged, %d lossy)" % (
        len(doc), t["cleanlines"], t["losslesslines"], t["lossylines"]))
    print("clean lines changed: %d" % (t["cleanlines"] - t["cleanexact"]))
    print("lossless damaged lines restored exactly: %d of %d (%.2f%%)" % (
        t["losslessexact"], t["losslesslines"], pct(t["losslessexact"], t["losslesslines"])))
    print("lossy lines: restored %.2f%% of non-ASCII characters, wrong %.3f%% (fill %.3f%%, left %.3f%%,"
          " left unreported %.3f%%), silent lines %d, unreported %d" % (
              pct(t["lossyok"], t["lossyn"]), pct(t["lossybad"], t["lossyn"]), pct(t["lossyfill"], t["lossyn"]),
              pct(t["lossyleft"], t["lossyn"]), pct(t["lossyunrep"], t["lossyn"]), t["lossysilent"],
              t["lossyunrepl"]))
    return 0 if t["cleanlines"] == t["cleanexact"] else 1


if __name__ == "__main__":
    sys.exit(main())
