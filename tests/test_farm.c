/*
 * Content-farm repair stage (src/repair_farm.c): issue 4, the stage on
 * hand-made text (tests/test_farm_sim.c has the simulated damage).
 *
 *  - the byte-level examples of the issue, made by the simulator
 *    (tests/util/farm_sim.c) and undone by the stage;
 *  - the gate on aligned annotations: teaching material keeps 兔(tù)子(zi)
 *    under auto, loses it under strip, keeps everything under keep;
 *  - the sample article through the stage alone: no annotation and no '?'
 *    between Han characters left, and its body, folded to Simplified, as
 *    the expected output up to punctuation;
 *  - zero changes on the clean corpora (auto and strip);
 *  - the public API, the bounded work and the stage's buffer pool.
 * The stage run alone is tests/util/tu_farm.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>
#include <unistd.h>
#include <opencc/opencc.h>

#include "farm.h" /* the stage's work counter (test_work_budget) */
#include "farm_sim.h"
#include "readings.h"
#include "tu.h"
#include "tu_farm.h"
#include "zf.h"
#include "zhfix.h"

/* ---- the stage on its own (tests/util/tu_farm.c) ------------------------ */

static char *farm_str(const char *doc, int pinyin) {
  zf_stats st;
  size_t n;
  return tu_farm_doc(doc, strlen(doc), pinyin, &st, &n);
}

/* ---- the issue's examples ----------------------------------------------- */

typedef struct example {
  const char *text; /* step-1 text */
  const char *ann;  /* annotated characters */
  const char *damaged; /* what the farm printed (swallowing decoder) */
} example;

static const example examples[] = {
    {"當地時間", "數", "當?shù)貢r間"},
    {"們取得", "內", "們?nèi)〉?"},
    {"進展。”\n", "", "進展?!?\n"},
};

static void annotate_all(farm_sim *s, const char *chars) {
  uint32_t cp[64];
  size_t n = tu_farm_u8_decode(chars, strlen(chars), cp, NULL);
  for (size_t i = 0; i < n; i++) assert_int_equal(farm_sim_annotate(s, cp[i]), 0);
}

static void test_issue_examples(void **state) {
  (void)state;
  farm_sim *s = farm_sim_new();
  assert_non_null(s);
  for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++) {
    farm_sim_clear(s);
    annotate_all(s, examples[i].ann);
    size_t n;
    char *d = farm_sim_damage(s, examples[i].text, strlen(examples[i].text), FARM_SIM_SWALLOW, &n);
    assert_non_null(d);
    /* the simulator reproduces the damage the issue checked byte by byte */
    assert_string_equal(d, examples[i].damaged);
    free(d);
  }
  /* and the stage undoes it, in a document that shows the signature */
  farm_sim_clear(s);
  annotate_all(s, "網發數內");
  const char *doc = "觀察者網報道,當地時間10月24日,他說:“我們取得的進展。”\n"
                    "網友發布消息,網站發布。\n";
  size_t n;
  char *d = farm_sim_damage(s, doc, strlen(doc), FARM_SIM_SWALLOW, &n);
  assert_non_null(d);
  assert_non_null(strstr(d, "當?shù)貢r間"));
  assert_non_null(strstr(d, "們?nèi)〉玫倪M展?!?"));
  zf_stats st;
  char *r = tu_farm_doc(d, n, ZHFIX_PINYIN_AUTO, &st, &n);
  /* 。” (A1 A3 A1 B1) lost both its lead bytes: ” keeps the A1 the split
   * '!' shows, so it is a mark by byte evidence; of 。 only the trail byte
   * A3 survives (the '!' of the split ！ = A3 A1), so the bytes say "one
   * of the characters L A3" (棧 97 A3, 福 B8 A3, 。 A1 A3, ...).  The model
   * puts 。 ahead here, but by less than the 5.0 margin (farm_marks.c), so
   * it stays the lost byte's '?' and is reported (issue 13: a wrong mark
   * would be silent damage). */
  assert_string_equal(r, "觀察者網報道,當地時間10月24日,他說:“我們取得的進展?”\n"
                         "網友發布消息,網站發布。\n");
  assert_int_equal(st.v[ZHFIX_STAT_PINYIN_REMOVED], 5);
  assert_int_equal(st.v[ZHFIX_STAT_MISALIGNED_REPAIRED], 3);
  assert_int_equal(st.v[ZHFIX_STAT_UNRECOVERABLE_SPANS], 1);
  assert_int_equal(st.nspans, 1);
  free(r);
  free(d);
  farm_sim_free(s);
}

