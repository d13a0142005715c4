/*
 * Stage 3: Simplified <-> Traditional conversion, OpenCC-compatible.
 *
 * OpenCC 1.1.6 semantics, reproduced exactly for pure input (docs/conversion.md):
 *   1. Segmentation: maximum forward match on the segmentation dictionary.
 *      A matched key is one segment; a run of characters that start no key
 *      is one segment.
 *   2. Each step of the conversion chain converts each segment on its own
 *      by longest-prefix match over its dictionary group, where the first
 *      dictionary of the group that matches anything wins (DictGroup), and
 *      the entry's first candidate is written.  Segment boundaries survive
 *      the chain, so a later multi-character key never spans two segments.
 * Pairs OpenCC lacks are zhfix's t2twp / twp2t (built from OpenCC's
 * dictionaries like its own configurations) or compositions of two
 * configurations; same-script pairs are the identity.
 *
 * Half-converted text (docs/conversion.md, "Half-converted text"): unless
 * the script was given explicitly and differs from the target, a line of
 * a document that mixes scripts is also folded to Simplified and converted
 * back to the target; that round trip replaces the exact conversion only
 * at characters that may be residue (possible Simplified forms, or one of
 * several Traditional candidates, for a Traditional target; possible
 * Traditional forms for the Simplified target), so characters that are
 * unambiguous in the input are never re-guessed.
 */
#include <stdlib.h>
#include <string.h>

#include "convert_tables.h"
#include "zf.h"

/* A dictionary group: up to 3 dictionary ids, -1 terminated. */
#define G_MAX 3
typedef struct occ_group {
  signed char d[G_MAX];
} occ_group;

#define STEPS_MAX 3
typedef struct occ_config {
  occ_group seg;
  occ_group step[STEPS_MAX];
  int nsteps;
} occ_config;

enum {
  C_S2T, C_S2TW, C_S2TWP, C_S2HK, C_T2S, C_TW2S, C_TW2SP, C_HK2S,
  C_T2TW, C_T2HK, C_TW2T, C_HK2T, C_T2TWP, C_TWP2T, C_NCONFIG
};

#define STP ZF_OCC_ST_PHRASES
#define STC ZF_OCC_ST_CHARS
#define TSP ZF_OCC_TS_PHRASES
#define TSC ZF_OCC_TS_CHARS
#define TWP ZF_OCC_TW_PHRASES
#define TWPR ZF_OCC_TW_PHRASES_REV
#define TWV ZF_OCC_TW_VARIANTS
#define TWVR ZF_OCC_TW_VARIANTS_REV
#define TWVRP ZF_OCC_TW_VARIANTS_REV_PHRASES
#define HKV ZF_OCC_HK_VARIANTS
#define HKVR ZF_OCC_HK_VARIANTS_REV
#define HKVRP ZF_OCC_HK_VARIANTS_REV_PHRASES
#define G1(a) {{a, -1, -1}}
#define G2(a, b) {{a, b, -1}}
#define G3(a, b, c) {{a, b, c}}

/* Transcribed from /usr/share/opencc/NAME.json (OpenCC 1.1.6); the last two
 * are zhfix's own (docs/conversion.md). */
static const occ_config configs[C_NCONFIG] = {
    [C_S2T] = {G1(STP), {G2(STP, STC)}, 1},
    [C_S2TW] = {G1(STP), {G2(STP, STC), G1(TWV)}, 2},
    [C_S2TWP] = {G1(STP), {G2(STP, STC), G1(TWP), G1(TWV)}, 3},
    [C_S2HK] = {G1(STP), {G2(STP, STC), G1(HKV)}, 2},
    [C_T2S] = {G1(TSP), {G2(TSP, TSC)}, 1},
    [C_TW2S] = {G1(TSP), {G2(TWVRP, TWVR), G2(TSP, TSC)}, 2},
    [C_TW2SP] = {G1(TSP), {G3(TWPR, TWVRP, TWVR), G2(TSP, TSC)}, 2},
    [C_HK2S] = {G1(TSP), {G2(HKVRP, HKVR), G2(TSP, TSC)}, 2},
    [C_T2TW] = {G1(TWV), {G1(TWV)}, 1},
    [C_T2HK] = {G1(HKV), {G1(HKV)}, 1},
    [C_TW2T] = {G1(TWVRP), {G2(TWVRP, TWVR)}, 1},
    [C_HK2T] = {G1(HKVRP), {G2(HKVRP, HKVR)}, 1},
    /* OpenCC-standard Traditional to Taiwan phrases and characters: the
     * phrase and variant steps of s2twp. */
    [C_T2TWP] = {G1(TWP), {G1(TWP), G1(TWV)}, 2},
    /* Taiwan phrases back to OpenCC-standard Traditional: the first step
     * of tw2sp. */
    [C_TWP2T] = {G2(TWPR, TWVRP), {G3(TWPR, TWVRP, TWVR)}, 1},
};

