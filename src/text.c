/* zf_text buffers and zf_stats: the small shared containers of the pipeline. */
#include <stdlib.h>
#include <string.h>

#include "zf.h"

int zf_text_reserve(zf_text *t, size_t extra) {
  if (t->cap - t->len >= extra) return 0;
  size_t want = t->len + extra;
  if (want < t->len) return -1; /* overflow */
  size_t cap = t->cap ? t->cap : 256;
  while (cap < want) {
    if (cap > SIZE_MAX / 2 / sizeof(uint64_t)) return -1;
    cap *= 2;
  }
  uint32_t *cp = realloc(t->cp, cap * sizeof *cp);
  if (!cp) return -1;
  t->cp = cp;
  uint64_t *off = realloc(t->off, cap * sizeof *off);
  if (!off) return -1; /* cp grew; harmless, cap is unchanged */
  t->off = off;
  t->cap = cap;
  return 0;
}

int zf_grow(void **p, size_t *cap, size_t need, size_t elem, size_t first) {
  if (need <= *cap) return 0;
  size_t nc = *cap ? *cap : first;
  while (nc < need) {
    if (nc > SIZE_MAX / 2 / elem) return -1;
    nc *= 2;
  }
  void *np = realloc(*p, nc * elem);
  if (!np) return -1;
  *p = np;
  *cap = nc;
  return 0;
}

int zf_text_push(zf_text *t, uint32_t c, uint64_t off) {
  if (t->len == t->cap && zf_text_reserve(t, 1)) return -1;
  t->cp[t->len] = c;
  t->off[t->len] = off;
  t->len++;
  return 0;
}

int zf_text_append(zf_text *t, const zf_text *src, size_t from, size_t n) {
  if (!n) return 0;
  if (zf_text_reserve(t, n)) return -1;
  memcpy(t->cp + t->len, src->cp + from, n * sizeof *t->cp);
  memcpy(t->off + t->len, src->off + from, n * sizeof *t->off);
  t->len += n;
  return 0;
}

void zf_text_clear(zf_text *t) { t->len = 0; }

void zf_text_free(zf_text *t) {
  free(t->cp);
  free(t->off);
  t->cp = NULL;
  t->off = NULL;
  t->len = t->cap = 0;
}

void zf_stats_init(zf_stats *s) {
  memset(s->v, 0, sizeof s->v);
  s->v[ZHFIX_STAT_FIRST_INVALID_OFFSET] = UINT64_MAX;
  s->nspans = 0;
  s->nseg_damage = 0;
  s->lf.valid = 0;
  s->lost_leave = 0;
  s->farm_leave = 0;
}

void zf_stats_unrecoverable(zf_stats *s, uint64_t off, uint64_t len) {
  s->v[ZHFIX_STAT_UNRECOVERABLE_SPANS]++;
  if (s->nspans < ZHFIX_MAX_SPANS) {
    s->spans[s->nspans].off = off;
    s->spans[s->nspans].len = len;
    s->nspans++;
  }
  if (len == 0) len = 1;
  if (s->nseg_damage < ZF_SEG_DAMAGE) {
    s->seg_damage[s->nseg_damage++] = (zf_span){off, len};
  } else { /* full: the last span grows to cover this one too */
    zf_span *l = &s->seg_damage[ZF_SEG_DAMAGE - 1];
    uint64_t lo = l->off < off ? l->off : off;
    uint64_t hi = l->off + l->len > off + len ? l->off + l->len : off + len;
    l->off = lo;
    l->len = hi - lo;
  }
}

void zf_stats_segment_start(zf_stats *s) { s->nseg_damage = 0; }

int zf_stats_damaged(const zf_stats *s, uint64_t off) {
  for (size_t i = 0; i < s->nseg_damage; i++)
    if (off >= s->seg_damage[i].off && off - s->seg_damage[i].off < s->seg_damage[i].len) return 1;
  return 0;
}

/* ---- UTF-8 out (zf.h) ------------------------------------------------------ */

/* One code point at p, as the pipeline writes it: U+FFFD for a surrogate
 * or a value beyond U+10FFFF. */
static size_t put_one(uint32_t c, unsigned char *p) {
  return (size_t)zf_utf8_put(c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) ? 0xFFFD : c, p);
}

/* Without SIMD: ASCII 16 at a time where it can (the loops vectorise), BMP
 * characters outside the surrogates inline, one little-endian word each
 * (the caller's room of four bytes a character allows it). */
