/*
 * The code lexer's internals, shared by format_code.c (the lexer: the
 * language table, its states, comments) and format_code_lit.c (the
 * literals that open from code: strings of every family, heredocs,
 * quote-like operators, regular expressions, long brackets, and the
 * line-oriented sections: POD, __END__).  Private to those two files.
 */
#ifndef ZF_FORMAT_CODE_H
#define ZF_FORMAT_CODE_H

#include "format_int.h"

/* Escapes in a string: none, backslash, a doubled quote, or both. */
enum { Q_NONE = 0, Q_BACKSLASH = 1, Q_DOUBLED = 2, Q_BOTH = 3 };

/* How each family writes comments and strings. */
typedef struct {
  unsigned slash : 1;   /* // line comments                         */
  unsigned block : 1;   /* block comments                           */
  unsigned nest : 1;    /* that nest                                */
  unsigned hash : 1;    /* # line comments                          */
  unsigned dash : 1;    /* -- line comments                         */
  unsigned sq_char : 1; /* ' is a character literal ('x', '\n')     */
  unsigned sq_ml : 1;   /* ' strings may span lines                 */
  unsigned dq_ml : 1;   /* " strings may span lines                 */
  unsigned triple : 1;  /* """ and ''' strings                      */
  unsigned bt : 2;      /* `: 0 code, 1 one-line quote, 2 multi-line string, 3 JS template */
  unsigned heredoc : 1; /* <<WORD (<<<WORD for PHP)                 */
  unsigned sq_esc : 2;  /* Q_* in ' strings                         */
} fmt_lang;

/* One call of the lexer over cp[s..e) (fmt_scan_code). */
typedef struct {
  zf_fmt *f;
  int fmt;            /* ZHFIX_FORMAT_* of the code */
  fmt_lang L;
  const uint32_t *cp;
  size_t s, e;
  int line_start;     /* s starts a line */
  int stop_at_close;  /* a PHP island: stop at "?>" outside strings */
  int stop;           /* set when the scan stopped there */
  size_t cstart;      /* where the current comment's text starts */
  int cont;           /* that text goes on from a previous (cut) segment */
} fmt_code_lx;

/* The closing bracket of an opening one; any other delimiter closes
 * itself. */
static inline uint32_t fmt_closer_of(uint32_t c) {
  switch (c) {
  case '(': return ')';
  case '[': return ']';
  case '{': return '}';
  case '<': return '>';
  default: return c;
  }
}

/* Whether f->delim is at cp[i..e). */
static inline int fmt_delim_at(const zf_fmt *f, const uint32_t *cp, size_t i, size_t e) {
  if (i + f->dlen > e) return 0;
  for (size_t k = 0; k < f->dlen; k++)
    if (cp[i + k] != f->delim[k]) return 0;
  return 1;
}

/* ---- format_code_lit.c ------------------------------------------------- */

/* Each opener is called in code at i, where its literal may start, and
 * returns where the code goes on: after the opener, in the literal's
 * state, or i when there is no such literal there. */

/* A ' or " string of any kind: always opens something (a string, a raw
 * string, a character literal, or a quote read as code). */
size_t fmt_code_open_quote(fmt_code_lx *x, size_t i);
/* Lua long strings [[ ]] / [==[ ]==]. */
size_t fmt_code_lua_long(fmt_code_lx *x, size_t i);
/* SQL dollar quoting: $$ ... $$, $tag$ ... $tag$. */
size_t fmt_code_sql_dollar(fmt_code_lx *x, size_t i);
/* A heredoc announced by "<<": starts on the next line (f->pend). */
size_t fmt_code_heredoc(fmt_code_lx *x, size_t i);
/* Ruby %q(...) %w[...] %(...). */
size_t fmt_code_ruby_percent(fmt_code_lx *x, size_t i);
/* Perl q{} qq{} qw// m// s/// tr/// y///, at the delimiter. */
size_t fmt_code_perl_quote(fmt_code_lx *x, size_t i);
/* A regular expression at '/' (JavaScript, Perl, Ruby). */
size_t fmt_code_regex(fmt_code_lx *x, size_t i);

/* At the start of a line in a heredoc, a data section or documentation
 * (or of one that opens one): handles the line and returns 1 when it is
 * no code, else 0. */
int fmt_code_section_line(fmt_code_lx *x);

#endif
