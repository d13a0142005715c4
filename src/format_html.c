/*
 * HTML and XML (also the HTML around PHP code and in Vue/Svelte
 * components): a tokenizer in the manner of the HTML standard's, reduced
 * to what decides prose.  Text nodes are prose; tags with their
 * attributes, comments, CDATA sections, declarations and processing
 * instructions, character references and template {{ }} / {% %} are
 * not; neither is the content of script, style, textarea (raw text) nor
 * of pre, code, kbd, samp, tt, var and DocBook's code-like elements
 * (programlisting, screen, command, filename...), whose markup is still
 * followed so their end is found.
 *
 * PHP and Vue files are code: only comments are prose.  PHP: <?php ... ?>
 * (also <?= and <?) islands are lexed by format_code.c; "?>" ends an
 * island only outside its strings; the HTML around them is the
 * program's output, left alone.  Vue: the top-level <script> is lexed as
 * JavaScript and <style> as CSS, the template's <!-- --> comments are
 * prose, its text is not.
 */
#include "format_int.h"

enum {
  HS_TEXT = 0,
  HS_TAG,     /* after "<name" or "</name": attributes until '>'   */
  HS_COMMENT, /* <!-- ... -->                                       */
  HS_CDATA,   /* <![CDATA[ ... ]]>                                  */
  HS_DECL,    /* <!DOCTYPE ...>, <? ... ?> in HTML                 */
  HS_RAW,     /* script/style/textarea content until </name         */
  HS_ISLAND   /* PHP code, or a Vue script/style block              */
};

/* Elements whose content is raw text (no markup inside). */
static const char *const raw_elems[] = {"script", "style", "textarea", "xmp", "iframe",
                                        "noembed", "noframes", "plaintext", NULL};
/* Elements whose content is code, data or literal text. */
static const char *const code_elems[] = {
    "pre", "code", "kbd", "samp", "tt", "var", "listing", "math",
    /* DocBook */
    "programlisting", "screen", "literallayout", "synopsis", "cmdsynopsis", "funcsynopsis",
    "funcprototype", "computeroutput", "userinput", "literal", "command", "option", "filename",
    "function", "parameter", "varname", "envar", "systemitem", "uri", "email", "markup",
    "classname", "methodname", "constant", "returnvalue", "prompt", "replaceable", "sgmltag",
    "errorcode", "keycap", "keycombo", "database", "property", "token", "type", NULL};

static int name_in(const zf_fmt *f, const char *const *set) {
  for (; *set; set++) {
    size_t n = strlen(*set);
    if (n != f->h_nlen) continue;
    size_t k = 0;
    while (k < n && f->h_name[k] == (unsigned char)(*set)[k]) k++;
    if (k == n) return 1;
  }
  return 0;
}

/* Whether cp[i..e) starts with "</" + the element name in f->delim. */
static int end_tag_at(const zf_fmt *f, const uint32_t *cp, size_t i, size_t e) {
  if (i + 2 + f->dlen > e || cp[i] != '<' || cp[i + 1] != '/') return 0;
  for (size_t k = 0; k < f->dlen; k++)
    if (fmt_lower(cp[i + 2 + k]) != f->delim[k]) return 0;
  size_t n = i + 2 + f->dlen;
  return n == e || cp[n] == '>' || fmt_is_space(cp[n]) || cp[n] == '/';
}

/* An entity or template expression starting at i in text: its end, or i. */
static size_t text_token(const zf_fmt *f, const uint32_t *cp, size_t i, size_t e) {
  uint32_t c = cp[i];
  if (c == '&') {
    size_t k = i + 1;
    if (k < e && cp[k] == '#') {
      k++;
      if (k < e && (cp[k] | 0x20) == 'x') k++;
    }
    size_t st = k;
    while (k < e && k - st < 32 && fmt_is_ident(cp[k])) k++;
    if (k > st && k < e && cp[k] == ';') return k + 1;
    return i;
  }
  if (c == '{') {
    if (i + 1 < e && (cp[i + 1] == '{' || cp[i + 1] == '%' || cp[i + 1] == '#')) {
      uint32_t cl = cp[i + 1] == '{' ? '}' : cp[i + 1];
      for (size_t k = i + 2; k + 1 < e; k++)
        if (cp[k] == cl && cp[k + 1] == '}') return k + 2;
      return e; /* runs on: keep the rest of the line */
    }
    if (f->format == ZHFIX_FORMAT_VUE) { /* Svelte {expression} */
      int depth = 0;
      for (size_t k = i; k < e; k++) {
        if (cp[k] == '{') depth++;
        else if (cp[k] == '}' && --depth == 0) return k + 1;
      }
      return e;
    }
  }
  return i;
}

