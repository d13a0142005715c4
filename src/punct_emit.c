/*
 * Pass 5 of the punctuation stage (punct_int.h): the decided outputs,
 * written out.  Spaces are decided here, once the final form of their
 * neighbours is known: next to full-width punctuation they go (an
 * ideographic space between two words becomes one ASCII space);
 * indentation, trailing spaces, spaces of a named mark (F_KEEPSP) and
 * spaces beside markup stay.  --spacing inserts a space between Han and
 * Latin letters or digits.
 */
#include <string.h>

#include "punct_class.h"
#include "punct_int.h"

/* Whether the output at i is full-width punctuation (spaces next to it
 * go). */
static int fw_at(const zf_punct *p, size_t n, size_t i) {
  uint32_t c = p->o1[i];
  if (c < 0x2000 || (p->fl[i] & F_PROT)) return 0;
  /* Quotes, corner brackets included, count only in Chinese context, which
   * is judged the same whatever style they are written in. */
  if (is_quote_char(c)) return (p->fl[i] & F_QCHN) != 0;
  return is_cjk_punct(c) || ((c == 0x2026 || c == 0x2014) && zf_punct_doubled(p, n, i));
}

/* What --spacing puts a space after, before Han. */
static inline int spacing_left(uint32_t c) { return is_ascii_alnum(c) || c == '%' || c == 0xB0; }

/* Whether dropping the spaces between li and j would leave a quote between
 * two letters ("x’ h" -> "x’h"), which would then read as an apostrophe. */
static int apostrophe_if_joined(const zf_punct *p, size_t n, size_t li, size_t j) {
  uint32_t a = zf_punct_last_out(p, li), b = p->o1[j];
  if (is_quote_char(a)) return li > 0 && is_alpha(zf_punct_last_out(p, li - 1)) && is_alpha(b);
  if (is_quote_char(b)) return is_alpha(a) && j + 1 < n && is_alpha(p->o1[j + 1]);
  return 0;
}

/* The run of spaces starting at i (positions of the body that are no
 * protected space: ' ', U+3000, or deleted), written out to oc/oo from
 * *m as the neighbours decide; last and li are the last code point
 * written for this body (0 = none) and its position.  Returns the run's
 * end. */
static inline size_t space_run(zf_punct *p, size_t n, size_t i, uint32_t *last, size_t li, uint32_t *oc,
                        uint64_t *oo, size_t *mp) {
  const uint32_t *o1 = p->o1;
  const uint64_t *wo = p->wo;
  const uint16_t *fl = p->fl;
  size_t m = *mp;
#define PUT(c, off) (oc[m] = (c), oo[m] = (off), m++)
  size_t j = i;
  int ideo = 0, ascii = 0;
  while (j < n && (is_space(o1[j]) || o1[j] == 0) && !(fl[j] & F_PROT)) {
    ideo += o1[j] == 0x3000;
    ascii += o1[j] == ' ';
    j++;
  }
  if (!*last || j >= n) {
    /* Indentation and trailing spaces are layout and stay, ideographic
     * ones too (the 　　 that opens a paragraph). */
    for (size_t t = i; t < j; t++)
      if (o1[t]) PUT(o1[t], wo[t]);
  } else if (((*last != ' ' && fw_at(p, n, li)) || fw_at(p, n, j)) &&
             !(j < n && (fl[j] & F_KEEPSP)) && !(fl[li] & F_KEEPSP) &&
             /* spaces beside markup are the markup's layout */
             !(j < n && (fl[j] & F_FMT)) && !apostrophe_if_joined(p, n, li, j)) {
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
    *last = ' ';
  }
#undef PUT
  *mp = m;
  return j;
}

/* Whether a space next to c keeps it whatever else is around (c is no
 * space, and no full-width punctuation: fw_at is 0 there). */
