/*
 * Content-farm stage: a line as tokens for the search, the document
 * signature, and the cheap looks that keep clean lines out of the search
 * (docs/repair-farm.md, "When annotations are removed").
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "farm.h"
#include "readings.h"

/* Parses "(py)" or "?py)" starting at cp[i]; returns the index of ')' and
 * the reading, or 0.  py has tone marks, a tone digit or no tone. */
size_t zf_farm_parse_ann(const uint32_t *cp, size_t n, size_t i, int *syl, int *tone) {
  size_t j = i + 1;
  while (j < n && j - i - 1 <= ANN_MAX_SYL && is_pinyin_letter(cp[j])) j++;
  if (j < n && j > i + 1 && is_tone_digit(cp[j])) j++;
  if (j >= n || cp[j] != ')' || j == i + 1 || j - i - 1 > ANN_MAX_SYL) return 0;
  int s = zf_pinyin_parse(cp + i + 1, j - i - 1, tone);
  if (s < 0) return 0;
  *syl = s;
  return j;
}

static int primary_is(uint32_t cp, int syl, int tone) {
  uint32_t r[1];
  if (zf_readings(cp, r, 1) == 0) return 0;
  return (int)(r[0] >> 3) == syl && (int)(r[0] & 7) == tone;
}

/* ---- document signature ------------------------------------------------- *
 * Farm pages annotate a fixed set of characters with their primary reading
 * everywhere they occur, and byte-level matches leave misaligned spans;
 * teaching material annotates selectively, with readings in context
 * (neutral tones, polyphones).  The signature is on after any misaligned
 * annotation, or after at least three primary-reading annotations with
 * few others and few unannotated occurrences of the annotated characters. */

static void annset_put(farm *f, uint32_t cp) {
  if (cp >= 0x40000) return;
  if (!f->annset) {
    f->annset = calloc(0x40000 / 8, 1);
    if (!f->annset) return; /* the signature then relies on the counts only */
  }
  f->annset[cp >> 3] |= (uint8_t)(1u << (cp & 7));
}

/* The signature's look at the mark cp[i] of the line cp[lo..n) (the
 * line's text starts at lo: nothing before it is looked at). */
static void sig_at(farm *f, const uint32_t *cp, size_t lo, size_t n, size_t i) {
  int syl, tone;
  if (cp[i] == '(' && i > lo && zf_is_han(cp[i - 1])) {
    if (zf_farm_parse_ann(cp, n, i, &syl, &tone) && zf_reading_of(cp[i - 1], syl, tone)) {
      if (tone >= 1 && tone <= 4 && primary_is(cp[i - 1], syl, tone)) {
        f->farm_like++;
        annset_put(f, cp[i - 1]);
      } else {
        f->other_ann++;
      }
    }
  } else if (is_lost(cp[i]) && i > lo && cp[i - 1] >= 0x80 && cp[i - 1] != 0xFFFD) {
    size_t k = i + 1 < n && cp[i + 1] == '(' ? i + 1 : i;
    if (zf_farm_parse_ann(cp, n, k, &syl, &tone)) {
      f->mis++;
      if (k == i)
        f->swallow_seen++;
      else
        f->keep_seen++;
    }
  }
}

/* After the marks: occurrences of annotated characters left bare, and
 * whether the signature is now on. */
static void sig_finish(farm *f, const uint32_t *cp, size_t lo, size_t n) {
  if (f->annset)
    for (size_t i = lo; i < n; i++)
      if (zf_is_han(cp[i]) && zf_farm_annset_has(f, cp[i]) && (i + 1 >= n || cp[i + 1] != '('))
        f->unann++;
  if (f->mis > 0 ||
      (f->farm_like >= 3 && f->other_ann * 10 <= f->farm_like && f->unann * 4 <= f->farm_like))
    f->sig = 1;
}

