/*
 * Pass 1 of the punctuation stage (punct_int.h): the body as the later
 * passes see it.  Zero-width characters and stray BOMs go (joiners stay
 * where they join letters or emoji), full-width letters and digits become
 * ASCII, control characters stay protected or, with --controls=strip, go
 * with their ANSI escape sequences; code points the format says are not
 * prose are copied protected.  Each position also gets its flags and no
 * decision yet; the positions rules act on go to ix[] (those of quotes
 * and round brackets to qx[] too), those protect() looks for a token at
 * to tk[].  Where nothing was removed or rewritten
 * (most lines) w[] and wo[] are the input's own arrays, not copies.
 */
#include <stdlib.h>
#include <string.h>

#include "punct_class.h"
#include "punct_int.h"
#include "shared.h"

/* Flags and HAS_ bits each ASCII character gets, and TOK: protect()
 * looks for a token there (zf_punct_token_start, and '.' for the "www."
 * its 'w's start). */
#define TOK 0x80
/* CLOSER: a ')', F_INT for pair() but not listed in ix[] (decide() acts
 * on a pair at its opener, and on nothing at a closing bracket). */
#define CLOSER 0x20
static const uint8_t ascii_class[128] = {
    ['"'] = F_INT | HAS_QUOTE,         ['\''] = F_INT | HAS_QUOTE,
    ['('] = F_INT | HAS_PAREN,         [')'] = F_INT | HAS_PAREN | CLOSER,
    [':'] = F_INT | HAS_LINKISH | TOK, ['.'] = F_INT | HAS_LINKISH | TOK,
    ['`'] = F_INT | HAS_LINKISH | TOK, ['@'] = HAS_LINKISH | TOK,
    ['/'] = HAS_LINKISH | TOK,         ['$'] = HAS_LINKISH | TOK,
    ['<'] = HAS_LINKISH | TOK,         ['&'] = HAS_LINKISH | TOK,
    ['~'] = TOK,                       [','] = F_INT,
    [';'] = F_INT,                     ['?'] = F_INT,
    ['!'] = F_INT,                     ['-'] = F_INT};
/* (F_INT, TOK and the HAS_ bits share the table's byte) */
_Static_assert(F_INT < 0x100 && !((F_INT | TOK | CLOSER) & (HAS_QUOTE | HAS_PAREN | HAS_LINKISH)) &&
                   F_INT != TOK && F_INT != CLOSER && TOK != CLOSER,
               "ascii_class packs F_INT, TOK and CLOSER with the HAS_ bits");

/* Whether protect() must look at an ASCII c kept at a position. */
static inline unsigned tok_at(uint32_t c) { return c < 0x80 && (ascii_class[c] & TOK); }

/* Printable ASCII (U+0020..U+007E) with no ascii_class entry and not '[':
 * kept as it is, no flag.  ('~' has an entry: TOK.) */
static const uint8_t plain_ascii[128] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0,
};

/* ASCII needs_work() passes over at once: U+0020..U+007E but the marks
 * its switch looks at (, ; : ? ! . ( ) " ' - `).  (A space matters only
 * next to a character that is neither ASCII nor Han, which needs_work()
 * checks at that character.) */
static const uint8_t nw_quiet[128] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
};

static void *classes_build(void *arg) {
  (void)arg;
  uint8_t *t = calloc(ZF_PC_NIBBLES + 32, 1);
  if (!t) return NULL;
  for (uint32_t c = 0; c < 0x80; c++)
    t[c] = (uint8_t)((plain_ascii[c] ? ZF_PC_PLAIN : 0) | (nw_quiet[c] ? ZF_PC_QUIET : 0));
  for (uint32_t c = 0x4E00; c <= 0x9FFF; c++) t[c] = ZF_PC_PLAIN | ZF_PC_HAN | ZF_PC_QUIET;
  for (uint32_t c = 0; c <= 0xFFFF; c++) t[c] |= ZF_PC_NOTOKEN;
  for (uint32_t c = 0; c < 0x80; c++)
    if (zf_punct_token_start(c)) t[c] &= (uint8_t)~ZF_PC_NOTOKEN;
  for (uint32_t c = 0; c < 0x80; c++) {
    if (t[c] & ZF_PC_PLAIN) t[ZF_PC_NIBBLES + (c & 15)] |= (uint8_t)(1u << (c >> 4));
    if (t[c] & ZF_PC_QUIET) t[ZF_PC_NIBBLES + 16 + (c & 15)] |= (uint8_t)(1u << (c >> 4));
  }
  return t;
}

