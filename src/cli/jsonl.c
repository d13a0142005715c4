/* --jsonl[=FIELD]: clean one string field of each JSON Lines record.
 *
 * Each line is validated and the field's value extracted (jsonline.c).
 * The cleaned value is then spliced into the original bytes at the
 * value's span, so
 * every other byte of the line (other fields, key order, spacing, escapes,
 * number spellings) is kept exactly; only the cleaned string is escaped
 * anew.  A line whose value does not change is copied as it is.  Each
 * record is its own zhfix document (zhfix_process resets the handle). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Messages per file about individual lines; the report has them all. */
#define MAX_LINE_MSGS 20
/* Line numbers and spans kept in the report per file. */
#define MAX_LISTED 1000

/* ---- records ------------------------------------------------------------------- *
 * Lines are processed in batches of whole lines.  A batch's results (its
 * output bytes, messages, counters) are kept in a jl_part and merged into
 * the job in input order, so with worker threads (-j on a single stream)
 * the output is the same as without.                                         */

#define BATCH_BYTES (1u << 20)
#define BATCH_LINES 256

typedef struct jl_part {
  strbuf out, msgs;
  unsigned nmsgs;      /* messages in msgs */
  unsigned more_msgs;  /* messages beyond MAX_LINE_MSGS, counted only */
  uint64_t lines, records, changed, invalid, no_field, not_string;
  uint64_t stats[ZHFIX_STAT__COUNT];
  json_t *invalid_lines, *spans;
  int rejected;        /* --strict dropped a line */
  int nomem;
  cli_jl_rec rec;      /* scratch: the record being read  */
  strbuf clean;        /* scratch: its cleaned value (clean_value) */
} jl_part;

typedef struct jl_ctx {
  const cli_opts *o;
  const char *name;
} jl_ctx;

static void part_init(jl_part *p) {
  memset(p, 0, sizeof *p);
  p->invalid_lines = json_array();
  p->spans = json_array();
  if (!p->invalid_lines || !p->spans)
    p->nomem = 1;
}

/* Empties p for the next batch, keeping its buffers' memory (a batch
 * merged on this thread). */
static void part_reset(jl_part *p) {
  p->out.len = p->msgs.len = 0;
  p->nmsgs = p->more_msgs = 0;
  p->lines = p->records = p->changed = p->invalid = p->no_field = p->not_string = 0;
  memset(p->stats, 0, sizeof p->stats);
  if (json_array_clear(p->invalid_lines) || json_array_clear(p->spans))
    p->nomem = 1;
  p->rejected = 0;
}

static void part_free(jl_part *p) {
  sb_free(&p->out);
  sb_free(&p->msgs);
  cli_jl_free(&p->rec);
  sb_free(&p->clean);
  json_decref(p->invalid_lines);
  json_decref(p->spans);
  p->invalid_lines = p->spans = NULL;
}

static void line_msg(const jl_ctx *c, jl_part *p, uint64_t lineno, const char *what,
                     const char *detail) {
  if (p->nmsgs >= MAX_LINE_MSGS) {
    p->more_msgs++;
    return;
  }
  p->nmsgs++;
  if (sb_addf(&p->msgs, "zhfix: %s: line %llu: %s%s\n", c->name, (unsigned long long)lineno,
              what, detail ? detail : "") < 0)
    p->nomem = 1;
}

static void put(jl_part *p, const void *s, size_t n) {
  if (sb_add(&p->out, s, n) < 0)
    p->nomem = 1;
}

/* A line that cannot be cleaned: kept as it is, or with --strict dropped
 * and the run fails. */
static void bad_line(const jl_ctx *c, jl_part *p, uint64_t lineno, const char *what,
                     const char *detail, const char *line, size_t len) {
  p->invalid++;
  if (json_array_size(p->invalid_lines) < MAX_LISTED)
    json_array_append_new(p->invalid_lines, json_integer((json_int_t)lineno));
  line_msg(c, p, lineno, what, detail);
  if (c->o->strict)
    p->rejected = 1;
  else
    put(p, line, len);
}

#define CLEAN_AHEAD (1u << 20) /* room asked for beyond the output so far */
#define CLEAN_KEEP (4u << 20)  /* a larger buffer is freed after its record */

