/* The mojibake stage run alone (tu_moji.c). */
#ifndef TU_MOJI_H
#define TU_MOJI_H

#include <stddef.h>
#include <stdint.h>

#include "zf.h"

/* The stage with its statistics and its input and output buffers. */
typedef struct tu_moji_stage {
  void *st;
  zf_stats stats;
  zf_text in, out;
} tu_moji_stage;

/* A new stage for UTF-8 in, Simplified, punctuation on. */
void tu_moji_open(tu_moji_stage *s);
void tu_moji_close(tu_moji_stage *s);
/* UTF-8 -> code points, offsets from base; a bad byte becomes U+FFFD. */
void tu_moji_text(const char *p, size_t n, zf_text *t, uint64_t base);
/* Runs one segment through the stage; returns a malloc'ed UTF-8 string. */
char *tu_moji_line(tu_moji_stage *s, const char *p, size_t n, uint64_t base);
/* A whole document through the stage, segment by segment ("\n" kept);
 * malloc'ed UTF-8, its length in *outlen (if not NULL). */
char *tu_moji_doc(tu_moji_stage *s, const char *p, size_t n, size_t *outlen);
/* 1 if s[0..n) holds a byte >= 0x80. */
int tu_has_non_ascii(const char *s, size_t n);

#endif
