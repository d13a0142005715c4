/* The output side of one document: writes the text, compares it with the
 * input as both go by, and keeps both sides whole for --diff. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void sink_init(cli_sink *s, int fd, uint64_t fail_after, int keep) {
  memset(s, 0, sizeof *s);
  s->fd = fd;
  s->fail_after = fail_after;
  s->keep = keep;
}

static void pend_drop(cli_sink *s) {
  sb_free(&s->pend);
  s->pend_pos = 0;
}

/* Feeds one side into the comparison.  side 0 = input, 1 = output.  The
 * pending buffer holds only the bytes one side is ahead of the other, which
 * the library bounds (one line plus the detection window), so comparing
 * costs no memory proportional to the input. */
static int compare_feed(cli_sink *s, int side, const unsigned char *p,
                        size_t n) {
  if (s->differs || n == 0)
    return 0;
  size_t avail = s->pend.len - s->pend_pos;
  if (avail > 0 && s->ahead != side) {
    size_t m = avail < n ? avail : n;
    if (memcmp(s->pend.p + s->pend_pos, p, m) != 0) {
      s->differs = 1;
      pend_drop(s);
      return 0;
    }
    s->pend_pos += m;
    p += m;
    n -= m;
    if (s->pend_pos == s->pend.len)
      s->pend.len = s->pend_pos = 0;
    if (n == 0)
      return 0;
  }
  /* This side is now ahead (or level). */
  if (s->pend_pos > 65536 && s->pend_pos * 2 > s->pend.len) {
    memmove(s->pend.p, s->pend.p + s->pend_pos, s->pend.len - s->pend_pos);
    s->pend.len -= s->pend_pos;
    s->pend_pos = 0;
  }
  s->ahead = side;
  return sb_add(&s->pend, p, n);
}

int sink_input(cli_sink *s, const void *p, size_t n) {
  if (compare_feed(s, 0, p, n) < 0)
    return -1;
  if (s->keep && sb_add(&s->in_all, p, n) < 0)
    return -1;
  return 0;
}

int sink_output(cli_sink *s, const void *p, size_t n) {
  if (compare_feed(s, 1, p, n) < 0)
    return -1;
  if (s->keep && sb_add(&s->out_all, p, n) < 0)
    return -1;
  if (s->fd < 0 || n == 0)
    return 0;
  if (s->err)
    return -1;
  size_t allow = n;
  int inject = 0;
  /* Test hook: pretend the device filled up after fail_after bytes. */
  if (s->fail_after != UINT64_MAX && s->written + n > s->fail_after) {
    allow = (size_t)(s->fail_after - s->written);
    inject = 1;
  }
  if (cli_write_all(s->fd, p, allow) < 0) {
    s->err = errno;
    return -1;
  }
  s->written += allow;
  if (inject) {
    s->err = ENOSPC;
    return -1;
  }
  return 0;
}

int sink_finish(cli_sink *s) {
  if (!s->differs && s->pend.len > s->pend_pos)
    s->differs = 1;
  pend_drop(s);
  return s->differs;
}

void sink_free(cli_sink *s) {
  pend_drop(s);
  sb_free(&s->in_all);
  sb_free(&s->out_all);
}
