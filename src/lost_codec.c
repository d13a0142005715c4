/*
 * Decoder tables of the lost-byte lattice, read from data/lost.bin
 * (tools/gen_lost.py documents the layout).  The loader checks the magic,
 * the version and that every section lies inside the blob before reading
 * it; a damaged blob is refused, never read past.
 */
#include <stdlib.h>
#include <string.h>

#include "lost_int.h"
#include "lost_tab.h"
#include "shared.h"

ZF_BLOB_DECLARE(lost);

#define BLOB_MAGIC 0x424C465Au /* "ZFLB" little-endian */
#define BLOB_VERSION 1u
#define HDR_WORDS 8
#define REC_SIZE 64

static const char *const names[ZF_LC__COUNT] = {
    "utf8",       "py-gbk",      "whatwg-gbk", "icu-gbk",    "glibc-gbk", "py-big5",
    "py-cp950",   "whatwg-big5", "icu-big5",   "glibc-big5", "py-cp1252"};

const char *zf_lost_codec_name(int id) {
  return id >= 0 && id < ZF_LC__COUNT ? names[id] : "?";
}

int zf_lost_codec_by_name(const char *name) {
  for (int i = 0; i < ZF_LC__COUNT; i++)
    if (strcmp(names[i], name) == 0) return i;
  return -1;
}

static uint32_t rd32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* [off, off + len) inside a blob of `size` bytes. */
static int inside(size_t size, uint64_t off, uint64_t len) {
  return off <= size && len <= size - off;
}

/* Sorts v[0..n) by (cp, code) when v comes in ascending code order (as
 * build_inverse writes it): a stable radix sort on cp, low 11 bits then
 * high 10 (code points are below 2^21).  The order is the same as a
 * comparison sort by (cp, code) would give, at a tenth of its cost: these
 * tables are built the first time a line shows a marker.  tmp holds n. */
static void inv_sort(lc_inv *v, lc_inv *tmp, size_t n) {
  enum { LOW = 11, NB = 1 << LOW };
  size_t cnt[NB];
  lc_inv *src = v, *dst = tmp;
  for (int pass = 0; pass < 2; pass++) {
    unsigned sh = pass ? LOW : 0;
    memset(cnt, 0, sizeof cnt);
    for (size_t i = 0; i < n; i++) cnt[(src[i].cp >> sh) & (NB - 1)]++;
    size_t at = 0;
    for (size_t d = 0; d < NB; d++) {
      size_t c = cnt[d];
      cnt[d] = at;
      at += c;
    }
    for (size_t i = 0; i < n; i++) dst[cnt[(src[i].cp >> sh) & (NB - 1)]++] = src[i];
    lc_inv *t = src;
    src = dst;
    dst = t;
  }
  /* two passes: the sorted entries are back in v */
}

const lc_inv *lc_encodings(const lc_model *m, uint32_t cp, size_t *n) {
  size_t k = cp >> 6;
  /* in the BMP, two look-ups (issue 14: the binary search below was 2.2%
   * of the CPU samples of clean Traditional text, nearly all of them
   * cache misses in the 180 KB of inv) */
  if (k < LC_INV_BMP && m->inv_rel) {
    size_t lo = m->inv_at[k] + m->inv_rel[cp];
    size_t hi = (cp & 63) == 63 ? m->inv_at[k + 1] : m->inv_at[k] + m->inv_rel[cp + 1];
    *n = hi - lo;
    return m->inv + lo;
  }
  /* a binary search in cp's bucket of 64 code points (inv_at), or beyond
   * the BMP in the entries after it */
  size_t lo = k < LC_INV_BMP ? m->inv_at[k] : m->inv_at[LC_INV_BMP];
  size_t hi = k < LC_INV_BMP ? m->inv_at[k + 1] : m->ninv;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (m->inv[mid].cp < cp)
      lo = mid + 1;
    else
      hi = mid;
  }
  size_t e = lo;
  while (e < m->ninv && m->inv[e].cp == cp) e++;
  *n = e - lo;
  return m->inv + lo;
}

