/*
 * Realistic content-farm damage for `make bench` (built and run by
 * tools/make_farm_bench.py): Simplified UTF-8 text on stdin, the page a
 * farm makes of it on stdout, with the project's simulator
 * (tests/util/farm_sim.c: s2t character by character, GBK, "X(pinyin)"
 * for a set of characters in one byte scan, ，：；！？ to ASCII, a lenient
 * decode).
 *
 *   farm_bench_gen K DECODER < simplified.txt > damaged.txt
 *
 * K: how many characters are annotated, the K most frequent of the input
 * among those step 1 converts (ties by code point: reproducible); 0 for
 * every converted character.  DECODER: swallow, keep or replace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "farm_sim.h"

static char *read_all(FILE *fp, size_t *len) {
  size_t cap = 1 << 20, n = 0;
  char *p = malloc(cap);
  if (!p) return NULL;
  for (;;) {
    if (n == cap) {
      char *q = realloc(p, cap *= 2);
      if (!q) {
        free(p);
        return NULL;
      }
      p = q;
    }
    size_t k = fread(p + n, 1, cap - n, fp);
    if (k == 0) break;
    n += k;
  }
  *len = n;
  return p;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: farm_bench_gen K swallow|keep|replace < in > out\n");
    return 2;
  }
  size_t k = strtoul(argv[1], NULL, 10);
  farm_sim_decoder dec = !strcmp(argv[2], "keep")      ? FARM_SIM_KEEP
                         : !strcmp(argv[2], "replace") ? FARM_SIM_REPLACE
                                                       : FARM_SIM_SWALLOW;
  size_t len;
  char *text = read_all(stdin, &len);
  farm_sim *s = farm_sim_new();
  if (!text || !s || farm_sim_pick_set(s, text, len, k)) {
    fprintf(stderr, "farm_bench_gen: no memory, or no ICU gb18030 / OpenCC s2t\n");
    return 1;
  }
  /* documents of about 20 KB, lines kept whole, as the tests damage them */
  for (size_t a = 0; a < len;) {
    size_t e = a + 20000 < len ? a + 20000 : len;
    while (e < len && text[e - 1] != '\n') e++;
    size_t nt, nd;
    char *trad = farm_sim_s2t(s, text + a, e - a, &nt);
    char *dmg = trad ? farm_sim_damage(s, trad, nt, dec, &nd) : NULL;
    if (!dmg) {
      fprintf(stderr, "farm_bench_gen: damage failed\n");
      return 1;
    }
    fwrite(dmg, 1, nd, stdout);
    free(trad);
    free(dmg);
    a = e;
  }
  farm_sim_free(s);
  free(text);
  return fflush(stdout) == 0 ? 0 : 1;
}
