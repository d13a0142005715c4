#!/usr/bin/env python3
"""Generates data/readings.bin: the pinyin readings of Han characters.

Sources (Debian packages, read only):
  * ICU's Han-Latin transliterator (icu-devtools `uconv`): the primary
    reading of every Han character it knows (Unicode licence).
  * Rime terra_pinyin (rime-data-terra-pinyin), itself from CC-CEDICT
    (CC-BY-SA 3.0): every reading of each single character with its tone,
    weights giving the order.
  * OpenCC TSCharacters / TWVariantsRev / HKVariantsRev (libopencc-data,
    Apache-2.0): a Traditional character missing from terra_pinyin takes
    the readings of its Simplified form, and a Simplified character made
    from exactly one Traditional character also takes that one's readings.

Readings are (syllable, tone) with the syllable spelled in ASCII, "v" for
"ü", tone 1..4 or 5 for the neutral tone.  Erhua syllables ("r") are left
out: an annotation never names the erhua suffix alone.

Layout of readings.bin, little-endian, every section 4-byte aligned:
  header  u32[12]: magic 'ZFRD', version, nsyl, off_syl, nstage1, off_stage1,
                   nblocks, off_stage2, nchars, off_start, nreadings, off_rd
  syl     nsyl records of 8 bytes: the syllable, NUL padded, sorted (ASCII)
  stage1  u16[nstage1]: block number for cp >> 8
  stage2  u16[nblocks * 256]: char id for cp & 255 (0 = no readings)
  start   u32[nchars + 1]: readings of char id i are rd[start[i] .. start[i+1])
  rd      u16[nreadings]: syl * 8 + tone, primary first
"""
import os
import struct
import subprocess
import sys
import tempfile
import unicodedata

from opencc_fold import OPENCC, fold_map

TERRA = "/usr/share/rime-data/terra_pinyin.dict.yaml"
MAX_CP = 0x40000  # Han is below this; stage1 covers [0, MAX_CP)
HAN_RANGES = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
              (0x20000, 0x323AF)]

MARKS = {"\u0304": 1, "\u0301": 2, "\u030c": 3, "\u0300": 4}


def die(msg):
    sys.exit("gen_readings: " + msg)


def parse_marked(s):
    """'wǎng' -> ('wang', 3); ICU writes no mark for the neutral tone."""
    tone = 5
    base = []
    for ch in unicodedata.normalize("NFD", s.strip().lower()):
        if ch in MARKS:
            tone = MARKS[ch]
        elif ch == "\u0308":
            if not base or base[-1] != "u":
                return None
            base[-1] = "v"
        elif "a" <= ch <= "z":
            base.append(ch)
        else:
            return None
    return ("".join(base), tone) if base else None


def icu_primary(tmp):
    chars = [chr(c) for lo, hi in HAN_RANGES for c in range(lo, hi + 1)]
    src = os.path.join(tmp, "han.txt")
    with open(src, "w", encoding="utf-8") as f:
        f.write("\n".join(chars) + "\n")
    out = subprocess.run(["uconv", "-f", "utf-8", "-t", "utf-8", "-x",
                          "Han-Latin", src], check=True,
                         capture_output=True).stdout.decode("utf-8")
    lines = out.split("\n")
    if len(lines) < len(chars):
        die("uconv returned %d lines for %d characters" % (len(lines), len(chars)))
    prim = {}
    for ch, lat in zip(chars, lines):
        lat = lat.strip()
        if not lat or lat == ch or " " in lat:
            continue
        r = parse_marked(lat)
        if r:
            prim[ch] = r
    return prim


