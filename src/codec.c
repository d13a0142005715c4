/* The legacy codecs' tables, built once per process; see codec.h. */
#include "codec.h"

#include <stdlib.h>
#include <string.h>

#include "shared.h"

const uint16_t zf_cp1252_hi[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

int zf_cp1252_byte(uint32_t c) {
  if (c <= 0xFF) return (int)c;
  if (c < 0x152 || c > 0x2122 || (c > 0x2DC && c < 0x2013)) return -1; /* most text */
  for (int i = 0; i < 32; i++)
    if (zf_cp1252_hi[i] == c) return 0x80 + i;
  return -1;
}

typedef struct build_arg {
  int which;
  int err;
} build_arg;

static void *build(void *arg) {
  build_arg *a = arg;
  zf_dbcs *t = calloc(1, sizeof *t);
  a->err = t ? zf_dbcs_from_icu(a->which, t) : ZHFIX_E_NOMEM;
  if (a->err) {
    free(t);
    return NULL;
  }
  return t;
}

/* ---- the embedded tables (build/dbcs.bin, tools/gen_dbcs.c) --------------- */

ZF_BLOB_DECLARE(dbcs);

static uint32_t rd32(const unsigned char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

int zf_dbcs_blob_check(const unsigned char *b, size_t size) {
  if (!b || size < ZF_DBCS_BLOB_HDR || ((uintptr_t)b & 7u)) return -1;
  if (rd32(b) != ZF_DBCS_BLOB_MAGIC) return -2;
  if (rd32(b + 4) != ZF_DBCS_BLOB_VERSION) return -3;
  uint64_t total;
  memcpy(&total, b + 16, 8);
  if (total != size) return -4;
  if (rd32(b + 8) != ZF_DBCS__COUNT || rd32(b + 12) != sizeof(zf_dbcs) || rd32(b + 24) != ZF_DBCS_BLOB_ICU ||
      size != ZF_DBCS_BLOB_HDR + (size_t)ZF_DBCS__COUNT * sizeof(zf_dbcs))
    return -5;
  return 0;
}

const zf_dbcs *zf_dbcs_blob_table(const unsigned char *b, size_t size, int which) {
  if (which < 0 || which >= ZF_DBCS__COUNT || zf_dbcs_blob_check(b, size)) return NULL;
  return (const zf_dbcs *)(const void *)(b + ZF_DBCS_BLOB_HDR + (size_t)which * sizeof(zf_dbcs));
}

static zf_shared_slot slots[ZF_DBCS__COUNT];

const zf_dbcs *zf_dbcs_table(int which, int *err) {
  /* the tables the build generated: read-only, file-backed, no start-up
   * cost, and only the pages a document reads become resident */
  const zf_dbcs *e = zf_dbcs_blob_table(zf_blob_dbcs, (size_t)zf_blob_dbcs_size, which);
  if (e) {
    if (err) *err = 0;
    return e;
  }
  build_arg a = {which, 0};
  const zf_dbcs *t = zf_shared_get(&slots[which], build, &a, free);
  if (err) *err = t ? 0 : a.err;
  return t;
}
