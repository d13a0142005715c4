/*
 * Formats: names, file names, content sniffing, and the scanner's entry
 * point (format.h).  The lexers live in format_text.c, format_md.c,
 * format_html.c, format_troff.c, format_code.c and format_sub.c.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "format_int.h"

/* ---- names ---------------------------------------------------------------- */

typedef struct {
  const char *name;
  int value;
} fmt_name;

/* Canonical names first (zhfix_format_name gives the first of a value),
 * then aliases: languages that share a lexer, and common extensions. */
static const fmt_name names[] = {
    {"auto", ZHFIX_FORMAT_AUTO},
    {"text", ZHFIX_FORMAT_TEXT},
    {"markdown", ZHFIX_FORMAT_MARKDOWN},
    {"html", ZHFIX_FORMAT_HTML},
    {"troff", ZHFIX_FORMAT_TROFF},
    {"data", ZHFIX_FORMAT_DATA},
    {"subtitle", ZHFIX_FORMAT_SUBTITLE},
    {"c", ZHFIX_FORMAT_C},
    {"js", ZHFIX_FORMAT_JS},
    {"go", ZHFIX_FORMAT_GO},
    {"rust", ZHFIX_FORMAT_RUST},
    {"css", ZHFIX_FORMAT_CSS},
    {"python", ZHFIX_FORMAT_PYTHON},
    {"shell", ZHFIX_FORMAT_SHELL},
    {"ruby", ZHFIX_FORMAT_RUBY},
    {"perl", ZHFIX_FORMAT_PERL},
    {"sql", ZHFIX_FORMAT_SQL},
    {"lua", ZHFIX_FORMAT_LUA},
    {"php", ZHFIX_FORMAT_PHP},
    {"vue", ZHFIX_FORMAT_VUE},
    /* aliases */
    {"txt", ZHFIX_FORMAT_TEXT},
    {"plain", ZHFIX_FORMAT_TEXT},
    {"md", ZHFIX_FORMAT_MARKDOWN},
    {"xml", ZHFIX_FORMAT_HTML},
    {"xhtml", ZHFIX_FORMAT_HTML},
    {"man", ZHFIX_FORMAT_TROFF},
    {"roff", ZHFIX_FORMAT_TROFF},
    {"groff", ZHFIX_FORMAT_TROFF},
    {"json", ZHFIX_FORMAT_DATA},
    {"jsonl", ZHFIX_FORMAT_DATA},
    {"yaml", ZHFIX_FORMAT_DATA},
    {"toml", ZHFIX_FORMAT_DATA},
    {"ini", ZHFIX_FORMAT_DATA},
    {"csv", ZHFIX_FORMAT_DATA},
    {"tsv", ZHFIX_FORMAT_DATA},
    {"po", ZHFIX_FORMAT_DATA},
    {"srt", ZHFIX_FORMAT_SUBTITLE},
    {"vtt", ZHFIX_FORMAT_SUBTITLE},
    {"webvtt", ZHFIX_FORMAT_SUBTITLE},
    {"ass", ZHFIX_FORMAT_SUBTITLE},
    {"cpp", ZHFIX_FORMAT_C},
    {"c++", ZHFIX_FORMAT_C},
    {"objc", ZHFIX_FORMAT_C},
    {"java", ZHFIX_FORMAT_C},
    {"csharp", ZHFIX_FORMAT_C},
    {"cs", ZHFIX_FORMAT_C},
    {"kotlin", ZHFIX_FORMAT_C},
    {"scala", ZHFIX_FORMAT_C},
    {"swift", ZHFIX_FORMAT_C},
    {"dart", ZHFIX_FORMAT_JS},
    {"groovy", ZHFIX_FORMAT_JS},
    {"javascript", ZHFIX_FORMAT_JS},
    {"typescript", ZHFIX_FORMAT_JS},
    {"ts", ZHFIX_FORMAT_JS},
    {"jsx", ZHFIX_FORMAT_JS},
    {"tsx", ZHFIX_FORMAT_JS},
    {"golang", ZHFIX_FORMAT_GO},
    {"rs", ZHFIX_FORMAT_RUST},
    {"scss", ZHFIX_FORMAT_CSS},
    {"less", ZHFIX_FORMAT_CSS},
    {"py", ZHFIX_FORMAT_PYTHON},
    {"sh", ZHFIX_FORMAT_SHELL},
    {"bash", ZHFIX_FORMAT_SHELL},
    {"zsh", ZHFIX_FORMAT_SHELL},
    {"make", ZHFIX_FORMAT_SHELL},
    {"makefile", ZHFIX_FORMAT_SHELL},
    {"dockerfile", ZHFIX_FORMAT_SHELL},
    {"rb", ZHFIX_FORMAT_RUBY},
    {"pl", ZHFIX_FORMAT_PERL},
    {"svelte", ZHFIX_FORMAT_VUE},
    {NULL, 0}};

const char *zhfix_format_name(int format) {
  for (const fmt_name *n = names; n->name; n++)
    if (n->value == format) return n->name;
  return "unknown";
}

