#!/usr/bin/env python3
"""Generates data/lm_other.bin: the model of text in any language (issue 13).

    python3 tools/gen_lm_other.py OUTDIR            # writes OUTDIR/lm_other.bin
    python3 tools/gen_lm_other.py --heldout DIR     # writes the held-out text

The Chinese model (gen_lm.py) describes Chinese articles.  Text in another
language or script is improbable under it, which is what makes mojibake
stand out, but it is also what made German guillemets, a Spanish ¡, Japanese
kana or an Arabic word look "less probable" than the Han a wrong reading
gives.  The mojibake stage (repair_mojibake.c) therefore judges a repair
against the text as it stands under this second model too: a class bigram
model of writing in general, estimated here from real text in many
languages and scripts.

Sources (Debian packages, read only), split into a training slice and a
held-out slice that the generator never counts:
  * message catalogues (.mo): every translation (msgstr) of every locale
    but Chinese (the Chinese model's, and the world corpus's po files) of
    the domains TRAIN_DOMAINS (libc-l10n, libglib2.0-data, coreutils,
    iso-codes); held out: HELDOUT_DOMAINS (libgtk2.0-common, xkb-data,
    libpam-runtime).  About 150 locales in every script Debian translates
    into: Latin, Greek, Cyrillic, Armenian, Georgian, Hebrew, Arabic,
    Indic, Thai, Ethiopic, kana and Han, Hangul...
  * man pages (manpages-cs ... manpages-vi): the pages of even index in
    each package's sorted list train; the odd ones are held out.  roff is
    stripped as tools/make_corpus.py does, after groff's named glyphs
    (\\(Fo \\(Fc \\(lq \\(em ...) are turned into the characters they name,
    so that guillemets and dashes are counted where they were typeset
    (and its unbreakable spaces \\~ and \\<space> as U+00A0).
Lines that are themselves UTF-8 read as Windows-1252 or Latin-1 (a run of
Latin-1 characters that re-encodes to valid multi-byte UTF-8, as
`manipulaciÃ³n`; a few Debian translations hold some) are not counted:
clean text is what the model describes.

Model.  Every code point has a class, fixed by its Unicode general category
and block (CLASSES below: ASCII and other Latin letters by case, letters of
other scripts by case, combining marks, digits, spaces, ASCII punctuation,
Latin-1 symbols, other punctuation, symbols, CJK punctuation, kana,
Hangul, Han, full-width letters and digits, emoji, format characters,
controls, private use, unassigned) and, for letters and marks, a script
(the first word of its Unicode name: LATIN, CYRILLIC, ARABIC...).
    P(b | a) = P(class b, same | class a) * P(b | class b)
where `same` says whether a and b are letters (or marks) of one script, so
a word does not change script in its middle (и琌).  Membership is counted
here for every class; Han characters the training text does not hold (it
holds the kanji of Japanese and the few Han of other languages) back off to
the Chinese model's unigram (zf_lm_char).  Counts are weighted so that every locale contributes the
same number of characters (text in any language, not in the language
with the most translations).  Smoothing is Witten-Bell throughout: a
class's unseen members share T / (N + T) of its mass (T distinct members
seen, N occurrences), and a class row backs off to the class unigram the
same way, which itself has add-one counts, so nothing is impossible.  All
scores are log10 probabilities stored as int16 thousandths.

lm_other.bin layout, little-endian, every section 4-byte aligned:
  header  u32[12]: magic 'ZFLO', version, size (bytes of the whole blob),
          ncls, nrun, off_flags, off_run, off_trans, scale, cls_start,
          cls_han, checksum (FNV-1a over every byte after the header)
  flags   u8[ncls] (padded): 1 = a letter class (letters and marks carry a
          script; two of one script are `same`)
  run     nrun * 8 bytes: u32 first code point, u8 class, u8 script
          (0 = none or inherited: same as any; 0xFF in a Han run: add the
          Chinese unigram), i16 log10 P(c | class) for every code point
          from `first` up to the next run's first; the first run starts
          at 0, firsts strictly increase
  trans   i16[ncls * ncls * 2]: log10 P(class b, same | class a) at
          [(a * ncls + b) * 2 + same]
"""
import collections
import gettext
import gzip
import math
import os
import re
import struct
import sys
import unicodedata
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_corpus import strip_roff  # noqa: E402  (the project's roff stripper)

