/* Processing one input: reading, streaming through the library, the sink
 * that compares and writes, and the in-place protocol. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* ---- sink ------------------------------------------------------------------ */

void sink_init(cli_sink *s, int fd, uint64_t fail_after, int keep) {
  memset(s, 0, sizeof *s);
  s->fd = fd;
  s->fail_after = fail_after;
  s->keep = keep;
}

static void pend_drop(cli_sink *s) {
  sb_free(&s->pend);
  s->pend_pos = 0;
}

/* Feeds one side into the comparison.  side 0 = input, 1 = output.  The
 * pending buffer holds only the bytes one side is ahead of the other, which
 * the library bounds (one line plus the detection window), so comparing
 * costs no memory proportional to the input. */
static int compare_feed(cli_sink *s, int side, const unsigned char *p,
                        size_t n) {
  if (s->differs || n == 0)
    return 0;
  size_t avail = s->pend.len - s->pend_pos;
  if (avail > 0 && s->ahead != side) {
    size_t m = avail < n ? avail : n;
    if (memcmp(s->pend.p + s->pend_pos, p, m) != 0) {
      s->differs = 1;
      pend_drop(s);
      return 0;
    }
    s->pend_pos += m;
    p += m;
    n -= m;
    if (s->pend_pos == s->pend.len)
      s->pend.len = s->pend_pos = 0;
    if (n == 0)
      return 0;
  }
  /* This side is now ahead (or level). */
  if (s->pend_pos > 65536 && s->pend_pos * 2 > s->pend.len) {
    memmove(s->pend.p, s->pend.p + s->pend_pos, s->pend.len - s->pend_pos);
    s->pend.len -= s->pend_pos;
    s->pend_pos = 0;
  }
  s->ahead = side;
  return sb_add(&s->pend, p, n);
}

int sink_input(cli_sink *s, const void *p, size_t n) {
  if (compare_feed(s, 0, p, n) < 0)
    return -1;
  if (s->keep && sb_add(&s->in_all, p, n) < 0)
    return -1;
  return 0;
}

int sink_output(cli_sink *s, const void *p, size_t n) {
  if (compare_feed(s, 1, p, n) < 0)
    return -1;
  if (s->keep && sb_add(&s->out_all, p, n) < 0)
    return -1;
  if (s->fd < 0 || n == 0)
    return 0;
  if (s->err)
    return -1;
  size_t allow = n;
  int inject = 0;
  /* Test hook: pretend the device filled up after fail_after bytes. */
  if (s->fail_after != UINT64_MAX && s->written + n > s->fail_after) {
    allow = (size_t)(s->fail_after - s->written);
    inject = 1;
  }
  if (cli_write_all(s->fd, p, allow) < 0) {
    s->err = errno;
    return -1;
  }
  s->written += allow;
  if (inject) {
    s->err = ENOSPC;
    return -1;
  }
  return 0;
}

int sink_finish(cli_sink *s) {
  if (!s->differs && s->pend.len > s->pend_pos)
    s->differs = 1;
  pend_drop(s);
  return s->differs;
}

void sink_free(cli_sink *s) {
  pend_drop(s);
  sb_free(&s->in_all);
  sb_free(&s->out_all);
}

/* ---- messages -------------------------------------------------------------- */

