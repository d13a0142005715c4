/*
 * The shared facts of a segment (linefacts.h).  Over the Basic
 * Multilingual Plane a class a character, built once per process
 * (shared.h), holds one bit per fact; its spread form (spread[class])
 * holds one count per fact in a field of five bits, so the sum of the
 * spread classes of a block of 16 characters holds every count of the
 * block (at most 16 each), read out once a block.  The classes are one
 * byte each (64 KB, the CJK block 21 KB) so that a line's lookups stay in
 * the first-level cache, as the 32-bit spread forms (256 KB) did not.  A
 * block holding a character beyond the BMP is counted again one character
 * at a time.
 */
#include <stdlib.h>

#include "linefacts.h"
#include "lm.h"
#include "marks.h"
#include "moji.h"
#include "shared.h"

enum {
  F_HAN = 0,     /* a Han character (from U+3400)                     */
  F_RARE = 5,    /* ... that the model hardly knows (zf_line_rare_han) */
  F_MARKER = 10, /* '?' or U+FFFD                                     */
  F_PAREN = 15,  /* '('                                               */
  F_MOJIX = 20,  /* where damage may start (zf_mark_starts_span), or a C1 control */
  F_LOUD = 25    /* not quiet to the mojibake trigger (moji.h quiet_bm) */
};
/* The bit of fact F in a class: F / 5. */
#define BIT(f) (1u << ((f) / 5))

typedef struct classes_t {
  uint32_t spread[64]; /* class -> one count of each of its facts */
  uint8_t cls[0x10000];
  uint8_t pad[4]; /* scan512 reads four bytes at each class */
} classes_t;

int zf_line_rare_han(uint32_t c) { return !zf_lm_known(c) || zf_lm_char(c) < ZF_RARE_LP; }

static void *class_build(void *arg) {
  (void)arg;
  int err;
  const moji_tables *mt = zf_moji_tables(&err);
  if (!mt) return NULL;
  classes_t *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  for (uint32_t k = 0; k < 64; k++)
    for (uint32_t f = 0; f < 6; f++) t->spread[k] |= (k >> f & 1u) << (5 * f);
  for (uint32_t c = 0x80; c < 0x10000; c++) {
    unsigned k = moji_bit(mt->quiet_bm, c) ? 0 : BIT(F_LOUD);
    if (zf_is_han(c)) k |= BIT(F_HAN) | (zf_line_rare_han(c) ? BIT(F_RARE) : 0);
    if (zf_mark_starts_span(c) || (c >= 0x80 && c < 0xA0)) k |= BIT(F_MOJIX);
    t->cls[c] = (uint8_t)k;
  }
  t->cls[0xFFFD] |= BIT(F_MARKER);
  t->cls['?'] = BIT(F_MARKER);
  t->cls['('] = BIT(F_PAREN);
  return t;
}

static zf_shared_slot class_slot;

/* Block sums are gathered without reading the fields out: the fields at
 * 0, 10, 20 and those at 5, 15, 25 (shifted down) each get ten bits in
 * one of two accumulators, room for 63 blocks. */
#define LOW5 (31u | 31u << 10 | 31u << 20)
typedef struct acc {
  uint32_t even, odd;
  unsigned blocks;
} acc;

static void flush(acc *a, zf_line_facts *lf) {
  lf->han += a->even & 1023u;
  lf->marker += a->even >> 10 & 1023u;
  lf->mojix += a->even >> 20 & 1023u;
  lf->rare += a->odd & 1023u;
  lf->paren += a->odd >> 10 & 1023u;
  lf->loud += a->odd >> 20 & 1023u;
  a->even = a->odd = 0;
  a->blocks = 0;
}

/* Adds the sum of at most 16 classes. */
static inline void add(acc *a, zf_line_facts *lf, uint32_t sum) {
  a->even += sum & LOW5;
  a->odd += sum >> 5 & LOW5;
  if (++a->blocks == 63) flush(a, lf);
}

/* Records position at as the next loud character's, while there is
 * room (lf->loud_at). */
static inline void note_loud(zf_line_facts *lf, size_t *nat, size_t at) {
  if (*nat < ZF_LOUD_AT) lf->loud_at[(*nat)++] = (uint32_t)at;
}

/* The loud characters of the BMP block b[0..16) from position at. */
static void note_loud_block(const classes_t *t, const uint32_t *b, size_t at, zf_line_facts *lf, size_t *nat) {
  unsigned lm = 0;
  for (unsigned k = 0; k < 16; k++) lm |= (unsigned)(t->cls[b[k]] >> (F_LOUD / 5) & 1u) << k;
  for (; lm && *nat < ZF_LOUD_AT; lm &= lm - 1) lf->loud_at[(*nat)++] = (uint32_t)(at + (unsigned)__builtin_ctz(lm));
}

