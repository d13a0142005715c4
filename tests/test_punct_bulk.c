/*
 * Punctuation stage (src/punct.c): the bulk scans and the shortcut give
 * the output the plain per-character path would.  The class runs read 64
 * code points a block (punct_runs.c) against the class table, emit()'s
 * space blocks across block ends, the positions clean() lists for the
 * later passes, and the shortcut for lines no rule can change against the
 * slow path on the corpora, on near misses of the marks it passes over
 * and on random lines.  (The rules themselves: test_punct.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "punct_class.h"
#include "punct_int.h"
#include "punct_rules.h"
#include "tu.h"
#include "tu_punct.h"
#include "zf.h"

/* The first j >= i (j < n) whose class lacks bit, from the table. */
static size_t table_stop(const uint8_t *cc, const uint32_t *cp, size_t i, size_t n, unsigned bit) {
  while (i < n && (zf_punct_class(cc, cp[i]) & bit)) i++;
  return i;
}

/* Walks the runs of cp[0..n) from `from`, stop to stop, against the
 * table; the classes gathered must tell whether the body holds a CJK
 * Unified Ideograph once the walk has read it all. */
static void walk_runs(const uint8_t *cc, const uint32_t *cp, size_t n, size_t from, unsigned bit) {
  zf_punct_runs r = {0, 0, 0};
  unsigned acc = 0, han = 0;
  for (size_t k = from; k < n; k++) han |= cp[k] - 0x4E00u <= 0x9FFFu - 0x4E00u;
  for (size_t i = from;; i++) {
    size_t got = zf_punct_runs_next(&r, cc, cp, i, n, bit, &acc), want = table_stop(cc, cp, i, n, bit);
    if (got != want) {
      fprintf(stderr, "bit %u, body of %zu from %zu: stop at %zu, want %zu (U+%04X)\n", bit, n, i, got,
              want, want < n ? (unsigned)cp[want] : 0u);
      fail();
    }
    if (got == n) break;
    i = got;
  }
  /* (blocks read may start before `from`: only the ones from it count) */
  if (from == 0) assert_int_equal((acc & ZF_PC_HAN) != 0, han);
}

/* zf_punct_runs_next (16 code points on one test with SSSE3, the table
 * elsewhere) stops where the class table says, for every code point and
 * values beyond Unicode, at every place in a block and in bodies of 1 to
 * 90 code points (shorter than one step, ending inside one, longer than
 * a block), from each start. */
static void test_class_runs(void **state) {
  (void)state;
  const uint8_t *cc = zf_punct_classes();
  assert_non_null(cc);
  static const uint32_t fill[] = {'a', ' ', 0x4E2D, '0', 'Z'};
  static const uint32_t odd[] = {0x110000, 0x7FFFFFFF, 0x80000000, 0x80008000, 0xFFFFFFFF, 0x18000,
                                 0x1FFFF, 0x20000, 0x24E00, 0x9FFF, 0xA000, 0x4DFF, 0x4E00, 0x7F, 0x80};
  uint32_t body[96];
  size_t n = 0, len = 1, next = 0;
  for (uint32_t c = 0; c <= 0x110000 + sizeof odd / sizeof *odd; c++) {
    uint32_t v = c < 0x110000 ? c : odd[c - 0x110000 < sizeof odd / sizeof *odd ? c - 0x110000 : 0];
    /* each code point under test, then a run of fillers of a changing length */
    body[n++] = v;
    for (size_t k = 0; k < (c * 7 + 3) % 5 && n < len; k++) body[n++] = fill[(c + k) % 5];
    if (n >= len) {
      for (unsigned bit = ZF_PC_PLAIN; bit <= ZF_PC_QUIET; bit <<= 2) {
        walk_runs(cc, body, n, 0, bit);
        walk_runs(cc, body, n, next % n, bit);
      }
      next += 7;
      n = 0;
      len = len % 90 + 1;
    }
  }
}

/* The document prescan, written the plain way: every character read. */
static void prescan_model(const uint32_t *cp, size_t n, int *style, int *japanese) {
  size_t corner = 0, curly = 0, nhan = 0, kana = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t c = cp[i];
    nhan += (size_t)zf_is_han(c);
    kana += (size_t)is_kana(c);
    if (c >= 0x300C && c <= 0x300F) corner++;
    if (c >= 0x2018 && c <= 0x201D && c != 0x201A && c != 0x201B) {
      curly += (size_t)((i > 0 && is_hanlike(cp[i - 1])) || (i + 1 < n && is_hanlike(cp[i + 1])));
    }
  }
  if (corner > curly) *style = STYLE_CORNER;
  else if (curly > corner) *style = STYLE_CURLY;
  *japanese = kana >= 16 && kana * 8 >= nhan + kana;
}

/* prescan() passes over blocks of 16 holding nothing it counts: random
 * windows of 0 to 200 code points (quotes next to Han or not, corner
 * brackets, kana near the Japanese threshold) give the quote style and
 * the Japanese decision of the plain reading. */
