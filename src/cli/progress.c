/* A progress line on stderr (files, bytes, rate, ETA), redrawn by its own
 * thread a few times a second.  main.c starts it only when stderr is a
 * terminal and the run is multi-file or large. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct cli_progress {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t thread;
  size_t nfiles, done;
  uint64_t total, bytes;
  struct timespec start;
  int stop, drawn;
};

static double since(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void human(char *buf, size_t n, double v) {
  const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (v >= 1024 && u < 4)
    v /= 1024, u++;
  snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

/* Called with the lock held. */
static void draw(cli_progress *p) {
  char line[256], b[32], t[32], r[32], eta[32] = "";
  double el = since(&p->start);
  double rate = el > 0 ? (double)p->bytes / el : 0;
  human(b, sizeof b, (double)p->bytes);
  human(t, sizeof t, (double)p->total);
  human(r, sizeof r, rate);
  int pct = -1;
  if (p->total > 0) {
    pct = (int)(100.0 * (double)p->bytes / (double)p->total);
    if (pct > 100)
      pct = 100;
    if (rate > 0 && p->bytes <= p->total) {
      long s = (long)((double)(p->total - p->bytes) / rate);
      snprintf(eta, sizeof eta, "  ETA %ld:%02ld", s / 60, s % 60);
    }
  }
  char bar[24] = "";
  if (pct >= 0) {
    int fill = pct / 5;
    bar[0] = '[';
    for (int i = 0; i < 20; i++)
      bar[1 + i] = i < fill ? '#' : '.';
    bar[21] = ']';
    bar[22] = ' ';
    bar[23] = '\0';
  }
  int n = snprintf(line, sizeof line, "\r\033[Kzhfix: %s%zu/%zu files  %s%s%s  %s/s%s",
                   bar, p->done, p->nfiles, b, p->total ? " of " : "",
                   p->total ? t : "", r, eta);
  if (n > 0)
    cli_write_all(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
  p->drawn = 1;
}

static void *loop(void *arg) {
  cli_progress *p = arg;
  pthread_mutex_lock(&p->mu);
  while (!p->stop) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 250 * 1000000L;
    if (until.tv_nsec >= 1000000000L)
      until.tv_sec++, until.tv_nsec -= 1000000000L;
    pthread_cond_timedwait(&p->cv, &p->mu, &until);
    if (!p->stop)
      draw(p);
  }
  if (p->drawn)
    cli_write_all(2, "\r\033[K", 4);
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

cli_progress *cli_progress_start(size_t nfiles, uint64_t total_bytes) {
  cli_progress *p = calloc(1, sizeof *p);
  if (!p)
    return NULL;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  p->nfiles = nfiles;
  p->total = total_bytes;
  clock_gettime(CLOCK_MONOTONIC, &p->start);
  /* The first frame at once, before the thread exists: even a short run
   * shows what it does, and what is drawn never depends on timing. */
  draw(p);
  if (pthread_create(&p->thread, NULL, loop, p) != 0) {
    cli_write_all(2, "\r\033[K", 4);
    free(p);
    return NULL;
  }
  return p;
}

void cli_progress_bytes(cli_progress *p, uint64_t n) {
  pthread_mutex_lock(&p->mu);
  p->bytes += n;
  pthread_mutex_unlock(&p->mu);
}

void cli_progress_file_done(cli_progress *p) {
  pthread_mutex_lock(&p->mu);
  p->done++;
  pthread_mutex_unlock(&p->mu);
}

void cli_progress_stop(cli_progress *p) {
  if (!p)
    return;
  pthread_mutex_lock(&p->mu);
  p->stop = 1;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
  pthread_join(p->thread, NULL);
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->mu);
  free(p);
}

void cli_progress_hold(cli_progress *p) {
  if (!p)
    return;
  pthread_mutex_lock(&p->mu);
  if (p->drawn)
    cli_write_all(2, "\r\033[K", 4);
  p->drawn = 0;
}

void cli_progress_release(cli_progress *p) {
  if (p)
    pthread_mutex_unlock(&p->mu);
}

void cli_stderr(cli_progress *p, const char *s, size_t n) {
  if (!p) {
    cli_write_all(2, s, n);
    return;
  }
  pthread_mutex_lock(&p->mu);
  if (p->drawn)
    cli_write_all(2, "\r\033[K", 4);
  p->drawn = 0;
  cli_write_all(2, s, n);
  pthread_mutex_unlock(&p->mu);
}
