/*
 * The lost-byte lattice (lost.h; docs/repair-lost.md).
 *
 * Positions of the lattice are the boundaries between the input's units
 * (its code points); a node is a state at a boundary: the source
 * decoder's pending bytes, a byte the reader will read again (its error
 * did not consume it), and the last source character (the bigram
 * model's context).  An edge explains one unit: a byte sequence that the
 * reader turns into exactly that unit (the character, or one error for a
 * marker; in a dropping reader, errors that leave nothing may come
 * first), found by a small depth-first search over the bytes the reader's
 * and the source's rules allow.  The bytes go through the source decoder
 * as they are chosen, and every completed character is scored.
 *
 * Forward: nodes merge by state, keep the best incoming edge (Viterbi),
 * and a boundary keeps at most LOST_STATES nodes within LOST_PRUNE of its
 * best; gap bytes are tried by the best nodes first, up to LOST_GAP_EDGES
 * edges per unit.  Where a single node
 * is left, everything before it is decided (a window), so memory is bound
 * by the window, and a window longer than LOST_WINDOW units is cut at its
 * best node.
 *
 * Backward: the best completion of every node gives, for every edge, the
 * best complete reading through it.  Places where a reading that differs
 * comes within LOST_WIDE of the best are regions; in a region the
 * competing readings are scored again as the mojibake stage scores a fill
 * (zf_lm_rank_score over the region and three characters each side, or
 * the bigram score when the readings differ in length) and a character is
 * written only where every reading within the margin agrees on it.
 */

#include "lost_lat.h"


/* Characters a gap may make: what text holds. */
static int plausible(uint32_t c) {
  if (c < 0x20) return c == '\t';
  if (c >= 0x7F && c < 0xA0) return 0;
  if (c >= 0xE000 && c <= 0xF8FF) return 0;
  if (c >= 0xFDD0 && c <= 0xFDEF) return 0;
  if ((c & 0xFFFE) == 0xFFFE || c == 0xFFFD) return 0;
  if (c >= 0xD800 && c <= 0xDFFF) return 0;
  if (c > 0xFFFF && !zf_is_han(c) && !(c >= 0x1F300 && c <= 0x1FAFF)) return 0;
  return 1;
}

/* ---- the search over one unit ------------------------------------------------- */

typedef struct dfs {
  uint32_t ds, ss, last;
  uint8_t rr, hasrr, stage, drops, sgap, spend, nb, nrp, nc, gaps;
  uint8_t rrins;  /* the byte read again is in the pending source bytes */
  int8_t rrchar;  /* ... or in this character of the edge (-1: neither) */
  int8_t bchar[MAXB]; /* char of each byte fed: index, -1 pending in S */
  uint8_t bsurv[MAXB]; /* the byte is the input's own (not a gap's)      */
  uint8_t rpend[4];   /* bytes the reader holds: indices into bchar, 0xFF
                         = a byte read again from the previous unit     */
  pchar c[MAXC];
  double lm, pen;
  uint64_t soff;
} dfs;

typedef struct xctx {
  zf_lost *l;
  uint32_t from;
  size_t j; /* unit */
  int gaps_ok;
  size_t nedges;
  size_t visits; /* steps of the search, bounded per node */
} xctx;

static uint32_t node_hash(const dfs *d, int lm) {
  uint64_t h = d->ss * 0x9E3779B97F4A7C15ull;
  h ^= (uint64_t)(d->hasrr ? 0x100u | d->rr : 0) * 0xC2B2AE3D27D4EB4Full;
  if (lm) h ^= (uint64_t)d->last * 0x165667B19E3779F9ull;
  h ^= h >> 29;
  return (uint32_t)(h * 0xBF58476D1CE4E5B9ull >> 32);
}

static int same_state(const lnode *n, const dfs *d, int lm) {
  return n->ss == d->ss && n->hasrr == d->hasrr && (!d->hasrr || n->rr == d->rr) &&
         (!lm || n->last == d->last);
}