/* A plan is zero, one or two configurations applied in turn. */
typedef struct occ_plan {
  signed char c[2];
} occ_plan;
#define P0 {{-1, -1}}
#define P1(a) {{a, -1}}
#define P2(a, b) {{a, b}}

/* plans[script - 1][target - 1], scripts and targets SIMP TRAD TW TWP HK. */
static const occ_plan plans[5][5] = {
    /* simp */ {P0, P1(C_S2T), P1(C_S2TW), P1(C_S2TWP), P1(C_S2HK)},
    /* trad */ {P1(C_T2S), P0, P1(C_T2TW), P1(C_T2TWP), P1(C_T2HK)},
    /* tw   */ {P1(C_TW2S), P1(C_TW2T), P0, P2(C_TW2T, C_T2TWP), P2(C_TW2T, C_T2HK)},
    /* twp  */ {P1(C_TW2SP), P1(C_TWP2T), P2(C_TWP2T, C_T2TW), P0, P2(C_TWP2T, C_T2HK)},
    /* hk   */ {P1(C_HK2S), P1(C_HK2T), P2(C_HK2T, C_T2TW), P2(C_HK2T, C_T2TWP), P0},
};

typedef struct seglist {
  size_t *end; /* exclusive end of each segment */
  size_t n, cap;
} seglist;

typedef struct conv {
  zf_occ_tables t;
  int script, to, detected;
  occ_plan exact;  /* script -> to                            */
  occ_plan fold;   /* script -> simp (repair)                 */
  occ_plan back;   /* simp -> to (repair)                     */
  int repair;      /* 1: repair mixed lines (detected or same script) */
  int doc_mixed;   /* the detection window mixes scripts       */
  unsigned residue_cap;  /* class of characters the repair may change */
  unsigned other_only;   /* class proving a line mixes scripts    */
  unsigned char fast[C_NCONFIG]; /* config runs in one greedy pass */
  unsigned char fused[C_NCONFIG]; /* ... with one trie walk per position */
  unsigned char seg_step[C_NCONFIG]; /* segmentation and step 1 in one pass */
  uint32_t min_key;              /* no key of any table starts below */
  struct occ_accel *acc[C_NCONFIG]; /* first-level shortcut of a fast config */
  zf_text a, b, c, e, f, r;      /* scratch, reused across segments */
  seglist sa, sb;
} conv;

/* First trie level of a fast config's walk, flattened for the common
 * characters.  The trie's root nodes lie scattered over megabytes, so the
 * walk's first load is a cache miss at nearly every character; this table
 * (ACC_SPAN entries, ~100 KB) answers from one load whenever the character
 * has no key longer than itself that the next character could continue.
 * Whether it could is a bigram bitmap over every (first, second) key
 * prefix pair: a clear bit proves no key starts with that pair, so the
 * walk would stop after its first character; a set bit (or a false
 * positive) falls back to the walk.  Built once per instance in create. */
