/*
 * The punctuation stage run alone, for its test programs (test_punct,
 * test_punct_bulk): a text normalized line by line with one stage state,
 * as the pipeline would, and the check that a line gives what it should,
 * is a fixed point and counts its edits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tu.h"
#include "tu_punct.h"
#include "zf.h"


const popts SIMP = {ZHFIX_QUOTES_AUTO, 0, ZHFIX_TO_SIMP, ZHFIX_SCRIPT_SIMP, 0, 0};
const popts TW = {ZHFIX_QUOTES_AUTO, 0, ZHFIX_TO_TW, ZHFIX_SCRIPT_TW, 0, 0};

static size_t utf8_decode(const unsigned char *s, size_t n, size_t i, uint32_t *c) {
  unsigned b = s[i];
  int k = b < 0x80 ? 0 : b < 0xE0 ? 1 : b < 0xF0 ? 2 : 3;
  uint32_t v = k == 0 ? b : k == 1 ? (b & 0x1F) : k == 2 ? (b & 0x0F) : (b & 0x07);
  for (int j = 1; j <= k && i + (size_t)j < n; j++) v = (v << 6) | (s[i + (size_t)j] & 0x3F);
  *c = v;
  return (size_t)k + 1;
}

/* Normalizes a UTF-8 text line by line with one stage state (as the
 * pipeline would); returns malloc'ed UTF-8; *edits gets the stat. */
char *tu_punct_run(void *st, const char *in, size_t len, uint64_t *edits) {
  zf_text t = {0}, o = {0};
  zf_stats stats;
  zf_stats_init(&stats);
  tu_buf b = {0};
  tu_buf_put(&b, "", 0);
  size_t i = 0;
  while (i < len) {
    zf_text_clear(&t);
    while (i < len) {
      uint32_t c;
      size_t k = utf8_decode((const unsigned char *)in, len, i, &c);
      assert_int_equal(zf_text_push(&t, c, i), 0);
      i += k;
      if (c == '\n') break;
      if (c == '\r' && !(i < len && in[i] == '\n')) break;
    }
    zf_text_clear(&o);
    assert_int_equal(zf_stage_run(&zf_stage_punct, st, &t, &o, &stats), 0);
    for (size_t j = 0; j < o.len; j++) {
      unsigned char u[4];
      tu_buf_put(&b, u, (size_t)zf_utf8_put(o.cp[j], u));
    }
  }
  zf_text_free(&t);
  zf_text_free(&o);
  if (edits) *edits = stats.v[ZHFIX_STAT_PUNCT_CHANGED];
  return b.p;
}

void *tu_punct_make(popts po) {
  zf_opts o = {0};
  o.punct = 1;
  o.quotes = po.quotes;
  o.spacing = po.spacing;
  o.to = po.to;
  o.script = po.script;
  o.controls = po.controls;
  o.format = po.format;
  void *st = NULL;
  assert_int_equal(zf_stage_punct.create(&st, &o), 0);
  assert_non_null(st);
  return st;
}

char *tu_punct_norm(popts po, const char *in, uint64_t *edits) {
  void *st = tu_punct_make(po);
  char *out = tu_punct_run(st, in, strlen(in), edits);
  zf_stage_punct.destroy(st);
  return out;
}

/* Asserts in -> want, that want is a fixed point, and that the edit count
 * is zero exactly when nothing changed. */
void tu_punct_check(popts po, const char *in, const char *want, int line) {
  uint64_t e1, e2;
  char *got = tu_punct_norm(po, in, &e1);
  if (strcmp(got, want) != 0) {
    fprintf(stderr, "line %d:\n  in:   [%s]\n  want: [%s]\n  got:  [%s]\n", line, in, want, got);
    fail();
  }
  if ((e1 == 0) != (strcmp(in, want) == 0)) {
    fprintf(stderr, "line %d: %llu edits for [%s]\n", line, (unsigned long long)e1, in);
    fail();
  }
  char *again = tu_punct_norm(po, got, &e2);
  if (strcmp(again, got) != 0 || e2 != 0) {
    fprintf(stderr, "line %d: not idempotent:\n  once:  [%s]\n  twice: [%s]\n", line, got, again);
    fail();
  }
  free(got);
  free(again);
}

/* check(SIMP) of each case after 0 to maxk Han characters, so that every
 * kind of case falls at each offset of a block (four code points: maxk 8;
 * 64: maxk 140). */
void tu_punct_check_at_offsets(const char *const cases[][2], size_t ncases, int maxk) {
  char in[1024], want[1024];
  for (size_t c = 0; c < ncases; c++) {
    assert_true(3 * (size_t)maxk + strlen(cases[c][0]) < sizeof in &&
                3 * (size_t)maxk + strlen(cases[c][1]) < sizeof want);
    for (int k = 0; k <= maxk; k++) {
      in[0] = want[0] = 0;
      for (int j = 0; j < k; j++) {
        strcat(in, "中");
        strcat(want, "中");
      }
      strcat(in, cases[c][0]);
      strcat(want, cases[c][1]);
      check(SIMP, in, want);
    }
  }
}

const char *const tu_punct_corpora[TU_PUNCT_NCORPORA] = {"zh_CN.txt", "zh_TW.txt", "fortunes.txt", "mixed.txt"};

char *tu_punct_load_corpus(const char *name, size_t *len) {
  char *s = tu_read_file(tu_corpus(name), len);
  if (!s) {
    fprintf(stderr, "corpus %s missing (make corpus)\n", name);
    fail();
  }
  if (tu_quick() && *len > 400000) {
    size_t n = 400000;
    while (n < *len && s[n] != '\n') n++;
    *len = n;
    s[n] = 0;
  }
  return s;
}
