/*
 * Content-farm stage: the Viterbi search over the original byte stream B
 * of one line (docs/repair-farm.md, "The algorithm").
 *
 * A hypothesis (hyp) is one reading of the tokens so far: the bytes of B
 * it has fed (the last two, and a lead byte still waiting for its second),
 * the output it has decoded (a tree of onode, since the last cut), its
 * score.  Hypotheses at token position p live in f->beam[p % RING]; a
 * transition moves one to p + 1, or past an annotation it removes.  At
 * every position the hypotheses are merged by state (merge); where a
 * single state is left, in phase, the span since the last cut is written
 * out (zf_farm_commit) and the search goes on from that one state.
 */
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "farm.h"
#include "lm.h"
#include "readings.h"

static int hv_push(farm *f, hvec *h, const hyp *x) {
  if (h->n == h->cap && f->spare && f->capspare > h->cap) {
    /* the array a drained position gave back (beam_release) */
    if (h->n) memcpy(f->spare, h->v, h->n * sizeof *h->v);
    free(h->v);
    h->v = f->spare;
    h->cap = f->capspare;
    f->spare = NULL;
    f->capspare = 0;
  }
  if (h->n == h->cap) {
    size_t nc = h->cap ? h->cap * 2 : 64;
    hyp *nv = realloc(h->v, nc * sizeof *nv);
    if (!nv) return -1;
    h->v = nv;
    h->cap = nc;
  }
  h->v[h->n++] = *x;
  return 0;
}

/* bv is drained: a large array goes back (BEAM_KEEP), the largest one
 * kept as the spare the next position to fill up takes. */
static void beam_release(farm *f, hvec *bv) {
  bv->n = 0;
  if (bv->cap <= BEAM_KEEP) return;
  if (f->capspare < bv->cap) {
    free(f->spare);
    f->spare = bv->v;
    f->capspare = bv->cap;
  } else {
    free(bv->v);
  }
  bv->v = NULL;
  bv->cap = 0;
}

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

double zf_farm_terms(const farm *f, const uint8_t open[NGROUPS], uint32_t prev, uint32_t c,
                     uint32_t next) {
  hyp h;
  memset(&h, 0, sizeof h);
  memcpy(h.open, open, NGROUPS);
  typography(f, &h, c, prev);
  typography(f, &h, next, c);
  return h.score;
}

/* zf_lm_bigram(a, b), remembered: a search asks for the same few pairs
 * over and over (every hypothesis that decodes the same character after
 * the same one).  A table of the handle's own, two slots a set, the
 * newest first; the value is the model's, bit for bit, so the table's
 * size changes nothing but the time.  It starts at 2 x 2^BG_BITS_MIN
 * slots (24 KB: a short damaged record, and the stage is made anew for
 * every document, pays for no more), and a search that has missed
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

static void bg_alloc(farm *f, unsigned bits) {
  bgslot *t = malloc(sizeof *t << (bits + 1));
  if (!t) { /* keep the table there is, or none; try again later */
    f->bg_miss = 0;
    return;
  }
  for (size_t k = 0; k < (size_t)2 << bits; k++) t[k].a = t[k].b = UINT32_MAX;
  free(f->bg);
  f->bg = t;
  f->bg_bits = bits;
  f->bg_miss = 0;
}

static float bigram(farm *f, uint32_t a, uint32_t b) {
  if (!f->bg) {
    bg_alloc(f, BG_BITS_MIN);
    if (!f->bg) return zf_lm_bigram(a, b);
  }
  uint32_t x = a * 0x9E3779B1u ^ b * 0x85EBCA77u;
  bgslot *s = &f->bg[((x ^ x >> 16) & ((1u << f->bg_bits) - 1)) * 2];
  if (s[0].a == a && s[0].b == b) return s[0].v;
  if (s[1].a == a && s[1].b == b) {
    bgslot t = s[1];
    s[1] = s[0];
    s[0] = t;
    return t.v;
  }
  float v = zf_lm_bigram(a, b);
  if (f->bg_bits < BG_BITS && ++f->bg_miss > (size_t)BG_GROW << (f->bg_bits + 1)) {
    bg_alloc(f, BG_BITS);
    return v; /* the new table starts empty */
  }
  s[1] = s[0];
  s[0] = (bgslot){a, b, v};
  return v;
}

/* Appends output character node_cp (with its GUESSED flag) to h; in
 * direct mode (f->direct, the one reading left) straight to the output,
 * unscored. */
/* A new output node after *node (the reading's last), made the reading's
 * last; -1 when out of memory. */
static int node_push(farm *f, uint32_t *node, uint32_t cp, uint64_t off) {
  if (f->nnodes >= f->capnodes) {
    size_t nc = f->capnodes ? f->capnodes * 2 : 1024;
    onode *nn = realloc(f->nodes, nc * sizeof *nn);
    if (!nn) return -1;
    f->nodes = nn;
    f->capnodes = nc;
  }
  f->nodes[f->nnodes] = (onode){*node, cp, off};
  *node = (uint32_t)f->nnodes++;
  return 0;
}