/* Adds the edge the search found and its target node. */
static void add_edge(xctx *x, dfs *d) {
  zf_lost *l = x->l;
  int lm = l->mode != ZF_LOST_BYTES;
  if (l->nomem) return;
  if (++x->nedges > LOST_EDGE_CAP) {
    l->trunc_iv = 1;
    return;
  }
  /* plausibility of the characters made with lost bytes */
  for (int k = 0; k < d->nc; k++)
    if (d->c[k].gap && !plausible(d->c[k].cp)) d->pen += PEN_IMPLAUSIBLE;
  if (GROW(l, l->edges, l->cape, l->ne + 1) || GROW(l, l->pool, l->capp, l->np + d->nc) ||
      GROW(l, l->nodes, l->capn, l->nn + 1)) {
    l->nomem = 1;
    return;
  }
  float w = lm ? (float)(d->lm - d->pen) : 0.0f;
  float a = l->nodes[x->from].alpha + w;
  float as = l->nodes[x->from].alphas + w;
  /* the target node, merged by state */
  uint32_t h = node_hash(d, lm) & (uint32_t)(l->hcap - 1), to = NONE;
  while (l->hslot[h].gen == l->gen) {
    if (same_state(&l->nodes[l->hslot[h].node], d, lm)) {
      to = l->hslot[h].node;
      break;
    }
    h = (h + 1) & (uint32_t)(l->hcap - 1);
  }
  if (to == NONE && l->nn - l->bnew >= l->hcap / 2) {
    l->trunc_iv = 1; /* the boundary is full */
    return;
  }
  uint32_t e = (uint32_t)l->ne++;
  if (to == NONE) {
    to = (uint32_t)l->nn++;
    l->hslot[h].gen = l->gen;
    l->hslot[h].node = to;
    lnode *n = &l->nodes[to];
    memset(n, 0, sizeof *n);
    n->ss = d->ss;
    n->last = d->last;
    n->rr = d->rr;
    n->hasrr = d->hasrr;
    n->rrins = d->rrins;
    n->sgap = d->sgap;
    n->spend = d->spend;
    n->soff = d->soff;
    n->alpha = a;
    n->alphas = as;
    n->beta = -FLT_MAX;
    n->bp = e;
    n->bn = NONE;
  } else if (a > l->nodes[to].alpha) {
    lnode *n = &l->nodes[to];
    n->alphas = lse(n->alphas, as);
    n->alpha = a;
    n->bp = e;
    n->sgap = d->sgap;
    n->spend = d->spend;
    n->soff = d->soff;
  } else {
    l->nodes[to].alphas = lse(l->nodes[to].alphas, as);
  }
  ledge *ed = &l->edges[e];
  ed->from = x->from;
  ed->to = to;
  ed->w = w;
  ed->pen = (float)d->pen;
  ed->c0 = (uint32_t)l->np;
  ed->nc = d->nc;
  ed->gaps = d->gaps;
  ed->trunc = 0;
  /* (an edge with no character leaves the pool alone: it may still be
   * NULL, and memcpy's arguments may not be even for 0 bytes) */
  if (d->nc) memcpy(l->pool + l->np, d->c, (size_t)d->nc * sizeof *d->c);
  l->np += d->nc;
}

/* The bytes that, read again at unit j, can start it (a 256-bit set,
 * computed once per unit by setup()). */
void zf_lat_rr_set(const zf_lost *l, size_t j, uint64_t out[4]) {
  int kind = l->ukind[j];
  int drop = l->style == ZF_LOST_DROP;
  /* bytes that start no character alone: an error of the reader */
  uint64_t err[4] = {0, 0, 0, 0};
  for (unsigned b = 0x80; b < 0x100; b++)
    if (l->R->kind == LC_KIND_UTF8 || (l->R->errstart[(b - 0x80) / 8] >> (b % 8) & 1)) bs_set(err, b);
  for (int w = 0; w < 4; w++) out[w] = 0;
  if (kind == UK_END || kind == UK_ATOM) {
    if (drop)
      for (int w = 0; w < 4; w++) out[w] = err[w];
    return;
  }
  if (kind == UK_MARK || kind == UK_QMARK || drop)
    for (int w = 0; w < 4; w++) out[w] = err[w];
  if (kind == UK_MARK) return;
  uint32_t c = kind == UK_QMARK ? '?' : l->ucp[j];
  if (c < 0x80) {
    bs_set(out, c);
  } else if (l->R->kind == LC_KIND_UTF8) {
    unsigned char u[4];
    zf_utf8_put(c, u);
    bs_set(out, u[0]);
  } else {
    for (size_t k = 0; k < l->nenc[j]; k++) {
      unsigned code = l->uenc[j][k].code;
      bs_set(out, code < 0x100 ? code : code >> 8);
    }
  }
}