int zhfix_format_from_name(const char *name) {
  if (!name) return ZHFIX_E_INVALID;
  for (const fmt_name *n = names; n->name; n++)
    if (!strcasecmp(n->name, name)) return n->value;
  return ZHFIX_E_INVALID;
}

/* ---- file names --------------------------------------------------------------- */

/* Extensions (lower case, without the dot). */
static const fmt_name exts[] = {
    {"md", ZHFIX_FORMAT_MARKDOWN}, {"markdown", ZHFIX_FORMAT_MARKDOWN},
    {"mkd", ZHFIX_FORMAT_MARKDOWN}, {"mdown", ZHFIX_FORMAT_MARKDOWN},
    {"mkdn", ZHFIX_FORMAT_MARKDOWN}, {"mdx", ZHFIX_FORMAT_MARKDOWN},
    {"rmd", ZHFIX_FORMAT_MARKDOWN},
    {"html", ZHFIX_FORMAT_HTML}, {"htm", ZHFIX_FORMAT_HTML}, {"xhtml", ZHFIX_FORMAT_HTML},
    {"shtml", ZHFIX_FORMAT_HTML}, {"xml", ZHFIX_FORMAT_HTML}, {"xsl", ZHFIX_FORMAT_HTML},
    {"xslt", ZHFIX_FORMAT_HTML}, {"svg", ZHFIX_FORMAT_HTML}, {"rss", ZHFIX_FORMAT_HTML},
    {"atom", ZHFIX_FORMAT_HTML}, {"xsd", ZHFIX_FORMAT_HTML}, {"dbk", ZHFIX_FORMAT_HTML},
    {"docbook", ZHFIX_FORMAT_HTML}, {"opf", ZHFIX_FORMAT_HTML}, {"ncx", ZHFIX_FORMAT_HTML},
    {"man", ZHFIX_FORMAT_TROFF}, {"roff", ZHFIX_FORMAT_TROFF}, {"groff", ZHFIX_FORMAT_TROFF},
    {"nroff", ZHFIX_FORMAT_TROFF}, {"mdoc", ZHFIX_FORMAT_TROFF}, {"ms", ZHFIX_FORMAT_TROFF},
    {"me", ZHFIX_FORMAT_TROFF}, {"tmac", ZHFIX_FORMAT_TROFF},
    {"json", ZHFIX_FORMAT_DATA}, {"jsonc", ZHFIX_FORMAT_DATA}, {"json5", ZHFIX_FORMAT_DATA},
    {"jsonl", ZHFIX_FORMAT_DATA}, {"ndjson", ZHFIX_FORMAT_DATA}, {"geojson", ZHFIX_FORMAT_DATA},
    {"ipynb", ZHFIX_FORMAT_DATA}, {"yaml", ZHFIX_FORMAT_DATA}, {"yml", ZHFIX_FORMAT_DATA},
    {"toml", ZHFIX_FORMAT_DATA}, {"ini", ZHFIX_FORMAT_DATA}, {"cfg", ZHFIX_FORMAT_DATA},
    {"conf", ZHFIX_FORMAT_DATA}, {"properties", ZHFIX_FORMAT_DATA}, {"env", ZHFIX_FORMAT_DATA},
    {"csv", ZHFIX_FORMAT_DATA}, {"tsv", ZHFIX_FORMAT_DATA}, {"psv", ZHFIX_FORMAT_DATA},
    {"po", ZHFIX_FORMAT_DATA}, {"pot", ZHFIX_FORMAT_DATA}, {"plist", ZHFIX_FORMAT_DATA},
    {"xliff", ZHFIX_FORMAT_DATA}, {"xlf", ZHFIX_FORMAT_DATA}, {"resx", ZHFIX_FORMAT_DATA},
    {"strings", ZHFIX_FORMAT_DATA}, {"desktop", ZHFIX_FORMAT_DATA},
    {"ics", ZHFIX_FORMAT_DATA}, {"ical", ZHFIX_FORMAT_DATA}, {"ifb", ZHFIX_FORMAT_DATA},
    {"vcf", ZHFIX_FORMAT_DATA}, {"vcard", ZHFIX_FORMAT_DATA}, {"ldif", ZHFIX_FORMAT_DATA},
    {"sub", ZHFIX_FORMAT_SUBTITLE}, {"lrc", ZHFIX_FORMAT_DATA},
    {"service", ZHFIX_FORMAT_DATA}, {"lock", ZHFIX_FORMAT_DATA}, {"dic", ZHFIX_FORMAT_DATA},
    {"srt", ZHFIX_FORMAT_SUBTITLE}, {"vtt", ZHFIX_FORMAT_SUBTITLE},
    {"ass", ZHFIX_FORMAT_SUBTITLE}, {"ssa", ZHFIX_FORMAT_SUBTITLE},
    {"c", ZHFIX_FORMAT_C}, {"h", ZHFIX_FORMAT_C}, {"cc", ZHFIX_FORMAT_C},
    {"cpp", ZHFIX_FORMAT_C}, {"cxx", ZHFIX_FORMAT_C}, {"c++", ZHFIX_FORMAT_C},
    {"hpp", ZHFIX_FORMAT_C}, {"hh", ZHFIX_FORMAT_C}, {"hxx", ZHFIX_FORMAT_C},
    {"h++", ZHFIX_FORMAT_C}, {"ino", ZHFIX_FORMAT_C}, {"m", ZHFIX_FORMAT_C},
    {"mm", ZHFIX_FORMAT_C}, {"java", ZHFIX_FORMAT_C}, {"cs", ZHFIX_FORMAT_C},
    {"kt", ZHFIX_FORMAT_C}, {"kts", ZHFIX_FORMAT_C}, {"scala", ZHFIX_FORMAT_C},
    {"sc", ZHFIX_FORMAT_C}, {"swift", ZHFIX_FORMAT_C}, {"dart", ZHFIX_FORMAT_JS},
    {"groovy", ZHFIX_FORMAT_JS}, {"gradle", ZHFIX_FORMAT_JS}, {"proto", ZHFIX_FORMAT_C},
    {"thrift", ZHFIX_FORMAT_C}, {"cu", ZHFIX_FORMAT_C}, {"cuh", ZHFIX_FORMAT_C},
    {"glsl", ZHFIX_FORMAT_C}, {"vert", ZHFIX_FORMAT_C}, {"frag", ZHFIX_FORMAT_C},
    {"js", ZHFIX_FORMAT_JS}, {"mjs", ZHFIX_FORMAT_JS}, {"cjs", ZHFIX_FORMAT_JS},
    {"jsx", ZHFIX_FORMAT_JS}, {"ts", ZHFIX_FORMAT_JS}, {"tsx", ZHFIX_FORMAT_JS},
    {"mts", ZHFIX_FORMAT_JS}, {"cts", ZHFIX_FORMAT_JS},
    {"go", ZHFIX_FORMAT_GO}, {"rs", ZHFIX_FORMAT_RUST},
    {"css", ZHFIX_FORMAT_CSS}, {"scss", ZHFIX_FORMAT_CSS}, {"less", ZHFIX_FORMAT_CSS},
    {"sass", ZHFIX_FORMAT_CSS}, {"styl", ZHFIX_FORMAT_CSS},
    {"py", ZHFIX_FORMAT_PYTHON}, {"pyw", ZHFIX_FORMAT_PYTHON}, {"pyi", ZHFIX_FORMAT_PYTHON},
    {"pyx", ZHFIX_FORMAT_PYTHON}, {"bzl", ZHFIX_FORMAT_PYTHON},
    {"sh", ZHFIX_FORMAT_SHELL}, {"bash", ZHFIX_FORMAT_SHELL}, {"zsh", ZHFIX_FORMAT_SHELL},
    {"ksh", ZHFIX_FORMAT_SHELL}, {"fish", ZHFIX_FORMAT_SHELL}, {"bats", ZHFIX_FORMAT_SHELL},
    {"mk", ZHFIX_FORMAT_SHELL}, {"mak", ZHFIX_FORMAT_SHELL}, {"cmake", ZHFIX_FORMAT_SHELL},
    {"dockerfile", ZHFIX_FORMAT_SHELL}, {"r", ZHFIX_FORMAT_SHELL},
    {"rb", ZHFIX_FORMAT_RUBY}, {"rake", ZHFIX_FORMAT_RUBY}, {"gemspec", ZHFIX_FORMAT_RUBY},
    {"ru", ZHFIX_FORMAT_RUBY}, {"erb", ZHFIX_FORMAT_HTML},
    {"pl", ZHFIX_FORMAT_PERL}, {"pm", ZHFIX_FORMAT_PERL}, {"pod", ZHFIX_FORMAT_PERL},
    {"t", ZHFIX_FORMAT_PERL},
    {"sql", ZHFIX_FORMAT_SQL}, {"psql", ZHFIX_FORMAT_SQL}, {"mysql", ZHFIX_FORMAT_SQL},
    {"lua", ZHFIX_FORMAT_LUA},
    {"php", ZHFIX_FORMAT_PHP}, {"phtml", ZHFIX_FORMAT_PHP}, {"php3", ZHFIX_FORMAT_PHP},
    {"php4", ZHFIX_FORMAT_PHP}, {"php5", ZHFIX_FORMAT_PHP}, {"php7", ZHFIX_FORMAT_PHP},
    {"php8", ZHFIX_FORMAT_PHP},
    {"vue", ZHFIX_FORMAT_VUE}, {"svelte", ZHFIX_FORMAT_VUE},
    {"txt", ZHFIX_FORMAT_TEXT}, {"text", ZHFIX_FORMAT_TEXT}, {"rst", ZHFIX_FORMAT_TEXT},
    {"adoc", ZHFIX_FORMAT_TEXT}, {"asciidoc", ZHFIX_FORMAT_TEXT}, {"org", ZHFIX_FORMAT_TEXT},
    {"tex", ZHFIX_FORMAT_TEXT},
    {NULL, 0}};

