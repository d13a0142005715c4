/*
 * Source code: one small lexer, parameterised per language family, that
 * finds comments and string literals.  Comments are prose (each comment
 * line is read as a line of plain text, so commented-out code and ```
 * examples in doc comments stay as they are); code and string literals
 * (docstrings, heredocs, template literals, raw strings included) never
 * are.
 *
 * Where a language is ambiguous to a lexer this small (a '/' that starts
 * a regular expression, a quote-like operator, a lifetime against a
 * character literal), the choices are made so that a wrong guess turns a
 * comment into code rather than code into a comment: block comments do
 * not nest except in Rust, single-line strings end at the end of the
 * line, and a character literal must close at once.
 */
#include "format_code.h"

static fmt_lang lang_of(int fmt) {
  fmt_lang l;
  memset(&l, 0, sizeof l);
  l.sq_esc = Q_BACKSLASH;
  switch (fmt) {
  case ZHFIX_FORMAT_C: l.slash = l.block = l.sq_char = l.triple = 1; l.bt = 1; break;
  case ZHFIX_FORMAT_JS: l.slash = l.block = 1; l.bt = 3; break;
  case ZHFIX_FORMAT_GO: l.slash = l.block = l.sq_char = 1; l.bt = 2; break;
  case ZHFIX_FORMAT_RUST: l.slash = l.block = l.nest = l.sq_char = l.dq_ml = 1; break;
  case ZHFIX_FORMAT_CSS: l.block = 1; l.slash = 1; break;
  case ZHFIX_FORMAT_PYTHON: l.hash = l.triple = 1; break;
  case ZHFIX_FORMAT_SHELL:
    l.hash = l.sq_ml = l.dq_ml = l.heredoc = 1;
    l.sq_esc = Q_NONE;
    break;
  case ZHFIX_FORMAT_RUBY:
  case ZHFIX_FORMAT_PERL: l.hash = l.sq_ml = l.dq_ml = l.heredoc = 1; l.bt = 2; break;
  case ZHFIX_FORMAT_SQL:
    l.dash = l.block = l.sq_ml = 1;
    l.sq_esc = Q_BOTH;
    l.bt = 1;
    break;
  case ZHFIX_FORMAT_LUA: l.dash = 1; break;
  case ZHFIX_FORMAT_PHP:
    l.slash = l.block = l.hash = l.sq_ml = l.dq_ml = l.heredoc = 1;
    l.bt = 2;
    break;
  default: break;
  }
  return l;
}

void fmt_code_reset(zf_fmt *f) {
  f->st = CS_CODE;
  f->depth = f->n = f->parts = 0;
  f->ntmpl = f->braces = 0;
  f->pend_on = 0;
  f->last = 0;
  f->last_word_expr = 0;
  f->comment_code = 0;
}

/* ---- comments ------------------------------------------------------------------ */

/* The text of a comment, cp[s..e), one line of it: prose unless it reads
 * as code.  cont: it continues a line a previous (cut) segment began. */
static void comment_text(zf_fmt *f, const uint32_t *cp, size_t s, size_t e, int cont) {
  if (f->comment_code || e <= s) return;
  fmt_prose_line(f, cp, s, e, cont);
}

/* Past a block comment's decoration at the start of a line: indentation,
 * then a leading '*' run (" * text"), not the closer. */
static size_t decoration(const uint32_t *cp, size_t i, size_t e) {
  while (i < e && (fmt_is_space(cp[i]) || cp[i] == 0x3000)) i++;
  size_t k = i;
  while (k < e && cp[k] == '*') k++;
  if (k > i && !(k < e && cp[k] == '/')) i = k;
  return i;
}

/* ---- helpers ---------------------------------------------------------------------- */

/* Whether the word ending at i (cp[k..i)) is one of words. */
static int word_before(const uint32_t *cp, size_t s, size_t i, const char *const *words) {
  size_t k = i;
  while (k > s && fmt_is_ident(cp[k - 1])) k--;
  if (k == i || (k > s && (cp[k - 1] == '.' || cp[k - 1] == '$'))) return 0;
  for (; *words; words++) {
    /* (the first letter first: most words of code are no keyword) */
    if (cp[k] != (unsigned char)(*words)[0]) continue;
    size_t n = strlen(*words);
    if (n == i - k && fmt_at(cp, k, i, *words)) return 1;
  }
  return 0;
}