static size_t encode_scalar(const uint32_t *cp, size_t len, unsigned char *p0) {
  unsigned char *p = p0;
  for (size_t i = 0; i < len;) {
    uint32_t c = cp[i];
    if (c < 0x80) { /* an ASCII run */
      for (; i + 16 <= len; i += 16, p += 16) {
        uint32_t x = 0;
        for (unsigned k = 0; k < 16; k++) x |= cp[i + k];
        if (x >= 0x80) break;
        unsigned char b[16];
        for (unsigned k = 0; k < 16; k++) b[k] = (unsigned char)cp[i + k];
        memcpy(p, b, 16);
      }
      for (; i < len && cp[i] < 0x80; i++) *p++ = (unsigned char)cp[i];
      continue;
    }
    if (c - 0x800u < 0xD800u - 0x800u || c - 0xE000u < 0x10000u - 0xE000u) {
      do { /* a run of three-byte characters */
        uint32_t w = (0xE0u | c >> 12) | (0x80u | (c >> 6 & 0x3Fu)) << 8 | (0x80u | (c & 0x3Fu)) << 16;
        unsigned char b[4] = {(unsigned char)w, (unsigned char)(w >> 8), (unsigned char)(w >> 16), 0};
        memcpy(p, b, 4);
        p += 3;
        i++;
      } while (i < len && ((c = cp[i]) - 0x800u < 0xD800u - 0x800u || c - 0xE000u < 0x10000u - 0xE000u));
      continue;
    }
    p += put_one(c, p);
    i++;
  }
  return (size_t)(p - p0);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define Z 0x80
/* For the mask m of the lanes (of four) that take three bytes, the others
 * taking one: the byte shuffle that packs the lanes' little-endian words
 * into 4 + 2 * popcount(m) bytes. */
static const unsigned char pack3[16][16] = {
    {0, 4, 8, 12, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z},
    {0, 1, 2, 4, 8, 12, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z},
    {0, 4, 5, 6, 8, 12, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z},
    {0, 1, 2, 4, 5, 6, 8, 12, Z, Z, Z, Z, Z, Z, Z, Z},
    {0, 4, 8, 9, 10, 12, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z},
    {0, 1, 2, 4, 8, 9, 10, 12, Z, Z, Z, Z, Z, Z, Z, Z},
    {0, 4, 5, 6, 8, 9, 10, 12, Z, Z, Z, Z, Z, Z, Z, Z},
    {0, 1, 2, 4, 5, 6, 8, 9, 10, 12, Z, Z, Z, Z, Z, Z},
    {0, 4, 8, 12, 13, 14, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z},
    {0, 1, 2, 4, 8, 12, 13, 14, Z, Z, Z, Z, Z, Z, Z, Z},
    {0, 4, 5, 6, 8, 12, 13, 14, Z, Z, Z, Z, Z, Z, Z, Z},
    {0, 1, 2, 4, 5, 6, 8, 12, 13, 14, Z, Z, Z, Z, Z, Z},
    {0, 4, 8, 9, 10, 12, 13, 14, Z, Z, Z, Z, Z, Z, Z, Z},
    {0, 1, 2, 4, 8, 9, 10, 12, 13, 14, Z, Z, Z, Z, Z, Z},
    {0, 4, 5, 6, 8, 9, 10, 12, 13, 14, Z, Z, Z, Z, Z, Z},
    {0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, Z, Z, Z, Z},
};
#undef Z

/* SSSE3: four code points a step, each lane one byte (ASCII) or three
 * (U+0800..U+FFFF outside the surrogates) without a branch on which; 16
 * ASCII ones a step where they come in a block.  A block of four with a
 * lane of two or four bytes (or no scalar value) goes one at a time. */
__attribute__((target("ssse3"))) static size_t encode_ssse3(const uint32_t *cp, size_t len, unsigned char *p0) {
  unsigned char *p = p0;
  const __m128i zero = _mm_setzero_si128(), m3f = _mm_set1_epi32(0x3F), lead = _mm_set1_epi32(0x8080E0);
  const __m128i hi7 = _mm_set1_epi32(~0x7F);
  size_t i = 0;
  while (i + 4 <= len) {
    if (i + 16 <= len) {
      __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(cp + i)),
              b = _mm_loadu_si128((const __m128i *)(const void *)(cp + i + 4)),
              c = _mm_loadu_si128((const __m128i *)(const void *)(cp + i + 8)),
              d = _mm_loadu_si128((const __m128i *)(const void *)(cp + i + 12));
      __m128i all = _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d));
      if (_mm_movemask_epi8(_mm_cmpeq_epi32(_mm_and_si128(all, hi7), zero)) == 0xFFFF) {
        /* 16 ASCII: narrowed (values below 0x80 saturate to themselves) */
        __m128i ab = _mm_packs_epi32(a, b), cd = _mm_packs_epi32(c, d);
        _mm_storeu_si128((__m128i *)(void *)p, _mm_packus_epi16(ab, cd));
        p += 16;
        i += 16;
        continue;
      }
    }
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(cp + i));
    /* signed compares: a value from 2^31 up is negative, in neither set */
    __m128i asc = _mm_andnot_si128(_mm_cmplt_epi32(v, zero), _mm_cmplt_epi32(v, _mm_set1_epi32(0x80)));
    __m128i bmp = _mm_and_si128(_mm_cmpgt_epi32(v, _mm_set1_epi32(0x7FF)), _mm_cmplt_epi32(v, _mm_set1_epi32(0x10000)));
    __m128i sur = _mm_and_si128(_mm_cmpgt_epi32(v, _mm_set1_epi32(0xD7FF)), _mm_cmplt_epi32(v, _mm_set1_epi32(0xE000)));
    __m128i three = _mm_andnot_si128(sur, bmp);
    int ma = _mm_movemask_ps(_mm_castsi128_ps(asc)), m3 = _mm_movemask_ps(_mm_castsi128_ps(three));
    if ((ma | m3) != 15) {
      for (size_t e = i + 4; i < e; i++) p += put_one(cp[i], p);
      continue;
    }
    __m128i w = _mm_or_si128(_mm_or_si128(_mm_srli_epi32(v, 12), _mm_slli_epi32(_mm_and_si128(_mm_srli_epi32(v, 6), m3f), 8)),
                             _mm_or_si128(_mm_slli_epi32(_mm_and_si128(v, m3f), 16), lead));
    w = _mm_or_si128(_mm_and_si128(asc, v), _mm_andnot_si128(asc, w));
    /* 16 bytes stored, 4 to 12 kept: within the caller's four a character */
    _mm_storeu_si128((__m128i *)(void *)p, _mm_shuffle_epi8(w, _mm_loadu_si128((const __m128i *)(const void *)pack3[m3])));
    p += 4 + 2 * (size_t)((0x4332322132212110u >> (4 * m3)) & 15); /* 4-bit popcount: no libgcc call without popcnt */
    i += 4;
  }
  for (; i < len; i++) p += put_one(cp[i], p);
  return (size_t)(p - p0);
}

