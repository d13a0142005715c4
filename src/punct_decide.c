/*
 * Pass 4 of the punctuation stage (punct_int.h): the rules.  Left to
 * right, each mark some rule acts on (F_INT, not protected) gets its
 * output in o1[] (and o2[] for a two-character mark: …… ——), and the edit
 * is counted under its rule.  docs/punctuation.md has the rule table.
 *
 * The context tests share one discipline, which makes the stage
 * idempotent: on the left they read outputs already decided
 * (zf_punct_last_out), on the right only properties no rule changes (Han
 * or not, spaces skipped), and every look-through treats a mark and the
 * form a rule may turn it into alike.
 */
#include <string.h>

#include "punct_class.h"
#include "punct_int.h"

/* ---- context ---------------------------------------------------------- */

/* What a decided output is, to the rules on its right. */
enum { CX_NONE, CX_HAN, CX_CJKP, CX_ALPHA, CX_OTHER };

int zf_punct_doubled(const zf_punct *p, size_t n, size_t j) {
  uint32_t c = p->o1[j];
  if (p->o2[j] == c) return 1;
  /* (spaces between the two go on output, so they are looked through) */
  size_t k = j;
  while (k > 0 && (zf_punct_last_out(p, k - 1) == 0 || is_space(zf_punct_last_out(p, k - 1)))) k--;
  if (k > 0 && zf_punct_last_out(p, k - 1) == c) return 1;
  k = j + 1;
  while (k < n && (p->o1[k] == 0 || is_space(p->o1[k]))) k++;
  return k < n && p->o1[k] == c;
}

static int classify(const zf_punct *p, size_t n, size_t j) {
  uint32_t c = zf_punct_last_out(p, j);
  if (is_hanlike(c)) return CX_HAN;
  if (is_cjk_punct(c) && !is_bracket_open(c) && c != 0x300C && c != 0x300E) return CX_CJKP;
  if ((c == 0x2026 || c == 0x2014) && zf_punct_doubled(p, n, j)) return CX_CJKP;
  if (is_alpha(c)) return CX_ALPHA;
  return CX_OTHER;
}

/* Context on the left of i, from decided outputs: spaces, closing brackets
 * and quotes, and Markdown emphasis are looked through, so "（见上文）," is
 * judged by 文 whether or not its brackets were converted yet. */
static int left_ctx(const zf_punct *p, size_t n, size_t i, int skip_space) {
  size_t steps = 0;
  for (size_t j = i; j-- > 0;) {
    if (++steps > LOOK) return CX_OTHER;
    if (p->fl[j] & F_WORD) return CX_ALPHA;
    if (p->fl[j] & F_PROT) {
      /* A URL, address or `code` is a word of the sentence around it:
       * "详见 https://example.com." ends a Chinese sentence. */
      while (j > 0 && (p->fl[j - 1] & F_PROT)) j--;
      if (!skip_space) return CX_OTHER;
      continue;
    }
    uint32_t c = zf_punct_last_out(p, j);
    if (c == 0) continue;
    if (skip_space && is_space(c)) continue;
    /* A closing bracket or quote that is Chinese punctuation ends Chinese
     * text; other closers are looked through. */
    if (((p->fl[j] & F_QCHN) && (p->fl[j] & F_QCLOSE)) ||
        (is_cjk_punct(c) && is_bracket_close(c)) || c == 0x300D || c == 0x300F)
      return CX_HAN;
    if (is_bracket_close(c) || is_curly_close(c) || (p->fl[j] & F_QCLOSE) || c == '*' ||
        c == '`' || c == ']')
      continue;
    return classify(p, n, j);
  }
  return CX_NONE;
}

/* Whether the next word after position i (spaces and opening quotes
 * skipped) is Chinese; reads input characters, whose Han-ness no rule
 * changes. */
static int right_han(const zf_punct *p, size_t n, size_t i) {
  size_t lim = i + LOOK < n ? i + LOOK : n;
  for (size_t k = i; k < lim; k++) {
    uint32_t c = p->w[k];
    /* (markup between words is not text: "你好,<b>世界</b>") */
    if (is_space(c) || is_curly_open(c) || (p->fl[k] & (F_QOPEN | F_FMT))) continue;
    return is_hanlike(c);
  }
  return 0;
}

