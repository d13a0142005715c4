/*
 * Whole characters gone without a trace (issue #15): glibc's double-byte
 * decoders drop a pair they cannot map whole, lead and trail (lost.h:
 * zf_lost_whole_mass, zf_lost_whole_edges, zf_lost_drop_whole; the
 * caller is lost_dbcs.c).  Moved out of lost_drop.c, unchanged.
 */
#include "lost_lat.h"

/* ---- whole characters gone without a trace ---------------------------------
 * glibc's decoders drop a pair they cannot map whole, lead and trail, so
 * the phase never breaks: Big5 read by glibc's GBK loses every character
 * of Big5's A140-A7A0 and AAA1-AFFE (its punctuation and 的, 一, 了, 上,
 * 個 ...), and the survivors read back as fluent text with holes that no
 * byte shows (the mojibake stage restores them as a lossless wrong
 * decode).  The model does not show the holes either: a bigram model
 * smooths over a missing 的 (the best insertion between two survivors
 * scored below the pair as it stands at every place of the held-out
 * lines tried).  What shows them is what is absent: a writer who writes
 * n characters of Chinese and not one of the characters the reader drops
 * whole is improbable when those characters carry a large part of the
 * language (for that reader, m = 0.2-0.3 of the model's unigram mass), by
 * (1 - m)^n.  zf_lost_drop_whole reads the line with nothing missing and
 * gives that evidence; the caller reports such a line without changing
 * it (the places are unknown). */
/* The source character of the pair x y when h's reader drops that pair
 * whole (lead and trail), else 0; *ok 0 when h is not such a class. */
static uint32_t whole_dropped(const zf_lost *l, const zf_lost_hyp *h, unsigned x, unsigned y, int *ok) {
  *ok = 0;
  if (h->style != ZF_LOST_DROP || h->src == ZF_LC_UTF8 || h->reader == ZF_LC_UTF8) return 0;
  const lc_model *S = &l->t->m[h->src], *R = &l->t->m[h->reader];
  if (!S->present || !R->present || S->kind != LC_KIND_DBCS || R->kind != LC_KIND_DBCS) return 0;
  *ok = 1;
  uint32_t v = lc_pair(S, x, y), st = 0, cp;
  int again;
  if (!src_char(v) || v < 0x2000) return 0;
  if (lc_read(R, &st, x, &cp, &again) != EV_NONE) return 0;
  if (lc_read(R, &st, y, &cp, &again) != EV_ERR || again) return 0;
  return v;
}

double zf_lost_whole_mass(const zf_lost *l, const zf_lost_hyp *h) {
  double mass = 0;
  for (unsigned x = 0x81; x <= 0xFE; x++)
    for (unsigned y = 0x40; y <= 0xFE; y++) {
      int ok;
      uint32_t v = whole_dropped(l, h, x, y, &ok);
      if (!ok) return 0;
      if (v) mass += pow(10.0, zf_lm_char(v));
    }
  return mass < 1 ? mass : 0;
}

/* The evidence (log10 odds) that h's reader dropped a character next to
 * a run of Han run[0..n) (n 1 or 2) that stands without Han neighbours:
 * at each of its n + 1 places, the model's probability that the
 * character there was one the reader drops whole, given the run's
 * characters -- after its last, sum over those D of P(D | last); before
 * its first, of P(D) P(first | D) / P(first); between two, of P(D | a)
 * P(b | D) against P(b | a) -- and the places taken as independent, as
 * the absence test takes characters: -log10 of the product of (1 - q).
 * The generalisation of zf_lost_drop_whole's (1 - m)^n to a run whose
 * neighbours are what the model knows (稱 after 名, 檔 before 案). */
