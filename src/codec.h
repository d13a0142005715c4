/*
 * The legacy codecs: one per encoding, shared by every stage (issue 14).
 *
 *   GBK      windows-936 as ICU's "GBK" reads it: what the mojibake stage
 *            re-encodes GBK garbage with and decodes GBK originals with;
 *   GB18030  its two-byte codes as ICU's "gb18030" reads them: the byte
 *            view of the content-farm stage's lenient decoder.  The two
 *            differ in 82 codes (GB18030 gives real characters, € at
 *            A2E3, where windows-936 has private use) and in the single
 *            bytes (windows-936's 0x80 is €);
 *   Big5     windows-950 (ICU's "Big5");
 *   windows-1252 and Latin-1 (one table: 1252 with its five undefined
 *            bytes read as the C1 controls of the same value, as WHATWG
 *            does, is a superset of Latin-1 for re-encoding).
 *
 * The double-byte tables are built from ICU's converters, so a repair
 * reads exactly what an ICU decoder produced, once per process on first
 * use and then shared read-only by every handle and thread (shared.h); a
 * build that fails is retried by the next call.  After that they are read
 * without ICU: the lookups run on every character of a suspicious line.
 *
 * UTF-8 is decoded by zf_utf8_get (zf.h), the library's one decoder.
 */
#ifndef ZF_CODEC_H
#define ZF_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "zf.h"

/* Double-byte code space: lead 0x81..0xFE, trail 0x40..0xFE (0x7F never
 * valid). */
#define ZF_DB_NLEAD 126
#define ZF_DB_NTRAIL 191

typedef struct zf_dbcs {
  /* [(lead - 0x81) * ZF_DB_NTRAIL + trail - 0x40]: the code point ICU
   * decodes the pair to, 0 when it is no character (a substitution, or
   * one byte of ASCII); private-use code points included. */
  uint32_t dec[ZF_DB_NLEAD * ZF_DB_NTRAIL];
  /* [BMP code point]: lead << 8 | trail, or a single byte 0x80..0xFF
   * (windows-936's 0x80 is €), 0 = none.  Where two codes decode to one
   * character, the one ICU encodes it to. */
  uint16_t enc[0x10000];
  uint32_t single[128]; /* bytes 0x80..0xFF that are characters alone */
} zf_dbcs;

enum { ZF_DBCS_GBK, ZF_DBCS_GB18030, ZF_DBCS_BIG5, ZF_DBCS__COUNT };

/* The table of set `which`, built on the first call.  NULL when it cannot
 * be built now: *err (may be NULL) is then ZHFIX_E_NOMEM (the next call
 * tries again) or ZHFIX_E_UNSUPPORTED (ICU lacks the converter). */
const zf_dbcs *zf_dbcs_table(int which, int *err);

/* Bytes of c in the set (1 for ASCII or a single byte, 2 for a pair) at
 * p, or 0 when c has no encoding there. */
static inline int zf_dbcs_put(const zf_dbcs *t, uint32_t c, uint8_t *p) {
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
 * *c, or 0 when the bytes are no valid character of the set. */
static inline int zf_dbcs_get(const zf_dbcs *t, const uint8_t *b, size_t n, uint32_t *c) {
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
  uint32_t v = t->dec[(b[0] - 0x81) * ZF_DB_NTRAIL + (tr - 0x40)];
  if (!v) return 0;
  *c = v;
  return 2;
}

static inline int zf_dbcs_is_lead(unsigned b) { return b >= 0x81 && b <= 0xFE; }
static inline int zf_dbcs_is_trail(unsigned b) {
  return (b >= 0x40 && b <= 0x7E) || (b >= 0x80 && b <= 0xFE);
}

/* The GB18030 table read as text encoded from real characters holds it:
 * the character of the two-byte code (lead, trail), or 0 when the pair is
 * no two-byte code or stands for a private-use position (such text never
 * contains those). */
static inline uint32_t zf_gb18030_pair(const zf_dbcs *t, unsigned lead, unsigned trail) {
  if (!zf_dbcs_is_lead(lead) || !zf_dbcs_is_trail(trail)) return 0;
  uint32_t c = t->dec[(lead - 0x81) * ZF_DB_NTRAIL + (trail - 0x40)];
  return (c >= 0xE000 && c <= 0xF8FF) || c > 0xFFFF ? 0 : c;
}

/* The GB18030 bytes of cp at out when it has one or two (ASCII, a
 * two-byte code: private use included, which a lenient decoder makes of a
 * misaligned pair); 0 for a character of four bytes or none. */
static inline int zf_gb18030_put(const zf_dbcs *t, uint32_t cp, unsigned char out[4]) {
  if (cp >= 0x80 && (cp > 0xFFFF || t->enc[cp] < 0x100)) return 0;
  return zf_dbcs_put(t, cp, out);
}

/* Windows-1252: bytes 0x80..0x9F; the five undefined ones (0x81 0x8D
 * 0x8F 0x90 0x9D) are the C1 controls of the same value. */
extern const uint16_t zf_cp1252_hi[32];

/* The byte of c in Windows-1252 / Latin-1 (a C1 control is the byte of
 * the same value, as ISO-8859-1 decoders make them), or -1. */
int zf_cp1252_byte(uint32_t c);

/* Strict UTF-8 for re-decoding repaired bytes: the length of the valid
 * character at b[0..n) and *c, or 0 (invalid, or cut by n). */
static inline int zf_utf8_strict(const uint8_t *b, size_t n, uint32_t *c) {
  if (n == 0) return 0;
  int k = zf_utf8_get(b, n, c);
  return k > 0 ? k : 0;
}

/* Bytes of the UTF-8 sequence lead byte b starts (2..4), or 0 when b
 * starts no multi-byte sequence. */
static inline int zf_utf8_need(uint8_t b) {
  if (b >= 0xC2 && b <= 0xDF) return 2;
  if (b >= 0xE0 && b <= 0xEF) return 3;
  if (b >= 0xF0 && b <= 0xF4) return 4;
  return 0;
}

#endif
