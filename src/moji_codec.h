/*
 * Byte-level codecs for the mojibake stage (repair_mojibake.c): the three
 * encodings text is commonly mis-decoded with (GBK, Big5, Windows-1252) and
 * a strict UTF-8 decoder.  Repair works on bytes: a span of garbage is
 * re-encoded in the encoding that produced it and the bytes are decoded
 * again as what they really were.
 *
 * The double-byte tables are built per stage instance from ICU's converters
 * (so the mapping is exactly ICU's, which is what the decoder of the
 * pipeline uses too) and then read without ICU: the per-character lookups
 * run on every non-ASCII character of a suspicious line, where calling ICU
 * for each would dominate.
 */
#ifndef MOJI_CODEC_H
#define MOJI_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* Double-byte character set: lead 0x81..0xFE, trail 0x40..0x7E/0x80..0xFE. */
#define MOJI_DB_NLEAD 126
#define MOJI_DB_NTRAIL 191

typedef struct moji_dbcs {
  uint32_t *dec; /* [(lead-0x81)*191 + trail-0x40]: code point, 0 = invalid */
  uint16_t *enc; /* [BMP code point]: lead<<8 | trail, or a single byte
                    0x80..0xFF (GBK's 0x80 is the euro sign), 0 = none   */
  uint32_t single[128]; /* bytes 0x80..0xFF that are characters alone */
} moji_dbcs;

/* Builds the tables from ICU converter icu_name ("GBK", "Big5").  Returns 0,
 * ZHFIX_E_NOMEM or ZHFIX_E_UNSUPPORTED (converter missing). */
int moji_dbcs_build(moji_dbcs *t, const char *icu_name);
void moji_dbcs_free(moji_dbcs *t);

/* Bytes of c in the set (1 for ASCII, 2 for a double-byte character), or 0
 * when c has no encoding there. */
static inline int moji_dbcs_put(const moji_dbcs *t, uint32_t c, uint8_t *p) {
  if (c < 0x80) {
    p[0] = (uint8_t)c;
    return 1;
  }
  if (c > 0xFFFF) return 0;
  uint16_t v = t->enc[c];
  if (!v) return 0;
  if (v < 0x100) {
    p[0] = (uint8_t)v;
    return 1;
  }
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)(v & 0xFF);
  return 2;
}

/* Decodes one character at b[0..n): returns its length (1 or 2) and sets
 * *c, or 0 when the bytes are not a valid character of the set. */
static inline int moji_dbcs_get(const moji_dbcs *t, const uint8_t *b, size_t n, uint32_t *c) {
  if (n == 0) return 0;
  if (b[0] < 0x80) {
    *c = b[0];
    return 1;
  }
  if (t->single[b[0] - 0x80]) {
    *c = t->single[b[0] - 0x80];
    return 1;
  }
  if (b[0] == 0x80 || b[0] == 0xFF || n < 2) return 0;
  unsigned tr = b[1];
  if (tr < 0x40 || tr == 0x7F || tr == 0xFF) return 0;
  uint32_t v = t->dec[(b[0] - 0x81) * MOJI_DB_NTRAIL + (tr - 0x40)];
  if (!v) return 0;
  *c = v;
  return 2;
}

/* Windows-1252, with its five undefined bytes (0x81 0x8D 0x8F 0x90 0x9D)
 * decoded to the C1 controls of the same value as WHATWG and most
 * decoders do, which makes it a superset of Latin-1 for our purpose. */
extern const uint16_t moji_cp1252_hi[32]; /* bytes 0x80..0x9F */

/* The byte of c in Windows-1252/Latin-1, or -1. */
int moji_cp1252_byte(uint32_t c);

/* Strict UTF-8: length of the valid character at b[0..n) and *c, or 0
 * (invalid, overlong, surrogate, or truncated). */
static inline int moji_utf8_get(const uint8_t *b, size_t n, uint32_t *c) {
  if (n == 0) return 0;
  uint32_t b0 = b[0];
  if (b0 < 0x80) {
    *c = b0;
    return 1;
  }
  int len;
  uint32_t v, min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, v = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, v = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, v = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (n < (size_t)len) return 0;
  for (int i = 1; i < len; i++) {
    if ((b[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *c = v;
  return len;
}

/* Number of bytes a UTF-8 sequence starting with lead byte b has (2..4), or
 * 0 when b cannot start a multi-byte sequence. */
static inline int moji_utf8_need(uint8_t b) {
  if (b >= 0xC2 && b <= 0xDF) return 2;
  if (b >= 0xE0 && b <= 0xEF) return 3;
  if (b >= 0xF0 && b <= 0xF4) return 4;
  return 0;
}

#endif
