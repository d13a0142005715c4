/*
 * Content-farm stage: merging the hypotheses of one position of the
 * search (farm_search.c; docs/repair-farm.md, "The algorithm" and
 * "Bounded work, and the worst case").
 */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "farm.h"

/* A position's hypotheses are grouped by state and, within a state, best
 * first; ties keep the order they were pushed in.  Sorting, where it is
 * needed (the states, and zf_farm_order), works on small records (one
 * number, the index), and the hypotheses are moved once. */

/* The state of h as one number, ordered by pending byte, its loss, last
 * character, last two bytes, need, sep, open quotes: fields the search
 * keeps small (pend_lost, need and sep are 0 or 1, open[] at most 3,
 * last a code point). */
static inline uint64_t state_key(const hyp *h) {
  /* open[0] << 6 | open[1] << 4 | open[2] << 2 | open[3] in one multiply:
   * open[g] (at most 3) sits at bit 8g of o, and o times 2^30 + 2^20 +
   * 2^10 + 1 puts open[g] at bit 30 - 2g; every other product lands on
   * other bits, none of them carrying into bits 24..31 */
  uint32_t o;
  memcpy(&o, h->open, sizeof o);
  uint64_t opens = (((uint64_t)(o & 0x03030303u) * 0x40100401ull) >> 24) & 0xFF;
  return (uint64_t)h->pend << 48 | (uint64_t)h->pend_lost << 47 | (uint64_t)h->last << 26 |
         (uint64_t)h->b2 << 18 | (uint64_t)h->b1 << 10 | (uint64_t)h->need << 9 |
         (uint64_t)h->sep << 8 | opens;
}

/* The two sorts of every position of a dense search (the states by key;
 * a lost byte's position by score) on records of one number each: the
 * key, or the score made a number whose ascending order is the scores'
 * descending one.  Sorted stably by that number alone, an integer
 * compare, on records two thirds the size: the order sort_recs gives
 * (equal scores in the order they are; the states' keys are all
 * different). */

static inline uint64_t score_key(double s) {
  uint64_t u;
  if (s == 0) s = 0; /* -0.0 and 0.0 are equal scores */
  memcpy(&u, &s, sizeof u);
  u = (u >> 63) ? ~u : u | 1ull << 63; /* ascending as the doubles */
  return ~u;
}

/* Sorts a[0..n) by key, stably (tmp: room for n more); ends up in a. */
static void sort_keys(krec *a, krec *tmp, size_t n) {
  enum { RUN = 16 };
  for (size_t s = 0; s < n; s += RUN) {
    size_t e = s + RUN < n ? s + RUN : n;
    for (size_t i = s + 1; i < e; i++) {
      krec x = a[i];
      size_t j = i;
      while (j > s && x.key < a[j - 1].key) {
        a[j] = a[j - 1];
        j--;
      }
      a[j] = x;
    }
  }
  krec *src = a, *dst = tmp;
  for (size_t w = RUN; w < n; w *= 2) {
    for (size_t s = 0; s < n; s += 2 * w) {
      size_t m = s + w < n ? s + w : n, e = s + 2 * w < n ? s + 2 * w : n;
      if (m < e && !(src[m].key < src[m - 1].key)) { /* in order already */
        memcpy(dst + s, src + s, (e - s) * sizeof *src);
        continue;
      }
      size_t i = s, j = m, k = s;
      while (i < m && j < e) {
        int t = src[j].key < src[i].key;
        dst[k++] = t ? src[j] : src[i];
        j += (size_t)t;
        i += (size_t)!t;
      }
      while (i < m) dst[k++] = src[i++];
      while (j < e) dst[k++] = src[j++];
    }
    krec *t = src;
    src = dst;
    dst = t;
  }
  if (src != a) memcpy(a, src, n * sizeof *a);
}

/* Sorts a[0..n) by key like sort_keys, for the states of a large
 * position (their keys all differ): least significant byte first, over
 * only the bytes in which the keys differ (a position's states share
 * most of theirs), a counting pass each, with no compare to mispredict.
 * LSD passes are stable, so the order is sort_keys' in any case.  cnt
 * holds the count of every byte value of every byte of the keys
 * (radix_count, taken as a[] is written); a byte whose one value all n
 * keys share needs no pass.  Returns where the sorted records are: a or
 * tmp (no copy back after an odd number of passes). */
typedef uint32_t radix_cnt[8][256];

