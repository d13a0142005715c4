/*
 * Stage 4: punctuation and typography.  This file is the stage itself:
 * its options, the document's quote style, the format scan that limits
 * typography to prose, the shortcut for lines no rule can change, and
 * the passes (punct_int.h lists them and their files) run in order on
 * each segment.  docs/punctuation.md has the rule table, the standards
 * each rule follows and the test that pins it.
 */
#include <stdlib.h>
#include <string.h>

#include "punct_class.h"
#include "punct_int.h"

/* ---- rule counts (punct_rules.h) ----------------------------------------- */

static const char *const rule_names[ZF_PR__COUNT] = {
    "control", "invisible", "fw_alnum",   "width",   "period",
    "paren",   "quote",     "ellipsis",   "dash",    "interpunct",
    "space",   "idspace",   "spacing"};

const char *zf_punct_rule_name(int rule) {
  return rule >= 0 && rule < ZF_PR__COUNT ? rule_names[rule] : "?";
}

void zf_punct_set_fast_path(void *st, int on) { ((zf_punct *)st)->fast = on != 0; }

void zf_punct_rule_counts(const void *st, uint64_t counts[ZF_PR__COUNT]) {
  const zf_punct *p = st;
  memcpy(counts, p->rule, sizeof p->rule);
}

/* ---- state --------------------------------------------------------------- */

/* A new document's settings, on p zeroed but for its scratch. */
static void settle(zf_punct *p, const zf_opts *o) {
  p->spacing = o->spacing != 0;
  p->strip = o->controls == ZHFIX_CONTROLS_STRIP;
  p->fast = 1;
  /* The region's style: the target's, with --to=keep the input's.  The
   * OpenCC "standard" Traditional keeps the mainland's curly quotes (as
   * OpenCC itself does); Taiwan, Hong Kong and Japanese use corner
   * brackets. */
  int region = o->to != ZHFIX_TO_KEEP ? o->to : o->script;
  p->doc_style = (region == ZHFIX_TO_TW || region == ZHFIX_TO_TWP || region == ZHFIX_TO_HK ||
                  region == ZHFIX_TO_HKP || region == ZHFIX_TO_JP)
                     ? STYLE_CORNER
                     : STYLE_CURLY;
  switch (o->quotes) {
  case ZHFIX_QUOTES_CURLY: p->style = STYLE_CURLY; break;
  case ZHFIX_QUOTES_CORNER: p->style = STYLE_CORNER; break;
  case ZHFIX_QUOTES_KEEP: p->style = STYLE_KEEP; break;
  default:
    /* Converting to a region gives its style; keeping the script keeps
     * the document's quotes (typography restores, it does not restyle). */
    p->style = o->to != ZHFIX_TO_KEEP ? p->doc_style : STYLE_DOC;
    break;
  }
}

static int create(void **st, const zf_opts *o) {
  *st = NULL;
  if (!o->punct) return 0;
  zf_punct *p = calloc(1, sizeof *p);
  if (!p) return ZHFIX_E_NOMEM;
  settle(p, o);
  if (zf_fmt_new(&p->fmt, o->format)) {
    free(p);
    return ZHFIX_E_NOMEM;
  }
  p->text = zf_fmt_is_text(p->fmt);
  *st = p;
  return 0;
}

/* Whether c may count in prescan(): a curly quote, or U+300C..U+30FF
 * (corner brackets, kana). */
static inline unsigned prescan_counts(uint32_t c) {
  return (unsigned)(c - 0x2018u <= 0x201Du - 0x2018u) | (unsigned)(c - 0x300Cu <= 0x30FFu - 0x300Cu);
}

/* The document's own quote style, from the detection window: corner
 * brackets against curly quotes next to Chinese; a tie keeps the
 * region's.  Every character it counts lies in two small ranges
 * (prescan_counts), so blocks of 16 with none of them (a test with no
 * branch, which vectorises) are passed over: a JSON Lines record is a
 * document, and its window is short and read once.  The Han count is
 * needed only once there is kana enough for a Japanese document. */
