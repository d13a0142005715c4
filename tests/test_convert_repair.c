/*
 * The conversion stage on half-converted text (src/convert_repair.c,
 * docs/conversion.md "Half-converted text"), moved out of
 * tests/test_convert.c by concern:
 *   - lines from the sample article, and the spans of a repaired line
 *     taken whole from one candidate (no invented words);
 *   - text built from the corpus by converting a share of the characters
 *     one by one, as content farms do, measured;
 *   - pure Traditional input through the repair path, measured;
 *   - lines that need no repair take the exact conversion, which is the
 *     repair's own output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "convert_int.h"
#include "convert_tables.h"
#include "convert_util.h"

/* ---- half-converted text ---------------------------------------------------- */

/* Runs the stage as the pipeline does in auto mode: detection and prescan
 * on the window, then line by line. */
static char *auto_convert(const char *window, int to, const char *text, int *script) {
  zf_text pre = {0};
  cu_decode(window, strlen(window), &pre);
  *script = zf_detect_script(&pre);
  zf_opts o = cu_opts(*script, to, 1);
  void *st;
  assert_int_equal(zf_stage_convert.create(&st, &o), 0);
  zf_stage_convert.prescan(st, &pre);
  char *r = cu_run_state(st, text, strlen(text), NULL);
  zf_stage_convert.destroy(st);
  zf_text_free(&pre);
  return r;
}

/* The sample article, read once (freed at exit with the process). */
static const char *sample_text(void) {
  static char *sample;
  size_t n = 0;
  if (!sample) sample = cu_read(cu_src_path("data/samples/000_22c49fc42f219c9f.txt"), &n);
  assert_non_null(sample);
  return sample;
}

/* Line `in` converted to `to` as a line of the sample's document (the
 * sample is the detection window): the script detected is not
 * Simplified, and the output is want. */
static void expect_in_sample(int to, const char *in, const char *want) {
  int script;
  char *got = auto_convert(sample_text(), to, in, &script);
  assert_true(script != ZHFIX_SCRIPT_SIMP);
  if (strcmp(got, want)) fail_msg("--to=%d: %s gave %s, want %s", to, in, got, want);
  free(got);
}

static void test_sample_residue(void **state) {
  (void)state;
  /* Fragments of the sample's lines, as they stand in it. */
  static const char *lines[][3] = {
      {"最后更新: 2024-10-25\n", "最後更新: 2024-10-25\n", "最后更新: 2024-10-25\n"},
      {"佩斯科夫與普京的關系\n", "佩斯科夫與普京的關係\n", "佩斯科夫与普京的关系\n"},
      {"政治斗爭\n", "政治鬥爭\n", "政治斗争\n"},
      {"為什么這么做\n", "爲什麼這麼做\n", "为什么这么做\n"},
      {"俄羅斯總統新聞秘書佩斯科夫\n", "俄羅斯總統新聞祕書佩斯科夫\n", "俄罗斯总统新闻秘书佩斯科夫\n"},
      {"在這篇題為“馬斯克與普京的秘密對話”的文章中\n", "在這篇題爲“馬斯克與普京的祕密對話”的文章中\n",
       "在这篇题为“马斯克与普京的秘密对话”的文章中\n"},
  };
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
    expect_in_sample(ZHFIX_TO_TRAD, lines[i][0], lines[i][1]);
    expect_in_sample(ZHFIX_TO_SIMP, lines[i][0], lines[i][2]);
  }
}

/* The library with every other stage off, the script detected. */
static char *api_convert(const char *to, const char *in) {
  zhfix *h = zhfix_create();
  char *out;
  size_t len;
  assert_int_equal(zhfix_set_option_string(h, "to", to), 0);
  assert_int_equal(zhfix_set_option_string(h, "punct", "off"), 0);
  assert_int_equal(zhfix_process(h, in, strlen(in), &out, &len), 0);
  zhfix_free(h);
  return out;
}