static inline void radix_count(radix_cnt cnt, uint64_t key) {
  cnt[0][key & 0xFF]++;
  cnt[1][key >> 8 & 0xFF]++;
  cnt[2][key >> 16 & 0xFF]++;
  cnt[3][key >> 24 & 0xFF]++;
  cnt[4][key >> 32 & 0xFF]++;
  cnt[5][key >> 40 & 0xFF]++;
  cnt[6][key >> 48 & 0xFF]++;
  cnt[7][key >> 56]++;
}

static krec *radix_keys(krec *a, krec *tmp, size_t n, radix_cnt cnt) {
  uint64_t k0 = a[0].key;
  krec *src = a, *dst = tmp;
  for (unsigned j = 0; j < 8; j++) {
    unsigned sh = 8 * j;
    uint32_t sum = 0, *c = cnt[j];
    if (c[k0 >> sh & 0xFF] == n) continue; /* every key has this byte */
    for (unsigned d = 0; d < 256; d++) {
      uint32_t x = c[d];
      c[d] = sum;
      sum += x;
    }
    for (size_t i = 0; i < n; i++) dst[c[src[i].key >> sh & 0xFF]++] = src[i];
    krec *t = src;
    src = dst;
    dst = t;
  }
  return src;
}
enum { RADIX_MIN = 512 }; /* fewer states: sort_keys costs less (a radix pass costs 256 buckets) */

/* Room for n records and n merged hypotheses. */
static int merge_room(farm *f, size_t n) {
  if (n > f->caphr) {
    size_t nc = f->caphr ? f->caphr : 64;
    while (nc < n) nc *= 2;
    krec *a = realloc(f->hr, nc * sizeof *a);
    if (!a) return -1;
    f->hr = a;
    krec *b = realloc(f->hr2, nc * sizeof *b);
    if (!b) return -1;
    f->hr2 = b;
    f->caphr = nc;
  }
  if (n > f->capmv) {
    size_t nc = f->capmv ? f->capmv : 64;
    while (nc < n) nc *= 2;
    if (f->capmv > BEAM_KEEP) zf_farm_pool_give(f, f->mv, f->capmv);
    else free(f->mv);
    f->mv = zf_farm_pool_take(f, n - 1, &f->capmv);
    if (!f->mv) {
      f->mv = malloc(nc * sizeof *f->mv);
      f->capmv = f->mv ? nc : 0;
    }
    if (!f->mv) return -1;
  }
  return 0;
}

/* The merged hypotheses f->mv[0..n) become bv's (the old array becomes
 * the scratch). */
static void merge_swap(farm *f, hvec *bv, size_t n) {
  hyp *v = bv->v;
  size_t cap = bv->cap;
  bv->v = f->mv;
  bv->cap = f->capmv;
  bv->n = n;
  f->mv = v;
  f->capmv = cap;
}

/* Orders bv by score alone, best first; equal ones keep their order.
 * -1 on allocation failure. */
int zf_farm_order(farm *f, hvec *bv) {
  size_t n = bv->n;
  if (n < 2) return 0;
  if (merge_room(f, n)) return -1;
  krec *r = f->hr;
  for (size_t k = 0; k < n; k++) r[k] = (krec){score_key(bv->v[k].score), (uint32_t)k};
  sort_keys(r, f->hr2, n);
  for (size_t k = 0; k < n; k++) f->mv[k] = bv->v[r[k].idx];
  merge_swap(f, bv, n);
  return 0;
}

/* Puts the record of rank k of a[0..n) (by key, then idx: a total
 * order) at a[k], the ones of lower rank before it (in no order). */
static void select_rank(krec *a, size_t n, size_t k) {
#define KLESS(u, v) ((u).key < (v).key || ((u).key == (v).key && (u).idx < (v).idx))
  size_t lo = 0, hi = n; /* the record of rank k is in a[lo..hi) */
  while (hi - lo > 2) {
    /* pivot: the median of the first, middle and last */
    krec x = a[lo], p = a[lo + (hi - lo) / 2], z = a[hi - 1];
    if (KLESS(p, x) != KLESS(p, z)) {
    } else if (KLESS(x, p) != KLESS(x, z)) {
      p = x;
    } else {
      p = z;
    }
    size_t i = lo, j = hi - 1;
    for (;;) { /* Hoare's partition: a[lo..i) <= p, a(j..hi) >= p */
      while (KLESS(a[i], p)) i++;
      while (KLESS(p, a[j])) j--;
      if (i >= j) break;
      krec t = a[i];
      a[i++] = a[j];
      a[j--] = t;
    }
    if (k <= j) hi = j + 1;
    else lo = j + 1;
  }
  if (hi - lo == 2 && KLESS(a[lo + 1], a[lo])) {
    krec t = a[lo];
    a[lo] = a[lo + 1];
    a[lo + 1] = t;
  }
#undef KLESS
}

