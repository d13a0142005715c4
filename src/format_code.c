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
#include "format_int.h"

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
} lang;

static lang lang_of(int fmt) {
  lang l;
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

static int word_before(const uint32_t *cp, size_t s, size_t i, const char *const *words) {
  size_t k = i;
  while (k > s && fmt_is_ident(cp[k - 1])) k--;
  if (k == i || (k > s && (cp[k - 1] == '.' || cp[k - 1] == '$'))) return 0;
  for (; *words; words++) {
    size_t n = strlen(*words);
    if (n == i - k && fmt_at(cp, k, i, *words)) return 1;
  }
  return 0;
}

/* JavaScript: can a '/' at i start a regular expression?  After an
 * operator, an opening bracket, a comma, the start, or a keyword like
 * return; not after a name, a number or a closing bracket. */
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

static uint32_t closer_of(uint32_t c) {
  switch (c) {
  case '(': return ')';
  case '[': return ']';
  case '{': return '}';
  case '<': return '>';
  default: return c;
  }
}

/* A heredoc announced at i ("<<EOF", "<<-'EOF'", "<<~EOS", "<<<EOT"):
 * records it and returns the end of the operator, or i if none. */
static size_t heredoc_at(zf_fmt *f, int fmt, const uint32_t *cp, size_t i, size_t e) {
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
  if (fmt == ZHFIX_FORMAT_SHELL || fmt == ZHFIX_FORMAT_PERL)
    while (k < e && cp[k] == ' ' && fmt == ZHFIX_FORMAT_SHELL) k++;
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
  return q ? k + 1 : k;
}

/* A heredoc's terminator line: the word alone (indented when allowed),
 * for PHP and Ruby also followed by ; , ) etc. */
static int heredoc_end(const zf_fmt *f, const uint32_t *cp, size_t e) {
  size_t i = 0;
  if (f->heredoc_strip)
    while (i < e && (fmt_is_space(cp[i]))) i++;
  if (i + f->dlen > e) return 0;
  for (size_t k = 0; k < f->dlen; k++)
    if (cp[i + k] != f->delim[k]) return 0;
  i += f->dlen;
  while (i < e && (fmt_is_space(cp[i]) || cp[i] == ';' || cp[i] == ',' || cp[i] == ')' ||
                   cp[i] == '.'))
    i++;
  return i == e;
}

static int sets_delim(zf_fmt *f, const uint32_t *cp, size_t s, size_t n) {
  if (n > FMT_DELIM_MAX) return 0;
  for (size_t k = 0; k < n; k++) f->delim[k] = cp[s + k];
  f->dlen = n;
  return 1;
}

static int delim_at(const zf_fmt *f, const uint32_t *cp, size_t i, size_t e) {
  if (i + f->dlen > e) return 0;
  for (size_t k = 0; k < f->dlen; k++)
    if (cp[i + k] != f->delim[k]) return 0;
  return 1;
}

/* Perl quote-like operators and Ruby %-literals: the word before the
 * delimiter at i. */
static int quote_like(int fmt, const uint32_t *cp, size_t s, size_t i, int *parts) {
  size_t k = i;
  while (k > s && fmt_is_alpha(cp[k - 1])) k--;
  if (k > s && (fmt_is_ident(cp[k - 1]) || cp[k - 1] == '$' || cp[k - 1] == '@' ||
                cp[k - 1] == '%' || cp[k - 1] == '&' || cp[k - 1] == '-' || cp[k - 1] == '>' ||
                cp[k - 1] == ':'))
    return 0;
  size_t n = i - k;
  *parts = 1;
  if (fmt == ZHFIX_FORMAT_PERL) {
    if ((n == 1 && (cp[k] == 'q' || cp[k] == 'm')) ||
        (n == 2 && (fmt_at(cp, k, i, "qq") || fmt_at(cp, k, i, "qw") || fmt_at(cp, k, i, "qr") ||
                    fmt_at(cp, k, i, "qx"))))
      return 1;
    if ((n == 1 && (cp[k] == 's' || cp[k] == 'y')) || (n == 2 && fmt_at(cp, k, i, "tr"))) {
      *parts = 2;
      return 1;
    }
  }
  return 0;
}

/* ---- the lexer ------------------------------------------------------------------------ */

/* Marks the prose of code cp[s..e); see format_int.h. */
size_t fmt_scan_code(zf_fmt *f, int fmt, const uint32_t *cp, size_t s, size_t e, int line_start,
                     int stop_at_close) {
  const lang L = lang_of(fmt);
  int at_eol = e == f->scan_end && f->eol;
  size_t i = s;
  size_t cstart = s; /* where the current comment's text starts in this call */
  int cont = !line_start;

  if (line_start) {
    if (f->st == CS_HEREDOC) {
      if (heredoc_end(f, cp + s, e - s)) f->st = CS_CODE;
      goto eol;
    }
    if (f->st == CS_DATA) {
      if (fmt == ZHFIX_FORMAT_PERL && e > s + 1 && cp[s] == '=' && fmt_is_alpha(cp[s + 1])) {
        f->ret = CS_DATA;
        f->st = CS_POD;
      } else {
        goto eol;
      }
    }
    if (f->st == CS_CODE && (fmt == ZHFIX_FORMAT_PERL || fmt == ZHFIX_FORMAT_RUBY)) {
      if ((fmt_at(cp, s, e, "__END__") && e == s + 7) ||
          (fmt_at(cp, s, e, "__DATA__") && e == s + 8)) {
        f->st = CS_DATA;
        goto eol;
      }
      if (e > s + 1 && cp[s] == '=' && fmt_is_alpha(cp[s + 1]) &&
          (fmt == ZHFIX_FORMAT_PERL || fmt_at(cp, s, e, "=begin"))) {
        f->ret = CS_CODE;
        f->st = CS_POD;
      }
    }
    if (f->st == CS_POD) {
      /* POD and =begin blocks are documentation: their text is prose;
       * command words (=head1), verbatim (indented) paragraphs and
       * formatting codes (C<...>, L<...>) are not. */
      if ((fmt == ZHFIX_FORMAT_PERL && fmt_at(cp, s, e, "=cut")) ||
          (fmt == ZHFIX_FORMAT_RUBY && fmt_at(cp, s, e, "=end"))) {
        f->st = f->ret;
        goto eol;
      }
      size_t t = s;
      if (cp[s] == '=') {
        while (t < e && !fmt_is_space(cp[t])) t++;
        if (fmt == ZHFIX_FORMAT_RUBY || fmt_at(cp, s, e, "=begin") || fmt_at(cp, s, e, "=for") ||
            fmt_at(cp, s, e, "=encoding"))
          goto eol;
      } else if (fmt_is_space(cp[s])) {
        goto eol; /* verbatim paragraph */
      }
      size_t before = f->marked;
      fmt_prose_line(f, cp, t, e, 0);
      if (f->marked != before)
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
      goto eol;
    }
    if (f->st == CS_BLOCK_COMMENT) {
      i = decoration(cp, s, e);
      cstart = i;
      cont = 0;
    } else if (f->st == CS_LONG && f->quote == '-') {
      cstart = i;
      cont = 0;
    }
  } else if (f->st == CS_BLOCK_COMMENT || f->st == CS_LINE_COMMENT) {
    cstart = s; /* a cut line: the comment goes on */
  }

  while (i < e) {
    uint32_t c = cp[i];
    switch (f->st) {
    case CS_LINE_COMMENT:
      if (stop_at_close && c == '?' && i + 1 < e && cp[i + 1] == '>') {
        comment_text(f, cp, cstart, i, cont);
        f->st = CS_CODE;
        return i;
      }
      i++;
      continue;
    case CS_BLOCK_COMMENT:
      if (c == '*' && i + 1 < e && cp[i + 1] == '/') {
        size_t z = i;
        while (z > cstart && cp[z - 1] == '*') z--; /* a banner's closing stars */
        if (!L.nest || f->depth <= 1) {
          comment_text(f, cp, cstart, z, cont);
          f->st = CS_CODE;
          f->depth = 0;
          f->comment_code = 0;
          f->last = 0;
        } else {
          f->depth--;
        }
        i += 2;
        continue;
      }
      if (L.nest && c == '/' && i + 1 < e && cp[i + 1] == '*') {
        f->depth++;
        i += 2;
        continue;
      }
      i++;
      continue;
    case CS_LONG: { /* Lua long bracket: ]=*] */
      if (c == ']') {
        size_t k = i + 1;
        int n = 0;
        while (k < e && cp[k] == '=') {
          k++;
          n++;
        }
        if (k < e && cp[k] == ']' && n == f->n) {
          if (f->quote == '-') comment_text(f, cp, cstart, i, cont);
          f->st = CS_CODE;
          f->last = ']';
          i = k + 1;
          continue;
        }
      }
      i++;
      continue;
    }
    case CS_STRING:
      if (c == '\\' && (f->str_esc & Q_BACKSLASH)) {
        i += 2;
        continue;
      }
      if (f->n && c == (uint32_t)f->n && f->n != (int)f->quote) { /* nesting brackets */
        f->depth++;
        i++;
        continue;
      }
      if (c == f->quote) {
        if ((f->str_esc & Q_DOUBLED) && i + 1 < e && cp[i + 1] == c) {
          i += 2;
          continue;
        }
        if (f->n && f->n != (int)f->quote && f->depth > 0) {
          f->depth--;
          i++;
          continue;
        }
        i++;
        if (f->parts > 1) { /* s{a}{b}, s/a/b/ */
          f->parts--;
          if (f->n && f->n != (int)f->quote) {
            while (i < e && fmt_is_space(cp[i])) i++;
            if (i < e) {
              f->n = (int)cp[i];
              f->quote = closer_of(cp[i]);
              f->depth = 0;
              i++;
            }
          }
          continue;
        }
        f->st = CS_CODE;
        f->last = '"';
        continue;
      }
      i++;
      continue;
    case CS_RAW:
      if (c == '\\' && (f->str_esc & Q_BACKSLASH)) {
        i += 2;
        continue;
      }
      if (delim_at(f, cp, i, e)) {
        i += f->dlen;
        f->st = CS_CODE;
        f->last = '"';
        continue;
      }
      i++;
      continue;
    case CS_TEMPLATE:
      if (c == '\\') {
        i += 2;
        continue;
      }
      if (c == '`') {
        f->st = CS_CODE;
        f->last = '`';
        i++;
        continue;
      }
      if (c == '$' && i + 1 < e && cp[i + 1] == '{' && f->ntmpl < FMT_NEST_MAX) {
        f->tmpl[f->ntmpl++] = f->braces;
        f->braces++;
        f->st = CS_CODE;
        f->last = '{';
        i += 2;
        continue;
      }
      i++;
      continue;
    case CS_REGEX:
      if (c == '\\') {
        i += 2;
        continue;
      }
      if (c == '[') f->n = 1;
      else if (c == ']') f->n = 0;
      else if (c == '/' && !f->n) {
        f->st = CS_CODE;
        f->last = ')';
        i++;
        while (i < e && fmt_is_alpha(cp[i])) i++;
        continue;
      }
      i++;
      continue;
    default:
      break;
    }

    /* ---- CS_CODE ---- */
    if (fmt_is_space(c)) {
      i++;
      continue;
    }
    if (stop_at_close && c == '?' && i + 1 < e && cp[i + 1] == '>') return i;
    uint32_t d = i + 1 < e ? cp[i + 1] : 0;
    /* comments */
    if (c == '/' && d == '/' && L.slash &&
        !(fmt == ZHFIX_FORMAT_CSS && i > s && cp[i - 1] != ' ' && cp[i - 1] != '\t' &&
          cp[i - 1] != ';' && cp[i - 1] != '{' && cp[i - 1] != '}')) {
      size_t k = i + 2;
      while (k < e && (cp[k] == '/' || cp[k] == '!')) k++;
      f->st = CS_LINE_COMMENT;
      f->comment_line = fmt == ZHFIX_FORMAT_C;
      cstart = k;
      cont = 0;
      i = k;
      continue;
    }
    if (c == '/' && d == '*' && L.block) {
      size_t k = i + 2;
      f->comment_code = fmt == ZHFIX_FORMAT_SQL && k < e && (cp[k] == '!' || cp[k] == '+');
      while (k < e && (cp[k] == '*' || cp[k] == '!')) k++;
      if (k > i + 2 && k < e && cp[k] == '/' && cp[k - 1] == '*') k--; /* the empty comment */
      f->st = CS_BLOCK_COMMENT;
      f->depth = 1;
      cstart = k;
      cont = 0;
      i = k;
      continue;
    }
    if (c == '#' && L.hash) {
      int comment = 1;
      uint32_t p = i > s ? cp[i - 1] : 0;
      if (fmt == ZHFIX_FORMAT_SHELL)
        comment = i == s || fmt_is_space(p) || p == ';' || p == '&' || p == '|' || p == '(' ||
                  p == ')';
      else if (fmt == ZHFIX_FORMAT_PERL)
        comment = !(p == '$' || fmt_is_ident(p) || p == '@');
      else if (fmt == ZHFIX_FORMAT_PHP)
        comment = d != '[';
      else if (fmt == ZHFIX_FORMAT_RUBY)
        comment = p != '?' && p != '$';
      if (comment) {
        size_t k = i + 1;
        /* a shebang or "#!" line is not text */
        if (d == '!') f->comment_code = 1;
        while (k < e && cp[k] == '#') k++;
        f->st = CS_LINE_COMMENT;
        f->comment_line = 0;
        cstart = k;
        cont = 0;
        i = k;
        continue;
      }
    }
    if (c == '#' && fmt == ZHFIX_FORMAT_SQL && i == s && line_start) {
      f->st = CS_LINE_COMMENT;
      f->comment_line = 0;
      cstart = i + 1;
      cont = 0;
      i++;
      continue;
    }
    if (c == '-' && d == '-' && L.dash) {
      size_t k = i + 2;
      if (fmt == ZHFIX_FORMAT_LUA && k < e && cp[k] == '[') {
        size_t q = k + 1;
        int n = 0;
        while (q < e && cp[q] == '=') {
          q++;
          n++;
        }
        if (q < e && cp[q] == '[') {
          f->st = CS_LONG;
          f->quote = '-';
          f->n = n;
          cstart = q + 1;
          cont = 0;
          i = q + 1;
          continue;
        }
      }
      while (k < e && cp[k] == '-') k++;
      f->st = CS_LINE_COMMENT;
      f->comment_line = 0;
      cstart = k;
      cont = 0;
      i = k;
      continue;
    }
    /* strings */
    if (c == '"' || c == '\'') {
      int triple = L.triple && d == c && i + 2 < e && cp[i + 2] == c &&
                   (c == '"' || fmt == ZHFIX_FORMAT_PYTHON);
      uint32_t p = i > s ? cp[i - 1] : 0;
      if (triple) {
        uint32_t t[3] = {c, c, c};
        f->dlen = 3;
        memcpy(f->delim, t, sizeof t);
        f->st = CS_RAW;
        f->str_esc = Q_BACKSLASH;
        i += 3;
        continue;
      }
      if (c == '"' && fmt == ZHFIX_FORMAT_C && p == 'R' &&
          (i - 1 == s || !fmt_is_ident(cp[i - 2]) || cp[i - 2] == '8' || cp[i - 2] == 'u' ||
           cp[i - 2] == 'U' || cp[i - 2] == 'L')) {
        /* C++ raw string R"delim( ... )delim" */
        size_t k = i + 1;
        while (k < e && k - i <= 17 && cp[k] != '(' && cp[k] != ' ' && cp[k] != '"') k++;
        if (k < e && cp[k] == '(') {
          f->delim[0] = ')';
          size_t n = k - i - 1;
          for (size_t q = 0; q < n; q++) f->delim[1 + q] = cp[i + 1 + q];
          f->delim[1 + n] = '"';
          f->dlen = n + 2;
          f->st = CS_RAW;
          f->str_esc = Q_NONE;
          i = k + 1;
          continue;
        }
      }
      if (c == '"' && fmt == ZHFIX_FORMAT_C && (p == '@' || (p == '$' && i >= s + 2 && cp[i - 2] == '@'))) {
        f->st = CS_STRING; /* C# verbatim string */
        f->quote = '"';
        f->n = 0;
        f->str_esc = Q_DOUBLED;
        f->multiline = 1;
        i++;
        continue;
      }
      if (c == '"' && fmt == ZHFIX_FORMAT_RUST) {
        /* r"...", r#"..."#, br##"..."## */
        size_t k = i;
        while (k > s && cp[k - 1] == '#') k--;
        if (k > s && cp[k - 1] == 'r' &&
            (k - 1 == s || !fmt_is_ident(cp[k - 2]) || cp[k - 2] == 'b' || cp[k - 2] == 'c')) {
          f->delim[0] = '"';
          size_t n = i - k;
          for (size_t q = 0; q < n && q + 1 < FMT_DELIM_MAX; q++) f->delim[1 + q] = '#';
          f->dlen = n + 1 < FMT_DELIM_MAX ? n + 1 : FMT_DELIM_MAX;
          f->st = CS_RAW;
          f->str_esc = Q_NONE;
          i++;
          continue;
        }
      }
      if (c == '\'' && L.sq_char) {
        /* 'x', '\n', '\u{1F600}', '中': closes at once, else it is a
         * lifetime ('a), a digit separator (1'000) or a stray quote. */
        size_t k = i + 1;
        if (k < e && cp[k] == '\\') {
          k += 2;
          while (k < e && k - i < 14 && cp[k] != '\'') k++;
        } else {
          k++;
        }
        if (k < e && cp[k] == '\'' && k > i + 1) {
          f->last = '\'';
          i = k + 1;
          continue;
        }
        f->last = '\'';
        i++;
        continue;
      }
      f->st = CS_STRING;
      f->quote = c;
      f->n = 0;
      f->parts = 0;
      f->depth = 0;
      if (c == '\'') {
        f->str_esc = L.sq_esc;
        f->multiline = L.sq_ml;
        if (fmt == ZHFIX_FORMAT_SHELL && p == '$') f->str_esc = Q_BACKSLASH; /* $'...' */
      } else {
        f->str_esc = Q_BACKSLASH;
        f->multiline = L.dq_ml;
        if (fmt == ZHFIX_FORMAT_SQL) f->str_esc = Q_DOUBLED; /* "identifier" */
      }
      i++;
      continue;
    }
    if (c == '`') {
      if (L.bt == 3) {
        f->st = CS_TEMPLATE;
        i++;
        continue;
      }
      if (L.bt == 1 || L.bt == 2) {
        f->st = CS_STRING;
        f->quote = '`';
        f->n = 0;
        f->parts = 0;
        f->str_esc = L.bt == 2 && fmt != ZHFIX_FORMAT_GO ? Q_BACKSLASH : Q_NONE;
        if (fmt == ZHFIX_FORMAT_SQL) f->str_esc = Q_DOUBLED;
        f->multiline = L.bt == 2;
        i++;
        continue;
      }
    }
    /* Lua long strings [[ ]] / [==[ ]==] */
    if (c == '[' && fmt == ZHFIX_FORMAT_LUA && (d == '[' || d == '=')) {
      size_t q = i + 1;
      int n = 0;
      while (q < e && cp[q] == '=') {
        q++;
        n++;
      }
      if (q < e && cp[q] == '[') {
        f->st = CS_LONG;
        f->quote = '[';
        f->n = n;
        i = q + 1;
        continue;
      }
    }
    /* SQL dollar quoting: $$ ... $$, $tag$ ... $tag$ */
    if (c == '$' && fmt == ZHFIX_FORMAT_SQL) {
      size_t k = i + 1;
      while (k < e && fmt_is_ident(cp[k]) && !fmt_is_digit(cp[i + 1])) k++;
      if (k < e && cp[k] == '$' && sets_delim(f, cp, i, k + 1 - i)) {
        f->st = CS_RAW;
        f->str_esc = Q_NONE;
        i = k + 1;
        continue;
      }
    }
    /* heredocs */
    if (c == '<' && d == '<' && L.heredoc) {
      size_t k = heredoc_at(f, fmt, cp, i, e);
      if (k != i) {
        i = k;
        f->last = 'x';
        continue;
      }
    }
    /* Ruby %q(...) %w[...] %(...) */
    if (c == '%' && fmt == ZHFIX_FORMAT_RUBY && d && !fmt_is_space(d) && d != '=' &&
        !(fmt_is_ident(f->last) && f->last_word_expr) && f->last != ')' && f->last != ']') {
      size_t k = i + 1;
      if (k < e && strchr("qQwWiIrxs", (int)cp[k]) && cp[k] < 0x80) k++;
      if (k < e && cp[k] < 0x80 && !fmt_is_ident(cp[k]) && !fmt_is_space(cp[k]) && cp[k] != '=') {
        f->st = CS_STRING;
        f->n = (int)cp[k];
        f->quote = closer_of(cp[k]);
        f->depth = 0;
        f->parts = 0;
        f->str_esc = Q_BACKSLASH;
        f->multiline = 1;
        i = k + 1;
        continue;
      }
    }
    /* Perl q{} qq{} qw// m// s/// tr/// y/// */
    if (fmt == ZHFIX_FORMAT_PERL && c < 0x80 && !fmt_is_ident(c) && !fmt_is_space(c) &&
        !strchr("=,;)]}>", (int)c) && i > s && fmt_is_alpha(cp[i - 1])) {
      int parts;
      if (quote_like(fmt, cp, s, i, &parts)) {
        f->st = CS_STRING;
        f->n = (int)c;
        f->quote = closer_of(c);
        f->depth = 0;
        f->parts = parts;
        f->str_esc = Q_BACKSLASH;
        f->multiline = 1;
        i++;
        continue;
      }
    }
    /* regular expressions */
    if (c == '/' && d != '/' && d != '*') {
      if (fmt == ZHFIX_FORMAT_JS && js_regex_ok(f)) {
        f->st = CS_REGEX;
        f->n = 0;
        i++;
        continue;
      }
      if ((fmt == ZHFIX_FORMAT_PERL || fmt == ZHFIX_FORMAT_RUBY) && perl_regex_ok(f) &&
          !fmt_is_space(d)) {
        f->st = CS_STRING;
        f->quote = '/';
        f->n = 0;
        f->parts = 0;
        f->str_esc = Q_BACKSLASH;
        f->multiline = 0;
        i++;
        continue;
      }
    }
    /* JavaScript ${ } nesting in template literals */
    if (fmt == ZHFIX_FORMAT_JS) {
      if (c == '{') f->braces++;
      else if (c == '}') {
        if (f->ntmpl && f->braces - 1 == f->tmpl[f->ntmpl - 1]) {
          f->ntmpl--;
          f->braces--;
          f->st = CS_TEMPLATE;
          i++;
          continue;
        }
        if (f->braces) f->braces--;
      }
    }
    /* words, for the regex tests */
    if (fmt_is_ident(c) || c == '$') {
      size_t k = i;
      while (k < e && (fmt_is_ident(cp[k]) || cp[k] == '$')) k++;
      static const char *const kw[] = {"return", "typeof", "case", "in", "of", "new", "delete",
                                       "void", "throw", "yield", "await", "instanceof", "do",
                                       "else", "split", "grep", "if", "unless", "and", "or",
                                       "not", "when", "while", "until", "map", NULL};
      f->last_word_expr = !word_before(cp, s, k, kw);
      f->last = cp[k - 1];
      i = k;
      continue;
    }
    f->last = c;
    i++;
  }

  /* End of this call: a comment's text so far. */
  if (f->st == CS_LINE_COMMENT || f->st == CS_BLOCK_COMMENT ||
      (f->st == CS_LONG && f->quote == '-')) {
    size_t z = e;
    comment_text(f, cp, cstart < e ? cstart : e, z, cont);
  }
eol:
  if (at_eol) {
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
  return e;
}
