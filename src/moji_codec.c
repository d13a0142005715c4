/* Codec tables for the mojibake stage; see moji_codec.h. */
#include "moji_codec.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/ucnv.h>

#include "zf.h"

const uint16_t moji_cp1252_hi[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

int moji_cp1252_byte(uint32_t c) {
  /* C1 controls are what ISO-8859-1 decoders make of 0x80..0x9F */
  if (c <= 0xFF) return (int)c;
  if (c < 0x152 || c > 0x2122 || (c > 0x2DC && c < 0x2013)) return -1; /* most text */
  for (int i = 0; i < 32; i++)
    if (moji_cp1252_hi[i] == c) return 0x80 + i;
  return -1;
}

void moji_dbcs_free(moji_dbcs *t) {
  free(t->dec);
  free(t->enc);
  t->dec = NULL;
  t->enc = NULL;
}

/* All pairs are decoded in one ICU call, each followed by '\n' so that an
 * invalid pair (which ICU may split into a substitution and an ASCII byte)
 * cannot shift the ones after it: a pair is valid when exactly one code
 * point other than a substitution comes out before its separator. */
int moji_dbcs_build(moji_dbcs *t, const char *icu_name) {
  enum { NPAIR = MOJI_DB_NLEAD * MOJI_DB_NTRAIL };
  int rc = ZHFIX_E_NOMEM;
  UErrorCode err = U_ZERO_ERROR;
  memset(t->single, 0, sizeof t->single);
  t->dec = calloc(NPAIR, sizeof *t->dec);
  t->enc = calloc(0x10000, sizeof *t->enc);
  uint8_t *src = malloc((size_t)NPAIR * 3);
  UChar *dst = malloc((size_t)NPAIR * 6 * sizeof(UChar));
  UConverter *cv = NULL;
  if (!t->dec || !t->enc || !src || !dst) goto out;
  cv = ucnv_open(icu_name, &err);
  if (U_FAILURE(err)) {
    rc = ZHFIX_E_UNSUPPORTED;
    goto out;
  }
  size_t k = 0;
  for (unsigned l = 0x81; l <= 0xFE; l++)
    for (unsigned tr = 0x40; tr <= 0xFE; tr++) {
      src[k++] = (uint8_t)l;
      src[k++] = (uint8_t)tr;
      src[k++] = '\n';
    }
  int32_t n = ucnv_toUChars(cv, dst, NPAIR * 6, (const char *)src, (int32_t)k, &err);
  if (U_FAILURE(err)) {
    rc = ZHFIX_E_INTERNAL;
    goto out;
  }
  int32_t i = 0;
  for (size_t pair = 0; pair < NPAIR && i < n; pair++) {
    int32_t s = i;
    while (i < n && dst[i] != '\n') i++;
    uint32_t c = 0;
    if (i - s == 1 && !(dst[s] >= 0xD800 && dst[s] <= 0xDFFF)) c = dst[s];
    else if (i - s == 2 && dst[s] >= 0xD800 && dst[s] <= 0xDBFF && dst[s + 1] >= 0xDC00 &&
             dst[s + 1] <= 0xDFFF)
      c = 0x10000 + (((uint32_t)dst[s] - 0xD800) << 10) + (dst[s + 1] - 0xDC00);
    i++; /* the separator */
    if (c == 0 || c == 0xFFFD || c == 0x1A || c < 0x80) continue;
    t->dec[pair] = c;
    unsigned lead = 0x81 + (unsigned)(pair / MOJI_DB_NTRAIL);
    unsigned trail = 0x40 + (unsigned)(pair % MOJI_DB_NTRAIL);
    if (c > 0xFFFF) continue;
    if (t->enc[c]) { /* decoded from two pairs: encode as ICU does */
      UChar u = (UChar)c;
      char bb[8];
      UErrorCode e2 = U_ZERO_ERROR;
      int32_t w = ucnv_fromUChars(cv, bb, (int32_t)sizeof bb, &u, 1, &e2);
      if (U_SUCCESS(e2) && w == 2)
        t->enc[c] = (uint16_t)((uint8_t)bb[0] << 8 | (uint8_t)bb[1]);
      ucnv_reset(cv);
      continue;
    }
    t->enc[c] = (uint16_t)(lead << 8 | trail);
  }
  /* Single bytes above ASCII (GBK 0x80 = U+20AC), each followed by '\n'. */
  k = 0;
  for (unsigned b = 0x80; b <= 0xFF; b++) src[k++] = (uint8_t)b, src[k++] = '\n';
  n = ucnv_toUChars(cv, dst, NPAIR * 6, (const char *)src, (int32_t)k, &err);
  if (U_FAILURE(err)) {
    rc = ZHFIX_E_INTERNAL;
    goto out;
  }
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
  rc = 0;
out:
  if (cv) ucnv_close(cv);
  free(src);
  free(dst);
  if (rc) moji_dbcs_free(t);
  return rc;
}
