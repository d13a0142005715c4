/*
 * Internal interfaces of the zhfix command.  The CLI is a client of the
 * public API (zhfix.h) only; nothing here is installed.
 *
 * Shape of a run, each file calling only the ones below it:
 *
 *   main.c      the command: options (opts.c), set-up, the run, the report
 *   sched.c     runs the jobs on N threads (one handle each) and *emits*
 *               their results (stdout text, messages, report entries)
 *               strictly in job order, so a run prints the same bytes
 *               whatever -j is
 *   run.c       one job: a stream to stdout, or in place (inplace.c)
 *   doc.c       one document through the library into a sink: a plain
 *               stream, or JSON Lines records (jsonl.c, jsonline.c)
 *   sink.c, handle.c, diff.c, report.c, walk.c, temp.c, progress.c,
 *   util.c      the pieces they share
 */
#ifndef ZHFIX_CLI_H
#define ZHFIX_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "zhfix.h"

/* The streaming buffers: memory use does not depend on the input size. */
#define CLI_BUF_SIZE 65536
/* What one read(2) of a document asks for: a fourth of the system calls
 * of CLI_BUF_SIZE (doc.c, jsonl.c). */
#define CLI_READ_SIZE (256 * 1024)
/* Library options the CLI passes through by name (zhfix_set_option_string). */
#define CLI_MAX_LIBOPTS 32

/* ---- growable byte buffer ------------------------------------------------ */

typedef struct strbuf {
  char *p;
  size_t len, cap;
} strbuf;

