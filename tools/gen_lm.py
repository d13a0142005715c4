#!/usr/bin/env python3
"""Generates data/lm.bin and data/lm_words.bin: the character language model.

Sources (Debian packages, read only):
  * jieba's dict.txt (python3-jieba, MIT): 349k words with frequencies from
    segmented Chinese text.
  * OpenCC TSCharacters, TWVariantsRev, HKVariantsRev (libopencc-data,
    Apache-2.0): the fold table, Traditional/variant -> Simplified, first
    candidate, so Traditional text is scored by the Simplified model.

Model.  Text is a sequence of words; a word's characters and internal
bigrams are counted with the word's frequency.  For Han characters a, b:
    P(b | a) = (1 - beta_a) * c(ab) / c_inner(a) + beta_a * P_init(b)
where beta_a is the share of a's occurrences that end a word (floored, so
that unseen pairs keep some mass) and P_init is the word-initial
distribution, smoothed with the unigram.  The second term is the backoff for
pairs that straddle a word boundary, which a word list cannot count.
Characters that are not Han (or Han outside the lexicon) are modelled by
class: a class-transition matrix and a distribution within each class,
set below from how Chinese web and technical text mixes scripts.  All
scores are log10 probabilities, stored as int16 thousandths.

lm.bin layout, little-endian, sections 4-byte aligned:
  header  u32[18]: magic 'ZFLM', version, ncls, off_prior, off_trans,
          nstage1, off_stage1, nblocks, off_stage2, nrec, off_rec,
          nvocab, off_rowstart, nbig, off_bcol, off_bval, scale, pad
  prior   i16[ncls]            log10 P(class) of a first character
  trans   i16[ncls*ncls]       log10 P(class b | class a), row a
  stage1  u16[nstage1]         block of cp >> 8, for every cp < 0x110000
  stage2  u16[nblocks*256]     record id of cp & 255
  rec     nrec * 16 bytes: u32 fold (0 = itself), i16 lp (log10 P(c | its
          class); for Han the unigram), i16 init (log10 P_init), i16 bo
          (log10 beta), u16 vid (vocabulary index, 0xFFFF if none), u8 class,
          u8 0, i16 0.  Records 0..ncls-1 are the class defaults.
  rowstart u32[nvocab+1]       bigrams of vid a are entries rowstart[a]..
  bcol    u16[nbig]            vid of b, sorted within a row
  bval    i16[nbig]            log10 P(b | a) within Han
lm_words.bin layout:
  header  u32[8]: magic 'ZFLW', version, nslots (power of 2), off_slots,
          npool, off_pool, maxlen (longest word), 0
  slots   u32[nslots]: 1 + pool index of a word, 0 empty; FNV-1a over the
          little-endian u16 vids, linear probing
  pool    u16[npool]: per word: length << 11 | round(-log10 relative
          frequency * 200), then its vids
"""
import ast
import math
import os
import struct
import subprocess
import sys
import tempfile

from opencc_fold import OPENCC, fold_map

JIEBA = "/usr/lib/python3/dist-packages/jieba/dict.txt"
JIEBA_HMM = "/usr/lib/python3/dist-packages/jieba/finalseg"
# Share of the unigram and word-initial distributions taken from jieba's
# HMM (real running text) rather than from the dictionary; measured on the
# tuning half: 0 -> 0.5 -> 0.9 moved substitutions 96.0 -> 96.2 -> 96.3%.
HMM_WEIGHT = 0.9
SCALE = 1000  # stored value = round(log10 p * SCALE)
# jieba's counts give frequent compounds far more weight than their share of
# running text (的 is 0.5% of its word mass, ~4% of real text); tempering
# them with an exponent below 1 was measured to rank true sentences above
# one-character substitutions more often (tuning half of zh_CN: 95.8% ->
# 96.0%, fortunes 84.0% -> 85.0%; 0.6 and 1.2 both worse).  docs/lm.md.
FREQ_EXPONENT = 0.8
WORD_SCALE = 200  # word frequencies: -log10 p * WORD_SCALE in 11 bits
MAX_CP = 0x110000

