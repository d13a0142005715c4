/*
 * The legacy codecs, the lost-byte marks and the UTF-8 decoder (issue 14:
 * one of each), and the tables the mojibake stage derives from them:
 *
 *  - each double-byte table (src/codec.c) says exactly what ICU's
 *    converter says, pair by pair and character by character;
 *  - the GB18030 view of the content-farm stage, and the marks of
 *    src/marks.h, are what ICU's decoders make;
 *  - zf_utf8_get (src/zf.h) decodes as ICU's UTF-8 converter does,
 *    maximal invalid subparts included;
 *  - the shared tables: a build that fails for lack of memory makes that
 *    call fail and is retried by the next (the stage is never disabled for
 *    the process), and threads racing to build them all get the same.
 *
 * This program makes allocations fail on demand (tests/util/tu_oom.h;
 * not under AddressSanitizer, whose allocator cannot be replaced:
 * the retry test is skipped there).  The retry test runs first: it needs
 * the tables not built yet.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unicode/ucnv.h>

#include "codec.h"
#include "marks.h"
#include "moji.h"
#include "tu.h"
#include "tu_oom.h"
#include "zhfix.h"

/* UTF-8 read as GBK (我们今天测试), and its repair. */
static const char *garbage = "鎴戜滑浠婂ぉ娴嬭瘯\n";
static const char *repaired = "我们今天测试\n";

static int repair(char **out) {
  zhfix *h = zhfix_create();
  if (!h) return ZHFIX_E_NOMEM;
  size_t len;
  int rc = zhfix_set_option_string(h, "punct", "off");
  if (!rc) rc = zhfix_process(h, garbage, strlen(garbage), out, &len);
  zhfix_free(h);
  return rc;
}

/* First in the process: the codec tables and the stage's derived tables
 * cannot be allocated; the document says so (ZHFIX_E_NOMEM), and the next
 * one, with memory back, is repaired: nothing stays disabled. */
static void test_nomem_retried(void **state) {
  (void)state;
  if (!TU_OOM_INTERPOSE) {
    printf("nomem: allocator not replaceable under sanitizers, skipped\n");
    return;
  }
  /* The codec tables are embedded (build/dbcs.bin, read in place): no
   * allocation of theirs to fail; the stage's derived tables remain. */
  size_t b = sizeof(moji_tables);
  for (int which = 1; which < 2; which++) {
    char *out = NULL;
    tu_oom_min = tu_oom_max = b;
    tu_oom_left = 1000000;
    tu_oom_failed = 0;
    int rc = repair(&out);
    tu_oom_left = 0;
    assert_true(tu_oom_failed > 0);
    assert_int_equal(rc, ZHFIX_E_NOMEM);
    assert_null(out);
  }
  char *out = NULL;
  assert_int_equal(repair(&out), ZHFIX_OK);
  assert_string_equal(out, repaired);
  zhfix_buffer_free(out);
}

static void *repair_thread(void *arg) {
  int *ok = arg;
  for (int i = 0; i < 20; i++) {
    char *out = NULL;
    *ok &= repair(&out) == ZHFIX_OK && out && strcmp(out, repaired) == 0;
    zhfix_buffer_free(out);
  }
  return NULL;
}

/* Handles in several threads share the tables (built by whichever thread
 * comes first, the others reading them) and repair alike. */
static void test_threads(void **state) {
  (void)state;
  enum { N = 4 };
  pthread_t th[N];
  int ok[N];
  for (int i = 0; i < N; i++) {
    ok[i] = 1;
    assert_int_equal(pthread_create(&th[i], NULL, repair_thread, &ok[i]), 0);
  }
  for (int i = 0; i < N; i++) {
    pthread_join(th[i], NULL);
    assert_true(ok[i]);
  }
  /* every call returns the one published table */
  assert_ptr_equal(zf_dbcs_table(ZF_DBCS_GBK, NULL), zf_dbcs_table(ZF_DBCS_GBK, NULL));
  assert_ptr_equal(zf_moji_tables(NULL), zf_moji_tables(NULL));
}

/* ICU's reading of bytes b[0..n): the code point when it is exactly one
 * character other than a substitution, else 0. */
static uint32_t icu_decode(UConverter *cv, const uint8_t *b, int32_t n) {
  UChar dst[8];
  UErrorCode err = U_ZERO_ERROR;
  ucnv_reset(cv);
  int32_t k = ucnv_toUChars(cv, dst, 8, (const char *)b, n, &err);
  if (U_FAILURE(err)) return 0;
  uint32_t c = 0;
  if (k == 1 && !(dst[0] >= 0xD800 && dst[0] <= 0xDFFF)) c = dst[0];
  if (k == 2 && dst[0] >= 0xD800 && dst[0] <= 0xDBFF && dst[1] >= 0xDC00 && dst[1] <= 0xDFFF)
    c = 0x10000 + (((uint32_t)dst[0] - 0xD800) << 10) + (dst[1] - 0xDC00);
  return c == 0xFFFD || c == 0x1A || c < 0x80 ? 0 : c;
}

