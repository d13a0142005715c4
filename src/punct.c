/*
 * Stage 4: punctuation and typography (docs/punctuation.md has the rule
 * table, the standards each rule follows and the test that pins it).
 *
 * A segment is handled in four linear passes over its body (the line
 * without its terminator, which is copied unchanged):
 *   1. clean:   drop controls, ANSI escapes, zero-width characters and
 *               stray BOMs; full-width letters and digits -> ASCII.
 *   2. mark:    protect URLs, e-mail addresses and `code`; pair brackets
 *               and quotes with stacks (straight quotes pair in order
 *               within the segment, or not at all when their count is odd).
 *   3. decide:  left to right, choose each character's output.  Tests on
 *               the left look at outputs already decided; tests on the
 *               right look only at properties no rule changes (Han or
 *               Latin, spaces skipped).  That is what makes the stage
 *               idempotent: on its own output every decision comes out
 *               the same and every rule is a no-op.
 *   4. emit:    spaces next to full-width punctuation are dropped here,
 *               once the neighbours' final forms are known; --spacing
 *               inserts its spaces here too.
 * Every look-around is bounded (LOOK code points), so the cost is linear.
 */
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "punct_rules.h"
#include "zf.h"

/* How far any rule looks left or right of a character. */
#define LOOK 96

/* STYLE_DOC (--to=keep, --quotes=auto): quotes keep the style they are
 * typed in (nesting still alternates levels within it), and straight
 * quotes take the style the document already uses most (doc_style). */
enum { STYLE_KEEP = 0, STYLE_CURLY = 1, STYLE_CORNER = 2, STYLE_DOC = 3 };

/* Per-position flags. */
enum {
  F_PROT = 1 << 0,   /* URL, e-mail, `code`, Markdown link target: untouched */
  F_QOPEN = 1 << 1,  /* a quote that opens a pair                           */
  F_QCLOSE = 1 << 2, /* a quote that closes a pair                          */
  F_QCHN = 1 << 3,   /* a quote in Chinese context                          */
  F_DONE = 1 << 4,   /* output already decided (closing half of a pair)     */
  F_SQ = 1 << 6,     /* straight quote that takes part in pairing           */
  F_INT = 1 << 7,    /* a character some rule of decide() acts on          */
  F_KEEPSP = 1 << 8, /* a mark named between spaces: its spaces stay        */
  F_FMT = 1 << 9,    /* not prose in the document's format (also F_PROT)    */
  F_WORD = 1 << 10   /* a protected token that reads as a Latin word: $VAR,
                        <placeholder>, &entity; (also F_PROT)              */
};

/* What a segment contains, so passes with nothing to do are skipped. */
enum { HAS_QUOTE = 1, HAS_PAREN = 2, HAS_LINKISH = 4 };

typedef struct punct {
  int style;   /* STYLE_*: what Chinese quotes become */
  int doc_style; /* STYLE_CURLY or STYLE_CORNER: straight quotes under STYLE_DOC */
  int spacing; /* insert spaces between Han and Latin letters/digits */
  int strip;   /* remove control characters (--controls=strip) */
  int fast;     /* take the shortcut for lines no rule can change */
  zf_fmt *fmt;  /* which code points are prose (format.h) */
  uint8_t *prose; /* the format scan's mask (scratch, like the arrays below) */
  uint64_t rule[ZF_PR__COUNT];
  uint64_t saved[ZF_PR__COUNT]; /* the counts before the current segment */
  int chinese;                 /* the segment's prose holds Chinese */
  /* Scratch, grown to the longest segment seen. */
  size_t cap;
  uint32_t *w;   /* cleaned body */
  uint64_t *wo;  /* its input offsets */
  uint32_t *o1;  /* decided output: first code point, 0 = deleted */
  uint32_t *o2;  /* second code point of a two-character output, or 0 */
  uint16_t *fl;  /* F_* */
  int32_t *mate; /* partner of a paired bracket or quote, -1 if none */
  uint32_t *han; /* han[i] = Han-like characters in w[0..i) */
  int32_t *stk;  /* pairing stack */
  unsigned has;  /* HAS_* of the current segment */
  size_t lbr;    /* index of its first ASCII '[', or SIZE_MAX */
} punct;

static const char *const rule_names[ZF_PR__COUNT] = {
    "control", "invisible", "fw_alnum",   "width",   "period",
    "paren",   "quote",     "ellipsis",   "dash",    "interpunct",
    "space",   "idspace",   "spacing"};

const char *zf_punct_rule_name(int rule) {
  return rule >= 0 && rule < ZF_PR__COUNT ? rule_names[rule] : "?";
}

void zf_punct_set_fast_path(void *st, int on) { ((punct *)st)->fast = on != 0; }

void zf_punct_rule_counts(const void *st, uint64_t counts[ZF_PR__COUNT]) {
  const punct *p = st;
  memcpy(counts, p->rule, sizeof p->rule);
}

/* ---- character classes -------------------------------------------------- */

/* Characters of Chinese (and Japanese kana) running text. */
static inline int is_hanlike(uint32_t c) {
  return zf_is_han(c) || (c >= 0x3040 && c <= 0x30FF && c != 0x30FB) ||
         c == 0x3005 || c == 0x3007 || (c >= 0x3100 && c <= 0x312F) ||
         (c >= 0x31A0 && c <= 0x31FF);
}

/* Full-width (CJK) punctuation, by code point. */
static inline int is_cjk_punct(uint32_t c) {
  return (c >= 0x3001 && c <= 0x3003) || (c >= 0x3008 && c <= 0x3011) ||
         (c >= 0x3014 && c <= 0x301F) || (c >= 0xFF01 && c <= 0xFF0F) ||
         (c >= 0xFF1A && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40) ||
         (c >= 0xFF5B && c <= 0xFF65) || (c >= 0xFE10 && c <= 0xFE19) ||
         (c >= 0xFE30 && c <= 0xFE4F);
}