/* 危害 = CE A3 | BA A6 contains A3 BA = ：, which the punctuation replace
 * turns into ':'; the decoder then reads CE ':' as '?' and A6 followed by
 * the digit of "30" as '?' that swallows the 3: "?:?0".  The bytes pin
 * everything but the two lost bytes and the digit; the 30 elsewhere on
 * the line gives the digit back. */
static void test_split_mark_digit(void **state) {
  (void)state;
  farm_sim *s = farm_sim_new();
  assert_non_null(s);
  annotate_all(s, "網發國數");
  /* 當地 shows the swallowing decoder (當?shù)) */
  const char *text = "網友發布消息,當地國際組織說,這種病毒危害30多個國家,已有30萬人患病。\n"
                     "網站發布的國際新聞。\n";
  size_t n;
  char *d = farm_sim_damage(s, text, strlen(text), FARM_SIM_SWALLOW, &n);
  assert_non_null(d);
  assert_non_null(strstr(d, "病毒?:?0多"));
  zf_stats st;
  size_t m;
  char *r = tu_farm_doc(d, n, ZHFIX_PINYIN_AUTO, &st, &m);
  /* the split mark is undone and the number is back, whatever the model
   * makes of the two lost bytes */
  assert_null(strstr(r, "?:?"));
  assert_non_null(strstr(r, "30多個國家"));
  assert_null(strstr(r, "(guó)"));
  /* the two lost bytes are the language model's call (危害 against 。后:
   * docs/repair-farm.md, what still fails); the digit is counted */
  assert_true(st.v[ZHFIX_STAT_LOST_BYTES_RESTORED] >= 3);
  printf("split mark + swallowed digit: %s", r);
  free(r);
  /* the same damage with no other 30 in the document: the digit stays
   * unknown and is reported */
  const char *text2 = "網友發布消息,當地國際組織說,這種病毒危害30多個國家。\n"
                      "網站發布的國際新聞。\n";
  free(d);
  d = farm_sim_damage(s, text2, strlen(text2), FARM_SIM_SWALLOW, &n);
  assert_non_null(d);
  assert_non_null(strstr(d, "病毒?:?0多"));
  r = tu_farm_doc(d, n, ZHFIX_PINYIN_AUTO, &st, &m);
  assert_null(strstr(r, "30多"));
  assert_non_null(strstr(r, "?0多個國家"));
  assert_true(st.v[ZHFIX_STAT_UNRECOVERABLE_SPANS] >= 1);
  free(r);
  free(d);
  farm_sim_free(s);
}

/* 截斷 = BD D8 | 94 E0 contains D8 94 = 財; the annotation splits 斷. */
static void test_cross_boundary_roundtrip(void **state) {
  (void)state;
  farm_sim *s = farm_sim_new();
  assert_non_null(s);
  annotate_all(s, "財網發");
  const char *text = "網站發布消息,截斷了網路。\n";
  size_t n;
  char *d = farm_sim_damage(s, text, strlen(text), FARM_SIM_SWALLOW, &n);
  assert_non_null(d);
  assert_non_null(strstr(d, "cái)"));
  char *r = farm_str(d, ZHFIX_PINYIN_AUTO);
  assert_string_equal(r, text);
  free(r);
  free(d);
  /* the decoder that keeps the byte after a bad lead shows "?(cái)" */
  d = farm_sim_damage(s, text, strlen(text), FARM_SIM_KEEP, &n);
  assert_non_null(d);
  assert_non_null(strstr(d, "?(cái)"));
  r = farm_str(d, ZHFIX_PINYIN_AUTO);
  assert_string_equal(r, text);
  free(r);
  free(d);
  farm_sim_free(s);
}

/* ---- damage stays visible (issue 13) ------------------------------------ */

/* 棧可 = 97 A3 | BF C9 holds A3 BF = ？, which the replace turns into '?';
 * the decoder then reads 97 '?' as '?': "的??梢".  The lost lead byte 97
 * is any lead byte as far as the bytes go, and A1 makes 。 (A1 A3), which
 * the model liked better there: a mark the page never showed.  It stays
 * the lost byte's '?', reported, never 。. */