def terra_readings():
    rd = {}
    body = False
    with open(TERRA, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line == "...":
                body = True
                continue
            if not body or not line or line.startswith("#"):
                continue
            p = line.split("\t")
            if len(p) < 2 or len(p[0]) != 1:
                continue
            py = p[1].strip()
            if not py or not py[-1].isdigit() or not py[:-1].isalpha():
                die("unexpected terra_pinyin entry %r" % line)
            syl, tone = py[:-1], int(py[-1])
            if syl == "r":  # erhua suffix
                continue
            w = 100.0
            if len(p) > 2 and p[2].endswith("%"):
                w = float(p[2][:-1])
            rd.setdefault(p[0], []).append((-w, len(rd.get(p[0], [])), syl, tone))
    return {c: [(s, t) for _, _, s, t in sorted(v)] for c, v in rd.items()}


def two_stage(ids, max_cp):
    """ids: dict cp -> id.  Returns (stage1, blocks) with identical blocks shared."""
    stage1, blocks, index = [], [], {}
    for hi in range(max_cp >> 8):
        blk = tuple(ids.get((hi << 8) | lo, 0) for lo in range(256))
        if blk not in index:
            index[blk] = len(blocks)
            blocks.append(blk)
        stage1.append(index[blk])
    return stage1, blocks


def align4(b):
    return b + b"\0" * (-len(b) % 4)


def main():
    if len(sys.argv) != 2:
        die("usage: gen_readings.py OUTDIR")
    outdir = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        fold = fold_map()
        prim = icu_primary(tmp)
    terra = terra_readings()

    sources = {}
    for t in sorted(fold):
        sources.setdefault(fold[t], []).append(t)
    readings = {}
    chars = sorted(set(prim) | set(terra) | set(fold), key=ord)
    for ch in chars:
        lst = []
        if ch in prim:
            lst.append(prim[ch])
        src = terra.get(ch)
        if src is None and ch in fold:
            src = terra.get(fold[ch])
            if src is None and fold[ch] in prim:
                src = [prim[fold[ch]]]
        for r in src or []:
            if r not in lst:
                lst.append(r)
        # terra_pinyin lists the readings of a polyphone under its
        # Traditional form (數: shǔ shù shuò, 数: shù only); a Simplified
        # character with a single Traditional source inherits them.  Merged
        # characters (干 from 乾, 幹, 榦) inherit nothing: 干 is not qián.
        if len(sources.get(ch, ())) == 1:
            for r in terra.get(sources[ch][0], []):
                if r not in lst:
                    lst.append(r)
        if lst:
            readings[ch] = lst

    sylls = sorted({s for v in readings.values() for s, _ in v})
    for s in sylls:
        if len(s) > 7 or not s.isascii():
            die("syllable %r does not fit its 8-byte record" % s)
    sidx = {s: i for i, s in enumerate(sylls)}
    if len(sylls) * 8 + 7 > 0xFFFF:
        die("too many syllables")

    ids, start, rd = {}, [0], []
    for ch in sorted(readings, key=ord):
        if ord(ch) >= MAX_CP:
            die("character U+%X beyond the table" % ord(ch))
        ids[ord(ch)] = len(start)  # ids start at 1
        for s, t in readings[ch]:
            rd.append(sidx[s] * 8 + t)
        start.append(len(rd))
    start = [0] + start  # id 0: no readings
    if len(start) > 0xFFFF:
        die("too many characters for 16-bit ids")
    stage1, blocks = two_stage(ids, MAX_CP)

    syl_b = b"".join(s.encode("ascii").ljust(8, b"\0") for s in sylls)
    s1_b = align4(struct.pack("<%dH" % len(stage1), *stage1))
    s2_b = align4(b"".join(struct.pack("<256H", *b) for b in blocks))
    st_b = struct.pack("<%dI" % len(start), *start)
    rd_b = align4(struct.pack("<%dH" % len(rd), *rd))
    off = 48
    offs = []
    for b in (syl_b, s1_b, s2_b, st_b, rd_b):
        offs.append(off)
        off += len(b)
    hdr = struct.pack("<4s11I", b"ZFRD", 1, len(sylls), offs[0], len(stage1),
                      offs[1], len(blocks), offs[2], len(start) - 1, offs[3],
                      len(rd), offs[4])
    data = hdr + syl_b + s1_b + s2_b + st_b + rd_b
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "readings.bin"), "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
