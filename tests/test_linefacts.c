/*
 * The line facts the pipeline reads once a segment for the repair
 * stages' gates (src/linefacts.c, issue 14).  Each count is checked
 * against its definition, one character at a time, on random lines that
 * mix ASCII, the marks, Han (common and rare), C1 controls, the
 * lost-byte marks of marks.h, characters the mojibake trigger must look
 * at, and characters beyond the BMP, of every length around the 16-wide
 * blocks and past the 63 blocks an accumulator holds, with where the
 * first ZF_LOUD_AT loud characters are; and the break
 * zf_line_facts_to_break finds is the first '\n' or '\r'.  Output
 * identity with and without the facts is checked by the golden tests and
 * tests/world.sh (every gate falls back to its own scan when a stage
 * changed the line).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "linefacts.h"
#include "marks.h"
#include "moji.h"
#include "moji_sim.h"
#include "tu.h"
#include "zf.h"

/* The facts of cp[0..n) by their definitions. */
static void naive(const uint32_t *cp, size_t n, zf_line_facts *lf) {
  int err;
  const moji_tables *mt = zf_moji_tables(&err);
  assert_non_null(mt);
  memset(lf, 0, sizeof *lf);
  for (size_t i = 0; i < n; i++) {
    uint32_t c = cp[i];
    if (zf_is_han(c)) {
      lf->han++;
      lf->han_astral += c > 0xFFFF;
      lf->rare += (size_t)zf_line_rare_han(c);
    }
    lf->marker += c == '?' || c == 0xFFFD;
    lf->paren += c == '(';
    lf->mojix += zf_mark_starts_span(c) || (c >= 0x80 && c < 0xA0);
    if (c > 0xFFFF || !moji_bit(mt->quiet_bm, c)) {
      if (lf->loud < ZF_LOUD_AT) lf->loud_at[lf->loud] = (uint32_t)i;
      lf->loud++;
    }
    lf->wide |= c >= 0x80;
  }
}

static void same(const zf_line_facts *a, const zf_line_facts *b, size_t n) {
  if (a->han != b->han || a->rare != b->rare || a->marker != b->marker || a->paren != b->paren ||
      a->mojix != b->mojix || a->loud != b->loud || a->wide != b->wide)
    fail_msg("length %zu: han %zu/%zu rare %zu/%zu marker %zu/%zu paren %zu/%zu mojix %zu/%zu "
             "loud %zu/%zu wide %d/%d",
             n, a->han, b->han, a->rare, b->rare, a->marker, b->marker, a->paren, b->paren, a->mojix,
             b->mojix, a->loud, b->loud, a->wide, b->wide);
  if (a->han_astral != b->han_astral) fail_msg("length %zu: han beyond the BMP %zu/%zu", n, a->han_astral, b->han_astral);
  for (size_t k = 0; k < a->loud && k < ZF_LOUD_AT; k++)
    if (a->loud_at[k] != b->loud_at[k])
      fail_msg("length %zu: loud character %zu at %u/%u", n, k, (unsigned)a->loud_at[k], (unsigned)b->loud_at[k]);
}

static uint32_t rnd(uint64_t *s) {
  *s = *s * 6364136223846793005u + 1442695040888963407u;
  return (uint32_t)(*s >> 33);
}

/* A character drawn from the classes the facts tell apart; mode 1:
 * ASCII only; mode 2: ASCII and 的 with one in 40 of the others (a line
 * with a few loud characters, all of them listed). */
static uint32_t pick(uint64_t *s, int mode) {
  static const uint32_t some[] = {
      '?', '(', ')', ' ', 'a', 'Z', '0', 0xFFFD, ZF_MARK_GBK_1, ZF_MARK_BIG5_1, ZF_MARK_FILL_CC,
      ZF_MARK_FILL_CD, 0x85, 0x9F, 0xA0, 0xE9, 0x3002, 0xFF0C, 0x300C, 0x3041, 0xE000, 0x2500,
      0x4E00, 0x7684, 0x9F98, 0x3400, 0x4DB5, 0xF900, 0x20000, 0x2A6D6, 0x1F600, 0x10FFFF, 0x30FB};
  if (mode == 1) return 0x20 + rnd(s) % 0x5F;
  if (mode == 2 && rnd(s) % 40) return rnd(s) % 2 ? 0x7684 : 0x20 + rnd(s) % 0x5F;
  uint32_t r = rnd(s) % 8;
  if (r < 3) return some[rnd(s) % (sizeof some / sizeof *some)];
  if (r < 5) return 0x4E00 + rnd(s) % (0x9FFF - 0x4E00); /* Han, common and rare */
  if (r < 6) return 0x80 + rnd(s) % (0x10000 - 0x80);   /* anything in the BMP */
  return 0x20 + rnd(s) % 0x5F;
}

