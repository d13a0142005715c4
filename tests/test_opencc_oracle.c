/*
 * The conversion stage against libopencc as the oracle: for every OpenCC
 * configuration zhfix offers, every line of the corpora (Debian's
 * manpages-zh zh_CN and zh_TW pages, fortunes-zh, the sample article) must
 * convert byte-identically.  The stage runs with the script given
 * explicitly, which is the exact mode (docs/conversion.md).
 *
 * Each configuration reads the corpora of its input script (see
 * check_config), over 100 MB in all.  ZHFIX_QUICK=1 keeps the first
 * ~200 KB of each file.
 *
 * Lines differing are printed (the first few) and counted; the test wants
 * zero, since zhfix's deliberate improvements (docs/conversion.md) are
 * off in the exact mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <unistd.h>

#include <cmocka.h>
#include <opencc/opencc.h>

#include "convert_util.h"

typedef struct oracle_case {
  const char *config, *then; /* OpenCC configs applied in turn */
  int script, to;
} oracle_case;

/* OpenCC's own configurations, then zhfix's two additions expressed as
 * OpenCC configurations (written at start-up, see custom_json), then the
 * pairs zhfix composes from two. */
static const oracle_case cases[] = {
    {"s2t", NULL, ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TRAD},    {"s2tw", NULL, ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TW},
    {"s2twp", NULL, ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TWP},   {"s2hk", NULL, ZHFIX_SCRIPT_SIMP, ZHFIX_TO_HK},
    {"t2s", NULL, ZHFIX_SCRIPT_TRAD, ZHFIX_TO_SIMP},    {"tw2s", NULL, ZHFIX_SCRIPT_TW, ZHFIX_TO_SIMP},
    {"tw2sp", NULL, ZHFIX_SCRIPT_TWP, ZHFIX_TO_SIMP},   {"hk2s", NULL, ZHFIX_SCRIPT_HK, ZHFIX_TO_SIMP},
    {"t2tw", NULL, ZHFIX_SCRIPT_TRAD, ZHFIX_TO_TW},     {"t2hk", NULL, ZHFIX_SCRIPT_TRAD, ZHFIX_TO_HK},
    {"tw2t", NULL, ZHFIX_SCRIPT_TW, ZHFIX_TO_TRAD},     {"hk2t", NULL, ZHFIX_SCRIPT_HK, ZHFIX_TO_TRAD},
    {"@t2twp", NULL, ZHFIX_SCRIPT_TRAD, ZHFIX_TO_TWP},  {"@twp2t", NULL, ZHFIX_SCRIPT_TWP, ZHFIX_TO_TRAD},
    {"tw2t", "@t2twp", ZHFIX_SCRIPT_TW, ZHFIX_TO_TWP},  {"tw2t", "t2hk", ZHFIX_SCRIPT_TW, ZHFIX_TO_HK},
    {"@twp2t", "t2tw", ZHFIX_SCRIPT_TWP, ZHFIX_TO_TW},  {"@twp2t", "t2hk", ZHFIX_SCRIPT_TWP, ZHFIX_TO_HK},
    {"hk2t", "t2tw", ZHFIX_SCRIPT_HK, ZHFIX_TO_TW},     {"hk2t", "@t2twp", ZHFIX_SCRIPT_HK, ZHFIX_TO_TWP},
};

/* zhfix's t2twp (the phrase and variant steps of s2twp) and twp2t (the
 * first step of tw2sp) as OpenCC configurations. */
static const char *custom_json[][2] = {
    {"t2twp",
     "{\"name\": \"zhfix t2twp\", \"segmentation\": {\"type\": \"mmseg\", \"dict\": "
     "{\"type\": \"ocd2\", \"file\": \"/usr/share/opencc/TWPhrases.ocd2\"}}, "
     "\"conversion_chain\": [{\"dict\": {\"type\": \"ocd2\", \"file\": "
     "\"/usr/share/opencc/TWPhrases.ocd2\"}}, {\"dict\": {\"type\": \"ocd2\", \"file\": "
     "\"/usr/share/opencc/TWVariants.ocd2\"}}]}"},
    {"twp2t",
     "{\"name\": \"zhfix twp2t\", \"segmentation\": {\"type\": \"mmseg\", \"dict\": "
     "{\"type\": \"group\", \"dicts\": [{\"type\": \"ocd2\", \"file\": "
     "\"/usr/share/opencc/TWPhrasesRev.ocd2\"}, {\"type\": \"ocd2\", \"file\": "
     "\"/usr/share/opencc/TWVariantsRevPhrases.ocd2\"}]}}, \"conversion_chain\": [{\"dict\": "
     "{\"type\": \"group\", \"dicts\": [{\"type\": \"ocd2\", \"file\": "
     "\"/usr/share/opencc/TWPhrasesRev.ocd2\"}, {\"type\": \"ocd2\", \"file\": "
     "\"/usr/share/opencc/TWVariantsRevPhrases.ocd2\"}, {\"type\": \"ocd2\", \"file\": "
     "\"/usr/share/opencc/TWVariantsRev.ocd2\"}]}}]}"},
};