static void expect_api(const char *to, const char *in, const char *want) {
  char *got = api_convert(to, in);
  if (strcmp(got, want)) fail_msg("--to=%s: %s gave %s, want %s", to, in, got, want);
  zhfix_buffer_free(got);
}

/* Issue 13 item 4: with the script detected, each span of a repaired line
 * is the conversion of one candidate script, whole: two phrase
 * conversions are never merged character by character, and a character
 * that is no default candidate (甯, a name character OpenCC keeps) is no
 * residue to re-guess. */
static void test_no_invented_words(void **state) {
  (void)state;
  /* 數据库 was 數料庫: tw2twp's 數据库 and s2twp's 資料庫 merged. */
  expect_api("twp", "數據庫 數据库\n", "資料庫 資料庫\n");
  expect_api("trad", "张钧甯\n", "張鈞甯\n");
  /* A repaired line (头 and 發 mix the scripts): 發 is re-read, 甯 kept. */
  expect_api("trad", "头發和张钧甯\n", "頭髮和張鈞甯\n");
  expect_api("twp", "头發和张钧甯的數据库\n", "頭髮和張鈞甯的資料庫\n");
  /* In the sample's half-converted document. */
  expect_in_sample(ZHFIX_TO_TRAD, "張鈞甯與普京的關系\n", "張鈞甯與普京的關係\n");
  expect_in_sample(ZHFIX_TO_TWP, "數據庫 數据库\n", "資料庫 資料庫\n");
}

/* Converts each Han character with probability share/1000 one by one with
 * OpenCC's character table (first candidate), as a content farm does;
 * deterministic. */
static void damage(const zf_occ_tables *t, zf_text *x, unsigned share, uint32_t *seed) {
  for (size_t i = 0; i < x->len; i++) {
    *seed = *seed * 1103515245u + 12345u;
    if (((*seed >> 8) % 1000) >= share) continue;
    const uint32_t *v;
    size_t vl;
    if (zf_occ_match(&t->d[ZF_OCC_ST_CHARS], x->cp + i, 1, &v, &vl) && vl == 1) x->cp[i] = v[0];
  }
}

typedef struct mix_score {
  size_t chars, chars_ok, lines, lines_ok, base_ok;
} mix_score;

static void score(const zf_text *got, const zf_text *want, mix_score *m, int base) {
  int ok = got->len == want->len;
  if (!base) m->lines++;
  for (size_t i = 0; i < want->len; i++) {
    if (!zf_is_han(want->cp[i])) continue;
    int same = i < got->len && got->cp[i] == want->cp[i];
    if (base) m->base_ok += same;
    else {
      m->chars++;
      m->chars_ok += same;
    }
    if (!same) ok = 0;
  }
  if (!base && ok) m->lines_ok++;
}

/* Decodes the line at *i of buf into line and moves *i past it; returns
 * whether the line holds at least four Han (the lines the mixed corpus
 * test damages and scores). */
static int next_han_line(const char *buf, size_t n, size_t *i, zf_text *line) {
  size_t j = *i;
  while (j < n && buf[j] != '\n') j++;
  cu_decode(buf + *i, j - *i, line);
  *i = j + 1;
  size_t han = 0;
  for (size_t q = 0; q < line->len; q++) han += zf_is_han(line->cp[q]) != 0;
  return han >= 4;
}

/* Mixed text from zh_CN: Simplified lines with a share of characters
 * converted char by char.  The reference for --to=trad is OpenCC's s2t of
 * the clean line; for --to=simp the clean line itself.  The baseline is
 * what the stage gives with the script given explicitly (no repair). */