/* AVX-512 (with VBMI2's byte compress): 16 code points a step, each lane
 * written as its four-byte little-endian word of one (ASCII) or three
 * bytes (U+0800..U+FFFF outside the surrogates) and the bytes kept
 * compressed together, without a branch on which; the last step masked
 * to the characters left.  A step with another lane goes one character
 * at a time. */
__attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt"))) static size_t encode_avx512(const uint32_t *cp,
                                                                                          size_t len,
                                                                                          unsigned char *p0) {
  unsigned char *p = p0;
  const __m512i m3f = _mm512_set1_epi32(0x3F), lead = _mm512_set1_epi32(0x8080E0);
  const __m512i one = _mm512_set1_epi32(0xFF), three = _mm512_set1_epi32(0xFFFFFF);
  for (size_t i = 0; i < len; i += 16) {
    size_t left = len - i;
    __mmask16 lanes = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
    __m512i v = _mm512_maskz_loadu_epi32(lanes, cp + i);
    __mmask16 asc = _mm512_cmplt_epu32_mask(v, _mm512_set1_epi32(0x80));
    __mmask16 bmp = _mm512_cmpge_epu32_mask(v, _mm512_set1_epi32(0x800)) &
                    _mm512_cmplt_epu32_mask(v, _mm512_set1_epi32(0x10000)) &
                    ~_mm512_cmplt_epu32_mask(_mm512_sub_epi32(v, _mm512_set1_epi32(0xD800)), _mm512_set1_epi32(0x800));
    if ((__mmask16)(asc | bmp) != (__mmask16)0xFFFF) {
      size_t e = left >= 16 ? i + 16 : len;
      for (size_t k = i; k < e; k++) p += put_one(cp[k], p);
      continue;
    }
    __m512i w = _mm512_or_si512(
        _mm512_or_si512(_mm512_srli_epi32(v, 12), _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(v, 6), m3f), 8)),
        _mm512_or_si512(_mm512_slli_epi32(_mm512_and_si512(v, m3f), 16), lead));
    w = _mm512_mask_blend_epi32(asc, w, v);
    /* the bytes each lane keeps, none in the lanes past the end */
    __m512i keep = _mm512_maskz_mov_epi32(lanes, _mm512_mask_blend_epi32(asc, three, one));
    __mmask64 km = _mm512_test_epi8_mask(keep, keep);
    __m512i packed = _mm512_maskz_compress_epi8(km, w);
    size_t nb = (size_t)__builtin_popcountll(km);
    if (left >= 16)
      _mm512_storeu_si512((void *)p, packed); /* 64 bytes: within the room of four a character */
    else
      _mm512_mask_storeu_epi8((void *)p, nb >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << nb) - 1), packed);
    p += nb;
  }
  return (size_t)(p - p0);
}
#endif

/* The encoder zf_utf8_encode takes: 2 AVX-512, 1 SSSE3, 0 scalar, the
 * best the CPU has unless a test lowered it (zf_utf8_encode_level). */
static int encode_cap = 2;

void zf_utf8_encode_level(int level) { encode_cap = level; }

size_t zf_utf8_encode(const uint32_t *cp, size_t n, unsigned char *dst) {
#if defined(__x86_64__) && defined(__GNUC__)
  if (encode_cap >= 2 && __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("popcnt"))
    return encode_avx512(cp, n, dst);
  if (encode_cap >= 1 && __builtin_cpu_supports("ssse3")) return encode_ssse3(cp, n, dst);
#endif
  return encode_scalar(cp, n, dst);
}