/* Whether the Latin text just left of i reads as English (three words or
 * more, or its own sentence punctuation), in which case its punctuation is
 * English too even before a Chinese word. */
static int english_before(const zf_punct *p, size_t n, size_t i) {
  size_t lim = i > LOOK ? i - LOOK : 0;
  int gaps = 0, seen = 0, inspace = 0;
  for (size_t j = i; j-- > lim;) {
    uint32_t c = zf_punct_last_out(p, j);
    if (c == 0) continue;
    if (is_hanlike(c) || is_cjk_punct(c)) return gaps >= 2;
    if (c == ' ') {
      inspace = 1;
      continue;
    }
    if (inspace && seen) gaps++;
    inspace = 0;
    seen = 1;
    if ((c == ',' || c == '.' || c == ';' || c == ':' || c == '!' || c == '?') && j + 1 < n &&
        p->w[j + 1] == ' ')
      return 1;
    if (gaps >= 2) return 1;
  }
  return i > LOOK;
}

/* A mark with spaces on both sides is being named ("冒号 : 分隔") or
 * lists a term ("wins : 说明"); a ? or ! after a space that leans on the
 * word after it is syntax (Tcl's " ?arg?", the shell's " !event").  Such
 * marks stay, and so do their spaces. */
static int literal_mark(const zf_punct *p, size_t n, size_t i) {
  if (i == 0 || !is_space(p->w[i - 1])) return 0;
  if (i + 1 >= n || is_space(p->w[i + 1])) return 1;
  return p->w[i] == '?' || p->w[i] == '!';
}

/* End of the run of w[i] starting at i; *count gets its length.  Runs of
 * full-width marks reach across spaces ("。 。 。"), because those spaces go
 * on output and the run must be judged the same on the output. */
static size_t run_end(const uint32_t *w, size_t n, size_t i, size_t *count) {
  uint32_t c = w[i];
  int spaced = c == 0x3002 || c == 0xFF0E || c == 0xFF0D || c == 0x2026 || c == 0x2014;
  size_t e = i + 1, k = 1;
  for (;;) {
    size_t j = e;
    while (spaced && j < n && is_space(w[j])) j++;
    if (j >= n || w[j] != c) break;
    e = j + 1;
    k++;
  }
  *count = k;
  return e;
}

/* An ellipsis or dash run at [i, e) is Chinese when Chinese precedes it,
 * or when Chinese follows and no Latin word is attached to its left
 * (need_right: only when Chinese is on both sides). */
static int mark_chinese(const zf_punct *p, size_t n, size_t i, size_t e, int need_right) {
  int cx = left_ctx(p, n, i, 1);
  int right = right_han(p, n, e);
  if (need_right) return (cx == CX_HAN || cx == CX_CJKP) && right;
  if (cx == CX_HAN || cx == CX_CJKP) return 1;
  if (!right) return 0;
  /* Only Chinese on the right: an ellipsis opening the line or a quote;
   * after anything else ("[选项]... 目录") it is syntax. */
  size_t j = i;
  while (j > 0 && (is_space(zf_punct_last_out(p, j - 1)) || zf_punct_last_out(p, j - 1) == 0))
    j--;
  if (j == 0) return 1;
  uint32_t b = zf_punct_last_out(p, j - 1);
  return is_curly_open(b) || (p->fl[j - 1] & F_QOPEN) || is_bracket_open(b);
}

/* How far zf_punct_han_in() looks for a Han-like character before it
 * builds han[] for the segment (which keeps the cost linear however many
 * long pairs nest). */
#define HAN_SCAN 64

int zf_punct_han_in(zf_punct *p, size_t n, size_t a, size_t b) {
  if (!p->han_ok && b - a > HAN_SCAN) {
    uint32_t *han = p->han;
    han[0] = 0;
    for (size_t k = 0; k < n; k++) han[k + 1] = han[k] + (uint32_t)is_hanlike(p->w[k]);
    p->han_ok = 1;
  }
  if (p->han_ok) return p->han[b] > p->han[a];
  /* (nothing below U+3005 is Han-like: ASCII goes on one test) */
  for (size_t k = a; k < b; k++)
    if (p->w[k] >= 0x3005 && is_hanlike(p->w[k])) return 1;
  return 0;
}

