/*
 * Language model: the fold table, the lexicon, and the discrimination the
 * repair stages and encoding detection rely on, measured on held-out corpus
 * text (manpages-zh; the model is built from jieba's word list only):
 *  - a true sentence against the same sentence with one Han character
 *    replaced by a random common character;
 *  - real text against its wrong decodes (GBK read as Big5, Big5 read as
 *    GBK, UTF-8 read as GBK, UTF-8 read as Windows-1252, GBK read as
 *    Latin-1), whole lines and two-character spans;
 *  - a 20-character line decoded as GB18030 against decoded as Big5.
 * The thresholds sit below the figures measured when the model was built
 * (docs/lm.md), by a margin for sampling noise, not at "what passes".
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unistd.h>
#include <unicode/ucnv.h>

#include "lm.h"
#include "tu.h"
#include "zf.h"

/* ---- helpers ------------------------------------------------------------ */

static size_t u32(const char *s, size_t len, uint32_t *out, size_t cap) {
  const unsigned char *p = (const unsigned char *)s, *end = p + len;
  size_t n = 0;
  while (p < end && n < cap) {
    uint32_t c = *p++;
    int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    if (more) c &= 0x3Fu >> more;
    while (more-- > 0 && p < end) c = (c << 6) | (*p++ & 0x3Fu);
    out[n++] = c;
  }
  return n;
}

static double score_s(const char *s) {
  uint32_t c[256];
  return zf_lm_score(c, u32(s, strlen(s), c, 256));
}

static uint32_t ch(const char *s) {
  uint32_t c[2] = {0, 0};
  u32(s, strlen(s), c, 1);
  return c[0];
}

/* Converts code points to bytes in `cs`; returns the byte count, or 0 when
 * a character has no mapping (the test then skips that text). */
static size_t encode(const uint32_t *cp, size_t n, const char *cs, char *out, size_t cap) {
  UErrorCode err = U_ZERO_ERROR;
  UConverter *cv = ucnv_open(cs, &err);
  if (U_FAILURE(err)) return 0;
  ucnv_setFromUCallBack(cv, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL, &err);
  UChar u[1024];
  size_t k = 0;
  for (size_t i = 0; i < n && k + 2 < 1024; i++) {
    if (cp[i] >= 0x10000) {
      u[k++] = (UChar)(0xD7C0 + (cp[i] >> 10));
      u[k++] = (UChar)(0xDC00 | (cp[i] & 0x3FF));
    } else {
      u[k++] = (UChar)cp[i];
    }
  }
  int32_t len = ucnv_fromUChars(cv, out, (int32_t)cap, u, (int32_t)k, &err);
  ucnv_close(cv);
  return U_FAILURE(err) ? 0 : (size_t)len;
}

/* Decodes bytes as `cs` the way a careless reader does: invalid or
 * unmapped sequences become U+FFFD (ICU's default substitution). */
static size_t decode(const char *b, size_t n, const char *cs, uint32_t *out, size_t cap) {
  UErrorCode err = U_ZERO_ERROR;
  UConverter *cv = ucnv_open(cs, &err);
  if (U_FAILURE(err)) return 0;
  const char *s = b, *end = b + n;
  size_t k = 0;
  while (s < end && k < cap && U_SUCCESS(err)) {
    UChar32 c = ucnv_getNextUChar(cv, &s, end, &err);
    if (U_SUCCESS(err)) out[k++] = (uint32_t)c;
  }
  ucnv_close(cv);
  return k;
}

/* Deterministic generator (xorshift), so the figures are reproducible. */
static uint32_t rnd(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return (uint32_t)(*s >> 11);
}

static size_t count_han(const uint32_t *c, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += zf_is_han(c[i]) != 0;
  return k;
}

/* Iterates the corpus lines with at least min_han Han characters, as code
 * points; returns 0 at the end or after max lines. */
typedef struct {
  char *text;
  tu_lines it;
  size_t seen, max;
} corpus_iter;

static int corpus_open(corpus_iter *ci, const char *name, size_t max) {
  size_t len;
  ci->text = tu_read_file(tu_corpus(name), &len);
  if (!ci->text) {
    fprintf(stderr, "corpus %s missing\n", name);
    return 0;
  }
  ci->it.p = ci->text;
  ci->it.end = ci->text + len;
  ci->seen = 0;
  ci->max = tu_quick() ? max / 10 : max;
  return 1;
}

