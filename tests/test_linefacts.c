/*
 * The line facts the pipeline reads once a segment for the repair
 * stages' gates (src/linefacts.c, issue 14).  Each count is checked
 * against its definition, one character at a time, on random lines that
 * mix ASCII, the marks, Han (common and rare), C1 controls, the
 * lost-byte marks of marks.h, characters the mojibake trigger must look
 * at, and characters beyond the BMP, of every length around the 16-wide
 * blocks and past the 63 blocks an accumulator holds; and the break
 * zf_line_facts_to_break finds is the first '\n' or '\r'.  Output
 * identity with and without the facts is checked by the golden tests and
 * tests/world.sh (every gate falls back to its own scan when a stage
 * changed the line).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "linefacts.h"
#include "marks.h"
#include "moji.h"
#include "zf.h"

/* The facts of cp[0..n) by their definitions. */
static void naive(const uint32_t *cp, size_t n, zf_line_facts *lf) {
  int err;
  const moji_tables *mt = zf_moji_tables(&err);
  assert_non_null(mt);
  memset(lf, 0, sizeof *lf);
  for (size_t i = 0; i < n; i++) {
    uint32_t c = cp[i];
    if (zf_is_han(c)) {
      lf->han++;
      lf->rare += (size_t)zf_line_rare_han(c);
    }
    lf->marker += c == '?' || c == 0xFFFD;
    lf->paren += c == '(';
    lf->mojix += zf_mark_starts_span(c) || (c >= 0x80 && c < 0xA0);
    lf->loud += c > 0xFFFF || !moji_bit(mt->quiet_bm, c);
    lf->wide |= c >= 0x80;
  }
}

static void same(const zf_line_facts *a, const zf_line_facts *b, size_t n) {
  if (a->han != b->han || a->rare != b->rare || a->marker != b->marker || a->paren != b->paren ||
      a->mojix != b->mojix || a->loud != b->loud || a->wide != b->wide)
    fail_msg("length %zu: han %zu/%zu rare %zu/%zu marker %zu/%zu paren %zu/%zu mojix %zu/%zu "
             "loud %zu/%zu wide %d/%d",
             n, a->han, b->han, a->rare, b->rare, a->marker, b->marker, a->paren, b->paren, a->mojix,
             b->mojix, a->loud, b->loud, a->wide, b->wide);
}

static uint32_t rnd(uint64_t *s) {
  *s = *s * 6364136223846793005u + 1442695040888963407u;
  return (uint32_t)(*s >> 33);
}

/* A character drawn from the classes the facts tell apart. */
static uint32_t pick(uint64_t *s, int ascii_only) {
  static const uint32_t some[] = {
      '?', '(', ')', ' ', 'a', 'Z', '0', 0xFFFD, ZF_MARK_GBK_1, ZF_MARK_BIG5_1, ZF_MARK_FILL_CC,
      ZF_MARK_FILL_CD, 0x85, 0x9F, 0xA0, 0xE9, 0x3002, 0xFF0C, 0x300C, 0x3041, 0xE000, 0x2500,
      0x4E00, 0x7684, 0x9F98, 0x3400, 0x4DB5, 0xF900, 0x20000, 0x2A6D6, 0x1F600, 0x10FFFF, 0x30FB};
  if (ascii_only) return 0x20 + rnd(s) % 0x5F;
  uint32_t r = rnd(s) % 8;
  if (r < 3) return some[rnd(s) % (sizeof some / sizeof *some)];
  if (r < 5) return 0x4E00 + rnd(s) % (0x9FFF - 0x4E00); /* Han, common and rare */
  if (r < 6) return 0x80 + rnd(s) % (0x10000 - 0x80);   /* anything in the BMP */
  return 0x20 + rnd(s) % 0x5F;
}

static void test_counts(void **state) {
  (void)state;
  uint64_t s = 12345;
  uint32_t cp[1200];
  for (int round = 0; round < 3000; round++) {
    size_t n = round < 1100 ? (size_t)round : rnd(&s) % 1200;
    int ascii_only = round % 5 == 0;
    for (size_t i = 0; i < n; i++) {
      cp[i] = pick(&s, ascii_only);
      if (cp[i] == '\n' || cp[i] == '\r') cp[i] = 'x';
    }
    zf_line_facts want, got;
    naive(cp, n, &want);
    zf_text t = {cp, NULL, n, n};
    assert_int_equal(zf_line_facts_scan(&t, &got), 0);
    assert_true(got.valid);
    same(&got, &want, n);
    /* with a break somewhere (or none): its index, and the facts before it */
    size_t at = n ? rnd(&s) % (n + 1) : 0;
    if (at < n) cp[at] = rnd(&s) % 2 ? '\n' : '\r';
    if (at < n && at + 1 < n && rnd(&s) % 2) cp[at + 1] = '\n';
    size_t br = zf_line_facts_to_break(cp, n, &got);
    assert_int_equal(br, at);
    assert_true(got.valid);
    naive(cp, at, &want);
    same(&got, &want, at);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_counts)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
