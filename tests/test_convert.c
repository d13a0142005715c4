/*
 * Conversion stage and script detection (src/convert.c, src/script.c).
 * Exactness against libopencc is tests/test_opencc_oracle.c; here:
 *   - the generated tables are well formed (no duplicate keys, sorted
 *     runs, every index in range);
 *   - each configuration and zhfix's composed ones on known phrases;
 *   - script detection on the man-page corpus, whole pages and short lines;
 *   - the converted-characters statistic;
 *   - the one pass: writing over the line's copy, switching to appending,
 *     its own count of changes (test_one_pass); the chain steps after it
 *     (test_chain_steps).
 * Half-converted text (the repair) is tests/test_convert_repair.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "convert_int.h"
#include "convert_tables.h"
#include "convert_util.h"

/* ---- tables ---------------------------------------------------------------- */

static void check_dict(const zf_occ_dict *d, const char *name) {
  size_t keys = 0;
  assert_true(d->nnodes > 1);
  for (uint32_t n = 0; n < d->nnodes; n++) {
    const uint32_t *nd = d->nodes + 3u * n;
    uint32_t nc = ZF_OCC_NCHILD(nd[2]), vl = ZF_OCC_VLEN(nd[2]);
    /* A node ends a key of some view exactly when it has a value. */
    assert_int_equal(vl != 0, (nd[2] & ZF_OCC_VIEWS) != 0);
    if (vl) {
      keys++;
      assert_true(nd[1] + vl <= d->nvals);
      if (nd[2] & ZF_OCC_ERRATUM) {
        assert_true(nd[1] + vl < d->nvals);
        assert_true(d->vals[nd[1] + vl] > 0 && nd[1] + vl + 1 + d->vals[nd[1] + vl] <= d->nvals);
      }
    } else {
      assert_false(nd[2] & ZF_OCC_ERRATUM);
    }
    if (n == 0) {
      assert_int_equal(nc, 0); /* root children are in the page table */
      continue;
    }
    if (!nc) continue;
    if (nc > ZF_OCC_HASH_MIN) {
      /* Hash table: no code point twice, every live slot findable. */
      unsigned b = 32u - (unsigned)__builtin_clz(2u * nc - 1u);
      if (b < 4) b = 4;
      uint32_t cap = 1u << b, live = 0;
      assert_true(nd[0] + cap <= d->nchild);
      for (uint32_t k = 0; k < cap; k++) {
        uint32_t c = d->ccp[nd[0] + k];
        if (c == ZF_OCC_EMPTY) continue;
        live++;
        assert_true(d->cnode[nd[0] + k] > 0 && d->cnode[nd[0] + k] < d->nnodes);
        for (uint32_t m = k + 1; m < cap; m++)
          if (d->ccp[nd[0] + m] == c) fail_msg("%s: node %u holds U+%04X twice", name, n, c);
      }
      assert_int_equal(live, nc);
    } else {
      assert_true(nd[0] + nc <= d->nchild);
      for (uint32_t k = 0; k < nc; k++) {
        assert_true(d->cnode[nd[0] + k] > 0 && d->cnode[nd[0] + k] < d->nnodes);
        if (k && d->ccp[nd[0] + k - 1] >= d->ccp[nd[0] + k])
          fail_msg("%s: children of node %u not strictly sorted (duplicate key?)", name, n);
      }
    }
  }
  /* Root pages: every node reachable once, page index consistent. */
  uint32_t used = 0;
  for (uint32_t p = 0; p < ZF_OCC_PAGE_SLOTS; p++)
    if (d->pidx[p]) {
      assert_true(d->pidx[p] <= d->npages);
      used++;
    }
  assert_int_equal(used, d->npages);
  assert_true(keys > 0);
}

/* Whether the view of d holds key k (UTF-8), and its value. */
static int has_key(const zf_occ_dict *d, const char *k, const char *v) {
  zf_text t = {0};
  cu_decode(k, strlen(k), &t);
  const uint32_t *val = NULL;
  size_t vl = 0, m = zf_occ_match(d, t.cp, t.len, &val, &vl);
  int ok = m == t.len;
  if (ok && v) {
    zf_text w = {0};
    cu_decode(v, strlen(v), &w);
    ok = vl == w.len && !memcmp(val, w.cp, vl * sizeof *val);
    zf_text_free(&w);
  }
  zf_text_free(&t);
  return ok;
}

