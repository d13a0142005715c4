/*
 * The code lexer's literals (format_code.h): where a string, a raw
 * string, a heredoc, a quote-like operator, a regular expression or a
 * long bracket opens, per language, and the sections that are read line
 * by line (heredoc bodies, Perl POD and Ruby =begin blocks, __END__).
 * The lexer (format_code.c) then follows the literal's state to its end.
 */
#include "format_code.h"

/* ---- strings -------------------------------------------------------------------- */

/* Opens a string in state CS_STRING closed by quote. */
static void string_state(zf_fmt *f, uint32_t quote, int esc, int multiline) {
  f->st = CS_STRING;
  f->quote = quote;
  f->n = 0;
  f->parts = 0;
  f->depth = 0;
  f->str_esc = esc;
  f->multiline = multiline;
}

/* C++ raw string R"delim( ... )delim", at its quote: the end of the
 * opener, or i. */
static size_t cpp_raw(zf_fmt *f, const uint32_t *cp, size_t i, size_t e) {
  size_t k = i + 1;
  while (k < e && k - i <= 17 && cp[k] != '(' && cp[k] != ' ' && cp[k] != '"') k++;
  if (!(k < e && cp[k] == '(')) return i;
  f->delim[0] = ')';
  size_t n = k - i - 1;
  for (size_t q = 0; q < n; q++) f->delim[1 + q] = cp[i + 1 + q];
  f->delim[1 + n] = '"';
  f->dlen = n + 2;
  f->st = CS_RAW;
  f->str_esc = Q_NONE;
  return k + 1;
}

/* Rust raw strings r"...", r#"..."#, br##"..."##, at the quote: the end
 * of the opener, or i. */
static size_t rust_raw(zf_fmt *f, const uint32_t *cp, size_t s, size_t i) {
  size_t k = i;
  while (k > s && cp[k - 1] == '#') k--;
  if (!(k > s && cp[k - 1] == 'r' &&
        (k - 1 == s || !fmt_is_ident(cp[k - 2]) || cp[k - 2] == 'b' || cp[k - 2] == 'c')))
    return i;
  f->delim[0] = '"';
  size_t n = i - k;
  for (size_t q = 0; q < n && q + 1 < FMT_DELIM_MAX; q++) f->delim[1 + q] = '#';
  f->dlen = n + 1 < FMT_DELIM_MAX ? n + 1 : FMT_DELIM_MAX;
  f->st = CS_RAW;
  f->str_esc = Q_NONE;
  return i + 1;
}

/* 'x', '\n', '\u{1F600}', '中' close at once; otherwise the quote is a
 * lifetime ('a), a digit separator (1'000) or a stray quote, and code. */
static size_t char_literal(zf_fmt *f, const uint32_t *cp, size_t i, size_t e) {
  size_t k = i + 1;
  if (k < e && cp[k] == '\\') {
    k += 2;
    while (k < e && k - i < 14 && cp[k] != '\'') k++;
  } else {
    k++;
  }
  f->last = '\'';
  return k < e && cp[k] == '\'' && k > i + 1 ? k + 1 : i + 1;
}

size_t fmt_code_open_quote(fmt_code_lx *x, size_t i) {
  zf_fmt *f = x->f;
  const uint32_t *cp = x->cp;
  size_t s = x->s, e = x->e;
  int fmt = x->fmt;
  uint32_t c = cp[i], d = i + 1 < e ? cp[i + 1] : 0, p = i > s ? cp[i - 1] : 0;
  if (x->L.triple && d == c && i + 2 < e && cp[i + 2] == c &&
      (c == '"' || fmt == ZHFIX_FORMAT_PYTHON)) {
    /* """ and ''' strings */
    f->delim[0] = f->delim[1] = f->delim[2] = c;
    f->dlen = 3;
    f->st = CS_RAW;
    f->str_esc = Q_BACKSLASH;
    return i + 3;
  }
  if (c == '"' && fmt == ZHFIX_FORMAT_C && p == 'R' &&
      (i - 1 == s || !fmt_is_ident(cp[i - 2]) || cp[i - 2] == '8' || cp[i - 2] == 'u' ||
       cp[i - 2] == 'U' || cp[i - 2] == 'L')) {
    size_t k = cpp_raw(f, cp, i, e);
    if (k != i) return k;
  }
  if (c == '"' && fmt == ZHFIX_FORMAT_C &&
      (p == '@' || (p == '$' && i >= s + 2 && cp[i - 2] == '@'))) {
    string_state(f, '"', Q_DOUBLED, 1); /* C# verbatim string */
    return i + 1;
  }
  if (c == '"' && fmt == ZHFIX_FORMAT_RUST) {
    size_t k = rust_raw(f, cp, s, i);
    if (k != i) return k;
  }
  if (c == '\'' && x->L.sq_char) return char_literal(f, cp, i, e);
  if (c == '\'') {
    int esc = x->L.sq_esc;
    if (fmt == ZHFIX_FORMAT_SHELL && p == '$') esc = Q_BACKSLASH; /* $'...' */
    string_state(f, c, esc, x->L.sq_ml);
  } else {
    /* (SQL: a "quoted identifier") */
    string_state(f, c, fmt == ZHFIX_FORMAT_SQL ? Q_DOUBLED : Q_BACKSLASH, x->L.dq_ml);
  }
  return i + 1;
}