static void test_prescan_blocks(void **state) {
  (void)state;
  static const uint32_t palette[] = {'a', ' ', ',', 0x4E2D, 0x6587, 0x3002, 0x201C, 0x201D, 0x2018, 0x2019,
                                     0x201A, 0x300C, 0x300D, 0x300E, 0x300F, 0x3042, 0x30A2, 0x30FB,
                                     0x30FC, 0x3010, 0x20000, 0x3400};
  uint32_t cp[200];
  uint64_t x = 88172645463325252ull;
  int japanese_seen = 0, corner_seen = 0, curly_seen = 0;
  for (int t = 0; t < 20000; t++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    size_t n = (size_t)(x % 201);
    unsigned mix = (unsigned)(x >> 20) % 4; /* how much of the palette beyond ASCII and Han */
    for (size_t i = 0; i < n; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      size_t pick = (size_t)(x >> 8) % 64;
      cp[i] = pick < 40 ? palette[pick % 5] : palette[(pick % (sizeof palette / sizeof *palette)) * (mix > 0)];
      if (mix == 3 && pick % 3 == 0) cp[i] = (pick % 2 ? 0x3042 : 0x30A2) + (uint32_t)(pick % 40); /* kana */
    }
    popts po = t % 2 ? SIMP : TW;
    po.to = ZHFIX_TO_KEEP;
    zf_punct *p = tu_punct_make(po);
    int style = p->doc_style, japanese = 0;
    zf_text win = {cp, NULL, n, n};
    zf_stage_punct.prescan(p, &win);
    prescan_model(cp, n, &style, &japanese);
    if (p->doc_style != style || p->japanese != japanese) {
      fprintf(stderr, "window %d of %zu: style %d (want %d), japanese %d (want %d)\n", t, n, p->doc_style, style,
              p->japanese, japanese);
      fail();
    }
    japanese_seen += japanese;
    corner_seen += style == STYLE_CORNER && t % 2 == 0;
    curly_seen += style == STYLE_CURLY && t % 2 == 1;
    zf_stage_punct.destroy(p);
  }
  /* (the windows reach every decision) */
  assert_true(japanese_seen > 0 && corner_seen > 0 && curly_seen > 0);
}

/* emit() finds the spaces 64 code points a block: spaces next to
 * full-width punctuation go, lone spaces between words stay, runs of
 * spaces are one unit, wherever they fall against the blocks' ends
 * (each case behind 0 to 140 Han characters). */
static void test_emit_space_blocks(void **state) {
  (void)state;
  static const char *const cases[][2] = {
      {"你好， 世界", "你好，世界"},
      {"你好，      世界。 然后", "你好，世界。然后"},
      {"中 文 a b 中", "中 文 a b 中"},
      {"你好 。", "你好。"},
      {"你 \xF0\xA0\x80\x80 好 ，世界", "你 \xF0\xA0\x80\x80 好，世界"},
      {"中文 English 中文。  ", "中文 English 中文。  "},
      /* (Han outside the CJK Unified Ideographs beside lone spaces:
       * the blocks leave those spaces to space_run, which keeps them) */
      {"中 \xE3\x90\x80 a \xEF\xA4\x80 b ，c", "中 \xE3\x90\x80 a \xEF\xA4\x80 b，c"},
      {"\xE3\x90\x80 \xE3\x90\x80 。 \xEF\xA4\x80 1", "\xE3\x90\x80 \xE3\x90\x80。\xEF\xA4\x80 1"},
  };
  tu_punct_check_at_offsets(cases, sizeof cases / sizeof *cases, 140);
}

/* The stage's bulk scans (four code points on one test: needs_work()'s
 * quiet runs, emit()'s spaces) give the same output
 * wherever a mark, space, token or character beyond the BMP falls
 * within the four: each case behind 0 to 8 more Han characters. */
static void test_bulk_alignment(void **state) {
  (void)state;
  static const char *const cases[][2] = {
      {"你好， 世界 。", "你好，世界。"},
      {"在 ftp://a.org/unix/处获得(免费)文件,然后", "在 ftp://a.org/unix/处获得（免费）文件，然后"},
      {"邮件发到foo.bar@example.com。", "邮件发到foo.bar@example.com。"},
      {"文件位于/usr/share/doc/zhfix.txt", "文件位于/usr/share/doc/zhfix.txt"},
      {"你好\xF0\xA0\x80\x80 ，世界", "你好\xF0\xA0\x80\x80，世界"},
      {"你好\xE3\x80\x80世界", "你好 世界"},
      {"你好，\xE3\x80\x80世界", "你好，世界"},
      {"设置$HOME,然后运行`make install`,见&amp;说明", "设置$HOME，然后运行`make install`，见&amp;说明"},
      {"中文 English words here, 然后 <b>粗体</b>,结束", "中文 English words here, 然后 <b>粗体</b>，结束"},
  };
  tu_punct_check_at_offsets(cases, sizeof cases / sizeof *cases, 8);
}

/* clean() lists the positions protect() looks for a token at (tk[]): the
 * characters a token starts at, and the '.' of "www." (its 'w's are
 * letters, which clean() passes over in bulk).  Each case is one the
 * list must get right, at nine offsets; a token that is missed shows (a
 * '?' or '.' after it turns full-width). */