static void test_lost_mark_not_punctuation(void **state) {
  (void)state;
  farm_sim *s = farm_sim_new();
  assert_non_null(s);
  annotate_all(s, "網發數內");
  const char *doc = "觀察者網報道,當地時間10月24日,網友發布消息。\n"
                    "小一些的棧可以保存在服務器的內存中。\n";
  size_t n;
  char *d = farm_sim_damage(s, doc, strlen(doc), FARM_SIM_SWALLOW, &n);
  assert_non_null(d);
  assert_non_null(strstr(d, "的??梢"));
  zf_stats st;
  size_t m;
  char *r = tu_farm_doc(d, n, ZHFIX_PINYIN_AUTO, &st, &m);
  assert_null(strstr(r, "的。可以"));
  assert_null(strstr(r, "的，可以"));
  if (!strstr(r, "的棧可以")) { /* not restored: marked and reported */
    assert_non_null(strstr(r, "的?可以"));
    assert_true(st.v[ZHFIX_STAT_UNRECOVERABLE_SPANS] >= 1);
  }
  free(r);
  free(d);
  farm_sim_free(s);
}

/* A lost byte the farm stage leaves as '?' stays '?' through the whole
 * pipeline: the punctuation stage does not make it a question mark (issue
 * 13: 決定?函數 became 決定？函數).  The span is reported with its offset,
 * and the same holds fed in random pieces. */
static void test_lost_mark_survives_punct(void **state) {
  (void)state;
  const char *in = "函數(shù) setbuffer 與(yǔ)此相同,但是緩(huǎn)衝(chōng)的長度由用戶(hù)決定,"
                   "而不是由默認(rèn)值 BUFSIZ 決定?:瘮?shù) setlinebuf 與(yǔ)使用下列語(yǔ)句完全等價:\n";
  size_t len = strlen(in);
  zhfix *h = zhfix_create();
  assert_non_null(h);
  char *out = NULL;
  size_t n = 0;
  assert_int_equal(zhfix_process(h, in, len, &out, &n), ZHFIX_OK);
  char *o = strndup(out, n);
  assert_non_null(strstr(o, "決定?函數"));
  assert_null(strstr(o, "決定？"));
  assert_non_null(strstr(o, "決定，"));       /* the rest is punctuated as usual */
  assert_null(strstr(o, "(shù)"));
  uint64_t spans = zhfix_get_stat(h, ZHFIX_STAT_UNRECOVERABLE_SPANS);
  assert_true(spans >= 1);
  int found = 0;
  for (size_t i = 0; i < spans && i < ZHFIX_MAX_SPANS; i++) {
    uint64_t off, l;
    assert_int_equal(zhfix_get_span(h, i, &off, &l), 1);
    found |= off < len && in[off] == '?' && off > 6 && memcmp(in + off - 6, "決定", 6) == 0;
  }
  assert_true(found);
  for (unsigned seed = 1; seed <= 3; seed++) {
    size_t m;
    int st;
    char *c = tu_run_chunked(in, len, NULL, seed, &m, &st);
    assert_int_equal(st, 0);
    assert_int_equal(m, n);
    assert_memory_equal(c, out, n);
    free(c);
  }
  free(o);
  zhfix_buffer_free(out);
  /* --lost-marker: the same output, the lost byte's mark replaced */
  assert_int_equal(zhfix_reset(h), ZHFIX_OK);
  assert_int_equal(zhfix_set_option_string(h, "lost-marker", "\u3013"), ZHFIX_OK);
  assert_int_equal(zhfix_get_option(h, ZHFIX_OPT_LOST_MARKER), 0x3013);
  assert_int_equal(zhfix_process(h, in, len, &out, &n), ZHFIX_OK);
  o = strndup(out, n);
  assert_non_null(strstr(o, "決定\u3013函數"));
  assert_null(strstr(o, "決定?"));
  free(o);
  zhfix_buffer_free(out);
  zhfix_free(h);
}

/* ZHFIX_OPT_LOST_MARKER takes "keep", one character or U+XXXX, and no
 * control, surrogate, or more than one character. */
