/*
 * Segmentation and matching (convert_int.h): OpenCC's semantics of a
 * configuration, in two implementations with the same output.  The
 * general path segments the line, then converts each segment with each
 * step of the chain (convert_range: the longest key at each place).  The
 * one-pass conversions (run_pass) do a configuration without
 * segmentation, or one whose segmentation a greedy pass by its first
 * step reproduces (K_FUSED), in one walk with the first-level
 * accelerator; where they cannot be exact they hand over to the general
 * path.  Ideographic description sequences are copied whole, as
 * opencc-js does.
 */
#include "convert_int.h"

static int seg_push(seglist *s, size_t end) {
  if (s->n == s->cap && zf_grow((void **)&s->end, &s->cap, s->n + 1, sizeof *s->end, 64)) return -1;
  s->end[s->n++] = end;
  return 0;
}

/* End of the ideographic description sequence at s[i] within s[0, n), as
 * opencc-js's getIdeographicDescriptionSequenceEnd computes it (0: none;
 * a component that is itself an incomplete sequence counts as one
 * character).  Its recursion is exponential on a run of operators, so the
 * ends are computed once, right to left, for the whole rest of the string
 * (callers go left to right and call ids_reset for each new string).
 * (size_t)-1 when memory is short. */
static size_t ids_end(conv *cv, const uint32_t *s, size_t i, size_t n) {
  if (!cv->ids_valid || i < cv->ids_lo) {
    if (cv->ids_cap < n - i) {
      size_t *p = realloc(cv->ids, (n - i) * sizeof *p);
      if (!p) return (size_t)-1;
      cv->ids = p;
      cv->ids_cap = n - i;
    }
    for (size_t k = n; k-- > i;) {
      unsigned ar = idc_arity(s[k]);
      size_t end = 0;
      if (ar) {
        end = k + 1;
        for (unsigned c = 0; c < ar; c++) {
          if (end >= n) {
            end = 0;
            break;
          }
          size_t ce = cv->ids[end - i];
          end = ce ? ce : end + 1;
        }
      }
      cv->ids[k - i] = end;
    }
    cv->ids_lo = i;
    cv->ids_valid = 1;
  }
  return cv->ids[i - cv->ids_lo];
}

/* Writes src[i, j) converted, one unit a character, to ocp[0, j - i)
 * (and its offsets to ooff, unless NULL), and returns j: the longest
 * stretch from i whose characters each convert on their own, to their
 * one-character value or themselves.  That is a character of the first
 * level (ent) where no key longer than one character starts (the pair
 * with the next one is no key and no key starts with the next three,
 * both asked of one word of filt; or the text ends), or one of U+A000..U+FFFF
 * (hi_ok) that starts no key of the dictionary nor of the normalization
 * (hi).  Anything else ends it, and the callers' general loop takes the
 * character there.  Most text goes through here, ASCII, Han and their
 * punctuation alike: one table read a character, the output written from
 * registers, and no branch taken where ASCII meets Han (the inert-run scan
 * for ASCII mispredicted at each end of a run: s2twp 4.48M -> 4.02M
 * mispredicts, t2s 2.22M -> 1.83M in 5 MB).  With chg, adds the
 * number of characters changed.  The caller has room for j - i
 * characters at ocp. */
static inline __attribute__((always_inline)) size_t
plain_run(const occ_accel *acc, int hi_ok, const zf_text *src, size_t i, size_t n, uint32_t *ocp,
          uint64_t *ooff, size_t *chg) {
  const uint32_t *cp = src->cp;
  const uint64_t *off = src->off;
  size_t k = i, changed = 0;
  for (; k < n; k++) {
    uint32_t e = plain_value(acc, hi_ok, cp, k, n);
    if (e == NOT_PLAIN) break;
    ocp[k - i] = e;
    if (ooff) ooff[k - i] = off[k];
    if (chg) changed += e != cp[k];
  }
  if (chg) *chg += changed;
  return k;
}