static void test_token_positions(void **state) {
  (void)state;
  static const char *const cases[][2] = {
      {"网址www.example.com/路径?id=3", "网址www.example.com/路径?id=3"},
      {"网址Www.Example.com/路径?id=3", "网址Www.Example.com/路径?id=3"},
      /* full-width letters become "www" in clean() */
      {"网址ｗｗｗ.example.com/路径?id=3", "网址www.example.com/路径?id=3"},
      /* no URL: a letter before the "www", or only two w */
      {"网址awww.example.com/路径?id=3,好", "网址awww.example.com/路径？id=3，好"},
      {"网址ww.example.com/路径?id=3", "网址ww.example.com/路径？id=3"},
      /* a path from '~': protected, so the '.' after it ends the sentence */
      {"用~/a.中", "用~/a。中"},
      {"用x~/a.中", "用x~/a.中"},
      {"见~/.config/路径?x,好", "见~/.config/路径？x，好"},
      /* tokens back to back, and one inside another */
      {"用$HOME/a.中`x`,好", "用$HOME/a.中`x`，好"},
      {"见http://www.a.org/b?c=1,好", "见http://www.a.org/b?c=1,好"},
  };
  tu_punct_check_at_offsets(cases, sizeof cases / sizeof *cases, 8);
}

/* Whether a pair holds Chinese (zf_punct_han_in): read directly up to
 * 64 code points, beyond from han[] built once for the segment (which
 * the inner pair of the nested cases then reads too). */
static void test_pair_han_far(void **state) {
  (void)state;
  static const char *const cases[][2] = {
      {"函数printf(%s中)好%s", "函数printf（%s中）好%s"}, /* a gloss */
      {"函数printf(中%s)好%s", "函数printf（中%s）好%s"},
      {"函数printf(%s)好%s", "函数printf(%s)好%s"}, /* code */
      {"他说\"%s b中\",好%s", "他说“%s b中”，好%s"},
      {"(%s(b)%s中)好", "（%s(b)%s中）好"},
      {"(%s(b)%s)好", "(%s(b)%s)好"},
  };
  char a[80], in[512], want[512];
  for (int len = 60; len <= 70; len += 10) {
    memset(a, 'a', (size_t)len);
    a[len] = 0;
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
      snprintf(in, sizeof in, cases[c][0], a, c < 4 ? "" : a);
      snprintf(want, sizeof want, cases[c][1], a, c < 4 ? "" : a);
      check(SIMP, in, want);
    }
  }
}

/* An indented line, or one with trailing spaces, is prose but for its
 * layout (the format's mask), and clean() passes over its plain runs up
 * to the mask's ends: the line comes out as its unindented self with
 * the layout kept, whatever the case holds. */
static void test_indented_lines(void **state) {
  (void)state;
  static const char *const cases[][2] = {
      {"你好， 世界 。", "你好，世界。"},
      {"在 ftp://a.org/unix/处获得(免费)文件,然后", "在 ftp://a.org/unix/处获得（免费）文件，然后"},
      {"网址www.example.com/路径?id=3,好", "网址www.example.com/路径?id=3,好"},
      {"用~/a.中", "用~/a。中"},
      {"他说\"你好\",然后(见上文).", "他说“你好”，然后（见上文）。"},
      {"全角ＡＢＣ１２３,中文\xE2\x80\x8B文字.", "全角ABC123，中文文字。"},
      {"第一章 开始... 然后--结束", "第一章 开始……然后——结束"},
  };
  static const char *const layout[][2] = {{"    ", ""}, {"\t", ""}, {"", "  "}, {"  ", " \t"}};
  char in[256], want[256];
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    for (size_t l = 0; l < sizeof layout / sizeof *layout; l++) {
      snprintf(in, sizeof in, "%s%s%s", layout[l][0], cases[c][0], layout[l][1]);
      snprintf(want, sizeof want, "%s%s%s", layout[l][0], cases[c][1], layout[l][1]);
      check(SIMP, in, want);
    }
  }
}

/* In plain text the mask leaves out layout spaces and a table's pipes,
 * and clean() reads the runs of prose up to the mask's cuts (punct_clean.c,
 * plain_run): a row whose cells are long stretches of spaces, and an
 * indented line, with the cut, the Han and the marks on either side of a
 * block's end (0 to 80 spaces before them).  (A bulk read of those runs
 * that kept the blocks' state wrong across a cut failed here.) */
static void test_mask_cuts_blocks(void **state) {
  (void)state;
  static const char *const cases[][2] = {
      {"    |%s|的应用 (GTK)  |", "    |%s|的应用（GTK）  |"},
      {"    |%s| 文件,然后  |x|", "    |%s| 文件，然后  |x|"},
      {"%s文件,然后(见上文). ", "%s文件，然后（见上文）。 "},
      {"|%s|-z, --zero|", "|%s|-z, --zero|"},
  };
  char pad[96], in[256], want[256];
  for (int len = 0; len <= 80; len++) {
    memset(pad, ' ', (size_t)len);
    pad[len] = 0;
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
      snprintf(in, sizeof in, cases[c][0], pad);
      snprintf(want, sizeof want, cases[c][1], pad);
      check(SIMP, in, want);
    }
  }
}

/* Runs in fast and slow (shortcut off) on the same lines, one state each,
 * and asserts the same output and edit count. */