/* Each table against its ICU converter: every pair decodes as ICU decodes
 * it alone, every single byte too, and every character encodes to bytes
 * ICU decodes back to it (and, for the farm's GB18030 view, to the bytes
 * ICU encodes it to when those are one or two). */
static void test_tables_are_icu(void **state) {
  (void)state;
  static const char *names[ZF_DBCS__COUNT] = {"GBK", "gb18030", "Big5"};
  for (int w = 0; w < ZF_DBCS__COUNT; w++) {
    int err = -99;
    const zf_dbcs *t = zf_dbcs_table(w, &err);
    assert_non_null(t);
    assert_int_equal(err, 0);
    UErrorCode e = U_ZERO_ERROR;
    UConverter *cv = ucnv_open(names[w], &e);
    assert_true(U_SUCCESS(e));
    for (unsigned l = 0x81; l <= 0xFE; l++)
      for (unsigned tr = 0x40; tr <= 0xFE; tr++) {
        uint8_t b[2] = {(uint8_t)l, (uint8_t)tr};
        uint32_t want = icu_decode(cv, b, 2), got = 0;
        if (zf_dbcs_get(t, b, 2, &got) != 2) got = 0;
        if (got != want) fail_msg("%s %02X%02X: %X, ICU %X", names[w], l, tr, got, want);
      }
    for (unsigned v = 0x80; v <= 0xFF; v++) {
      uint8_t b[1] = {(uint8_t)v};
      uint32_t got = 0;
      if (zf_dbcs_get(t, b, 1, &got) != 1) got = 0;
      assert_int_equal(got, icu_decode(cv, b, 1));
    }
    for (uint32_t c = 0x80; c < 0x10000; c++) {
      uint8_t b[4];
      int k = zf_dbcs_put(t, c, b);
      if (k && icu_decode(cv, b, k) != c) fail_msg("%s U+%04X encodes to bytes ICU reads otherwise", names[w], c);
      if (w != ZF_DBCS_GB18030 || (c >= 0xD800 && c <= 0xDFFF)) continue;
      UChar u = (UChar)c;
      char ib[8];
      UErrorCode e2 = U_ZERO_ERROR;
      ucnv_reset(cv);
      int32_t n = ucnv_fromUChars(cv, ib, 8, &u, 1, &e2);
      unsigned char fb[4];
      int fk = zf_gb18030_put(t, c, fb);
      if (U_SUCCESS(e2) && n == 2) {
        if (fk != 2 || memcmp(fb, ib, 2) != 0) fail_msg("gb18030 U+%04X: %d bytes, ICU 2", c, fk);
      } else {
        assert_int_equal(fk, 0);
      }
    }
    /* the farm's view: no private use, two-byte codes only */
    if (w == ZF_DBCS_GB18030) {
      assert_int_equal(zf_gb18030_pair(t, 0xA2, 0xE3), 0x20AC); /* € */
      assert_int_equal(zf_gb18030_pair(t, 0xAA, 0xA1), 0);      /* user-defined: private use */
      assert_int_equal(zf_gb18030_pair(t, 0x81, 0x30), 0);      /* first half of four bytes */
    }
    ucnv_close(cv);
  }
  /* windows-936 and GB18030 are one family that differs in a few codes */
  const zf_dbcs *g = zf_dbcs_table(ZF_DBCS_GBK, NULL), *h = zf_dbcs_table(ZF_DBCS_GB18030, NULL);
  size_t differ = 0;
  for (size_t i = 0; i < ZF_DB_NLEAD * ZF_DB_NTRAIL; i++) differ += g->dec[i] != h->dec[i];
  printf("GBK (windows-936) and GB18030 differ in %zu two-byte codes\n", differ);
  assert_true(differ > 0 && differ < 200);
}