/* Each path (zf_line_facts_level: the portable one, then AVX-512 where
 * the CPU has it) against the definitions. */
static void test_counts(void **state) {
  (void)state;
  uint32_t cp[1200];
  for (int level = 0; level < 2; level++) {
    zf_line_facts_level(level);
    uint64_t s = 12345;
    for (int round = 0; round < 3000; round++) {
      size_t n = round < 1100 ? (size_t)round : rnd(&s) % 1200;
      int mode = round % 5 == 0 ? 1 : round % 5 == 1 ? 2 : 0;
      for (size_t i = 0; i < n; i++) {
        cp[i] = pick(&s, mode);
        if (cp[i] == '\n' || cp[i] == '\r') cp[i] = 'x';
      }
      zf_line_facts want, got;
      naive(cp, n, &want);
      zf_text t = {cp, NULL, n, n};
      assert_int_equal(zf_line_facts_scan(&t, &got), 0);
      assert_true(got.valid);
      same(&got, &want, n);
      /* with a break somewhere (or none): its index, and the facts before it */
      size_t at = n ? rnd(&s) % (n + 1) : 0;
      if (at < n) cp[at] = rnd(&s) % 2 ? '\n' : '\r';
      if (at < n && at + 1 < n && rnd(&s) % 2) cp[at + 1] = '\n';
      size_t br = zf_line_facts_to_break(cp, n, &got);
      assert_int_equal(br, at);
      assert_true(got.valid);
      naive(cp, at, &want);
      same(&got, &want, at);
    }
  }
  zf_line_facts_level(1);
}

/* Code points of the UTF-8 p[0..n) into cp (at most max); returns how
 * many. */
static size_t to_cp(const char *p, size_t n, uint32_t *cp, size_t max) {
  size_t k = 0;
  for (size_t i = 0; i < n && k < max;) {
    uint32_t c;
    int l = zf_utf8_get((const unsigned char *)p + i, n - i, &c);
    cp[k++] = c;
    i += l > 0 ? (size_t)l : l < 0 ? (size_t)-l : n - i;
  }
  return k;
}

/* Every line of the corpora, cut as the pipeline cuts them (the break
 * found in what follows, at most 4,096 characters at a time), clean and
 * with a '?', U+FFFD, C1 control or character beyond the BMP every 97
 * characters: both paths find the same break and the facts of the
 * definitions, and zf_line_facts_scan agrees on the line. */
static void test_levels_corpus(void **state) {
  (void)state;
  static const char *const files[] = {"zh_CN.txt", "zh_TW.txt", "fortunes.txt", "mixed.txt"};
  static const uint32_t odd[] = {'?', 0xFFFD, 0x85, 0x20000, '(', 0x1F600, ZF_MARK_GBK_1};
  for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
    size_t len;
    char *text = tu_read_file(tu_corpus(files[f]), &len);
    assert_non_null(text);
    if (tu_quick() && len > 600000) len = 600000;
    uint32_t *cp = malloc((len + 1) * sizeof *cp);
    assert_non_null(cp);
    size_t n = to_cp(text, len, cp, len + 1);
    for (int damaged = 0; damaged < 2; damaged++) {
      if (damaged)
        for (size_t i = 40, k = 0; i < n; i += 97, k++)
          if (cp[i] != '\n' && cp[i] != '\r') cp[i] = odd[k % (sizeof odd / sizeof *odd)];
      for (size_t pos = 0; pos < n;) {
        size_t lim = n - pos < 4096 ? n - pos : 4096;
        zf_line_facts want, got[2];
        size_t br[2];
        for (int level = 0; level < 2; level++) {
          zf_line_facts_level(level);
          br[level] = zf_line_facts_to_break(cp + pos, lim, &got[level]);
        }
        assert_int_equal(br[0], br[1]);
        naive(cp + pos, br[0], &want);
        same(&got[0], &want, br[0]);
        same(&got[1], &want, br[0]);
        zf_text line = {cp + pos, NULL, br[0], br[0]};
        for (int level = 0; level < 2; level++) {
          zf_line_facts_level(level);
          assert_int_equal(zf_line_facts_scan(&line, &got[level]), 0);
          same(&got[level], &want, br[0]);
        }
        pos += br[0] < lim ? br[0] + 1 : lim;
      }
    }
    zf_line_facts_level(1);
    free(cp);
    free(text);
  }
}

/* The mojibake trigger given the line facts (it then looks at the loud
 * characters alone) against the trigger that scans for itself: the same
 * classes on every line of the corpora, clean and damaged by each class
 * of the simulator, and on random lines, in documents with no signature
 * and with each one shown. */