static int emit(farm *f, hyp *h, uint32_t node_cp, uint64_t off) {
  uint32_t cp = node_cp & ~CP_FLAGS;
  if (f->direct) {
    if (zf_text_push(f->direct, cp, off)) return -1;
    typography(f, h, cp, h->last);
    h->last = cp;
    return 0;
  }
  if (f->nonode) {
    /* the node is made later, when a reading needs it (expand_lost) */
    f->nn_cp = node_cp;
    f->nn_off = off;
    f->nn_made = 1;
  } else {
    if (node_push(f, &h->node, node_cp, off)) return -1;
  }
  if (node_cp & GUESSED) h->guess = 1;
  uint32_t lmcp = cp == WILD_DIGIT ? '0' : cp;
  h->score += bigram(f, h->last, lmcp);
  typography(f, h, cp, h->last);
  h->last = lmcp;
  h->hash = mix(h->hash, node_cp);
  return 0;
}

/* Feeds byte b of B, given by token ti; lost: b is a lost byte's value
 * (a guess), not one the input shows.  Returns 1, 0 when B would be invalid, -1 on
 * allocation failure. */
static int feed(farm *f, hyp *h, unsigned b, uint32_t ti, int lost) {
  if (h->need) {
    /* the pair before this byte is a character the page annotates, yet
     * no annotation follows it */
    h->score -= PEN_UNANN;
    h->need = 0;
  }
  if (h->pend) {
    uint32_t c = fb_pair(f->codec, h->pend, b);
    if (!c) return 0;
    /* a mark whose lead byte is lost: farm_commit.c */
    if (h->pend_lost && symbol_row(h->pend)) c |= GUESSED | (lost ? TRAIL_LOST : 0);
    if (emit(f, h, c, f->tk[h->pend_tok].off)) return -1;
    h->pend = 0;
    h->pend_lost = 0;
  } else if (b < 0x80) {
    if (emit(f, h, b, f->tk[ti].off)) return -1;
  } else if (fb_is_lead(b)) {
    h->pend = (uint8_t)b;
    h->pend_lost = (uint8_t)lost;
    h->pend_tok = ti;
  } else {
    return 0;
  }
  h->b1 = h->b2;
  h->b2 = (uint8_t)b;
  int sep = h->sep;
  h->sep = 0;
  if (f->annset && !sep && fb_is_lead(h->b1)) {
    uint32_t c = fb_pair(f->codec, h->b1, h->b2);
    if (c && zf_farm_annset_has(f, c)) h->need = 1;
  }
  return 1;
}

/* The inserted annotation "(syl tone)" ends the B bytes so far: the pair
 * before it must be a character with that reading. */
static int window_reads(const farm *f, const hyp *h, int syl, int tone) {
  if (!fb_is_lead(h->b1)) return 0;
  uint32_t c = fb_pair(f->codec, h->b1, h->b2);
  return c && zf_reading_of(c, syl, tone);
}

static int push(farm *f, size_t pos, const hyp *h) {
  hvec *bv = &f->beam[pos % RING];
  if (pos > f->reach) f->reach = pos;
  if (bv->n >= HV_LIMIT) {
#ifdef FARM_TUNE
    if (getenv("FARM_LIMIT_LOG")) fprintf(stderr, "LIMIT hv\n");
#endif
    size_t before = bv->n;
    if (zf_farm_merge(f, bv) == MERGE_FAILED) return -1;
    f->merged_away += before - bv->n; /* pushed all the same: counted */
  }
  if (hv_push(f, bv, h)) return -1;
  bv->v[bv->n - 1].seq = f->seq++;
  return 0;
}

/* Feeds the bytes of token t (fixed reading). */
static int feed_tok(farm *f, hyp *h, const tok *t) {
  if (t->atom) {
    if (h->pend) return 0;
    if (emit(f, h, t->cp, t->off)) return -1;
    h->b1 = h->b2 = 0;
    return 1;
  }
  for (int k = 0; k < t->nb; k++) {
    int r = feed(f, h, t->b[k], (uint32_t)(t - f->tk), 0);
    if (r <= 0) return r;
  }
  return 1;
}

/* Marks h as repairing damage with one more lost byte. */
static void hole(hyp *h) {
  h->holes++;
  h->dmg = 1;
  h->lit = 0;
  h->score -= PEN_HOLE;
}

/* ---- transitions ------------------------------------------------------------ */

/* "(py)" at token i after the pair it annotates.  Sets *forced when the
 * annotation must go (aligned, and stripping): no literal reading then. */