static void test_tables(void **state) {
  (void)state;
  zf_occ_tables t;
  assert_int_equal(zf_occ_open(&t), 0);
  assert_string_equal(t.version, "opencc 1.4.2, opencc-js 1.4.2");
  for (int i = 0; i < ZF_OCC_NDICTS; i++) {
    int first = 1; /* each trie once */
    for (int j = 0; j < i; j++) first &= t.d[j].trie != t.d[i].trie;
    char name[16];
    snprintf(name, sizeof name, "dict %d", i);
    if (first) check_dict(&t.d[i], name);
    assert_true(t.d[i].maxkey >= 1);
  }
  size_t classed = 0;
  for (uint32_t c = 0; c < 0x110000; c++) classed += zf_occ_class(&t, c) != 0;
  assert_true(classed > 1000);
  /* Character dictionaries really are single characters. */
  assert_int_equal(t.d[ZF_OCC_ST_CHARS].maxkey, 1);
  assert_int_equal(t.d[ZF_OCC_TS_CHARS].maxkey, 1);
  assert_int_equal(t.d[ZF_OCC_NORM].maxkey, 1);
  assert_true(t.d[ZF_OCC_ST].maxkey >= 8);
  /* Views of one trie: the segmentation group lacks the characters, the
   * character view lacks the phrases; opencc-js drops one-character
   * identities (了 -> 了 of STCharacters). */
  assert_true(has_key(&t.d[ZF_OCC_ST], "头发", "頭髮"));
  assert_true(has_key(&t.d[ZF_OCC_ST_SEG], "头发", "頭髮"));
  assert_false(has_key(&t.d[ZF_OCC_ST_CHARS], "头发", NULL));
  assert_true(has_key(&t.d[ZF_OCC_ST], "发", "發"));
  assert_false(has_key(&t.d[ZF_OCC_ST_SEG], "发", NULL));
  assert_false(has_key(&t.d[ZF_OCC_ST], "了", NULL));
  assert_true(has_key(&t.d[ZF_OCC_HKP], "舒芙蕾", "梳芙厘"));
  assert_false(has_key(&t.d[ZF_OCC_HK], "舒芙蕾", NULL));
  /* The configurations, from the package's JSON. */
  assert_int_equal(t.ncfg, 16);
  int seen_s2twp = 0;
  for (uint32_t i = 0; i < t.ncfg; i++)
    if (!strcmp(t.cfg[i].name, "s2twp")) {
      seen_s2twp = 1;
      assert_int_equal(t.cfg[i].norm, ZF_OCC_NORM);
      assert_int_equal(t.cfg[i].seg, ZF_OCC_ST_SEG);
      assert_int_equal(t.cfg[i].nsteps, 2);
      assert_int_equal(t.cfg[i].step[0], ZF_OCC_ST);
      assert_int_equal(t.cfg[i].step[1], ZF_OCC_TWP);
    }
  assert_true(seen_s2twp);
  /* Classes the repair and detection rely on. */
  assert_true(zf_occ_class(&t, 0x53D1 /* 发 */) & ZF_OCC_SIMP_ONLY);
  assert_true(zf_occ_class(&t, 0x767C /* 發 */) & ZF_OCC_TRAD_ONLY);
  assert_true(zf_occ_class(&t, 0x767C /* 發 */) & ZF_OCC_TRAD_AMBIG);
  assert_true(zf_occ_class(&t, 0x9AEE /* 髮 */) & ZF_OCC_TRAD_AMBIG);
  assert_true(zf_occ_class(&t, 0x6C96 /* 沖 */) & ZF_OCC_TRAD_AMBIG);
  assert_false(zf_occ_class(&t, 0x752F /* 甯 */) & ZF_OCC_TRAD_AMBIG);
  assert_true(zf_occ_class(&t, 0x540E /* 后 */) & ZF_OCC_SIMP_CAP);
  assert_false(zf_occ_class(&t, 0x540E) & ZF_OCC_SIMP_ONLY);
  assert_int_equal(zf_occ_class(&t, 'a'), 0);
}

