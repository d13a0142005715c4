/*
 * Pass 3 of the punctuation stage (punct_int.h): which quotes and round
 * brackets of the segment are pairs (mate[] both ways).  Quotes of every
 * kind nest in one stack, brackets in another; protected positions take
 * no part.  Only the positions of quotes and round brackets clean()
 * listed (p->qx) are visited.
 */
#include "punct_class.h"
#include "punct_int.h"

/* A quote between two letters or digits is an apostrophe (it's), a
 * measure (5'10") or noise, never a quotation mark.  (A letter that is
 * markup, such as troff's \fI, is no letter.) */
static int apostrophe_at(const zf_punct *p, size_t n, size_t i) {
  return i > 0 && i + 1 < n && is_alpha(p->w[i - 1]) && is_alpha(p->w[i + 1]) &&
         !(p->fl[i - 1] & F_FMT) && !(p->fl[i + 1] & F_FMT);
}

/* Pairs the quotes flagged F_QOPEN / F_QCLOSE innermost first,
 * all kinds in one stack. */
static void pair_quotes(zf_punct *p) {
  const uint16_t *fl = p->fl;
  int32_t *mate = p->mate;
  size_t top = 0;
  for (size_t k = 0; k < p->nqx; k++) {
    size_t i = p->qx[k];
    if (fl[i] & F_QOPEN) {
      p->stk[top++] = (int32_t)i;
    } else if ((fl[i] & F_QCLOSE) && top) {
      int32_t o = p->stk[--top];
      mate[o] = (int32_t)i;
      mate[i] = o;
    }
  }
}

/* Gives each quote its direction.  Straight quotes: their direction is
 * only known by counting, so they alternate open/close within the segment
 * when their count is even and are left alone otherwise. */
static void orient_quotes(zf_punct *p, size_t n) {
  const uint32_t *w = p->w;
  uint16_t *fl = p->fl;
  size_t nd = 0, ns = 0;
  for (size_t k = 0; k < p->nqx; k++) {
    size_t i = p->qx[k];
    if ((fl[i] & (F_INT | F_PROT)) != F_INT) continue;
    if (is_dq(w[i]) && !apostrophe_at(p, n, i)) nd++;
    else if ((w[i] == '\'' || w[i] == 0xFF07) && !apostrophe_at(p, n, i)) ns++;
  }
  size_t kd = 0, ks = 0;
  for (size_t k = 0; k < p->nqx; k++) {
    size_t i = p->qx[k];
    if ((fl[i] & (F_INT | F_PROT)) != F_INT) continue;
    uint32_t c = w[i];
    if (is_dq(c) && nd % 2 == 0 && !apostrophe_at(p, n, i)) {
      fl[i] |= F_SQ | (kd++ % 2 ? F_QCLOSE : F_QOPEN);
    } else if ((c == '\'' || c == 0xFF07) && ns % 2 == 0 && !apostrophe_at(p, n, i)) {
      fl[i] |= F_SQ | (ks++ % 2 ? F_QCLOSE : F_QOPEN);
    } else if (is_curly_open(c)) {
      fl[i] |= F_QOPEN;
    } else if (is_curly_close(c) && !apostrophe_at(p, n, i)) {
      /* (any closer between two letters: once written as ’ it would
       * read as an apostrophe) */
      fl[i] |= F_QCLOSE;
    }
  }
}

static void pair_all_quotes(zf_punct *p, size_t n) {
  const uint32_t *w = p->w;
  uint16_t *fl = p->fl;
  int32_t *mate = p->mate;
  orient_quotes(p, n);
  /* Quotes of every kind nest in one stack, so “a ‘b’ c” pairs as
   * written and a mismatched kind still closes the innermost open one. */
  pair_quotes(p);
  /* Straight quotes must pair with each other, in order; if one pairs
   * with a curly quote instead (they cross: “a"b”c"), their direction was
   * a wrong guess, and all of them are left alone.  Curly quotes, whose
   * direction is written, pair again without them. */
  int crossed = 0;
  for (size_t k = 0; k < p->nqx && !crossed; k++) {
    size_t i = p->qx[k];
    if ((fl[i] & F_SQ) &&
        (mate[i] < 0 || !(fl[mate[i]] & F_SQ) || is_dq(w[i]) != is_dq(w[mate[i]])))
      crossed = 1;
  }
  if (crossed) {
    for (size_t k = 0; k < p->nqx; k++) {
      size_t i = p->qx[k];
      if (fl[i] & F_SQ) fl[i] &= (uint16_t)~(F_SQ | F_QOPEN | F_QCLOSE);
      if (fl[i] & (F_QOPEN | F_QCLOSE)) mate[i] = -1;
    }
    pair_quotes(p);
  }
}

/* Round brackets, ASCII or full-width, in their own stack. */
static void pair_parens(zf_punct *p) {
  const uint32_t *w = p->w;
  const uint16_t *fl = p->fl;
  int32_t *mate = p->mate;
  size_t top = 0;
  for (size_t k = 0; k < p->nqx; k++) {
    size_t i = p->qx[k];
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

void zf_punct_pair(zf_punct *p, size_t n) {
  if (!(p->has & (HAS_QUOTE | HAS_PAREN))) return;
  /* (mate[] is read only at these positions: pairs are made of them, and
   * decide() asks for the mate of no other) */
  for (size_t k = 0; k < p->nqx; k++) p->mate[p->qx[k]] = -1;
  if (p->has & HAS_QUOTE) pair_all_quotes(p, n);
  if (p->has & HAS_PAREN) pair_parens(p);
}
