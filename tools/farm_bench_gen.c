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
#include "zf.h"

typedef struct freq {
  uint32_t cp;
  size_t n;
} freq;

static int freq_desc(const void *a, const void *b) {
  const freq *x = a, *y = b;
  if (x->n != y->n) return x->n > y->n ? -1 : 1;
  return x->cp < y->cp ? -1 : x->cp > y->cp;
}

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

/* Code points of UTF-8 s[0..n) (invalid bytes skipped). */
static size_t decode(const char *s, size_t n, uint32_t *cp) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, k = 0;
  while (i < n) {
    unsigned c = p[i];
    size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (len == 0 || i + len > n) {
      i++;
      continue;
    }
    uint32_t v = len == 1 ? c : len == 2 ? c & 31 : len == 3 ? c & 15 : c & 7;
    for (size_t j = 1; j < len; j++) v = v << 6 | (p[i + j] & 63);
    cp[k++] = v;
    i += len;
  }
  return k;
}

static int pick_set(farm_sim *s, const char *text, size_t len, size_t k) {
  freq *f = calloc(0x30000, sizeof *f);
  uint32_t *cp = malloc((len + 1) * sizeof *cp);
  if (!f || !cp) return -1;
  size_t n = decode(text, len, cp);
  for (size_t i = 0; i < n; i++)
    if (cp[i] < 0x30000 && zf_is_han(cp[i])) f[cp[i]].n++;
  if (k == 0)
    for (uint32_t c = 0x4E00; c <= 0x9FFF; c++) f[c].n++;
  size_t m = 0;
  for (uint32_t c = 0; c < 0x30000; c++) {
    if (!f[c].n) continue;
    uint32_t t = farm_sim_s2t_char(s, c);
    if (t == c) continue;
    f[m].cp = t;
    f[m].n = f[c].n;
    m++;
  }
  qsort(f, m, sizeof *f, freq_desc);
  farm_sim_clear(s);
  size_t added = 0;
  for (size_t i = 0; i < m && (k == 0 || added < k); i++)
    if (farm_sim_annotate(s, f[i].cp) == 0) added++;
  free(cp);
  free(f);
  return 0;
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
  if (!text || !s || pick_set(s, text, len, k)) {
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