/* ---- inside comments and literals --------------------------------------------------- */

/* Each step is called at i in its state and returns where the scan goes
 * on. */

static size_t line_comment_step(fmt_code_lx *x, size_t i) {
  const uint32_t *cp = x->cp;
  if (x->stop_at_close && cp[i] == '?' && i + 1 < x->e && cp[i + 1] == '>') {
    comment_text(x->f, cp, x->cstart, i, x->cont);
    x->f->st = CS_CODE;
    x->stop = 1;
  }
  return x->stop ? i : i + 1;
}

static size_t block_comment_step(fmt_code_lx *x, size_t i) {
  zf_fmt *f = x->f;
  const uint32_t *cp = x->cp;
  uint32_t c = cp[i];
  if (c == '*' && i + 1 < x->e && cp[i + 1] == '/') {
    size_t z = i;
    while (z > x->cstart && cp[z - 1] == '*') z--; /* a banner's closing stars */
    if (!x->L.nest || f->depth <= 1) {
      comment_text(f, cp, x->cstart, z, x->cont);
      f->st = CS_CODE;
      f->depth = 0;
      f->comment_code = 0;
      f->last = 0;
    } else {
      f->depth--;
    }
    return i + 2;
  }
  if (x->L.nest && c == '/' && i + 1 < x->e && cp[i + 1] == '*') {
    f->depth++;
    return i + 2;
  }
  return i + 1;
}

/* Lua long bracket, string or comment: ]=*] with f->n '='s. */
static size_t long_step(fmt_code_lx *x, size_t i) {
  zf_fmt *f = x->f;
  const uint32_t *cp = x->cp;
  size_t e = x->e;
  if (cp[i] != ']') return i + 1;
  size_t k = i + 1;
  int n = 0;
  while (k < e && cp[k] == '=') {
    k++;
    n++;
  }
  if (!(k < e && cp[k] == ']' && n == f->n)) return i + 1;
  if (f->quote == '-') comment_text(f, cp, x->cstart, i, x->cont);
  f->st = CS_CODE;
  f->last = ']';
  return k + 1;
}

static size_t string_step(fmt_code_lx *x, size_t i) {
  zf_fmt *f = x->f;
  const uint32_t *cp = x->cp;
  size_t e = x->e;
  uint32_t c = cp[i];
  if (c == '\\' && (f->str_esc & Q_BACKSLASH)) return i + 2;
  if (f->n && c == (uint32_t)f->n && f->n != (int)f->quote) { /* nesting brackets */
    f->depth++;
    return i + 1;
  }
  if (c != f->quote) return i + 1;
  if ((f->str_esc & Q_DOUBLED) && i + 1 < e && cp[i + 1] == c) return i + 2;
  if (f->n && f->n != (int)f->quote && f->depth > 0) {
    f->depth--;
    return i + 1;
  }
  i++;
  if (f->parts > 1) { /* s{a}{b}, s/a/b/ */
    f->parts--;
    if (f->n && f->n != (int)f->quote) {
      while (i < e && fmt_is_space(cp[i])) i++;
      if (i < e) {
        f->n = (int)cp[i];
        f->quote = fmt_closer_of(cp[i]);
        f->depth = 0;
        i++;
      }
    }
    return i;
  }
  f->st = CS_CODE;
  f->last = '"';
  return i;
}

static size_t raw_step(fmt_code_lx *x, size_t i) {
  zf_fmt *f = x->f;
  if (x->cp[i] == '\\' && (f->str_esc & Q_BACKSLASH)) return i + 2;
  if (!fmt_delim_at(f, x->cp, i, x->e)) return i + 1;
  f->st = CS_CODE;
  f->last = '"';
  return i + f->dlen;
}

