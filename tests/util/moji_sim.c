/* Damage simulator; see moji_sim.h. */
#include "moji_sim.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>
#include <opencc/opencc.h>

static const char *const names[MOJI_SIM__COUNT] = {
    "utf8-as-gbk",   "utf8-as-big5",  "utf8-as-1252", "utf8-as-latin1", "utf8-double-1252",
    "utf8-gbk-1252", "gbk-as-big5",   "big5-as-gbk",  "gbk-as-1252",    "big5-as-1252",
    "utf8-gbk-s2t",  "utf8-gbk-t2s",  "utf8-big5-t2s", "utf8-as-gbk-q", "1252-dropped",  "gbk-as-utf8",  "kunkao",
    "1252-replaced"};

const char *moji_sim_name(int cls) {
  return cls >= 0 && cls < MOJI_SIM__COUNT ? names[cls] : "?";
}

typedef struct buf {
  unsigned char *p;
  size_t n;
} buf;

/* Converts between a byte encoding and UTF-8 through UTF-16 with ICU.
 * strict: fail on any unmappable/invalid input; otherwise ICU substitutes
 * and sub (when not 0) replaces the substitution characters. */
static int icu_to_utf16(const char *enc, const unsigned char *s, size_t n, int strict,
                        UChar **out, int32_t *outn) {
  UErrorCode err = U_ZERO_ERROR;
  UConverter *cv = ucnv_open(enc, &err);
  if (U_FAILURE(err)) return -1;
  if (strict) ucnv_setToUCallBack(cv, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &err);
  UChar *u = malloc((n * 2 + 2) * sizeof *u);
  if (!u) {
    ucnv_close(cv);
    return -1;
  }
  int32_t k = ucnv_toUChars(cv, u, (int32_t)(n * 2 + 2), (const char *)s, (int32_t)n, &err);
  ucnv_close(cv);
  if (U_FAILURE(err)) {
    free(u);
    return -1;
  }
  *out = u;
  *outn = k;
  return 0;
}

static int icu_from_utf16(const char *enc, const UChar *u, int32_t n, int strict, buf *out) {
  UErrorCode err = U_ZERO_ERROR;
  UConverter *cv = ucnv_open(enc, &err);
  if (U_FAILURE(err)) return -1;
  if (strict) ucnv_setFromUCallBack(cv, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL, &err);
  size_t cap = (size_t)n * 4 + 4;
  out->p = malloc(cap + 1);
  if (!out->p) {
    ucnv_close(cv);
    return -1;
  }
  int32_t k = ucnv_fromUChars(cv, (char *)out->p, (int32_t)cap, u, n, &err);
  ucnv_close(cv);
  if (U_FAILURE(err)) {
    free(out->p);
    out->p = NULL;
    return -1;
  }
  out->n = (size_t)k;
  return 0;
}

/* bytes in encoding `from` -> UTF-8, optionally mapping substitutions. */
static int decode_to_utf8(const char *from, const unsigned char *s, size_t n, int strict,
                          int subst_q, buf *out) {
  UChar *u;
  int32_t k;
  if (icu_to_utf16(from, s, n, strict, &u, &k)) return -1;
  if (subst_q)
    for (int32_t i = 0; i < k; i++)
      if (u[i] == 0xFFFD || u[i] == 0x1A) u[i] = '?';
  int rc = icu_from_utf16("UTF-8", u, k, 1, out);
  free(u);
  return rc;
}

static int encode_from_utf8(const char *to, const unsigned char *s, size_t n, buf *out) {
  UChar *u;
  int32_t k;
  if (icu_to_utf16("UTF-8", s, n, 1, &u, &k)) return -1;
  int rc = icu_from_utf16(to, u, k, 1, out);
  free(u);
  return rc;
}