static void test_mixed_corpus(void **state) {
  (void)state;
  size_t n = 0;
  char *buf = cu_read(cu_corpus_path("zh_CN.txt"), &n);
  assert_non_null(buf);
  if (cu_quick() && n > 300000) n = 300000;
  zf_occ_tables t;
  assert_int_equal(zf_occ_open(&t), 0);
  static const unsigned shares[] = {300, 700, 1000};
  for (size_t si = 0; si < sizeof shares / sizeof shares[0]; si++) {
    uint32_t seed = 12345;
    zf_text clean = {0}, dmg = {0}, want = {0}, got = {0}, base = {0};
    zf_stats stats;
    zf_stats_init(&stats);
    mix_score mt = {0}, ms = {0};
    /* As the pipeline does: detect the script of the damaged document's
     * window (its first 64 KB, damaged with the same seed), create the
     * stages for it, and show them the window. */
    zf_text win = {0};
    uint32_t wseed = seed;
    for (size_t i = 0; i < n && i < ZHFIX_DETECT_WINDOW;) {
      if (!next_han_line(buf, n, &i, &clean)) continue;
      damage(&t, &clean, shares[si], &wseed);
      zf_text_append(&win, &clean, 0, clean.len);
      zf_text_push(&win, '\n', 0);
    }
    int script = zf_detect_script(&win);
    zf_opts os2t = cu_opts(ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TRAD, 0);
    zf_opts otrad = cu_opts(script, ZHFIX_TO_TRAD, 1);
    zf_opts osimp = cu_opts(script, ZHFIX_TO_SIMP, 1);
    zf_opts obase_s = cu_opts(ZHFIX_SCRIPT_TRAD, ZHFIX_TO_SIMP, 0);
    void *s2t, *rt, *rs, *bs;
    assert_int_equal(zf_stage_convert.create(&s2t, &os2t), 0);
    assert_int_equal(zf_stage_convert.create(&rt, &otrad), 0);
    assert_int_equal(zf_stage_convert.create(&rs, &osimp), 0);
    assert_int_equal(zf_stage_convert.create(&bs, &obase_s), 0);
    zf_stage_convert.prescan(rt, &win);
    zf_stage_convert.prescan(rs, &win);
    zf_text_free(&win);
    for (size_t i = 0; i < n;) {
      if (!next_han_line(buf, n, &i, &clean)) continue;
      zf_text_clear(&dmg);
      zf_text_append(&dmg, &clean, 0, clean.len);
      damage(&t, &dmg, shares[si], &seed);
      /* --to=trad */
      zf_text_clear(&want);
      assert_int_equal(zf_stage_run(&zf_stage_convert, s2t, &clean, &want, &stats), 0);
      zf_text_clear(&got);
      assert_int_equal(zf_stage_run(&zf_stage_convert, rt, &dmg, &got, &stats), 0);
      score(&got, &want, &mt, 0);
      /* baseline: the damaged text left as it is */
      score(&dmg, &want, &mt, 1);
      /* --to=simp */
      zf_text_clear(&got);
      assert_int_equal(zf_stage_run(&zf_stage_convert, rs, &dmg, &got, &stats), 0);
      score(&got, &clean, &ms, 0);
      zf_text_clear(&base);
      assert_int_equal(zf_stage_run(&zf_stage_convert, bs, &dmg, &base, &stats), 0);
      score(&base, &clean, &ms, 1);
    }
    printf("mixed %u%% converted (detected %s): --to=trad %.4f%% Han chars, %.2f%% lines right (no repair: %.4f%%); "
           "--to=simp %.4f%% chars, %.2f%% lines (t2s alone: %.4f%%), %zu lines\n",
           shares[si] / 10, zhfix_script_name(script), 100.0 * mt.chars_ok / mt.chars, 100.0 * mt.lines_ok / mt.lines,
           100.0 * mt.base_ok / mt.chars, 100.0 * ms.chars_ok / ms.chars, 100.0 * ms.lines_ok / ms.lines,
           100.0 * ms.base_ok / ms.chars, mt.lines);
    /* The repair must recover what the character-by-character conversion
     * lost: better than doing nothing while residue is left, never worse. */
    if (shares[si] < 1000) assert_true(mt.chars_ok > mt.base_ok);
    assert_true(mt.chars_ok >= mt.base_ok);
    assert_true(ms.chars_ok >= ms.base_ok);
    zf_stage_convert.destroy(s2t);
    zf_stage_convert.destroy(rt);
    zf_stage_convert.destroy(rs);
    zf_stage_convert.destroy(bs);
    zf_text_free(&clean);
    zf_text_free(&dmg);
    zf_text_free(&want);
    zf_text_free(&got);
    zf_text_free(&base);
  }
  free(buf);
}