static inline int is_ascii_alnum(uint32_t c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* Letters and digits of alphabetic scripts (Latin, Greek, Cyrillic...). */
static inline int is_alpha(uint32_t c) {
  return is_ascii_alnum(c) ||
         (c >= 0xC0 && c < 0x2000 && c != 0xD7 && c != 0xF7);
}

static inline int is_space(uint32_t c) { return c == ' ' || c == 0x3000; }

static inline int is_quote_char(uint32_t c) {
  switch (c) {
  case '"': case '\'': case 0xFF02: case 0xFF07:
  case 0x201C: case 0x201D: case 0x2018: case 0x2019:
  case 0x300C: case 0x300D: case 0x300E: case 0x300F:
  case 0x301D: case 0x301E: case 0x301F:
    return 1;
  default:
    return 0;
  }
}

static inline int is_curly_open(uint32_t c) {
  return c == 0x201C || c == 0x2018 || c == 0x300C || c == 0x300E || c == 0x301D;
}
static inline int is_curly_close(uint32_t c) {
  return c == 0x201D || c == 0x2019 || c == 0x300D || c == 0x300F ||
         c == 0x301E || c == 0x301F;
}
/* Quote level a curly or corner quote stands for: 0 double, 1 single. */
static inline int quote_level(uint32_t c) {
  return c == 0x2018 || c == 0x2019 || c == 0x300E || c == 0x300F;
}

/* Closing brackets other than quotes. */
static inline int is_bracket_close(uint32_t c) {
  switch (c) {
  case ')': case 0xFF09: case 0x3009: case 0x300B: case 0x3011: case 0x3015:
  case 0x3017: case 0x3019: case 0x301B: case 0xFF3D: case 0xFF5D:
    return 1;
  default:
    return 0;
  }
}
static inline int is_bracket_open(uint32_t c) {
  switch (c) {
  case '(': case 0xFF08: case 0x3008: case 0x300A: case 0x3010: case 0x3014:
  case 0x3016: case 0x3018: case 0x301A: case 0xFF3B: case 0xFF5B:
    return 1;
  default:
    return 0;
  }
}

static const uint32_t quote_out[3][2][2] = {
    {{0, 0}, {0, 0}},
    {{0x201C, 0x201D}, {0x2018, 0x2019}}, /* “ ” ‘ ’ */
    {{0x300C, 0x300D}, {0x300E, 0x300F}}, /* 「 」 『 』 */
};

/* Interpunct variants, also typed in runs as an ellipsis. */
static inline int is_dotlike(uint32_t c) {
  return c == 0xB7 || c == 0x30FB || c == 0x2027 || c == 0xFF65 || c == 0x2022;
}

/* ---- state --------------------------------------------------------------- */

static int create(void **st, const zf_opts *o) {
  *st = NULL;
  if (!o->punct) return 0;
  punct *p = calloc(1, sizeof *p);
  if (!p) return ZHFIX_E_NOMEM;
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
  if (zf_fmt_new(&p->fmt, o->format)) {
    free(p);
    return ZHFIX_E_NOMEM;
  }
  *st = p;
  return 0;
}

/* The document's own quote style, from the detection window: corner
 * brackets against curly quotes next to Chinese; a tie keeps the
 * region's. */
static void prescan(void *st, const zf_text *win) {
  punct *p = st;
  size_t corner = 0, curly = 0;
  for (size_t i = 0; i < win->len; i++) {
    uint32_t c = win->cp[i];
    if (c >= 0x300C && c <= 0x300F) {
      corner++;
    } else if (c >= 0x2018 && c <= 0x201D && c != 0x201A && c != 0x201B) {
      int han = (i > 0 && is_hanlike(win->cp[i - 1])) ||
                (i + 1 < win->len && is_hanlike(win->cp[i + 1]));
      curly += (size_t)han;
    }
  }
  if (corner > curly) p->doc_style = STYLE_CORNER;
  else if (curly > corner) p->doc_style = STYLE_CURLY;
}

static void destroy(void *st) {
  punct *p = st;
  zf_fmt_free(p->fmt);
  free(p->prose);
  free(p->w);
  free(p->wo);
  free(p->o1);
  free(p->o2);
  free(p->fl);
  free(p->mate);
  free(p->han);
  free(p->stk);
  free(p);
}

static int grow(punct *p, size_t n) {
  if (n <= p->cap) return 0;
  size_t cap = p->cap ? p->cap : 256;
  while (cap < n) cap *= 2;
#define G(f)                                                                  \
  do {                                                                        \
    void *q = realloc(p->f, cap * sizeof *p->f);                              \
    if (!q) return -1;                                                        \
    p->f = q;                                                                 \
  } while (0)
  G(w);
  G(wo);
  G(o1);
  G(o2);
  G(fl);
  G(mate);
  G(stk);
  G(prose);
#undef G
  void *q = realloc(p->han, (cap + 1) * sizeof *p->han);
  if (!q) return -1;
  p->han = q;
  p->cap = cap;
  return 0;
}

/* ---- pass 1: clean ------------------------------------------------------- */

/* Zero-width joiners matter inside emoji sequences and in scripts that use
 * them; they are only noise next to Chinese or ASCII. */
static inline int joins(uint32_t c) {
  /* Letters of scripts that use joiners, emoji and variation selectors;
   * not punctuation or spaces, which this stage may itself change. */
  /* (the symbols and dingbats that emoji ZWJ sequences end in, ♀ ♂ ⚕ ❤
   * ➡, are letters here) */
  if (c >= 0x2300 && c <= 0x2BFF && !(c >= 0x2460 && c <= 0x25FF)) return 1;
  return c >= 0x300 && c != 0xFEFF && !(c >= 0x2000 && c <= 0x2BFF) && !(c >= 0x2E00 && c <= 0x33FF) &&
         !(c >= 0xFF00 && c <= 0xFFEF) && !is_hanlike(c);
}

static int joiner_wanted(const zf_text *in, size_t i, size_t end) {
  return i > 0 && i + 1 < end && joins(in->cp[i - 1]) && joins(in->cp[i + 1]);
}

/* Flags and HAS_ bits clean() gives each ASCII character (the switch
 * below, as a table). */
static const uint8_t ascii_class[128] = {
    ['"'] = F_INT | HAS_QUOTE,   ['\''] = F_INT | HAS_QUOTE, ['('] = F_INT | HAS_PAREN,
    [')'] = F_INT | HAS_PAREN,   [':'] = F_INT | HAS_LINKISH, ['.'] = F_INT | HAS_LINKISH,
    ['`'] = F_INT | HAS_LINKISH, ['@'] = HAS_LINKISH,         ['/'] = HAS_LINKISH,
    ['$'] = HAS_LINKISH,         ['<'] = HAS_LINKISH,         ['&'] = HAS_LINKISH,
    [','] = F_INT,               [';'] = F_INT,               ['?'] = F_INT,
    ['!'] = F_INT,               ['-'] = F_INT};

/* Copies cp[i] as it is and protected (F_PROT, plus F_FMT when the
 * format says it is not prose). */
#define KEEP_AS_IS(flags)                                                     \
  do {                                                                        \
    w[n] = c;                                                                 \
    wo[n] = off[i];                                                           \
    o1[n] = c;                                                                \
    o2[n] = 0;                                                                \
    mate[n] = -1;                                                             \
    fl[n] = (uint16_t)(flags);                                                \
    han[n + 1] = han[n] + (uint32_t)(c >= 0x3005 && is_hanlike(c));           \
    n++;                                                                      \
  } while (0)

/* mask: NULL when the whole body is prose, else prose[i] per position. */
static size_t clean(punct *p, const zf_text *in, size_t end, const uint8_t *mask) {
  /* The arrays and the HAS_ / '[' state in locals: stores through the
   * uint32_t and uint64_t arrays could otherwise alias p's own fields, and
   * the compiler would reload them after every store. */
  const uint32_t *cp = in->cp;
  const uint64_t *off = in->off;
  uint32_t *w = p->w, *o1 = p->o1, *o2 = p->o2, *han = p->han;
  uint64_t *wo = p->wo;
  int32_t *mate = p->mate;
  uint16_t *fl = p->fl;
  unsigned has = 0;
  size_t lbr = SIZE_MAX;
  size_t n = 0;
  uint32_t han_all = 0; /* Han-like code points of the prose */
  han[0] = 0;
  for (size_t i = 0; i < end; i++) {
    uint32_t c = cp[i];
    if (mask && !mask[i]) {
      KEEP_AS_IS(F_PROT | F_FMT);
      continue;
    }
    if ((c - 0x20u < 0x7Fu - 0x20u) | (c - 0x4E00u <= 0x9FFFu - 0x4E00u)) {
      /* The common cases, printable ASCII and CJK Unified Ideographs,
       * under one branch that text mixing the two does not mispredict:
       * none of the removals or rewrites below applies to them, and what
       * the general path gives is their ascii_class entry (ASCII) or no
       * flag and one more Han-like character (ideographs). */
      unsigned a = c < 0x80;
      unsigned t = ascii_class[c & 0x7F] & -a;
      w[n] = c;
      wo[n] = off[i];
      o1[n] = c;
      o2[n] = 0;
      mate[n] = -1;
      fl[n] = (uint16_t)(t & F_INT);
      has |= t & (HAS_QUOTE | HAS_PAREN | HAS_LINKISH);
      if (c == '[' && lbr == SIZE_MAX) lbr = n;
      han[n + 1] = han[n] + (1u - a);
      han_all += 1u - a;
      n++;
      continue;
    }
    if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
      if (c == '\t') goto keep;
      size_t j = i;
      if (c == 0x1B && i + 1 < end && cp[i + 1] == '[') {
        /* CSI escape (terminal colours): one unit, or the "[33m" that
         * would remain on its own is worse than the escape. */
        size_t k = i + 2;
        while (k < end && k < i + 34 && cp[k] >= 0x20 && cp[k] <= 0x3F) k++;
        if (k < end && cp[k] >= 0x40 && cp[k] <= 0x7E) j = k;
      }
      if (!p->strip) {
        /* Kept (form feeds, BEL delimiters, colours are content), and
         * looked through like any protected token. */
        for (; i <= j; i++) {
          c = cp[i];
          KEEP_AS_IS(F_PROT);
        }
        i--;
        continue;
      }
      i = j;
      p->rule[ZF_PR_CONTROL]++;
      continue;
    }
    if (c == 0x200B || c == 0x2060 || c == 0xFEFF || c == 0x180E ||
        ((c == 0x200C || c == 0x200D) && !joiner_wanted(in, i, end))) {
      p->rule[ZF_PR_INVISIBLE]++;
      continue;
    }
    if ((c >= 0xFF10 && c <= 0xFF19) || (c >= 0xFF21 && c <= 0xFF3A) ||
        (c >= 0xFF41 && c <= 0xFF5A)) {
      c -= 0xFEE0;
      p->rule[ZF_PR_FW_ALNUM]++;
    }
  keep:
    w[n] = c;
    wo[n] = off[i];
    o1[n] = c;
    o2[n] = 0;
    mate[n] = -1;
    uint16_t f = 0;
    if (c < 0x80) {
      switch (c) {
      case '"': case '\'': has |= HAS_QUOTE; f = F_INT; break;
      case '(': case ')': has |= HAS_PAREN; f = F_INT; break;
      case ':': case '.': case '`': has |= HAS_LINKISH; f = F_INT; break;
      case '@': case '/': has |= HAS_LINKISH; break;
      case '[': if (lbr == SIZE_MAX) lbr = n; break;
      case ',': case ';': case '?': case '!': case '-': f = F_INT; break;
      default: break;
      }
    } else if (is_quote_char(c)) {
      has |= HAS_QUOTE;
      f = F_INT;
    } else if (c == 0xFF08 || c == 0xFF09) {
      has |= HAS_PAREN;
      f = F_INT;
    } else if (c == 0x3002 || c == 0xFF0E || c == 0xFF0D || c == 0x2014 || c == 0x2026 ||
               is_dotlike(c)) {
      f = F_INT;
    }
    fl[n] = f;
    /* (nothing below U+3005 is Han-like) */
    han[n + 1] = han[n] + (uint32_t)(c >= 0x3005 && is_hanlike(c));
    han_all += han[n + 1] - han[n];
    n++;
  }
  p->chinese = han_all > 0;
  p->has = has;
  p->lbr = lbr;
  return n;
}

