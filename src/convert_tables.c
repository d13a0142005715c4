/* Pointer set-up over the embedded OpenCC tables; see convert_tables.h. */
#include <stdlib.h>
#include <string.h>

#include "convert_tables.h"
#include "shared.h"
#include "zf.h"

ZF_BLOB_DECLARE(opencc_dicts);

#define OCC_MAGIC 0x434F465Au
#define OCC_VERSION 3u
#define OCC_HEAD 8u        /* uint32 fields before the version text */
#define OCC_TAG 32u        /* bytes of version text */
#define OCC_TRIE_FIELDS 10u
#define OCC_DICT_FIELDS 4u
#define OCC_CONFIG_SIZE 32u
#define OCC_MAX_TRIES 32u

static uint32_t rd32(const unsigned char *b, uint64_t off) {
  return (uint32_t)b[off] | (uint32_t)b[off + 1] << 8 |
         (uint32_t)b[off + 2] << 16 | (uint32_t)b[off + 3] << 24;
}

/* Checks that [off, off + count * width) lies in the blob and is aligned,
 * so a truncated or mismatched blob is refused instead of read past. */
static int span_ok(uint64_t off, uint64_t count, uint64_t width) {
  return off % 4 == 0 && off <= zf_blob_opencc_dicts_size &&
         count * width <= zf_blob_opencc_dicts_size - off;
}

static int parse(zf_occ_tables *t) {
  const unsigned char *b = zf_blob_opencc_dicts;
  uint64_t size = zf_blob_opencc_dicts_size;
  memset(t, 0, sizeof *t);
  if (size < 4 * OCC_HEAD + OCC_TAG || rd32(b, 0) != OCC_MAGIC || rd32(b, 4) != OCC_VERSION)
    return -1;
  uint32_t ntries = rd32(b, 8), ndicts = rd32(b, 12);
  if (ndicts != ZF_OCC_NDICTS || ntries == 0 || ntries > OCC_MAX_TRIES) return -1;
  uint64_t head = 4 * OCC_HEAD + OCC_TAG;
  uint64_t dict_dir = head + 4ull * OCC_TRIE_FIELDS * ntries;
  uint64_t cfg_dir = dict_dir + 4ull * OCC_DICT_FIELDS * ndicts;
  uint32_t ncfg = rd32(b, 24);
  if (ncfg > ZF_OCC_MAX_CONFIGS || size < cfg_dir + (uint64_t)OCC_CONFIG_SIZE * ncfg) return -1;
  for (uint32_t i = 0; i < ncfg; i++) {
    const unsigned char *r = b + cfg_dir + (uint64_t)OCC_CONFIG_SIZE * i;
    zf_occ_config *c = &t->cfg[i];
    memcpy(c->name, r, 8);
    c->name[7] = 0;
    c->norm = (int32_t)rd32(r, 8);
    c->seg = (int32_t)rd32(r, 12);
    c->nsteps = rd32(r, 16);
    if (c->nsteps < 1 || c->nsteps > ZF_OCC_STEPS_MAX) return -1;
    for (uint32_t k = 0; k < ZF_OCC_STEPS_MAX; k++) c->step[k] = (int32_t)rd32(r, 20 + 4 * k);
    /* Every dictionary id in range, unused ones -1. */
    if (c->norm < -1 || c->norm >= ZF_OCC_NDICTS || c->seg < -1 || c->seg >= ZF_OCC_NDICTS) return -1;
    for (uint32_t k = 0; k < ZF_OCC_STEPS_MAX; k++)
      if (k < c->nsteps ? c->step[k] < 0 || c->step[k] >= ZF_OCC_NDICTS : c->step[k] != -1) return -1;
  }
  t->ncfg = ncfg;
  t->nclass_pages = rd32(b, 16);
  if (!span_ok(rd32(b, 20), ZF_OCC_PAGE_SLOTS + 256ull * t->nclass_pages, 2)) return -1;
  /* The blob is 8-byte aligned and every array 4-byte aligned in it, and
   * the target is little-endian (the Makefile embeds it as is). */
  t->cls_pidx = (const uint16_t *)(const void *)(b + rd32(b, 20));
  t->cls_pages = t->cls_pidx + ZF_OCC_PAGE_SLOTS;
  for (uint32_t p = 0; p < ZF_OCC_PAGE_SLOTS; p++)
    if (t->cls_pidx[p] > t->nclass_pages) return -1;
  memcpy(t->version, b + 4 * OCC_HEAD, OCC_TAG);
  t->version[OCC_TAG] = 0;
  for (uint32_t i = 0; i < ndicts; i++) {
    uint64_t r = dict_dir + 4ull * OCC_DICT_FIELDS * i;
    zf_occ_dict *d = &t->d[i];
    uint32_t trie = rd32(b, r), bit = rd32(b, r + 4);
    if (trie >= ntries || !bit || bit > 8 || (bit & (bit - 1))) return -1;
    uint64_t q = head + 4ull * OCC_TRIE_FIELDS * trie;
    uint32_t nodes = rd32(b, q + 4), ccp = rd32(b, q + 12), cnode = rd32(b, q + 16),
             vals = rd32(b, q + 24), pidx = rd32(b, q + 32), pages = rd32(b, q + 36);
    d->nnodes = rd32(b, q);
    d->nchild = rd32(b, q + 8);
    d->nvals = rd32(b, q + 20);
    d->npages = rd32(b, q + 28);
    if (!span_ok(nodes, d->nnodes, 12) || !span_ok(ccp, d->nchild, 4) ||
        !span_ok(cnode, d->nchild, 4) || !span_ok(vals, d->nvals, 4) ||
        !span_ok(pidx, ZF_OCC_PAGE_SLOTS, 2) ||
        !span_ok(pages, (uint64_t)d->npages * 256, 4) || d->nnodes == 0)
      return -1;
    d->nodes = (const uint32_t *)(const void *)(b + nodes);
    d->ccp = (const uint32_t *)(const void *)(b + ccp);
    d->cnode = (const uint32_t *)(const void *)(b + cnode);
    d->vals = (const uint32_t *)(const void *)(b + vals);
    d->pidx = (const uint16_t *)(const void *)(b + pidx);
    d->pages = (const uint32_t *)(const void *)(b + pages);
    d->trie = trie;
    d->vm = bit << 8;
    d->maxkey = rd32(b, r + 8);
    d->min_cp = rd32(b, r + 12);
  }
  return 0;
}

/* Parsed once per process (immutable afterwards, shared.h); a failed
 * allocation is retried by the next call. */
static zf_shared_slot g_tables;

static void *tables_build(void *arg) {
  (void)arg;
  zf_occ_tables *t = malloc(sizeof *t);
  if (t && parse(t)) {
    free(t);
    t = NULL;
  }
  return t;
}

void zf_occ_release(void) { zf_blob_release(zf_blob_opencc_dicts, (size_t)zf_blob_opencc_dicts_size); }

const zf_occ_tables *zf_occ_get(void) { return zf_shared_get(&g_tables, tables_build, NULL, free); }

int zf_occ_open(zf_occ_tables *t) {
  const zf_occ_tables *g = zf_occ_get();
  if (!g) {
    /* which of the two: the blob parses into the caller's copy without
     * allocating, so if it parses, memory was short */
    int rc = parse(t) ? ZHFIX_E_INTERNAL : ZHFIX_E_NOMEM;
    memset(t, 0, sizeof *t);
    return rc;
  }
  *t = *g;
  return 0;
}
