/* The CLI's unified diff (src/cli/diff.c): every diff it prints must apply
 * back to the new text, and within its edit budget it must be minimal
 * (as many changed lines as the longest common subsequence allows).
 * The CLI is not a library, so its two source files are compiled in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/diff.c"
#include "cli/util.c"

static uint64_t rng_state;
static uint32_t rnd(void) {
  rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(rng_state >> 33);
}

/* Runs cli_diff and returns its output (NUL-terminated, malloc'ed). */
static char *diff_text(const char *a, size_t al, const char *b, size_t bl) {
  FILE *f = tmpfile();
  assert_non_null(f);
  assert_int_equal(cli_diff(fileno(f), "f", a, al, b, bl, 0), 0);
  long n = lseek(fileno(f), 0, SEEK_END);
  char *s = malloc((size_t)n + 1);
  assert_non_null(s);
  assert_int_equal(pread(fileno(f), s, (size_t)n, 0), n);
  s[n] = '\0';
  fclose(f);
  return s;
}

/* Applies a unified diff to a; checks every context and removed line;
 * returns the result and counts the changed lines. */
static char *apply(const char *a, size_t al, const char *d, size_t *outlen, size_t *changes) {
  strbuf res = {0};
  size_t apos = 0, aline = 1;
  *changes = 0;
  const char *p = d;
  /* headers */
  assert_true(strncmp(p, "--- f\n+++ f\n", 12) == 0);
  p += 12;
  while (*p) {
    unsigned long as, ac, bs, bc;
    assert_int_equal(sscanf(p, "@@ -%lu,%lu +%lu,%lu @@", &as, &ac, &bs, &bc), 4);
    p = strchr(p, '\n') + 1;
    size_t first = ac ? as : as + 1; /* first old line the hunk touches */
    while (aline < first) {          /* copy untouched lines */
      const char *nl = memchr(a + apos, '\n', al - apos);
      size_t len = nl ? (size_t)(nl - (a + apos)) + 1 : al - apos;
      sb_add(&res, a + apos, len);
      apos += len;
      aline++;
    }
    while (ac > 0 || bc > 0) {
      char tag = *p++;
      const char *nl = strchr(p, '\n');
      size_t len = (size_t)(nl - p) + 1;
      int noeol = strncmp(nl + 1, "\\ No newline at end of file\n", 28) == 0;
      size_t blen = noeol ? len - 1 : len;
      if (tag == ' ' || tag == '-') {
        assert_true(apos + blen <= al);
        assert_memory_equal(a + apos, p, blen);
        apos += blen;
        aline++;
        ac--;
      }
      if (tag == ' ' || tag == '+') {
        sb_add(&res, p, blen);
        bc--;
      }
      if (tag != ' ')
        (*changes)++;
      p = nl + 1 + (noeol ? 28 : 0);
    }
  }
  sb_add(&res, a + apos, al - apos);
  *outlen = res.len;
  if (!res.p)
    res.p = calloc(1, 1);
  return res.p;
}

static size_t count_lines(const char *s, size_t n, const char **starts, size_t *lens) {
  size_t k = 0, st = 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] == '\n' || i == n - 1) {
      if (starts) {
        starts[k] = s + st;
        lens[k] = i + 1 - st;
      }
      k++;
      st = i + 1;
    }
  return k;
}

/* n + m - 2 * LCS over lines: the fewest changed lines possible. */
static size_t min_changes(const char *a, size_t al, const char *b, size_t bl) {
  const char *as[200], *bs[200];
  size_t alens[200], blens[200];
  size_t n = count_lines(a, al, as, alens), m = count_lines(b, bl, bs, blens);
  static size_t L[201][201];
  for (size_t i = 0; i <= n; i++)
    for (size_t j = 0; j <= m; j++) {
      if (i == 0 || j == 0)
        L[i][j] = 0;
      else if (alens[i - 1] == blens[j - 1] && memcmp(as[i - 1], bs[j - 1], alens[i - 1]) == 0)
        L[i][j] = L[i - 1][j - 1] + 1;
      else
        L[i][j] = L[i - 1][j] > L[i][j - 1] ? L[i - 1][j] : L[i][j - 1];
    }
  return n + m - 2 * L[n][m];
}