static inline unsigned plain_side(uint32_t c) {
  /* (zf_is_han's ranges with no branch: a space's two sides mix ASCII
   * and Han in any order) */
  return ((unsigned)(c < 0x2000) & (unsigned)(c != ' ')) | (unsigned)(c - 0x4E00u <= 0x9FFFu - 0x4E00u) |
         (unsigned)(c - 0x3400u <= 0x4DBFu - 0x3400u) | (unsigned)(c - 0x20000u <= 0x323AFu - 0x20000u) |
         (unsigned)(c - 0xF900u <= 0xFAFFu - 0xF900u);
}

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define EMIT_SSE2 1
/* space_bits() of the 16 code points at p, bit k for p[k]: sp, ' ' or
 * U+3000; asc, ' '; pl, below U+2000 but ' ', or a CJK Unified
 * Ideograph.  The code points go to signed 16-bit lanes less 0x8000
 * (exact up to U+FFFF; beyond saturates to U+FFFF's lane, which is in
 * no class), so one comparison covers eight. */
struct space16 {
  unsigned sp, asc, pl;
};
static inline struct space16 space16(const uint32_t *p) {
  const __m128i bias = _mm_set1_epi32(0x8000);
  const __m128i a0 = _mm_sub_epi32(_mm_loadu_si128((const __m128i *)(const void *)p), bias);
  const __m128i a1 = _mm_sub_epi32(_mm_loadu_si128((const __m128i *)(const void *)(p + 4)), bias);
  const __m128i a2 = _mm_sub_epi32(_mm_loadu_si128((const __m128i *)(const void *)(p + 8)), bias);
  const __m128i a3 = _mm_sub_epi32(_mm_loadu_si128((const __m128i *)(const void *)(p + 12)), bias);
  const __m128i w[2] = {_mm_packs_epi32(a0, a1), _mm_packs_epi32(a2, a3)};
  const __m128i sp = _mm_set1_epi16((short)(' ' - 0x8000)), id = _mm_set1_epi16((short)(0x3000 - 0x8000));
  const __m128i lo = _mm_set1_epi16((short)(0x2000 - 0x8000));
  const __m128i h0 = _mm_set1_epi16((short)(0x4DFF - 0x8000)), h1 = _mm_set1_epi16((short)(0xA000 - 0x8000));
  __m128i s[2], a[2], q[2];
  for (int j = 0; j < 2; j++) {
    a[j] = _mm_cmpeq_epi16(w[j], sp);
    s[j] = _mm_or_si128(a[j], _mm_cmpeq_epi16(w[j], id));
    q[j] = _mm_or_si128(_mm_andnot_si128(a[j], _mm_cmplt_epi16(w[j], lo)),
                        _mm_and_si128(_mm_cmpgt_epi16(w[j], h0), _mm_cmplt_epi16(w[j], h1)));
  }
  struct space16 r = {(unsigned)_mm_movemask_epi8(_mm_packs_epi16(s[0], s[1])),
                      (unsigned)_mm_movemask_epi8(_mm_packs_epi16(a[0], a[1])),
                      (unsigned)_mm_movemask_epi8(_mm_packs_epi16(q[0], q[1]))};
  return r;
}
#endif

/* The spaces of o[b..e), e = min(b + 64, n), that emit_runs() must look
 * at, bit k for position b + k: every ' ' and U+3000 but a lone ' '
 * between two characters that are below U+2000 or CJK Unified
 * Ideographs (no full-width punctuation either side, fw_at: space_run
 * keeps it, and it is no indentation), which goes out with them.  Spaces
 * and such sides are found 16 at a time (four where SSE2 is missing)
 * and the lone spaces cleared by shifts of the masks, with no branch: a
 * line of man pages has a space every few characters.  (A space beside other Han, rarer, is left for
 * space_run, which keeps it too; a side beyond the body, or before it,
 * is none: the body's edges are layout.) */