/* ---- configurations --------------------------------------------------------- */

static void expect(int script, int to, const char *in, const char *want) {
  char *got = cu_convert(script, to, 0, in);
  if (strcmp(got, want) != 0) fail_msg("%d->%d: %s gave %s, want %s", script, to, in, got, want);
  free(got);
}

static void test_configs(void **state) {
  (void)state;
  /* Phrases decide one-to-many characters. */
  expect(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TRAD, "头发和发展，皇后以后\n", "頭髮和發展，皇后以後\n");
  expect(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TRAD, "秘书说这么\n", "祕書說這麼\n");
  expect(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TW, "为了鼠标里的软件\n", "為了鼠標裡的軟件\n");
  expect(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TWP, "为了鼠标里的软件\n", "為了滑鼠裡的軟體\n");
  expect(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_HK, "说着为了\n", "説着為了\n");
  expect(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_HKP, "说着为了舒芙蕾\n", "説着為了梳芙厘\n");
  expect(ZHFIX_SCRIPT_TRAD, ZHFIX_TO_SIMP, "頭髮與發展，乾隆皇帝\n", "头发与发展，乾隆皇帝\n");
  expect(ZHFIX_SCRIPT_TWP, ZHFIX_TO_SIMP, "滑鼠裡的軟體\n", "鼠标里的软件\n");
  expect(ZHFIX_SCRIPT_TW, ZHFIX_TO_SIMP, "為了裡面\n", "为了里面\n");
  expect(ZHFIX_SCRIPT_HK, ZHFIX_TO_SIMP, "説着\n", "说着\n");
  expect(ZHFIX_SCRIPT_HKP, ZHFIX_TO_SIMP, "説着梳芙厘\n", "说着舒芙蕾\n");
  expect(ZHFIX_SCRIPT_TRAD, ZHFIX_TO_TW, "爲了裏面\n", "為了裡面\n");
  expect(ZHFIX_SCRIPT_TRAD, ZHFIX_TO_HK, "爲了說\n", "為了説\n");
  expect(ZHFIX_SCRIPT_TW, ZHFIX_TO_TRAD, "為了裡面\n", "爲了裏面\n");
  expect(ZHFIX_SCRIPT_HK, ZHFIX_TO_TRAD, "為了説\n", "爲了說\n");
  /* Japanese shinjitai and kyujitai (t2jp, jp2t). */
  expect(ZHFIX_SCRIPT_TRAD, ZHFIX_TO_JP, "舊字體歷史假名遣\n", "旧字体歴史仮名遣\n");
  expect(ZHFIX_SCRIPT_JP, ZHFIX_TO_TRAD, "旧字体歴史仮名遣\n", "舊字體歷史假名遣\n");
  /* Pairs OpenCC has no configuration for: opencc-js's compositions. */
  expect(ZHFIX_SCRIPT_TRAD, ZHFIX_TO_TWP, "爲了軟件\n", "為了軟體\n");
  expect(ZHFIX_SCRIPT_TWP, ZHFIX_TO_TRAD, "為了軟體\n", "爲了軟件\n");
  expect(ZHFIX_SCRIPT_TW, ZHFIX_TO_HK, "說著\n", "説着\n");
  expect(ZHFIX_SCRIPT_HK, ZHFIX_TO_TW, "説着\n", "說著\n");
  expect(ZHFIX_SCRIPT_HK, ZHFIX_TO_TWP, "説軟件\n", "說軟體\n");
  /* Same script, pure text: unchanged. */
  expect(ZHFIX_SCRIPT_TRAD, ZHFIX_TO_TRAD, "頭髮與發展\n", "頭髮與發展\n");
  expect(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_SIMP, "头发与发展\n", "头发与发展\n");
  /* Not Han: untouched, including astral characters and lone CR. */
  expect(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TRAD, "a\xF0\x9F\x98\x80 b\r\n", "a\xF0\x9F\x98\x80 b\r\n");
  expect(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TRAD, "", "");
}

/* OpenCC's normalization: compatibility ideographs become their unified
 * forms first (U+F900 -> U+8C48 豈), in OpenCC's configurations; opencc-js's
 * compositions have none. */
