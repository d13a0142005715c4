/*
 * The mojibake stage's cost on clean text (issue #14): the bound in front
 * of unconvert (moji_fold.c, zf_moji_unconvert_bound; docs/repair-mojibake.md
 * "Clean text in the search").  When a run's decode fails, unconvert tries
 * the other forms of the characters around the failure, one and two at a
 * time; the bound lets every byte of every candidate be any of its forms'
 * bytes at once and refuses where even then no decode gets past the
 * failure.  It must never refuse a call whose exact pass changes the bytes.
 *
 *   test_bound_is_a_bound   lines of zh_CN and zh_TW damaged by the
 *                           simulator as UTF-8 read as GBK or Big5 (plain,
 *                           then converted s2t or t2s, or with cp936's '?'),
 *                           and the clean zh_TW lines, through two stages
 *                           fed the same lines: one with the bound, one
 *                           with the audit on (the exact pass runs where
 *                           the bound refuses, and counts).  No call the
 *                           bound refused changes the bytes, the outputs
 *                           are identical, and both the bound's refusals
 *                           and the exact pass's changes occur (so the
 *                           test has something to catch: with the
 *                           candidates' bytes left out of the bound it
 *                           fails, 1,004 wrong refusals on the quick
 *                           sample).
 *   test_dead_starts        the starts zf_moji_dead_start lets the search
 *                           skip (a decode that fails at its first byte
 *                           with nothing for unconvert to change; the
 *                           proof is in moji_fold.c): the lossy slice's
 *                           damaged documents (build/lossy, every .dam
 *                           of the manifest), long paragraphs of clean
 *                           zh_TW lines joined by spaces (the 8,426-
 *                           character ssh paragraph of the bench's
 *                           trad.txt is one such line) and lines damaged
 *                           as UTF-8 read as GBK or Big5, through two
 *                           stages: one skipping, one with the audit on
 *                           (the search runs at every start, and each
 *                           start the test calls dead is checked:
 *                           nothing decoded, no byte changed).  No such
 *                           start may decode, the outputs are identical,
 *                           and the skips number in the thousands.
 *   test_fold_gbk           the trigger's table of folded GBK codes
 *                           (moji_tables' fold_gbk) holds, for every BMP
 *                           character, what the trigger computed from the
 *                           LM's fold before the table (the fold's GBK code
 *                           when it differs and GBK encodes it in two
 *                           bytes, else the character's own).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "moji.h"
#include "moji_sim.h"
#include "tu.h"
#include "tu_lossy.h"
#include "tu_moji.h"

typedef struct bound_tally {
  size_t lines, differ;
} bound_tally;

/* One line (with its "\n") through both stages: sb with the bound, se
 * with the audit on. */
static void both(tu_moji_stage *sb, tu_moji_stage *se, const char *line, size_t n, bound_tally *t) {
  zf_moji_bound_audit.on = 0;
  char *gb = tu_moji_line(sb, line, n, 0);
  zf_moji_bound_audit.on = 1;
  char *ge = tu_moji_line(se, line, n, 0);
  zf_moji_bound_audit.on = 0;
  t->lines++;
  if (strcmp(gb, ge) != 0 && ++t->differ <= 3) fprintf(stderr, "  bound changed the output: %s  ->  %s", ge, gb);
  free(gb);
  free(ge);
}

/* The lines of corpus `name` damaged as class cls (-1: as they are), up
 * to budget bytes of source. */
static void feed(const char *name, int cls, size_t budget, bound_tally *t) {
  size_t len;
  char *text = tu_read_file(tu_corpus(name), &len);
  assert_non_null(text);
  tu_moji_stage sb, se;
  tu_moji_open(&sb);
  tu_moji_open(&se);
  tu_lines it = {text, text + len};
  const char *l;
  size_t n, used = 0;
  char line[65536];
  while ((l = tu_next_line(&it, &n)) && used < budget) {
    if (n + 2 > sizeof line || !tu_has_non_ascii(l, n)) continue;
    memcpy(line, l, n);
    line[n++] = '\n';
    line[n] = 0;
    used += n;
    if (cls < 0) {
      both(&sb, &se, line, n, t);
      continue;
    }
    size_t dn;
    char *dam = moji_sim_damage(cls, line, n, &dn);
    if (dam) both(&sb, &se, dam, dn, t);
    free(dam);
  }
  tu_moji_close(&sb);
  tu_moji_close(&se);
  free(text);
}

static void test_bound_is_a_bound(void **state) {
  (void)state;
  assert_true(tu_corpora_present());
  static const int classes[] = {MOJI_SIM_UTF8_GBK_S2T, MOJI_SIM_UTF8_GBK_T2S, MOJI_SIM_UTF8_BIG5_T2S,
                                MOJI_SIM_UTF8_AS_GBK,  MOJI_SIM_UTF8_AS_BIG5, MOJI_SIM_UTF8_AS_GBK_Q};
  const size_t budget = tu_quick() ? 20000 : 200000;
  bound_tally t = {0};
  memset(&zf_moji_bound_audit, 0, sizeof zf_moji_bound_audit);
  for (size_t c = 0; c < sizeof classes / sizeof classes[0]; c++) {
    feed("zh_CN.txt", classes[c], budget, &t);
    feed("zh_TW.txt", classes[c], budget / 4, &t);
  }
  feed("zh_TW.txt", -1, budget * 4, &t);
  const zf_moji_audit *a = &zf_moji_bound_audit;
  fprintf(stderr,
          "unconvert bound: %zu lines; %lu calls refused by the bound, %lu calls changed the bytes, "
          "%lu of them refused (must be 0); %zu outputs differ (must be 0)\n",
          t.lines, a->refused, a->changed, a->wrong, t.differ);
  assert_int_equal(a->wrong, 0);
  assert_int_equal(t.differ, 0);
  /* the test has teeth only where both happen */
  assert_true(a->refused >= 100);
  assert_true(a->changed >= 20);
}

