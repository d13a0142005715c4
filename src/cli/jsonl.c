/* --jsonl[=FIELD]: clean one string field of each JSON Lines record.
 *
 * jansson validates each line and extracts the field's value.  The cleaned
 * value is then spliced into the original bytes at the value's span, so
 * every other byte of the line (other fields, key order, spacing, escapes,
 * number spellings) is kept exactly; only the cleaned string is escaped
 * anew.  A line whose value does not change is copied as it is.  Each
 * record is its own zhfix document (zhfix_process resets the handle). */
#include <errno.h>
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

/* ---- the loop ------------------------------------------------------------------ */

typedef struct jl_state {
  const cli_ctx *ctx;
  zhfix *h;
  cli_job *job;
  cli_sink *sink;
  const char *name;
  uint64_t lineno, records, changed, invalid, no_field, not_string, failed;
  unsigned nmsg;
  json_t *rep, *invalid_lines, *spans;
  int fatal;
} jl_state;

static void line_msg(jl_state *s, const char *fmt, const char *detail) {
  if (s->nmsg++ < MAX_LINE_MSGS)
    sb_addf(&s->job->msg, "zhfix: %s: line %llu: %s%s\n", s->name,
            (unsigned long long)s->lineno, fmt, detail ? detail : "");
}

static int out(jl_state *s, const void *p, size_t n) {
  if (sink_output(s->sink, p, n) < 0) {
    s->job->status = JOB_ERROR;
    sb_addf(&s->job->msg, "zhfix: %s: write error: %s\n", s->name,
            strerror(s->sink->err ? s->sink->err : ENOMEM));
    s->fatal = 1;
    return -1;
  }
  return 0;
}

/* A line that cannot be cleaned: kept as it is, or with --strict dropped
 * and the run fails. */
