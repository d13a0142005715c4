/* One document through the library into a sink: a plain stream, judged
 * by the library's status and statistics, or JSON Lines records
 * (jsonl.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* The plain stream's buffers.  Reads of 256 KB and writes gathered to at
 * least 192 KB cost a quarter of the system calls of 64 KB ones (issue 14:
 * the kernel's copies and calls were 1-6% of a default run); the output
 * is written as soon as a read comes back short (a pipe or terminal with
 * no more for now), so interactive use sees each line as before.  Memory
 * stays 512 KB whatever the input. */
#define STREAM_OUT (256 * 1024)
#define STREAM_SLACK (64 * 1024) /* written once less room than this is left */

/* Writes the gathered output outbuf[0..*used).  0, or 1 after reporting
 * the failure. */
static int flush_out(cli_job *job, cli_sink *sink, const unsigned char *outbuf, size_t *used) {
  if (*used == 0)
    return 0;
  size_t n = *used;
  *used = 0;
  if (sink_output(sink, outbuf, n) == 0)
    return 0;
  const char *name = cli_display(job->path);
  if (sink->err)
    CLI_JOB_FAIL(job, "%s: write error: %s", name, strerror(sink->err));
  else
    CLI_JOB_FAIL(job, "%s: out of memory", name);
  return 1;
}

/* Streams fd through h into the sink.  Returns the library status, or 1 for
 * a read/write/memory failure already reported. */
static int stream_doc(const cli_ctx *ctx, zhfix *h, cli_job *job, int fd,
                      cli_sink *sink) {
  const char *name = cli_display(job->path);
  unsigned char *inbuf = malloc(CLI_READ_SIZE);
  unsigned char *outbuf = malloc(STREAM_OUT);
  size_t used = 0; /* output gathered in outbuf, not yet written */
  int ret = ZHFIX_OK;
  if (!inbuf || !outbuf) {
    CLI_JOB_FAIL(job, "%s: out of memory", name);
    ret = 1;
    goto done;
  }
  int eof = 0;
  while (!eof) {
    ssize_t n = read(fd, inbuf, CLI_READ_SIZE);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      CLI_JOB_FAIL(job, "%s: read error: %s", name, strerror(errno));
      ret = 1;
      goto done;
    }
    eof = n == 0;
    if (sink_input(sink, inbuf, (size_t)n) < 0) {
      CLI_JOB_FAIL(job, "%s: out of memory", name);
      ret = 1;
      goto done;
    }
    if (ctx->progress)
      cli_progress_bytes(ctx->progress, (uint64_t)n);
    zhfix_in in = {inbuf, (size_t)n, 0};
    int stuck = 0;
    for (;;) {
      zhfix_out out = {outbuf, STREAM_OUT, used};
      size_t pending = 0, before = in.pos, had = used;
      zhfix_status st = zhfix_stream(h, &out, &in, eof ? ZHFIX_END : ZHFIX_CONTINUE,
                                     &pending);
      used = out.pos;
      if (st != ZHFIX_OK) {
        ret = st;
        goto done;
      }
      int settled = eof ? pending == 0 : (in.pos == in.size && out.pos < out.size);
      if ((used > STREAM_OUT - STREAM_SLACK || (settled && (size_t)n < CLI_READ_SIZE)) &&
          flush_out(job, sink, outbuf, &used)) {
        ret = 1;
        goto done;
      }
      if (settled)
        break;
      /* The library must make progress on every call; never spin. */
      if (out.pos == had && in.pos == before) {
        if (++stuck > 2) {
          CLI_JOB_FAIL(job, "%s: the library made no progress (internal error)", name);
          ret = 1;
          goto done;
        }
      } else {
        stuck = 0;
      }
    }
  }
done:
  /* What the library gave before any failure goes out, as it did when
   * every call's output was written at once. */
  if (outbuf && flush_out(job, sink, outbuf, &used))
    ret = 1;
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
    CLI_JOB_FAIL(job, "%s: byte %llu: invalid %s byte sequence (--strict)", name,
             (unsigned long long)first, cli_enc_name(h));
    return -1;
  }
  if (st == ZHFIX_E_BINARY) {
    if (!job->explicit_arg) {
      job->status = JOB_SKIPPED;
      return -1;
    }
    CLI_JOB_FAIL(job, "%s: looks like a binary file (NUL bytes); use --force to process it",
             name);
    return -1;
  }
  if (st != ZHFIX_OK) {
    CLI_JOB_FAIL(job, "%s: %s", name, zhfix_strerror(st));
    return -1;
  }
  /* In place, an uncertain decoding is not written back: the file keeps
   * its bytes unless --force says otherwise. */
  if (o->in_place && !o->force && !o->jsonl) {
    if (ninv > 0) {
      CLI_JOB_FAIL(job,
               "%s: byte %llu: invalid %s byte sequence (%llu in all); not modified "
               "(U+FFFD would replace them; --force rewrites it)",
               name, (unsigned long long)first, cli_enc_name(h), (unsigned long long)ninv);
      return -1;
    }
    if (zhfix_get_stat(h, ZHFIX_STAT_ENCODING_GUESSED)) {
      uint64_t in = zhfix_get_stat(h, ZHFIX_STAT_BYTES_IN);
      CLI_JOB_FAIL(job,
               "%s: bytes 0-%llu: encoding guessed as %s on weak evidence; not modified "
               "(give --from=ENC, or --force)",
               name, (unsigned long long)(in < ZHFIX_DETECT_WINDOW ? in : ZHFIX_DETECT_WINDOW),
               cli_enc_name(h));
      return -1;
    }
  }
  if (ninv > 0 && !o->quiet)
    cli_job_msg(job, "%s: byte %llu: invalid %s byte sequence replaced by U+FFFD (%llu in all)",
         name, (unsigned long long)first, cli_enc_name(h), (unsigned long long)ninv);
  return 0;
}

int cli_doc_run(const cli_ctx *ctx, zhfix *h, cli_job *job, int fd, cli_sink *sink) {
  if (ctx->o->jsonl)
    return cli_jsonl_run(ctx, h, job, fd, sink) == 0 ? 0 : -1;
  return judge(ctx->o, h, job, stream_doc(ctx, h, job, fd, sink));
}