static void test_normalization(void **state) {
  (void)state;
  /* U+F900 -> 豈 (Traditional: t2s then makes it 岂), U+F901 -> 更 */
  expect(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TRAD, "\xEF\xA4\x80\xEF\xA4\x81\n", "豈更\n");
  expect(ZHFIX_SCRIPT_TRAD, ZHFIX_TO_SIMP, "\xEF\xA4\x80\xEF\xA4\x81\n", "岂更\n");
  expect(ZHFIX_SCRIPT_TW, ZHFIX_TO_SIMP, "\xEF\xA4\x81\n", "更\n");
  expect(ZHFIX_SCRIPT_TRAD, ZHFIX_TO_TWP, "\xEF\xA4\x81\n", "\xEF\xA4\x81\n");
}

/* An ideographic description sequence is copied whole: its components are
 * never converted; an incomplete one (cut by the end of the line, whose
 * break is no component) protects nothing. */
static void test_ids(void **state) {
  (void)state;
  expect(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TRAD, "⿰氵马马\n", "⿰氵马馬\n");
  expect(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TRAD, "⿱⿰马马马马\n", "⿱⿰马马马馬\n");
  expect(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TRAD, "⿰马\n", "⿰馬\n");
  expect(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TRAD, "马⿰\r\n马\n", "馬⿰\r\n馬\n");
  expect(ZHFIX_SCRIPT_TRAD, ZHFIX_TO_SIMP, "⿰氵馬馬\n", "⿰氵馬马\n");
  expect(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TWP, "⿰鼠标鼠标\n", "⿰鼠标滑鼠\n");
  /* A long run of operators: linear, not opencc-js's exponential walk. */
  char *run = malloc(3 * 20000 + 8), *q = run;
  for (int i = 0; i < 20000; i++) q += sprintf(q, "⿰");
  strcpy(q, "马\n");
  char *got = cu_convert(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TRAD, 0, run);
  assert_int_equal(strlen(got), strlen(run));
  free(got);
  free(run);
}

/* Errata (data/opencc_errata.txt): applied by default, not with
 * ZHFIX_OPT_OPENCC_EXACT, in every configuration that uses the entry. */
static void test_errata(void **state) {
  (void)state;
  static const int targets[] = {ZHFIX_TO_TRAD, ZHFIX_TO_TW, ZHFIX_TO_TWP, ZHFIX_TO_HK, ZHFIX_TO_HKP};
  for (size_t k = 0; k < sizeof targets / sizeof targets[0]; k++) {
    expect(ZHFIX_SCRIPT_SIMP, targets[k], "中俄关系\n", "中俄關係\n");
    zf_opts o = cu_opts(ZHFIX_SCRIPT_SIMP, targets[k], 0);
    o.opencc_exact = 1;
    void *st;
    assert_int_equal(zf_stage_convert.create(&st, &o), 0);
    char *got = cu_run_state(st, "中俄关系\n", strlen("中俄关系\n"), NULL);
    assert_string_equal(got, "中俄關系\n");
    free(got);
    zf_stage_convert.destroy(st);
  }
  /* Through the API, and in half-converted text (the sample's 中俄關系). */
  zhfix *h = zhfix_create();
  char *out;
  size_t len;
  assert_int_equal(zhfix_set_option_string(h, "to", "trad"), 0);
  assert_int_equal(zhfix_set_option_string(h, "script", "simp"), 0);
  assert_int_equal(zhfix_process(h, "中俄关系\n", strlen("中俄关系\n"), &out, &len), 0);
  assert_string_equal(out, "中俄關係\n");
  zhfix_buffer_free(out);
  assert_int_equal(zhfix_reset(h), 0);
  assert_int_equal(zhfix_set_option_string(h, "opencc-exact", "on"), 0);
  assert_int_equal(zhfix_get_option(h, ZHFIX_OPT_OPENCC_EXACT), 1);
  assert_int_equal(zhfix_process(h, "中俄关系\n", strlen("中俄关系\n"), &out, &len), 0);
  assert_string_equal(out, "中俄關系\n");
  zhfix_buffer_free(out);
  zhfix_free(h);
}