# ---- character classes ---------------------------------------------------
CLASSES = ["han", "han_rare", "letter", "digit", "space", "apunct", "cjkp",
           "lat1_letter", "lat1_symbol", "greek_cyrillic", "kana", "hangul",
           "pua", "fullwidth_alnum", "other", "control", "box"]
C = {n: i for i, n in enumerate(CLASSES)}
NCLS = len(CLASSES)

HAN_RANGES = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
              (0x20000, 0x323AF)]


def in_ranges(cp, ranges):
    return any(lo <= cp <= hi for lo, hi in ranges)


def char_class(cp):
    if in_ranges(cp, HAN_RANGES):
        return C["han_rare"]  # promoted to "han" when in the lexicon
    if cp in (0x20, 0x09, 0x0A, 0x0D) or cp in OTHER_SPACES:
        return C["space"]
    if cp < 0x20 or cp == 0x7F or 0x80 <= cp <= 0x9F:
        return C["control"]
    if 0x30 <= cp <= 0x39:
        return C["digit"]
    if 0x41 <= cp <= 0x5A or 0x61 <= cp <= 0x7A:
        return C["letter"]
    if cp < 0x80:
        return C["apunct"]
    if cp == 0xB7 or 0x2010 <= cp <= 0x2027 or 0x2030 <= cp <= 0x205E or \
            0x3000 <= cp <= 0x303F or 0xFE30 <= cp <= 0xFE4F or \
            0xFF01 <= cp <= 0xFF0F or 0xFF1A <= cp <= 0xFF20 or \
            0xFF3B <= cp <= 0xFF40 or 0xFF5B <= cp <= 0xFF65:
        return C["cjkp"]
    if 0xFF10 <= cp <= 0xFF19 or 0xFF21 <= cp <= 0xFF3A or 0xFF41 <= cp <= 0xFF5A:
        return C["fullwidth_alnum"]
    if (0xC0 <= cp <= 0xFF and cp not in (0xD7, 0xF7)) or 0x100 <= cp <= 0x24F \
            or 0x1E00 <= cp <= 0x1EFF:
        return C["lat1_letter"]
    if 0xA0 <= cp <= 0xFF or 0x2B0 <= cp <= 0x2FF or 0x20A0 <= cp <= 0x20CF \
            or 0x2100 <= cp <= 0x214F:
        return C["lat1_symbol"]
    if 0x370 <= cp <= 0x52F:
        return C["greek_cyrillic"]
    if 0x3040 <= cp <= 0x30FF or 0x31F0 <= cp <= 0x31FF or 0xFF66 <= cp <= 0xFF9F:
        return C["kana"]
    if 0xAC00 <= cp <= 0xD7AF or 0x1100 <= cp <= 0x11FF or 0x3130 <= cp <= 0x318F:
        return C["hangul"]
    if 0xE000 <= cp <= 0xF8FF or cp >= 0xF0000:
        return C["pua"]
    if 0x2500 <= cp <= 0x257F:
        return C["box"]
    return C["other"]


