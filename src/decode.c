/* Input decoding and encoding detection.  See decode.h. */
#include <stdlib.h>
#include <string.h>

#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>

#include "decode.h"
#include "lm.h"

#define REPLACEMENT 0xFFFDu

struct zf_decoder {
  int enc;
  /* UTF-8: the bytes of an incomplete sequence held from the last call. */
  unsigned char tail[4];
  size_t ntail;
  uint64_t tail_off;
  /* ICU path */
  UConverter *cnv;
  UChar *u16;
  int32_t *u16off;
  size_t u16cap;
  UChar pending_hi; /* a high surrogate whose low half is in the next call */
  uint64_t pending_hi_off;
  /* Filled by the ICU callback during one zf_decode call. */
  zf_stats *stats;
  uint64_t call_base;
  const char *call_src;
};

static void note_invalid(zf_stats *s, uint64_t off) {
  if (!s) return;
  if (s->v[ZHFIX_STAT_INVALID_SEQUENCES]++ == 0)
    s->v[ZHFIX_STAT_FIRST_INVALID_OFFSET] = off;
}

/* ICU calls this for illegal, irregular and unassigned sequences: substitute
 * U+FFFD and record where the bad bytes began.  args->source points just
 * past them in the caller's buffer, so their stream offset is known even
 * when they started in an earlier call. */
static void to_u_callback(const void *ctx, UConverterToUnicodeArgs *args,
                          const char *units, int32_t length,
                          UConverterCallbackReason reason, UErrorCode *err) {
  (void)units;
  zf_decoder *d = (zf_decoder *)ctx;
  if (reason > UCNV_IRREGULAR) return; /* reset, close, clone */
  uint64_t at = d->call_base + (uint64_t)(args->source - d->call_src);
  at = at >= (uint64_t)length ? at - (uint64_t)length : 0;
  note_invalid(d->stats, at);
  static const UChar fffd = REPLACEMENT;
  *err = U_ZERO_ERROR;
  ucnv_cbToUWriteUChars(args, &fffd, 1, 0, err);
}

static const char *icu_name(int enc) {
  switch (enc) {
  case ZHFIX_ENC_UTF16LE: return "UTF-16LE";
  case ZHFIX_ENC_UTF16BE: return "UTF-16BE";
  case ZHFIX_ENC_GB18030: return "GB18030";
  case ZHFIX_ENC_BIG5: return "windows-950-2000";
  case ZHFIX_ENC_BIG5HKSCS: return "ibm-1375_P100-2008";
  default: return NULL;
  }
}

int zf_decoder_new(zf_decoder **out, int enc) {
  *out = NULL;
  zf_decoder *d = calloc(1, sizeof *d);
  if (!d) return ZHFIX_E_NOMEM;
  d->enc = enc;
  if (enc != ZHFIX_ENC_UTF8) {
    const char *name = icu_name(enc);
    if (!name) {
      free(d);
      return ZHFIX_E_UNSUPPORTED;
    }
    UErrorCode err = U_ZERO_ERROR;
    d->cnv = ucnv_open(name, &err);
    if (U_FAILURE(err)) {
      free(d);
      return err == U_MEMORY_ALLOCATION_ERROR ? ZHFIX_E_NOMEM : ZHFIX_E_UNSUPPORTED;
    }
    ucnv_setToUCallBack(d->cnv, to_u_callback, d, NULL, NULL, &err);
    if (U_FAILURE(err)) {
      ucnv_close(d->cnv);
      free(d);
      return ZHFIX_E_INTERNAL;
    }
  }
  *out = d;
  return 0;
}

int zf_decoder_renew(zf_decoder **d, int enc) {
  if (*d && enc == ZHFIX_ENC_UTF8 && (*d)->enc == ZHFIX_ENC_UTF8) {
    /* a UTF-8 decoder holds nothing but its tail: start it afresh */
    memset(*d, 0, sizeof **d);
    (*d)->enc = enc;
    return 0;
  }
  zf_decoder_free(*d);
  return zf_decoder_new(d, enc);
}

void zf_decoder_free(zf_decoder *d) {
  if (!d) return;
  if (d->cnv) ucnv_close(d->cnv);
  free(d->u16);
  free(d->u16off);
  free(d);
}