/* plain_run appending to o; j as plain_run's. */
static inline size_t plain_append(const occ_accel *acc, int hi_ok, const zf_text *src, size_t i, size_t n,
                                  zf_text *o) {
  if (o->cap - o->len < n - i && zf_text_reserve(o, n - i)) return i; /* the caller reports it */
  size_t j = plain_run(acc, hi_ok, src, i, n, o->cp + o->len, o->off + o->len, NULL);
  o->len += j - i;
  return j;
}

/* ---- the general path ---------------------------------------------------- */

/* Converts src[a, b) (one segment) with dictionary di, appending to dst:
 * at each place the longest key, else one character or a whole
 * ideographic description sequence unchanged.  A converted key carries
 * the offset of its first character. */
static int convert_range(conv *cv, int di, const zf_text *src, size_t a, size_t b, zf_text *dst) {
  const zf_occ_dict *d = &cv->t->d[di];
  const occ_inert *z = &cv->sh->inert[di];
  const occ_accel *acc = cv->acc[di];
  const uint32_t *cp = src->cp;
  ids_reset(cv);
  for (size_t i = a; i < b;) {
    if (acc && (i = plain_append(acc, 1, src, i, b, dst)) == b) break;
    uint32_t c = cp[i];
    if (inert(z, c)) {
      size_t j = inert_end(z, cp, i + 1, b);
      if (copy(dst, src, i, j)) return -1;
      i = j;
      continue;
    }
    if (acc && c < ACC_SPAN) {
      /* No key goes on past c here (none at all, the segment ends, or
       * no two-character prefix is c and the next): its one-character
       * key, or none (then it is copied; no ideographic description
       * character lies here). */
      uint32_t e = acc->ent[c];
      if (!(e & ACC_SLOW) && (!(e & ACC_KIDS) || i + 1 == b || !acc_pair_find(acc, c, cp[i + 1]))) {
        uint32_t one = e & ACC_CP;
        if (put(dst, &one, 1, src->off[i])) return -1;
        i++;
        continue;
      }
    }
    const uint32_t *v;
    size_t vl, m = zf_occ_match_e(d, cp + i, b - i, cv->errata, &v, &vl);
    if (m) {
      if (put(dst, v, vl, unit_tag(cv, src->off, i, m))) return -1;
      i += m;
      continue;
    }
    size_t e = idc_arity(c) ? ids_end(cv, cp + a, i - a, b - a) : 0;
    if (e == (size_t)-1) return -1;
    e = e ? a + e : i + 1;
    if (copy(dst, src, i, e)) return -1;
    i = e;
  }
  return 0;
}

/* Segmentation of src by dictionary di (maximum forward match): segment
 * ends into segs, and into g a copy of src in which the characters of a
 * matched key all carry the offset of the key as a unit, so that a later
 * step converting the key character by character still marks it as one
 * (the repair never cuts inside it). */
static int segment(conv *cv, int di, const zf_text *src, seglist *segs, zf_text *g) {
  const zf_occ_dict *d = &cv->t->d[di];
  const uint32_t *cp = src->cp;
  size_t n = src->len;
  int run = 0;
  ids_reset(cv);
  zf_text_clear(g);
  if (copy(g, src, 0, n)) return -1;
  for (size_t i = 0; i < n;) {
    const uint32_t *v;
    size_t vl, m = cp[i] < d->min_cp ? 0 : zf_occ_match(d, cp + i, n - i, &v, &vl);
    if (m) {
      if ((run && seg_push(segs, i)) || seg_push(segs, i + m)) return -1;
      uint64_t tag = unit_tag(cv, src->off, i, m);
      for (size_t k = i; k < i + m; k++) g->off[k] = tag;
      run = 0;
      i += m;
      continue;
    }
    size_t e = idc_arity(cp[i]) ? ids_end(cv, cp, i, n) : 0;
    if (e == (size_t)-1) return -1;
    i = e ? e : i + 1;
    run = 1;
  }
  if (run && seg_push(segs, n)) return -1;
  return 0;
}

