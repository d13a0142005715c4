/*
 * Private to the drop reader (lost_drop.c) and its word tests
 * (lost_split.c): the surviving bytes, the lattice's nodes and a reading's
 * steps (docs/repair-lost.md, phases 6 and 14-17).
 */
#ifndef ZF_LOST_DWORK_H
#define ZF_LOST_DWORK_H

#include "lost_lat.h"

enum { K_START, K_PAIR, K_ONE, K_LGAP, K_TGAP, K_DGAP, K_N };

typedef struct dbyte {
  uint8_t v, bnd; /* bnd: a unit of the reader starts at this byte */
  uint32_t unit;
} dbyte;

typedef struct dnode {
  float v, w; /* best reading into / out of the node (log10) */
  int32_t bp; /* best predecessor node, -1 none */
} dnode;

typedef struct dwork {
  const lc_model *S, *R;
  dbyte *b;
  size_t nb;
  dnode *nd; /* (nb + 1) * K_N */
  float *gw; /* gap_w's memo: 2 a node, NaN until computed */
  float *aw; /* after_gap's memo: per position (one pair edge a position, two kinds of gap node) */
  uint8_t *gm; /* gap_ok's memo: per position */
  /* cands_at's memo: per position and kind of gap, the candidates' start
   * in cpool (-1: not computed) and count */
  int32_t *coff;
  uint8_t *ccnt;
  uint32_t *cpool;
  size_t ncpool, capcpool;
  const zf_lost_gapsets_t *gs; /* the bound pass's sets (zf_lost_gapsets) */
  int nomem;
} dwork;

#define NI(p, k) ((p) * K_N + (size_t)(k))

typedef struct dstep {
  size_t from, to; /* byte positions */
  int k;           /* kind of the edge */
  uint32_t cp;
  uint8_t certain, split; /* split: zf_lost_split_word's (split_words) */
} dstep;

static inline int han(uint32_t c) {
  return (c >= 0x3400 && c < 0xA000) || (c >= 0xF900 && c < 0xFB00) || (c >= 0x20000 && c < 0x32000);
}

/* lost_split.c: the characters of path[0..np) read whole that may be a
 * word whose outer or inner bytes went, a phase shift or a chain of
 * shifts, split (not certain); pen a dropped byte's.  Returns how many. */
size_t zf_lost_split_words(const dwork *w, dstep *path, size_t np, double pen);

#endif