static void fast_equals_slow(const char *what, popts po, const char *in, size_t len) {
  void *a = tu_punct_make(po), *b = tu_punct_make(po);
  zf_punct_set_fast_path(b, 0);
  uint64_t ea, eb;
  char *fast = tu_punct_run(a, in, len, &ea);
  char *slow = tu_punct_run(b, in, len, &eb);
  if (strcmp(fast, slow) != 0) {
    tu_lines x = {fast, fast + strlen(fast)}, y = {slow, slow + strlen(slow)}, z = {in, in + len};
    size_t lx, ly, lz;
    const char *sx, *sy, *sz;
    while ((sx = tu_next_line(&x, &lx)) && (sy = tu_next_line(&y, &ly)) && (sz = tu_next_line(&z, &lz)))
      if (lx != ly || memcmp(sx, sy, lx)) {
        fprintf(stderr, "%s:\n  in:   %.*s\n  fast: %.*s\n  slow: %.*s\n", what, (int)lz, sz, (int)lx, sx,
                (int)ly, sy);
        break;
      }
  }
  assert_string_equal(fast, slow);
  assert_int_equal(ea, eb);
  zf_stage_punct.destroy(a);
  zf_stage_punct.destroy(b);
  free(fast);
  free(slow);
}

/* fast_equals_slow() on each case in each setting, after 0 to maxk Han
 * characters and before each end. */
static void cases_fast_equals_slow(const char *what, const popts *set, size_t nset,
                                   const char *const *cases, size_t ncases, const char *const *ends,
                                   size_t nends, int maxk) {
  char in[256];
  for (size_t o = 0; o < nset; o++)
    for (size_t c = 0; c < ncases; c++)
      for (int k = 0; k <= maxk; k++)
        for (size_t e = 0; e < nends; e++) {
          in[0] = 0;
          for (int j = 0; j < k; j++) strcat(in, "文");
          strcat(in, cases[c]);
          strcat(in, ends[e]);
          fast_equals_slow(what, set[o], in, strlen(in));
        }
}

/* 20,000 lines of 2 to 13 pieces each, drawn by a fixed linear
 * congruential sequence from seed: the random halves of the shortcut's
 * fast-against-slow tests. */
static tu_buf random_lines(const char *const *pieces, size_t np, uint32_t seed) {
  tu_buf b = {0};
  uint32_t r = seed;
  for (int line = 0; line < 20000; line++) {
    int n = 2 + (int)((r = r * 1103515245u + 12345u) >> 16) % 12;
    for (int j = 0; j < n; j++) {
      const char *s = pieces[((r = r * 1103515245u + 12345u) >> 16) % np];
      tu_buf_put(&b, s, strlen(s));
    }
    tu_buf_put(&b, "\n", 1);
  }
  return b;
}

/* The shortcut for lines no rule can change must change nothing. */
static void test_fast_path_equivalent(void **state) {
  (void)state;
  for (size_t c = 0; c < TU_PUNCT_NCORPORA; c++) {
    for (int q = 0; q < 3; q++) {
      popts po = q == 0 ? SIMP : TW;
      if (q == 2) po.quotes = ZHFIX_QUOTES_KEEP;
      size_t len;
      char *in = tu_punct_load_corpus(tu_punct_corpora[c], &len);
      char what[128];
      snprintf(what, sizeof what, "%s mode %d", tu_punct_corpora[c], q);
      fast_equals_slow(what, po, in, len);
      free(in);
    }
  }
}

/* The shortcut reads spaces in its four-at-a-time runs and asks the
 * character beside them instead: a space next to full-width punctuation
 * (either side, at either end of the line, wherever it falls within the
 * four) still sends the line through, and spaces between Latin words and
 * Han do not change the answer.  Each case behind 0 to 8 Han characters,
 * fast and slow paths compared. */
static void test_fast_path_spaces(void **state) {
  (void)state;
  static const char *const cases[] = {
      "你好 ，世界", "你好， 世界", "你好，  世界", "你好 。", " ，你好", "你好， ",
      "他说 \xE2\x80\x9C你好\xE2\x80\x9D", "他说 \xE3\x80\x8C你好\xE3\x80\x8D 然后",
      "你好 \xF0\xA0\x80\x80 世界", "你好 \xC2\xB7 世界", "中文 English words 中文",
      "中文 a b c d e 中文", "中文\tEnglish 。", "中文 \xE2\x80\xA6\xE2\x80\xA6 完"};
  char in[256];
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    for (int k = 0; k <= 8; k++) {
      in[0] = 0;
      for (int j = 0; j < k; j++) strcat(in, "中");
      strcat(in, cases[c]);
      fast_equals_slow("spaces", SIMP, in, strlen(in));
    }
  }
  /* (and the cases that change do change) */
  check(SIMP, "你好 ，世界", "你好，世界");
  check(SIMP, "中中中你好， 世界", "中中中你好，世界");
  same(SIMP, "中文 a b c d e 中文");
}

/* A space beside a character below U+2000 that is not ASCII (a no-break
 * space indenting a line, Latin-1, Greek, Cyrillic) does not send a line
 * through: no rule makes such a character full-width punctuation, whose
 * spaces emit() drops.  The characters from U+2000 that do become it
 * (or are it) still do, and U+00B7.  Each case after 0 to 3 Han
 * characters, fast against slow; the first ones go as they came. */