/* inv_rel (lost_int.h): in each bucket, the code points up to each
 * entry's take the number of entries before it, those after the last
 * entry the bucket's count.  A bucket of more than 255 entries (none in
 * the tables) leaves inv_rel NULL: lc_encodings then searches. */
static int build_rel(lc_model *m) {
  uint8_t *rel = malloc((size_t)LC_INV_BMP << 6);
  if (!rel) return -1;
  for (size_t b = 0; b < LC_INV_BMP; b++) {
    size_t base = m->inv_at[b], end = m->inv_at[b + 1];
    if (end - base > 0xFF) {
      free(rel);
      return 0;
    }
    uint32_t pos = (uint32_t)b << 6;
    for (size_t i = base; i < end; i++) {
      uint32_t c = m->inv[i].cp;
      while (pos <= c) rel[pos++] = (uint8_t)(i - base); /* (none for another entry of c) */
    }
    while (pos < ((uint32_t)b + 1) << 6) rel[pos++] = (uint8_t)(end - base);
  }
  m->inv_rel = rel;
  return 0;
}

/* Entries of one reader's inverse at most: its single bytes and pairs. */
#define INV_MAX (128 + (size_t)LC_NLEAD * LC_NTRAIL)

/* The inverse of a reader: every byte sequence of every character.  tmp
 * (INV_MAX entries) is the sort's scratch, one for every reader: a block
 * of its own per reader, freed in between, would leave the heap with
 * pages touched once and not used again (issue 14: peak RSS). */
static int build_inverse(lc_model *m, lc_inv *tmp) {
  size_t n = 0;
  for (int b = 0; b < 128; b++) n += m->single[b] != 0;
  if (m->pair)
    for (size_t i = 0; i < (size_t)LC_NLEAD * LC_NTRAIL; i++)
      n += m->pair[i] && m->pair[i] != LC_TWO_CPS;
  m->inv = malloc((n ? n : 1) * sizeof *m->inv);
  if (!m->inv) return -1;
  size_t k = 0;
  for (int b = 0; b < 128; b++)
    if (m->single[b]) m->inv[k++] = (lc_inv){m->single[b], (uint16_t)(0x80 + b), 0};
  if (m->pair)
    for (size_t i = 0; i < (size_t)LC_NLEAD * LC_NTRAIL; i++)
      if (m->pair[i] && m->pair[i] != LC_TWO_CPS)
        m->inv[k++] = (lc_inv){m->pair[i],
                               (uint16_t)((0x81 + i / LC_NTRAIL) << 8 | (0x40 + i % LC_NTRAIL)), 0};
  inv_sort(m->inv, tmp, k);
  m->ninv = k;
  for (size_t b = 0, i = 0; b <= LC_INV_BMP; b++) {
    while (i < k && m->inv[i].cp < (uint32_t)(b << 6)) i++;
    m->inv_at[b] = (uint32_t)i;
  }
  if (build_rel(m)) return -1;
  for (int b = 0x80; b <= 0xFF; b++)
    if (!m->single[b - 0x80]) {
      m->errstart[(b - 0x80) / 8] |= (uint8_t)(1u << (b % 8));
      bs_set(m->err256, (unsigned)b);
    }
  for (unsigned b = 0; b < 0x100; b++)
    if (b < 0x80 || m->single[b - 0x80] || (m->kind == LC_KIND_DBCS && b >= 0x81 && b <= 0xFE))
      bs_set(m->start_ok, b);
  if (m->pair) {
    m->inv1 = calloc(LC_NLEAD, sizeof *m->inv1);
    m->inv2 = calloc(LC_NLEAD, sizeof *m->inv2);
    m->pair_ok = calloc(LC_NLEAD, sizeof *m->pair_ok);
    if (!m->inv1 || !m->inv2 || !m->pair_ok) return -1;
    for (unsigned l = 0x81; l <= 0xFE; l++)
      for (unsigned t = 0; t < 0x100; t++) {
        uint32_t v = lc_pair(m, l, t);
        if (v && v != LC_TWO_CPS) bs_set(m->pair_ok[l - 0x81], t);
        else if (!v) bs_set(lc_consume2(m, l, t) ? m->inv2[l - 0x81] : m->inv1[l - 0x81], t);
      }
  }
  return 0;
}

