/*
 * Pinyin readings: the generated table (every reading, primary first,
 * Traditional characters covered) and the syllable parser/formatter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "readings.h"
#include "tu_blob.h"
#include "zf.h"
#include "tu.h"
#include "zf.h"

/* UTF-8 -> code points (test input is valid UTF-8). */
static size_t u32(const char *s, uint32_t *out, size_t cap) {
  const unsigned char *p = (const unsigned char *)s;
  size_t n = 0;
  while (*p && n < cap) {
    uint32_t c = *p++;
    int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    if (more) c &= 0x3Fu >> more;
    while (more-- > 0) c = (c << 6) | (*p++ & 0x3Fu);
    out[n++] = c;
  }
  return n;
}

static uint32_t ch(const char *s) {
  uint32_t c[4];
  u32(s, c, 4);
  return c[0];
}

static int parse(const char *s, int *tone) {
  uint32_t c[32];
  return zf_pinyin_parse(c, u32(s, c, 32), tone);
}

/* Syllable index of a plain spelling, asserting it parses. */
static int syl(const char *s) {
  int t;
  int k = parse(s, &t);
  assert_true(k >= 0);
  return k;
}

static int has(const char *c, const char *py) {
  int t;
  int k = parse(py, &t);
  return k >= 0 && zf_reading_of(ch(c), k, t);
}

static void test_parse_forms(void **state) {
  (void)state;
  int t, k = parse("wǎng", &t);
  assert_true(k >= 0);
  assert_int_equal(t, 3);
  assert_int_equal(parse("wang3", &t), k);
  assert_int_equal(t, 3);
  assert_int_equal(parse("WANG", &t), k);
  assert_int_equal(t, 0);
  assert_int_equal(parse("Wǎng", &t), k);
  /* combining mark instead of the precomposed letter */
  assert_int_equal(parse("wa\xcc\x8cng", &t), k);
  assert_int_equal(t, 3);

  int lv = parse("lü", &t);
  assert_true(lv >= 0);
  assert_int_equal(t, 0);
  assert_int_equal(parse("lv", &t), lv);
  assert_int_equal(parse("lu:", &t), lv);
  assert_int_equal(parse("LV4", &t), lv);
  assert_int_equal(t, 4);
  assert_true(parse("lu", &t) != lv);

  int nve = parse("nüè", &t);
  assert_true(nve >= 0);
  assert_int_equal(t, 4);
  assert_int_equal(parse("nve4", &t), nve);
  assert_int_equal(parse("nue4", &t), nve); /* common spelling of nüe */
  assert_int_equal(parse("nu:e", &t), nve);

  assert_int_equal(parse("de5", &t), syl("de"));
  assert_int_equal(t, 5);
  assert_int_equal(parse("ń", &t), syl("n"));
  assert_int_equal(t, 2);

  /* not syllables */
  assert_int_equal(parse("", &t), -1);
  assert_int_equal(parse("wangg", &t), -1);
  assert_int_equal(parse("xyz", &t), -1);
  assert_int_equal(parse("wang6", &t), -1);
  assert_int_equal(parse("3wang", &t), -1);
  assert_int_equal(parse("wǎngá", &t), -1); /* two tone marks */
  assert_int_equal(parse("wang3 ", &t), -1);
  assert_int_equal(parse("r", &t), -1); /* erhua suffix is not listed */
}

static void test_readings_known(void **state) {
  (void)state;
  assert_true(has("網", "wǎng"));
  assert_true(has("网", "wang3"));
  assert_true(has("網", "wang"));
  assert_false(has("網", "wáng"));
  assert_true(has("地", "de5"));
  assert_true(has("地", "dì"));
  assert_false(has("地", "dí"));
  assert_true(has("數", "shǔ"));
  assert_true(has("數", "shù"));
  assert_true(has("數", "shuò"));
  assert_true(has("数", "shuo4"));
  assert_true(has("發", "fā"));
  assert_true(has("財", "cái"));
  assert_true(has("內", "nèi"));
  assert_true(has("女", "nǚ"));
  assert_true(has("女", "nv3"));
  assert_true(has("略", "lüè"));
  assert_true(has("的", "de"));
  assert_true(has("的", "dì"));
  assert_true(has("了", "le5"));
  assert_true(has("了", "liǎo"));
  assert_true(has("嗯", "ń"));
  /* Extension B is covered by ICU's transliterator */
  uint32_t r[8];
  assert_true(zf_readings(0x20000, r, 8) >= 1);
  /* not Han */
  assert_int_equal(zf_readings('a', r, 8), 0);
  assert_int_equal(zf_readings(0x3002, r, 8), 0);
  assert_int_equal(zf_readings(0x10FFFF, r, 8), 0);
  assert_false(zf_reading_of('a', syl("a"), 0));
}

static void test_primary_first(void **state) {
  (void)state;
  uint32_t r[16];
  size_t n = zf_readings(ch("數"), r, 16);
  assert_true(n >= 3);
  /* ICU's primary reading of 數 is shù */
  assert_int_equal(r[0] >> 3, (uint32_t)syl("shu"));
  assert_int_equal(r[0] & 7, 4);
  /* every reading listed once */
  for (size_t i = 0; i < n && i < 16; i++)
    for (size_t j = i + 1; j < n && j < 16; j++) assert_true(r[i] != r[j]);
  /* max smaller than the count: count still returned, only max written */
  uint32_t one[2] = {0, 0xDEAD};
  assert_int_equal(zf_readings(ch("數"), one, 1), n);
  assert_int_equal(one[1], 0xDEAD);
}

/* Every Traditional character of OpenCC's table has readings (terra_pinyin
 * or, failing that, those of its Simplified form), and every Han character
 * in the corpora has at least one. */