/* Whole base names. */
static const fmt_name bases[] = {
    {"makefile", ZHFIX_FORMAT_SHELL},     {"gnumakefile", ZHFIX_FORMAT_SHELL},
    {"dockerfile", ZHFIX_FORMAT_SHELL},   {"containerfile", ZHFIX_FORMAT_SHELL},
    {"cmakelists.txt", ZHFIX_FORMAT_SHELL}, {".bashrc", ZHFIX_FORMAT_SHELL},
    {".bash_profile", ZHFIX_FORMAT_SHELL}, {".profile", ZHFIX_FORMAT_SHELL},
    {".zshrc", ZHFIX_FORMAT_SHELL},       {"pkgbuild", ZHFIX_FORMAT_SHELL},
    {"rakefile", ZHFIX_FORMAT_RUBY},      {"gemfile", ZHFIX_FORMAT_RUBY},
    {"vagrantfile", ZHFIX_FORMAT_RUBY},   {"jenkinsfile", ZHFIX_FORMAT_JS},
    {"sconstruct", ZHFIX_FORMAT_PYTHON},  {"sconscript", ZHFIX_FORMAT_PYTHON},
    {"build.bazel", ZHFIX_FORMAT_PYTHON}, {"workspace", ZHFIX_FORMAT_PYTHON},
    {".editorconfig", ZHFIX_FORMAT_DATA}, {".gitconfig", ZHFIX_FORMAT_DATA},
    {NULL, 0}};