static zf_shared_slot classes_slot;
_Static_assert(ZF_PC_HAN == 2, "clean() notes Han as ZF_PC_HAN");

const uint8_t *zf_punct_classes(void) {
  const uint8_t *t = atomic_load_explicit(&classes_slot, memory_order_acquire);
  return t ? t : zf_shared_get(&classes_slot, classes_build, NULL, free);
}

/* A zero-width joiner or non-joiner at i matters between two characters
 * that use it; next to Chinese or ASCII it is only noise. */
static int joiner_wanted(const zf_text *in, size_t i, size_t end) {
  return i > 0 && i + 1 < end && is_joinable(in->cp[i - 1]) && is_joinable(in->cp[i + 1]);
}

/* The flags of a non-ASCII character that is kept; *pq is 1 for a quote
 * or a round bracket. */
static uint16_t wide_flags(uint32_t c, unsigned *has, unsigned *pq) {
  if (is_quote_char(c)) {
    *has |= HAS_QUOTE;
    *pq = 1;
    return F_INT;
  }
  if (c == 0xFF08 || c == 0xFF09) {
    *has |= HAS_PAREN;
    *pq = 1;
    return F_INT;
  }
  *pq = 0;
  if (c == 0x3002 || c == 0xFF0E || c == 0xFF0D || c == 0x2014 || c == 0x2026 || is_dotlike(c))
    return F_INT;
  return 0;
}

/* The end of the run from i of characters the general path of clean()
 * would keep as they are with no flag (plain_ascii, CJK ideographs) in
 * prose (mask, when there is one: an indented line is prose but for its
 * indentation); ORs their classes into *acc.  (One at a time: four on
 * one test cost 80k more mispredictions than it saved on 4 MB.) */
static inline size_t plain_run(const uint8_t *cc, const uint32_t *cp, size_t i, size_t end,
                               const uint8_t *mask, zf_punct_runs *r, unsigned *acc) {
  if (!mask) return zf_punct_runs_next(r, cc, cp, i, end, ZF_PC_PLAIN, acc);
  unsigned o = 0;
  {
    for (; i < end && mask[i]; i++) {
      unsigned k = zf_punct_class(cc, cp[i]);
      if (!(k & ZF_PC_PLAIN)) break;
      o |= k;
    }
  }
  *acc |= o;
  return i;
}

/* Copies cp[i] as it is and protected with the given flags. */
#define KEEP_AS_IS(flags)                                                     \
  do {                                                                        \
    w[n] = c;                                                                 \
    wo[n] = off[i];                                                           \
    o1[n] = c;                                                                \
    o2[n] = 0;                                                                \
    fl[n] = (uint16_t)(flags);                                                \
    tk[ntk] = (uint32_t)n;                                                    \
    ntk += tok_at(c);                                                         \
    multi |= c == 0;                                                          \
    n++;                                                                      \
  } while (0)

/* Before the body first differs from the input (a removal or a rewrite
 * at n == i), w[] and wo[] are the input's own arrays; from then on the
 * stage's copies, filled with the input first, so that every position is
 * right whether or not it is written again. */
#define OWN()                                                                 \
  do {                                                                        \
    if (!own) {                                                               \
      memcpy(w, cp, end * sizeof *w);                                         \
      memcpy(wo, off, end * sizeof *wo);                                      \
      own = 1;                                                                \
    }                                                                         \
  } while (0)

