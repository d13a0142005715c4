/* Per-document statistics as JSON, for --report=json.  Keys come from
 * zhfix_stat_name(), so counters the library adds later appear without a
 * change here. */
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

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n) {
  unsigned c = p[0];
  size_t len;
  unsigned min;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    len = 2, min = 0x80;
  else if (c >= 0xE0 && c <= 0xEF)
    len = 3, min = 0x800;
  else if (c >= 0xF0 && c <= 0xF4)
    len = 4, min = 0x10000;
  else
    return 0;
  if (n < len)
    return 0;
  unsigned cp = c & (0x7F >> len);
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
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
    size_t k = utf8_seq(p, n);
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
