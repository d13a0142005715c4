/*
 * The conversion stage against libopencc as the oracle: for every OpenCC
 * configuration zhfix offers, every line of the corpora (Debian's
 * manpages-zh zh_CN and zh_TW pages, fortunes-zh, the sample article) must
 * convert byte-identically.  The stage runs with the script given
 * explicitly, which is the exact mode (docs/conversion.md).
 *
 * Each configuration reads every corpus file, so well over 10 MB go
 * through each.  ZHFIX_QUICK=1 keeps the first ~200 KB of each file.
 *
 * Lines differing are printed (the first few) and counted; the test wants
 * zero, since zhfix's deliberate improvements (docs/conversion.md) are
 * off in the exact mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <opencc/opencc.h>

#include "convert_util.h"

typedef struct oracle_case {
  const char *config;
  int script, to;
} oracle_case;

static const oracle_case cases[] = {
    {"s2t", ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TRAD},   {"s2tw", ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TW},
    {"s2twp", ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TWP},  {"s2hk", ZHFIX_SCRIPT_SIMP, ZHFIX_TO_HK},
    {"t2s", ZHFIX_SCRIPT_TRAD, ZHFIX_TO_SIMP},   {"tw2s", ZHFIX_SCRIPT_TW, ZHFIX_TO_SIMP},
    {"tw2sp", ZHFIX_SCRIPT_TWP, ZHFIX_TO_SIMP},  {"hk2s", ZHFIX_SCRIPT_HK, ZHFIX_TO_SIMP},
    {"t2tw", ZHFIX_SCRIPT_TRAD, ZHFIX_TO_TW},    {"t2hk", ZHFIX_SCRIPT_TRAD, ZHFIX_TO_HK},
    {"tw2t", ZHFIX_SCRIPT_TW, ZHFIX_TO_TRAD},    {"hk2t", ZHFIX_SCRIPT_HK, ZHFIX_TO_TRAD},
};

static const char *files[] = {"zh_CN.txt", "zh_TW.txt", "fortunes.txt", NULL};

static char *load(int i, size_t *n) {
  char *b;
  if (files[i]) b = cu_read(cu_corpus_path(files[i]), n);
  else b = cu_read(cu_src_path("data/samples/000_22c49fc42f219c9f.txt"), n);
  if (b && cu_quick() && *n > 200000) {
    size_t k = 200000;
    while (k < *n && b[k] != '\n') k++;
    *n = k;
    b[k] = 0;
  }
  return b;
}

static void check_config(const oracle_case *c, size_t *bytes, size_t *lines, size_t *diffs) {
  char path[256];
  snprintf(path, sizeof path, "/usr/share/opencc/%s.json", c->config);
  opencc_t od = opencc_open(path);
  assert_true(od != (opencc_t)-1);
  zf_opts o = cu_opts(c->script, c->to, 0);
  void *st = NULL;
  assert_int_equal(zf_stage_convert.create(&st, &o), 0);
  assert_non_null(st);
  zf_text in = {0}, out = {0};
  zf_stats stats;
  zf_stats_init(&stats);
  for (int f = 0; f < 4; f++) {
    size_t n = 0;
    char *buf = load(f, &n);
    if (!buf) {
      fail_msg("corpus file %s missing (ZHFIX_CORPUS)", files[f] ? files[f] : "sample");
    }
    size_t i = 0;
    while (i < n) {
      size_t j = i;
      while (j < n && buf[j] != '\n') j++;
      /* libopencc stops at NUL; the corpora have none. */
      char *want = opencc_convert_utf8(od, buf + i, j - i);
      cu_decode(buf + i, j - i, &in);
      zf_text_push(&in, '\n', j);
      zf_text_clear(&out);
      assert_int_equal(zf_stage_convert.run(st, &in, &out, &stats), 0);
      size_t glen;
      char *got = cu_encode(&out, &glen);
      assert_true(glen > 0 && got[glen - 1] == '\n');
      got[--glen] = 0;
      if (strcmp(want, got) != 0) {
        if (*diffs < 5) fprintf(stderr, "%s differs:\n  in:     %.*s\n  opencc: %s\n  zhfix:  %s\n", c->config, (int)(j - i), buf + i, want, got);
        (*diffs)++;
      }
      opencc_convert_utf8_free(want);
      free(got);
      (*lines)++;
      *bytes += j - i + 1;
      i = j + 1;
    }
    free(buf);
  }
  zf_text_free(&in);
  zf_text_free(&out);
  zf_stage_convert.destroy(st);
  opencc_close(od);
}

static void test_every_config(void **state) {
  (void)state;
  size_t total = 0, bad = 0;
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    size_t bytes = 0, lines = 0, diffs = 0;
    check_config(&cases[k], &bytes, &lines, &diffs);
    printf("oracle %-6s %8zu lines %9zu bytes, %zu differ\n", cases[k].config, lines, bytes, diffs);
    total += bytes;
    bad += diffs;
  }
  printf("oracle total %zu bytes, %zu lines differ\n", total, bad);
  if (!cu_quick()) assert_true(total >= 10u * 1000 * 1000);
  assert_int_equal(bad, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_every_config)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