static void test_fast_path_low_wide(void **state) {
  (void)state;
  static const char *const cases[] = {
      "\xC2\xA0\xC2\xA0 中文，文字", "中 \xC2\xA0 中", "中 \xC3\xA9t\xC3\xA9 中", "中 \xCE\xB1 中",
      "中 \xD0\x96 \xC3\x97 2", "中 \xC2\xB7 中", "中 \xC2\xB7\xC2\xB7\xC2\xB7 中",
      "中 \xE2\x80\x94\xE2\x80\x94 中", "中 \xE2\x80\xA6\xE2\x80\xA6 中", "中 \xE2\x80\xA7 中",
      "中 \xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2 中", "中 \xE2\x80\x9C中\xE2\x80\x9D 中",
      "中 \xEF\xBC\x8E 中", "中 \xC2\xA0\xEF\xBC\x8C 中", "\xC2\xA0 \xE3\x80\x82中"};
  char in[256];
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
    for (int k = 0; k <= 3; k++)
      for (int f = 0; f < 2; f++) {
        in[0] = 0;
        for (int j = 0; j < k; j++) strcat(in, "文");
        strcat(in, cases[c]);
        fast_equals_slow("low wide", f ? TW : SIMP, in, strlen(in));
      }
  same(SIMP, "\xC2\xA0\xC2\xA0 中文，文字");
  same(SIMP, "中 \xC3\xA9t\xC3\xA9 中");
  check(SIMP, "中 \xE2\x80\x94\xE2\x80\x94 中", "中——中");
}

/* The shortcut passes over ASCII marks between words ("-z, --zero",
 * "key:value", "printf(3)", "https://"), full-width round brackets with
 * no ASCII one on the line, and a lone ')' (punct.c, "marks no rule can
 * change").  Each case here looks like one of those but for what makes
 * a rule fire (a protected word on the left, Chinese on the right, Han
 * inside the brackets, an ASCII partner of a full-width bracket), or is
 * one; all of them in plain text and in Markdown, after 0 to 3 Han
 * characters and before nothing, Han or a space and Han, fast against
 * slow.  Then 20,000 lines of random pieces of the same kinds. */
static void test_inert_marks(void **state) {
  (void)state;
  static const char *const cases[] = {
      "见 a/b,c", "见 /ab,c", "见 a@b.com,c",
      /* (a token starting beyond the 64 code points read back) */
      "见 /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,c",
      "见 $X,c", "见 ~x,c", "见 x.y,c", "见 `a b`c,d", "见 ${A B}c,d",
      "中\x1b[33m,c", "中\x1b[33mx,c", "中文 abc, 中文", "中文a ,b", "中 x,\xE3\x80\x80中", "中 x, \xE2\x80\x9C中",
      "中 x,'中'", "中 x,\t中", "| x,y | 中", "中 x:y", "中 x::y", "中x;y", "中 a?b", "中 a!b", "a,中",
      "-z, --zero 以 NUL", "g1,g2,gN 中", "中文(中),中", "中文 x(中) 中", "中文abc(1中)", "中文 f(1)",
      "中文 f(a b)", "中文 f()x", "中 f(1)) 中", "中 (f(1)) 中", "中文（a) 中", "中文 (a）b",
      "（和 NEXT）", "中（a）f(1)", "中（f(1)）", "中 f(1)（中）", "中）f(1", "中 a) 中", "中 :// 中",
      "中a://b,中", "中 1a://b 中", "中 +a://b,中", "中 https://x.org/a,中", "中：https://g.com/a-b",
      "中 http://x.org/(a),中", "中 [t](u),中", "中 ]（u）中", "中 a?!中", "中 a:)", "中 x,y", "中 x, y",
      /* section numbers, table rows: a '.' or ':' in the word on the
       * left, pipes on the right */
      "中 12.1.", "12.1. 标题", "中 v2.", "中文1.", "中 www.", "中 wWw.", "中 x.www.", "中 a@b.",
      "中 a@b. c", "中 x:/1.", "中 x://1.", "中 x:1.", "中 `a 1.", "中 $(a 1.", "中 <a 1.",
      "中 1. \xE2\x80\x9D", "中 1.  \xE3\x80\x8D", "中 1. '", "中 1. (", "中 1..", "中 1.\t中",
      "中 1. ", "中 1.  ", "中 1.中", "中 www.a.b", "中 www.a.b.", "中 x:1", "中 x:1. ", "中 &a 1.", "中 a/b 1.",
      "| V:0,", "| V:0, |", "|x,|", "|x,||2|", "中 x,|", "中 x, | 2", "| x:/,1 |", "|a:b,|中|",
      "中 x, (中)", "中 x:%d", "中 1.(", "| x,\t|中|", "| x, \xE3\x80\x80|中|", "| 1. |", "| 1. |中|", "| 中 1. |", "| 中 1.  | ",
      "中 x, \"中\"", "中 a,.中", "中 1.%s", "中 1...中", "中 1.. 中", "中 a.b.", "中 x,\xE2\x80\x9C"};
  static const char *const ends[] = {"", "中", " 中", ",", ")"};
  char in[256];
  for (int f = 0; f < 2; f++) {
    popts po = SIMP;
    if (f) po.format = ZHFIX_FORMAT_MARKDOWN;
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
      for (int k = 0; k <= 3; k++)
        for (size_t e = 0; e < sizeof ends / sizeof *ends; e++) {
          in[0] = 0;
          for (int j = 0; j < k; j++) strcat(in, "文");
          strcat(in, cases[c]);
          strcat(in, ends[e]);
          fast_equals_slow("inert", po, in, strlen(in));
        }
  }
  /* (and the shortcut is right to leave these, as the slow path does) */
  same(SIMP, "-z, --zero 以 NUL 字符结束");
  same(SIMP, "可以使用 hostnamectl(1) 设置");
  same(SIMP, "中文 man 手册页计划：https://github.com/man-pages-zh/manpages-zh");
  same(SIMP, "分页器（pager）进行显示");
  check(SIMP, "见 /ab,c", "见 /ab，c");
  check(SIMP, "见 a@b.com,c", "见 a@b.com，c");
  check(SIMP, "中文 f(1)（中）", "中文 f(1)（中）");
  static const char *const pieces[] = {
      "中", "文字", "a", "g1", "printf", "x-y", "foo_bar", "www", "https", "9", ",", ";", ":", "?",
      "!", "(", ")", "(1)", "()", "(中)", "（", "）", "://", "//", " ", "  ", "\t", "\xE3\x80\x80",
      "\"", "'", "`", "$", "@", "/", "~", ".", "<", ">", "&", "[", "]", "-", "--", "\xE2\x80\x9C",
      "\xE3\x80\x82", "\xEF\xBC\x8C", "\x1b[1m", "12.1.", "V:0", "|", "w."};
  tu_buf b = random_lines(pieces, sizeof pieces / sizeof *pieces, 14);
  fast_equals_slow("random SIMP", SIMP, b.p, b.n);
  fast_equals_slow("random TW", TW, b.p, b.n);
  free(b.p);
}

