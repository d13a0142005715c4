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

#include "farm_search.h"
#include "readings.h"

/* Appends output character node_cp (with its GUESSED flag) to h; in
 * direct mode (f->direct, the one reading left) straight to the output,
 * unscored. */
static int emit(farm *f, hyp *h, uint32_t node_cp, uint32_t ti) {
  uint32_t cp = node_cp & ~CP_FLAGS;
  if (f->direct) {
    if (zf_text_push(f->direct, cp, f->tk[ti].off)) return -1;
    typography(f, h, cp, h->last);
    h->last = cp;
    return 0;
  }
  if (f->nonode) {
    /* the node is made later, when a reading needs it (expand_lost) */
    f->nn_cp = node_cp;
    f->nn_tok = ti;
    f->nn_made = 1;
  } else {
    if (node_push(f, &h->node, node_cp, ti)) return -1;
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
    if (emit(f, h, c, h->pend_tok)) return -1;
    h->pend = 0;
    h->pend_lost = 0;
  } else if (b < 0x80) {
    if (emit(f, h, b, ti)) return -1;
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

int zf_farm_feed(farm *f, hyp *h, unsigned b, uint32_t ti, int lost) {
  return feed(f, h, b, ti, lost);
}

/* The inserted annotation "(syl tone)" ends the B bytes so far: the pair
 * before it must be a character with that reading. */
static int window_reads(const farm *f, const hyp *h, int syl, int tone) {
  if (!fb_is_lead(h->b1)) return 0;
  uint32_t c = fb_pair(f->codec, h->b1, h->b2);
  return c && zf_reading_of(c, syl, tone);
}

_Static_assert(RING > ANN_MAX_SYL + 3, "a position's readings never land in its own array");

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
    if (emit(f, h, t->cp, (uint32_t)(t - f->tk))) return -1;
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
  if (swallowed && !kept && !t->ann_end && f->nswh0 < HOLE_BEAM) return zf_farm_expand_fast(f, h0);
  /* the forms of each L share the one feed of L (docs/repair-farm.md,
   * "This stop"): NODE_LIMIT counts its output node once per form */
  size_t branches = (t->ann_end ? 1u : 0u) + (kept ? 1u : 0u) + (swallowed ? 3u : 0u);
  /* the bigrams of h0's last character and each P L, as expand_fast
   * reads them: L's feed finds its own as the pair asked last (on a
   * dense position only: elsewhere the bigram cache has most of them,
   * and a row costs 126 questions to the model) */
  const float *row = h0->pend && f->dense ? zf_farm_bg_row(f, h0->last, h0->pend) : NULL;
  for (unsigned L = 0x81; L <= 0xFE; L++) {
    /* Every reading below starts with L fed to h0: L is fed once and
     * each form starts from a copy of the result.  A pair L cannot
     * complete ends them all. */
    uint32_t c = h0->pend ? fb_pair(f->codec, h0->pend, L) : 0;
    if (h0->pend && !c) continue;
    if (row) {
      f->bm_a = h0->last;
      f->bm_b = c;
      f->bm_v = row[L - 0x81];
    }
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
      if (defer) { /* L's character's node, counted as shared until now */
        if (node_push(f, &hl.node, f->nn_cp, f->nn_tok)) return -1;
        f->nshared--;
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
      if (defer) { /* L's character's node, counted as shared until now */
        if (node_push(f, &hl.node, f->nn_cp, f->nn_tok)) return -1;
        f->nshared--;
        defer = 0;
      }
      hyp h = hl;
      hole(&h);
      if (push(f, i + 1, &h)) return -1;
    }
    if (swallowed && zf_farm_swallowed(f, &hl, defer, h0->pend, L)) return -1;
  }
  return 0;
}

/* Every reading of token i from h0.  holes: h0 may read a '?' as a lost
 * byte (only the best few do); strip_ok: aligned annotations go (the
 * line's, strip_ok below). */
static int expand(farm *f, size_t i, size_t n, const hyp *h0, int holes, int strip_ok) {
  const tok *t = &f->tk[i];
  int damage_ok = f->sig;
  int forced = 0;
  if (expand_annotation(f, i, h0, strip_ok, &forced)) return -1;
  /* the literal reading (a token that cannot follow h0's pending byte
   * ends it: not even copied) */
  if (!forced && !(h0->pend && (t->atom || !fb_pair(f->codec, h0->pend, t->b[0])))) {
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

/* The bigram cache's sets that reading h of token t asks for first (the
 * literal reading's new character, and a split mark's), fetched a few
 * readings ahead: the table is read at random, and waiting for it was
 * most of what emit cost on a dense search. */
static inline void prefetch_reading(const farm *f, const hyp *h, const tok *t) {
  if (!f->bg || t->atom) return;
  uint32_t c;
  if (h->pend) {
    c = fb_pair(f->codec, h->pend, t->b[0]);
    if (punct_second(t->cp)) {
      uint32_t s = fb_pair(f->codec, h->pend, 0xA3);
      if (s) __builtin_prefetch(bg_set(f, h->last, s));
    }
  } else {
    c = t->nb == 1 ? t->b[0] : t->nb == 2 ? t->cp : 0;
  }
  if (c) __builtin_prefetch(bg_set(f, h->last, c));
}
enum { AHEAD = 2, PREFETCH_MIN = 64 };

/* Every reading of bv at token i.  Only the best few try a lost byte at a
 * '?' (126 values each), and they go first, best first; the others
 * follow in the order they are (the literal reading always goes on). */
static int expand_all(farm *f, const hvec *bv, size_t i, size_t n, int strip_ok) {
  f->dense = bv->n >= PREFETCH_MIN;
  if (!is_lost(f->tk[i].cp) || bv->n <= HOLE_BEAM) {
    const tok *t = &f->tk[i];
    /* a small beam's sets are in the cache already (realistic damage) */
    size_t ahead = bv->n >= PREFETCH_MIN ? bv->n : 0;
    for (size_t k = 0; k < bv->n; k++) {
      if (k + AHEAD < ahead) prefetch_reading(f, &bv->v[k + AHEAD], t);
      if (expand(f, i, n, &bv->v[k], k < HOLE_BEAM, strip_ok)) return -1;
    }
    return 0;
  }
  uint32_t top[HOLE_BEAM], by_idx[HOLE_BEAM];
  zf_farm_front(bv, HOLE_BEAM, top);
  for (size_t j = 0; j < HOLE_BEAM; j++) {
    if (expand(f, i, n, &bv->v[top[j]], 1, strip_ok)) return -1;
    /* the same indices in their own order, to skip them below */
    size_t t = j;
    while (t > 0 && top[j] < by_idx[t - 1]) {
      by_idx[t] = by_idx[t - 1];
      t--;
    }
    by_idx[t] = top[j];
  }
  for (size_t k = 0, t = 0; k < bv->n; k++) {
    if (k + AHEAD < bv->n) prefetch_reading(f, &bv->v[k + AHEAD], &f->tk[i]);
    if (t < HOLE_BEAM && by_idx[t] == k) {
      t++;
      continue;
    }
    if (expand(f, i, n, &bv->v[k], 0, strip_ok)) return -1;
  }
  return 0;
}

/* ---- the line ------------------------------------------------------------------ */

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
  if (zf_farm_order(f, bv)) return -1;
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
  if (f->nswg || f->nswb || f->nswh0) zf_farm_sw_clear(f); /* after a failure */
  /* hypotheses the line may push (the cost of the search): its own
   * budget, or what the document has left when that is less (f->avail,
   * repair_farm.c) */
  uint64_t work = 0, budget = WORK_BASE + WORK_PER_CHAR * (uint64_t)n;
  /* aligned annotations go under strip, and under auto once the
   * document shows the signature (f->sig is set before the line) */
  int strip_ok = f->o.pinyin == ZHFIX_PINYIN_STRIP || (f->o.pinyin == ZHFIX_PINYIN_AUTO && f->sig);
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
    if (f->nnodes >= NODE_COMPACT && f->nnodes >= 2 * f->nlive && zf_farm_compact_nodes(f)) return -1;
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
    /* read in place: every reading goes to a later position's array (an
     * annotation, '?' and '(' included, jumps at most ANN_MAX_SYL + 3) */
    if (expand_all(f, bv, i, n, strip_ok)) return -1;
    if ((f->nswg || f->nswh0) && zf_farm_sw_flush(f, i)) return -1;
    zf_farm_beam_release(f, bv);
  }
  return 0;
}