VERSION = 1
SCALE = 1000
MAX_CP = 0x110000
LOCALE = "/usr/share/locale"
MAN = "/usr/share/man"
# Message catalogue domains (file name without .mo) and their packages.
TRAIN_DOMAINS = ["coreutils", "glib20", "iso_15924", "iso_3166-1", "iso_4217", "iso_639-2",
                 "libc"]
HELDOUT_DOMAINS = ["Linux-PAM", "gtk20", "xkeyboard-config"]
MAN_PKGS = ["manpages-cs", "manpages-da", "manpages-de", "manpages-el", "manpages-es",
            "manpages-fi", "manpages-fr", "manpages-hu", "manpages-id", "manpages-it",
            "manpages-ja", "manpages-nl", "manpages-pl", "manpages-pt-br", "manpages-ro",
            "manpages-ru", "manpages-sv", "manpages-tr", "manpages-uk", "manpages-vi"]
# At most this many characters of man page text per language train (the
# page order is sorted, so the cut is deterministic).
MAN_CHARS = 1_500_000
MIN_UNIT = 20_000
HAN_BACKOFF = 0xFF  # the script byte of Han runs scored as share + zf_lm_char

CLASSES = ["start", "lat_lower", "lat_upper", "digit", "space", "apunct", "acc_lower",
           "acc_upper", "let_lower", "let_upper", "let_other", "mark", "lat1_symbol",
           "punct", "symbol", "cjk_punct", "kana", "hangul", "han", "fullwidth", "emoji",
           "format", "control", "private", "unassigned"]
C = {n: i for i, n in enumerate(CLASSES)}
NCLS = len(CLASSES)
LETTERISH = {C[n] for n in ("lat_lower", "lat_upper", "acc_lower", "acc_upper", "let_lower",
                            "let_upper", "let_other", "mark")}
HAN_RANGES = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x323AF)]


def die(msg):
    sys.exit("gen_lm_other: " + msg)


# ---- classes ---------------------------------------------------------------
def block_class(cp):
    """Classes fixed by block, whatever the general category."""
    if any(lo <= cp <= hi for lo, hi in HAN_RANGES):
        return C["han"]
    if 0x3040 <= cp <= 0x30FF or 0x31F0 <= cp <= 0x31FF or 0xFF66 <= cp <= 0xFF9F:
        return C["kana"]
    if 0xAC00 <= cp <= 0xD7A3 or 0x1100 <= cp <= 0x11FF or 0x3130 <= cp <= 0x318F or \
            0xA960 <= cp <= 0xA97F or 0xD7B0 <= cp <= 0xD7FF or 0xFFA0 <= cp <= 0xFFDC:
        return C["hangul"]
    if 0xFF10 <= cp <= 0xFF19 or 0xFF21 <= cp <= 0xFF3A or 0xFF41 <= cp <= 0xFF5A:
        return C["fullwidth"]
    if 0x3000 <= cp <= 0x303F or 0xFE30 <= cp <= 0xFE4F or 0xFF01 <= cp <= 0xFF65:
        return C["cjk_punct"]
    if 0xA1 <= cp <= 0xBF or cp in (0xD7, 0xF7):
        return C["lat1_symbol"]  # the Latin-1 symbols, ª º µ and the soft hyphen too
    if 0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF:
        return C["emoji"]
    if cp in (0xFFFD, 0xFFFC):
        return C["unassigned"]  # replacement characters: damage, not text
    return None