static void prescan(void *st, const zf_text *win) {
  zf_punct *p = st;
  const uint32_t *cp = win->cp;
  size_t n = win->len, corner = 0, curly = 0, kana = 0;
  for (size_t i = 0; i < n; i += 16) {
    size_t e = n - i < 16 ? n : i + 16;
    unsigned bits = 0; /* bit k: cp[i + k] may count */
#ifdef ZF_PV
    if (e - i == 16) {
      const zf_pv4 q0 = zf_pv_dup(0x2018), q1 = zf_pv_dup(0x201D - 0x2018);
      const zf_pv4 r0 = zf_pv_dup(0x300C), r1 = zf_pv_dup(0x30FF - 0x300C);
      for (size_t k = 0; k < 16; k += 4) {
        zf_pv4 x = zf_pv_load(cp + i + k);
        bits |= zf_pv_bits((zf_pv4)(x - q0 <= q1) | (zf_pv4)(x - r0 <= r1)) << k;
      }
    } else
#endif
    {
      for (size_t k = i; k < e; k++) bits |= prescan_counts(cp[k]) << (k - i);
    }
    for (; bits; bits &= bits - 1) {
      size_t k = i + (size_t)__builtin_ctz(bits);
      uint32_t c = cp[k];
      kana += (size_t)is_kana(c);
      if (c >= 0x300C && c <= 0x300F) {
        corner++;
      } else if (c >= 0x2018 && c <= 0x201D && c != 0x201A && c != 0x201B) {
        int han = (k > 0 && is_hanlike(cp[k - 1])) || (k + 1 < n && is_hanlike(cp[k + 1]));
        curly += (size_t)han;
      }
    }
  }
  if (corner > curly) p->doc_style = STYLE_CORNER;
  else if (curly > corner) p->doc_style = STYLE_CURLY;
  /* A Japanese document: kana is a third or more of Japanese running
   * text and next to none of Chinese (a name, a kaomoji), so one kana in
   * eight Han-or-kana characters leaves a wide margin both ways.  Its
   * lines without kana (例:, Package: 行) are Japanese too. */
  size_t nhan = 0;
  if (kana >= 16)
    for (size_t k = 0; k < n; k++) nhan += (size_t)zf_is_han(cp[k]);
  p->japanese = kana >= 16 && kana * 8 >= nhan + kana;
}

static void destroy(void *st) {
  zf_punct *p = st;
  zf_fmt_free(p->fmt);
  free(p->prose);
  free(p->wbuf);
  free(p->wobuf);
  free(p->tk);
  free(p->o1);
  free(p->o2);
  free(p->fl);
  free(p->mate);
  free(p->han);
  free(p->stk);
  free(p->ix);
  free(p->qx);
  free(p);
}

/* The next document on the handle (zf_stage_ops.reuse): create()'s
 * state, keeping the scratch of segments up to KEEP_CAP code points.
 * (Every pointer destroy() frees is kept here.) */
#define KEEP_CAP 4096
static int reuse(void *st, const zf_opts *o) {
  zf_punct *p = st, k = *p;
  if (!o->punct || p->cap > KEEP_CAP) return 0;
  memset(p, 0, sizeof *p);
  p->fmt = k.fmt;
  p->cap = k.cap;
  p->prose = k.prose;
  p->wbuf = k.wbuf;
  p->wobuf = k.wobuf;
  p->tk = k.tk;
  p->o1 = k.o1;
  p->o2 = k.o2;
  p->fl = k.fl;
  p->mate = k.mate;
  p->han = k.han;
  p->stk = k.stk;
  p->ix = k.ix;
  p->qx = k.qx;
  zf_fmt_reinit(p->fmt, o->format);
  settle(p, o);
  p->text = zf_fmt_is_text(p->fmt);
  return 1;
}

static int grow(zf_punct *p, size_t n) {
  if (n <= p->cap) return 0;
  size_t cap = p->cap ? p->cap : 256;
  while (cap < n) cap *= 2;
#define G(f)                                                                  \
  do {                                                                        \
    void *q = realloc(p->f, cap * sizeof *p->f);                              \
    if (!q) return -1;                                                        \
    p->f = q;                                                                 \
  } while (0)
  G(wbuf);
  G(wobuf);
  G(tk);
  G(o1);
  G(o2);
  G(fl);
  G(mate);
  G(stk);
  G(ix);
  G(qx);
  G(prose);
#undef G
  void *q = realloc(p->han, (cap + 1) * sizeof *p->han);
  if (!q) return -1;
  p->han = q;
  p->cap = cap;
  return 0;
}

/* ---- the shortcut -------------------------------------------------------- */

/* A curly or corner quote c (U+2018..U+201D, U+300C..U+300F) on a line
 * needs_work() is reading: whether it may change.  Quotes of the target
 * style that never nest come out as they are (each pair at depth 0 keeps
 * the double level); under STYLE_DOC, any curly or corner quote at depth
 * 0 keeps its form if the quote that closes it is its own mate. */
