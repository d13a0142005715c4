/* --report=json: per-document statistics, one entry per job, and the
 * report itself.  Keys come from zhfix_stat_name(), so counters the
 * library adds later appear without a change here. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* The counters that are repairs of damage (issue 4 and 5 stages). */
static int is_repair(int s) {
  return s >= ZHFIX_STAT_PINYIN_REMOVED && s <= ZHFIX_STAT_ENTITIES_DECODED;
}

/* Not counters: rendered separately. */
static int is_attribute(int s) {
  return s == ZHFIX_STAT_ENCODING || s == ZHFIX_STAT_SCRIPT ||
         s == ZHFIX_STAT_FIRST_INVALID_OFFSET || s == ZHFIX_STAT_FORMAT;
}

static json_t *child(json_t *obj, const char *key) {
  json_t *c = json_object_get(obj, key);
  if (!c) {
    c = json_object();
    json_object_set_new(obj, key, c);
  }
  return c;
}

static void add_to(json_t *obj, const char *key, uint64_t v) {
  json_t *old = json_object_get(obj, key);
  json_int_t base = old ? json_integer_value(old) : 0;
  json_object_set_new(obj, key, json_integer(base + (json_int_t)v));
}

void cli_report_counters(json_t *obj, const uint64_t *v) {
  json_t *stats = child(obj, "stats"), *rep = child(obj, "repairs");
  for (int s = 0; s < ZHFIX_STAT__COUNT; s++) {
    if (is_attribute(s))
      continue;
    const char *name = zhfix_stat_name((zhfix_stat)s);
    if (!name)
      continue;
    add_to(is_repair(s) ? rep : stats, name, v[s]);
  }
}

static void add_counters(json_t *obj, const zhfix *h) {
  uint64_t v[ZHFIX_STAT__COUNT];
  for (int s = 0; s < ZHFIX_STAT__COUNT; s++)
    v[s] = zhfix_get_stat(h, (zhfix_stat)s);
  cli_report_counters(obj, v);
}

void cli_report_stats(json_t *obj, const zhfix *h) {
  int enc = (int)zhfix_get_stat(h, ZHFIX_STAT_ENCODING);
  const char *en = zhfix_encoding_name(enc);
  const char *sn = zhfix_script_name((int)zhfix_get_stat(h, ZHFIX_STAT_SCRIPT));
  json_object_set_new(obj, "encoding", en ? json_string(en) : json_null());
  /* Output is always UTF-8: say so when the input was not. */
  json_object_set_new(obj, "converted_to_utf8", json_boolean(enc != ZHFIX_ENC_UTF8));
  json_object_set_new(obj, "script", sn ? json_string(sn) : json_null());
  json_object_set_new(obj, "format",
                      json_string(zhfix_format_name((int)zhfix_get_stat(h, ZHFIX_STAT_FORMAT))));
  uint64_t first = zhfix_get_stat(h, ZHFIX_STAT_FIRST_INVALID_OFFSET);
  json_object_set_new(obj, "first_invalid_offset",
                      zhfix_get_stat(h, ZHFIX_STAT_INVALID_SEQUENCES) && first != UINT64_MAX
                          ? json_integer((json_int_t)first)
                          : json_null());
  add_counters(obj, h);
  json_t *spans = json_array();
  uint64_t off, len;
  for (size_t i = 0; zhfix_get_span(h, i, &off, &len); i++) {
    json_t *sp = json_object();
    json_object_set_new(sp, "offset", json_integer((json_int_t)off));
    json_object_set_new(sp, "length", json_integer((json_int_t)len));
    json_array_append_new(spans, sp);
  }
  json_object_set_new(obj, "unrecoverable", spans);
}

json_t *cli_json_path(const char *path) {
  json_t *s = json_string(path);
  if (s)
    return s;
  /* File names are bytes; JSON wants UTF-8: show the bad bytes as U+FFFD. */
  strbuf b = {0};
  const unsigned char *p = (const unsigned char *)path;
  size_t n = strlen(path);
  while (n > 0) {
    size_t k = cli_utf8_len(p, n);
    if (k == 0) {
      sb_add(&b, "\xEF\xBF\xBD", 3);
      k = 1;
    } else {
      sb_add(&b, p, k);
    }
    p += k;
    n -= k;
  }
  s = json_stringn(b.p ? b.p : "", b.len);
  sb_free(&b);
  return s ? s : json_string("?");
}

static const char *status_name(int s) {
  switch (s) {
  case JOB_UNCHANGED: return "unchanged";
  case JOB_CHANGED: return "changed";
  case JOB_SKIPPED: return "skipped";
  default: return "error";
  }
}

/* The job's messages, without their "zhfix: " prefix, one per line. */
static json_t *messages(const cli_job *job) {
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
  return m;
}

json_t *cli_report_job(const cli_opts *o, const zhfix *h, cli_job *job, int ran) {
  json_t *e = json_object();
  if (!e)
    return job->report;
  json_object_set_new(e, "file", cli_json_path(cli_display(job->path)));
  json_object_set_new(e, "status", json_string(status_name(job->status)));
  if (job->status == JOB_SKIPPED)
    json_object_set_new(e, "reason", json_string("binary"));
  if (job->msg.len)
    json_object_set_new(e, "messages", messages(job));
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
  return e;
}

int cli_report_write(const cli_opts *o, size_t njobs, const cli_totals *t, json_t *files) {
  int status = 0;
  json_t *root = json_object();
  json_object_set_new(root, "zhfix_version", json_string(zhfix_version()));
  json_t *opts = json_object();
  for (int i = 0; i < o->nlib; i++)
    json_object_set_new(opts, o->lib_name[i], json_string(o->lib_value[i]));
  json_object_set_new(root, "options", opts);
  json_object_set_new(root, "files", files);
  json_t *tot = json_object();
  json_object_set_new(tot, "files", json_integer((json_int_t)njobs));
  json_object_set_new(tot, "changed", json_integer((json_int_t)t->changed));
  json_object_set_new(tot, "errors", json_integer((json_int_t)t->errors));
  json_object_set_new(tot, "skipped", json_integer((json_int_t)t->skipped));
  json_object_set_new(root, "totals", tot);
  FILE *rf = stderr;
  if (o->report_file && strcmp(o->report_file, "-") == 0)
    rf = stdout;
  else if (o->report_file && !(rf = fopen(o->report_file, "w"))) {
    fprintf(stderr, "zhfix: %s: %s\n", o->report_file, strerror(errno));
    status = -1;
  }
  if (rf) {
    if (json_dumpf(root, rf, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
        fputc('\n', rf) == EOF || fflush(rf) != 0 ||
        (rf != stdout && rf != stderr && fclose(rf) != 0)) {
      fprintf(stderr, "zhfix: cannot write the report: %s\n", strerror(errno));
      status = -1;
    }
  }
  json_decref(root);
  return status;
}
