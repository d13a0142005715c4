/* --jsonl[=FIELD]: clean one string field of each JSON Lines record.
 *
 * jansson validates each line and extracts the field's value.  The cleaned
 * value is then spliced into the original bytes at the value's span, so
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

/* ---- locating a value in validated JSON ------------------------------------- */

static size_t skip_ws(const char *p, size_t i, size_t n) {
  while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
    i++;
  return i;
}

static size_t skip_string(const char *p, size_t i, size_t n) {
  for (i++; i < n && p[i] != '"'; i++)
    if (p[i] == '\\')
      i++;
  return i + 1;
}

static size_t skip_value(const char *p, size_t i, size_t n) {
  if (p[i] == '"')
    return skip_string(p, i, n);
  if (p[i] == '{' || p[i] == '[') {
    int depth = 0;
    while (i < n) {
      char c = p[i];
      if (c == '"') {
        i = skip_string(p, i, n);
        continue;
      }
      if (c == '{' || c == '[')
        depth++;
      else if ((c == '}' || c == ']') && --depth == 0)
        return i + 1;
      i++;
    }
    return i;
  }
  while (i < n && !strchr(",}] \t\r\n", p[i]))
    i++;
  return i;
}

static int key_is(const char *p, size_t ks, size_t ke, const char *field, size_t flen) {
  const char *raw = p + ks + 1;
  size_t rlen = ke - ks - 2;
  if (!memchr(raw, '\\', rlen))
    return rlen == flen && memcmp(raw, field, flen) == 0;
  /* An escaped key: let jansson decode it. */
  json_t *k = json_loadb(p + ks, ke - ks, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
  int eq = k && json_is_string(k) && json_string_length(k) == flen &&
           memcmp(json_string_value(k), field, flen) == 0;
  json_decref(k);
  return eq;
}

/* The span [*vs, *ve) of the top-level value of key field; the last one
 * when the key repeats, as jansson keeps the last.  0 if absent. */
static int find_value(const char *p, size_t n, const char *field, size_t *vs, size_t *ve) {
  size_t flen = strlen(field), i = skip_ws(p, 0, n);
  int found = 0;
  if (i >= n || p[i] != '{')
    return 0;
  i = skip_ws(p, i + 1, n);
  while (i < n && p[i] == '"') {
    size_t ks = i, ke = skip_string(p, i, n);
    i = skip_ws(p, ke, n);
    if (i >= n || p[i] != ':')
      return 0;
    i = skip_ws(p, i + 1, n);
    size_t s = i, e = skip_value(p, i, n);
    if (key_is(p, ks, ke, field, flen)) {
      *vs = s;
      *ve = e;
      found = 1;
    }
    i = skip_ws(p, e, n);
    if (i < n && p[i] == ',')
      i = skip_ws(p, i + 1, n);
    else
      break;
  }
  return found;
}

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

static void part_free(jl_part *p) {
  sb_free(&p->out);
  sb_free(&p->msgs);
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

/* Whether the \u escapes of a JSON string spell hex digits in lower case
 * (jansson writes upper case; the original's style is kept). */
static int lower_hex(const char *p, size_t n) {
  for (size_t i = 0; i + 5 < n; i++) {
    if (p[i] != '\\')
      continue;
    if (p[i + 1] == 'u')
      for (int d = 2; d < 6; d++) {
        if (p[i + d] >= 'a' && p[i + d] <= 'f')
          return 1;
        if (p[i + d] >= 'A' && p[i + d] <= 'F')
          return 0;
      }
    i++;
  }
  return 0;
}

/* The cleaned value as a JSON string in the original's escaping style:
 * all-ASCII with \u escapes stays so, in the same hex case; otherwise
 * UTF-8 as jansson writes it.  malloc'ed, NULL on failure. */
static char *encode_like(const char *orig, size_t olen, const char *s, size_t n) {
  int ascii = 1, escapes = 0;
  for (size_t i = 0; i < olen; i++) {
    if ((unsigned char)orig[i] >= 0x80)
      ascii = 0;
    if (orig[i] == '\\' && i + 1 < olen && orig[i + 1] == 'u')
      escapes = 1;
  }
  ascii = ascii && escapes;
  json_t *js = json_stringn(s, n);
  char *enc = js ? json_dumps(js, JSON_ENCODE_ANY | (ascii ? JSON_ENSURE_ASCII : 0)) : NULL;
  json_decref(js);
  if (enc && ascii && lower_hex(orig, olen)) {
    for (char *q = enc; *q; q++) {
      if (q[0] == '\\' && q[1] == 'u') {
        for (int d = 2; d < 6 && q[d]; d++)
          if (q[d] >= 'A' && q[d] <= 'F')
            q[d] = (char)(q[d] - 'A' + 'a');
        q += 5;
      } else if (q[0] == '\\' && q[1]) {
        q++;
      }
    }
  }
  return enc;
}

static void do_line(const jl_ctx *c, zhfix *h, jl_part *p, uint64_t lineno,
                    const char *line, size_t len) {
  const cli_opts *o = c->o;
  size_t body = len;
  if (body && line[body - 1] == '\n')
    body--;
  if (body && line[body - 1] == '\r')
    body--;
  p->lines++;
  if (skip_ws(line, 0, body) == body) { /* blank lines pass */
    put(p, line, len);
    return;
  }
  p->records++;
  json_error_t err;
  json_t *root = json_loadb(line, body, JSON_ALLOW_NUL, &err);
  if (!root) {
    char det[256];
    snprintf(det, sizeof det, "%s (column %d)", err.text, err.column);
    bad_line(c, p, lineno, "invalid JSON: ", det, line, len);
    return;
  }
  if (!json_is_object(root)) {
    bad_line(c, p, lineno, "not a JSON object", NULL, line, len);
    goto done;
  }
  json_t *v = json_object_get(root, o->jsonl_field);
  if (!v || !json_is_string(v)) {
    if (v)
      p->not_string++;
    else
      p->no_field++;
    put(p, line, len);
    goto done;
  }
  const char *str = json_string_value(v);
  size_t slen = json_string_length(v);
  char *clean = NULL;
  size_t clen = 0;
  zhfix_status st = zhfix_process(h, str, slen, &clean, &clen);
  if (st != ZHFIX_OK) {
    bad_line(c, p, lineno, "cannot clean the field: ", zhfix_strerror(st), line, len);
    goto done;
  }
  for (int k = 0; k < ZHFIX_STAT__COUNT; k++)
    p->stats[k] += zhfix_get_stat(h, (zhfix_stat)k);
  uint64_t off, sl;
  for (size_t i = 0; zhfix_get_span(h, i, &off, &sl); i++) {
    if (json_array_size(p->spans) >= MAX_LISTED)
      break;
    json_t *sp = json_object();
    json_object_set_new(sp, "line", json_integer((json_int_t)lineno));
    json_object_set_new(sp, "offset", json_integer((json_int_t)off));
    json_object_set_new(sp, "length", json_integer((json_int_t)sl));
    json_array_append_new(p->spans, sp);
  }
  size_t vs = 0, ve = 0;
  if ((clen == slen && memcmp(clean, str, slen) == 0) ||
      !find_value(line, body, o->jsonl_field, &vs, &ve)) {
    put(p, line, len);
  } else {
    char *enc = encode_like(line + vs, ve - vs, clean, clen);
    if (!enc) {
      bad_line(c, p, lineno, "cannot encode the cleaned field", NULL, line, len);
    } else {
      p->changed++;
      put(p, line, vs);
      put(p, enc, strlen(enc));
      put(p, line + ve, len - ve);
      free(enc);
    }
  }
  zhfix_buffer_free(clean);
done:
  json_decref(root);
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

/* ---- reading ------------------------------------------------------------------- */

int cli_jsonl_run(const cli_ctx *ctx, zhfix *h, cli_job *job, int fd, cli_sink *sink) {
  jl_ctx c = {ctx->o, cli_display(job->path)};
  jl_total t;
  memset(&t, 0, sizeof t);
  part_init(&t.sum);
  char *buf = malloc(CLI_BUF_SIZE);
  strbuf cur = {0};     /* lines of the batch being filled */
  uint64_t next_line = 1;
  size_t cur_lines = 0;

  jl_pool pl;
  memset(&pl, 0, sizeof pl);
  pthread_t th[64];
  int nth = ctx->record_threads > 64 ? 64 : ctx->record_threads;
  int started = 0;
  if (nth > 1) {
    pl.c = &c;
    pl.nring = 2 * (size_t)nth + 2;
    pl.ring = calloc(pl.nring, sizeof *pl.ring);
    pthread_mutex_init(&pl.mu, NULL);
    pthread_cond_init(&pl.cv, NULL);
    for (int i = 0; pl.ring && i < nth; i++)
      if (pthread_create(&th[i], NULL, jl_worker, &pl) == 0)
        started++;
  }
  if (!buf || t.sum.nomem || (nth > 1 && !pl.ring)) {
    job->status = JOB_ERROR;
    sb_addf(&job->msg, "zhfix: %s: out of memory\n", c.name);
    goto out;
  }
  int eof = 0;
  while (!eof && !t.failed) {
    ssize_t n = read(fd, buf, CLI_BUF_SIZE);
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
    for (ssize_t i = 0; i < n; i++)
      cur_lines += buf[i] == '\n';
    if (!eof && cur.len < BATCH_BYTES && cur_lines < BATCH_LINES)
      continue;
    /* Cut after the last newline (everything at the end of input). */
    size_t cut = cur.len;
    if (!eof) {
      while (cut > 0 && cur.p[cut - 1] != '\n')
        cut--;
      if (cut == 0)
        continue; /* one long line: keep reading */
    }
    strbuf rest = {0};
    if (cut < cur.len && sb_add(&rest, cur.p + cut, cur.len - cut) < 0) {
      job->status = JOB_ERROR;
      sb_addf(&job->msg, "zhfix: %s: out of memory\n", c.name);
      break;
    }
    cur.len = cut;
    uint64_t nl = 0;
    for (size_t i = 0; i < cut; i++)
      nl += cur.p[i] == '\n';
    if (cut > 0) {
      if (started == 0) {
        jl_part p;
        part_init(&p);
        do_batch(&c, h, &p, next_line, cur.p, cur.len);
        merge(&c, &t, job, sink, &p);
        part_free(&p);
        sb_free(&cur);
      } else {
        pool_emit(&pl, 0, &t, job, sink);
        pthread_mutex_lock(&pl.mu);
        while (pl.submitted - pl.emitted >= pl.nring) {
          pthread_mutex_unlock(&pl.mu);
          pool_emit(&pl, 1, &t, job, sink);
          pthread_mutex_lock(&pl.mu);
        }
        jl_batch *b = &pl.ring[pl.submitted % pl.nring];
        b->in = cur;
        b->first_line = next_line;
        b->done = 0;
        part_init(&b->res);
        pl.submitted++;
        pthread_cond_broadcast(&pl.cv);
        pthread_mutex_unlock(&pl.mu);
        memset(&cur, 0, sizeof cur);
      }
    }
    next_line += nl;
    cur_lines = 0;
    for (size_t i = 0; i < rest.len; i++)
      cur_lines += rest.p[i] == '\n';
    sb_free(&cur);
    cur = rest;
  }
out:
  if (started > 0) {
    while (1) {
      pthread_mutex_lock(&pl.mu);
      int left = pl.emitted < pl.submitted;
      pthread_mutex_unlock(&pl.mu);
      if (!left)
        break;
      pool_emit(&pl, 1, &t, job, sink);
    }
    pthread_mutex_lock(&pl.mu);
    pl.stop = 1;
    pthread_cond_broadcast(&pl.cv);
    pthread_mutex_unlock(&pl.mu);
    for (int i = 0; i < started; i++)
      pthread_join(th[i], NULL);
  }
  if (nth > 1) {
    pthread_cond_destroy(&pl.cv);
    pthread_mutex_destroy(&pl.mu);
    free(pl.ring);
  }
  if (t.more_msgs)
    sb_addf(&job->msg, "zhfix: %s: %llu more lines with problems (see --report=json)\n",
            c.name, (unsigned long long)t.more_msgs);
  if (t.sum.rejected) {
    job->status = JOB_ERROR;
    sb_addf(&job->msg, "zhfix: %s: %llu invalid lines rejected (--strict)\n", c.name,
            (unsigned long long)t.sum.invalid);
  }
  json_t *rep = json_object();
  if (rep) {
    json_object_set_new(rep, "lines", json_integer((json_int_t)t.sum.lines));
    json_object_set_new(rep, "records", json_integer((json_int_t)t.sum.records));
    json_object_set_new(rep, "records_changed", json_integer((json_int_t)t.sum.changed));
    json_object_set_new(rep, "invalid_lines", json_integer((json_int_t)t.sum.invalid));
    json_object_set_new(rep, "invalid_line_numbers", json_incref(t.sum.invalid_lines));
    json_object_set_new(rep, "records_without_field", json_integer((json_int_t)t.sum.no_field));
    json_object_set_new(rep, "records_field_not_string",
                        json_integer((json_int_t)t.sum.not_string));
    cli_report_counters(rep, t.sum.stats);
    json_object_set_new(rep, "unrecoverable", json_incref(t.sum.spans));
    job->report = rep;
  }
  part_free(&t.sum);
  sb_free(&cur);
  free(buf);
  return job->status == JOB_ERROR ? -1 : 0;
}