static void test_lost_marker_values(void **state) {
  (void)state;
  zhfix *h = zhfix_create();
  assert_non_null(h);
  assert_int_equal(zhfix_get_option(h, ZHFIX_OPT_LOST_MARKER), 0);
  static const struct {
    const char *v;
    int cp;
  } ok[] = {{"keep", 0}, {"KEEP", 0}, {"?", '?'}, {"\u3013", 0x3013}, {"U+FFFD", 0xFFFD},
            {"u+25a1", 0x25A1}, {"\xf0\x9f\x92\xa5", 0x1F4A5}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    assert_int_equal(zhfix_set_option_string(h, "lost-marker", ok[i].v), ZHFIX_OK);
    assert_int_equal(zhfix_get_option(h, ZHFIX_OPT_LOST_MARKER), ok[i].cp);
  }
  static const char *const bad[] = {"", "ab", "\u3013\u3013", "U+", "U+D800", "U+110000",
                                    "U+0001", "\x01", "\xc0\xbf", "\xe0\x80\xbf", "U+ 41"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(zhfix_set_option_string(h, "lost-marker", bad[i]), ZHFIX_E_INVALID);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_LOST_MARKER, 0xD800), ZHFIX_E_INVALID);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_LOST_MARKER, 0x9F), ZHFIX_E_INVALID);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_LOST_MARKER, 0x110000), ZHFIX_E_INVALID);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_LOST_MARKER, 0x3013), ZHFIX_OK);
  zhfix_free(h);
}

/* ---- the gate on aligned annotations -------------------------------------- */

static void test_teaching_material(void **state) {
  (void)state;
  const char *doc = "小兔(tù)子(zi)愛(ài)吃蘿(luó)蔔(bo)。\n兔子跑得快。\n";
  char *r = farm_str(doc, ZHFIX_PINYIN_AUTO);
  assert_string_equal(r, doc);
  free(r);
  r = farm_str(doc, ZHFIX_PINYIN_KEEP);
  assert_string_equal(r, doc);
  free(r);
  r = farm_str(doc, ZHFIX_PINYIN_STRIP);
  assert_string_equal(r, "小兔子愛吃蘿蔔。\n兔子跑得快。\n");
  free(r);
  /* a reading the character does not have is not an annotation */
  r = farm_str("見附錄(a)和網(shù)。\n", ZHFIX_PINYIN_STRIP);
  assert_string_equal(r, "見附錄(a)和網(shù)。\n");
  free(r);
}

/* A farm page: the same characters annotated everywhere with their primary
 * reading is the signature even without a misaligned span. */
static void test_density_signature(void **state) {
  (void)state;
  const char *doc = "網(wǎng)友在網(wǎng)上發(fā)布了消息。\n他發(fā)現(xiàn)了問題。\n";
  char *r = farm_str(doc, ZHFIX_PINYIN_AUTO);
  assert_string_equal(r, "網友在網上發布了消息。\n他發現了問題。\n");
  free(r);
  r = farm_str(doc, ZHFIX_PINYIN_KEEP);
  assert_string_equal(r, doc);
  free(r);
}

/* Readings written with tone digits (wang3), as some sites annotate: the
 * same rules as tone marks; a number alone in brackets is no reading. */
static void test_tone_digits(void **state) {
  (void)state;
  char *r = farm_str("觀察者網(wang3)發(fa1)布，見手冊 ls(1) 與版本(2)。\n", ZHFIX_PINYIN_STRIP);
  assert_string_equal(r, "觀察者網發布，見手冊 ls(1) 與版本(2)。\n");
  free(r);
  /* 數 (94 B5) matched across 當地 (AE 94 | B5 D8): misaligned, so the
   * signature is on under auto and 地 comes back */
  r = farm_str("當?shu4)貢r(shi2)間\n", ZHFIX_PINYIN_AUTO);
  assert_string_equal(r, "當地時間\n");
  free(r);
  r = farm_str("兔(tu4)子(zi)\n", ZHFIX_PINYIN_KEEP);
  assert_string_equal(r, "兔(tu4)子(zi)\n");
  free(r);
}

/* ---- the sample article -------------------------------------------------- */

