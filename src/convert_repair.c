/*
 * The repair of half-converted text (docs/conversion.md, "Half-converted
 * text"; convert_int.h): a line of a document that mixes scripts gets two
 * candidate conversions, OpenCC's for the script of the document and
 * OpenCC's for the line read as Simplified (folded to Simplified, then
 * converted to the target); the line is cut into spans where neither has
 * a phrase crossing, and each span takes one candidate whole.
 */
#include "convert_int.h"

/* Adds x to seen, a set of at most 8. */
static void residue_add(residue_set *seen, uint32_t x) {
  size_t k = 0;
  while (k < seen->n && seen->c[k] != x) k++;
  if (k == seen->n && k < sizeof seen->c / sizeof seen->c[0]) seen->c[seen->n++] = x;
}

/* A folded character that stays Simplified: folding must not read a
 * Simplified form as a regional one (tw2s takes 么 for Taiwan's 幺, but
 * in half-converted text it is the residue of 麼).  Only where a unit of
 * the fold is one input character made one output character. */
static void keep_simp_forms(const conv *cv, const zf_text *x, zf_text *f) {
  /* (the character's class first: it rules out most units at once) */
  const uint32_t *xc = x->cp;
  const uint64_t *fo = f->off;
  const size_t xn = x->len, fn = f->len;
  for (size_t j = 0; j < fn; j++) {
    uint64_t t = fo[j];
    if (R_START(t) >= xn) continue; /* (a unit of one character lies in x) */
    uint32_t c = xc[R_START(t)];
    if (c < 0x3400 || !(zf_occ_class(cv->t, c) & ZF_OCC_SIMP_FORM)) continue;
    if (R_END(t) != R_START(t) + 1 || (j && fo[j - 1] == t) || (j + 1 < fn && fo[j + 1] == t)) continue;
    f->cp[j] = c;
  }
}

/* Whether two plans convert alike (the same dictionaries, steps and
 * implementation). */
static int same_cfg(const occ_cfg *a, const occ_cfg *b) {
  if (a->norm != b->norm || a->seg != b->seg || a->nsteps != b->nsteps || a->kind != b->kind ||
      a->pass_tail != b->pass_tail)
    return 0;
  for (int s = 0; s < a->nsteps; s++)
    if (a->step[s] != b->step[s]) return 0;
  return 1;
}

/* Whether the repair of line `in` may give anything but the exact
 * conversion.  Where the fold is the exact plan itself and the way back
 * is the identity (a Traditional document to Simplified), the second
 * candidate is the first, unit for unit, except where keep_simp_forms
 * puts back a Simplified form of the input: a line with none takes the
 * first candidate whole (the equal candidates' path of zf_conv_repair),
 * which is the exact conversion.  So a clean line of a document the
 * window called half-converted costs one bit test per character
 * (occ_shared.cls_bits), not three passes with ranges (other
 * Traditional text: 57M instructions per 3 MB).  Where no step of the
 * plan converts a Simplified form as a unit of its own either
 * (occ_accel.sf_stay: t2s, not tw2s), nothing is ever put back and every
 * line answers 0 without a look at it (repair_same; the bit tests were
 * 56.9M instructions per 10 MB of other Traditional text, detected,
 * 3.1-4.0% of its CPU samples). */
int zf_conv_repair_may_differ(const conv *cv, const zf_text *in) {
  if (!cv->fold_exact) return 1;
  if (cv->repair_same) return 0; /* no Simplified form converts (repair_is_exact) */
  return sf_any(cv->sh, SF_SIMP_FORM, in->cp, in->len);
}

/* Whether the fold is the exact plan and the way back the identity
 * (zf_conv_repair_may_differ), once per handle. */
int zf_conv_fold_exact(const conv *cv) {
  return cv->back.kind == K_IDENTITY && same_cfg(&cv->exact, &cv->fold);
}

/* Marks in bnd (bit `bit`) the places inside a unit of t. */
static void mark_inside(const zf_text *t, unsigned char *bnd, unsigned char bit) {
  /* (in locals: a store through bnd could alias t's fields) */
  const uint64_t *off = t->off;
  const size_t len = t->len;
  for (size_t j = 0; j < len; j++) {
    uint64_t v = off[j];
    if (j && v == off[j - 1]) continue;
    for (size_t p = R_START(v) + 1; p < R_END(v); p++) bnd[p] |= bit;
  }
}

/* The repair of one line (docs/conversion.md).  The two candidates are
 * computed on a copy of the line whose offsets are character ranges, so
 * each output character tells which input characters its unit, through
 * every step, covers; a span boundary is a place that no unit of either
 * candidate covers on both sides. */
