/*
 * Character references left in plain text (src/entities.c, issue 14): a
 * stage of its own with its own switch (ZHFIX_OPT_ENTITIES, "entities")
 * and statistic (ZHFIX_STAT_ENTITIES_DECODED), independent of the
 * mojibake stage, and only in plain text: never in markup, code or data,
 * never in a line with a tag, never in a document whose detection window
 * is markup.
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
#include "zf.h"
#include "zhfix.h"

/* Runs `in` through the library with args; checks the output and the
 * number of references decoded. */
static void expect(const char *in, const char *args, const char *want, uint64_t decoded) {
  zhfix *h = zhfix_create();
  assert_non_null(h);
  assert_int_equal(tu_apply_args(h, args), 0);
  char *out = NULL;
  size_t n;
  assert_int_equal(zhfix_process(h, in, strlen(in), &out, &n), ZHFIX_OK);
  if (strcmp(out, want) != 0) fail_msg("%s [%s]:\n got  %s\n want %s", in, args, out, want);
  uint64_t got = zhfix_get_stat(h, ZHFIX_STAT_ENTITIES_DECODED);
  if (got != decoded) fail_msg("%s [%s]: %llu decoded, want %llu", in, args, (unsigned long long)got,
                               (unsigned long long)decoded);
  zhfix_buffer_free(out);
  zhfix_free(h);
  /* the same fed in small pieces */
  size_t len2;
  int st;
  char *chunked = tu_run_chunked(in, strlen(in), args, 14, &len2, &st);
  assert_non_null(chunked);
  assert_string_equal(chunked, want);
  free(chunked);
}

/* The kinds of reference decoded in plain text. */
static void test_decoded(void **state) {
  (void)state;
  const char *off = "--punct=off";
  expect("价格&#65292;中&#x6587;\n", off, "价格，中文\n", 2);
  expect("他说&amp;quot;好&amp;quot;\n", off, "他说\"好\"\n", 2);
  expect("时间#xff1a;今天\n", off, "时间：今天\n", 1);
  expect("双重&amp;#65292;转义\n", off, "双重，转义\n", 1);
  expect("引号&amp;ldquo;好&amp;rdquo;\n", off, "引号\u201c好\u201d\n", 2);
}

/* What stays as it is, in plain text too. */
static void test_kept(void **state) {
  (void)state;
  const char *off = "--punct=off";
  /* a reference below U+2000: as likely a text about HTML */
  expect("x &#38; y &#177; 中文\n", off, "x &#38; y &#177; 中文\n", 0);
  /* a named reference escaped once */
  expect("a &quot;b&quot; 中文\n", off, "a &quot;b&quot; 中文\n", 0);
  /* invisible characters, private use, noncharacters, out of range */
  expect("a&#8203;b 图标&#xe606; &#xFFFF; &#x110000;\n", off, "a&#8203;b 图标&#xe606; &#xFFFF; &#x110000;\n", 0);
  /* the stripped form needs its x, five characters, and no word before */
  expect("颜色#123456; abc#xff1a; 中文\n", off, "颜色#123456; abc#xff1a; 中文\n", 0);
  /* a line with a tag */
  expect("<b>价格&#65292;中文</b>\n", off, "<b>价格&#65292;中文</b>\n", 0);
}

/* Its own switch: off keeps them; the mojibake stage's switch does not
 * touch them (before issue 14, --mojibake=off turned them off too). */
static void test_switch(void **state) {
  (void)state;
  const char *in = "价格&#65292;中文\n";
  expect(in, "--punct=off --entities=off", in, 0);
  expect(in, "--punct=off --mojibake=off", "价格，中文\n", 1);
  expect("鎴戜滑&#65292;\n", "--punct=off --entities=off", "我们&#65292;\n", 0);
  expect("鎴戜滑&#65292;\n", "--punct=off --mojibake=off", "鎴戜滑，\n", 1);
  zhfix *h = zhfix_create();
  assert_int_equal(zhfix_get_option(h, ZHFIX_OPT_ENTITIES), 1);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_ENTITIES, 0), ZHFIX_OK);
  assert_int_equal(zhfix_get_option(h, ZHFIX_OPT_ENTITIES), 0);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_ENTITIES, 2), ZHFIX_E_INVALID);
  assert_int_equal(zhfix_set_option_string(h, "entities", "on"), ZHFIX_OK);
  assert_int_equal(zhfix_get_option(h, ZHFIX_OPT_ENTITIES), 1);
  assert_int_equal(zhfix_set_option_string(h, "entities", "maybe"), ZHFIX_E_INVALID);
  zhfix_free(h);
}

