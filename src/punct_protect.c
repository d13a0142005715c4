/*
 * Pass 2 of the punctuation stage (punct_int.h): tokens that are not
 * words of the sentence are protected (F_PROT), so no rule changes them
 * and the rules around them read them as one word: URLs (with Chinese in
 * the path or query), e-mail addresses, file paths, `code` and `code'
 * spans, shell and template variables, HTML tags, character references.
 * The last three read as Latin words (F_WORD).
 */
#include <string.h>

#include "punct_class.h"
#include "punct_int.h"

/* The end of a URL whose characters go on from i: at a character no URL
 * has, or at a closing bracket it did not open ("（见 https://a.org/文)"
 * or prose glued to it: ".../unix/处获得)格式"). */
static size_t url_end(const uint32_t *w, size_t i, size_t n) {
  int paren = 0, square = 0;
  for (; i < n && is_url_char(w[i]); i++) {
    uint32_t c = w[i];
    /* A mark between two Chinese characters is the sentence's, not the
     * URL's: ".../unix/处获得(免费)文件,然后". */
    if ((c == ',' || c == ';' || c == '!' || c == '(' || c == ')') && i + 1 < n &&
        is_hanlike(w[i - 1]) && is_hanlike(w[i + 1]))
      break;
    if (c == '(') paren++;
    else if (c == ')' && --paren < 0) break;
    else if (c == '[') square++;
    else if (c == ']' && --square < 0) break;
  }
  return i;
}

/* After a URL that ends at e, the space that ends the word it is in:
 * linkifiers (GFM autolinks, terminals, chat) take a bare URL up to the
 * next space, so that space must stay even when full-width punctuation
 * was typed between ("访问http://a.org:4000， 详细内容"). */
static void keep_url_delimiter(zf_punct *p, size_t e, size_t n) {
  size_t k = e, lim = e + LOOK < n ? e + LOOK : n;
  while (k < lim && !is_space(p->w[k]) && p->w[k] != '\t') k++;
  if (k < lim) p->fl[k] |= F_PROT;
}

/* Marks [s, e) protected after trimming the sentence punctuation that
 * usually follows a URL or address rather than belonging to it.  After a
 * URL (keep_trail) that punctuation stays as typed as well: it may be the
 * URL's own last character, and a reader copies the URL up to it.
 * Returns the end of what the token is taken to be. */
static size_t protect_span(zf_punct *p, size_t s, size_t e, int keep_trail) {
  size_t full = e;
  for (;;) {
    uint32_t c = p->w[e - 1];
    if (e > s + 1 && (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' ||
                      c == '?' || c == '\'' || c == '"'))
      e--;
    else if (e > s + 1 && c == ')') {
      int bal = 0;
      for (size_t k = s; k < e; k++) bal += (p->w[k] == '(') - (p->w[k] == ')');
      if (bal >= 0) break;
      e--;
    } else
      break;
  }
  if (keep_trail) e = full;
  for (size_t k = s; k < e; k++) p->fl[k] |= F_PROT;
  return e;
}

/* A token that stands for a word: protected, and a Latin word to the
 * rules that look at it. */
static void protect_word(zf_punct *p, size_t s, size_t e) {
  for (size_t k = s; k < e; k++) p->fl[k] |= F_PROT | F_WORD;
}

/* Each recogniser below is called at the character its token is found
 * at (i) and returns the index of the token's last character, or i when
 * there is none. */

/* A URL of a scheme: "https://…", at its ':'. */
size_t zf_punct_scheme_start(const uint32_t *w, size_t i, size_t n) {
  if (!(i + 2 < n && w[i + 1] == '/' && w[i + 2] == '/')) return i;
  size_t s = i;
  while (s > 0 && i - s < LOOK && (is_ascii_alnum(w[s - 1]) || w[s - 1] == '+' || w[s - 1] == '-'))
    s--;
  return s < i && ((w[s] | 0x20) >= 'a' && (w[s] | 0x20) <= 'z') ? s : i;
}