static void test_keep_disables(void **state) {
  (void)state;
  zf_opts o = cu_opts(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_KEEP, 0);
  void *st = (void *)1;
  assert_int_equal(zf_stage_convert.create(&st, &o), 0);
  assert_null(st);
}

/* The conversion stage on one line of text: out (cleared first) and the
 * line's statistics. */
static void convert_text(int script, int to, const char *text, zf_text *out, zf_stats *stats) {
  zf_opts o = cu_opts(script, to, 0);
  void *st;
  assert_int_equal(zf_stage_convert.create(&st, &o), 0);
  zf_text in = {0};
  zf_stats_init(stats);
  zf_text_clear(out);
  cu_decode(text, strlen(text), &in);
  assert_int_equal(zf_stage_run(&zf_stage_convert, st, &in, out, stats), 0);
  zf_text_free(&in);
  zf_stage_convert.destroy(st);
}

/* A line of one character, a two-character phrase and one character
 * (text) converted: the phrase becomes c1 c2, both carrying the offset of
 * its first character (start), the last character's offset is after, and
 * the line's statistics count `changed` characters converted. */
static void expect_phrase_unit(int script, int to, const char *text, uint32_t c1, uint32_t c2, uint64_t start,
                               uint64_t after, uint64_t changed) {
  zf_text out = {0};
  zf_stats stats;
  convert_text(script, to, text, &out, &stats);
  assert_int_equal(out.len, 5);
  assert_int_equal(out.cp[1], c1);
  assert_int_equal(out.cp[2], c2);
  assert_int_equal(out.off[0], 0);
  assert_int_equal(out.off[1], start);
  assert_int_equal(out.off[2], start); /* the second character: the unit's */
  assert_int_equal(out.off[3], after);
  assert_int_equal(stats.v[ZHFIX_STAT_CHARS_CONVERTED], changed);
  zf_text_free(&out);
}

/* Offsets: a converted phrase carries the offset of its first character. */
static void test_offsets_and_stats(void **state) {
  (void)state;
  expect_phrase_unit(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TRAD, "a头发b\n", 0x982D /* 頭 */, 0x9AEE /* 髮 */, 1, 7, 2);
}

/* The one pass writes over a copy of the line while its units keep their
 * length, and counts the changes itself; a unit of another length (U盤 ->
 * 隨身碟 in TWPhrases) switches it to appending.  Output, offsets and the
 * converted-characters count (positions where input and output differ,
 * plus the difference in length) on lines with ASCII that starts keys
 * (P, S), full-width forms, compatibility ideographs (normalized first)
 * and length-changing phrases, as opencc-js gives them. */
static void one_pass(int script, int to, const char *in, const char *want, uint64_t changed) {
  zf_opts o = cu_opts(script, to, 0);
  void *st;
  uint64_t got_changed = 0;
  assert_int_equal(zf_stage_convert.create(&st, &o), 0);
  char *got = cu_run_state(st, in, strlen(in), &got_changed);
  if (strcmp(got, want) != 0) fail_msg("%d->%d: %s gave %s, want %s", script, to, in, got, want);
  if (got_changed != changed)
    fail_msg("%d->%d: %s changed %llu, want %llu", script, to, in, (unsigned long long)got_changed,
             (unsigned long long)changed);
  free(got);
  zf_stage_convert.destroy(st);
}

