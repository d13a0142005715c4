/*
 * The cost of a handle for one short document (issue 14): zhfix_create +
 * one zhfix_process of a ~100-byte record + zhfix_free, averaged over N
 * rounds after the first (which builds the shared tables, shared.h); and,
 * for comparison, zhfix_process alone on a handle kept across records
 * (what --jsonl does).  Every stage on, default options.  The records are
 * the lines of a file given on the command line (tools/bench_records.sh
 * writes them from the corpus), used in turn.
 *
 * Usage: bench_handle RECORDS.txt [N]
 * Prints one line per figure.  Reports; asserts nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zhfix.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_handle RECORDS.txt [N]\n");
    return 2;
  }
  long rounds = argc > 2 ? atol(argv[2]) : 100000;
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  /* up to 4096 records of about 100 bytes */
  enum { MAXREC = 4096 };
  static char rec[MAXREC][512];
  static size_t len[MAXREC];
  size_t nrec = 0, bytes = 0;
  while (nrec < MAXREC && fgets(rec[nrec], sizeof rec[nrec], f)) {
    size_t n = strcspn(rec[nrec], "\n");
    /* a record of about 100 bytes: cut at a UTF-8 boundary at most 100 in */
    if (n > 100) {
      n = 100;
      while (n > 0 && (rec[nrec][n] & 0xC0) == 0x80) n--;
    }
    if (n < 60) continue;
    len[nrec] = n;
    bytes += n;
    nrec++;
  }
  fclose(f);
  if (!nrec) {
    fprintf(stderr, "bench_handle: no record of 60..100 bytes in %s\n", argv[1]);
    return 2;
  }
  char *out;
  size_t outlen;
  /* the first: builds the shared tables */
  double t0 = now();
  zhfix *h = zhfix_create();
  if (!h || zhfix_process(h, rec[0], len[0], &out, &outlen) != ZHFIX_OK) return 1;
  zhfix_buffer_free(out);
  zhfix_free(h);
  double first = now() - t0;

  double c0 = cpu_now();
  t0 = now();
  for (long i = 0; i < rounds; i++) {
    size_t k = (size_t)i % nrec;
    h = zhfix_create();
    if (!h || zhfix_process(h, rec[k], len[k], &out, &outlen) != ZHFIX_OK) return 1;
    zhfix_buffer_free(out);
    zhfix_free(h);
  }
  double wall = now() - t0, cpu = cpu_now() - c0;

  h = zhfix_create();
  if (!h) return 1;
  double c1 = cpu_now();
  for (long i = 0; i < rounds; i++) {
    size_t k = (size_t)i % nrec;
    if (zhfix_process(h, rec[k], len[k], &out, &outlen) != ZHFIX_OK) return 1;
    zhfix_buffer_free(out);
  }
  double kept = cpu_now() - c1;
  zhfix_free(h);

  printf("handle: first zhfix_create+process+free %.1f ms (builds the shared tables)\n",
         first * 1e3);
  printf("handle: zhfix_create + zhfix_process of a %.0f-byte record + zhfix_free: %.1f us "
         "average over %ld after the first (CPU; %.1f us wall) [target < 50 us]\n",
         (double)bytes / (double)nrec, cpu / (double)rounds * 1e6, rounds,
         wall / (double)rounds * 1e6);
  printf("handle: zhfix_process alone on one kept handle: %.1f us a record\n",
         kept / (double)rounds * 1e6);
  return 0;
}
