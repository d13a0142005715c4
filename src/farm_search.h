/*
 * The content-farm search's own helpers (private to src/farm_search.c,
 * src/farm_setaside.c, src/farm_score.c and src/farm_store.c; farm.h
 * lists the files): the score terms and the bigram cache every reading
 * goes through, and the stores of hypotheses and output nodes.  The hot
 * paths are inline here, the rare ones (a cache miss, an array to grow)
 * in farm_score.c and farm_store.c.
 */
#ifndef ZF_FARM_SEARCH_H
#define ZF_FARM_SEARCH_H

#include "farm.h"

/* ---- scoring (farm_score.c) ------------------------------------------------ */

/* The score terms the class-based model cannot see, for output c after
 * prev: script and variant, doubled pause marks, quotes and brackets. */
static inline void typo(const farm *f, double *score, uint8_t open[NGROUPS], uint32_t cp,
                        uint32_t prev) {
  if (f->avoid && cp >= 0x3400) {
    unsigned cls = zf_occ_class(f->occ, cp);
    if (cls & f->avoid) *score -= PEN_SCRIPT;
    if (cls & f->variant) *score -= PEN_VARIANT;
  }
  /* a Han character is no mark: none of the terms below applies (most
   * of what a dense search emits) */
  if (cp >= 0x3400 && cp <= 0x9FFF) return;
  if ((pause_mark(cp) && (pause_mark(prev) || stop_mark(prev))) ||
      (stop_mark(cp) && pause_mark(prev)))
    *score -= PEN_DOUBLE;
  int close, g = pair_group(cp, &close);
  if (g >= 0 && g <= 1 && close &&
      (prev == 0x3002 || prev == 0xFF01 || prev == 0xFF1F || prev == 0x2026))
    *score += BAL_SENT;
  if (g >= 0) {
    if (!close) {
      if (open[g] < 3) open[g]++;
    } else if (open[g]) {
      open[g]--;
      /* quotes pair within a paragraph; parentheses in technical text
       * too often do not, so closing one earns nothing */
      if (g != 2) *score += BAL_CLOSE;
    } else {
      *score -= BAL_STRAY;
    }
  }
}

static inline void typography(const farm *f, hyp *h, uint32_t cp, uint32_t prev) {
  typo(f, &h->score, h->open, cp, prev);
}

/* zf_lm_bigram(a, b), remembered: a search asks for the same few pairs
 * over and over (every hypothesis that decodes the same character after
 * the same one).  A table of the handle's own, two slots a set, the
 * newest first; the value is the model's, bit for bit, so the table's
 * size changes nothing but the time.  It starts at 2 x 2^BG_BITS_MIN
 * slots (24 KB: a short damaged record pays for no more; a handle
 * reused for the next document keeps it, repair_farm.c, reuse), and a
 * search that has missed
 * BG_GROW times as many pairs as the table holds gets 2 x 2^BG_BITS
 * (196 KB, what the direct-mapped table of 2^14 slots took).  A table
 * of 786 KB missed a third fewer pairs on a dense '?' run, but it does
 * not stay in a core's cache: with a 1 MB last-level cache simulated
 * (cachegrind) 10 KB of qruns missed that cache 430,000 more times with
 * it than with this one (docs/repair-farm.md, "Wave 6"). */
typedef struct bgslot {
  uint32_t a, b;
  float v;
} bgslot;
enum { BG_BITS_MIN = 10, BG_BITS = 13, BG_GROW = 2 };

/* the set of the pair (a, b) in the table (f->bg not NULL) */
static inline bgslot *bg_set(const farm *f, uint32_t a, uint32_t b) {
  uint32_t x = a * 0x9E3779B1u ^ b * 0x85EBCA77u;
  return &f->bg[((x ^ x >> 16) & ((1u << f->bg_bits) - 1)) * 2];
}

/* the cache's slow path: a miss, or no table yet */
float zf_farm_bigram_miss(farm *f, uint32_t a, uint32_t b);

static inline float bigram(farm *f, uint32_t a, uint32_t b) {
  /* the pair asked last: the readings of one state, next to each other
   * in the beam, ask for the same pair one after the other, and this
   * answers them from the handle instead of the table (a first-level
   * cache miss, most of what a probe costs on a dense search) */
  if (a == f->bm_a && b == f->bm_b) return f->bm_v;
  const bgslot *s = f->bg ? bg_set(f, a, b) : NULL;
  float v = s && s[0].a == a && s[0].b == b ? s[0].v : zf_farm_bigram_miss(f, a, b);
  f->bm_a = a;
  f->bm_b = b;
  f->bm_v = v;
  return v;
}

/* ---- the stores (farm_store.c) ---------------------------------------------- */

/* Room for one more output node / one more hypothesis in h; -1 when out
 * of memory. */
int zf_farm_nodes_grow(farm *f);
int zf_farm_hv_grow(farm *f, hvec *h);

/* A new output node after *node (the reading's last), given by token ti,
 * made the reading's last; -1 when out of memory. */
static inline int node_push(farm *f, uint32_t *node, uint32_t cp, uint32_t ti) {
  if (f->nnodes >= f->capnodes && zf_farm_nodes_grow(f)) return -1;
  f->nodes[f->nnodes] = (onode){*node, cp, ti};
  *node = (uint32_t)f->nnodes++;
  return 0;
}

static inline int hv_push(farm *f, hvec *h, const hyp *x) {
  if (h->n == h->cap && zf_farm_hv_grow(f, h)) return -1;
  h->v[h->n++] = *x;
  return 0;
}

/* bv is drained: a large array goes back (BEAM_KEEP) to the pool the
 * next positions to fill up take from. */
void zf_farm_beam_release(farm *f, hvec *bv);

/* Drops the output nodes no hypothesis of the ring reaches; -1 when out
 * of memory. */
int zf_farm_compact_nodes(farm *f);

/* ---- farm_search.c ------------------------------------------------------------ */

/* Feeds byte b of B, given by token ti, to h (lost: b is a lost byte's
 * value); 1, 0 when B would be invalid, -1 on allocation failure. */
int zf_farm_feed(farm *f, hyp *h, unsigned b, uint32_t ti, int lost);

/* ---- a lost byte's readings set aside (farm_setaside.c) ----------------------- */

/* The lost byte of every lead byte completing h0's pending byte, when only
 * swallowed forms follow it (expand_fast). */
int zf_farm_expand_fast(farm *f, const hyp *h0);
/* hl (h0, pending byte P, with the lost byte L fed; its output node not
 * made yet when defer) followed by a swallowed ')', '(' or digit, set
 * aside. */
int zf_farm_swallowed(farm *f, const hyp *hl, int defer, unsigned P, unsigned L);
/* zf_lm_bigram of last and the character P L, for the 126 lead bytes L
 * (0 where P L is none), kept in rows; NULL when out of memory. */
const float *zf_farm_bg_row(farm *f, uint32_t last, unsigned P);
/* The survivors of the readings set aside at position i pushed to i + 1. */
int zf_farm_sw_flush(farm *f, size_t i);
/* Forgets the readings set aside (after the flush, or a failure). */
void zf_farm_sw_clear(farm *f);

#endif
