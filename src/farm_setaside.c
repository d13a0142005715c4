/*
 * Content-farm search: a lost byte's readings with a swallowed character,
 * set aside (docs/repair-farm.md, "Wave 8" and "Wave 9").
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
 * NODE_LIMIT counts it as made either way.
 */
#include <stdlib.h>
#include <string.h>

#include "farm_search.h"
#include "lm.h"

typedef struct swbase {
  hyp h;          /* h0 with L fed; h.node is h0's until made */
  uint32_t cp;    /* the output node it would make (node_cp), */
  uint32_t tok;   /* and the token that gives it */
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
  uint32_t nforms; /* forms set aside in it (beside open: one line) */
  uint8_t have[3];
  uint8_t k, L;
  swc c[3]; /* the best, the best other reading, the best unguessed one */
} swgrp;
enum { SW_HEADS = 126 * 3, SW_MEMO = 126 * 126, SW_BASES = HOLE_BEAM * 126 };

/* x ranks before y in their state's order (farm_merge.c, ranks_before) */
static inline int sw_before(const swc *x, const swc *y) {
  return x->score > y->score || (x->score == y->score && (int32_t)(x->seq - y->seq) < 0);
}

static inline int swc_guess(const swc *x) { return (x->base & SWC_GUESS) != 0; }

/* The bigrams of last and each character P L (126 lead bytes L), as a
 * row: the readings at a '?' often share their last character and
 * pending byte (readings of one state, or the same ones a few positions
 * on), and each asks for the same 94-126 pairs, most of which the
 * bigram cache has lost by then.  The values are the model's, bit for
 * bit, so the row changes nothing but the time. */
struct bgrow {
  uint32_t last;
  uint8_t P;
  float v[126];
};
/* 2^10 rows (512 KB, touched as used): with 2^8, the one-line shape
 * built 5,070 rows for 1,422 distinct (last, P), 126 questions to the
 * model each; with 2^10, 3,064 (docs/repair-farm.md, "Wave 13") */
enum { BGROW_BITS = 10 };

size_t zf_farm_sw_bytes(const farm *f) {
  return f->capswg * sizeof(swgrp) + (f->swhead ? SW_HEADS * sizeof *f->swhead : 0) +
         f->capswb * sizeof(swbase) + (f->swmemo ? SW_MEMO * sizeof *f->swmemo : 0) +
         (f->bgrow ? ((size_t)1 << BGROW_BITS) * sizeof *f->bgrow : 0);
}

/* the row's place (f->bgrow not NULL) */
static struct bgrow *bg_row_at(const farm *f, uint32_t last, unsigned P) {
  uint32_t x = last * 0x9E3779B1u ^ P * 0x85EBCA77u;
  return &f->bgrow[(x ^ x >> 15) >> (32 - BGROW_BITS)];
}