static int bad_line(jl_state *s, const char *what, const char *detail,
                    const char *line, size_t len) {
  s->invalid++;
  if (json_array_size(s->invalid_lines) < MAX_LISTED)
    json_array_append_new(s->invalid_lines, json_integer((json_int_t)s->lineno));
  line_msg(s, what, detail);
  if (s->ctx->o->strict) {
    s->job->status = JOB_ERROR;
    return 0;
  }
  return out(s, line, len);
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

static int do_line(jl_state *s, const char *line, size_t len) {
  const cli_opts *o = s->ctx->o;
  size_t body = len;
  if (body && line[body - 1] == '\n')
    body--;
  if (body && line[body - 1] == '\r')
    body--;
  size_t k = skip_ws(line, 0, body);
  if (k == body) /* blank lines pass */
    return out(s, line, len);
  s->records++;
  json_error_t err;
  json_t *root = json_loadb(line, body, JSON_ALLOW_NUL, &err);
  if (!root) {
    char det[256];
    snprintf(det, sizeof det, "%s (column %d)", err.text, err.column);
    return bad_line(s, "invalid JSON: ", det, line, len);
  }
  int r = 0;
  if (!json_is_object(root)) {
    r = bad_line(s, "not a JSON object", NULL, line, len);
    goto done;
  }
  json_t *v = json_object_get(root, o->jsonl_field);
  if (!v || !json_is_string(v)) {
    if (v)
      s->not_string++;
    else
      s->no_field++;
    r = out(s, line, len);
    goto done;
  }
  const char *str = json_string_value(v);
  size_t slen = json_string_length(v);
  char *clean = NULL;
  size_t clen = 0;
  zhfix_status st = zhfix_process(s->h, str, slen, &clean, &clen);
  if (st != ZHFIX_OK) {
    s->failed++;
    r = bad_line(s, "cannot clean the field: ", zhfix_strerror(st), line, len);
    goto done;
  }
  cli_report_add_counters(s->rep, s->h);
  uint64_t off, sl;
  for (size_t i = 0; zhfix_get_span(s->h, i, &off, &sl); i++) {
    if (json_array_size(s->spans) >= MAX_LISTED)
      break;
    json_t *sp = json_object();
    json_object_set_new(sp, "line", json_integer((json_int_t)s->lineno));
    json_object_set_new(sp, "offset", json_integer((json_int_t)off));
    json_object_set_new(sp, "length", json_integer((json_int_t)sl));
    json_array_append_new(s->spans, sp);
  }
  size_t vs = 0, ve = 0;
  if ((clen == slen && memcmp(clean, str, slen) == 0) ||
      !find_value(line, body, o->jsonl_field, &vs, &ve)) {
    r = out(s, line, len);
  } else {
    /* Keep the original's escaping style: all-ASCII with \u escapes stays
     * so; otherwise UTF-8 as jansson writes it. */
    int ascii = 1;
    for (size_t i = vs; i < ve; i++)
      if ((unsigned char)line[i] >= 0x80)
        ascii = 0;
    int escapes = 0;
    for (size_t i = vs; i + 1 < ve; i++)
      if (line[i] == '\\' && line[i + 1] == 'u')
        escapes = 1;
    ascii = ascii && escapes;
    json_t *js = json_stringn(clean, clen);
    char *enc = js ? json_dumps(js, JSON_ENCODE_ANY | (ascii ? JSON_ENSURE_ASCII : 0)) : NULL;
    json_decref(js);
    if (enc && ascii && lower_hex(line + vs, ve - vs)) {
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
    if (!enc) {
      s->failed++;
      r = bad_line(s, "cannot encode the cleaned field", NULL, line, len);
    } else {
      s->changed++;
      r = out(s, line, vs);
      if (r == 0)
        r = out(s, enc, strlen(enc));
      if (r == 0)
        r = out(s, line + ve, len - ve);
      free(enc);
    }
  }
  zhfix_buffer_free(clean);
done:
  json_decref(root);
  return r;
}

int cli_jsonl_run(const cli_ctx *ctx, zhfix *h, cli_job *job, int fd, cli_sink *sink) {
  jl_state s;
  memset(&s, 0, sizeof s);
  s.ctx = ctx;
  s.h = h;
  s.job = job;
  s.sink = sink;
  s.name = cli_display(job->path);
  s.rep = json_object();
  s.invalid_lines = json_array();
  s.spans = json_array();
  char *buf = malloc(CLI_BUF_SIZE);
  strbuf line = {0};
  if (!buf || !s.rep || !s.invalid_lines || !s.spans) {
    job->status = JOB_ERROR;
    sb_addf(&job->msg, "zhfix: %s: out of memory\n", s.name);
    goto out;
  }
  for (;;) {
    ssize_t n = read(fd, buf, CLI_BUF_SIZE);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      job->status = JOB_ERROR;
      sb_addf(&job->msg, "zhfix: %s: read error: %s\n", s.name, strerror(errno));
      break;
    }
    if (n == 0)
      break;
    if (sink_input(sink, buf, (size_t)n) < 0) {
      job->status = JOB_ERROR;
      sb_addf(&job->msg, "zhfix: %s: out of memory\n", s.name);
      break;
    }
    if (ctx->progress)
      cli_progress_bytes(ctx->progress, (uint64_t)n);
    size_t i = 0;
    while (i < (size_t)n && !s.fatal) {
      char *nl = memchr(buf + i, '\n', (size_t)n - i);
      size_t take = nl ? (size_t)(nl - (buf + i)) + 1 : (size_t)n - i;
      if (sb_add(&line, buf + i, take) < 0) {
        job->status = JOB_ERROR;
        sb_addf(&job->msg, "zhfix: %s: out of memory\n", s.name);
        s.fatal = 1;
        break;
      }
      i += take;
      if (nl) {
        s.lineno++;
        do_line(&s, line.p, line.len);
        line.len = 0;
      }
    }
    if (s.fatal)
      break;
  }
  if (!s.fatal && line.len) { /* last line without a newline */
    s.lineno++;
    do_line(&s, line.p, line.len);
  }
  if (s.nmsg > MAX_LINE_MSGS)
    sb_addf(&job->msg, "zhfix: %s: %u more lines with problems (see --report=json)\n",
            s.name, s.nmsg - MAX_LINE_MSGS);
  if (ctx->o->strict && s.invalid)
    sb_addf(&job->msg, "zhfix: %s: %llu invalid lines rejected (--strict)\n", s.name,
            (unsigned long long)s.invalid);
  json_object_set_new(s.rep, "lines", json_integer((json_int_t)s.lineno));
  json_object_set_new(s.rep, "records", json_integer((json_int_t)s.records));
  json_object_set_new(s.rep, "records_changed", json_integer((json_int_t)s.changed));
  json_object_set_new(s.rep, "invalid_lines", json_integer((json_int_t)s.invalid));
  json_object_set_new(s.rep, "invalid_line_numbers", s.invalid_lines);
  json_object_set_new(s.rep, "records_without_field", json_integer((json_int_t)s.no_field));
  json_object_set_new(s.rep, "records_field_not_string",
                      json_integer((json_int_t)s.not_string));
  json_object_set_new(s.rep, "unrecoverable", s.spans);
  s.invalid_lines = s.spans = NULL;
  job->report = s.rep;
  s.rep = NULL;
out:
  json_decref(s.rep);
  json_decref(s.invalid_lines);
  json_decref(s.spans);
  sb_free(&line);
  free(buf);
  return job->status == JOB_ERROR ? -1 : 0;
}