/* ---- pass 2: mark -------------------------------------------------------- */

/* Characters of a URL: printable ASCII but quotes and angle brackets,
 * and any other character but spaces, CJK and full-width punctuation,
 * curly quotes, ellipses and dashes (an IRI: https://zh.wikipedia.org/
 * wiki/北京?variant=zh-cn). */
static inline int url_char(uint32_t c) {
  if (c < 0x80) return c > 0x20 && c < 0x7F && c != '"' && c != '<' && c != '>' && c != '`';
  return !(c <= 0xA0 || (c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F) ||
           (c >= 0xFE10 && c <= 0xFE6F) || (c >= 0xFF00 && c <= 0xFF0F) ||
           (c >= 0xFF1A && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40) ||
           (c >= 0xFF5B && c <= 0xFF65) || c == 0xFEFF);
}

/* The end of a URL whose characters go on from i: at a character no URL
 * has, or at a closing bracket it did not open ("（见 https://a.org/文)"
 * or prose glued to it: ".../unix/处获得)格式"). */
static size_t url_end(const uint32_t *w, size_t i, size_t n) {
  int paren = 0, square = 0;
  for (; i < n && url_char(w[i]); i++) {
    uint32_t c = w[i];
    /* A mark between two Chinese characters is the sentence's, not the
     * URL's: ".../unix/处获得(免费)文件,然后". */
    if ((c == ',' || c == ';' || c == '!' || c == '(' || c == ')') && i + 1 < n &&
        is_hanlike(w[i - 1]) && is_hanlike(w[i + 1]))
      break;
    if (c == '(') paren++;
    else if (c == ')' && --paren < 0) break;
    else if (c == '[') square++;
    else if (c == ']' && --square < 0) break;
  }
  return i;
}

/* After a URL that ends at e, the space that ends the word it is in:
 * linkifiers (GFM autolinks, terminals, chat) take a bare URL up to the
 * next space, so that space must stay even when full-width punctuation
 * was typed between ("访问http://a.org:4000， 详细内容"). */
static void keep_url_delimiter(punct *p, size_t e, size_t n) {
  size_t k = e, lim = e + LOOK < n ? e + LOOK : n;
  while (k < lim && !is_space(p->w[k]) && p->w[k] != '\t') k++;
  if (k < lim) p->fl[k] |= F_PROT;
}

/* Marks [s, e) protected after trimming the sentence punctuation that
 * usually follows a URL or address rather than belonging to it.  After a
 * URL (keep_trail) that punctuation stays as typed as well: it may be the
 * URL's own last character, and a reader copies the URL up to it. */
static size_t protect_span(punct *p, size_t s, size_t e, int keep_trail) {
  size_t full = e;
  for (;;) {
    uint32_t c = p->w[e - 1];
    if (e > s + 1 && (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' ||
                      c == '?' || c == '\'' || c == '"'))
      e--;
    else if (e > s + 1 && c == ')') {
      int bal = 0;
      for (size_t k = s; k < e; k++) bal += (p->w[k] == '(') - (p->w[k] == ')');
      if (bal >= 0) break;
      e--;
    } else
      break;
  }
  if (keep_trail) e = full;
  for (size_t k = s; k < e; k++) p->fl[k] |= F_PROT;
  return e;
}

/* A token that stands for a word: protected, and a Latin word to the
 * rules that look at it. */
static void protect_word(punct *p, size_t s, size_t e) {
  for (size_t k = s; k < e; k++) p->fl[k] |= F_PROT | F_WORD;
}

/* The characters a protected span is recognised at in mark_protected. */
static const uint8_t span_start[128] = {[':'] = 1, ['w'] = 1, ['W'] = 1, ['@'] = 1,
                                        ['/'] = 1, ['~'] = 1, ['`'] = 1, ['$'] = 1,
                                        ['<'] = 1, ['&'] = 1};