/* Makes the output node of the reading with L fed, once. */
static int sw_make_node(farm *f, swbase *b, size_t i) {
  if (b->lazy) {
    /* the reading expand_fast scored: fed for real, the same operations
     * (so the same score), its node made now */
    b->h = f->swh0[b->j];
    /* its bigram is in the row expand_fast read, when that is still
     * there: the pair asked last, for the feed */
    const struct bgrow *r = f->bgrow ? bg_row_at(f, b->h.last, b->h.pend) : NULL;
    if (r && r->P == b->h.pend && r->last == b->h.last) {
      f->bm_a = b->h.last;
      f->bm_b = fb_pair(f->codec, b->h.pend, b->L);
      f->bm_v = r->v[b->L - 0x81];
    }
    if (zf_farm_feed(f, &b->h, b->L, (uint32_t)i, 1) <= 0) return -1; /* fed before */
    b->lazy = 0;
    b->defer = 0;
    f->nshared--;
    return 0;
  }
  if (!b->defer) return 0;
  if (node_push(f, &b->h.node, b->cp, b->tok)) return -1;
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
    if (f->nswg == f->capswg && zf_grow((void **)&f->swg, &f->capswg, f->nswg + 1, sizeof *f->swg, 256))
      return -1;
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
void zf_farm_sw_clear(farm *f) {
  for (size_t q = 0; q < f->nswg; q++)
    f->swhead[(f->swg[q].L - 0x81) * 3 + f->swg[q].k] = UINT32_MAX;
  f->nswg = 0;
  f->nswb = 0;
  f->nswh0 = 0;
}

/* The survivors of the forms set aside at position i go to i + 1, each
 * with the output node of its swallowed character (and the one of L's
 * character, when not made yet). */
int zf_farm_sw_flush(farm *f, size_t i) {
  static const uint32_t sw[3] = {')', '(', WILD_DIGIT};
  hvec *bv = &f->beam[(i + 1) % RING];
  uint64_t dropped = 0;
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
      if (node_push(f, &h.node, cp, (uint32_t)i)) return -1;
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
  zf_farm_sw_clear(f);
  return 0;
}

/* L followed by a swallowed ')', '(' or digit: only after L completed a
 * pair, since none of them can be a second byte.  b: h0 with L fed (so
 * nothing is pending), at f->swb[bi].  Each form is scored with the
 * operations feed and emit would do on a copy of b->h, in the same
 * order (so to the same bits), and set aside (sw_defer): of 16 readings
 * x 126 lead bytes x 3, the merge would keep a few hundred. */
static int expand_swallowed(farm *f, uint32_t bi, unsigned P, unsigned L, double score,
                            uint64_t hash, const uint8_t hopen[NGROUPS], uint32_t last, int need) {
  static const uint32_t sw[3] = {')', '(', WILD_DIGIT};
  if (!f->swmemo) {
    /* 126 x 126 entries, each row touched only once its P is used */
    f->swmemo = calloc(SW_MEMO, sizeof *f->swmemo); /* c = 0: empty */
    if (!f->swmemo) return -1;
  }
  /* last is the character P L (L completed h0's pending byte P) */
  struct swmemo *m = &f->swmemo[(P - 0x81) * 126 + (L - 0x81)];
  if (m->c != last) {
    m->c = last;
    m->v[0] = zf_lm_bigram(last, ')');
    m->v[1] = zf_lm_bigram(last, '(');
    m->v[2] = zf_lm_bigram(last, '0');
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
  b->tok = f->nn_tok;
  *bi = (uint32_t)f->nswb++;
  return 0;
}

const float *zf_farm_bg_row(farm *f, uint32_t last, unsigned P) {
  if (!f->bgrow) {
    f->bgrow = calloc((size_t)1 << BGROW_BITS, sizeof *f->bgrow); /* P = 0: empty */
    if (!f->bgrow) return NULL;
  }
  struct bgrow *r = bg_row_at(f, last, P);
  if (r->P == P && r->last == last) return r->v;
  r->P = (uint8_t)P;
  r->last = last;
  for (unsigned L = 0x81; L <= 0xFE; L++) {
    uint32_t c = fb_pair(f->codec, P, L);
    /* the model itself: a row asks for up to 126 pairs that the
     * bigram cache seldom holds, and would push out the ones it does */
    r->v[L - 0x81] = c ? zf_lm_bigram(last, c) : 0.0f;
  }
  return r->v;
}

/* The lost byte L of every lead byte completing h0's pending byte P,
 * followed by a swallowed ')', '(' or digit, when that is all a lost byte
 * can be here (no kept byte, no annotation): what feed and emit would do
 * with L, worked out without building the reading (the same operations
 * in the same order: the same score), and its forms set aside; the
 * reading is built only when a form of it survives (sw_flush). */
int zf_farm_expand_fast(farm *f, const hyp *h0) {
  unsigned P = h0->pend;
  const float *row = zf_farm_bg_row(f, h0->last, P);
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
    s += row ? row[L - 0x81] : bigram(f, h0->last, c);
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
    if (expand_swallowed(f, bi | guess, P, L, s, hash, open, c, need)) return -1;
  }
  return 0;
}

int zf_farm_swallowed(farm *f, const hyp *hl, int defer, unsigned P, unsigned L) {
  uint32_t bi;
  if (sw_base(f, hl, defer, &bi)) return -1;
  return expand_swallowed(f, bi | (hl->guess ? SWC_GUESS : 0), P, L, hl->score, hl->hash, hl->open,
                          hl->last, hl->need);
}
