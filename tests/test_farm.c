/*
 * Content-farm repair stage (src/repair_farm.c): issue 4.
 *
 *  - the byte-level examples of the issue, made by the simulator
 *    (tests/util/farm_sim.c) and undone by the stage;
 *  - the gate on aligned annotations: teaching material keeps 兔(tù)子(zi)
 *    under auto, loses it under strip, keeps everything under keep;
 *  - the sample article through the stage alone: no annotation and no '?'
 *    between Han characters left, and its body, folded to Simplified, as
 *    the expected output up to punctuation;
 *  - zero changes on the clean corpora (auto and strip);
 *  - simulated damage built from corpus text: ~150 annotated characters
 *    with both decoders, and every converted character annotated; the
 *    figures are printed and held to the issue's targets.
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
#include "zf.h"
#include "zhfix.h"

/* ---- UTF-8 helpers -------------------------------------------------------- */

static size_t u8_decode(const char *s, size_t n, uint32_t *cp, uint64_t *off) {
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

/* ---- the stage on its own ------------------------------------------------ */

/* Runs the farm stage over a whole UTF-8 document as the pipeline does:
 * create with the detected script, prescan the detection window, run each
 * line.  Returns the output (free()) and the statistics in *st. */
static char *farm_doc_work(const char *doc, size_t len, int pinyin, zf_stats *st, size_t *outlen,
                           uint64_t *work) {
  uint32_t *cp = malloc((len + 1) * sizeof *cp);
  uint64_t *off = malloc((len + 1) * sizeof *off);
  assert_non_null(cp);
  assert_non_null(off);
  size_t n = u8_decode(doc, len, cp, off);
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
  zf_text out = {0};
  for (size_t a = 0; a < n;) {
    size_t e = a;
    while (e < n && cp[e] != '\n') e++;
    if (e < n) e++;
    zf_text in = {cp + a, off + a, e - a, e - a};
    out.len = 0;
    assert_int_equal(zf_stage_run(&zf_stage_farm, s, &in, &out, st), 0);
    for (size_t k = 0; k < out.len; k++) tu_buf_cp(&b, out.cp[k]);
    a = e;
  }
  zf_text_free(&out);
  if (work) *work = ((const farm *)s)->doc_work;
  zf_stage_farm.destroy(s);
  free(cp);
  free(off);
  *outlen = b.n;
  return b.p;
}

static char *farm_doc(const char *doc, size_t len, int pinyin, zf_stats *st, size_t *outlen) {
  return farm_doc_work(doc, len, pinyin, st, outlen, NULL);
}

static char *farm_str(const char *doc, int pinyin) {
  zf_stats st;
  size_t n;
  return farm_doc(doc, strlen(doc), pinyin, &st, &n);
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
  size_t n = u8_decode(chars, strlen(chars), cp, NULL);
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
  char *r = farm_doc(d, n, ZHFIX_PINYIN_AUTO, &st, &n);
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
  char *r = farm_doc(d, n, ZHFIX_PINYIN_AUTO, &st, &m);
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
  r = farm_doc(d, n, ZHFIX_PINYIN_AUTO, &st, &m);
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
  char *r = farm_doc(d, n, ZHFIX_PINYIN_AUTO, &st, &m);
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
  size_t k = u8_decode(s, n, cp, NULL);
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
  char *out = farm_doc(in, len, ZHFIX_PINYIN_AUTO, &st, &n);
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
  size_t k = u8_decode(out, n, cp, NULL), ik = u8_decode(in, len, icp, NULL);
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
  size_t n = u8_decode(a, na, x, NULL), m = u8_decode(b, nb, y, NULL), j = 0;
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
  char *out = farm_doc(in, len, pinyin, &st, &n);
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

/* ---- simulated damage ----------------------------------------------------- */

typedef struct score {
  size_t han, han_ok, paras, paras_ok, damaged, damaged_ok, unrec;
  size_t silent; /* paragraphs repaired wrongly with no '?' to show it */
} score;

/* Marks of a character left unknown: '?' or U+FFFD (EF BF BD). */
static size_t count_q(const char *p, size_t n) {
  size_t q = 0;
  for (size_t i = 0; i < n; i++)
    q += p[i] == '?' || (i + 2 < n && memcmp(p + i, "\xEF\xBF\xBD", 3) == 0);
  return q;
}

/* Han characters of want that an alignment with got keeps (an LCS). */
static size_t han_kept(const uint32_t *w, size_t nw, const uint32_t *g, size_t ng) {
  size_t p = 0;
  while (p < nw && p < ng && w[p] == g[p]) p++;
  size_t s = 0;
  while (s < nw - p && s < ng - p && w[nw - 1 - s] == g[ng - 1 - s]) s++;
  size_t kept = 0;
  for (size_t i = 0; i < p; i++) kept += zf_is_han(w[i]) != 0;
  for (size_t i = nw - s; i < nw; i++) kept += zf_is_han(w[i]) != 0;
  size_t a = nw - p - s, b = ng - p - s;
  if (a == 0 || b == 0) return kept;
  if (a > 3000 || b > 3000) return kept; /* too long to align: count it lost */
  const uint32_t *x = w + p, *y = g + p;
  uint32_t *prev = calloc(b + 1, sizeof *prev), *cur = calloc(b + 1, sizeof *cur);
  assert_non_null(prev);
  assert_non_null(cur);
  for (size_t i = 1; i <= a; i++) {
    for (size_t j = 1; j <= b; j++) {
      uint32_t v = prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
      if (x[i - 1] == y[j - 1] && zf_is_han(x[i - 1]) && prev[j - 1] + 1 > v) v = prev[j - 1] + 1;
      cur[j] = v;
    }
    uint32_t *t = prev;
    prev = cur;
    cur = t;
  }
  kept += prev[b];
  free(prev);
  free(cur);
  return kept;
}

static void compare(const char *want, size_t nw, const char *got, size_t ng, const char *dmg,
                    size_t nd, score *sc, int verbose) {
  tu_lines a = {want, want + nw}, b = {got, got + ng}, c = {dmg, dmg + nd};
  size_t la, lb, lc;
  const char *pa, *pb, *pc;
  uint32_t *wa = NULL, *wb = NULL;
  size_t cap = 0, shown = 0;
  while ((pa = tu_next_line(&a, &la)) != NULL) {
    pb = tu_next_line(&b, &lb);
    pc = tu_next_line(&c, &lc);
    assert_non_null(pb);
    assert_non_null(pc);
    if (la + lb + 1 > cap) {
      cap = (la + lb + 1) * 2;
      wa = realloc(wa, cap * sizeof *wa);
      wb = realloc(wb, cap * sizeof *wb);
      assert_non_null(wa);
      assert_non_null(wb);
    }
    size_t na = u8_decode(pa, la, wa, NULL), nb = u8_decode(pb, lb, wb, NULL);
    size_t h = 0;
    for (size_t i = 0; i < na; i++) h += zf_is_han(wa[i]) != 0;
    if (h == 0) continue;
    int ok = la == lb && memcmp(pa, pb, la) == 0;
    int was_damaged = la != lc || memcmp(pa, pc, la) != 0;
    sc->han += h;
    sc->paras++;
    sc->paras_ok += ok;
    sc->damaged += was_damaged;
    sc->damaged_ok += was_damaged && ok;
    sc->han_ok += ok ? h : han_kept(wa, na, wb, nb);
    int silent = !ok && count_q(pb, lb) <= count_q(pa, la);
    sc->silent += silent;
    if (silent && verbose)
      printf("  SILENT want %.*s\n  SILENT dmg  %.*s\n  SILENT got  %.*s\n", (int)la, pa, (int)lc, pc, (int)lb, pb);
    if (!ok && verbose && shown < 6) {
      shown++;
      printf("  want %.*s\n  dmg  %.*s\n  got  %.*s\n", (int)la, pa, (int)lc, pc, (int)lb, pb);
    }
  }
  free(wa);
  free(wb);
}

/* Corpus text in documents of about 20 KB (lines kept whole). */
static void simulate(farm_sim *s, const char *text, size_t len, farm_sim_decoder dec, score *sc,
                     int verbose) {
  for (size_t a = 0; a < len;) {
    size_t e = a + 20000 < len ? a + 20000 : len;
    while (e < len && text[e - 1] != '\n') e++;
    size_t nt, ntg, nd, ng;
    char *trad = farm_sim_s2t(s, text + a, e - a, &nt);
    char *want = farm_sim_target(trad, nt, &ntg);
    char *dmg = farm_sim_damage(s, trad, nt, dec, &nd);
    assert_non_null(trad);
    assert_non_null(want);
    assert_non_null(dmg);
    zf_stats st;
    if (getenv("FARM_DUMP")) { /* for a look at what failed */
      FILE *fp = fopen(getenv("FARM_DUMP"), "ab");
      if (fp) {
        fwrite(dmg, 1, nd, fp);
        fclose(fp);
      }
    }
    char *got = farm_doc(dmg, nd, ZHFIX_PINYIN_AUTO, &st, &ng);
    compare(want, ntg, got, ng, dmg, nd, sc, verbose);
    sc->unrec += st.v[ZHFIX_STAT_UNRECOVERABLE_SPANS];
    free(trad);
    free(want);
    free(dmg);
    free(got);
    a = e;
  }
}

typedef struct freq {
  uint32_t cp;
  size_t n;
} freq;

static int freq_desc(const void *a, const void *b) {
  const freq *x = a, *y = b;
  if (x->n != y->n) return x->n > y->n ? -1 : 1;
  return x->cp < y->cp ? -1 : x->cp > y->cp;
}

/* Three slices of the corpora that do not overlap, each about 1 MB (100 KB
 * under ZHFIX_QUICK) of Simplified man pages and fortunes in equal parts,
 * starting where the table says (thousandths of each file):
 *   gate      what the tests below hold to the issue's floors;
 *   tune      where the stage's margins were chosen (FARM_SIM_SLICE=tune
 *             makes test_heldout measure it instead: the sweeps of
 *             docs/repair-farm.md);
 *   held-out  what test_heldout reports and holds to the floors: text no
 *             margin was chosen on (the man pages' first half carries more
 *             options tables). */
typedef enum { SLICE_GATE, SLICE_TUNE, SLICE_HELDOUT } slice;
static const struct {
  unsigned man, fortunes;
} slice_at[] = {{500, 0}, {750, 380}, {100, 760}};

static char *sim_slice(size_t *len, slice which) {
  size_t want = tu_quick() ? 100000 : 1000000;
  size_t l1 = 0, l2 = 0;
  char *a = tu_read_file(tu_corpus("zh_CN.txt"), &l1);
  char *b = tu_read_file(tu_corpus("fortunes.txt"), &l2);
  if (!a || !b) {
    free(a);
    free(b);
    return NULL;
  }
  size_t h = want / 2, s1 = l1 / 1000 * slice_at[which].man, s2 = l2 / 1000 * slice_at[which].fortunes;
  while (s1 > 0 && s1 < l1 && a[s1 - 1] != '\n') s1++;
  while (s2 > 0 && s2 < l2 && b[s2 - 1] != '\n') s2++;
  size_t n1 = h < l1 - s1 ? h : l1 - s1, n2 = h < l2 - s2 ? h : l2 - s2;
  while (n1 < l1 - s1 && a[s1 + n1 - 1] != '\n') n1++;
  while (n2 < l2 - s2 && b[s2 + n2 - 1] != '\n') n2++;
  char *t = malloc(n1 + n2 + 1);
  assert_non_null(t);
  memcpy(t, a + s1, n1);
  memcpy(t + n1, b + s2, n2);
  t[n1 + n2] = 0;
  *len = n1 + n2;
  free(a);
  free(b);
  return t;
}

static char *sim_text(size_t *len) { return sim_slice(len, SLICE_GATE); }

/* Annotates the k most frequent characters of text whose Traditional form
 * differs (k = 0: every character of the URO block step 1 converts).  Ties broken by code point: reproducible. */
static void pick_set(farm_sim *s, const char *text, size_t len, size_t k) {
  freq *f = calloc(0x30000, sizeof *f);
  assert_non_null(f);
  uint32_t *cp = malloc((len + 1) * sizeof *cp);
  assert_non_null(cp);
  size_t n = u8_decode(text, len, cp, NULL);
  for (size_t i = 0; i < n; i++)
    if (cp[i] < 0x30000 && zf_is_han(cp[i])) f[cp[i]].n++;
  if (k == 0) /* every character that step 1 converts, seen or not */
    for (uint32_t c = 0x4E00; c <= 0x9FFF; c++) f[c].n++;
  size_t m = 0;
  for (uint32_t c = 0; c < 0x30000; c++) {
    if (!f[c].n) continue;
    uint32_t t = farm_sim_s2t_char(s, c);
    if (t == c) continue;
    f[m].cp = t;
    f[m].n = f[c].n;
    m++;
  }
  qsort(f, m, sizeof *f, freq_desc);
  farm_sim_clear(s);
  size_t added = 0;
  for (size_t i = 0; i < m && (k == 0 || added < k); i++)
    if (farm_sim_annotate(s, f[i].cp) == 0) added++;
  free(cp);
  free(f);
}

/* k characters drawn at random (seeded xorshift) among the text's
 * characters that step 1 converts: a site's own choice, not the most
 * frequent ones. */
static void pick_random_set(farm_sim *s, const char *text, size_t len, size_t k, uint64_t seed) {
  uint32_t *cp = malloc((len + 1) * sizeof *cp);
  uint8_t *seen = calloc(0x30000, 1);
  assert_non_null(cp);
  assert_non_null(seen);
  size_t n = u8_decode(text, len, cp, NULL), m = 0;
  uint32_t *pool = malloc((n + 1) * sizeof *pool);
  assert_non_null(pool);
  for (size_t i = 0; i < n; i++) {
    uint32_t c = cp[i];
    if (c >= 0x30000 || seen[c] || !zf_is_han(c)) continue;
    seen[c] = 1;
    uint32_t t = farm_sim_s2t_char(s, c);
    if (t != c) pool[m++] = t;
  }
  farm_sim_clear(s);
  size_t added = 0;
  while (added < k && m > 0) {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    size_t j = (size_t)(seed % m);
    if (farm_sim_annotate(s, pool[j]) == 0) added++;
    pool[j] = pool[--m];
  }
  free(pool);
  free(seen);
  free(cp);
}

static void report(const char *what, const score *sc) {
  printf("%s: Han %zu/%zu = %.3f%%, paragraphs %zu/%zu = %.2f%% (damaged %zu, of which %zu "
         "restored), %zu spans left as they were, %zu paragraphs wrong without a '?'\n",
         what, sc->han_ok, sc->han, 100.0 * (double)sc->han_ok / (double)sc->han, sc->paras_ok,
         sc->paras, 100.0 * (double)sc->paras_ok / (double)sc->paras, sc->damaged,
         sc->damaged_ok, sc->unrec, sc->silent);
}

/* The simulation's text and a simulator; 0 (and a note) when the corpus
 * is missing. */
static int sim_open(char **text, size_t *len, farm_sim **s) {
  *text = sim_text(len);
  if (!*text) {
    printf("corpus missing, skipped\n");
    return 0;
  }
  *s = farm_sim_new();
  assert_non_null(*s);
  return 1;
}

/* Damages text with the current set and decoder, repairs it, prints the
 * figures under `what`. */
static score sim_run(farm_sim *s, const char *text, size_t len, farm_sim_decoder dec,
                     const char *what) {
  score sc = {0};
  simulate(s, text, len, dec, &sc, getenv("FARM_VERBOSE") != NULL);
  report(what, &sc);
  return sc;
}

static void test_simulated_150(void **state) {
  (void)state;
  size_t len;
  char *text;
  farm_sim *s;
  if (!sim_open(&text, &len, &s)) return;
  pick_set(s, text, len, 150);
  printf("annotated set: %zu characters, %zu bytes of text\n", farm_sim_count(s), len);
  static const char *const name[] = {"150 chars, swallowing decoder",
                                      "150 chars, keeping decoder",
                                      "150 chars, U+FFFD decoder"};
  for (int dec = 0; dec < 3; dec++) {
    score sc = sim_run(s, text, len, (farm_sim_decoder)dec, name[dec]);
    assert_true((double)sc.han_ok >= 0.999 * (double)sc.han);
    assert_true((double)sc.paras_ok >= 0.97 * (double)sc.paras);
  }
  /* a farm that calls str_replace once per character instead */
  farm_sim_sequential(s, 1);
  score sc = sim_run(s, text, len, FARM_SIM_SWALLOW,
                     "150 chars, str_replace per character, swallowing decoder");
  assert_true((double)sc.han_ok >= 0.999 * (double)sc.han);
  assert_true((double)sc.paras_ok >= 0.97 * (double)sc.paras);
  farm_sim_free(s);
  free(text);
}

/* Other sites annotate other sets: a handful of characters, or a random
 * choice of the converted ones rather than the most frequent. */
static void test_simulated_other_sets(void **state) {
  (void)state;
  size_t len;
  char *text;
  farm_sim *s;
  if (!sim_open(&text, &len, &s)) return;
  static const struct {
    size_t k;
    int random;
    uint64_t seed;
  } sets[] = {{4, 0, 0}, {20, 0, 0}, {150, 1, 88172645463325252ull}, {500, 1, 1234567ull}};
  for (size_t i = 0; i < sizeof sets / sizeof *sets; i++) {
    if (sets[i].random)
      pick_random_set(s, text, len, sets[i].k, sets[i].seed);
    else
      pick_set(s, text, len, sets[i].k);
    char what[96];
    snprintf(what, sizeof what, "%zu %s characters, swallowing decoder", farm_sim_count(s),
             sets[i].random ? "random" : "most frequent");
    score sc = sim_run(s, text, len, FARM_SIM_SWALLOW, what);
    assert_true((double)sc.han_ok >= 0.999 * (double)sc.han);
  }
  farm_sim_free(s);
  free(text);
}

static void test_simulated_all(void **state) {
  (void)state;
  size_t len;
  char *text;
  farm_sim *s;
  if (!sim_open(&text, &len, &s)) return;
  pick_set(s, text, len, 0);
  printf("annotated set: every converted character, %zu of them\n", farm_sim_count(s));
  score sc = sim_run(s, text, len, FARM_SIM_SWALLOW, "all converted characters, swallowing decoder");
  assert_true((double)sc.han_ok >= 0.995 * (double)sc.han);
  farm_sim_free(s);
  free(text);
}

/* The held-out slice (or, for a sweep, the tuning slice): realistic
 * annotation (the 150 most frequent converted characters, each decoder)
 * and dense annotation (every converted character), held to the issue's
 * floors (97% and 80% of paragraphs as for the clean original; Han
 * characters 99.9% with the realistic set). */
static void test_heldout(void **state) {
  (void)state;
  const char *env = getenv("FARM_SIM_SLICE");
  slice which = env && strcmp(env, "tune") == 0 ? SLICE_TUNE : SLICE_HELDOUT;
  const char *tag = which == SLICE_TUNE ? "tuning slice" : "held-out";
  /* the floors hold for the whole slice; the 100 KB of ZHFIX_QUICK (the
   * sanitizer run) is the man pages' option tables mostly: figures only */
  int gate = !tu_quick();
  size_t len;
  char *text = sim_slice(&len, which);
  assert_non_null(text);
  farm_sim *s = farm_sim_new();
  assert_non_null(s);
  char what[96];
  pick_set(s, text, len, 150);
  static const char *const dec[] = {"swallowing", "keeping", "U+FFFD"};
  for (int d = 0; d < 3; d++) {
    snprintf(what, sizeof what, "%s, 150 chars, %s decoder", tag, dec[d]);
    score sc = sim_run(s, text, len, (farm_sim_decoder)d, what);
    if (gate) {
      assert_true((double)sc.han_ok >= 0.999 * (double)sc.han);
      assert_true((double)sc.paras_ok >= 0.97 * (double)sc.paras);
    }
  }
  pick_set(s, text, len, 0);
  snprintf(what, sizeof what, "%s, all converted characters, swallowing decoder", tag);
  score sc = sim_run(s, text, len, FARM_SIM_SWALLOW, what);
  if (gate) assert_true((double)sc.paras_ok >= 0.80 * (double)sc.paras);
  farm_sim_free(s);
  free(text);
}

/* Numbers after Han characters: before every ，or 。 of a line, the line's
 * own number (evidence: it recurs, as dates and counts do in an article)
 * or a fresh one each time (no evidence).  Deterministic. */
static char *number_text(const char *text, size_t len, int recur, size_t *outlen) {
  tu_buf b = {0};
  tu_buf_put(&b, "", 0);
  uint32_t *cp = malloc((len + 1) * sizeof *cp);
  assert_non_null(cp);
  size_t n = u8_decode(text, len, cp, NULL);
  uint64_t seed = 12345, num = 0;
  char d[24];
  for (size_t i = 0; i < n; i++) {
    if (i == 0 || cp[i - 1] == '\n') {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      num = 10 + (seed >> 33) % 990;
    }
    if (i > 0 && zf_is_han(cp[i - 1]) && (cp[i] == 0xFF0C || cp[i] == 0x3002)) {
      if (!recur) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        num = 10 + (seed >> 33) % 990;
      }
      int k = snprintf(d, sizeof d, "%llu", (unsigned long long)num);
      tu_buf_put(&b, d, (size_t)k);
    }
    tu_buf_cp(&b, cp[i]);
  }
  free(cp);
  *outlen = b.n;
  return b.p;
}

static size_t count_digits(const uint32_t *c, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += c[i] >= '0' && c[i] <= '9';
  return k;
}

/* Swallowed digits: how many the damage took (digits are ASCII, so the
 * decoder never misreads one, it only swallows), how many came back right,
 * how many came back wrong, how many stay '?'. */
static void test_simulated_digits(void **state) {
  (void)state;
  size_t len;
  char *text;
  farm_sim *s;
  if (!sim_open(&text, &len, &s)) return;
  pick_set(s, text, len, 0);
  for (int recur = 1; recur >= 0; recur--) {
    size_t nl;
    char *num = number_text(text, len, recur, &nl);
    size_t lost = 0, right = 0, wrong = 0, unknown = 0;
    for (size_t a = 0; a < nl;) {
      size_t e = a + 20000 < nl ? a + 20000 : nl;
      while (e < nl && num[e - 1] != '\n') e++;
      size_t nt, ntg, nd, ng;
      char *trad = farm_sim_s2t(s, num + a, e - a, &nt);
      char *want = farm_sim_target(trad, nt, &ntg);
      char *dmg = farm_sim_damage(s, trad, nt, FARM_SIM_SWALLOW, &nd);
      assert_non_null(want);
      assert_non_null(dmg);
      zf_stats st;
      char *got = farm_doc(dmg, nd, ZHFIX_PINYIN_AUTO, &st, &ng);
      tu_lines la = {want, want + ntg}, lb = {got, got + ng}, lc = {dmg, dmg + nd};
      const char *pa, *pb, *pc;
      size_t xa, xb, xc;
      while ((pa = tu_next_line(&la, &xa)) != NULL) {
        pb = tu_next_line(&lb, &xb);
        pc = tu_next_line(&lc, &xc);
        assert_non_null(pb);
        assert_non_null(pc);
        uint32_t *wa = malloc((xa + 1) * sizeof *wa), *wb = malloc((xb + 1) * sizeof *wb);
        uint32_t *wc = malloc((xc + 1) * sizeof *wc);
        assert_true(wa && wb && wc);
        size_t na = u8_decode(pa, xa, wa, NULL), nb = u8_decode(pb, xb, wb, NULL);
        size_t nc = u8_decode(pc, xc, wc, NULL);
        size_t l = count_digits(wa, na) - count_digits(wc, nc);
        lost += l;
        if (l) {
          size_t w = 0, u = 0;
          if (na == nb) {
            for (size_t i = 0; i < na; i++)
              if (wa[i] >= '0' && wa[i] <= '9' && wb[i] != wa[i]) {
                if (wb[i] >= '0' && wb[i] <= '9')
                  w++;
                else
                  u++;
              }
          } else {
            u = l; /* left as it was */
          }
          if (w && getenv("FARM_VERBOSE"))
            printf("  DIGIT want %.*s\n  DIGIT dmg  %.*s\n  DIGIT got  %.*s\n", (int)xa, pa, (int)xc,
                   pc, (int)xb, pb);
          if (w + u > l) u = l - w;
          wrong += w;
          unknown += u;
          right += l - w - u;
        }
        free(wa);
        free(wb);
        free(wc);
      }
      free(trad);
      free(want);
      free(dmg);
      free(got);
      a = e;
    }
    printf("swallowed digits, %s: %zu lost, %zu back right, %zu wrong, %zu left unknown\n",
           recur ? "numbers recur in the line" : "no number recurs", lost, right, wrong, unknown);
    /* a guess needs evidence: without it no digit may come back wrong more
     * often than right */
    assert_true(lost > 0);
    if (recur) assert_true(right > wrong);
    free(num);
  }
  farm_sim_free(s);
  free(text);
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
  char *got = farm_doc_work(b.p, b.n, ZHFIX_PINYIN_AUTO, &st, &n, &work);
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

/* A missing corpus is a failure, not a pass: the measures below would
 * otherwise skip their loops and assert nothing (issue 13). */
static int corpus_present(void) {
  static const char *const need[] = {"zh_CN.txt", "zh_TW.txt", "fortunes.txt", "mixed.txt",
                                     "pages/zh_CN", "pages/zh_TW"};
  for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
    if (access(tu_corpus(need[i]), R_OK) != 0) {
      fprintf(stderr, "%s: corpus missing (make corpus, or set ZHFIX_CORPUS)\n", tu_corpus(need[i]));
      return 0;
    }
  return 1;
}

int main(void) {
  if (!corpus_present()) return 1;
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
      cmocka_unit_test(test_simulated_150),
      cmocka_unit_test(test_simulated_other_sets),
      cmocka_unit_test(test_simulated_all),
      cmocka_unit_test(test_simulated_digits),
      cmocka_unit_test(test_heldout),
  };
  /* FARM_ONLY=test_heldout: one test, for a sweep */
  if (getenv("FARM_ONLY")) cmocka_set_test_filter(getenv("FARM_ONLY"));
  return cmocka_run_group_tests(tests, NULL, NULL);
}
