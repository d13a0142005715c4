/* Public API: handle lifetime, options, names, statistics, one-shot call. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "format.h"
#include "pipeline.h"

const char *zhfix_version(void) { return ZHFIX_VERSION_STRING; }
int zhfix_version_number(void) { return ZHFIX_VERSION_NUMBER; }

const char *zhfix_strerror(int status) {
  switch (status) {
  case ZHFIX_OK: return "success";
  case ZHFIX_E_NOMEM: return "out of memory";
  case ZHFIX_E_INVALID: return "invalid argument";
  case ZHFIX_E_BAD_INPUT: return "invalid byte sequence in input";
  case ZHFIX_E_BINARY: return "input looks binary (NUL bytes)";
  case ZHFIX_E_STATE: return "call out of order";
  case ZHFIX_E_UNSUPPORTED: return "unsupported option or encoding";
  case ZHFIX_E_INTERNAL: return "internal error";
  default: return "unknown status";
  }
}

static void defaults(zf_opts *o) {
  memset(o, 0, sizeof *o);
  o->from = ZHFIX_ENC_AUTO;
  o->to = ZHFIX_TO_KEEP;
  o->script = ZHFIX_SCRIPT_AUTO;
  o->pinyin = ZHFIX_PINYIN_AUTO;
  o->mojibake = 1;
  o->lost = ZHFIX_LOST_MARK;
  o->entities = 1;
  o->punct = 1;
  o->quotes = ZHFIX_QUOTES_AUTO;
}

zhfix *zhfix_create(void) {
  zhfix *h = calloc(1, sizeof *h);
  if (!h) return NULL;
  defaults(&h->opts);
  zf_stats_init(&h->stats);
  return h;
}

void zhfix_free(zhfix *h) {
  if (!h) return;
  zf_pipeline_release(h);
  free(h);
}

zhfix_status zhfix_reset(zhfix *h) {
  if (!h) return ZHFIX_E_INVALID;
  zf_pipeline_reset(h); /* keeps the options and the scratch buffers */
  return ZHFIX_OK;
}

static int *opt_field(zf_opts *o, zhfix_option opt, int *lo, int *hi) {
  switch (opt) {
  case ZHFIX_OPT_FROM: *lo = 0; *hi = ZHFIX_ENC_BIG5HKSCS; return &o->from;
  case ZHFIX_OPT_TO: *lo = 0; *hi = ZHFIX_TO_JP; return &o->to;
  case ZHFIX_OPT_SCRIPT: *lo = 0; *hi = ZHFIX_SCRIPT_JP; return &o->script;
  case ZHFIX_OPT_PINYIN: *lo = 0; *hi = ZHFIX_PINYIN_KEEP; return &o->pinyin;
  case ZHFIX_OPT_MOJIBAKE: *lo = 0; *hi = 1; return &o->mojibake;
  case ZHFIX_OPT_PUNCT: *lo = 0; *hi = 1; return &o->punct;
  case ZHFIX_OPT_QUOTES: *lo = 0; *hi = ZHFIX_QUOTES_KEEP; return &o->quotes;
  case ZHFIX_OPT_SPACING: *lo = 0; *hi = 1; return &o->spacing;
  case ZHFIX_OPT_STRICT: *lo = 0; *hi = 1; return &o->strict;
  case ZHFIX_OPT_FORCE: *lo = 0; *hi = 1; return &o->force;
  case ZHFIX_OPT_FORMAT: *lo = 0; *hi = ZF_FORMAT_MAX; return &o->format;
  case ZHFIX_OPT_CONTROLS: *lo = 0; *hi = ZHFIX_CONTROLS_STRIP; return &o->controls;
  case ZHFIX_OPT_OPENCC_EXACT: *lo = 0; *hi = 1; return &o->opencc_exact;
  case ZHFIX_OPT_LOST_MARKER: *lo = 0; *hi = 0x10FFFF; return &o->lost_marker;
  case ZHFIX_OPT_ENTITIES: *lo = 0; *hi = 1; return &o->entities;
  case ZHFIX_OPT_LOST: *lo = 0; *hi = ZHFIX_LOST_GUESS; return &o->lost;
  }
  return NULL;
}