# Class transitions, relative weights per row (normalized below; every cell
# also gets FLOOR).  They describe Chinese articles that quote English
# names, numbers, URLs and code: Han runs broken by CJK punctuation, Latin
# words between spaces, numbers next to Han (2024年).  Latin-1 letters and
# symbols, Greek/Cyrillic, kana and private-use characters are rare inside
# Chinese text and rarer still next to each other, which is what makes the
# mojibake shapes (æˆ‘ä»¬, ÎÒÃÇ, и琌) improbable.  Han outside the
# lexicon after Han is kept below the rarest lexicon character after a
# word (about -8.2), so an unknown character never outscores a known one.
FLOOR = 0.001
TRANS = {
    "han": dict(han=85, han_rare=0.01, letter=1.5, digit=1, space=0.8,
                apunct=0.8, cjkp=10, lat1_letter=0.01, lat1_symbol=0.01,
                greek_cyrillic=0.01, kana=0.01, hangul=0.005, pua=0.001,
                fullwidth_alnum=0.05, other=0.05, box=0.01),
    "han_rare": dict(han=80, han_rare=2, letter=1.5, digit=1, space=0.8,
                     apunct=0.8, cjkp=10, lat1_letter=0.01, lat1_symbol=0.01,
                     greek_cyrillic=0.01, kana=0.01, hangul=0.005, pua=0.001,
                     fullwidth_alnum=0.05, other=0.05, box=0.01),
    "letter": dict(letter=80, digit=2, space=8, apunct=5, han=4, cjkp=1.5,
                   han_rare=0.01, lat1_letter=0.2, lat1_symbol=0.02,
                   greek_cyrillic=0.01, kana=0.005, hangul=0.005,
                   fullwidth_alnum=0.01, other=0.05),
    "digit": dict(digit=55, letter=5, space=6, apunct=10, han=18, cjkp=5,
                  lat1_letter=0.02, lat1_symbol=0.05, han_rare=0.01,
                  fullwidth_alnum=0.01, other=0.05),
    "space": dict(letter=30, digit=8, space=20, apunct=10, han=25, cjkp=3,
                  lat1_letter=0.05, lat1_symbol=0.05, han_rare=0.02,
                  greek_cyrillic=0.01, kana=0.01, hangul=0.01,
                  fullwidth_alnum=0.05, other=0.2, box=1),
    "apunct": dict(letter=25, digit=12, space=30, apunct=12, han=12, cjkp=3,
                   lat1_letter=0.03, lat1_symbol=0.03, han_rare=0.01,
                   fullwidth_alnum=0.02, other=0.1, box=0.3),
    "cjkp": dict(han=65, cjkp=12, letter=4, digit=4, space=8, apunct=1,
                 han_rare=0.01, lat1_letter=0.01, lat1_symbol=0.01,
                 kana=0.02, fullwidth_alnum=0.1, other=0.1),
    "lat1_letter": dict(lat1_letter=10, letter=60, space=12, apunct=6,
                        digit=0.5, han=0.5, cjkp=0.3, lat1_symbol=0.3),
    "lat1_symbol": dict(space=25, digit=20, letter=20, han=10, apunct=8,
                        lat1_symbol=1, lat1_letter=1, cjkp=2),
    "greek_cyrillic": dict(greek_cyrillic=80, space=10, apunct=5, han=1,
                           digit=1, cjkp=0.5, letter=0.5),
    "kana": dict(kana=60, han=25, cjkp=10, space=1, letter=0.5, digit=0.5),
    "hangul": dict(hangul=70, space=20, apunct=3, cjkp=1, han=0.5, digit=1),
    "pua": dict(pua=20, han=20, space=20, cjkp=10, letter=5, apunct=5),
    "fullwidth_alnum": dict(fullwidth_alnum=50, han=30, cjkp=10, space=3,
                            apunct=1),
    # Box drawing: tables and rules drawn in text files, runs of it between
    # spaces; next to Han it is what Big5 read as GBK makes of Big5's
    # row A9 (岸 is ─), so the transitions with Han stay rare.
    "box": dict(box=75, space=15, apunct=3, han=1, letter=1, digit=1,
                cjkp=0.5, other=0.5),
    "other": dict(han=30, space=20, letter=15, other=15, apunct=5, digit=5,
                  cjkp=5),
    "control": dict(space=20, letter=20, han=20, control=5, apunct=5),
}
PRIOR = dict(han=0.55, han_rare=0.0003, letter=0.12, digit=0.04, space=0.08,
             apunct=0.06, cjkp=0.12, lat1_letter=0.001, lat1_symbol=0.001,
             greek_cyrillic=0.0005, kana=0.001, hangul=0.0005, pua=0.00005,
             fullwidth_alnum=0.003, other=0.003, control=0.00005, box=0.001)