/* Quote pair (or lone curly quote) context: Chinese inside, or Chinese
 * next to it outside (spaces and other quotes looked through, so that
 * dropping spaces on output changes nothing here); but a quoted literal
 * with no Chinese inside ('Accept: gzip', ":", '-v') stays as typed. */
static int quote_chinese(zf_punct *p, size_t n, size_t open, size_t close) {
  if (close > open) {
    if (zf_punct_han_in(p, n, open + 1, close)) return 1;
    for (size_t k = open + 1; k < close; k++) {
      uint32_t c = p->w[k];
      if (is_literal_char(c) || c == 0xFF1A ||
          c == 0xFF1B || (k == open + 1 && c == '-'))
        return 0;
    }
  }
  size_t lim = open > LOOK ? open - LOOK : 0;
  for (size_t j = open; j-- > lim;) {
    uint32_t c = zf_punct_last_out(p, j);
    if (c == 0 || is_space(c)) continue;
    /* next to (or inside) a quote already judged Chinese */
    if (is_quote_char(c) && (p->fl[j] & F_QCHN)) return 1;
    if (is_quote_char(c)) continue;
    if (is_hanlike(c) || (is_cjk_punct(c) && !is_bracket_open(c))) return 1;
    break;
  }
  size_t end = close + LOOK < n ? close + LOOK : n;
  for (size_t k = close + 1; k < end; k++) {
    uint32_t c = p->w[k];
    if (is_space(c)) continue;
    if (is_quote_char(c) && (p->fl[k] & F_QCHN)) return 1; /* inside a Chinese quote */
    if (is_quote_char(c)) continue;
    return is_hanlike(c);
  }
  return 0;
}

/* ---- rules ------------------------------------------------------------ */

static void set_out(zf_punct *p, size_t i, uint32_t c, int rule) {
  if (p->o1[i] != c) {
    p->o1[i] = c;
    p->rule[rule]++;
  }
}

/* [i, e) becomes one two-character mark, …… or —— (rule). */
static void set_double(zf_punct *p, size_t i, size_t e, uint32_t c, int rule) {
  p->o1[i] = c;
  p->o2[i] = c;
  for (size_t k = i + 1; k < e; k++) p->o1[k] = 0;
  p->multi = 1;
  p->rule[rule]++;
}

/* , ; : ? ! -> full width: after Chinese, or after a Latin word that a
 * Chinese word follows (unless the Latin is an English phrase). */
static int width_rule(const zf_punct *p, size_t n, size_t i) {
  uint32_t c = p->w[i];
  int qe = c == '?' || c == '!';
  /* "?!" and "!!" follow the first mark of their run. */
  if (qe && i > 0 && (p->w[i - 1] == '?' || p->w[i - 1] == '!'))
    return p->o1[i - 1] != p->w[i - 1];
  int cx = left_ctx(p, n, i, 1);
  /* After full-width punctuation an ASCII mark is a literal ("：!!, !event"). */
  if (cx == CX_HAN) {
    /* Emoticons ;) :( :-) :D :P stay as typed. */
    if ((c == ':' || c == ';') && i + 1 < n) {
      /* (the bracket may be a full-width one by now: "（很cool :-）") */
      uint32_t d = p->w[i + 1], d2 = i + 2 < n ? p->w[i + 2] : 0;
      if (d == ')' || d == '(' || d == 0xFF08 || d == 0xFF09 || d == 'D' || d == 'P' ||
          d == 'p' || (d == '-' && (d2 == ')' || d2 == '(' || d2 == 0xFF08 || d2 == 0xFF09)))
        return 0;
    }
    /* "::" and ";;" are code (C++ scopes, shell case arms). */
    if ((c == ':' || c == ';') && i + 1 < n && p->w[i + 1] == c) return 0;
    return 1;
  }
  if (cx == CX_ALPHA) return right_han(p, n, i + 1) && !english_before(p, n, i);
  return 0;
}

/* . -> 。 only where a Chinese sentence ends: after a Han character, and
 * followed by the end, a space, Chinese, or a bracket or quote (never by a
 * letter or digit: "文件.txt", ".bashrc"). */