#define ACC_LO 0x3400u
#define ACC_SPAN (0xA000u - ACC_LO)
#define ACC_VAL 0x200000u  /* low 21 bits: the one-character value */
#define ACC_KIDS 0x400000u /* keys continue past this character */
#define ACC_SLOW 0x800000u /* value longer than one character: walk */
#define ACC_BITS 19u
typedef struct acc_pair {
  uint32_t a, b; /* key prefix; a == 0 marks a free slot */
  uint32_t node; /* trie node reached by a, b */
} acc_pair;
typedef struct occ_accel {
  uint32_t ent[ACC_SPAN];
  uint32_t mask; /* pair slots - 1 */
  acc_pair *pair;
  /* Bit (hash of a, b) >> (32 - ACC_BITS) set for every pair in the
   * table: a clear bit rules the pair out from a small, cache-resident
   * array before the large table is probed. */
  uint64_t bits[(1u << ACC_BITS) / 64];
} occ_accel;

static inline uint32_t acc_hash(uint32_t a, uint32_t b) {
  return a * 0x9E3779B1u ^ b * 0x85EBCA77u;
}

/* The node the trie reaches by a, b, or 0: the walk's first two steps
 * from one probe sequence instead of loads from four arrays. */
static inline uint32_t acc_pair_node(const occ_accel *acc, uint32_t a, uint32_t b) {
  uint32_t x = acc_hash(a, b), t = x >> (32u - ACC_BITS);
  if (!(acc->bits[t >> 6] >> (t & 63u) & 1u)) return 0;
  for (uint32_t h = x & acc->mask;; h = (h + 1) & acc->mask) {
    const acc_pair *q = &acc->pair[h];
    if (q->a == a && q->b == b) return q->node;
    if (!q->a) return 0;
  }
}

static void acc_free(occ_accel *a) {
  if (a) free(a->pair);
  free(a);
}

/* Builds the table for zf_occ_match_x(d, ..., fused); NULL when memory is
 * short (the walk then runs unaided). */
static occ_accel *acc_build(const zf_occ_dict *d, int fused) {
  occ_accel *a = calloc(1, sizeof *a);
  if (!a) return NULL;
  for (int pass = 0; pass < 2; pass++) {
    size_t npairs = 0;
    for (uint32_t p = 0; p < ZF_OCC_PAGE_SLOTS; p++) {
      if (!d->pidx[p]) continue;
      const uint32_t *page = d->pages + (size_t)(d->pidx[p] - 1) * 256u;
      for (uint32_t k = 0; k < 256; k++) {
        uint32_t c = p << 8 | k, node = page[k], e = 0;
        if (!node) continue;
        const uint32_t *nd = d->nodes + 3u * (size_t)node;
        uint32_t nc = nd[2] >> 8, vl = nd[2] & 0x7Fu;
        if (vl && (fused || !(nd[2] & ZF_OCC_VAL_FUSED)))
          e = vl == 1 ? ACC_VAL | d->vals[nd[1]] : ACC_SLOW;
        if (nc) {
          e |= ACC_KIDS;
          const uint32_t *cc = d->ccp + nd[0];
          /* Hashed child arrays hold ZF_OCC_EMPTY in free slots. */
          size_t slots = nc;
          if (nc > ZF_OCC_HASH_MIN) {
            unsigned b = 32u - (unsigned)__builtin_clz(2u * nc - 1u);
            slots = (size_t)1 << (b < 4 ? 4 : b);
          }
          for (size_t j = 0; j < slots; j++) {
            if (cc[j] == ZF_OCC_EMPTY) continue;
            npairs++;
            if (pass) {
              uint32_t x = acc_hash(c, cc[j]), h = x & a->mask, t = x >> (32u - ACC_BITS);
              a->bits[t >> 6] |= (uint64_t)1 << (t & 63u);
              while (a->pair[h].a) h = (h + 1) & a->mask;
              a->pair[h] = (acc_pair){c, cc[j], d->cnode[nd[0] + j]};
            }
          }
        }
        if (c >= ACC_LO && c - ACC_LO < ACC_SPAN) a->ent[c - ACC_LO] = e;
      }
    }
    if (!pass) {
      /* At most half full, so a probe that misses stops soon. */
      size_t cap = 16;
      while (cap < 2 * npairs + 2) cap *= 2;
      if (cap > 0x80000000u || !(a->pair = calloc(cap, sizeof *a->pair))) {
        free(a);
        return NULL;
      }
      a->mask = (uint32_t)(cap - 1);
    }
  }
  return a;
}