static int lookup(const fmt_name *t, const char *s, size_t n) {
  for (; t->name; t++)
    if (strlen(t->name) == n && !strncasecmp(t->name, s, n)) return t->value;
  return ZHFIX_FORMAT_AUTO;
}

int zhfix_format_from_path(const char *path) {
  if (!path) return ZHFIX_FORMAT_AUTO;
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t bl = strlen(base);
  int v = lookup(bases, base, bl);
  if (v != ZHFIX_FORMAT_AUTO) return v;
  /* Makefile.am, Makefile.in, Dockerfile.dev */
  if (!strncasecmp(base, "makefile.", 9) || !strncasecmp(base, "dockerfile.", 11))
    return ZHFIX_FORMAT_SHELL;
  /* Backups and templates keep the format of the name they extend:
   * x.py~, x.py.orig, x.json.in, x.md.bak. */
  static const char *const wrappers[] = {"~", ".orig", ".bak", ".in", ".tmpl", ".dist", ".sample"};
  for (size_t w = 0; w < sizeof wrappers / sizeof *wrappers; w++) {
    size_t wl = strlen(wrappers[w]);
    if (bl > wl + 1 && !strcasecmp(base + bl - wl, wrappers[w])) {
      bl -= wl;
      break;
    }
  }
  const char *dot = NULL;
  for (size_t i = bl; i-- > 1;)
    if (base[i] == '.') {
      dot = base + i;
      break;
    }
  if (!dot) return ZHFIX_FORMAT_AUTO;
  const char *ext = dot + 1;
  size_t el = bl - (size_t)(ext - base);
  v = lookup(exts, ext, el);
  if (v != ZHFIX_FORMAT_AUTO) return v;
  /* Manual sections: ls.1, printf.3p, openssl.1ssl (not a rotated log,
   * syslog.1, nor a version, libfoo.so.1). */
  if (el >= 1 && el <= 5 && ext[0] >= '1' && ext[0] <= '9') {
    int letters = 1;
    for (size_t i = 1; i < el; i++) letters &= (ext[i] | 0x20) >= 'a' && (ext[i] | 0x20) <= 'z';
    size_t stem = (size_t)(dot - base);
    int logish = stem >= 4 && (!strncasecmp(dot - 4, ".log", 4) || !strncasecmp(dot - 3, ".so", 3));
    if (letters && !logish && stem > 0) return ZHFIX_FORMAT_TROFF;
  }
  return ZHFIX_FORMAT_AUTO;
}

/* ---- sniffing ----------------------------------------------------------------- */

typedef struct {
  const uint32_t *cp;
  size_t len, pos;
} line_it;

static int next_line(line_it *it, size_t *s, size_t *e) {
  if (it->pos >= it->len) return 0;
  *s = it->pos;
  size_t i = it->pos;
  /* blocks of 16 without a line break first, tested without a branch a
   * character (the compiler vectorises them): a window is often one
   * long line */
  for (; i + 16 <= it->len; i += 16) {
    unsigned any = 0;
    for (size_t k = 0; k < 16; k++) any |= (unsigned)(it->cp[i + k] == '\n') | (unsigned)(it->cp[i + k] == '\r');
    if (any) break;
  }
  while (i < it->len && it->cp[i] != '\n' && it->cp[i] != '\r') i++;
  *e = i;
  if (i < it->len && it->cp[i] == '\r') i++;
  if (i < it->len && it->cp[i] == '\n') i++;
  it->pos = i;
  return 1;
}

static size_t skip_ws(const uint32_t *cp, size_t i, size_t e) {
  while (i < e && (fmt_is_space(cp[i]) || cp[i] == 0xFEFF)) i++;
  return i;
}