static int period_rule(const zf_punct *p, size_t n, size_t i) {
  /* What is not prose after the mark (a closing tag, a comment's end) is
   * looked through: "你好.</p>" ends its text. */
  while (n > i + 1 && (p->fl[n - 1] & F_FMT)) n--;
  uint32_t d = i + 1 < n ? p->w[i + 1] : 0;
  if (i + 1 < n && (p->fl[i + 1] & F_FMT)) {
    size_t k = i + 1;
    while (k < n && (p->fl[k] & F_FMT)) k++;
    d = k < n ? p->w[k] : 0;
  }
  if (left_ctx(p, n, i, 1) != CX_HAN) {
    /* A Chinese sentence may end with a Latin word, a number or a name
     * ("一共有5000.", "参见 open(2).", "增长了15%."): only at the very end
     * of the line or of a Chinese quotation, where no list marker ("步骤1.
     * 安装") or file name can follow, and when Chinese precedes that word. */
    size_t q = i + 1; /* spaces after it may go on output: look through */
    while (q < n && is_space(p->w[q])) q++;
    uint32_t dq = q < n ? p->w[q] : 0;
    if (i == 0 || !(q >= n || is_curly_close(dq) || dq == 0x300D || dq == 0x300F ||
                    ((p->fl[q] & F_QCLOSE) && (p->fl[q] & F_QCHN))))
      return 0;
    size_t k = i;
    while (k > 0 && i - k < LOOK &&
           ((p->w[k - 1] > 0x20 && p->w[k - 1] < 0x7F) || p->w[k - 1] == 0xB0))
      k--;
    if (k == i || p->w[i - 1] == '.' || i - k >= LOOK) return 0;
    while (k > 0 && is_space(p->w[k - 1])) k--;
    return k > 0 && is_hanlike(zf_punct_last_out(p, k - 1));
  }
  if (i + 1 >= n) return 1;
  /* ".。" and ".…" are no sentence end (and 。。。 may become ……) */
  if (d == 0x3002 || d == 0xFF0E || d == 0x2026) return 0;
  /* Every character accepted here is accepted in the form a rule may turn
   * it into, and the other way round ("(" and "（"), for idempotence. */
  return d == ' ' || d == '\t' || d == 0x3000 || d == 0xA0 || is_hanlike(d) ||
         is_cjk_punct(d) || is_quote_char(d) || d == '(' || d == ')' || d == ',' || d == ';' ||
         d == ':' || d == '?' || d == '!';
}

/* A run of . 。 or ．: an ellipsis (three or more), or a period.  Returns
 * the run's last index. */
static size_t decide_dots(zf_punct *p, size_t n, size_t i) {
  uint32_t c = p->w[i];
  size_t r, e = run_end(p->w, n, i, &r);
  /* Synopsis notation repeats an argument with "...": "[选项]... 文件...". */
  int synopsis = c == '.' && r >= 3 && p->lbr < i &&
                 (e >= n || p->w[e] == ' ' || p->w[e] == ']' || p->w[e] == '[');
  if (synopsis)
    for (size_t k = i; k < e; k++) p->fl[k] |= F_KEEPSP;
  if (r >= 3 && !synopsis && (c == 0x3002 || mark_chinese(p, n, i, e, 0)))
    set_double(p, i, e, 0x2026, ZF_PR_ELLIPSIS);
  else if (r == 1 && c == '.' && literal_mark(p, n, i))
    p->fl[i] |= F_KEEPSP;
  else if (r == 1 && c == '.' && period_rule(p, n, i))
    set_out(p, i, 0x3002, ZF_PR_PERIOD);
  return e - 1;
}

/* A lone … becomes ……; a run of them is left as typed. */
static size_t decide_ellipsis(zf_punct *p, size_t n, size_t i) {
  size_t r, e = run_end(p->w, n, i, &r);
  if (r == 1 && mark_chinese(p, n, i, i + 1, 0)) {
    p->o2[i] = 0x2026;
    p->multi = 1;
    p->rule[ZF_PR_ELLIPSIS]++;
  }
  return e - 1;
}

