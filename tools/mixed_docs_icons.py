#!/usr/bin/env python3
"""Icon-font lines in a document damaged by Big5 read as GBK (do no harm).

Icon fonts put their glyphs at private-use code points, and text written
with them carries those characters as they are: a shell prompt with
Powerline's branch and separators, a Markdown list or a README heading
with a Material or Font Awesome glyph before its words, CSS with the glyph
itself as `content`.  A GBK decoder that maps GBK's user-defined rows to
private use (ICU's windows-936 and every GB18030 decoder: WHATWG's gbk,
CPython's gb18030, glibc's GB18030; not CPython's gbk/cp936 nor glibc's
GBK, which refuse those bytes) leaves the same code points where Big5
keeps its most frequent Han (AAA1..AFFE -> U+E000..E233, A440..A7A0 ->
U+E4C6..E765).  A document that shows that damage may also hold clean
icon-font lines; they must come out as they went in.

This script writes such a document: a few Big5-as-GBK lines (the
document's signature) followed by icon-font lines built from the code
points of real icon fonts (tools/mixed_docs_icons.tsv, extracted with
--extract from the Debian packages fonts-material-design-icons-iconfont,
fonts-entypo, fonts-powerline, fonts-font-awesome,
fonts-materialdesignicons-webfont and zsh-theme-powerlevel9k's icon
table), in the shapes such lines take, with and without Chinese words.
Only code points a GBK decoder could have made (GBK's user-defined rows)
are used: the others are never read as Big5 at all.

  tools/mixed_docs_icons.py --out DIR        DIR/icons.in, DIR/icons.want
  tools/mixed_docs_icons.py --extract        rewrite the code point list
  tools/mixed_docs_icons.py --check ZHFIX    build, run, and count changes

--check exits 1 when an icon-font line changed or when the Big5-as-GBK
lines were not restored (then the document had no signature and the test
would prove nothing).
"""
import argparse
import os
import random
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mixed_docs  # noqa: E402  (ICU's tables, as the mixed documents use them)

LIST = os.path.join(HERE, "mixed_docs_icons.tsv")

# (font, package, file or table) for --extract
FONTS = [
    ("material-icons", "/usr/share/fonts/truetype/material-design-icons-iconfont/MaterialIcons-Regular.ttf"),
    ("entypo", "/usr/share/fonts/truetype/fonts-entypo/entypo.ttf"),
    ("powerline", "/usr/share/fonts/opentype/PowerlineSymbols.otf"),
    ("font-awesome", "/usr/share/fonts/truetype/font-awesome/fontawesome-webfont.ttf"),
    ("materialdesignicons", "/usr/share/fonts/truetype/materialdesignicons-webfont/materialdesignicons-webfont.ttf"),
]
P9K = "/usr/share/powerlevel9k/functions/icons.zsh"

# The Big5-as-GBK lines that give the document its signature.
HEAD = [
    "如果軟體包想要自訂某些預設設定，必須將設定檔安裝到目錄中。",
    "預設狀態下是一次只執行一個請求。",
    "這個工具可以指定單位時間內發出的請求數量。",
]

# Words of user interfaces, Simplified and Traditional, that follow icons.
WORDS = [
    "设置", "安装", "文档", "下载", "搜索", "主页", "帮助", "关于", "登录", "注册", "删除", "编辑",
    "分享", "收藏", "评论", "首页", "消息", "通知", "返回", "更新", "日历", "地图", "音乐", "视频",
    "設定", "安裝", "文件", "下載", "搜尋", "首頁", "說明", "關於", "登入", "註冊", "刪除", "編輯",
    "分享", "收藏", "評論", "訊息", "通知", "返回", "更新", "日曆", "地圖", "音樂", "影片",
]
NAMES = ["home", "settings", "search", "build", "main", "develop", "src/zhfix", "docs", "README",
         "star", "menu", "close", "check", "warning", "error", "info", "download", "upload"]


def user_row(c):
    """Whether ICU's windows-936 decodes a code of GBK's user-defined rows
    to code point c (the rows a Big5 byte pair can land in)."""
    _, em = mixed_docs.icu_table("windows-936")
    v = em.get(chr(c))
    if v is None or v < 0x100:
        return False
    a, b = v >> 8, v & 0xFF
    return (0xAA <= a <= 0xAF and b >= 0xA1) or (0xF8 <= a <= 0xFE and b >= 0xA1) or (0xA1 <= a <= 0xA7 and b <= 0xA0)