/* Decodes one sequence at p (n bytes available) with zf_utf8_get, the
 * library's one UTF-8 decoder: returns its length and sets *c; returns the
 * length of the maximal invalid subpart with *c = U+FFFD; returns 0 when
 * the bytes are a valid but incomplete prefix. */
static size_t utf8_one(const unsigned char *p, size_t n, uint32_t *c) {
  int k = zf_utf8_get(p, n, c);
  return k < 0 ? (size_t)-k : (size_t)k;
}

/* Whether utf8_one's result (c, k bytes, lead byte lead) is an invalid
 * subpart rather than a character: U+FFFD is also a character, EF BF BD,
 * the only three-byte sequence with lead EF that decodes to it. */
static int utf8_bad(uint32_t c, size_t k, unsigned char lead) {
  return c == REPLACEMENT && !(k == 3 && lead == 0xEF);
}

int zf_utf8_valid(const unsigned char *p, size_t len, int at_eof) {
  size_t i = 0;
  while (i < len) {
    if (p[i] < 0x80) {
      i++;
      continue;
    }
    uint32_t c;
    size_t k = utf8_one(p + i, len - i, &c);
    if (k == 0) return !at_eof; /* cut by the end of the prefix */
    if (utf8_bad(c, k, p[i])) return 0;
    i += k;
  }
  return 1;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ZF_UTF8_SIMD 1
/* Decodes src[i..len) from a character boundary, 16 bytes a step, while
 * a block starts with ASCII or three-byte sequences of the fast path
 * (leads E1..EC, EE, EF, each followed by two continuation bytes: always
 * valid).  A step takes the block's longest prefix of whole such
 * characters and stops at the first byte of anything else (a two- or
 * four-byte sequence, E0 or ED, an invalid byte) or at a sequence cut by
 * the block's end; the caller decodes what it stopped at.  Each block
 * decodes all 16 positions as if a character started there and keeps
 * those where one does (AVX-512 compress), so it takes no branch on the
 * text; it writes up to 16 entries past the characters it keeps (the
 * caller reserves them).  Returns the new i; *n grows by the characters
 * decoded. */
__attribute__((target("avx512f,popcnt"))) static size_t utf8_blocks(const unsigned char *src, size_t i, size_t len,
                                                                    uint64_t base, uint32_t *cp, uint64_t *off,
                                                                    size_t *n) {
  const __m128i c0 = _mm_set1_epi8((char)0xC0), c80 = _mm_set1_epi8((char)0x80);
  const __m128i e1 = _mm_set1_epi8((char)0xE1), d14 = _mm_set1_epi8(14), ed = _mm_set1_epi8((char)0xED);
  const __m512i m0f = _mm512_set1_epi32(0x0F), m3f = _mm512_set1_epi32(0x3F);
  const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0), eight = _mm512_set1_epi64(8);
  size_t k = *n;
  while (i + 16 <= len) {
    __m128i blk = _mm_loadu_si128((const __m128i *)(const void *)(src + i));
    unsigned a = ~(unsigned)_mm_movemask_epi8(blk) & 0xFFFFu;
    unsigned cont = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(blk, c0), c80));
    __m128i t = _mm_sub_epi8(blk, e1); /* E1..EF -> 0..14 */
    unsigned l3 = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(t, d14), t)) &
                  ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(blk, ed));
    unsigned want = (l3 << 1 | l3 << 2) & 0xFFFFu;
    /* f: the first byte that is none of the three, or a continuation
     * byte where none belongs, or none where one does */
    unsigned bad = (~(a | l3 | cont) | (cont ^ want)) & 0xFFFFu;
    unsigned f = bad ? (unsigned)__builtin_ctz(bad) : 16u;
    unsigned below = (1u << f) - 1u, below2 = f >= 2 ? (1u << (f - 2)) - 1u : 0u;
    unsigned starts = (a & below) | (l3 & below2);
    unsigned cut = l3 & below & ~below2; /* a sequence that does not end before f */
    unsigned used = cut ? (unsigned)__builtin_ctz(cut) : f;
    if (!used) break;
    __m512i w0 = _mm512_cvtepu8_epi32(blk), w1 = _mm512_cvtepu8_epi32(_mm_srli_si128(blk, 1)),
            w2 = _mm512_cvtepu8_epi32(_mm_srli_si128(blk, 2));
    __m512i c3 = _mm512_or_si512(_mm512_or_si512(_mm512_slli_epi32(_mm512_and_si512(w0, m0f), 12),
                                                 _mm512_slli_epi32(_mm512_and_si512(w1, m3f), 6)),
                                 _mm512_and_si512(w2, m3f));
    __m512i c = _mm512_mask_blend_epi32((__mmask16)a, c3, w0);
    _mm512_storeu_si512((void *)(cp + k), _mm512_maskz_compress_epi32((__mmask16)starts, c));
    __m512i o = _mm512_add_epi64(_mm512_set1_epi64((long long)(base + i)), lane);
    unsigned lo = starts & 0xFFu, nlo = (unsigned)__builtin_popcount(lo);
    _mm512_storeu_si512((void *)(off + k), _mm512_maskz_compress_epi64((__mmask8)lo, o));
    _mm512_storeu_si512((void *)(off + k + nlo),
                        _mm512_maskz_compress_epi64((__mmask8)(starts >> 8), _mm512_add_epi64(o, eight)));
    k += nlo + (unsigned)__builtin_popcount(starts >> 8);
    i += used;
    if (f == used && f < 16) break; /* the caller takes the byte that stopped it */
  }
  *n = k;
  return i;
}