static int expand_annotation(farm *f, size_t i, const hyp *h0, int strip_ok, int *forced) {
  const tok *t = &f->tk[i];
  if (t->cp != '(' || !t->ann_end || !window_reads(f, h0, t->syl, t->tone)) return 0;
  /* aligned: the pair is the last character of B, not the end of one
   * and the start (or an ASCII byte) of the next */
  int aligned = !h0->pend && fb_pair(f->codec, h0->b1, h0->b2) == h0->last;
  if (aligned && strip_ok) {
    hyp h = *h0;
    h.alrm++;
    h.need = 0;
    h.sep = 1;
    if (push(f, (size_t)t->ann_end + 1, &h)) return -1;
    *forced = 1; /* an aligned annotation is not kept when stripping */
  } else if (!aligned) {
    hyp h = *h0;
    h.misrm++;
    h.need = 0;
    h.sep = 1;
    h.dmg = 1;
    h.lit = 0;
    if (push(f, (size_t)t->ann_end + 1, &h)) return -1;
  }
  return 0;
}

/* , : ; ! ? at token i standing for A3xx in the middle of a B character. */
static int expand_split_mark(farm *f, size_t i, const hyp *h0) {
  const tok *t = &f->tk[i];
  hyp h = *h0;
  h.punct++;
  h.dmg = 1;
  h.lit = 0;
  h.score -= PEN_PUNCT;
  int r = feed(f, &h, 0xA3, (uint32_t)i, 0);
  if (r <= 0) return r;
  r = feed(f, &h, (unsigned)punct_second(t->cp), (uint32_t)i, 0);
  if (r <= 0) return r;
  return push(f, i + 1, &h);
}

/* ---- a lost byte's readings with a swallowed character, set aside ---------- *
 *
 * At a '?' the best HOLE_BEAM readings each try 126 lead bytes L, and each
 * L completed with a swallowed ')', '(' or digit after it: up to 6,048
 * hypotheses, all pushed to the next position, where they land in a few
 * hundred states (the last character is the swallowed one, the last two
 * bytes L and it) and the merge keeps at most three of each (the best,
 * the best whose reading differs from it, the best with no guessed mark:
 * none of them is literal).  They are scored as before but not pushed:
 * each is set aside in its state's group here, which keeps only those
 * three, and after the position's last reading is expanded the groups'
 * survivors are pushed with the order (seq) they would have had, so the
 * merge keeps exactly what it kept.  What is not pushed is counted all
 * the same: in the budget (merged_away) and in NODE_LIMIT (nshared).
 * No HV_LIMIT merge is ever skipped: after a '?' at most 2 x MAX_KEYS
 * literal and split readings and HOLE_BEAM x 126 x 4 + HOLE_BEAM lost
 * byte forms reach the next position (16,272 < HV_LIMIT), and nothing
 * from before it can (an annotation jumps past a ')', not a '?').
 * The form "L kept" is pushed as before: its state holds the reading's
 * own last pair (pending byte, L), so few of them share one and setting
 * them aside cost more than it saved (qruns +9% instructions).
 *
 * A form is not built as a hypothesis (Wave 9): what its state is (the
 * swallowed character k, L, the open quotes and brackets) and what the
 * merge compares (score, order, reading's hash, guessed mark) are
 * worked out from the reading with L fed (a swbase, kept once for its
 * three forms), with the very operations feed and emit would do; the
 * bigrams of L's character and each swallowed one come from a memo by
 * L.  The reading with L fed gets its output node only when one of its
 * forms survives (or a kept or annotation reading of it is pushed):
 * NODE_LIMIT counts it as made either way. */
typedef struct swbase {
  hyp h;          /* h0 with L fed; h.node is h0's until made */
  uint32_t cp;    /* the output node it would make (node_cp), */
  uint64_t off;   /* and its offset */
  uint8_t defer;  /* 1 while that node is not made */
  /* 1: h is not built yet; it is f->swh0[j] with L fed (expand_fast) */
  uint8_t lazy, j, L;
} swbase;

typedef struct swc {
  double score;
  uint64_t hash;
  uint32_t seq;
  uint32_t base; /* index in f->swb, SWC_GUESS set when it holds a
                  * guessed mark */
} swc;
#define SWC_GUESS 0x80000000u

typedef struct swgrp {
  uint32_t open; /* open[] of the forms, one byte each */
  uint32_t next; /* the next group of the same (L, k), or UINT32_MAX */
  swc c[3]; /* the best, the best other reading, the best unguessed one */
  uint8_t have[3];
  uint8_t k, L;
  uint32_t nforms; /* forms set aside in it */
} swgrp;
enum { SW_HEADS = 126 * 3, SW_MEMO_BITS = 12, SW_MEMO = 1 << SW_MEMO_BITS, SW_BASES = HOLE_BEAM * 126 };

/* x ranks before y in their state's order (farm_merge.c, ranks_before) */
static inline int sw_before(const swc *x, const swc *y) {
  return x->score > y->score || (x->score == y->score && (int32_t)(x->seq - y->seq) < 0);
}

static inline int swc_guess(const swc *x) { return (x->base & SWC_GUESS) != 0; }

/* Makes the output node of the reading with L fed, once. */
static int feed(farm *f, hyp *h, unsigned b, uint32_t ti, int lost);