def extract():
    rows = []
    for name, path in FONTS:
        cs = subprocess.run(["fc-query", "--format=%{charset}", path], capture_output=True, text=True,
                            check=True).stdout.split()
        for r in cs:
            lo, _, hi = r.partition("-")
            lo, hi = int(lo, 16), int(hi or lo, 16)
            lo, hi = max(lo, 0xE000), min(hi, 0xF8FF)
            if lo <= hi:
                rows.append((name, lo, hi))
    with open(P9K, encoding="utf-8") as f:
        for c in sorted({int(x, 16) for x in re.findall(r"\\u([0-9A-Fa-f]{4})", f.read())}):
            if 0xE000 <= c <= 0xF8FF:
                rows.append(("powerlevel9k", c, c))
    with open(LIST, "w", encoding="utf-8") as f:
        f.write("# Private-use code points of icon fonts (tools/mixed_docs_icons.py --extract):\n"
                "# font, first, last (hex), from fc-query of the Debian fonts and powerlevel9k's icons.zsh.\n")
        for name, lo, hi in rows:
            f.write("%s\t%04X\t%04X\n" % (name, lo, hi))
    print("%s: %d ranges" % (LIST, len(rows)))


def code_points():
    out = {}
    with open(LIST, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, lo, hi = line.split("\t")
            for c in range(int(lo, 16), int(hi, 16) + 1):
                out.setdefault(name, []).append(c)
    return {k: [c for c in v if user_row(c)] for k, v in out.items()}


def icon_lines(rnd):
    """Each usable code point of each font in every shape, once."""
    lines = []
    pl = [chr(c) for c in (0xE0A0, 0xE0B0, 0xE0B1, 0xE0B2)]
    for font, cps in sorted(code_points().items()):
        for c in cps:
            g = chr(c)
            w, w2, n = rnd.choice(WORDS), rnd.choice(WORDS), rnd.choice(NAMES)
            lines += [
                "%s %s" % (g, n),                                    # README, list item
                "- %s %s" % (g, w),                                  # Markdown list, Chinese word
                "## %s %s%s" % (g, w, w2),                           # heading
                ".icon-%s:before { content: \"%s\"; }" % (n, g),     # CSS with the glyph itself
                " %s %s %s %s %s" % (pl[0], n, pl[1], g, pl[1]),     # shell prompt
                "%s %s %s ~/%s %s %s " % (pl[2], g, pl[3], w, pl[0], n),  # prompt, Chinese path
                "| %s | %s | %s |" % (g, n, w),                      # Markdown table
                "%s%s %s" % (g, g, n),                               # two glyphs
                "%s%s" % (g, w),                                     # glyph then words, no space
            ]
    return lines


def build(seed=1):
    rnd = random.Random(seed)
    din, want = [], []
    for t in HEAD:
        d = mixed_docs.wrong(mixed_docs.dbcs_encode(t, "windows-950"), "windows-936")
        assert d is not None and d != t
        din.append(d)
        want.append(t)
    icons = icon_lines(rnd)
    return din + icons, want + icons, len(HEAD)


def check(zhfix):
    din, want, nhead = build()
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as f:
        f.write("\n".join(din) + "\n")
        path = f.name
    try:
        out = subprocess.run([zhfix, "--to=keep", "--punct=off", path], capture_output=True,
                             check=True).stdout.decode("utf-8").split("\n")
    finally:
        os.unlink(path)
    head = sum(out[i] == want[i] for i in range(nhead))
    changed = [(want[i], out[i]) for i in range(nhead, len(want)) if out[i] != want[i]]
    print("icon-font lines after %d Big5-as-GBK lines (%d restored): %d of %d changed"
          % (nhead, head, len(changed), len(want) - nhead))
    for w, o in changed[:20]:
        print("  in : %s\n  out: %s" % (ascii(w), ascii(o)))
    return head == nhead and not changed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--extract", action="store_true")
    ap.add_argument("--out")
    ap.add_argument("--check", metavar="ZHFIX")
    a = ap.parse_args()
    if a.extract:
        extract()
    if a.out:
        din, want, _ = build()
        os.makedirs(a.out, exist_ok=True)
        for name, lines in (("icons.in", din), ("icons.want", want)):
            with open(os.path.join(a.out, name), "w", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")
    if a.check:
        sys.exit(0 if check(a.check) else 1)


if __name__ == "__main__":
    main()
