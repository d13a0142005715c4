/*
 * Markdown (CommonMark and GFM), one line at a time: the block structure
 * decides what a line is (front matter, fence, indented code, HTML block,
 * heading, list item, quote, table row, paragraph), then an inline pass
 * takes out of the prose what is not text: code spans, autolinks, inline
 * HTML, link and image destinations and titles, reference labels,
 * footnote references, backslash escapes, entities, {{ }} shortcodes.
 *
 * Prose is what a renderer shows as text; everything else keeps its
 * bytes.  Where the rules are not followed exactly (lists are tracked by
 * their content column only; a code span left open at the end of a line
 * runs on to the next), the error is on the side of protecting more:
 * tests/test_format.c checks the result against cmark-gfm's own parse.
 */
#include "format_int.h"

enum { HTML_END_RAW = 1, HTML_END_COMMENT, HTML_END_PI, HTML_END_DECL, HTML_END_CDATA,
       HTML_BLANK6, HTML_BLANK7 };

static size_t skip_sp(const uint32_t *cp, size_t i, size_t e) {
  while (i < e && fmt_is_space(cp[i])) i++;
  return i;
}

static int is_blank(const uint32_t *cp, size_t i, size_t e) { return skip_sp(cp, i, e) == e; }

static int contains(const uint32_t *cp, size_t s, size_t e, const char *what, int ci) {
  size_t n = strlen(what);
  for (size_t i = s; i + n <= e; i++)
    if (ci ? fmt_at_ci(cp, i, e, what) : fmt_at(cp, i, e, what)) return 1;
  return 0;
}

static const char *const block_tags[] = {
    "address", "article", "aside", "base", "basefont", "blockquote", "body", "caption",
    "center", "col", "colgroup", "dd", "details", "dialog", "dir", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "frame", "frameset", "h1", "h2",
    "h3", "h4", "h5", "h6", "head", "header", "hr", "html", "iframe", "legend", "li", "link",
    "main", "menu", "menuitem", "nav", "noframes", "ol", "optgroup", "option", "p", "param",
    "search", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "title",
    "tr", "track", "ul", NULL};

/* The HTML block a line starting with '<' at c opens (0: none). */
static int html_start(const uint32_t *cp, size_t c, size_t e, int in_para) {
  static const char *const raw[] = {"script", "pre", "style", "textarea", NULL};
  if (fmt_at(cp, c, e, "<!--")) return HTML_END_COMMENT;
  if (fmt_at(cp, c, e, "<?")) return HTML_END_PI;
  if (fmt_at(cp, c, e, "<![CDATA[")) return HTML_END_CDATA;
  if (fmt_at(cp, c, e, "<!") && c + 2 < e && fmt_is_alpha(cp[c + 2])) return HTML_END_DECL;
  size_t i = c + 1, close = 0;
  if (i < e && cp[i] == '/') {
    i++;
    close = 1;
  }
  size_t n = i;
  while (n < e && (fmt_is_alpha(cp[n]) || (n > i && (fmt_is_digit(cp[n]) || cp[n] == '-')))) n++;
  if (n == i) return 0;
  uint32_t d = n < e ? cp[n] : ' ';
  int term = fmt_is_space(d) || d == '>' || (d == '/' && n + 1 < e && cp[n + 1] == '>');
  if (!close && (term || n == e)) {
    for (const char *const *t = raw; *t; t++)
      if (strlen(*t) == n - i && fmt_at_ci(cp, i, n, *t)) return HTML_END_RAW;
  }
  if (term || n == e) {
    for (const char *const *t = block_tags; *t; t++)
      if (strlen(*t) == n - i && fmt_at_ci(cp, i, n, *t)) return HTML_BLANK6;
  }
  if (in_para) return 0;
  /* Type 7: a complete tag alone on the line. */
  size_t z = e;
  while (z > c && fmt_is_space(cp[z - 1])) z--;
  return z > c && cp[z - 1] == '>' ? HTML_BLANK7 : 0;
}