size_t fmt_code_lua_long(fmt_code_lx *x, size_t i) {
  const uint32_t *cp = x->cp;
  size_t q = i + 1;
  int n = 0;
  while (q < x->e && cp[q] == '=') {
    q++;
    n++;
  }
  if (!(q < x->e && cp[q] == '[')) return i;
  x->f->st = CS_LONG;
  x->f->quote = '[';
  x->f->n = n;
  return q + 1;
}

size_t fmt_code_sql_dollar(fmt_code_lx *x, size_t i) {
  zf_fmt *f = x->f;
  const uint32_t *cp = x->cp;
  size_t k = i + 1;
  while (k < x->e && fmt_is_ident(cp[k]) && !fmt_is_digit(cp[i + 1])) k++;
  if (!(k < x->e && cp[k] == '$')) return i;
  size_t n = k + 1 - i;
  if (n > FMT_DELIM_MAX) return i;
  for (size_t q = 0; q < n; q++) f->delim[q] = cp[i + q];
  f->dlen = n;
  f->st = CS_RAW;
  f->str_esc = Q_NONE;
  return k + 1;
}

/* ---- heredocs ------------------------------------------------------------------- */

/* A heredoc announced at i ("<<EOF", "<<-'EOF'", "<<~EOS", "<<<EOT"):
 * records it in f->pend and returns the end of the operator, or i if
 * none. */
size_t fmt_code_heredoc(fmt_code_lx *x, size_t i) {
  zf_fmt *f = x->f;
  const uint32_t *cp = x->cp;
  size_t e = x->e;
  int fmt = x->fmt;
  size_t k = i + 2;
  if (fmt == ZHFIX_FORMAT_PHP) {
    if (k >= e || cp[k] != '<') return i;
    k++;
    while (k < e && cp[k] == ' ') k++;
  } else if (k < e && cp[k] == '<') {
    return i; /* <<< here-string */
  }
  int strip = 0;
  if (k < e && (cp[k] == '-' || cp[k] == '~') && fmt != ZHFIX_FORMAT_PHP) {
    strip = 1;
    k++;
  }
  if (fmt == ZHFIX_FORMAT_SHELL)
    while (k < e && cp[k] == ' ') k++;
  uint32_t q = 0;
  if (k < e && (cp[k] == '\'' || cp[k] == '"')) q = cp[k++];
  else if (k < e && cp[k] == '\\' && fmt == ZHFIX_FORMAT_SHELL) k++;
  size_t w = k;
  while (k < e && (fmt_is_ident(cp[k]) || (q && cp[k] != q && cp[k] != ' ')) && k - w < FMT_DELIM_MAX)
    k++;
  if (k == w || !(fmt_is_alpha(cp[w]) || cp[w] == '_')) return i;
  if (q) {
    if (k >= e || cp[k] != q) return i;
  } else if (fmt == ZHFIX_FORMAT_RUBY || fmt == ZHFIX_FORMAT_PERL) {
    /* a bare <<WORD: only an upper-case word (arr << x, 1<<n are shifts) */
    for (size_t t = w; t < k; t++)
      if (cp[t] >= 'a' && cp[t] <= 'z') return i;
  }
  f->pend_len = k - w;
  for (size_t t = 0; t < f->pend_len; t++) f->pend[t] = cp[w + t];
  f->pend_strip = strip || fmt == ZHFIX_FORMAT_PHP;
  f->pend_on = 1;
  f->last = 'x';
  return q ? k + 1 : k;
}