static char tmpdir[] = "/tmp/zhfix-oracle-XXXXXX";

static int setup(void **state) {
  (void)state;
  if (!mkdtemp(tmpdir)) return -1;
  for (size_t i = 0; i < sizeof custom_json / sizeof custom_json[0]; i++) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s.json", tmpdir, custom_json[i][0]);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs(custom_json[i][1], f);
    fclose(f);
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof custom_json / sizeof custom_json[0]; i++) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s.json", tmpdir, custom_json[i][0]);
    remove(path);
  }
  rmdir(tmpdir);
  return 0;
}

static opencc_t open_config(const char *name) {
  char path[256];
  if (name[0] == '@') snprintf(path, sizeof path, "%s/%s.json", tmpdir, name + 1);
  else snprintf(path, sizeof path, "/usr/share/opencc/%s.json", name);
  opencc_t od = opencc_open(path);
  if (od == (opencc_t)-1) fail_msg("opencc_open(%s) failed", path);
  return od;
}

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
  opencc_t od = open_config(c->config), od2 = c->then ? open_config(c->then) : NULL;
  zf_opts o = cu_opts(c->script, c->to, 0);
  void *st = NULL;
  assert_int_equal(zf_stage_convert.create(&st, &o), 0);
  assert_non_null(st);
  zf_text in = {0}, out = {0};
  zf_stats stats;
  zf_stats_init(&stats);
  /* Each configuration reads the corpora in its input script and the
   * sample; s2t and t2s also read the other script's, and zhfix's
   * additions (compositions, t2twp, twp2t) the first megabyte of zh_TW,
   * which keeps the run within a minute. */
  int extra = c->then || c->config[0] == '@';
  int simp_in = c->script == ZHFIX_SCRIPT_SIMP;
  int both = !extra && (!strcmp(c->config, "s2t") || !strcmp(c->config, "t2s"));
  for (int f = 0; f < 4; f++) {
    size_t n = 0;
    if (files[f] && !both) {
      int simp_file = f != 1; /* zh_CN and fortunes are Simplified */
      if (simp_file != simp_in || (extra && f != 1)) continue;
    }
    char *buf = load(f, &n);
    if (buf && extra && n > 1000000) {
      size_t k = 1000000;
      while (k < n && buf[k] != '\n') k++;
      n = k;
    }
    if (!buf) {
      fail_msg("corpus file %s missing (ZHFIX_CORPUS)", files[f] ? files[f] : "sample");
    }
    size_t i = 0;
    while (i < n) {
      size_t j = i;
      while (j < n && buf[j] != '\n') j++;
      /* libopencc stops at NUL; the corpora have none. */
      char *want = opencc_convert_utf8(od, buf + i, j - i);
      if (od2) {
        char *w2 = opencc_convert_utf8(od2, want, strlen(want));
        opencc_convert_utf8_free(want);
        want = w2;
      }
      cu_decode(buf + i, j - i, &in);
      zf_text_push(&in, '\n', j);
      zf_text_clear(&out);
      assert_int_equal(zf_stage_convert.run(st, &in, &out, &stats), 0);
      size_t glen;
      char *got = cu_encode(&out, &glen);
      assert_true(glen > 0 && got[glen - 1] == '\n');
      got[--glen] = 0;
      if (strcmp(want, got) != 0) {
        if (*diffs < 5) fprintf(stderr, "%s%s differs:\n  in:     %.*s\n  opencc: %s\n  zhfix:  %s\n", c->config, c->then ? c->then : "", (int)(j - i), buf + i, want, got);
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
  if (od2) opencc_close(od2);
}

static void test_every_config(void **state) {
  (void)state;
  size_t total = 0, bad = 0;
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    size_t bytes = 0, lines = 0, diffs = 0;
    check_config(&cases[k], &bytes, &lines, &diffs);
    printf("oracle %-6s%s%-6s %8zu lines %9zu bytes, %zu differ\n", cases[k].config,
           cases[k].then ? " + " : "", cases[k].then ? cases[k].then : "", lines, bytes, diffs);
    total += bytes;
    bad += diffs;
  }
  printf("oracle total %zu bytes, %zu lines differ\n", total, bad);
  if (!cu_quick()) assert_true(total >= 10u * 1000 * 1000);
  assert_int_equal(bad, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_every_config)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