/* A scratch text other than the ones given. */
static zf_text *scratch(conv *cv, const zf_text *x, const zf_text *y) {
  zf_text *c[3] = {&cv->a, &cv->b, &cv->g};
  for (int i = 0; i < 3; i++)
    if (c[i] != x && c[i] != y) return c[i];
  return NULL;
}

/* range_idle over the whole of src. */
static int step_idle(const conv *cv, int di, const zf_text *src) {
  return range_idle(cv, di, src->cp, 0, src->len);
}

/* What a pass returns besides 0 and -1 (run_pass): hand over to the
 * general path; normalize first; a unit of another length. */
#define BAIL 1
#define NORMALIZE 2
#define UNSAME 3

/* Step di of a chain over the segments of src, appended to dst, with
 * the segments' new ends in next: what convert_range does segment by
 * segment, without a call, a reservation and a write of every character
 * and offset per segment.  src is copied and only what converts is
 * written over the copy (TWPhrases and TWVariants change a few
 * characters a line, if any); a unit of another length (用户 -> 使用者)
 * shifts the rest of the copy.  0, or -1 when memory is short. */
static int step_same(conv *cv, int di, const zf_text *src, const seglist *segs, zf_text *dst,
                     seglist *next) {
  const zf_occ_dict *d = &cv->t->d[di];
  const occ_inert *z = &cv->sh->inert[di];
  const occ_accel *acc = cv->acc[di];
  const uint32_t *cp = src->cp;
  size_t n = src->len, base = dst->len, from = 0, ids_seg = SIZE_MAX;
  size_t o = base; /* where src[i] lands in dst: o + i, modulo 2^N */
  if (zf_text_reserve(dst, n)) return -1;
  memcpy(dst->cp + base, cp, n * sizeof *cp);
  memcpy(dst->off + base, src->off, n * sizeof *src->off);
  next->n = 0;
  for (size_t k = 0; k < segs->n; k++) {
    size_t b = segs->end[k];
    for (size_t i = from; i < b;) {
      if ((i = plain_run(acc, 1, src, i, b, dst->cp + (o + i), NULL, NULL)) == b) break;
      uint32_t c = cp[i];
      if (inert(z, c)) {
        i = inert_end(z, cp, i + 1, b);
        continue;
      }
      const uint32_t *v;
      size_t vl, m = zf_occ_match_e(d, cp + i, b - i, cv->errata, &v, &vl);
      if (m) {
        uint64_t tag = unit_tag(cv, src->off, i, m);
        if (vl != m) {
          /* the rest of the copy moves by vl - m */
          size_t rest = n - i - m, at = o + i; /* dst->len is base */
          if (at + vl + rest > dst->cap && zf_text_reserve(dst, at + vl + rest - dst->len)) return -1;
          memcpy(dst->cp + at + vl, cp + i + m, rest * sizeof *cp);
          memcpy(dst->off + at + vl, src->off + i + m, rest * sizeof *src->off);
          o += vl - m;
        }
        for (size_t u = 0; u < vl; u++) {
          dst->cp[o + i + m - vl + u] = v[u]; /* o + i, before the shift */
          dst->off[o + i + m - vl + u] = tag;
        }
        i += m;
        continue;
      }
      size_t e = 0;
      if (idc_arity(c)) {
        /* convert_range's ends: within the segment */
        if (ids_seg != k) {
          ids_reset(cv);
          ids_seg = k;
        }
        if ((e = ids_end(cv, cp + from, i - from, b - from)) == (size_t)-1) return -1;
      }
      i = e ? from + e : i + 1;
    }
    if (seg_push(next, o + b - base)) return -1;
    from = b;
  }
  dst->len = o + n;
  return 0;
}