static void jmsg(cli_job *job, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void jmsg(cli_job *job, const char *fmt, ...) {
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  sb_addf(&job->msg, "zhfix: %s\n", buf);
}

#define JOB_FAIL(job, ...)                                                    \
  do {                                                                        \
    (job)->status = JOB_ERROR;                                                \
    jmsg((job), __VA_ARGS__);                                                 \
  } while (0)

static const char *enc_name(const zhfix *h) {
  const char *n = zhfix_encoding_name((int)zhfix_get_stat(h, ZHFIX_STAT_ENCODING));
  return n ? n : "?";
}

/* ---- streaming ---------------------------------------------------------------- */

/* Streams fd through h into the sink.  Returns the library status, or 1 for
 * a read/write/memory failure already reported. */
static int stream_doc(const cli_ctx *ctx, zhfix *h, cli_job *job, int fd,
                      cli_sink *sink) {
  const char *name = cli_display(job->path);
  unsigned char *inbuf = malloc(CLI_BUF_SIZE);
  unsigned char *outbuf = malloc(CLI_BUF_SIZE);
  int ret = ZHFIX_OK;
  if (!inbuf || !outbuf) {
    JOB_FAIL(job, "%s: out of memory", name);
    ret = 1;
    goto done;
  }
  int eof = 0;
  while (!eof) {
    ssize_t n = read(fd, inbuf, CLI_BUF_SIZE);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      JOB_FAIL(job, "%s: read error: %s", name, strerror(errno));
      ret = 1;
      goto done;
    }
    eof = n == 0;
    if (sink_input(sink, inbuf, (size_t)n) < 0) {
      JOB_FAIL(job, "%s: out of memory", name);
      ret = 1;
      goto done;
    }
    if (ctx->progress)
      cli_progress_bytes(ctx->progress, (uint64_t)n);
    zhfix_in in = {inbuf, (size_t)n, 0};
    int stuck = 0;
    for (;;) {
      zhfix_out out = {outbuf, CLI_BUF_SIZE, 0};
      size_t pending = 0, before = in.pos;
      zhfix_status st = zhfix_stream(h, &out, &in, eof ? ZHFIX_END : ZHFIX_CONTINUE,
                                     &pending);
      if (out.pos > 0 && sink_output(sink, outbuf, out.pos) < 0) {
        if (sink->err)
          JOB_FAIL(job, "%s: write error: %s", name, strerror(sink->err));
        else
          JOB_FAIL(job, "%s: out of memory", name);
        ret = 1;
        goto done;
      }
      if (st != ZHFIX_OK) {
        ret = st;
        goto done;
      }
      if (eof ? pending == 0 : (in.pos == in.size && out.pos < out.size))
        break;
      /* The library must make progress on every call; never spin. */
      if (out.pos == 0 && in.pos == before) {
        if (++stuck > 2) {
          JOB_FAIL(job, "%s: the library made no progress (internal error)", name);
          ret = 1;
          goto done;
        }
      } else {
        stuck = 0;
      }
    }
  }
done:
  free(inbuf);
  free(outbuf);
  return ret;
}

/* Turns a library status into messages; returns 0 if the document is good. */
static int judge(const cli_opts *o, zhfix *h, cli_job *job, int st) {
  const char *name = cli_display(job->path);
  uint64_t ninv = zhfix_get_stat(h, ZHFIX_STAT_INVALID_SEQUENCES);
  uint64_t first = zhfix_get_stat(h, ZHFIX_STAT_FIRST_INVALID_OFFSET);
  if (st == 1)
    return -1;
  if (st == ZHFIX_E_BAD_INPUT) {
    JOB_FAIL(job, "%s: byte %llu: invalid %s byte sequence (--strict)", name,
             (unsigned long long)first, enc_name(h));
    return -1;
  }
  if (st == ZHFIX_E_BINARY) {
    if (!job->explicit_arg) {
      job->status = JOB_SKIPPED;
      return -1;
    }
    JOB_FAIL(job, "%s: looks like a binary file (NUL bytes); use --force to process it",
             name);
    return -1;
  }
  if (st != ZHFIX_OK) {
    JOB_FAIL(job, "%s: %s", name, zhfix_strerror(st));
    return -1;
  }
  /* In place, an uncertain decoding is not written back: the file keeps
   * its bytes unless --force says otherwise. */
  if (o->in_place && !o->force && !o->jsonl) {
    if (ninv > 0) {
      JOB_FAIL(job,
               "%s: byte %llu: invalid %s byte sequence (%llu in all); not modified "
               "(U+FFFD would replace them; --force rewrites it)",
               name, (unsigned long long)first, enc_name(h), (unsigned long long)ninv);
      return -1;
    }
    if (zhfix_get_stat(h, ZHFIX_STAT_ENCODING_GUESSED)) {
      uint64_t in = zhfix_get_stat(h, ZHFIX_STAT_BYTES_IN);
      JOB_FAIL(job,
               "%s: bytes 0-%llu: encoding guessed as %s on weak evidence; not modified "
               "(give --from=ENC, or --force)",
               name, (unsigned long long)(in < ZHFIX_DETECT_WINDOW ? in : ZHFIX_DETECT_WINDOW),
               enc_name(h));
      return -1;
    }
  }
  if (ninv > 0 && !o->quiet)
    jmsg(job, "%s: byte %llu: invalid %s byte sequence replaced by U+FFFD (%llu in all)",
         name, (unsigned long long)first, enc_name(h), (unsigned long long)ninv);
  return 0;
}

