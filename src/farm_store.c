/*
 * Content-farm search: where the hypotheses and the output nodes live
 * (docs/repair-farm.md, "Bounded work, and the worst case", memory): the
 * positions' arrays of hypotheses, the pool of large ones drained
 * positions give back, the output-node tree and its compaction.
 */
#include <stdlib.h>
#include <string.h>

#include "farm_search.h"

void zf_farm_pool_give(farm *f, hyp *v, size_t cap) {
  if (f->npool < POOL_N) {
    f->pool[f->npool] = v;
    f->poolcap[f->npool++] = cap;
    return;
  }
  size_t s = 0; /* full: the smallest goes */
  for (size_t i = 1; i < POOL_N; i++)
    if (f->poolcap[i] < f->poolcap[s]) s = i;
  if (f->poolcap[s] >= cap) {
    free(v);
    return;
  }
  free(f->pool[s]);
  f->pool[s] = v;
  f->poolcap[s] = cap;
}

hyp *zf_farm_pool_take(farm *f, size_t min, size_t *cap) {
  size_t b = SIZE_MAX;
  for (size_t i = 0; i < f->npool; i++)
    if (f->poolcap[i] > min && (b == SIZE_MAX || f->poolcap[i] > f->poolcap[b])) b = i;
  if (b == SIZE_MAX) return NULL;
  hyp *v = f->pool[b];
  *cap = f->poolcap[b];
  f->pool[b] = f->pool[--f->npool];
  f->poolcap[b] = f->poolcap[f->npool];
  return v;
}

int zf_farm_hv_grow(farm *f, hvec *h) {
  if (f->npool) {
    /* an array a drained position gave back (beam_release) */
    size_t cap;
    hyp *v = zf_farm_pool_take(f, h->cap, &cap);
    if (v) {
      if (h->n) memcpy(v, h->v, h->n * sizeof *h->v);
      if (h->cap > BEAM_KEEP) zf_farm_pool_give(f, h->v, h->cap);
      else free(h->v);
      h->v = v;
      h->cap = cap;
    }
  }
  return zf_grow((void **)&h->v, &h->cap, h->n + 1, sizeof *h->v, 64);
}

void zf_farm_beam_release(farm *f, hvec *bv) {
  bv->n = 0;
  if (bv->cap <= BEAM_KEEP) return;
  zf_farm_pool_give(f, bv->v, bv->cap);
  bv->v = NULL;
  bv->cap = 0;
}

size_t zf_farm_scratch_bytes(const farm *f) {
  size_t b = f->capmk * sizeof *f->mk + f->captk * sizeof *f->tk + f->capnodes * sizeof *f->nodes +
             f->capremap * sizeof *f->remap +
             (f->cappath + f->cappath2) * (sizeof *f->path + sizeof *f->pathoff) +
             (f->bg ? sizeof(bgslot) << (f->bg_bits + 1) : 0);
  for (size_t i = 0; i < RING; i++) b += f->beam[i].cap * sizeof(hyp);
  return b + zf_farm_merge_bytes(f) + zf_farm_sw_bytes(f);
}

int zf_farm_nodes_grow(farm *f) {
  return zf_grow((void **)&f->nodes, &f->capnodes, f->nnodes + 1, sizeof *f->nodes, 1024);
}


/* Drops the nodes no hypothesis of the ring reaches: the tree of a long
 * unresolved span grows by every reading ever tried, while the live
 * readings share a few paths.  Nodes keep their order (a parent is always
 * before its children) and what they hold, so the output is the same. */
int zf_farm_compact_nodes(farm *f) {
  size_t n = f->nnodes;
  if (n > f->capremap) {
    uint32_t *m = realloc(f->remap, n * sizeof *m);
    if (!m) return -1;
    f->remap = m;
    f->capremap = n;
  }
  uint32_t *m = f->remap;
  memset(m, 0, n * sizeof *m);
  m[0] = 1;
  for (size_t p = 0; p < RING; p++)
    for (size_t k = 0; k < f->beam[p].n; k++)
      for (uint32_t x = f->beam[p].v[k].node; !m[x]; x = f->nodes[x].parent) m[x] = 1;
  m[0] = 0; /* node 0 is "none" and holds nothing: it stays where it is */
  size_t w = 1;
  for (size_t x = 1; x < n; x++) {
    if (!m[x]) continue;
    m[x] = (uint32_t)w;
    onode o = f->nodes[x];
    o.parent = m[o.parent]; /* the parent is before x: already renumbered */
    f->nodes[w++] = o;
  }
  for (size_t p = 0; p < RING; p++)
    for (size_t k = 0; k < f->beam[p].n; k++) f->beam[p].v[k].node = m[f->beam[p].v[k].node];
  f->ndropped += n - w;
  f->nnodes = f->nlive = w;
  return 0;
}