static void mark_protected(punct *p, size_t n) {
  uint32_t *w = p->w;
  for (size_t i = 0; i < n; i++) {
    uint32_t c = w[i];
    /* (one predictable test for the many characters that start nothing) */
    if (!((unsigned)(c < 0x80) & span_start[c & 0x7F])) continue;
    if (p->fl[i] & F_PROT) continue;
    if (c == ':' && i + 2 < n && w[i + 1] == '/' && w[i + 2] == '/') {
      size_t s = i;
      while (s > 0 && i - s < LOOK &&
             (is_ascii_alnum(w[s - 1]) || w[s - 1] == '+' || w[s - 1] == '-'))
        s--;
      if (s < i && ((w[s] | 0x20) >= 'a' && (w[s] | 0x20) <= 'z')) {
        size_t e = url_end(w, i + 3, n);
        e = protect_span(p, s, e, 1);
        keep_url_delimiter(p, e, n);
        i = e - 1;
      }
    } else if ((c == 'w' || c == 'W') && i + 4 < n && (w[i + 1] | 0x20) == 'w' &&
               (w[i + 2] | 0x20) == 'w' && w[i + 3] == '.' &&
               is_ascii_alnum(w[i + 4]) && (i == 0 || !is_ascii_alnum(w[i - 1]))) {
      size_t e = url_end(w, i + 4, n);
      e = protect_span(p, i, e, 1);
      keep_url_delimiter(p, e, n);
      i = e - 1;
    } else if (c == '@' && i > 0 && i + 1 < n && is_ascii_alnum(w[i - 1]) &&
               is_ascii_alnum(w[i + 1])) {
      size_t s = i;
      while (s > 0 && i - s < LOOK &&
             (is_ascii_alnum(w[s - 1]) || w[s - 1] == '.' || w[s - 1] == '_' ||
              w[s - 1] == '%' || w[s - 1] == '+' || w[s - 1] == '-'))
        s--;
      size_t e = i + 1;
      while (e < n && (is_ascii_alnum(w[e]) || w[e] == '.' || w[e] == '-')) e++;
      int dot = 0;
      for (size_t k = i + 1; k < e; k++) dot |= w[k] == '.';
      if (dot) i = protect_span(p, s, e, 0) - 1;
    } else if ((c == '/' || (c == '~' && i + 1 < n && w[i + 1] == '/')) &&
               (i == 0 || !(is_ascii_alnum(w[i - 1]) || w[i - 1] == 0x2026 ||
                            (w[i - 1] < 0x80 && strchr("._/~+-@%=", (int)w[i - 1])))) &&
               i + 2 < n && (is_ascii_alnum(w[i + 1]) || w[i + 1] == '.' || w[i + 1] == '_' ||
                             w[i + 1] == '/')) {
      /* A file path: /usr/share/x.conf, ~/.config (not 文/观察者网). */
      size_t e = i + 1;
      while (e < n && w[e] > 0x20 && w[e] < 0x7F &&
             (is_ascii_alnum(w[e]) || strchr("._/~+-@%:=", (int)w[e]) != NULL))
        e++;
      /* (only if something path-like is left once trailing sentence
       * punctuation is taken off: "/..." is no path) */
      size_t t = e;
      while (t > i && strchr(".,;:!?", (int)w[t - 1])) t--;
      int alnum = 0;
      for (size_t k = i; k < t; k++) alnum |= is_ascii_alnum(w[k]);
      if (e - i >= 3 && alnum) i = protect_span(p, i, e, 0) - 1;
    } else if (c == '`') {
      /* `code` (Markdown) or `code' (GNU/TeX quoting): whichever closer
       * comes first within reach. */
      size_t e = i + 1, lim = i + LOOK < n ? i + LOOK : n;
      while (e < lim && w[e] != '`' && w[e] != '\'') e++;
      if (e < lim) {
        for (size_t k = i; k <= e; k++) p->fl[k] |= F_PROT;
        i = e;
      }
    } else if (c == '$' && i + 1 < n) {
      /* Shell and template variables: $HOME, ${PREFIX}/bin, $(pwd). */
      uint32_t d = w[i + 1];
      size_t e = i;
      if (d == '{' || d == '(') {
        uint32_t cl = d == '{' ? '}' : ')';
        size_t lim = i + LOOK < n ? i + LOOK : n;
        int depth = 0;
        for (size_t k = i + 1; k < lim; k++) {
          if (w[k] == d) depth++;
          else if (w[k] == cl && --depth == 0) {
            e = k + 1;
            break;
          }
        }
      } else if (((d | 0x20) >= 'a' && (d | 0x20) <= 'z') || d == '_') {
        e = i + 1;
        while (e < n && (is_ascii_alnum(w[e]) || w[e] == '_')) e++;
      }
      if (e > i) {
        protect_word(p, i, e);
        i = e - 1;
      }
    } else if (c == '<' && i + 1 < n &&
               (((w[i + 1] | 0x20) >= 'a' && (w[i + 1] | 0x20) <= 'z') ||
                ((w[i + 1] == '/' || w[i + 1] == '!') && i + 2 < n && w[i + 2] < 0x80))) {
      /* An HTML or XML tag in text, attributes and all:
       * <a title="Debian 参考手册">. */
      size_t lim = i + 512 < n ? i + 512 : n, k = i + 1;
      while (k < lim && w[k] != '>' && w[k] != '<') k++;
      if (k < lim && w[k] == '>') {
        protect_word(p, i, k + 1);
        i = k;
      }
    } else if (c == '&') {
      /* A character reference: &nbsp; &#20013; &#x4e2d; */
      size_t k = i + 1;
      if (k < n && w[k] == '#') {
        k++;
        if (k < n && (w[k] | 0x20) == 'x') k++;
      }
      size_t st = k;
      while (k < n && k - st < 32 && is_ascii_alnum(w[k])) k++;
      if (k > st && k < n && w[k] == ';') {
        protect_word(p, i, k + 1);
        i = k;
      }
    }
  }
}

static inline int is_dq(uint32_t c) { return c == '"' || c == 0xFF02; }

/* A quote between two letters or digits is an apostrophe (it's), a
 * measure (5'10") or noise, never a quotation mark. */
static inline int apostrophe_at(const punct *p, size_t n, size_t i) {
  /* (a letter that is markup, such as troff's \fI, is no letter) */
  return i > 0 && i + 1 < n && is_alpha(p->w[i - 1]) && is_alpha(p->w[i + 1]) &&
         !(p->fl[i - 1] & F_FMT) && !(p->fl[i + 1] & F_FMT);
}
#define apostrophe(w, n, i) apostrophe_at(p, n, i)

/* Pairs the quotes flagged F_QOPEN / F_QCLOSE in [0, n) innermost first,
 * all kinds in one stack (mate[] both ways). */
static void pair_quotes(punct *p, size_t n) {
  const uint16_t *fl = p->fl;
  int32_t *mate = p->mate;
  size_t top = 0;
  for (size_t i = 0; i < n; i++) {
    if (fl[i] & F_QOPEN) {
      p->stk[top++] = (int32_t)i;
    } else if ((fl[i] & F_QCLOSE) && top) {
      int32_t o = p->stk[--top];
      mate[o] = (int32_t)i;
      mate[i] = o;
    }
  }
}