/* The same over 64 bytes a step, with AVX-512 VBMI/VBMI2 (wave 18):
 * the masks of utf8_blocks taken over the whole block at once, then the
 * characters' start positions compressed (vpcompressb) and each start's
 * three bytes gathered by vpermb, so one step validates and decodes 64
 * bytes (21 CJK characters) where utf8_blocks needs four dependent steps.
 * The rules are utf8_blocks' exactly (the same accepted leads, the same
 * stop at the first other byte or at a sequence cut by the block's end);
 * tests/test_decode.c compares the two and the scalar path on every
 * position.  Writes up to 15 entries past the characters it keeps. */
__attribute__((target("avx512f,avx512bw,avx512vbmi,avx512vbmi2,popcnt"))) static size_t
utf8_blocks64(const unsigned char *src, size_t i, size_t len, uint64_t base, uint32_t *cp, uint64_t *off, size_t *n) {
  const __m512i c0 = _mm512_set1_epi8((char)0xC0), c80 = _mm512_set1_epi8((char)0x80);
  const __m512i e1 = _mm512_set1_epi8((char)0xE1), d14 = _mm512_set1_epi8(14), ed = _mm512_set1_epi8((char)0xED);
  const __m512i m0f = _mm512_set1_epi32(0x0F), m3f = _mm512_set1_epi32(0x3F), one = _mm512_set1_epi8(1);
  const __m512i iota = _mm512_set_epi64(0x3F3E3D3C3B3A3938, 0x3736353433323130, 0x2F2E2D2C2B2A2928,
                                        0x2726252423222120, 0x1F1E1D1C1B1A1918, 0x1716151413121110,
                                        0x0F0E0D0C0B0A0908, 0x0706050403020100);
  size_t k = *n;
  while (i + 64 <= len) {
    __m512i blk = _mm512_loadu_si512((const void *)(src + i));
    uint64_t a = ~(uint64_t)_mm512_movepi8_mask(blk);
    uint64_t cont = _mm512_cmpeq_epi8_mask(_mm512_and_si512(blk, c0), c80);
    uint64_t l3 = _mm512_cmple_epu8_mask(_mm512_sub_epi8(blk, e1), d14) & ~(uint64_t)_mm512_cmpeq_epi8_mask(blk, ed);
    uint64_t want = l3 << 1 | l3 << 2;
    uint64_t bad = ~(a | l3 | cont) | (cont ^ want);
    unsigned f = bad ? (unsigned)__builtin_ctzll(bad) : 64u;
    uint64_t below = f >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << f) - 1u;
    uint64_t below2 = f >= 2 ? ((uint64_t)1 << (f - 2)) - 1u : 0u;
    uint64_t starts = (a & below) | (l3 & below2);
    uint64_t cut = l3 & below & ~below2; /* a sequence that does not end before f */
    unsigned used = cut ? (unsigned)__builtin_ctzll(cut) : f;
    if (!used) break;
    /* idx: the start positions in order; b0, b1, b2: each start's bytes
     * (positions past 63 wrap: only an ASCII start reads them, unused) */
    __m512i idx = _mm512_maskz_compress_epi8(starts, iota);
    __m512i b0 = _mm512_permutexvar_epi8(idx, blk);
    __m512i i1 = _mm512_add_epi8(idx, one);
    __m512i b1 = _mm512_permutexvar_epi8(i1, blk), b2 = _mm512_permutexvar_epi8(_mm512_add_epi8(i1, one), blk);
    unsigned nc = (unsigned)__builtin_popcountll(starts);
    __m512i o = _mm512_set1_epi64((long long)(base + i));
    for (unsigned g = 0; g < nc; g += 16) {
      __m512i w0 = _mm512_cvtepu8_epi32(_mm512_castsi512_si128(b0)), w1 = _mm512_cvtepu8_epi32(_mm512_castsi512_si128(b1)),
              w2 = _mm512_cvtepu8_epi32(_mm512_castsi512_si128(b2));
      __m512i c3 = _mm512_or_si512(_mm512_or_si512(_mm512_slli_epi32(_mm512_and_si512(w0, m0f), 12),
                                                   _mm512_slli_epi32(_mm512_and_si512(w1, m3f), 6)),
                                   _mm512_and_si512(w2, m3f));
      __mmask16 asc = _mm512_cmplt_epu32_mask(w0, _mm512_set1_epi32(0x80));
      _mm512_storeu_si512((void *)(cp + k + g), _mm512_mask_blend_epi32(asc, c3, w0));
      __m128i ix = _mm512_castsi512_si128(idx);
      _mm512_storeu_si512((void *)(off + k + g), _mm512_add_epi64(o, _mm512_cvtepu8_epi64(ix)));
      if (g + 8 < nc)
        _mm512_storeu_si512((void *)(off + k + g + 8), _mm512_add_epi64(o, _mm512_cvtepu8_epi64(_mm_srli_si128(ix, 8))));
      /* the next 16 characters down to the low lanes */
      b0 = _mm512_alignr_epi32(b0, b0, 4);
      b1 = _mm512_alignr_epi32(b1, b1, 4);
      b2 = _mm512_alignr_epi32(b2, b2, 4);
      idx = _mm512_alignr_epi32(idx, idx, 4);
    }
    k += nc;
    i += used;
    if (f == used && f < 64) break; /* the caller takes the byte that stopped it */
  }
  *n = k;
  return i;
}

