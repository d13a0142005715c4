/*
 * Character classes of the punctuation stage (punct*.c), private to it.
 *
 * Each class is a handful of range or switch tests, inlined where it is
 * used.  A per-code-point table (a two-stage lookup) would buy nothing:
 * the hot loops take printable ASCII and CJK ideographs through one
 * branch of their own (clean(), needs_work()), and on the man-page corpus
 * the code points left for these tests cost about 3 M of clean()'s 78 M
 * instructions (valgrind), for a generated table and its loader.
 */
#ifndef ZF_PUNCT_CLASS_H
#define ZF_PUNCT_CLASS_H

#include <stdint.h>

#include "zf.h"

/* Characters of Chinese (and Japanese kana) running text: Han, kana
 * (not the katakana middle dot U+30FB), 々 〇, bopomofo. */
static inline int is_hanlike(uint32_t c) {
  return zf_is_han(c) || (c >= 0x3040 && c <= 0x30FF && c != 0x30FB) ||
         c == 0x3005 || c == 0x3007 || (c >= 0x3100 && c <= 0x312F) ||
         (c >= 0x31A0 && c <= 0x31FF);
}

/* Hiragana and katakana proper: not the middle dot U+30FB nor the
 * prolonged sound mark U+30FC, which Chinese text uses too.  Prose that
 * holds one is Japanese (or a kaomoji), and typography is for Chinese:
 * Japanese spacing and bracket conventions are its own (issue 12). */
static inline int is_kana(uint32_t c) {
  return (c >= 0x3041 && c <= 0x3096) || (c >= 0x309D && c <= 0x309F) ||
         (c >= 0x30A1 && c <= 0x30FA) || (c >= 0x30FD && c <= 0x30FF);
}

/* Full-width (CJK) punctuation, by code point. */
static inline int is_cjk_punct(uint32_t c) {
  return (c >= 0x3001 && c <= 0x3003) || (c >= 0x3008 && c <= 0x3011) ||
         (c >= 0x3014 && c <= 0x301F) || (c >= 0xFF01 && c <= 0xFF0F) ||
         (c >= 0xFF1A && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40) ||
         (c >= 0xFF5B && c <= 0xFF65) || (c >= 0xFE10 && c <= 0xFE19) ||
         (c >= 0xFE30 && c <= 0xFE4F);
}

static inline int is_ascii_alnum(uint32_t c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* Letters and digits of alphabetic scripts (Latin, Greek, Cyrillic...). */
static inline int is_alpha(uint32_t c) {
  return is_ascii_alnum(c) ||
         (c >= 0xC0 && c < 0x2000 && c != 0xD7 && c != 0xF7);
}

/* The spaces the stage may drop (it never drops tabs or no-break spaces). */
static inline int is_space(uint32_t c) { return c == ' ' || c == 0x3000; }

/* Quotes of every kind: straight, full-width straight, curly, corner,
 * and the 〝 〞 〟 double prime quotes. */
static inline int is_quote_char(uint32_t c) {
  switch (c) {
  case '"': case '\'': case 0xFF02: case 0xFF07:
  case 0x201C: case 0x201D: case 0x2018: case 0x2019:
  case 0x300C: case 0x300D: case 0x300E: case 0x300F:
  case 0x301D: case 0x301E: case 0x301F:
    return 1;
  default:
    return 0;
  }
}

/* Double (not single) straight quotes, ASCII or full-width. */
static inline int is_dq(uint32_t c) { return c == '"' || c == 0xFF02; }

/* Quotes whose direction is written: curly, corner, double prime. */
static inline int is_curly_open(uint32_t c) {
  return c == 0x201C || c == 0x2018 || c == 0x300C || c == 0x300E || c == 0x301D;
}
static inline int is_curly_close(uint32_t c) {
  return c == 0x201D || c == 0x2019 || c == 0x300D || c == 0x300F ||
         c == 0x301E || c == 0x301F;
}
/* Quote level a curly or corner quote stands for: 0 double, 1 single. */
static inline int quote_level(uint32_t c) {
  return c == 0x2018 || c == 0x2019 || c == 0x300E || c == 0x300F;
}

/* Brackets other than quotes, ASCII '(' and full-width. */
static inline int is_bracket_close(uint32_t c) {
  switch (c) {
  case ')': case 0xFF09: case 0x3009: case 0x300B: case 0x3011: case 0x3015:
  case 0x3017: case 0x3019: case 0x301B: case 0xFF3D: case 0xFF5D:
    return 1;
  default:
    return 0;
  }
}
static inline int is_bracket_open(uint32_t c) {
  switch (c) {
  case '(': case 0xFF08: case 0x3008: case 0x300A: case 0x3010: case 0x3014:
  case 0x3016: case 0x3018: case 0x301A: case 0xFF3B: case 0xFF5B:
    return 1;
  default:
    return 0;
  }
}

/* Interpunct variants, also typed in runs as an ellipsis. */
static inline int is_dotlike(uint32_t c) {
  return c == 0xB7 || c == 0x30FB || c == 0x2027 || c == 0xFF65 || c == 0x2022;
}

/* Characters of a URL: printable ASCII but quotes, angle brackets and
 * backticks, and any other character but spaces, CJK and full-width
 * punctuation, curly quotes, ellipses and dashes (an IRI:
 * https://zh.wikipedia.org/wiki/北京?variant=zh-cn). */
static inline int is_url_char(uint32_t c) {
  if (c < 0x80) return c > 0x20 && c < 0x7F && c != '"' && c != '<' && c != '>' && c != '`';
  return !(c <= 0xA0 || (c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F) ||
           (c >= 0xFE10 && c <= 0xFE6F) || (c >= 0xFF00 && c <= 0xFF0F) ||
           (c >= 0xFF1A && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40) ||
           (c >= 0xFF5B && c <= 0xFF65) || c == 0xFEFF);
}

/* Characters a zero-width joiner may join: letters of scripts that use
 * joiners, emoji and variation selectors (the symbols and dingbats that
 * emoji ZWJ sequences end in, ♀ ♂ ⚕ ❤ ➡, count); not punctuation or
 * spaces, which the stage may itself change, nor Chinese. */
static inline int is_joinable(uint32_t c) {
  if (c >= 0x2300 && c <= 0x2BFF && !(c >= 0x2460 && c <= 0x25FF)) return 1;
  return c >= 0x300 && c != 0xFEFF && !(c >= 0x2000 && c <= 0x2BFF) &&
         !(c >= 0x2E00 && c <= 0x33FF) && !(c >= 0xFF00 && c <= 0xFFEF) && !is_hanlike(c);
}

/* ASCII a quotation holds when it is a literal, not words (": / = ; { }
 * < > $ \ | % & * # @ ^ ~ [ ]": quote_chinese), as two 64-bit masks. */
static inline int is_literal_char(uint32_t c) {
  const uint64_t lo = 0x7c00847800000000ull, hi = 0x7800000078000001ull;
  return c < 64 ? (int)(lo >> c & 1) : c < 128 ? (int)(hi >> (c - 64) & 1) : 0;
}

/* The full-width form of , ; : ? ! (any other character is returned). */
static inline uint32_t fullwidth_of(uint32_t c) {
  switch (c) {
  case ',': return 0xFF0C;
  case ';': return 0xFF1B;
  case ':': return 0xFF1A;
  case '?': return 0xFF1F;
  case '!': return 0xFF01;
  default: return c;
  }
}

#endif