static void pair(punct *p, size_t n) {
  uint32_t *w = p->w;
  uint16_t *fl = p->fl;
  int32_t *mate = p->mate;
  size_t top = 0;
  if (p->has & HAS_QUOTE) {
    /* Straight quotes: their direction is only known by counting, so they
     * alternate open/close within the segment when their count is even
     * and are left alone otherwise. */
    size_t nd = 0, ns = 0;
    for (size_t i = 0; i < n; i++) {
      if ((fl[i] & (F_INT | F_PROT)) != F_INT) continue;
      if ((w[i] == '"' || w[i] == 0xFF02) && !apostrophe(w, n, i)) nd++;
      else if ((w[i] == '\'' || w[i] == 0xFF07) && !apostrophe(w, n, i)) ns++;
    }
    size_t kd = 0, ks = 0;
    for (size_t i = 0; i < n; i++) {
      if ((fl[i] & (F_INT | F_PROT)) != F_INT) continue;
      uint32_t c = w[i];
      if ((c == '"' || c == 0xFF02) && nd % 2 == 0 && !apostrophe(w, n, i)) {
        fl[i] |= F_SQ | (kd++ % 2 ? F_QCLOSE : F_QOPEN);
      } else if ((c == '\'' || c == 0xFF07) && ns % 2 == 0 && !apostrophe(w, n, i)) {
        fl[i] |= F_SQ | (ks++ % 2 ? F_QCLOSE : F_QOPEN);
      } else if (is_curly_open(c)) {
        fl[i] |= F_QOPEN;
      } else if (is_curly_close(c) && !apostrophe(w, n, i)) {
        /* (any closer between two letters: once written as ’ it would
         * read as an apostrophe) */
        fl[i] |= F_QCLOSE;
      }
    }
    /* Quotes of every kind nest in one stack, so “a ‘b’ c” pairs as
     * written and a mismatched kind still closes the innermost open one. */
    pair_quotes(p, n);
    /* Straight quotes must pair with each other, in order; if one pairs
     * with a curly quote instead (they cross: “a"b”c"), their direction was
     * a wrong guess, and all of them are left alone.  Curly quotes, whose
     * direction is written, pair again without them. */
    int crossed = 0;
    for (size_t i = 0; i < n && !crossed; i++)
      if ((fl[i] & F_SQ) && (mate[i] < 0 || !(fl[mate[i]] & F_SQ) ||
                             is_dq(w[i]) != is_dq(w[mate[i]])))
        crossed = 1;
    if (crossed) {
      for (size_t i = 0; i < n; i++) {
        if (fl[i] & F_SQ) fl[i] &= (uint16_t)~(F_SQ | F_QOPEN | F_QCLOSE);
        if (fl[i] & (F_QOPEN | F_QCLOSE)) mate[i] = -1;
      }
      pair_quotes(p, n);
    }
  }
  if (p->has & HAS_PAREN) {
    /* Round brackets, ASCII or full-width, in their own stack. */
    top = 0;
    for (size_t i = 0; i < n; i++) {
      if ((fl[i] & (F_INT | F_PROT)) != F_INT) continue;
      if (w[i] == '(' || w[i] == 0xFF08) {
        p->stk[top++] = (int32_t)i;
      } else if ((w[i] == ')' || w[i] == 0xFF09) && top) {
        int32_t o = p->stk[--top];
        mate[o] = (int32_t)i;
        mate[i] = o;
      }
    }
  }
}

/* ---- pass 3: decide ------------------------------------------------------ */

enum { CX_NONE, CX_HAN, CX_CJKP, CX_ALPHA, CX_OTHER };

static inline uint32_t last_out(const punct *p, size_t j) {
  return p->o2[j] ? p->o2[j] : p->o1[j];
}

/* Whether an output … or — at j belongs to a doubled Chinese mark. */
static int doubled(const punct *p, size_t n, size_t j) {
  uint32_t c = p->o1[j];
  if (p->o2[j] == c) return 1;
  /* (spaces between the two go on output, so they are looked through) */
  size_t k = j;
  while (k > 0 && (last_out(p, k - 1) == 0 || is_space(last_out(p, k - 1)))) k--;
  if (k > 0 && last_out(p, k - 1) == c) return 1;
  k = j + 1;
  while (k < n && (p->o1[k] == 0 || is_space(p->o1[k]))) k++;
  return k < n && p->o1[k] == c;
}

static int classify(const punct *p, size_t n, size_t j) {
  uint32_t c = last_out(p, j);
  if (is_hanlike(c)) return CX_HAN;
  if (is_cjk_punct(c) && !is_bracket_open(c) && c != 0x300C && c != 0x300E)
    return CX_CJKP;
  if ((c == 0x2026 || c == 0x2014) && doubled(p, n, j)) return CX_CJKP;
  if (is_alpha(c)) return CX_ALPHA;
  return CX_OTHER;
}

/* Context on the left of i, from decided outputs: spaces, closing brackets
 * and quotes, and Markdown emphasis are looked through, so "（见上文）," is
 * judged by 文 whether or not its brackets were converted yet. */
static int left_ctx(const punct *p, size_t n, size_t i, int skip_space) {
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
    uint32_t c = last_out(p, j);
    if (c == 0) continue;
    if (skip_space && is_space(c)) continue;
    /* A closing bracket or quote that is Chinese punctuation ends Chinese
     * text; other closers are looked through. */
    if (((p->fl[j] & F_QCHN) && (p->fl[j] & F_QCLOSE)) ||
        (is_cjk_punct(c) && is_bracket_close(c)) || c == 0x300D || c == 0x300F)
      return CX_HAN;
    if (is_bracket_close(c) || is_curly_close(c) || (p->fl[j] & F_QCLOSE) ||
        c == '*' || c == '`' || c == ']')
      continue;
    return classify(p, n, j);
  }
  return CX_NONE;
}

/* Whether the next word after position i (spaces and opening quotes
 * skipped) is Chinese; reads input characters, whose Han-ness no rule
 * changes. */