static int quote_needs_work(uint32_t c, int style, uint32_t qo, int *depth, uint32_t *opened) {
  if (style == STYLE_DOC) {
    if (c == 0x201A || c == 0x201B) return 0;
    if (c == 0x201C || c == 0x2018 || c == 0x300C || c == 0x300E) {
      if ((*depth)++) return 1;
      *opened = c;
    } else {
      if (*depth && c != *opened + 1) return 1;
      *depth = 0;
    }
    return 0;
  }
  if (!style) return 0;
  if (c == qo) return (*depth)++ != 0;
  if (c == qo + 1) {
    *depth = 0;
    return 0;
  }
  return 1;
}

/* ---- marks no rule can change -------------------------------------------
 *
 * On a line of plain text with no damage left in it (needs_work's
 * "sure" argument), some ASCII marks are inert whatever the rest of the
 * line is.  Each test reads only the input, and holds for the decisions
 * punct_decide.c takes there because of what the input is, not what the
 * other rules decide (the tests run the shortcut against the full path:
 * test_inert_marks).  What protect() may cover is bounded by this: every
 * token starts at one of PROT_START (and an e-mail address or a URL's
 * scheme reaches back from there only over letters, digits and . _ % +
 * -), and no token but a `code` span, a ${...} and a <tag> crosses a
 * space; the first two end at their closer, the last at '>'; and a
 * control character is protected with its escape sequence. */

/* Whether c is one of the ASCII characters protect() may start a token
 * at (punct_clean.c's TOK), or a control character (kept protected).
 * Two of TOK are left out: a URL's scheme ':' is followed by '/', itself
 * listed, and a "www." URL (its '.', its 'w's) that reaches cp[i - 1]
 * goes on over cp[i] (url_end() takes , ; : ? ! . after a letter or
 * digit) and keeps it (protect_span's keep_trail), so the mark is
 * protected and passed over: "V:0," "12.1." are words like any other. */
static inline int prot_start(uint32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '`' || c == '@' || c == '/' || c == '$' ||
         c == '<' || c == '&' || c == '~';
}

/* Whether cp[i - 1], an ASCII letter or digit, is certainly no part of a
 * protected token: the word it ends (back to a space, a tab or the start,
 * at most 64 code points) holds no character a token starts at, so none
 * can reach it from within the word; and none reaches across the space
 * before it but the three above, which end at a mark before cp[i - 1]
 * (or cover cp[i] too, which is then protected and passed over). */
static int word_unprotected(const uint32_t *cp, size_t i) {
  size_t lim = i > 64 ? i - 64 : 0;
  for (size_t k = i; k-- > lim;) {
    uint32_t c = cp[k];
    if (c == ' ' || c == '\t') return 1;
    if (prot_start(c)) return 0;
  }
  return lim == 0;
}

/* Whether c, the first character after a mark and its spaces, is
 * printable ASCII that right_han() and period_rule() read as no Chinese
 * and no quotation's end: any but '|', a table's structure.  (A quote
 * here either makes needs_work() answer yes or is one of an inert
 * quotation, inert_quotes, which is no Chinese one and holds printable
 * ASCII with something but spaces: what right_han() reads after its
 * opener is that.) */
static inline int ascii_word(uint32_t c) { return c > 0x20 && c < 0x7F && c != '|'; }

/* , ; : ? ! at i between a word and a word: "-z, --zero", "g1,g2",
 * "key:value".  width_rule() judges it by what is on its left, the word
 * (a Latin word, unprotected: CX_ALPHA, never CX_HAN), so it fires only
 * when the next word is Chinese (right_han), and here that is printable
 * ASCII right_han() reads as it is (ascii_word) after spaces and a
 * table's pipes, or the end.  (In plain text nothing else is structure
 * it could look through.)  literal_mark() wants a space before it; "?!"
 * a mark before it. */
static int inert_mark(const uint32_t *cp, size_t i, size_t end) {
  if (i == 0 || !is_ascii_alnum(cp[i - 1])) return 0;
  size_t k = i + 1;
  /* (a table row's pipes, and the spaces beside them, are structure,
   * which right_han() looks through; elsewhere a '|' is no Chinese) */
  while (k < end && (cp[k] == ' ' || cp[k] == '|')) k++;
  if (k < end && !ascii_word(cp[k])) return 0;
  return word_unprotected(cp, i);
}

/* '(' at i attached to a Latin word and closed by the first ')' after
 * it over letters, digits, '_' and '-' only: "hostnamectl(1)",
 * "printf(3p)".  Unless protected (then passed over), it pairs with that
 * ')' (no bracket between; no token can start inside, and one that covers
 * the ')' from before i covers i too), and decide_paren() takes a pair
 * attached to a Latin word with no Han inside for a call or a man
 * reference and leaves it as it is. */