# Distributions within classes: explicit weights for the common members,
# the rest of the class (of `size` members) sharing `rest` uniformly.
LETTER_FREQ = dict(e=12.7, t=9.1, a=8.2, o=7.5, i=7.0, n=6.7, s=6.3, h=6.1,
                   r=6.0, d=4.3, l=4.0, c=2.8, u=2.8, m=2.4, w=2.4, f=2.2,
                   g=2.0, y=2.0, p=1.9, b=1.5, v=1.0, k=0.8, j=0.15, x=0.15,
                   q=0.1, z=0.07)
DIGIT_W = {"0": 12, "1": 14, "2": 13, "3": 9, "4": 8, "5": 9, "6": 8, "7": 8,
           "8": 9, "9": 10}
# No-break and typographic spaces are spaces: web pages carry &nbsp; as
# U+00A0, and as a Latin-1 symbol it lost to any garbage read of its bytes
# (C2 A0 is 聽 in GBK, and Â + U+00A0 under Windows-1252).
OTHER_SPACES = [0xA0] + list(range(0x2000, 0x200B)) + [0x202F, 0x205F]
SPACE_W = {" ": 85, "\n": 10, "\t": 3, "\r": 2, "\u00a0": 2}
SPACE_W.update({chr(cp): 0.05 for cp in OTHER_SPACES if cp != 0xA0})
APUNCT_W = {".": 20, ",": 12, "-": 12, "/": 8, ":": 7, "(": 5, ")": 5,
            "_": 4, '"': 4, "'": 3, "=": 3, ";": 2, "!": 1.5, "?": 1.5,
            "#": 1, "@": 1, "&": 1, "%": 1, "+": 1, "*": 1, "<": 1, ">": 1,
            "[": 1, "]": 1, "{": 0.5, "}": 0.5, "|": 0.5, "\\": 0.5,
            "~": 0.5, "`": 0.3, "^": 0.2, "$": 0.5}
CJKP_W = {"，": 30, "。": 18, "、": 6, "“": 5, "”": 5, "：": 4, "（": 3,
          "）": 3, "！": 2, "？": 2, "；": 1.5, "《": 2, "》": 2, "·": 1,
          "…": 1.5, "—": 1.5, "‘": 0.5, "’": 0.8, "「": 1, "」": 1,
          "『": 0.3, "』": 0.3, "【": 0.5, "】": 0.5, "　": 1, "～": 0.2}
CJKP_REST = 2.0  # weight shared by the other members of the class
# Uniform classes: log10 P(c | class) = -log10(effective size).  Latin-1
# letters proper are likelier than Latin Extended, which the class also has.
UNIFORM = {"lat1_letter": 120, "lat1_symbol": 150, "greek_cyrillic": 200,
           "kana": 200, "hangul": 11172, "pua": 50000,
           "fullwidth_alnum": 62, "other": 10000, "control": 60}
# the lines of a box: the rest of the block shares a tenth
BOX_W = {"─": 35, "│": 20, "┌": 4, "┐": 4, "└": 4, "┘": 4, "├": 4, "┤": 4,
         "┬": 3, "┴": 3, "┼": 3, "═": 3, "║": 2}
BOX_REST = 10.0
LAT1_LETTER_COMMON = 0.7 / 62  # C0..FF letters; the rest share 0.3 of ~400


def die(msg):
    sys.exit("gen_lm: " + msg)


def q(p):
    if p <= 0:
        die("non-positive probability")
    v = round(math.log10(p) * SCALE)
    return max(v, -32767)


def is_han(cp):
    return in_ranges(cp, HAN_RANGES)


