/*
 * Language model: the loaders' checks of the embedded tables (issue 14
 * item 5; moved from test_lm.c, issue 14 item 4): lm_other.bin (the model
 * of text in any language), lm.bin and lm_words.bin are refused when
 * truncated, padded, misaligned, with a wrong magic or version, a wrong
 * checksum, or an index a lookup would follow out of its table; and
 * zf_lm_other_bigram's page index finds every code point's run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lm.h"
#include "tu_blob.h"
#include "zf.h"

/* ---- the embedded tables' checks ---------------------------------------- */

ZF_BLOB_DECLARE(lm_other);
ZF_BLOB_DECLARE(lm);
ZF_BLOB_DECLARE(lm_words);

static uint32_t fnv_body(const unsigned char *b, size_t from, size_t n) {
  uint32_t h = 0x811C9DC5u;
  for (size_t i = from; i < n; i++) h = (h ^ b[i]) * 0x01000193u;
  return h;
}

static void put32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8), p[2] = (unsigned char)(v >> 16),
  p[3] = (unsigned char)(v >> 24);
}

static uint32_t get32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The loader refuses a truncated, padded or corrupted table: the embedded
 * one passes, and each damage is caught by the check it names. */
static void test_other_blob_check(void **state) {
  (void)state;
  size_t n = (size_t)zf_blob_lm_other_size;
  assert_true(n > 48);
  assert_int_equal(zf_lm_other_check(zf_blob_lm_other, n), 0);
  assert_int_equal(zf_lm_other_ok(), 1);
  /* an aligned copy to damage (+8 spare bytes for padding, +4 to misalign) */
  uint32_t *mem = malloc(n + 16);
  assert_non_null(mem);
  unsigned char *b = (unsigned char *)mem;
  memcpy(b, zf_blob_lm_other, n);
  assert_int_equal(zf_lm_other_check(b, n), 0);
  /* cut in the header, the runs, the transitions, at the last byte */
  const size_t cuts[] = {0, 1, 47, 48, 100, n / 2, n - 1};
  tu_blob_frame(zf_lm_other_check, b, zf_blob_lm_other, n, cuts, sizeof cuts / sizeof cuts[0], 1);
  /* a flipped bit anywhere in the body: the checksum */
  const size_t flips[] = {48, n / 3, n / 2, n - 1};
  for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
    b[flips[i]] ^= 0x10;
    assert_int_equal(zf_lm_other_check(b, n), -6);
    b[flips[i]] ^= 0x10;
  }
  /* layout damage with a matching checksum: class counts, offsets, runs
   * out of order or with a class beyond the table */
  uint32_t ncls = get32(b + 12), nrun = get32(b + 16), off_run = get32(b + 24);
  put32(b + 12, 0);
  assert_int_equal(zf_lm_other_check(b, n), -5);
  put32(b + 12, 200);
  assert_int_equal(zf_lm_other_check(b, n), -5);
  put32(b + 12, ncls);
  put32(b + 16, nrun * 4);
  assert_int_equal(zf_lm_other_check(b, n), -5);
  put32(b + 16, nrun);
  put32(b + 24, (uint32_t)n);
  assert_int_equal(zf_lm_other_check(b, n), -5);
  put32(b + 24, off_run);
  unsigned char save[8];
  memcpy(save, b + off_run + 8 * 5, 8);
  put32(b + off_run + 8 * 5, 0); /* run 5 starts before run 4 */
  put32(b + 44, fnv_body(b, 48, n));
  assert_int_equal(zf_lm_other_check(b, n), -5);
  memcpy(b + off_run + 8 * 5, save, 8);
  b[off_run + 8 * 5 + 4] = (unsigned char)ncls; /* class out of range */
  put32(b + 44, fnv_body(b, 48, n));
  assert_int_equal(zf_lm_other_check(b, n), -5);
  memcpy(b + off_run + 8 * 5, save, 8);
  put32(b + 44, fnv_body(b, 48, n));
  assert_int_equal(zf_lm_other_check(b, n), 0);
  free(mem);
}

/* lm.bin and lm_words.bin: the embedded tables pass; cut anywhere,
 * padded, misaligned, with a wrong magic or version, or with an index a
 * lookup follows pointing out of its table, they are refused. */