static int is_punct_or_space(uint32_t c) {
  if (c < 0x80) return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
  return (c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F) ||
         (c >= 0xFF00 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
         (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65);
}

/* Letters, digits and Han only. */
static char *strip_punct(const char *s) {
  size_t n = strlen(s);
  uint32_t *cp = malloc((n + 1) * sizeof *cp);
  assert_non_null(cp);
  size_t k = tu_farm_u8_decode(s, n, cp, NULL);
  tu_buf b = {0};
  tu_buf_put(&b, "", 0);
  for (size_t i = 0; i < k; i++)
    if (!is_punct_or_space(cp[i])) tu_buf_cp(&b, cp[i]);
  free(cp);
  return b.p;
}

static void test_sample(void **state) {
  (void)state;
  size_t len, elen, n;
  char *in = tu_read_file(tu_src("data/samples/000_22c49fc42f219c9f.txt"), &len);
  char *exp = tu_read_file(tu_src("data/samples/000_22c49fc42f219c9f.expected-simp.txt"), &elen);
  assert_non_null(in);
  assert_non_null(exp);
  zf_stats st;
  char *out = tu_farm_doc(in, len, ZHFIX_PINYIN_AUTO, &st, &n);
  printf("sample: %llu annotations removed, %llu misaligned spans repaired, %llu lost bytes "
         "restored, %llu spans left as they were\n",
         (unsigned long long)st.v[ZHFIX_STAT_PINYIN_REMOVED],
         (unsigned long long)st.v[ZHFIX_STAT_MISALIGNED_REPAIRED],
         (unsigned long long)st.v[ZHFIX_STAT_LOST_BYTES_RESTORED],
         (unsigned long long)st.v[ZHFIX_STAT_UNRECOVERABLE_SPANS]);

  /* No "(pinyin)" left, body and sidebar; no '?' next to the ASCII mark of
   * a split punctuation replace; a '?' left between two Han characters is
   * a question mark the input had there too (？ -> ? is the punctuation
   * stage's to undo). */
  uint32_t *cp = malloc((n + 1) * sizeof *cp);
  uint32_t *icp = malloc((len + 1) * sizeof *icp);
  assert_non_null(cp);
  assert_non_null(icp);
  size_t k = tu_farm_u8_decode(out, n, cp, NULL), ik = tu_farm_u8_decode(in, len, icp, NULL);
  size_t ann = 0, q = 0, split = 0;
  for (size_t i = 0; i < k; i++) {
    if (cp[i] == '(') {
      size_t j = i + 1;
      while (j < k && j < i + 8 && cp[j] != ')') j++;
      int tone;
      if (j < k && cp[j] == ')' && j > i + 1 && zf_pinyin_parse(cp + i + 1, j - i - 1, &tone) >= 0)
        ann++;
    }
    if (cp[i] == '?' && i + 1 < k && strchr(",:;!", (int)cp[i + 1])) split++;
    if (cp[i] == '?' && i > 0 && i + 1 < k && zf_is_han(cp[i - 1]) && zf_is_han(cp[i + 1])) {
      int literal = 0;
      for (size_t j = 1; j + 1 < ik && !literal; j++)
        literal = icp[j] == '?' && icp[j - 1] == cp[i - 1] && icp[j + 1] == cp[i + 1];
      if (!literal) {
        printf("sample: '?' left between %lc and %lc\n", (wint_t)cp[i - 1], (wint_t)cp[i + 1]);
        q++;
      }
    }
  }
  free(cp);
  free(icp);
  printf("sample: %zu annotations, %zu split marks and %zu '?' between Han characters left\n",
         ann, split, q);
  assert_int_equal(ann, 0);
  assert_int_equal(q, 0);
  /* a split mark left as it is was reported, at a '?' of the input */
  assert_true(split <= st.v[ZHFIX_STAT_UNRECOVERABLE_SPANS]);
  for (size_t i = 0; i < st.nspans; i++) {
    assert_true(st.spans[i].off < len);
    printf("sample: left as it was: %.*s\n", (int)st.spans[i].len, in + st.spans[i].off);
    /* at the lost byte's '?', or at the split mark that gave the first
     * byte of a character whose second is lost */
    assert_non_null(strchr("?,:;!", in[st.spans[i].off]));
  }

  /* the body, folded to Simplified, is the expected text up to punctuation */
  opencc_t t2s = opencc_open("t2s.json");
  assert_true(t2s != (opencc_t)-1);
  char *simp = opencc_convert_utf8(t2s, out, n);
  assert_non_null(simp);
  tu_lines a = {simp, simp + strlen(simp)}, e = {exp, exp + elen};
  size_t la, le, lines = 0, same = 0;
  const char *pa, *pe;
  while ((pe = tu_next_line(&e, &le)) != NULL) {
    pa = tu_next_line(&a, &la);
    assert_non_null(pa);
    char *x = strndup(pa, la), *y = strndup(pe, le);
    char *sx = strip_punct(x), *sy = strip_punct(y);
    lines++;
    if (strcmp(sx, sy) == 0)
      same++;
    else
      printf("sample line %zu differs:\n  got  %s\n  want %s\n", lines, x, y);
    free(x);
    free(y);
    free(sx);
    free(sy);
  }
  printf("sample body: %zu of %zu lines as expected up to punctuation\n", same, lines);
  assert_int_equal(same, lines);
  opencc_convert_utf8_free(simp);
  opencc_close(t2s);
  free(out);
  free(in);
  free(exp);
}

/* ---- clean text never changes -------------------------------------------- */

/* Whether b is a with some "(py)" after Han characters removed, py being
 * pinyin letters with an optional tone digit: what --pinyin=strip may do
 * to clean text that holds real annotations. */
static int same_but_annotations(const char *a, size_t na, const char *b, size_t nb) {
  uint32_t *x = malloc((na + 1) * sizeof *x), *y = malloc((nb + 1) * sizeof *y);
  assert_non_null(x);
  assert_non_null(y);
  size_t n = tu_farm_u8_decode(a, na, x, NULL), m = tu_farm_u8_decode(b, nb, y, NULL), j = 0;
  int ok = 1;
  for (size_t i = 0; i < n && ok;) {
    if (j < m && x[i] == y[j]) {
      i++;
      j++;
      continue;
    }
    size_t k = i + 1;
    while (k < n && ((x[k] >= 'a' && x[k] <= 'z') || (x[k] >= 0xC0 && x[k] <= 0x24F))) k++;
    if (k < n && x[k] >= '1' && x[k] <= '5') k++;
    ok = x[i] == '(' && i > 0 && zf_is_han(x[i - 1]) && k > i + 1 && k < n && x[k] == ')';
    i = k + 1;
  }
  ok = ok && j == m;
  free(x);
  free(y);
  return ok;
}

static void check_clean(const char *name, int pinyin) {
  size_t len, n;
  char *in = tu_read_file(tu_corpus(name), &len);
  if (!in) {
    printf("%s: corpus missing, skipped\n", name);
    return;
  }
  if (tu_quick() && len > 400000) {
    len = 400000;
    while (len > 0 && in[len - 1] != '\n') len--;
  }
  zf_stats st;
  char *out = tu_farm_doc(in, len, pinyin, &st, &n);
  size_t diff = 0, stripped = 0;
  tu_lines a = {in, in + len}, b = {out, out + n};
  size_t la, lb;
  const char *pa, *pb;
  while ((pa = tu_next_line(&a, &la)) != NULL) {
    pb = tu_next_line(&b, &lb);
    if (pb && la == lb && memcmp(pa, pb, la) == 0) continue;
    if (pb && pinyin == ZHFIX_PINYIN_STRIP && same_but_annotations(pa, la, pb, lb)) {
      /* strip removes genuine annotations too (蘧(qu2)伯玉 in the
       * fortunes): that is what it is for; anything else is damage */
      if (stripped < 3) printf("%s stripped: %.*s\n", name, (int)la, pa);
      stripped++;
      continue;
    }
    if (diff < 5) printf("%s changed: %.*s\n", name, (int)la, pa);
    diff++;
  }
  printf("%s (%s): %zu bytes, %zu lines changed, %zu lines with annotations stripped, %llu "
         "unrecoverable\n",
         name, pinyin == ZHFIX_PINYIN_STRIP ? "strip" : "auto", len, diff, stripped,
         (unsigned long long)st.v[ZHFIX_STAT_UNRECOVERABLE_SPANS]);
  assert_int_equal(diff, 0);
  if (pinyin != ZHFIX_PINYIN_STRIP) {
    assert_int_equal(n, len);
    assert_memory_equal(in, out, len);
  }
  assert_int_equal(st.v[ZHFIX_STAT_UNRECOVERABLE_SPANS], 0);
  free(in);
  free(out);
}

static void test_clean_corpora(void **state) {
  (void)state;
  static const char *names[] = {"zh_CN.txt", "zh_TW.txt", "fortunes.txt", "mixed.txt"};
  for (size_t i = 0; i < 4; i++) check_clean(names[i], ZHFIX_PINYIN_AUTO);
  for (size_t i = 0; i < 4; i++) check_clean(names[i], ZHFIX_PINYIN_STRIP);
}

/* Through the public API: statistics, the reported spans point at the
 * input, and feeding the text in small pieces changes nothing. */
static void test_public_api(void **state) {
  (void)state;
  size_t len;
  char *in = tu_read_file(tu_src("tests/golden/farm-misaligned/in"), &len);
  assert_non_null(in);
  zhfix *h = zhfix_create();
  assert_non_null(h);
  assert_int_equal(tu_apply_args(h, "--punct=off --mojibake=off"), 0);
  char *out = NULL;
  size_t n = 0;
  assert_int_equal(zhfix_process(h, in, len, &out, &n), ZHFIX_OK);
  assert_true(zhfix_get_stat(h, ZHFIX_STAT_PINYIN_REMOVED) > 0);
  assert_true(zhfix_get_stat(h, ZHFIX_STAT_MISALIGNED_REPAIRED) > 0);
  assert_true(zhfix_get_stat(h, ZHFIX_STAT_LOST_BYTES_RESTORED) > 0);
  uint64_t spans = zhfix_get_stat(h, ZHFIX_STAT_UNRECOVERABLE_SPANS);
  assert_true(spans > 0);
  for (size_t i = 0; i < spans && i < ZHFIX_MAX_SPANS; i++) {
    uint64_t off, l;
    assert_int_equal(zhfix_get_span(h, i, &off, &l), 1);
    assert_true(off < len && off + l <= len);
    /* the span holds the '?' the damage left (or ends right before it) */
    assert_non_null(memchr(in + off, '?', l + 1));
  }
  for (unsigned seed = 1; seed <= 5; seed++) {
    size_t m;
    int st;
    char *c = tu_run_chunked(in, len, "--punct=off --mojibake=off", seed, &m, &st);
    assert_non_null(c);
    assert_int_equal(m, n);
    assert_memory_equal(c, out, n);
    free(c);
  }
  zhfix_buffer_free(out);
  zhfix_free(h);
  free(in);
}

/* ---- bounded work (docs/repair-farm.md, "Bounded work") ------------------- */

/* Runs of lost marks between Han characters (make bench's qruns shape): a
 * line of it uses up the whole budget a line may have on its own. */
static const char patho_line[] =
    "了????不?????????們???國????????????她??????????問???????學????過?一????????????車\n";

/* A document of such lines costs at most WORK_BASE + WORK_PER_CHAR per
 * character (and one position's hypotheses, HV_LIMIT, per line that runs
 * over), not WORK_BASE per line; a line that runs out is left as it is and
 * reported; the budget comes back with the text after it, so the repair
 * after a pathological page still happens; and the result does not depend
 * on how the input is cut into chunks. */
static void test_work_budget(void **state) {
  (void)state;
  const char *sig = "當?shù)貢r間,網友發布消息。\n"; /* the signature: a misaligned annotation */
  const char *clean = "這是一個沒有任何損壞的句子，文件的預算隨著它回來。\n";
  enum { K = 120, M = 10 };
  tu_buf b = {0};
  tu_buf_put(&b, sig, strlen(sig));
  for (int k = 0; k < K; k++) tu_buf_put(&b, patho_line, strlen(patho_line));
  for (int k = 0; k < M; k++) tu_buf_put(&b, clean, strlen(clean));
  tu_buf_put(&b, sig, strlen(sig));
  zf_stats st;
  size_t n;
  uint64_t work = 0;
  char *got = tu_farm_doc_work(b.p, b.n, ZHFIX_PINYIN_AUTO, &st, &n, &work);
  assert_non_null(got);
  size_t chars = 0, lines = 0;
  for (size_t i = 0; i < b.n; i++) {
    chars += ((unsigned char)b.p[i] & 0xC0) != 0x80;
    lines += b.p[i] == '\n';
  }
  /* each pathological line alone could push WORK_BASE + WORK_PER_CHAR * 73 */
  uint64_t bound = WORK_BASE + WORK_PER_CHAR * (uint64_t)chars + (uint64_t)HV_LIMIT * lines;
  assert_true(work <= bound);
  assert_true(work < (uint64_t)K * WORK_BASE / 2);
  /* line by line: once the saved budget is spent, every pathological line
   * comes out as it went in, each reported */
  const char *p = got, *end = got + n;
  size_t line = 0, verbatim = 0;
  while (p < end) {
    const char *e = memchr(p, '\n', (size_t)(end - p));
    e = e ? e + 1 : end;
    if (line >= 1 + K / 2 && line <= K) {
      assert_int_equal((size_t)(e - p), strlen(patho_line));
      assert_memory_equal(p, patho_line, strlen(patho_line));
      verbatim++;
    }
    line++;
    p = e;
  }
  assert_int_equal(line, lines);
  assert_int_equal(verbatim, K - K / 2);
  assert_true(st.v[ZHFIX_STAT_UNRECOVERABLE_SPANS] >= K - K / 2);
  /* the page after it is repaired as usual */
  const char *want = "當地時間,網友發布消息。\n";
  assert_true(n >= strlen(want));
  assert_memory_equal(got + n - strlen(want), want, strlen(want));
  free(got);
  /* chunking invariance through the public API */
  zhfix *h = zhfix_create();
  assert_non_null(h);
  char *whole = NULL;
  size_t wn = 0;
  assert_int_equal(zhfix_process(h, b.p, b.n, &whole, &wn), ZHFIX_OK);
  for (unsigned seed = 1; seed <= 2; seed++) {
    size_t m;
    int rc;
    char *c = tu_run_chunked(b.p, b.n, "", seed, &m, &rc);
    assert_non_null(c);
    assert_int_equal(m, wn);
    assert_memory_equal(c, whole, wn);
    free(c);
  }
  zhfix_buffer_free(whole);
  zhfix_free(h);
  free(b.p);
}

/* The search's large hypothesis arrays are reused from a pool
 * (farm_store.c) instead of freed and grown again: the pool keeps the
 * POOL_N largest it is given and hands out the largest one bigger than
 * what the caller has, so a position that fills up takes the room a
 * drained one left. */
static void test_pool_reuse(void **state) {
  (void)state;
  farm *f = calloc(1, sizeof *f);
  assert_non_null(f);
  size_t caps[] = {2048, 8192, 4096, 16384};
  enum { NCAPS = sizeof caps / sizeof caps[0] };
  for (size_t k = 0; k < NCAPS; k++) {
    hyp *v = malloc(caps[k] * sizeof *v);
    assert_non_null(v);
    v[caps[k] - 1].seq = (uint32_t)caps[k]; /* the whole array is there */
    zf_farm_pool_give(f, v, caps[k]);
  }
  assert_int_equal(f->npool, POOL_N < NCAPS ? POOL_N : NCAPS);
  size_t cap = 0, last = SIZE_MAX;
  /* the largest first, each bigger than the minimum asked for */
  while (f->npool) {
    hyp *v = zf_farm_pool_take(f, 1024, &cap);
    assert_non_null(v);
    assert_true(cap > 1024 && cap < last);
    assert_int_equal(v[cap - 1].seq, (uint32_t)cap);
    last = cap;
    free(v);
  }
  assert_int_equal(last, POOL_N >= 3 ? 4096u : POOL_N == 2 ? 8192u : 16384u);
  /* nothing bigger than asked for: nothing taken */
  hyp *v = malloc(2048 * sizeof *v);
  assert_non_null(v);
  zf_farm_pool_give(f, v, 2048);
  assert_null(zf_farm_pool_take(f, 2048, &cap));
  assert_non_null(zf_farm_pool_take(f, 2047, &cap));
  assert_int_equal(cap, 2048);
  assert_int_equal(f->npool, 0);
  free(v);
  free(f);
}

int main(void) {
  if (!tu_corpora_present()) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_issue_examples),
      cmocka_unit_test(test_cross_boundary_roundtrip),
      cmocka_unit_test(test_lost_mark_not_punctuation),
      cmocka_unit_test(test_lost_mark_survives_punct),
      cmocka_unit_test(test_lost_marker_values),
      cmocka_unit_test(test_split_mark_digit),
      cmocka_unit_test(test_teaching_material),
      cmocka_unit_test(test_density_signature),
      cmocka_unit_test(test_tone_digits),
      cmocka_unit_test(test_sample),
      cmocka_unit_test(test_public_api),
      cmocka_unit_test(test_work_budget),
      cmocka_unit_test(test_pool_reuse),
      cmocka_unit_test(test_clean_corpora),
  };
  /* FARM_ONLY=test_heldout: one test, for a sweep */
  if (getenv("FARM_ONLY")) cmocka_set_test_filter(getenv("FARM_ONLY"));
  return cmocka_run_group_tests(tests, NULL, NULL);
}
