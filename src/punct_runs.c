/*
 * The blocks of zf_punct_runs_next (punct_int.h): of up to 64 code
 * points, the positions whose class lacks ZF_PC_PLAIN (clean()'s plain
 * run) or ZF_PC_QUIET (the shortcut's quiet run), as one mask.  With
 * SSSE3, 16 code points a step and no branch: the CJK Unified Ideographs
 * by a range test on 16-bit lanes, ASCII by the two nibbles of a byte
 * lane (the low one picks a byte of the class's table, ZF_PC_NIBBLES,
 * the high one a bit of it; a lane beyond ASCII picks nothing).
 * Elsewhere the class table, one code point at a time.  The two give the
 * same masks (test_class_runs compares them with the table).
 */
#include "punct_int.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define RUNS_SSSE3 1
#endif

static void read_table(zf_punct_runs *r, const uint8_t *cc, const uint32_t *cp, size_t b, size_t e,
                       unsigned bit, unsigned *acc) {
  uint64_t s = 0;
  unsigned o = 0;
  for (size_t k = b; k < e; k++) {
    unsigned cl = zf_punct_class(cc, cp[k]);
    o |= cl;
    s |= (uint64_t)((cl & bit) == 0) << (k - b);
  }
  r->stop = s;
  *acc |= o & ZF_PC_HAN;
}

#ifdef RUNS_SSSE3
/* The stops among the 16 code points at p (bit k for p[k]); ORs into
 * *han the lanes of CJK Unified Ideographs. */
__attribute__((target("ssse3"))) static inline unsigned stops16(const uint32_t *p, __m128i tab,
                                                                  __m128i *han) {
  const __m128i a0 = _mm_loadu_si128((const __m128i *)(const void *)p);
  const __m128i a1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 4));
  const __m128i a2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 8));
  const __m128i a3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 12));
  /* CJK: x - 0x8000 in signed 16-bit lanes is exact up to U+FFFF, and
   * what lies beyond saturates to U+FFFF's form, no ideograph */
  const __m128i bias = _mm_set1_epi32(0x8000);
  const __m128i lo = _mm_set1_epi16((short)(0x4E00 - 0x8000 - 1)), hi = _mm_set1_epi16((short)(0xA000 - 0x8000));
  __m128i w0 = _mm_packs_epi32(_mm_sub_epi32(a0, bias), _mm_sub_epi32(a1, bias));
  __m128i w1 = _mm_packs_epi32(_mm_sub_epi32(a2, bias), _mm_sub_epi32(a3, bias));
  __m128i c0 = _mm_and_si128(_mm_cmpgt_epi16(w0, lo), _mm_cmplt_epi16(w0, hi));
  __m128i c1 = _mm_and_si128(_mm_cmpgt_epi16(w1, lo), _mm_cmplt_epi16(w1, hi));
  __m128i cjk = _mm_packs_epi16(c0, c1);
  *han = _mm_or_si128(*han, cjk);
  /* ASCII: bytes by saturation (U+0080 and beyond give 0x80..0xFF; a
   * value of 2^31 or more gives 0, a control, no class either) */
  __m128i u = _mm_packus_epi16(_mm_packs_epi32(a0, a1), _mm_packs_epi32(a2, a3));
  const __m128i nib = _mm_set1_epi8(0x0F);
  const __m128i bits = _mm_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0);
  __m128i row = _mm_shuffle_epi8(tab, _mm_and_si128(u, nib));
  __m128i bitm = _mm_shuffle_epi8(bits, _mm_and_si128(_mm_srli_epi16(u, 4), nib));
  __m128i out = _mm_cmpeq_epi8(_mm_and_si128(row, bitm), _mm_setzero_si128());
  return (unsigned)_mm_movemask_epi8(_mm_andnot_si128(cjk, out));
}

__attribute__((target("ssse3"))) static void read_ssse3(zf_punct_runs *r, const uint8_t *cc,
                                                        const uint32_t *cp, size_t b, size_t e,
                                                        unsigned bit, unsigned *acc) {
  const __m128i tab = _mm_loadu_si128((const __m128i *)(const void *)(cc + ZF_PC_NIBBLES + (bit == ZF_PC_PLAIN ? 0 : 16)));
  __m128i han = _mm_setzero_si128();
  uint64_t s;
  size_t len = e - b;
  if (len >= 16) {
    /* Four reads of 16, the last ones moved back to end at e (their
     * positions read twice have the same classes; a Han among them is
     * the body's): no loop, whose count would change with the line's
     * length and mispredict. */
    size_t o1 = len < 32 ? len - 16 : 16, o2 = len < 48 ? len - 16 : 32, o3 = len - 16;
    s = (uint64_t)stops16(cp + b, tab, &han) | (uint64_t)stops16(cp + b + o1, tab, &han) << o1 |
        (uint64_t)stops16(cp + b + o2, tab, &han) << o2 | (uint64_t)stops16(cp + b + o3, tab, &han) << o3;
  } else if (e >= 16) {
    /* The last 16 of the body up to e, the ones before b read again. */
    s = stops16(cp + e - 16, tab, &han) >> (16 - len);
  } else {
    /* A body shorter than 16: its last code point repeated. */
    uint32_t t[16];
#pragma GCC unroll 16
    for (size_t j = 0; j < 16; j++) t[j] = cp[b + (j < len ? j : len - 1)];
    s = stops16(t, tab, &han) & ((1u << len) - 1);
  }
  r->stop = s;
  *acc |= _mm_movemask_epi8(han) ? (unsigned)ZF_PC_HAN : 0u;
}
#endif

void zf_punct_runs_read(zf_punct_runs *r, const uint8_t *cc, const uint32_t *cp, size_t b, size_t end,
                        unsigned bit, unsigned *acc) {
  size_t e = end - b < 64 ? end : b + 64;
  r->base = b;
  r->lim = e;
#ifdef RUNS_SSSE3
  if (__builtin_cpu_supports("ssse3")) {
    read_ssse3(r, cc, cp, b, e, bit, acc);
    return;
  }
#endif
  read_table(r, cc, cp, b, e, bit, acc);
}