/* Pure Traditional input through the repair path (detected script, a
 * document that looks mixed): how many characters differ from OpenCC's
 * exact conversion, and how many from the input itself. */
static void test_pure_trad_repair(void **state) {
  (void)state;
  size_t n = 0;
  char *buf = cu_read(cu_corpus_path("zh_TW.txt"), &n);
  assert_non_null(buf);
  if (cu_quick() && n > 300000) n = 300000;
  buf[n] = 0;
  static const int targets[] = {ZHFIX_TO_TW, ZHFIX_TO_TRAD};
  for (size_t k = 0; k < 2; k++) {
    zf_opts ox = cu_opts(ZHFIX_SCRIPT_TW, targets[k], 0), orp = cu_opts(ZHFIX_SCRIPT_TW, targets[k], 1);
    void *sx, *sr;
    assert_int_equal(zf_stage_convert.create(&sx, &ox), 0);
    assert_int_equal(zf_stage_convert.create(&sr, &orp), 0);
    /* A window with one Simplified-only character marks the document as
     * mixed, so every line takes the repair path. */
    zf_text pre = {0};
    cu_decode("这", strlen("这"), &pre);
    zf_stage_convert.prescan(sr, &pre);
    zf_text_free(&pre);
    char *ex = cu_run_state(sx, buf, n, NULL);
    char *rp = cu_run_state(sr, buf, n, NULL);
    zf_text a = {0}, b = {0}, x = {0};
    cu_decode(ex, strlen(ex), &a);
    cu_decode(rp, strlen(rp), &b);
    cu_decode(buf, n, &x);
    assert_int_equal(a.len, b.len);
    size_t han = 0, vs_exact = 0, vs_input = 0;
    for (size_t i = 0; i < a.len; i++) {
      if (!zf_is_han(x.cp[i])) continue;
      han++;
      vs_exact += a.cp[i] != b.cp[i];
      vs_input += i < x.len && b.cp[i] != x.cp[i] && a.cp[i] == x.cp[i];
    }
    printf("zh_TW through repair, --to=%s: %zu of %zu Han chars differ from OpenCC (%.3f%%), "
           "%zu of them changed where OpenCC keeps the input\n",
           targets[k] == ZHFIX_TO_TW ? "tw" : "trad", vs_exact, han, 100.0 * vs_exact / han, vs_input);
    /* Documented bound (docs/conversion.md): the repair re-reads only
     * ambiguous characters; where OpenCC keeps a character of clean text,
     * the repair may change at most 1 in 1000. */
    assert_true(vs_input * 1000 <= han);
    free(ex);
    free(rp);
    zf_text_free(&a);
    zf_text_free(&b);
    zf_text_free(&x);
    zf_stage_convert.destroy(sx);
    zf_stage_convert.destroy(sr);
  }
  free(buf);
}

/* Compares two texts, code points and offsets. */
static int same_text(const zf_text *a, const zf_text *b) {
  return a->len == b->len && (!a->len || (!memcmp(a->cp, b->cp, a->len * sizeof *a->cp) &&
                                          !memcmp(a->off, b->off, a->len * sizeof *a->off)));
}

/* The stage's output for one line into got (a line it leaves
 * unchanged copied). */
static void stage_line(void *st, const zf_text *line, zf_text *got, zf_stats *stats) {
  zf_text_clear(got);
  int rc = zf_stage_convert.run(st, line, got, stats);
  assert_true(rc == 0 || rc == ZF_UNCHANGED);
  if (rc == ZF_UNCHANGED) zf_text_append(got, line, 0, line->len);
}