/* zhfix_process of src[0..len) into b (b->p[0..b->len)), whose memory
 * is kept from record to record (up to CLEAN_KEEP): a record allocates
 * nothing, and with room for four bytes a character (up to CLEAN_AHEAD
 * at a time) the library encodes straight into it
 * (zhfix_process allocated a buffer a record, half as large again as the
 * input, so an ASCII-heavy record went through the handle's queue). */
static zhfix_status clean_value(zhfix *h, const char *src, size_t len, strbuf *b) {
  zhfix_status rc = zhfix_reset(h);
  if (rc)
    return rc;
  b->len = 0;
  zhfix_in in = {src, len, 0};
  for (;;) {
    size_t ahead = len - in.pos < CLEAN_AHEAD / 4 ? (len - in.pos) * 4 : CLEAN_AHEAD;
    size_t want = b->len + ahead + 64;
    if (b->cap < want) {
      size_t cap = b->cap ? b->cap : 1024;
      while (cap < want)
        cap *= 2;
      char *q = realloc(b->p, cap);
      if (!q)
        return ZHFIX_E_NOMEM;
      b->p = q;
      b->cap = cap;
    }
    zhfix_out o = {b->p + b->len, b->cap - b->len, 0};
    size_t pending = 0, before = in.pos;
    rc = zhfix_stream(h, &o, &in, ZHFIX_END, &pending);
    b->len += o.pos;
    if (rc)
      return rc;
    if (!pending && in.pos == in.size)
      return ZHFIX_OK;
    if (o.pos == 0 && in.pos == before) {
      /* no progress (the library wants more room than it had): grow */
      char *q = realloc(b->p, b->cap * 2);
      if (!q)
        return ZHFIX_E_NOMEM;
      b->p = q;
      b->cap *= 2;
    }
  }
}

