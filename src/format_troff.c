/*
 * troff / man / mdoc sources: text lines are prose; request and macro
 * lines (starting with '.' or '\''), comments and escapes are not; nor
 * are the bodies of macro definitions and ignored blocks (.de/.ig to
 * ".."), no-fill and example blocks (.nf/.fi, .EX/.EE), tables
 * (.TS/.TE), equations (.EQ/.EN), pictures (.PS/.PE), the SYNOPSIS
 * section (option syntax such as "[主机名:]文件" is not a sentence), and
 * the tag line after .TP (an option and its arguments).
 */
#include "format_int.h"

/* Length of the escape sequence at cp[i] == '\\' (at least 2). */
static size_t escape_len(const uint32_t *cp, size_t i, size_t e) {
  if (i + 1 >= e) return 1;
  uint32_t c = cp[i + 1];
  size_t k = i + 2;
  switch (c) {
  case '"': case '#': /* comment to the end of the line */
    return e - i;
  case '(':
    return k + 2 <= e ? 4 : e - i;
  case '[': {
    while (k < e && cp[k] != ']') k++;
    return (k < e ? k + 1 : e) - i;
  }
  case '*': case 'n': case 'f': case 'F': case 'g': case 'k': case 'm': case 'M':
  case 'V': case 'Y': case '$': {
    if (c == 'n' && k < e && (cp[k] == '+' || cp[k] == '-')) k++;
    if (k >= e) return e - i;
    if (cp[k] == '(') return (k + 3 <= e ? k + 3 : e) - i;
    if (cp[k] == '[') {
      while (k < e && cp[k] != ']') k++;
      return (k < e ? k + 1 : e) - i;
    }
    return k + 1 - i;
  }
  case 's': {
    if (k < e && (cp[k] == '+' || cp[k] == '-')) k++;
    if (k < e && cp[k] == '(') return (k + 3 <= e ? k + 3 : e) - i;
    if (k < e && (cp[k] == '[' || cp[k] == '\'')) {
      uint32_t d = cp[k] == '[' ? ']' : '\'';
      k++;
      while (k < e && cp[k] != d) k++;
      return (k < e ? k + 1 : e) - i;
    }
    while (k < e && fmt_is_digit(cp[k]) && k < i + 5) k++;
    return k - i;
  }
  /* escapes with a delimited argument: \w'...', \h'...', \X'...' */
  case 'w': case 'h': case 'v': case 'l': case 'L': case 'o': case 'D': case 'X': case 'Z':
  case 'b': case 'x': case 'N': case 'R': case 'C': case 'A': case 'B': case 'H': case 'S':
  case 'T': case 'O': {
    if (k >= e) return e - i;
    uint32_t d = cp[k];
    if (c == 'O' && d != '[') return k + 1 - i;
    if (d == '[') d = ']';
    k++;
    while (k < e && cp[k] != d) k++;
    return (k < e ? k + 1 : e) - i;
  }
  default:
    return 2;
  }
}

/* The request or macro name of a control line (after '.' or '\'' and
 * spaces), into name[0..3); its length. */
static size_t request(const uint32_t *cp, size_t e, uint32_t name[3], size_t *arg) {
  size_t i = 1;
  while (i < e && fmt_is_space(cp[i])) i++;
  size_t n = 0, s = i;
  while (i < e && !fmt_is_space(cp[i]) && cp[i] != '\\') {
    if (n < 3) name[n] = cp[i];
    n++;
    i++;
  }
  (void)s;
  while (i < e && fmt_is_space(cp[i])) i++;
  *arg = i;
  return n;
}

static int req_is(const uint32_t name[3], size_t n, const char *r) {
  size_t l = strlen(r);
  if (l != n || n > 3) return 0;
  for (size_t k = 0; k < l; k++)
    if (name[k] != (unsigned char)r[k]) return 0;
  return 1;
}

static int contains_word(const uint32_t *cp, size_t s, size_t e, const char *w, int ci) {
  size_t n = strlen(w);
  for (size_t i = s; i + n <= e; i++)
    if (ci ? fmt_at_ci(cp, i, e, w) : fmt_at(cp, i, e, w)) return 1;
  return 0;
}