zhfix_status zhfix_set_option(zhfix *h, zhfix_option opt, int value) {
  if (!h) return ZHFIX_E_INVALID;
  int lo, hi;
  int *f = opt_field(&h->opts, opt, &lo, &hi);
  if (!f || value < lo || value > hi) return ZHFIX_E_INVALID;
  /* a marker is a character a reader sees: no surrogate, no control */
  if (opt == ZHFIX_OPT_LOST_MARKER && value &&
      ((value >= 0xD800 && value <= 0xDFFF) || value < 0x20 || (value >= 0x7F && value < 0xA0)))
    return ZHFIX_E_INVALID;
  if (h->state != ZF_FRESH) return ZHFIX_E_STATE;
  *f = value;
  return ZHFIX_OK;
}

int zhfix_get_option(const zhfix *h, zhfix_option opt) {
  if (!h) return ZHFIX_E_INVALID;
  int lo, hi;
  int *f = opt_field((zf_opts *)&h->opts, opt, &lo, &hi);
  return f ? *f : ZHFIX_E_INVALID;
}

typedef struct {
  const char *name;
  int value;
} name_value;

static const name_value encodings[] = {
    {"auto", ZHFIX_ENC_AUTO},         {"utf-8", ZHFIX_ENC_UTF8},
    {"utf-16le", ZHFIX_ENC_UTF16LE},  {"utf-16be", ZHFIX_ENC_UTF16BE},
    {"gb18030", ZHFIX_ENC_GB18030},   {"big5", ZHFIX_ENC_BIG5},
    {"big5-hkscs", ZHFIX_ENC_BIG5HKSCS},
    /* aliases, after the canonical names */
    {"utf8", ZHFIX_ENC_UTF8},         {"gbk", ZHFIX_ENC_GB18030},
    {"gb2312", ZHFIX_ENC_GB18030},    {"cp936", ZHFIX_ENC_GB18030},
    {"cp950", ZHFIX_ENC_BIG5},        {"big5hkscs", ZHFIX_ENC_BIG5HKSCS},
    {"utf16le", ZHFIX_ENC_UTF16LE},   {"utf16be", ZHFIX_ENC_UTF16BE},
    {NULL, 0}};
static const name_value targets[] = {{"keep", ZHFIX_TO_KEEP}, {"simp", ZHFIX_TO_SIMP},
                                     {"trad", ZHFIX_TO_TRAD}, {"tw", ZHFIX_TO_TW},
                                     {"twp", ZHFIX_TO_TWP},   {"hk", ZHFIX_TO_HK},
                                     {"hkp", ZHFIX_TO_HKP},   {"jp", ZHFIX_TO_JP},
                                     {NULL, 0}};
static const name_value scripts[] = {{"auto", ZHFIX_SCRIPT_AUTO}, {"simp", ZHFIX_SCRIPT_SIMP},
                                     {"trad", ZHFIX_SCRIPT_TRAD}, {"tw", ZHFIX_SCRIPT_TW},
                                     {"twp", ZHFIX_SCRIPT_TWP},   {"hk", ZHFIX_SCRIPT_HK},
                                     {"hkp", ZHFIX_SCRIPT_HKP},   {"jp", ZHFIX_SCRIPT_JP},
                                     {NULL, 0}};
static const name_value pinyins[] = {{"auto", ZHFIX_PINYIN_AUTO},
                                     {"strip", ZHFIX_PINYIN_STRIP},
                                     {"keep", ZHFIX_PINYIN_KEEP},
                                     {NULL, 0}};
static const name_value quotes[] = {{"auto", ZHFIX_QUOTES_AUTO},     {"curly", ZHFIX_QUOTES_CURLY},
                                    {"corner", ZHFIX_QUOTES_CORNER}, {"keep", ZHFIX_QUOTES_KEEP},
                                    {NULL, 0}};
static const name_value controls[] = {{"keep", ZHFIX_CONTROLS_KEEP},
                                      {"strip", ZHFIX_CONTROLS_STRIP},
                                      {NULL, 0}};
static const name_value losts[] = {{"off", ZHFIX_LOST_OFF}, {"mark", ZHFIX_LOST_MARK}, {"guess", ZHFIX_LOST_GUESS}, {NULL, 0}};
static const name_value switches[] = {{"on", 1},  {"off", 0},   {"1", 1},     {"0", 0},
                                      {"yes", 1}, {"no", 0},    {"true", 1},  {"false", 0},
                                      {NULL, 0}};