/* Quotations the shortcut passes over (punct.c, inert_quotes): a
 * literal with no Chinese inside ('%s', 「%s」, "-v"), which
 * decide_quote_pair() leaves as typed.  Each case is one of those or a
 * near miss of one of its conditions (no literal, Han or a non-ASCII
 * character inside, an apostrophe, another quote inside or crossing,
 * a lone or nested quote, a token that may cover a quote: a tag, a
 * ${...}, a URL, a control, a `code' span), in four quote settings,
 * after 0 to 2 Han and before nothing, Han or a mark; fast against
 * slow.  Then 20,000 lines of random pieces of the same kinds. */
static void test_inert_quotes(void **state) {
  (void)state;
  static const char *const cases[] = {
      "中 '%s' 中", "中 'ab' 中", "中'%s'中", "中 'a%s' 中", "中 '-v' 中", "中 'v-' 中", "中 '' 中",
      "中 '中%' 中", "中 '%\xC3\xA9' 中", "中 it's '%s' 中", "中 a'%s'b 中", "中 '%s'b 中", "a'%s' 中",
      "中 \"%s\" 中", "中 \"%s' 中", "中 '%s\" 中", "中 '%s' '中' 中", "中 '%s' 'x' 中", "中 '%s' ' 中",
      "中 '%s' \"%d\" 中", "中 '%s' \xEF\xBC\x87 中", "中 \xE2\x80\x9C%s\xE2\x80\x9D中",
      "中 \xE2\x80\x98%s\xE2\x80\x99中", "中\xE3\x80\x8C%s\xE3\x80\x8D中", "中\xE3\x80\x8E%s\xE3\x80\x8F中",
      "中\xE3\x80\x8C%s\xE3\x80\x8F中", "中\xE3\x80\x8C" "ab\xE3\x80\x8D中", "中\xE3\x80\x8C%s\xE3\x80\x8D\xE3\x80\x8D",
      "中\xE3\x80\x8C\xE3\x80\x8C%s\xE3\x80\x8D\xE3\x80\x8D", "中\xE2\x80\x9C\xE3\x80\x8C%s\xE3\x80\x8D\xE2\x80\x9D",
      "中\xE2\x80\x9C\xE3\x80\x8C%s\xE2\x80\x9D\xE3\x80\x8D", "中\xE2\x80\x9C中 '%s' \xE2\x80\x9D",
      "中\xE2\x80\x9C '%s\xE2\x80\x9D b' 中", "中\xE2\x80\x9C \xE2\x80\x9C%s\xE2\x80\x9D", "中 a\xE2\x80\x99%s\xE2\x80\x99" "b",
      "中 <a '%s'> 中", "中 <a \"%s\"> 中", "中 ${a '%s'} 中", "中 $(a \"%s\") 中", "中 $a '%s' 中",
      "中 http://a'%s' 中", "中 www.a'%s' 中", "中 wWw.a'%s' 中", "中 x:/a'%s' 中", "中\x1b['%s'm 中",
      "中\x1b[\"%s\"m 中", "中 `a '%s' 中", "中 \t'%s'\t中", "中 '%s', 中", "中 1. '%s' 中", "中 '%s'. 中",
      /* (a token or an apostrophe that takes one quote of a pair out,
       * so that the others pair across Chinese) */
      "中 a'b%' 中 c'd%' 中", "中 '%x'd 中 '%y'e 中", "中\x1b['m%' 中 \x1b['m%' 中",
      "中 ${a'}%' 中 ${b'}%' 中", "中 <a'>%' 中 <b'>%' 中", "中 http://a'% x' 中 http://b'% y' 中",
      "中 www.a'% x' 中 www.b'% y' 中", "中 '%s\" 中 '%d\" 中", "中 '%\"' 中 \"中\" 中",
      "中 \"%'\" 中 '中' 中", "中 '%`' 中 '%' 中"};
  static const char *const ends[] = {"", "中", "\xE2\x80\x9D", "'", ","};
  popts keep = SIMP, qkeep = SIMP;
  keep.to = ZHFIX_TO_KEEP;
  qkeep.quotes = ZHFIX_QUOTES_KEEP;
  const popts set[] = {SIMP, TW, keep, qkeep};
  cases_fast_equals_slow("quotes", set, sizeof set / sizeof *set, cases, sizeof cases / sizeof *cases,
                         ends, sizeof ends / sizeof *ends, 2);
  same(SIMP, "\xE3\x80\x8C%s\xE3\x80\x8D\xE5\x92\x8C\xE3\x80\x8C%s\xE3\x80\x8D\xE4\xB8\xAD");
  check(SIMP, "中 'ab' 中", "中\xE2\x80\x98" "ab\xE2\x80\x99中");
  static const char *const pieces[] = {"中", "a", "%s", "-v", "'", "\"", " ", "\xE2\x80\x9C",
                                       "\xE2\x80\x9D", "\xE3\x80\x8C", "\xE3\x80\x8D", "<", ">",
                                       "$", "{", "}", "w.", "://", "`", "\x1b[", ",", "."};
  tu_buf b = random_lines(pieces, sizeof pieces / sizeof *pieces, 16);
  for (size_t o = 0; o < sizeof set / sizeof *set; o++) fast_equals_slow("random quotes", set[o], b.p, b.n);
  free(b.p);
}