/* The arrays of tables read in place (zf_lost_tab_read) belong to their
 * blob: t->own is 0 there. */
typedef struct lt_owned {
  zf_lost_tables t;
  int own;
} lt_owned;

void zf_lost_tables_free(zf_lost_tables *t) {
  if (!t) return;
  if (((lt_owned *)(void *)t)->own)
    for (int i = 0; i < ZF_LC__COUNT; i++) {
      free(t->m[i].pair);
      free(t->m[i].inv);
      free(t->m[i].inv_rel);
      free(t->m[i].inv1);
      free(t->m[i].inv2);
      free(t->m[i].pair_ok);
    }
  free(t);
}

static zf_lost_tables *tables_alloc(int own) {
  lt_owned *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  o->own = own;
  return &o->t;
}

int zf_lost_tables_from(zf_lost_tables **out, const unsigned char *blob, size_t size,
                        const zf_lost_codec_id *ids, size_t n) {
  *out = NULL;
  if (!inside(size, 0, HDR_WORDS * 4)) return ZHFIX_E_INTERNAL;
  uint32_t h[HDR_WORDS];
  for (int i = 0; i < HDR_WORDS; i++) h[i] = rd32(blob + 4 * i);
  uint32_t nmodels = h[2], off_models = h[3], nbases = h[4], off_bases = h[5];
  if (h[0] != BLOB_MAGIC || h[1] != BLOB_VERSION || h[6] != size || nmodels != ZF_LC__COUNT ||
      nbases > 8 || !inside(size, off_models, (uint64_t)nmodels * REC_SIZE) ||
      !inside(size, off_bases, (uint64_t)nbases * LC_NLEAD * LC_NTRAIL * 4))
    return ZHFIX_E_INTERNAL;
  zf_lost_tables *t = tables_alloc(1);
  lc_inv *tmp = malloc(INV_MAX * sizeof *tmp);
  if (!t || !tmp) {
    free(t);
    free(tmp);
    return ZHFIX_E_NOMEM;
  }
  int rc = ZHFIX_E_INTERNAL;
  for (int id = 0; id < ZF_LC__COUNT; id++) {
    int want = ids == NULL;
    for (size_t k = 0; k < n && !want; k++) want = ids[k] == (zf_lost_codec_id)id;
    const unsigned char *r = blob + off_models + (size_t)id * REC_SIZE;
    if (memcmp(r, names[id], strlen(names[id]) + 1) != 0) goto fail; /* name, NUL */
    uint32_t kind = rd32(r + 16), base = rd32(r + 20), nexc = rd32(r + 24),
             off_exc = rd32(r + 28), off_single = rd32(r + 32), off_cons = rd32(r + 36);
    if (kind > LC_KIND_SBCS) goto fail;
    if (!want) continue;
    lc_model *m = &t->m[id];
    m->present = 1;
    m->kind = (int)kind;
    if (kind == LC_KIND_UTF8) continue;
    if (!inside(size, off_single, 128 * 4)) goto fail;
    for (int b = 0; b < 128; b++) m->single[b] = rd32(blob + off_single + 4 * b);
    if (kind == LC_KIND_DBCS) {
      if (base >= nbases || !inside(size, off_cons, sizeof m->consume2) ||
          !inside(size, off_exc, (uint64_t)nexc * 8))
        goto fail;
      memcpy(m->consume2, blob + off_cons, sizeof m->consume2);
      m->pair = malloc((size_t)LC_NLEAD * LC_NTRAIL * sizeof *m->pair);
      if (!m->pair) {
        rc = ZHFIX_E_NOMEM;
        goto fail;
      }
      const unsigned char *bt = blob + off_bases + (size_t)base * LC_NLEAD * LC_NTRAIL * 4;
      for (size_t i = 0; i < (size_t)LC_NLEAD * LC_NTRAIL; i++) m->pair[i] = rd32(bt + 4 * i);
      for (uint32_t e = 0; e < nexc; e++) {
        uint32_t slot = rd32(blob + off_exc + 8 * (size_t)e);
        if (slot >= (uint32_t)LC_NLEAD * LC_NTRAIL) goto fail;
        m->pair[slot] = rd32(blob + off_exc + 8 * (size_t)e + 4);
      }
    }
    for (size_t i = 0; m->pair && i < (size_t)LC_NLEAD * LC_NTRAIL; i++)
      if (m->pair[i] > 0x10FFFF && m->pair[i] != LC_TWO_CPS) goto fail;
    for (int b = 0; b < 128; b++)
      if (m->single[b] > 0x10FFFF) goto fail;
    if (build_inverse(m, tmp)) {
      rc = ZHFIX_E_NOMEM;
      goto fail;
    }
  }
  free(tmp);
  *out = t;
  return 0;
fail:
  free(tmp);
  zf_lost_tables_free(t);
  return rc;
}