static int seg_push(seglist *s, size_t end) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    size_t *p = realloc(s->end, cap * sizeof *p);
    if (!p) return -1;
    s->end = p;
    s->cap = cap;
  }
  s->end[s->n++] = end;
  return 0;
}

/* DictGroup::MatchPrefix: the first dictionary with any match wins. */
static size_t group_match(const conv *cv, const occ_group *g, const uint32_t *s,
                          size_t n, const uint32_t **val, size_t *vlen) {
  for (int i = 0; i < G_MAX && g->d[i] >= 0; i++) {
    size_t m = zf_occ_match(&cv->t.d[g->d[i]], s, n, val, vlen);
    if (m) return m;
  }
  return 0;
}

/* A group whose dictionaries all map one character to one character. */
static int group_is_charmap(const conv *cv, const occ_group *g) {
  for (int i = 0; i < G_MAX && g->d[i] >= 0; i++) {
    const zf_occ_dict *d = &cv->t.d[g->d[i]];
    if (d->maxkey != 1 || d->nvals != d->nnodes - 1) return 0;
  }
  return 1;
}

/* One greedy pass gives OpenCC's result when the first step's group starts
 * with the segmentation dictionary and the rest of the chain only maps
 * characters: a matched segment is a key of that dictionary, so the group
 * converts it whole, and inside an unmatched run the segmentation
 * dictionary matches nowhere, so only single-character keys apply there. */
static int first_step_is_seg(const conv *cv, const occ_config *c) {
  occ_group rest;
  if (c->seg.d[1] >= 0 || c->step[0].d[0] != c->seg.d[0]) return 0;
  rest.d[0] = c->step[0].d[1];
  rest.d[1] = c->step[0].d[2];
  rest.d[2] = -1;
  return group_is_charmap(cv, &rest);
}

static int config_is_fast(const conv *cv, const occ_config *c) {
  if (!first_step_is_seg(cv, c)) return 0;
  for (int s = 1; s < c->nsteps; s++)
    if (!group_is_charmap(cv, &c->step[s])) return 0;
  return 1;
}

/* In the fast path, the first step's group is exactly [seg, X] with X fused
 * into seg's trie (or just [seg]), so one walk gives the group's match. */
static int config_is_fused(const conv *cv, const occ_config *c) {
  const zf_occ_dict *seg = &cv->t.d[c->seg.d[0]];
  if (c->step[0].d[1] < 0) return 1;
  return c->step[0].d[2] < 0 && seg->fused == (uint32_t)c->step[0].d[1];
}

static inline int put(zf_text *o, const uint32_t *v, size_t n, uint64_t off) {
  if (o->cap - o->len < n && zf_text_reserve(o, n)) return -1;
  for (size_t i = 0; i < n; i++) {
    o->cp[o->len + i] = v[i];
    o->off[o->len + i] = off;
  }
  o->len += n;
  return 0;
}