/* JavaScript `...`, whose ${ } go back to code. */
static size_t template_step(fmt_code_lx *x, size_t i) {
  zf_fmt *f = x->f;
  uint32_t c = x->cp[i];
  if (c == '\\') return i + 2;
  if (c == '`') {
    f->st = CS_CODE;
    f->last = '`';
    return i + 1;
  }
  if (c == '$' && i + 1 < x->e && x->cp[i + 1] == '{' && f->ntmpl < FMT_NEST_MAX) {
    f->tmpl[f->ntmpl++] = f->braces;
    f->braces++;
    f->st = CS_CODE;
    f->last = '{';
    return i + 2;
  }
  return i + 1;
}

/* JavaScript /.../flags; f->n: inside a [class]. */
static size_t regex_step(fmt_code_lx *x, size_t i) {
  zf_fmt *f = x->f;
  uint32_t c = x->cp[i];
  if (c == '\\') return i + 2;
  if (c == '[') f->n = 1;
  else if (c == ']') f->n = 0;
  else if (c == '/' && !f->n) {
    f->st = CS_CODE;
    f->last = ')';
    i++;
    while (i < x->e && fmt_is_alpha(x->cp[i])) i++;
    return i;
  }
  return i + 1;
}

/* ---- code ---------------------------------------------------------------------------- */

/* Enters a line comment whose text starts at k. */
static size_t line_comment_at(fmt_code_lx *x, size_t k, int c_line) {
  x->f->st = CS_LINE_COMMENT;
  x->f->comment_line = c_line;
  x->cstart = k;
  x->cont = 0;
  return k;
}

/* Whether the '#' at i opens a comment. */
static int hash_comment(const fmt_code_lx *x, size_t i) {
  const uint32_t *cp = x->cp;
  uint32_t p = i > x->s ? cp[i - 1] : 0, d = i + 1 < x->e ? cp[i + 1] : 0;
  switch (x->fmt) {
  case ZHFIX_FORMAT_SHELL:
    return i == x->s || fmt_is_space(p) || p == ';' || p == '&' || p == '|' || p == '(' ||
           p == ')';
  case ZHFIX_FORMAT_PERL: return !(p == '$' || fmt_is_ident(p) || p == '@');
  case ZHFIX_FORMAT_PHP: return d != '[';
  case ZHFIX_FORMAT_RUBY: return p != '?' && p != '$';
  default: return 1;
  }
}

/* A comment opening in code at i: returns where its text starts (the
 * comment's state is set), or i when none opens there. */
static size_t open_comment(fmt_code_lx *x, size_t i) {
  zf_fmt *f = x->f;
  const uint32_t *cp = x->cp;
  size_t s = x->s, e = x->e;
  int fmt = x->fmt;
  uint32_t c = cp[i], d = i + 1 < e ? cp[i + 1] : 0;
  if (c == '/' && d == '/' && x->L.slash &&
      !(fmt == ZHFIX_FORMAT_CSS && i > s && cp[i - 1] != ' ' && cp[i - 1] != '\t' &&
        cp[i - 1] != ';' && cp[i - 1] != '{' && cp[i - 1] != '}')) {
    size_t k = i + 2;
    while (k < e && (cp[k] == '/' || cp[k] == '!')) k++;
    return line_comment_at(x, k, fmt == ZHFIX_FORMAT_C);
  }
  if (c == '/' && d == '*' && x->L.block) {
    size_t k = i + 2;
    f->comment_code = fmt == ZHFIX_FORMAT_SQL && k < e && (cp[k] == '!' || cp[k] == '+');
    while (k < e && (cp[k] == '*' || cp[k] == '!')) k++;
    if (k > i + 2 && k < e && cp[k] == '/' && cp[k - 1] == '*') k--; /* the empty comment */
    f->st = CS_BLOCK_COMMENT;
    f->depth = 1;
    x->cstart = k;
    x->cont = 0;
    return k;
  }
  if (c == '#' && x->L.hash && hash_comment(x, i)) {
    size_t k = i + 1;
    if (d == '!') f->comment_code = 1; /* a shebang or "#!" line is not text */
    while (k < e && cp[k] == '#') k++;
    return line_comment_at(x, k, 0);
  }
  if (c == '#' && fmt == ZHFIX_FORMAT_SQL && i == s && x->line_start)
    return line_comment_at(x, i + 1, 0);
  if (c == '-' && d == '-' && x->L.dash) {
    size_t k = i + 2;
    if (fmt == ZHFIX_FORMAT_LUA && k < e && cp[k] == '[') {
      size_t q = k + 1;
      int n = 0;
      while (q < e && cp[q] == '=') {
        q++;
        n++;
      }
      if (q < e && cp[q] == '[') { /* --[[ long comment ]] */
        f->st = CS_LONG;
        f->quote = '-';
        f->n = n;
        x->cstart = q + 1;
        x->cont = 0;
        return q + 1;
      }
    }
    while (k < e && cp[k] == '-') k++;
    return line_comment_at(x, k, 0);
  }
  return i;
}

