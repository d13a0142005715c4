/*
 * Character references left in plain text (issue 14: its own step, with
 * its own switch ZHFIX_OPT_ENTITIES and statistic
 * ZHFIX_STAT_ENTITIES_DECODED).  A scraper that strips the tags of a page
 * but not its escapes leaves `&#65292;` for ，, `&amp;quot;` for a quote
 * escaped twice, `#xff1a;` where it also dropped the '&'.  This stage
 * decodes those, in plain text only.
 *
 * It runs after the content-farm stage and before the mojibake stage: a
 * page escaped after a wrong decode holds its garbage as references, which
 * the mojibake stage can read only once they are characters again (and
 * this is where the decoding always happened, inside that stage, so the
 * output did not change when it became a stage of its own).
 *
 * Never in markup, code or data: the stage is off unless the document's
 * format is plain text (zhfix_format TEXT: an HTML or Markdown page means
 * its references, and code and data formats keep theirs byte for byte).
 * In plain text, as before: never in a line with a markup tag, nor in a
 * document whose detection window is markup (two lines with tags), where
 * `&amp;quot;` is what the page means.
 */
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "zf.h"

typedef struct ent {
  int format; /* the document's format; AUTO until the window decides */
  int off;    /* not plain text, or markup: the stage passes text through */
} ent;

/* Lines of the detection window with a tag that make it markup. */
#define MARKUP_LINES 2

/* 1 when s[0..n) holds a markup tag: '<' then a letter, '/', '!' or '?',
 * and a '>' after it. */
static int has_tag(const uint32_t *s, size_t n) {
  for (size_t i = 0; i + 1 < n; i++) {
    if (s[i] != '<') continue;
    uint32_t c = s[i + 1];
    if (!((c | 0x20) - 'a' < 26u || c == '/' || c == '!' || c == '?')) continue;
    for (size_t j = i + 2; j < n && s[j] != '<'; j++)
      if (s[j] == '>') return 1;
  }
  return 0;
}

static int hexval(uint32_t c) {
  if (c >= '0' && c <= '9') return (int)(c - '0');
  if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return (int)(c - 'A' + 10);
  return -1;
}

/* Parses a numeric reference body at s[i..n) after "#": "x4e2d;" or
 * "65292;".  Returns the length consumed (including ';') or 0. */
static size_t parse_num(const uint32_t *s, size_t i, size_t n, int need_x, uint32_t *out) {
  size_t j = i;
  int hex = 0;
  if (j < n && (s[j] == 'x' || s[j] == 'X')) hex = 1, j++;
  if (need_x && !hex) return 0;
  uint32_t v = 0;
  size_t d0 = j;
  while (j < n && j - d0 < 7) {
    int h = hex ? hexval(s[j]) : (s[j] >= '0' && s[j] <= '9' ? (int)(s[j] - '0') : -1);
    if (h < 0) break;
    v = v * (hex ? 16 : 10) + (uint32_t)h;
    j++;
  }
  if (j == d0 || j >= n || s[j] != ';') return 0;
  *out = v;
  return j + 1 - i;
}

static const struct {
  const char *name;
  uint32_t cp;
} named[] = {{"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
             {"apos", '\''},    {"nbsp", 0xA0},    {"ldquo", 0x201C}, {"rdquo", 0x201D},
             {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"hellip", 0x2026}, {"mdash", 0x2014},
             {"middot", 0xB7}};

static size_t parse_named(const uint32_t *s, size_t i, size_t n, uint32_t *out) {
  for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
    size_t l = strlen(named[k].name);
    if (i + l >= n || s[i + l] != ';') continue;
    size_t j = 0;
    while (j < l && s[i + j] == (uint32_t)(unsigned char)named[k].name[j]) j++;
    if (j == l) {
      *out = named[k].cp;
      return l + 1;
    }
  }
  return 0;
}

/* A character a reference may stand for in plain text: one a reader sees.
 * Controls, format characters (U+200B, U+2060.., U+FEFF), variation
 * selectors, private use (icon fonts: &#xe606; in a component list) and
 * noncharacters are code's business, not damage (issue 13: &#8203; in a
 * TypeScript string became an invisible character). */
static int visible_ref(uint32_t v) {
  if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  if (v < 0x20 || (v >= 0x7F && v < 0xA0)) return 0;
  if ((v >= 0x200B && v <= 0x200F) || (v >= 0x2028 && v <= 0x202E) || (v >= 0x2060 && v <= 0x206F)) return 0;
  if ((v >= 0xFE00 && v <= 0xFE0F) || v == 0xFEFF || (v >= 0xFFF0 && v <= 0xFFFB)) return 0;
  if ((v >= 0xE000 && v <= 0xF8FF) || v >= 0xF0000 || (v >= 0xE0000 && v <= 0xE0FFF)) return 0;
  if ((v >= 0xFDD0 && v <= 0xFDEF) || (v & 0xFFFE) == 0xFFFE) return 0;
  return 1;
}

/* The reference starting at s[i], if it is one that can only be a
 * leftover of HTML in plain text: numeric references to characters of
 * CJK text (U+2000 and up; a reference to '&' or '±' is as likely a
 * document *about* HTML, as in man pages), any double-escaped reference
 * (&amp;quot; &amp;#65292;), and the stripped form #xff1a; that scrapers
 * leave after removing the '&'.  Its length (0: none), its character in
 * *v. */