static inline uint64_t space_bits(const uint32_t *o, size_t b, size_t n) {
  size_t e = n - b < 64 ? n : b + 64, k = b, w = e - b;
  uint64_t sp = 0, asc = 0, pl = 0; /* pl: bit k, o[b + k] is such a side */
#ifdef EMIT_SSE2
  /* (o[n..n+15] are 0, no spaces: emit() writes 0 there, so a last block
   * goes 16 at a time too; the pl bits past the body are cut below) */
  for (; k < e; k += 16) {
    struct space16 t = space16(o + k);
    sp |= (uint64_t)t.sp << (k - b);
    asc |= (uint64_t)t.asc << (k - b);
    pl |= (uint64_t)t.pl << (k - b);
  }
#endif
#ifdef ZF_PV
  /* (o[n..n+3] are 0, no spaces: emit() writes 0 there, so a last block
   * of fewer than four goes on the same test; their pl bits are cut
   * below.  Code points are below 2^31: signed lanes compare them.) */
  typedef int32_t zf_sv4 __attribute__((vector_size(16)));
  for (; k < e; k += 4) {
    zf_pv4 x = zf_pv_load(o + k);
    zf_sv4 s = (zf_sv4)x;
    zf_pv4 a = (zf_pv4)(x == zf_pv_dup(' '));
    zf_pv4 q = ((zf_pv4)(s < (zf_sv4)zf_pv_dup(0x2000)) & ~a) |
               ((zf_pv4)(s > (zf_sv4)zf_pv_dup(0x4DFF)) & (zf_pv4)(s < (zf_sv4)zf_pv_dup(0xA000)));
    sp |= (uint64_t)zf_pv_bits(a | (zf_pv4)(x == zf_pv_dup(0x3000))) << (k - b);
    asc |= (uint64_t)zf_pv_bits(a) << (k - b);
    pl |= (uint64_t)zf_pv_bits(q) << (k - b);
  }
#endif
  for (; k < e; k++) {
    uint32_t c = o[k];
    sp |= (uint64_t)(c == ' ' || c == 0x3000) << (k - b);
    asc |= (uint64_t)(c == ' ') << (k - b);
    pl |= (uint64_t)((c < 0x2000 && c != ' ') || (c >= 0x4E00 && c <= 0x9FFF)) << (k - b);
  }
  if (w < 64) pl &= (1ull << w) - 1;
  /* bit k of lside: o[b + k - 1] is such a side; of rside: o[b + k + 1] */
  uint64_t lside = pl << 1 | (uint64_t)(b > 0 && plain_side(o[b - 1]));
  uint64_t rside = pl >> 1 | (uint64_t)(e < n && plain_side(o[e])) << (w - 1);
  return sp & ~(asc & lside & rside);
}

/* emit() when every position gives its one code point (no deletion, no
 * second code point: !p->multi) and --spacing is off: what lies between
 * the runs of spaces space_bits() gives is copied in bulk. */
static size_t emit_runs(zf_punct *p, size_t n, uint32_t *oc, uint64_t *oo) {
  const uint32_t *o1 = p->o1;
  const uint64_t *wo = p->wo;
  const uint16_t *fl = p->fl;
  size_t m = 0, a = 0, li = 0;
  uint32_t last = 0;
  for (size_t b = 0; b < n; b += 64) {
    if (a - b >= 64 && a > b) continue; /* inside a run of spaces already written */
    uint64_t bits = space_bits(o1, b, n);
    if (a > b) bits &= ~0ull << (a - b);
    while (bits) {
      size_t s = b + (size_t)__builtin_ctzll(bits);
      bits &= bits - 1;
      if (fl[s] & F_PROT) continue;
      if (s > a) {
        memcpy(oc + m, o1 + a, (s - a) * sizeof *oc);
        memcpy(oo + m, wo + a, (s - a) * sizeof *oo);
        m += s - a;
        last = o1[s - 1];
        li = s - 1;
      }
      a = space_run(p, n, s, &last, li, oc, oo, &m);
      if (a - b >= 64) break;
      bits &= ~0ull << (a - b);
    }
  }
  if (n > a) {
    memcpy(oc + m, o1 + a, (n - a) * sizeof *oc);
    memcpy(oo + m, wo + a, (n - a) * sizeof *oo);
    m += n - a;
  }
  return m;
}

void zf_punct_emit(zf_punct *p, size_t n, zf_text *out) {
  uint32_t *oc = out->cp + out->len;
  uint64_t *oo = out->off + out->len;
  if (!p->spacing && !p->multi) {
    memset(p->o1 + n, 0, ZF_PUNCT_PAD * sizeof *p->o1); /* (the room run() grew for space_bits) */
    out->len += emit_runs(p, n, oc, oo);
    return;
  }
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
      i = space_run(p, n, i, &last, li, oc, oo, &m) - 1;
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