static int rr_ok(const zf_lost *l, size_t j, unsigned b) {
  return l->rrbits[j][b >> 6] >> (b & 63) & 1;
}

/* The bytes the source decoder can take in state ss. */
static void source_next(const lc_model *S, uint32_t ss, uint64_t *out) {
  if (S->kind != LC_KIND_UTF8) {
    const uint64_t *src = ss == 0 ? S->start_ok : S->pair_ok[ss - 0x81];
    for (int w = 0; w < 4; w++) out[w] = src[w];
    return;
  }
  for (int w = 0; w < 4; w++) out[w] = 0;
  if (ss == 0) {
    out[0] = out[1] = ~0ull;
    for (unsigned b = 0xC2; b <= 0xF4; b++) bs_set(out, b);
    return;
  }
  unsigned lo = 0x80, hi = 0xBF;
  if ((ss >> 24) == 1) u8_bounds((ss >> 16) & 0xFF, &lo, &hi);
  for (unsigned b = lo; b <= hi; b++) bs_set(out, b);
}

static void step(xctx *x, dfs *d);

/* The reader's event for the byte with index bi (0xFF: read again). */
/* A gap's byte that the error leaves to be read again starts the next
 * unit: the input confirms it, it counts as surviving. */
static void credit(dfs *d, uint8_t bi) {
  if (bi == 0xFF || d->bsurv[bi]) return;
  d->bsurv[bi] = 1;
  if (d->bchar[bi] >= 0) d->c[d->bchar[bi]].surv++;
  else d->spend++;
}

static void reader(xctx *x, dfs *d, unsigned b, uint8_t bi) {
  zf_lost *l = x->l;
  uint32_t cp = 0;
  int again;
  uint32_t ds0 = d->ds;
  int ev = lc_read(l->R, &d->ds, b, &cp, &again);
  if (ev == EV_DEAD) return;
  if (ev == EV_NONE) {
    if (d->nrp >= 4) return;
    d->rpend[d->nrp++] = bi;
    step(x, d);
    return;
  }
  int kind = l->ukind[x->j];
  if (ev == EV_CHAR) {
    d->nrp = 0;
    if (d->stage) return;
    uint32_t want = kind == UK_QMARK ? '?' : l->ucp[x->j];
    if ((kind != UK_CHAR && kind != UK_QMARK) || cp != want) return;
    d->stage = 1;
    step(x, d);
    return;
  }
  /* an error: the bytes the reader held are lost, and this one too unless
   * it is read again */
  (void)ds0;
  uint8_t lost[5];
  int nl = 0;
  for (int k = 0; k < d->nrp; k++) lost[nl++] = d->rpend[k];
  if (!again) lost[nl++] = bi;
  d->nrp = 0;
  for (int k = 0; k < nl; k++) {
    if (lost[k] == 0xFF) {
      /* the byte read again: in a character this edge made, still
       * pending, or in a character an earlier edge wrote (not flagged) */
      if (d->rrchar >= 0) d->c[d->rrchar].gap++;
      else if (d->rrins) d->sgap++;
      d->gaps++;
      continue;
    }
    int ci = d->bchar[lost[k]];
    if (ci >= 0)
      d->c[ci].gap++;
    else
      d->sgap++;
    d->gaps++;
  }
  if (d->stage) return;
  if (kind == UK_MARK || (kind == UK_QMARK && x->gaps_ok)) {
    if (!x->gaps_ok) return;
    if (kind == UK_QMARK) d->pen += PEN_HOLE;
    d->stage = 1;
    if (again) {
      if (!rr_ok(l, x->j + 1, b)) return;
      d->rr = (uint8_t)b;
      d->hasrr = 1;
      credit(d, bi);
      d->rrins = bi != 0xFF ? d->bchar[bi] == -1 : d->rrins;
    }
    step(x, d);
    return;
  }
  if (l->style == ZF_LOST_DROP && x->gaps_ok && d->drops + nl <= LOST_MAX_DROPS) {
    d->drops += (uint8_t)nl;
    d->pen += PEN_DROP;
    if (again) {
      if (!rr_ok(l, x->j, b)) return;
      d->rr = (uint8_t)b;
      d->hasrr = 1;
      credit(d, bi);
      d->rrins = bi != 0xFF ? d->bchar[bi] == -1 : d->rrins;
    }
    step(x, d);
  }
}