static int sw_make_node(farm *f, swbase *b, size_t i) {
  if (b->lazy) {
    /* the reading expand_fast scored: fed for real, the same operations
     * (so the same score), its node made now */
    b->h = f->swh0[b->j];
    if (feed(f, &b->h, b->L, (uint32_t)i, 1) <= 0) return -1; /* fed before */
    b->lazy = 0;
    b->defer = 0;
    f->nshared--;
    return 0;
  }
  if (!b->defer) return 0;
  if (node_push(f, &b->h.node, b->cp, b->off)) return -1;
  b->defer = 0;
  f->nshared--; /* counted as shared when L was fed (expand_lost) */
  return 0;
}

static int sw_defer(farm *f, const swc *x, unsigned k, unsigned L, uint32_t open) {
  if (!f->swhead) {
    f->swhead = malloc(SW_HEADS * sizeof *f->swhead);
    if (!f->swhead) return -1;
    memset(f->swhead, 0xFF, SW_HEADS * sizeof *f->swhead);
  }
  uint32_t *head = &f->swhead[(L - 0x81) * 3 + k], q = *head;
  while (q != UINT32_MAX && f->swg[q].open != open) q = f->swg[q].next;
  if (q == UINT32_MAX) {
    if (f->nswg == f->capswg) {
      size_t nc = f->capswg ? f->capswg * 2 : 256;
      swgrp *g = realloc(f->swg, nc * sizeof *g);
      if (!g) return -1;
      f->swg = g;
      f->capswg = nc;
    }
    swgrp *g = &f->swg[f->nswg];
    g->open = open;
    g->next = *head;
    g->k = (uint8_t)k;
    g->L = (uint8_t)L;
    g->nforms = 1;
    g->c[0] = *x;
    g->have[0] = 1;
    g->have[1] = 0;
    g->have[2] = !swc_guess(x);
    if (g->have[2]) g->c[2] = *x;
    *head = (uint32_t)f->nswg++;
    return 0;
  }
  swgrp *g = &f->swg[q];
  g->nforms++;
  /* the best and the best whose reading differs from it, kept as x comes */
  if (sw_before(x, &g->c[0])) {
    if (x->hash != g->c[0].hash) {
      g->c[1] = g->c[0];
      g->have[1] = 1;
    }
    g->c[0] = *x;
  } else if (x->hash != g->c[0].hash && (!g->have[1] || sw_before(x, &g->c[1]))) {
    g->c[1] = *x;
    g->have[1] = 1;
  }
  if (!swc_guess(x) && (!g->have[2] || sw_before(x, &g->c[2]))) {
    g->c[2] = *x;
    g->have[2] = 1;
  }
  return 0;
}

/* Forgets the groups (after sw_flush, or a failure). */
static void sw_clear(farm *f) {
  for (size_t q = 0; q < f->nswg; q++)
    f->swhead[(f->swg[q].L - 0x81) * 3 + f->swg[q].k] = UINT32_MAX;
  f->nswg = 0;
  f->nswb = 0;
  f->nswh0 = 0;
}

/* The survivors of the forms set aside at position i go to i + 1, each
 * with the output node of its swallowed character (and the one of L's
 * character, when not made yet). */
static int sw_flush(farm *f, size_t i) {
  static const uint32_t sw[3] = {')', '(', WILD_DIGIT};
  hvec *bv = &f->beam[(i + 1) % RING];
  uint64_t off = f->tk[i].off, dropped = 0;
  for (size_t q = 0; q < f->nswg; q++) {
    swgrp *g = &f->swg[q];
    uint32_t cp = sw[g->k], lmcp = g->k == 2 ? '0' : cp, pushed = 0;
    for (int k = 0; k < 3; k++) {
      if (!g->have[k]) continue;
      int dup = 0;
      for (int j = 0; j < k; j++) dup |= g->have[j] && g->c[j].seq == g->c[k].seq;
      if (dup) continue;
      swbase *b = &f->swb[g->c[k].base & ~SWC_GUESS];
      if (sw_make_node(f, b, i)) return -1;
      /* the form as expand_swallowed built it from the reading */
      hyp h = b->h;
      h.need = 0;
      h.score = g->c[k].score;
      h.last = lmcp;
      h.hash = g->c[k].hash;
      h.b1 = h.b2;
      h.b2 = (uint8_t)lmcp;
      h.sep = 0;
      memcpy(h.open, &g->open, NGROUPS);
      h.holes++;
      h.dmg = 1;
      h.lit = 0;
      h.seq = g->c[k].seq;
      if (node_push(f, &h.node, cp, off)) return -1;
      if (hv_push(f, bv, &h)) return -1;
      pushed++;
    }
    dropped += g->nforms - pushed;
    /* NODE_LIMIT counts the node each swallowed one would have made */
    f->nshared += g->nforms - pushed;
  }
  if (f->nswg && i + 1 > f->reach) f->reach = i + 1;
  /* the others were pushed in all but name: the budget counts them */
  f->merged_away += dropped;
  sw_clear(f);
  return 0;
}