/* ---- in place ------------------------------------------------------------------ */

static void fsync_dir_of(const char *path) {
  char *copy = strdup(path);
  if (!copy)
    return;
  int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)fsync(dfd); /* best effort: not every file system supports it */
    close(dfd);
  }
  free(copy);
}

/* Copies src's bytes into the open fd dst. */
static int copy_fd(int src, int dst) {
  char buf[CLI_BUF_SIZE];
  for (;;) {
    ssize_t n = read(src, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (n == 0)
      return 0;
    if (cli_write_all(dst, buf, (size_t)n) < 0)
      return -1;
  }
}

/* Makes target+suffix hold the original bytes, atomically replacing an
 * older backup: a hard link under a temporary name renamed into place, or
 * a copy where the file system has no hard links. */
static int make_backup(const char *target, const char *suffix, int slot,
                       const struct stat *st) {
  size_t len = strlen(target) + strlen(suffix) + 1;
  char *bak = malloc(len);
  char *tmp = NULL;
  int ok = -1, saved = 0;
  if (!bak)
    return -1;
  snprintf(bak, len, "%s%s", target, suffix);
  int tfd = cli_temp_create(target, slot, &tmp);
  if (tfd < 0)
    goto out;
  /* Try the link first: no copy, and the backup keeps the inode's times. */
  close(tfd);
  if (unlink(tmp) == 0 && link(target, tmp) == 0) {
    ok = 0;
  } else {
    tfd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int sfd = tfd >= 0 ? open(target, O_RDONLY | O_CLOEXEC) : -1;
    if (sfd >= 0 && copy_fd(sfd, tfd) == 0 && fchmod(tfd, st->st_mode & 07777) == 0 &&
        fsync(tfd) == 0)
      ok = 0;
    saved = errno;
    if (sfd >= 0)
      close(sfd);
    if (tfd >= 0 && close(tfd) != 0 && ok == 0) {
      saved = errno;
      ok = -1;
    }
  }
  if (ok == 0 && rename(tmp, bak) != 0) {
    saved = errno;
    ok = -1;
  }
  if (ok != 0)
    unlink(tmp);
  cli_temp_release(slot);
  errno = saved;
out:
  free(tmp);
  free(bak);
  return ok;
}

static void run_in_place(const cli_ctx *ctx, zhfix *h, cli_job *job, int out_fd,
                         int slot) {
  const cli_opts *o = ctx->o;
  const char *name = cli_display(job->path);
  char *target = NULL, *tmp = NULL;
  int fd = -1, tfd = -1;
  cli_sink sink;
  sink_init(&sink, -1, UINT64_MAX, 0);

  if (strcmp(job->path, "-") == 0) {
    JOB_FAIL(job, "%s: cannot edit standard input in place", name);
    return;
  }
  /* A symlink is followed: its target is rewritten, the link stays a link. */
  target = realpath(job->path, NULL);
  if (!target) {
    JOB_FAIL(job, "%s: %s", name, strerror(errno));
    return;
  }
  struct stat st;
  if (stat(target, &st) != 0) {
    JOB_FAIL(job, "%s: %s", name, strerror(errno));
    goto out;
  }
  if (S_ISDIR(st.st_mode)) {
    JOB_FAIL(job, "%s: is a directory (use -r to process it)", name);
    goto out;
  }
  if (!S_ISREG(st.st_mode)) {
    JOB_FAIL(job, "%s: not a regular file; cannot edit it in place", name);
    goto out;
  }
  /* A read-only file is protected by its owner: leave it alone even as
   * root, who could otherwise replace it. */
  if ((st.st_mode & 0222) == 0 || access(target, W_OK) != 0) {
    JOB_FAIL(job, "%s: file is read-only; not modified", name);
    goto out;
  }
  fd = open(target, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    JOB_FAIL(job, "%s: %s", name, strerror(errno));
    goto out;
  }
  tfd = cli_temp_create(target, 2 * slot, &tmp);
  if (tfd < 0) {
    JOB_FAIL(job, "%s: cannot create a temporary file beside it: %s", name,
             strerror(errno));
    goto out;
  }
  if (fchmod(tfd, st.st_mode & 07777) != 0) {
    JOB_FAIL(job, "%s: cannot set the mode of the temporary file: %s", name,
             strerror(errno));
    goto fail;
  }
  if (geteuid() == 0 && fchown(tfd, st.st_uid, st.st_gid) != 0) {
    JOB_FAIL(job, "%s: cannot keep the owner: %s", name, strerror(errno));
    goto fail;
  }
  sink_init(&sink, tfd, o->fail_after, o->diff);
  int r;
  if (o->jsonl)
    r = cli_jsonl_run(ctx, h, job, fd, &sink) == 0 ? 0 : -1;
  else
    r = judge(o, h, job, stream_doc(ctx, h, job, fd, &sink));
  if (r != 0)
    goto fail; /* JOB_ERROR, or JOB_SKIPPED for a binary file in a tree */
  int changed = sink_finish(&sink);
  if (!changed) {
    /* Nothing to do: the original keeps its inode, times and links. */
    job->status = JOB_UNCHANGED;
    goto fail;
  }
  if (fsync(tfd) != 0) {
    JOB_FAIL(job, "%s: cannot sync the temporary file: %s", name, strerror(errno));
    goto fail;
  }
  int c = close(tfd);
  tfd = -1;
  if (c != 0) {
    JOB_FAIL(job, "%s: write error: %s", name, strerror(errno));
    goto fail;
  }
  if (o->backup_suffix && make_backup(target, o->backup_suffix, 2 * slot + 1, &st) != 0) {
    JOB_FAIL(job, "%s: cannot make the backup %s%s: %s", name, target,
             o->backup_suffix, strerror(errno));
    goto fail;
  }
  if (rename(tmp, target) != 0) {
    JOB_FAIL(job, "%s: cannot replace the file: %s", name, strerror(errno));
    goto fail;
  }
  cli_temp_release(2 * slot);
  fsync_dir_of(target);
  job->status = JOB_CHANGED;
  if (st.st_nlink > 1 && !o->quiet)
    jmsg(job, "%s: had %lu hard links; the other names keep the old text", name,
         (unsigned long)st.st_nlink - 1);
  if (!o->jsonl && zhfix_get_stat(h, ZHFIX_STAT_ENCODING) != ZHFIX_ENC_UTF8 && !o->quiet)
    jmsg(job, "%s: converted from %s to UTF-8", name, enc_name(h));
  if (o->diff && cli_diff(out_fd, name, sink.in_all.p, sink.in_all.len,
                          sink.out_all.p, sink.out_all.len, o->color) != 0)
    JOB_FAIL(job, "write error on standard output: %s", strerror(errno));
  goto out;

fail:
  if (tfd >= 0)
    close(tfd);
  if (tmp) {
    unlink(tmp);
    cli_temp_release(2 * slot);
  }
out:
  if (fd >= 0)
    close(fd);
  sink_free(&sink);
  free(tmp);
  free(target);
}

/* ---- one job ------------------------------------------------------------------- */

static void run_stream(const cli_ctx *ctx, zhfix *h, cli_job *job, int out_fd) {
  const cli_opts *o = ctx->o;
  const char *name = cli_display(job->path);
  int fd = 0;
  if (strcmp(job->path, "-") != 0) {
    fd = open(job->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      JOB_FAIL(job, "%s: %s", name, strerror(errno));
      return;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      JOB_FAIL(job, "%s: is a directory (use -r to process it)", name);
      close(fd);
      return;
    }
  }
  /* --check and --diff print no text; the sink only compares. */
  int text_fd = (o->check || o->diff) ? -1 : out_fd;
  cli_sink sink;
  sink_init(&sink, text_fd, o->output ? o->fail_after : UINT64_MAX, o->diff);
  int r;
  if (o->jsonl)
    r = cli_jsonl_run(ctx, h, job, fd, &sink) == 0 ? 0 : -1;
  else
    r = judge(o, h, job, stream_doc(ctx, h, job, fd, &sink));
  if (r == 0) {
    job->status = sink_finish(&sink) ? JOB_CHANGED : JOB_UNCHANGED;
    if (o->diff && job->status == JOB_CHANGED &&
        cli_diff(out_fd, name, sink.in_all.p, sink.in_all.len, sink.out_all.p,
                 sink.out_all.len, o->color) != 0)
      JOB_FAIL(job, "write error on standard output: %s", strerror(errno));
  }
  if (fd != 0)
    close(fd);
  sink_free(&sink);
}

static const char *status_name(int s) {
  switch (s) {
  case JOB_UNCHANGED: return "unchanged";
  case JOB_CHANGED: return "changed";
  case JOB_SKIPPED: return "skipped";
  default: return "error";
  }
}

void cli_run_job(const cli_ctx *ctx, zhfix *h, cli_job *job, int out_fd, int slot) {
  const cli_opts *o = ctx->o;
  int ran = 0; /* the handle's statistics describe this job */
  if (job->status == JOB_ERROR) /* failed while listing (walk.c) */
    goto report;
  zhfix_status rs = zhfix_reset(h);
  if (rs != ZHFIX_OK) {
    JOB_FAIL(job, "%s: %s", cli_display(job->path), zhfix_strerror(rs));
    goto report;
  }
  ran = 1;
  rs = cli_job_format(o, h, job);
  if (rs != ZHFIX_OK) {
    JOB_FAIL(job, "%s: %s", cli_display(job->path), zhfix_strerror(rs));
    goto report;
  }
  if (o->in_place)
    run_in_place(ctx, h, job, out_fd, slot);
  else
    run_stream(ctx, h, job, out_fd);
report:
  if (ctx->progress)
    cli_progress_file_done(ctx->progress);
  if (!o->report_json)
    return;
  json_t *e = json_object();
  if (!e)
    return;
  json_object_set_new(e, "file", cli_json_path(cli_display(job->path)));
  json_object_set_new(e, "status", json_string(status_name(job->status)));
  if (job->status == JOB_SKIPPED)
    json_object_set_new(e, "reason", json_string("binary"));
  if (job->msg.len) {
    json_t *m = json_array();
    const char *p = job->msg.p, *end = p + job->msg.len;
    while (p < end) {
      const char *nl = memchr(p, '\n', (size_t)(end - p));
      size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
      if (n > 7 && memcmp(p, "zhfix: ", 7) == 0) {
        p += 7;
        n -= 7;
      }
      json_t *s = json_stringn(p, n);
      json_array_append_new(m, s ? s : json_string("(message not UTF-8)"));
      p += n + 1;
    }
    json_object_set_new(e, "messages", m);
  }
  if (job->report) {
    /* JSON Lines put their own record counts and statistics there. */
    json_object_update(e, job->report);
    json_decref(job->report);
  } else if (ran && (job->status == JOB_CHANGED || job->status == JOB_UNCHANGED ||
                     zhfix_get_stat(h, ZHFIX_STAT_BYTES_IN) > 0)) {
    cli_report_stats(e, h);
    if (o->in_place && job->status == JOB_CHANGED)
      json_object_set_new(e, "rewritten", json_true());
  }
  job->report = e;
}
