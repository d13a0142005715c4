#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tu_blob.h"

static uint32_t get32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

void tu_blob_frame(tu_blob_check_fn check, unsigned char *b, const unsigned char *blob, size_t n,
                   const size_t *cuts, size_t ncuts, size_t pad) {
  assert_int_equal(check(NULL, n), -1);
  /* truncated anywhere: header, tables, the last byte */
  for (size_t i = 0; i < ncuts; i++) assert_true(check(b, cuts[i]) < 0);
  /* padded: the size must be the one the header says */
  memset(b + n, 0, pad);
  assert_int_equal(check(b, n + pad), -4);
  /* misaligned (the lookups read it in place) */
  memmove(b + 2, b, n);
  assert_int_equal(check(b + 2, n), -1);
  memcpy(b, blob, n);
  /* magic, version */
  b[0] ^= 1;
  assert_int_equal(check(b, n), -2);
  b[0] ^= 1;
  put32(b + 4, get32(b + 4) + 1);
  assert_int_equal(check(b, n), -3);
  put32(b + 4, get32(b + 4) - 1);
}

void tu_put32n(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }

uint32_t tu_get32n(const unsigned char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