/* L followed by a swallowed ')', '(' or digit: only after L completed a
 * pair, since none of them can be a second byte.  b: h0 with L fed (so
 * nothing is pending), at f->swb[bi].  Each form is scored with the
 * operations feed and emit would do on a copy of b->h, in the same
 * order (so to the same bits), and set aside (sw_defer): of 16 readings
 * x 126 lead bytes x 3, the merge would keep a few hundred. */
static int expand_swallowed(farm *f, uint32_t bi, unsigned L, double score, uint64_t hash,
                            const uint8_t hopen[NGROUPS], uint32_t last, int need) {
  static const uint32_t sw[3] = {')', '(', WILD_DIGIT};
  if (!f->swmemo) {
    f->swmemo = calloc(SW_MEMO, sizeof *f->swmemo); /* c = 0: empty */
    if (!f->swmemo) return -1;
  }
  struct swmemo *m = &f->swmemo[(last * 0x9E3779B1u) >> (32 - SW_MEMO_BITS)];
  if (m->c != last) {
    m->c = last;
    m->v[0] = bigram(f, last, ')');
    m->v[1] = bigram(f, last, '(');
    m->v[2] = bigram(f, last, '0');
  }
  /* feed: the pair before it is annotated and no annotation follows */
  double s0 = score;
  if (need) s0 -= PEN_UNANN;
  uint32_t open;
  memcpy(&open, hopen, NGROUPS);
  unsigned o2 = hopen[2];
  for (unsigned k = 0; k < 3; k++) {
    swc x;
    /* emit, less the output node (sw_flush makes it for those kept) */
    x.score = s0;
    x.score += m->v[k];
    /* typography: ')' and '(' are group 2, which earns nothing on
     * closing; the digit's placeholder is no character (zf_occ_class of
     * it is 0) and no mark */
    uint32_t op = open;
    uint8_t *o = (uint8_t *)&op;
    if (k == 0) {
      if (o2) o[2] = (uint8_t)(o2 - 1);
      else x.score -= BAL_STRAY;
    } else if (k == 1) {
      if (o2 < 3) o[2] = (uint8_t)(o2 + 1);
    }
    x.hash = mix(hash, sw[k]);
    x.score -= PEN_HOLE; /* hole() */
    x.seq = f->seq++; /* its place among the position's pushes */
    x.base = bi;
    if (sw_defer(f, &x, k, L, op)) return -1;
  }
  return 0;
}

/* Room for one more set-aside reading in f->swb (not yet counted in
 * nswb), NULL when out of memory; the first allocation takes what a
 * position can take (HOLE_BEAM readings x 126 L) at once. */
static swbase *sw_next(farm *f) {
  if (f->nswb == f->capswb) {
    size_t nc = f->capswb ? f->capswb * 2 : SW_BASES;
    swbase *b = realloc(f->swb, nc * sizeof *b);
    if (!b) return NULL;
    f->swb = b;
    f->capswb = nc;
  }
  return &f->swb[f->nswb];
}

/* h0 with L fed, kept for its forms: its index in f->swb. */
static int sw_base(farm *f, const hyp *hl, int defer, uint32_t *bi) {
  swbase *b = sw_next(f);
  if (!b) return -1;
  b->h = *hl;
  b->defer = (uint8_t)defer;
  b->lazy = 0;
  b->cp = f->nn_cp;
  b->off = f->nn_off;
  *bi = (uint32_t)f->nswb++;
  return 0;
}

/* The lost byte L of every lead byte completing h0's pending byte P,
 * followed by a swallowed ')', '(' or digit, when that is all a lost byte
 * can be here (no kept byte, no annotation): what feed and emit would do
 * with L, worked out without building the reading (the same operations
 * in the same order: the same score), and its forms set aside; the
 * reading is built only when a form of it survives (sw_flush). */
static int expand_fast(farm *f, const hyp *h0) {
  unsigned P = h0->pend;
  uint32_t flags = h0->pend_lost && symbol_row(P) ? GUESSED | TRAIL_LOST : 0;
  uint32_t guess = h0->guess || flags ? SWC_GUESS : 0;
  /* feed: the pair before it is annotated and no annotation follows */
  double s_in = h0->score;
  if (h0->need) s_in -= PEN_UNANN;
  int ann_ok = f->annset && !h0->sep && fb_is_lead(h0->b2);
  uint32_t j = (uint32_t)f->nswh0;
  f->swh0[f->nswh0++] = *h0;
  for (unsigned L = 0x81; L <= 0xFE; L++) {
    uint32_t c = fb_pair(f->codec, P, L);
    if (!c) continue;
    /* the output node of L's character: made when a form survives,
     * counted as made by each of the three forms (expand_lost) */
    f->nshared += 3;
    /* emit */
    double s = s_in;
    s += bigram(f, h0->last, c);
    uint8_t open[NGROUPS];
    memcpy(open, h0->open, NGROUPS);
    typo(f, &s, open, c, h0->last);
    uint64_t hash = mix(h0->hash, c | flags);
    /* feed's tail: the last two bytes are now h0's last one and L */
    int need = 0;
    if (ann_ok) {
      uint32_t c2 = fb_pair(f->codec, h0->b2, L);
      if (c2 && zf_farm_annset_has(f, c2)) need = 1;
    }
    swbase *b = sw_next(f);
    if (!b) return -1;
    b->lazy = 1;
    b->j = (uint8_t)j;
    b->L = (uint8_t)L;
    uint32_t bi = (uint32_t)f->nswb++;
    if (expand_swallowed(f, bi | guess, L, s, hash, open, c, need)) return -1;
  }
  return 0;
}