void zf_farm_front(const hvec *bv, size_t m, uint32_t *top) {
  /* one pass, the m best so far sorted by (key, index): a later
   * hypothesis has the larger index, so it goes in only when its key is
   * smaller than the m-th best's, after every equal one when it goes in
   * before the m are there */
  uint64_t tk[HOLE_BEAM];
  size_t c = 0, n = bv->n;
  for (size_t k = 0; k < n; k++) {
    uint64_t key = score_key(bv->v[k].score);
    if (c == m && !(key < tk[m - 1])) continue;
    size_t j = c < m ? c++ : m - 1;
    while (j > 0 && key < tk[j - 1]) {
      tk[j] = tk[j - 1];
      top[j] = top[j - 1];
      j--;
    }
    tk[j] = key;
    top[j] = (uint32_t)k;
  }
}

/* One state's hypotheses in merge: the first in the state's order (best
 * score, then pushed first), the first whose reading differs from it, the
 * first literal one, the first with no guessed mark. */
typedef struct hgroup {
  uint64_t key;
  uint32_t first, other, lit, plain;
  /* what the order asks of the first, the other and the plain one (their
   * score and push order, the first's hash), kept here so that the one
   * pass over the hypotheses reads each once, in the array's order */
  uint64_t fhash;
  double fscore, oscore, pscore;
  uint32_t fseq, oseq, pseq;
  uint32_t slot; /* its slot in the hash table, emptied after the pass */
} hgroup;

#define NONE UINT32_MAX

/* the first slot of the hash table (mask + 1 slots) a state key tries */
static inline uint32_t slot_of(uint64_t key, uint32_t mask) {
  return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}
enum { PF_GRP = 8, PF_HYP = 4, PF_TAB = 8 };

size_t zf_farm_merge_bytes(const farm *f) {
  return f->caphr * 2 * sizeof(krec) + f->capmv * sizeof(hyp) + f->capgrp * sizeof(hgroup) +
         (f->capgid + f->captab) * sizeof(uint32_t);
}

/* Room for merge's index per hypothesis (n) and hash table (tsize). */
static int group_room(farm *f, size_t n, size_t tsize) {
  if (n > f->capgid) {
    size_t nc = f->capgid ? f->capgid : 64;
    while (nc < n) nc *= 2;
    uint32_t *d = realloc(f->gid, nc * sizeof *d);
    if (!d) return -1;
    f->gid = d;
    f->capgid = nc;
  }
  if (tsize > f->captab) {
    uint32_t *t = realloc(f->htab, tsize * sizeof *t);
    if (!t) return -1;
    memset(t, 0xFF, tsize * sizeof *t); /* empty; every merge leaves it so */
    f->htab = t;
    f->captab = tsize;
  }
  return 0;
}

/* Room for one more state: the states are a third of the hypotheses or
 * fewer, so their array grows as they come, not to n at once (peak RSS). */
static int group_grow(farm *f) {
  return zf_grow((void **)&f->grp, &f->capgrp, f->capgrp + 1, sizeof *f->grp, 64);
}

/* a comes before b in their state's order: the better score, then the
 * one pushed first (seq: the array's order, except for the readings a
 * lost byte set aside and pushed after the others, farm_setaside.c) */
static inline int ranks_before(const hyp *v, uint32_t a, uint32_t b) {
  return v[a].score > v[b].score ||
         (v[a].score == v[b].score && (int32_t)(v[a].seq - v[b].seq) < 0);
}

/* The beam cut: the 2 x MAX_KEYS best by score (equal ones in the order
 * they are), the last of them given up for the best literal reading when
 * that is not among them, kept in the order they are (by state, each
 * best first).  What sorting the beam by score, cutting and sorting it
 * back by state gave, found by selection: bv is in state order and,
 * within a state, in score order, so a stable sort by state of any
 * subset taken in score order gives the subset in bv's order, the
 * literal reading moved into the last slot included (no better than the
 * others, and after those of its state that score the same).  Returns
 * the number of states left. */