static int php_open(const uint32_t *cp, size_t i, size_t e, size_t *after) {
  if (i + 1 >= e || cp[i] != '<' || cp[i + 1] != '?') return 0;
  if (fmt_at_ci(cp, i, e, "<?php")) *after = i + 5;
  else if (fmt_at(cp, i, e, "<?=")) *after = i + 3;
  else if (fmt_at(cp, i, e, "<?xml")) return 0;
  else *after = i + 2;
  return 1;
}

/* The end of a tag's name at i (lower-cased into f->h_name). */
static size_t read_name(zf_fmt *f, const uint32_t *cp, size_t i, size_t e) {
  f->h_nlen = 0;
  while (i < e && (fmt_is_ident(cp[i]) || cp[i] == '-' || cp[i] == ':' || cp[i] == '.')) {
    if (f->h_nlen < FMT_DELIM_MAX) f->h_name[f->h_nlen++] = fmt_lower(cp[i]);
    i++;
  }
  /* "svg:pre" or "db:screen" count by their local name */
  for (size_t k = f->h_nlen; k-- > 0;)
    if (f->h_name[k] == ':') {
      memmove(f->h_name, f->h_name + k + 1, (f->h_nlen - k - 1) * sizeof *f->h_name);
      f->h_nlen -= k + 1;
      break;
    }
  return i;
}

/* A tag ended ('>' at i, self-closing when self): what comes next. */
static void tag_done(zf_fmt *f, int self) {
  if (f->h_end_tag) {
    if (name_in(f, code_elems) && f->h_pre > 0) f->h_pre--;
    f->h_st = HS_TEXT;
    return;
  }
  if (!self && name_in(f, raw_elems)) {
    memcpy(f->delim, f->h_name, f->h_nlen * sizeof *f->delim);
    f->dlen = f->h_nlen;
    if (f->format == ZHFIX_FORMAT_VUE && f->h_pre == 0 &&
        (name_in(f, (const char *const[]){"script", NULL}) ||
         name_in(f, (const char *const[]){"style", NULL}))) {
      f->island = f->h_name[1] == 'c' ? ZHFIX_FORMAT_JS : ZHFIX_FORMAT_CSS;
      fmt_code_reset(f);
      f->h_st = HS_ISLAND;
      return;
    }
    f->h_st = HS_RAW;
    return;
  }
  if (!self && name_in(f, code_elems)) f->h_pre++;
  f->h_st = HS_TEXT;
}

/* Enters a PHP island opened in state `from`; its code starts at after. */
static size_t enter_php(zf_fmt *f, int from, size_t after) {
  f->h_after = from;
  f->island = ZHFIX_FORMAT_PHP;
  fmt_code_reset(f);
  f->h_st = HS_ISLAND;
  return after;
}

/* In an island (PHP, or the code of a Vue block) at i: where the scan
 * goes on. */
static size_t island_step(zf_fmt *f, const uint32_t *cp, size_t i, size_t end) {
  if (f->island == ZHFIX_FORMAT_PHP) {
    size_t k = fmt_scan_code(f, ZHFIX_FORMAT_PHP, cp, i, end, i == 0 && f->bol, 1);
    if (k == end) return end;
    f->h_st = f->h_after; /* "?>" */
    return k + 2;
  }
  /* Vue: the block ends at its end tag, whatever the lexer thinks. */
  size_t k = i;
  while (k < end && !end_tag_at(f, cp, k, end)) k++;
  fmt_scan_code(f, f->island, cp, i, k, i == 0 && f->bol, 0);
  if (k < end) f->h_st = HS_RAW; /* the end tag itself, below */
  return k;
}