static int only(const uint32_t *cp, size_t s, size_t e, const char *what) {
  size_t i = s;
  while (e > i && fmt_is_space(cp[e - 1])) e--;
  return fmt_at(cp, i, e, what) && i + strlen(what) == e;
}

/* A line of YAML: "key:", "- item", a comment, "---", indented. */
static int yamlish(const uint32_t *cp, size_t s, size_t e) {
  if (s == e) return 1;
  if (fmt_is_space(cp[s]) || cp[s] == '#' || cp[s] == '-' || cp[s] == '.') return 1;
  size_t i = s;
  while (i < e && (fmt_is_ident(cp[i]) || cp[i] == '-' || cp[i] == '.' || cp[i] == '"' ||
                   cp[i] == '\''))
    i++;
  return i > s && i < e && cp[i] == ':' && (i + 1 == e || fmt_is_space(cp[i + 1]));
}

static int interpreter(const uint32_t *cp, size_t s, size_t e) {
  /* #!/usr/bin/env -S python3 -u  ->  python3 */
  size_t i = s + 2;
  for (;;) {
    i = skip_ws(cp, i, e);
    size_t w = i;
    while (i < e && !fmt_is_space(cp[i])) i++;
    size_t b = w;
    for (size_t k = w; k < i; k++)
      if (cp[k] == '/') b = k + 1;
    if (b >= i) return ZHFIX_FORMAT_SHELL;
    if ((i - b == 3 && fmt_at(cp, b, i, "env")) || cp[b] == '-') continue;
    if (fmt_at(cp, b, i, "python") || fmt_at(cp, b, i, "pypy")) return ZHFIX_FORMAT_PYTHON;
    if (fmt_at(cp, b, i, "perl")) return ZHFIX_FORMAT_PERL;
    if (fmt_at(cp, b, i, "ruby")) return ZHFIX_FORMAT_RUBY;
    if (fmt_at(cp, b, i, "node") || fmt_at(cp, b, i, "deno") || fmt_at(cp, b, i, "bun") ||
        fmt_at(cp, b, i, "ts-node"))
      return ZHFIX_FORMAT_JS;
    if (fmt_at(cp, b, i, "lua") || fmt_at(cp, b, i, "luajit")) return ZHFIX_FORMAT_LUA;
    if (fmt_at(cp, b, i, "php")) return ZHFIX_FORMAT_PHP;
    return ZHFIX_FORMAT_SHELL; /* sh, bash, make, awk, Rscript...: # comments */
  }
}

/* The first word of a line is one of these, followed by a space or '(': */
static int starts_word(const uint32_t *cp, size_t i, size_t e, const char *const *words) {
  for (; *words; words++) {
    size_t n = strlen(*words);
    if (fmt_at(cp, i, e, *words) && (i + n == e || cp[i + n] == ' ' || cp[i + n] == '(' ||
                                     cp[i + n] == '\t' || cp[i + n] == '{' || cp[i + n] == ':'))
      return 1;
  }
  return 0;
}

/* Separators (',' or tab) of a line outside double quotes; -1 when it
 * has a ", " (prose, not a record). */
static int fields(const uint32_t *cp, size_t s, size_t e, uint32_t sep) {
  int n = 0, q = 0;
  for (size_t i = s; i < e; i++) {
    if (cp[i] == '"') q = !q;
    else if (!q && cp[i] == sep) {
      if (sep == ',' && i + 1 < e && cp[i + 1] == ' ') return -1;
      n++;
    }
  }
  return n;
}

/* CSV or TSV: the first lines all have the same number of separators (a
 * tab, or two commas or more), at least three lines, five unless the
 * first has no Chinese (a header), and none ends like a sentence (prose
 * typed with ASCII commas often has one or two per line).  .po
 * catalogues: msgid and msgstr lines. */
static int records(const zf_text *w) {
  line_it it = {w->cp, w->len, 0};
  size_t s, e;
  int lines = 0, same[2] = {1, 1}, first[2] = {0, 0}, msgid = 0, msgstr = 0, header_han = 0,
      sentence = 0;
  static const uint32_t seps[2] = {',', '\t'};
  while (lines < 20 && next_line(&it, &s, &e)) {
    if (s == e) continue;
    if (fmt_at(w->cp, s, e, "msgid ")) msgid = 1;
    if (fmt_at(w->cp, s, e, "msgstr ") || fmt_at(w->cp, s, e, "msgstr[")) msgstr = 1;
    for (int k = 0; k < 2; k++) {
      int n = fields(w->cp, s, e, seps[k]);
      if (lines == 0) first[k] = n;
      else if (n != first[k]) same[k] = 0;
    }
    if (lines == 0)
      for (size_t i = s; i < e; i++) header_han |= fmt_is_cjk(w->cp[i]);
    uint32_t z = w->cp[e - 1];
    sentence |= z == '.' || z == '!' || z == '?' || z == 0x3002 || z == 0xFF01 || z == 0xFF1F ||
                z == 0x2026 || z == 0xFF1B || z == ';';
    lines++;
  }
  if (msgid && msgstr) return 1;
  for (int k = 0; k < 2; k++) {
    if (!same[k] || first[k] < 1 || sentence) continue;
    /* one comma per record: a header without Chinese and five lines */
    if (k == 0 && first[k] == 1 ? (!header_han && lines >= 5) : lines >= (header_han ? 5 : 3))
      return 1;
  }
  return 0;
}

