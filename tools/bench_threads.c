/* The C ceiling for tools/bench_python.py's thread figure: N threads, each
 * with its own handle, run zhfix_process over the same records (one per
 * line of argv[1]) and the wall time of 1 and of N threads is printed as
 * "records_per_second_1 records_per_second_N".  Built and run by
 * tools/bench_python.py; reports, asserts nothing. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zhfix.h>

static char **recs;
static size_t *lens, nrec;

static void *work(void *arg) {
  zhfix *h = zhfix_create();
  char *out;
  size_t n;
  for (size_t i = 0; h && i < nrec; i++)
    if (zhfix_process(h, recs[i], lens[i], &out, &n) == ZHFIX_OK)
      zhfix_buffer_free(out);
  zhfix_free(h);
  return arg;
}

static double run(int threads) {
  pthread_t th[64];
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < threads; i++)
    pthread_create(&th[i], NULL, work, NULL);
  for (int i = 0; i < threads; i++)
    pthread_join(th[i], NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 3)
    return 2;
  FILE *f = fopen(argv[1], "r");
  int threads = atoi(argv[2]), runs = argc > 3 ? atoi(argv[3]) : 3;
  if (!f || threads < 1 || threads > 64)
    return 2;
  size_t cap = 0;
  char *line = NULL;
  ssize_t k;
  while ((k = getline(&line, &cap, f)) > 0) {
    if (nrec % 1024 == 0) {
      recs = realloc(recs, (nrec + 1024) * sizeof *recs);
      lens = realloc(lens, (nrec + 1024) * sizeof *lens);
    }
    lens[nrec] = (size_t)k - (line[k - 1] == '\n');
    recs[nrec] = strndup(line, lens[nrec]);
    nrec++;
  }
  fclose(f);
  free(line);
  double best1 = 1e30, bestn = 1e30;
  for (int r = 0; r < runs; r++) {
    double t1 = run(1), tn = run(threads);
    best1 = t1 < best1 ? t1 : best1;
    bestn = tn < bestn ? tn : bestn;
  }
  printf("%.0f %.0f\n", (double)nrec / best1, (double)threads * (double)nrec / bestn);
  return 0;
}
