/*
 * Damage simulator for the mojibake tests: produces text as a wrong decode
 * would have left it, with ICU's converters (independently of the stage's
 * own tables).  Linked into every test program; symbols are moji_sim_*.
 */
#ifndef MOJI_SIM_H
#define MOJI_SIM_H

#include <stddef.h>

typedef enum moji_sim_class {
  /* lossless: the damaged text still holds every original byte */
  MOJI_SIM_UTF8_AS_GBK = 0,  /* 我们 -> 鎴戜滑 */
  MOJI_SIM_UTF8_AS_BIG5,     /* 我们 -> 觢腹 */
  MOJI_SIM_UTF8_AS_1252,     /* 我们 -> æˆ‘ä»¬ (WHATWG windows-1252) */
  MOJI_SIM_UTF8_AS_LATIN1,   /* ISO-8859-1: 0x80..0x9F become C1 controls */
  MOJI_SIM_UTF8_DOUBLE_1252, /* read as 1252, saved as UTF-8, read as 1252 again */
  MOJI_SIM_UTF8_GBK_1252,    /* read as GBK, saved as UTF-8, read as 1252 */
  MOJI_SIM_GBK_AS_BIG5,      /* 我们 -> 扂蠅 */
  MOJI_SIM_BIG5_AS_GBK,      /* 我是 -> и琌 */
  MOJI_SIM_GBK_AS_1252,      /* 我们 -> ÎÒÃÇ */
  MOJI_SIM_BIG5_AS_1252,
  MOJI_SIM_UTF8_GBK_S2T,     /* read as GBK, then the garbage converted to
                                Traditional (OpenCC s2t.json) */
  MOJI_SIM_UTF8_GBK_T2S,     /* read as GBK, then the garbage converted to
                                Simplified (OpenCC t2s.json): 鍘 -> 铡 */
  MOJI_SIM_UTF8_BIG5_T2S,    /* read as Big5, then the garbage converted to
                                Simplified (OpenCC t2s.json) */
  /* lossy */
  MOJI_SIM_UTF8_AS_GBK_Q,    /* cp936: an unpaired lead byte becomes '?' */
  MOJI_SIM_1252_DROPPED,     /* 0x81 0x8D 0x8F 0x90 0x9D dropped by the decoder */
  MOJI_SIM_GBK_AS_UTF8,      /* every invalid sequence becomes U+FFFD */
  MOJI_SIM_KUNKAO,           /* that, saved as UTF-8 and read as GBK: 锟斤拷 */
  MOJI_SIM_1252_REPLACED,    /* 0x81 0x8D 0x8F 0x90 0x9D each become U+FFFD
                              * (Python's cp1252 with errors="replace") */
  MOJI_SIM__COUNT
} moji_sim_class;

#define MOJI_SIM_FIRST_LOSSY MOJI_SIM_UTF8_AS_GBK_Q

/* Stable short name of a class ("utf8-as-gbk"). */
const char *moji_sim_name(int cls);

/* Damages the UTF-8 text src[0..n) as class cls.  Returns a malloc'ed,
 * NUL-terminated UTF-8 buffer (length in *outlen), or NULL when the text
 * cannot be damaged that way: for a lossless class, when some byte would
 * not survive (e.g. an odd number of bytes between ASCII characters for
 * UTF-8 read as GBK, or a character GBK cannot encode); for any class when
 * memory runs out. */
char *moji_sim_damage(int cls, const char *src, size_t n, size_t *outlen);

#endif