static void test_coverage(void **state) {
  (void)state;
  size_t len;
  const char *names[] = {"zh_CN.txt", "zh_TW.txt"};
  for (int f = 0; f < 2; f++) {
    char *text = tu_read_file(tu_corpus(names[f]), &len);
    if (!text) /* a missing corpus fails: the test would assert nothing */
      fail_msg("%s: corpus missing (make corpus, or set ZHFIX_CORPUS)", tu_corpus(names[f]));
    size_t nhan = 0, missing = 0;
    uint32_t c[1] = {0};
    const unsigned char *p = (const unsigned char *)text, *end = p + len;
    char tmp[5];
    while (p < end) {
      int k = *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 1;
      if (p + k > end) break;
      memcpy(tmp, p, (size_t)k);
      tmp[k] = 0;
      u32(tmp, c, 1);
      p += k;
      if (!zf_is_han(c[0])) continue;
      nhan++;
      uint32_t r[1];
      if (zf_readings(c[0], r, 1) == 0) {
        if (missing < 5) fprintf(stderr, "no reading: U+%04X\n", c[0]);
        missing++;
      }
    }
    fprintf(stderr, "%s: %zu Han characters, %zu without a reading\n", names[f], nhan, missing);
    assert_true(nhan > 100000);
    assert_int_equal(missing, 0);
    free(text);
  }
}

static void fmt_is(int s, int t, const char *want) {
  char buf[32];
  int n = zf_pinyin_format(s, t, buf, sizeof buf);
  assert_int_equal(n, (int)strlen(want));
  assert_string_equal(buf, want);
}

static void test_format(void **state) {
  (void)state;
  fmt_is(syl("wang"), 3, "wǎng");
  fmt_is(syl("nve"), 4, "nüè");
  fmt_is(syl("lv"), 3, "lǚ");
  fmt_is(syl("lv"), 0, "lü");
  fmt_is(syl("gou"), 3, "gǒu");
  fmt_is(syl("gui"), 4, "guì");
  fmt_is(syl("liu"), 2, "liú");
  fmt_is(syl("shuo"), 4, "shuò");
  fmt_is(syl("de"), 5, "de");
  fmt_is(syl("n"), 2, "ń");
  fmt_is(syl("er"), 2, "ér");
  char small[4];
  assert_int_equal(zf_pinyin_format(syl("zhuang"), 4, small, sizeof small), -1);
  assert_int_equal(zf_pinyin_format(-1, 1, small, sizeof small), -1);
  assert_int_equal(zf_pinyin_format(syl("a"), 6, small, sizeof small), -1);
}

/* Round trip: every reading of every character formats to a spelling that
 * parses back to the same (syllable, tone). */
static void test_round_trip(void **state) {
  (void)state;
  size_t checked = 0;
  for (uint32_t c = 0x4E00; c <= 0x9FFF; c++) {
    uint32_t r[16];
    size_t n = zf_readings(c, r, 16);
    for (size_t i = 0; i < n && i < 16; i++) {
      char buf[32];
      int s = (int)(r[i] >> 3), t = (int)(r[i] & 7);
      assert_true(t >= 1 && t <= 5);
      assert_true(zf_pinyin_format(s, t, buf, sizeof buf) > 0);
      int t2, s2 = parse(buf, &t2);
      assert_int_equal(s2, s);
      assert_int_equal(t2, t == 5 ? 0 : t);
      assert_true(zf_reading_of(c, s, t));
      checked++;
    }
  }
  assert_true(checked > 20000);
}

ZF_BLOB_DECLARE(readings);

static uint32_t get32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* The loader refuses data/readings.bin cut anywhere, padded, misaligned,
 * with a wrong magic or version, or with an index out of its table. */
static void test_blob_check(void **state) {
  (void)state;
  size_t n = (size_t)zf_blob_readings_size;
  assert_int_equal(zf_readings_check(zf_blob_readings, n), 0);
  assert_int_equal(zf_readings_ok(), 1);
  uint32_t *mem = malloc(n + 16);
  assert_non_null(mem);
  unsigned char *b = (unsigned char *)mem;
  memcpy(b, zf_blob_readings, n);
  const size_t cuts[] = {0, 1, 47, 48, 100, n / 3, n / 2, n - 4, n - 1};
  tu_blob_frame(zf_readings_check, b, zf_blob_readings, n, cuts, sizeof cuts / sizeof cuts[0], 4);
  /* header counts and offsets, a page-table entry, a char id, a start, a
   * reading, a syllable out of order */
  size_t pokes[16], k = 0;
  for (size_t f = 2; f <= 10; f++) pokes[k++] = 4 * f;
  pokes[k++] = get32(b + 20) + 2 * 0x4E;
  pokes[k++] = get32(b + 28) + 2 * 300;
  pokes[k++] = get32(b + 36) + 4 * 10;
  pokes[k++] = get32(b + 44) + 2 * 10;
  pokes[k++] = get32(b + 12) + 8 * 5;
  for (size_t i = 0; i < k; i++) {
    uint32_t keep = get32(b + pokes[i]);
    put32(b + pokes[i], 0xFFFFFFF0u);
    if (zf_readings_check(b, n) >= 0) fail_msg("a large value at offset %zu passed", pokes[i]);
    put32(b + pokes[i], keep);
  }
  assert_int_equal(zf_readings_check(b, n), 0);
  free(mem);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_forms),   cmocka_unit_test(test_readings_known),
      cmocka_unit_test(test_primary_first), cmocka_unit_test(test_coverage),
      cmocka_unit_test(test_format),        cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_blob_check),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
