/*
 * The trigger's one-byte facts of a character (moji_tables' trig) and the
 * window test they let bits_utf8_dbcs skip (issue 14; docs/repair-
 * mojibake.md, "Clean text in the search", wave 18).  A window of UTF-8
 * read as GBK or Big5 spells a sequence of three bytes or more only when
 * its second character's code, as the set reads it (GBK, Big5, or GBK
 * through the fold), begins with a continuation byte; where TRIG_CONT_*
 * says it does not, the set is skipped without reading a code.
 *
 *   test_trig_table     every BMP character's trig byte holds what the
 *                       bitmaps it stands for hold (lead_bm, fold_bm,
 *                       t2s_lead_bm, rare_bm) and, from the codes
 *                       themselves, whether its GBK, Big5 and fold_gbk
 *                       codes have two bytes and begin with 80..BF.
 *   test_cont_audit     lines of zh_CN and zh_TW, clean and damaged by
 *                       the simulator in every class, through the
 *                       trigger with the audit on (every skipped set
 *                       runs all the same and must set no bit) and off
 *                       (the masks must be the same).  The skips and
 *                       the sets that do fire number in the hundreds,
 *                       so the test has something to catch: with the
 *                       Big5 set reading the GBK bit it fails (wrong
 *                       skips on lines read as Big5), and so it does with
 *                       the folded sets reading the GBK bit.
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
#include "tu_moji.h"

/* Whether code e has two bytes and begins with a continuation byte, said
 * another way than the table's builder says it. */
static int begins_cont(uint16_t e) { return e > 0xFF && e >> 8 >= 0x80 && e >> 8 <= 0xBF; }

static void test_trig_table(void **state) {
  (void)state;
  int err = 0;
  const moji_tables *t = zf_moji_tables(&err);
  assert_non_null(t);
  size_t differ = 0, set[8] = {0};
  for (uint32_t c = 0; c < 0x10000; c++) {
    unsigned want = (unsigned)moji_bit(t->lead_bm[0], c) * TRIG_LEAD_GBK |
                    (unsigned)moji_bit(t->lead_bm[1], c) * TRIG_LEAD_BIG5 |
                    (unsigned)moji_bit(t->fold_bm, c) * TRIG_FOLD | (unsigned)moji_bit(t->t2s_lead_bm, c) * TRIG_T2S |
                    (unsigned)moji_bit(t->rare_bm, c) * TRIG_RARE |
                    (unsigned)begins_cont(t->gbk->enc[c]) * TRIG_CONT_GBK |
                    (unsigned)begins_cont(t->big5->enc[c]) * TRIG_CONT_BIG5 |
                    (unsigned)begins_cont(t->fold_gbk[c]) * TRIG_CONT_FOLD;
    if (t->trig[c] != want && ++differ <= 3) fprintf(stderr, "  U+%04X: trig %02X, want %02X\n", c, t->trig[c], want);
    for (int b = 0; b < 8; b++) set[b] += (want >> b) & 1;
  }
  fprintf(stderr, "trig: %zu entries differ (must be 0); bits set:", differ);
  for (int b = 0; b < 8; b++) fprintf(stderr, " %zu", set[b]);
  fprintf(stderr, "\n");
  assert_int_equal(differ, 0);
  for (int b = 0; b < 8; b++) assert_true(set[b] >= 20); /* every fact holds somewhere */
}

typedef struct cont_tally {
  size_t lines, differ, fired;
} cont_tally;

/* One line through the trigger, audit on and off. */
static void both(const moji *m, const char *line, size_t n, zf_text *t, cont_tally *ct) {
  tu_moji_text(line, n, t, 0);
  zf_moji_bound_audit.on = 1;
  unsigned full = zf_moji_trigger(m, t->cp, t->len);
  zf_moji_bound_audit.on = 0;
  unsigned fast = zf_moji_trigger(m, t->cp, t->len);
  ct->lines++;
  ct->fired += (full & (1u << C_U8_GBK | 1u << C_U8_BIG5)) != 0;
  if (full != fast && ++ct->differ <= 3) fprintf(stderr, "  mask %02X with the skip, %02X without: %.*s\n", fast, full,
                                                  (int)(n < 200 ? n : 200), line);
}

/* The lines of corpus `name` damaged as class cls (-1: as they are), up
 * to budget bytes of source. */
static void feed(const moji *m, const char *name, int cls, size_t budget, cont_tally *ct) {
  size_t len;
  char *text = tu_read_file(tu_corpus(name), &len);
  assert_non_null(text);
  tu_lines it = {text, text + len};
  const char *l;
  size_t n, used = 0;
  zf_text t = {0};
  while ((l = tu_next_line(&it, &n)) && used < budget) {
    if (!tu_has_non_ascii(l, n)) continue;
    used += n;
    if (cls < 0) {
      both(m, l, n, &t, ct);
      continue;
    }
    size_t dn;
    char *dam = moji_sim_damage(cls, l, n, &dn);
    if (dam) both(m, dam, dn, &t, ct);
    free(dam);
  }
  zf_text_free(&t);
  free(text);
}

static void test_cont_audit(void **state) {
  (void)state;
  assert_true(tu_corpora_present());
  tu_moji_stage s;
  tu_moji_open(&s);
  const moji *m = s.st;
  memset(&zf_moji_bound_audit, 0, sizeof zf_moji_bound_audit);
  cont_tally ct = {0};
  const size_t budget = tu_quick() ? 20000 : 150000;
  for (int cls = 0; cls < MOJI_SIM__COUNT; cls++) {
    feed(m, "zh_CN.txt", cls, budget, &ct);
    feed(m, "zh_TW.txt", cls, budget, &ct);
  }
  feed(m, "zh_TW.txt", -1, budget * 8, &ct);
  feed(m, "zh_CN.txt", -1, budget * 4, &ct);
  const zf_moji_audit *a = &zf_moji_bound_audit;
  fprintf(stderr,
          "trigger windows: %zu lines (%zu set UTF-8 read as GBK or Big5); %lu sets skipped, %lu of them "
          "would have set a bit (must be 0); %zu masks differ (must be 0)\n",
          ct.lines, ct.fired, a->cont_dead, a->cont_wrong, ct.differ);
  assert_int_equal(a->cont_wrong, 0);
  assert_int_equal(ct.differ, 0);
  /* the test has teeth only where sets are skipped and sets fire */
  assert_true(a->cont_dead >= 1000);
  assert_true(ct.fired >= 100);
  tu_moji_close(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_trig_table),
      cmocka_unit_test(test_cont_audit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