static int inert_paren(const uint32_t *cp, size_t i, size_t end) {
  if (i == 0 || !is_ascii_alnum(cp[i - 1])) return 0;
  size_t k = i + 1;
  while (k < end && (is_ascii_alnum(cp[k]) || cp[k] == '_' || cp[k] == '-')) k++;
  return k < end && cp[k] == ')';
}

/* '.' at i after a Latin word or number and before a word (spaces
 * between) that is no quotation's end: a section number "12.1. 标题",
 * "v2. 然后".  (A '.' right after it makes a run, but needs_work()
 * stops at that second '.', which has no letter or digit on its left.)
 * literal_mark() wants a space before it; period_rule() reads the word
 * on the left (unprotected, so CX_ALPHA or CX_OTHER, never
 * CX_HAN) and then asks for the end of the line or of a quotation after
 * the spaces, which printable ASCII but quotes and '|' (ascii_word) or
 * a CJK ideograph is not (none of them is structure in plain text).  A
 * token reaching over cp[i - 1] from the right (an e-mail address) takes
 * the '.' too, which is then protected and passed over. */
static int inert_period(const uint32_t *cp, size_t i, size_t end) {
  if (i == 0 || !is_ascii_alnum(cp[i - 1])) return 0;
  size_t k = i + 1;
  while (k < end && cp[k] == ' ') k++;
  return k < end && (ascii_word(cp[k]) || zf_is_han(cp[k])) && word_unprotected(cp, i);
}

/* Whether protect() could find a token anywhere in the line: a
 * character one starts at (prot_start, a tab aside: clean() keeps tabs
 * unprotected), or the "w." of a "www." URL (a URL's scheme wants a
 * '/', itself one).  With none, what is protected on a plain-text line
 * is only what the format scanner leaves out of the prose: layout
 * spaces (at the line's ends) and a table's pipes with the spaces beside
 * them.  (needs_work() asks it once, at the end of a line that
 * nothing else sent through: the tests below that want it set
 * *tokens.) */
static int line_tokens(const uint32_t *cp, size_t end) {
  /* (prot_start but the tab, as a table; 2: '.', a token after "w") */
  static const uint8_t tok[128] = {
      1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
      ['`'] = 1, ['@'] = 1, ['/'] = 1, ['$'] = 1, ['<'] = 1, ['&'] = 1, ['~'] = 1, ['.'] = 2, [0x7F] = 1};
  for (size_t k = 0; k < end; k++) {
    uint32_t c = cp[k];
    unsigned t = c < 0x80 ? tok[c] : c <= 0x9F;
    if (t && (t == 1 || (k > 0 && (cp[k - 1] | 0x20) == 'w'))) return 1;
  }
  return 0;
}

/* Whether left_ctx() (punct_decide.c) at i, on a line with no token
 * (line_tokens) that needs_work() lets through, reads no Chinese
 * (CX_HAN, CX_CJKP).  On such a line every output left of i is its
 * input (each was let through), so left_ctx() reads the input: it looks
 * through spaces, closing brackets and quotes, '*' and protected runs
 * (here layout spaces and a table's pipes), and classifies the first
 * other character.  This walk looks through ' ', '\t', ')', ']', '*',
 * '|' and straight quotes whatever they are (a straight quote
 * needs_work() lets through belongs to an inert quotation, which is
 * never Chinese: no F_QCHN) and answers yes at the line's start (CX_NONE)
 * or at other printable ASCII (CX_ALPHA, CX_OTHER); at anything else
 * (a no-break space, Han, full-width punctuation) no. */
static int left_not_chinese(const uint32_t *cp, size_t i) {
  for (size_t k = i; k-- > 0;) {
    uint32_t c = cp[k];
    if (c == ' ' || c == '\t' || c == ')' || c == ']' || c == '*' || c == '|' || c == '"' ||
        c == '\'')
      continue;
    return c > 0x20 && c < 0x7F;
  }
  return 1;
}

/* '(' at i that no Latin word touches (inert_paren takes those) nor a
 * ']' (a Markdown link target, which decide_paren() protects whole),
 * with no Chinese on its left (left_not_chinese), holding printable
 * ASCII but '(' up to the first ')': "3.0 (native)", "由 %s (%s) 打包",
 * "(*)".  With no ')' after it on the line (its content reaches the
 * end, so no full-width closer follows either) it pairs with nothing and
 * decide_paren() passes it over.  Otherwise, on a
 * line with no token (so neither bracket is protected: plain text
 * protects only spaces and pipes) it pairs with that ')' (no round
 * bracket between), and decide_paren() makes the pair full-width only
 * when its content holds Chinese (it holds ASCII) or left_ctx() reads
 * Chinese (no).  The ')' is then marked done, and no
 * output changes. */