/* Feeds a newly chosen byte: into the source decoder, then the reader. */
static void feed(xctx *x, const dfs *d0, unsigned b, int surv) {
  zf_lost *l = x->l;
  if (d0->nb >= MAXB) return;
  dfs d = *d0;
  uint32_t cp;
  if (d.ss == 0) d.soff = (x->j < l->nu ? l->uoff[x->j] : l->end_off);
  int ev = lc_source(l->S, &d.ss, b, &cp);
  if (ev == EV_DEAD) return;
  uint8_t bi = d.nb++;
  d.spend = (uint8_t)(d.spend + surv);
  d.bsurv[bi] = (uint8_t)surv;
  d.bchar[bi] = -1;
  if (ev == EV_CHAR) {
    if (d.nc >= MAXC) return;
    int ci = d.nc++;
    d.c[ci] = (pchar){cp, d.sgap, d.spend, d.soff};
    d.sgap = 0;
    d.spend = 0;
    for (int k = 0; k <= bi; k++)
      if (d.bchar[k] == -1) d.bchar[k] = (int8_t)ci;
    if (d.rrins && d.rrchar < 0) d.rrchar = (int8_t)ci, d.rrins = 0;
    if (l->mode != ZF_LOST_BYTES) {
      d.lm += zf_lm_bigram(d.last, cp);
      d.last = cp;
      if (l->avoid && cp >= 0x3400 && (zf_occ_class(&l->occ, cp) & l->avoid)) d.pen += PEN_SCRIPT;
    }
  }
  reader(x, &d, b, bi);
}


static void step(xctx *x, dfs *d) {
  zf_lost *l = x->l;
  if (l->nomem || l->over || x->nedges > LOST_EDGE_CAP) return;
  if (++l->work > l->total ||
      (l->per_unit && l->work - l->run0 > l->per_unit * (x->j + 1 + LOST_BUDGET_SLACK))) {
    l->over = 1; /* the caller's budget ran out: the run gives up */
    return;
  }
  if (++x->visits > LOST_VISITS) {
    l->trunc_iv = 1; /* a gap's bytes were not all tried */
    return;
  }
  int kind = l->ukind[x->j];
  if (kind == UK_END && d->ds == 0 && !d->hasrr && d->ss == 0 && d->nrp == 0) {
    add_edge(x, d);
    return;
  }
  if (d->stage) {
    add_edge(x, d);
    return;
  }
  if (d->hasrr) {
    dfs c = *d;
    c.hasrr = 0;
    reader(x, &c, c.rr, 0xFF);
    return;
  }
  /* bytes that make the unit */
  uint64_t tried64[4] = {0, 0, 0, 0};
  if (kind == UK_CHAR || kind == UK_QMARK) {
    uint32_t c = kind == UK_QMARK ? '?' : l->ucp[x->j];
    if (l->R->kind == LC_KIND_UTF8) {
      unsigned char u[4];
      int n = zf_utf8_put(c, u);
      int have = (int)(d->ds >> 24);
      int okp = have < n;
      for (int k = 0; k < have && okp; k++)
        okp = ((d->ds >> (16 - 8 * k)) & 0xFF) == u[k];
      if (okp) {
        bs_set(tried64, u[have]);
        feed(x, d, u[have], 1);
      }
    } else if (c < 0x80) {
      if (d->ds == 0) {
        bs_set(tried64, c);
        feed(x, d, c, 1);
      }
    } else {
      size_t n = kind == UK_QMARK ? 0 : l->nenc[x->j];
      const lc_inv *e = kind == UK_QMARK ? NULL : l->uenc[x->j];
      for (size_t k = 0; k < n; k++) {
        unsigned b;
        if (d->ds == 0)
          b = e[k].code < 0x100 ? e[k].code : e[k].code >> 8;
        else if (e[k].code >= 0x100 && (e[k].code >> 8) == d->ds)
          b = e[k].code & 0xFF;
        else
          continue;
        if (tried64[b >> 6] >> (b & 63) & 1) continue;
        bs_set(tried64, b);
        feed(x, d, b, 1);
      }
    }
  }
  /* bytes of a gap: ones the reader rejects (or holds, to reject later) */
  int want_err = kind == UK_MARK || kind == UK_QMARK ||
                 (l->style == ZF_LOST_DROP && d->drops < LOST_MAX_DROPS);
  if (!want_err || !x->gaps_ok || kind == UK_ATOM) return;
  /* a byte the error does not consume is read again: it must start the
   * next unit (this one, when the error is hidden by a dropping reader) */
  size_t jt = kind == UK_MARK || kind == UK_QMARK ? x->j + 1 : x->j;
  uint64_t cset[4], rr[4];
  for (int w = 0; w < 4; w++) rr[w] = l->rrbits[jt][w];
  if (d->ds == 0) {
    for (int w = 0; w < 4; w++) cset[w] = l->R->kind == LC_KIND_UTF8 ? (w >= 2 ? ~0ull : 0) : l->R->err256[w];
  } else if (l->R->kind != LC_KIND_UTF8) {
    const uint64_t *i1 = l->R->inv1[d->ds - 0x81], *i2 = l->R->inv2[d->ds - 0x81];
    for (int w = 0; w < 4; w++) cset[w] = i2[w] | (i1[w] & rr[w]);
  } else {
    unsigned lo = 0x80, hi = 0xBF;
    if ((d->ds >> 24) == 1) u8_bounds((d->ds >> 16) & 0xFF, &lo, &hi);
    for (int w = 0; w < 4; w++) cset[w] = rr[w];
    for (unsigned b = lo; b <= hi; b++) bs_set(cset, b);
  }
  /* the source must be able to go on with it */
  uint64_t sok[4];
  source_next(l->S, d->ss, sok);
  for (int w = 0; w < 4; w++) {
    uint64_t m = cset[w] & sok[w] & ~tried64[w];
    while (m) {
      unsigned b = (unsigned)(w * 64 + __builtin_ctzll(m));
      m &= m - 1;
      feed(x, d, b, 0);
      if (l->nomem || l->over || x->nedges > LOST_EDGE_CAP || x->visits > LOST_VISITS) return;
    }
  }
}

