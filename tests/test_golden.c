/*
 * Golden cases through the library: every tests/golden/NAME/ holds
 *   args            options, as on the command line (may be empty)
 *   in | in.path    the input, or a file naming it relative to the source tree
 *   out | out.path  the expected output, whole: every case compares every
 *                   byte (a `prefix` file, which once limited the compare
 *                   to the leading lines, is refused)
 * Each case runs one-shot and in random 1-16 byte pieces (three seeds); all
 * runs must give exactly the expected bytes.  tests/golden.sh runs the
 * same cases through the CLI.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "tu.h"

static size_t count_lines(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += s[i] == '\n';
  return k;
}

static int run_case(const char *dir, const char *name) {
  size_t inlen, outlen, alen = 0;
  char *in = tu_case_file(dir, "in", &inlen);
  char *want = tu_case_file(dir, "out", &outlen);
  char *args = tu_case_file(dir, "args", &alen);
  char path[8192];
  snprintf(path, sizeof path, "%s/prefix", dir);
  struct stat sb;
  int bad = 0;
  if (stat(path, &sb) == 0) {
    fprintf(stderr, "golden %s: a prefix file: golden cases compare the whole output\n", name);
    bad = 1;
    goto out;
  }
  if (!in || !want) {
    fprintf(stderr, "golden %s: missing in or out\n", name);
    bad = 1;
    goto out;
  }
  for (unsigned seed = 0; seed <= 3 && !bad; seed++) {
    size_t n;
    int st;
    char *got = seed ? tu_run_chunked(in, inlen, args, seed, &n, &st)
                     : tu_run(in, inlen, args, &n, &st);
    if (!got) {
      fprintf(stderr, "golden %s: %s\n", name, zhfix_strerror(st));
      bad = 1;
      break;
    }
    if (n != outlen || memcmp(got, want, outlen) != 0) {
      size_t i = 0;
      while (i < n && i < outlen && got[i] == want[i]) i++;
      size_t ls = i;
      while (ls > 0 && want[ls - 1] != '\n') ls--;
      fprintf(stderr, "golden %s (%s): differs at byte %zu (line %zu)\n  want: %.*s\n  got:  %.*s\n",
              name, seed ? "chunked" : "one-shot", i, count_lines(want, i) + 1,
              (int)strcspn(want + ls, "\n"), want + ls,
              (int)(ls < n ? strcspn(got + ls, "\n") : 0), ls < n ? got + ls : "");
      bad = 1;
    }
    free(got);
  }
out:
  free(in);
  free(want);
  free(args);
  return bad;
}

static void test_golden(void **state) {
  (void)state;
  const char *root = tu_src("tests/golden");
  char rootbuf[4096];
  snprintf(rootbuf, sizeof rootbuf, "%s", root);
  DIR *d = opendir(rootbuf);
  assert_non_null(d);
  struct dirent *e;
  int cases = 0, failed = 0;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char dir[4096 + 256];
    snprintf(dir, sizeof dir, "%s/%s", rootbuf, e->d_name);
    struct stat sb;
    if (stat(dir, &sb) || !S_ISDIR(sb.st_mode)) continue;
    cases++;
    failed += run_case(dir, e->d_name);
  }
  closedir(d);
  printf("  golden: %d cases, %d failed\n", cases, failed);
  assert_true(cases > 0);
  assert_int_equal(failed, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_golden)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
