/*
 * Plain text, and the lines of prose inside other formats (comments,
 * Markdown paragraphs): a line is prose unless it sits in a ``` fence or
 * reads as code or data.  Tokens inside prose lines (URLs, addresses,
 * paths, `code`) are the punctuation stage's own business (punct.c).
 *
 * zf_fmt_codeish() recognises the shapes code and data lines take in the
 * languages people paste into text: statements that end in ';' or '{',
 * assignments, declarations and keywords, calls, JSON and object
 * literals, quoted lists, SQL statements, shell commands, YAML / HTTP
 * header / properties lines.  Every test is anchored at the line's first
 * word or its last character, so a line that starts with Chinese (most
 * prose) costs one comparison, and none looks at more than the line.
 * Lines of other languages (German, Russian...) start with letters
 * outside ASCII and are prose: the stage changes nothing in them anyway,
 * since every rule wants Chinese next to the mark.
 */
#include <string.h>

#include "format_int.h"

/* ---- words ------------------------------------------------------------------ */

/* Length of the ASCII identifier at cp[i] (letters, digits, '_', and '-'
 * inside it when dash is set), 0 if none. */
static size_t word_len(const uint32_t *cp, size_t i, size_t e, int dash) {
  size_t k = i;
  if (k < e && (fmt_is_alpha(cp[k]) || cp[k] == '_')) k++;
  else return 0;
  while (k < e && (fmt_is_ident(cp[k]) || (dash && cp[k] == '-' && k + 1 < e && fmt_is_ident(cp[k + 1]))))
    k++;
  return k - i;
}

static int word_is(const uint32_t *cp, size_t i, size_t n, const char *w) {
  return cp[i] == (unsigned char)w[0] && strlen(w) == n && fmt_at(cp, i, i + n, w);
}
static int word_in(const uint32_t *cp, size_t i, size_t n, const char *const *ws) {
  for (; *ws; ws++)
    if (word_is(cp, i, n, *ws)) return 1;
  return 0;
}
static int word_in_ci(const uint32_t *cp, size_t i, size_t n, const char *const *ws) {
  for (; *ws; ws++)
    if (fmt_lower(cp[i]) == (unsigned char)(*ws)[0] && strlen(*ws) == n &&
        fmt_at_ci(cp, i, i + n, *ws))
      return 1;
  return 0;
}

/* Keywords that start a statement in some language, followed by a space
 * and an ASCII word or bracket: "import os", "def f(", "let x". */
static const char *const kw_strong[] = {
    "import", "package", "namespace", "def", "func", "fn", "let", "const", "var", "val",
    "elif", "typedef", "struct", "impl", "pub", "lambda", "function", "export", "require",
    "local", "my", "our", "return", "class", "interface", "enum", "trait", "module", "use",
    "using", "unless", "declare", "static", "public", "private", "protected", "final",
    "async", "await", "yield", "defer", "extern", "unsigned", "int", "void", "char",
    "bool", "float", "double", "long", "auto", "template", "raise", "throw", "assert",
    "del", "global", "nonlocal", "readonly", "alias", "source", "foreach", NULL};
/* Keywords that need '(' after them: "if (", "while(". */
static const char *const kw_paren[] = {"if", "for", "while", "switch", "catch", "elseif",
                                       "sizeof", "with", "print", "printf", "puts", NULL};
/* Python-style block headers: "if x:", "else:", "try:". */
static const char *const kw_colon[] = {"if", "for", "while", "else", "elif", "try", "except",
                                       "finally", "with", "def", "class", "match", "case", NULL};
/* SQL statements, and the words that confirm one. */
static const char *const sql_start[] = {"select", "insert", "update", "delete", "create",
                                        "alter", "drop", "truncate", "grant", "revoke",
                                        "replace", "merge", "explain", "values", "commit",
                                        "rollback", NULL};
static const char *const sql_more[] = {"from", "into", "set", "where", "table", "values",
                                       "index", "view", "database", "schema", "join", "on",
                                       "by", "limit", "as", "exists", "primary", "default",
                                       "comment", "engine", "returning", "union", "order",
                                       "group", "not", "null", "key", "if", "trigger",
                                       "procedure", "function", "column", "constraint", NULL};