def char_class(cp):
    """(class, script name or None)."""
    b = block_class(cp)
    if b is not None:
        return b, None
    if cp < 0x80:
        ch = chr(cp)
        if ch in " \t\n\r":
            return C["space"], None
        if cp < 0x20 or cp == 0x7F:
            return C["control"], None
        if ch.isdigit():
            return C["digit"], None
        if "a" <= ch <= "z":
            return C["lat_lower"], "LATIN"
        if "A" <= ch <= "Z":
            return C["lat_upper"], "LATIN"
        return C["apunct"], None
    if 0xD800 <= cp <= 0xDFFF:
        return C["unassigned"], None
    ch = chr(cp)
    cat = unicodedata.category(ch)
    if cat == "Cc":
        return C["control"], None
    if cat == "Co":
        return C["private"], None
    if cat == "Cn":
        return C["unassigned"], None
    if cat == "Cf":
        return C["format"], None
    if cat in ("Zs", "Zl", "Zp"):
        return C["space"], None
    if cat == "Nd":
        return C["digit"], None
    if cat[0] == "P":
        return C["punct"], None
    if cat[0] == "S" or cat in ("No", "Nl"):
        return C["symbol"], None
    # letters and marks
    name = unicodedata.name(ch, "")
    script = name.split(" ")[0] if name else None
    if script in ("COMBINING", "MODIFIER") or cat == "Lm":
        script = None  # inherited: the script of its neighbours
    if cat[0] == "M" or cat == "Lm":
        return C["mark"], script
    if script == "LATIN":
        if cat == "Lu" or cat == "Lt":
            return C["acc_upper"], script
        if cat == "Ll":
            return C["acc_lower"], script
        return C["let_other"], script
    if cat == "Lu" or cat == "Lt":
        return C["let_upper"], script
    if cat == "Ll":
        return C["let_lower"], script
    return C["let_other"], script


def class_table():
    """cls[cp], script id[cp], the script names (id 1..)."""
    cls = bytearray(MAX_CP)
    scr = bytearray(MAX_CP)
    names = {}
    raw = []
    for cp in range(MAX_CP):
        k, s = char_class(cp)
        cls[cp] = k
        if s is not None:
            raw.append((cp, s))
            names[s] = 0
    order = sorted(names)
    if len(order) > 254:
        die("too many scripts (%d) for a byte" % len(order))
    ids = {s: i + 1 for i, s in enumerate(order)}
    for cp, s in raw:
        scr[cp] = ids[s]
    return cls, scr, order


# ---- text ------------------------------------------------------------------
MOJI_RUN = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d"
                      "\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]+")


def mojibake_line(line):
    """True when a run of the line is UTF-8 read as Windows-1252 or Latin-1:
    a lead byte's character followed by continuation bytes' characters that
    together re-encode to one valid UTF-8 sequence (Ã© for é)."""
    for m in MOJI_RUN.finditer(line):
        for enc in ("cp1252", "latin-1"):
            try:
                b = m.group(0).encode(enc)
            except UnicodeEncodeError:
                continue
            n = 2 if b[0] < 0xE0 else 3 if b[0] < 0xF0 else 4
            if len(b) < n:
                continue
            try:
                b[:n].decode("utf-8")
                return True
            except UnicodeDecodeError:
                continue
    return False


def is_chinese(loc):
    return loc.startswith("zh") or loc == "lzh"


def mo_lines(domains):
    """(locale, lines) of every non-Chinese catalogue of the domains."""
    if not os.path.isdir(LOCALE):
        die("%s missing" % LOCALE)
    out = []
    for loc in sorted(os.listdir(LOCALE)):
        if is_chinese(loc) or not os.path.isdir(os.path.join(LOCALE, loc, "LC_MESSAGES")):
            continue
        for dom in domains:
            p = os.path.join(LOCALE, loc, "LC_MESSAGES", dom + ".mo")
            if not os.path.isfile(p):
                continue
            try:
                with open(p, "rb") as f:
                    cat = gettext.GNUTranslations(f)._catalog
            except Exception:  # a catalogue Python cannot read (glib20 of mn)
                continue
            lines = []
            for k in sorted(cat, key=lambda k: (k if isinstance(k, str) else k[0], str(k))):
                msgid = k if isinstance(k, str) else k[0]
                if not msgid:
                    continue  # the header
                lines.extend(l for l in cat[k].split("\n") if l.strip())
            out.append((loc, lines))
    return out