static void random_text(strbuf *s, size_t lines, int alphabet) {
  for (size_t i = 0; i < lines; i++)
    sb_addf(s, "line %u\n", (unsigned)(rnd() % (uint32_t)alphabet));
}

static void check_pair(const char *a, size_t al, const char *b, size_t bl, int minimal) {
  char *d = diff_text(a, al, b, bl);
  size_t rl = 0, changes = 0;
  char *r = apply(a, al, d, &rl, &changes);
  assert_int_equal(rl, bl);
  assert_memory_equal(r, b, bl);
  if (minimal)
    assert_int_equal(changes, min_changes(a, al, b, bl));
  if (al == bl && memcmp(a, b, al) == 0)
    assert_string_equal(d, "--- f\n+++ f\n");
  free(r);
  free(d);
}

static void test_random_small(void **state) {
  (void)state;
  rng_state = 42;
  for (int iter = 0; iter < 3000; iter++) {
    strbuf a = {0}, b = {0};
    random_text(&a, rnd() % 40, 2 + (int)(rnd() % 8));
    random_text(&b, rnd() % 40, 2 + (int)(rnd() % 8));
    /* sometimes no newline at the end of one side or both */
    if (rnd() % 4 == 0 && a.len)
      a.len--;
    if (rnd() % 4 == 0 && b.len)
      b.len--;
    check_pair(a.p ? a.p : "", a.len, b.p ? b.p : "", b.len, 1);
    sb_free(&a);
    sb_free(&b);
  }
}

/* Edits of one text (what zhfix does): few changes in long files. */
static void test_random_edits(void **state) {
  (void)state;
  rng_state = 7;
  for (int iter = 0; iter < 300; iter++) {
    strbuf a = {0}, b = {0};
    random_text(&a, 150, 1000);
    const char *ls[200];
    size_t lens[200], n = count_lines(a.p, a.len, ls, lens);
    for (size_t i = 0; i < n; i++) {
      uint32_t r = rnd() % 20;
      if (r == 0)
        continue; /* deleted */
      if (r == 1)
        sb_addf(&b, "inserted %u\n", (unsigned)rnd());
      if (r == 2)
        sb_addf(&b, "changed %u\n", (unsigned)rnd());
      else
        sb_add(&b, ls[i], lens[i]);
    }
    check_pair(a.p, a.len, b.p ? b.p : "", b.len, 1);
    sb_free(&a);
    sb_free(&b);
  }
}

/* Every line changed in a long file: past the edit budget the lines are
 * paired in order; the diff must still apply. */
static void test_budget_fallback(void **state) {
  (void)state;
  strbuf a = {0}, b = {0};
  for (int i = 0; i < 20000; i++) {
    sb_addf(&a, "简体 %d\n", i);
    sb_addf(&b, "簡體 %d\n", i);
  }
  sb_add(&b, "tail\n", 5);
  check_pair(a.p, a.len, b.p, b.len, 0);
  sb_free(&a);
  sb_free(&b);
}

static void test_edges(void **state) {
  (void)state;
  check_pair("", 0, "", 0, 1);
  check_pair("", 0, "a\n", 2, 1);
  check_pair("a\n", 2, "", 0, 1);
  check_pair("a", 1, "a\n", 2, 1);
  check_pair("a\n", 2, "a", 1, 1);
  check_pair("x\ny\n", 4, "x\ny", 3, 1);
  char *d = diff_text("a\nb\nc\n", 6, "a\nB\nc\n", 6);
  assert_string_equal(d, "--- f\n+++ f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
  free(d);
  d = diff_text("", 0, "new\n", 4);
  assert_string_equal(d, "--- f\n+++ f\n@@ -0,0 +1,1 @@\n+new\n");
  free(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_edges),
      cmocka_unit_test(test_random_small),
      cmocka_unit_test(test_random_edits),
      cmocka_unit_test(test_budget_fallback),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
