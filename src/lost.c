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
#include "lost.h"

#include <float.h>
#include <math.h>
#ifdef LOST_DEBUG
#include <stdio.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "convert_tables.h"
#include "lm.h"
#include "lost_int.h"

/* ---- parameters (log10 units) --------------------------------------------- */

#define LOST_STATES 256    /* nodes kept per boundary                         */
#define LOST_BYTES_STATES 4096 /* the same without a model (ZF_LOST_BYTES)   */
#define LOST_PRUNE 10.0    /* nodes this far below the best are dropped       */
#define LOST_GAP_EDGES 16384 /* a unit that needs gap bytes: nodes expand, best
                                first, until their edges reach this        */
#define LOST_EDGE_CAP 65536 /* edges one node may open for one unit (a cap
                                * cuts its gap: the region is then marked)    */
#define LOST_WINDOW 512    /* units decided at once at most                   */
#define LOST_WIDE 4.0      /* readings this close to the best compete         */
#define LOST_CANDS 32      /* competing readings kept per region              */
#define LOST_BYTES_CANDS 4096
#define LOST_MAX_DROPS 2   /* bytes a dropping reader may hide before a unit */
/* A dropping reader leaves no mark: a node tries hidden errors before a
 * unit when its reading cannot go on without one (the source's bytes stop
 * making sense: with UTF-8, usually right where bytes went), and the
 * LOST_DROP_BEAM best nodes at every unit: a double-byte source's bytes
 * read one byte out of phase still make characters, and UTF-8 bytes after
 * a drop may still continue a character by chance (E8 A8 [AD E5] 80 BC:
 * E8 A8 80 is a character, the reading only fails one unit later). */
#define LOST_DROP_BEAM 2
#define LOST_DROP_BEAM_U8 1
#define LOST_VISITS 65536  /* search steps one node may take for one unit     */
/* A region's winner must beat every reading that differs from it by this
 * much under zf_lm_rank_score (the sum of two log10 scores: 10:1 under
 * each), as the mojibake stage's lossy fill (FILL_MARGIN there) ... */
#define LOST_FILL_MARGIN 2.0
/* Where readings differ, a character of three or four bytes (UTF-8) is
 * filled only when at least 1/LOST_SURV_DEN of its bytes survived, and any
 * character only between two the surviving bytes make (not ASCII); the
 * rest is marked, or guessed in guess mode.  Among runs of gaps the
 * model's margin is its prior, not evidence. */
#define LOST_SURV_DEN 2
/* ... or under the bigram score alone where the readings differ in length
 * (10:1, the content-farm stage's MARGIN). */
#define LOST_BIGRAM_MARGIN 1.0
/* A '?' read as an error rather than as itself, and an error a dropping
 * reader hid: the literal reading wins ties (the farm stage's PEN_HOLE). */
#define PEN_HOLE 1.0
#define PEN_DROP 1.0
/* A character made with lost bytes that real text does not hold
 * (controls, private use, unassigned). */
#define PEN_IMPLAUSIBLE 5.0
/* A character the text's script never writes (a Traditional-only one in
 * Simplified text): the model folds Traditional onto Simplified, so without
 * this 個 would fill a gap of 个's text as readily as 个 (the content-farm
 * stage's PEN_SCRIPT). */
#define PEN_SCRIPT 3.0
#define RANK_CTX 3
/* A character is written only where the readings that agree on it are
 * 10:1 against all the others together under the bigram model (the
 * content-farm stage's MARGIN, counted against every alternative: with
 * thousands of candidates for a lost character, the runner-up alone
 * understates the doubt). */
#define LOST_POST_ODDS 1.0

#define MAXB 12 /* bytes one edge may choose */
#define MAXC 8  /* source characters one edge may complete */
#define NONE 0xFFFFFFFFu

/* ---- structures ------------------------------------------------------------ */

enum { UK_CHAR, UK_MARK, UK_QMARK, UK_ATOM, UK_END };

typedef struct lnode {
  uint32_t ss, last;
  uint8_t rr, hasrr, sgap, rrins; /* rrins: rr is in the pending source bytes */
  uint8_t spend; /* surviving bytes among the pending source bytes */
  float alpha, beta;   /* best reading into / out of the node (log10)  */
  float alphas, betas; /* mass of all readings into / out of it         */
  uint32_t bp, bn; /* best incoming / outgoing edge */
  uint64_t soff;   /* input offset of the pending source character */
} lnode;

typedef struct ledge {
  uint32_t from, to;
  float w, pen;
  uint32_t c0;
  uint8_t nc, gaps, trunc, pad;
} ledge;

typedef struct pchar {
  uint32_t cp;
  uint8_t gap;  /* bytes of the character that came from gaps */
  uint8_t surv; /* bytes of it that survived (the input's own)   */
  uint64_t off;
} pchar;

typedef struct cand {
  double score, d;
  uint32_t c0, n; /* characters in l->cbuf */
  uint32_t e0;    /* its edges in l->cedge, one per unit of the region */
  uint64_t hash;
} cand;

struct zf_lost {
  const zf_lost_tables *t;
  uint32_t marker;
  zf_occ_tables occ;
  int have_occ;
  int script;    /* set by the caller: ZHFIX_SCRIPT_*, or -1 (judged per line) */
  unsigned avoid; /* ZF_OCC_* class the segment's script never writes      */
  /* the segment */
  const lc_model *S, *R;
  int style, mode;
  const uint32_t *ucp;
  const uint64_t *uoff;
  uint8_t *ukind;
  size_t nu, capu;
  uint64_t (*rrbits)[4]; /* per unit: bytes that can start it            */
  const lc_inv **uenc;  /* per unit: the reader's byte sequences for it   */
  uint32_t *nenc;
  size_t caprr, capue, capne;
  /* the window's lattice */
  lnode *nodes;
  size_t nn, capn;
  uint32_t *bstart; /* nodes of boundary b: bstart[b - w0] .. */
  size_t capb;
  ledge *edges;
  size_t ne, cape;
  uint32_t *estart; /* edges of interval b: estart[b - w0] .. */
  pchar *pool;
  size_t np, capp;
  struct hs { uint32_t gen, node; } *hslot; /* nodes of the boundary being built */
  size_t hcap;
  uint32_t gen;
  size_t bnew; /* first node of the boundary being built */
  uint32_t *ixb;
  size_t capixb;
  size_t cape2, capbb;
  /* decisions */
  pchar *best;
  size_t nbest, capbest;
  uint32_t *bbound; /* index in best[] where boundary b's output starts */
  cand *cands;
  size_t ncand, capcand;
  uint32_t *cedge;
  size_t ncedge, capcedge;
  uint8_t *rmark;
  size_t caprmark;
  uint32_t *dbuf, *dlit;
  size_t capdbuf, capdlit;
  pchar *cbuf;
  size_t ncbuf, capcbuf;
  uint32_t ctx[RANK_CTX]; /* last characters written (left context) */
  size_t nctx;
  /* output */
  uint8_t *flags;
  size_t nflags, capflags;
  zf_text *out;
  zf_stats *stats;
  zf_lost_result res;
  int trunc_iv; /* the interval being expanded hit a cap */
  uint8_t *itrunc; /* per interval of the window: a cap cut it */
  size_t capitrunc;
  uint32_t *order, *tmp, *remap, *tmp2;
  size_t caporder, captmp, capremap, captmp2;
  uint64_t end_off;
  const uint32_t *emit_path; /* the chosen edge of every interval (decide) */
  /* characters the bytes alone determine (a ZF_LOST_BYTES pass before a
   * model's): input offset and code point, in output order */
  zf_text det;
  int use_det;
  size_t emit_nb;
  int nomem;
};