GLYPHS = {
    "Fo": "\u00ab", "Fc": "\u00bb", "fo": "\u2039", "fc": "\u203a", "lq": "\u201c",
    "rq": "\u201d", "oq": "\u2018", "cq": "\u2019", "Bq": "\u201e", "bq": "\u201a",
    "em": "\u2014", "en": "\u2013", "bu": "\u2022", "co": "\u00a9", "rg": "\u00ae",
    "tm": "\u2122", "de": "\u00b0", "dq": '"', "aq": "'", "hy": "-", "mu": "\u00d7",
    "di": "\u00f7", "+-": "\u00b1", "<=": "\u2264", ">=": "\u2265", "->": "\u2192",
    "<-": "\u2190", "sc": "\u00a7", "ps": "\u00b6", "ss": "\u00df", "ti": "~",
    "ha": "^", "rs": "\\", "ga": "`", "ul": "_", "pl": "+", "mi": "\u2212", "eq": "=",
    "12": "\u00bd", "14": "\u00bc", "34": "\u00be", "S1": "\u00b9", "S2": "\u00b2",
    "S3": "\u00b3", "Eu": "\u20ac", "eu": "\u20ac", "Po": "\u00a3", "Ye": "\u00a5",
    "ct": "\u00a2", "r!": "\u00a1", "r?": "\u00bf", "ba": "|", "or": "|", "at": "@",
    "sh": "#", "Do": "$", "dg": "\u2020", "dd": "\u2021", "md": "\u22c5", "pc": "\u00b7",
}
GLYPH_RX = re.compile(r"\\\((..)|\\\[([^\]\s]+)\]")


def glyphs(raw):
    """groff's named glyphs as the characters they name (strip_roff would
    drop them, and with them every guillemet and dash of the page)."""
    def rep(m):
        name = m.group(1) or m.group(2)
        if name in GLYPHS:
            return GLYPHS[name]
        if name.startswith("u") and re.fullmatch(r"u[0-9A-F]{4,6}", name):
            cp = int(name[1:], 16)
            if cp < MAX_CP and not 0xD800 <= cp <= 0xDFFF:
                return chr(cp)
        return m.group(0)
    # groff's unbreakable spaces are what typeset text holds as U+00A0
    # (strip_roff would make them plain spaces)
    return GLYPH_RX.sub(rep, raw).replace("\\~", "\u00a0").replace("\\ ", "\u00a0")


def deb_files(pkg):
    listing = "/var/lib/dpkg/info/%s.list" % pkg
    if not os.path.isfile(listing):
        die("Debian package %s is not installed (make deps)" % pkg)
    with open(listing, encoding="utf-8") as f:
        return sorted(l.rstrip("\n") for l in f if l.strip())


def man_pages(pkg):
    """(language, path) of the package's man pages, sorted by path."""
    out = []
    for p in deb_files(pkg):
        if not p.startswith(MAN + "/") or not p.endswith(".gz") or os.path.islink(p) or \
                not os.path.isfile(p):
            continue
        lang = p[len(MAN) + 1:].split("/")[0]
        if lang.startswith("man"):
            continue
        out.append((lang, p))
    return out