/* A run of - － or —: "--" or "－－" or a lone — between Chinese -> ——. */
static size_t decide_dash(zf_punct *p, size_t n, size_t i) {
  const uint32_t *w = p->w;
  uint32_t c = w[i];
  size_t r, e = run_end(w, n, i, &r);
  /* "--" is also an option prefix and an end-of-options marker, so it is
   * a dash only when it touches Chinese on both sides ("他说--我们", not
   * "在 -- 之后"); — and －－ are never options. */
  int tight = c != '-' || (i > 0 && e < n && is_hanlike(zf_punct_last_out(p, i - 1)) &&
                           (is_hanlike(w[e]) || is_curly_open(w[e]) || (p->fl[e] & F_QOPEN)));
  if (tight && r == (c == 0x2014 ? 1u : 2u) && mark_chinese(p, n, i, e, 1))
    set_double(p, i, e, 0x2014, ZF_PR_DASH);
  return e - 1;
}

/* A pair of round brackets, at its opener: full-width when it holds or
 * follows Chinese; a Markdown link target or the arguments of a call stay. */
static void decide_paren(zf_punct *p, size_t n, size_t i) {
  const uint32_t *w = p->w;
  int32_t m = p->mate[i];
  if (m < 0) return;
  if (i > 0 && zf_punct_last_out(p, i - 1) == ']') {
    /* Markdown link target: [text](url) */
    for (size_t k = i; k <= (size_t)m; k++) p->fl[k] |= F_PROT;
    return;
  }
  /* Attached to a Latin word it is a call or a man reference (printf(3),
   * index("谆谆", "蛔")), whose arguments are code; unless it holds only
   * Chinese words, as a gloss: API(应用程序接口). */
  if (w[i] == '(' && i > 0 && is_ascii_alnum(zf_punct_last_out(p, i - 1))) {
    int gloss = zf_punct_han_in(p, n, i + 1, (size_t)m);
    for (size_t k = i + 1; gloss && k < (size_t)m; k++)
      gloss = !(w[k] < 0x80 && strchr("\"'=,;$\\{}[]<>()`", (int)w[k])) && !is_quote_char(w[k]);
    if (!gloss) {
      for (size_t k = i; k <= (size_t)m; k++) p->fl[k] |= F_PROT;
      return;
    }
  }
  int cx = left_ctx(p, n, i, 1);
  int chinese = zf_punct_han_in(p, n, i + 1, (size_t)m) || cx == CX_HAN || cx == CX_CJKP;
  p->fl[m] |= F_DONE;
  if (chinese) {
    p->rule[ZF_PR_PAREN] += (uint64_t)(w[i] != 0xFF08 || w[m] != 0xFF09);
    p->o1[i] = 0xFF08;
    p->o1[m] = 0xFF09;
  }
}

/* A run of interpuncts: an ellipsis (three or more), or between two Han
 * characters U+00B7. */
static size_t decide_dotlike(zf_punct *p, size_t n, size_t i) {
  uint32_t c = p->w[i];
  size_t r, e = run_end(p->w, n, i, &r);
  if (r >= 3 && mark_chinese(p, n, i, e, 0))
    set_double(p, i, e, 0x2026, ZF_PR_ELLIPSIS);
  else if (r == 1 && c != 0xB7 && i > 0 && i + 1 < n && zf_is_han(zf_punct_last_out(p, i - 1)) &&
           zf_is_han(p->w[i + 1]))
    set_out(p, i, 0xB7, ZF_PR_INTERPUNCT);
  return e - 1;
}

/* ---- quotes ----------------------------------------------------------- */

static const uint32_t quote_out[3][2][2] = {
    {{0, 0}, {0, 0}},
    {{0x201C, 0x201D}, {0x2018, 0x2019}}, /* “ ” ‘ ’ */
    {{0x300C, 0x300D}, {0x300E, 0x300F}}, /* 「 」 『 』 */
};

/* The style a quote takes: the stage's, or under STYLE_DOC the family it
 * is typed in (straight quotes: the document's). */
static int qstyle(const zf_punct *p, uint32_t c) {
  if (p->style != STYLE_DOC) return p->style;
  if (c >= 0x2018 && c <= 0x201D) return STYLE_CURLY;
  if (c >= 0x300C && c <= 0x300F) return STYLE_CORNER;
  return p->doc_style;
}