/* An input character the reader cannot have made passes through as
 * itself, between characters. */
static void atom(xctx *x, const lnode *n) {
  zf_lost *l = x->l;
  if (n->ss || n->hasrr) return;
  dfs d;
  memset(&d, 0, sizeof d);
  d.last = n->last;
  uint32_t c = l->ucp[x->j];
  d.c[0] = (pchar){c, 0, 1, l->uoff[x->j]};
  d.nc = 1;
  if (l->mode != ZF_LOST_BYTES) {
    d.lm = zf_lm_bigram(d.last, c);
    d.last = c;
  }
  d.stage = 1;
  add_edge(x, &d);
}

void zf_lat_expand(zf_lost *l, uint32_t ni, size_t j, int gaps_ok) {
  xctx x = {l, ni, j, gaps_ok, 0, 0};
  const lnode *n = &l->nodes[ni];
  if (l->ukind[j] == UK_ATOM) {
    atom(&x, n);
    return;
  }
  dfs d;
  memset(&d, 0, sizeof d);
  d.ss = n->ss;
  d.last = n->last;
  d.rr = n->rr;
  d.hasrr = n->hasrr;
  d.rrins = n->hasrr && n->rrins;
  d.rrchar = -1;
  d.sgap = n->sgap;
  d.spend = n->spend;
  d.soff = n->soff;
  step(&x, &d);
}

/* ---- the forward pass ----------------------------------------------------- */


uint64_t zf_lat_unit_off(const zf_lost *l, size_t j) {
  if (j < l->nu) return l->uoff[j];
  return l->nu ? l->uoff[l->nu - 1] + 1 : 0;
}

#define LOST_HASH (2 * LOST_INTERVAL_EDGES)

int zf_lat_hash_init(zf_lost *l) {
  if (l->hslot) return 0;
  l->hslot = calloc(LOST_HASH, sizeof *l->hslot);
  if (!l->hslot) return -1;
  l->hcap = LOST_HASH;
  l->gen = 0;
  return 0;
}