/* Return 0, or -1 when memory is exhausted (the buffer is unchanged). */
int sb_add(strbuf *b, const void *s, size_t n);
int sb_addf(strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sb_free(strbuf *b);

/* write(2) all of it, retrying on EINTR.  0 or -1 with errno set. */
int cli_write_all(int fd, const void *p, size_t n);

/* ---- options -------------------------------------------------------------- */

typedef struct cli_opts {
  /* Library options in command-line order, applied to every handle. */
  const char *lib_name[CLI_MAX_LIBOPTS];
  const char *lib_value[CLI_MAX_LIBOPTS];
  int nlib;

  const char *output;        /* -o FILE, NULL = stdout               */
  int in_place;              /* -i                                    */
  const char *backup_suffix; /* --backup[=SUFFIX], NULL = no backup   */
  int recursive;             /* -r                                    */
  int hidden;                /* --hidden: walk hidden files too       */
  const char **include;      /* --include globs                       */
  size_t ninclude;
  const char **exclude;      /* --exclude globs                       */
  size_t nexclude;
  int check;                 /* --check                               */
  int diff;                  /* --diff                                */
  int color;                 /* --color: 1 always, 0 never, -1 auto   */
  int report_json;           /* --report=json                         */
  const char *report_file;   /* --report-file, NULL = stderr          */
  int jobs;                  /* -j N                                  */
  int jsonl;                 /* --jsonl[=FIELD]                       */
  const char *jsonl_field;
  int quiet;                 /* -q                                    */
  int format;                /* --format: zhfix_format; AUTO: per file name */
  int strict;                /* --strict (also passed to the library) */
  int force;                 /* --force (also passed to the library)  */
  int progress;              /* 1 show, 0 not, -1 auto (main.c decides) */
  uint64_t fail_after;       /* test hook, UINT64_MAX = off           */
} cli_opts;

/* Parses the command line into o.  Exits with status 0 after --help or
 * --version and 2 after a usage error (opts.c).  Returns the index in argv
 * of the first file name. */
int cli_parse_args(int argc, char **argv, cli_opts *o);
/* Checks the combinations of options, and every library option once (by
 * the library itself); exits with status 2 and a message when one is
 * refused (opts.c).  nfiles: file names given. */
void cli_check_args(const cli_opts *o, int nfiles);

/* Creates a handle with every library option of o applied; NULL when
 * memory is exhausted or an option is refused (message in err)
 * (handle.c). */
zhfix *cli_handle_new(const cli_opts *o, char *err, size_t errlen);

/* ---- jobs ------------------------------------------------------------------ */

enum cli_job_status {
  JOB_UNCHANGED = 0, /* processed, output identical to the input */
  JOB_CHANGED = 1,   /* processed, output differs                */
  JOB_SKIPPED = 2,   /* binary file met while walking a tree     */
  JOB_ERROR = 3
};

typedef struct cli_job {
  char *path;       /* as given or found; "-" is stdin          */
  int explicit_arg; /* named on the command line                */
  uint64_t size;    /* bytes, from stat (0 when unknown)        */

  /* Results, filled by whichever thread processes the job. */
  int status;       /* enum cli_job_status */
  strbuf msg;       /* text for stderr, emitted in job order     */
  int spool_fd;     /* -j > 1: stdout text waiting in a tmpfile  */
  json_t *report;   /* --report=json entry                       */
} cli_job;

/* Display name: "<stdin>" for "-". */
const char *cli_display(const char *path);

/* Length of the well-formed UTF-8 sequence at p (at most n bytes), 1 for
 * ASCII, 0 if invalid (util.c: the CLI's one UTF-8 check; the library has
 * its own, private to it). */
size_t cli_utf8_len(const unsigned char *p, size_t n);

/* The name of the encoding the handle read ("?" if unknown) (util.c). */
const char *cli_enc_name(const zhfix *h);
/* Adds "zhfix: MESSAGE\n" to the job's messages (util.c). */
void cli_job_msg(cli_job *job, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The job failed: the message says why. */
#define CLI_JOB_FAIL(job, ...)                                                \
  do {                                                                        \
    (job)->status = JOB_ERROR;                                                \
    cli_job_msg((job), __VA_ARGS__);                                          \
  } while (0)

/* ---- running the jobs (sched.c, run.c) ------------------------------------ */

typedef struct cli_progress cli_progress;

typedef struct cli_ctx {
  const cli_opts *o;
  cli_progress *progress; /* NULL when not shown */
  int record_threads;     /* --jsonl on a single stream: threads for records */
} cli_ctx;

/* What a run of jobs came to (sched.c). */
typedef struct cli_totals {
  size_t changed, errors, skipped;
  int out_err;   /* errno of the first write error on out_fd */
  json_t *files; /* --report=json: one entry per job, in order */
} cli_totals;

/* Runs every job of the list, on up to o->jobs threads with a handle each,
 * and emits the results in job order: text to out_fd, messages to stderr,
 * report entries into t->files.  Returns 0, or -1 (message printed) when no
 * thread or handle could be had. */
typedef struct cli_joblist cli_joblist;
int cli_run_jobs(const cli_ctx *ctx, cli_joblist *jobs, int out_fd, cli_totals *t);

/* Processes one job with handle h.  Text for stdout goes to out_fd (-1:
 * none).  slot picks this worker's entries in the temp-file registry
 * (run.c). */
void cli_run_job(const cli_ctx *ctx, zhfix *h, cli_job *job, int out_fd,
                 int slot);

/* ---- the output side of one document (sink.c) ------------------------------ *
 * Everything the transform writes goes through a sink, which also watches
 * whether the output equals the input (for --check and to leave unchanged
 * files alone), keeps both sides for --diff, and honours the test hook
 * ZHFIX_TEST_FAIL_AFTER_BYTES.                                               */

typedef struct cli_sink {
  int fd;              /* -1: discard */
  uint64_t written;
  uint64_t fail_after; /* UINT64_MAX: off */
  int err;             /* errno of the first write failure, 0 = none */

  /* Comparison: the bytes of whichever side is ahead, until they differ. */
  int differs;
  int ahead;           /* 0: input is ahead, 1: output is ahead */
  strbuf pend;
  size_t pend_pos;

  int keep;            /* --diff: keep both sides whole */
  strbuf in_all, out_all;
} cli_sink;

void sink_init(cli_sink *s, int fd, uint64_t fail_after, int keep);
/* Bytes of the input as they are read. */
int sink_input(cli_sink *s, const void *p, size_t n);
/* Bytes of the output; -1 on a write error (s->err). */
int sink_output(cli_sink *s, const void *p, size_t n);
/* Ends the document: returns 1 if output and input differ. */
int sink_finish(cli_sink *s);
void sink_free(cli_sink *s);

/* ---- one document (doc.c) ----------------------------------------------------- *
 * Reads fd to its end through h into sink: a plain stream, or with --jsonl
 * the records.  Messages go to job->msg (status JOB_ERROR, or JOB_SKIPPED
 * for a binary file met in a tree).  Returns 0 when the document is good,
 * -1 otherwise.                                                              */
int cli_doc_run(const cli_ctx *ctx, zhfix *h, cli_job *job, int fd, cli_sink *sink);

/* In place (inplace.c): rewrites the job's file through a temporary file
 * beside it, when the text changes; --diff prints the change on out_fd. */
void cli_run_in_place(const cli_ctx *ctx, zhfix *h, cli_job *job, int out_fd, int slot);

/* ---- JSON Lines (jsonl.c, jsonline.c) ------------------------------------------ *
 * Reads JSON Lines from fd, writes them into sink with the field cleaned.
 * Messages go to job->msg; the report entry (if any) is filled in.
 * Returns 0, or -1 if the job failed (an error was recorded).                */
int cli_jsonl_run(const cli_ctx *ctx, zhfix *h, cli_job *job, int fd,
                  cli_sink *sink);

/* One record read (jsonline.c).  Zero-initialised before the first use. */
enum cli_jl_kind {
  JL_FIELD_STRING,    /* str[0..slen) is the field's value       */
  JL_FIELD_ABSENT,    /* an object without the field             */
  JL_FIELD_NOT_STRING,/* the field holds another kind of value   */
  JL_NOT_OBJECT,      /* valid JSON, not an object               */
  JL_INVALID          /* not JSON: err says why (jansson's words) */
};
typedef struct cli_jl_rec {
  int kind;
  const char *str;    /* valid until the next read               */
  size_t slen;
  int span;           /* 1: the value's bytes are line[vs..ve)   */
  size_t vs, ve;
  char err[256];
  strbuf val;         /* private: the decoded value              */
  json_t *root;       /* private: jansson's tree, when it read it */
} cli_jl_rec;
/* Reads line[0..n) (no newline) and finds field in it. */
void cli_jl_read(cli_jl_rec *r, const char *line, size_t n, const char *field);
/* Drops what the last read holds beyond the buffer; free: everything. */
void cli_jl_done(cli_jl_rec *r);
void cli_jl_free(cli_jl_rec *r);
/* Appends s[0..n) to out as a JSON string in the escaping style of the
 * original value orig[0..olen): all-ASCII with \u escapes stays so, in
 * the same hex case; otherwise UTF-8, as jansson writes it.  utf8: s is
 * known to be UTF-8 (zhfix's output always is), not checked again.  0, or
 * -1 when s is not UTF-8 or memory ran out (out then holds a part). */
int cli_jl_encode_like(strbuf *out, const char *orig, size_t olen, const char *s, size_t n,
                       int utf8);

/* ---- statistics into JSON (report.c) ---------------------------------------- */

/* Adds this document's statistics to obj: encoding, script, the
 * counters ("stats" and "repairs" objects) and the unrecoverable spans. */
void cli_report_stats(json_t *obj, const zhfix *h);
/* Adds counters v (indexed by zhfix_stat) into obj's "stats" and "repairs"
 * objects, creating them; attributes (encoding, script, offsets) are
 * skipped. */
void cli_report_counters(json_t *obj, const uint64_t *v);
/* A JSON string for a path that may not be UTF-8. */
json_t *cli_json_path(const char *path);
/* The entry of one job in the report: its file, status, messages and
 * statistics (the handle's, when `ran`, or the JSON Lines record counts
 * the job holds). */
json_t *cli_report_job(const cli_opts *o, const zhfix *h, cli_job *job, int ran);
/* Writes the whole report (--report=json) where o says; takes `files`.
 * Returns 0 or -1 (message printed). */
int cli_report_write(const cli_opts *o, size_t njobs, const cli_totals *t, json_t *files);

/* ---- unified diff (diff.c) --------------------------------------------------- */

/* Writes a unified diff of a -> b (3 lines of context), both named name.
 * Returns 0, or -1 on a write error or exhausted memory. */
int cli_diff(int fd, const char *name, const char *a, size_t alen,
             const char *b, size_t blen, int color);

/* ---- trees (walk.c) --------------------------------------------------------- */

struct cli_joblist {
  cli_job *v;
  size_t len, cap;
};

/* Adds the job(s) for one command-line argument: a file, "-", or with -r a
 * directory walked in sorted order.  Errors are returned as messages in
 * err (one job with status JOB_ERROR is added so the order is kept). */
int cli_add_arg(cli_joblist *l, const cli_opts *o, const char *arg);

/* Sets the handle's format for a job: --format when given, else the one
 * the file's name stands for (zhfix_format_from_path), else AUTO (the
 * library reads the content).  JSON Lines records are text, whatever the
 * file is called. */
zhfix_status cli_job_format(const cli_opts *o, zhfix *h, const cli_job *job);

/* ---- temporary files and signals (temp.c) ------------------------------------ */

/* Installs handlers so that SIGINT, SIGTERM, SIGHUP, SIGPIPE and SIGQUIT
 * remove registered temporary files before the process dies. */
int cli_temp_init(int nslots);
/* Creates a temporary file beside target (same directory), registered in
 * slot; returns its fd and its path in *tmp_path (malloc'ed), or -1. */
int cli_temp_create(const char *target, int slot, char **tmp_path);
/* Forgets slot (after rename or unlink). */
void cli_temp_release(int slot);

/* ---- progress (progress.c) ---------------------------------------------------- */

cli_progress *cli_progress_start(size_t nfiles, uint64_t total_bytes);
void cli_progress_bytes(cli_progress *p, uint64_t n);
void cli_progress_file_done(cli_progress *p);
/* Clears the bar and ends its thread (p may be NULL). */
void cli_progress_stop(cli_progress *p);
/* Clears the bar and keeps it from being redrawn until release, around
 * writes to a standard output that shares the terminal (p may be NULL). */
void cli_progress_hold(cli_progress *p);
void cli_progress_release(cli_progress *p);
/* Writes to stderr without tearing the progress bar (p may be NULL). */
void cli_stderr(cli_progress *p, const char *s, size_t n);

#endif