/* Commands that are not English words: any ASCII argument makes a
 * command line. */
static const char *const cmd_strong[] = {
    "sudo", "apt", "apt-get", "apt-cache", "dpkg", "yum", "dnf", "brew", "pacman", "npm",
    "npx", "yarn", "pnpm", "pip", "pip3", "git", "gcc", "g++", "clang", "cmake", "cargo",
    "rustc", "rustup", "javac", "mvn", "gradle", "docker", "kubectl", "curl", "wget", "ssh",
    "scp", "rsync", "tar", "unzip", "chmod", "chown", "mkdir", "rmdir", "rm", "cp", "mv", "ln",
    "ls", "cd", "pwd", "grep", "egrep", "sed", "awk", "xargs", "systemctl", "journalctl",
    "python", "python3", "node", "zhfix", "opencc", "iconv", "ps", "ping", "ifconfig",
    "vim", "vi", "nano", "emacs", "chsh", "useradd", "usermod", "passwd", "crontab", "ssh-keygen",
    "openssl", "gpg", "go", "perl", "ruby", "php", "mysql", "psql", "sqlite3", "redis-cli",
    "bash", "sh", "zsh", "nohup", "env", "export", "echo", "printf", "mount", "umount",
    "tail", "head", "wc", "cat", "uname", "whoami", "make", "nvm", "conda", "pipx",
    "composer", "gem", "bundle", "rake", "dotnet", "java", "deno", "bun", NULL};

/* ---- shapes ------------------------------------------------------------------ */

static int assign_op(const uint32_t *cp, size_t j, size_t e) {
  uint32_t c = cp[j], d = j + 1 < e ? cp[j + 1] : 0, g = j + 2 < e ? cp[j + 2] : 0;
  if (c == '=') return d != '=';
  if (d == '=' && strchr(":+-*/%.|&^", (int)c)) return 1;
  if (g == '=' && ((c == '|' && d == '|') || (c == '&' && d == '&') || (c == '?' && d == '?') ||
                   (c == '<' && d == '<') || (c == '>' && d == '>') || (c == '/' && d == '/') ||
                   (c == '*' && d == '*')))
    return 1;
  return c == '<' && d == '-' && (g == ' ' || g == 0); /* R: x <- 1 */
}

static int tok_char(uint32_t c) {
  return c < 0x80 && (fmt_is_ident(c) || strchr("$@.[]'\"*&<>-#%", (int)c)) && c != 0;
}

/* "x = ...", "let opts = ...", "const char *name = ...", "a.b[\"k\"] += 1":
 * up to four ASCII tokens, one space apart, then an assignment. */
static int assignment(const uint32_t *cp, size_t a, size_t b) {
  if (!(fmt_is_alpha(cp[a]) || cp[a] == '_' || cp[a] == '$' || cp[a] == '@')) return 0;
  size_t i = a;
  for (int toks = 1; toks <= 4; toks++) {
    size_t t0 = i;
    while (i < b && tok_char(cp[i])) i++;
    if (i == t0) return 0;
    size_t j = i;
    while (j < b && cp[j] == ' ') j++;
    if (j < b && assign_op(cp, j, b)) return 1;
    if (j == i || j - i > 1) return 0;
    i = j;
  }
  return 0;
}

/* "print("你好")", "console.log('x');", "foo(a, b) {": a call or a
 * definition filling the line. */
static int call_line(const uint32_t *cp, size_t a, size_t b) {
  size_t i = a;
  if (!(fmt_is_alpha(cp[i]) || cp[i] == '_' || cp[i] == '$')) return 0;
  while (i < b && (fmt_is_ident(cp[i]) || cp[i] == '$' || cp[i] == '.' ||
                   (cp[i] == ':' && i + 1 < b && cp[i + 1] == ':') ||
                   (cp[i] == ':' && i > a && cp[i - 1] == ':')))
    i++;
  if (i >= b || cp[i] != '(') return 0;
  size_t z = b;
  while (z > i && (cp[z - 1] == ';' || cp[z - 1] == ',' || cp[z - 1] == '{' ||
                   cp[z - 1] == ':' || cp[z - 1] == ' '))
    z--;
  return z > i && cp[z - 1] == ')';
}