/* A half-converted Traditional document to Simplified (the fold is the
 * exact plan, the way back the identity): a line with no Simplified form
 * takes the exact conversion without the repair's three passes
 * (zf_conv_repair_may_differ), and with t2s, which converts no
 * Simplified form, every line does (repair_same).  Every line the stage gives must be what
 * the repair itself gives, code points and offsets, on zh_TW, the sample
 * and lines with 么 (tw2s reads it as 幺, the repair keeps it); and both
 * kinds of line must occur, for tw lines the repair changes among them. */
static void test_repair_clean_lines(void **state) {
  (void)state;
  size_t n = 0, ns = 0;
  char *buf = cu_read(cu_corpus_path("zh_TW.txt"), &n);
  char *sample = cu_read(cu_src_path("data/samples/000_22c49fc42f219c9f.txt"), &ns);
  assert_non_null(buf);
  assert_non_null(sample);
  if (cu_quick() && n > 300000) n = 300000;
  static const char extra[] = "為什么這么做\n一么\n么么\n什么\n";
  size_t len = n + ns + sizeof extra - 1;
  char *all = malloc(len + 1);
  assert_non_null(all);
  memcpy(all, buf, n);
  memcpy(all + n, sample, ns);
  memcpy(all + n + ns, extra, sizeof extra);
  static const int scripts[] = {ZHFIX_SCRIPT_TW, ZHFIX_SCRIPT_TRAD};
  for (size_t k = 0; k < 2; k++) {
    zf_opts o = cu_opts(scripts[k], ZHFIX_TO_SIMP, 1);
    void *st;
    assert_int_equal(zf_stage_convert.create(&st, &o), 0);
    zf_text pre = {0}, line = {0}, got = {0}, want = {0}, ex = {0};
    cu_decode("这", strlen("这"), &pre);
    zf_stage_convert.prescan(st, &pre);
    conv *cv = st;
    assert_true(cv->doc_mixed || cv->repair_same); /* (repair_same: no window is read) */
    zf_stats stats;
    zf_stats_init(&stats);
    size_t skipped = 0, repaired = 0, differ = 0;
    for (size_t i = 0; i < len;) {
      size_t j = i;
      while (j < len && all[j] != '\n') j++;
      cu_decode(all + i, j - i, &line);
      i = j + 1;
      stage_line(st, &line, &got, &stats);
      zf_text_clear(&want);
      assert_int_equal(zf_conv_repair(cv, &line, &want, NULL), 0);
      if (!same_text(&got, &want)) fail_msg("line at byte %zu: the stage's output is not the repair's", j);
      zf_text_clear(&ex);
      assert_int_equal(zf_conv_run_config(cv, &cv->exact, &line, &ex), 0);
      int may = zf_conv_repair_may_differ(cv, &line);
      skipped += !may;
      repaired += (size_t)may;
      if (!same_text(&ex, &want)) {
        differ++;
        assert_true(may); /* a skipped line is the exact conversion */
      }
    }
    printf("--script=%s detected, --to=simp, half-converted document: %zu lines skip the repair, "
           "%zu take it, %zu of them changed by it\n",
           scripts[k] == ZHFIX_SCRIPT_TW ? "tw" : "trad", skipped, repaired, differ);
    if (scripts[k] == ZHFIX_SCRIPT_TW) {
      /* tw2s reads 么 as Taiwan's 幺; the repair keeps it */
      assert_false(cv->repair_same);
      assert_true(skipped > 1000);
      assert_true(repaired > 0);
      assert_true(differ > 0);
    } else {
      /* t2s keeps every Simplified form (么 too): no line is repaired,
       * and every one is still what the repair gives (above) */
      assert_true(cv->repair_same);
      assert_int_equal(repaired, 0);
    }
    zf_text_free(&pre);
    zf_text_free(&line);
    zf_text_free(&got);
    zf_text_free(&want);
    zf_text_free(&ex);
    zf_stage_convert.destroy(st);
  }
  free(all);
  free(buf);
  free(sample);
}