void zf_farm_sig_scan(farm *f, const uint32_t *cp, size_t n, size_t first) {
  for (size_t i = zf_farm_next_mark(cp, first, n); i < n; i = zf_farm_next_mark(cp, i + 1, n))
    sig_at(f, cp, 0, n, i);
  sig_finish(f, cp, 0, n);
}

void zf_farm_sig_marks(farm *f, const uint32_t *cp, size_t from, size_t n, const uint32_t *mk,
                       size_t nmk) {
  for (size_t j = 0; j < nmk; j++)
    if (mk[j] >= from) sig_at(f, cp, from, n, mk[j]);
  sig_finish(f, cp, from, n);
}

/* ---- tokens --------------------------------------------------------------- */

/* near: a character of GBK text within three characters, not counting
 * the annotations in between (they are inserted text). */
static void mark_near(farm *f, size_t n) {
  for (size_t i = 0; i < n; i++) f->tk[i].near = 0;
  for (size_t i = 0, dist = 4; i < n; i++) {
    tok *t = &f->tk[i];
    if (t->ann_end) {
      size_t from = i;
      if (is_lost(t->cp)) { /* the mark is text, what follows is inserted */
        dist++;
        t->near |= dist <= 3;
        from = i + 1;
      }
      for (size_t k = from; k <= (size_t)t->ann_end; k++) f->tk[k].near |= dist <= 3;
      i = (size_t)t->ann_end;
      continue;
    }
    dist = t->cp >= 0x80 && t->cp != 0xFFFD ? 0 : dist + 1;
    t->near |= dist <= 3;
  }
  for (size_t i = n, dist = 4; i-- > 0;) {
    tok *t = &f->tk[i];
    if (t->cp == ')') {
      size_t k = i;
      if (k > 0 && is_tone_digit(f->tk[k - 1].cp)) k--;
      while (k > 0 && is_pinyin_letter(f->tk[k - 1].cp)) k--;
      if (k > 0 && (size_t)f->tk[k - 1].ann_end == i) {
        /* an annotation: transparent, unless it starts at a '?' */
        for (size_t m = k; m <= i; m++) f->tk[m].near |= dist <= 3;
        i = k;
        if (f->tk[k - 1].cp == '(') continue;
        i = k - 1;
        t = &f->tk[i];
      }
    }
    dist = t->cp >= 0x80 && t->cp != 0xFFFD ? 0 : dist + 1;
    t->near |= dist <= 3;
  }
}

/* The line in->cp[0..len) as tokens f->tk[0..len): bytes, annotations,
 * nearness of GBK text.  Resets the per-line search scratch. */
int zf_farm_prepare(farm *f, const zf_text *in) {
  size_t n = in->len;
  if (n + 1 > f->captk) {
    tok *nt = realloc(f->tk, (n + 1) * sizeof *nt);
    if (!nt) return -1;
    f->tk = nt;
    f->captk = n + 1;
  }
  for (size_t i = 0; i < RING; i++) {
    f->beam[i].n = 0;
    /* give back what a bad line took; up to 16,384 hypotheses (917 KB) a
     * position stays for the next line: arrays past glibc's mmap
     * threshold given back every line came back as fresh pages (5 MB of
     * realistic farm damage: 21,900 page faults and 1.12 s CPU with 4,096;
     * 6,650 and 0.92 s with 16,384; peak RSS 30.1 -> 30.4 MB, the worst
     * shapes at most 27.3 MB) */
    if (f->beam[i].cap > 16384) {
      free(f->beam[i].v);
      f->beam[i].v = NULL;
      f->beam[i].cap = 0;
    }
  }
  f->unknown = '?';
  for (size_t i = 0; i < n; i++) {
    tok *t = &f->tk[i];
    memset(t, 0, sizeof *t);
    if (in->cp[i] == 0xFFFD) f->unknown = 0xFFFD;
    t->cp = in->cp[i];
    t->off = in->off[i];
    int k = fb_encode(f->codec, t->cp, t->b);
    /* A private-use character is no character of B, but the decoder
     * makes one from a misaligned pair (A3 8E), so its bytes count. */
    if (k == 1 || k == 2)
      t->nb = (uint8_t)k;
    else
      t->atom = 1;
    if (t->cp == '(' || is_lost(t->cp)) {
      int syl, tone;
      size_t j = zf_farm_parse_ann(in->cp, n, i, &syl, &tone);
      if (j && j < 0x7FFF) {
        t->ann_end = (int16_t)j;
        t->syl = (int16_t)syl;
        t->tone = (int8_t)tone;
      }
    }
  }
  mark_near(f, n);
  return 0;
}