/* One character at a time, cp[0..n) from position at (beyond the BMP:
 * Han or not, never a mark, never quiet). */
static void add_slow(const classes_t *t, const uint32_t *cp, size_t n, size_t at, acc *a, zf_line_facts *lf,
                     size_t *nat) {
  for (size_t k = 0; k < n; k++) {
    uint32_t c = cp[k];
    if (c < 0x10000) {
      add(a, lf, t->spread[t->cls[c]]);
      if (t->cls[c] & BIT(F_LOUD)) note_loud(lf, nat, at + k);
    } else {
      lf->loud++;
      note_loud(lf, nat, at + k);
      if (zf_is_han(c)) {
        lf->han++;
        lf->han_astral++;
        lf->rare += (size_t)zf_line_rare_han(c);
      }
    }
  }
}

static const classes_t *classes(void) {
  const classes_t *cls = atomic_load_explicit(&class_slot, memory_order_acquire);
  return cls ? cls : zf_shared_get(&class_slot, class_build, NULL, free);
}

/* The facts of cp[0..t) into *lf, where t is n, or with stop set the
 * first '\n' or '\r' of cp[0..n) (n when there is none); returns t.
 * (A line's terminator adds nothing to its facts.) */
static inline size_t scan(const classes_t *t, const uint32_t *cp, size_t n, int stop, zf_line_facts *lf) {
  lf->han = lf->rare = lf->marker = lf->paren = lf->mojix = lf->loud = lf->han_astral = 0;
  size_t i = 0, nat = 0;
  acc a = {0, 0, 0};
  uint32_t any = 0;
  for (; i + 16 <= n; i += 16) {
    const uint32_t *b = cp + i;
    uint32_t all = 0, sum = 0, brk = 0;
    if (stop) {
      for (size_t k = 0; k < 16; k++) all |= b[k], brk |= (uint32_t)(b[k] == '\n') | (uint32_t)(b[k] == '\r');
      if (brk) break; /* the block holding the end: one by one below */
    } else {
      for (size_t k = 0; k < 16; k++) all |= b[k];
    }
    any |= all;
    if (all < 0x80) {
      /* ASCII (this test and the counts vectorise): marks and '(' only */
      uint32_t q = 0, o = 0;
      for (size_t k = 0; k < 16; k++) q += b[k] == '?', o += b[k] == '(';
      a.even += q << F_MARKER;
      a.odd += o << (F_PAREN - 5);
      if (++a.blocks == 63) flush(&a, lf);
      continue;
    }
    const uint32_t *sp = t->spread;
    const uint8_t *cls = t->cls;
    for (size_t k = 0; k < 16; k += 4)
      sum += sp[cls[b[k] & 0xFFFF]] + sp[cls[b[k + 1] & 0xFFFF]] + sp[cls[b[k + 2] & 0xFFFF]] +
             sp[cls[b[k + 3] & 0xFFFF]];
    if (all >> 16) {
      add_slow(t, b, 16, i, &a, lf, &nat);
    } else {
      add(&a, lf, sum);
      if (sum >> F_LOUD && nat < ZF_LOUD_AT) note_loud_block(t, b, i, lf, &nat);
    }
  }
  /* fewer than 16 characters to the end or to the break */
  uint32_t sum = 0;
  for (; i < n; i++) {
    uint32_t c = cp[i];
    if (stop && (c == '\n' || c == '\r')) break;
    any |= c;
    if (c >> 16) {
      add_slow(t, cp + i, 1, i, &a, lf, &nat);
    } else {
      sum += t->spread[t->cls[c]];
      if (t->cls[c] & BIT(F_LOUD)) note_loud(lf, &nat, i);
    }
  }
  add(&a, lf, sum);
  flush(&a, lf);
  lf->wide = any >= 0x80;
  lf->valid = 1;
  return i;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LF_SIMD 1
/* scan with AVX-512 (wave 18): 16 characters a step, the block past the
 * end or past the break masked to zeros (no class, no fact), so a line's
 * last block takes the same path as the others instead of one character
 * at a time; the classes of a block's BMP characters fetched by one
 * gather, each fact counted by a population count of its bit over the
 * block (no spread forms, no accumulators), and the loud characters'
 * positions read from the same mask.  Characters beyond the BMP are
 * always loud, Han by zf_is_han, as in add_slow.  The same facts as scan
 * by construction; tests/test_linefacts.c compares both with the
 * definitions on random lines and every corpus line. */
__attribute__((target("avx512f,avx512bw,popcnt"))) static size_t scan512(const classes_t *t, const uint32_t *cp,
                                                                         size_t n, int stop, zf_line_facts *lf) {
  size_t han = 0, rare = 0, marker = 0, paren = 0, mojix = 0, loud = 0, astral_han = 0, nat = 0, i = 0;
  const __m512i nl = _mm512_set1_epi32('\n'), cr = _mm512_set1_epi32('\r'), q = _mm512_set1_epi32('?'),
                op = _mm512_set1_epi32('('), x80 = _mm512_set1_epi32(0x80), bmp = _mm512_set1_epi32(0x10000),
                ff = _mm512_set1_epi32(0xFF);
  __m512i any = _mm512_setzero_si512();
  while (i < n) {
    size_t take = n - i < 16 ? n - i : 16;
    __mmask16 lanes = (__mmask16)((1u << take) - 1u);
    __m512i v = _mm512_maskz_loadu_epi32(lanes, cp + i);
    int end = 0;
    if (stop) {
      __mmask16 brk = _mm512_cmpeq_epi32_mask(v, nl) | _mm512_cmpeq_epi32_mask(v, cr);
      if (brk) { /* brk is within lanes: the lanes past them are zeros */
        take = (size_t)__builtin_ctz(brk);
        lanes = (__mmask16)((1u << take) - 1u);
        v = _mm512_maskz_mov_epi32(lanes, v);
        end = 1;
      }
    }
    any = _mm512_or_si512(any, v);
    if (!_mm512_cmpge_epu32_mask(v, x80)) { /* ASCII: marks and '(' only */
      marker += (size_t)__builtin_popcount(_mm512_cmpeq_epi32_mask(v, q));
      paren += (size_t)__builtin_popcount(_mm512_cmpeq_epi32_mask(v, op));
    } else {
      __mmask16 astral = _mm512_cmpge_epu32_mask(v, bmp);
      __m512i k = _mm512_and_si512(
          _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), (__mmask16)(lanes & ~astral), v, t->cls, 1), ff);
#define LF_COUNT(f) (size_t) __builtin_popcount(_mm512_test_epi32_mask(k, _mm512_set1_epi32((int)BIT(f))))
      han += LF_COUNT(F_HAN);
      rare += LF_COUNT(F_RARE);
      marker += LF_COUNT(F_MARKER);
      paren += LF_COUNT(F_PAREN);
      mojix += LF_COUNT(F_MOJIX);
#undef LF_COUNT
      unsigned lm = (unsigned)(_mm512_test_epi32_mask(k, _mm512_set1_epi32((int)BIT(F_LOUD))) | astral);
      loud += (size_t)__builtin_popcount(lm);
      for (; lm && nat < ZF_LOUD_AT; lm &= lm - 1) lf->loud_at[nat++] = (uint32_t)(i + (unsigned)__builtin_ctz(lm));
      for (unsigned a = astral; a; a &= a - 1) {
        uint32_t c = cp[i + (unsigned)__builtin_ctz(a)];
        if (zf_is_han(c)) {
          han++;
          astral_han++;
          rare += (size_t)zf_line_rare_han(c);
        }
      }
    }
    i += take;
    if (end) break;
  }
  lf->han = han;
  lf->rare = rare;
  lf->marker = marker;
  lf->paren = paren;
  lf->mojix = mojix;
  lf->loud = loud;
  lf->han_astral = astral_han;
  lf->wide = _mm512_cmpge_epu32_mask(any, x80) != 0;
  lf->valid = 1;
  return i;
}