/* A heredoc's terminator line: the word alone (indented when allowed),
 * for PHP and Ruby also followed by ; , ) etc. */
static int heredoc_end(const zf_fmt *f, const uint32_t *cp, size_t e) {
  size_t i = 0;
  if (f->heredoc_strip)
    while (i < e && (fmt_is_space(cp[i]))) i++;
  if (!fmt_delim_at(f, cp, i, e)) return 0;
  i += f->dlen;
  while (i < e && (fmt_is_space(cp[i]) || cp[i] == ';' || cp[i] == ',' || cp[i] == ')' ||
                   cp[i] == '.'))
    i++;
  return i == e;
}

/* ---- quote-like operators and regular expressions ----------------------------------- */

size_t fmt_code_ruby_percent(fmt_code_lx *x, size_t i) {
  zf_fmt *f = x->f;
  const uint32_t *cp = x->cp;
  size_t e = x->e;
  uint32_t d = i + 1 < e ? cp[i + 1] : 0;
  if (!(d && !fmt_is_space(d) && d != '=' && !(fmt_is_ident(f->last) && f->last_word_expr) &&
        f->last != ')' && f->last != ']'))
    return i;
  size_t k = i + 1;
  if (k < e && strchr("qQwWiIrxs", (int)cp[k]) && cp[k] < 0x80) k++;
  if (!(k < e && cp[k] < 0x80 && !fmt_is_ident(cp[k]) && !fmt_is_space(cp[k]) && cp[k] != '='))
    return i;
  string_state(f, fmt_closer_of(cp[k]), Q_BACKSLASH, 1);
  f->n = (int)cp[k];
  return k + 1;
}

/* Perl quote-like operators: the word before the delimiter at i; *parts
 * gets how many delimited parts follow (2 for s/// and tr///). */
static int quote_like(const uint32_t *cp, size_t s, size_t i, int *parts) {
  size_t k = i;
  while (k > s && fmt_is_alpha(cp[k - 1])) k--;
  if (k > s && (fmt_is_ident(cp[k - 1]) || cp[k - 1] == '$' || cp[k - 1] == '@' ||
                cp[k - 1] == '%' || cp[k - 1] == '&' || cp[k - 1] == '-' || cp[k - 1] == '>' ||
                cp[k - 1] == ':'))
    return 0;
  size_t n = i - k;
  *parts = 1;
  if ((n == 1 && (cp[k] == 'q' || cp[k] == 'm')) ||
      (n == 2 && (fmt_at(cp, k, i, "qq") || fmt_at(cp, k, i, "qw") || fmt_at(cp, k, i, "qr") ||
                  fmt_at(cp, k, i, "qx"))))
    return 1;
  if ((n == 1 && (cp[k] == 's' || cp[k] == 'y')) || (n == 2 && fmt_at(cp, k, i, "tr"))) {
    *parts = 2;
    return 1;
  }
  return 0;
}

size_t fmt_code_perl_quote(fmt_code_lx *x, size_t i) {
  uint32_t c = x->cp[i];
  int parts;
  if (fmt_is_ident(c) || fmt_is_space(c) || strchr("=,;)]}>", (int)c) ||
      !quote_like(x->cp, x->s, i, &parts))
    return i;
  string_state(x->f, fmt_closer_of(c), Q_BACKSLASH, 1);
  x->f->n = (int)c;
  x->f->parts = parts;
  return i + 1;
}

/* JavaScript: can a '/' start a regular expression?  After an operator,
 * an opening bracket, a comma, the start, or a keyword like return; not
 * after a name, a number or a closing bracket. */
static int js_regex_ok(const zf_fmt *f) {
  uint32_t c = f->last;
  if (c == 0) return 1;
  if (fmt_is_ident(c) || c == '$') return !f->last_word_expr;
  return !(c == ')' || c == ']' || c == '}' || c == '"' || c == '\'' || c == '`');
}

/* Perl: a '/' starts a match after an operator, '(' ',' '{' ';', the
 * start, or split/grep/if/unless/and/or/not/return/=~ /!~. */
