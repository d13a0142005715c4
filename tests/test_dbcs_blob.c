/*
 * The double-byte tables embedded by the build (build/dbcs.bin,
 * tools/gen_dbcs.c; src/codec.h): byte for byte what ICU's converters
 * read at run time, used in place (no table on the heap, no ICU call at
 * start-up: issue 14, start-up cost and peak RSS), and refused by the
 * loader when truncated, padded, misaligned or corrupted, in which case
 * the tables are built from ICU as before.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec.h"
#include "tu_blob.h"
#include "zf.h"

ZF_BLOB_DECLARE(dbcs);

static int inside_blob(const void *p) {
  const unsigned char *c = p;
  return c >= zf_blob_dbcs && c + sizeof(zf_dbcs) <= zf_blob_dbcs + zf_blob_dbcs_size;
}

/* Every embedded table equals the one ICU builds now: a stale or wrong
 * blob would change what the stages read. */
static void test_blob_is_icu(void **state) {
  (void)state;
  zf_dbcs *t = calloc(1, sizeof *t);
  assert_non_null(t);
  for (int w = 0; w < ZF_DBCS__COUNT; w++) {
    const zf_dbcs *e = zf_dbcs_blob_table(zf_blob_dbcs, (size_t)zf_blob_dbcs_size, w);
    assert_non_null(e);
    memset(t, 0, sizeof *t);
    assert_int_equal(zf_dbcs_from_icu(w, t), 0);
    assert_memory_equal(e, t, sizeof *t);
  }
  free(t);
  /* a few known codes, so that two equal but empty tables cannot pass */
  const zf_dbcs *gbk = zf_dbcs_table(ZF_DBCS_GBK, NULL), *big5 = zf_dbcs_table(ZF_DBCS_BIG5, NULL);
  assert_int_equal(gbk->enc[0x4E2D], 0xD6D0);  /* 中 */
  assert_int_equal(big5->enc[0x4E2D], 0xA4A4); /* 中 */
  assert_int_equal(gbk->single[0], 0x20AC);    /* windows-936's 0x80 */
}

/* The tables a stage gets are the embedded ones, read in place: a build
 * on the heap at start-up (683 KB, ICU's data and code pages resident)
 * must not come back. */
static void test_table_in_place(void **state) {
  (void)state;
  int err = -1;
  for (int w = 0; w < ZF_DBCS__COUNT; w++) {
    const zf_dbcs *t = zf_dbcs_table(w, &err);
    assert_int_equal(err, 0);
    assert_true(inside_blob(t));
    assert_ptr_equal(t, zf_dbcs_table(w, NULL));
  }
  assert_null(zf_dbcs_blob_table(zf_blob_dbcs, (size_t)zf_blob_dbcs_size, -1));
  assert_null(zf_dbcs_blob_table(zf_blob_dbcs, (size_t)zf_blob_dbcs_size, ZF_DBCS__COUNT));
}

/* The loader refuses a truncated, padded or corrupted blob, and each
 * field of the header is checked. */
static void test_blob_check(void **state) {
  (void)state;
  size_t n = (size_t)zf_blob_dbcs_size;
  assert_int_equal(n, ZF_DBCS_BLOB_HDR + ZF_DBCS__COUNT * sizeof(zf_dbcs));
  assert_int_equal(zf_dbcs_blob_check(zf_blob_dbcs, n), 0);
  uint64_t *mem = malloc(n + 16);
  assert_non_null(mem);
  unsigned char *b = (unsigned char *)mem;
  memcpy(b, zf_blob_dbcs, n);
  assert_int_equal(zf_dbcs_blob_check(b, n), 0);
  const size_t cuts[] = {0, 1, ZF_DBCS_BLOB_HDR - 1, ZF_DBCS_BLOB_HDR, n / 2, n - 1};
  tu_blob_frame(zf_dbcs_blob_check, b, zf_blob_dbcs, n, cuts, sizeof cuts / sizeof cuts[0], 8);
  /* misaligned by 4 (the tables are read in place as 32-bit words) */
  memmove(b + 4, b, n);
  assert_int_equal(zf_dbcs_blob_check(b + 4, n), -1);
  memcpy(b, zf_blob_dbcs, n);
  /* the count of tables, a table's size, ICU's version */
  for (size_t at = 8; at <= 24; at += 4) {
    if (at == 16 || at == 20) continue; /* the blob's size: -4 above */
    tu_put32n(b + at, tu_get32n(b + at) + 1);
    assert_int_equal(zf_dbcs_blob_check(b, n), -5);
    assert_null(zf_dbcs_blob_table(b, n, ZF_DBCS_GBK));
    tu_put32n(b + at, tu_get32n(b + at) - 1);
  }
  /* a header that says its cut size is still refused: the tables must fit */
  uint64_t cut = n - 4;
  memcpy(b + 16, &cut, 8);
  assert_int_equal(zf_dbcs_blob_check(b, n - 4), -5);
  memcpy(b, zf_blob_dbcs, n);
  assert_int_equal(zf_dbcs_blob_check(b, n), 0);
  assert_non_null(zf_dbcs_blob_table(b, n, ZF_DBCS_BIG5));
  free(mem);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_blob_is_icu),
      cmocka_unit_test(test_table_in_place),
      cmocka_unit_test(test_blob_check),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
