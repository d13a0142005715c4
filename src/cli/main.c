/*
 * zhfix — the command.  main() reads the options (opts.c), lists the jobs
 * (walk.c), sets up the output, runs the jobs (sched.c) and writes the
 * report.  See docs/cli.md and docs/zhfix.1.
 *
 * Exit status: 0 success, 1 --check found files that would change,
 * 2 an error (a usage error, or any file that failed; the others are still
 * processed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static int same_file(const char *a, const struct stat *sb) {
  struct stat sa;
  return strcmp(a, "-") != 0 && stat(a, &sa) == 0 && sa.st_dev == sb->st_dev &&
         sa.st_ino == sb->st_ino;
}

/* The jobs of the command line's file names (standard input without any). */
static void list_jobs(cli_joblist *jobs, const cli_opts *o, int argc, char **argv, int first) {
  if (first >= argc && cli_add_arg(jobs, o, "-") != 0)
    goto nomem;
  for (int i = first; i < argc; i++)
    if (cli_add_arg(jobs, o, argv[i]) != 0)
      goto nomem;
  return;
nomem:
  fprintf(stderr, "zhfix: out of memory\nTry 'zhfix --help' for more information.\n");
  exit(2);
}

/* The descriptor the text goes to: standard output, or -o FILE, which must
 * not be one of the inputs.  -1 after a message. */
static int open_output(const cli_opts *o, const cli_joblist *jobs) {
  if (!o->output || strcmp(o->output, "-") == 0)
    return 1;
  struct stat so;
  if (stat(o->output, &so) == 0)
    for (size_t i = 0; i < jobs->len; i++)
      if (same_file(jobs->v[i].path, &so)) {
        fprintf(stderr, "zhfix: %s: output file is also an input (use -i)\n", o->output);
        return -1;
      }
  int fd = open(o->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0)
    fprintf(stderr, "zhfix: %s: %s\n", o->output, strerror(errno));
  return fd;
}

/* Resolves --color and --progress "auto" against where output goes. */
static void resolve_display(cli_opts *o, const cli_joblist *jobs, int out_fd) {
  if (o->color < 0) {
    const char *term = getenv("TERM");
    o->color = isatty(out_fd) && !getenv("NO_COLOR") && !(term && strcmp(term, "dumb") == 0);
  }
  if (o->progress < 0) {
    uint64_t total = 0;
    for (size_t i = 0; i < jobs->len; i++)
      total += jobs->v[i].size;
    /* Not when text or diffs stream to the same terminal: they would tear
     * the bar (the --check list is written around it). */
    int tty_out = isatty(out_fd) && (o->diff || (!o->check && !o->in_place));
    o->progress = isatty(2) && !o->quiet && !tty_out && (jobs->len > 1 || total > (16u << 20));
  }
}

/* Runs the jobs with output on out_fd; returns the exit status. */
static int run(const cli_opts *o, cli_joblist *jobs, int out_fd) {
  int nthreads = o->jobs < (int)jobs->len ? o->jobs : (int)jobs->len;
  if (cli_temp_init(2 * (nthreads < 1 ? 1 : nthreads)) != 0) {
    fprintf(stderr, "zhfix: out of memory\n");
    return 2;
  }
  json_object_seed(0); /* before any thread builds a report object */
  cli_ctx ctx = {o, NULL, 1};
  /* -j with one JSON Lines stream: the records are spread over threads. */
  ctx.record_threads = o->jsonl && jobs->len == 1 ? o->jobs : 1;
  if (o->progress) {
    uint64_t total = 0;
    for (size_t i = 0; i < jobs->len; i++)
      total += jobs->v[i].size;
    ctx.progress = cli_progress_start(jobs->len, total);
  }
  cli_totals t = {0, 0, 0, 0, json_array()};
  if (cli_run_jobs(&ctx, jobs, out_fd, &t) != 0)
    exit(2);
  cli_progress_stop(ctx.progress);

  int status = 0;
  if (t.out_err) {
    fprintf(stderr, "zhfix: write error on %s: %s\n", o->output ? o->output : "standard output",
            strerror(t.out_err));
    status = 2;
  }
  if (out_fd != 1 && close(out_fd) != 0) {
    fprintf(stderr, "zhfix: %s: %s\n", o->output, strerror(errno));
    status = 2;
  }
  if (o->report_json) {
    if (cli_report_write(o, jobs->len, &t, t.files) != 0)
      status = 2;
  } else {
    json_decref(t.files);
  }
  if (t.errors)
    status = 2;
  else if (status == 0 && o->check && t.changed)
    status = 1;
  return status;
}

int main(int argc, char **argv) {
  cli_opts o;
  int first = cli_parse_args(argc, argv, &o);
  cli_check_args(&o, argc - first);
  const char *hook = getenv("ZHFIX_TEST_FAIL_AFTER_BYTES");
  if (hook && *hook)
    o.fail_after = strtoull(hook, NULL, 10);

  cli_joblist jobs = {0};
  list_jobs(&jobs, &o, argc, argv, first);
  int status = 2;
  int out_fd = open_output(&o, &jobs);
  if (out_fd >= 0) {
    resolve_display(&o, &jobs, out_fd);
    status = run(&o, &jobs, out_fd);
  }
  for (size_t i = 0; i < jobs.len; i++) {
    free(jobs.v[i].path);
    sb_free(&jobs.v[i].msg);
    json_decref(jobs.v[i].report);
  }
  free(jobs.v);
  free(o.include);
  free(o.exclude);
  return status;
}
