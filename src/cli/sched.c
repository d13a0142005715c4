/* The scheduler: jobs run on N threads, one zhfix handle each, and their
 * results are emitted strictly in job order, so a run prints the same
 * bytes whatever -j is.  Text for stdout from a worker that is ahead waits
 * in a spool file. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* The most threads: as -j allows (opts.c). */
#define MAX_THREADS 64

typedef struct run_state {
  const cli_ctx *ctx;
  const cli_opts *o;
  cli_joblist *jobs;
  int out_fd;
  cli_totals *t;
} run_state;

static void emit(run_state *rs, cli_job *job) {
  if (job->msg.len)
    cli_stderr(rs->ctx->progress, job->msg.p, job->msg.len);
  if (job->spool_fd >= 0) {
    char buf[CLI_BUF_SIZE];
    if (lseek(job->spool_fd, 0, SEEK_SET) == 0) {
      ssize_t n;
      while ((n = read(job->spool_fd, buf, sizeof buf)) > 0)
        if (!rs->t->out_err && cli_write_all(rs->out_fd, buf, (size_t)n) < 0)
          rs->t->out_err = errno;
    }
    close(job->spool_fd);
    job->spool_fd = -1;
  }
  if (job->status == JOB_CHANGED) {
    rs->t->changed++;
    if (rs->o->check && !rs->o->diff) {
      /* gofmt -l style: one name per line, for xargs. */
      const char *d = cli_display(job->path);
      cli_progress_hold(rs->ctx->progress);
      if (!rs->t->out_err && (cli_write_all(rs->out_fd, d, strlen(d)) < 0 ||
                           cli_write_all(rs->out_fd, "\n", 1) < 0))
        rs->t->out_err = errno;
      cli_progress_release(rs->ctx->progress);
    }
  } else if (job->status == JOB_ERROR) {
    rs->t->errors++;
  } else if (job->status == JOB_SKIPPED) {
    rs->t->skipped++;
  }
  if (job->report) {
    json_array_append_new(rs->t->files, job->report);
    job->report = NULL;
  }
  sb_free(&job->msg);
}

/* Text for stdout from a worker waits in an unlinked temporary file, so
 * memory stays bounded however far ahead the workers run. */
static int spool_open(void) {
  const char *dir = getenv("TMPDIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/zhfix-spool-XXXXXX", dir && *dir ? dir : "/tmp");
  int fd = mkstemp(path);
  if (fd >= 0)
    fcntl(fd, F_SETFD, FD_CLOEXEC);
  if (fd >= 0)
    unlink(path);
  return fd;
}

typedef struct pool {
  run_state *rs;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  size_t next, emitted, window;
  char *done;
  int need_spool;
} pool;

typedef struct worker_arg {
  pool *p;
  int slot;
} worker_arg;

static void *worker(void *arg) {
  worker_arg *wa = arg;
  pool *p = wa->p;
  run_state *rs = p->rs;
  char err[256];
  zhfix *h = cli_handle_new(rs->o, err, sizeof err);
  for (;;) {
    pthread_mutex_lock(&p->mu);
    while (p->next < rs->jobs->len && p->next >= p->emitted + p->window)
      pthread_cond_wait(&p->cv, &p->mu);
    if (p->next >= rs->jobs->len) {
      pthread_mutex_unlock(&p->mu);
      break;
    }
    size_t idx = p->next++;
    pthread_mutex_unlock(&p->mu);

    cli_job *job = &rs->jobs->v[idx];
    if (!h) {
      job->status = JOB_ERROR;
      sb_addf(&job->msg, "zhfix: %s: %s\n", cli_display(job->path), err);
    } else {
      int fd = -1;
      if (p->need_spool && (fd = spool_open()) < 0) {
        job->status = JOB_ERROR;
        sb_addf(&job->msg, "zhfix: %s: cannot create a temporary file: %s\n",
                cli_display(job->path), strerror(errno));
      } else {
        job->spool_fd = fd;
        cli_run_job(rs->ctx, h, job, fd, wa->slot);
      }
    }
    pthread_mutex_lock(&p->mu);
    p->done[idx] = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
  }
  zhfix_free(h);
  return NULL;
}

static int run_parallel(run_state *rs, int nthreads) {
  pool p;
  memset(&p, 0, sizeof p);
  p.rs = rs;
  p.window = 4 * (size_t)nthreads + 16;
  p.done = calloc(rs->jobs->len, 1);
  p.need_spool = !rs->o->check || rs->o->diff;
  if (rs->o->in_place && !rs->o->diff)
    p.need_spool = 0;
  pthread_t th[MAX_THREADS];
  worker_arg wa[MAX_THREADS];
  if (!p.done)
    return -1;
  pthread_mutex_init(&p.mu, NULL);
  pthread_cond_init(&p.cv, NULL);
  int started = 0;
  for (int i = 0; i < nthreads; i++) {
    wa[i].p = &p;
    wa[i].slot = i;
    if (pthread_create(&th[i], NULL, worker, &wa[i]) != 0)
      break;
    started++;
  }
  if (started == 0) {
    free(p.done);
    return -1;
  }
  for (size_t k = 0; k < rs->jobs->len; k++) {
    pthread_mutex_lock(&p.mu);
    while (!p.done[k])
      pthread_cond_wait(&p.cv, &p.mu);
    pthread_mutex_unlock(&p.mu);
    emit(rs, &rs->jobs->v[k]);
    pthread_mutex_lock(&p.mu);
    p.emitted = k + 1;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
  }
  for (int i = 0; i < started; i++)
    pthread_join(th[i], NULL);
  pthread_cond_destroy(&p.cv);
  pthread_mutex_destroy(&p.mu);
  free(p.done);
  return 0;
}

static int run_serial(run_state *rs) {
  char err[256];
  zhfix *h = cli_handle_new(rs->o, err, sizeof err);
  if (!h) {
    fprintf(stderr, "zhfix: %s\n", err);
    return -1;
  }
  for (size_t k = 0; k < rs->jobs->len; k++) {
    cli_run_job(rs->ctx, h, &rs->jobs->v[k], rs->out_fd, 0);
    emit(rs, &rs->jobs->v[k]);
  }
  zhfix_free(h);
  return 0;
}

int cli_run_jobs(const cli_ctx *ctx, cli_joblist *jobs, int out_fd, cli_totals *t) {
  run_state rs = {ctx, ctx->o, jobs, out_fd, t};
  int nthreads = ctx->o->jobs < (int)jobs->len ? ctx->o->jobs : (int)jobs->len;
  if (nthreads <= 1)
    return run_serial(&rs);
  if (run_parallel(&rs, nthreads) != 0) {
    fprintf(stderr, "zhfix: cannot start threads\n");
    return -1;
  }
  return 0;
}