/* The chain from step `first` on, segment by segment. */
static int run_chain(conv *cv, const occ_cfg *c, int first, const zf_text *src, seglist *segs,
                     zf_text *out) {
  seglist *next = segs == &cv->sa ? &cv->sb : &cv->sa;
  for (int s = first; s < c->nsteps; s++) {
    int whole = segs->n && segs->end[segs->n - 1] == src->len;
    /* a step that copies the segments (TWVariants on most lines) */
    if (whole && step_idle(cv, c->step[s], src)) {
      if (s == c->nsteps - 1 && zf_text_append(out, src, 0, src->len)) return -1;
      continue;
    }
    zf_text *dst = s == c->nsteps - 1 ? out : scratch(cv, src, NULL);
    if (dst != out) zf_text_clear(dst);
    if (whole && cv->acc[c->step[s]]) {
      if (step_same(cv, c->step[s], src, segs, dst, next)) return -1;
    } else {
      size_t base = dst->len, from = 0;
      next->n = 0;
      for (size_t k = 0; k < segs->n; k++) {
        if (convert_range(cv, c->step[s], src, from, segs->end[k], dst)) return -1;
        from = segs->end[k];
        if (seg_push(next, dst->len - base)) return -1;
      }
    }
    seglist *tmp = segs;
    segs = next;
    next = tmp;
    /* dst's own offsets start at base: later steps read it from 0 */
    if (dst != out) src = dst;
  }
  return 0;
}


/* segment()'s work done by the one greedy pass of dictionary di, which
 * covers the segmentation (covers[di][seg]: its matches longer than one
 * character are the segmentation's keys, so its segments are the
 * segmentation's), with the first-level accelerator where segment()
 * walks the trie at every place: 1, or 0 where the pass cannot
 * (an ideographic description sequence, or a unit of another length:
 * its offsets would not be src's places), or -1 when memory is short.
 * g is then src with the offsets of a matched key's characters tagged
 * as one unit, as segment() writes it.  tw2s, hk2s and their p forms
 * take it on lines where their first step converts something (Taiwan
 * text: most lines hold 為 or 裡): segment() was about 10% of the CPU
 * samples of `zhfix --to=simp` on the bench's Traditional text. */
static int segment_by_pass(conv *cv, int di, const zf_text *src, seglist *segs, zf_text *g) {
  int mirror = 0;
  zf_text_clear(g);
  segs->n = 0;
  int rc = zf_conv_run_pass(cv, di, -1, src, g, segs, NULL, &mirror);
  if (rc < 0) return -1;
  if (rc || !mirror) {
    segs->n = 0;
    return 0;
  }
  memcpy(g->cp, src->cp, src->len * sizeof *src->cp); /* the text as it is */
  return 1;
}

static int run_general(conv *cv, const occ_cfg *c, const zf_text *src, zf_text *out) {
  seglist *segs = &cv->sa;
  segs->n = 0;
  if (c->seg >= 0) {
    zf_text *g = scratch(cv, src, NULL);
    int by_pass = c->pass_tail ? segment_by_pass(cv, c->step[1], src, segs, g) : 0;
    if (by_pass < 0 || (!by_pass && segment(cv, c->seg, src, segs, g))) return -1;
    src = g;
  } else if (src->len && seg_push(segs, src->len)) {
    return -1;
  }
  return run_chain(cv, c, 0, src, segs, out);
}

/* ---- one-pass conversions ------------------------------------------------ */


/* The state of one greedy pass (run_pass). */
typedef struct pass_st {
  conv *cv;
  const zf_occ_dict *d, *nd; /* the dictionary; the normalization, or NULL */
  const occ_inert *z;
  const occ_accel *acc;
  const zf_text *src;
  zf_text *o;
  seglist *segs;
  size_t n, base;
  size_t i;       /* src[0, i) is converted */
  size_t changed; /* characters changed, while the output mirrors src */
  int run;        /* a run (not a segment of its own) is open */
  int hi_ok;
  uint32_t track; /* ACC_MARK where the pass notes Traditional-only
                     characters (conv.fuse_trad), else 0 */
  uint32_t trad;  /* ... and ACC_MARK once it met one */
} pass_st;

