/*
 * UTF-8 read by a Big5 decoder that dropped bytes (errors="ignore",
 * iconv -c; src/lost_u8drop.c, issue #15): detected, rebuilt from UTF-8's
 * structure, every stretch not rebuilt marked and reported, and clean
 * text of every kind left alone.
 *
 *   test_line      one damaged line through zf_lost_u8_drop and through
 *                  the whole pipeline (marks, report, nothing converted)
 *   test_clean     clean lines that look like the damage to a byte test
 *                  (Traditional Chinese, kana, Cyrillic, Greek, symbols,
 *                  U+FFFD text) come out of the pipeline unchanged
 *   test_classes   the simulated classes (tools/lossy_sim.py, the make-test
 *                  slice): most lossy lines taken, every taken line marked,
 *                  fewer than 0.5% of characters written wrongly
 *   test_corpora   no line of the four corpora (and of the world corpus
 *                  when ZHFIX_WORLD_DIR is set) is taken
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lost.h"
#include "tu.h"
#include "zf.h"
#include "tu_lossy.h"
#include "tu_text.h"
#include "zhfix.h"

static const zf_lost_codec_id readers[] = {ZF_LC_PY_BIG5, ZF_LC_GLIBC_BIG5, ZF_LC_PY_CP950};

/* Valid UTF-8 -> code points with byte offsets (invalid bytes as U+FFFD) (tests/util/tu_text.c). */
static void to_text(const char *p, size_t n, zf_text *t) { assert_int_equal(tu_text_utf8(p, n, t, 1), 0); }

/* Is code point c somewhere in the UTF-8 string s[0..n)? */
static int holds(const char *s, size_t n, uint32_t c) {
  zf_text t = {0};
  to_text(s, n, &t);
  int r = 0;
  for (size_t i = 0; i < t.len && !r; i++) r = t.cp[i] == c;
  zf_text_free(&t);
  return r;
}

/* zf_lost_u8_drop under any of the dropping Big5 readers: 0 and the
 * output, or ZF_LOST_NOFIT. */
static int u8drop(zf_lost *l, const zf_text *in, zf_text *out) {
  zf_lost_result res;
  for (size_t r = 0; r < sizeof readers / sizeof readers[0]; r++) {
    out->len = 0;
    int rc = zf_lost_u8_drop(l, readers[r], ZF_LOST_MARK, in, out, &res);
    if (rc != ZF_LOST_NOFIT) return rc;
  }
  out->len = 0;
  return ZF_LOST_NOFIT;
}

/* 本软件是自由软件：您可以自由修改和重新发布它。 as UTF-8, read by CPython's
 * big5 with errors="ignore" (tools/lost_codecs.py). */
static const char dam1[] = "祈蔓隞嗆航芰梯蔓隞塚典臭誑芰曹耨孵啣撣摰\n";
static const char orig1[] = "本软件是自由软件：您可以自由修改和重新发布它。\n";

static void test_line(void **state) {
  (void)state;
  zf_lost_tables *tab;
  assert_int_equal(zf_lost_tables_new(&tab, NULL, 0), 0);
  zf_lost *l = zf_lost_new(tab);
  assert_non_null(l);
  zf_text in = {0}, out = {0};
  to_text(dam1, strlen(dam1), &in);
  assert_int_equal(u8drop(l, &in, &out), 0);
  size_t nf, written = 0, marked = 0;
  const uint8_t *f = zf_lost_flags(l, &nf);
  assert_int_equal(nf, out.len);
  for (size_t i = 0; i < out.len; i++) {
    if (out.cp[i] < 0x80) continue;
    if (f[i] == ZF_LOST_MARKED) {
      assert_int_equal(out.cp[i], 0xFFFD);
      marked++;
    } else {
      assert_true(holds(orig1, strlen(orig1), out.cp[i])); /* 软件 ... */
      written++;
    }
  }
  assert_true(written >= 2);
  assert_true(marked >= 2);
  /* the pipeline: the marks are reported, and --to=trad converts none of
   * the garbage (nothing of the damaged input survives) */
  size_t n;
  char *o = tu_run(dam1, strlen(dam1), "--to=trad", &n, NULL);
  assert_non_null(o);
  assert_non_null(strstr(o, "\xef\xbf\xbd"));
  assert_null(strstr(o, "隞"));
  assert_null(strstr(o, "蔓"));
  free(o);
  zhfix *h = zhfix_create();
  assert_non_null(h);
  char *ob;
  size_t olen;
  assert_int_equal(zhfix_process(h, dam1, strlen(dam1), &ob, &olen), ZHFIX_OK);
  assert_non_null(ob);
  assert_true(zhfix_get_stat(h, ZHFIX_STAT_UNRECOVERABLE_SPANS) >= 2);
  zhfix_buffer_free(ob);
  zhfix_free(h);
  zf_text_free(&in);
  zf_text_free(&out);
  zf_lost_free(l);
  zf_lost_tables_free(tab);
}

