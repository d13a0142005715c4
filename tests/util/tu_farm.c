/*
 * The content-farm stage run alone, for its test programs (test_farm,
 * test_farm_sim).  Linked into every test program; symbols are tu_farm_*.
 */
#include "tu_farm.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "farm.h" /* the stage's work counter */
#include "tu.h"
#include "zf.h"
#include "zhfix.h"

/* UTF-8 -> code points (and their byte offsets when off is not NULL). */
size_t tu_farm_u8_decode(const char *s, size_t n, uint32_t *cp, uint64_t *off) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, k = 0;
  while (i < n) {
    unsigned c = p[i];
    size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    uint32_t v = len == 1 ? c : len == 2 ? c & 31 : len == 3 ? c & 15 : c & 7;
    if (i + len > n) len = 1;
    for (size_t j = 1; j < len; j++) v = v << 6 | (p[i + j] & 63);
    if (off) off[k] = i;
    cp[k++] = v;
    i += len;
  }
  return k;
}

void tu_farm_run_lines(void *s, uint32_t *cp, uint64_t *off, size_t n, zf_stats *st, tu_buf *b) {
  zf_text out = {0};
  for (size_t a = 0; a < n;) {
    size_t e = a;
    while (e < n && cp[e] != '\n') e++;
    if (e < n) e++;
    zf_text in = {cp + a, off + a, e - a, e - a};
    out.len = 0;
    assert_int_equal(zf_stage_run(&zf_stage_farm, s, &in, &out, st), 0);
    for (size_t k = 0; k < out.len; k++) tu_buf_cp(b, out.cp[k]);
    a = e;
  }
  zf_text_free(&out);
}

/* Runs the farm stage over a whole UTF-8 document as the pipeline does:
 * create with the detected script, prescan the detection window, run each
 * line.  Returns the output (free()) and the statistics in *st. */
char *tu_farm_doc_work(const char *doc, size_t len, int pinyin, zf_stats *st, size_t *outlen,
                       uint64_t *work) {
  uint32_t *cp = malloc((len + 1) * sizeof *cp);
  uint64_t *off = malloc((len + 1) * sizeof *off);
  assert_non_null(cp);
  assert_non_null(off);
  size_t n = tu_farm_u8_decode(doc, len, cp, off);
  size_t w = 0;
  while (w < n && off[w] < ZHFIX_DETECT_WINDOW) w++;
  zf_text prefix = {cp, off, w, w};
  zf_opts o;
  memset(&o, 0, sizeof o);
  o.from = ZHFIX_ENC_UTF8;
  o.to = ZHFIX_TO_KEEP;
  o.script = zf_detect_script(&prefix);
  o.script_detected = 1;
  o.pinyin = pinyin;
  o.mojibake = 1;
  void *s = NULL;
  assert_int_equal(zf_stage_farm.create(&s, &o), 0);
  assert_non_null(s);
  zf_stats_init(st);
  if (zf_stage_farm.prescan) zf_stage_farm.prescan(s, &prefix);
  tu_buf b = {0};
  tu_buf_put(&b, "", 0);
  tu_farm_run_lines(s, cp, off, n, st, &b);
  if (work) *work = ((const farm *)s)->doc_work;
  zf_stage_farm.destroy(s);
  free(cp);
  free(off);
  *outlen = b.n;
  return b.p;
}

char *tu_farm_doc(const char *doc, size_t len, int pinyin, zf_stats *st, size_t *outlen) {
  return tu_farm_doc_work(doc, len, pinyin, st, outlen, NULL);
}