/* ---- cheap looks ------------------------------------------------------------ */

/* The marks a clean line's looks act on: '?', U+FFFD and '('. */
static inline unsigned is_mark(uint32_t c) {
  return (unsigned)(c == '?') | (unsigned)(c == '(') | (unsigned)(c == 0xFFFD);
}

/* Blocks of MARK_BLOCK code points are tested at once, as a mask of their
 * marks: a line is crossed at a fraction of the cost of looking at each
 * character, and only the set bits of a block are looked at again. */
#define MARK_BLOCK 16

/* is_mark for the scalar loops: most characters are past '?' */
static inline int is_mark_1(uint32_t c) { return c > '?' ? c == 0xFFFD : c == '?' || c == '('; }

/* The marks of cp[0..MARK_BLOCK) as a mask, bit k for cp[k] (four
 * comparisons of four characters and a move of their signs with SSE2). */
#if defined(__SSE2__)
#include <emmintrin.h>
static inline unsigned block_mark_bits(const uint32_t *cp) {
  const __m128i q = _mm_set1_epi32('?'), p = _mm_set1_epi32('('), r = _mm_set1_epi32(0xFFFD);
  unsigned m = 0;
  for (unsigned k = 0; k < MARK_BLOCK / 4; k++) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(cp + 4 * k));
    __m128i e = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi32(v, q), _mm_cmpeq_epi32(v, p)), _mm_cmpeq_epi32(v, r));
    m |= (unsigned)_mm_movemask_ps(_mm_castsi128_ps(e)) << (4 * k);
  }
  return m;
}
#else
static inline unsigned block_mark_bits(const uint32_t *cp) {
  unsigned m = 0;
  for (unsigned k = 0; k < MARK_BLOCK; k++) m |= is_mark(cp[k]) << k;
  return m;
}
#endif

/* The first mark of cp[i..n), or n: a mask a block, its lowest bit. */
size_t zf_farm_next_mark(const uint32_t *cp, size_t i, size_t n) {
  for (; i + MARK_BLOCK <= n; i += MARK_BLOCK) {
    unsigned m = block_mark_bits(cp + i);
    if (m) return i + (unsigned)__builtin_ctz(m);
  }
  for (; i < n; i++)
    if (is_mark(cp[i])) return i;
  return n;
}

/* Room for MARK_BLOCK more marks in f->mk after *nmk; -1 when out of
 * memory. */
static int mk_room(farm *f, size_t nmk) {
  if (f->capmk - nmk >= MARK_BLOCK) return 0;
  size_t nc = f->capmk ? f->capmk : 64;
  while (nc - nmk < MARK_BLOCK) nc *= 2;
  uint32_t *v = realloc(f->mk, nc * sizeof *v);
  if (!v) return -1;
  f->mk = v;
  f->capmk = nc;
  return 0;
}

/* The marks of a line shorter than a block, cp[0..n), as a mask. */
static unsigned short_mark_bits(const uint32_t *cp, size_t n) {
  unsigned m = 0;
  for (size_t k = 0; k < n; k++) m |= (unsigned)is_mark_1(cp[k]) << k;
  return m;
}

