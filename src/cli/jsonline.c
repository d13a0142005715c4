/* One JSON Lines record: is it valid JSON, where is the chosen field's
 * value, what string does it hold, and how is a cleaned value written back
 * in the original's escaping style.
 *
 * jansson is the judge of validity.  Building its tree for every record
 * costs more than cleaning a short record, so the common case is read
 * here by a scanner that accepts only what jansson certainly accepts
 * (RFC 8259 less the corners where jansson differs: integers beyond 64
 * bits, reals that overflow, \u0000, deep nesting) and hands every other
 * line, valid or not, to jansson, whose verdict and messages stand.
 * tests/test_jsonl_scan.c holds the two readings against each other. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Nesting the scanner follows before it leaves the line to jansson. */
#define SCAN_DEPTH 64

/* ---- the scanner ---------------------------------------------------------- */

typedef struct scan {
  const unsigned char *p;
  size_t i, n;
  int last_esc; /* the last string read held escapes */
} scan;

static void sc_ws(scan *s) {
  while (s->i < s->n && (s->p[s->i] == ' ' || s->p[s->i] == '\t' || s->p[s->i] == '\r' ||
                         s->p[s->i] == '\n'))
    s->i++;
}

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* The four hex digits at p (at least 4 bytes), or -1. */
static long hex4(const unsigned char *p) {
  long v = 0;
  for (int k = 0; k < 4; k++) {
    int d = hexval(p[k]);
    if (d < 0)
      return -1;
    v = v << 4 | d;
  }
  return v;
}

/* cli_utf8_len (overlong forms, surrogates and values above U+10FFFF are
 * not well formed, as for jansson), with the common case first: a lead E1..EC or EE..EF and two
 * continuation bytes (CJK) is always well formed. */
static inline size_t utf8_len(const unsigned char *p, size_t n) {
  unsigned t = p[0] - 0xE0u;
  if (t <= 15u && (0xDFFEu >> t & 1u) && n >= 3 && ((p[1] | p[2] << 8) & 0xC0C0u) == 0x8080u)
    return 3;
  return cli_utf8_len(p, n);
}

/* Whether the 6 bytes at p (8 readable) are two three-byte characters
 * with a lead E1..EC or EE..EF (CJK, always well formed), in one test of a
 * 64-bit word: lead 1110xxxx and continuations 10xxxxxx, then neither lead
 * E0 nor ED (whose second byte is restricted: utf8_len's case). */
static inline int cjk2(const unsigned char *p) {
  uint64_t x;
  memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  x = __builtin_bswap64(x); /* p[0] is the low byte below */
#endif
  if ((x & 0xC0C0F0C0C0F0u) != 0x8080E08080E0u)
    return 0;
  return (int)(0xDFFEu >> (x & 0xF) & 0xDFFEu >> (x >> 24 & 0xF) & 1u);
}

/* The end of the run of characters beyond ASCII that begins at p[i]
 * (>= 0x80): the index of the first ASCII byte after it, or n; SIZE_MAX
 * when a sequence in it is not well formed. */
static size_t utf8_run(const unsigned char *p, size_t i, size_t n) {
  for (;;) {
    while (i + 8 <= n && cjk2(p + i))
      i += 6;
    if (i >= n || p[i] < 0x80)
      return i;
    size_t k = utf8_len(p + i, n - i);
    if (!k)
      return SIZE_MAX;
    i += k;
    if (i >= n || p[i] < 0x80)
      return i;
  }
}

/* The high bit of each of the 8 bytes at p that is '"', '\\' or a
 * control (a zero byte of q or b; a byte below 0x20 borrows into its own
 * high bit: false alarms only above a true one; bytes from 0x80 up
 * neither are zero after the xors nor borrow). */