static int perl_regex_ok(const zf_fmt *f) {
  uint32_t c = f->last;
  if (c == 0) return 1;
  if (fmt_is_ident(c)) return !f->last_word_expr;
  return !(c == ')' || c == ']' || c == '}' || c == '$' || c == '@' || c == '%');
}

size_t fmt_code_regex(fmt_code_lx *x, size_t i) {
  zf_fmt *f = x->f;
  uint32_t d = i + 1 < x->e ? x->cp[i + 1] : 0;
  if (x->fmt == ZHFIX_FORMAT_JS && js_regex_ok(f)) {
    f->st = CS_REGEX;
    f->n = 0;
    return i + 1;
  }
  if ((x->fmt == ZHFIX_FORMAT_PERL || x->fmt == ZHFIX_FORMAT_RUBY) && perl_regex_ok(f) &&
      !fmt_is_space(d)) {
    string_state(f, '/', Q_BACKSLASH, 0);
    return i + 1;
  }
  return i;
}

/* ---- sections read line by line ---------------------------------------------------- */

/* A line of Perl POD or a Ruby =begin block: documentation, whose text
 * is prose; command words (=head1), verbatim (indented) paragraphs and
 * formatting codes (C<...>, L<...>) are not. */
static void pod_line(zf_fmt *f, int fmt, const uint32_t *cp, size_t s, size_t e) {
  if ((fmt == ZHFIX_FORMAT_PERL && fmt_at(cp, s, e, "=cut")) ||
      (fmt == ZHFIX_FORMAT_RUBY && fmt_at(cp, s, e, "=end"))) {
    f->st = f->ret;
    return;
  }
  size_t t = s;
  if (cp[s] == '=') {
    while (t < e && !fmt_is_space(cp[t])) t++;
    if (fmt == ZHFIX_FORMAT_RUBY || fmt_at(cp, s, e, "=begin") || fmt_at(cp, s, e, "=for") ||
        fmt_at(cp, s, e, "=encoding"))
      return;
  } else if (fmt_is_space(cp[s])) {
    return; /* verbatim paragraph */
  }
  size_t before = f->marked;
  fmt_prose_line(f, cp, t, e, 0);
  if (f->marked == before) return;
  for (size_t k = t; k < e; k++)
    if (cp[k] >= 'A' && cp[k] <= 'Z' && k + 1 < e && cp[k + 1] == '<' &&
        (k == t || !fmt_is_alpha(cp[k - 1]))) {
      int depth = 0;
      size_t q = k + 1;
      for (; q < e; q++) {
        if (cp[q] == '<') depth++;
        else if (cp[q] == '>' && --depth == 0) break;
      }
      fmt_unmark(f, k, q < e ? q + 1 : e);
      k = q;
    }
}

int fmt_code_section_line(fmt_code_lx *x) {
  zf_fmt *f = x->f;
  const uint32_t *cp = x->cp;
  size_t s = x->s, e = x->e;
  int fmt = x->fmt;
  int perl = fmt == ZHFIX_FORMAT_PERL, ruby = fmt == ZHFIX_FORMAT_RUBY;
  if (f->st == CS_HEREDOC) {
    if (heredoc_end(f, cp + s, e - s)) f->st = CS_CODE;
    return 1;
  }
  if (f->st == CS_DATA) {
    /* after __END__, Perl may still have POD */
    if (!(perl && e > s + 1 && cp[s] == '=' && fmt_is_alpha(cp[s + 1]))) return 1;
    f->ret = CS_DATA;
    f->st = CS_POD;
  }
  if (f->st == CS_CODE && (perl || ruby)) {
    if ((fmt_at(cp, s, e, "__END__") && e == s + 7) ||
        (fmt_at(cp, s, e, "__DATA__") && e == s + 8)) {
      f->st = CS_DATA;
      return 1;
    }
    if (e > s + 1 && cp[s] == '=' && fmt_is_alpha(cp[s + 1]) &&
        (perl || fmt_at(cp, s, e, "=begin"))) {
      f->ret = CS_CODE;
      f->st = CS_POD;
    }
  }
  if (f->st == CS_POD) {
    pod_line(f, fmt, cp, s, e);
    return 1;
  }
  return 0;
}