/* Appends position at + k for every bit k of the mask m. */
static int push_bits(farm *f, unsigned m, size_t at, size_t *nmk) {
  if (mk_room(f, *nmk)) return -1;
  for (; m; m &= m - 1) f->mk[(*nmk)++] = (uint32_t)(at + (unsigned)__builtin_ctz(m));
  return 0;
}

/* The marks of cp[0..n): a mask a block, and the positions of its bits
 * (no branch a character: man pages hold many '(' that each cost a
 * mispredicted branch in the one-by-one loop). */
size_t zf_farm_find_marks(farm *f, const uint32_t *cp, size_t n) {
  size_t nmk = 0, i = 0;
  for (; i + MARK_BLOCK <= n; i += MARK_BLOCK) {
    unsigned m = block_mark_bits(cp + i);
    if (m && push_bits(f, m, i, &nmk)) return SIZE_MAX;
  }
  if (i < n) {
    /* the rest, shorter than a block: the line's last block, shifted */
    unsigned m = n < MARK_BLOCK ? short_mark_bits(cp, n) : block_mark_bits(cp + n - MARK_BLOCK) >> (MARK_BLOCK - (n - i));
    if (m && push_bits(f, m, i, &nmk)) return SIZE_MAX;
  }
  return nmk;
}

/* A cheap look for anything the search could change in the line, whose
 * marks are mk[0..nmk). */
int zf_farm_worth_a_look(const farm *f, const zf_text *in, const uint32_t *mk, size_t nmk) {
  int strip_ok = f->o.pinyin == ZHFIX_PINYIN_STRIP ||
                 (f->o.pinyin == ZHFIX_PINYIN_AUTO && f->sig);
  const uint32_t *cp = in->cp;
  size_t n = in->len;
  if (!f->sig) {
    /* Without the signature the search can do one thing only: take out an
     * inserted annotation, "(py)" or "?py)" (lost bytes and split marks
     * need the signature: expand).  Every other reading of a line with no
     * such token dies, and the literal one is the line itself ("?x?" in a
     * Tcl synopsis), so such a line is not searched. */
    int any = 0;
    for (size_t j = 0; j < nmk && !any; j++) {
      size_t i = mk[j];
      int syl, tone;
      any = (cp[i] == '(' || is_lost(cp[i])) && zf_farm_parse_ann(cp, n, i, &syl, &tone);
    }
    if (!any) return 0;
  }
  for (size_t j = 0; j < nmk; j++) {
    size_t i = mk[j];
    if (is_lost(cp[i])) {
      /* damage leaves '?' next to non-ASCII text, possibly with the ASCII
       * punctuation of a split replace in between */
      if (i + 1 < n && is_pinyin_letter(cp[i + 1])) return 1;
      for (size_t k = i > 3 ? i - 3 : 0; k < n && k <= i + 3; k++)
        if (cp[k] >= 0x80 && cp[k] != 0xFFFD) return 1;
    } else if (cp[i] == '(' && strip_ok && i > 0 && cp[i - 1] > ' ' && i + 1 < n &&
               is_pinyin_letter(cp[i + 1])) {
      return 1;
    }
  }
  return 0;
}

/* Quotes and brackets a line leaves open, for the balance term of the
 * next lines; a blank line ends a paragraph and forgets them. */
void zf_farm_track_open(farm *f, const zf_text *in) {
  int blank = 1;
  for (size_t i = 0; i < in->len; i++) {
    uint32_t c = in->cp[i];
    if (c > ' ') blank = 0;
    int close, g = pair_group(c, &close);
    if (g < 0) continue;
    if (!close) {
      if (f->open[g] < 3) f->open[g]++;
    } else if (f->open[g]) {
      f->open[g]--;
    }
  }
  /* only quotes run on into the next line; brackets stay in theirs */
  f->open[2] = f->open[3] = 0;
  if (blank) memset(f->open, 0, NGROUPS);
}