static int run_fast(const conv *cv, const occ_config *c, const uint32_t *cp,
                    const uint64_t *off, size_t n, zf_text *o) {
  const zf_occ_dict *seg = &cv->t.d[c->seg.d[0]];
  occ_group rest = {{c->step[0].d[1], c->step[0].d[2], -1}};
  const uint32_t low = cv->min_key;
  const int fused = c->step[0].d[1] >= 0 && cv->fused[c - configs];
  const occ_accel *acc = cv->acc[c - configs];
  size_t start = o->len;
  if (zf_text_reserve(o, n + 16)) return -1;
  for (size_t i = 0; i < n;) {
    const uint32_t *v;
    size_t vl, m;
    if (cp[i] < low) {
      /* Runs of ASCII and other characters that start no key (most of
       * mixed text) are copied in bulk. */
      size_t j = i + 1;
      while (j < n && cp[j] < low) j++;
      if (o->cap - o->len < j - i && zf_text_reserve(o, j - i)) return -1;
      memcpy(o->cp + o->len, cp + i, (j - i) * sizeof *cp);
      memcpy(o->off + o->len, off + i, (j - i) * sizeof *off);
      o->len += j - i;
      i = j;
      continue;
    }
    if (acc && cp[i] - ACC_LO < ACC_SPAN) {
      uint32_t e = acc->ent[cp[i] - ACC_LO];
      if (!(e & ACC_SLOW)) {
        /* The walk from the first two characters, if a key starts with
         * them; else it would stop after the first. */
        uint32_t node2 = (e & ACC_KIDS) && i + 1 < n ? acc_pair_node(acc, cp[i], cp[i + 1]) : 0;
        m = node2 ? zf_occ_walk(seg, node2, cp + i, n - i, 2, &v, &vl, fused) : 0;
        if (m) {
          if (put(o, v, vl, off[i])) return -1;
          i += m;
          continue;
        }
        if (o->len == o->cap && zf_text_reserve(o, n - i + 16)) return -1;
        if (e & ACC_VAL) {
          o->cp[o->len] = e & 0x1FFFFFu;
        } else if (!fused && group_match(cv, &rest, cp + i, 1, &v, &vl)) {
          /* rest may map to several characters: the general path. */
          if (put(o, v, vl, off[i])) return -1;
          i++;
          continue;
        } else {
          o->cp[o->len] = cp[i];
        }
        o->off[o->len++] = off[i];
        i++;
        continue;
      }
    }
    if (fused) {
      m = zf_occ_match_x(seg, cp + i, n - i, &v, &vl, 1);
    } else {
      m = zf_occ_match(seg, cp + i, n - i, &v, &vl);
      if (!m) m = group_match(cv, &rest, cp + i, 1, &v, &vl);
    }
    if (m) {
      if (put(o, v, vl, off[i])) return -1;
      i += m;
    } else {
      if (o->len == o->cap && zf_text_reserve(o, n - i + 16)) return -1;
      o->cp[o->len] = cp[i];
      o->off[o->len++] = off[i];
      i++;
    }
  }
  for (int s = 1; s < c->nsteps; s++) {
    for (size_t j = start; j < o->len; j++) {
      const uint32_t *v;
      size_t vl;
      if (o->cp[j] >= low && group_match(cv, &c->step[s], o->cp + j, 1, &v, &vl)) o->cp[j] = v[0];
    }
  }
  return 0;
}

/* Converts one segment [from, to) of src with group g, appending to dst. */
static int convert_segment(const conv *cv, const occ_group *g, const zf_text *src,
                           size_t from, size_t to, zf_text *dst) {
  for (size_t i = from; i < to;) {
    const uint32_t *v;
    size_t vl, m = group_match(cv, g, src->cp + i, to - i, &v, &vl);
    if (m) {
      if (put(dst, v, vl, src->off[i])) return -1;
      i += m;
    } else {
      if (put(dst, src->cp + i, 1, src->off[i])) return -1;
      i++;
    }
  }
  return 0;
}

/* Segmentation and the first step in one pass, for chains whose first
 * group starts with the segmentation dictionary and otherwise maps single
 * characters (s2twp): by the argument of config_is_fast, a matched key
 * converts whole and an unmatched run character by character.  Writes the
 * first step's output to dst and its segment ends to segs. */
static int seg_first_step(conv *cv, const occ_config *c, const zf_text *in, zf_text *dst,
                          seglist *segs) {
  const zf_occ_dict *seg = &cv->t.d[c->seg.d[0]];
  occ_group rest = {{c->step[0].d[1], c->step[0].d[2], -1}};
  size_t base = dst->len, run = 0;
  for (size_t i = 0; i < in->len;) {
    const uint32_t *v;
    size_t vl, m = zf_occ_match(seg, in->cp + i, in->len - i, &v, &vl);
    if (m) {
      if (run && seg_push(segs, dst->len - base)) return -1;
      run = 0;
      if (put(dst, v, vl, in->off[i]) || seg_push(segs, dst->len - base)) return -1;
      i += m;
    } else {
      if (group_match(cv, &rest, in->cp + i, 1, &v, &vl)) {
        if (put(dst, v, vl, in->off[i])) return -1;
      } else if (put(dst, in->cp + i, 1, in->off[i])) {
        return -1;
      }
      run++;
      i++;
    }
  }
  if (run && seg_push(segs, dst->len - base)) return -1;
  return 0;
}