def utf8_mojibake_shape(ch):
    """True when ch's GBK bytes could be two bytes of UTF-8-encoded CJK
    (lead E0-EF + continuation, continuation + lead, or two continuations
    outside GB2312, whose bytes are both A1-FE): the characters UTF-8 read
    as GBK produces (中 E4 B8 AD -> 涓..., ， EF BC 8C -> 锛 or ..紝)."""
    try:
        b = ch.encode("gbk")
    except UnicodeEncodeError:
        return False
    if len(b) != 2:
        return False

    def lead(x):
        return 0xE0 <= x <= 0xEF

    def cont(x):
        return 0x80 <= x <= 0xBF
    return (lead(b[0]) and cont(b[1])) or (cont(b[0]) and lead(b[1])) or \
        (cont(b[0]) and cont(b[1]) and (b[0] <= 0xA0 or b[1] < 0xA1))


def read_jieba():
    """(word, freq) from jieba's dict, without the mojibake it learnt.

    jieba's counts come from web text that contained UTF-8 read as GBK, so
    its single-character entries include 涓 (12958), 锛 (12605), 銆, 鐨,
    殑 ... with frequencies of common characters.  Kept, they would make the
    very garbage the repair stages look for probable.  A single-character
    entry is dropped when its GBK bytes have the shape of UTF-8 and it is
    ten times likelier alone than inside all longer words together (涓
    12958 alone, 150 in words; 啊 is kept: its bytes B0 A1 are a common
    GB2312 row).  Rare real characters caught by the rule keep their
    occurrences inside words."""
    entries = []
    inner = {}
    with open(JIEBA, encoding="utf-8") as f:
        for line in f:
            p = line.split()
            if len(p) < 2:
                continue
            w, freq = p[0], int(p[1])
            entries.append((w, freq))
            if len(w) > 1:
                for ch in w:
                    inner[ch] = inner.get(ch, 0) + freq
    return [(w, f) for w, f in entries
            if not (len(w) == 1 and utf8_mojibake_shape(w)
                    and inner.get(w, 0) * 10 < f)]


def read_hmm(fold):
    """jieba's character HMM (finalseg): log P(char | state) for the states
    B, M, E, S (begin, middle, end of a word, single-character word) and the
    state transitions, estimated from segmented running text.  Unlike the
    dictionary it gives real-text character frequencies (的 is ~4% of
    characters, not 0.5%) and where words start and end.  The files are
    Python literals, read with ast.literal_eval (nothing is executed).
    Returns (emit, pi): emit[state][folded cp] normalized within the state
    (jieba duplicates Simplified entries as Traditional ones, so the larger
    of the two is kept rather than their sum), pi the stationary state
    distribution."""
    def literal(path):
        with open(path, encoding="utf-8") as f:
            src = f.read()
        return ast.literal_eval(src[src.index("P=") + 2:])

    raw = literal(os.path.join(JIEBA_HMM, "prob_emit.py"))
    trans = literal(os.path.join(JIEBA_HMM, "prob_trans.py"))
    emit = {}
    for st in "BMES":
        d = {}
        for k, v in raw[st].items():
            if len(k) != 1:
                continue
            c = fold.get(ord(k), ord(k))
            if is_han(c):
                d[c] = max(d.get(c, 0.0), math.exp(v))
        emit[st] = d
    pi = {st: 0.25 for st in "BMES"}
    for _ in range(500):
        nxt = {st: 0.0 for st in "BMES"}
        for a, row in trans.items():
            for b, lp in row.items():
                nxt[b] += pi[a] * math.exp(lp)
        tot = sum(nxt.values())
        pi = {st: v / tot for st, v in nxt.items()}
    return emit, pi