/* Signals of the lines zf_format_sniff reads. */
typedef struct sniff_counts {
  int md, code, py, js, c, sh, go, rust, yaml, nonyaml, front, roff, prose, tag, ylines, ykeys,
      nlines_ne, css, prose0;
} sniff_counts;

/* The first non-blank line, cp[s..e) with its text at i: a format it
 * proves, or -1 (front matter and a leading tag are noted in n).  it
 * stands after the line. */
static int sniff_first(sniff_counts *n, const line_it *it, const uint32_t *cp, size_t s, size_t i,
                       size_t e) {
  if (s == i && only(cp, i, e, "---")) {
    n->front = 1;
    return -1;
  }
  if (s == i && only(cp, i, e, "+++")) return ZHFIX_FORMAT_MARKDOWN;
  if (fmt_at(cp, i, e, "#!")) return interpreter(cp, i, e);
  if (fmt_at(cp, i, e, "<?php") || fmt_at(cp, i, e, "<?=")) return ZHFIX_FORMAT_PHP;
  if (fmt_at(cp, i, e, "<template") || fmt_at(cp, i, e, "<script setup"))
    return ZHFIX_FORMAT_VUE;
  if (fmt_at(cp, i, e, "<?xml") || fmt_at_ci(cp, i, e, "<!doctype") ||
      fmt_at_ci(cp, i, e, "<html"))
    return ZHFIX_FORMAT_HTML;
  /* A leading tag or comment: HTML, unless Markdown follows (READMEs
   * often open with badges in HTML). */
  if (fmt_at(cp, i, e, "<!--") || (fmt_at(cp, i, e, "<") && i + 1 < e && fmt_is_alpha(cp[i + 1])))
    n->tag = 1;
  if (fmt_at(cp, i, e, ".\\\"") || fmt_at(cp, i, e, "'\\\"") || fmt_at(cp, i, e, ".TH ") ||
      fmt_at(cp, i, e, ".Dd") || fmt_at(cp, i, e, ".so ") || fmt_at(cp, i, e, ".de ") ||
      fmt_at(cp, i, e, ".\\\\\""))
    return ZHFIX_FORMAT_TROFF;
  if (fmt_at(cp, i, e, "BEGIN:VCALENDAR") || fmt_at(cp, i, e, "BEGIN:VCARD"))
    return ZHFIX_FORMAT_DATA;
  /* LRC lyrics: [ti:...], [ar:...], [00:12.34]... */
  if (cp[i] == '[' && i + 3 < e &&
      ((fmt_is_alpha(cp[i + 1]) && fmt_is_alpha(cp[i + 2]) && cp[i + 3] == ':') ||
       (fmt_is_digit(cp[i + 1]) && fmt_is_digit(cp[i + 2]) && cp[i + 3] == ':')))
    return ZHFIX_FORMAT_DATA;
  if (only(cp, i, e, "WEBVTT") || fmt_at(cp, i, e, "WEBVTT ") ||
      fmt_at(cp, i, e, "[Script Info]"))
    return ZHFIX_FORMAT_SUBTITLE;
  if (cp[i] == '{' || cp[i] == '[') {
    size_t j = skip_ws(cp, i + 1, e);
    uint32_t d = j < e ? cp[j] : 0;
    if (cp[i] == '{' ? (d == '"' || d == '}' || d == 0)
                     : (d == '{' || d == '[' || d == '"' || d == ']' || fmt_is_digit(d) ||
                        d == '-' || d == 0))
      return ZHFIX_FORMAT_DATA;
  }
  /* An SRT file: a cue number, then a timing line. */
  size_t k = i;
  while (k < e && fmt_is_digit(cp[k])) k++;
  if (k > i && k == e) {
    size_t s2, e2;
    line_it save = *it;
    if (next_line(&save, &s2, &e2)) {
      for (size_t q = s2; q + 2 < e2; q++)
        if (cp[q] == '-' && cp[q + 1] == '-' && cp[q + 2] == '>') return ZHFIX_FORMAT_SUBTITLE;
    }
  }
  return -1;
}

/* The signals of one non-blank line after the first, cp[s..e) with its
 * text at i. */