static size_t beam_cut(farm *f, hvec *bv) {
  size_t m = MAX_KEYS * 2, nn = bv->n;
  krec *rs = f->hr;
  for (size_t k = 0; k < nn; k++) rs[k] = (krec){score_key(bv->v[k].score), (uint32_t)k};
  select_rank(rs, nn, m - 1);
  uint32_t *keep = f->gid; /* room for the n merged: more than nn */
  memset(keep, 0, nn * sizeof *keep);
  for (size_t k = 0; k < m; k++) keep[rs[k].idx] = 1;
  size_t lit = SIZE_MAX;
  for (size_t k = m; k < nn; k++)
    if (bv->v[rs[k].idx].lit &&
        (lit == SIZE_MAX || rs[k].key < rs[lit].key ||
         (rs[k].key == rs[lit].key && rs[k].idx < rs[lit].idx)))
      lit = k;
  if (lit != SIZE_MAX) {
    keep[rs[m - 1].idx] = 0;
    keep[rs[lit].idx] = 1;
  }
  size_t w3 = 0;
  for (size_t k = 0; k < nn; k++)
    if (keep[k]) bv->v[w3++] = bv->v[k];
  bv->n = w3;
  size_t keys = 0;
  uint64_t prev = 0;
  for (size_t k = 0; k < bv->n; k++) {
    uint64_t key = state_key(&bv->v[k]);
    if (k == 0 || key != prev) keys++;
    prev = key;
  }
  return keys;
}

/* Keeps the two best different readings per state, the literal reading
 * and the best one with no mark rebuilt from a lost lead byte (what such
 * a mark is measured against: farm_marks.c), drops hopeless ones;
 * returns the number of states, MERGE_FAILED on allocation failure.
 *
 * What it keeps is what walking each state's hypotheses in order would
 * keep (the first; then one whose reading differs from the first while
 * fewer than two are kept; the first literal and the first unguessed one
 * when none kept is), which never goes past the four the walk can keep:
 * so each state's four are found in one pass over the hypotheses, in
 * their order (the state's group keeps what the comparisons need), with
 * no sort of the hypotheses; only the states are sorted, and they come
 * out in the order of their keys, each best first, the hopeless ones
 * (PRUNE) left out as they are written. */