/* The block decoders decode_utf8 may take: 2 both (utf8_blocks64 where
 * the CPU has VBMI2), 1 utf8_blocks only, 0 neither (zf_utf8_decode_level). */
static int simd_level = 2;

void zf_utf8_decode_simd(int on) { simd_level = on ? 2 : 0; }

void zf_utf8_decode_level(int level) { simd_level = level; }

static int use_simd(void) {
  if (simd_level < 1 || !__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("popcnt")) return 0;
  return simd_level >= 2 && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vbmi") &&
                 __builtin_cpu_supports("avx512vbmi2")
             ? 2
             : 1;
}
#else
void zf_utf8_decode_simd(int on) { (void)on; }
void zf_utf8_decode_level(int level) { (void)level; }
#endif

static int decode_utf8(zf_decoder *d, const unsigned char *src, size_t len,
                       uint64_t base, int flush, zf_text *out, zf_stats *stats) {
  /* 16 entries of room past the characters: utf8_blocks writes ahead */
  if (zf_text_reserve(out, len + d->ntail + 16)) return ZHFIX_E_NOMEM;
  uint32_t *cp = out->cp + out->len;
  uint64_t *off = out->off + out->len;
  size_t n = 0, i = 0;
  /* Complete a sequence held back from the previous call. */
  while (d->ntail) {
    if (i >= len) {
      if (!flush) goto done;
      /* The stream ends inside the sequence. */
      note_invalid(stats, d->tail_off);
      cp[n] = REPLACEMENT;
      off[n++] = d->tail_off;
      d->ntail = 0;
      break;
    }
    d->tail[d->ntail++] = src[i++];
    uint32_t c;
    size_t k = utf8_one(d->tail, d->ntail, &c);
    if (k == 0) continue;
    /* A real U+FFFD (EF BF BD) cut by a call boundary is text, not an
     * invalid sequence: only a maximal invalid subpart counts. */
    if (utf8_bad(c, k, d->tail[0])) note_invalid(stats, d->tail_off);
    cp[n] = c;
    off[n++] = d->tail_off;
    /* Bytes of the tail after the invalid subpart are re-read from src. */
    i -= d->ntail - k;
    d->ntail = 0;
  }
#ifdef ZF_UTF8_SIMD
  const int simd = use_simd();
#else
  const int simd = 0;
#endif
  while (i < len) {
    /* With AVX-512, blocks of 16 bytes of ASCII and three-byte sequences
     * (utf8_blocks); the loops below then take the next 16 bytes (so
     * text of other sequences pays one failed block for 16 bytes). */
    size_t stop = len;
#ifdef ZF_UTF8_SIMD
    if (simd) {
      if (simd == 2) i = utf8_blocks64(src, i, len, base, cp, off, &n);
      i = utf8_blocks(src, i, len, base, cp, off, &n);
      if (i >= len) break;
      stop = len - i > 16 ? i + 16 : len;
    }
#endif
    while (i < stop) {
      /* Fast paths, the bytes read into locals first (stores to cp and
       * off could otherwise alias src and force every byte to be
       * re-read): ASCII, 16 bytes at a time where it can (the widening
       * loops vectorise); a three-byte sequence whose lead is E1..EC or
       * EE..EF followed by two continuation bytes (CJK), which is always
       * valid (E0 and ED have narrower second-byte ranges and take the
       * general path). */
      while (i < stop) {
        unsigned b0 = src[i];
        if (b0 < 0x80) { /* an ASCII run */
          for (; i + 16 <= stop; i += 16, n += 16) {
            unsigned char b[16];
            uint64_t w[2];
            memcpy(b, src + i, 16);
            memcpy(w, b, 16);
            if ((w[0] | w[1]) & 0x8080808080808080u) break;
            uint32_t *c16 = cp + n;
            uint64_t *o16 = off + n, o = base + i;
            for (unsigned k = 0; k < 16; k++) c16[k] = b[k];
            for (unsigned k = 0; k < 16; k++) o16[k] = o + k;
          }
          for (; i < stop && (b0 = src[i]) < 0x80; i++) {
            cp[n] = b0;
            off[n++] = base + i;
          }
          continue;
        }
        /* leads E1..EC, EE, EF: bits 1..12, 14, 15 of 0xDFFE */
        unsigned t = b0 - 0xE0u;
        if (t > 15u || !(0xDFFEu >> t & 1u) || i + 2 >= len) break;
        unsigned b1 = src[i + 1], b2 = src[i + 2];
        if (((b1 | b2 << 8) & 0xC0C0u) != 0x8080u) break;
        /* (E0|x) << 12 + (80|y) << 6 + (80|z) = E2080 + the code point */
        cp[n] = ((uint32_t)b0 << 12) + ((uint32_t)b1 << 6) + b2 - 0xE2080u;
        off[n++] = base + i;
        i += 3;
      }
      if (i >= stop) break;
      uint32_t c;
      size_t k = utf8_one(src + i, len - i, &c);
      if (k == 0) {
        if (flush) {
          note_invalid(stats, base + i);
          cp[n] = REPLACEMENT;
          off[n++] = base + i;
        } else {
          d->ntail = len - i;
          memcpy(d->tail, src + i, d->ntail);
          d->tail_off = base + i;
        }
        i = len;
        break;
      }
      if (utf8_bad(c, k, src[i])) note_invalid(stats, base + i);
      cp[n] = c;
      off[n++] = base + i;
      i += k;
    }
  }
done:
  out->len += n;
  return 0;
}