/* Spaces beside full-width punctuation that plain text keeps as layout
 * (format.c, zf_fmt_layout_space): indentation, a line's end, a table
 * row's spaces by its pipes; the shortcut lets them be.  The near misses
 * are spaces emit() drops: inside the line, by an escaped pipe or a pipe
 * of a line that is no table row, between words of a cell.  Each line
 * as it is and before an end (nothing, Han, a space, a pipe), in plain
 * text (two styles) and Markdown, fast against slow. */
static void test_layout_spaces(void **state) {
  (void)state;
  static const char *const cases[] = {
      "    ，然后", "    。上述的", "\xC2\xA0\xC2\xA0 ，其", "\t ，中", " \t，中", "\xE2\x80\x83 ，中",
      "中，  ", "中 ，", "中 ， \t", "中 ，\xC2\xA0", "中， \xC2\xA0", "中， \xE2\x80\x83", " 中， \xC2\xA0", "中 ， x", "中， 中", "a ，中", "    中 ，中",
      "| 中文，  |", "|  （中）  | 中 |", "  | 中 ，  |", "| a \\|  ，中 |", "| a \\| ，中 |",
      "x| ，中|", "中 | ，中|", "| 中 ，x |", "| 中 ， 中 |", "|中 ，|", "| 中，| 中|", "|中|  ，|",
      "| x |\xE3\x80\x80，|", "| x | \xE2\x80\x9C中\xE2\x80\x9D |", "| \xE2\x80\x9C中\xE2\x80\x9D x|",
      "| V:2, |3908 |图形（向量）     |图表编辑器（  |", "|-|--|", "| 中 |\\  ，中|"};
  static const char *const ends[] = {"", "中", " ", "|"};
  popts md = SIMP;
  md.format = ZHFIX_FORMAT_MARKDOWN;
  const popts set[] = {SIMP, TW, md};
  char in[256];
  for (size_t o = 0; o < sizeof set / sizeof *set; o++)
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
      for (size_t e = 0; e < sizeof ends / sizeof *ends; e++) {
        snprintf(in, sizeof in, "%s%s", cases[c], ends[e]);
        fast_equals_slow("layout", set[o], in, strlen(in));
      }
  same(SIMP, "    ，然后把生成的文件同源代码一起分发。");
  check(SIMP, "中 ， x", "中，x");
}

/* Round brackets and runs of dots the shortcut passes over (punct.c,
 * inert_open_paren, inert_dots), and curly or corner quotes of an inert
 * quotation with a space beside them: "3.0 (native) 源", "由 %s (%s)
 * 打包", "[选项]...", "验证 %s ...", "无法判断 “%s” 的".  Each case is one
 * of those or a near miss of one of their conditions (Chinese on the
 * left, looked through closers, quotes, pipes and tabs, a no-break
 * space, a ']' before the bracket, Han, a bracket, a tab or a non-ASCII
 * character inside, no closer, a token anywhere on the line: a path, an
 * address, a control, a "www.", a `code` span, $, <, &, ~; two, three
 * or more dots, after a line's start, an opener, a '[' behind a control,
 * before Chinese), in four quote settings and Markdown, after 0 to 2 Han
 * and before nothing, Han or marks; fast against slow.  Then 20,000
 * lines of random pieces of the same kinds. */