static int inert_open_paren(const uint32_t *cp, size_t i, size_t end, int *tokens) {
  if (i > 0 && (cp[i - 1] == ']' || is_ascii_alnum(cp[i - 1]))) return 0;
  /* (the walk left first: on Chinese text it answers at once) */
  if (!left_not_chinese(cp, i)) return 0;
  size_t b = i + 1;
  for (; b < end && cp[b] != ')'; b++)
    if (cp[b] < 0x20 || cp[b] > 0x7E || cp[b] == '(') return 0;
  *tokens |= b < end; /* (and the line has no token) */
  return 1;
}

/* The run of two or more '.' at [i, e) (i its first): whether
 * decide_dots() leaves it; returns e then, else i.  Two fire nothing
 * (an ellipsis wants three, the period rule one).  Three or more are
 * synopsis notation, left with their spaces kept (F_KEEPSP, which only
 * keeps spaces), after a '[' of the line's prose when the end, a space, ']' or
 * '[' follows ("[选项]...", "[<路径>...]").  Otherwise mark_chinese()
 * decides: no when left_ctx() reads no Chinese (left_not_chinese, on a
 * line with no token) and the first character before the run but
 * spaces exists and is no opener (it answers yes after a line's start,
 * an opening bracket or an opening quote when Chinese follows): here
 * printable ASCII but '(', '"' and '\''.  ("验证 %s ...") */
static size_t inert_dots(const uint32_t *cp, size_t i, size_t end, int *tokens) {
  size_t e = i;
  while (e < end && cp[e] == '.') e++;
  if (e - i == 2) return e;
  /* (clean() notes the first '[' it keeps in the common way, lbr: one
   * before any control character is, as an escape sequence that
   * clean() keeps whole starts at its ESC) */
  int lbr = 0;
  for (size_t k = 0; k < i && !lbr; k++) {
    if (cp[k] < 0x20 ? cp[k] != '\t' : cp[k] - 0x7Fu <= 0x9Fu - 0x7Fu) break;
    lbr = cp[k] == '[';
  }
  if (lbr && (e == end || cp[e] == ' ' || cp[e] == ']' || cp[e] == '[')) return e;
  size_t j = i;
  while (j > 0 && cp[j - 1] == ' ') j--;
  if (j == 0) return i;
  uint32_t b = cp[j - 1];
  if (b < 0x21 || b > 0x7E || b == '(' || b == '"' || b == '\'') return i;
  if (!left_not_chinese(cp, i)) return i;
  *tokens = 1; /* (and the line has no token) */
  return e;
}

/* Whether the ASCII , ; : ? ! ( or ) at i is inert (above).  (A ')'
 * changes only with the bracket that opens it: a '(', read here on its
 * own, or a full-width one, which needs_work() pairs with any ASCII
 * round bracket on the line.) */
static int inert_at(const uint32_t *cp, size_t i, size_t end, int *tokens) {
  uint32_t c = cp[i];
  if (c == ')') return 1;
  if (c == '(') return inert_paren(cp, i, end) || inert_open_paren(cp, i, end, tokens);
  /* (the scheme of a URL is protected with it: "https://") */
  return inert_mark(cp, i, end) || (c == ':' && zf_punct_scheme_start(cp, i, end) != i);
}

/* A quotation that holds a literal and no Chinese: '%s', 「%s」,
 * "-v".  The quote at a opens one (a straight quote not between two
 * letters: no apostrophe; or a curly or corner opener) whose own closer
 * is the next quote of any kind, over printable ASCII only (so no Han:
 * quote_chinese() reads no Chinese inside) among which one of the
 * characters quote_chinese() takes for a literal, or a '-' first.  Not
 * an apostrophe either, the closer is then paired with it by pair()
 * (straight quotes alternate; on a line whose every quote is in such a
 * pair or is a target-style one that needs_work() lets through, the
 * stack pairs them as here), and decide_quote_pair() leaves a pair that
 * is not Chinese as typed, whatever is around it.  Returns the closer's
 * index, or 0.  (needs_work() then checks that no token can cover a
 * quote of the line: quote_tokens().) */