/* The '?' (or U+FFFD) at token i as a lost byte: a lone 0x80, or a lead
 * byte L alone, before a swallowed '(' that opened an annotation, or
 * before a swallowed ')', '(' or digit. */
static int expand_lost(farm *f, size_t i, size_t n, const hyp *h0, int damage_ok) {
  const tok *t = &f->tk[i];
  unsigned nb = i + 1 < n ? (f->tk[i + 1].nb ? f->tk[i + 1].b[0] : 0x81) : 0x0A;
  /* Which decoder made the document, once it has shown it: one that
   * swallows '(' ')' and digits after a bad lead byte never shows them
   * right after its '?', one that keeps them never loses them. */
  int swallows = f->swallow_seen > f->keep_seen,
      keeps = f->keep_seen > f->swallow_seen || t->cp == 0xFFFD;
  int nb_kept_ok = !fb_is_trail(nb) &&
                   !(swallows && (nb == '(' || nb == ')' || (nb >= '0' && nb <= '9')));
  int next_removable = i + 1 < n && (f->tk[i + 1].ann_end || punct_second(f->tk[i + 1].cp));
  /* '?' for a lone 0x80, which only a second byte can be */
  if (damage_ok && h0->pend) {
    hyp h = *h0;
    int r = feed(f, &h, 0x80, (uint32_t)i, 1);
    if (r < 0) return -1;
    if (r > 0) {
      hole(&h);
      if (push(f, i + 1, &h)) return -1;
    }
  }
  int kept = damage_ok && nb_kept_ok && (h0->pend || next_removable);
  int swallowed = damage_ok && !keeps && h0->pend;
  if (!t->ann_end && !kept && !swallowed) return 0;
  if (swallowed && !kept && !t->ann_end && f->nswh0 < HOLE_BEAM) return expand_fast(f, h0);
  /* the forms of each L share the one feed of L (docs/repair-farm.md,
   * "This stop"): NODE_LIMIT counts its output node once per form */
  size_t branches = (t->ann_end ? 1u : 0u) + (kept ? 1u : 0u) + (swallowed ? 3u : 0u);
  for (unsigned L = 0x81; L <= 0xFE; L++) {
    /* Every reading below starts with L fed to h0: L is fed once and
     * each form starts from a copy of the result.  A pair L cannot
     * complete ends them all. */
    if (h0->pend && !fb_pair(f->codec, h0->pend, L)) continue;
    hyp hl = *h0;
    f->nonode = 1;
    f->nn_made = 0;
    int r = feed(f, &hl, L, (uint32_t)i, 1);
    f->nonode = 0;
    if (r < 0) return -1;
    if (r == 0) continue;
    int defer = f->nn_made; /* L's character's node, not made yet */
    if (defer) f->nshared += branches; /* less one when it is made */
    /* L followed by a swallowed '(' that opened an inserted annotation */
    if (t->ann_end && window_reads(f, &hl, t->syl, t->tone)) {
      if (defer) {
        swbase b = {hl, f->nn_cp, f->nn_off, 1, 0, 0, 0};
        if (sw_make_node(f, &b, i)) return -1;
        hl.node = b.h.node;
        defer = 0;
      }
      hyp h = hl;
      hole(&h);
      h.misrm++;
      h.need = 0;
      h.sep = 1;
      if (push(f, (size_t)t->ann_end + 1, &h)) return -1;
    }
    /* L followed by an invalid second byte that the decoder kept */
    if (kept) {
      if (defer) {
        swbase b = {hl, f->nn_cp, f->nn_off, 1, 0, 0, 0};
        if (sw_make_node(f, &b, i)) return -1;
        hl.node = b.h.node;
        defer = 0;
      }
      hyp h = hl;
      hole(&h);
      if (push(f, i + 1, &h)) return -1;
    }
    if (swallowed) {
      uint32_t bi;
      if (sw_base(f, &hl, defer, &bi) ||
          expand_swallowed(f, bi | (hl.guess ? SWC_GUESS : 0), L, hl.score, hl.hash, hl.open,
                           hl.last, hl.need))
        return -1;
    }
  }
  return 0;
}

/* Every reading of token i from h0.  holes: h0 may read a '?' as a lost
 * byte (only the best few do). */