/* Quoted list items and key/value pairs: "a", "b" / 'x','y' / "k": "v". */
static int quoted_pairs(const uint32_t *cp, size_t a, size_t b) {
  for (size_t i = a; i + 2 < b; i++) {
    uint32_t q = cp[i];
    if (q != '"' && q != '\'') continue;
    size_t j = i + 1;
    if (cp[j] == ',' || cp[j] == ':') {
      size_t k = j + 1;
      if (k < b && cp[k] == ' ') k++;
      if (k < b && cp[k] == q) return 1;
    }
  }
  return 0;
}

/* A JSON or object literal, an array of strings or numbers. */
static int literal_start(const uint32_t *cp, size_t a, size_t b) {
  uint32_t c = cp[a];
  size_t j = a + 1;
  while (j < b && cp[j] == ' ') j++;
  uint32_t d = j < b ? cp[j] : 0;
  if (c == '{') {
    if (d == 0 || d == '"' || d == '\'' || d == '}' || d == '{' || d == '[') return 1;
    size_t w = word_len(cp, j, b, 0);
    return w && j + w < b && cp[j + w] == ':';
  }
  if (c == '[') {
    if (d == '"' || d == '\'' || d == '{' || d == ']' || (d == '[' && j + 1 < b && cp[j + 1] < 0x80))
      return 1;
    if (fmt_is_digit(d) || d == '-') {
      size_t k = j + 1;
      while (k < b && (fmt_is_digit(cp[k]) || cp[k] == '.')) k++;
      return k < b && cp[k] == ',';
    }
    return 0;
  }
  if (c == '"' || c == '\'') {
    /* "key": value */
    size_t k = a + 1;
    while (k < b && cp[k] != c) {
      if (cp[k] == '\\') k++;
      k++;
    }
    if (k >= b) return 0;
    k++;
    while (k < b && cp[k] == ' ') k++;
    return k < b && cp[k] == ':';
  }
  return 0;
}

/* "name: 注音", "tags: [...]", "Content-Type: text/html", "- key: v":
 * YAML, HTTP headers, properties.  A capitalised single word with a prose
 * value ("Note: 请注意") is a label in a sentence, not data. */
static int key_value(const uint32_t *cp, size_t a, size_t b) {
  size_t i = a;
  if (cp[i] == '-' && i + 1 < b && cp[i + 1] == ' ') {
    i += 2;
    while (i < b && cp[i] == ' ') i++;
  }
  size_t w = word_len(cp, i, b, 1);
  if (!w) return 0;
  size_t k = i + w;
  while (k < b && (cp[k] == '.' || cp[k] == '/') && k + 1 < b && fmt_is_ident(cp[k + 1])) {
    k++;
    k += word_len(cp, k, b, 1) ? word_len(cp, k, b, 1) : 1;
  }
  if (k >= b || cp[k] != ':') return 0;
  if (k + 1 < b && cp[k + 1] != ' ' && cp[k + 1] != '\t') return 0;
  size_t v = k + 1;
  while (v < b && fmt_is_space(cp[v])) v++;
  if (v >= b) return 1; /* "key:" opens a mapping */
  int plain_key = 1;
  for (size_t q = i; q < k; q++)
    if (cp[q] == '_' || cp[q] == '-' || cp[q] == '.' || cp[q] == '/' || fmt_is_digit(cp[q]))
      plain_key = 0;
  if (!plain_key || (cp[i] >= 'a' && cp[i] <= 'z')) return 1;
  uint32_t d = cp[v];
  return d == '"' || d == '\'' || d == '[' || d == '{' || d == '|' || d == '>' || d == '&' ||
         d == '*' || d == '!' || d == '~' || fmt_is_digit(d) ||
         word_in(cp, v, word_len(cp, v, b, 0),
                 (const char *const[]){"true", "false", "null", "yes", "no", NULL});
}