/* A lone curly quote (no mate), half (0 open, 1 close). */
static void decide_lone_quote(zf_punct *p, size_t n, size_t i, int half) {
  uint32_t c = p->w[i];
  if (!quote_chinese(p, n, i, i)) return;
  p->fl[i] |= F_QCHN;
  int sty = qstyle(p, c);
  if (sty) set_out(p, i, quote_out[sty][quote_level(c)][half], ZF_PR_QUOTE);
}

/* A quote pair, at its opener.  inh is 0 outside any Chinese quote, else
 * 1 + the level of the innermost one; returns the same for inside this
 * pair. */
static int decide_quote_pair(zf_punct *p, size_t n, size_t i, size_t m, int inh) {
  uint32_t c = p->w[i];
  uint16_t *fl = p->fl;
  fl[m] |= F_DONE;
  if (!quote_chinese(p, n, i, m)) return inh;
  fl[i] |= F_QCHN;
  fl[m] |= F_QCHN;
  /* Nested quotes alternate double and single (GB/T 15834 4.15.3,
   * 重訂標點符號手冊 引號).  An outermost quote keeps the level it was
   * typed with: a line of ‘…’ is often the inside of a quotation opened
   * lines before, which a line-by-line stage cannot see. */
  int own = (fl[i] & F_SQ) ? (c == '\'' || c == 0xFF07) : quote_level(c);
  int lv = inh ? 1 - (inh - 1) : own;
  int sty = qstyle(p, c);
  if (sty) {
    uint32_t a = quote_out[sty][lv][0], b = quote_out[sty][lv][1];
    p->rule[ZF_PR_QUOTE] += (uint64_t)(p->w[i] != a || p->w[m] != b);
    p->o1[i] = a;
    p->o1[m] = b;
  }
  return lv + 1;
}

/* ---- the pass --------------------------------------------------------- */

void zf_punct_decide(zf_punct *p, size_t n) {
  const uint32_t *w = p->w;
  uint16_t *fl = p->fl;
  /* Open quote pairs, innermost last: (closer << 2) | inherited (see
   * decide_quote_pair). */
  size_t qtop = 0;
  /* Only the positions clean() flagged F_INT (ix[]) can be acted on; a
   * rule that handled a run returns its last position, and the positions
   * up to it are passed over (next).  Pairs are popped off the stack at
   * the first position visited past their closer, which leaves the stack
   * as popping at every position would. */
  const uint32_t *ix = p->ix;
  size_t next = 0;
  for (size_t k = 0; k < p->nix; k++) {
    size_t i = ix[k];
    if (i < next) continue;
    while (qtop && (p->stk[qtop - 1] >> 2) <= (int32_t)i) qtop--;
    if ((fl[i] & (F_INT | F_PROT | F_DONE)) != F_INT) continue;
    uint32_t c = w[i];
    switch (c) {
    case ',': case ';': case ':': case '?': case '!':
      if (literal_mark(p, n, i)) fl[i] |= F_KEEPSP;
      else if (width_rule(p, n, i)) set_out(p, i, fullwidth_of(c), ZF_PR_WIDTH);
      break;
    case '.': case 0x3002: case 0xFF0E:
      i = decide_dots(p, n, i);
      break;
    case 0x2026:
      i = decide_ellipsis(p, n, i);
      break;
    case '-': case 0xFF0D: case 0x2014:
      i = decide_dash(p, n, i);
      break;
    case '(': case 0xFF08:
      decide_paren(p, n, i);
      break;
    default:
      if (is_dotlike(c)) {
        i = decide_dotlike(p, n, i);
      } else if ((fl[i] & F_QOPEN) && p->mate[i] >= 0) {
        int32_t m = p->mate[i];
        int inh = decide_quote_pair(p, n, i, (size_t)m, qtop ? p->stk[qtop - 1] & 3 : 0);
        p->stk[qtop++] = (m << 2) | inh; /* popped when the closer is reached */
      } else if (fl[i] & F_QOPEN) {
        decide_lone_quote(p, n, i, 0);
      } else if (fl[i] & F_QCLOSE) {
        decide_lone_quote(p, n, i, 1);
      }
      break;
    }
    next = i + 1;
  }
}