def page_lines(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    try:
        raw = raw.decode("utf-8")
    except UnicodeDecodeError:
        return []
    if raw.startswith(".so "):
        return []
    return strip_roff(glyphs(raw))


def man_lines(heldout):
    """(language, lines) of the man pages of even (training) or odd
    (held-out) index in each package."""
    out = []
    for pkg in MAN_PKGS:
        by_lang = collections.OrderedDict()
        for i, (lang, p) in enumerate(man_pages(pkg)):
            if i % 2 != heldout:
                continue
            by_lang.setdefault(lang, []).append(p)
        for lang, paths in by_lang.items():
            lines, n = [], 0
            for p in paths:
                if not heldout and n >= MAN_CHARS:
                    break
                pl = page_lines(p)
                lines.extend(pl)
                n += sum(len(l) for l in pl)
            out.append((lang, lines))
    return out


def sources(heldout):
    """(unit, lines): a unit is a locale; man pages of a language join the
    locale of that name."""
    units = collections.OrderedDict()
    for loc, lines in mo_lines(HELDOUT_DOMAINS if heldout else TRAIN_DOMAINS) + man_lines(heldout):
        units.setdefault(loc, []).extend(lines)
    return units


# ---- counting ----------------------------------------------------------------
def count(units, cls, scr):
    """Per unit: transitions (a, b, same) and members (class, cp)."""
    out = []
    dropped = 0
    for unit in sorted(units):
        trans = collections.Counter()
        memb = collections.Counter()
        n = 0
        for line in units[unit]:
            if mojibake_line(line):
                dropped += 1
                continue
            a, sa = C["start"], 0
            for ch in line:
                cp = ord(ch)
                b, sb = cls[cp], scr[cp]
                same = int(a in LETTERISH and b in LETTERISH and (sa == sb or not sa or not sb))
                trans[(a, b, same)] += 1
                memb[cp] += 1
                n += 1
                a, sa = b, sb
        if n:
            out.append((unit, n, trans, memb))
    return out, dropped


def combine(counted):
    """Counts weighted so that every unit weighs the same, the mean unit
    size in characters; a unit of fewer than MIN_UNIT characters is too
    small a sample of its language to stand for it, and weighs in
    proportion to its size below that (kok's 839 characters would
    otherwise count 150 times over)."""
    total = sum(n for _, n, _, _ in counted)
    mean = total / len(counted)
    trans = collections.defaultdict(float)
    memb = collections.defaultdict(float)
    for unit, n, t, m in counted:
        w = mean / max(n, MIN_UNIT)
        for k in sorted(t):
            trans[k] += t[k] * w
        for cp in sorted(m):
            memb[cp] += m[cp] * w
    return trans, memb, total


def q(p):
    if p <= 0:
        die("non-positive probability")
    v = round(math.log10(p) * SCALE)
    if v < -32767:
        die("log10 probability %.1f does not fit int16" % (v / SCALE))
    return v


def members(cls):
    sizes = [0] * NCLS
    for cp in range(MAX_CP):
        sizes[cls[cp]] += 1
    return sizes


def model(trans, memb, cls):
    sizes = members(cls)
    # membership: Witten-Bell over each class's code points
    n_k = [0.0] * NCLS
    t_k = [0] * NCLS
    for cp in sorted(memb):
        n_k[cls[cp]] += memb[cp]
        t_k[cls[cp]] += 1
    dflt = [0] * NCLS
    lp = {}
    for k in range(NCLS):
        if k == C["start"]:
            continue
        unseen = sizes[k] - t_k[k]
        n, t = n_k[k], max(t_k[k], 1)
        if k == C["han"]:
            # unseen Han back off to the Chinese unigram (zf_lm_char),
            # which the C side adds to this share
            dflt[k] = q(t / (n + t))
        elif unseen > 0:
            dflt[k] = q(t / (n + t) / unseen)
    for cp in sorted(memb):
        k = cls[cp]
        v = q(memb[cp] / (n_k[k] + t_k[k]))
        if v != dflt[k] or k == C["han"]:
            lp[cp] = v
    # A no-break space is a space: web text, where most mojibake comes
    # from, is full of &nbsp;, which catalogues and man pages hardly spell
    # (roff's \~ is an escape, not the character), so it takes the
    # membership of the space (as in gen_lm.py, where U+00A0 is a space).
    lp[0xA0] = lp[0x20]
    # transitions: outcome (b, same); same only between letter classes
    outcomes = [(b, s) for b in range(1, NCLS) for s in (0, 1) if s == 0 or b in LETTERISH]
    uni = collections.defaultdict(float)
    for (a, b, s), v in trans.items():
        uni[(b, s)] += v
    utot = sum(uni.values()) + len(outcomes)
    p_uni = {o: (uni[o] + 1.0) / utot for o in outcomes}
    table = [-32767] * (NCLS * NCLS * 2)
    for a in range(NCLS):
        row = {o: trans.get((a, o[0], o[1]), 0.0) for o in outcomes}
        # `same` is impossible after a class that is no letter
        outs = [o for o in outcomes if not (o[1] and a not in LETTERISH)]
        n = sum(row[o] for o in outs)
        t = sum(1 for o in outs if row[o] > 0)
        norm = sum(p_uni[o] for o in outs)
        lam = n / (n + t) if n > 0 else 0.0
        for o in outs:
            p = lam * (row[o] / n if n > 0 else 0.0) + (1 - lam) * p_uni[o] / norm
            table[(a * NCLS + o[0]) * 2 + o[1]] = q(p)
    return dflt, lp, table, sizes, n_k, t_k


def runs(cls, scr, dflt, lp):
    out = []
    prev = None
    for cp in range(MAX_CP):
        k = cls[cp]
        v = lp.get(cp, dflt[k])
        s = scr[cp]
        if k == C["han"] and cp not in lp:
            s = HAN_BACKOFF
        key = (k, s, v)
        if key != prev:
            out.append((cp, k, s, v))
            prev = key
    return out


def fnv1a(data):
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def align4(b):
    return b + b"\0" * (-len(b) % 4)


def write_blob(path, rs, table):
    flags = align4(bytes(1 if k in LETTERISH else 0 for k in range(NCLS)))
    run = b"".join(struct.pack("<IBBh", cp, k, s, v) for cp, k, s, v in rs)
    trans = align4(struct.pack("<%dh" % len(table), *table))
    hdr_size = 12 * 4
    off_flags = hdr_size
    off_run = off_flags + len(flags)
    off_trans = off_run + len(run)
    size = off_trans + len(trans)
    body = flags + run + trans
    hdr = struct.pack("<4s11I", b"ZFLO", VERSION, size, NCLS, len(rs), off_flags, off_run,
                      off_trans, SCALE, C["start"], C["han"], fnv1a(body))
    with open(path, "wb") as f:
        f.write(hdr + body)
    return size


def write_heldout(outdir):
    os.makedirs(outdir, exist_ok=True)
    units = sources(1)
    rows = []
    for unit in sorted(units):
        lines = [l for l in units[unit] if not mojibake_line(l)]
        if not lines:
            continue
        with open(os.path.join(outdir, unit + ".txt"), "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(lines) + "\n")
        rows.append((unit, len(lines)))
    print("gen_lm_other: held-out text of %d locales, %d lines, in %s"
          % (len(rows), sum(n for _, n in rows), outdir), file=sys.stderr)


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--heldout":
        write_heldout(args[1])
        return
    if len(args) != 1:
        sys.exit("usage: gen_lm_other.py OUTDIR | --heldout DIR")
    outdir = args[0]
    cls, scr, scripts = class_table()
    counted, dropped = count(sources(0), cls, scr)
    trans, memb, total = combine(counted)
    dflt, lp, table, sizes, n_k, t_k = model(trans, memb, cls)
    rs = runs(cls, scr, dflt, lp)
    if len(rs) > 0xFFFFFF:
        die("too many runs")
    os.makedirs(outdir, exist_ok=True)
    size = write_blob(os.path.join(outdir, "lm_other.bin"), rs, table)
    print("gen_lm_other: %d units, %d characters (%d mojibake lines left out), %d scripts, "
          "%d characters with their own frequency, %d runs, %d bytes"
          % (len(counted), total, dropped, len(scripts), len(lp), len(rs), size), file=sys.stderr)


if __name__ == "__main__":
    main()