/* A backquote in code: a template, a string, or code. */
static size_t open_backquote(fmt_code_lx *x, size_t i) {
  zf_fmt *f = x->f;
  if (x->L.bt == 3) {
    f->st = CS_TEMPLATE;
    return i + 1;
  }
  if (x->L.bt != 1 && x->L.bt != 2) return i;
  f->st = CS_STRING;
  f->quote = '`';
  f->n = 0;
  f->parts = 0;
  f->str_esc = x->L.bt == 2 && x->fmt != ZHFIX_FORMAT_GO ? Q_BACKSLASH : Q_NONE;
  if (x->fmt == ZHFIX_FORMAT_SQL) f->str_esc = Q_DOUBLED;
  f->multiline = x->L.bt == 2;
  return i + 1;
}

/* A literal opening in code at i (format_code_lit.c): where the code
 * goes on, or i when none opens there. */
static size_t open_literal(fmt_code_lx *x, size_t i) {
  const uint32_t *cp = x->cp;
  int fmt = x->fmt;
  uint32_t c = cp[i], d = i + 1 < x->e ? cp[i + 1] : 0;
  size_t k;
  if (c == '"' || c == '\'') return fmt_code_open_quote(x, i);
  if (c == '`' && (k = open_backquote(x, i)) != i) return k;
  if (c == '[' && fmt == ZHFIX_FORMAT_LUA && (d == '[' || d == '=') &&
      (k = fmt_code_lua_long(x, i)) != i)
    return k;
  if (c == '$' && fmt == ZHFIX_FORMAT_SQL && (k = fmt_code_sql_dollar(x, i)) != i) return k;
  if (c == '<' && d == '<' && x->L.heredoc && (k = fmt_code_heredoc(x, i)) != i) return k;
  if (c == '%' && fmt == ZHFIX_FORMAT_RUBY && (k = fmt_code_ruby_percent(x, i)) != i) return k;
  if (fmt == ZHFIX_FORMAT_PERL && c < 0x80 && i > x->s && fmt_is_alpha(cp[i - 1]) &&
      (k = fmt_code_perl_quote(x, i)) != i)
    return k;
  if (c == '/' && d != '/' && d != '*') return fmt_code_regex(x, i);
  return i;
}

/* One step in code at i. */
static size_t code_step(fmt_code_lx *x, size_t i) {
  zf_fmt *f = x->f;
  const uint32_t *cp = x->cp;
  size_t e = x->e;
  uint32_t c = cp[i];
  if (fmt_is_space(c)) return i + 1;
  if (x->stop_at_close && c == '?' && i + 1 < e && cp[i + 1] == '>') {
    x->stop = 1;
    return i;
  }
  size_t k = open_comment(x, i);
  if (k == i) k = open_literal(x, i);
  if (k != i) return k;
  if (x->fmt == ZHFIX_FORMAT_JS) { /* ${ } nesting in template literals */
    if (c == '{') f->braces++;
    else if (c == '}') {
      if (f->ntmpl && f->braces - 1 == f->tmpl[f->ntmpl - 1]) {
        f->ntmpl--;
        f->braces--;
        f->st = CS_TEMPLATE;
        return i + 1;
      }
      if (f->braces) f->braces--;
    }
  }
  if (fmt_is_ident(c) || c == '$') { /* words, for the regex tests */
    k = i;
    while (k < e && (fmt_is_ident(cp[k]) || cp[k] == '$')) k++;
    static const char *const kw[] = {"return", "typeof", "case", "in", "of", "new", "delete",
                                     "void", "throw", "yield", "await", "instanceof", "do",
                                     "else", "split", "grep", "if", "unless", "and", "or",
                                     "not", "when", "while", "until", "map", NULL};
    f->last_word_expr = !word_before(cp, x->s, k, kw);
    f->last = cp[k - 1];
    return k;
  }
  f->last = c;
  return i + 1;
}