static void sniff_count(sniff_counts *n, const uint32_t *cp2, size_t s, size_t i, size_t e) {
  if (fmt_is_cjk(cp2[i])) {
    n->prose++;
    n->prose0 += s == i;
  }
  n->nlines_ne++;
  if (yamlish(cp2, s, e)) {
    n->ylines++;
    n->ykeys += s == i && cp2[i] != '#' && cp2[i] != '-';
  }
  /* CSS: a selector line ending in '{', or "property: value;" */
  {
    size_t t = e;
    while (t > i && fmt_is_space(cp2[t - 1])) t--;
    size_t k = i;
    while (k < t && ((cp2[k] >= 'a' && cp2[k] <= 'z') || cp2[k] == '-')) k++;
    if (t > i && ((k > i && k < t && cp2[k] == ':' && cp2[t - 1] == ';') ||
                  (cp2[t - 1] == '{' && (cp2[i] == '.' || cp2[i] == '#' || cp2[i] == '@'))))
      n->css++;
  }
  if (s == i && cp2[i] == '.' && i + 2 < e && fmt_is_alpha(cp2[i + 1]) &&
      fmt_is_alpha(cp2[i + 2]) && (i + 3 == e || cp2[i + 3] == ' '))
    n->roff++;
  /* Markdown */
  if (cp2[i] == '#') {
    size_t k = i;
    while (k < e && cp2[k] == '#') k++;
    if (k - i <= 6 && k < e && cp2[k] == ' ') n->md++;
  }
  if (fmt_at(cp2, i, e, "```") || fmt_at(cp2, i, e, "~~~")) n->md += 2;
  for (size_t k = i; k + 1 < e; k++)
    if (cp2[k] == ']' && cp2[k + 1] == '(') {
      n->md++;
      break;
    }
  /* Code */
  static const char *const pyw[] = {"def", "import", "from", "class", "elif", "print", NULL};
  static const char *const jsw[] = {"function", "const", "let", "var", "export", "require",
                                    "module.exports", NULL};
  static const char *const cw[] = {"#include", "#define", "#ifndef", "#ifdef", "#pragma",
                                   "public", "private", "namespace", "using", "template",
                                   "typedef", "struct", NULL};
  static const char *const shw[] = {"echo", "export", "fi", "then", "done", "do", "esac",
                                    "case", "set", "source", "local", NULL};
  if (starts_word(cp2, i, e, pyw)) n->py++;
  if (starts_word(cp2, i, e, jsw)) n->js++;
  if (starts_word(cp2, i, e, cw)) n->c++;
  if (starts_word(cp2, i, e, shw)) n->sh++;
  if (fmt_at(cp2, i, e, "package ") || fmt_at(cp2, i, e, "func ")) n->go++;
  if (fmt_at(cp2, i, e, "fn ") || fmt_at(cp2, i, e, "use std") || fmt_at(cp2, i, e, "pub fn ") ||
      fmt_at(cp2, i, e, "impl "))
    n->rust++;
  size_t t = e;
  while (t > i && fmt_is_space(cp2[t - 1])) t--;
  if (t > i && (cp2[t - 1] == ';' || cp2[t - 1] == '{' || cp2[t - 1] == '}')) n->code++;
}

int zf_format_sniff(const zf_text *window) {
  line_it it = {window->cp, window->len, 0};
  size_t s, e, nlines = 0;
  int first = 1;
  sniff_counts n;
  memset(&n, 0, sizeof n);
  while (nlines < 200 && next_line(&it, &s, &e)) {
    nlines++;
    size_t i = skip_ws(window->cp, s, e);
    const uint32_t *cp2 = window->cp;
    if (first) {
      if (i == e) continue; /* leading blank lines */
      first = 0;
      /* A first character no signal of sniff_first starts with (they
       * are all ASCII: ---, #!, <, ., [, {, digits, BEGIN, WEBVTT ...) */
      int f = window->cp[i] >= 0x80 ? -1 : sniff_first(&n, &it, cp2, s, i, e);
      if (f >= 0) return f;
      if (n.front) continue;
      /* One line (a record, a title): no later line to count, and
       * records() needs three; what is left below is the tag's say. */
      if (it.pos >= window->len) return n.tag ? ZHFIX_FORMAT_HTML : ZHFIX_FORMAT_TEXT;
    }
    if (n.front) {
      if (s == i && (only(cp2, i, e, "---") || only(cp2, i, e, "..."))) {
        /* A closed front matter: Markdown, unless everything is YAML
         * (a YAML stream of several documents). */
        n.front = 2;
        continue;
      }
      if (n.front == 2) {
        if (yamlish(cp2, s, e)) n.yaml++;
        else n.nonyaml++;
      }
      continue;
    }
    if (i == e) continue;
    sniff_count(&n, cp2, s, i, e);
  }
  if (n.front == 2) return n.yaml && !n.nonyaml ? ZHFIX_FORMAT_DATA : ZHFIX_FORMAT_MARKDOWN;
  if (n.front == 1) return ZHFIX_FORMAT_DATA; /* "---" never closed: a YAML document */
  if (records(window)) return ZHFIX_FORMAT_DATA;
  if (n.roff >= 3) return ZHFIX_FORMAT_TROFF;
  if (n.tag) return n.md >= 2 ? ZHFIX_FORMAT_MARKDOWN : ZHFIX_FORMAT_HTML;
  /* YAML without a leading ---: nearly every line a key, an item, an
   * indented value or a comment, several top-level keys, no prose. */
  if (n.ykeys >= 3 && n.prose0 == 0 && 10 * n.ylines >= 9 * n.nlines_ne) return ZHFIX_FORMAT_DATA;
  if (n.css >= 4 && 3 * n.prose <= n.css && n.css > 2 * n.md) return ZHFIX_FORMAT_CSS;
  int best = n.py, fmt = ZHFIX_FORMAT_PYTHON;
  if (n.js > best) best = n.js, fmt = ZHFIX_FORMAT_JS;
  if (n.c > best) best = n.c, fmt = ZHFIX_FORMAT_C;
  if (n.sh > best) best = n.sh, fmt = ZHFIX_FORMAT_SHELL;
  if (n.go > best) best = n.go, fmt = ZHFIX_FORMAT_GO;
  if (n.rust > best) best = n.rust, fmt = ZHFIX_FORMAT_RUST;
  /* Code needs several signals, more of them than Markdown has, and
   * few lines of Chinese prose: a text that shows some code is text
   * (whose code lines are protected anyway). */
  if (best + n.code >= 4 && best >= 2 && best + n.code > 2 * n.md && 3 * n.prose <= best + n.code)
    return fmt;
  if (n.md >= 2) return ZHFIX_FORMAT_MARKDOWN;
  return ZHFIX_FORMAT_TEXT;
}

