#!/usr/bin/env python3
"""Run zhfix over the world corpus and check that it does no harm.

    python3 tools/world_check.py --zhfix build/zhfix --world build/world \\
        [--mode default|punct-off] [--kind K]... [--stdin] [--jobs N]
        [--timeout S] [--no-lines] [--lines-only] [--max-list N] [--json FILE]

Every file of WORLD/MANIFEST.tsv (built by tools/make_world.py) is run
through `zhfix -q FILE` (or `zhfix -q < FILE` with --stdin, so format
detection sees only the content), output captured, one process per file,
with a time limit per file.

--mode default    zhfix's default flags.  Every protected region of the
                  file's kind must come out byte-identical (see
                  docs/world-corpus.md for what each checker verifies).
--mode punct-off  zhfix --punct=off.  Every file must come out
                  byte-identical, and every line of WORLD/lines/LANG.txt too.

Prints a table per kind (files, bytes, files changed anywhere, files with a
change in a protected region) and lists every file with a protected-region
change, with the rule it broke and the first differing excerpt.

Exit status: 0 no harm found; 1 a protected region changed (default mode),
or anything changed (punct-off mode), or zhfix failed or timed out on a
file; 2 usage or setup error.
"""
import argparse
import concurrent.futures as cf
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import tokenize
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

HERE = os.path.dirname(os.path.abspath(__file__))

# Characters that make a line "Chinese context" (Han, kana, Hangul, CJK
# punctuation, full-width forms).  A line with none of them has no Chinese
# prose in it: zhfix's typography has no business there.
CJK = re.compile(r"[\u2e80-\u2fdf\u3000-\u30ff\u3100-\u31ff\u3200-\u9fff\uac00-\ud7af"
                 r"\uf900-\ufaff\ufe10-\ufe1f\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]")