static int expand(farm *f, size_t i, size_t n, const hyp *h0, int holes) {
  const tok *t = &f->tk[i];
  int strip_ok = f->o.pinyin == ZHFIX_PINYIN_STRIP ||
                 (f->o.pinyin == ZHFIX_PINYIN_AUTO && f->sig);
  int damage_ok = f->sig;
  int forced = 0;
  if (expand_annotation(f, i, h0, strip_ok, &forced)) return -1;
  if (!forced) { /* the literal reading */
    hyp h = *h0;
    int r = feed_tok(f, &h, t);
    if (r < 0) return -1;
    if (r > 0 && push(f, i + 1, &h)) return -1;
  }
  if (h0->pend && damage_ok && punct_second(t->cp) && expand_split_mark(f, i, h0) < 0)
    return -1;
  /* A lost byte belongs to a GBK character, so a '?' run in pure ASCII
   * ("refer to ???") is never one. */
  if (!is_lost(t->cp) || !holes || (!t->ann_end && (!damage_ok || !t->near))) return 0;
  return expand_lost(f, i, n, h0, damage_ok);
}

/* ---- the line ------------------------------------------------------------------ */

/* Drops the nodes no hypothesis of the ring reaches: the tree of a long
 * unresolved span grows by every reading ever tried, while the live
 * readings share a few paths.  Nodes keep their order (a parent is always
 * before its children) and what they hold, so the output is the same. */