/* Whether cp[a, b) holds a Traditional-only character (sf_one): the
 * characters of a unit past its first, which the pass does not look up
 * on their own. */
static int trad_in(const conv *cv, const uint32_t *cp, size_t a, size_t b) {
  for (; a < b; a++)
    if (sf_one(cv->sh, SF_TRAD_ONLY, cp[a])) return 1;
  return 0;
}

/* The loop of run_pass from p->i, while the output mirrors src (same: the
 * copy is there and only what converts is written over it, the changes
 * counted) or appended to it.  Returns 0 at the end of src, -1 when memory
 * is short, NORMALIZE, BAIL, or (same) UNSAME at a unit that writes
 * another number of characters than it reads, nothing of it done. */
static inline __attribute__((always_inline)) int pass_loop(pass_st *p, const int same) {
  conv *cv = p->cv;
  const zf_occ_dict *d = p->d, *nd = p->nd;
  const occ_inert *z = p->z;
  const occ_accel *acc = p->acc;
  const zf_text *src = p->src;
  zf_text *o = p->o;
  seglist *segs = p->segs;
  const uint32_t *cp = src->cp;
  const uint64_t *off = src->off;
  const uint32_t nlow = nd ? nd->min_cp : 0x110000;
  const size_t n = p->n, base = p->base;
  const uint32_t track = p->track;
  size_t i = p->i, changed = p->changed;
  uint32_t trad = p->trad;
  int run = p->run, rc = 0;
#define POS (same ? i : o->len - base)
  while (i < n) {
    const uint32_t *v;
    uint32_t two[2];
    size_t vl, m;
    if (acc) {
      size_t j = same ? plain_run(acc, p->hi_ok, src, i, n, o->cp + base + i, NULL, &changed)
                      : plain_append(acc, p->hi_ok, src, i, n, o);
      if (j > i) {
        run = 1;
        if ((i = j) == n) break;
      }
    }
    uint32_t c = cp[i];
    if (acc && c < ACC_SPAN) {
      /* plain_run stopped here: a longer value, or the pair may be a key
       * or the triple a key's start (filt) */
      uint32_t e = acc->ent[c];
      trad |= e & track; /* (with trad_ok, every Traditional-only character of the span stops here) */
      if (!(e & ACC_SLOW)) {
        const int kids = (e & ACC_KIDS) && i + 1 < n;
        long hs;
        if (kids && acc_in_h(c, cp[i + 1]) && (hs = acc_hpair_probe(acc, c, cp[i + 1])) >= 0) {
          uint64_t w = acc->hpair[hs];
          if ((w & H_DEEP) && i + 2 < n && acc_tri(acc, c, cp[i + 1], cp[i + 2])) {
            m = zf_occ_walk(d, d->vm, acc->hnode[hs], cp + i, n - i, 2, cv->errata, &v, &vl, NULL);
            if (m) goto found;
          } else if (w & H_VAL) {
            m = 2;
            if (w & H_SLOW) {
              zf_occ_value(d, d->nodes + 3u * (size_t)acc->hnode[hs], cv->errata, &v, &vl);
              goto found;
            }
            two[0] = (uint32_t)(w >> H_V0 & 0x7FFFu) + H_LO;
            two[1] = (uint32_t)(w >> (H_V0 + 15) & 0x7FFFu) + H_LO;
            v = two;
            vl = w & H_LEN2 ? 2 : 1;
            goto found;
          }
        }
        const acc_pair *q = kids && !acc_in_h(c, cp[i + 1]) ? acc_pair_probe(acc, c, cp[i + 1]) : NULL;
        if (q) {
          uint64_t k = q->key;
          if ((k & P_DEEP) && i + 2 < n && (k & acc_third_bit(cp[i + 2])) &&
              acc_tri(acc, c, cp[i + 1], cp[i + 2])) {
            m = zf_occ_walk(d, d->vm, (uint32_t)(q->val >> 42), cp + i, n - i, 2, cv->errata, &v, &vl,
                            NULL);
            if (m) goto found;
          } else if (k & P_VAL) {
            if (k & P_SLOW) {
              zf_occ_value(d, d->nodes + 3u * (size_t)(q->val >> 42), cv->errata, &v, &vl);
              m = 2;
              goto found;
            }
            two[0] = (uint32_t)(q->val & 0x1FFFFFu);
            two[1] = (uint32_t)(q->val >> 21 & 0x1FFFFFu);
            v = two;
            vl = k & P_LEN2 ? 2 : 1;
            m = 2;
            goto found;
          }
        }
        e &= ACC_CP;
        if (same) {
          o->cp[base + i] = e;
          changed += e != c;
        } else {
          if (o->len == o->cap && zf_text_reserve(o, n - i + 16)) goto nomem;
          o->cp[o->len] = e;
          o->off[o->len++] = off[i];
        }
        i++;
        run = 1;
        continue;
      }
    } else if (inert(z, c) || quiet_ascii(z, acc, cp, i, n)) {
      size_t j = inert_end(z, cp, i + 1, n);
      while (j < n && quiet_ascii(z, acc, cp, j, n)) j = inert_end(z, cp, j + 1, n);
      if (!same && copy(o, src, i, j)) goto nomem;
      i = j;
      run = 1;
      continue;
    }
    if (track && c >= ACC_SPAN && sf_one(cv->sh, SF_TRAD_ONLY, c)) trad = ACC_MARK; /* astral */
    if (c >= nlow && cv->sh->norm_at_starts) {
      uint32_t node = zf_occ_root(nd, c);
      if (node && (nd->nodes[3u * (size_t)node + 2] & nd->vm)) {
        rc = NORMALIZE;
        break;
      }
    }
    m = zf_occ_match_e(d, cp + i, n - i, cv->errata, &v, &vl);
    if (m) {
    found:
      if (same && vl != m) {
        rc = UNSAME;
        break;
      }
      if (track && m > 1 && trad_in(cv, cp, i + 1, i + m)) trad = ACC_MARK; /* (制醣) */
      if (segs && m > 1 && run && seg_push(segs, POS)) goto nomem;
      uint64_t tag = unit_tag(cv, off, i, m);
      if (same) {
        for (size_t k = 0; k < m; k++) {
          o->cp[base + i + k] = v[k];
          o->off[base + i + k] = tag;
          changed += v[k] != cp[i + k];
        }
      } else if (put(o, v, vl, tag)) {
        goto nomem;
      }
      i += m;
      if (segs && m > 1) {
        if (seg_push(segs, POS)) goto nomem;
        run = 0;
      } else {
        run = 1;
      }
      continue;
    }
    size_t e = 0;
    if (idc_arity(c)) {
      if (segs) {
        rc = BAIL;
        break;
      }
      e = ids_end(cv, cp, i, n);
      if (e == (size_t)-1) goto nomem;
    }
    e = e ? e : i + 1;
    if (track && trad_in(cv, cp, i + 1, e)) trad = ACC_MARK; /* an ideographic description sequence */
    if (!same && copy(o, src, i, e)) goto nomem;
    i = e;
    run = 1;
  }
#undef POS
  p->i = i;
  p->changed = changed;
  p->run = run;
  p->trad = trad;
  return rc;
nomem:
  return -1;
}