static void test_trigger_facts(void **state) {
  (void)state;
  int err;
  moji *m = calloc(1, sizeof *m);
  assert_non_null(m);
  m->t = zf_moji_tables(&err);
  assert_non_null(m->t);
  m->following = -1;
  static const char *const files[] = {"zh_CN.txt", "zh_TW.txt", "fortunes.txt", "mixed.txt"};
  size_t max_lines = tu_quick() ? 3000 : 20000, lines = 0, listed = 0;
  uint32_t *cp = malloc(4096 * sizeof *cp);
  assert_non_null(cp);
  uint64_t rs = 99;
  for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
    size_t len;
    char *text = tu_read_file(tu_corpus(files[f]), &len);
    assert_non_null(text);
    tu_lines it = {text, text + len};
    const char *ln;
    size_t ll, k = 0;
    while ((ln = tu_next_line(&it, &ll)) && k < max_lines) {
      if (!ll) continue;
      for (int cls = -1; cls < MOJI_SIM__COUNT; cls += k % 4 ? MOJI_SIM__COUNT + 1 : 1) {
        size_t dl = ll;
        char *dam = cls < 0 ? NULL : moji_sim_damage(cls, ln, ll, &dl);
        if (cls >= 0 && !dam) continue;
        size_t n = to_cp(dam ? dam : ln, dl, cp, 4096);
        free(dam);
        zf_line_facts lf;
        assert_int_equal(zf_line_facts_scan(&(zf_text){cp, NULL, n, n}, &lf), 0);
        for (int sig = -1; sig < NCLASS; sig += 3) {
          memset(m->sig, 0, sizeof m->sig);
          if (sig >= 0) m->sig[sig] = SIG_LINES;
          for (int marks = 0; marks < 2; marks++) {
            m->no_marks = marks;
            unsigned want = zf_moji_trigger(m, cp, n), got = zf_moji_trigger_known(m, cp, n, &lf);
            if (want != got) fail_msg("%s line %zu class %d sig %d: trigger %#x, with the facts %#x", files[f], k, cls, sig, want, got);
          }
        }
        lines++;
        listed += lf.loud && lf.loud <= ZF_LOUD_AT;
      }
      k++;
    }
    free(text);
  }
  /* short lines of the characters the trigger's counts tell apart:
   * kana between quiet Han (a kana run ends there), rare Han, odd
   * letters, private use, box drawing, Han beyond the BMP (not counted
   * by the trigger), around its thresholds (three Han, one rare in five) */
  uint32_t rare = 0;
  for (uint32_t c = 0x4E00; !rare && c < 0x9FA5; c++)
    if (moji_bit(m->t->rare_bm, c) && !moji_bit(m->t->quiet_bm, c)) rare = c;
  assert_true(rare != 0);
  const uint32_t few[] = {'a', ' ', 0x7684, 0x662F, 0x4E2D, rare, 0x3042, 0x30A2, 0x0101, 0x03B1, 0xE000,
                          0x2500, 0x20000, 0x1F600, 0xFF0C, 0x3002};
  for (int round = 0; round < (tu_quick() ? 50000 : 300000); round++) {
    size_t n = 1 + rnd(&rs) % 14;
    for (size_t i = 0; i < n; i++) cp[i] = few[rnd(&rs) % (sizeof few / sizeof *few)];
    zf_line_facts lf;
    assert_int_equal(zf_line_facts_scan(&(zf_text){cp, NULL, n, n}, &lf), 0);
    memset(m->sig, 0, sizeof m->sig);
    m->no_marks = 1;
    assert_int_equal(zf_moji_trigger_known(m, cp, n, &lf), zf_moji_trigger(m, cp, n));
  }
  for (int round = 0; round < 2000; round++) {
    size_t n = rnd(&rs) % 200;
    for (size_t i = 0; i < n; i++) cp[i] = pick(&rs, round % 2 ? 2 : 0);
    zf_line_facts lf;
    assert_int_equal(zf_line_facts_scan(&(zf_text){cp, NULL, n, n}, &lf), 0);
    memset(m->sig, 0, sizeof m->sig);
    m->no_marks = 1;
    assert_int_equal(zf_moji_trigger_known(m, cp, n, &lf), zf_moji_trigger(m, cp, n));
  }
  fprintf(stderr, "  %zu lines, %zu with their loud characters listed\n", lines, listed);
  assert_true(listed > lines / 20);
  free(cp);
  free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_counts), cmocka_unit_test(test_levels_corpus),
                                     cmocka_unit_test(test_trigger_facts)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