int zf_conv_repair(conv *cv, const zf_text *in, zf_text *out, residue_set *seen) {
  size_t n = in->len;
  zf_text *x = &cv->x, *e = &cv->e, *f = &cv->f, *r = &cv->r;
  if (n >= 0xFFFFFFFFu) return -1;
  zf_text_clear(x);
  if (zf_text_reserve(x, n)) return -1;
  if (n) memcpy(x->cp, in->cp, n * sizeof *x->cp); /* an empty line: x->cp may be NULL */
  for (size_t i = 0; i < n; i++) x->off[i] = (uint64_t)i << 32 | (i + 1);
  x->len = n;
  zf_text_clear(e);
  zf_text_clear(f);
  zf_text_clear(r);
  cv->ranges = 1;
  /* (a Traditional document to Simplified folds with the very plan it
   * converts with, and the way back from Simplified to Simplified is the
   * identity: one conversion and no copy where the candidates say so) */
  int rc = zf_conv_run_config(cv, &cv->exact, x, e) ||
           (same_cfg(&cv->exact, &cv->fold) ? zf_text_append(f, e, 0, e->len)
                                            : zf_conv_run_config(cv, &cv->fold, x, f));
  if (!rc) {
    keep_simp_forms(cv, x, f);
    if (cv->back.kind == K_IDENTITY) r = f;
    else rc = zf_conv_run_config(cv, &cv->back, f, r);
  }
  cv->ranges = 0;
  if (rc) return -1;
  /* Both candidates the same, unit for unit: every span takes the first
   * whole, so the line is the first candidate (what the loop below gives
   * then, as long as every unit starts inside the line). */
  if (n && e->len && e->len == r->len && !memcmp(e->cp, r->cp, e->len * sizeof *e->cp) &&
      !memcmp(e->off, r->off, e->len * sizeof *e->off)) {
    if (zf_text_reserve(out, e->len)) return -1;
    size_t at = out->len, j = 0;
    uint32_t *oc = out->cp + at;
    uint64_t *oo = out->off + at;
    for (; j < e->len && R_START(e->off[j]) < n; j++) {
      oc[j] = e->cp[j];
      oo[j] = in->off[R_START(e->off[j])];
    }
    if (j == e->len) {
      out->len = at + j;
      return 0;
    }
  }
  if (cv->bnd_cap < n + 1) {
    unsigned char *p = realloc(cv->bnd, n + 1);
    if (!p) return -1;
    cv->bnd = p;
    cv->bnd_cap = n + 1;
  }
  memset(cv->bnd, 0, n + 1);
  mark_inside(e, cv->bnd, 1);
  mark_inside(r, cv->bnd, 2);
  if (zf_text_reserve(out, n)) return -1;
  size_t ei = 0, ri = 0;
  const unsigned char *bnd = cv->bnd;
  const uint32_t *ecp = e->cp, *rcp = r->cp;
  const uint64_t *eoff = e->off, *roff = r->off, *ioff = in->off;
  const size_t elen = e->len, rlen = r->len;
  for (size_t p = 0; p < n;) {
    /* The common case first, in a loop of its own (the candidates and the
     * line in locals, room for the rest of the line made once): the span
     * is the one character p, each candidate gives it one unit of one
     * character, the same, and that character goes out -- what the
     * general path below does with it. */
    if (out->cap - out->len < n - p && zf_text_reserve(out, n - p)) return -1;
    uint32_t *oc = out->cp + out->len;
    uint64_t *oo = out->off + out->len;
    size_t m = 0;
    /* (with no boundary inside the span, a unit that starts at p covers
     * exactly [p, p + 1), its tag, and the next unit starting at p would
     * be its own second character, with the same tag) */
    for (; p < n; p++, ei++, ri++) {
      uint64_t tag = (uint64_t)p << 32 | (p + 1);
      if (!((p + 1 == n || !bnd[p + 1]) && ei < elen && ri < rlen && eoff[ei] == tag &&
            roff[ri] == tag && ecp[ei] == rcp[ri] && (ei + 1 == elen || eoff[ei + 1] != tag) &&
            (ri + 1 == rlen || roff[ri + 1] != tag)))
        break;
      oc[m] = ecp[ei];
      oo[m++] = ioff[p];
    }
    out->len += m;
    if (p == n) break;
    size_t q = p + 1;
    while (q < n && bnd[q]) q++;
    size_t ej = ei, rj = ri;
    while (ej < e->len && R_START(e->off[ej]) < q) ej++;
    while (rj < r->len && R_START(r->off[rj]) < q) rj++;
    size_t el = ej - ei, rl = rj - ri, xl = q - p;
    const zf_text *pick = e;
    size_t from = ei, to = ej;
    if (el != rl || memcmp(e->cp + ei, r->cp + ri, el * sizeof *e->cp)) {
      int residue = 0;
      for (size_t k = p; k < q && !residue; k++)
        residue = in->cp[k] >= 0x3400 && (zf_occ_class(cv->t, in->cp[k]) & cv->residue_cap);
      if (residue || (rl == xl && !memcmp(r->cp + ri, in->cp + p, xl * sizeof *in->cp))) {
        /* Possible residue: the second candidate read it in context.  Or
         * that candidate keeps the span as it is where the first would
         * change it (tw2t's rare variants, 參 -> 蔘): keep it. */
        pick = r;
        from = ri;
        to = rj;
        if (residue && seen)
          for (size_t k = p; k < q; k++) {
            uint32_t c = in->cp[k];
            if (c < 0x3400 || !(zf_occ_class(cv->t, c) & cv->residue_cap)) continue;
            if (el == xl && rl == xl &&
                (r->cp[ri + k - p] == c || r->cp[ri + k - p] == e->cp[ei + k - p]))
              continue;
            residue_add(seen, c);
          }
      }
    }
    for (size_t j = from; j < to; j++) {
      if (out->len == out->cap && zf_text_reserve(out, to - j)) return -1;
      out->cp[out->len] = pick->cp[j];
      out->off[out->len++] = in->off[R_START(pick->off[j])];
    }
    p = q;
    ei = ej;
    ri = rj;
  }
  return 0;
}