static void test_clean(void **state) {
  (void)state;
  static const char *const clean[] = {
      "硬體平台：              %s\n",                  /* Big5 trails 40-7E */
      "620103005,\"西站街道\",620103,62,6201\n",
      "    \"TM\": \"トルクメニスタン\",\n",
      "版本號 VERSION NUMBERS\n",
      "交情乃見\tjiao qing nai xian\n",
      "祇洹精舍\tqi yuan jing she\n",
      "Привет, как дела? Это обычный русский текст.\n",
      "Η γρήγορη καφέ αλεπού πηδάει πάνω από τον τεμπέλη σκύλο.\n",
      "□□□□□□  □□□  □□□\n",
      "替换字符 \xef\xbf\xbd 在这里是合法的文本 \xef\xbf\xbd\xef\xbf\xbd\n",
      "《中国linux论坛man手册页翻译计划》:\n",
      "鄂托克前旗 呼和浩特市 七台河市 牡丹江市\n",
  };
  for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++) {
    size_t n;
    char *o = tu_run(clean[i], strlen(clean[i]), "--punct=off", &n, NULL);
    assert_non_null(o);
    if (n != strlen(clean[i]) || memcmp(o, clean[i], n)) fail_msg("changed: %s -> %s", clean[i], o);
    free(o);
  }
}

/* ---- the simulated classes ----------------------------------------------------- */

static void test_classes(void **state) {
  (void)state;
  const char *dir = tu_lossy_dir();
  if (!dir) fail_msg("lost_u8: tools/lossy_sim.py failed (make corpus)");
  zf_lost_tables *tab;
  assert_int_equal(zf_lost_tables_new(&tab, NULL, 0), 0);
  zf_lost *l = zf_lost_new(tab);
  zf_text in = {0}, out = {0};
  static const char *const cls[] = {"utf8-as-py-big5-ignore", "utf8-as-glibc-big5-ignore"};
  for (size_t c = 0; c < 2; c++) {
    size_t nd, no, nl;
    char *dm = tu_lossy_file(dir, cls[c], "dam", &nd), *og = tu_lossy_file(dir, cls[c], "orig", &no),
         *fl = tu_lossy_file(dir, cls[c], "lossy", &nl);
    assert_true(dm && og && fl);
    tu_lines id = {dm, dm + nd}, io = {og, og + no}, ifl = {fl, fl + nl};
    const char *ld, *lo, *lf;
    size_t nld, nlo, nlf, lines = 0, taken = 0, chars = 0, written = 0, wrong = 0, lossless = 0;
    while ((ld = tu_next_line(&id, &nld)) && (lo = tu_next_line(&io, &nlo)) && (lf = tu_next_line(&ifl, &nlf))) {
      if (nlf < 1) continue;
      if (lf[0] == '0') {
        /* a lossless wrong decode (nothing dropped) is the mojibake
         * stage's: never taken here */
        to_text(ld, nld, &in);
        assert_int_equal(u8drop(l, &in, &out), ZF_LOST_NOFIT);
        lossless++;
        continue;
      }
      if (lf[0] != '1') continue;
      lines++;
      to_text(lo, nlo, &in);
      for (size_t i = 0; i < in.len; i++) chars += in.cp[i] >= 0x80;
      to_text(ld, nld, &in);
      if (u8drop(l, &in, &out)) continue;
      taken++;
      size_t nf, marks = 0;
      const uint8_t *f = zf_lost_flags(l, &nf);
      for (size_t i = 0; i < out.len; i++) {
        if (f[i] == ZF_LOST_MARKED) {
          marks++;
          continue;
        }
        if (out.cp[i] < 0x80) continue;
        written++;
        /* a written character the original line does not hold is wrong
         * (a character it holds elsewhere is not caught: a lower bound
         * checked by tools/lost_cli_score.py's alignment) */
        wrong += !holds(lo, nlo, out.cp[i]);
      }
      assert_true(marks > 0); /* something was dropped: never silent */
    }
    printf("lost_u8: %s: %zu lossy lines, %zu taken, %zu of %zu characters written, %zu wrong; %zu lossless lines left\n",
           cls[c], lines, taken, written, chars, wrong, lossless);
    assert_true(lines > 0);
    assert_true(taken * 5 >= lines * 2); /* gate slice: 50-57% */
    assert_true(wrong * 200 < chars);  /* fewer than 0.5% written wrongly */
    assert_true(written * 25 >= chars); /* gate slice: 8% */
    free(dm), free(og), free(fl);
  }
  zf_text_free(&in);
  zf_text_free(&out);
  zf_lost_free(l);
  zf_lost_tables_free(tab);
}