static size_t scheme_url(zf_punct *p, size_t i, size_t n) {
  const uint32_t *w = p->w;
  size_t s = zf_punct_scheme_start(w, i, n);
  if (s == i) return i;
  size_t e = protect_span(p, s, url_end(w, i + 3, n), 1);
  keep_url_delimiter(p, e, n);
  return e - 1;
}

/* A URL without a scheme: "www.example.com/…". */
static size_t www_url(zf_punct *p, size_t i, size_t n) {
  const uint32_t *w = p->w;
  if (!(i + 4 < n && (w[i + 1] | 0x20) == 'w' && (w[i + 2] | 0x20) == 'w' && w[i + 3] == '.' &&
        is_ascii_alnum(w[i + 4]) && (i == 0 || !is_ascii_alnum(w[i - 1]))))
    return i;
  size_t e = protect_span(p, i, url_end(w, i + 4, n), 1);
  keep_url_delimiter(p, e, n);
  return e - 1;
}

/* An e-mail address, at its '@': "editor@example.com". */
static size_t email(zf_punct *p, size_t i, size_t n) {
  const uint32_t *w = p->w;
  if (!(i > 0 && i + 1 < n && is_ascii_alnum(w[i - 1]) && is_ascii_alnum(w[i + 1]))) return i;
  size_t s = i;
  while (s > 0 && i - s < LOOK &&
         (is_ascii_alnum(w[s - 1]) || w[s - 1] == '.' || w[s - 1] == '_' || w[s - 1] == '%' ||
          w[s - 1] == '+' || w[s - 1] == '-'))
    s--;
  size_t e = i + 1;
  while (e < n && (is_ascii_alnum(w[e]) || w[e] == '.' || w[e] == '-')) e++;
  int dot = 0;
  for (size_t k = i + 1; k < e; k++) dot |= w[k] == '.';
  return dot ? protect_span(p, s, e, 0) - 1 : i;
}

/* A file path: "/usr/share/x.conf", "~/.config" (not "文/观察者网"). */
static size_t path(zf_punct *p, size_t i, size_t n) {
  const uint32_t *w = p->w;
  if (w[i] == '~' && !(i + 1 < n && w[i + 1] == '/')) return i;
  if (i > 0 && (is_ascii_alnum(w[i - 1]) || w[i - 1] == 0x2026 ||
                (w[i - 1] < 0x80 && strchr("._/~+-@%=", (int)w[i - 1]))))
    return i;
  if (!(i + 2 < n && (is_ascii_alnum(w[i + 1]) || w[i + 1] == '.' || w[i + 1] == '_' ||
                      w[i + 1] == '/')))
    return i;
  size_t e = i + 1;
  while (e < n && w[e] > 0x20 && w[e] < 0x7F &&
         (is_ascii_alnum(w[e]) || strchr("._/~+-@%:=", (int)w[e]) != NULL))
    e++;
  /* (only if something path-like is left once trailing sentence
   * punctuation is taken off: "/..." is no path) */
  size_t t = e;
  while (t > i && strchr(".,;:!?", (int)w[t - 1])) t--;
  int alnum = 0;
  for (size_t k = i; k < t; k++) alnum |= is_ascii_alnum(w[k]);
  return e - i >= 3 && alnum ? protect_span(p, i, e, 0) - 1 : i;
}

/* `code` (Markdown) or `code' (GNU/TeX quoting): whichever closer comes
 * first within reach. */
static size_t code_span(zf_punct *p, size_t i, size_t n) {
  size_t e = i + 1, lim = i + LOOK < n ? i + LOOK : n;
  while (e < lim && p->w[e] != '`' && p->w[e] != '\'') e++;
  if (e >= lim) return i;
  for (size_t k = i; k <= e; k++) p->fl[k] |= F_PROT;
  return e;
}

