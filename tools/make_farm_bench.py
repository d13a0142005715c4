#!/usr/bin/env python3
"""Inputs for the content-farm stage's figures in `make bench`.

    python3 tools/make_farm_bench.py OUTDIR [--build BUILD] [--corpus DIR]

writes into OUTDIR:

  farm-realistic.txt   about 4 MB: Simplified corpus text (build/corpus:
                       man pages and fortunes) damaged by the project's
                       simulator (tests/util/farm_sim.c, driven by
                       tools/farm_bench_gen.c): character-by-character s2t,
                       GBK, the 150 most frequent converted characters
                       annotated in one byte scan, ，：；！？ to ASCII, the
                       swallowing lenient decoder.  What the sample article
                       shows, page after page.
  farm-adv-*.txt       about 200 KB each, adversarial shapes for the worst
                       case (docs/repair-farm.md, "Bounded work"): dense
                       '?', "(pinyin)", "?;?" and parenthesis fragments
                       around Han text, seeded and reproducible:
      qsoup     a random soup of all of them, lines of about 200 characters
      qruns     runs of 1-12 '?' between Han characters
      ann       every character annotated, half of them misaligned (?py))
      split     split marks "?;?" "?,?" "?:?" "?!?" between every Han pair
      parens    parenthesis fragments: "((", "?(", ")?", "(py" with no ')'
      longline  the soup with no line break: one 200 KB line
      lost      '?' and U+FFFD after every Han character, with "?py)"
      longqruns qruns with no line break (after the first line)
      longsplit split with no line break (after the first line): the
                two slowest shapes per byte (docs/repair-farm.md,
                "Wave 18": a long line keeps the search's beam at its
                widest, and each hypothesis costs more there)

Each file is rebuilt only when missing.  The generator's C driver is
compiled into BUILD/tools (it links tests/util/farm_sim.c and
BUILD/libzhfix.a, with ICU and libopencc).

With --run ZHFIX, each file then goes through `ZHFIX --to=simp` (every
stage on) and one line per file is printed: bytes, user+system seconds,
MB/s or KB/s, peak RSS (`make bench` does this; figures, never a test).

With --insns ZHFIX[,ZHFIX2...], the instructions of `ZHFIX --to=simp`
under callgrind (which load does not distort) on slices of the same
files: the first 10 KB of each shape (whole lines), 20 KB of the one-line
shapes, the first 1 MB of farm-realistic.txt; one line per slice and
binary, for A/B comparisons on a loaded machine (docs/repair-farm.md).
Slow (a minute or two per binary); not part of `make bench`.
"""
import argparse
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)

# Traditional characters with their primary reading (tone marks): what a
# farm pastes after them.  Any reading the library knows would do; these
# are checked by the stage's own reading table.
READINGS = [
    ("中", "zhōng"), ("國", "guó"), ("人", "rén"), ("時", "shí"), ("間", "jiān"),
    ("數", "shù"), ("地", "dì"), ("內", "nèi"), ("發", "fā"), ("網", "wǎng"),
    ("說", "shuō"), ("這", "zhè"), ("個", "gè"), ("來", "lái"), ("會", "huì"),
    ("對", "duì"), ("學", "xué"), ("經", "jīng"), ("過", "guò"), ("們", "men"),
    ("電", "diàn"), ("話", "huà"), ("問", "wèn"), ("題", "tí"), ("長", "cháng"),
    ("書", "shū"), ("車", "chē"), ("東", "dōng"), ("見", "jiàn"), ("現", "xiàn"),
]
HAN = "的一是了在不有和也就都而及與著或個沒這那你我他她們中國人時間數地內發網說學經過電話問題長書車東見現"
FRAGS_PAREN = ["((", "?(", ")?", "(", ")", "((?", "?)", ")("]


def han(r):
    return r.choice(HAN)


def ann(r):
    c, py = r.choice(READINGS)
    return c, py


