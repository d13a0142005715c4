/*
 * The marks lost bytes leave in decoded text: one definition for every
 * stage that looks for them (issue 14).  tests/test_codec.c checks each
 * against the ICU decoders that make it.
 *
 *   '?'     what cp936 and Big5 decoders (and encoders) write for a byte or
 *           character they cannot map.  Also ordinary text: a stage takes
 *           it for a mark only where the bytes around it show a cut.
 *   U+FFFD  the replacement character (UTF-8 decoders, WHATWG, ICU,
 *           Python's errors="replace").
 *   锟斤拷  U+FFFD's UTF-8 bytes (EF BF BD) twice, read as GBK: EF BF, BD EF,
 *           BF BD.  Between two 锟, whatever survived (锟轿硷拷).
 *   嚙踝蕭  the same bytes read as Big5.
 *   烫烫烫  uninitialised stack memory (0xCC, MSVC's fill) read as GBK;
 *   屯屯屯  uninitialised heap memory (0xCD) read as GBK.
 */
#ifndef ZF_MARKS_H
#define ZF_MARKS_H

#include <stdint.h>

enum {
  ZF_MARK_QUESTION = '?',
  ZF_MARK_FFFD = 0xFFFD,
  /* U+FFFD's bytes read as GBK: 锟 斤 拷 */
  ZF_MARK_GBK_1 = 0x951F,
  ZF_MARK_GBK_2 = 0x65A4,
  ZF_MARK_GBK_3 = 0x62F7,
  /* ... read as Big5: 嚙 踝 蕭 */
  ZF_MARK_BIG5_1 = 0x5699,
  ZF_MARK_BIG5_2 = 0x8E1D,
  ZF_MARK_BIG5_3 = 0x856D,
  /* fill bytes read as GBK: 烫 (CC CC), 屯 (CD CD) */
  ZF_MARK_FILL_CC = 0x70EB,
  ZF_MARK_FILL_CD = 0x5C6F
};

/* A decoder's substitution for a lost byte: '?' or U+FFFD. */
static inline int zf_mark_lost(uint32_t c) { return c == ZF_MARK_QUESTION || c == ZF_MARK_FFFD; }

/* The first character of U+FFFD's bytes read as GBK (锟) or Big5 (嚙):
 * never text, always the start of lost bytes. */
static inline int zf_mark_fffd_lead(uint32_t c) { return c == ZF_MARK_GBK_1 || c == ZF_MARK_BIG5_1; }

/* U+FFFD, or its bytes read as GBK or Big5: a line holding two of these
 * lost bytes. */
static inline int zf_mark_replaced(uint32_t c) { return c == ZF_MARK_FFFD || zf_mark_fffd_lead(c); }

/* Whether c belongs to the triple that `lead` (锟 or 嚙) starts. */
static inline int zf_mark_in_triple(uint32_t lead, uint32_t c) {
  if (lead == ZF_MARK_GBK_1) return c == ZF_MARK_GBK_1 || c == ZF_MARK_GBK_2 || c == ZF_MARK_GBK_3;
  return c == ZF_MARK_BIG5_1 || c == ZF_MARK_BIG5_2 || c == ZF_MARK_BIG5_3;
}

/* 烫 or 屯: fill bytes, damage when three or more in a row. */
static inline int zf_mark_fill(uint32_t c) { return c == ZF_MARK_FILL_CC || c == ZF_MARK_FILL_CD; }

/* Where a span of certain damage may start: U+FFFD, 锟, 嚙, 烫, 屯.
 * Without a branch on c (scans of whole lines use it). */
static inline unsigned zf_mark_starts_span(uint32_t c) {
  return (unsigned)(c == ZF_MARK_FFFD) | (unsigned)(c == ZF_MARK_GBK_1) | (unsigned)(c == ZF_MARK_BIG5_1) |
         (unsigned)(c == ZF_MARK_FILL_CC) | (unsigned)(c == ZF_MARK_FILL_CD);
}

#endif
