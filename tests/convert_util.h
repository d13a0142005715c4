/*
 * Helpers shared by tests/test_convert*.c and tests/test_opencc_oracle.c:
 * UTF-8 <-> zf_text, running the conversion stage on one segment, and
 * reading corpus files.  Header-only so it needs no entry in tests/util.
 */
#ifndef CONVERT_UTIL_H
#define CONVERT_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zf.h"

static inline int cu_quick(void) {
  const char *q = getenv("ZHFIX_QUICK");
  return q && *q && strcmp(q, "0") != 0;
}

/* Decodes valid UTF-8 (the corpora are valid); bad bytes become U+FFFD. */
static inline void cu_decode(const char *s, size_t n, zf_text *t) {
  const unsigned char *p = (const unsigned char *)s, *e = p + n;
  zf_text_clear(t);
  while (p < e) {
    uint32_t c = *p;
    uint64_t off = (uint64_t)(p - (const unsigned char *)s);
    int k = c < 0x80 ? 0 : c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : -1;
    if (k < 0 || (size_t)(e - p) < (size_t)k + 1) {
      zf_text_push(t, 0xFFFD, off);
      p++;
      continue;
    }
    if (k > 0) c &= 0x3Fu >> k;
    for (int i = 1; i <= k; i++) c = c << 6 | (p[i] & 0x3Fu);
    zf_text_push(t, c, off);
    p += k + 1;
  }
}

/* Encodes t as UTF-8 into a malloc'd NUL-terminated string. */
static inline char *cu_encode(const zf_text *t, size_t *len) {
  char *s = malloc(t->len * 4 + 1), *q = s;
  for (size_t i = 0; i < t->len; i++) q += zf_utf8_put(t->cp[i], (unsigned char *)q);
  *q = 0;
  if (len) *len = (size_t)(q - s);
  return s;
}

static inline zf_opts cu_opts(int script, int to, int detected) {
  zf_opts o;
  memset(&o, 0, sizeof o);
  o.to = to;
  o.script = script;
  o.script_detected = detected;
  o.punct = 0;
  return o;
}

/* Reads a whole file; NULL when missing. */
static inline char *cu_read(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  if (fread(b, 1, (size_t)n, f) != (size_t)n) n = 0;
  b[n] = 0;
  fclose(f);
  *len = (size_t)n;
  return b;
}

static inline char *cu_corpus_path(const char *name) {
  static char buf[4096]; /* test-only; single-threaded */
  const char *dir = getenv("ZHFIX_CORPUS");
  snprintf(buf, sizeof buf, "%s/%s", dir ? dir : "build/corpus", name);
  return buf;
}

static inline char *cu_src_path(const char *name) {
  static char buf[4096];
  const char *dir = getenv("ZHFIX_SRCDIR");
  snprintf(buf, sizeof buf, "%s/%s", dir ? dir : ".", name);
  return buf;
}

/* Converts one UTF-8 string (a whole line or several) through an existing
 * stage state, line by line as the pipeline would; returns malloc'd UTF-8. */
static inline char *cu_run_state(void *st, const char *s, size_t n, uint64_t *changed) {
  zf_text in = {0}, out = {0}, all = {0};
  zf_stats stats;
  zf_stats_init(&stats);
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && s[j] != '\n') j++;
    if (j < n) j++;
    cu_decode(s + i, j - i, &in);
    zf_text_clear(&out);
    if (st) {
      if (zf_stage_run(&zf_stage_convert, st, &in, &out, &stats)) abort();
    } else {
      zf_text_append(&out, &in, 0, in.len);
    }
    zf_text_append(&all, &out, 0, out.len);
    i = j;
  }
  char *r = cu_encode(&all, NULL);
  if (changed) *changed = stats.v[ZHFIX_STAT_CHARS_CONVERTED];
  zf_text_free(&in);
  zf_text_free(&out);
  zf_text_free(&all);
  return r;
}

/* Creates a stage, prescans the whole input as the detection window, runs. */
static inline char *cu_convert(int script, int to, int detected, const char *s) {
  zf_opts o = cu_opts(script, to, detected);
  void *st = NULL;
  if (zf_stage_convert.create(&st, &o)) abort();
  if (st && zf_stage_convert.prescan) {
    zf_text pre = {0};
    cu_decode(s, strlen(s), &pre);
    zf_stage_convert.prescan(st, &pre);
    zf_text_free(&pre);
  }
  char *r = cu_run_state(st, s, strlen(s), NULL);
  if (st) zf_stage_convert.destroy(st);
  return r;
}

#endif /* CONVERT_UTIL_H */