/* ---- the pass that answers wants_repair (conv.fuse_trad) ------------------ */

/* Edge lines: the only Traditional-only character of each where the
 * pass does not look it up on its own (past the first character of a
 * key, inside an ideographic description sequence, past the BMP), and
 * 頭, which it does, then 乾发, which the repair changes (乾 may be
 * residue of 干, 发 of 發).
 * Appended to lines: how many were added. */
static size_t hidden_trad_lines(const conv *cv, zf_text *lines) {
  const occ_shared *sh = cv->sh;
  const zf_occ_dict *d = &cv->t->d[cv->exact.step[0]];
  static const uint32_t tail[] = {0x4E7E, 0x53D1, '\n'}; /* 乾发 */
  size_t before = lines->len;
  uint32_t key[3];
#define PUSH(k, m)                                                                                     \
  do {                                                                                                 \
    for (size_t u = 0; u < (m); u++) zf_text_push(lines, (k)[u], 0);                                   \
    for (size_t u = 0; u < 3; u++) zf_text_push(lines, tail[u], 0);                                    \
  } while (0)
  /* keys of two and three characters whose Traditional-only characters
   * lie past the first (制醣) */
  for (uint32_t a = 0x3400; a < 0xA000; a++) {
    uint32_t r = zf_occ_root(d, a);
    if (!r || sf_one(sh, SF_TRAD_ONLY, a)) continue;
    const uint32_t *nd = d->nodes + 3u * (size_t)r;
    size_t slots = ZF_OCC_NCHILD(nd[2]) ? occ_child_slots(ZF_OCC_NCHILD(nd[2])) : 0;
    for (size_t j = 0; j < slots; j++) {
      uint32_t b = d->ccp[nd[0] + j], n2 = d->cnode[nd[0] + j];
      if (b == ZF_OCC_EMPTY) continue;
      const uint32_t *nd2 = d->nodes + 3u * (size_t)n2;
      key[0] = a;
      key[1] = b;
      if ((nd2[2] & d->vm) && sf_one(sh, SF_TRAD_ONLY, b)) PUSH(key, 2);
      size_t slots2 = ZF_OCC_NCHILD(nd2[2]) ? occ_child_slots(ZF_OCC_NCHILD(nd2[2])) : 0;
      for (size_t j2 = 0; j2 < slots2; j2++) {
        uint32_t c = d->ccp[nd2[0] + j2], n3 = d->cnode[nd2[0] + j2];
        key[2] = c;
        if (c != ZF_OCC_EMPTY && (d->nodes[3u * (size_t)n3 + 2] & d->vm) &&
            (sf_one(sh, SF_TRAD_ONLY, b) || sf_one(sh, SF_TRAD_ONLY, c)))
          PUSH(key, 3);
      }
    }
  }
  /* 頭 where the pass looks it up (the plain case) */
  key[0] = 0x982D;
  PUSH(key, 1);
  /* ⿰氵醣 and every Traditional-only character past the BMP */
  key[0] = 0x2FF0;
  key[1] = 0x6C35;
  key[2] = 0x91A3;
  PUSH(key, 3);
  for (uint32_t c = 0x10000; c < 0x110000; c++)
    if (sf_one(sh, SF_TRAD_ONLY, c)) PUSH(&c, 1);
#undef PUSH
  return lines->len - before;
}

/* Simplified text to a Traditional target (s2t, s2tw, s2twp, s2hk,
 * s2hkp, script detected): the pass's own answer to "does the line hold a Traditional-only character"
 * (fuse_trad) sends every line where wants_repair's two scans send it.
 * Each line of zh_CN, the sample and the edge lines above is compared
 * with what the two scans decide (the repair where the line holds both
 * scripts, else the exact conversion); the edge lines are built so that
 * the repair changes them, so a pass that misses the hidden character
 * fails here. */