/* Documents through both stages, whole (their signatures as in a run). */
static void both_doc(const char *doc, size_t n, bound_tally *t) {
  tu_moji_stage sb, se;
  tu_moji_open(&sb);
  tu_moji_open(&se);
  zf_moji_bound_audit.on = 0;
  char *gb = tu_moji_doc(&sb, doc, n, NULL);
  zf_moji_bound_audit.on = 1;
  char *ge = tu_moji_doc(&se, doc, n, NULL);
  zf_moji_bound_audit.on = 0;
  t->lines++;
  if (strcmp(gb, ge) != 0 && ++t->differ <= 3) fprintf(stderr, "  a skipped start changed a document\n");
  free(gb);
  free(ge);
  tu_moji_close(&sb);
  tu_moji_close(&se);
}

/* Clean zh_TW lines joined by spaces into paragraphs of about `chars`
 * bytes, up to budget bytes, each damaged as class cls (-1: clean). */
static void feed_long(int cls, size_t chars, size_t budget, bound_tally *t) {
  size_t len;
  char *text = tu_read_file(tu_corpus("zh_TW.txt"), &len);
  assert_non_null(text);
  tu_moji_stage sb, se;
  tu_moji_open(&sb);
  tu_moji_open(&se);
  tu_lines it = {text, text + len};
  const char *l;
  size_t n, used = 0, w = 0;
  char *para = malloc(chars + 65536);
  assert_non_null(para);
  while ((l = tu_next_line(&it, &n)) && used < budget) {
    if (n > 65000 || !tu_has_non_ascii(l, n)) continue;
    memcpy(para + w, l, n);
    w += n;
    if (w < chars) {
      para[w++] = ' ';
      continue;
    }
    para[w++] = '\n';
    para[w] = 0;
    used += w;
    size_t dn = w;
    char *dam = cls < 0 ? NULL : moji_sim_damage(cls, para, w, &dn);
    if (cls < 0 || dam) both(&sb, &se, dam ? dam : para, dn, t);
    free(dam);
    w = 0;
  }
  free(para);
  tu_moji_close(&sb);
  tu_moji_close(&se);
  free(text);
}

static void test_dead_starts(void **state) {
  (void)state;
  assert_true(tu_corpora_present());
  memset(&zf_moji_bound_audit, 0, sizeof zf_moji_bound_audit);
  bound_tally t = {0};
  const int quick = tu_quick();
  feed_long(-1, 8000, quick ? 60000 : 600000, &t);
  feed_long(-1, 300, quick ? 20000 : 200000, &t);
  feed_long(MOJI_SIM_UTF8_AS_GBK, 2000, quick ? 20000 : 100000, &t);
  feed_long(MOJI_SIM_UTF8_GBK_T2S, 2000, quick ? 20000 : 100000, &t);
  feed_long(MOJI_SIM_UTF8_AS_BIG5, 2000, quick ? 20000 : 100000, &t);
  const char *dir = tu_lossy_dir();
  assert_non_null(dir);
  tu_lossy_manifest man;
  tu_lossy_manifest_read(dir, "test_dead_starts", &man);
  size_t docs = 0;
  for (size_t i = 0; i < man.n; i++) {
    size_t n;
    char *doc = tu_lossy_class_file(dir, man.names[i], "dam", &n);
    both_doc(doc, n, &t);
    free(doc);
    docs++;
  }
  tu_lossy_manifest_free(&man);
  const zf_moji_audit *a = &zf_moji_bound_audit;
  fprintf(stderr,
          "dead starts: %zu lines and documents (%zu .dam); %lu starts skipped, %lu of them decoded or changed "
          "bytes (must be 0); %zu outputs differ (must be 0)\n",
          t.lines, docs, a->dead, a->dead_wrong, t.differ);
  assert_int_equal(a->dead_wrong, 0);
  assert_int_equal(t.differ, 0);
  assert_true(docs >= 20);
  assert_true(a->dead >= 5000); /* the test has teeth only where starts are skipped */
}

static void test_fold_gbk(void **state) {
  (void)state;
  int err = 0;
  const moji_tables *t = zf_moji_tables(&err);
  assert_non_null(t);
  size_t differ = 0, folded = 0;
  for (uint32_t c = 0; c < 0x10000; c++) {
    uint32_t cj = zf_lm_fold(c);
    if (cj != c && (cj > 0xFFFF || t->gbk->enc[cj] < 0x100)) cj = c;
    uint16_t e = cj <= 0xFFFF ? t->gbk->enc[cj] : 0;
    folded += cj != c;
    if (t->fold_gbk[c] != e && ++differ <= 3)
      fprintf(stderr, "  U+%04X: table %04X, fold %04X\n", c, t->fold_gbk[c], e);
  }
  fprintf(stderr, "fold_gbk: %zu characters read through their fold, %zu entries differ (must be 0)\n", folded, differ);
  assert_int_equal(differ, 0);
  assert_true(folded > 2000); /* the Traditional characters */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fold_gbk),
      cmocka_unit_test(test_bound_is_a_bound),
      cmocka_unit_test(test_dead_starts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