static int decode_icu(zf_decoder *d, const unsigned char *src, size_t len,
                      uint64_t base, int flush, zf_text *out, zf_stats *stats) {
  d->stats = stats;
  d->call_base = base;
  d->call_src = (const char *)src;
  const char *s = (const char *)src, *slim = s + len;
  for (;;) {
    if (d->u16cap < 4096) {
      UChar *u = realloc(d->u16, 4096 * sizeof *u);
      if (!u) return ZHFIX_E_NOMEM;
      d->u16 = u;
      int32_t *o = realloc(d->u16off, 4096 * sizeof *o);
      if (!o) return ZHFIX_E_NOMEM;
      d->u16off = o;
      d->u16cap = 4096;
    }
    UChar *t = d->u16;
    const char *before = s;
    UErrorCode err = U_ZERO_ERROR;
    ucnv_toUnicode(d->cnv, &t, d->u16 + d->u16cap, &s, slim, d->u16off, flush, &err);
    if (err == U_MEMORY_ALLOCATION_ERROR) return ZHFIX_E_NOMEM;
    if (U_FAILURE(err) && err != U_BUFFER_OVERFLOW_ERROR) return ZHFIX_E_INTERNAL;
    size_t nu = (size_t)(t - d->u16);
    if (zf_text_reserve(out, nu + 1)) return ZHFIX_E_NOMEM;
    for (size_t k = 0; k < nu; k++) {
      UChar u = d->u16[k];
      /* Offsets are relative to where this ucnv_toUnicode call began; -1 for
       * units from bytes of an earlier call. */
      int32_t ro = d->u16off[k];
      uint64_t o = ro >= 0 ? base + (uint64_t)(before - (const char *)src) + (uint64_t)ro
                           : (out->len ? out->off[out->len - 1] : base);
      if (d->pending_hi) {
        UChar hi = d->pending_hi;
        d->pending_hi = 0;
        if (u >= 0xDC00 && u <= 0xDFFF) {
          out->cp[out->len] = 0x10000u + (((uint32_t)hi - 0xD800u) << 10) + (u - 0xDC00u);
          out->off[out->len++] = d->pending_hi_off;
          continue;
        }
        out->cp[out->len] = REPLACEMENT;
        out->off[out->len++] = d->pending_hi_off;
        if (zf_text_reserve(out, nu - k + 1)) return ZHFIX_E_NOMEM;
      }
      if (u >= 0xD800 && u <= 0xDBFF) {
        d->pending_hi = u;
        d->pending_hi_off = o;
        continue;
      }
      out->cp[out->len] = (u >= 0xDC00 && u <= 0xDFFF) ? REPLACEMENT : u;
      out->off[out->len++] = o;
    }
    if (err != U_BUFFER_OVERFLOW_ERROR) break;
  }
  if (flush && d->pending_hi) {
    if (zf_text_push(out, REPLACEMENT, d->pending_hi_off)) return ZHFIX_E_NOMEM;
    d->pending_hi = 0;
  }
  if (flush) ucnv_resetToUnicode(d->cnv);
  d->stats = NULL;
  return 0;
}