static void fused_trad_to(int to, const char *buf, size_t n) {
  zf_opts o = cu_opts(ZHFIX_SCRIPT_SIMP, to, 1);
  void *st;
  assert_int_equal(zf_stage_convert.create(&st, &o), 0);
  conv *cv = st;
  assert_true(cv->fuse_trad);
  /* the tail of the edge lines holds no Traditional-only character */
  assert_false(sf_one(cv->sh, SF_TRAD_ONLY, 0x4E7E) || sf_one(cv->sh, SF_TRAD_ONLY, 0x53D1));
  zf_text all = {0}, line = {0}, got = {0}, want = {0}, ex = {0};
  cu_decode(buf, n, &all);
  zf_text_push(&all, '\n', 0);
  cu_decode(sample_text(), strlen(sample_text()), &line);
  zf_text_append(&all, &line, 0, line.len);
  size_t edge_at = all.len, edge = hidden_trad_lines(cv, &all);
  assert_true(edge > 20);
  zf_stats stats;
  zf_stats_init(&stats);
  size_t repaired = 0, hidden_changed = 0, edge_lines = 0;
  for (size_t i = 0; i < all.len;) {
    size_t j = i;
    while (j < all.len && all.cp[j] != '\n') j++;
    zf_text_clear(&line);
    zf_text_append(&line, &all, i, j - i);
    stage_line(st, &line, &got, &stats);
    int mixed = sf_any(cv->sh, SF_TRAD_ONLY, line.cp, line.len) && sf_any(cv->sh, SF_SIMP_ONLY, line.cp, line.len);
    zf_text_clear(&want);
    zf_text_clear(&ex);
    assert_int_equal(zf_conv_run_config(cv, &cv->exact, &line, &ex), 0);
    if (mixed) assert_int_equal(zf_conv_repair(cv, &line, &want, NULL), 0);
    else zf_text_append(&want, &ex, 0, ex.len);
    if (!same_text(&got, &want))
      fail_msg("--to=%d, line at character %zu (%s): the stage's output is not what wants_repair decides", to, i,
               i >= edge_at ? "edge line" : "text");
    repaired += (size_t)mixed;
    if (i >= edge_at) {
      assert_true(mixed); /* each edge line holds both scripts */
      hidden_changed += !same_text(&ex, &want);
      edge_lines++;
    }
    i = j + 1;
  }
  printf("--to=%d, detected Simplified: %zu lines repaired, %zu of them edge lines, %zu of those changed by the repair\n",
         to, repaired, edge_lines, hidden_changed);
  assert_true(hidden_changed >= 10); /* the keys with 醣 顗 騞, ⿰氵醣, the astral characters */
  zf_text_free(&all);
  zf_text_free(&line);
  zf_text_free(&got);
  zf_text_free(&want);
  zf_text_free(&ex);
  zf_stage_convert.destroy(st);
}

static void test_fused_trad(void **state) {
  (void)state;
  size_t n = 0;
  char *buf = cu_read(cu_corpus_path("zh_CN.txt"), &n);
  assert_non_null(buf);
  if (cu_quick() && n > 300000) n = 300000;
  static const int tos[] = {ZHFIX_TO_TRAD, ZHFIX_TO_TW, ZHFIX_TO_TWP, ZHFIX_TO_HK, ZHFIX_TO_HKP};
  for (size_t k = 0; k < sizeof tos / sizeof tos[0]; k++) fused_trad_to(tos[k], buf, k ? (n < 300000 ? n : 300000) : n);
  free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_no_invented_words),
      cmocka_unit_test(test_sample_residue),
      cmocka_unit_test(test_mixed_corpus),
      cmocka_unit_test(test_pure_trad_repair),
      cmocka_unit_test(test_repair_clean_lines),
      cmocka_unit_test(test_fused_trad),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