/* A shell command: "echo "安装完成: $PREFIX/bin"", "sudo apt install x",
 * "$ make", a word followed by arguments with $VAR, a pipe or a
 * redirection. */
static int shell_line(const uint32_t *cp, size_t a, size_t b) {
  if ((cp[a] == '$' || cp[a] == '#') && a + 2 < b && cp[a + 1] == ' ' && cp[a + 2] < 0x80 &&
      (fmt_is_alpha(cp[a + 2]) || cp[a + 2] == '.' || cp[a + 2] == '/'))
    return cp[a] == '$' || (cp[a + 2] >= 'a' && cp[a + 2] <= 'z' && word_len(cp, a + 2, b, 1) &&
                            a + 2 + word_len(cp, a + 2, b, 1) < b &&
                            cp[a + 2 + word_len(cp, a + 2, b, 1)] == ' ');
  size_t i = a;
  if (cp[i] == '.' || cp[i] == '/' || cp[i] == '~') {
    while (i < b && cp[i] < 0x80 && cp[i] != ' ') i++; /* ./configure, /usr/bin/x */
  } else {
    size_t w = word_len(cp, i, b, 1);
    if (!w || !(cp[i] >= 'a' && cp[i] <= 'z')) return 0;
    i += w;
  }
  if (i >= b || cp[i] != ' ') return 0;
  size_t j = i;
  while (j < b && cp[j] == ' ') j++;
  if (j >= b || cp[j] >= 0x80) return 0;
  int strong = cp[a] == '.' || cp[a] == '/' || cp[a] == '~' || word_in(cp, a, i - a, cmd_strong);
  uint32_t d = cp[j];
  int argish = d == '-' || d == '"' || d == '\'' || d == '$' || d == '/' || d == '.' || d == '~';
  if (strong && (argish || fmt_is_ident(d))) return 1;
  /* Any lower-case word followed by $VAR, ${...}, $(...), a pipe, a
   * redirection or && is a command. */
  for (size_t k = j; k + 1 < b; k++) {
    uint32_t c = cp[k], n = cp[k + 1];
    if (c == '$' && (fmt_is_alpha(n) || n == '_' || n == '{' || n == '(')) return 1;
    if (c == ' ' && (n == '|' || n == '>' || n == '<') && k + 2 < b &&
        (cp[k + 2] == ' ' || cp[k + 2] == n || cp[k + 2] == '&'))
      return 1;
    if (c == '&' && n == '&') return 1;
    if (c == '2' && n == '>' && cp[k - 1] == ' ') return 1;
  }
  return 0;
}

/* Whether Chinese appears in cp[a..b) outside quotes, before anything
 * that starts a trailing comment (// or slash-star, " # ", " -- "): code keeps its
 * Chinese in string literals and comments, a sentence does not. */
static int han_outside_quotes(const uint32_t *cp, size_t a, size_t b) {
  /* The ASCII characters the loop below acts on outside quotes; the
   * others (letters, digits, spaces, other marks) are passed over in a
   * tight run: the Latin that opens a line before its Chinese. */
  static const uint8_t acts[128] = {['"'] = 1, ['\''] = 1, ['`'] = 1, ['/'] = 1, ['#'] = 1, ['-'] = 1};
  uint32_t q = 0;
  for (size_t i = a; i < b; i++) {
    uint32_t c = cp[i];
    if (q) {
      if (c == '\\') i++;
      else if (c == q) q = 0;
      continue;
    }
    while (c < 0x80 && !acts[c]) {
      if (++i >= b) return 0;
      c = cp[i];
    }
    if (c == '"' || c == '\'' || c == '`') {
      /* an apostrophe inside a word is not a quote */
      if (c == '\'' && i > a && fmt_is_alpha(cp[i - 1]) && i + 1 < b && fmt_is_alpha(cp[i + 1]))
        continue;
      q = c;
    } else if (c == '/' && i + 1 < b && (cp[i + 1] == '/' || cp[i + 1] == '*') &&
               (i == a || cp[i - 1] == ' ' || cp[i - 1] == ';' || cp[i + 1] == '*')) {
      return 0;
    } else if ((c == '#' || (c == '-' && i + 1 < b && cp[i + 1] == '-')) && i > a &&
               cp[i - 1] == ' ' && i + 1 + (c == '-') < b && cp[i + 1 + (c == '-')] == ' ') {
      return 0;
    } else if (c >= 0x80 && fmt_is_cjk(c)) {
      return 1;
    }
  }
  return 0;
}