/* A section heading that names the synopsis, in English or Chinese. */
static int synopsis_heading(const uint32_t *cp, size_t s, size_t e) {
  static const char *const words[] = {"\xe6\x80\xbb\xe8\xa7\x88", /* 总览 */
                                      "\xe7\xb8\xbd\xe8\xa6\xbd", /* 總覽 */
                                      "\xe6\xa6\x82\xe8\xbf\xb0", /* 概述 */
                                      "\xe5\xa4\xa7\xe7\xba\xb2", /* 大纲 */
                                      "\xe5\xa4\xa7\xe7\xb6\xb1", /* 大綱 */
                                      "\xe8\xaf\xad\xe6\xb3\x95", /* 语法 */
                                      "\xe8\xaa\x9e\xe6\xb3\x95", /* 語法 */
                                      "\xe6\x80\xbb\xe6\x8f\xbd", /* 总揽 */
                                      "\xe6\x91\x98\xe8\xa6\x81", /* 摘要 */
                                      "\xe6\xa6\x82\xe8\xa6\x81", /* 概要 */
                                      "\xe6\x8f\x90\xe8\xa6\x81", /* 提要 */
                                      "\xe7\x94\xa8\xe6\xb3\x95", /* 用法 */
                                      NULL};
  if (contains_word(cp, s, e, "synopsis", 1) || contains_word(cp, s, e, "usage", 1)) return 1;
  for (const char *const *w = words; *w; w++) {
    /* the words are two Han characters: decode them */
    const unsigned char *u = (const unsigned char *)*w;
    uint32_t a = ((uint32_t)(u[0] & 0x0F) << 12) | ((uint32_t)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
    uint32_t b = ((uint32_t)(u[3] & 0x0F) << 12) | ((uint32_t)(u[4] & 0x3F) << 6) | (u[5] & 0x3F);
    for (size_t i = s; i + 1 < e; i++)
      if (cp[i] == a && cp[i + 1] == b) return 1;
  }
  return 0;
}

void fmt_scan_troff(zf_fmt *f, const uint32_t *cp, size_t end) {
  if (!f->bol) { /* the rest of a cut line: as its start was */
    if (f->pl_code == 2) {
      fmt_mark(f, 0, end);
      for (size_t i = 0; i < end;) {
        if (cp[i] == '\\') {
          size_t n = escape_len(cp, i, end);
          fmt_unmark(f, i, i + n);
          i += n;
        } else {
          i++;
        }
      }
    }
    return;
  }
  f->pl_code = 0;
  int control = end > 0 && (cp[0] == '.' || cp[0] == '\'');
  if (f->t_skip) { /* .de / .ig body: until the end marker */
    size_t i = control ? 1 : 0;
    if (control) {
      while (i < end && fmt_is_space(cp[i])) i++;
      size_t k = 0;
      while (k < f->t_endlen && i + k < end && cp[i + k] == f->t_end[k]) k++;
      if (k == f->t_endlen && (i + k == end || fmt_is_space(cp[i + k]) || cp[i + k] == '\\'))
        f->t_skip = 0;
    }
    return;
  }
  if (control) {
    uint32_t name[3] = {0, 0, 0};
    size_t arg, n = request(cp, end, name, &arg);
    if (req_is(name, n, "de") || req_is(name, n, "am") || req_is(name, n, "ig") ||
        req_is(name, n, "de1") || req_is(name, n, "ami") || req_is(name, n, "dei")) {
      f->t_skip = 1;
      f->t_endlen = 1;
      f->t_end[0] = '.';
      /* .de NAME END / .ig END: a custom end macro */
      size_t i = arg;
      if (!req_is(name, n, "ig")) {
        while (i < end && !fmt_is_space(cp[i])) i++;
        while (i < end && fmt_is_space(cp[i])) i++;
      }
      if (i < end && cp[i] != '\\') {
        f->t_endlen = 0;
        while (i < end && !fmt_is_space(cp[i]) && f->t_endlen < 8) f->t_end[f->t_endlen++] = cp[i++];
      } else {
        f->t_end[0] = '.';
        f->t_endlen = 1; /* ".." : the dot after the control character */
      }
    } else if (req_is(name, n, "Dd") || req_is(name, n, "Dt")) {
      f->t_mdoc = 1;
    } else if (req_is(name, n, "nf") || req_is(name, n, "EX") || req_is(name, n, "TS") ||
               req_is(name, n, "Vb") ||
               req_is(name, n, "EQ") || req_is(name, n, "PS") || req_is(name, n, "Bd") ||
               req_is(name, n, "(b") || req_is(name, n, "DS") || req_is(name, n, "cs")) {
      if (!req_is(name, n, "cs")) f->t_nofill = 1;
    } else if (req_is(name, n, "fi") || req_is(name, n, "EE") || req_is(name, n, "TE") ||
               req_is(name, n, "EN") || req_is(name, n, "PE") || req_is(name, n, "Ed") ||
               req_is(name, n, ")b") || req_is(name, n, "DE") || req_is(name, n, "Ve")) {
      f->t_nofill = 0;
    } else if (req_is(name, n, "SH") || (f->t_mdoc && req_is(name, n, "Sh"))) {
      /* (.Sh is mdoc's section; pod2man pages define it as a subsection) */
      f->t_synopsis = synopsis_heading(cp, arg, end);
      f->t_tag = 0;
    } else if (req_is(name, n, "TP") || req_is(name, n, "TQ")) {
      f->t_tag = 1;
    }
    return;
  }
  if (f->t_nofill || f->t_synopsis) return;
  if (f->t_tag) { /* the tag line of .TP: an option and its arguments */
    f->t_tag = 0;
    return;
  }
  fmt_mark(f, 0, end);
  for (size_t i = 0; i < end;) {
    if (cp[i] == '\\') {
      size_t n = escape_len(cp, i, end);
      fmt_unmark(f, i, i + n);
      i += n;
    } else {
      i++;
    }
  }
  f->pl_code = 2;
}