/* Converts the whole of src with dictionary di in one greedy pass (what
 * convert_range does, with the accelerator).  With segs, also the
 * segmentation of a K_FUSED configuration: a match longer than one
 * character is a key of the segmentation dictionary (covers[][]), so it is
 * a segment of its own, and the rest are runs; an ideographic description
 * sequence there returns BAIL (segmentation and conversion would measure
 * it against different ends: the general path does it).  With norm >= 0,
 * a key of that normalization dictionary anywhere in src returns
 * NORMALIZE, with nothing written to o (segs to be reset by the caller).
 * With chg, *chg is the number of places where the output differs from
 * src (count_changed's figure), or SIZE_MAX when not counted.
 *
 * While every unit writes as many characters as it reads, the output
 * mirrors src place for place: src is copied first, and only what
 * converts is written over the copy, so runs that convert to themselves
 * cost no writes.  At a unit of another length the rest of the copy is
 * dropped and the output appended from there (pass_loop, twice).  With
 * mirror, *mirror is whether the output mirrored src to the end. */
int zf_conv_run_pass(conv *cv, int di, int norm, const zf_text *src, zf_text *o, seglist *segs,
                     size_t *chg, int *mirror) {
  pass_st p = {cv, &cv->t->d[di], norm >= 0 ? &cv->t->d[norm] : NULL, &cv->sh->inert[di], cv->acc[di],
               src, o, segs, src->len, o->len, 0, 0, 0,
               /* plain_run's hi bitmap rules out keys of the usual normalization */
               norm < 0 || norm == ZF_OCC_NORM,
               /* the line convert_line asked about, not a normalized copy */
               src == cv->trad_src && cv->acc[di] && cv->acc[di]->trad_ok ? ACC_MARK : 0, 0};
  const uint32_t *cp = src->cp;
  size_t n = p.n;
  if (chg) *chg = SIZE_MAX;
  if (p.nd && !cv->sh->norm_at_starts) {
    /* A key of the normalization dictionary anywhere: nothing written. */
    const zf_occ_dict *nd = p.nd;
    int any = 0;
    for (size_t i = 0; i < n; i++) any |= cp[i] >= nd->min_cp;
    for (size_t i = 0; any && i < n; i++)
      if (cp[i] >= nd->min_cp) {
        uint32_t node = zf_occ_root(nd, cp[i]);
        if (node && (nd->nodes[3u * (size_t)node + 2] & nd->vm)) return NORMALIZE;
      }
  }
  if (zf_text_reserve(o, n + 16)) return -1;
  ids_reset(cv);
  memcpy(o->cp + p.base, cp, n * sizeof *cp);
  memcpy(o->off + p.base, src->off, n * sizeof *src->off);
  int rc = pass_loop(&p, 1), same = 1;
  if (rc == UNSAME) {
    o->len = p.base + p.i; /* the copy's rest is dropped */
    same = 0;
    rc = pass_loop(&p, 0);
  }
  if (rc) {
    if (rc == NORMALIZE) o->len = p.base; /* undone: the caller normalizes first */
    return rc;
  }
  if (same) {
    o->len = p.base + n;
    if (chg) *chg = p.changed;
  }
  if (p.track) cv->trad_seen = p.trad != 0;
  if (mirror) *mirror = same;
  if (segs && p.run && seg_push(segs, o->len - p.base)) return -1;
  return 0;
}