static int run_config(conv *cv, int ci, const zf_text *in, zf_text *o) {
  const occ_config *c = &configs[ci];
  if (cv->fast[ci]) return run_fast(cv, c, in->cp, in->off, in->len, o);
  seglist *segs = &cv->sa, *next = &cv->sb;
  segs->n = 0;
  const zf_text *src = in;
  int first = 0;
  if (cv->seg_step[ci] && c->nsteps > 1) {
    zf_text_clear(&cv->a);
    if (seg_first_step(cv, c, in, &cv->a, segs)) return -1;
    src = &cv->a;
    first = 1;
  } else {
    /* Segmentation. */
    size_t run = 0;
    for (size_t i = 0; i < in->len;) {
      const uint32_t *v;
      size_t vl, m = group_match(cv, &c->seg, in->cp + i, in->len - i, &v, &vl);
      if (m) {
        if (run && seg_push(segs, i)) return -1;
        run = 0;
        i += m;
        if (seg_push(segs, i)) return -1;
      } else {
        run++;
        i++;
      }
    }
    if (run && seg_push(segs, in->len)) return -1;
  }
  /* The chain, segment by segment. */
  for (int s = first; s < c->nsteps; s++) {
    zf_text *dst = s == c->nsteps - 1 ? o : (src == &cv->a ? &cv->b : &cv->a);
    if (dst != o) zf_text_clear(dst);
    size_t base = dst->len, from = 0;
    next->n = 0;
    for (size_t k = 0; k < segs->n; k++) {
      if (convert_segment(cv, &c->step[s], src, from, segs->end[k], dst)) return -1;
      from = segs->end[k];
      if (seg_push(next, dst->len - base)) return -1;
    }
    seglist *tmp = segs;
    segs = next;
    next = tmp;
    src = dst;
  }
  return 0;
}

/* Applies plan p to in, appending to o. */
static int run_plan(conv *cv, occ_plan p, const zf_text *in, zf_text *o) {
  if (p.c[0] < 0) return zf_text_append(o, in, 0, in->len);
  if (p.c[1] < 0) return run_config(cv, p.c[0], in, o);
  zf_text_clear(&cv->c);
  if (run_config(cv, p.c[0], in, &cv->c)) return -1;
  return run_config(cv, p.c[1], &cv->c, o);
}

static int create(void **st, const zf_opts *o) {
  *st = NULL;
  if (o->to == ZHFIX_TO_KEEP) return 0;
  if (o->to < ZHFIX_TO_SIMP || o->to > ZHFIX_TO_HK || o->script < ZHFIX_SCRIPT_SIMP ||
      o->script > ZHFIX_SCRIPT_HK)
    return ZHFIX_E_UNSUPPORTED;
  conv *cv = calloc(1, sizeof *cv);
  if (!cv) return ZHFIX_E_NOMEM;
  if (zf_occ_open(&cv->t)) {
    free(cv);
    return ZHFIX_E_INTERNAL;
  }
  /* zhfix_target and zhfix_script share the numbering SIMP..HK. */
  cv->script = o->script;
  cv->to = o->to;
  cv->detected = o->script_detected;
  cv->exact = plans[o->script - 1][o->to - 1];
  /* Folding Simplified text means folding its Traditional residue. */
  cv->fold = plans[(o->script == ZHFIX_SCRIPT_SIMP ? ZHFIX_SCRIPT_TRAD : o->script) - 1][0];
  cv->back = plans[0][o->to - 1];
  /* Residue is what the round trip may rewrite: possible Simplified forms
   * for a Traditional target, possible Traditional forms for Simplified. */
  cv->residue_cap = o->to == ZHFIX_TO_SIMP ? ZF_OCC_TRAD_CAP : (ZF_OCC_SIMP_CAP | ZF_OCC_TRAD_AMBIG);
  /* Text mixes scripts when it holds characters only the other script
   * has. */
  cv->other_only = o->script == ZHFIX_SCRIPT_SIMP ? ZF_OCC_TRAD_ONLY : ZF_OCC_SIMP_ONLY;
  /* An explicit, different script asks for OpenCC's exact output. */
  cv->repair = o->script_detected || o->script == o->to;
  for (int i = 0; i < C_NCONFIG; i++) {
    cv->fast[i] = (unsigned char)config_is_fast(cv, &configs[i]);
    cv->fused[i] = (unsigned char)(cv->fast[i] && config_is_fused(cv, &configs[i]));
    cv->seg_step[i] = (unsigned char)first_step_is_seg(cv, &configs[i]);
  }
  for (int k = 0; k < 2; k++) {
    int ci = cv->exact.c[k];
    if (ci >= 0 && cv->fast[ci] && !cv->acc[ci]) {
      const occ_config *c = &configs[ci];
      cv->acc[ci] = acc_build(&cv->t.d[c->seg.d[0]], c->step[0].d[1] >= 0 && cv->fused[ci]);
    }
  }
  cv->min_key = 0x110000;
  for (int d = 0; d < ZF_OCC_NDICTS; d++)
    for (uint32_t p = 0; p < ZF_OCC_PAGE_SLOTS; p++)
      if (cv->t.d[d].pidx[p]) {
        const uint32_t *page = cv->t.d[d].pages + (size_t)(cv->t.d[d].pidx[p] - 1) * 256u;
        for (uint32_t k = 0; k < 256; k++)
          if (page[k] && (p << 8 | k) < cv->min_key) cv->min_key = p << 8 | k;
        break;
      }
  *st = cv;
  return 0;
}