static int compact_nodes(farm *f) {
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

/* h as the one state the search goes on from after a cut. */
static void restart(farm *f, hvec *bv, const hyp *h, int lit) {
  hyp b = *h;
  b.score = 0; /* readings are only ever compared with their siblings */
  b.node = 0;
  b.hash = 0;
  b.dmg = 0;
  b.holes = b.alrm = b.misrm = b.punct = 0;
  b.guess = 0;
  if (lit) b.lit = 1;
  bv->v[0] = b;
  bv->n = 1;
  f->nnodes = 1;
  f->ndropped = f->nlive = f->nshared = 0;
}

/* The best hypothesis of bv (sorted by score, or one state sorted by
 * key) with no mark rebuilt from a lost lead byte; NULL when none. */
static const hyp *best_plain(const hvec *bv) {
  for (size_t k = 0; k < bv->n; k++)
    if (!bv->v[k].guess) return &bv->v[k];
  return NULL;
}

/* The end of the line: the best reading that is in phase, against the
 * best other one. */
static int finish_line(farm *f, hvec *bv, size_t cut, size_t n, zf_text *out, zf_stats *stats) {
  size_t w = 0;
  for (size_t k = 0; k < bv->n; k++)
    if (!bv->v[k].pend) {
      /* a parenthesis the line opened and never closed: a swallowed
       * ')' is the likelier reading */
      bv->v[k].score -= PEN_UNCLOSED * bv->v[k].open[2];
      bv->v[w++] = bv->v[k];
    }
  bv->n = w;
  if (w == 0) {
    zf_stats_unrecoverable(stats, f->tk[cut].off, zf_farm_span_len(f, cut, n, n));
    return zf_farm_out_verbatim(f, cut, n, out);
  }
  if (zf_farm_order(f, bv, 0)) return -1;
  const hyp *second = NULL;
  for (size_t k = 1; k < w && !second; k++)
    if (bv->v[k].hash != bv->v[0].hash) second = &bv->v[k];
  memcpy(f->open, bv->v[0].open, 2); /* quotes only: see zf_farm_track_open */
  return zf_farm_commit(f, cut, n, n, &bv->v[0], second, best_plain(bv), out, stats);
}

/* Damage that never resolves within FORCE_CUT characters (or fills the
 * node store): keeps the span as it was (the literal reading) and says
 * so.  Returns 1 when it cut, 0 when it could not, -1 on failure. */
static int force_cut(farm *f, hvec *bv, size_t cut, size_t i, size_t n, zf_text *out,
                     zf_stats *stats) {
  size_t k = 0;
  while (k < bv->n && !bv->v[k].lit) k++;
  if (k == bv->n || bv->v[k].pend) return 0;
  zf_stats_unrecoverable(stats, f->tk[cut].off, zf_farm_span_len(f, cut, i, n));
  if (zf_farm_commit(f, cut, i, n, &bv->v[k], NULL, NULL, out, stats)) return -1;
  restart(f, bv, &bv->v[k], 0);
  return 1;
}

/* Token i, read by h, the one reading left, in phase, when it can have no
 * other reading (no annotation, no lost byte; a split mark needs a
 * pending byte): written straight to out.  Returns 1 when it was, 0 when
 * the token needs the search, -1 on failure. */
static int take_plain(farm *f, hyp *h, size_t i, zf_text *out) {
  const tok *t = &f->tk[i];
  if (is_lost(t->cp) || (t->cp == '(' && t->ann_end)) return 0;
  if (t->nb == 2 && !fb_pair(f->codec, t->b[0], t->b[1])) return 0; /* dies: the search says so */
  f->direct = out;
  int r = feed_tok(f, h, t);
  f->direct = NULL;
  return r < 0 ? -1 : 1;
}

int zf_farm_repair_line(farm *f, const zf_text *in, zf_text *out, zf_stats *stats) {
  size_t n = in->len;
  f->nnodes = 1;
  f->ndropped = f->nlive = f->nshared = 0;
  hyp h0;
  memset(&h0, 0, sizeof h0);
  h0.last = '\n';
  h0.lit = 1;
  memcpy(h0.open, f->open, NGROUPS);
  if (hv_push(f, &f->beam[0], &h0)) return -1;
  size_t cut = 0;
  f->lwork = 0;
  f->merged_away = 0;
  f->reach = 0; /* furthest position with hypotheses (push) */
  f->seq = 0;
  if (f->nswg || f->nswb || f->nswh0) sw_clear(f); /* after a failure */
  /* hypotheses the line may push (the cost of the search): its own
   * budget, or what the document has left when that is less (f->avail,
   * repair_farm.c) */
  uint64_t work = 0, budget = WORK_BASE + WORK_PER_CHAR * (uint64_t)n;
  if (f->avail < (int64_t)budget) budget = f->avail > 0 ? (uint64_t)f->avail : 0;
  for (size_t i = 0; i <= n; i++) {
    hvec *bv = &f->beam[i % RING];
    if (i == cut && bv->n == 1 && f->reach <= i && !bv->v[0].pend) {
      /* one reading, in phase: plain tokens need no search */
      hyp h = bv->v[0];
      size_t j = i;
      int r = 0;
      while (j < n && (r = take_plain(f, &h, j, out)) == 1) j++;
      if (r < 0) return -1;
      if (j > i) {
        bv->n = 0;
        bv = &f->beam[j % RING];
        if (hv_push(f, bv, &h)) return -1;
        cut = i = f->reach = j;
      }
    }
    /* the hypotheses pushed to i, and those pushed (anywhere) that a
     * merge on the way dropped: every hypothesis pushed is counted once */
    work += bv->n + f->merged_away;
#ifdef FARM_TUNE
    f->work += bv->n + f->merged_away;
#endif
    f->merged_away = 0;
    f->lwork = work;
    if (work > budget && i < n) {
#ifdef FARM_TUNE
      if (getenv("FARM_LIMIT_LOG"))
        fprintf(stderr, "LIMIT work%s %llu\n", budget < WORK_BASE + WORK_PER_CHAR * (uint64_t)n ? " doc" : "",
                (unsigned long long)f->tk[0].off);
#endif
      /* damage too dense to search within the line's budget: the rest of
       * the line stays as it is, reported (docs/repair-farm.md, "Bounded
       * work") */
      for (size_t p = 0; p < RING; p++) f->beam[p].n = 0;
      zf_stats_unrecoverable(stats, f->tk[cut].off, zf_farm_span_len(f, cut, n, n));
      return zf_farm_out_verbatim(f, cut, n, out);
    }
    if (f->nnodes >= NODE_COMPACT && f->nnodes >= 2 * f->nlive && compact_nodes(f)) return -1;
    size_t keys = zf_farm_merge(f, bv);
    if (keys == MERGE_FAILED) return -1;
    if (bv->n == 0) {
      if (f->reach > i) continue;
      /* every reading died: keep the rest of the line as it is */
      zf_stats_unrecoverable(stats, f->tk[cut].off, zf_farm_span_len(f, cut, n, n));
      return zf_farm_out_verbatim(f, cut, n, out);
    }
    if (i == n) return finish_line(f, bv, cut, n, out, stats);
    if (f->reach <= i && i > cut && keys > 1 &&
        (i - cut > FORCE_CUT || f->nnodes + f->ndropped + f->nshared > NODE_LIMIT)) {
#ifdef FARM_TUNE
      if (getenv("FARM_LIMIT_LOG")) fprintf(stderr, "LIMIT cut %zu\n", f->nnodes);
#endif
      int r = force_cut(f, bv, cut, i, n, out, stats);
      if (r < 0) return -1;
      if (r) {
        keys = 1;
        cut = i;
      }
    }
    if (keys == 1 && f->reach <= i && !bv->v[0].pend && i > cut) {
      /* one state left, in phase: the span is resolved */
      const hyp *second = bv->n > 1 ? &bv->v[1] : NULL;
      if (zf_farm_commit(f, cut, i, n, &bv->v[0], second, best_plain(bv), out, stats)) return -1;
      restart(f, bv, &bv->v[0], 1);
      cut = i;
    }
    /* Only the best few readings try a lost byte at a '?' (126 values
     * each); the literal one always goes on. */
    if (is_lost(f->tk[i].cp) && bv->n > HOLE_BEAM && zf_farm_front(f, bv, HOLE_BEAM)) return -1;
    for (size_t k = 0; k < bv->n; k++) {
      hyp h = bv->v[k];
      if (expand(f, i, n, &h, k < HOLE_BEAM)) return -1;
    }
    if ((f->nswg || f->nswh0) && sw_flush(f, i)) return -1;
    beam_release(f, bv);
  }
  return 0;
}
