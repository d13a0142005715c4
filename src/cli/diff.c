/* Unified line diff for --diff, without an external diff command.
 *
 * Lines are compared after trimming the common prefix and suffix.  The
 * middle is aligned with Myers' greedy O((N+M)D) algorithm while the edit
 * distance D stays within a budget; past it (a file whose every line
 * changed, typical of script conversion) lines are paired in order, which
 * is still a correct diff, only not a minimal one, and is what zhfix's
 * line-preserving edits produce anyway. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CONTEXT 3

typedef struct line {
  const char *p;
  size_t len;      /* with the terminator */
  uint64_t hash;
} line;

static uint64_t fnv(const char *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
  return h;
}

static line *split(const char *s, size_t n, size_t *count) {
  size_t cnt = 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] == '\n')
      cnt++;
  if (n > 0 && s[n - 1] != '\n')
    cnt++;
  line *v = malloc((cnt ? cnt : 1) * sizeof *v);
  if (!v)
    return NULL;
  size_t k = 0, start = 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] == '\n' || i == n - 1) {
      v[k].p = s + start;
      v[k].len = i + 1 - start;
      v[k].hash = fnv(v[k].p, v[k].len);
      k++;
      start = i + 1;
    }
  *count = cnt;
  return v;
}

static int same(const line *a, const line *b) {
  return a->hash == b->hash && a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* Edit script of a[0..n) -> b[0..m) into ops ('=', '-', '+'), returning
 * its length, or -1 when Myers exceeds maxd (nothing written). */
static long myers(const line *a, long n, const line *b, long m, long maxd, char *ops) {
  long max = n + m;
  if (maxd > max)
    maxd = max;
  long *v = malloc((size_t)(2 * maxd + 3) * sizeof *v);
  /* trace[d] keeps V[-d..d] after round d, for the walk back. */
  long **trace = calloc((size_t)maxd + 1, sizeof *trace);
  long off = maxd + 1, found = -1;
  if (!v || !trace)
    goto out;
  v[off + 1] = 0;
  for (long d = 0; d <= maxd && found < 0; d++) {
    for (long k = -d; k <= d; k += 2) {
      long x;
      if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
        x = v[off + k + 1];
      else
        x = v[off + k - 1] + 1;
      long y = x - k;
      while (x < n && y < m && same(&a[x], &b[y]))
        x++, y++;
      v[off + k] = x;
      if (x >= n && y >= m)
        found = d;
    }
    trace[d] = malloc((size_t)(2 * d + 1) * sizeof(long));
    if (!trace[d]) {
      found = -1;
      goto out;
    }
    memcpy(trace[d], &v[off - d], (size_t)(2 * d + 1) * sizeof(long));
  }
  if (found < 0)
    goto out;
  /* Walk back from (n, m), writing the script from its end. */
  long x = n, y = m, pos = 0;
  char *rev = ops; /* filled reversed, then flipped */
  for (long d = found; d > 0; d--) {
    const long *pv = trace[d - 1] + (d - 1); /* pv[k] for k in -(d-1)..d-1 */
    long k = x - y;
    int down = k == -d || (k != d && pv[k - 1] < pv[k + 1]);
    long pk = down ? k + 1 : k - 1;
    long px = pv[pk], py = px - pk;
    long mx = down ? px : px + 1; /* where the edit landed, before the snake */
    while (x > mx) {
      rev[pos++] = '=';
      x--, y--;
    }
    rev[pos++] = down ? '+' : '-';
    x = px, y = py;
  }
  while (x > 0 && y > 0) {
    rev[pos++] = '=';
    x--, y--;
  }
  for (long i = 0, j = pos - 1; i < j; i++, j--) {
    char t = rev[i];
    rev[i] = rev[j];
    rev[j] = t;
  }
  found = pos;
out:
  if (trace)
    for (long d = 0; d <= maxd; d++)
      free(trace[d]);
  free(trace);
  free(v);
  return found;
}

typedef struct out {
  int fd;
  strbuf b;
  int err;
} out;

static void emit(out *o, const char *p, size_t n) {
  if (o->err)
    return;
  if (sb_add(&o->b, p, n) < 0) {
    o->err = ENOMEM;
    return;
  }
  if (o->b.len >= CLI_BUF_SIZE) {
    if (cli_write_all(o->fd, o->b.p, o->b.len) < 0)
      o->err = errno;
    o->b.len = 0;
  }
}

static void emits(out *o, const char *s) { emit(o, s, strlen(s)); }

static void emit_line(out *o, char tag, const line *l, int color) {
  const char *c = tag == '-' ? "\033[31m" : tag == '+' ? "\033[32m" : NULL;
  if (color && c)
    emits(o, c);
  emit(o, &tag, 1);
  int nl = l->len > 0 && l->p[l->len - 1] == '\n';
  emit(o, l->p, nl ? l->len - 1 : l->len);
  if (color && c)
    emits(o, "\033[m");
  emits(o, "\n");
  if (!nl)
    emits(o, "\\ No newline at end of file\n");
}

int cli_diff(int fd, const char *name, const char *a, size_t alen, const char *b,
             size_t blen, int color) {
  size_t na = 0, nb = 0;
  line *la = split(a ? a : "", alen, &na), *lb = split(b ? b : "", blen, &nb);
  char *ops = malloc(na + nb + 1);
  out o = {fd, {0}, 0};
  int ret = -1;
  if (!la || !lb || !ops) {
    errno = ENOMEM;
    goto done;
  }
  size_t pre = 0, suf = 0;
  while (pre < na && pre < nb && same(&la[pre], &lb[pre]))
    pre++;
  while (suf < na - pre && suf < nb - pre && same(&la[na - 1 - suf], &lb[nb - 1 - suf]))
    suf++;
  long n = (long)(na - pre - suf), m = (long)(nb - pre - suf);
  size_t nops = 0;
  memset(ops, '=', pre);
  nops = pre;
  /* About 5e7 comparisons at most, never under 64 edits. */
  long maxd = 50000000L / (n + m + 1);
  if (maxd < 64)
    maxd = 64;
  if (maxd > 1000)
    maxd = 1000;
  long k = myers(la + pre, n, lb + pre, m, maxd, ops + nops);
  if (k >= 0) {
    nops += (size_t)k;
  } else {
    long i = 0;
    for (; i < n && i < m; i++) {
      if (same(&la[pre + i], &lb[pre + i])) {
        ops[nops++] = '=';
      } else {
        ops[nops++] = '-';
        ops[nops++] = '+';
      }
    }
    for (long j = i; j < n; j++)
      ops[nops++] = '-';
    for (long j = i; j < m; j++)
      ops[nops++] = '+';
  }
  memset(ops + nops, '=', suf);
  nops += suf;

  if (color)
    emits(&o, "\033[1m");
  emits(&o, "--- ");
  emits(&o, name);
  emits(&o, "\n+++ ");
  emits(&o, name);
  emits(&o, color ? "\033[m\n" : "\n");

  /* Hunks: runs of changes closer than 2*CONTEXT lines are merged. */
  size_t i = 0, ai = 0, bi = 0;
  while (i < nops) {
    if (ops[i] == '=') {
      i++, ai++, bi++;
      continue;
    }
    size_t lead = 0;
    while (lead < CONTEXT && lead < i && ops[i - 1 - lead] == '=')
      lead++;
    size_t hs = i - lead, as = ai - lead, bs = bi - lead;
    size_t end = i; /* one past the last change of the hunk */
    for (size_t j = i; j < nops;) {
      if (ops[j] != '=') {
        end = ++j;
        continue;
      }
      size_t run = 0;
      while (j + run < nops && ops[j + run] == '=')
        run++;
      if (j + run >= nops || run > 2 * CONTEXT)
        break;
      j += run;
    }
    size_t trail = 0;
    while (trail < CONTEXT && end + trail < nops && ops[end + trail] == '=')
      trail++;
    size_t he = end + trail, ac = 0, bc = 0;
    for (size_t j = hs; j < he; j++) {
      if (ops[j] != '+')
        ac++;
      if (ops[j] != '-')
        bc++;
    }
    char hdr[128];
    snprintf(hdr, sizeof hdr, "%s@@ -%zu,%zu +%zu,%zu @@%s\n", color ? "\033[36m" : "",
             ac ? as + 1 : as, ac, bc ? bs + 1 : bs, bc, color ? "\033[m" : "");
    emits(&o, hdr);
    size_t x = as, y = bs;
    for (size_t j = hs; j < he; j++) {
      if (ops[j] == '=') {
        emit_line(&o, ' ', &la[x], color);
        x++, y++;
      } else if (ops[j] == '-') {
        emit_line(&o, '-', &la[x++], color);
      } else {
        emit_line(&o, '+', &lb[y++], color);
      }
    }
    i = he, ai = x, bi = y;
  }
  if (!o.err && o.b.len && cli_write_all(fd, o.b.p, o.b.len) < 0)
    o.err = errno;
  ret = o.err ? -1 : 0;
  if (o.err)
    errno = o.err;
done:
  sb_free(&o.b);
  free(la);
  free(lb);
  free(ops);
  return ret;
}
