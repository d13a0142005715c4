/*
 * The mojibake stage run alone, for its test programs (test_mojibake,
 * test_mojibake_mixed).  Linked into every test program; symbols are
 * tu_moji_* (and tu_has_non_ascii).
 */
#include "tu_moji.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

void tu_moji_open(tu_moji_stage *s) {
  memset(s, 0, sizeof *s);
  zf_opts o;
  memset(&o, 0, sizeof o);
  o.from = ZHFIX_ENC_UTF8;
  o.script = ZHFIX_SCRIPT_SIMP;
  o.mojibake = 1;
  o.punct = 1;
  assert_int_equal(zf_stage_mojibake.create(&s->st, &o), 0);
  assert_non_null(s->st);
  zf_stats_init(&s->stats);
}

void tu_moji_close(tu_moji_stage *s) {
  zf_stage_mojibake.destroy(s->st);
  zf_text_free(&s->in);
  zf_text_free(&s->out);
}

/* UTF-8 -> code points (inputs here are valid UTF-8), with the library's
 * decoder; a bad byte would become U+FFFD. */
void tu_moji_text(const char *p, size_t n, zf_text *t, uint64_t base) {
  zf_text_clear(t);
  const unsigned char *s = (const unsigned char *)p;
  size_t i = 0;
  while (i < n) {
    uint32_t c;
    int l = zf_utf8_get(s + i, n - i, &c);
    if (l <= 0) {
      c = 0xFFFD;
      l = l < 0 ? -l : 1;
    }
    assert_int_equal(zf_text_push(t, c, base + i), 0);
    i += (size_t)l;
  }
}

/* Appends t as UTF-8 to a growing buffer. */
static void put_text(const zf_text *t, char **buf, size_t *len, size_t *cap) {
  if (*cap < *len + t->len * 4 + 1) {
    *cap = (*len + t->len * 4 + 1) * 2;
    *buf = realloc(*buf, *cap);
    assert_non_null(*buf);
  }
  for (size_t i = 0; i < t->len; i++) *len += (size_t)zf_utf8_put(t->cp[i], (unsigned char *)*buf + *len);
  (*buf)[*len] = 0;
}

/* Runs one segment through the stage; returns a malloc'ed UTF-8 string. */
char *tu_moji_line(tu_moji_stage *s, const char *p, size_t n, uint64_t base) {
  tu_moji_text(p, n, &s->in, base);
  zf_text_clear(&s->out);
  assert_int_equal(zf_stage_run(&zf_stage_mojibake, s->st, &s->in, &s->out, &s->stats), 0);
  char *buf = NULL;
  size_t len = 0, cap = 0;
  put_text(&s->out, &buf, &len, &cap);
  if (!buf) buf = calloc(1, 1);
  return buf;
}

/* A whole document through the stage, segment by segment ("\n" kept). */
char *tu_moji_doc(tu_moji_stage *s, const char *p, size_t n, size_t *outlen) {
  char *buf = malloc(1);
  size_t len = 0, cap = 1;
  buf[0] = 0;
  size_t i = 0;
  while (i < n) {
    const char *nl = memchr(p + i, '\n', n - i);
    size_t e = nl ? (size_t)(nl - p) + 1 : n;
    tu_moji_text(p + i, e - i, &s->in, i);
    zf_text_clear(&s->out);
    assert_int_equal(zf_stage_run(&zf_stage_mojibake, s->st, &s->in, &s->out, &s->stats), 0);
    put_text(&s->out, &buf, &len, &cap);
    i = e;
  }
  if (outlen) *outlen = len;
  return buf;
}


int tu_has_non_ascii(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] >= 0x80) return 1;
  return 0;
}