static inline uint64_t special8(uint64_t x) {
  const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
  uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
  return (((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x)) & high;
}

/* Whether none of the 8 bytes at p is '"', '\\' or a control; bytes
 * beyond ASCII pass. */
static inline int unescaped8(const unsigned char *p) {
  uint64_t x;
  memcpy(&x, p, 8);
  return !special8(x);
}

/* Whether the 8 bytes at p are all plain: unescaped and none beyond
 * ASCII (one test for the eight, as a 64-bit word). */
static inline int plain8(const unsigned char *p) {
  uint64_t x;
  memcpy(&x, p, 8);
  return !(special8(x) | (x & 0x8080808080808080u));
}

/* A string at s->i (on its '"'); *esc is set when it holds escapes.
 * 0, or -1: not certainly valid. */
static int sc_string(scan *s, int *esc) {
  const unsigned char *p = s->p;
  size_t i = s->i + 1, n = s->n;
  *esc = 0;
  for (;;) {
    /* the plain run: no quote, backslash, control or non-ASCII byte */
    while (i + 8 <= n && plain8(p + i))
      i += 8;
    while (i < n && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\')
      i++;
    if (i >= n)
      return -1;
    unsigned char c = p[i];
    if (c == '"')
      break;
    if (c < 0x20)
      return -1;
    if (c >= 0x80) {
      /* a run of characters beyond ASCII (Chinese text) */
      if ((i = utf8_run(p, i, n)) == SIZE_MAX)
        return -1;
      continue;
    }
    /* a backslash */
    *esc = 1;
    if (i + 1 >= n)
      return -1;
    c = p[i + 1];
    if (c == 'u') {
      if (i + 6 > n)
        return -1;
      long u = hex4(p + i + 2);
      if (u <= 0) /* not hex, or \u0000 (jansson's NUL rules: its own) */
        return -1;
      if (u >= 0xDC00 && u <= 0xDFFF)
        return -1;
      if (u >= 0xD800 && u <= 0xDBFF) {
        if (i + 12 > n || p[i + 6] != '\\' || p[i + 7] != 'u')
          return -1;
        long lo = hex4(p + i + 8);
        if (lo < 0xDC00 || lo > 0xDFFF)
          return -1;
        i += 12;
      } else {
        i += 6;
      }
      continue;
    }
    if (!strchr("\"\\/bfnrt", c) || c == 0)
      return -1;
    i += 2;
  }
  s->i = i + 1;
  s->last_esc = *esc;
  return 0;
}

/* A number; reals and integers that jansson could refuse (an integer
 * beyond 64 bits, a real beyond the double range) are left to it. */
static int sc_number(scan *s) {
  const unsigned char *p = s->p;
  size_t i = s->i, n = s->n;
  if (i < n && p[i] == '-')
    i++;
  if (i >= n || p[i] < '0' || p[i] > '9')
    return -1;
  size_t int_start = i;
  if (p[i] == '0')
    i++;
  else
    while (i < n && p[i] >= '0' && p[i] <= '9')
      i++;
  size_t int_digits = i - int_start;
  int real = 0;
  if (i < n && p[i] == '.') {
    real = 1;
    i++;
    if (i >= n || p[i] < '0' || p[i] > '9')
      return -1;
    while (i < n && p[i] >= '0' && p[i] <= '9')
      i++;
  }
  if (i < n && (p[i] == 'e' || p[i] == 'E')) {
    real = 1;
    i++;
    if (i < n && (p[i] == '+' || p[i] == '-'))
      i++;
    if (i >= n || p[i] < '0' || p[i] > '9')
      return -1;
    size_t e = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9') {
      if (e < 100000)
        e = e * 10 + (p[i] - '0');
      i++;
    }
    if (e + int_digits > 300) /* may overflow a double */
      return -1;
  }
  if (!real && int_digits > 18) /* may not fit 64 bits */
    return -1;
  if (int_digits > 300)
    return -1;
  s->i = i;
  return 0;
}

static int sc_value(scan *s, int depth);

static int sc_literal(scan *s, const char *word) {
  size_t k = strlen(word);
  if (s->n - s->i < k || memcmp(s->p + s->i, word, k) != 0)
    return -1;
  s->i += k;
  /* jansson reads a run of letters as one token */
  if (s->i < s->n && ((s->p[s->i] | 0x20) >= 'a' && (s->p[s->i] | 0x20) <= 'z'))
    return -1;
  return 0;
}

/* The members of an object or the items of an array after its opening
 * bracket. */
static int sc_container(scan *s, int depth, int object) {
  unsigned char close = object ? '}' : ']';
  sc_ws(s);
  if (s->i < s->n && s->p[s->i] == close) {
    s->i++;
    return 0;
  }
  for (;;) {
    if (object) {
      int esc;
      if (s->i >= s->n || s->p[s->i] != '"' || sc_string(s, &esc))
        return -1;
      sc_ws(s);
      if (s->i >= s->n || s->p[s->i] != ':')
        return -1;
      s->i++;
      sc_ws(s);
    }
    if (sc_value(s, depth + 1))
      return -1;
    sc_ws(s);
    if (s->i >= s->n)
      return -1;
    if (s->p[s->i] == close) {
      s->i++;
      return 0;
    }
    if (s->p[s->i] != ',')
      return -1;
    s->i++;
    sc_ws(s);
  }
}

static int sc_value(scan *s, int depth) {
  if (s->i >= s->n || depth > SCAN_DEPTH)
    return -1;
  int esc;
  switch (s->p[s->i]) {
  case '"': return sc_string(s, &esc);
  case '{': s->i++; return sc_container(s, depth, 1);
  case '[': s->i++; return sc_container(s, depth, 0);
  case 't': return sc_literal(s, "true");
  case 'f': return sc_literal(s, "false");
  case 'n': return sc_literal(s, "null");
  default: return sc_number(s);
  }
}

/* Appends the string whose quoted form is p[a..b) to out, decoded.  The
 * scanner has checked it. */
static int unescape(const unsigned char *p, size_t a, size_t b, strbuf *out) {
  size_t i = a + 1, end = b - 1;
  while (i < end) {
    const unsigned char *bs = memchr(p + i, '\\', end - i);
    size_t j = bs ? (size_t)(bs - p) : end;
    if (sb_add(out, p + i, j - i) < 0)
      return -1;
    if (j >= end)
      break;
    unsigned char c = p[j + 1], u8[4];
    size_t k = 1;
    switch (c) {
    case 'b': u8[0] = '\b'; break;
    case 'f': u8[0] = '\f'; break;
    case 'n': u8[0] = '\n'; break;
    case 'r': u8[0] = '\r'; break;
    case 't': u8[0] = '\t'; break;
    case 'u': {
      unsigned long u = (unsigned long)hex4(p + j + 2);
      if (u >= 0xD800 && u <= 0xDBFF) {
        u = 0x10000 + ((u - 0xD800) << 10) + ((unsigned long)hex4(p + j + 8) - 0xDC00);
        j += 6;
      }
      j += 4;
      if (u < 0x80) {
        u8[0] = (unsigned char)u;
      } else if (u < 0x800) {
        u8[0] = (unsigned char)(0xC0 | u >> 6);
        u8[1] = (unsigned char)(0x80 | (u & 0x3F));
        k = 2;
      } else if (u < 0x10000) {
        u8[0] = (unsigned char)(0xE0 | u >> 12);
        u8[1] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
        u8[2] = (unsigned char)(0x80 | (u & 0x3F));
        k = 3;
      } else {
        u8[0] = (unsigned char)(0xF0 | u >> 18);
        u8[1] = (unsigned char)(0x80 | ((u >> 12) & 0x3F));
        u8[2] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
        u8[3] = (unsigned char)(0x80 | (u & 0x3F));
        k = 4;
      }
      break;
    }
    default: u8[0] = c; break; /* " \ / */
    }
    if (sb_add(out, u8, k) < 0)
      return -1;
    i = j + 2;
  }
  return 0;
}

/* Whether the key whose quoted form is p[a..b) is field. */
static int scan_key_is(const unsigned char *p, size_t a, size_t b, int esc, const char *field,
                       size_t flen, strbuf *tmp) {
  if (!esc)
    return b - a - 2 == flen && memcmp(p + a + 1, field, flen) == 0;
  tmp->len = 0;
  return unescape(p, a, b, tmp) == 0 && tmp->len == flen && memcmp(tmp->p, field, flen) == 0;
}

/* The fast reading: 1 when the line is certainly valid JSON whose top
 * level is an object (r filled in), 0 when jansson must read it. */
static int fast_read(cli_jl_rec *r, const char *line, size_t n, const char *field) {
  scan s = {(const unsigned char *)line, 0, n, 0};
  size_t flen = strlen(field);
  int found = 0, string = 0, vesc = 0;
  size_t vs = 0, ve = 0;
  sc_ws(&s);
  if (s.i >= n || s.p[s.i] != '{')
    return 0;
  s.i++;
  sc_ws(&s);
  if (s.i < n && s.p[s.i] == '}') {
    s.i++;
  } else {
    for (;;) {
      int esc;
      size_t ks = s.i;
      if (s.i >= n || s.p[s.i] != '"' || sc_string(&s, &esc))
        return 0;
      size_t ke = s.i;
      sc_ws(&s);
      if (s.i >= n || s.p[s.i] != ':')
        return 0;
      s.i++;
      sc_ws(&s);
      size_t a = s.i;
      if (sc_value(&s, 1))
        return 0;
      /* a repeated key: the last one is the value, as jansson keeps */
      if (scan_key_is(s.p, ks, ke, esc, field, flen, &r->val)) {
        found = 1;
        string = s.p[a] == '"';
        vs = a;
        ve = s.i;
        vesc = s.last_esc;
      }
      sc_ws(&s);
      if (s.i >= n)
        return 0;
      if (s.p[s.i] == '}') {
        s.i++;
        break;
      }
      if (s.p[s.i] != ',')
        return 0;
      s.i++;
      sc_ws(&s);
    }
  }
  sc_ws(&s);
  if (s.i != n)
    return 0;
  r->kind = !found ? JL_FIELD_ABSENT : !string ? JL_FIELD_NOT_STRING : JL_FIELD_STRING;
  if (r->kind == JL_FIELD_STRING) {
    if (!vesc) { /* the value is its quoted form's inside: no copy */
      r->str = line + vs + 1;
      r->slen = ve - vs - 2;
    } else {
      r->val.len = 0;
      if (unescape(s.p, vs, ve, &r->val) < 0 || sb_add(&r->val, "", 0) < 0)
        return 0; /* no memory: jansson will say so too */
      r->str = r->val.p ? r->val.p : "";
      r->slen = r->val.len;
    }
    r->vs = vs;
    r->ve = ve;
    r->span = 1;
  }
  return 1;
}

/* ---- jansson's reading ------------------------------------------------------ */

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

/* The span [*vs, *ve) of the top-level value of key field in valid JSON;
 * the last one when the key repeats, as jansson keeps the last.  0 if
 * absent. */
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

static void slow_read(cli_jl_rec *r, const char *line, size_t n, const char *field) {
  json_error_t err;
  r->root = json_loadb(line, n, JSON_ALLOW_NUL, &err);
  if (!r->root) {
    r->kind = JL_INVALID;
    snprintf(r->err, sizeof r->err, "%s (column %d)", err.text, err.column);
    return;
  }
  if (!json_is_object(r->root)) {
    r->kind = JL_NOT_OBJECT;
    return;
  }
  json_t *v = json_object_get(r->root, field);
  if (!v || !json_is_string(v)) {
    r->kind = v ? JL_FIELD_NOT_STRING : JL_FIELD_ABSENT;
    return;
  }
  r->kind = JL_FIELD_STRING;
  r->str = json_string_value(v);
  r->slen = json_string_length(v);
  r->span = find_value(line, n, field, &r->vs, &r->ve);
}

void cli_jl_read(cli_jl_rec *r, const char *line, size_t n, const char *field) {
  cli_jl_done(r);
  r->str = NULL;
  r->slen = r->vs = r->ve = 0;
  r->span = 0;
  r->err[0] = '\0';
  if (!fast_read(r, line, n, field))
    slow_read(r, line, n, field);
}

void cli_jl_done(cli_jl_rec *r) {
  json_decref(r->root);
  r->root = NULL;
}

void cli_jl_free(cli_jl_rec *r) {
  cli_jl_done(r);
  sb_free(&r->val);
}

/* ---- writing a value back ------------------------------------------------------ */

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

/* s[0..n) as a JSON string, as jansson's json_dumps writes it: the short
 * escapes, \u00XX for other controls, and with ascii every character
 * beyond ASCII as \uXXXX (a surrogate pair above the BMP), hex digits in
 * the case `hex` gives.  -1 when s is not UTF-8 or memory ran out.  With
 * utf8, s is known to be UTF-8 (zhfix's output) and, unless ascii, its
 * characters beyond ASCII are copied without a second check. */
static int json_quote(strbuf *out, const char *s, size_t n, int ascii, int utf8, const char *hex) {
  const unsigned char *p = (const unsigned char *)s;
  if (sb_add(out, "\"", 1) < 0)
    return -1;
  size_t i = 0;
  while (i < n) {
    /* the run written as it is: plain ASCII (eight bytes at a time where
     * it can), and unless ascii, characters beyond it */
    size_t j = i;
    if (utf8 && !ascii) {
      while (j + 8 <= n && unescaped8(p + j))
        j += 8;
      while (j < n && p[j] != '"' && p[j] != '\\' && p[j] >= 0x20)
        j++;
    }
    for (;;) {
      if (!ascii)
        while (j + 8 <= n && plain8(p + j))
          j += 8;
      while (j < n && p[j] >= 0x20 && p[j] < 0x80 && p[j] != '"' && p[j] != '\\')
        j++;
      if (j >= n || p[j] < 0x80 || ascii)
        break;
      if ((j = utf8_run(p, j, n)) == SIZE_MAX)
        return -1;
    }
    if (sb_add(out, p + i, j - i) < 0)
      return -1;
    if (j >= n)
      break;
    unsigned long u = p[j];
    size_t k = 1;
    char esc[16];
    const char *e = esc;
    if (u >= 0x80) {
      k = cli_utf8_len(p + j, n - j);
      if (!k)
        return -1;
      u &= 0x7Fu >> k;
      for (size_t m = 1; m < k; m++)
        u = u << 6 | (p[j + m] & 0x3Fu);
    }
    switch (u) {
    case '"': e = "\\\""; break;
    case '\\': e = "\\\\"; break;
    case '\b': e = "\\b"; break;
    case '\f': e = "\\f"; break;
    case '\n': e = "\\n"; break;
    case '\r': e = "\\r"; break;
    case '\t': e = "\\t"; break;
    default: {
      char *q = esc;
      unsigned long units[2] = {u, 0};
      int nu = 1;
      if (u >= 0x10000) {
        units[0] = 0xD800 + ((u - 0x10000) >> 10);
        units[1] = 0xDC00 + ((u - 0x10000) & 0x3FF);
        nu = 2;
      }
      for (int m = 0; m < nu; m++) {
        *q++ = '\\';
        *q++ = 'u';
        for (int d = 3; d >= 0; d--)
          *q++ = hex[(units[m] >> (4 * d)) & 0xF];
      }
      *q = '\0';
      break;
    }
    }
    if (sb_add(out, e, strlen(e)) < 0)
      return -1;
    i = j + k;
  }
  return sb_add(out, "\"", 1);
}

int cli_jl_encode_like(strbuf *out, const char *orig, size_t olen, const char *s, size_t n,
                       int utf8) {
  /* ASCII-only with \u escapes: the original escaped what lies beyond
   * ASCII, and so does the cleaned value (the first byte beyond ASCII
   * settles it) */
  int ascii = 1, escapes = 0;
  for (size_t i = 0; i < olen && ascii; i++) {
    if ((unsigned char)orig[i] >= 0x80)
      ascii = 0;
    else if (orig[i] == '\\' && i + 1 < olen && orig[i + 1] == 'u')
      escapes = 1;
  }
  ascii = ascii && escapes;
  return json_quote(out, s, n, ascii, utf8,
                    ascii && lower_hex(orig, olen) ? "0123456789abcdef" : "0123456789ABCDEF");
}
