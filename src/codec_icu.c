/*
 * The double-byte tables as ICU's converters read them (codec.h,
 * zf_dbcs_from_icu).  The build runs this once, in tools/gen_dbcs.c, and
 * embeds the result (build/dbcs.bin); the library runs it only when the
 * embedded tables are refused.
 */
#include <stdlib.h>
#include <string.h>
#include <unicode/ucnv.h>

#include "codec.h"

/* The code point of one separator-delimited piece dst[s..e) of ICU's
 * output, or 0 when the piece is not exactly one character. */
static uint32_t one_char(const UChar *dst, int32_t s, int32_t e) {
  if (e - s == 1 && !(dst[s] >= 0xD800 && dst[s] <= 0xDFFF)) return dst[s];
  if (e - s == 2 && dst[s] >= 0xD800 && dst[s] <= 0xDBFF && dst[s + 1] >= 0xDC00 && dst[s + 1] <= 0xDFFF)
    return 0x10000 + (((uint32_t)dst[s] - 0xD800) << 10) + (dst[s + 1] - 0xDC00);
  return 0;
}

/* Decodes the pairs (and then the single bytes) in one ICU call each,
 * every one followed by '\n', so that an invalid pair (which ICU may split
 * into a substitution and an ASCII byte) cannot shift the ones after it: a
 * pair is valid when exactly one code point other than a substitution
 * comes out before its separator. */
static int fill_pairs(zf_dbcs *t, UConverter *cv, uint8_t *src, UChar *dst, int32_t dstcap) {
  enum { NPAIR = ZF_DB_NLEAD * ZF_DB_NTRAIL };
  UErrorCode err = U_ZERO_ERROR;
  size_t k = 0;
  for (unsigned l = 0x81; l <= 0xFE; l++)
    for (unsigned tr = 0x40; tr <= 0xFE; tr++) {
      src[k++] = (uint8_t)l;
      src[k++] = (uint8_t)tr;
      src[k++] = '\n';
    }
  int32_t n = ucnv_toUChars(cv, dst, dstcap, (const char *)src, (int32_t)k, &err);
  if (U_FAILURE(err)) return ZHFIX_E_INTERNAL;
  int32_t i = 0;
  for (size_t pair = 0; pair < NPAIR && i < n; pair++) {
    int32_t s = i;
    while (i < n && dst[i] != '\n') i++;
    uint32_t c = one_char(dst, s, i);
    i++; /* the separator */
    if (c == 0 || c == 0xFFFD || c == 0x1A || c < 0x80) continue;
    t->dec[pair] = c;
    unsigned lead = 0x81 + (unsigned)(pair / ZF_DB_NTRAIL);
    unsigned trail = 0x40 + (unsigned)(pair % ZF_DB_NTRAIL);
    if (c > 0xFFFF) continue;
    if (t->enc[c]) { /* decoded from two pairs: encode as ICU does */
      UChar u = (UChar)c;
      char bb[8];
      UErrorCode e2 = U_ZERO_ERROR;
      int32_t w = ucnv_fromUChars(cv, bb, (int32_t)sizeof bb, &u, 1, &e2);
      if (U_SUCCESS(e2) && w == 2) t->enc[c] = (uint16_t)((uint8_t)bb[0] << 8 | (uint8_t)bb[1]);
      ucnv_reset(cv);
      continue;
    }
    t->enc[c] = (uint16_t)(lead << 8 | trail);
  }
  k = 0;
  for (unsigned b = 0x80; b <= 0xFF; b++) src[k++] = (uint8_t)b, src[k++] = '\n';
  n = ucnv_toUChars(cv, dst, dstcap, (const char *)src, (int32_t)k, &err);
  if (U_FAILURE(err)) return ZHFIX_E_INTERNAL;
  i = 0;
  for (unsigned b = 0x80; b <= 0xFF && i < n; b++) {
    int32_t s = i;
    while (i < n && dst[i] != '\n') i++;
    uint32_t c = i - s == 1 ? dst[s] : 0;
    i++;
    if (c == 0 || c == 0xFFFD || c == 0x1A || c < 0x80 || (c >= 0xD800 && c <= 0xDFFF)) continue;
    t->single[b - 0x80] = c;
    if (!t->enc[c]) t->enc[c] = (uint16_t)b;
  }
  return 0;
}

static const char *const icu_names[ZF_DBCS__COUNT] = {
    [ZF_DBCS_GBK] = "GBK", [ZF_DBCS_GB18030] = "gb18030", [ZF_DBCS_BIG5] = "Big5"};

int zf_dbcs_from_icu(int which, zf_dbcs *t) {
  enum { NPAIR = ZF_DB_NLEAD * ZF_DB_NTRAIL };
  if (which < 0 || which >= ZF_DBCS__COUNT) return ZHFIX_E_INTERNAL;
  uint8_t *src = malloc((size_t)NPAIR * 3);
  UChar *dst = malloc((size_t)NPAIR * 6 * sizeof(UChar));
  UConverter *cv = NULL;
  int rc = ZHFIX_E_NOMEM;
  if (src && dst) {
    UErrorCode err = U_ZERO_ERROR;
    cv = ucnv_open(icu_names[which], &err);
    if (err == U_MEMORY_ALLOCATION_ERROR) rc = ZHFIX_E_NOMEM;
    else if (U_FAILURE(err)) rc = ZHFIX_E_UNSUPPORTED;
    else rc = fill_pairs(t, cv, src, dst, NPAIR * 6);
  }
  if (cv) ucnv_close(cv);
  free(src);
  free(dst);
  return rc;
}
