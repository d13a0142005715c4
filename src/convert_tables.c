/* Pointer set-up over the embedded OpenCC tables; see convert_tables.h. */
#include <string.h>

#include "convert_tables.h"
#include "zf.h"

ZF_BLOB_DECLARE(opencc_dicts);

#define OCC_MAGIC 0x434F465Au
#define OCC_VERSION 2u
#define OCC_DIR_FIELDS 12u
#define OCC_HEAD 5u

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

int zf_occ_open(zf_occ_tables *t) {
  const unsigned char *b = zf_blob_opencc_dicts;
  uint64_t size = zf_blob_opencc_dicts_size;
  uint32_t i;
  memset(t, 0, sizeof *t);
  if (size < 4 * (OCC_HEAD + OCC_DIR_FIELDS * ZF_OCC_NDICTS) ||
      rd32(b, 0) != OCC_MAGIC || rd32(b, 4) != OCC_VERSION ||
      rd32(b, 8) != ZF_OCC_NDICTS)
    return -1;
  t->nclass = rd32(b, 12);
  if (!span_ok(rd32(b, 16), t->nclass, 8)) return -1;
  /* The blob is 8-byte aligned and every array 4-byte aligned in it, and
   * the target is little-endian (the Makefile embeds it as is). */
  t->cls = (const uint32_t *)(const void *)(b + rd32(b, 16));
  for (i = 0; i < ZF_OCC_NDICTS; i++) {
    uint64_t r = 4 * (OCC_HEAD + OCC_DIR_FIELDS * (uint64_t)i);
    zf_occ_dict *d = &t->d[i];
    uint32_t nodes = rd32(b, r + 8), ccp = rd32(b, r + 16),
             cnode = rd32(b, r + 20), vals = rd32(b, r + 24),
             pidx = rd32(b, r + 32), pages = rd32(b, r + 36);
    d->maxkey = rd32(b, r);
    d->nnodes = rd32(b, r + 4);
    d->nchild = rd32(b, r + 12);
    d->nvals = rd32(b, r + 28);
    d->npages = rd32(b, r + 40);
    d->fused = rd32(b, r + 44);
    if (d->fused != ZF_OCC_NONE && d->fused >= ZF_OCC_NDICTS) return -1;
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
  }
  return 0;
}

unsigned zf_occ_class(const zf_occ_tables *t, uint32_t c) {
  size_t lo = 0, hi = t->nclass;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (t->cls[2 * mid] < c) lo = mid + 1;
    else hi = mid;
  }
  return lo < t->nclass && t->cls[2 * lo] == c ? t->cls[2 * lo + 1] : 0;
}