static size_t corpus_next(corpus_iter *ci, uint32_t *c, size_t cap, size_t min_han) {
  size_t len;
  const char *l;
  while (ci->seen < ci->max && (l = tu_next_line(&ci->it, &len)) != NULL) {
    size_t n = u32(l, len, c, cap);
    if (n == cap || count_han(c, n) < min_han) continue;
    ci->seen++;
    return n;
  }
  return 0;
}

/* ---- unit tests --------------------------------------------------------- */

static void test_fold(void **state) {
  (void)state;
  assert_int_equal(zf_lm_fold(ch("們")), ch("们"));
  assert_int_equal(zf_lm_fold(ch("關")), ch("关"));
  assert_int_equal(zf_lm_fold(ch("裏")), ch("里"));
  assert_int_equal(zf_lm_fold(ch("裡")), ch("里")); /* Taiwan variant */
  assert_int_equal(zf_lm_fold(ch("網")), ch("网"));
  assert_int_equal(zf_lm_fold(ch("台")), ch("台"));
  assert_int_equal(zf_lm_fold(ch("们")), ch("们"));
  assert_int_equal(zf_lm_fold('a'), 'a');
  assert_int_equal(zf_lm_fold(0x20000), 0x20000);
  assert_int_equal(zf_lm_fold(0x10FFFF), 0x10FFFF);
  assert_int_equal(zf_lm_fold(0x110000), 0x110000);
  /* folding is idempotent */
  for (uint32_t c = 0x3400; c < 0xA000; c++) {
    uint32_t f = zf_lm_fold(c);
    assert_int_equal(zf_lm_fold(f), f);
  }
}

static void test_char_and_bigram(void **state) {
  (void)state;
  /* common characters far above the garbage of wrong decodes */
  assert_true(zf_lm_char(ch("的")) > zf_lm_char(ch("鎴")) + 2);
  assert_true(zf_lm_char(ch("国")) > zf_lm_char(ch("蠅")) + 2);
  /* Traditional scored as its Simplified form */
  assert_true(zf_lm_char(ch("們")) == zf_lm_char(ch("们")));
  assert_true(zf_lm_bigram(ch("我"), ch("們")) == zf_lm_bigram(ch("我"), ch("们")));
  /* unseen characters get a floor below every lexicon character */
  float floor_han = zf_lm_char(0x2A6D6); /* Extension B */
  assert_true(isfinite(floor_han));
  assert_true(floor_han < zf_lm_char(ch("鎴")) || zf_lm_char(ch("鎴")) < -6);
  assert_true(isfinite(zf_lm_char(0x10FFFF)));
  assert_true(isfinite(zf_lm_char(0xFFFFFFFF)));
  assert_true(isfinite(zf_lm_bigram(0, 0xFFFFFFFF)));
  /* ... and after any character, below every lexicon character */
  const uint32_t ctx[] = {ch("的"), ch("国"), ch("，"), 'a', ' '};
  for (size_t k = 0; k < sizeof ctx / sizeof ctx[0]; k++) {
    float unseen = zf_lm_bigram(ctx[k], 0x2A6D6);
    for (uint32_t c = 0x4E00; c <= 0x9FFF; c++) {
      uint32_t w[1] = {c};
      if (zf_lm_word(w, 1, NULL)) assert_true(zf_lm_bigram(ctx[k], c) > unseen);
    }
  }
  assert_true(zf_lm_known(ch("们")));
  assert_true(zf_lm_known(ch("們")));
  assert_false(zf_lm_known(ch("戜")));
  assert_false(zf_lm_known(ch("紝"))); /* jieba's mojibake, dropped */
  assert_false(zf_lm_known(0x2A6D6));
  assert_false(zf_lm_known('a'));
  /* a word-internal pair beats the same characters reversed */
  assert_true(zf_lm_bigram(ch("我"), ch("们")) > zf_lm_bigram(ch("们"), ch("我")));
  assert_true(zf_lm_bigram(ch("中"), ch("国")) > zf_lm_bigram(ch("中"), ch("鎴")));
  /* probabilities */
  for (uint32_t c = 0; c < 0x30000; c += 7) {
    assert_true(zf_lm_char(c) < 0);
    assert_true(zf_lm_bigram(ch("的"), c) < 0);
  }
  /* score = char + bigrams */
  uint32_t s[3] = {ch("中"), ch("国"), ch("人")};
  double want = zf_lm_char(s[0]) + zf_lm_bigram(s[0], s[1]) + zf_lm_bigram(s[1], s[2]);
  assert_true(fabs(zf_lm_score(s, 3) - want) < 1e-3);
  assert_true(zf_lm_score(s, 0) == 0.0);
}