static size_t reference_at(const uint32_t *s, size_t i, size_t n, uint32_t *v) {
  size_t used = 0;
  uint32_t c = s[i];
  if (c == '&' && i + 1 < n) {
    if (s[i + 1] == '#') {
      used = parse_num(s, i + 2, n, 0, v);
      if (used) used += 2;
      if (used && *v < 0x2000) used = 0;
    } else if (i + 5 < n && s[i + 1] == 'a' && s[i + 2] == 'm' && s[i + 3] == 'p' && s[i + 4] == ';') {
      if (s[i + 5] == '#') {
        used = parse_num(s, i + 6, n, 0, v);
        if (used) used += 6;
      } else {
        used = parse_named(s, i + 5, n, v);
        if (used) used += 5;
      }
    }
  } else if (c == '#' && (i == 0 || (s[i - 1] != '&' && !(s[i - 1] < 0x80 && (s[i - 1] == '_' ||
                                                                             (s[i - 1] | 0x20) - 'a' < 26u ||
                                                                             s[i - 1] - '0' < 10u))))) {
    used = parse_num(s, i + 1, n, 1, v);
    if (used) used += 1;
    if (used && (*v < 0x2000 || used < 5)) used = 0;
  }
  return used && visible_ref(*v) ? used : 0;
}

static int create(void **st, const zf_opts *o) {
  *st = NULL;
  /* Off, or a document that is not plain text: nothing to do.  AUTO (not
   * resolved yet when the pipeline creates the repair stages before it
   * judges the format) is decided in prescan. */
  if (!o->entities || (o->format != ZHFIX_FORMAT_AUTO && o->format != ZHFIX_FORMAT_TEXT)) return 0;
  ent *e = calloc(1, sizeof *e);
  if (!e) return ZHFIX_E_NOMEM;
  e->format = o->format;
  *st = e;
  return 0;
}

static void prescan(void *st, const zf_text *prefix) {
  ent *e = st;
  if (e->format == ZHFIX_FORMAT_AUTO) e->format = zf_format_sniff(prefix);
  size_t tags = 0;
  /* A tag needs a '<': most windows have none (one test for 16
   * characters, which the compiler vectorises). */
  unsigned lt = 0;
  size_t j = 0;
  for (; j + 16 <= prefix->len && !lt; j += 16)
    for (size_t k = 0; k < 16; k++) lt |= (unsigned)(prefix->cp[j + k] == '<');
  for (; j < prefix->len && !lt; j++) lt |= (unsigned)(prefix->cp[j] == '<');
  for (size_t a = 0, i = 0; lt && i <= prefix->len && tags < MARKUP_LINES; i++)
    if (i == prefix->len || prefix->cp[i] == '\n') {
      tags += has_tag(prefix->cp + a, i - a);
      a = i + 1;
    }
  e->off = e->format != ZHFIX_FORMAT_TEXT || tags >= MARKUP_LINES;
}

static int run(void *st, const zf_text *in, zf_text *out, zf_stats *stats) {
  const ent *e = st;
  const uint32_t *s = in->cp;
  size_t n = in->len;
  if (e->off) return ZF_UNCHANGED;
  /* Most lines have neither '&' nor '#': one scan without branches, in
   * blocks of 16 with a fixed count (the compiler vectorises them). */
  unsigned any = 0;
  size_t i0 = 0;
  for (; i0 + 16 <= n; i0 += 16) {
    unsigned t = 0;
    for (size_t k = 0; k < 16; k++) t |= (unsigned)(s[i0 + k] == '&') | (unsigned)(s[i0 + k] == '#');
    any |= t;
  }
  for (; i0 < n; i0++) any |= (unsigned)(s[i0] == '&') | (unsigned)(s[i0] == '#');
  if (!any || has_tag(s, n)) return ZF_UNCHANGED;
  uint64_t count = 0;
  for (size_t i = 0; i < n;) {
    uint32_t v = 0;
    size_t used = reference_at(s, i, n, &v);
    if (used) {
      if (!count && zf_text_append(out, in, 0, i)) return ZHFIX_E_NOMEM;
      if (zf_text_push(out, v, in->off[i])) return ZHFIX_E_NOMEM;
      count++;
      i += used;
    } else {
      if (count && zf_text_push(out, s[i], in->off[i])) return ZHFIX_E_NOMEM;
      i++;
    }
  }
  if (!count) return ZF_UNCHANGED;
  stats->v[ZHFIX_STAT_ENTITIES_DECODED] += count;
  return 0;
}

static void destroy(void *st) { free(st); }

/* The next document on the handle (zf_stage_ops.reuse): create()'s state. */
static int reuse(void *st, const zf_opts *o) {
  ent *e = st;
  if (!o->entities || (o->format != ZHFIX_FORMAT_AUTO && o->format != ZHFIX_FORMAT_TEXT)) return 0;
  memset(e, 0, sizeof *e);
  e->format = o->format;
  return 1;
}

const zf_stage_ops zf_stage_entities = {"entities", create, prescan, run, destroy, reuse};