static void check_blob_damage(int (*check)(const unsigned char *, size_t), const unsigned char *blob,
                              size_t n, const size_t *pokes, size_t npokes) {
  assert_int_equal(check(blob, n), 0);
  uint32_t *mem = malloc(n + 16);
  assert_non_null(mem);
  unsigned char *b = (unsigned char *)mem;
  memcpy(b, blob, n);
  assert_int_equal(check(b, n), 0);
  const size_t cuts[] = {0, 1, 31, 32, 71, 72, 100, n / 3, n / 2, n - 4, n - 1};
  tu_blob_frame(check, b, blob, n, cuts, sizeof cuts / sizeof cuts[0], 4);
  /* header fields and table entries overwritten with large values */
  for (size_t i = 0; i < npokes; i++) {
    uint32_t keep = get32(b + pokes[i]);
    put32(b + pokes[i], 0xFFFFFFF0u);
    if (check(b, n) >= 0) fail_msg("a large value at offset %zu passed the check", pokes[i]);
    put32(b + pokes[i], keep);
  }
  assert_int_equal(check(b, n), 0);
  free(mem);
}

static void test_blob_checks(void **state) {
  (void)state;
  const unsigned char *lm = zf_blob_lm, *lw = zf_blob_lm_words;
  size_t nlm = (size_t)zf_blob_lm_size, nlw = (size_t)zf_blob_lm_words_size;
  /* lm.bin: every header count and offset; a page-table entry, a record,
   * a bigram row start and column (their offsets from the header) */
  size_t lm_pokes[24], k = 0;
  for (size_t f = 2; f <= 15; f++) lm_pokes[k++] = 4 * f; /* not scale: any non-zero will do */
  lm_pokes[k++] = get32(lm + 24) + 2 * 0x4E;      /* stage1 of U+4Exx */
  lm_pokes[k++] = get32(lm + 32) + 2 * 300;       /* a stage2 entry */
  lm_pokes[k++] = get32(lm + 40) + 16 * 20 + 12;  /* a record's class */
  lm_pokes[k++] = get32(lm + 48) + 4 * 10;        /* a row start */
  lm_pokes[k++] = get32(lm + 56) + 2 * 1000;      /* a column */
  check_blob_damage(zf_lm_check, lm, nlm, lm_pokes, k);
  /* lm_words.bin: header fields, and the first used slot */
  size_t lw_pokes[8];
  k = 0;
  for (size_t f = 2; f <= 6; f++) lw_pokes[k++] = 4 * f;
  uint32_t off_slots = get32(lw + 12);
  size_t s = 0;
  while (get32(lw + off_slots + 4 * s) == 0) s++;
  lw_pokes[k++] = off_slots + 4 * s;
  check_blob_damage(zf_lm_words_check, lw, nlw, lw_pokes, k);
  /* a table with no empty slot would make a lookup probe forever */
  uint32_t *mem = malloc(nlw);
  assert_non_null(mem);
  unsigned char *b = (unsigned char *)mem;
  memcpy(b, lw, nlw);
  for (uint32_t i = 0; i < get32(lw + 8); i++)
    if (get32(b + off_slots + 4 * i) == 0) put32(b + off_slots + 4 * i, get32(b + off_slots + 4 * s));
  assert_int_equal(zf_lm_words_check(b, nlw), -5);
  free(mem);
  assert_int_equal(zf_lm_ok(), 1);
  assert_int_equal(zf_lm_deep_ok(), 1);
}

/* zf_lm_other_bigram finds a code point's run through a page index: for
 * every code point (and the values past the last, read as U+FFFD), the
 * run is the last one whose first code point is at most it, as a scan of
 * the blob's runs (header word 4: their number, word 6: their offset;
 * 8 bytes each, the first code point first) finds. */
static void test_other_runs(void **state) {
  (void)state;
  const unsigned char *b = zf_blob_lm_other;
  uint32_t nrun = get32(b + 16), off_run = get32(b + 24);
  assert_true(nrun > 100);
  size_t want = 0, pages_with_two = 0, last_page_run = 0;
  for (uint32_t c = 0; c < 0x110000; c++) {
    while (want + 1 < nrun && get32(b + off_run + 8 * (want + 1)) <= c) want++;
    if ((c & 0xFF) == 0) last_page_run = want;
    pages_with_two += (c & 0xFF) == 0xFF && want > last_page_run;
    size_t got = zf_lm_other_run(c);
    if (got != want) fail_msg("U+%04X: run %zu, want %zu", (unsigned)c, got, want);
  }
  assert_int_equal(zf_lm_other_run(0x110000), zf_lm_other_run(0xFFFD));
  assert_int_equal(zf_lm_other_run(0xFFFFFFFFu), zf_lm_other_run(0xFFFD));
  assert_true(pages_with_two > 10); /* pages whose search is not one step */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_other_blob_check),
      cmocka_unit_test(test_other_runs),
      cmocka_unit_test(test_blob_checks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