/* In text at i: a text run, a token, or what a '<' opens.  Text nodes
 * are prose in HTML; in PHP and Vue files they are the program's strings
 * (code: comments only). */
static size_t text_step(zf_fmt *f, const uint32_t *cp, size_t i, size_t end, int php) {
  int text = f->h_pre == 0 && f->format == ZHFIX_FORMAT_HTML;
  size_t s = i;
  while (i < end && cp[i] != '<' && cp[i] != '&' && cp[i] != '{') i++;
  if (text) fmt_mark(f, s, i);
  if (i >= end) return i;
  uint32_t c = cp[i];
  if (c != '<') {
    size_t k = text_token(f, cp, i, end);
    if (k == i) {
      if (text) fmt_mark(f, i, i + 1);
      i++;
    } else {
      i = k;
    }
    return i;
  }
  size_t after;
  if (php && php_open(cp, i, end, &after)) return enter_php(f, HS_TEXT, after);
  if (fmt_at(cp, i, end, "<!--")) {
    f->h_st = HS_COMMENT;
    i += 4;
    return i;
  }
  if (fmt_at(cp, i, end, "<![CDATA[")) {
    f->h_st = HS_CDATA;
    i += 9;
    return i;
  }
  if (i + 1 < end && (cp[i + 1] == '!' || cp[i + 1] == '?')) {
    f->h_st = HS_DECL;
    i += 2;
    return i;
  }
  int close = i + 1 < end && cp[i + 1] == '/';
  size_t n = i + 1 + (size_t)close;
  if (n < end && fmt_is_alpha(cp[n])) {
    i = read_name(f, cp, n, end);
    f->h_end_tag = close;
    f->h_quote = 0;
    f->h_st = HS_TAG;
    return i;
  }
  /* a '<' that opens nothing is text */
  if (text) fmt_mark(f, i, i + 1);
  i++;
  return i;
}

void fmt_scan_html(zf_fmt *f, const uint32_t *cp, size_t end) {
  size_t i = 0;
  int php = f->format == ZHFIX_FORMAT_PHP;
  while (i < end) {
    switch (f->h_st) {
    case HS_ISLAND:
      i = island_step(f, cp, i, end);
      continue;
    case HS_RAW: {
      if (end_tag_at(f, cp, i, end)) {
        size_t k = read_name(f, cp, i + 2, end);
        f->h_end_tag = 1;
        f->h_st = HS_TAG;
        i = k;
        continue;
      }
      size_t after;
      if (php && php_open(cp, i, end, &after)) {
        i = enter_php(f, HS_RAW, after);
        continue;
      }
      i++;
      continue;
    }
    case HS_COMMENT: {
      /* A Vue component is code: its comments are prose, line by line. */
      size_t k = i;
      while (k < end && !(cp[k] == '-' && k + 2 < end && cp[k + 1] == '-' && cp[k + 2] == '>')) k++;
      if (f->format == ZHFIX_FORMAT_VUE)
        fmt_prose_line(f, cp, i, k, i == 0 && !f->bol);
      if (k < end) {
        f->h_st = HS_TEXT;
        k += 3;
      }
      i = k;
      continue;
    }
    case HS_CDATA:
      if (cp[i] == ']' && i + 2 < end && cp[i + 1] == ']' && cp[i + 2] == '>') {
        f->h_st = HS_TEXT;
        i += 3;
        continue;
      }
      i++;
      continue;
    case HS_DECL:
      if (cp[i] == '>') f->h_st = HS_TEXT;
      i++;
      continue;
    case HS_TAG: {
      uint32_t c = cp[i];
      size_t after;
      if (php && php_open(cp, i, end, &after)) {
        i = enter_php(f, HS_TAG, after);
        continue;
      }
      if (f->h_quote) {
        if (c == f->h_quote) f->h_quote = 0;
      } else if (c == '"' || c == '\'') {
        f->h_quote = c;
      } else if (c == '>') {
        tag_done(f, i > 0 && cp[i - 1] == '/');
      }
      i++;
      continue;
    }
    default: /* HS_TEXT */
      i = text_step(f, cp, i, end, php);
      continue;
    }
  }
}
