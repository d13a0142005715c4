/* Small helpers shared by the CLI files. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int sb_add(strbuf *b, const void *s, size_t n) {
  if (n == 0)
    return 0;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) {
      if (cap > SIZE_MAX / 2)
        return -1;
      cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p)
      return -1;
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
  return 0;
}

int sb_addf(strbuf *b, const char *fmt, ...) {
  char small[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0)
    return -1;
  if ((size_t)n < sizeof small)
    return sb_add(b, small, (size_t)n);
  char *big = malloc((size_t)n + 1);
  if (!big)
    return -1;
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  int r = sb_add(b, big, (size_t)n);
  free(big);
  return r;
}

void sb_free(strbuf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

int cli_write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n > 0) {
    ssize_t w = write(fd, c, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    c += w;
    n -= (size_t)w;
  }
  return 0;
}

const char *cli_display(const char *path) {
  return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

void cli_job_msg(cli_job *job, const char *fmt, ...) {
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  sb_addf(&job->msg, "zhfix: %s\n", buf);
}

const char *cli_enc_name(const zhfix *h) {
  const char *n = zhfix_encoding_name((int)zhfix_get_stat(h, ZHFIX_STAT_ENCODING));
  return n ? n : "?";
}

size_t cli_utf8_len(const unsigned char *p, size_t n) {
  unsigned c = p[0];
  size_t len;
  unsigned min;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    len = 2, min = 0x80;
  else if (c >= 0xE0 && c <= 0xEF)
    len = 3, min = 0x800;
  else if (c >= 0xF0 && c <= 0xF4)
    len = 4, min = 0x10000;
  else
    return 0;
  if (n < len)
    return 0;
  unsigned cp = c & (0x7Fu >> len);
  for (size_t k = 1; k < len; k++) {
    if ((p[k] & 0xC0) != 0x80)
      return 0;
    cp = cp << 6 | (p[k] & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}