/* Never in markup, code or data: the format, given or sniffed, decides. */
static void test_formats(void **state) {
  (void)state;
  const char *in = "价格&#65292;中&#x6587;与&amp;quot;引号&amp;quot;\n";
  static const char *kept[] = {"html", "markdown", "troff", "data", "subtitle", "c", "js",
                               "python", "shell", "sql", "php", "vue"};
  for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
    char args[64];
    snprintf(args, sizeof args, "--punct=off --format=%s", kept[i]);
    expect(in, args, in, 0);
  }
  expect(in, "--punct=off --format=text", "价格，中文与\"引号\"\n", 4);
  /* sniffed: a JSON document, an HTML page */
  const char *json = "{\"text\": \"价格&#65292;中文\"}\n";
  expect(json, "--punct=off", json, 0);
  const char *html = "<!DOCTYPE html>\n<p>价格</p>\n价格&#65292;中文\n";
  expect(html, "--punct=off", html, 0);
}

/* In plain text whose detection window is markup (two lines with tags),
 * references are the markup's. */
static void test_markup_window(void **state) {
  (void)state;
  const char *two = "<b>一</b>\n<i>二</i>\n价格&#65292;中文\n";
  expect(two, "--punct=off --format=text", two, 0);
  const char *one = "<b>一</b>\n价格&#65292;中文\n";
  expect(one, "--punct=off --format=text", "<b>一</b>\n价格，中文\n", 1);
}

/* The stage on its own, created before the format is known (AUTO, as a
 * pipeline that repairs before it judges the format does): its prescan
 * decides from the window. */
static void test_stage_auto(void **state) {
  (void)state;
  static const struct {
    const char *window, *line, *want;
  } cases[] = {
      {"普通的一行文字\n", "价格&#65292;中文\n", "价格，中文\n"},
      {"<!DOCTYPE html>\n<html>\n", "价格&#65292;中文\n", "价格&#65292;中文\n"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    zf_opts o;
    memset(&o, 0, sizeof o);
    o.entities = 1;
    o.format = ZHFIX_FORMAT_AUTO;
    void *st = NULL;
    assert_int_equal(zf_stage_entities.create(&st, &o), 0);
    assert_non_null(st);
    zf_text win = {0}, in = {0}, out = {0};
    tu_buf b = {0};
    for (int pass = 0; pass < 2; pass++) {
      const char *s = pass ? cases[i].line : cases[i].window;
      zf_text *t = pass ? &in : &win;
      for (size_t k = 0, n = strlen(s); k < n;) {
        uint32_t c;
        int l = zf_utf8_get((const unsigned char *)s + k, n - k, &c);
        assert_true(l > 0);
        assert_int_equal(zf_text_push(t, c, k), 0);
        k += (size_t)l;
      }
    }
    zf_stage_entities.prescan(st, &win);
    zf_stats stats;
    zf_stats_init(&stats);
    assert_int_equal(zf_stage_run(&zf_stage_entities, st, &in, &out, &stats), 0);
    for (size_t k = 0; k < out.len; k++) tu_buf_cp(&b, out.cp[k]);
    assert_string_equal(b.p, cases[i].want);
    free(b.p);
    zf_text_free(&win);
    zf_text_free(&in);
    zf_text_free(&out);
    zf_stage_entities.destroy(st);
  }
  /* off, or a format that is not plain text: no stage at all */
  zf_opts o;
  memset(&o, 0, sizeof o);
  void *st = (void *)1;
  assert_int_equal(zf_stage_entities.create(&st, &o), 0);
  assert_null(st);
  o.entities = 1;
  o.format = ZHFIX_FORMAT_HTML;
  st = (void *)1;
  assert_int_equal(zf_stage_entities.create(&st, &o), 0);
  assert_null(st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decoded),       cmocka_unit_test(test_kept),
      cmocka_unit_test(test_switch),        cmocka_unit_test(test_formats),
      cmocka_unit_test(test_markup_window), cmocka_unit_test(test_stage_auto),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
