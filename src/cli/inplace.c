/* In place: the file is rewritten through a temporary file beside it,
 * renamed over it only when the text changed and every byte was written
 * and synced; --backup keeps the original under a second name. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

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

void cli_run_in_place(const cli_ctx *ctx, zhfix *h, cli_job *job, int out_fd,
                         int slot) {
  const cli_opts *o = ctx->o;
  const char *name = cli_display(job->path);
  char *target = NULL, *tmp = NULL;
  int fd = -1, tfd = -1;
  cli_sink sink;
  sink_init(&sink, -1, UINT64_MAX, 0);

  if (strcmp(job->path, "-") == 0) {
    CLI_JOB_FAIL(job, "%s: cannot edit standard input in place", name);
    return;
  }
  /* A symlink is followed: its target is rewritten, the link stays a link. */
  target = realpath(job->path, NULL);
  if (!target) {
    CLI_JOB_FAIL(job, "%s: %s", name, strerror(errno));
    return;
  }
  struct stat st;
  if (stat(target, &st) != 0) {
    CLI_JOB_FAIL(job, "%s: %s", name, strerror(errno));
    goto out;
  }
  if (S_ISDIR(st.st_mode)) {
    CLI_JOB_FAIL(job, "%s: is a directory (use -r to process it)", name);
    goto out;
  }
  if (!S_ISREG(st.st_mode)) {
    CLI_JOB_FAIL(job, "%s: not a regular file; cannot edit it in place", name);
    goto out;
  }
  /* A read-only file is protected by its owner: leave it alone even as
   * root, who could otherwise replace it. */
  if ((st.st_mode & 0222) == 0 || access(target, W_OK) != 0) {
    CLI_JOB_FAIL(job, "%s: file is read-only; not modified", name);
    goto out;
  }
  fd = open(target, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    CLI_JOB_FAIL(job, "%s: %s", name, strerror(errno));
    goto out;
  }
  tfd = cli_temp_create(target, 2 * slot, &tmp);
  if (tfd < 0) {
    CLI_JOB_FAIL(job, "%s: cannot create a temporary file beside it: %s", name,
             strerror(errno));
    goto out;
  }
  if (fchmod(tfd, st.st_mode & 07777) != 0) {
    CLI_JOB_FAIL(job, "%s: cannot set the mode of the temporary file: %s", name,
             strerror(errno));
    goto fail;
  }
  if (geteuid() == 0 && fchown(tfd, st.st_uid, st.st_gid) != 0) {
    CLI_JOB_FAIL(job, "%s: cannot keep the owner: %s", name, strerror(errno));
    goto fail;
  }
  sink_init(&sink, tfd, o->fail_after, o->diff);
  if (cli_doc_run(ctx, h, job, fd, &sink) != 0)
    goto fail; /* JOB_ERROR, or JOB_SKIPPED for a binary file in a tree */
  int changed = sink_finish(&sink);
  if (!changed) {
    /* Nothing to do: the original keeps its inode, times and links. */
    job->status = JOB_UNCHANGED;
    goto fail;
  }
  if (fsync(tfd) != 0) {
    CLI_JOB_FAIL(job, "%s: cannot sync the temporary file: %s", name, strerror(errno));
    goto fail;
  }
  int c = close(tfd);
  tfd = -1;
  if (c != 0) {
    CLI_JOB_FAIL(job, "%s: write error: %s", name, strerror(errno));
    goto fail;
  }
  if (o->backup_suffix && make_backup(target, o->backup_suffix, 2 * slot + 1, &st) != 0) {
    CLI_JOB_FAIL(job, "%s: cannot make the backup %s%s: %s", name, target,
             o->backup_suffix, strerror(errno));
    goto fail;
  }
  if (rename(tmp, target) != 0) {
    CLI_JOB_FAIL(job, "%s: cannot replace the file: %s", name, strerror(errno));
    goto fail;
  }
  cli_temp_release(2 * slot);
  fsync_dir_of(target);
  job->status = JOB_CHANGED;
  if (st.st_nlink > 1 && !o->quiet)
    cli_job_msg(job, "%s: had %lu hard links; the other names keep the old text", name,
         (unsigned long)st.st_nlink - 1);
  if (!o->jsonl && zhfix_get_stat(h, ZHFIX_STAT_ENCODING) != ZHFIX_ENC_UTF8 && !o->quiet)
    cli_job_msg(job, "%s: converted from %s to UTF-8", name, cli_enc_name(h));
  if (o->diff && cli_diff(out_fd, name, sink.in_all.p, sink.in_all.len,
                          sink.out_all.p, sink.out_all.len, o->color) != 0)
    CLI_JOB_FAIL(job, "write error on standard output: %s", strerror(errno));
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