static int lookup(const name_value *t, const char *s) {
  if (!s) return ZHFIX_E_INVALID;
  for (; t->name; t++)
    if (!strcasecmp(t->name, s)) return t->value;
  return ZHFIX_E_INVALID;
}

static const char *name_of(const name_value *t, int v) {
  for (; t->name; t++)
    if (t->value == v) return t->name;
  return "unknown";
}

const char *zhfix_encoding_name(int enc) { return name_of(encodings, enc); }
int zhfix_encoding_from_name(const char *name) { return lookup(encodings, name); }
const char *zhfix_script_name(int script) { return name_of(scripts, script); }

/* "keep" -> 0, "U+XXXX" or exactly one UTF-8 character -> its code point
 * (range and kind are zhfix_set_option's to check), else -1. */
static int lost_marker_value(const char *s) {
  if (!s || !*s) return -1;
  if (!strcasecmp(s, "keep")) return 0;
  if ((s[0] == 'U' || s[0] == 'u') && s[1] == '+' && isxdigit((unsigned char)s[2])) {
    char *end;
    unsigned long v = strtoul(s + 2, &end, 16);
    return *end || end - (s + 2) > 6 || v > 0x10FFFF ? -1 : (int)v;
  }
  /* exactly one character of valid UTF-8 */
  const unsigned char *p = (const unsigned char *)s;
  uint32_t c;
  int n = zf_utf8_get(p, strlen(s), &c);
  return n > 0 && !p[n] ? (int)c : -1;
}

zhfix_status zhfix_set_option_string(zhfix *h, const char *name, const char *value) {
  static const struct {
    const char *name;
    zhfix_option opt;
    const name_value *values;
  } opts[] = {{"from", ZHFIX_OPT_FROM, encodings},   {"to", ZHFIX_OPT_TO, targets},
              {"script", ZHFIX_OPT_SCRIPT, scripts}, {"pinyin", ZHFIX_OPT_PINYIN, pinyins},
              {"quotes", ZHFIX_OPT_QUOTES, quotes},  {"mojibake", ZHFIX_OPT_MOJIBAKE, switches},
              {"punct", ZHFIX_OPT_PUNCT, switches},  {"spacing", ZHFIX_OPT_SPACING, switches},
              {"strict", ZHFIX_OPT_STRICT, switches}, {"force", ZHFIX_OPT_FORCE, switches},
              {"controls", ZHFIX_OPT_CONTROLS, controls}, {"entities", ZHFIX_OPT_ENTITIES, switches},
              {"lost", ZHFIX_OPT_LOST, losts},

              {"opencc-exact", ZHFIX_OPT_OPENCC_EXACT, switches}};
  if (!h || !name) return ZHFIX_E_INVALID;
  if (!strcmp(name, "format")) {
    int v = zhfix_format_from_name(value);
    return v < 0 ? ZHFIX_E_INVALID : zhfix_set_option(h, ZHFIX_OPT_FORMAT, v);
  }
  if (!strcmp(name, "lost-marker")) {
    int cp = lost_marker_value(value);
    return cp < 0 ? ZHFIX_E_INVALID : zhfix_set_option(h, ZHFIX_OPT_LOST_MARKER, cp);
  }
  for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
    if (strcmp(opts[i].name, name)) continue;
    int v = lookup(opts[i].values, value);
    if (v < 0) return ZHFIX_E_INVALID;
    return zhfix_set_option(h, opts[i].opt, v);
  }
  return ZHFIX_E_INVALID;
}