static void test_one_pass(void **state) {
  (void)state;
  one_pass(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TRAD, "PS：头发，SQL注入。U盘里的下拉列表和头发\n",
           "PS：頭髮，SQL注入。U盤裏的下拉列表和頭髮\n", 6);
  one_pass(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TRAD, "豈\xEF\xA4\x80：ＡＢＣ头发ｘ\n", "豈豈：ＡＢＣ頭髮ｘ\n", 3);
  one_pass(ZHFIX_SCRIPT_TRAD, ZHFIX_TO_TWP, "用U盤與下拉列表，說著為了頭髮\n", "用隨身碟與下拉式清單，說著為了頭髮\n", 17);
  one_pass(ZHFIX_SCRIPT_TRAD, ZHFIX_TO_TWP, "豈\xEF\xA4\x80：ＡＢＣ头发ｘ\n", "豈\xEF\xA4\x80：ＡＢＣ头发ｘ\n", 0);
  one_pass(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TWP, "PS：头发，SQL注入。U盘里的下拉列表和头发\n",
           "PS：頭髮，SQL隱碼攻擊。U盤裡的下拉式清單和頭髮\n", 20);
  one_pass(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TWP, "说着为了头发\n", "說著為了頭髮\n", 5);
  /* offsets: a phrase's characters all carry its first one's, also after
   * the switch to appending */
  zf_text out = {0};
  zf_stats stats;
  convert_text(ZHFIX_SCRIPT_TRAD, ZHFIX_TO_TWP, "U盤x頭髮\n", &out, &stats);
  assert_int_equal(out.len, 7);
  assert_int_equal(out.cp[0], 0x96A8); /* 隨 */
  for (int k = 0; k < 3; k++) assert_int_equal(out.off[k], 0);
  assert_int_equal(out.off[3], 4); /* x */
  assert_int_equal(out.off[4], 5);
  assert_int_equal(out.off[5], 8);
  convert_text(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TRAD, "a头发b\n", &out, &stats);
  assert_int_equal(out.off[1], 1);
  assert_int_equal(out.off[2], 1); /* 髮: the unit 头发's */
  assert_int_equal(out.off[3], 7);
  zf_text_free(&out);
}

/* The steps after a fused first step (step_same): written over a copy
 * of the text; a unit of another length (用戶 -> 使用者) shifts the rest,
 * later units still converted in their segments, offsets kept;
 * ideographic description sequences copied whole after a shift; CJK
 * punctuation (「」，) inside runs of Han characters. */
static void test_chain_steps(void **state) {
  (void)state;
  one_pass(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TWP, "用户说着，鼠标和软件⿰氵青用户头发\n",
           "使用者說著，滑鼠和軟體⿰氵青使用者頭髮\n", 20);
  one_pass(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TWP, "a用户b头发c⿰用户d\n", "a使用者b頭髮c⿰用户d\n", 12);
  one_pass(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TW, "说着为了「头发」，里面的着\n", "說著為了「頭髮」，裡面的著\n", 7);
  one_pass(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_HKP, "用户说着，鼠标和软件\n", "用户説着，滑鼠和軟件\n", 4);
  one_pass(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TRAD, "「头发」、「下拉列表」。\n", "「頭髮」、「下拉列表」。\n", 2);
  one_pass(ZHFIX_SCRIPT_TW, ZHFIX_TO_SIMP, "使用者說著，滑鼠⿰氵青和軟體\n", "使用者说着，滑鼠⿰氵青和软体\n", 4);
  /* offsets after the shift: 使用者 carries 用户's, a and 頭髮 their own */
  zf_text out = {0};
  zf_stats stats;
  convert_text(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TWP, "用户a头发\n", &out, &stats);
  assert_int_equal(out.len, 7);
  assert_int_equal(out.cp[2], 0x8005); /* 者 */
  for (int k = 0; k < 3; k++) assert_int_equal(out.off[k], 0);
  assert_int_equal(out.cp[3], 'a');
  assert_int_equal(out.off[3], 6);
  assert_int_equal(out.off[4], 7);
  assert_int_equal(out.off[5], 7); /* 髮: the unit 头发's */
  assert_int_equal(out.off[6], 13);
  zf_text_free(&out);
}

/* tw2s and hk2s (the variants step, then the t2s group, segmented by
 * TSPhrases) as one pass of the t2s group, mended where the variants step
 * converts (run_tail_fused): the t2s group is redone over a window from
 * its longest key minus one before the first change, so a key that
 * starts before a changed character is found (李秘 -> 李祕 -> 李祕: the
 * t2s group keeps 祕 in this name, converts it alone; a window starting
 * at the change gave 李秘), and a unit of several characters of the
 * variants step (參見) stays one unit, its characters carrying its first
 * one's offset.  Output, offsets and the converted-characters count as
 * the general path gives them. */