/* Every line of file p: none is taken. */
static size_t taken_lines(zf_lost *l, const char *p, size_t *lines) {
  size_t n;
  char *s = tu_read_file(p, &n);
  if (!s) return 0;
  zf_text in = {0}, out = {0};
  tu_lines it = {s, s + n};
  const char *ln;
  size_t nl, taken = 0;
  while ((ln = tu_next_line(&it, &nl))) {
    int na = 0;
    for (size_t i = 0; i < nl && !na; i++) na = (unsigned char)ln[i] >= 0x80;
    if (!na) continue;
    (*lines)++;
    to_text(ln, nl, &in);
    if (u8drop(l, &in, &out) == 0) {
      taken++;
      fprintf(stderr, "lost_u8: taken in %s: %.*s\n", p, (int)(nl > 200 ? 200 : nl), ln);
    }
  }
  zf_text_free(&in);
  zf_text_free(&out);
  free(s);
  return taken;
}

static void test_corpora(void **state) {
  (void)state;
  zf_lost_tables *tab;
  assert_int_equal(zf_lost_tables_new(&tab, NULL, 0), 0);
  zf_lost *l = zf_lost_new(tab);
  size_t lines = 0, taken = 0;
  static const char *const names[] = {"zh_CN.txt", "zh_TW.txt", "fortunes.txt", "mixed.txt"};
  for (size_t i = 0; i < 4; i++) {
    const char *p = tu_corpus(names[i]);
    if (!p) fail_msg("lost_u8: corpus %s missing (make corpus)", names[i]);
    taken += taken_lines(l, p, &lines);
  }
  const char *w = getenv("ZHFIX_WORLD_DIR");
  if (w && *w && !tu_quick()) {
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "find '%s' -type f ! -name MANIFEST.tsv 2>/dev/null", w);
    FILE *f = popen(cmd, "r");
    char path[4096];
    while (f && fgets(path, sizeof path, f)) {
      path[strcspn(path, "\n")] = 0;
      taken += taken_lines(l, path, &lines);
    }
    if (f) pclose(f);
  }
  printf("lost_u8: %zu of %zu non-ASCII lines taken\n", taken, lines);
  assert_int_equal(taken, 0);
  zf_lost_free(l);
  zf_lost_tables_free(tab);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_line),
      cmocka_unit_test(test_clean),
      cmocka_unit_test(test_classes),
      cmocka_unit_test(test_corpora),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