/* The value of a key: value or key = value line, from v: one token,
 * without spaces or Chinese sentence punctuation ("注音", "张三,李四"), as
 * data values are; a sentence after a label is prose. */
static int token_value(const uint32_t *cp, size_t v, size_t b) {
  while (v < b && fmt_is_space(cp[v])) v++;
  /* a sentence after a label ends like one: "RFC768: 用户数据报协议." */
  uint32_t z = b > v ? cp[b - 1] : 0;
  if (z == '.' || z == '!' || z == '?' || z == ';' || z == 0x3002 || z == 0xFF01 ||
      z == 0xFF1F || z == 0xFF1B || z == 0x2026)
    return 0;
  for (size_t i = v; i < b; i++) {
    uint32_t c = cp[i];
    if (fmt_is_space(c) || c == 0x3000 || c == 0x3001 || c == 0x3002 || c == 0xFF0C ||
        c == 0xFF1B || c == 0xFF1A || c == 0xFF01 || c == 0xFF1F)
      return 0;
  }
  return 1;
}

/* Where the value of a key: / key = line starts, or 0 when it is none. */
static size_t value_start(const uint32_t *cp, size_t a, size_t b) {
  size_t i = a;
  if (cp[i] == '-' && i + 1 < b && cp[i + 1] == ' ') i += 2;
  while (i < b && (fmt_is_ident(cp[i]) || cp[i] == '-' || cp[i] == '.' || cp[i] == '_')) i++;
  size_t k = i;
  while (k < b && cp[k] == ' ') k++;
  if (k < b && (cp[k] == ':' || cp[k] == '=') && k > a) return k + 1;
  return 0;
}

/* KEY: 'value',  KEY: "value",  KEY: ['a', 'b'],  with a key of one
 * token (ASCII, Chinese or quoted) and the trailing comma of a member. */
static int member_row(const uint32_t *cp, size_t a, size_t b) {
  if (b - a < 5 || cp[b - 1] != ',') return 0;
  uint32_t v = cp[b - 2];
  if (v != '\'' && v != '"' && v != ']') return 0;
  size_t i = a;
  if (cp[i] == '"' || cp[i] == '\'') {
    uint32_t q = cp[i++];
    while (i < b && cp[i] != q) i++;
    if (i >= b) return 0;
    i++;
  } else {
    while (i < b && i - a < 24 && !fmt_is_space(cp[i]) && cp[i] != ':' && cp[i] != 0x3000 &&
           cp[i] != 0xFF1A && cp[i] != ',' && cp[i] != 0xFF0C)
      i++;
  }
  if (i == a || i >= b || cp[i] != ':') return 0;
  i++;
  while (i < b && fmt_is_space(cp[i])) i++;
  return i < b && (cp[i] == '\'' || cp[i] == '"' || cp[i] == '[');
}

/* At least 16 of { } ; = , one in sixteen of the ASCII characters: no
 * sentence is written like that. */
static int dense(const uint32_t *cp, size_t a, size_t b) {
  if (b - a < 80) return 0;
  /* (its first 1024 characters tell: minified code is dense everywhere) */
  if (b - a > 1024) b = a + 1024;
  /* (the tests as sums of comparisons, no branch: the loops vectorise) */
  size_t marks = 0, ascii = 0, open = 0, close = 0;
  for (size_t i = a; i < a + 64; i++) {
    uint32_t c = cp[i];
    marks += (size_t)((c == '{') | (c == '}') | (c == ';') | (c == '=') |
                      ((c == ',') & (cp[i + 1] != ' '))); /* (selector lists) */
  }
  if (marks < 3) return 0; /* (prose: no need to look further) */
  marks = 0;
  for (size_t i = a; i < b; i++) {
    uint32_t c = cp[i];
    ascii += c < 0x80;
    marks += (size_t)((c == '{') | (c == '}') | (c == ';') | (c == '='));
    open += c == '{';
    close += c == '}';
  }
  /* (or a long line that is ASCII but for a word or two, with blocks:
   * minified style sheets) */
  return (marks >= 16 && marks * 16 >= ascii) ||
         (b - a >= 200 && ascii * 20 >= (b - a) * 19 && open >= 3 && close >= 3);
}