size_t zf_punct_clean(zf_punct *p, const zf_text *in, size_t end, const uint8_t *mask) {
  /* The arrays and the HAS_ / '[' state in locals: stores through the
   * uint32_t and uint64_t arrays could otherwise alias p's own fields, and
   * the compiler would reload them after every store. */
  const uint32_t *cp = in->cp;
  const uint64_t *off = in->off;
  uint32_t *w = p->wbuf, *o1 = p->o1, *o2 = p->o2;
  uint64_t *wo = p->wobuf;
  uint16_t *fl = p->fl;
  uint32_t *ix = p->ix, *qx = p->qx, *tk = p->tk;
  size_t nix = 0, nqx = 0, ntk = 0;
  int own = 0;   /* w and wo are the stage's copies (OWN) */
  int multi = 0; /* a kept U+0000, which emit() reads as deleted */
  unsigned has = 0;
  size_t lbr = SIZE_MAX;
  size_t n = 0;
  unsigned han_all = 0; /* ZF_PC_HAN: the prose holds a Han-like code point */
  uint32_t kana = 0;    /* and kana: a line with kana is Japanese */
  zf_punct_runs runs = {0, 0, 0};
  /* Most characters are kept as they are: o1 is copied in bulk first (no
   * second code point, no flag), and the loop below writes only what
   * differs.  Until the first removal (n == i) a kept character is
   * already in place.  (mate[] is set by pair(), han[] by whoever needs
   * it: zf_punct_han_in.) */
  memcpy(o1, cp, end * sizeof *o1);
  memset(o2, 0, end * sizeof *o2);
  memset(fl, 0, end * sizeof *fl);
  for (size_t i = 0; i < end; i++) {
    if (n == i) {
      n = i = plain_run(p->cc, cp, i, end, mask, &runs, &han_all);
      if (i == end) break;
    }
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
      if (n != i) {
        w[n] = c;
        wo[n] = off[i];
        o1[n] = c;
        o2[n] = 0;
      }
      fl[n] = (uint16_t)(t & F_INT);
      ix[nix] = (uint32_t)n;
      nix += (t & (F_INT | CLOSER)) == F_INT;
      qx[nqx] = (uint32_t)n;
      nqx += (t & (HAS_QUOTE | HAS_PAREN)) != 0;
      tk[ntk] = (uint32_t)n;
      ntk += (t & TOK) != 0;
      has |= t & (HAS_QUOTE | HAS_PAREN | HAS_LINKISH);
      if (c == '[' && lbr == SIZE_MAX) lbr = n;
      han_all |= (1u - a) << 1; /* ZF_PC_HAN */
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
      OWN();
      i = j;
      p->rule[ZF_PR_CONTROL]++;
      continue;
    }
    if (c == 0x200B || c == 0x2060 || c == 0xFEFF || c == 0x180E ||
        ((c == 0x200C || c == 0x200D) && !joiner_wanted(in, i, end))) {
      OWN();
      p->rule[ZF_PR_INVISIBLE]++;
      continue;
    }
    if ((c >= 0xFF10 && c <= 0xFF19) || (c >= 0xFF21 && c <= 0xFF3A) ||
        (c >= 0xFF41 && c <= 0xFF5A)) {
      OWN();
      c -= 0xFEE0;
      p->rule[ZF_PR_FW_ALNUM]++;
    }
  keep:
    /* Here c is a tab, a letter or digit made ASCII, or not ASCII. */
    w[n] = c;
    wo[n] = off[i];
    o1[n] = c;
    o2[n] = 0;
    unsigned pq = 0;
    fl[n] = c < 0x80 ? 0 : wide_flags(c, &has, &pq);
    ix[nix] = (uint32_t)n;
    nix += (fl[n] & F_INT) != 0 && c != 0xFF09; /* (a closer: as CLOSER) */
    qx[nqx] = (uint32_t)n;
    nqx += pq;
    tk[ntk] = (uint32_t)n;
    ntk += tok_at(c);
    /* (nothing below U+3005 is Han-like) */
    han_all |= (unsigned)(c >= 0x3005 && is_hanlike(c)) << 1;
    kana += is_kana(c);
    n++;
  }
  p->w = own ? w : cp;
  p->wo = own ? wo : off;
  p->chinese = (han_all & ZF_PC_HAN) && kana == 0;
  p->has = has;
  p->lbr = lbr;
  p->nix = nix;
  p->nqx = nqx;
  p->ntk = ntk;
  p->multi = multi;
  p->han_ok = 0;
  return n;
}