static void test_words(void **state) {
  (void)state;
  uint32_t w[8];
  float f1 = 0, f2 = 0;
  assert_true(zf_lm_word(w, u32("我们", strlen("我们"), w, 8), &f1));
  assert_true(zf_lm_word(w, u32("我們", strlen("我們"), w, 8), &f2)); /* folded */
  assert_true(f1 == f2);
  assert_true(f1 < 0 && f1 > -5);
  assert_true(zf_lm_word(w, u32("的", strlen("的"), w, 8), NULL));
  assert_true(zf_lm_word(w, u32("中华人民共和国", strlen("中华人民共和国"), w, 8), &f1));
  assert_true(f1 < f2);
  assert_false(zf_lm_word(w, u32("们我", strlen("们我"), w, 8), &f1));
  assert_true(f1 < -50);
  assert_false(zf_lm_word(w, u32("鎴戜", strlen("鎴戜"), w, 8), NULL));
  assert_false(zf_lm_word(w, u32("ab", 2, w, 8), NULL));
  assert_false(zf_lm_word(w, 0, NULL));
}

/* Reference for zf_lm_segment_score: the same dynamic programme over a
 * full array (lm.c keeps a ring of 32 positions; this checks the ring).
 * 2.0 is lm.c's SEG_LONE_HAN. */
static double segment_ref(const uint32_t *c, size_t n) {
  double *best = malloc((n + 1) * sizeof *best);
  best[0] = 0;
  for (size_t i = 1; i <= n; i++) best[i] = -1e300;
  for (size_t i = 0; i < n; i++) {
    double v = best[i] + zf_lm_char(c[i]) - (zf_is_han(c[i]) ? 2.0 : 0.0);
    if (v > best[i + 1]) best[i + 1] = v;
    for (size_t k = 1; k <= 31 && i + k <= n; k++) {
      float f;
      if (zf_lm_word(c + i, k, &f) && best[i] + f > best[i + k]) best[i + k] = best[i] + f;
    }
  }
  double r = best[n];
  free(best);
  return r;
}

/* zf_lm_word's prefilter: every word of the lexicon passes it (the
 * answers are the lexicon's), and it rejects most strings (a filter with
 * every bit set would pass this first half and save nothing). */
static void test_word_filter(void **state) {
  (void)state;
  size_t nwords = 0;
  double fill = 1;
  assert_int_equal(zf_lm_word_filter_check(&nwords, &fill), 1);
  assert_true(nwords > 100000);
  assert_true(fill > 0.01 && fill < 0.3);
  uint32_t w[8];
  /* words of every length still found, non-words still refused */
  assert_true(zf_lm_word(w, u32("中华人民共和国", strlen("中华人民共和国"), w, 8), NULL));
  assert_true(zf_lm_word(w, u32("快捷键", strlen("快捷键"), w, 8), NULL));
  assert_false(zf_lm_word(w, u32("辦豎瑩", strlen("辦豎瑩"), w, 8), NULL));
}

static void test_segment(void **state) {
  (void)state;
  uint32_t c[64];
  size_t n = u32("中华人民共和国", strlen("中华人民共和国"), c, 64);
  float f;
  assert_true(zf_lm_word(c, n, &f));
  assert_true(fabs(zf_lm_segment_score(c, n) - f) < 1e-3); /* one word is best */
  assert_true(zf_lm_segment_score(c, 0) == 0.0);
  /* words beat the same characters shuffled */
  uint32_t d[64];
  size_t m = u32("民人和国华中共", strlen("民人和国华中共"), d, 64);
  assert_true(zf_lm_segment_score(c, n) > zf_lm_segment_score(d, m));
  /* the ring buffer agrees with the full programme on long corpus lines */
  corpus_iter ci;
  if (!corpus_open(&ci, "zh_CN.txt", 2000)) skip();
  uint32_t line[1024];
  size_t checked = 0;
  while ((n = corpus_next(&ci, line, 1024, 8)) > 0) {
    if (n < 40) continue;
    double a = zf_lm_segment_score(line, n), b = segment_ref(line, n);
    assert_true(fabs(a - b) < 1e-6 * (1 + fabs(b)));
    assert_true(fabs(zf_lm_rank_score(line, n) - (a + zf_lm_score(line, n))) < 1e-6 * (1 + fabs(b)));
    checked++;
  }
  free(ci.text);
  assert_true(checked > 20);
  /* a long input in one call (memory does not grow with n) */
  size_t big = 200000;
  uint32_t *t = malloc(big * sizeof *t);
  for (size_t i = 0; i < big; i++) t[i] = c[i % 7];
  double s = zf_lm_segment_score(t, big);
  assert_true(isfinite(s) && s < 0);
  free(t);
}