int zf_decode(zf_decoder *d, const unsigned char *src, size_t len, uint64_t base,
              int flush, zf_text *out, zf_stats *stats) {
  if (d->enc == ZHFIX_ENC_UTF8) return decode_utf8(d, src, len, base, flush, out, stats);
  return decode_icu(d, src, len, base, flush, out, stats);
}

size_t zf_detect_bom(const unsigned char *p, size_t len, int *enc) {
  if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
    *enc = ZHFIX_ENC_UTF8;
    return 3;
  }
  if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
    *enc = ZHFIX_ENC_UTF16LE;
    return 2;
  }
  if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
    *enc = ZHFIX_ENC_UTF16BE;
    return 2;
  }
  return 0;
}

/* Score of a prefix decoded as enc: the language model's log-probability of
 * its characters, with a heavy penalty for every invalid sequence and for
 * code points no real text uses (private use, unassigned, C1 controls).
 * *nonascii receives the number of characters other than ASCII and U+FFFD
 * that were scored. */
static double decode_score(const unsigned char *p, size_t len, int enc, int at_eof,
                           size_t *nonascii) {
  *nonascii = 0;
  zf_decoder *d;
  if (zf_decoder_new(&d, enc)) return -1e300;
  zf_text t = {0};
  zf_stats st;
  zf_stats_init(&st);
  double score = -1e300;
  if (zf_decode(d, p, len, 0, at_eof, &t, &st) == 0) {
    score = -12.0 * (double)st.v[ZHFIX_STAT_INVALID_SEQUENCES];
    for (size_t i = 0; i < t.len; i++) {
      uint32_t c = t.cp[i];
      if (c < 0x80) continue; /* the same bytes in every candidate */
      if (c == REPLACEMENT) continue; /* already penalised */
      ++*nonascii;
      if ((c >= 0xE000 && c <= 0xF8FF) || (c >= 0x80 && c < 0xA0)) {
        score -= 12.0;
        continue;
      }
      score += zf_lm_char(c);
    }
  }
  zf_text_free(&t);
  zf_decoder_free(d);
  return score;
}