/* ---- the tables generated by the build (lost_tab.h) ---------------------- */

ZF_BLOB_DECLARE(lost_tab);

/* The arrays of model m: where each pointer field is, and its bytes. */
enum { LT_NARR = 6 };
static void lt_arrays(lc_model *m, void **f[LT_NARR], size_t len[LT_NARR]) {
  f[0] = (void **)&m->pair, len[0] = (size_t)LC_NLEAD * LC_NTRAIL * sizeof *m->pair;
  f[1] = (void **)&m->inv, len[1] = (m->ninv ? m->ninv : 1) * sizeof *m->inv;
  f[2] = (void **)&m->inv_rel, len[2] = (size_t)LC_INV_BMP << 6;
  f[3] = (void **)&m->inv1, len[3] = LC_NLEAD * sizeof *m->inv1;
  f[4] = (void **)&m->inv2, len[4] = LC_NLEAD * sizeof *m->inv2;
  f[5] = (void **)&m->pair_ok, len[5] = LC_NLEAD * sizeof *m->pair_ok;
}

static void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static uint64_t get64(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}
static void put32n(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t get32n(const unsigned char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

#define LT_ALIGN(x) (((x) + 7) & ~(size_t)7)
#define LT_RECS (LT_ALIGN(LT_HDR + ZF_LC__COUNT * sizeof(lc_model)))

int zf_lost_tab_write(const zf_lost_tables *t, size_t src_size, unsigned char **out, size_t *n) {
  size_t size = LT_RECS;
  for (int id = 0; id < ZF_LC__COUNT; id++) {
    lc_model m = t->m[id];
    void **f[LT_NARR];
    size_t len[LT_NARR];
    lt_arrays(&m, f, len);
    for (int a = 0; a < LT_NARR; a++)
      if (*f[a]) size += LT_ALIGN(len[a]);
  }
  unsigned char *b = calloc(1, size);
  if (!b) return ZHFIX_E_NOMEM;
  put32n(b, LT_MAGIC);
  put32n(b + 4, LT_VERSION);
  put32n(b + 8, ZF_LC__COUNT);
  put32n(b + 12, (uint32_t)sizeof(lc_model));
  put64(b + 16, size);
  put64(b + 24, src_size);
  size_t at = LT_RECS;
  for (int id = 0; id < ZF_LC__COUNT; id++) {
    lc_model m = t->m[id];
    void **f[LT_NARR];
    size_t len[LT_NARR];
    lt_arrays(&m, f, len);
    for (int a = 0; a < LT_NARR; a++) {
      if (!*f[a]) continue;
      memcpy(b + at, *f[a], len[a]);
      *f[a] = (void *)(uintptr_t)at;
      at += LT_ALIGN(len[a]);
    }
    memcpy(b + LT_HDR + (size_t)id * sizeof m, &m, sizeof m);
  }
  *out = b;
  *n = size;
  return 0;
}

/* Model id of the blob with its arrays' offsets turned into pointers;
 * -6 when an array lies outside the blob or an index past its array. */
static int lt_model(const unsigned char *b, size_t size, int id, lc_model *m) {
  memcpy(m, b + LT_HDR + (size_t)id * sizeof *m, sizeof *m);
  if (m->kind < LC_KIND_UTF8 || m->kind > LC_KIND_SBCS || m->ninv > INV_MAX) return -6;
  for (size_t k = 0; k <= LC_INV_BMP; k++)
    if (m->inv_at[k] > m->ninv) return -6;
  void **f[LT_NARR];
  size_t len[LT_NARR];
  lt_arrays(m, f, len);
  for (int a = 0; a < LT_NARR; a++) {
    uintptr_t off = (uintptr_t)*f[a];
    if (!off) continue;
    if (off < LT_RECS || (off & 7u) || !inside(size, off, len[a])) return -6;
    *f[a] = (void *)(uintptr_t)(b + off);
  }
  if (m->kind == LC_KIND_DBCS && (!m->pair || !m->inv1 || !m->inv2 || !m->pair_ok)) return -6;
  if (m->kind != LC_KIND_UTF8 && !m->inv) return -6;
  return 0;
}

int zf_lost_tab_check(const unsigned char *b, size_t size, size_t src_size) {
  if (!b || size < LT_RECS || ((uintptr_t)b & 7u)) return -1;
  if (get32n(b) != LT_MAGIC) return -2;
  if (get32n(b + 4) != LT_VERSION) return -3;
  if (get64(b + 16) != size) return -4;
  if (get32n(b + 8) != ZF_LC__COUNT || get32n(b + 12) != sizeof(lc_model) || get64(b + 24) != src_size) return -5;
  for (int id = 0; id < ZF_LC__COUNT; id++) {
    lc_model m;
    int rc = lt_model(b, size, id, &m);
    if (rc) return rc;
  }
  return 0;
}

int zf_lost_tab_read(zf_lost_tables **out, const unsigned char *b, size_t size, size_t src_size,
                     const zf_lost_codec_id *ids, size_t n) {
  *out = NULL;
  if (zf_lost_tab_check(b, size, src_size)) return ZHFIX_E_INTERNAL;
  zf_lost_tables *t = tables_alloc(0);
  if (!t) return ZHFIX_E_NOMEM;
  for (int id = 0; id < ZF_LC__COUNT; id++) {
    int want = ids == NULL;
    for (size_t k = 0; k < n && !want; k++) want = ids[k] == (zf_lost_codec_id)id;
    if (want) (void)lt_model(b, size, id, &t->m[id]);
  }
  *out = t;
  return 0;
}

int zf_lost_tables_new(zf_lost_tables **out, const zf_lost_codec_id *ids, size_t n) {
  /* the tables the build generated, read in place; else built here */
  int rc = zf_lost_tab_read(out, zf_blob_lost_tab, (size_t)zf_blob_lost_tab_size, (size_t)zf_blob_lost_size,
                            ids, n);
  if (rc != ZHFIX_E_INTERNAL) return rc;
  rc = zf_lost_tables_from(out, zf_blob_lost, (size_t)zf_blob_lost_size, ids, n);
  /* The tables hold copies; nothing reads the blob again in this build
   * (its pages come back unchanged if something does: shared.h). */
  zf_blob_release(zf_blob_lost, (size_t)zf_blob_lost_size);
  return rc;
}