/* The mojibake shapes named in the issues, against their repairs. */
static void test_mojibake_shapes(void **state) {
  (void)state;
  const char *pairs[][2] = {
      {"我们", "鎴戜滑"},          /* UTF-8 read as GBK     */
      {"我们", "扂蠅"},            /* GBK read as Big5      */
      {"我是", "и琌"},             /* Big5 read as GBK      */
      {"我们", "æˆ‘ä»¬"},          /* UTF-8 read as cp1252  */
      {"我们", "ÎÒÃÇ"},            /* GBK read as Latin-1   */
      {"中文", "涓枃"},            /* UTF-8 read as GBK     */
      {"锟斤拷", "锟斤拷锟斤拷"},  /* more of the same garbage scores lower */
  };
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    double good = score_s(pairs[i][0]), bad = score_s(pairs[i][1]);
    if (!(good > bad)) fprintf(stderr, "%s %.2f vs %s %.2f\n", pairs[i][0], good, pairs[i][1], bad);
    assert_true(good > bad);
  }
  /* Real mixed text is not improbable: an English name, a year and CJK
   * punctuation cost about what a Han word does, per character. */
  double mixed = score_s("SpaceX在2024年发射了火箭，");
  assert_true(mixed / 19 > -3.0);
  assert_true(score_s("2024年") > score_s("鎴戜滑"));
  /* French stays far likelier than Latin-1 mojibake of Chinese */
  assert_true(score_s("café") > score_s("ÎÒÃÇ"));
  /* Legitimate Latin-1 words outscore their re-decodings as GBK/Big5 (what
   * a repair would produce if it took them for mojibake). */
  const char *latin[][2] = {
      {"café", "caf茅"},     {"Müller", "M黮ler"},  {"Müller", "M眉ller"},
      {"Straße", "Stra遝"},  {"garçon", "gar莽on"}, {"résumé", "r茅sum茅"},
      {"Größe", "Gr鲞e"},    {"über", "黚er"},      {"über", "眉ber"},
      {"El Niño", "El Ni隳"}, {"Zürich", "Z眉rich"}, {"Bjørn", "Bj鴕n"},
  };
  for (size_t i = 0; i < sizeof latin / sizeof latin[0]; i++)
    assert_true(score_s(latin[i][0]) > score_s(latin[i][1]) + 0.5);
}

/* The tables are read-only: threads scoring the same text concurrently get
 * exactly the single-threaded results. */
typedef struct {
  const uint32_t *c;
  size_t n;
  double score, rank;
} score_job;

static void *score_thread(void *arg) {
  score_job *j = arg;
  for (int r = 0; r < 20; r++) {
    j->score = zf_lm_score(j->c, j->n);
    j->rank = zf_lm_rank_score(j->c, j->n);
  }
  return NULL;
}