/* Counts, in p[0..len), the valid multi-byte UTF-8 sequences (*valid) and
 * the maximal invalid subparts (*invalid); a sequence cut by the end of
 * the prefix counts as neither unless at_eof. */
static void utf8_counts(const unsigned char *p, size_t len, int at_eof, uint64_t *valid,
                        uint64_t *invalid) {
  *valid = *invalid = 0;
  size_t i = 0;
  while (i < len) {
    if (p[i] < 0x80) {
      i++;
      continue;
    }
    uint32_t c;
    size_t k = utf8_one(p + i, len - i, &c);
    if (k == 0) {
      if (at_eof) ++*invalid;
      break;
    }
    if (utf8_bad(c, k, p[i]))
      ++*invalid;
    else
      ++*valid;
    i += k;
  }
}

void zf_detect(const unsigned char *p, size_t len, int at_eof, zf_detection *out) {
  uint64_t v, inv;
  utf8_counts(p, len, at_eof, &v, &inv);
  out->valid = v;
  out->invalid = inv;
  out->enc = ZHFIX_ENC_UTF8;
  out->guessed = 0;
  out->margin = 99.0;
  out->mean = 0.0;
  if (inv == 0) return; /* valid UTF-8 (or ASCII): no guess at all */
  /* Log10 odds of "UTF-8 with a few bad bytes" against "a legacy
   * encoding", from the high-byte sequences alone: each valid multi-byte
   * sequence is worth VALID_W, each invalid one costs INVALID_W (see
   * DETECT_P_LEGACY, DETECT_NOISE). */
  double llr = (double)v * DETECT_VALID_W - (double)inv * DETECT_INVALID_W;
  out->margin = llr;
  if (llr >= DETECT_CLEAR) return; /* UTF-8: its bad bytes become U+FFFD */
  static const int cand[] = {ZHFIX_ENC_UTF8, ZHFIX_ENC_GB18030, ZHFIX_ENC_BIG5,
                             ZHFIX_ENC_BIG5HKSCS};
  double sc[4];
  size_t nna[4];
  int best = -1;
  for (int i = 0; i < 4; i++) {
    /* UTF-8 is a candidate only while its own evidence is not clearly
     * against it */
    sc[i] = cand[i] == ZHFIX_ENC_UTF8 && llr <= -DETECT_CLEAR
                ? -1e300
                : decode_score(p, len, cand[i], at_eof, &nna[i]);
    /* HKSCS is a superset of Big5: prefer plain Big5 unless HKSCS decodes
     * strictly better (i.e. the text uses HKSCS characters). */
    if (best < 0 || sc[i] > sc[best] + (cand[i] == ZHFIX_ENC_BIG5HKSCS ? 1.0 : 0.0)) best = i;
  }
  /* The margin is against the best reading of another family (Big5 and
   * HKSCS are one). */
  double second = -1e300;
  for (int i = 0; i < 4; i++) {
    int same = i == best || (cand[i] >= ZHFIX_ENC_BIG5 && cand[best] >= ZHFIX_ENC_BIG5);
    if (!same && sc[i] > second) second = sc[i];
  }
  out->enc = cand[best];
  out->margin = sc[best] - second;
  /* Weak evidence: readings close to each other, UTF-8 taken in spite of
   * its bad bytes without the clear odds above, or a legacy reading whose
   * characters are no better than random ones (Latin-1 text read as
   * GB18030 gives rare Han between the letters). */
  double per = nna[best] ? sc[best] / (double)nna[best] : 0.0;
  out->mean = per;
  out->guessed = out->margin < DETECT_CLEAR || cand[best] == ZHFIX_ENC_UTF8 ||
                 (nna[best] && per < DETECT_PLAUSIBLE);
}

int zf_detect_encoding(const unsigned char *p, size_t len, int at_eof) {
  zf_detection d;
  zf_detect(p, len, at_eof, &d);
  return d.enc;
}