/* Whether the line holds a key of the normalization dictionary. */
static int needs_norm(const conv *cv, int di, const zf_text *in) {
  const zf_occ_dict *d = &cv->t->d[di];
  for (size_t i = 0; i < in->len; i++)
    if (in->cp[i] >= d->min_cp) {
      uint32_t node = zf_occ_root(d, in->cp[i]);
      if (node && (d->nodes[3u * (size_t)node + 2] & d->vm)) return 1;
    }
  return 0;
}

/* Normalizes in (OpenCC's normalization dictionary di) into cv->nm. */
static const zf_text *normalize(conv *cv, int di, const zf_text *in) {
  zf_text_clear(&cv->nm);
  return convert_range(cv, di, in, 0, in->len, &cv->nm) ? NULL : &cv->nm;
}

/* Whether the first step of c can match nothing in the line: no key of
 * its dictionary matches at any place of the whole line (a key inside a
 * segment would match there too), no character is an ideographic
 * description character (the general path bounds their sequences by the
 * segments, a pass by the line), and none may need the normalization
 * (which would change the text the steps see).  The first step then
 * copies every segment, and the configuration is the second step alone,
 * segmentation and all: its one greedy pass where it covers the
 * segmentation (pass_tail). */
static int first_step_idle(const conv *cv, const occ_cfg *c, const zf_text *in) {
  /* With the accelerator, what step_idle answers: every character
   * converts to itself on its own, so no key matches (an ideographic
   * description character, a key of the usual normalization or an
   * astral character answers no), by the first level and the filters
   * where the loop below walks the trie at every place (3.5% of the
   * CPU samples of `zhfix --to=simp` on Taiwan text). */
  if (cv->acc[c->step[0]] && (c->norm < 0 || c->norm == ZF_OCC_NORM)) return step_idle(cv, c->step[0], in);
  const zf_occ_dict *d = &cv->t->d[c->step[0]];
  uint32_t nlow = c->norm >= 0 ? cv->t->d[c->norm].min_cp : 0x110000;
  const uint32_t *cp = in->cp;
  size_t n = in->len;
  for (size_t i = 0; i < n; i++) {
    uint32_t x = cp[i], node;
    if (x >= nlow || x - 0x2FF0u < 16u) return 0;
    if ((node = zf_occ_root(d, x))) {
      const uint32_t *v;
      size_t vl;
      if (zf_occ_walk(d, d->vm, node, cp + i, n - i, 1, 0, &v, &vl, NULL)) return 0;
    }
  }
  return 1;
}