static int right_han(const punct *p, size_t n, size_t i) {
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
static int english_before(const punct *p, size_t n, size_t i) {
  size_t lim = i > LOOK ? i - LOOK : 0;
  int gaps = 0, seen = 0, inspace = 0;
  for (size_t j = i; j-- > lim;) {
    uint32_t c = last_out(p, j);
    if (c == 0) continue;
    if (is_hanlike(c) || is_cjk_punct(c)) return gaps >= 2;
    if (c == ' ') {
      inspace = 1;
      continue;
    }
    if (inspace && seen) gaps++;
    inspace = 0;
    seen = 1;
    if ((c == ',' || c == '.' || c == ';' || c == ':' || c == '!' || c == '?') &&
        j + 1 < n && p->w[j + 1] == ' ')
      return 1;
    if (gaps >= 2) return 1;
  }
  return i > LOOK;
}

static uint32_t fullwidth_of(uint32_t c) {
  switch (c) {
  case ',': return 0xFF0C;
  case ';': return 0xFF1B;
  case ':': return 0xFF1A;
  case '?': return 0xFF1F;
  case '!': return 0xFF01;
  default: return c;
  }
}

/* , ; : ? ! -> full width: after Chinese, or after a Latin word that a
 * Chinese word follows (unless the Latin is an English phrase). */
/* A mark with spaces on both sides is being named ("冒号 : 分隔") or
 * lists a term ("wins : 说明"); a ? or ! after a space that leans on the
 * word after it is syntax (Tcl's " ?arg?", the shell's " !event").  Such
 * marks stay, and so do their spaces. */
static int literal_mark(const punct *p, size_t n, size_t i) {
  if (i == 0 || !is_space(p->w[i - 1])) return 0;
  if (i + 1 >= n || is_space(p->w[i + 1])) return 1;
  return p->w[i] == '?' || p->w[i] == '!';
}

static int width_rule(const punct *p, size_t n, size_t i) {
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
static int period_rule(const punct *p, size_t n, size_t i) {
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
    return k > 0 && is_hanlike(last_out(p, k - 1));
  }
  if (i + 1 >= n) return 1;
  /* ".。" and ".…" are no sentence end (and 。。。 may become ……) */
  if (d == 0x3002 || d == 0xFF0E || d == 0x2026) return 0;
  /* Every character accepted here is accepted in the form a rule may turn
   * it into, and the other way round ("(" and "（"), for idempotence. */
  return d == ' ' || d == '\t' || d == 0x3000 || d == 0xA0 || is_hanlike(d) ||
         is_cjk_punct(d) || is_quote_char(d) || d == '(' || d == ')' || d == ',' ||
         d == ';' || d == ':' || d == '?' || d == '!';
}

/* An ellipsis or dash run at [i, e) is Chinese when Chinese precedes it,
 * or when Chinese follows and no Latin word is attached to its left. */
static int mark_chinese(const punct *p, size_t n, size_t i, size_t e, int need_right) {
  int cx = left_ctx(p, n, i, 1);
  int right = right_han(p, n, e);
  if (need_right) return (cx == CX_HAN || cx == CX_CJKP) && right;
  if (cx == CX_HAN || cx == CX_CJKP) return 1;
  if (!right) return 0;
  /* Only Chinese on the right: an ellipsis opening the line or a quote;
   * after anything else ("[选项]... 目录") it is syntax. */
  size_t j = i;
  while (j > 0 && (is_space(last_out(p, j - 1)) || last_out(p, j - 1) == 0)) j--;
  if (j == 0) return 1;
  uint32_t b = last_out(p, j - 1);
  return is_curly_open(b) || (p->fl[j - 1] & F_QOPEN) || is_bracket_open(b);
}

/* Quote pair (or lone curly quote) context: Chinese inside, or Chinese
 * next to it outside (spaces and other quotes looked through, so that
 * dropping spaces on output changes nothing here); but a quoted literal
 * with no Chinese inside ('Accept: gzip', ":", '-v') stays as typed. */
static int quote_chinese(const punct *p, size_t n, size_t open, size_t close) {
  if (close > open) {
    if (p->han[close] - p->han[open + 1] > 0) return 1;
    for (size_t k = open + 1; k < close; k++) {
      uint32_t c = p->w[k];
      if ((c < 0x80 && c && strchr(":/=;{}<>$\\|%&*#@^~[]", (int)c)) || c == 0xFF1A ||
          c == 0xFF1B ||
          (k == open + 1 && c == '-'))
        return 0;
    }
  }
  size_t lim = open > LOOK ? open - LOOK : 0;
  for (size_t j = open; j-- > lim;) {
    uint32_t c = last_out(p, j);
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

static void set_out(punct *p, size_t i, uint32_t c, int rule) {
  if (p->o1[i] != c) {
    p->o1[i] = c;
    p->rule[rule]++;
  }
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

/* The style a quote takes: the stage's, or under STYLE_DOC the family it
 * is typed in (straight quotes: the document's). */
static int qstyle(const punct *p, uint32_t c) {
  if (p->style != STYLE_DOC) return p->style;
  if (c >= 0x2018 && c <= 0x201D) return STYLE_CURLY;
  if (c >= 0x300C && c <= 0x300F) return STYLE_CORNER;
  return p->doc_style;
}

static void decide(punct *p, size_t n) {
  uint32_t *w = p->w;
  uint16_t *fl = p->fl;
  /* Open quote pairs, innermost last: (closer << 2) | inherited, where
   * inherited is 0 outside any Chinese quote, else 1 + the level of the
   * innermost Chinese quote. */
  size_t qtop = 0;
  for (size_t i = 0; i < n; i++) {
    while (qtop && (p->stk[qtop - 1] >> 2) <= (int32_t)i) qtop--;
    if ((fl[i] & (F_INT | F_PROT | F_DONE)) != F_INT) continue;
    uint32_t c = w[i];
    switch (c) {
    case ',': case ';': case ':': case '?': case '!':
      if (literal_mark(p, n, i)) fl[i] |= F_KEEPSP;
      else if (width_rule(p, n, i)) set_out(p, i, fullwidth_of(c), ZF_PR_WIDTH);
      break;
    case '.': case 0x3002: case 0xFF0E: {
      size_t r, e = run_end(w, n, i, &r);
      /* Synopsis notation repeats an argument with "...": "[选项]... 文件...". */
      int synopsis = c == '.' && r >= 3 && p->lbr < i &&
                     (e >= n || w[e] == ' ' || w[e] == ']' || w[e] == '[');
      if (synopsis)
        for (size_t k = i; k < e; k++) fl[k] |= F_KEEPSP;
      if (r >= 3 && !synopsis && (c == 0x3002 || mark_chinese(p, n, i, e, 0))) {
        p->o1[i] = 0x2026;
        p->o2[i] = 0x2026;
        for (size_t k = i + 1; k < e; k++) p->o1[k] = 0;
        p->rule[ZF_PR_ELLIPSIS]++;
      } else if (r == 1 && c == '.' && literal_mark(p, n, i)) {
        fl[i] |= F_KEEPSP;
      } else if (r == 1 && c == '.' && period_rule(p, n, i)) {
        set_out(p, i, 0x3002, ZF_PR_PERIOD);
      }
      i = e - 1;
      break;
    }
    case 0x2026: {
      size_t r, e = run_end(w, n, i, &r);
      if (r == 1 && mark_chinese(p, n, i, i + 1, 0)) {
        p->o2[i] = 0x2026;
        p->rule[ZF_PR_ELLIPSIS]++;
      }
      i = e - 1;
      break;
    }
    case '-': case 0xFF0D: case 0x2014: {
      size_t r, e = run_end(w, n, i, &r);
      /* "--" is also an option prefix and an end-of-options marker, so it
       * is a dash only when it touches Chinese on both sides ("他说--我们",
       * not "在 -- 之后"); — and －－ are never options. */
      int tight = c != '-' || (i > 0 && e < n && is_hanlike(last_out(p, i - 1)) &&
                               (is_hanlike(w[e]) || is_curly_open(w[e]) || (fl[e] & F_QOPEN)));
      if (tight && r == (c == 0x2014 ? 1u : 2u) && mark_chinese(p, n, i, e, 1)) {
        p->o1[i] = 0x2014;
        p->o2[i] = 0x2014;
        for (size_t k = i + 1; k < e; k++) p->o1[k] = 0;
        p->rule[ZF_PR_DASH]++;
      }
      i = e - 1;
      break;
    }
    case '(': case 0xFF08: {
      int32_t m = p->mate[i];
      if (m < 0) break;
      if (i > 0 && last_out(p, i - 1) == ']') {
        /* Markdown link target: [text](url) */
        for (size_t k = i; k <= (size_t)m; k++) fl[k] |= F_PROT;
        break;
      }
      /* Attached to a Latin word it is a call or a man reference
       * (printf(3), index("谆谆", "蛔")), whose arguments are code; unless it
       * holds only Chinese words, as a gloss: API(应用程序接口). */
      if (c == '(' && i > 0 && is_ascii_alnum(last_out(p, i - 1))) {
        int gloss = p->han[m] - p->han[i + 1] > 0;
        for (size_t k = i + 1; gloss && k < (size_t)m; k++)
          gloss = !(w[k] < 0x80 && strchr("\"'=,;$\\{}[]<>()`", (int)w[k])) &&
                  !is_quote_char(w[k]);
        if (!gloss) {
          for (size_t k = i; k <= (size_t)m; k++) fl[k] |= F_PROT;
          break;
        }
      }
      int cx = left_ctx(p, n, i, 1);
      int chinese = p->han[m] - p->han[i + 1] > 0 || cx == CX_HAN || cx == CX_CJKP;
      fl[m] |= F_DONE;
      if (chinese) {
        int changed = w[i] != 0xFF08 || w[m] != 0xFF09;
        p->o1[i] = 0xFF08;
        p->o1[m] = 0xFF09;
        p->rule[ZF_PR_PAREN] += (uint64_t)changed;
      }
      break;
    }
    default:
      if (is_dotlike(c)) {
        size_t r, e = run_end(w, n, i, &r);
        if (r >= 3 && mark_chinese(p, n, i, e, 0)) {
          p->o1[i] = 0x2026;
          p->o2[i] = 0x2026;
          for (size_t k = i + 1; k < e; k++) p->o1[k] = 0;
          p->rule[ZF_PR_ELLIPSIS]++;
        } else if (r == 1 && c != 0xB7 && i > 0 && i + 1 < n &&
                   zf_is_han(last_out(p, i - 1)) && zf_is_han(w[i + 1])) {
          set_out(p, i, 0xB7, ZF_PR_INTERPUNCT);
        }
        i = e - 1;
      } else if (fl[i] & F_QOPEN) {
        int32_t m = p->mate[i];
        if (m < 0) { /* lone opening curly quote */
          if (quote_chinese(p, n, i, i)) {
            fl[i] |= F_QCHN;
            int sty = qstyle(p, c);
            if (sty) set_out(p, i, quote_out[sty][quote_level(c)][0], ZF_PR_QUOTE);
          }
          break;
        }
        int chinese = quote_chinese(p, n, i, (size_t)m);
        int inh = qtop ? p->stk[qtop - 1] & 3 : 0;
        fl[m] |= F_DONE;
        if (chinese) {
          fl[i] |= F_QCHN;
          fl[m] |= F_QCHN;
          /* Nested quotes alternate double and single (GB/T 15834 4.15.3,
           * 重訂標點符號手冊 引號).  An outermost quote keeps the level it was
           * typed with: a line of ‘…’ is often the inside of a quotation
           * opened lines before, which a line-by-line stage cannot see. */
          int own = (fl[i] & F_SQ) ? (c == '\'' || c == 0xFF07) : quote_level(c);
          int lv = inh ? 1 - (inh - 1) : own;
          int sty = qstyle(p, c);
          if (sty) {
            uint32_t a = quote_out[sty][lv][0], b = quote_out[sty][lv][1];
            p->rule[ZF_PR_QUOTE] += (uint64_t)(w[i] != a || w[m] != b);
            p->o1[i] = a;
            p->o1[m] = b;
          }
          inh = lv + 1;
        }
        p->stk[qtop++] = (m << 2) | inh; /* popped when the closer is reached */
      } else if (fl[i] & F_QCLOSE) { /* lone closing curly quote */
        if (quote_chinese(p, n, i, i)) {
          fl[i] |= F_QCHN;
          int sty = qstyle(p, c);
          if (sty) set_out(p, i, quote_out[sty][quote_level(c)][1], ZF_PR_QUOTE);
        }
      }
      break;
    }
  }
}

/* Whether the output at i is full-width punctuation (spaces next to it
 * go). */
static int fw_at(const punct *p, size_t n, size_t i) {
  uint32_t c = p->o1[i];
  if (c < 0x2000 || (p->fl[i] & F_PROT)) return 0;
  /* Quotes, corner brackets included, count only in Chinese context, which
   * is judged the same whatever style they are written in. */
  if (is_quote_char(c)) return (p->fl[i] & F_QCHN) != 0;
  return is_cjk_punct(c) ||
         ((c == 0x2026 || c == 0x2014) && doubled(p, n, i));
}

/* ---- pass 4: emit -------------------------------------------------------- */

static inline int spacing_left(uint32_t c) {
  return is_ascii_alnum(c) || c == '%' || c == 0xB0;
}

/* Whether dropping the spaces between li and j would leave a quote between
 * two letters ("x’ h" -> "x’h"), which would then read as an apostrophe. */
static int apostrophe_if_joined(const punct *p, size_t n, size_t li, size_t j) {
  uint32_t a = last_out(p, li), b = p->o1[j];
  if (is_quote_char(a))
    return li > 0 && is_alpha(last_out(p, li - 1)) && is_alpha(b);
  if (is_quote_char(b)) return is_alpha(a) && j + 1 < n && is_alpha(p->o1[j + 1]);
  return 0;
}

/* Writes the body into out, which has room for 3n more code points (each
 * position gives at most two, plus one inserted space). */
static void emit(punct *p, size_t n, zf_text *out) {
  uint32_t *oc = out->cp + out->len;
  uint64_t *oo = out->off + out->len;
  /* (in locals: the stores to oc and oo could alias p's fields) */
  const uint32_t *o1 = p->o1, *o2 = p->o2;
  const uint64_t *wo = p->wo;
  const uint16_t *fl = p->fl;
  const int spacing = p->spacing;
  size_t m = 0;
#define PUT(c, off) (oc[m] = (c), oo[m] = (off), m++)
  uint32_t last = 0; /* last code point written for this body, 0 = none */
  size_t li = 0;     /* position it came from */
  for (size_t i = 0; i < n; i++) {
    uint32_t c = o1[i];
    if (c == 0) continue;
    if (is_space(c) && !(fl[i] & F_PROT)) {
      size_t j = i;
      int ideo = 0, ascii = 0;
      while (j < n && (is_space(o1[j]) || o1[j] == 0) && !(fl[j] & F_PROT)) {
        ideo += o1[j] == 0x3000;
        ascii += o1[j] == ' ';
        j++;
      }
      if (!last || j >= n) {
        /* Indentation and trailing spaces are layout and stay, ideographic
         * ones too (the 　　 that opens a paragraph). */
        for (size_t t = i; t < j; t++)
          if (o1[t]) PUT(o1[t], wo[t]);
      } else if (((last != ' ' && fw_at(p, n, li)) || fw_at(p, n, j)) &&
                 !(j < n && (fl[j] & F_KEEPSP)) && !(fl[li] & F_KEEPSP) &&
                 /* spaces beside markup are the markup's layout */
                 !(j < n && (fl[j] & F_FMT)) &&
                 !apostrophe_if_joined(p, n, li, j)) {
        p->rule[ideo && !ascii ? ZF_PR_IDSPACE : ZF_PR_SPACE]++;
      } else {
        if (ideo && !ascii) {
          /* An ideographic space between two words: one ASCII space
           * keeps them apart. */
          PUT(' ', wo[i]);
        } else {
          for (size_t t = i; t < j; t++)
            if (o1[t] == ' ') PUT(' ', wo[t]);
        }
        if (ideo) p->rule[ZF_PR_IDSPACE]++;
        last = ' ';
      }
      i = j - 1;
      continue;
    }
    if (spacing && last && !(fl[i] & F_PROT) &&
        ((zf_is_han(last) && is_ascii_alnum(c)) || (spacing_left(last) && zf_is_han(c)))) {
      PUT(' ', wo[i]);
      p->rule[ZF_PR_SPACING]++;
    }
    PUT(c, wo[i]);
    last = c;
    if (o2[i]) {
      PUT(o2[i], wo[i]);
      last = o2[i];
    }
    li = i;
  }
#undef PUT
  out->len += m;
}

/* ---- the stage ----------------------------------------------------------- */

/* Whether any rule could change the body [0, end).  Most lines of clean
 * text need nothing: pure ASCII lines (no rule acts without Chinese), and
 * Chinese lines whose punctuation is already full-width and unspaced.
 * Every character some rule reads as a trigger is listed here; the tests
 * compare the output with and without this shortcut over the corpora.
 *
 * On a line this lets through, clean() changes nothing (every character
 * it removes or rewrites is listed), so w[] is the input, and every mark
 * decide() looks at is one whose rule cannot fire whatever its context;
 * the only other edit left is emit() dropping a space, which it does only
 * next to full-width punctuation (fw_at: never ASCII nor Han). */
/* The ASCII marks needs_work looks at (its switch below). */
static const uint8_t nw_trigger[128] = {
    [','] = 1, [';'] = 1, [':'] = 1, ['?'] = 1, ['!'] = 1, ['.'] = 1,
    ['('] = 1, [')'] = 1, ['"'] = 1, ['\''] = 1, ['-'] = 1, ['`'] = 1};

static int needs_work(const zf_text *in, size_t end, int style, int strip) {
  const uint32_t *cp = in->cp;
  int wide = 0, ascii_trigger = 0;
  /* Quotes of the target style that never nest come out as they are (each
   * pair at depth 0 keeps the double level); anything else is work.
   * STYLE_DOC: any curly or corner quote at depth 0 keeps its form, if
   * the quote that closes it is its own mate. */
  uint32_t qo = style == STYLE_CURLY ? 0x201C : 0x300C, qc = qo + 1;
  int depth = 0;
  uint32_t opened = 0;
  for (size_t i = 0; i < end; i++) {
    uint32_t c = cp[i];
    /* Letters, digits, marks no rule reads, and CJK ideographs: nothing
     * below looks at them but to note non-ASCII; one branch for both,
     * which text mixing them does not mispredict. */
    if (((c - 0x21u < 0x7Fu - 0x21u) & !nw_trigger[c & 0x7F]) |
        (c - 0x4E00u <= 0x9FFFu - 0x4E00u)) {
      wide |= c >= 0x80;
      continue;
    }
    if (c < 0x80) {
      if (c < 0x20) {
        if (c != '\t' && strip) return 1;
      } else if (c == ' ') {
        /* (each space of a run checks both neighbours, so the run's two
         * ends are both looked at) */
        if ((i > 0 && cp[i - 1] >= 0x80 && !zf_is_han(cp[i - 1])) ||
            (i + 1 < end && cp[i + 1] >= 0x80 && !zf_is_han(cp[i + 1])))
          return 1;
      } else if (c == 0x7F) {
        if (strip) return 1;
      } else {
        switch (c) {
        case ',': case ';': case ':': case '?': case '!': case '(': case ')':
        case '"': case '\'': case '`':
          ascii_trigger = 1;
          break;
        case '.':
          /* A lone '.' with a letter or digit right after it ("CGI.pm",
           * "1.0", ".bashrc") fires nothing: no ellipsis (a run of one),
           * period_rule wants the end, a space, Chinese, punctuation or a
           * closing quote after it, and literal_mark a space after it. */
          if (!((i == 0 || cp[i - 1] != '.') && i + 1 < end && is_ascii_alnum(cp[i + 1])))
            ascii_trigger = 1;
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
      }
      continue;
    }
    wide = 1;
    if (c < 0x2000) {
      if ((c <= 0x9F && strip) || ((c == 0xB7) && i + 1 < end && (cp[i + 1] == 0xB7 || cp[i + 1] == ' ')) ||
          c == 0x180E)
        return 1;
    } else if (c < 0x3000) {
      if ((c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0x2014 || c == 0x2026 ||
          c == 0x2022 || c == 0x2027)
        return 1;
      if (c >= 0x2018 && c <= 0x201D) {
        if (style == STYLE_DOC) {
          if (c == 0x201A || c == 0x201B) continue;
          if (c == 0x201C || c == 0x2018) {
            if (depth++) return 1;
            opened = c;
          } else {
            if (depth && c != opened + 1) return 1;
            depth = 0;
          }
        } else if (c == qo && style) {
          if (depth++) return 1;
        } else if (c == qc && style) {
          depth = 0;
        } else if (style) {
          return 1;
        }
      }
    } else if (c <= 0x303F) {
      if (c >= 0x300C && c <= 0x300F && style == STYLE_DOC) {
        if (c == 0x300C || c == 0x300E) {
          if (depth++) return 1;
          opened = c;
        } else {
          if (depth && c != opened + 1) return 1;
          depth = 0;
        }
      } else if (c >= 0x300C && c <= 0x300F) {
        if (c == qo && style) {
          if (depth++) return 1;
        } else if (c == qc && style) {
          depth = 0;
        } else if (style) {
          return 1;
        }
      }
      if (c == 0x3000 || (c >= 0x301D && c <= 0x301F) ||
          (c == 0x3002 && i + 1 < end && (cp[i + 1] == 0x3002 || cp[i + 1] == ' ')))
        return 1;
    } else if (c == 0x30FB) {
      return 1;
    } else if (c >= 0xFEFF && c <= 0xFF65) {
      if (c == 0xFEFF || c == 0xFF02 || c == 0xFF07 || c == 0xFF08 || c == 0xFF09 ||
          c == 0xFF0D || c == 0xFF0E || (c >= 0xFF10 && c <= 0xFF19) ||
          (c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A) || c == 0xFF65)
        return 1;
    }
  }
  return wide && ascii_trigger;
}

static uint64_t total(const punct *p) {
  uint64_t t = 0;
  for (int r = 0; r < ZF_PR__COUNT; r++) t += p->rule[r];
  return t;
}

static int run(void *st, const zf_text *in, zf_text *out, zf_stats *stats) {
  punct *p = st;
  size_t end = in->len;
  if (end && in->cp[end - 1] == '\n') {
    end--;
    if (end && in->cp[end - 1] == '\r') end--;
  } else if (end && in->cp[end - 1] == '\r') {
    end--;
  }
  if (grow(p, end + 1)) return ZHFIX_E_NOMEM;
  /* Only prose gets typography: the format scanner sees every segment
   * (its state runs across lines) and says which code points are prose. */
  int prose = zf_fmt_scan(p->fmt, in->cp, end, in->len, p->prose);
  if (prose == ZF_PROSE_NONE) return ZF_UNCHANGED;
  /* (a subset of a line no rule can change is one no rule can change) */
  if (p->fast && !p->spacing && !needs_work(in, end, p->style, p->strip)) return ZF_UNCHANGED;
  const uint8_t *mask = prose == ZF_PROSE_SOME ? p->prose : NULL;
  if (zf_text_reserve(out, 3 * in->len + 4)) return ZHFIX_E_NOMEM;
  uint64_t before = total(p);
  memcpy(p->saved, p->rule, sizeof p->rule);
  size_t n = clean(p, in, end, mask);
  /* Typography is for Chinese: a line whose prose holds no Chinese (or
   * Japanese) character is not touched at all, not even its invisible
   * characters, full-width letters or ideographic spaces (what clean()
   * did to them is dropped with it). */
  if (!p->chinese) {
    for (int r = 0; r < ZF_PR__COUNT; r++) p->rule[r] = p->saved[r];
    return ZF_UNCHANGED;
  }
  /* Damage an earlier stage left unrepaired stays as it is (issue 13): a
   * lost byte's '?' is not made a question mark. */
  for (size_t i = 0; stats->nseg_damage && i < n; i++)
    if (zf_stats_damaged(stats, p->wo[i])) p->fl[i] |= F_PROT;
  if (p->has & HAS_LINKISH) mark_protected(p, n);
  pair(p, n);
  decide(p, n);
  emit(p, n, out);
  if (zf_text_append(out, in, end, in->len - end)) return ZHFIX_E_NOMEM;
  stats->v[ZHFIX_STAT_PUNCT_CHANGED] += total(p) - before;
  return 0;
}

const zf_stage_ops zf_stage_punct = {"punct", create, prescan, run, destroy};
