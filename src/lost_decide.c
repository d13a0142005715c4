/*
 * The lattice's backward pass and decisions (lost_lat.h): regions where
 * readings compete, the fill margin, marks, and the characters written.
 */
#include "lost_lat.h"

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
void zf_lat_decide(zf_lost *l, size_t nb, uint32_t keep) {
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

/* ---- the linear readers' output (lost_drop.c, lost_u8.c) ------------------ */

int zf_lat_emit(zf_lost *l, zf_text *out, uint32_t cp, uint64_t off, int flag) {
  if (zf_text_push(out, cp, off) || GROW(l, l->flags, l->capflags, l->nflags + 1)) return -1;
  l->flags[l->nflags++] = (uint8_t)flag;
  return 0;
}

int zf_lat_mark_stretch(zf_lost *l, zf_text *out, uint64_t off, zf_lost_result *res, int *inmark) {
  if (*inmark) return 0;
  *inmark = 1;
  res->marked++;
  res->gaps++;
  return zf_lat_emit(l, out, l->marker, off, ZF_LOST_MARKED);
}

const lc_model *zf_lat_begin(zf_lost *l, int codec, zf_lost_result *res) {
  memset(res, 0, sizeof *res);
  l->nflags = 0;
  if (codec < 0 || codec >= ZF_LC__COUNT || !l->t->m[codec].present) return NULL;
  const lc_model *m = &l->t->m[codec];
  return m->kind == LC_KIND_DBCS ? m : NULL;
}

int zf_lat_fill_wins(const double *rank, const double *sc, size_t nc, size_t bi) {
  double second = -DBL_MAX, rest = -DBL_MAX;
  for (size_t k = 0; k < nc; k++) {
    if (k == bi) continue;
    if (rank[k] > second) second = rank[k];
    rest = rest == -DBL_MAX ? sc[k] : lse((float)rest, (float)sc[k]);
  }
  return rank[bi] - second >= LOST_FILL_MARGIN && sc[bi] - rest >= LOST_POST_ODDS;
}

int zf_lat_emit_gap(zf_lost *l, zf_text *out, int mode, int fill, const uint32_t *cs, size_t nc, size_t bi,
                    uint64_t off, zf_lost_result *res) {
  if (fill) {
    res->filled++;
    return zf_lat_emit(l, out, cs[bi], off, ZF_LOST_FILLED);
  }
  if (mode == ZF_LOST_GUESS && nc) {
    res->guessed++;
    return zf_lat_emit(l, out, cs[bi], off, ZF_LOST_GUESSED);
  }
  res->marked++;
  return zf_lat_emit(l, out, l->marker, off, ZF_LOST_MARKED);
}

int zf_lat_emit_undo(zf_lost *l, zf_text *out, size_t base) {
  out->len = base;
  l->nflags = 0;
  return ZHFIX_E_NOMEM;
}