/* ---- small helpers ---------------------------------------------------------- */

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t nc = *cap ? *cap : 64;
  while (nc < need) nc *= 2;
  void *np = realloc(*p, nc * elem);
  if (!np) return -1;
  *p = np;
  *cap = nc;
  return 0;
}
#define GROW(l, arr, cap, need) grow((void **)&(arr), &(cap), (need), sizeof *(arr))

/* log10(10^a + 10^b) */
static float lse(float a, float b) {
  if (a == -FLT_MAX) return b;
  if (b == -FLT_MAX) return a;
  float m = a > b ? a : b, d = a > b ? b - a : a - b;
  if (d < -12.0f) return m;
  return m + log10f(1.0f + powf(10.0f, d));
}

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

/* Whether byte b, read again at unit j, can start it (computed once per
 * unit by setup()). */
static int rr_calc(const zf_lost *l, size_t j, unsigned b) {
  int kind = l->ukind[j];
  int errstart = b >= 0x80 && (l->R->kind == LC_KIND_UTF8 ||
                               (l->R->errstart[(b - 0x80) / 8] >> (b % 8) & 1));
  int drop = l->style == ZF_LOST_DROP;
  if (kind == UK_END || kind == UK_ATOM) return drop && errstart;
  if (kind == UK_MARK) return errstart;
  uint32_t c = kind == UK_QMARK ? '?' : l->ucp[j];
  if (kind == UK_QMARK && errstart) return 1;
  if (drop && errstart) return 1;
  if (c < 0x80) return b == c;
  if (l->R->kind == LC_KIND_UTF8) {
    unsigned char u[4];
    zf_utf8_put(c, u);
    return b == u[0];
  }
  for (size_t k = 0; k < l->nenc[j]; k++) {
    unsigned code = l->uenc[j][k].code;
    if ((code < 0x100 ? code : code >> 8) == b) return 1;
  }
  return 0;
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
  if (l->nomem || x->nedges > LOST_EDGE_CAP) return;
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
      if (l->nomem || x->nedges > LOST_EDGE_CAP || x->visits > LOST_VISITS) return;
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

static void expand(zf_lost *l, uint32_t ni, size_t j, int gaps_ok) {
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

#define LOST_INTERVAL_EDGES 65536 /* edges of one unit, all nodes together */

static uint64_t unit_off(const zf_lost *l, size_t j) {
  if (j < l->nu) return l->uoff[j];
  return l->nu ? l->uoff[l->nu - 1] + 1 : 0;
}

#define LOST_HASH (2 * LOST_INTERVAL_EDGES)

static int hash_init(zf_lost *l) {
  if (l->hslot) return 0;
  l->hslot = calloc(LOST_HASH, sizeof *l->hslot);
  if (!l->hslot) return -1;
  l->hcap = LOST_HASH;
  l->gen = 0;
  return 0;
}

/* Empties the table for the next boundary. */
static void hash_next(zf_lost *l) {
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
static void sort_by_alpha(uint32_t *ix, size_t n, const lnode *nodes, uint32_t *tmp) {
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
  sort_by_alpha(ix, h, nodes, tmp);
  sort_by_alpha(ix + h, n - h, nodes, tmp);
  size_t a = 0, b = h, k = 0;
  while (a < h && b < n) tmp[k++] = alpha_desc(&ix[b], &ix[a], (void *)nodes) < 0 ? ix[b++] : ix[a++];
  while (a < h) tmp[k++] = ix[a++];
  while (b < n) tmp[k++] = ix[b++];
  memcpy(ix, tmp, n * sizeof *ix);
}

/* Keeps the best nodes of the boundary whose nodes start at index first
 * (the newest), drops the edges of the interval that led to the others.
 * Returns the number of nodes kept. */
static size_t prune(zf_lost *l, uint32_t first, uint32_t efirst) {
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
    sort_by_alpha(l->order, m, l->nodes, l->tmp);
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
static int src_len(const zf_lost *l, uint32_t c) {
  if (c < 0x80) return 1;
  if (l->S->kind == LC_KIND_UTF8) return c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  size_t n;
  const lc_inv *e = lc_encodings(l->S, c, &n);
  return n && e[0].code < 0x100 ? 1 : 2;
}

static void put(zf_lost *l, const pchar *c, int flag) {
  if (l->nomem) return;
  uint32_t cp = flag == ZF_LOST_MARKED ? l->marker : c->cp;
  if (zf_text_push(l->out, cp, c->off) || GROW(l, l->flags, l->capflags, l->nflags + 1)) {
    l->nomem = 1;
    return;
  }
  l->flags[l->nflags++] = (uint8_t)flag;
  switch (flag) {
  case ZF_LOST_KEPT: l->res.kept++; break;
  case ZF_LOST_FILLED: l->res.filled++; break;
  case ZF_LOST_MARKED: l->res.marked++; break;
  default: l->res.guessed++; break;
  }
  /* the reading's characters are the next region's left context; an
   * uncertain one is no evidence for the next decision: it cuts it */
  if (flag == ZF_LOST_MARKED || flag == ZF_LOST_GUESSED) {
    l->nctx = 0;
    return;
  }
  if (l->nctx == RANK_CTX) memmove(l->ctx, l->ctx + 1, (RANK_CTX - 1) * sizeof *l->ctx);
  else l->nctx++;
  l->ctx[l->nctx - 1] = c->cp;
}

/* ---- decisions ------------------------------------------------------------- */

static double mmarg(const zf_lost *l, const ledge *e) {
  return (double)l->nodes[e->from].alpha + e->w + l->nodes[e->to].beta;
}

/* The edges of the best reading through edge e (of interval b) from the
 * node of boundary u0 to that of u1, into cedge (u1 - u0 entries); the
 * characters into cbuf.  Returns -1 when memory runs out. */
static int path_through(zf_lost *l, uint32_t e, size_t b, size_t u0, size_t u1, double *pen,
                        cand *c) {
  size_t nb = u1 - u0;
  if (GROW(l, l->cedge, l->capcedge, l->ncedge + nb)) return -1;
  uint32_t *pe = l->cedge + l->ncedge;
  pe[b - u0] = e;
  uint32_t cur = l->edges[e].from;
  for (size_t k = b - u0; k-- > 0;) {
    pe[k] = l->nodes[cur].bp;
    cur = l->edges[pe[k]].from;
  }
  cur = l->edges[e].to;
  for (size_t k = b - u0 + 1; k < nb; k++) {
    pe[k] = l->nodes[cur].bn;
    cur = l->edges[pe[k]].to;
  }
  c->e0 = (uint32_t)l->ncedge;
  l->ncedge += nb;
  c->c0 = (uint32_t)l->ncbuf;
  *pen = 0;
  for (size_t k = 0; k < nb; k++) {
    const ledge *ed = &l->edges[pe[k]];
    if (GROW(l, l->cbuf, l->capcbuf, l->ncbuf + ed->nc)) return -1;
    if (ed->nc) memcpy(l->cbuf + l->ncbuf, l->pool + ed->c0, ed->nc * sizeof *l->cbuf);
    l->ncbuf += ed->nc;
    *pen += ed->pen;
  }
  c->n = (uint32_t)(l->ncbuf - c->c0);
  return 0;
}

static int same_chars(const pchar *a, const pchar *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (a[i].cp != b[i].cp) return 0;
  return 1;
}

/* Decides the region between the uncontested boundaries u0 < u1: the
 * readings through every edge within LOST_WIDE of the best compete; the
 * winner's edges go to chosen[u0..u1), and mark[] (one byte per
 * character of those edges, in order) flags the characters some reading
 * within the margin does not share (place by place within each unit). */
static void region(zf_lost *l, size_t u0, size_t u1, double G, uint32_t *chosen, uint8_t *mark,
                   const pchar *right, size_t nright) {
  size_t nb = u1 - u0;
  int trunc = 0;
  l->ncand = 0;
  l->ncbuf = 0;
  l->ncedge = 0;
  l->res.regions++;
  for (size_t b = u0; b < u1 && !l->nomem; b++) {
    trunc |= l->itrunc[b];
    for (uint32_t e = l->estart[b]; e < l->estart[b + 1]; e++) {
      const ledge *ed = &l->edges[e];
      if (l->nodes[ed->to].beta == -FLT_MAX) continue;
      double sc = mmarg(l, ed);
      if (sc < G - LOST_WIDE) continue;
      double pen;
      cand c;
      size_t mc = l->ncbuf, me = l->ncedge;
      if (path_through(l, e, b, u0, u1, &pen, &c)) {
        l->nomem = 1;
        return;
      }
      uint64_t hh = 0xCBF29CE484222325ull;
      for (uint32_t i = 0; i < c.n; i++) hh = (hh ^ l->cbuf[c.c0 + i].cp) * 0x100000001B3ull;
      int dup = -1;
      for (size_t k = 0; k < l->ncand && dup < 0; k++)
        if (l->cands[k].hash == hh && l->cands[k].n == c.n &&
            same_chars(l->cbuf + l->cands[k].c0, l->cbuf + c.c0, c.n))
          dup = (int)k;
      if (dup >= 0 || l->ncand >= LOST_CANDS) {
        if (dup >= 0 && sc > l->cands[dup].score) l->cands[dup].score = sc;
        if (dup < 0) trunc = 1;
        l->ncbuf = mc;
        l->ncedge = me;
        continue;
      }
      if (GROW(l, l->cands, l->capcand, l->ncand + 1)) {
        l->nomem = 1;
        return;
      }
      c.score = sc;
      c.d = -pen;
      c.hash = hh;
      l->cands[l->ncand++] = c;
    }
  }
  if (l->ncand == 0 || l->nomem) return;
  /* the decision score: as the mojibake stage's fill, zf_lm_rank_score of
   * the reading with three characters each side; readings of different
   * lengths (or longer than 64) by the bigram score */
  int eq = 1;
  for (size_t k = 1; k < l->ncand; k++) eq &= l->cands[k].n == l->cands[0].n;
  if (l->cands[0].n > 64) eq = 0;
  double margin = eq ? LOST_FILL_MARGIN : LOST_BIGRAM_MARGIN;
  uint32_t buf[2 * RANK_CTX + 64];
  size_t win = 0;
  for (size_t k = 0; k < l->ncand; k++) {
    cand *c = &l->cands[k];
    if (eq) {
      size_t n = 0;
      for (size_t i = 0; i < l->nctx; i++) buf[n++] = l->ctx[i];
      for (size_t i = 0; i < c->n; i++) buf[n++] = l->cbuf[c->c0 + i].cp;
      for (size_t i = 0; i < nright && i < RANK_CTX; i++) buf[n++] = right[i].cp;
      c->d += zf_lm_rank_score(buf, n);
    } else {
      c->d = c->score;
    }
    if (c->d > l->cands[win].d) win = k;
  }
  const cand *W = &l->cands[win];
#ifdef LOST_DEBUG
  fprintf(stderr, "region [%zu,%zu) %zu cands eq=%d trunc=%d win=%zu\n", u0, u1, l->ncand, eq,
          trunc, win);
  for (size_t k = 0; k < l->ncand; k++) {
    fprintf(stderr, "  %8.3f %8.3f ", l->cands[k].score, l->cands[k].d);
    for (size_t i = 0; i < l->cands[k].n; i++) {
      unsigned char u[4];
      uint32_t c = l->cbuf[l->cands[k].c0 + i].cp;
      int m = zf_utf8_put(c == '\n' ? 0x2424 : c, u);
      fwrite(u, 1, (size_t)m, stderr);
    }
    fputc('\n', stderr);
  }
#endif
  size_t nm = 0;
  for (size_t b = 0; b < nb; b++) {
    chosen[u0 + b] = l->cedge[W->e0 + b];
    nm += l->edges[chosen[u0 + b]].nc;
  }
  memset(mark, 0, nm);
  for (size_t k = 0; k < l->ncand; k++) {
    const cand *Q = &l->cands[k];
    if (k == win || W->d - Q->d >= margin) continue;
    size_t m = 0;
    for (size_t b = 0; b < nb; b++) {
      const ledge *we = &l->edges[l->cedge[W->e0 + b]], *qe = &l->edges[l->cedge[Q->e0 + b]];
      for (size_t i = 0; i < we->nc; i++, m++)
        if (i >= qe->nc || l->pool[we->c0 + i].cp != l->pool[qe->c0 + i].cp) mark[m] = 1;
    }
  }
  if (trunc) {
    l->res.truncated = 1;
    size_t m = 0;
    for (size_t b = 0; b < nb; b++) {
      const ledge *we = &l->edges[l->cedge[W->e0 + b]];
      for (size_t i = 0; i < we->nc; i++, m++) mark[m] |= l->pool[we->c0 + i].gap;
    }
  }
}

/* Posterior (log10, under the bigram model with its penalties) that the
 * characters unit b makes are, at each place i, those of edge ce: the
 * mass of the edges of the interval that agree there.  Sets mark[i] where
 * the odds are under 10:1. */
static void posterior_marks(zf_lost *l, size_t b, uint32_t ce, float Z, uint8_t *mark) {
  const ledge *c = &l->edges[ce];
  if (c->nc == 0) return;
  float agree[MAXC];
  int other = 0;
  for (size_t i = 0; i < c->nc; i++) agree[i] = -FLT_MAX;
  for (uint32_t e = l->estart[b]; e < l->estart[b + 1]; e++) {
    const ledge *ed = &l->edges[e];
    const lnode *f = &l->nodes[ed->from], *t = &l->nodes[ed->to];
    if (t->betas == -FLT_MAX || f->alphas == -FLT_MAX) continue;
    float post = f->alphas + ed->w + t->betas - Z;
    for (size_t i = 0; i < c->nc; i++) {
      if (i < ed->nc && l->pool[ed->c0 + i].cp == l->pool[c->c0 + i].cp)
        agree[i] = lse(agree[i], post);
      else
        other = 1;
    }
  }
  if (!other) return;
  for (size_t i = 0; i < c->nc; i++) {
    /* odds agree : (1 - agree) >= 10 */
    float a = agree[i] > 0 ? 0 : agree[i];
    float rest = a > -1e-6f ? -FLT_MAX : log10f(1.0f - powf(10.0f, a));
    if (a - rest < (float)LOST_POST_ODDS) mark[i] = 1;
  }
}

static int from_gap(const zf_lost *l, const pchar *c) {
  return c->gap || c->surv < src_len(l, c->cp);
}

/* Whether the character after place i of interval b's chosen edge is one
 * the surviving bytes make (not ASCII): evidence a fill can lean on. */
static int certain_right(const zf_lost *l, size_t b, size_t i) {
  for (size_t k = b; k < l->emit_nb; k++) {
    const ledge *ed = &l->edges[l->emit_path[k]];
    for (size_t q = k == b ? i + 1 : 0; q < ed->nc; q++) {
      const pchar *c = &l->pool[ed->c0 + q];
      return c->cp >= 0x80 && !from_gap(l, c);
    }
  }
  return 0;
}

/* Whether the bytes-only pass found c determined (same code point at the
 * same input offset). */
static int determined(const zf_lost *l, const pchar *c) {
  if (!l->use_det) return 0;
  size_t lo = 0, hi = l->det.len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (l->det.off[mid] < c->off) lo = mid + 1;
    else hi = mid;
  }
  for (; lo < l->det.len && l->det.off[lo] == c->off; lo++)
    if (l->det.cp[lo] == c->cp) return 1;
  return 0;
}

static void emit_interval(zf_lost *l, size_t b, uint32_t ce, const uint8_t *mark) {
  const ledge *ed = &l->edges[ce];
  int tr = l->itrunc[b];
  if (tr) l->res.truncated = 1;
  for (size_t i = 0; i < ed->nc; i++) {
    const pchar *c = &l->pool[ed->c0 + i];
    /* bytes of it that came from gaps; one made mostly of them is the
     * model's choice among too many: a guess whatever its margin, never
     * a fill */
    int len = src_len(l, c->cp), fromgap = from_gap(l, c);
    int contested = fromgap && l->mode != ZF_LOST_BYTES && !determined(l, c);
    int unsure = mark[i] || (tr && fromgap) || (contested && len > 2 && c->surv * LOST_SURV_DEN < len);
    /* nor is one without a certain character on both sides: among gaps
     * the model's margin is its prior (E4 B8 + a lost byte: 一 over 不),
     * and with context on one side only its favourite bigram (中 + a
     * gap: 中华 over 中文) */
    if (contested && !unsure) {
      int left = l->nflags > 0 && l->flags[l->nflags - 1] == ZF_LOST_KEPT &&
                 l->out->len > 0 && l->out->cp[l->out->len - 1] >= 0x80;
      if (!left || !certain_right(l, b, i)) unsure = 1;
    }
    int flag = unsure ? (l->mode == ZF_LOST_GUESS ? ZF_LOST_GUESSED : ZF_LOST_MARKED)
               : fromgap ? ZF_LOST_FILLED
                         : ZF_LOST_KEPT;
    put(l, c, flag);
  }
}

/* Decides and writes the window of boundaries 0..nb (keep: the node of
 * nb the next window starts from). */
static void decide(zf_lost *l, size_t nb, uint32_t keep) {
  int lm = l->mode != ZF_LOST_BYTES;
  /* backward: the best completion of every node (beta, bn) and, with a
   * model, the mass of all its completions (betas) */
  for (uint32_t k = l->bstart[nb]; k < l->bstart[nb + 1]; k++)
    l->nodes[k].beta = l->nodes[k].betas = -FLT_MAX;
  l->nodes[keep].beta = l->nodes[keep].betas = 0;
  for (size_t b = nb; b-- > 0;) {
    for (uint32_t k = l->bstart[b]; k < l->bstart[b + 1]; k++) {
      l->nodes[k].beta = l->nodes[k].betas = -FLT_MAX;
      l->nodes[k].bn = NONE;
    }
    for (uint32_t e = l->estart[b + 1]; e-- > l->estart[b];) {
      const ledge *ed = &l->edges[e];
      const lnode *t = &l->nodes[ed->to];
      if (t->beta == -FLT_MAX) continue;
      float v = ed->w + t->beta;
      lnode *f = &l->nodes[ed->from];
      if (f->bn == NONE || v > f->beta) {
        f->beta = v;
        f->bn = e;
      }
      if (lm) f->betas = lse(f->betas, ed->w + t->betas);
    }
  }
  uint32_t start = l->bstart[0];
  double G = (double)l->nodes[start].alpha + l->nodes[start].beta;
  float Z = l->nodes[start].alphas + l->nodes[start].betas;
  if (lm) l->res.score += l->nodes[start].beta;
  /* the best reading */
  if (GROW(l, l->order, l->caporder, nb + 1) || GROW(l, l->remap, l->capremap, nb + 1)) {
    l->nomem = 1;
    return;
  }
  uint32_t *bestedge = l->order, *chosen = l->remap;
  l->emit_path = chosen;
  l->emit_nb = nb;
  l->nbest = 0;
  uint32_t cur = start;
  for (size_t b = 0; b < nb; b++) {
    uint32_t e = l->nodes[cur].bn;
    bestedge[b] = chosen[b] = e;
    l->res.gaps += l->edges[e].gaps;
    cur = l->edges[e].to;
  }
  uint8_t none[MAXC] = {0};
  if (!lm) {
    /* No model: a character is kept where every byte stream consistent
     * with the input makes the same characters at that unit (all live
     * edges of the interval agree); anything else is marked. */
    for (size_t b = 0; b < nb && !l->nomem; b++) {
      const ledge *be = &l->edges[bestedge[b]];
      int agree = !l->itrunc[b];
      for (uint32_t e = l->estart[b]; e < l->estart[b + 1] && agree; e++) {
        const ledge *ed = &l->edges[e];
        if (e == bestedge[b] || l->nodes[ed->to].beta == -FLT_MAX) continue;
        agree = ed->nc == be->nc;
        for (size_t i = 0; i < ed->nc && agree; i++)
          agree = l->pool[ed->c0 + i].cp == l->pool[be->c0 + i].cp;
      }
      if (!agree) l->res.regions++;
      uint8_t all[MAXC];
      memset(all, !agree, sizeof all);
      emit_interval(l, b, bestedge[b], all);
    }
    return;
  }
  /* contested boundaries (1) and intervals (2): a node or edge other than
   * the best one within LOST_WIDE of the best reading */
  if (GROW(l, l->tmp2, l->captmp2, nb + 1)) {
    l->nomem = 1;
    return;
  }
  uint32_t *contested = l->tmp2;
  for (size_t b = 0; b <= nb; b++) {
    contested[b] = 0;
    uint32_t bestnode = b == 0 ? start : l->edges[bestedge[b - 1]].to;
    if (b > 0 && b < nb)
      for (uint32_t k = l->bstart[b]; k < l->bstart[b + 1]; k++) {
        const lnode *n = &l->nodes[k];
        if (k == bestnode || n->beta == -FLT_MAX) continue;
        if ((double)n->alpha + n->beta >= G - LOST_WIDE) {
          contested[b] |= 1;
          break;
        }
      }
    if (b < nb)
      for (uint32_t e = l->estart[b]; e < l->estart[b + 1]; e++) {
        if (e == bestedge[b] || l->nodes[l->edges[e].to].beta == -FLT_MAX) continue;
        if (mmarg(l, &l->edges[e]) >= G - LOST_WIDE) {
          contested[b] |= 2;
          break;
        }
      }
  }
  size_t b = 0;
  while (b < nb && !l->nomem) {
    if (!(contested[b] & 2) && !(b + 1 < nb && (contested[b + 1] & 1))) {
      uint8_t mark[MAXC] = {0};
      posterior_marks(l, b, chosen[b], Z, mark);
      emit_interval(l, b, chosen[b], mark);
      b++;
      continue;
    }
    size_t u1 = b + 1;
    while (u1 < nb && (contested[u1] & 1)) u1++;
    /* the right context: the best reading after the region */
    size_t nr = 0;
    pchar right[RANK_CTX];
    /* (surviving characters only: one made with gap bytes is no evidence) */
    int cut = 0;
    for (size_t k = u1; k < nb && nr < RANK_CTX && !cut; k++) {
      const ledge *ed = &l->edges[bestedge[k]];
      for (size_t i = 0; i < ed->nc && nr < RANK_CTX && !cut; i++) {
        const pchar *pc = &l->pool[ed->c0 + i];
        if (pc->gap || pc->surv < src_len(l, pc->cp)) cut = 1;
        else right[nr++] = *pc;
      }
    }
    size_t nm = 0;
    for (size_t k = b; k < u1; k++) nm += MAXC;
    if (GROW(l, l->rmark, l->caprmark, nm)) {
      l->nomem = 1;
      return;
    }
    region(l, b, u1, G, chosen, l->rmark, right, nr);
    size_t m = 0;
    for (size_t k = b; k < u1 && !l->nomem; k++) {
      uint8_t mark[MAXC];
      size_t nc = l->edges[chosen[k]].nc;
      if (nc) memcpy(mark, l->rmark + m, nc);
      m += nc;
      posterior_marks(l, k, chosen[k], Z, mark);
      emit_interval(l, k, chosen[k], mark);
    }
    b = u1;
  }
  (void)none;
}

/* ---- entry points ------------------------------------------------------------ */

zf_lost *zf_lost_new(const zf_lost_tables *t) {
  zf_lost *l = calloc(1, sizeof *l);
  if (!l) return NULL;
  l->t = t;
  l->marker = 0xFFFD;
  l->script = -1;
  l->have_occ = zf_occ_open(&l->occ) == 0;
  return l;
}

void zf_lost_free(zf_lost *l) {
  if (!l) return;
  free(l->ukind);
  free(l->nodes);
  free(l->bstart);
  free(l->edges);
  free(l->estart);
  free(l->pool);
  free(l->hslot);
  free(l->best);
  free(l->bbound);
  free(l->cands);
  free(l->cbuf);
  free(l->flags);
  free(l->itrunc);
  free(l->order);
  free(l->tmp);
  free(l->remap);
  free(l->tmp2);
  free(l->ixb);
  free(l->cedge);
  free(l->dbuf);
  free(l->dlit);
  free(l->rmark);
  free(l->rrbits);
  free(l->uenc);
  free(l->nenc);
  zf_text_free(&l->det);
  free(l);
}

void zf_lost_set_marker(zf_lost *l, uint32_t marker) { l->marker = marker; }

void zf_lost_set_script(zf_lost *l, int script) { l->script = script; }

/* The script of the segment from what survives: the reader's bytes of the
 * characters between gaps, read in the source as they stand, Simplified-
 * only against Traditional-only characters (2:1 decides).  Returns the
 * ZF_OCC_* class to avoid, 0 when unclear. */
static unsigned line_avoid(zf_lost *l) {
  if (!l->have_occ) return 0;
  if (l->script == ZHFIX_SCRIPT_SIMP) return ZF_OCC_TRAD_ONLY;
  if (l->script >= 0 && l->script != ZHFIX_SCRIPT_AUTO) return ZF_OCC_SIMP_ONLY;
  size_t simp = 0, trad = 0;
  uint32_t st = 0;
  for (size_t j = 0; j < l->nu; j++) {
    int k = l->ukind[j];
    unsigned char by[4];
    int nb = 0;
    uint32_t c = l->ucp[j];
    if (k == UK_CHAR && l->R->kind == LC_KIND_UTF8) {
      nb = zf_utf8_put(c, by);
    } else if (k == UK_CHAR && c < 0x80) {
      by[nb++] = (unsigned char)c;
    } else if (k == UK_CHAR && l->nenc[j]) {
      unsigned code = l->uenc[j][0].code;
      if (code >= 0x100) by[nb++] = (unsigned char)(code >> 8);
      by[nb++] = (unsigned char)code;
    } else {
      st = 0; /* a gap: start again after it */
      continue;
    }
    for (int i = 0; i < nb; i++) {
      uint32_t cp;
      int ev = lc_source(l->S, &st, by[i], &cp);
      if (ev == EV_DEAD) {
        st = 0;
      } else if (ev == EV_CHAR && cp >= 0x3400) {
        unsigned cls = zf_occ_class(&l->occ, cp);
        simp += (cls & ZF_OCC_SIMP_ONLY) != 0;
        trad += (cls & ZF_OCC_TRAD_ONLY) != 0;
      }
    }
  }
  if (simp >= 2 && simp >= 2 * trad) return ZF_OCC_TRAD_ONLY;
  if (trad >= 2 && trad >= 2 * simp) return ZF_OCC_SIMP_ONLY;
  return 0;
}

const uint8_t *zf_lost_flags(const zf_lost *l, size_t *n) {
  *n = l->nflags;
  return l->flags;
}

/* Whether the reader can have written c at all. */
static int readable(const lc_model *R, uint32_t c) {
  if (c < 0x80) return 1;
  if (R->kind == LC_KIND_UTF8) return c <= 0x10FFFF && !(c >= 0xD800 && c <= 0xDFFF);
  size_t n;
  lc_encodings(R, c, &n);
  return n > 0;
}

static int setup(zf_lost *l, const zf_lost_hyp *h, int mode, const zf_text *in) {
  if (h->src >= ZF_LC__COUNT || h->reader >= ZF_LC__COUNT) return -1;
  l->S = &l->t->m[h->src];
  l->R = &l->t->m[h->reader];
  if (!l->S->present || !l->R->present || l->S->kind == LC_KIND_SBCS) return -1;
  l->style = (int)h->style;
  l->mode = mode;
  l->ucp = in->cp;
  l->uoff = in->off;
  l->nu = in->len;
  l->end_off = unit_off(l, in->len);
  if (GROW(l, l->ukind, l->capu, in->len + 1)) return -2;
  for (size_t j = 0; j < in->len; j++) {
    uint32_t c = in->cp[j];
    if (c == 0xFFFD && h->style == ZF_LOST_REPLACE) l->ukind[j] = UK_MARK;
    else if (c == '?' && h->style == ZF_LOST_QMARK) l->ukind[j] = UK_QMARK;
    else l->ukind[j] = readable(l->R, c) ? UK_CHAR : UK_ATOM;
  }
  l->ukind[in->len] = UK_END;
  if (GROW(l, l->rrbits, l->caprr, in->len + 1) || GROW(l, l->uenc, l->capue, in->len + 1) ||
      GROW(l, l->nenc, l->capne, in->len + 1))
    return -2;
  for (size_t j = 0; j <= in->len; j++) {
    l->nenc[j] = 0;
    l->uenc[j] = NULL;
    if (l->ukind[j] == UK_CHAR && in->cp[j] >= 0x80 && l->R->kind != LC_KIND_UTF8) {
      size_t n;
      l->uenc[j] = lc_encodings(l->R, in->cp[j], &n);
      l->nenc[j] = (uint32_t)n;
    }
  }
  for (size_t j = 0; j <= in->len; j++) {
    memset(l->rrbits[j], 0, sizeof l->rrbits[j]);
    for (unsigned b = 0; b < 256; b++)
      if (rr_calc(l, j, b)) bs_set(l->rrbits[j], b);
  }
  return 0;
}

static int run1(zf_lost *l, const zf_lost_hyp *h, int mode, const zf_text *in, zf_text *out,
                zf_stats *stats, zf_lost_result *res);

int zf_lost_run(zf_lost *l, const zf_lost_hyp *h, int mode, const zf_text *in, zf_text *out,
                zf_stats *stats, zf_lost_result *res) {
  l->use_det = 0;
  if (mode != ZF_LOST_BYTES) {
    /* what the bytes alone determine is written whatever the model says:
     * the rules that keep the model's prior from filling runs of gaps
     * (emit_interval) apply only to the rest */
    zf_text_clear(&l->det);
    int rc = run1(l, h, ZF_LOST_BYTES, in, &l->det, NULL, NULL);
    if (rc == ZHFIX_E_NOMEM) return rc;
    if (rc == 0) {
      size_t k = 0;
      for (size_t i = 0; i < l->det.len; i++)
        if (l->flags[i] == ZF_LOST_KEPT || l->flags[i] == ZF_LOST_FILLED) {
          l->det.cp[k] = l->det.cp[i];
          l->det.off[k] = l->det.off[i];
          k++;
        }
      l->det.len = k;
      l->use_det = 1;
    }
  }
  return run1(l, h, mode, in, out, stats, res);
}

static int run1(zf_lost *l, const zf_lost_hyp *h, int mode, const zf_text *in, zf_text *out,
                zf_stats *stats, zf_lost_result *res) {
  memset(&l->res, 0, sizeof l->res);
  l->nflags = 0;
  l->nomem = 0;
  l->nctx = 0;
  int rc = setup(l, h, mode, in);
  if (rc == -2) return ZHFIX_E_NOMEM;
  if (rc) return ZF_LOST_NOFIT;
  int lm = mode != ZF_LOST_BYTES;
  if (lm) l->res.literal = zf_lm_score(in->cp, in->len);
  l->avoid = lm ? line_avoid(l) : 0;
  size_t out0 = out->len;
  l->out = out;
  l->stats = NULL; /* spans are reported once the segment is known to fit */
  /* the window starts with one node */
  l->nn = l->ne = l->np = 0;
  if (GROW(l, l->nodes, l->capn, 1) || GROW(l, l->bstart, l->capb, 2) ||
      GROW(l, l->estart, l->cape2, 2) || GROW(l, l->itrunc, l->capitrunc, 1) || hash_init(l))
    return ZHFIX_E_NOMEM;
  lnode *s = &l->nodes[l->nn++];
  memset(s, 0, sizeof *s);
  s->last = lm ? '\n' : 0;
  s->alphas = 0;
  s->bp = s->bn = NONE;
  s->beta = -FLT_MAX;
  size_t w0 = 0;
  l->bstart[0] = 0;
  l->bstart[1] = 1;
  int fit = 1;
  for (size_t j = 0; j <= in->len && !l->nomem; j++) {
    size_t rb = j - w0; /* relative boundary */
    if (GROW(l, l->bstart, l->capb, rb + 3) || GROW(l, l->estart, l->cape2, rb + 3) ||
        GROW(l, l->itrunc, l->capitrunc, rb + 2)) {
      l->nomem = 1;
      break;
    }
    uint32_t first = l->bstart[rb], last = l->bstart[rb + 1];
    size_t n = last - first;
    if (GROW(l, l->ixb, l->capixb, n) || GROW(l, l->tmp, l->captmp, n)) {
      l->nomem = 1;
      break;
    }
    /* indices, not pointers: expansion appends to nodes[] */
    uint32_t *ix = l->ixb;
    for (size_t k = 0; k < n; k++) ix[k] = first + (uint32_t)k;
    sort_by_alpha(ix, n, l->nodes, l->tmp);
    l->estart[rb] = (uint32_t)l->ne;
    l->trunc_iv = 0;
    hash_next(l);
    uint32_t nfirst = (uint32_t)l->nn;
    l->bnew = nfirst;
    size_t iv_edges = l->ne;
    int needs_gap = l->ukind[j] == UK_MARK || l->ukind[j] == UK_QMARK;
    int drop = h->style == ZF_LOST_DROP;
    for (size_t k = 0; k < n && !l->nomem; k++) {
      if (drop) {
        size_t before = l->ne;
        int now = k < (l->S->kind != LC_KIND_UTF8 ? LOST_DROP_BEAM : LOST_DROP_BEAM_U8);
        expand(l, ix[k], j, now);
        if (!now && l->ne == before && l->ne - iv_edges < LOST_GAP_EDGES) expand(l, ix[k], j, 1);
      } else {
        /* gap bytes for the best nodes first, within a budget of edges */
        int gaps_ok = !needs_gap || !lm || l->ne - iv_edges < LOST_GAP_EDGES;
        expand(l, ix[k], j, gaps_ok);
      }
      /* a budget per unit: the best nodes expand first; the ones left
       * out are the beam's usual loss, not a gap cut short */
      if (l->ne - iv_edges > LOST_INTERVAL_EDGES) break;
    }
    size_t kept = prune(l, nfirst, l->estart[rb]);
    l->itrunc[rb] = (uint8_t)l->trunc_iv;
    l->estart[rb + 1] = (uint32_t)l->ne;
    l->bstart[rb + 2] = (uint32_t)l->nn;
    if (l->nomem) break;
    if (kept == 0) {
      fit = 0;
      break;
    }
    int final = j == in->len;
    if (kept == 1 || final || rb + 1 >= LOST_WINDOW) {
      uint32_t keep = nfirst;
      for (uint32_t k = nfirst; k < l->nn; k++)
        if (l->nodes[k].alpha > l->nodes[keep].alpha) keep = k;
      if (kept > 1 && !final) l->res.truncated = 1; /* a window cut at its best node */
      decide(l, rb + 1, keep);
      if (final) break;
      /* the next window starts from that node */
      lnode k0 = l->nodes[keep];
      k0.alpha = k0.alphas = 0;
      k0.bp = k0.bn = NONE;
      l->nn = l->ne = l->np = 0;
      l->nodes[l->nn++] = k0;
      w0 = j + 1;
      l->bstart[0] = 0;
      l->bstart[1] = 1;
    }
  }
  if (l->nomem) {
    out->len = out0;
    return ZHFIX_E_NOMEM;
  }
  if (!fit) {
    out->len = out0;
    l->nflags = 0;
    return ZF_LOST_NOFIT;
  }
  if (stats) {
    /* report the marked characters, neighbours as one span */
    for (size_t i = 0; i < l->nflags;) {
      if (l->flags[i] != ZF_LOST_MARKED && l->flags[i] != ZF_LOST_GUESSED) {
        i++;
        continue;
      }
      size_t e = i;
      while (e < l->nflags && (l->flags[e] == ZF_LOST_MARKED || l->flags[e] == ZF_LOST_GUESSED)) e++;
      uint64_t a = out->off[out0 + i], z = out->off[out0 + e - 1];
      zf_stats_unrecoverable(stats, a, z >= a ? z - a + 1 : 1);
      i = e;
    }
  }
  if (res) *res = l->res;
  return 0;
}

/* ---- detection --------------------------------------------------------------
 * The surviving bytes (the reader's bytes of every character; a marker is
 * a gap) are read in the source as they come.  Where the source cannot
 * read them, the character that held the offending byte is left out on
 * both sides and reading starts again after it; that costs DETECT_FAIL
 * unless it is next to a marker (a character that lost bytes there).  The
 * characters both sides cover are scored by the model: a damaged segment
 * reads far better in its source, clean text read so is garbage that
 * keeps failing.  The segment carries the damage when the source's
 * reading wins by DETECT_MARGIN, the mojibake stage's entry cost for
 * readings that clean text survives too (3.0). */
#define DETECT_MARGIN 3.0
#define DETECT_FAIL 3.0
#define DETECT_MIN_CHARS 2

int zf_lost_detect(zf_lost *l, const zf_lost_hyp *h, const zf_text *in, double *gain) {
  if (gain) *gain = 0;
  if (h->src >= ZF_LC__COUNT || h->reader >= ZF_LC__COUNT) return 0;
  const lc_model *S = &l->t->m[h->src], *R = &l->t->m[h->reader];
  if (!S->present || !R->present || S->kind == LC_KIND_SBCS) return 0;
  /* the style's markers next to text that is not ASCII; without markers
   * (a dropping reader) text that looks like a wrong decode: a quarter of
   * its Han characters unknown to the model (clean text has almost none) */
  size_t marks = 0, han = 0, rare = 0;
  uint32_t mk = h->style == ZF_LOST_REPLACE ? 0xFFFD : h->style == ZF_LOST_QMARK ? '?' : 0;
  for (size_t j = 0; j < in->len; j++) {
    uint32_t c = in->cp[j];
    if (mk && c == mk) {
      int near = 0;
      for (size_t q = j > 2 ? j - 2 : 0; q < in->len && q <= j + 2 && !near; q++)
        near = in->cp[q] >= 0x80 && in->cp[q] != 0xFFFD;
      marks += near;
    } else if (!mk && zf_is_han(c)) {
      han++;
      rare += !zf_lm_known(c) || zf_lm_char(c) < -5.0f;
    }
  }
  if (mk && marks == 0) return 0;
  if (!mk && R->kind != LC_KIND_SBCS && (han < DETECT_MIN_CHARS || rare * 4 < han)) return 0;
  if (GROW(l, l->dbuf, l->capdbuf, 4 * in->len + 4) || GROW(l, l->dlit, l->capdlit, in->len + 1))
    return 0;
  double g = 0;
  size_t decoded = 0, nd = 0, nlit = 0, nds = 0, nlits = 0;
  uint32_t st = 0;
  for (size_t j = 0; j <= in->len; j++) {
    unsigned char by[4];
    int nb = 0, mark = j == in->len;
    uint32_t c = mark ? 0 : in->cp[j];
    if (!mark) {
      if (mk && c == mk) {
        mark = 1;
      } else if (c < 0x80) {
        by[nb++] = (unsigned char)c;
      } else if (R->kind == LC_KIND_UTF8) {
        nb = zf_utf8_put(c, by);
      } else {
        size_t n;
        const lc_inv *e = lc_encodings(R, c, &n);
        if (!n) return 0; /* a character the reader never writes */
        if (e[0].code >= 0x100) by[nb++] = (unsigned char)(e[0].code >> 8);
        by[nb++] = (unsigned char)e[0].code;
      }
    }
    int fail = 0;
    for (int i = 0; i < nb && !fail; i++) {
      uint32_t cp;
      int ev = lc_source(S, &st, by[i], &cp);
      if (ev == EV_DEAD) fail = 1;
      else if (ev == EV_CHAR) l->dbuf[nd++] = cp, decoded += cp >= 0x80;
    }
    if (!mark && !fail) {
      l->dlit[nlit++] = c;
      if (st == 0) nds = nd, nlits = nlit; /* both readings end here */
      continue;
    }
    /* the stretch up to the last place both readings ended together */
    g += (nds ? zf_lm_score(l->dbuf, nds) : 0) - (nlits ? zf_lm_score(l->dlit, nlits) : 0);
    if (fail) {
      int near = (j > 0 && mk && in->cp[j - 1] == mk) || (j + 1 < in->len && mk && in->cp[j + 1] == mk);
      if (!near) g -= DETECT_FAIL;
    }
    nd = nlit = nds = nlits = 0;
    st = 0;
  }
  if (decoded < DETECT_MIN_CHARS) return 0;
  if (gain) *gain = g;
  return g >= DETECT_MARGIN;
}

/* The damage classes the lattice models (docs/repair-lost.md): every
 * source read by every decoder of another encoding that loses bytes.
 * Double-byte text read as UTF-8 and dropped is left out: the decoder
 * keeps ASCII and nothing else, there is nothing to rebuild. */
const zf_lost_hyp zf_lost_all_hyps[] = {
    {ZF_LC_UTF8, ZF_LC_PY_GBK, ZF_LOST_REPLACE},      {ZF_LC_UTF8, ZF_LC_PY_GBK, ZF_LOST_DROP},
    {ZF_LC_UTF8, ZF_LC_WHATWG_GBK, ZF_LOST_REPLACE},  {ZF_LC_UTF8, ZF_LC_ICU_GBK, ZF_LOST_REPLACE},
    {ZF_LC_UTF8, ZF_LC_ICU_GBK, ZF_LOST_QMARK},       {ZF_LC_UTF8, ZF_LC_GLIBC_GBK, ZF_LOST_DROP},
    {ZF_LC_UTF8, ZF_LC_PY_BIG5, ZF_LOST_REPLACE},     {ZF_LC_UTF8, ZF_LC_PY_BIG5, ZF_LOST_DROP},
    {ZF_LC_UTF8, ZF_LC_WHATWG_BIG5, ZF_LOST_REPLACE}, {ZF_LC_UTF8, ZF_LC_ICU_BIG5, ZF_LOST_REPLACE},
    {ZF_LC_UTF8, ZF_LC_GLIBC_BIG5, ZF_LOST_DROP},     {ZF_LC_UTF8, ZF_LC_PY_CP1252, ZF_LOST_REPLACE},
    {ZF_LC_UTF8, ZF_LC_PY_CP1252, ZF_LOST_DROP},      {ZF_LC_PY_GBK, ZF_LC_PY_BIG5, ZF_LOST_REPLACE},
    {ZF_LC_PY_GBK, ZF_LC_PY_BIG5, ZF_LOST_DROP},      {ZF_LC_PY_GBK, ZF_LC_WHATWG_BIG5, ZF_LOST_REPLACE},
    {ZF_LC_PY_GBK, ZF_LC_ICU_BIG5, ZF_LOST_REPLACE},  {ZF_LC_PY_GBK, ZF_LC_GLIBC_BIG5, ZF_LOST_DROP},
    {ZF_LC_PY_GBK, ZF_LC_UTF8, ZF_LOST_REPLACE},      {ZF_LC_PY_CP950, ZF_LC_PY_GBK, ZF_LOST_REPLACE},
    {ZF_LC_PY_CP950, ZF_LC_PY_GBK, ZF_LOST_DROP},     {ZF_LC_PY_CP950, ZF_LC_GLIBC_GBK, ZF_LOST_DROP},
    {ZF_LC_PY_CP950, ZF_LC_UTF8, ZF_LOST_REPLACE},
};
const size_t zf_lost_nall_hyps = sizeof zf_lost_all_hyps / sizeof zf_lost_all_hyps[0];