/* Windows-1252 as browsers decode it (undefined bytes -> C1 controls). */
static const uint16_t w1252[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

static size_t put_utf8(uint32_t c, unsigned char *p) {
  if (c < 0x80) return p[0] = (unsigned char)c, 1;
  if (c < 0x800) {
    p[0] = (unsigned char)(0xC0 | c >> 6);
    p[1] = (unsigned char)(0x80 | (c & 0x3F));
    return 2;
  }
  p[0] = (unsigned char)(0xE0 | c >> 12);
  p[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
  p[2] = (unsigned char)(0x80 | (c & 0x3F));
  return 3;
}

/* mode 0: windows-1252, 1: ISO-8859-1, 2: 1252 dropping undefined bytes,
 * 3: 1252 replacing them with U+FFFD */
static int single_byte(const unsigned char *s, size_t n, int mode, buf *out) {
  out->p = malloc(n * 3 + 1);
  if (!out->p) return -1;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t c = s[i];
    if (c >= 0x80 && c < 0xA0 && mode != 1) {
      c = w1252[c - 0x80];
      if (mode == 2 && c < 0xA0) continue;
      if (mode == 3 && c < 0xA0) c = 0xFFFD;
    }
    k += put_utf8(c, out->p + k);
  }
  out->n = k;
  return 0;
}

/* The UTF-8 text in a through OpenCC (which 0: s2t.json, 1: t2s.json)
 * into out.  Opening a converter loads its dictionaries: done once per
 * test program and kept (test code only; the library keeps no such
 * state). */
static int opencc_apply(int which, const buf *a, buf *out) {
  static const char *const cfg[2] = {"/usr/share/opencc/s2t.json", "/usr/share/opencc/t2s.json"};
  static opencc_t cc[2] = {(opencc_t)-1, (opencc_t)-1};
  if (cc[which] == (opencc_t)-1) cc[which] = opencc_open(cfg[which]);
  if (cc[which] == (opencc_t)-1) return -1;
  char *t = opencc_convert_utf8(cc[which], (const char *)a->p, a->n);
  if (!t) return -1;
  size_t tn = strlen(t);
  int rc = -1;
  out->p = malloc(tn + 1);
  if (out->p) {
    memcpy(out->p, t, tn);
    out->n = tn;
    rc = 0;
  }
  opencc_convert_utf8_free(t);
  return rc;
}

char *moji_sim_damage(int cls, const char *src, size_t n, size_t *outlen) {
  const unsigned char *s = (const unsigned char *)src;
  buf a = {0}, b = {0};
  int rc = -1;
  switch (cls) {
  case MOJI_SIM_UTF8_AS_GBK:
    rc = decode_to_utf8("GBK", s, n, 1, 0, &b);
    break;
  case MOJI_SIM_UTF8_AS_BIG5:
    rc = decode_to_utf8("Big5", s, n, 1, 0, &b);
    break;
  case MOJI_SIM_UTF8_AS_1252:
    rc = single_byte(s, n, 0, &b);
    break;
  case MOJI_SIM_UTF8_AS_LATIN1:
    rc = single_byte(s, n, 1, &b);
    break;
  case MOJI_SIM_UTF8_DOUBLE_1252:
    rc = single_byte(s, n, 0, &a);
    if (!rc) rc = single_byte(a.p, a.n, 0, &b);
    break;
  case MOJI_SIM_UTF8_GBK_1252:
    rc = decode_to_utf8("GBK", s, n, 1, 0, &a);
    if (!rc) rc = single_byte(a.p, a.n, 0, &b);
    break;
  case MOJI_SIM_GBK_AS_BIG5:
    rc = encode_from_utf8("GBK", s, n, &a);
    if (!rc) rc = decode_to_utf8("Big5", a.p, a.n, 1, 0, &b);
    break;
  case MOJI_SIM_BIG5_AS_GBK:
    rc = encode_from_utf8("Big5", s, n, &a);
    if (!rc) rc = decode_to_utf8("GBK", a.p, a.n, 1, 0, &b);
    break;
  case MOJI_SIM_GBK_AS_1252:
    rc = encode_from_utf8("GBK", s, n, &a);
    if (!rc) rc = single_byte(a.p, a.n, 0, &b);
    break;
  case MOJI_SIM_BIG5_AS_1252:
    rc = encode_from_utf8("Big5", s, n, &a);
    if (!rc) rc = single_byte(a.p, a.n, 0, &b);
    break;
  case MOJI_SIM_UTF8_GBK_S2T:
    rc = decode_to_utf8("GBK", s, n, 1, 0, &a);
    if (!rc) rc = opencc_apply(0, &a, &b);
    break;
  case MOJI_SIM_UTF8_GBK_T2S:
    rc = decode_to_utf8("GBK", s, n, 1, 0, &a);
    if (!rc) rc = opencc_apply(1, &a, &b);
    break;
  case MOJI_SIM_UTF8_BIG5_T2S:
    rc = decode_to_utf8("Big5", s, n, 1, 0, &a);
    if (!rc) rc = opencc_apply(1, &a, &b);
    break;
  case MOJI_SIM_UTF8_AS_GBK_Q:
    rc = decode_to_utf8("GBK", s, n, 0, 1, &b);
    break;
  case MOJI_SIM_1252_DROPPED:
    rc = single_byte(s, n, 2, &b);
    break;
  case MOJI_SIM_1252_REPLACED:
    rc = single_byte(s, n, 3, &b);
    break;
  case MOJI_SIM_GBK_AS_UTF8:
    rc = encode_from_utf8("GBK", s, n, &a);
    if (!rc) rc = decode_to_utf8("UTF-8", a.p, a.n, 0, 0, &b);
    break;
  case MOJI_SIM_KUNKAO:
    rc = encode_from_utf8("GBK", s, n, &a);
    if (!rc) rc = decode_to_utf8("UTF-8", a.p, a.n, 0, 0, &b);
    if (!rc) {
      free(a.p);
      a = b;
      b.p = NULL;
      rc = decode_to_utf8("GBK", a.p, a.n, 0, 0, &b);
    }
    break;
  default:
    break;
  }
  free(a.p);
  if (rc) {
    free(b.p);
    return NULL;
  }
  b.p[b.n] = 0;
  if (outlen) *outlen = b.n;
  return (char *)b.p;
}