/* The marks of lost bytes are what the decoders make. */
static void test_marks(void **state) {
  (void)state;
  UErrorCode e = U_ZERO_ERROR;
  UConverter *gbk = ucnv_open("GBK", &e), *big5 = ucnv_open("Big5", &e);
  assert_true(U_SUCCESS(e));
  static const uint8_t fffd2[6] = {0xEF, 0xBF, 0xBD, 0xEF, 0xBF, 0xBD};
  const uint32_t want_gbk[3] = {ZF_MARK_GBK_1, ZF_MARK_GBK_2, ZF_MARK_GBK_3};
  const uint32_t want_big5[3] = {ZF_MARK_BIG5_1, ZF_MARK_BIG5_2, ZF_MARK_BIG5_3};
  for (int i = 0; i < 3; i++) {
    assert_int_equal(icu_decode(gbk, fffd2 + 2 * i, 2), want_gbk[i]);
    assert_int_equal(icu_decode(big5, fffd2 + 2 * i, 2), want_big5[i]);
    assert_true(zf_mark_in_triple(ZF_MARK_GBK_1, want_gbk[i]));
    assert_true(zf_mark_in_triple(ZF_MARK_BIG5_1, want_big5[i]));
  }
  static const uint8_t cc[2] = {0xCC, 0xCC}, cd[2] = {0xCD, 0xCD};
  assert_int_equal(icu_decode(gbk, cc, 2), ZF_MARK_FILL_CC);
  assert_int_equal(icu_decode(gbk, cd, 2), ZF_MARK_FILL_CD);
  assert_true(zf_mark_lost('?') && zf_mark_lost(0xFFFD) && !zf_mark_lost(0x951F));
  assert_true(zf_mark_replaced(0xFFFD) && zf_mark_replaced(0x951F) && zf_mark_replaced(0x5699));
  assert_true(!zf_mark_replaced('?') && !zf_mark_replaced(0x65A4));
  for (uint32_t c = 0; c < 0x10000; c++)
    assert_int_equal(zf_mark_starts_span(c) != 0,
                     c == 0xFFFD || zf_mark_fffd_lead(c) || zf_mark_fill(c));
  ucnv_close(gbk);
  ucnv_close(big5);
}

/* ICU's UTF-8 reading of b[0..n) followed by 'A' (which ends any
 * sequence): the length of the first character or maximal invalid
 * subpart, and its code point (U+FFFD for a subpart). */
static int icu_utf8_first(UConverter *cv, const uint8_t *b, int n, uint32_t *c) {
  char src[8];
  memcpy(src, b, (size_t)n);
  src[n] = 'A';
  UChar dst[16];
  int32_t off[16];
  UChar *t = dst;
  const char *s = src;
  UErrorCode err = U_ZERO_ERROR;
  ucnv_reset(cv);
  ucnv_toUnicode(cv, &t, dst + 16, &s, src + n + 1, off, 1, &err);
  assert_true(U_SUCCESS(err));
  int k = dst[0] >= 0xD800 && dst[0] <= 0xDBFF ? 2 : 1;
  *c = k == 2 ? 0x10000 + (((uint32_t)dst[0] - 0xD800) << 10) + (dst[1] - 0xDC00) : dst[0];
  return off[k]; /* where the next unit's bytes begin */
}

/* zf_utf8_get reads as ICU does: every two-byte string, and every
 * three- and four-byte string over bytes at the edges of the ranges. */
static void test_utf8_decoder(void **state) {
  (void)state;
  UErrorCode e = U_ZERO_ERROR;
  UConverter *cv = ucnv_open("UTF-8", &e);
  assert_true(U_SUCCESS(e));
  static const uint8_t edge[] = {0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xF5};
  const size_t ne = sizeof edge, step = tu_quick() ? 7 : 1;
  size_t checked = 0;
  for (unsigned b0 = 0x80; b0 <= 0xFF; b0++)
    for (unsigned b1 = 0; b1 <= 0xFF; b1 += b1 < 0x40 ? 0x3F : (unsigned)step)
      for (size_t i2 = 0; i2 < ne; i2++)
        for (size_t i3 = 0; i3 < ne; i3++) {
          uint8_t b[4] = {(uint8_t)b0, (uint8_t)b1, edge[i2], edge[i3]};
          uint32_t want, got;
          int wk = icu_utf8_first(cv, b, 4, &want);
          int k = zf_utf8_get(b, 4, &got);
          int gk = k < 0 ? -k : k;
          if (gk != wk || got != want || (k < 0) != (want == 0xFFFD))
            fail_msg("%02X %02X %02X %02X: %d U+%04X, ICU %d U+%04X", b[0], b[1], b[2], b[3], k, got, wk, want);
          /* cut short: a valid start asks for more, an invalid one does not */
          for (size_t n = 1; n < (size_t)gk; n++) assert_int_equal(zf_utf8_get(b, n, &got), 0);
          checked++;
        }
  printf("utf-8: %zu byte strings read as ICU reads them\n", checked);
  ucnv_close(cv);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nomem_retried), cmocka_unit_test(test_threads),
      cmocka_unit_test(test_tables_are_icu), cmocka_unit_test(test_marks),
      cmocka_unit_test(test_utf8_decoder),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