static size_t inert_quotes(const uint32_t *cp, size_t a, size_t end) {
  uint32_t o = cp[a], want;
  switch (o) {
  case '"': case '\'': want = o; break;
  case 0x201C: case 0x2018: case 0x300C: case 0x300E: want = o + 1; break;
  default: return 0;
  }
  if (o < 0x80 && a > 0 && a + 1 < end && is_alpha(cp[a - 1]) && is_alpha(cp[a + 1])) return 0;
  int lit = a + 1 < end && cp[a + 1] == '-';
  size_t b = a + 1;
  for (; b < end && cp[b] != want; b++) {
    uint32_t c = cp[b];
    if (c < 0x20 || c > 0x7E || c == '"' || c == '\'') return 0;
    lit |= is_literal_char(c);
  }
  if (b >= end || !lit || (b + 1 < end && is_alpha(cp[b - 1]) && is_alpha(cp[b + 1]))) return 0;
  return b;
}

/* Whether a protected token could cover a quote of the line: a ${...},
 * $(...) or <tag> may hold any, a URL a straight single quote, a control
 * its escape sequence.  (A `code' span needs a '`', which needs_work()
 * never lets through with Chinese.) */
static int quote_tokens(const uint32_t *cp, size_t end) {
  for (size_t k = 0; k < end; k++) {
    uint32_t c = cp[k];
    if ((c < 0x20 && c != '\t') || (c >= 0x7F && c <= 0x9F) || c == '$' || c == '<' ||
        (c == ':' && k + 1 < end && cp[k + 1] == '/') ||
        (c == '.' && k > 0 && (cp[k - 1] | 0x20) == 'w'))
      return 1;
  }
  return 0;
}

#define NO_QUOTE ((size_t)-1)

/* Whether the quote at i (needs_work() reading plain text: sure) is one
 * of an inert quotation: the closer *qclose of the one open, or the
 * opener of a new one (*qclose its closer, *qseen set). */
static inline int quote_pass(const uint32_t *cp, size_t i, size_t end, int sure, size_t *qclose,
                             int *qseen) {
  if (!sure) return 0;
  if (i == *qclose) {
    *qclose = NO_QUOTE;
    return 1;
  }
  size_t b = inert_quotes(cp, i, end);
  if (!b) return 0;
  *qclose = b;
  *qseen = 1;
  return 1;
}

/* Whether any rule could change the body [0, end).  Most lines of clean
 * text need nothing: pure ASCII lines (no rule acts without Chinese), and
 * Chinese lines whose punctuation is already full-width and unspaced.
 * Every character some rule reads as a trigger is listed here; the tests
 * compare the output with and without this shortcut over the corpora.
 *
 * On a line this lets through, clean() changes nothing (every character
 * it removes or rewrites is listed), so w[] is the input, and every mark
 * decide() looks at is one whose rule cannot fire whatever its context,
 * or (sure: plain text, no damage) one of the inert marks above, which
 * cannot fire given the input around it; the only other edit left is
 * emit() dropping a space, which it does only next to full-width
 * punctuation (fw_at: never ASCII nor Han), and never a protected one:
 * with sure (the format scanner, given only for such a line) a space the
 * scanner will leave out of the prose (zf_fmt_layout_space: indentation,
 * a line's end, a table's pipes) is no reason to go on. */