/* A rule or object on one line: "sel{prop:value;...}", "x = {a: 1}":
 * an ASCII start, a '{' before any Chinese, a ':' inside, '}' at the end. */
static int block_line(const uint32_t *cp, size_t a, size_t b) {
  if (cp[b - 1] != '}' && !(b - a > 1 && cp[b - 2] == '}' && cp[b - 1] == ';')) return 0;
  size_t i = a;
  while (i < b && cp[i] < 0x80 && cp[i] != '{') i++;
  if (i >= b || cp[i] != '{' || i == a) return 0;
  for (size_t k = i + 1; k < b; k++)
    if (cp[k] == ':') return 1;
  return 0;
}

int zf_fmt_codeish(const uint32_t *cp, size_t s, size_t e) {
  size_t a = s, b = e;
  while (a < b && fmt_is_space(cp[a])) a++;
  while (b > a && fmt_is_space(cp[b - 1])) b--;
  if (a == b) return 0;
  uint32_t c0 = cp[a];
  /* An object or dictionary member with a quoted value, whatever its key
   * is written in: 这个: 'zhè ge', / "键": "值", */
  if (member_row(cp, a, b)) return 1;
  /* Prose in Chinese, or in any language written outside ASCII. */
  if (c0 >= 0x80) return 0;
  /* Dense code (minified scripts, one-line programs): braces, brackets,
   * semicolons and '=' everywhere, whatever Chinese its strings hold. */
  if (dense(cp, a, b) || block_line(cp, a, b)) return 1;
  if (han_outside_quotes(cp, a, b)) {
    /* Only data keeps unquoted Chinese: name: 注音, title = 中文. */
    size_t v = value_start(cp, a, b);
    return v && token_value(cp, v, b) && (key_value(cp, a, b) || assignment(cp, a, b));
  }
  uint32_t z = cp[b - 1];
  /* A statement or a block opener: "...id=3;", "} else {", "};". */
  if (z == ';' || z == '{') {
    size_t k = b - 1;
    while (k > a && fmt_is_space(cp[k - 1])) k--;
    if (k == a || cp[k - 1] < 0x80) return 1;
  }
  /* A data row: ends in a comma after a value, not after words. */
  if (z == ',' && b - a > 1) {
    uint32_t y = cp[b - 2];
    if (y == '"' || y == '\'' || y == '`' || y == ']' || y == '}' || y == ')' || fmt_is_digit(y) ||
        (b - a > 5 && (fmt_at(cp, b - 5, b, "true,") || fmt_at(cp, b - 5, b, "null,"))))
      return 1;
  }
  if (c0 == '{' || c0 == '[' || c0 == '"' || c0 == '\'') {
    if (literal_start(cp, a, b)) return 1;
  }
  if (quoted_pairs(cp, a, b)) return 1;
  if (c0 == '#') {
    static const char *const pre[] = {"include", "define", "if", "ifdef", "ifndef", "endif",
                                      "else", "elif", "pragma", "import", "undef", "error",
                                      "region", "endregion", NULL};
    size_t w = word_len(cp, a + 1, b, 0);
    if (w && word_in(cp, a + 1, w, pre)) return 1;
    if (a + 1 < b && cp[a + 1] == '!') return 1; /* shebang */
  }
  if (c0 == '@' && a + 1 < b) { /* decorators, annotations: @Override, @app.route("/") */
    size_t k = a + 1;
    while (k < b && (fmt_is_ident(cp[k]) || cp[k] == '.')) k++;
    if (k > a + 1 && (k == b || cp[k] == '(')) return 1;
  }
  if (c0 == '<' && a + 1 < b && (cp[a + 1] == '?' || cp[a + 1] == '%')) return 1;
  size_t w = word_len(cp, a, b, 0);
  if (w) {
    size_t after = a + w;
    uint32_t n1 = after < b ? cp[after] : 0, n2 = after + 1 < b ? cp[after + 1] : 0;
    if (n1 == ' ' && n2 < 0x80 && n2 != ' ' && word_in(cp, a, w, kw_strong) &&
        (fmt_is_ident(n2) || strchr("({[*&\"'<$@:_", (int)n2)))
      return 1;
    if (word_in(cp, a, w, kw_paren)) {
      size_t k = after;
      while (k < b && cp[k] == ' ') k++;
      if (k < b && cp[k] == '(') return 1;
    }
    if (z == ':' && word_in(cp, a, w, kw_colon) && (n1 == ':' || n1 == ' ') && b - 1 > a &&
        cp[b - 2] < 0x80)
      return 1;
    if (word_in_ci(cp, a, w, sql_start) && n1 == ' ') {
      /* a second SQL word confirms it */
      for (size_t k = after; k < b;) {
        while (k < b && !fmt_is_alpha(cp[k])) k++;
        size_t v = word_len(cp, k, b, 0);
        if (!v) break;
        if ((k == 0 || cp[k - 1] == ' ' || cp[k - 1] == '(') && word_in_ci(cp, k, v, sql_more) &&
            (k + v == b || cp[k + v] == ' ' || cp[k + v] == '('))
          return 1;
        k += v;
      }
    }
    if (word_is(cp, a, w, "from") && n1 == ' ') {
      for (size_t k = after; k + 8 <= b; k++)
        if (fmt_at(cp, k, b, " import ")) return 1;
    }
  }
  if (assignment(cp, a, b)) return 1;
  if (call_line(cp, a, b)) return 1;
  if (key_value(cp, a, b)) return 1;
  if (shell_line(cp, a, b)) return 1;
  return 0;
}