/* Applies configuration c to in, appending to o. */
int zf_conv_run_config(conv *cv, const occ_cfg *c, const zf_text *in, zf_text *o) {
  const zf_text *src = in;
  int norm = c->norm;
  cv->chg = SIZE_MAX;
  if (c->kind == K_IDENTITY) return zf_text_append(o, in, 0, in->len);
  if (c->pass_tail && in != &cv->a && in != &cv->b && o != &cv->a && o != &cv->b) {
    int rc = zf_conv_run_tail(cv, c, in, o);
    if (rc <= 0) return rc;
  }
  if (c->pass_tail && first_step_idle(cv, c, in)) {
    occ_cfg tail = {-1, -1, {c->step[1]}, 1, K_PASS, 0};
    return zf_conv_run_config(cv, &tail, in, o);
  }
  if (c->kind == K_GENERAL && norm >= 0 && needs_norm(cv, norm, in)) {
    if (!(src = normalize(cv, norm, in))) return -1;
    norm = -1;
  }
  if (c->kind == K_PASS) {
    for (int s = 0; s < c->nsteps; s++) {
      zf_text *dst = s == c->nsteps - 1 ? o : scratch(cv, src, NULL);
      size_t at = dst->len;
      if (dst != o) zf_text_clear(dst);
      int rc = zf_conv_run_pass(cv, c->step[s], s ? -1 : norm, src, dst, NULL,
                        c->nsteps == 1 && src == in ? &cv->chg : NULL, NULL);
      if (rc == NORMALIZE) {
        /* Nothing written yet: normalize, then convert that. */
        dst->len = at;
        if (!(src = normalize(cv, norm, in))) return -1;
        norm = -1;
        s--;
        continue;
      }
      if (rc) return -1;
      src = dst;
    }
    return 0;
  }
  if (c->kind == K_FUSED) {
    for (;;) {
      zf_text *first = scratch(cv, src, NULL);
      zf_text_clear(first);
      cv->sa.n = 0;
      int rc = zf_conv_run_pass(cv, c->step[0], norm, src, first, &cv->sa, NULL, NULL);
      if (rc == NORMALIZE) {
        if (!(src = normalize(cv, norm, in))) return -1;
        norm = -1;
        continue;
      }
      if (rc < 0) return -1;
      if (rc == 0) return run_chain(cv, c, 1, first, &cv->sa, o);
      break; /* BAIL: the general path */
    }
    if (norm >= 0 && needs_norm(cv, norm, src) && !(src = normalize(cv, norm, in))) return -1;
  }
  return run_general(cv, c, src, o);
}