static int needs_work(const zf_text *in, size_t end, int style, int strip, const zf_fmt *sure,
                      const zf_line_facts *lf, const uint8_t *cc) {
  /* A line of ASCII alone (the pipeline read it so and no stage has
   * changed it since: zf_stats::lf) needs nothing but the removal of its
   * controls: the loop below would only look for Chinese. */
  if (lf->valid && !lf->wide && !strip) return 0;
  const uint32_t *cp = in->cp;
  /* wide: a character that is not ASCII, as 1 (or ZF_PC_HAN in the
   * classes of the quiet ones, gathered in hanq).  The answer is whether
   * any condition below holds anywhere in the line, in whatever order it
   * is found, so the line's facts may tell at once that it has one (then
   * the first ASCII trigger answers, with no wait for its first Han). */
  unsigned wide = lf->valid && lf->wide, ascii_trigger = 0, hanq = 0;
  unsigned fwparen = 0, aparen = 0; /* a full-width / an ASCII round bracket */
  uint32_t qo = style == STYLE_CURLY ? 0x201C : 0x300C;
  int depth = 0;
  uint32_t opened = 0;
  zf_punct_runs r = {0, 0, 0};
  /* the closer of an inert quotation opened (inert_quotes), and whether
   * there was one */
  size_t qclose = NO_QUOTE;
  int qseen = 0;
  int tokens = 0; /* an inert bracket or run wants a line with no token */
  for (size_t i = 0; i < end; i++) {
    /* Letters, digits, spaces, marks no rule reads, and CJK ideographs
     * (ZF_PC_QUIET): nothing below looks at them but to note non-ASCII,
     * so their runs are passed over 64 at a time (a quiet character that
     * is not ASCII is Han: the classes read are gathered in hanq, some
     * beyond i, which may only answer sooner). */
    i = zf_punct_runs_next(&r, cc, cp, i, end, ZF_PC_QUIET, &hanq);
    if (i == end) break;
    uint32_t c = cp[i];
    wide |= hanq >> 1 & 1u; /* ZF_PC_HAN */
    if (c < 0x80) {
      if (c < 0x20) {
        if (c != '\t' && strip) return 1;
      } else if (c == 0x7F) {
        if (strip) return 1;
      } else {
        switch (c) {
        case ',': case ';': case ':': case '?': case '!': case '(': case ')':
          aparen |= c == '(' || c == ')';
          if (!sure || !inert_at(cp, i, end, &tokens)) ascii_trigger = 1;
          break;
        case '"': case '\'':
          if (!quote_pass(cp, i, end, sure != NULL, &qclose, &qseen)) ascii_trigger = 1;
          break;
        case '`':
          ascii_trigger = 1;
          break;
        case '.':
          /* A lone '.' with a letter or digit right after it ("CGI.pm",
           * "1.0", ".bashrc") fires nothing: no ellipsis (a run of one),
           * period_rule wants the end, a space, Chinese, punctuation or a
           * closing quote after it, and literal_mark a space after it. */
          if ((i == 0 || cp[i - 1] != '.') && i + 1 < end && is_ascii_alnum(cp[i + 1])) break;
          if (sure && (i == 0 || cp[i - 1] != '.') && i + 1 < end && cp[i + 1] == '.') {
            /* a run, judged whole from its first '.' (the rules do) */
            size_t e = inert_dots(cp, i, end, &tokens);
            if (e != i) {
              i = e - 1;
              break;
            }
          }
          if (!(sure && inert_period(cp, i, end))) ascii_trigger = 1;
          break;
        case '-':
          /* The dash rule takes exactly "--" whose left neighbour's output
           * is Han-like, which only a Han-like input (>= U+0080) gives:
           * "-v", "--help", "a-b" fire nothing. */
          if (i > 0 && cp[i - 1] >= 0x80 && i + 1 < end && cp[i + 1] == '-') ascii_trigger = 1;
          break;
        default:
          break;
        }
        if (wide & ascii_trigger) return 1;
      }
      continue;
    }
    if (ascii_trigger) return 1;
    wide = 1;
    /* A space next to a character that is neither ASCII nor Han may go
     * (emit() drops spaces beside full-width punctuation); spaces are
     * quiet above, so each such character looks at its neighbours.  One
     * below U+2000 is full-width punctuation neither as it is nor as any
     * rule writes it, but for U+00B7 (decide_dotlike() may make a run of
     * them ……; U+180E and controls under --controls=strip answer below):
     * a no-break space indenting a line ("\u00A0\u00A0 文字") keeps
     * the space beside it. */
    /* A curly or corner quote of an inert quotation (quote_pass) is
     * nothing more to check: its pair is not Chinese, so decide leaves
     * it and never flags it F_QCHN, and fw_at() (punct_emit.c) counts a
     * quote as full-width punctuation only with that flag: a space
     * beside it stays ("无法判断 “%s” 的"). */
    int quote = c - 0x2018u <= 0x201Du - 0x2018u || c - 0x300Cu <= 0x300Fu - 0x300Cu;
    if (quote && quote_pass(cp, i, end, sure != NULL, &qclose, &qseen)) continue;
    if (!zf_is_han(c) && (c >= 0x2000 || c == 0xB7) &&
        ((i > 0 && cp[i - 1] == ' ' && !(sure && zf_fmt_layout_space(sure, cp, end, i - 1))) ||
         (i + 1 < end && cp[i + 1] == ' ' && !(sure && zf_fmt_layout_space(sure, cp, end, i + 1)))))
      return 1;
    if (c < 0x2000) {
      if ((c <= 0x9F && strip) || (c == 0xB7 && i + 1 < end && (cp[i + 1] == 0xB7 || cp[i + 1] == ' ')) ||
          c == 0x180E)
        return 1;
    } else if (c < 0x3000) {
      if ((c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0x2014 || c == 0x2026 ||
          c == 0x2022 || c == 0x2027)
        return 1;
      if (quote && quote_needs_work(c, style, qo, &depth, &opened))
        return 1;
    } else if (c <= 0x303F) {
      if (quote && quote_needs_work(c, style, qo, &depth, &opened))
        return 1;
      if (c == 0x3000 || (c >= 0x301D && c <= 0x301F) ||
          (c == 0x3002 && i + 1 < end && (cp[i + 1] == 0x3002 || cp[i + 1] == ' ')))
        return 1;
    } else if (c == 0x30FB) {
      return 1;
    } else if (c >= 0xFEFF && c <= 0xFF65) {
      /* A full-width round bracket keeps its form (decide_paren writes
       * （ ） or nothing); of a pair only its ASCII partner may change. */
      if ((c == 0xFF08 || c == 0xFF09) && sure) {
        fwparen = 1;
        continue;
      }
      if (c == 0xFEFF || c == 0xFF02 || c == 0xFF07 || c == 0xFF08 || c == 0xFF09 ||
          c == 0xFF0D || c == 0xFF0E || (c >= 0xFF10 && c <= 0xFF19) ||
          (c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A) || c == 0xFF65)
        return 1;
    }
  }
  wide |= hanq >> 1 & 1u;
  return (wide && ascii_trigger) || (fwparen && aparen) || (qseen && quote_tokens(cp, end)) ||
         (wide && tokens && line_tokens(cp, end));
}

/* ---- the stage ----------------------------------------------------------- */


static int run(void *st, const zf_text *in, zf_text *out, zf_stats *stats) {
  zf_punct *p = st;
  size_t end = in->len;
  if (end && in->cp[end - 1] == '\n') {
    end--;
    if (end && in->cp[end - 1] == '\r') end--;
  } else if (end && in->cp[end - 1] == '\r') {
    end--;
  }
  /* (emit() reads the positions past the body in blocks) */
  if (grow(p, end + ZF_PUNCT_PAD)) return ZHFIX_E_NOMEM;
  if (!p->cc && !(p->cc = zf_punct_classes())) return ZHFIX_E_NOMEM;
  /* Whether the segment goes out as it came: a Japanese document, or (a
   * subset of a line no rule can change is one no rule can change) a
   * line no rule can change. */
  int quiet = p->japanese ||
              (p->fast && !p->spacing &&
               !needs_work(in, end, p->style, p->strip, p->text && !stats->nseg_damage ? p->fmt : NULL,
                           &stats->lf, p->cc));
  /* Only prose gets typography: the format scanner sees every segment
   * (its state runs across lines) and says which code points are prose;
   * of a line no rule can change it only needs to carry its state over,
   * which for some lines it does more cheaply (zf_fmt_skip). */
  if (quiet && zf_fmt_skip(p->fmt, in->cp, end, in->len)) return ZF_UNCHANGED;
  int prose = zf_fmt_scan(p->fmt, in->cp, end, in->len, p->prose);
  if (prose == ZF_PROSE_NONE || quiet) return ZF_UNCHANGED;
  const uint8_t *mask = prose == ZF_PROSE_SOME ? p->prose : NULL;
  if (zf_text_reserve(out, 3 * in->len + 4)) return ZHFIX_E_NOMEM;
  memcpy(p->saved, p->rule, sizeof p->rule);
  size_t n = zf_punct_clean(p, in, end, mask);
  /* Typography is for Chinese: a line whose prose holds no Chinese
   * character, or holds kana (Japanese, a kaomoji), is not touched at
   * all, not even its invisible characters, full-width letters or
   * ideographic spaces (what clean() did to them is dropped with it). */
  if (!p->chinese) {
    memcpy(p->rule, p->saved, sizeof p->rule);
    return ZF_UNCHANGED;
  }
  /* Damage an earlier stage left unrepaired stays as it is (issue 13): a
   * lost byte's '?' is not made a question mark. */
  for (size_t i = 0; stats->nseg_damage && i < n; i++)
    if (zf_stats_damaged(stats, p->wo[i])) p->fl[i] |= F_PROT;
  if (p->has & HAS_LINKISH) zf_punct_protect(p, n);
  zf_punct_pair(p, n);
  zf_punct_decide(p, n);
  zf_punct_emit(p, n, out);
  if (zf_text_append(out, in, end, in->len - end)) return ZHFIX_E_NOMEM;
  uint64_t edits = 0; /* this segment's, every rule's */
  /* (unrolled: a loop of 13 mispredicted its exit about once a line) */
#pragma GCC unroll 16
  for (int r = 0; r < ZF_PR__COUNT; r++) edits += p->rule[r] - p->saved[r];
  stats->v[ZHFIX_STAT_PUNCT_CHANGED] += edits;
  return 0;
}

const zf_stage_ops zf_stage_punct = {"punct", create, prescan, run, destroy, reuse};
