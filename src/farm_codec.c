/*
 * Two-byte GB18030 tables built from ICU (see farm_codec.h).
 */
#include "farm_codec.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/ucnv.h>

#define NLEAD 126  /* 0x81..0xFE */
#define NTRAIL 191 /* 0x40..0xFE, 0x7F never valid */

struct farm_codec {
  UConverter *cnv;
  uint32_t dec[NLEAD * NTRAIL]; /* 0 = not a real character     */
  uint16_t enc[0x10000];        /* BMP cp -> lead<<8|trail, or 0 */
};

static int is_private(uint32_t cp) {
  return (cp >= 0xE000 && cp <= 0xF8FF) || cp == 0xFFFD || cp < 0x80;
}

farm_codec *farm_codec_new(void) {
  farm_codec *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  UErrorCode err = U_ZERO_ERROR;
  c->cnv = ucnv_open("gb18030", &err);
  if (U_FAILURE(err) || !c->cnv) {
    free(c);
    return NULL;
  }
  for (unsigned l = 0x81; l <= 0xFE; l++)
    for (unsigned t = 0x40; t <= 0xFE; t++) {
      if (t == 0x7F) continue;
      char src[2] = {(char)l, (char)t};
      UChar dst[4];
      err = U_ZERO_ERROR;
      int32_t n = ucnv_toUChars(c->cnv, dst, 4, src, 2, &err);
      if (U_FAILURE(err) || n != 1) continue;
      uint32_t cp = dst[0];
      if (is_private(cp) || (cp >= 0xD800 && cp <= 0xDFFF)) continue;
      c->dec[(l - 0x81) * NTRAIL + (t - 0x40)] = cp;
      if (!c->enc[cp]) c->enc[cp] = (uint16_t)(l << 8 | t);
    }
  return c;
}

void farm_codec_free(farm_codec *c) {
  if (!c) return;
  ucnv_close(c->cnv);
  free(c);
}

uint32_t farm_codec_pair(const farm_codec *c, unsigned lead, unsigned trail) {
  if (!farm_is_lead(lead) || !farm_is_trail(trail)) return 0;
  return c->dec[(lead - 0x81) * NTRAIL + (trail - 0x40)];
}

int farm_codec_encode(farm_codec *c, uint32_t cp, unsigned char out[4]) {
  if (cp < 0x80) {
    out[0] = (unsigned char)cp;
    return 1;
  }
  if (cp < 0x10000 && c->enc[cp]) {
    out[0] = (unsigned char)(c->enc[cp] >> 8);
    out[1] = (unsigned char)(c->enc[cp] & 0xFF);
    return 2;
  }
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return 0;
  UChar u[2];
  int32_t nu = 0;
  if (cp < 0x10000) {
    u[nu++] = (UChar)cp;
  } else {
    u[nu++] = (UChar)(0xD7C0 + (cp >> 10));
    u[nu++] = (UChar)(0xDC00 | (cp & 0x3FF));
  }
  char buf[8];
  UErrorCode err = U_ZERO_ERROR;
  int32_t n = ucnv_fromUChars(c->cnv, buf, (int32_t)sizeof buf, u, nu, &err);
  if (U_FAILURE(err) || (n != 2 && n != 4)) return 0;
  memcpy(out, buf, (size_t)n);
  return (int)n;
}