static const char *const stat_names[ZHFIX_STAT__COUNT] = {
    [ZHFIX_STAT_BYTES_IN] = "bytes_in",
    [ZHFIX_STAT_BYTES_OUT] = "bytes_out",
    [ZHFIX_STAT_INVALID_SEQUENCES] = "invalid_sequences",
    [ZHFIX_STAT_FIRST_INVALID_OFFSET] = "first_invalid_offset",
    [ZHFIX_STAT_ENCODING] = "encoding",
    [ZHFIX_STAT_SCRIPT] = "script",
    [ZHFIX_STAT_PINYIN_REMOVED] = "pinyin_removed",
    [ZHFIX_STAT_MISALIGNED_REPAIRED] = "misaligned_repaired",
    [ZHFIX_STAT_LOST_BYTES_RESTORED] = "lost_bytes_restored",
    [ZHFIX_STAT_MOJIBAKE_UTF8_AS_GBK] = "mojibake_utf8_as_gbk",
    [ZHFIX_STAT_MOJIBAKE_UTF8_AS_BIG5] = "mojibake_utf8_as_big5",
    [ZHFIX_STAT_MOJIBAKE_UTF8_AS_LATIN1] = "mojibake_utf8_as_latin1",
    [ZHFIX_STAT_MOJIBAKE_UTF8_DOUBLE] = "mojibake_utf8_double",
    [ZHFIX_STAT_MOJIBAKE_GBK_AS_BIG5] = "mojibake_gbk_as_big5",
    [ZHFIX_STAT_MOJIBAKE_BIG5_AS_GBK] = "mojibake_big5_as_gbk",
    [ZHFIX_STAT_MOJIBAKE_CJK_AS_LATIN1] = "mojibake_cjk_as_latin1",
    [ZHFIX_STAT_MOJIBAKE_LOSSY] = "mojibake_lossy",
    [ZHFIX_STAT_ENTITIES_DECODED] = "entities_decoded",
    [ZHFIX_STAT_CHARS_CONVERTED] = "chars_converted",
    [ZHFIX_STAT_PUNCT_CHANGED] = "punct_changed",
    [ZHFIX_STAT_UNRECOVERABLE_SPANS] = "unrecoverable_spans",
    [ZHFIX_STAT_FORMAT] = "format",
    [ZHFIX_STAT_ENCODING_GUESSED] = "encoding_guessed",
    [ZHFIX_STAT_C1_AS_1252] = "c1_as_1252",
    [ZHFIX_STAT_LOST_LINES] = "lost_lines",
    [ZHFIX_STAT_LOST_GUESSED] = "lost_guessed",
    [ZHFIX_STAT_LOST_OVER_BUDGET] = "lost_over_budget",
};

const char *zhfix_stat_name(zhfix_stat which) {
  if ((unsigned)which >= ZHFIX_STAT__COUNT || !stat_names[which]) return NULL;
  return stat_names[which];
}

uint64_t zhfix_get_stat(const zhfix *h, zhfix_stat which) {
  if (!h || (unsigned)which >= ZHFIX_STAT__COUNT) return 0;
  return h->stats.v[which];
}

int zhfix_get_span(const zhfix *h, size_t i, uint64_t *offset, uint64_t *length) {
  if (!h || i >= h->stats.nspans) return 0;
  if (offset) *offset = h->stats.spans[i].off;
  if (length) *length = h->stats.spans[i].len;
  return 1;
}

zhfix_status zhfix_process(zhfix *h, const void *src, size_t len, char **out, size_t *outlen) {
  if (out) *out = NULL;
  if (outlen) *outlen = 0;
  if (!h || !out || (len && !src)) return ZHFIX_E_INVALID;
  zhfix_status rc = zhfix_reset(h);
  if (rc) return rc;
  size_t cap = len + len / 2 + 64, n = 0;
  char *buf = malloc(cap);
  if (!buf) return ZHFIX_E_NOMEM;
  zhfix_in in = {src, len, 0};
  for (;;) {
    zhfix_out o = {buf + n, cap - n - 1, 0}; /* keep room for the NUL */
    size_t pending = 0;
    rc = zhfix_stream(h, &o, &in, ZHFIX_END, &pending);
    n += o.pos;
    if (rc) {
      free(buf);
      return rc;
    }
    if (!pending && in.pos == in.size) break;
    if (cap - n - 1 < 65536 || o.pos == 0) {
      size_t ncap = cap * 2 + 65536;
      char *nb = realloc(buf, ncap);
      if (!nb) {
        free(buf);
        return ZHFIX_E_NOMEM;
      }
      buf = nb;
      cap = ncap;
    }
  }
  buf[n] = 0;
  *out = buf;
  if (outlen) *outlen = n;
  return ZHFIX_OK;
}

void zhfix_buffer_free(char *buf) { free(buf); }