static void test_tail_fused(void **state) {
  (void)state;
  one_pass(ZHFIX_SCRIPT_TW, ZHFIX_TO_SIMP, "軍個也心應位管知產李秘學黨制產做本數她其幹\n",
           "军个也心应位管知产李祕学党制产做本数她其干\n", 10);
  one_pass(ZHFIX_SCRIPT_TW, ZHFIX_TO_SIMP, "我相少幾很過重藉著方進性地電還關做計三革作\n",
           "我相少几很过重借着方进性地电还关做计三革作\n", 9);
  one_pass(ZHFIX_SCRIPT_HK, ZHFIX_TO_SIMP, "重並第點來幾與坏户文\n", "重并第点来几与坯户文\n", 6);
  one_pass(ZHFIX_SCRIPT_TW, ZHFIX_TO_SIMP, "為了裡面，為\n", "为了里面，为\n", 3);
  expect_phrase_unit(ZHFIX_SCRIPT_TW, ZHFIX_TO_SIMP, "他參見這\n", 0x53C2 /* 参 */, 0x89C1 /* 见 */, 3, 9, 3);
  /* the variants step walked only near its marked characters (參 著 裡
   * and the identity phrases' 口), far into a line: as the general path */
  one_pass(ZHFIX_SCRIPT_TW, ZHFIX_TO_SIMP, "一個人在家裡工作了很多年以後他們才參見了大家一家三口張口胃口\n",
           "一个人在家里工作了很多年以后他们才参见了大家一家三口张口胃口\n", 7);
  one_pass(ZHFIX_SCRIPT_TW, ZHFIX_TO_SIMP, "大家都說這個人很好但是他們不知道著作權法的規定\n",
           "大家都说这个人很好但是他们不知道著作权法的规定\n", 6);
}

/* ---- script detection ------------------------------------------------------- */

#include <dirent.h>

typedef struct det_counts {
  size_t pages, pages_ok, lines, lines_ok, lines_noevidence;
} det_counts;

static void detect_dir(const char *sub, int trad, det_counts *c) {
  DIR *d = opendir(cu_corpus_path(sub));
  struct dirent *e;
  zf_text t = {0};
  if (!d) fail_msg("no corpus pages in %s (ZHFIX_CORPUS)", sub);
  char **names = NULL;
  size_t nn = 0;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') {
      names = realloc(names, (nn + 1) * sizeof *names);
      names[nn++] = strdup(e->d_name);
    }
  closedir(d);
  size_t limit = cu_quick() ? 40 : nn;
  for (size_t k = 0; k < nn; k++) {
    if (k < limit) {
      char path[8192];
      snprintf(path, sizeof path, "%s/%s", cu_corpus_path(sub), names[k]);
      size_t n = 0;
      char *b = cu_read(path, &n);
      assert_non_null(b);
      size_t w = n < ZHFIX_DETECT_WINDOW ? n : ZHFIX_DETECT_WINDOW;
      cu_decode(b, w, &t);
      int s = zf_detect_script(&t);
      c->pages++;
      if (trad ? s != ZHFIX_SCRIPT_SIMP : s == ZHFIX_SCRIPT_SIMP) c->pages_ok++;
      /* Short inputs: the first 20 characters of each line with at least
       * 10 Han characters. */
      for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && b[j] != '\n') j++;
        cu_decode(b + i, j - i, &t);
        size_t han = 0;
        for (size_t q = 0; q < t.len; q++) han += zf_is_han(t.cp[q]) != 0;
        if (han >= 10) {
          if (t.len > 20) t.len = 20;
          s = zf_detect_script(&t);
          c->lines++;
          if (trad ? s != ZHFIX_SCRIPT_SIMP : s == ZHFIX_SCRIPT_SIMP) c->lines_ok++;
          /* No one-script character at all: SIMP by definition. */
          int evidence = 0;
          zf_occ_tables tt;
          zf_occ_open(&tt);
          for (size_t q = 0; q < t.len; q++)
            if (zf_occ_class(&tt, t.cp[q]) & (ZF_OCC_SIMP_ONLY | ZF_OCC_TRAD_ONLY)) evidence = 1;
          if (!evidence) c->lines_noevidence++;
        }
        i = j + 1;
      }
      free(b);
    }
    free(names[k]);
  }
  free(names);
  zf_text_free(&t);
}