static int html_end(const uint32_t *cp, size_t s, size_t e, int type) {
  switch (type) {
  case HTML_END_RAW:
    return contains(cp, s, e, "</script>", 1) || contains(cp, s, e, "</pre>", 1) ||
           contains(cp, s, e, "</style>", 1) || contains(cp, s, e, "</textarea>", 1);
  case HTML_END_COMMENT: return contains(cp, s, e, "-->", 0);
  case HTML_END_PI: return contains(cp, s, e, "?>", 0);
  case HTML_END_DECL: return contains(cp, s, e, ">", 0);
  case HTML_END_CDATA: return contains(cp, s, e, "]]>", 0);
  default: return 0;
  }
}

/* A fence at c: ``` or ~~~ (3 or more); a backtick fence's info string
 * has no backtick. */
static int fence_at(const uint32_t *cp, size_t c, size_t e, uint32_t *ch, int *len) {
  if (c + 3 > e || (cp[c] != '`' && cp[c] != '~')) return 0;
  uint32_t f = cp[c];
  size_t k = c;
  while (k < e && cp[k] == f) k++;
  if (k - c < 3) return 0;
  if (f == '`')
    for (size_t q = k; q < e; q++)
      if (cp[q] == '`') return 0;
  *ch = f;
  *len = (int)(k - c);
  return 1;
}

/* ***, ---, ___ (three or more, spaces between allowed). */
static int thematic(const uint32_t *cp, size_t c, size_t e) {
  uint32_t t = cp[c];
  if (t != '*' && t != '-' && t != '_') return 0;
  int n = 0;
  for (size_t i = c; i < e; i++) {
    if (cp[i] == t) n++;
    else if (!fmt_is_space(cp[i])) return 0;
  }
  return n >= 3;
}

static int setext(const uint32_t *cp, size_t c, size_t e) {
  uint32_t t = cp[c];
  if (t != '=' && t != '-') return 0;
  size_t i = c;
  while (i < e && cp[i] == t) i++;
  return is_blank(cp, i, e);
}

/* A list marker at c: -, *, + or 1. / 1), then spaces (or the end);
 * *after gets where the content starts. */
static int list_marker(const uint32_t *cp, size_t c, size_t e, size_t *after) {
  size_t i = c;
  if (cp[i] == '-' || cp[i] == '*' || cp[i] == '+') {
    i++;
  } else {
    while (i < e && i - c < 9 && fmt_is_digit(cp[i])) i++;
    if (i == c || i >= e || (cp[i] != '.' && cp[i] != ')')) return 0;
    i++;
  }
  if (i < e && !fmt_is_space(cp[i])) return 0;
  size_t k = i;
  while (k < e && fmt_is_space(cp[k]) && k - i < 4) k++;
  /* [ ] / [x] task boxes are structure too */
  if (k + 3 <= e && cp[k] == '[' && (cp[k + 1] == ' ' || (cp[k + 1] | 0x20) == 'x') &&
      cp[k + 2] == ']' && (k + 3 == e || fmt_is_space(cp[k + 3]))) {
    k += 3;
    while (k < e && fmt_is_space(cp[k])) k++;
  }
  *after = k;
  return 1;
}

/* ---- inlines --------------------------------------------------------------------- */

static int ascii_punct(uint32_t c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}

/* The end of a backtick run of n starting at or after i, or e. */
static size_t closing_ticks(const uint32_t *cp, size_t i, size_t e, size_t n) {
  while (i < e) {
    if (cp[i] != '`') {
      i++;
      continue;
    }
    size_t k = i;
    while (k < e && cp[k] == '`') k++;
    if (k - i == n) return k;
    i = k;
  }
  return e;
}