/* ---- the scanner ---------------------------------------------------------------- */

void zf_fmt_reinit(zf_fmt *f, int format) {
  memset(f, 0, sizeof *f);
  f->format = format == ZHFIX_FORMAT_AUTO ? ZHFIX_FORMAT_TEXT : format;
  f->bol = 1;
  f->md_prev_blank = 1;
}

int zf_fmt_new(zf_fmt **out, int format) {
  zf_fmt *f = calloc(1, sizeof *f);
  *out = f;
  if (!f) return ZHFIX_E_NOMEM;
  zf_fmt_reinit(f, format);
  return 0;
}

void zf_fmt_free(zf_fmt *f) { free(f); }

int zf_fmt_is_text(const zf_fmt *f) { return f->format == ZHFIX_FORMAT_TEXT; }

int zf_fmt_skip(zf_fmt *f, const uint32_t *cp, size_t end, size_t len) {
  /* A whole plain-text line: what fmt_scan_text() judges of it beyond
   * its fence (pl_code) is read only by the rest of a cut line. */
  if (f->format != ZHFIX_FORMAT_TEXT || !f->bol || len <= end) return 0;
  fmt_skip_text(f, cp, end);
  f->bol = 1;
  return 1;
}

int zf_fmt_layout_space(const zf_fmt *f, const uint32_t *cp, size_t end, size_t k) {
  if (f->format != ZHFIX_FORMAT_TEXT || fmt_text_all_prose(f, cp, end)) return 0;
  /* fmt_prose_line() leaves out the layout spaces at both ends */
  size_t a = k, b = k + 1;
  while (a > 0 && fmt_is_layout_space(cp[a - 1])) a--;
  while (b < end && fmt_is_layout_space(cp[b])) b++;
  if (a == 0 || b == end) return 1;
  /* fmt_table_row(), on a line start whose first character but spaces
   * is '|': the spaces (and U+3000) on either side of an unescaped pipe */
  if (!f->bol) return 0;
  size_t s = 0;
  while (s < end && fmt_is_space(cp[s])) s++;
  if (s == end || cp[s] != '|') return 0;
  a = k;
  b = k + 1;
  while (a > 0 && (fmt_is_space(cp[a - 1]) || cp[a - 1] == 0x3000)) a--;
  while (b < end && (fmt_is_space(cp[b]) || cp[b] == 0x3000)) b++;
  return (a > s && cp[a - 1] == '|' && !(a - 1 > s && cp[a - 2] == '\\')) ||
         (b < end && cp[b] == '|'); /* (cp[b - 1] is a space: no escape) */
}

int zf_fmt_scan(zf_fmt *f, const uint32_t *cp, size_t end, size_t len, uint8_t *prose) {
  int result;
  if (f->format == ZHFIX_FORMAT_DATA) {
    result = ZF_PROSE_NONE;
  } else {
    f->mask = prose;
    f->marked = 0;
    f->eol = len > end;
    f->scan_end = end;
    /* (plain text clears the mask itself, only when it needs one) */
    if (end && f->format != ZHFIX_FORMAT_TEXT) memset(prose, 0, end);
    switch (f->format) {
    case ZHFIX_FORMAT_TEXT: fmt_scan_text(f, cp, end); break;
    case ZHFIX_FORMAT_MARKDOWN: fmt_scan_markdown(f, cp, end); break;
    case ZHFIX_FORMAT_HTML:
    case ZHFIX_FORMAT_PHP:
    case ZHFIX_FORMAT_VUE: fmt_scan_html(f, cp, end); break;
    case ZHFIX_FORMAT_TROFF: fmt_scan_troff(f, cp, end); break;
    case ZHFIX_FORMAT_SUBTITLE: fmt_scan_subtitle(f, cp, end); break;
    default: fmt_scan_code(f, f->format, cp, 0, end, f->bol, 0); break;
    }
    result = f->marked == 0 ? ZF_PROSE_NONE : f->marked == end ? ZF_PROSE_ALL : ZF_PROSE_SOME;
    f->mask = NULL;
  }
  f->bol = len > end; /* a terminator ends the line; a cut piece does not */
  return result;
}