/* Empties the table for the next boundary. */
void zf_lat_hash_next(zf_lost *l) {
  if (++l->gen == 0) {
    memset(l->hslot, 0, l->hcap * sizeof *l->hslot);
    l->gen = 1;
  }
}

static int alpha_desc(const void *a, const void *b, void *nodes) {
  const lnode *n = nodes;
  float x = n[*(const uint32_t *)a].alpha, y = n[*(const uint32_t *)b].alpha;
  return x > y ? -1 : x < y;
}

/* qsort has no context argument in C11: a small insertion/merge sort. */
void zf_lat_sort_by_alpha(uint32_t *ix, size_t n, const lnode *nodes, uint32_t *tmp) {
  if (n < 2) return;
  if (n <= 16) {
    for (size_t i = 1; i < n; i++) {
      uint32_t v = ix[i];
      size_t k = i;
      while (k > 0 && alpha_desc(&ix[k - 1], &v, (void *)nodes) > 0) {
        ix[k] = ix[k - 1];
        k--;
      }
      ix[k] = v;
    }
    return;
  }
  size_t h = n / 2;
  zf_lat_sort_by_alpha(ix, h, nodes, tmp);
  zf_lat_sort_by_alpha(ix + h, n - h, nodes, tmp);
  size_t a = 0, b = h, k = 0;
  while (a < h && b < n) tmp[k++] = alpha_desc(&ix[b], &ix[a], (void *)nodes) < 0 ? ix[b++] : ix[a++];
  while (a < h) tmp[k++] = ix[a++];
  while (b < n) tmp[k++] = ix[b++];
  memcpy(ix, tmp, n * sizeof *ix);
}

/* Keeps the best nodes of the boundary whose nodes start at index first
 * (the newest), drops the edges of the interval that led to the others.
 * Returns the number of nodes kept. */
size_t zf_lat_prune(zf_lost *l, uint32_t first, uint32_t efirst) {
  size_t n = l->nn - first;
  if (n == 0) return 0;
  int lm = l->mode != ZF_LOST_BYTES;
  size_t cap = lm ? LOST_STATES : LOST_BYTES_STATES;
  float best = -FLT_MAX;
  for (size_t k = first; k < l->nn; k++)
    if (l->nodes[k].alpha > best) best = l->nodes[k].alpha;
  if (GROW(l, l->order, l->caporder, n) || GROW(l, l->tmp, l->captmp, n) ||
      GROW(l, l->remap, l->capremap, n) || GROW(l, l->tmp2, l->captmp2, l->ne - efirst + 1)) {
    l->nomem = 1;
    return 0;
  }
  size_t m = 0;
  for (size_t k = first; k < l->nn; k++)
    if (!lm || l->nodes[k].alpha >= best - (float)LOST_PRUNE) l->order[m++] = (uint32_t)k;
  if (m > cap) {
    zf_lat_sort_by_alpha(l->order, m, l->nodes, l->tmp);
    m = cap; /* the beam's usual loss */
  }
  if (m == n) return n;
  for (size_t k = 0; k < n; k++) l->remap[k] = NONE;
  /* keep the survivors in their original order */
  for (size_t k = 0; k < m; k++) l->remap[l->order[k] - first] = 0;
  uint32_t w = first;
  for (size_t k = 0; k < n; k++)
    if (l->remap[k] != NONE) {
      l->remap[k] = w;
      l->nodes[w++] = l->nodes[first + k];
    }
  l->nn = w;
  /* edges into dropped nodes go; the rest are renumbered */
  uint32_t we = efirst;
  for (size_t e = efirst; e < l->ne; e++) {
    uint32_t to = l->remap[l->edges[e].to - first];
    if (to == NONE) {
      l->edges[e].to = NONE; /* mark for the bp fix below */
      continue;
    }
    l->edges[e].to = to;
    l->tmp2[e - efirst] = we;
    l->edges[we++] = l->edges[e];
  }
  for (size_t k = first; k < l->nn; k++) l->nodes[k].bp = l->tmp2[l->nodes[k].bp - efirst];
  l->ne = we;
  return m;
}

/* ---- output ----------------------------------------------------------------- */

/* Bytes of character c in the source encoding. */