/* End of the bracket pair opened at i ('(' or '['), balanced, or 0. */
static size_t balanced(const uint32_t *cp, size_t i, size_t e, uint32_t open, uint32_t close) {
  int depth = 0;
  for (size_t k = i; k < e; k++) {
    if (cp[k] == '\\') {
      k++;
      continue;
    }
    if (cp[k] == '`') { /* a code span inside link text */
      size_t r = k;
      while (r < e && cp[r] == '`') r++;
      size_t c = closing_ticks(cp, r, e, r - k);
      if (c < e || (c == e && c > r && cp[e - 1] == '`')) {
        k = c - 1;
        continue;
      }
    }
    if (cp[k] == open) depth++;
    else if (cp[k] == close && --depth == 0) return k + 1;
  }
  return 0;
}

/* Autolink <scheme:...> or <user@host>; inline HTML tag; returns its end
 * or 0. */
static size_t angle(const uint32_t *cp, size_t i, size_t e) {
  size_t k = i + 1;
  if (k >= e) return 0;
  if (fmt_is_alpha(cp[k]) || cp[k] == '/' || cp[k] == '!' || cp[k] == '?') {
    uint32_t q = 0;
    for (size_t j = k; j < e; j++) {
      uint32_t c = cp[j];
      if (q) {
        if (c == q) q = 0;
      } else if (c == '"' || c == '\'') {
        /* quotes only inside a tag's attributes, after a '=' */
        if (j > k && cp[j - 1] == '=') q = c;
      } else if (c == '>') {
        return j + 1;
      } else if (c == '<') {
        return 0;
      }
    }
  }
  return 0;
}

static void md_inline(zf_fmt *f, const uint32_t *cp, size_t s, size_t e) {
  size_t i = s;
  if (f->md_ticks) {
    size_t c = closing_ticks(cp, s, e, (size_t)f->md_ticks);
    fmt_unmark(f, s, c);
    if (c == e && !(c > s && cp[c - 1] == '`')) return; /* still open */
    f->md_ticks = 0;
    i = c;
  }
  if (f->md_comment) {
    size_t c = i;
    while (c + 3 <= e && !fmt_at(cp, c, e, "-->")) c++;
    if (c + 3 > e) {
      fmt_unmark(f, i, e);
      return;
    }
    fmt_unmark(f, i, c + 3);
    f->md_comment = 0;
    i = c + 3;
  }
  while (i < e) {
    uint32_t c = cp[i];
    switch (c) {
    case '\\':
      if (i + 1 < e && ascii_punct(cp[i + 1])) {
        fmt_unmark(f, i, i + 2);
        i += 2;
        continue;
      }
      break;
    case '`': {
      size_t r = i;
      while (r < e && cp[r] == '`') r++;
      size_t n = r - i;
      size_t k = r;
      for (;;) {
        while (k < e && cp[k] != '`') k++;
        if (k >= e) break;
        size_t q = k;
        while (q < e && cp[q] == '`') q++;
        if (q - k == n) break;
        k = q;
      }
      if (k < e) {
        fmt_unmark(f, i, k + n);
        i = k + n;
      } else {
        /* open: a code span may close on a later line of the paragraph */
        fmt_unmark(f, i, e);
        f->md_ticks = (int)n;
        return;
      }
      continue;
    }
    case '<': {
      if (fmt_at(cp, i, e, "<!--")) {
        size_t k = i + 4;
        while (k + 3 <= e && !fmt_at(cp, k, e, "-->")) k++;
        if (k + 3 > e) {
          fmt_unmark(f, i, e);
          f->md_comment = 1;
          return;
        }
        fmt_unmark(f, i, k + 3);
        i = k + 3;
        continue;
      }
      size_t k = angle(cp, i, e);
      if (k) {
        fmt_unmark(f, i, k);
        i = k;
        continue;
      }
      break;
    }
    case '[': {
      if (i + 1 < e && cp[i + 1] == '^') { /* footnote reference */
        size_t k = i + 2;
        while (k < e && cp[k] != ']' && cp[k] != ' ') k++;
        if (k < e && cp[k] == ']') {
          fmt_unmark(f, i, k + 1);
          i = k + 1;
          continue;
        }
      }
      size_t close = balanced(cp, i, e, '[', ']');
      int image = i > s && cp[i - 1] == '!';
      if (close && close < e && cp[close] == '(') {
        size_t end = balanced(cp, close, e, '(', ')');
        if (end) {
          /* link text stays prose; "](destination "title")" and an
           * image's "!" do not */
          if (image) fmt_unmark(f, i - 1, i);
          fmt_unmark(f, close - 1, end);
          md_inline(f, cp, i + 1, close - 1);
          i = end;
          continue;
        }
      } else if (close && close < e && cp[close] == '[') {
        size_t end = balanced(cp, close, e, '[', ']');
        if (end) {
          if (image) fmt_unmark(f, i - 1, i);
          fmt_unmark(f, close - 1, end);
          md_inline(f, cp, i + 1, close - 1);
          i = end;
          continue;
        }
      }
      break;
    }
    case '&': {
      size_t k = i + 1;
      if (k < e && cp[k] == '#') {
        k++;
        if (k < e && (cp[k] | 0x20) == 'x') k++;
      }
      size_t st = k;
      while (k < e && k - st < 32 && fmt_is_ident(cp[k])) k++;
      if (k > st && k < e && cp[k] == ';') {
        fmt_unmark(f, i, k + 1);
        i = k + 1;
        continue;
      }
      break;
    }
    case '{':
      if (i + 1 < e && (cp[i + 1] == '{' || cp[i + 1] == '%')) {
        uint32_t cl = cp[i + 1] == '{' ? '}' : '%';
        size_t k = i + 2;
        while (k + 1 < e && !(cp[k] == cl && cp[k + 1] == '}')) k++;
        if (k + 1 < e) {
          fmt_unmark(f, i, k + 2);
          i = k + 2;
          continue;
        }
      }
      break;
    default:
      break;
    }
    i++;
  }
}