size_t zf_farm_merge(farm *f, hvec *bv) {
  size_t n = bv->n;
  if (n <= 1) return n; /* one hypothesis: its own state, the best */
  size_t tsize = 16;
  while (tsize < 2 * n) tsize *= 2;
  if (merge_room(f, n) || group_room(f, n, tsize)) return MERGE_FAILED;
  const hyp *v = bv->v;
  hgroup *grp = f->grp;
  uint32_t *tab = f->htab, mask = (uint32_t)tsize - 1;
  size_t ng = 0; /* tab is empty (group_room), and left so below */
  /* the best score of all: each state's first holds its state's best, so
   * it is the best of the merged ones, which hopeless ones are cut
   * against as they are written (PRUNE) */
  double best = -DBL_MAX;
  /* the keys and slots of the next PF_TAB hypotheses, their slots
   * fetched: the table is read at random */
  uint64_t rk[PF_TAB];
  uint32_t rh[PF_TAB];
  for (uint32_t k = 0; k < PF_TAB && k < n; k++) {
    rk[k] = state_key(&v[k]);
    rh[k] = slot_of(rk[k], mask);
    __builtin_prefetch(&tab[rh[k]]);
  }
  for (uint32_t k = 0; k < n; k++) {
    uint64_t key = rk[k % PF_TAB];
    uint32_t h = rh[k % PF_TAB];
    if (k + PF_TAB < n) {
      uint64_t ka = state_key(&v[k + PF_TAB]);
      uint32_t ha = slot_of(ka, mask);
      rk[k % PF_TAB] = ka;
      rh[k % PF_TAB] = ha;
      __builtin_prefetch(&tab[ha]);
    }
    while (tab[h] != NONE && grp[tab[h]].key != key) h = (h + 1) & mask;
    if (tab[h] == NONE) {
      if (ng == f->capgrp) {
        if (group_grow(f)) {
          for (size_t g = 0; g < ng; g++) tab[grp[g].slot] = NONE;
          return MERGE_FAILED;
        }
        grp = f->grp;
      }
      tab[h] = (uint32_t)ng;
      grp[ng++] = (hgroup){key, k, NONE, NONE, NONE, v[k].hash, v[k].score, 0, 0, v[k].seq, 0, 0, h};
    }
    hgroup *g = &grp[tab[h]];
    const hyp *x = &v[k];
    if (x->score > best) best = x->score;
    /* The first, and the other: the first in the order among those whose
     * reading differs from the first's.  Kept as the hypotheses come: a
     * new first makes the old one the other when their readings differ
     * (it ranks before every other one seen), else the other stays. */
    if (x->score > g->fscore || (x->score == g->fscore && (int32_t)(x->seq - g->fseq) < 0)) {
      if (x->hash != g->fhash) {
        g->other = g->first;
        g->oscore = g->fscore;
        g->oseq = g->fseq;
      }
      g->first = k;
      g->fhash = x->hash;
      g->fscore = x->score;
      g->fseq = x->seq;
    } else if (x->hash != g->fhash &&
               (g->other == NONE || x->score > g->oscore ||
                (x->score == g->oscore && (int32_t)(x->seq - g->oseq) < 0))) {
      g->other = k;
      g->oscore = x->score;
      g->oseq = x->seq;
    }
    if (x->lit && (g->lit == NONE || ranks_before(v, k, g->lit))) g->lit = k;
    if (!x->guess && (g->plain == NONE || x->score > g->pscore ||
                      (x->score == g->pscore && (int32_t)(x->seq - g->pseq) < 0))) {
      g->plain = k;
      g->pscore = x->score;
      g->pseq = x->seq;
    }
  }
  /* one pass over the states: the table empty again (only the slots the
   * states took, not all of it), their sort records written and, for the
   * radix sort, their bytes counted */
  krec *r = f->hr;
  if (ng >= RADIX_MIN) {
    radix_cnt cnt;
    memset(cnt, 0, sizeof cnt);
    for (size_t g = 0; g < ng; g++) {
      tab[grp[g].slot] = NONE;
      r[g] = (krec){grp[g].key, (uint32_t)g};
      radix_count(cnt, grp[g].key);
    }
    r = radix_keys(r, f->hr2, ng, cnt); /* in hr or hr2 */
  } else {
    for (size_t g = 0; g < ng; g++) {
      tab[grp[g].slot] = NONE;
      r[g] = (krec){grp[g].key, (uint32_t)g};
    }
    sort_keys(r, f->hr2, ng);
  }
  hyp *dst = f->mv;
  size_t w = 0, keys = 0;
  double floor = best - PRUNE;
  for (size_t q = 0; q < ng; q++) {
    /* the states are read in key order, at random in grp and v: fetched
     * ahead (the group PF_GRP states on, its first and other PF_HYP on) */
    if (q + PF_GRP < ng) __builtin_prefetch(&grp[r[q + PF_GRP].idx]);
    if (q + PF_HYP < ng) {
      const hgroup *ahead = &grp[r[q + PF_HYP].idx];
      __builtin_prefetch(&v[ahead->first]);
      if (ahead->other != NONE) __builtin_prefetch(&v[ahead->other]);
    }
    const hgroup *g = &grp[r[q].idx];
    uint32_t c[4] = {g->first, g->other, g->lit, g->plain};
    size_t m = 1;
    for (int j = 1; j < 4; j++) {
      int dup = c[j] == NONE;
      for (size_t t = 0; t < m && !dup; t++) dup = c[t] == c[j];
      if (!dup) c[m++] = c[j];
    }
    for (size_t j = 2; j < m; j++)
      for (size_t t = j; t > 1 && ranks_before(v, c[t], c[t - 1]); t--) {
        uint32_t x = c[t];
        c[t] = c[t - 1];
        c[t - 1] = x;
      }
    /* the walk keeps the first, then one whose reading differs (while
     * fewer than two are kept), the first literal and the first unguessed
     * one; of those, the hopeless (PRUNE below the best) that are not
     * literal are dropped as they come */
    const hyp *x0 = &v[c[0]];
    size_t kept = 1, w0 = w;
    int lit = x0->lit, plain = !x0->guess;
    uint64_t hash0 = x0->hash;
    if (x0->score >= floor || x0->lit) dst[w++] = *x0;
    for (size_t j = 1; j < m; j++) {
      const hyp *x = &v[c[j]];
      int other = kept < 2 && x->hash != hash0;
      if (other || (x->lit && !lit) || (!x->guess && !plain)) {
        kept++;
        lit |= x->lit;
        plain |= !x->guess;
        if (x->score >= floor || x->lit) dst[w++] = *x;
      }
    }
    if (w > w0) keys++;
  }
  merge_swap(f, bv, w);
  if (w <= MAX_KEYS * 2) return keys;
  return beam_cut(f, bv);
}