static int line_mixed(const conv *cv, const zf_text *in) {
  for (size_t i = 0; i < in->len; i++)
    if (in->cp[i] >= 0x3400 && (zf_occ_class(&cv->t, in->cp[i]) & cv->other_only)) return 1;
  return 0;
}

/* Distinct characters the repair rewrote, up to RESIDUE_DISTINCT. */
typedef struct residue_set {
  uint32_t c[8];
  size_t n;
} residue_set;

static int run_repair(conv *cv, const zf_text *in, zf_text *out, residue_set *seen);

/* How many different ambiguous characters the repair must find to rewrite
 * in the detection window before it calls a document half-converted.
 * Clean text disagrees with the round trip on one or two characters at
 * most, however often (游標 and 碼表 in the zh_TW man pages: OpenCC's s2t
 * writes 遊, 錶); a converter working character by character leaves many
 * different ones (the sample: 后 并 于 周 布 斗 么 系 干 里 雇). */
#define RESIDUE_DISTINCT 4

/* The detection window decides whether the whole document is mixed: a
 * character only the other script has is proof, and so is residue of
 * RESIDUE_DISTINCT different ambiguous characters. */
static void prescan(void *st, const zf_text *prefix) {
  conv *cv = st;
  residue_set seen = {{0}, 0};
  zf_text tmp = {0};
  /* Simplified to Traditional decides line by line (wants_repair). */
  if (!cv->repair || (cv->script == ZHFIX_SCRIPT_SIMP && cv->to != ZHFIX_TO_SIMP)) return;
  cv->doc_mixed = 0;
  for (size_t a = 0; a < prefix->len && !cv->doc_mixed;) {
    size_t b = a;
    while (b < prefix->len && prefix->cp[b] != '\n') b++;
    if (b < prefix->len) b++;
    /* A read-only view of one line of the window. */
    zf_text line = {prefix->cp + a, prefix->off + a, b - a, b - a};
    zf_text_clear(&tmp);
    if (line_mixed(cv, &line) || seen.n >= RESIDUE_DISTINCT) cv->doc_mixed = 1;
    else if (run_repair(cv, &line, &tmp, &seen)) break;
    a = b;
  }
  if (seen.n >= RESIDUE_DISTINCT) cv->doc_mixed = 1;
  zf_text_free(&tmp);
}

