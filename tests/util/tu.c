#include "tu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *tu_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap + 1);
  size_t k;
  while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0) {
    n += k;
    if (n == cap) {
      char *nb = realloc(buf, cap * 2 + 1);
      if (!nb) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (!buf) return NULL;
  buf[n] = 0;
  if (len) *len = n;
  return buf;
}

static const char *env_path(const char *var, const char *dflt, const char *rel) {
  static char path[4096];
  const char *base = getenv(var);
  if (!base || !*base) base = dflt;
  snprintf(path, sizeof path, "%s/%s", base, rel);
  return path;
}

const char *tu_corpus(const char *name) { return env_path("ZHFIX_CORPUS", "build/corpus", name); }
const char *tu_src(const char *rel) { return env_path("ZHFIX_SRCDIR", ".", rel); }

int tu_quick(void) {
  const char *q = getenv("ZHFIX_QUICK");
  return q && *q && strcmp(q, "0") != 0;
}

int tu_apply_args(zhfix *h, const char *args) {
  if (!args) return 0;
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", args);
  for (char *tok = strtok(buf, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
    if (strncmp(tok, "--", 2) != 0) return ZHFIX_E_INVALID;
    tok += 2;
    char *eq = strchr(tok, '=');
    const char *val = "on";
    if (eq) {
      *eq = 0;
      val = eq + 1;
    }
    int rc = zhfix_set_option_string(h, tok, val);
    if (rc) return rc;
  }
  return 0;
}

char *tu_run(const char *in, size_t len, const char *args, size_t *outlen, int *status) {
  zhfix *h = zhfix_create();
  char *out = NULL;
  int rc = h ? tu_apply_args(h, args) : ZHFIX_E_NOMEM;
  if (!rc) rc = zhfix_process(h, in, len, &out, outlen);
  if (status) *status = rc;
  zhfix_free(h);
  return rc ? NULL : out;
}

static unsigned next_rand(unsigned *s) {
  *s = *s * 1103515245u + 12345u;
  return (*s >> 16) & 0x7FFF;
}

char *tu_run_chunked(const char *in, size_t len, const char *args, unsigned seed,
                     size_t *outlen, int *status) {
  zhfix *h = zhfix_create();
  int rc = h ? tu_apply_args(h, args) : ZHFIX_E_NOMEM;
  size_t cap = len * 2 + 64, n = 0;
  char *buf = malloc(cap);
  size_t pos = 0;
  unsigned s = seed;
  while (!rc) {
    size_t piece = 1 + next_rand(&s) % 16;
    if (piece > len - pos) piece = len - pos;
    int end = pos + piece == len;
    zhfix_in zin = {in + pos, piece, 0};
    size_t pending = 0;
    do {
      if (cap - n < 32) {
        cap *= 2;
        buf = realloc(buf, cap);
      }
      zhfix_out zout = {buf + n, 1 + next_rand(&s) % 16, 0};
      rc = zhfix_stream(h, &zout, &zin, end ? ZHFIX_END : ZHFIX_CONTINUE, &pending);
      n += zout.pos;
      if (rc) break;
      /* With CONTINUE the handle may hold input back; only the END call
       * must drain everything. */
    } while (zin.pos < zin.size || (end && pending));
    pos += piece;
    if (end) break;
  }
  zhfix_free(h);
  if (status) *status = rc;
  if (rc) {
    free(buf);
    return NULL;
  }
  buf = realloc(buf, n + 1);
  buf[n] = 0;
  if (outlen) *outlen = n;
  return buf;
}

const char *tu_next_line(tu_lines *it, size_t *len) {
  if (it->p >= it->end) return NULL;
  const char *s = it->p;
  const char *nl = memchr(s, '\n', (size_t)(it->end - s));
  const char *e = nl ? nl : it->end;
  *len = (size_t)(e - s);
  if (*len && s[*len - 1] == '\r') (*len)--;
  it->p = nl ? nl + 1 : it->end;
  return s;
}

void tu_buf_put(tu_buf *b, const void *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    b->cap = (b->n + n + 1) * 2;
    char *np = realloc(b->p, b->cap);
    if (!np) abort();
    b->p = np;
  }
  if (n) memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
}

void tu_buf_cp(tu_buf *b, uint32_t c) {
  unsigned char u[4];
  size_t k;
  if (c < 0x80) {
    u[0] = (unsigned char)c;
    k = 1;
  } else if (c < 0x800) {
    u[0] = (unsigned char)(0xC0 | c >> 6);
    u[1] = (unsigned char)(0x80 | (c & 0x3F));
    k = 2;
  } else if (c < 0x10000) {
    u[0] = (unsigned char)(0xE0 | c >> 12);
    u[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
    u[2] = (unsigned char)(0x80 | (c & 0x3F));
    k = 3;
  } else {
    u[0] = (unsigned char)(0xF0 | c >> 18);
    u[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
    u[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
    u[3] = (unsigned char)(0x80 | (c & 0x3F));
    k = 4;
  }
  tu_buf_put(b, u, k);
}

/* A golden case's file NAME in DIR (in, out, args), or the file named
 * by NAME.path relative to the source tree; NULL if neither exists. */
char *tu_case_file(const char *dir, const char *name, size_t *len) {
  char path[8192];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  char *s = tu_read_file(path, len);
  if (s) return s;
  snprintf(path, sizeof path, "%s/%s.path", dir, name);
  char *rel = tu_read_file(path, NULL);
  if (!rel) return NULL;
  rel[strcspn(rel, "\r\n")] = 0;
  s = tu_read_file(tu_src(rel), len);
  free(rel);
  return s;
}

int tu_corpora_present(void) {
  static const char *const need[] = {"zh_CN.txt", "zh_TW.txt", "fortunes.txt", "mixed.txt",
                                     "pages/zh_CN", "pages/zh_TW"};
  for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
    if (access(tu_corpus(need[i]), R_OK) != 0) {
      fprintf(stderr, "%s: corpus missing (make corpus, or set ZHFIX_CORPUS)\n", tu_corpus(need[i]));
      return 0;
    }
  return 1;
}

double tu_pct(size_t a, size_t b) { return b ? 100.0 * (double)a / (double)b : 0.0; }