static void test_detect(void **state) {
  (void)state;
  det_counts cn = {0}, tw = {0};
  detect_dir("pages/zh_CN", 0, &cn);
  detect_dir("pages/zh_TW", 1, &tw);
  printf("detect zh_CN: pages %zu/%zu, 20-char lines %zu/%zu (%zu without evidence)\n", cn.pages_ok,
         cn.pages, cn.lines_ok, cn.lines, cn.lines_noevidence);
  printf("detect zh_TW: pages %zu/%zu, 20-char lines %zu/%zu (%zu without evidence)\n", tw.pages_ok,
         tw.pages, tw.lines_ok, tw.lines, tw.lines_noevidence);
  /* Every page is long enough to decide. */
  assert_int_equal(cn.pages_ok, cn.pages);
  assert_int_equal(tw.pages_ok, tw.pages);
  /* A short line with evidence must come out right; lines without any
   * one-script character are SIMP by definition, right or wrong. */
  assert_int_equal(cn.lines_ok, cn.lines);
  assert_int_equal(tw.lines_ok + tw.lines_noevidence, tw.lines);
  assert_true(tw.lines_noevidence * 4 < tw.lines);

  zf_text t = {0};
  const char *cases[][2] = {{"", "1"}, {"hello world 123", "1"}, {"这是一个测试", "1"},
                            {"這是一個測試", "t"},   {"爲了這裏的羣衆", "2"}, {"說著裡面的為了", "3"},
                            {"他説這户人家的温度", "5"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cu_decode(cases[i][0], strlen(cases[i][0]), &t);
    int s = zf_detect_script(&t);
    if (cases[i][1][0] == 't') assert_true(s != ZHFIX_SCRIPT_SIMP);
    else if (s != cases[i][1][0] - '0') fail_msg("detect %s: %d", cases[i][0], s);
  }
  zf_text_free(&t);
}

/* Through the public API: detection reported, characters counted, and the
 * stage off with --to=keep. */
static void test_api(void **state) {
  (void)state;
  /* Mostly Simplified (头 发 发 这 个 问 题 against 這 測 試). */
  static const char *in = "头发和发展，这个问题\n這是測試\n";
  zhfix *h = zhfix_create();
  assert_non_null(h);
  char *out;
  size_t len;
  assert_int_equal(zhfix_set_option_string(h, "to", "trad"), 0);
  assert_int_equal(zhfix_set_option_string(h, "punct", "off"), 0);
  assert_int_equal(zhfix_process(h, in, strlen(in), &out, &len), 0);
  assert_string_equal(out, "頭髮和發展，這個問題\n這是測試\n");
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_SCRIPT), ZHFIX_SCRIPT_SIMP);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_CHARS_CONVERTED), 7);
  zhfix_buffer_free(out);
  zhfix_free(h);

  h = zhfix_create();
  assert_int_equal(zhfix_set_option_string(h, "to", "simp"), 0);
  assert_int_equal(zhfix_set_option_string(h, "punct", "off"), 0);
  static const char *trad = "頭髮與發展，這是測試\n";
  assert_int_equal(zhfix_process(h, trad, strlen(trad), &out, &len), 0);
  assert_string_equal(out, "头发与发展，这是测试\n");
  assert_true(zhfix_get_stat(h, ZHFIX_STAT_SCRIPT) != ZHFIX_SCRIPT_SIMP);
  zhfix_buffer_free(out);
  assert_int_equal(zhfix_reset(h), 0);
  assert_int_equal(zhfix_set_option_string(h, "to", "keep"), 0);
  assert_int_equal(zhfix_process(h, trad, strlen(trad), &out, &len), 0);
  assert_string_equal(out, trad);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_CHARS_CONVERTED), 0);
  zhfix_buffer_free(out);
  zhfix_free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tables),        cmocka_unit_test(test_configs),
      cmocka_unit_test(test_normalization), cmocka_unit_test(test_ids),
      cmocka_unit_test(test_errata),        cmocka_unit_test(test_keep_disables),
      cmocka_unit_test(test_offsets_and_stats), cmocka_unit_test(test_detect),
      cmocka_unit_test(test_api),           cmocka_unit_test(test_one_pass),
      cmocka_unit_test(test_chain_steps),   cmocka_unit_test(test_tail_fused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