static int run_repair(conv *cv, const zf_text *in, zf_text *out, residue_set *seen) {
  zf_text_clear(&cv->e);
  zf_text_clear(&cv->f);
  zf_text_clear(&cv->r);
  if (run_plan(cv, cv->exact, in, &cv->e) || run_plan(cv, cv->fold, in, &cv->f))
    return -1;
  /* A Simplified form is Simplified already: folding must not read it as
   * a regional form (tw2s takes 么 for Taiwan's 幺, but in half-converted
   * text it is the residue of 麼). */
  if (cv->f.len == in->len)
    for (size_t i = 0; i < in->len; i++)
      if (in->cp[i] >= 0x3400 && (zf_occ_class(&cv->t, in->cp[i]) & ZF_OCC_SIMP_FORM))
        cv->f.cp[i] = in->cp[i];
  if (run_plan(cv, cv->back, &cv->f, &cv->r)) return -1;
  if (cv->e.len != in->len || cv->r.len != in->len)
    return zf_text_append(out, &cv->r, 0, cv->r.len);
  if (zf_text_reserve(out, in->len)) return -1;
  for (size_t i = 0; i < in->len; i++) {
    uint32_t x = in->cp[i], e = cv->e.cp[i], r = cv->r.cp[i], o = x;
    if (r == x || r == e)
      o = r; /* unchanged, or both ways agree (為 -> 爲 for tw -> trad) */
    else if (x >= 0x3400 && (zf_occ_class(&cv->t, x) & cv->residue_cap)) {
      o = r; /* a possible residue: the round trip read it in context */
      if (seen) {
        size_t k = 0;
        while (k < seen->n && seen->c[k] != x) k++;
        if (k == seen->n && k < sizeof seen->c / sizeof seen->c[0]) seen->c[seen->n++] = x;
      }
    }
    /* else the round trip re-guessed an unambiguous character (後 -> 后)
     * and the exact conversion a rare variant (參 -> 蔘): keep it. */
    out->cp[out->len] = o;
    out->off[out->len++] = in->off[i];
  }
  return 0;
}

static uint64_t count_changed(const zf_text *in, const zf_text *out) {
  size_t n = in->len < out->len ? in->len : out->len, i = 0;
  uint64_t k = in->len > out->len ? in->len - out->len : out->len - in->len;
  const uint32_t *a = in->cp, *b = out->cp;
  /* In blocks of 16 with a fixed count, which the compiler vectorises. */
  for (; i + 16 <= n; i += 16) {
    unsigned d = 0;
    for (size_t j = 0; j < 16; j++) d += a[i + j] != b[i + j];
    k += d;
  }
  for (; i < n; i++) k += a[i] != b[i];
  return k;
}

/* Whether this line takes the repair. */
static int wants_repair(const conv *cv, const zf_text *in) {
  if (!cv->repair) return 0;
  if (cv->script == ZHFIX_SCRIPT_SIMP && cv->to != ZHFIX_TO_SIMP) {
    /* Simplified text to Traditional: Traditional characters in it are
     * Traditional already, and a Traditional line quoted in a Simplified
     * document (a poem in fortunes-zh) is better left to the exact
     * conversion; only a line that mixes both scripts has phrases the
     * mixing broke (头發). */
    int simp = 0, trad = 0;
    for (size_t i = 0; i < in->len && !(simp && trad); i++)
      if (in->cp[i] >= 0x3400) {
        unsigned f = zf_occ_class(&cv->t, in->cp[i]);
        simp |= (f & ZF_OCC_SIMP_ONLY) != 0;
        trad |= (f & ZF_OCC_TRAD_ONLY) != 0;
      }
    return simp && trad;
  }
  return cv->doc_mixed || line_mixed(cv, in);
}

static int run(void *st, const zf_text *in, zf_text *out, zf_stats *stats) {
  conv *cv = st;
  int rc;
  if (wants_repair(cv, in))
    rc = run_repair(cv, in, out, NULL);
  else
    rc = run_plan(cv, cv->exact, in, out);
  if (rc) return ZHFIX_E_NOMEM;
  stats->v[ZHFIX_STAT_CHARS_CONVERTED] += count_changed(in, out);
  return 0;
}

static void destroy(void *st) {
  conv *cv = st;
  zf_text_free(&cv->a);
  zf_text_free(&cv->b);
  zf_text_free(&cv->c);
  zf_text_free(&cv->e);
  zf_text_free(&cv->f);
  zf_text_free(&cv->r);
  free(cv->sa.end);
  free(cv->sb.end);
  for (int i = 0; i < C_NCONFIG; i++) acc_free(cv->acc[i]);
  free(cv);
}

const zf_stage_ops zf_stage_convert = {"convert", create, prescan, run, destroy};