static void test_inert_brackets(void **state) {
  (void)state;
  static const char *const cases[] = {
      "中 3.0 (native) 中", "中 %s (%s) 中", "中 (*) 中", "中 \"(*)\" 中", "中 x (a b) 中",
      "中 (a) 中", "中 (中) 中", "中文 (a)", "中， (a)", "中，(a)", "中 ) (a)", "中 ] (a)", "中](a)",
      "中 x] (a)", "中 x](a)", "中 * (a)", "中 | (a)", "| 中 | (a) |", "| 中 |\t(a) |", "中 |\t(a)", "中\t(a)", "中 \t (a)",
      "中\xC2\xA0(a)", "中 x\xC2\xA0(a)", "中 \"中\" (a)", "中 'x' (a)", "中 \xE2\x80\x9D (a)",
      "中 \xE3\x80\x8D (a)", "中 (a(b)", "中 (a(b))", "中 (a\xEF\xBC\x88" "b)", "中 (a\tb)", "中 (\xC3\xA9)",
      "中 (a\xEF\xBC\x89", "中 (a", "中 (a b c", "中 (", "(a) 中", "中 x (a/b)", "中 a/b (x)",
      "中 a@b.c (x)", "中 a@b (x) 中", "中\x1b[1m (x)", "中 www.x (x)", "中 w.x (x)", "中 `a` (x)",
      "中 $x (x)", "中 <a> (x)", "中 &a; (x)", "中 ~ (x)", "中 (x) a/b", "中 (x) ` 中",
      "中 x (y) (z)", "中 x (y)(z) 中", "中（x）(y)", "中 x (y)）",
      "中...", "中 ...", "中 x...中", "中 x ...中", "中 x ... 中", "中 (...中", "中 \"...中",
      "中 '...中", "...中", " ...中", "中 [x]...", "中 [x]... 中", "中 [x]...中", "中 [x] ...]",
      "中 [<x>...]", "中\x1b[1m...", "中\x1b[1m a...", "中 \x1b[1m[x]...", "中 ..中", "中..", "中 a..b",
      "中 a....b", "中 .... 中", "中 x.... 中", "中 %s ...", "中 x... \xE3\x80\x82", "中 x...)", "中 x...'",
      "中 a/b x...中", "中 x...\xE2\x80\x9C中", "中 |...中", "中 ) ...中", "中 * ...中", "中\xC2\xA0...中",
      "中 \xE2\x80\x9C%s\xE2\x80\x9D 中", "中 \xE2\x80\x98%s\xE2\x80\x99 中",
      "中 \xE3\x80\x8C%s\xE3\x80\x8D 中", "中 \xE3\x80\x8E%s\xE3\x80\x8F 中", "中 \xE2\x80\x9C中\xE2\x80\x9D 中",
      "中 \xE2\x80\x9C" "ab\xE2\x80\x9D 中", "中 \xE2\x80\x9C%s\xE2\x80\x9D\xE2\x80\x9D 中",
      "中 \xE2\x80\x9C%s 中", "中 \xE2\x80\x9C%s\xE3\x80\x8D 中", "\xE2\x80\x9C%s\xE2\x80\x9D 中 ",
      "中 \xE2\x80\x9C/x/\xE2\x80\x9D 中", "中 \xE2\x80\x9C$x\xE2\x80\x9D 中"};
  static const char *const ends[] = {"", "中", " 中", ",", "...", "\xEF\xBC\x8C"};
  popts keep = SIMP, qkeep = SIMP, md = SIMP;
  keep.to = ZHFIX_TO_KEEP;
  qkeep.quotes = ZHFIX_QUOTES_KEEP;
  md.format = ZHFIX_FORMAT_MARKDOWN;
  const popts set[] = {SIMP, TW, keep, qkeep, md};
  cases_fast_equals_slow("brackets", set, sizeof set / sizeof *set, cases, sizeof cases / sizeof *cases,
                         ends, sizeof ends / sizeof *ends, 2);
  /* (the shortcut's answer is the rules': these stay, those change) */
  const char *const stay[] = {"如果 file 存在且为字符设备 3.0 (native) 则为真", "用法：%s [选项]... [档案]...",
                               "无法判断 \xE2\x80\x9C%s\xE2\x80\x9D 的剩余磁碟大小", "中 x...中"};
  for (size_t k = 0; k < sizeof stay / sizeof *stay; k++) same(SIMP, stay[k]);
  check(SIMP, "中 (a)", "中（a）");
  check(SIMP, "中...", "中……");
  static const char *const pieces[] = {
      "中", "a", "x", "%s", " ", "  ", "(", ")", "(x)", "(%d)", "..", "...", ".", "[", "]", "|", "*",
      "\"", "'", "\t", "/", "@", "\x1b[1m", "\xE2\x80\x9C", "\xE2\x80\x9D", "\xE3\x80\x8C",
      "\xE3\x80\x8D", "\xEF\xBC\x8C", "w.", "\xC2\xA0", "\xEF\xBC\x88", "<", "$"};
  tu_buf b = random_lines(pieces, sizeof pieces / sizeof *pieces, 17);
  for (size_t o = 0; o < sizeof set / sizeof *set; o++) fast_equals_slow("random brackets", set[o], b.p, b.n);
  free(b.p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_class_runs),
      cmocka_unit_test(test_inert_marks),
      cmocka_unit_test(test_inert_quotes),
      cmocka_unit_test(test_layout_spaces),
      cmocka_unit_test(test_inert_brackets),
      cmocka_unit_test(test_fast_path_low_wide),
      cmocka_unit_test(test_mask_cuts_blocks),
      cmocka_unit_test(test_emit_space_blocks),
      cmocka_unit_test(test_prescan_blocks),
      cmocka_unit_test(test_bulk_alignment),
      cmocka_unit_test(test_token_positions),
      cmocka_unit_test(test_pair_han_far),
      cmocka_unit_test(test_indented_lines),
      cmocka_unit_test(test_fast_path_equivalent),
      cmocka_unit_test(test_fast_path_spaces),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