/* Shell and template variables: $HOME, ${PREFIX}/bin, $(pwd). */
static size_t variable(zf_punct *p, size_t i, size_t n) {
  const uint32_t *w = p->w;
  if (i + 1 >= n) return i;
  uint32_t d = w[i + 1];
  size_t e = i;
  if (d == '{' || d == '(') {
    uint32_t cl = d == '{' ? '}' : ')';
    size_t lim = i + LOOK < n ? i + LOOK : n;
    int depth = 0;
    for (size_t k = i + 1; k < lim; k++) {
      if (w[k] == d) depth++;
      else if (w[k] == cl && --depth == 0) {
        e = k + 1;
        break;
      }
    }
  } else if (((d | 0x20) >= 'a' && (d | 0x20) <= 'z') || d == '_') {
    e = i + 1;
    while (e < n && (is_ascii_alnum(w[e]) || w[e] == '_')) e++;
  }
  if (e == i) return i;
  protect_word(p, i, e);
  return e - 1;
}

/* An HTML or XML tag in text, attributes and all: <a title="Debian 参考手册">. */
static size_t tag(zf_punct *p, size_t i, size_t n) {
  const uint32_t *w = p->w;
  if (!(i + 1 < n && (((w[i + 1] | 0x20) >= 'a' && (w[i + 1] | 0x20) <= 'z') ||
                      ((w[i + 1] == '/' || w[i + 1] == '!') && i + 2 < n && w[i + 2] < 0x80))))
    return i;
  size_t lim = i + 512 < n ? i + 512 : n, k = i + 1;
  while (k < lim && w[k] != '>' && w[k] != '<') k++;
  if (!(k < lim && w[k] == '>')) return i;
  protect_word(p, i, k + 1);
  return k;
}

/* A character reference: &nbsp; &#20013; &#x4e2d; */
static size_t entity(zf_punct *p, size_t i, size_t n) {
  const uint32_t *w = p->w;
  size_t k = i + 1;
  if (k < n && w[k] == '#') {
    k++;
    if (k < n && (w[k] | 0x20) == 'x') k++;
  }
  size_t st = k;
  while (k < n && k - st < 32 && is_ascii_alnum(w[k])) k++;
  if (!(k > st && k < n && w[k] == ';')) return i;
  protect_word(p, i, k + 1);
  return k;
}

/* The characters a protected token is recognised at. */
static const uint8_t token_start[128] = {[':'] = 1, ['w'] = 1, ['W'] = 1, ['@'] = 1,
                                         ['/'] = 1, ['~'] = 1, ['`'] = 1, ['$'] = 1,
                                         ['<'] = 1, ['&'] = 1};

int zf_punct_token_start(uint32_t c) { return c < 0x80 && token_start[c]; }

/* The 'w' a "www." URL may start at, for the '.' at i: the '.' is what
 * clean() lists (tk[]), and no other listed position lies between the
 * two.  Returns i when there is none. */
static size_t www_start(const uint32_t *w, size_t i) {
  if (i < 3) return i;
  size_t s = i - 3;
  return (w[s] | 0x20) == 'w' && (w[s + 1] | 0x20) == 'w' && (w[s + 2] | 0x20) == 'w' ? s : i;
}

void zf_punct_protect(zf_punct *p, size_t n) {
  const uint32_t *w = p->w;
  const uint32_t *tk = p->tk;
  /* Each position a token may start at, left to right: the characters of
   * token_start, found by clean() (tk[]), and the "www" before a '.'.  A
   * token found ends at i, and the search goes on after it (next). */
  size_t next = 0;
  for (size_t k = 0; k < p->ntk; k++) {
    size_t i = tk[k];
    uint32_t c = w[i];
    if (c == '.') {
      i = www_start(w, i);
      if (i == tk[k]) continue;
      c = w[i];
    }
    if (i < next || (p->fl[i] & F_PROT)) continue;
    switch (c) {
    case ':': i = scheme_url(p, i, n); break;
    case 'w': case 'W': i = www_url(p, i, n); break;
    case '@': i = email(p, i, n); break;
    case '/': case '~': i = path(p, i, n); break;
    case '`': i = code_span(p, i, n); break;
    case '$': i = variable(p, i, n); break;
    case '<': i = tag(p, i, n); break;
    default: i = entity(p, i, n); break; /* '&' */
    }
    next = i + 1;
  }
}