static void test_threads(void **state) {
  (void)state;
  static uint32_t c[4096];
  const char *text = "我们在2024年用SpaceX的火箭，把測試資料送到了國際太空站。";
  size_t n = u32(text, strlen(text), c, 4096);
  for (size_t i = n; i < 4096; i++) c[i] = c[i % n];
  double want = zf_lm_score(c, 4096), want_rank = zf_lm_rank_score(c, 4096);
  pthread_t t[4];
  score_job j[4];
  for (int i = 0; i < 4; i++) {
    j[i] = (score_job){c, 4096, 0, 0};
    assert_int_equal(pthread_create(&t[i], NULL, score_thread, &j[i]), 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    assert_true(j[i].score == want);
    assert_true(j[i].rank == want_rank);
  }
}

/* ---- corpus measurements ---------------------------------------------- */

/* Share of Han tokens of a corpus that the lexicon knows after folding:
 * Traditional text must be covered about as well as Simplified, or the
 * fold is missing characters. */
static double known_rate(const char *name) {
  corpus_iter ci;
  if (!corpus_open(&ci, name, (size_t)-1)) return -1;
  ci.max = (size_t)-1;
  uint32_t c[2048];
  size_t n, han = 0, known = 0;
  while ((n = corpus_next(&ci, c, 2048, 1)) > 0)
    for (size_t i = 0; i < n; i++)
      if (zf_is_han(c[i])) {
        han++;
        known += zf_lm_known(c[i]) != 0;
      }
  free(ci.text);
  double r = han ? (double)known / (double)han : 0;
  fprintf(stderr, "%s: %zu Han tokens, %.4f%% in the lexicon\n", name, han, 100 * r);
  return r;
}

static void test_coverage(void **state) {
  (void)state;
  double cn = known_rate("zh_CN.txt"), tw = known_rate("zh_TW.txt");
  if (cn < 0 || tw < 0) skip();
  /* measured 99.9998% for both */
  assert_true(cn > 0.9995);
  assert_true(tw > 0.9995);
}


/* Share of lines where the true line outscores it with one Han character
 * replaced by a random character drawn from the corpus' common ones. */
static double substitution_rate(const char *name, size_t max, size_t nsub, double *rank_rate) {
  corpus_iter ci;
  if (!corpus_open(&ci, name, max)) return -1;
  /* the common characters of this corpus (>= 30 occurrences), folded */
  static uint32_t cnt[0x10000];
  memset(cnt, 0, sizeof cnt);
  {
    uint32_t c[2048];
    corpus_iter all;
    if (!corpus_open(&all, name, (size_t)-1)) return -1;
    all.max = (size_t)-1;
    size_t n;
    while ((n = corpus_next(&all, c, 2048, 1)) > 0)
      for (size_t i = 0; i < n; i++)
        if (c[i] < 0x10000 && zf_is_han(c[i])) cnt[c[i]]++;
    free(all.text);
  }
  static uint32_t pool[0x10000];
  size_t npool = 0;
  for (uint32_t c = 0; c < 0x10000; c++)
    if (cnt[c] >= 30) pool[npool++] = c;
  uint64_t seed = 0x9E3779B97F4A7C15ull;
  size_t trials = 0, wins = 0, rwins = 0;
  uint32_t c[1024], d[1024];
  size_t n;
  while ((n = corpus_next(&ci, c, 1024, 6)) > 0) {
    /* one trial per line; the model never saw the corpus */
    /* nsub adjacent Han characters replaced (the farm repair's candidates
     * differ in one or two characters) */
    size_t pos;
    int tries = 0;
    do pos = rnd(&seed) % (n - nsub + 1);
    while ((!zf_is_han(c[pos]) || !zf_is_han(c[pos + nsub - 1])) && ++tries < 100);
    if (tries == 100) continue;
    memcpy(d, c, n * sizeof *c);
    for (size_t k = 0; k < nsub; k++) {
      uint32_t sub;
      do sub = pool[rnd(&seed) % npool];
      while (zf_lm_fold(sub) == zf_lm_fold(c[pos + k]));
      d[pos + k] = sub;
    }
    trials++;
    wins += zf_lm_score(c, n) > zf_lm_score(d, n);
    rwins += zf_lm_rank_score(c, n) > zf_lm_rank_score(d, n);
  }
  free(ci.text);
  double r = trials ? (double)wins / (double)trials : 0;
  *rank_rate = trials ? (double)rwins / (double)trials : 0;
  fprintf(stderr,
          "%s: true line beats %zu-character substitution in %zu/%zu = %.2f%% "
          "(zf_lm_rank_score: %.2f%%)\n",
          name, nsub, wins, trials, 100 * r, 100 * *rank_rate);
  return r;
}

static void test_substitution(void **state) {
  (void)state;
  double cn_rank, tw_rank, cn2_rank, tw2_rank;
  double cn = substitution_rate("zh_CN.txt", 20000, 1, &cn_rank);
  double tw = substitution_rate("zh_TW.txt", 20000, 1, &tw_rank);
  double cn2 = substitution_rate("zh_CN.txt", 20000, 2, &cn2_rank);
  double tw2 = substitution_rate("zh_TW.txt", 20000, 2, &tw2_rank);
  if (cn < 0 || tw < 0) skip();
  /* measured 96.5% / 95.8% (rank score 97.2% / 96.8%) on 20000 lines;
   * the margin covers the 2000-line sample of ZHFIX_QUICK */
  assert_true(cn > 0.94);
  assert_true(tw > 0.93);
  assert_true(cn_rank > 0.95);
  assert_true(tw_rank > 0.94);
  /* the segmentation score is what sharpens the ranking */
  assert_true(cn_rank > cn);
  assert_true(tw_rank > tw);
  /* two adjacent characters: measured 98.2% / 98.3% (rank 98.8% / 99.0%) */
  assert_true(cn2 > 0.97);
  assert_true(tw2 > 0.965);
  assert_true(cn2_rank > 0.975);
  assert_true(tw2_rank > 0.97);
}

/* Share of lines where the true line outscores it with one CJK
 * punctuation mark moved one character left or right (swapped with a
 * neighbouring Han character): where punctuation falls is what the farm
 * repair's punctuation candidates (?!? spans) differ in. */
static double punct_rate(const char *name, size_t max, double *rank_rate) {
  corpus_iter ci;
  if (!corpus_open(&ci, name, max)) return -1;
  uint32_t c[1024], d[1024];
  size_t n, trials = 0, wins = 0, rwins = 0;
  uint64_t seed = 0x2545F4914F6CDD1Dull;
  while ((n = corpus_next(&ci, c, 1024, 6)) > 0) {
    size_t cand[64], nc = 0;
    for (size_t i = 1; i + 1 < n && nc < 64; i++)
      if ((c[i] == 0xFF0C || c[i] == 0x3002 || c[i] == 0x3001 || c[i] == 0xFF1A) &&
          zf_is_han(c[i - 1]) && zf_is_han(c[i + 1]))
        cand[nc++] = i;
    if (nc == 0) continue;
    size_t i = cand[rnd(&seed) % nc], j = (rnd(&seed) & 1) ? i + 1 : i - 1;
    memcpy(d, c, n * sizeof *c);
    d[i] = c[j];
    d[j] = c[i];
    trials++;
    wins += zf_lm_score(c, n) > zf_lm_score(d, n);
    rwins += zf_lm_rank_score(c, n) > zf_lm_rank_score(d, n);
  }
  free(ci.text);
  double r = trials ? (double)wins / (double)trials : 0;
  *rank_rate = trials ? (double)rwins / (double)trials : 0;
  fprintf(stderr,
          "%s: true line beats a punctuation mark moved by one in %zu/%zu = %.2f%% "
          "(zf_lm_rank_score: %.2f%%)\n",
          name, wins, trials, 100 * r, 100 * *rank_rate);
  return r;
}

static void test_punct_position(void **state) {
  (void)state;
  double cn_rank, tw_rank;
  double cn = punct_rate("zh_CN.txt", 20000, &cn_rank);
  double tw = punct_rate("zh_TW.txt", 20000, &tw_rank);
  if (cn < 0 || tw < 0) skip();
  /* measured 88.5% / 89.0% (rank 88.8% / 89.5%) on about 7000 lines each;
   * the margin covers the 700-line sample of ZHFIX_QUICK.  A Han run ending
   * with probability proportional to the character's word-final share was
   * tried and measured worse (86.1% / 84.6% against 87.3% / 86.4% then):
   * 的 ends words, not phrases. */
  assert_true(cn > 0.83);
  assert_true(tw > 0.82);
  assert_true(cn_rank > 0.83);
  assert_true(tw_rank > 0.82);
}

typedef struct {
  const char *name, *enc, *wrong; /* encode as enc, decode as wrong */
} garble;

/* Share of lines (and of two-Han-character spans) whose wrong decode
 * scores lower than the text itself.  Lines the encoding cannot carry, and
 * wrong decodes that happen to give the same text, are skipped. */
static void garbage_rate(const char *corpus, const garble *g, size_t max, double *line_rate,
                         double *span_rate) {
  corpus_iter ci;
  *line_rate = *span_rate = -1;
  if (!corpus_open(&ci, corpus, max)) return;
  uint32_t c[1024], w[4096];
  char b[4096];
  size_t n, lines = 0, lwins = 0, spans = 0, swins = 0;
  while ((n = corpus_next(&ci, c, 1024, 4)) > 0) {
    size_t nb = encode(c, n, g->enc, b, sizeof b);
    if (nb == 0) continue;
    size_t nw = decode(b, nb, g->wrong, w, 4096);
    if (nw == n && !memcmp(w, c, n * sizeof *c)) continue;
    lines++;
    lwins += zf_lm_score(c, n) > zf_lm_score(w, nw);
    /* first pair of adjacent Han characters, alone */
    for (size_t i = 0; i + 1 < n; i++) {
      if (!zf_is_han(c[i]) || !zf_is_han(c[i + 1])) continue;
      nb = encode(c + i, 2, g->enc, b, sizeof b);
      nw = nb ? decode(b, nb, g->wrong, w, 16) : 0;
      if (nw == 0 || (nw == 2 && w[0] == c[i] && w[1] == c[i + 1])) break;
      spans++;
      int ok = zf_lm_score(c + i, 2) > zf_lm_score(w, nw);
      swins += ok;
      if (!ok && getenv("ZHFIX_LM_SHOW")) {
        unsigned char o[8];
        for (size_t j = 0; j < 2; j++) fwrite(o, 1, (size_t)zf_utf8_put(c[i + j], o), stderr);
        fprintf(stderr, " %.2f < ", zf_lm_score(c + i, 2));
        for (size_t j = 0; j < nw; j++) fwrite(o, 1, (size_t)zf_utf8_put(w[j], o), stderr);
        fprintf(stderr, " %.2f\n", zf_lm_score(w, nw));
      }
      break;
    }
  }
  free(ci.text);
  *line_rate = lines ? (double)lwins / (double)lines : 0;
  *span_rate = spans ? (double)swins / (double)spans : 0;
  fprintf(stderr, "%-22s %s: lines %zu/%zu = %.2f%%, 2-char spans %zu/%zu = %.2f%%\n", g->name,
          corpus, lwins, lines, 100 * *line_rate, swins, spans, 100 * *span_rate);
}

static void test_garbage(void **state) {
  (void)state;
  static const garble cases[] = {
      {"GBK read as Big5", "GB18030", "Big5"},
      {"Big5 read as GBK", "Big5", "GB18030"},
      {"UTF-8 read as GBK", "UTF-8", "GB18030"},
      {"UTF-8 read as cp1252", "UTF-8", "windows-1252"},
      {"GBK read as Latin-1", "GB18030", "ISO-8859-1"},
      {"Big5 read as Latin-1", "Big5", "ISO-8859-1"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *corpus = strstr(cases[i].enc, "Big5") ? "zh_TW.txt" : "zh_CN.txt";
    double lr, sr;
    garbage_rate(corpus, &cases[i], 5000, &lr, &sr);
    if (lr < 0) skip();
    /* measured: 100% of lines; spans 99.94% (Big5 read as GBK) to 100% */
    assert_true(lr > 0.995);
    assert_true(sr > 0.99);
  }
}

/* A 20-character line encoded as GB18030 (zh_CN) or Big5 (zh_TW), decoded
 * both ways: the right decode must score higher. */
static void detect_rate(const char *corpus, const char *enc, const char *other, double *rate) {
  corpus_iter ci;
  *rate = -1;
  if (!corpus_open(&ci, corpus, 5000)) return;
  uint32_t c[1024], w1[64], w2[64];
  char b[256];
  size_t n, trials = 0, wins = 0;
  while ((n = corpus_next(&ci, c, 1024, 10)) > 0) {
    if (n < 20) continue;
    size_t nb = encode(c, 20, enc, b, sizeof b);
    if (nb == 0) continue;
    size_t n1 = decode(b, nb, enc, w1, 64), n2 = decode(b, nb, other, w2, 64);
    if (n2 == n1 && !memcmp(w1, w2, n1 * sizeof *w1)) continue; /* ASCII only */
    trials++;
    wins += zf_lm_score(w1, n1) > zf_lm_score(w2, n2);
  }
  free(ci.text);
  *rate = trials ? (double)wins / (double)trials : 0;
  fprintf(stderr, "20-char %s lines of %s: right decode wins %zu/%zu = %.2f%%\n", enc, corpus,
          wins, trials, 100 * *rate);
}

static void test_detect_short(void **state) {
  (void)state;
  double gb, big5;
  detect_rate("zh_CN.txt", "GB18030", "Big5", &gb);
  detect_rate("zh_TW.txt", "Big5", "GB18030", &big5);
  if (gb < 0 || big5 < 0) skip();
  /* measured 99.95% and 100% */
  assert_true(gb > 0.995);
  assert_true(big5 > 0.995);
}

/* ---- the model of text in any language (issue 13) -------------------------- */

/* Clean text of many scripts scores better under the model of text in any
 * language than its UTF-8 read as Windows-1252, and than a Chinese
 * text's GBK or Big5 bytes read as Windows-1252: what lets the mojibake
 * stage tell a repair from a rewrite of clean text.  None of these lines
 * is training text (the generator reads catalogues and man pages). */
static void test_other_model(void **state) {
  (void)state;
  static const char *const clean[] = {
      "Die Straße war naß, »Ziel« erreicht – schön!",
      "« Bonjour », dit-il ; l'élève répondit : « déjà vu ».",
      "¡Hola! ¿Qué tal? El niño comió piñas en el año 2024.",
      "Ελληνικά: «Καλημέρα», είπε η γιαγιά.",
      "Русский текст: «Привет», — сказал он, улыбаясь.",
      "Українська мова: «Доброго ранку», їжак і ґанок.",
      "עברית היא שפה שמית, נכתבת מימין לשמאל.",
      "العربية لغة سامية يتحدثها أكثر من مليار إنسان.",
      "日本語のテキストです。ファイルを開いてください。",
      "한국어 텍스트입니다. 서울에서 회의를 개최합니다.",
      "ภาษาไทยเป็นภาษาราชการของประเทศไทย",
      "हिन्दी भारत की राजभाषा है।",
      "Türkçe: Şişli'de güzel bir gün, ığdır çiçekleri.",
      "Čeština: Příliš žluťoučký kůň úpěl ďábelské ódy.",
      "Tiếng Việt có dấu: Người Việt Nam yêu nước.",
  };
  int worst_i = -1;
  double worst = 1e9;
  for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++) {
    uint32_t c[256], g[1024];
    size_t n = decode(clean[i], strlen(clean[i]), "UTF-8", c, 256);
    assert_true(n > 0);
    char b[1024];
    size_t nb = encode(c, n, "UTF-8", b, sizeof b);
    size_t ng = decode(b, nb, "windows-1252", g, 1024);
    double sc = zf_lm_any_score(0, c, n), sg = zf_lm_any_score(0, g, ng);
    if (sc - sg < worst) worst = sc - sg, worst_i = (int)i;
    assert_true(sc > sg);
  }
  fprintf(stderr, "any-language model: clean over its UTF-8-as-1252 garbage by >= %.1f (%s)\n",
          worst, clean[worst_i]);
  /* Chinese bytes read as 1252 are garbage under both models */
  static const char *const zh[] = {"我们的系统支持中文。", "這是一個測試程式。"};
  static const char *const enc[] = {"GB18030", "Big5"};
  for (size_t i = 0; i < 2; i++) {
    uint32_t c[64], g[256];
    size_t n = decode(zh[i], strlen(zh[i]), "UTF-8", c, 64);
    char b[256];
    size_t nb = encode(c, n, enc[i], b, sizeof b);
    size_t ng = decode(b, nb, "windows-1252", g, 256);
    assert_true(zf_lm_score(c, n) > zf_lm_any_score(0, g, ng) + 10);
  }
  /* a word does not change script or turn to capitals in its middle */
  uint32_t w1[] = {0x43F, 0x440, 0x438, 0x432, 0x435, 0x442}; /* привет */
  uint32_t w2[] = {0x43F, 0x440, 'u', 0x432, 0x435, 0x442};
  uint32_t w4[] = {'c', 'a', 'f', 0xC9, 'x'}, w5[] = {'c', 'a', 'f', 0xE9, 'x'};
  assert_true(zf_lm_any_score(0, w1, 6) > zf_lm_any_score(0, w2, 6) + 2);
  assert_true(zf_lm_any_score(0, w5, 5) > zf_lm_any_score(0, w4, 5) + 2);
}

int main(void) {
  if (!tu_corpora_present()) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fold),
      cmocka_unit_test(test_char_and_bigram),
      cmocka_unit_test(test_words),
      cmocka_unit_test(test_segment),
      cmocka_unit_test(test_word_filter),
      cmocka_unit_test(test_coverage),
      cmocka_unit_test(test_threads),
      cmocka_unit_test(test_mojibake_shapes),
      cmocka_unit_test(test_substitution),
      cmocka_unit_test(test_punct_position),
      cmocka_unit_test(test_garbage),
      cmocka_unit_test(test_detect_short),
      cmocka_unit_test(test_other_model),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