/* A paragraph, heading or list item's text: prose unless the whole line
 * reads as code; tables lose their structure; then the inlines. */
static void md_text(zf_fmt *f, const uint32_t *cp, size_t s, size_t e, int check_code) {
  if (s >= e) return;
  if (check_code && !f->md_ticks && zf_fmt_codeish(cp, s, e)) return;
  fmt_mark(f, s, e);
  md_inline(f, cp, s, e);
  fmt_table_row(f, cp, s, e);
}

void fmt_scan_markdown(zf_fmt *f, const uint32_t *cp, size_t end) {
  if (!f->bol) { /* the rest of a cut line: as its start was */
    if (f->pl_code == 2) md_text(f, cp, 0, end, 0);
    return;
  }
  f->pl_code = 0;
  int first = f->md_lineno++ == 0;
  if (first && (cp[0] == '-' || cp[0] == '+') && end >= 3 && cp[1] == cp[0] && cp[2] == cp[0] &&
      is_blank(cp, 3, end)) {
    f->md_front = 1;
    f->md_front_ch = cp[0];
    return;
  }
  if (f->md_front) {
    if (end >= 3 && ((cp[0] == f->md_front_ch && cp[1] == cp[0] && cp[2] == cp[0]) ||
                     (f->md_front_ch == '-' && cp[0] == '.' && cp[1] == '.' && cp[2] == '.')) &&
        is_blank(cp, 3, end))
      f->md_front = 0;
    return;
  }
  /* Block quote markers. */
  size_t a = 0;
  for (;;) {
    size_t k = a;
    while (k < end && cp[k] == ' ' && k - a < 3) k++;
    if (k < end && cp[k] == '>') {
      a = k + 1;
      if (a < end && fmt_is_space(cp[a])) a++;
    } else {
      break;
    }
  }
  size_t c = a;
  int col = 0;
  while (c < end && fmt_is_space(cp[c])) {
    col += cp[c] == '\t' ? 4 - col % 4 : 1;
    c++;
  }
  int blank = c == end;
  if (f->md_fence) {
    uint32_t ch;
    int len;
    if (fence_at(cp, c, end, &ch, &len) && ch == f->md_fence && len >= f->md_fence_len &&
        is_blank(cp, c + (size_t)len, end))
      f->md_fence = 0;
    return;
  }
  if (f->md_html) {
    if (f->md_html >= HTML_BLANK6) {
      if (blank) {
        f->md_html = 0;
        f->md_prev_blank = 1;
      }
    } else if (html_end(cp, 0, end, f->md_html)) {
      f->md_html = 0;
    }
    return;
  }
  if (blank) {
    f->md_prev_blank = 1;
    f->md_para = 0;
    f->md_ticks = 0;
    f->md_comment = 0;
    return;
  }
  size_t after = 0;
  int item = list_marker(cp, c, end, &after) && !thematic(cp, c, end);
  /* A list ends at a blank line followed by text left of its content. */
  if (f->md_list && f->md_prev_blank && col < f->md_list && !item) f->md_list = 0;
  int prev_blank = f->md_prev_blank, prev_code = f->md_prev_code;
  f->md_prev_blank = 0;
  f->md_prev_code = 0;
  if (col >= f->md_list + 4 && !f->md_para && (prev_blank || prev_code || f->md_list == 0)) {
    f->md_prev_code = 1; /* indented code */
    return;
  }
  uint32_t ch;
  int len;
  if (fence_at(cp, c, end, &ch, &len)) {
    f->md_fence = ch;
    f->md_fence_len = len;
    f->md_para = 0;
    return;
  }
  if (cp[c] == '<') {
    int t = html_start(cp, c, end, f->md_para);
    if (t) {
      if (t >= HTML_BLANK6 || !html_end(cp, c, end, t)) f->md_html = t;
      f->md_para = 0;
      return;
    }
  }
  /* A thematic break, or the underline of a setext heading. */
  if (thematic(cp, c, end) || (f->md_para && setext(cp, c, end))) {
    f->md_para = 0;
    return;
  }
  if (cp[c] == '#') {
    size_t k = c;
    while (k < end && cp[k] == '#') k++;
    if (k - c <= 6 && (k == end || fmt_is_space(cp[k]))) {
      size_t s = skip_sp(cp, k, end), z = end;
      while (z > s && fmt_is_space(cp[z - 1])) z--;
      size_t h = z;
      while (h > s && cp[h - 1] == '#') h--;
      if (h < z && (h == s || fmt_is_space(cp[h - 1]))) { /* closing #s */
        z = h;
        while (z > s && fmt_is_space(cp[z - 1])) z--;
      }
      md_text(f, cp, s, z, 0);
      f->md_para = 0;
      return;
    }
  }
  if (!f->md_para && cp[c] == '[') {
    size_t close = balanced(cp, c, end, '[', ']');
    if (close && close < end && cp[close] == ':') {
      /* [label]: destination "title".  A GFM footnote, [^1]: text, is
       * one too where footnotes are not enabled (CommonMark): its text
       * would be a destination, so it is left alone. */
      return;
    }
  }
  if (item) {
    int content = col + (int)(after - c);
    if (after == end) content = col + 2;
    f->md_list = content;
    c = after;
    if (c < end && fence_at(cp, c, end, &ch, &len)) {
      f->md_fence = ch;
      f->md_fence_len = len;
      f->md_para = 0;
      return;
    }
    if (c < end && cp[c] == '#') { /* "- # heading": rare, keep it */
      f->md_para = 0;
      return;
    }
  }
  md_text(f, cp, c, end, 1);
  if (f->marked) f->pl_code = 2;
  f->md_para = 1;
}