static void do_line(const jl_ctx *c, zhfix *h, jl_part *p, uint64_t lineno,
                    const char *line, size_t len) {
  size_t body = len;
  if (body && line[body - 1] == '\n')
    body--;
  if (body && line[body - 1] == '\r')
    body--;
  p->lines++;
  size_t i = 0;
  while (i < body && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n'))
    i++;
  if (i == body) { /* blank lines pass */
    put(p, line, len);
    return;
  }
  p->records++;
  cli_jl_rec *r = &p->rec;
  cli_jl_read(r, line, body, c->o->jsonl_field);
  switch (r->kind) {
  case JL_INVALID: bad_line(c, p, lineno, "invalid JSON: ", r->err, line, len); return;
  case JL_NOT_OBJECT: bad_line(c, p, lineno, "not a JSON object", NULL, line, len); return;
  case JL_FIELD_ABSENT: p->no_field++; put(p, line, len); return;
  case JL_FIELD_NOT_STRING: p->not_string++; put(p, line, len); return;
  }
  zhfix_status st = clean_value(h, r->str, r->slen, &p->clean);
  const char *clean = p->clean.p;
  size_t clen = p->clean.len;
  if (st != ZHFIX_OK) {
    bad_line(c, p, lineno, "cannot clean the field: ", zhfix_strerror(st), line, len);
    return;
  }
  for (int k = 0; k < ZHFIX_STAT__COUNT; k++)
    p->stats[k] += zhfix_get_stat(h, (zhfix_stat)k);
  uint64_t off, sl;
  for (size_t k = 0; zhfix_get_span(h, k, &off, &sl); k++) {
    if (json_array_size(p->spans) >= MAX_LISTED)
      break;
    json_t *sp = json_object();
    json_object_set_new(sp, "line", json_integer((json_int_t)lineno));
    json_object_set_new(sp, "offset", json_integer((json_int_t)off));
    json_object_set_new(sp, "length", json_integer((json_int_t)sl));
    json_array_append_new(p->spans, sp);
  }
  if ((clen == r->slen && memcmp(clean, r->str, clen) == 0) || !r->span) {
    put(p, line, len);
  } else {
    /* the line up to the value, the value written anew, the rest */
    size_t mark = p->out.len;
    put(p, line, r->vs);
    if (cli_jl_encode_like(&p->out, line + r->vs, r->ve - r->vs, clean, clen, 1) < 0) {
      p->out.len = mark;
      bad_line(c, p, lineno, "cannot encode the cleaned field", NULL, line, len);
    } else {
      p->changed++;
      put(p, line + r->ve, len - r->ve);
    }
  }
  cli_jl_done(r);
  if (p->clean.cap > CLEAN_KEEP)
    sb_free(&p->clean);
}

/* Processes the whole lines of buf (the last may lack its newline). */
static void do_batch(const jl_ctx *c, zhfix *h, jl_part *p, uint64_t first_line,
                     const char *buf, size_t n) {
  size_t i = 0;
  uint64_t ln = first_line;
  while (i < n) {
    const char *nl = memchr(buf + i, '\n', n - i);
    size_t take = nl ? (size_t)(nl - (buf + i)) + 1 : n - i;
    do_line(c, h, p, ln++, buf + i, take);
    i += take;
  }
}

/* ---- the job-wide totals ------------------------------------------------------- */

typedef struct jl_total {
  jl_part sum;       /* counters; out and msgs unused */
  unsigned nmsgs;
  uint64_t more_msgs;
  int failed;        /* write error or no memory: stop */
} jl_total;

/* Merges one batch, in input order, into the job: output to the sink,
 * messages (the first MAX_LINE_MSGS of the file), counters, lists. */
static void merge(const jl_ctx *c, jl_total *t, cli_job *job, cli_sink *sink, jl_part *p) {
  if (p->nomem && !t->failed) {
    job->status = JOB_ERROR;
    sb_addf(&job->msg, "zhfix: %s: out of memory\n", c->name);
    t->failed = 1;
  }
  if (!t->failed && p->out.len && sink_output(sink, p->out.p, p->out.len) < 0) {
    job->status = JOB_ERROR;
    sb_addf(&job->msg, "zhfix: %s: write error: %s\n", c->name,
            strerror(sink->err ? sink->err : ENOMEM));
    t->failed = 1;
  }
  const char *m = p->msgs.p, *end = m ? m + p->msgs.len : NULL;
  while (m && m < end) {
    const char *nl = memchr(m, '\n', (size_t)(end - m));
    size_t len = (size_t)(nl - m) + 1;
    if (t->nmsgs < MAX_LINE_MSGS) {
      sb_add(&job->msg, m, len);
      t->nmsgs++;
    } else {
      t->more_msgs++;
    }
    m += len;
  }
  t->more_msgs += p->more_msgs;
  jl_part *s = &t->sum;
  s->lines += p->lines;
  s->records += p->records;
  s->changed += p->changed;
  s->invalid += p->invalid;
  s->no_field += p->no_field;
  s->not_string += p->not_string;
  s->rejected |= p->rejected;
  for (int k = 0; k < ZHFIX_STAT__COUNT; k++)
    s->stats[k] += p->stats[k];
  size_t i;
  json_t *v;
  json_array_foreach(p->invalid_lines, i, v) {
    if (json_array_size(s->invalid_lines) < MAX_LISTED)
      json_array_append(s->invalid_lines, v);
  }
  json_array_foreach(p->spans, i, v) {
    if (json_array_size(s->spans) < MAX_LISTED)
      json_array_append(s->spans, v);
  }
}

/* ---- worker threads (-j with a single JSON Lines stream) ---------------------- */

typedef struct jl_batch {
  strbuf in;
  uint64_t first_line;
  jl_part res;
  int done;
} jl_batch;

typedef struct jl_pool {
  const jl_ctx *c;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  jl_batch *ring;
  size_t nring, submitted, taken, emitted;
  int stop;
} jl_pool;

static void *jl_worker(void *arg) {
  jl_pool *pl = arg;
  char err[256];
  zhfix *h = cli_handle_new(pl->c->o, err, sizeof err);
  for (;;) {
    pthread_mutex_lock(&pl->mu);
    while (pl->taken == pl->submitted && !pl->stop)
      pthread_cond_wait(&pl->cv, &pl->mu);
    if (pl->taken == pl->submitted) {
      pthread_mutex_unlock(&pl->mu);
      break;
    }
    jl_batch *b = &pl->ring[pl->taken++ % pl->nring];
    pthread_mutex_unlock(&pl->mu);
    if (h)
      do_batch(pl->c, h, &b->res, b->first_line, b->in.p, b->in.len);
    else
      b->res.nomem = 1;
    pthread_mutex_lock(&pl->mu);
    b->done = 1;
    pthread_cond_broadcast(&pl->cv);
    pthread_mutex_unlock(&pl->mu);
  }
  zhfix_free(h);
  return NULL;
}

/* Emits finished batches in order; with wait, blocks for the oldest. */
static void pool_emit(jl_pool *pl, int wait, jl_total *t, cli_job *job, cli_sink *sink) {
  pthread_mutex_lock(&pl->mu);
  while (pl->emitted < pl->submitted) {
    jl_batch *b = &pl->ring[pl->emitted % pl->nring];
    if (!b->done) {
      if (!wait)
        break;
      pthread_cond_wait(&pl->cv, &pl->mu);
      continue;
    }
    pthread_mutex_unlock(&pl->mu);
    merge(pl->c, t, job, sink, &b->res);
    part_free(&b->res);
    sb_free(&b->in);
    pthread_mutex_lock(&pl->mu);
    pl->emitted++;
    wait = 0; /* one slot freed is enough */
  }
  pthread_mutex_unlock(&pl->mu);
}

/* ---- the pool's life ---------------------------------------------------------- */

/* Starts nth workers (none when nth < 2); returns how many started. */
static int pool_start(jl_pool *pl, const jl_ctx *c, pthread_t *th, int nth) {
  int started = 0;
  memset(pl, 0, sizeof *pl);
  if (nth > 1) {
    pl->c = c;
    pl->nring = 2 * (size_t)nth + 2;
    pl->ring = calloc(pl->nring, sizeof *pl->ring);
    pthread_mutex_init(&pl->mu, NULL);
    pthread_cond_init(&pl->cv, NULL);
    for (int i = 0; pl->ring && i < nth; i++)
      if (pthread_create(&th[i], NULL, jl_worker, pl) == 0)
        started++;
  }
  return started;
}

/* Hands the batch *cur (its first line first_line) to the workers, once a
 * ring slot is free; *cur is left empty. */
static void pool_submit(jl_pool *pl, strbuf *cur, uint64_t first_line, jl_total *t, cli_job *job,
                        cli_sink *sink) {
  pool_emit(pl, 0, t, job, sink);
  pthread_mutex_lock(&pl->mu);
  while (pl->submitted - pl->emitted >= pl->nring) {
    pthread_mutex_unlock(&pl->mu);
    pool_emit(pl, 1, t, job, sink);
    pthread_mutex_lock(&pl->mu);
  }
  jl_batch *b = &pl->ring[pl->submitted % pl->nring];
  b->in = *cur;
  b->first_line = first_line;
  b->done = 0;
  part_init(&b->res);
  pl->submitted++;
  pthread_cond_broadcast(&pl->cv);
  pthread_mutex_unlock(&pl->mu);
  memset(cur, 0, sizeof *cur);
}

/* Emits what is left, stops the workers and frees the pool. */
static void pool_finish(jl_pool *pl, pthread_t *th, int started, int nth, jl_total *t,
                        cli_job *job, cli_sink *sink) {
  if (started > 0) {
    while (1) {
      pthread_mutex_lock(&pl->mu);
      int left = pl->emitted < pl->submitted;
      pthread_mutex_unlock(&pl->mu);
      if (!left)
        break;
      pool_emit(pl, 1, t, job, sink);
    }
    pthread_mutex_lock(&pl->mu);
    pl->stop = 1;
    pthread_cond_broadcast(&pl->cv);
    pthread_mutex_unlock(&pl->mu);
    for (int i = 0; i < started; i++)
      pthread_join(th[i], NULL);
  }
  if (nth > 1) {
    pthread_cond_destroy(&pl->cv);
    pthread_mutex_destroy(&pl->mu);
    free(pl->ring);
  }
}

/* The file's report (--report=json): the totals of every batch. */
static json_t *total_report(const jl_total *t) {
  json_t *rep = json_object();
  if (rep) {
    json_object_set_new(rep, "lines", json_integer((json_int_t)t->sum.lines));
    json_object_set_new(rep, "records", json_integer((json_int_t)t->sum.records));
    json_object_set_new(rep, "records_changed", json_integer((json_int_t)t->sum.changed));
    json_object_set_new(rep, "invalid_lines", json_integer((json_int_t)t->sum.invalid));
    json_object_set_new(rep, "invalid_line_numbers", json_incref(t->sum.invalid_lines));
    json_object_set_new(rep, "records_without_field", json_integer((json_int_t)t->sum.no_field));
    json_object_set_new(rep, "records_field_not_string",
                        json_integer((json_int_t)t->sum.not_string));
    cli_report_counters(rep, t->sum.stats);
    json_object_set_new(rep, "unrecoverable", json_incref(t->sum.spans));
  }
  return rep;
}

/* ---- reading ------------------------------------------------------------------- */

/* Newlines in p[0..n): memchr from one to the next (records are ~100 bytes
 * and more; a byte-by-byte count cost ~3% of a short record's time). */
static size_t count_newlines(const char *p, size_t n) {
  size_t k = 0;
  if (!n)
    return 0; /* (p may be NULL) */
  for (const char *e = p + n; p < e; k++) {
    const char *nl = memchr(p, '\n', (size_t)(e - p));
    if (!nl)
      break;
    p = nl + 1;
  }
  return k;
}

int cli_jsonl_run(const cli_ctx *ctx, zhfix *h, cli_job *job, int fd, cli_sink *sink) {
  jl_ctx c = {ctx->o, cli_display(job->path)};
  jl_total t;
  memset(&t, 0, sizeof t);
  part_init(&t.sum);
  jl_part part; /* the batch, without worker threads */
  part_init(&part);
  char *buf = malloc(CLI_READ_SIZE);
  strbuf cur = {0};     /* lines of the batch being filled */
  uint64_t next_line = 1;
  size_t cur_lines = 0;

  jl_pool pl;
  pthread_t th[64];
  int nth = ctx->record_threads > 64 ? 64 : ctx->record_threads;
  int started = pool_start(&pl, &c, th, nth);
  if (!buf || t.sum.nomem || part.nomem || (nth > 1 && !pl.ring)) {
    job->status = JOB_ERROR;
    sb_addf(&job->msg, "zhfix: %s: out of memory\n", c.name);
    goto out;
  }
  int eof = 0;
  while (!eof && !t.failed) {
    ssize_t n = read(fd, buf, CLI_READ_SIZE);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      job->status = JOB_ERROR;
      sb_addf(&job->msg, "zhfix: %s: read error: %s\n", c.name, strerror(errno));
      break;
    }
    eof = n == 0;
    if (sink_input(sink, buf, (size_t)n) < 0 || sb_add(&cur, buf, (size_t)n) < 0) {
      job->status = JOB_ERROR;
      sb_addf(&job->msg, "zhfix: %s: out of memory\n", c.name);
      break;
    }
    if (ctx->progress)
      cli_progress_bytes(ctx->progress, (uint64_t)n);
    cur_lines += count_newlines(buf, (size_t)n);
    if (!eof && cur.len < BATCH_BYTES && cur_lines < BATCH_LINES)
      continue;
    /* Cut after the last newline (everything at the end of input). */
    size_t cut = cur.len;
    if (!eof) {
      if (cur_lines == 0)
        continue; /* one long line: keep reading */
      while (cur.p[cut - 1] != '\n') /* back over the last line's start */
        cut--;
    }
    /* cur_lines counts every newline of cur, and none lies past cut */
    uint64_t nl = cur_lines;
    size_t left = cur.len - cut;
    if (started == 0) {
      /* one thread: the batch and its lines' buffers are kept for the
       * next, the rest moves to the front */
      if (cut > 0) {
        do_batch(&c, h, &part, next_line, cur.p, cut);
        merge(&c, &t, job, sink, &part);
        part_reset(&part);
      }
      if (left)
        memmove(cur.p, cur.p + cut, left);
      cur.len = left;
    } else {
      strbuf rest = {0};
      if (left && sb_add(&rest, cur.p + cut, left) < 0) {
        job->status = JOB_ERROR;
        sb_addf(&job->msg, "zhfix: %s: out of memory\n", c.name);
        break;
      }
      cur.len = cut;
      if (cut > 0)
        pool_submit(&pl, &cur, next_line, &t, job, sink);
      sb_free(&cur);
      cur = rest;
    }
    next_line += nl;
    cur_lines = 0; /* the rest, if any, is a line without its newline */
  }
out:
  pool_finish(&pl, th, started, nth, &t, job, sink);
  if (t.more_msgs)
    sb_addf(&job->msg, "zhfix: %s: %llu more lines with problems (see --report=json)\n",
            c.name, (unsigned long long)t.more_msgs);
  if (t.sum.rejected) {
    job->status = JOB_ERROR;
    sb_addf(&job->msg, "zhfix: %s: %llu invalid lines rejected (--strict)\n", c.name,
            (unsigned long long)t.sum.invalid);
  }
  job->report = total_report(&t);
  part_free(&t.sum);
  part_free(&part);
  sb_free(&cur);
  free(buf);
  return job->status == JOB_ERROR ? -1 : 0;
}