def taiwan_words():
    """(Taiwan word, mainland words) from OpenCC's TWPhrasesRev: 滑鼠 -> 鼠標,
    軟體 -> 軟件, 預設 -> 缺省 默認."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "TWPhrasesRev.txt")
        subprocess.run(["opencc_dict", "-i", os.path.join(OPENCC, "TWPhrasesRev.ocd2"),
                        "-o", out, "-f", "ocd2", "-t", "text"], check=True)
        with open(out, encoding="utf-8") as f:
            pairs = []
            for line in f:
                k, _, v = line.rstrip("\n").partition("\t")
                if k and v:
                    pairs.append((k, v.split(" ")))
    return sorted(pairs)


def read_words(fold):
    words = {}
    for w, freq in read_jieba():
        cps = tuple(fold.get(ord(ch), ord(ch)) for ch in w)
        if freq <= 0 or not all(is_han(c) for c in cps):
            continue
        words[cps] = words.get(cps, 0) + freq ** FREQ_EXPONENT
    # jieba is mainland usage; Taiwan's words for the same things (滑鼠 for
    # 鼠标, 软体 for 软件) are mostly missing, so Traditional text from Taiwan
    # scored lower than it should.  A Taiwan word jieba lacks gets the
    # frequency of its mainland equivalents.
    added = 0
    for tw, cns in taiwan_words():
        key = tuple(fold.get(ord(ch), ord(ch)) for ch in tw)
        if len(key) < 2 or key in words or not all(is_han(c) for c in key):
            continue
        f = sum(words.get(tuple(fold.get(ord(ch), ord(ch)) for ch in cn), 0) for cn in cns)
        if f > 0:
            words[key] = f
            added += 1
    print("gen_lm: %d Taiwan words added" % added, file=sys.stderr)
    return words


def two_stage(ids, default_of, max_cp):
    stage1, blocks, index = [], [], {}
    for hi in range(max_cp >> 8):
        blk = tuple(ids.get((hi << 8) | lo, default_of((hi << 8) | lo))
                    for lo in range(256))
        if blk not in index:
            index[blk] = len(blocks)
            blocks.append(blk)
        stage1.append(index[blk])
    return stage1, blocks


def align4(b):
    return b + b"\0" * (-len(b) % 4)


def pack_sections(sections, hdr_words):
    """Offsets of the sections when they follow a header of hdr_words u32."""
    off = hdr_words * 4
    offs = []
    for s in sections:
        offs.append(off)
        off += len(s)
    return offs


def fnv1a(vids):
    h = 0x811C9DC5
    for v in vids:
        for b in (v & 0xFF, v >> 8):
            h ^= b
            h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def main():
    if len(sys.argv) != 2:
        die("usage: gen_lm.py OUTDIR")
    outdir = sys.argv[1]
    fold = {ord(k): ord(v) for k, v in fold_map().items()}
    words = read_words(fold)

    uni, init, fin, big = {}, {}, {}, {}
    for w, f in words.items():
        for c in w:
            uni[c] = uni.get(c, 0) + f
        init[w[0]] = init.get(w[0], 0) + f
        fin[w[-1]] = fin.get(w[-1], 0) + f
        for a, b in zip(w, w[1:]):
            big[(a, b)] = big.get((a, b), 0) + f
    vocab = sorted(uni)
    if len(vocab) >= 0xFFFF:
        die("vocabulary too large for 16-bit ids")
    vid = {c: i for i, c in enumerate(vocab)}
    total = sum(uni.values())
    ninit = sum(init.values())
    p_uni = {c: uni[c] / total for c in vocab}
    # Word-initial distribution, smoothed with the unigram so that a
    # character never seen word-initially keeps some probability.
    p_init = {c: 0.9 * init.get(c, 0) / ninit + 0.1 * p_uni[c] for c in vocab}
    BETA_FLOOR = 0.05
    beta = {c: min(1.0, max(BETA_FLOOR, fin.get(c, 0) / uni[c])) for c in vocab}

    # Real-text statistics from jieba's HMM, for the lexicon's characters.
    # Its training text had the same mojibake as the dictionary's (戜, 锛
    # have emissions): a character of UTF-8 shape whose HMM frequency is
    # ten times what the (cleaned) dictionary gives it keeps the dictionary
    # estimates.
    emit, pi = read_hmm(fold)
    p_real, p_init_real, beta_real = {}, {}, {}
    for c in vocab:
        pr = sum(pi[st] * emit[st].get(c, 0.0) for st in "BMES")
        if pr <= 0 or (utf8_mojibake_shape(chr(c)) and pr > 10 * p_uni[c]):
            continue
        p_real[c] = pr
        p_init_real[c] = (pi["B"] * emit["B"].get(c, 0.0) +
                          pi["S"] * emit["S"].get(c, 0.0)) / (pi["B"] + pi["S"])
        beta_real[c] = (pi["E"] * emit["E"].get(c, 0.0) +
                        pi["S"] * emit["S"].get(c, 0.0)) / pr
    nr = sum(p_real.values())
    ni = sum(p_init_real.values())
    for c in vocab:
        if c in p_real:
            p_uni[c] = HMM_WEIGHT * p_real[c] / nr + (1 - HMM_WEIGHT) * p_uni[c]
            p_init[c] = HMM_WEIGHT * p_init_real[c] / ni + (1 - HMM_WEIGHT) * p_init[c]
            beta[c] = min(1.0, max(BETA_FLOOR, beta_real[c]))
        else:
            p_uni[c] *= 1 - HMM_WEIGHT
            p_init[c] *= 1 - HMM_WEIGHT
    print("gen_lm: HMM statistics for %d of %d characters" % (len(p_real), len(vocab)),
          file=sys.stderr)

    # ---- records
    recs = []  # (fold, lp, init, bo, vid, cls)
    for k in range(NCLS):
        recs.append([0, 0, 0, 0, 0xFFFF, k])
    rare_size = sum(hi - lo + 1 for lo, hi in HAN_RANGES) - len(vocab)
    recs[C["han_rare"]][1] = q(1.0 / rare_size)
    for name, size in UNIFORM.items():
        recs[C[name]][1] = q(1.0 / size)
    recs[C["lat1_letter"]][1] = q(0.3 / 400)
    recs[C["han"]][1] = q(1.0 / rare_size)  # not reachable: Han defaults to rare
    ids = {}

    def add(cp, rec):
        ids[cp] = len(recs)
        recs.append(rec)

    def spread(weights, cls, rest_weight=0.0, size=None):
        tot = sum(weights.values()) + rest_weight
        for ch, w in sorted(weights.items()):
            add(ord(ch), [0, q(w / tot), 0, 0, 0xFFFF, cls])
        if rest_weight:
            nrest = size - len(weights)
            recs[cls][1] = q(rest_weight / tot / nrest)

    lw = {}
    for ch, w in LETTER_FREQ.items():
        lw[ch] = w * 0.85
        lw[ch.upper()] = w * 0.15
    spread(lw, C["letter"])
    spread(DIGIT_W, C["digit"])
    spread(SPACE_W, C["space"])
    spread(APUNCT_W, C["apunct"])
    ncjkp = sum(1 for cp in range(0x10000) if char_class(cp) == C["cjkp"])
    spread(CJKP_W, C["cjkp"], CJKP_REST, ncjkp)
    spread(BOX_W, C["box"], BOX_REST, 0x80)
    for cp in range(0xC0, 0x100):
        if char_class(cp) == C["lat1_letter"]:
            add(cp, [0, q(LAT1_LETTER_COMMON), 0, 0, 0xFFFF, C["lat1_letter"]])
    for c in vocab:
        add(c, [0, q(p_uni[c]), q(p_init[c]), q(beta[c]), vid[c], C["han"]])
    for src in sorted(fold):
        dst = fold[src]
        if src in ids and src not in vid:
            die("fold source U+%X already has a record" % src)
        if src in vid:
            # A character that is both a lexicon entry and a fold source
            # (jieba lists some Traditional words): the fold wins, so the
            # entry was merged into its Simplified form when counting.
            pass
        base = recs[ids[dst]] if dst in ids else list(recs[char_class(dst)])
        r = list(base)
        r[0] = dst
        if src in ids:
            recs[ids[src]] = r
        else:
            add(src, r)
    if len(recs) > 0xFFFF:
        die("too many records for 16-bit ids")

    stage1, blocks = two_stage(ids, char_class, MAX_CP)

    # ---- bigrams
    rows = [[] for _ in vocab]
    for (a, b), n in big.items():
        inner = uni[a] - fin.get(a, 0)
        p = (1 - beta[a]) * n / inner + beta[a] * p_init[b]
        rows[vid[a]].append((vid[b], q(p)))
    rowstart, bcol, bval = [0], [], []
    for r in rows:
        r.sort()
        for b, v in r:
            bcol.append(b)
            bval.append(v)
        rowstart.append(len(bcol))

    prior_tot = sum(PRIOR.values())
    prior = [q(PRIOR.get(n, 0) / prior_tot + 1e-9) for n in CLASSES]
    trans = []
    for a in CLASSES:
        row = TRANS[a]
        tot = sum(row.values()) + FLOOR * NCLS
        trans += [q((row.get(b, 0) + FLOOR) / tot) for b in CLASSES]

    secs = [
        align4(struct.pack("<%dh" % NCLS, *prior)),
        align4(struct.pack("<%dh" % (NCLS * NCLS), *trans)),
        align4(struct.pack("<%dH" % len(stage1), *stage1)),
        b"".join(struct.pack("<256H", *b) for b in blocks),
        b"".join(struct.pack("<IhhhHBBh", r[0], r[1], r[2], r[3], r[4], r[5], 0, 0)
                 for r in recs),
        struct.pack("<%dI" % len(rowstart), *rowstart),
        align4(struct.pack("<%dH" % len(bcol), *bcol)),
        align4(struct.pack("<%dh" % len(bval), *bval)),
    ]
    offs = pack_sections(secs, 18)
    hdr = struct.pack("<4s17I", b"ZFLM", 1, NCLS, offs[0], offs[1],
                      len(stage1), offs[2], len(blocks), offs[3], len(recs),
                      offs[4], len(vocab), offs[5], len(bcol), offs[6],
                      offs[7], SCALE, 0)
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "lm.bin"), "wb") as f:
        f.write(hdr + b"".join(secs))

    # ---- lexicon
    wtotal = sum(words.values())
    nslots = 1
    while nslots < len(words) * 3 // 2:
        nslots *= 2
    slots = [0] * nslots
    pool = []
    for w in sorted(words):
        vids = [vid[c] for c in w]
        if len(w) > 0xFFFF:
            die("word too long")
        h = fnv1a(vids) & (nslots - 1)
        while slots[h]:
            h = (h + 1) & (nslots - 1)
        slots[h] = len(pool) + 1
        qf = round(-math.log10(words[w] / wtotal) * WORD_SCALE)
        if len(w) > 31 or qf > 2047:
            die("word %r does not fit its 16-bit header" % (w,))
        pool.append(len(w) << 11 | qf)
        pool.extend(vids)
    wsecs = [struct.pack("<%dI" % nslots, *slots),
             align4(struct.pack("<%dH" % len(pool), *pool))]
    woffs = pack_sections(wsecs, 8)
    maxlen = max(len(w) for w in words)
    whdr = struct.pack("<4s7I", b"ZFLW", 3, nslots, woffs[0], len(pool),
                       woffs[1], maxlen, 0)
    with open(os.path.join(outdir, "lm_words.bin"), "wb") as f:
        f.write(whdr + b"".join(wsecs))
    print("gen_lm: %d words, %d characters, %d bigrams, %d records, %d blocks"
          % (len(words), len(vocab), len(bcol), len(recs), len(blocks)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