double zf_lost_whole_edges(const zf_lost *l, const zf_lost_hyp *h, const uint32_t *run, size_t n) {
  if (!n || n > 2) return 0;
  double left = 0, right = 0, mid = 0;
  for (unsigned x = 0x81; x <= 0xFE; x++)
    for (unsigned y = 0x40; y <= 0xFE; y++) {
      int ok;
      uint32_t v = whole_dropped(l, h, x, y, &ok);
      if (!ok) return 0;
      if (!v) continue;
      right += pow(10.0, zf_lm_bigram(run[n - 1], v));
      left += pow(10.0, zf_lm_char(v) + zf_lm_bigram(v, run[0]));
      if (n == 2) mid += pow(10.0, zf_lm_bigram(run[0], v) + zf_lm_bigram(v, run[1]));
    }
  left /= pow(10.0, zf_lm_char(run[0]));
  if (n == 2) mid /= mid + pow(10.0, zf_lm_bigram(run[0], run[1]));
  double e = 0, q[3] = {left, right, mid};
  for (size_t i = 0; i < 3; i++) e -= log10(1.0 - (q[i] < 0.99 ? q[i] : 0.99));
#ifdef LOST_DEBUG
  fprintf(stderr, "edges n %zu U+%04X left %.3f right %.3f mid %.3f -> %.2f\n", n, run[0], left, right, mid, e);
#endif
  return e;
}

int zf_lost_drop_whole(zf_lost *l, const zf_lost_hyp *h, const zf_text *in, double mass, zf_lost_whole *r) {
  memset(r, 0, sizeof *r);
  if (mass <= 0 || mass >= 1) return ZF_LOST_NOFIT;
  const lc_model *S = &l->t->m[h->src], *R = &l->t->m[h->reader];
  /* the line read in the source with nothing missing */
  uint32_t prev = 0, rprev = 0;
  unsigned lead = 0;
  for (size_t j = 0; j < in->len; j++) {
    uint32_t c = in->cp[j];
    if (c == 0xFFFD) return ZF_LOST_NOFIT;
    r->literal += lm_step(prev, c);
    prev = c;
    uint8_t bytes[2];
    size_t nb = 0;
    if (c < 0x80) {
      bytes[nb++] = (uint8_t)c;
    } else {
      size_t ne;
      const lc_inv *enc = lc_encodings(R, c, &ne);
      if (!ne) return ZF_LOST_NOFIT;
      if (enc[0].code >= 0x100) bytes[nb++] = (uint8_t)(enc[0].code >> 8);
      bytes[nb++] = (uint8_t)enc[0].code;
    }
    for (size_t k = 0; k < nb; k++) {
      uint32_t v;
      if (lead) {
        v = lc_pair(S, lead, bytes[k]);
        lead = 0;
        if (!src_char(v)) return ZF_LOST_NOFIT;
      } else if (bytes[k] >= 0x80) {
        lead = bytes[k];
        continue;
      } else {
        v = bytes[k];
      }
      /* a character the reader would have dropped cannot have survived */
      if (v >= 0x80) {
        size_t ne;
        const lc_inv *enc = lc_encodings(S, v, &ne);
        uint32_t st = 0, cp;
        int again;
        if (ne && enc[0].code >= 0x100 && lc_read(R, &st, enc[0].code >> 8, &cp, &again) == EV_NONE &&
            lc_read(R, &st, enc[0].code & 0xFF, &cp, &again) == EV_ERR && !again)
          return ZF_LOST_NOFIT;
        if (r->nrd < sizeof r->rd / sizeof r->rd[0]) {
          if (r->n && rprev < 0x80 && r->nrd + 1 < sizeof r->rd / sizeof r->rd[0]) r->rd[r->nrd++] = 0;
          r->rd[r->nrd++] = v;
        }
        r->n++;
        r->uni += zf_lm_char(v);
        if (rprev >= 0x80) r->pmi += zf_lm_bigram(rprev, v) - zf_lm_char(v), r->npairs++;
      }
      r->reading += lm_step(rprev, v);
      rprev = v;
    }
  }
  if (lead) return ZF_LOST_NOFIT;
  r->mass = mass;
  r->absent = -(double)r->n * log10(1.0 - mass);
  return 0;
}
