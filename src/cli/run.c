/* One job: its file streamed to standard output (or compared, or shown as
 * a diff), or rewritten in place (inplace.c); then its report entry. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static void run_stream(const cli_ctx *ctx, zhfix *h, cli_job *job, int out_fd) {
  const cli_opts *o = ctx->o;
  const char *name = cli_display(job->path);
  int fd = 0;
  if (strcmp(job->path, "-") != 0) {
    fd = open(job->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      CLI_JOB_FAIL(job, "%s: %s", name, strerror(errno));
      return;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      CLI_JOB_FAIL(job, "%s: is a directory (use -r to process it)", name);
      close(fd);
      return;
    }
  }
  /* --check and --diff print no text; the sink only compares. */
  int text_fd = (o->check || o->diff) ? -1 : out_fd;
  cli_sink sink;
  sink_init(&sink, text_fd, o->output ? o->fail_after : UINT64_MAX, o->diff);
  if (cli_doc_run(ctx, h, job, fd, &sink) == 0) {
    job->status = sink_finish(&sink) ? JOB_CHANGED : JOB_UNCHANGED;
    if (o->diff && job->status == JOB_CHANGED &&
        cli_diff(out_fd, name, sink.in_all.p, sink.in_all.len, sink.out_all.p,
                 sink.out_all.len, o->color) != 0)
      CLI_JOB_FAIL(job, "write error on standard output: %s", strerror(errno));
  }
  if (fd != 0)
    close(fd);
  sink_free(&sink);
}

void cli_run_job(const cli_ctx *ctx, zhfix *h, cli_job *job, int out_fd, int slot) {
  const cli_opts *o = ctx->o;
  int ran = 0; /* the handle's statistics describe this job */
  if (job->status != JOB_ERROR) { /* JOB_ERROR: failed while listing (walk.c) */
    zhfix_status rs = zhfix_reset(h);
    if (rs == ZHFIX_OK) {
      ran = 1;
      rs = cli_job_format(o, h, job);
    }
    if (rs != ZHFIX_OK)
      CLI_JOB_FAIL(job, "%s: %s", cli_display(job->path), zhfix_strerror(rs));
    else if (o->in_place)
      cli_run_in_place(ctx, h, job, out_fd, slot);
    else
      run_stream(ctx, h, job, out_fd);
  }
  if (ctx->progress)
    cli_progress_file_done(ctx->progress);
  if (o->report_json)
    job->report = cli_report_job(o, h, job, ran);
}