/* ---- prose lines ------------------------------------------------------------- */

/* A ``` or ~~~ fence line (up to three spaces, looking through what the
 * punctuation stage may strip so the decision is the same on its output:
 * controls, invisible characters, ideographic spaces); *ch and *len get
 * the fence. */
static int fence(const uint32_t *cp, size_t s, size_t e, uint32_t *ch, int *len) {
  /* The common first characters, printable ASCII but the space, '`'
   * and '~', and CJK Unified Ideographs, are neither looked through nor
   * a fence: answered at once (every line of plain text asks). */
  if (s < e && ((cp[s] - 0x21u < 0x7Eu - 0x21u && cp[s] != '`') || cp[s] - 0x4E00u <= 0x9FFFu - 0x4E00u))
    return 0;
  size_t i = s, sp = 0;
  while (i < e) {
    uint32_t c = cp[i];
    if (c == 0x1B && i + 1 < e && cp[i + 1] == '[') {
      size_t j = i + 2;
      while (j < e && j < i + 34 && cp[j] >= 0x20 && cp[j] <= 0x3F) j++;
      i = j < e && cp[j] >= 0x40 && cp[j] <= 0x7E ? j + 1 : i + 1;
    } else if ((c < 0x20 && c != '\t') || (c >= 0x7F && c <= 0x9F) || c == 0x3000 ||
               (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF || c == 0x180E) {
      i++;
    } else if (c == ' ' && sp < 3) {
      i++;
      sp++;
    } else {
      break;
    }
  }
  if (i + 3 > e) return 0;
  uint32_t c = cp[i];
  if ((c != '`' && c != '~') || cp[i + 1] != c || cp[i + 2] != c) return 0;
  size_t k = i;
  while (k < e && cp[k] == c) k++;
  *ch = c;
  *len = (int)(k - i);
  return 1;
}

/* A fence line opens a fenced block, or closes the open one when it is
 * made of the same character and at least as long; it is code itself. */
static void fence_seen(zf_fmt *f, uint32_t ch, int len) {
  if (!f->pl_fence) {
    f->pl_fence = ch;
    f->pl_fence_len = len;
  } else if (ch == f->pl_fence && len >= f->pl_fence_len) {
    f->pl_fence = 0;
  }
  f->pl_code = 1;
}

void fmt_prose_line(zf_fmt *f, const uint32_t *cp, size_t s, size_t e, int cont) {
  if (!cont) {
    uint32_t ch;
    int len;
    if (fence(cp, s, e, &ch, &len)) {
      fence_seen(f, ch, len);
      return;
    }
    /* A whole line without Chinese is left alone by the punctuation
     * stage whatever it is, so it need not be judged. */
    int cjk = !f->eol;
    size_t i = s;
    /* (blocks of 16 with a fixed count, which the compiler vectorises) */
    for (; !cjk && i + 16 <= e; i += 16) {
      unsigned t = 0;
      for (size_t k = 0; k < 16; k++) t |= (unsigned)(cp[i + k] >= 0x2E80);
      cjk = (int)t;
    }
    for (; i < e && !cjk; i++) cjk = cp[i] >= 0x2E80;
    f->pl_code = f->pl_fence || (cjk && zf_fmt_codeish(cp, s, e));
  }
  if (f->pl_code) return;
  /* Indentation and trailing spaces are layout, not prose: they stay
   * (no-break and typographic spaces too). */
  while (s < e && fmt_is_layout_space(cp[s])) s++;
  while (e > s && fmt_is_layout_space(cp[e - 1])) e--;
  fmt_mark(f, s, e);
}

/* Pipes and the spaces on either side of them are the table's; a
 * delimiter row (|---|:--:|) is all structure. */
int fmt_table_row(zf_fmt *f, const uint32_t *cp, size_t s, size_t e) {
  size_t pipes = 0, other = 0;
  for (size_t i = s; i < e; i++) {
    uint32_t c = cp[i];
    if (c == '|' && !(i > s && cp[i - 1] == '\\')) pipes++;
    else if (c != '-' && c != ':' && !fmt_is_space(c)) other++;
  }
  if (!pipes) return 0;
  if (!other) {
    fmt_unmark(f, s, e);
    return 1;
  }
  for (size_t i = s; i < e; i++) {
    if (cp[i] != '|' || (i > s && cp[i - 1] == '\\')) continue;
    size_t a = i, b = i + 1;
    while (a > s && (fmt_is_space(cp[a - 1]) || cp[a - 1] == 0x3000)) a--;
    while (b < e && (fmt_is_space(cp[b]) || cp[b] == 0x3000)) b++;
    fmt_unmark(f, a, b);
  }
  return 1;
}

void fmt_skip_text(zf_fmt *f, const uint32_t *cp, size_t end) {
  uint32_t ch;
  int len;
  if (end && fence(cp, 0, end, &ch, &len)) fence_seen(f, ch, len);
}

int fmt_text_all_prose(const zf_fmt *f, const uint32_t *cp, size_t end) {
  uint32_t c0 = cp[0], z = cp[end - 1];
  return c0 >= 0x2E80 && c0 != 0x3000 && c0 != 0xFEFF && z != ' ' && z != '\t' && z != 0x3000 &&
         !f->pl_fence && (f->bol || !f->pl_code);
}

void fmt_scan_text(zf_fmt *f, const uint32_t *cp, size_t end) {
  if (!end) return;
  /* The common line: it starts with Chinese (so it is no fence and no
   * code) and ends in no space: all prose, decided without touching the
   * mask. */
  if (fmt_text_all_prose(f, cp, end)) {
    f->pl_code = 0;
    f->marked = end;
    return;
  }
  memset(f->mask, 0, end);
  fmt_prose_line(f, cp, 0, end, !f->bol);
  if (f->marked && f->bol) {
    size_t a = 0;
    while (a < end && fmt_is_space(cp[a])) a++;
    if (a < end && cp[a] == '|') fmt_table_row(f, cp, a, end);
  }
}
