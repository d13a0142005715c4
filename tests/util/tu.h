/* Shared helpers for the test programs (linked into each of them). */
#ifndef TU_H
#define TU_H

#include <stddef.h>
#include <stdint.h>

#include "zhfix.h"

/* Reads a whole file; NULL if it cannot be read.  Free with free(). */
char *tu_read_file(const char *path, size_t *len);
/* $ZHFIX_CORPUS/name (static buffer, valid until the next call). */
const char *tu_corpus(const char *name);
/* $ZHFIX_SRCDIR/rel (static buffer, valid until the next call). */
const char *tu_src(const char *rel);
/* A golden case's file NAME in DIR, or the one NAME.path points to. */
char *tu_case_file(const char *dir, const char *name, size_t *len);
/* 1 under sanitizers (ZHFIX_QUICK=1): shrink corpus loops. */
int tu_quick(void);
/* 1 when the corpora the stage tests measure on are all there (zh_CN,
 * zh_TW, fortunes, mixed, the pages), else 0 with a message: a missing
 * corpus is a failure, not a pass, as the measures would otherwise skip
 * their loops and assert nothing (issue 13). */
int tu_corpora_present(void);
/* 100 * a / b (0 when b is 0). */
double tu_pct(size_t a, size_t b);

/* Applies "--name=value --switch ..." options with zhfix_set_option_string
 * (a bare --name means on).  Returns 0 or the failing status. */
int tu_apply_args(zhfix *h, const char *args);

/* Runs in[0..len) through a fresh handle with args, one shot.  Returns a
 * malloc'ed NUL-terminated buffer (free()) or NULL on error (*status set
 * when status is not NULL). */
char *tu_run(const char *in, size_t len, const char *args, size_t *outlen, int *status);
/* Same through zhfix_stream, input fed in pseudo-random pieces of 1..16
 * bytes and output drained through buffers of 1..16 bytes (seeded). */
char *tu_run_chunked(const char *in, size_t len, const char *args, unsigned seed,
                     size_t *outlen, int *status);

/* Splits text into lines; each call returns the next line (without its
 * terminator) and its length, NULL at the end. */
typedef struct {
  const char *p, *end;
} tu_lines;
const char *tu_next_line(tu_lines *it, size_t *len);

/* A growable byte string, always NUL-terminated once something (even "")
 * was put; aborts when memory runs out (tests only).  Free p with free(). */
typedef struct {
  char *p;
  size_t n, cap;
} tu_buf;
void tu_buf_put(tu_buf *b, const void *s, size_t n);
/* Appends code point c as UTF-8. */
void tu_buf_cp(tu_buf *b, uint32_t c);

#endif