/* ---- the lexer ------------------------------------------------------------------------ */

/* The scan of cp[i..e) in whatever state it is; returns where it stopped
 * (x->stop) or e. */
static size_t scan(fmt_code_lx *x, size_t i) {
  zf_fmt *f = x->f;
  size_t e = x->e;
  while (i < e && !x->stop) {
    switch (f->st) {
    case CS_LINE_COMMENT: i = line_comment_step(x, i); break;
    case CS_BLOCK_COMMENT: i = block_comment_step(x, i); break;
    case CS_LONG: i = long_step(x, i); break;
    case CS_STRING: i = string_step(x, i); break;
    case CS_RAW: i = raw_step(x, i); break;
    case CS_TEMPLATE: i = template_step(x, i); break;
    case CS_REGEX: i = regex_step(x, i); break;
    default: i = code_step(x, i); break;
    }
  }
  if (x->stop) return i;
  /* End of this call: a comment's text so far. */
  if (f->st == CS_LINE_COMMENT || f->st == CS_BLOCK_COMMENT ||
      (f->st == CS_LONG && f->quote == '-'))
    comment_text(f, x->cp, x->cstart < e ? x->cstart : e, e, x->cont);
  return e;
}

/* At the end of a line: which states end with it, and a heredoc
 * announced on it begins. */
static void line_end(zf_fmt *f, const uint32_t *cp, size_t s, size_t e) {
  if (f->st == CS_LINE_COMMENT) {
    /* C: a line comment ending in '\' goes on */
    if (!(f->comment_line && e > s && cp[e - 1] == '\\')) {
      f->st = CS_CODE;
      f->comment_code = 0;
    }
  } else if (f->st == CS_STRING && !f->multiline) {
    if (!(e > s && cp[e - 1] == '\\')) f->st = CS_CODE;
  } else if (f->st == CS_REGEX) {
    f->st = CS_CODE;
  }
  if (f->pend_on) {
    f->pend_on = 0;
    if (f->st == CS_CODE) {
      memcpy(f->delim, f->pend, f->pend_len * sizeof *f->delim);
      f->dlen = f->pend_len;
      f->heredoc_strip = f->pend_strip;
      f->st = CS_HEREDOC;
    }
  }
}

/* Marks the prose of code cp[s..e); see format_int.h. */
size_t fmt_scan_code(zf_fmt *f, int fmt, const uint32_t *cp, size_t s, size_t e, int line_start,
                     int stop_at_close) {
  fmt_code_lx x;
  x.f = f;
  x.fmt = fmt;
  x.L = lang_of(fmt);
  x.cp = cp;
  x.s = s;
  x.e = e;
  x.line_start = line_start;
  x.stop_at_close = stop_at_close;
  x.stop = 0;
  x.cstart = s; /* where the current comment's text starts in this call */
  x.cont = !line_start;
  int at_eol = e == f->scan_end && f->eol;
  size_t i = s;

  if (line_start) {
    if (fmt_code_section_line(&x)) {
      if (at_eol) line_end(f, cp, s, e);
      return e;
    }
    if (f->st == CS_BLOCK_COMMENT) {
      i = decoration(cp, s, e);
      x.cstart = i;
      x.cont = 0;
    } else if (f->st == CS_LONG && f->quote == '-') {
      x.cont = 0;
    }
  }
  i = scan(&x, i);
  if (x.stop) return i;
  if (at_eol) line_end(f, cp, s, e);
  return e;
}