URL = re.compile(r"(?:https?|ftp|file)://[^\s<>\"'`\\\[\](){}，。；：！？、（）【】「」『』“”‘’《》]+"
                 r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")

DATA_KINDS = {"json", "yaml", "toml", "ini", "csv", "po", "subtitles", "ics"}


class Violation(Exception):
    pass


def excerpt(a, b, width=50):
    """The first difference of two strings, as 'before' -> 'after' excerpts."""
    i = len(os.path.commonprefix([a, b]))
    k = len(os.path.commonprefix([a[i:][::-1], b[i:][::-1]]))
    ja, jb = len(a) - k, len(b) - k
    s = max(0, i - width // 2)
    ea = a[s:min(len(a), max(ja, i) + width // 2)]
    eb = b[s:min(len(b), max(jb, i) + width // 2)]
    if len(ea) > 3 * width:
        ea = ea[:3 * width] + "…"
    if len(eb) > 3 * width:
        eb = eb[:3 * width] + "…"
    line = a.count("\n", 0, i) + 1 if isinstance(a, str) else 0
    return line, show(ea), show(eb)


INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1a\x1c-\x1f\x7f-\xa0\u2000-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff]")


def show(s):
    if isinstance(s, bytes):
        s = s.decode("utf-8", "backslashreplace")
    s = (s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
         .replace("\r", "\\r").replace("\x1b", "\\e"))
    # invisible and blank look-alikes as escapes, so the excerpt shows them
    return INVISIBLE.sub(lambda m: "\\u%04x" % ord(m.group(0)), s)


def fail(rule, a, b, where=None):
    line, ea, eb = excerpt(a, b)
    raise Violation("%s%s: %s  →  %s" % (rule, " (%s)" % where if where else " (line %d)" % line if line else "", ea, eb))


# ---- common rules ---------------------------------------------------------------
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
INDENT = re.compile(r"[ \t\u3000\u00a0]*")


def check_lines(a, b):
    """Rules for every kind: lines are neither added nor removed, a line
    with no Chinese in it is left alone, a line's indentation (ideographic
    spaces included) stays, and control and format characters (form feed,
    BEL, ESC colour sequences, zero-width and direction marks, BOM) stay."""
    la, lb = a.split("\n"), b.split("\n")
    if len(la) != len(lb):
        fail("line structure changed (%d lines → %d)" % (len(la), len(lb)), a, b)
    for n, (x, y) in enumerate(zip(la, lb), 1):
        if x == y:
            continue
        if not CJK.search(x):
            fail("line without Chinese changed", x, y, "line %d" % n)
        if CONTROLS.findall(x) != CONTROLS.findall(y):
            fail("control or format character changed", x, y, "line %d" % n)
        if INDENT.match(x).group(0) != INDENT.match(y).group(0):
            fail("indentation changed", x, y, "line %d" % n)


def check_urls(a, b):
    def urls(t):
        return [u.rstrip(".,;:!?") for u in URL.findall(t)]
    ua, ub = urls(a), urls(b)
    if ua != ub:
        for x, y in zip(ua + [""], ub + [""]):
            if x != y:
                fail("URL or e-mail address changed", x, y)


# ---- data ---------------------------------------------------------------------------
def check_data(kind, a, b, path):
    """Data formats: no typography at all, the whole file byte-identical."""
    note = ""
    if kind == "json":
        try:
            va = json.loads(a)
            try:
                note = " [still loads, values %s]" % ("equal" if json.loads(b) == va else "DIFFER")
            except ValueError as e:
                note = " [no longer loads: %s]" % e
        except ValueError:
            note = " [input is not strict JSON]"
    elif kind == "yaml":
        try:
            import yaml
            Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            va = list(yaml.load_all(a, Loader=Loader))
            try:
                note = " [still loads, values %s]" % ("equal" if list(yaml.load_all(b, Loader=Loader)) == va else "DIFFER")
            except Exception as e:
                note = " [no longer loads: %s]" % str(e).split("\n")[0]
        except Exception:
            note = " [input does not load as YAML]"
    fail("data file changed" + note, a, b)


# ---- code -------------------------------------------------------------------------
def strip_python(text):
    lines = text.splitlines(keepends=True)
    offs = [0]
    for l in lines:
        offs.append(offs[-1] + len(l))
    cuts = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            (r1, c1), (r2, c2) = tok.start, tok.end
            cuts.append((offs[r1 - 1] + c1, offs[r2 - 1] + c2))
    out, pos = [], 0
    for s, e in cuts:
        out.append(text[pos:s])
        pos = e
    out.append(text[pos:])
    return "".join(out)


def strip_c_gcc(text, lang):
    r = subprocess.run(["gcc", "-fpreprocessed", "-dD", "-E", "-P", "-x", lang, "-"],
                       input=text.encode(), capture_output=True, timeout=30)
    if r.returncode != 0:
        return None
    # -P keeps or drops blank lines depending on the line numbers, and a
    # removed comment leaves a space: compare lines, not line numbering
    lines = (l.rstrip() for l in r.stdout.decode("utf-8", "surrogateescape").split("\n"))
    return "\n".join(l for l in lines if l)


def strip_clike(text, line_comment=("//",), block=True, quotes="\"'`", hash_comment=False,
                rust=False, css_urls=False):
    """A careful lexer for C-family syntax: drops // and /* */ comments (and
    # comments where asked), keeps string and character literals whole."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if block and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
            continue
        lc = next((m for m in line_comment if text.startswith(m, i)), None)
        if lc and not (css_urls and i > 0 and text[i - 1] == ":"):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if hash_comment and c == "#" and not text.startswith("#[", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if rust and c == "r" and re.match(r'r#*"', text[i:i + 8]):
            m = re.match(r'r(#*)"', text[i:])
            end = '"' + m.group(1)
            j = text.find(end, i + len(m.group(0)))
            j = n if j < 0 else j + len(end)
            out.append(text[i:j])
            i = j
            continue
        if c in quotes:
            if rust and c == "'" and not re.match(r"'(\\.[^']*|[^\\'])'", text[i:i + 12]):
                out.append(c)  # a lifetime, not a char literal
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c:
                if text[j] == "\\":
                    j += 1
                elif text[j] == "\n" and c != "`":
                    break  # unterminated: stop at the line end
                j += 1
            j = min(n, j + 1)
            out.append(text[i:j])
            i = j
            continue
        out.append(c)
        i += 1
    return "".join(out)


def strip_hash(text):
    """Shell and Ruby: # comments (at a word start), '...' and "..." strings."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == "#" and (i == 0 or text[i - 1] in " \t\n;(") :
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                if text[j] == "\\" and c == '"':
                    j += 1
                j += 1
            out.append(text[i:j + 1])
            i = j + 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def strip_lua(text):
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("--", i):
            m = re.match(r"--\[(=*)\[", text[i:i + 40])
            if m:
                end = "]" + m.group(1) + "]"
                j = text.find(end, i)
                i = n if j < 0 else j + len(end)
            else:
                j = text.find("\n", i)
                i = n if j < 0 else j
            continue
        m = re.match(r"\[(=*)\[", text[i:i + 40])
        if m:
            end = "]" + m.group(1) + "]"
            j = text.find(end, i)
            j = n if j < 0 else j + len(end)
            out.append(text[i:j])
            i = j
            continue
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                if text[j] == "\\":
                    j += 1
                j += 1
            out.append(text[i:j + 1])
            i = j + 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def strip_sql(text):
    return strip_clike(text, line_comment=("--",), quotes="'\"`")


class Node:
    """One persistent `node tools/world_strip.js` per worker process."""
    _local = threading.local()

    @classmethod
    def get(cls, world):
        p = getattr(cls._local, "proc", None)
        if p is None or p.poll() is not None:
            env = dict(os.environ, NODE_PATH=os.path.join(world, "_tools", "node_modules"))
            p = subprocess.Popen(["node", os.path.join(HERE, "world_strip.js")], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, env=env)
            cls._local.proc = p
        return p

    @classmethod
    def strip(cls, world, text, kind, timeout):
        p = cls.get(world)
        p.stdin.write((json.dumps({"text": text, "kind": kind}) + "\n").encode())
        p.stdin.flush()
        box = []
        t = threading.Thread(target=lambda: box.append(p.stdout.readline()), daemon=True)
        t.start()
        t.join(timeout)
        if not box or not box[0]:
            p.kill()
            cls._local.proc = None
            raise RuntimeError("JavaScript parser timed out or died")
        r = json.loads(box[0])
        if "error" in r:
            raise RuntimeError("JavaScript parser: " + r["error"].split("\n")[0])
        return r["code"], r["errors"]


def js_kind(path):
    ext = path.rsplit(".", 1)[-1].lower()
    return {"mjs": "js", "cjs": "js", "mts": "ts", "cts": "ts"}.get(ext, ext if ext in ("js", "jsx", "ts", "tsx") else "js")


def strip_code(kind, path, text, ctx):
    """The code of a file without its comments; raises Violation if the
    file does not parse at all (only asked of zhfix's output)."""
    if kind == "code-python":
        return strip_python(text)
    if kind == "code-c":
        # gcc's own comment stripper when it takes both versions, else the lexer
        lang = "c" if path.endswith(".c") else "c++"
        if ctx.c_gcc is not False:
            r = strip_c_gcc(text, lang)
            if r is not None:
                return r
            if ctx.c_gcc is True:
                return "[gcc -fpreprocessed failed]\n" + strip_clike(text, quotes="\"'")
        return strip_clike(text, quotes="\"'")
    if kind in ("code-js", "code-ts"):
        code, errors = Node.strip(ctx.world, text, js_kind(path), ctx.timeout)
        return code + ("\n[%d syntax errors]" % errors if errors else "")
    if kind == "code-vue":
        return strip_vue(text, ctx)
    if kind == "code-go":
        return strip_clike(text, quotes="\"'`")
    if kind == "code-rust":
        return strip_clike(text, quotes="\"'", rust=True)
    if kind in ("code-java",):
        return strip_clike(text, quotes="\"'")
    if kind == "code-php":
        return strip_clike(text, quotes="\"'", hash_comment=True)
    if kind == "code-css":
        lc = () if path.endswith(".css") else ("//",)
        return strip_clike(text, line_comment=lc, quotes="\"'", css_urls=True)
    if kind in ("code-shell", "code-ruby"):
        return strip_hash(text)
    if kind == "code-lua":
        return strip_lua(text)
    if kind == "sql":
        return strip_sql(text)
    raise RuntimeError("no code checker for " + kind)


VUE_BLOCK = re.compile(r"(<(script|style)\b[^>]*>)(.*?)(</\2\s*>)", re.S | re.I)


def strip_vue(text, ctx):
    """Vue single-file component: HTML comments dropped outside <script> and
    <style>; the script through the TypeScript parser, the style through the
    CSS lexer.  Template text is code too (the issue: comments only)."""
    out, pos = [], 0
    for m in VUE_BLOCK.finditer(text):
        out.append(re.sub(r"<!--.*?-->", "", text[pos:m.start()], flags=re.S))
        open_tag, tag, body = m.group(1), m.group(2).lower(), m.group(3)
        if tag == "script":
            lang = re.search(r'lang=["\']?(\w+)', open_tag)
            k = lang.group(1) if lang and lang.group(1) in ("ts", "tsx", "jsx") else "js"
            code, errors = Node.strip(ctx.world, body, k, ctx.timeout)
            body = code + ("\n[%d syntax errors]" % errors if errors else "")
        else:
            body = strip_clike(body, line_comment=("//",), quotes="\"'", css_urls=True)
        out.append(open_tag + body + m.group(4))
        pos = m.end()
    out.append(re.sub(r"<!--.*?-->", "", text[pos:], flags=re.S))
    return "".join(out)


def check_code(kind, path, a, b, ctx):
    ctx.c_gcc = False
    if kind == "code-c":
        lang = "c" if path.endswith(".c") else "c++"
        ga = strip_c_gcc(a, lang)
        if ga is not None:
            gb = strip_c_gcc(b, lang)
            if gb is None:
                fail("code no longer preprocesses (gcc -fpreprocessed)", strip_clike(a, quotes="\"'"),
                     strip_clike(b, quotes="\"'"))
            if ga != gb:
                fail("code outside comments changed (gcc -fpreprocessed)", ga, gb)
            return
    try:
        sa = strip_code(kind, path, a, ctx)
    except (tokenize.TokenError, SyntaxError, IndentationError) as e:
        sa = None
        note = "input does not tokenize (%s); whole file compared" % e
    if sa is None:
        fail("code changed [%s]" % note, a, b)
    try:
        sb = strip_code(kind, path, b, ctx)
    except (tokenize.TokenError, SyntaxError, IndentationError) as e:
        fail("code no longer tokenizes (%s)" % str(e).split("\n")[0], a, b)
    if sa != sb:
        fail("code outside comments changed", sa, sb)


# ---- Markdown -------------------------------------------------------------------------
FRONT = re.compile(r"\A(---|\+\+\+)[ \t]*\n.*?\n(---|\.\.\.|\+\+\+)[ \t]*(\n|\Z)", re.S)
MD_LITERAL = {"code", "code_block", "html_block", "html_inline", "custom_inline", "custom_block"}


def cmark(text):
    r = subprocess.run(["cmark-gfm", "--sourcepos", "-e", "table", "-e", "autolink", "-e", "strikethrough",
                        "-e", "tasklist", "-t", "xml"], input=text.encode(), capture_output=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("cmark-gfm failed: " + r.stderr.decode(errors="replace")[:200])
    # cmark copies control characters into its XML, which XML 1.0 forbids
    return ET.fromstring(re.sub(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", b"?", r.stdout))


def md_nodes(root):
    """Pre-order list of (tag, attributes without sourcepos, literal or None, sourcepos)."""
    out = []
    for el in root.iter():
        tag = el.tag.split("}", 1)[-1]
        attrs = tuple(sorted((k, v) for k, v in el.attrib.items() if k != "sourcepos" and not k.startswith("{")))
        lit = el.text if tag in MD_LITERAL else None
        out.append((tag, attrs, lit, el.attrib.get("sourcepos")))
    return out


def md_mask(text, nodes):
    """The source with every text node's bytes replaced by one NUL (the
    skeleton: markers, spacing, table padding, link targets, code, HTML)."""
    raw = text.encode()
    starts = [0]
    for m in re.finditer(b"\n", raw):
        starts.append(m.end())
    spans = []
    for tag, _, _, sp in nodes:
        if tag != "text" or not sp:
            continue
        m = re.match(r"(\d+):(\d+)-(\d+):(\d+)", sp)
        l1, c1, l2, c2 = map(int, m.groups())
        if l1 - 1 >= len(starts) or l2 - 1 >= len(starts):
            continue
        s = starts[l1 - 1] + c1 - 1
        e = starts[l2 - 1] + c2
        if e > s:
            spans.append((s, e))
    spans.sort()
    out, pos = [], 0
    for s, e in spans:
        if s < pos:
            continue
        out.append(raw[pos:s])
        out.append(b"\0")
        pos = e
    out.append(raw[pos:])
    return b"".join(out).decode("utf-8", "surrogateescape")


def check_markdown(a, b):
    fa, fb = FRONT.match(a), FRONT.match(b)
    if fa or fb:
        if not (fa and fb) or fa.group(0) != fb.group(0):
            fail("front matter changed", fa.group(0) if fa else a[:200], fb.group(0) if fb else b[:200])
    na, nb = md_nodes(cmark(a)), md_nodes(cmark(b))
    sa, sb = [x[:2] for x in na], [y[:2] for y in nb]
    if sa != sb:
        i = next((i for i, (x, y) in enumerate(zip(sa, sb)) if x != y), min(len(sa), len(sb)))
        x = "%s%s" % (sa[i][0], dict(sa[i][1]) or "") if i < len(sa) else "(end)"
        y = "%s%s" % (sb[i][0], dict(sb[i][1]) or "") if i < len(sb) else "(end)"
        la, lb = a.split("\n"), b.split("\n")
        n = next((int(na[j][3].split(":")[0]) for j in range(min(i, len(na) - 1), -1, -1) if na[j][3]), 0)
        if n and len(la) == len(lb) and la[n - 1] != lb[n - 1]:
            fail("Markdown structure changed: %s → %s" % (x, y), la[n - 1], lb[n - 1], "line %d" % n)
        # the cause is elsewhere, e.g. a link reference definition
        pairs = [(k, u, v) for k, (u, v) in enumerate(zip(la, lb), 1) if u != v]
        ref = [p for p in pairs if re.match(r"\s*\[[^\]]+\]:", p[1])]
        if ref or pairs:
            k, u, v = (ref or pairs)[0]
            fail("Markdown structure changed: %s → %s" % (x, y), u, v, "line %d" % k)
        fail("Markdown structure changed: %s → %s" % (x, y), a, b)
    for x, y in zip(na, nb):
        if x[2] != y[2]:
            fail("Markdown %s content changed" % x[0], x[2], y[2], "at %s" % x[3])
    ma, mb = md_mask(a, na), md_mask(b, nb)
    if ma != mb:
        fail("Markdown markup outside text changed (markers, spacing, table padding, targets)", ma, mb)


# ---- HTML ----------------------------------------------------------------------------
RAW_TEXT = {"script", "style", "pre", "code"}  # the list


class Events(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.ev = []
        self.stack = []

    def _prot(self, kind, raw):
        self.ev.append((kind, raw))

    def handle_starttag(self, tag, attrs):
        self._prot("tag", self.get_starttag_text())
        if tag in RAW_TEXT:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._prot("tag", self.get_starttag_text())

    def handle_endtag(self, tag):
        self._prot("end", tag)
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if self.stack:
            self._prot("raw-text in <%s>" % self.stack[-1], data)
        elif not self.ev or self.ev[-1] != ("text", None):
            self.ev.append(("text", None))

    def handle_entityref(self, name):
        self._prot("entity", "&%s;" % name)

    def handle_charref(self, name):
        self._prot("entity", "&#%s;" % name)

    def handle_comment(self, data):
        self._prot("comment", data)

    def handle_decl(self, decl):
        self._prot("decl", decl)

    def handle_pi(self, data):
        self._prot("pi", data)

    def unknown_decl(self, data):
        self._prot("decl", data)


def html_events(text):
    p = Events()
    p.feed(text)
    p.close()
    # data split around an entity in a text node: merge the text markers
    out = []
    for e in p.ev:
        if e == ("text", None) and out and out[-1] == e:
            continue
        out.append(e)
    return out


def check_html(a, b):
    ea, eb = html_events(a), html_events(b)
    for x, y in zip(ea, eb):
        if x != y:
            what = x[0] if x[0] == y[0] else "%s → %s" % (x[0], y[0])
            fail("HTML %s changed" % what, str(x[1]), str(y[1]))
    if len(ea) != len(eb):
        fail("HTML structure changed (%d events → %d)" % (len(ea), len(eb)), a, b)


# ---- troff --------------------------------------------------------------------------
ESC = re.compile(r"\\(?:[fFgkmMnYV*$]\s?(?:\[[^\]]*\]|\(..|.)|\((..)|\[[^\]]*\]|[sS][-+]?(?:\d+|\(\d\d|\[\d+\])"
                 r"|[hvlLwbHoxXNRSDZAB]'[^']*'|[\\e&%|^~ 0:,/cdrpuEtat\-\"#{}]|.)")
SYNOPSIS = re.compile(r"^\.(SH|SS)\s+\"?(SYNOPSIS|总览|概要|大纲|用法|語法|概述|總覽|摘要|大綱|書式|ÜBERSICHT|SYNOPSE|SINOPSIS|SINTASSI|SKŁADNIA|СИНТАКСИС|ОГЛЯД|SAMENVATTING)", re.I)


def check_troff(a, b):
    la, lb = a.split("\n"), b.split("\n")
    if len(la) != len(lb):
        fail("line structure changed (%d lines → %d)" % (len(la), len(lb)), a, b)
    synopsis = False
    for n, (x, y) in enumerate(zip(la, lb), 1):
        if x.startswith((".SH", ".SS", "'SH")):
            synopsis = bool(SYNOPSIS.match(x))
        if x == y:
            continue
        if x.startswith((".", "'")):
            fail("troff request/macro line changed", x, y, "line %d" % n)
        if ESC.findall(x) != ESC.findall(y) or [m.start() == 0 for m in ESC.finditer(x)][:1] != [m.start() == 0 for m in ESC.finditer(y)][:1]:
            fail("troff escape changed", x, y, "line %d" % n)
        if synopsis:
            fail("troff synopsis line changed", x, y, "line %d" % n)


# ---- dispatch ------------------------------------------------------------------------
def check_file(kind, path, a, b, ctx):
    """Raises Violation on a change in a protected region (default mode)."""
    if kind in DATA_KINDS:
        check_data(kind, a, b, path)
    if kind == "foreign":
        la, lb = a.split("\n"), b.split("\n")
        changed = sum(1 for x, y in zip(la, lb) if x != y) + abs(len(la) - len(lb))
        fail("other-language text changed (%d lines)" % changed, a, b)
    if kind.startswith("code-") or kind == "sql":
        check_code(kind, path, a, b, ctx)
    elif kind == "markdown":
        check_markdown(a, b)
    elif kind in ("html", "xml"):
        check_html(a, b)
    elif kind == "troff":
        check_troff(a, b)
    check_lines(a, b)
    check_urls(a, b)


class Ctx:
    pass


def run_zhfix(ctx, path):
    args = [ctx.zhfix, "-q"] + (["--punct=off"] if ctx.mode == "punct-off" else [])
    try:
        if ctx.stdin:
            with open(path, "rb") as fh:
                r = subprocess.run(args, stdin=fh, capture_output=True, timeout=ctx.timeout)
        else:
            r = subprocess.run(args + ["--", path], stdin=subprocess.DEVNULL, capture_output=True, timeout=ctx.timeout)
    except subprocess.TimeoutExpired:
        return None, "timed out after %ds" % ctx.timeout
    except OSError as e:  # e.g. the binary is being rebuilt under us
        return None, "could not run %s: %s" % (ctx.zhfix, e)
    if r.returncode != 0:
        return r.stdout, "exit %d: %s" % (r.returncode, r.stderr.decode(errors="replace").strip()[:300])
    return r.stdout, None


def one(ctx, kind, rel):
    t0 = time.monotonic()
    res = one_timed(ctx, kind, rel)
    res["secs"] = round(time.monotonic() - t0, 3)
    return res


def one_timed(ctx, kind, rel):
    path = os.path.join(ctx.world, rel)
    with open(path, "rb") as fh:
        inp = fh.read()
    out, err = run_zhfix(ctx, path)
    res = {"kind": kind, "path": rel, "bytes": len(inp), "changed": False, "violation": None}
    if err:
        res["changed"] = True
        res["violation"] = "zhfix failed: " + err
        return res
    if out == inp:
        return res
    res["changed"] = True
    a = inp.decode("utf-8", "surrogateescape")
    b = out.decode("utf-8", "surrogateescape")
    if ctx.mode == "punct-off":
        line, ea, eb = excerpt(a, b)
        la, lb = a.split("\n"), b.split("\n")
        nl = sum(1 for x, y in zip(la, lb) if x != y) + abs(len(la) - len(lb))
        res["violation"] = "changed with --punct=off (%d lines; line %d): %s  →  %s" % (nl, line, ea, eb)
        return res
    try:
        check_file(kind, rel, a, b, ctx)
    except Violation as v:
        res["violation"] = str(v)
    except Exception as e:  # a checker failure is reported, never hidden
        res["violation"] = "CHECKER ERROR (%s: %s)" % (type(e).__name__, str(e)[:200])
    return res


def one_star(args):
    return one(*args)


# ---- the checker's own test ---------------------------------------------------------
# (kind, path, input, output, True if the change must be reported)
SELF_TEST = [
    ("markdown", "a.md", "# 标题\n\n中文,测试 `a,b` 完\n", "# 标题\n\n中文，测试 `a,b` 完\n", False),
    ("markdown", "a.md", "| 中,文 | b |\n|---|---|\n| 中,文 | 文 |\n", "| 中，文 | b |\n|---|---|\n| 中，文 | 文 |\n", False),
    ("markdown", "a.md", "### （1）\n", "###（1）\n", True),
    ("markdown", "a.md", "| 中 | b |\n|---|---|\n|   | 文 |\n", "| 中 | b |\n|---|---|\n|  | 文 |\n", True),
    ("markdown", "a.md", "中文 `x, y` 完\n", "中文 `x，y` 完\n", True),
    ("markdown", "a.md", "见[链接](http://a.b/中文?x=1)。\n", "见[链接](http://a.b/中文？x=1)。\n", True),
    ("markdown", "a.md", "---\ntitle: 中文\n---\n\n正文\n", "---\ntitle：中文\n---\n\n正文\n", True),
    ("markdown", "a.md", "```\nx = \"中文\"\n```\n", "```\nx =“中文”\n```\n", True),
    ("markdown", "a.md", "Hello, world.\n\n中文\n", "Hello，world.\n\n中文\n", True),
    ("markdown", "a.md", "见 https://zh.wikipedia.org/wiki/北京?variant=zh-cn 。\n", "见 https://zh.wikipedia.org/wiki/北京？variant=zh-cn 。\n", True),
    ("html", "a.html", "<p title=\"中文\">中文,测试</p>\n", "<p title=\"中文\">中文，测试</p>\n", False),
    ("html", "a.html", "<p title=\"Debian 参考手册\">中文</p>\n", "<p title=“Debian 参考手册”>中文</p>\n", True),
    ("html", "a.html", "<pre>中文,测试</pre>\n", "<pre>中文，测试</pre>\n", True),
    ("html", "a.html", "<script>var a = '中文';</script>\n", "<script>var a =‘中文’;</script>\n", True),
    ("troff", "a.1", ".SH \"名称\"\n中文,测试\n", ".SH \"名称\"\n中文，测试\n", False),
    ("troff", "a.1", ".SH \"名称\"\n中文\n", ".SH“名称”\n中文\n", True),
    ("troff", "a.1", "中文 \\fB粗\\fR,\n", "中文 fB粗\\fR，\n", True),
    ("code-js", "a.js", "// 中文,注释\nvar a = '你好';\n", "// 中文，注释\nvar a = '你好';\n", False),
    ("code-js", "a.js", "var a = {\"a\": \"你好\", \"b\": \"世界\"};\n", "var a = {\"a\":“你好”，“b”：“世界”};\n", True),
    ("code-js", "a.js", "var r = /中,文/g; // 注释\n", "var r = /中，文/g; // 注释\n", True),
    ("code-ts", "a.ts", "/** 中文,文档 */\nlet s: string = `模板 ${x}`;\n", "/** 中文，文档 */\nlet s: string = `模板 ${x}`;\n", False),
    ("code-ts", "a.ts", "let s: string = `模板,${x}`;\n", "let s: string = `模板，${x}`;\n", True),
    ("code-python", "a.py", "# 中文,注释\nx = 1\n", "# 中文，注释\nx = 1\n", False),
    ("code-python", "a.py", "def f():\n    \"\"\"顺序查找\"\"\"\n", "def f():\n    “”“顺序查找”“”\n", True),
    ("code-c", "a.c", "/* 中文,注释 */\nint x; // 又,一\n", "/* 中文，注释 */\nint x; // 又，一\n", False),
    ("code-c", "a.c", "const char *s = \"你好\";\n", "const char *s =“你好”；\n", True),
    ("code-go", "a.go", "// 中文,注释\nvar s = `原,始`\n", "// 中文，注释\nvar s = `原,始`\n", False),
    ("code-go", "a.go", "var s = `原,始`\n", "var s = `原，始`\n", True),
    ("code-vue", "a.vue", "<template>\n  <!-- 中文,注释 -->\n  <div>确定</div>\n</template>\n<script>\n// 注释,\nexport default {}\n</script>\n",
     "<template>\n  <!-- 中文，注释 -->\n  <div>确定</div>\n</template>\n<script>\n// 注释，\nexport default {}\n</script>\n", False),
    ("code-vue", "a.vue", "<template>\n  <div title=\"中文\">确定,</div>\n</template>\n", "<template>\n  <div title=“中文”>确定，</div>\n</template>\n", True),
    ("sql", "a.sql", "-- 中文,注释\nCOMMENT '表名',\n", "-- 中文，注释\nCOMMENT '表名',\n", False),
    ("sql", "a.sql", "COMMENT '表名',\n", "COMMENT‘表名’，\n", True),
    ("code-lua", "a.lua", "-- 中文,注释\nlocal s = [[长,串]]\n", "-- 中文，注释\nlocal s = [[长,串]]\n", False),
    ("code-lua", "a.lua", "local s = [[长,串]]\n", "local s = [[长，串]]\n", True),
    ("json", "a.json", "{\"title\": \"偏好设置\"}\n", "{\"title\"：“偏好设置”}\n", True),
    ("yaml", "a.yml", "name: 注音\n", "name：注音\n", True),
    ("csv", "a.csv", "1,\"中文\"\n", "1，“中文”\n", True),
    ("foreign", "de", "»Ziel« und mehr\n", "蒲iel« und mehr\n", True),
    ("text", "a", "　　第一章,开始\n", "　　第一章，开始\n", False),
    ("text", "a", "　　第一章\n", "第一章\n", True),
    ("text", "a", "中文\x1b[31m红\x1b[0m\n", "中文[31m红[0m\n", True),
    ("text", "a", "\ufeff中文\n", "中文\n", True),
    ("text", "a", "中文\u200b文\n", "中文文\n", True),
]


def self_test(ctx):
    ok = bad = 0
    for kind, path, a, b, want in SELF_TEST:
        ctx.c_gcc = False
        try:
            check_file(kind, path, a, b, ctx)
            got, why = False, ""
        except Violation as v:
            got, why = True, str(v)
        if got == want:
            ok += 1
        else:
            bad += 1
            print("self-test FAIL: %s %r -> %r: %s" % (kind, a[:60], b[:60],
                  "reported: " + why if got else "not reported"))
    print("world_check self-test: %d passed, %d failed" % (ok, bad))
    return 1 if bad else 0


def one_lines(ctx, path):
    with open(path, "rb") as fh:
        inp = fh.read()
    args = [ctx.zhfix, "-q"] + (["--punct=off"] if ctx.mode == "punct-off" else [])
    try:
        with open(path, "rb") as fh:
            r = subprocess.run(args, stdin=fh, capture_output=True, timeout=ctx.timeout * 4)
        out, err = r.stdout, (None if r.returncode == 0 else "exit %d" % r.returncode)
    except subprocess.TimeoutExpired:
        out, err = b"", "timed out"
    except OSError as e:
        out, err = b"", "could not run zhfix: %s" % e
    la = inp.decode("utf-8", "surrogateescape").split("\n")
    lb = out.decode("utf-8", "surrogateescape").split("\n")
    ex = []
    changed = 0
    if len(la) != len(lb):
        changed = max(len(la), len(lb))
        ex.append(("(line count %d → %d)" % (len(la), len(lb)), ""))
    else:
        for x, y in zip(la, lb):
            if x != y:
                changed += 1
                if len(ex) < 3:
                    _, ea, eb = excerpt(x, y, 40)
                    ex.append((ea, eb))
    return (os.path.basename(path)[:-4], len(la) - 1, changed, err, ex)


def run_lines(ctx, jobs):
    """--punct=off and default flags over lines/LANG.txt."""
    ldir = os.path.join(ctx.world, "lines")
    if not os.path.isdir(ldir):
        return [], 0
    paths = [os.path.join(ldir, f) for f in sorted(os.listdir(ldir)) if f.endswith(".txt")]
    with cf.ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        rows = list(ex.map(lambda p: one_lines(ctx, p), paths))
    # --punct=off: no line of any language changes.  Default flags:
    # typography is for Chinese, so no line of another language (Japanese
    # included) changes either; the zh_* corpora are reported only.
    bad = sum(1 for r in rows if (r[2] or r[3]) and
              (ctx.mode == "punct-off" or not r[0].startswith("zh")))
    return rows, bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--zhfix")
    ap.add_argument("--self-test", action="store_true", help="test the checkers on built-in cases")
    ap.add_argument("--world", required=True)
    ap.add_argument("--mode", choices=("default", "punct-off"), default="default")
    ap.add_argument("--kind", action="append", help="only these kinds (repeatable)")
    ap.add_argument("--stdin", action="store_true", help="feed files on standard input (content detection)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=20, help="seconds per file")
    ap.add_argument("--no-lines", action="store_true", help="skip the lines/LANG.txt corpora")
    ap.add_argument("--lines-only", action="store_true")
    ap.add_argument("--max-list", type=int, default=0, help="list at most N files (0: all)")
    ap.add_argument("--json", help="write every result to this file")
    o = ap.parse_args()

    ctx = Ctx()
    ctx.world = os.path.abspath(o.world)
    ctx.timeout = o.timeout
    if o.self_test:
        return self_test(ctx)
    if not o.zhfix:
        ap.error("--zhfix is required")
    ctx.zhfix = os.path.abspath(o.zhfix)
    ctx.world = os.path.abspath(o.world)
    ctx.mode, ctx.stdin, ctx.timeout = o.mode, o.stdin, o.timeout
    if not os.access(ctx.zhfix, os.X_OK):
        print("world_check: %s: not an executable" % o.zhfix, file=sys.stderr)
        return 2
    man = os.path.join(ctx.world, "MANIFEST.tsv")
    if not os.path.exists(man):
        print("world_check: %s: no MANIFEST.tsv (build it: python3 tools/make_world.py %s)" % (o.world, o.world), file=sys.stderr)
        return 2
    need = ["cmark-gfm", "node", "gcc"]
    missing = [t for t in need if shutil.which(t) is None]
    if missing:
        print("world_check: missing tools: %s (make deps)" % " ".join(missing), file=sys.stderr)
        return 2
    if not os.path.isdir(os.path.join(ctx.world, "_tools", "node_modules", "typescript")):
        print("world_check: %s/_tools has no typescript (rebuild the corpus)" % o.world, file=sys.stderr)
        return 2

    files = []
    with open(man, encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            kind, rel = line.rstrip("\n").split("\t")[:2]
            if o.kind and kind not in o.kind:
                continue
            files.append((kind, rel))
    results = []
    if not o.lines_only:
        with cf.ProcessPoolExecutor(max_workers=max(1, o.jobs)) as ex:
            results = list(ex.map(one_star, [(ctx, k, r) for k, r in files], chunksize=16))

    status = 0
    label = "zhfix %s%s" % ("--punct=off" if o.mode == "punct-off" else "(default flags)", ", stdin" if o.stdin else "")
    if results:
        kinds = {}
        for r in results:
            k = kinds.setdefault(r["kind"], [0, 0, 0, 0])
            k[0] += 1
            k[1] += r["bytes"]
            k[2] += r["changed"]
            k[3] += r["violation"] is not None
        tot = [sum(k[i] for k in kinds.values()) for i in range(4)]
        prot = "protected" if o.mode == "default" else "any change"
        print("world corpus, %s" % label)
        print("%-12s %6s %10s %8s %10s" % ("kind", "files", "bytes", "changed", prot))
        for k in sorted(kinds):
            print("%-12s %6d %10d %8d %10d" % ((k,) + tuple(kinds[k])))
        print("%-12s %6d %10d %8d %10d" % (("total",) + tuple(tot)))
        bad = [r for r in results if r["violation"]]
        if bad:
            status = 1
            print("\nfiles with %s:" % ("a change in a protected region" if o.mode == "default" else "a change"))
            for r in bad[:o.max_list or len(bad)]:
                print("  %s: %s" % (r["path"], r["violation"]))
            if o.max_list and len(bad) > o.max_list:
                print("  ... and %d more" % (len(bad) - o.max_list))
    lrows = []
    if not o.no_lines and not o.kind:
        lrows, lbad = run_lines(ctx, o.jobs)
        if lrows:
            print("\nline corpora, %s:" % label)
            print("%-8s %8s %8s" % ("lang", "lines", "changed"))
            for lang, n, ch, err, ex in lrows:
                print("%-8s %8d %8d%s" % (lang, n, ch, "  ERROR " + err if err else ""))
                for ea, eb in ex:
                    print("           %s  →  %s" % (ea, eb))
            if lbad:
                status = 1
    if o.json:
        with open(o.json, "w", encoding="utf-8") as fh:
            json.dump({"mode": o.mode, "stdin": o.stdin, "files": results,
                       "lines": [{"lang": l, "lines": n, "changed": c, "error": e, "examples": x}
                                 for l, n, c, e, x in lrows]}, fh, ensure_ascii=False, indent=1)
    print("\nworld_check: %s" % ("FAILED: harm found" if status else "no harm found"))
    return status


if __name__ == "__main__":
    sys.exit(main())