def line_soup(r, n):
    out = []
    while len("".join(out)) < n:
        k = r.randrange(10)
        if k < 3:
            out.append(han(r))
        elif k == 3:
            out.append("?" * r.randint(1, 4))
        elif k == 4:
            c, py = ann(r)
            out.append(c + "(" + py + ")")
        elif k == 5:
            c, py = ann(r)
            out.append(han(r) + "?" + py + ")")
        elif k == 6:
            out.append("?" + r.choice(";,:!?") + "?")
        elif k == 7:
            out.append(r.choice(FRAGS_PAREN))
        elif k == 8:
            out.append(str(r.randint(0, 99)))
        else:
            out.append(han(r) + "?")
    return "".join(out)


def shape(name, r, size):
    lines = []
    total = 0
    # every shape starts with a misaligned annotation: the signature is
    # on, so lost bytes and split marks are all considered
    lines.append("當?shù)貢r間,網友發布消息。")
    while total < size:
        if name == "qsoup":
            s = line_soup(r, 200)
        elif name == "qruns":
            s = "".join(han(r) + "?" * r.randint(1, 12) for _ in range(20))
        elif name == "ann":
            parts = []
            for _ in range(30):
                c, py = ann(r)
                parts.append(c + ("(" + py + ")" if r.random() < 0.5 else "?" + py + ")"))
            s = "".join(parts)
        elif name == "split":
            s = "".join(han(r) + "?" + r.choice(";,:!?") + "?" for _ in range(40))
        elif name == "parens":
            parts = []
            for _ in range(40):
                c, py = ann(r)
                parts.append(c + r.choice(FRAGS_PAREN) + r.choice(["", py, "?" + py, "(" + py]))
            s = "".join(parts)
        elif name == "lost":
            parts = []
            for _ in range(40):
                c, py = ann(r)
                parts.append(han(r) + r.choice(["?", "\ufffd", "?" + py + ")", "?" + "?"]))
            s = "".join(parts)
        else:
            raise ValueError(name)
        lines.append(s)
        total += len(s.encode("utf-8")) + 1
    return "\n".join(lines) + "\n"


def one_line(name, r, size):
    """Shape `name` with its lines after the first (the signature) run
    together into one line."""
    lines = shape(name, r, size).split("\n")
    return lines[0] + "\n" + "".join(lines[1:]) + "\n"


def longline(r, size):
    parts = ["當?shù)貢r間,網友發布消息。"]
    total = 0
    while total < size:
        s = line_soup(r, 200)
        parts.append(s)
        total += len(s.encode("utf-8"))
    return "".join(parts) + "\n"