static int lf_level = 1; /* zf_line_facts_level */

void zf_line_facts_level(int level) { lf_level = level; }

/* scan512 where the CPU has it and the tests did not turn it off, else
 * scan. */
static size_t scan_any(const classes_t *t, const uint32_t *cp, size_t n, int stop, zf_line_facts *lf) {
  if (lf_level && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("popcnt"))
    return scan512(t, cp, n, stop, lf);
  return scan(t, cp, n, stop, lf);
}
#else
void zf_line_facts_level(int level) { (void)level; }

static size_t scan_any(const classes_t *t, const uint32_t *cp, size_t n, int stop, zf_line_facts *lf) {
  return scan(t, cp, n, stop, lf);
}
#endif

int zf_line_facts_scan(const zf_text *in, zf_line_facts *lf) {
  const classes_t *cls = classes();
  lf->valid = 0;
  if (!cls) return -1;
  scan_any(cls, in->cp, in->len, 0, lf);
  return 0;
}

size_t zf_line_facts_to_break(const uint32_t *cp, size_t n, zf_line_facts *lf) {
  const classes_t *cls = classes();
  lf->valid = 0;
  if (!cls) {
    size_t i = 0;
    while (i < n && cp[i] != '\n' && cp[i] != '\r') i++;
    return i;
  }
  return scan_any(cls, cp, n, 1, lf);
}