def realistic(out, build, corpus):
    exe = os.path.join(build, "tools", "farm_bench_gen")
    srcs = [os.path.join(HERE, "farm_bench_gen.c"), os.path.join(SRC, "tests/util/farm_sim.c")]
    lib = os.path.join(build, "libzhfix.a")
    if not os.path.exists(lib):
        sys.exit("make_farm_bench: %s missing (make all)" % lib)
    if not os.path.exists(exe) or any(os.path.getmtime(s) > os.path.getmtime(exe) for s in srcs + [lib]):
        os.makedirs(os.path.dirname(exe), exist_ok=True)
        pc = subprocess.run(["pkg-config", "--cflags", "--libs", "icu-uc", "icu-i18n", "opencc"],
                            capture_output=True, text=True)
        flags = pc.stdout.split() if pc.returncode == 0 else ["-licui18n", "-licuuc", "-licudata", "-lopencc"]
        cmd = ["cc", "-std=c11", "-O2", "-D_POSIX_C_SOURCE=200809L", "-I" + os.path.join(SRC, "include"),
               "-I" + os.path.join(SRC, "src"), "-I" + os.path.join(SRC, "tests/util"), "-o", exe] + srcs + \
              [lib] + flags + ["-lpthread", "-lm"]
        subprocess.run(cmd, check=True)
    text = b""
    for name, limit in (("zh_CN.txt", 2_000_000), ("fortunes.txt", 2_000_000)):
        with open(os.path.join(corpus, name), "rb") as f:
            data = f.read(limit)
        text += data[: data.rfind(b"\n") + 1]
    res = subprocess.run([exe, "150", "swallow"], input=text, capture_output=True, check=True)
    with open(out, "wb") as f:
        f.write(res.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    ap.add_argument("--corpus", default=os.environ.get("ZHFIX_CORPUS", "build/corpus"))
    ap.add_argument("--size", type=int, default=200_000, help="bytes of each adversarial shape")
    ap.add_argument("--run", metavar="ZHFIX", help="time ZHFIX --to=simp on each file")
    ap.add_argument("--insns", metavar="ZHFIX[,ZHFIX...]",
                    help="callgrind instruction counts of each binary on slices of the files")
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    p = os.path.join(a.outdir, "farm-realistic.txt")
    if not os.path.exists(p):
        realistic(p, a.build, a.corpus)
    names = ["qsoup", "qruns", "ann", "split", "parens", "lost", "longline", "longqruns", "longsplit"]
    for i, name in enumerate(names):
        p = os.path.join(a.outdir, "farm-adv-%s.txt" % name)
        if os.path.exists(p):
            continue
        r = random.Random(1000 + i)
        if name == "longline":
            s = longline(r, a.size)
        elif name.startswith("long"):
            s = one_line(name[4:], r, a.size)
        else:
            s = shape(name, r, a.size)
        with open(p, "w", encoding="utf-8") as f:
            f.write(s)
    if a.run:
        for name in sorted(os.listdir(a.outdir)):
            if name.startswith("farm-") and name.endswith(".txt"):
                run(a.run, os.path.join(a.outdir, name))
    if a.insns:
        insns(a.insns.split(","), a.outdir)


def slice_of(path, limit, one_line):
    """The first `limit` bytes of path, cut after a line (or, for the
    one-line shape, after a character)."""
    with open(path, "rb") as f:
        b = f.read(limit)
    if one_line:
        while b and (b[-1] & 0xC0) == 0x80:
            b = b[:-1]
        if b and b[-1] >= 0xC0:
            b = b[:-1]
        return b + b"\n"
    return b[: b.rfind(b"\n") + 1]


def insns(binaries, outdir):
    """Callgrind instruction counts (Ir) of each binary on each slice."""
    import re
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(os.listdir(outdir)):
            if not (name.startswith("farm-") and name.endswith(".txt")):
                continue
            if name == "farm-realistic.txt":
                limit, one = 1_000_000, False
            elif name.startswith("farm-adv-long"):
                limit, one = 20_000, True
            else:
                limit, one = 10_000, False
            sl = os.path.join(tmp, name)
            with open(sl, "wb") as f:
                f.write(slice_of(os.path.join(outdir, name), limit, one))
            for zhfix in binaries:
                r = subprocess.run(
                    ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                     zhfix, "--to=simp", sl],
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                m = re.search(r"Collected : (\d+)", r.stderr)
                print("farm insns %-24s %8d bytes %14s Ir  %s" % (
                    name, os.path.getsize(sl), "{:,}".format(int(m.group(1))) if m else "?",
                    zhfix), flush=True)


def run(zhfix, path):
    """One timed run: user+system time and peak RSS of the child alone."""
    size = os.path.getsize(path)
    with open(path, "rb") as fin, open(os.devnull, "wb") as fout:
        pid = os.fork()
        if pid == 0:
            os.dup2(fin.fileno(), 0)
            os.dup2(fout.fileno(), 1)
            os.dup2(fout.fileno(), 2)
            os.execv(zhfix, [zhfix, "--to=simp"])
        _, status, ru = os.wait4(pid, 0)
    t = ru.ru_utime + ru.ru_stime
    rate = size / t if t > 0 else float("inf")
    speed = "%.2f MB/s" % (rate / 1e6) if rate >= 1e6 else "%.0f KB/s" % (rate / 1e3)
    print("farm bench %-24s %8d bytes %7.2f s %12s peak RSS %.1f MB%s" % (
        os.path.basename(path), size, t, speed, ru.ru_maxrss / 1024.0,
        "" if status == 0 else "  (exit status %d)" % status))


if __name__ == "__main__":
    main()
