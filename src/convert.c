/*
 * Stage 3: Simplified <-> Traditional conversion, OpenCC-compatible.
 *
 * OpenCC's current data and configurations (1.4.2, from the npm packages
 * opencc-js and opencc, read by tools/gen_opencc.py into
 * data/opencc_dicts.bin), with the semantics of
 * opencc-js, the oracle of tests/test_opencc_oracle.c (docs/conversion.md):
 *   0. Normalization: the line is converted with CJK_Compatibility_Ideographs
 *      (compatibility ideographs to their unified forms) first.
 *   1. Segmentation: maximum forward match on the segmentation group.  A
 *      matched key is one segment; a run of characters that start no key is
 *      one segment.  Without a segmentation group the line is one segment.
 *   2. Each step of the conversion chain converts each segment on its own
 *      by the longest key of its group (the earlier dictionary of the group
 *      wins a key several hold), writing the first candidate.  Segment
 *      boundaries survive the chain.
 *   In every pass an ideographic description sequence (⿰氵青) that starts
 *   no key is copied whole, so its components are never converted.
 * A pair with no OpenCC configuration is opencc-js's composition of its
 * locale groups ("from tw" then "to hk"); same-script pairs are the
 * identity.  By default the errata (data/opencc_errata.txt) replace the
 * upstream values they correct; ZHFIX_OPT_OPENCC_EXACT turns them off.
 *
 * Half-converted text (docs/conversion.md, "Half-converted text"): unless
 * the script was given explicitly and differs from the target, a line of a
 * document that mixes scripts gets two candidate conversions: OpenCC's for
 * the script of the document, and OpenCC's for the line read as Simplified
 * (folded to Simplified, then converted to the target).  The line is cut
 * into spans at the places where neither conversion has a phrase crossing,
 * and each span takes one candidate whole, the second only where the span
 * holds possible residue; two phrase conversions are never merged
 * character by character.
 *
 * Tables: the dictionaries are the embedded blob, read in place.  The
 * derived tables (the first-level accelerators of the one-pass
 * conversions) are built once per process, lazily, into an immutable
 * object shared by every handle and thread (occ_shared below, published
 * with an atomic compare-and-swap); a build that fails for lack of memory
 * is retried by the next handle, and meanwhile conversion runs on the
 * plain tries, with the same output.  A handle allocates only its scratch
 * buffers.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_tables.h"
#include "zf.h"

/* zhfix_target and zhfix_script share the numbering SIMP..JP. */
#define NSCRIPT 7
#define STEPS_MAX ZF_OCC_STEPS_MAX

enum { K_IDENTITY, K_PASS, K_FUSED, K_GENERAL };

typedef struct occ_cfg {
  signed char norm;           /* normalization dictionary, or -1 */
  signed char seg;            /* segmentation dictionary, or -1: one segment */
  signed char step[STEPS_MAX];
  unsigned char nsteps;
  unsigned char kind;         /* K_*: which implementation is exact for it */
} occ_cfg;

/* opencc-js's locale presets (its from/ and to/ modules): the groups a
 * pair without an OpenCC configuration is composed of, "from" then "to". */
static const signed char from_groups[NSCRIPT + 1][2] = {
    [ZHFIX_SCRIPT_SIMP] = {ZF_OCC_ST_CN, -1}, [ZHFIX_SCRIPT_TRAD] = {-1, -1},
    [ZHFIX_SCRIPT_TW] = {ZF_OCC_TW_REV, -1},  [ZHFIX_SCRIPT_TWP] = {ZF_OCC_TWP_REV, -1},
    [ZHFIX_SCRIPT_HK] = {ZF_OCC_HK_REV, -1},  [ZHFIX_SCRIPT_HKP] = {ZF_OCC_HKP_REV, -1},
    [ZHFIX_SCRIPT_JP] = {ZF_OCC_JP2T, -1}};
static const signed char to_groups[NSCRIPT + 1][2] = {
    [ZHFIX_TO_SIMP] = {ZF_OCC_TS, -1}, [ZHFIX_TO_TRAD] = {-1, -1},
    [ZHFIX_TO_TW] = {ZF_OCC_TW, -1},   [ZHFIX_TO_TWP] = {ZF_OCC_TW_PHRASES, ZF_OCC_TW},
    [ZHFIX_TO_HK] = {ZF_OCC_HK, -1},   [ZHFIX_TO_HKP] = {ZF_OCC_HKP, -1},
    [ZHFIX_TO_JP] = {ZF_OCC_T2JP, -1}};
/* opencc-js's locale names (cn is spelt s in configuration names). */
static const char *const locale[NSCRIPT + 1] = {"", "s", "t", "tw", "twp", "hk", "hkp", "jp"};

/* ---- process-wide tables ------------------------------------------------ */

/* The first two trie levels of a one-pass conversion, flattened.  The
 * trie's nodes lie scattered over megabytes, so each step of a walk is a
 * cache miss; run_pass answers most places from at most one.
 *   ent[c]: the character's own one-character value, and whether keys
 *     continue past it (ACC_SPAN entries, ~100 KB, stays in cache);
 *   pair: a hash table of every two-character key prefix (a, b), holding
 *     its node, its value if (a, b) is a key and the value is short, and
 *     whether keys continue past it; a bitmap over the pairs' hashes rules
 *     most absent pairs out before the table is probed;
 *   tri: a bitmap over the hashes of every three-character key prefix, so
 *     the walk past two characters is taken only where a key may go on.
 * Built once per process and dictionary (acc_get). */
#define ACC_LO 0x3400u
#define ACC_SPAN (0xA000u - ACC_LO)
#define ACC_VAL 0x200000u  /* low 21 bits: the one-character value */
#define ACC_KIDS 0x400000u /* keys continue past this character */
#define ACC_SLOW 0x800000u /* longer value, or an erratum: walk */
#define ACC_BITS 19u
#define TRI_BITS 20u
#define P_KEY (((uint64_t)1 << 42) - 1) /* a | b << 21 */
#define P_VAL ((uint64_t)1 << 42)       /* (a, b) is a key of the view */
#define P_LEN2 ((uint64_t)1 << 43)      /* ... with a two-character value */
#define P_SLOW ((uint64_t)1 << 44)      /* ... longer, or an erratum: read it */
#define P_DEEP ((uint64_t)1 << 45)      /* keys continue past b */
typedef struct acc_pair {
  uint64_t key; /* a | b << 21 | P_* flags; 0 marks a free slot */
  uint64_t val; /* value v0 | v1 << 21, node << 42 */
} acc_pair;
typedef struct occ_accel {
  uint32_t ent[ACC_SPAN];
  uint32_t mask; /* pair slots - 1 */
  acc_pair *pair;
  uint64_t bits[(1u << ACC_BITS) / 64];
  uint64_t tri[(1u << TRI_BITS) / 64];
} occ_accel;

/* Which characters start no key of a dictionary's trie (any view), so a
 * run of them is copied as it is: ASCII by a bitmap (a few keys start
 * with Latin letters: SQL注入), the rest below `low`. */
typedef struct occ_inert {
  uint64_t ascii[2];     /* bit set: the ASCII character starts a key */
  uint64_t ascii_one[2]; /* ... and is one (of some view) */
  uint32_t low;          /* no key starts with a non-ASCII character below */
} occ_inert;

static inline int inert(const occ_inert *z, uint32_t c) {
  return c < 0x80 ? !(z->ascii[c >> 6] >> (c & 63) & 1) : c < z->low && (c - 0x2FF0u) >= 16u;
}

typedef struct occ_shared {
  zf_occ_tables t;
  occ_inert inert[ZF_OCC_NDICTS];
  /* covers[a][b]: dictionaries a and b share a trie, every key of a
   * longer than one character is a key of b and no key of b is one
   * character long: segmentation by b and a first step by a are then one
   * greedy pass by a (run_fused). */
  unsigned char covers[ZF_OCC_NDICTS][ZF_OCC_NDICTS];
  /* No key of any dictionary holds a key of the normalization dictionary
   * after its first character: a character that normalization would
   * change is then met where a match starts, never inside one, so the
   * conversion itself can notice it (run_pass). */
  int norm_at_starts;
  _Atomic(occ_accel *) acc[ZF_OCC_NDICTS];
} occ_shared;

static _Atomic(occ_shared *) g_shared;

static inline uint32_t acc_hash(uint32_t a, uint32_t b) {
  return a * 0x9E3779B1u ^ b * 0x85EBCA77u;
}

static inline uint32_t acc_hash3(uint32_t a, uint32_t b, uint32_t c) {
  return acc_hash(a, b) ^ c * 0xC2B2AE3Du;
}

static inline int acc_tri(const occ_accel *acc, uint32_t a, uint32_t b, uint32_t c) {
  uint32_t t = acc_hash3(a, b, c) >> (32u - TRI_BITS);
  return acc->tri[t >> 6] >> (t & 63u) & 1u;
}

/* Whether the pair a, b may start a key (the bitmap alone). */
static inline int acc_pair_maybe(const occ_accel *acc, uint32_t a, uint32_t b) {
  uint32_t t = acc_hash(a, b) >> (32u - ACC_BITS);
  return acc->bits[t >> 6] >> (t & 63u) & 1u;
}

/* An ASCII character that starts keys (S of SQL注入) where the next one
 * cannot continue any: it converts to itself, so it joins a copied run. */
static inline int quiet_ascii(const occ_inert *z, const occ_accel *acc, const uint32_t *cp, size_t i,
                              size_t n) {
  uint32_t c = cp[i];
  return c < 0x80 && acc && !(z->ascii_one[c >> 6] >> (c & 63) & 1) &&
         (i + 1 == n || !acc_pair_maybe(acc, c, cp[i + 1]));
}

/* The entry of the pair a, b, or NULL. */
static inline const acc_pair *acc_pair_find(const occ_accel *acc, uint32_t a, uint32_t b) {
  uint32_t x = acc_hash(a, b), t = x >> (32u - ACC_BITS);
  if (!(acc->bits[t >> 6] >> (t & 63u) & 1u)) return NULL;
  uint64_t key = (uint64_t)a | (uint64_t)b << 21;
  for (uint32_t h = x & acc->mask;; h = (h + 1) & acc->mask) {
    const acc_pair *q = &acc->pair[h];
    if ((q->key & P_KEY) == key) return q;
    if (!q->key) return NULL;
  }
}

/* Slots of a node's child array (hashed arrays hold ZF_OCC_EMPTY in free
 * slots). */
static size_t child_slots(uint32_t nc) {
  if (nc <= ZF_OCC_HASH_MIN) return nc;
  unsigned b = 32u - (unsigned)__builtin_clz(2u * nc - 1u);
  return (size_t)1 << (b < 4 ? 4 : b);
}

/* The accelerator of dictionary d, or NULL when memory is short (or the
 * trie is too large for its fields: then the walk runs unaided). */
static occ_accel *acc_build(const zf_occ_dict *d) {
  if (d->nnodes >= (1u << 22)) return NULL;
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
        uint32_t nc = ZF_OCC_NCHILD(nd[2]), vl = ZF_OCC_VLEN(nd[2]);
        if (nd[2] & d->vm)
          e = vl == 1 && !(nd[2] & ZF_OCC_ERRATUM) ? ACC_VAL | d->vals[nd[1]] : ACC_SLOW;
        if (nc) {
          e |= ACC_KIDS;
          const uint32_t *cc = d->ccp + nd[0];
          size_t slots = child_slots(nc);
          for (size_t j = 0; j < slots; j++) {
            if (cc[j] == ZF_OCC_EMPTY) continue;
            npairs++;
            if (!pass) continue;
            uint32_t n2 = d->cnode[nd[0] + j];
            const uint32_t *nd2 = d->nodes + 3u * (size_t)n2;
            uint64_t key = (uint64_t)c | (uint64_t)cc[j] << 21, val = (uint64_t)n2 << 42;
            uint32_t vl2 = ZF_OCC_VLEN(nd2[2]), nc2 = ZF_OCC_NCHILD(nd2[2]);
            if (nd2[2] & d->vm) {
              key |= P_VAL;
              if (vl2 > 2 || (nd2[2] & ZF_OCC_ERRATUM)) {
                key |= P_SLOW;
              } else {
                val |= d->vals[nd2[1]];
                if (vl2 == 2) {
                  key |= P_LEN2;
                  val |= (uint64_t)d->vals[nd2[1] + 1] << 21;
                }
              }
            }
            if (nc2) {
              key |= P_DEEP;
              const uint32_t *cc2 = d->ccp + nd2[0];
              size_t slots2 = child_slots(nc2);
              for (size_t j2 = 0; j2 < slots2; j2++) {
                if (cc2[j2] == ZF_OCC_EMPTY) continue;
                uint32_t t = acc_hash3(c, cc[j], cc2[j2]) >> (32u - TRI_BITS);
                a->tri[t >> 6] |= (uint64_t)1 << (t & 63u);
              }
            }
            uint32_t x = acc_hash(c, cc[j]), h = x & a->mask, t = x >> (32u - ACC_BITS);
            a->bits[t >> 6] |= (uint64_t)1 << (t & 63u);
            while (a->pair[h].key) h = (h + 1) & a->mask;
            a->pair[h] = (acc_pair){key, val};
          }
        }
        if (pass && c >= ACC_LO && c - ACC_LO < ACC_SPAN) a->ent[c - ACC_LO] = e;
      }
    }
    if (!pass) {
      /* At most two thirds full: a probe that misses stops soon (and the
       * bitmap rules most misses out before), and the table stays small. */
      size_t cap = 16;
      while (cap < npairs + npairs / 2 + 2) cap *= 2;
      if (cap > 0x80000000u || !(a->pair = calloc(cap, sizeof *a->pair))) {
        free(a);
        return NULL;
      }
      a->mask = (uint32_t)(cap - 1);
    }
  }
  return a;
}

/* The shared accelerator of dictionary di, built by the first caller;
 * NULL while memory is short (the next call tries again). */
static const occ_accel *acc_get(occ_shared *sh, int di) {
  occ_accel *a = atomic_load_explicit(&sh->acc[di], memory_order_acquire);
  if (a) return a;
  a = acc_build(&sh->t.d[di]);
  if (!a) return NULL;
  occ_accel *expected = NULL;
  if (!atomic_compare_exchange_strong_explicit(&sh->acc[di], &expected, a, memory_order_acq_rel,
                                               memory_order_acquire)) {
    free(a->pair);
    free(a);
    a = expected; /* another thread built it first */
  }
  return a;
}

/* covers[][] (see occ_shared) from one look at every trie: the sets of
 * views that keys of one character, and keys of more, are in. */
static void compute_covers(occ_shared *sh) {
  const zf_occ_tables *t = &sh->t;
  memset(sh->covers, 0, sizeof sh->covers);
  for (int a = 0; a < ZF_OCC_NDICTS; a++) {
    const zf_occ_dict *d = &t->d[a];
    int first = 1; /* the first dictionary of its trie does the work */
    for (int z = 0; z < a; z++) first &= t->d[z].trie != d->trie;
    if (!first) continue;
    uint32_t one = 0;   /* views of one-character keys, or-ed */
    uint32_t longer = 0; /* bit m: some longer key is in exactly the views m */
    for (uint32_t n = 1; n < d->nnodes; n++) {
      const uint32_t *nd = d->nodes + 3u * (size_t)n;
      size_t slots = child_slots(ZF_OCC_NCHILD(nd[2]));
      for (size_t j = 0; j < slots; j++)
        if (d->ccp[nd[0] + j] != ZF_OCC_EMPTY)
          longer |= 1u << ((d->nodes[3u * (size_t)d->cnode[nd[0] + j] + 2] & ZF_OCC_VIEWS) >> 8);
    }
    for (uint32_t p = 0; p < ZF_OCC_PAGE_SLOTS; p++) {
      if (!d->pidx[p]) continue;
      const uint32_t *page = d->pages + (size_t)(d->pidx[p] - 1) * 256u;
      for (uint32_t k = 0; k < 256; k++)
        if (page[k]) one |= d->nodes[3u * (size_t)page[k] + 2] & ZF_OCC_VIEWS;
    }
    for (int x = 0; x < ZF_OCC_NDICTS; x++)
      for (int y = 0; y < ZF_OCC_NDICTS; y++) {
        if (t->d[x].trie != d->trie || t->d[y].trie != d->trie) continue;
        uint32_t vx = t->d[x].vm >> 8, vy = t->d[y].vm >> 8;
        int ok = !(one & t->d[y].vm);
        for (uint32_t m = 0; m < 16 && ok; m++)
          if ((longer >> m & 1) && (m & vx) && !(m & vy)) ok = 0;
        sh->covers[x][y] = (unsigned char)ok;
      }
  }
}

/* The process-wide tables, set up by the first caller.  Returns NULL and
 * *err when the blob is unusable (E_INTERNAL) or memory short (E_NOMEM:
 * the next call tries again). */
static occ_shared *shared_get(int *err) {
  occ_shared *s = atomic_load_explicit(&g_shared, memory_order_acquire);
  if (s) return s;
  s = calloc(1, sizeof *s);
  if (!s) {
    *err = ZHFIX_E_NOMEM;
    return NULL;
  }
  if (zf_occ_open(&s->t)) {
    free(s);
    *err = ZHFIX_E_INTERNAL;
    return NULL;
  }
  for (int i = 0; i < ZF_OCC_NDICTS; i++) {
    const zf_occ_dict *d = &s->t.d[i];
    occ_inert *z = &s->inert[i];
    atomic_init(&s->acc[i], NULL);
    z->low = 0x110000;
    for (uint32_t c = 0; c < 0x110000 && c < z->low; c++) {
      uint32_t node = zf_occ_root(d, c);
      if (node && c < 0x80) {
        z->ascii[c >> 6] |= (uint64_t)1 << (c & 63);
        if (d->nodes[3u * (size_t)node + 2] & ZF_OCC_VIEWS) z->ascii_one[c >> 6] |= (uint64_t)1 << (c & 63);
      } else if (node) {
        z->low = c;
      } else if (c >= 0x80 && !d->pidx[c >> 8]) {
        c |= 0xFF; /* no page: skip it */
      }
    }
  }
  compute_covers(s);
  s->norm_at_starts = 1;
  for (int i = 0; i < ZF_OCC_NDICTS; i++) {
    const zf_occ_dict *d = &s->t.d[i], *nd = &s->t.d[ZF_OCC_NORM];
    for (uint32_t k = 0; k < d->nchild && s->norm_at_starts; k++) {
      uint32_t c = d->ccp[k], node = c == ZF_OCC_EMPTY ? 0 : zf_occ_root(nd, c);
      if (node && (nd->nodes[3u * (size_t)node + 2] & ZF_OCC_VIEWS)) s->norm_at_starts = 0;
    }
  }
  occ_shared *expected = NULL;
  if (!atomic_compare_exchange_strong_explicit(&g_shared, &expected, s, memory_order_acq_rel,
                                               memory_order_acquire)) {
    free(s);
    s = expected;
  }
  return s;
}

/* ---- configurations ----------------------------------------------------- */

/* The configuration opencc-js uses for from -> to (ConverterBuilder): the
 * OpenCC configuration of that name if the data has one, else the "from"
 * groups then the "to" groups, one whole-line step each.  Same script:
 * the identity. */
static void plan(const occ_shared *sh, int from, int to, occ_cfg *c) {
  char name[16];
  memset(c, 0, sizeof *c);
  c->norm = c->seg = -1;
  if (from == to) return;
  if (from == ZHFIX_SCRIPT_SIMP)
    snprintf(name, sizeof name, "s2%s", locale[to]);
  else if (to == ZHFIX_TO_SIMP)
    snprintf(name, sizeof name, "%s2s%s",
             from == ZHFIX_SCRIPT_TWP ? "tw" : from == ZHFIX_SCRIPT_HKP ? "hk" : locale[from],
             from == ZHFIX_SCRIPT_TWP || from == ZHFIX_SCRIPT_HKP ? "p" : "");
  else
    snprintf(name, sizeof name, "%s2%s", locale[from], locale[to]);
  const zf_occ_config *named = NULL;
  for (uint32_t i = 0; i < sh->t.ncfg; i++)
    if (!strcmp(sh->t.cfg[i].name, name)) named = &sh->t.cfg[i];
  if (named) {
    c->norm = (signed char)named->norm;
    c->seg = (signed char)named->seg;
    c->nsteps = (unsigned char)named->nsteps;
    for (uint32_t k = 0; k < named->nsteps; k++) c->step[k] = (signed char)named->step[k];
  } else {
    for (int k = 0; k < 2; k++)
      if (from_groups[from][k] >= 0) c->step[c->nsteps++] = from_groups[from][k];
    for (int k = 0; k < 2; k++)
      if (to_groups[to][k] >= 0 && c->nsteps < STEPS_MAX) c->step[c->nsteps++] = to_groups[to][k];
  }
  if (!c->nsteps) c->kind = K_IDENTITY;
  else if (c->seg < 0) c->kind = K_PASS;
  else if (sh->covers[c->step[0]][c->seg]) c->kind = K_FUSED;
  else c->kind = K_GENERAL;
}

/* ---- per-handle state --------------------------------------------------- */

typedef struct seglist {
  size_t *end; /* exclusive end of each segment */
  size_t n, cap;
} seglist;

typedef struct conv {
  occ_shared *sh;
  const zf_occ_tables *t;
  int script, to, errata;
  int ranges;     /* offsets are input ranges (start << 32 | end): repair */
  occ_cfg exact;  /* script -> to                            */
  occ_cfg fold;   /* script -> simp (repair)                 */
  occ_cfg back;   /* simp -> to (repair)                     */
  int repair;     /* 1: repair mixed lines (detected or same script) */
  int doc_mixed;  /* the detection window mixes scripts       */
  unsigned residue_cap;  /* class of characters that may be residue */
  unsigned other_only;   /* class proving a line mixes scripts      */
  const occ_accel *acc[ZF_OCC_NDICTS];
  zf_text nm, a, b, g, e, f, r, x; /* scratch, reused across segments */
  seglist sa, sb;
  size_t *ids;        /* ends of ideographic description sequences */
  size_t ids_cap, ids_lo;
  int ids_valid;
  unsigned char *bnd; /* unit starts of the repair's two candidates */
  size_t bnd_cap;
  occ_inert line_inert;  /* characters no dictionary of this handle starts */
} conv;

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

static inline int put(zf_text *o, const uint32_t *v, size_t n, uint64_t off) {
  if (o->cap - o->len < n && zf_text_reserve(o, n)) return -1;
  for (size_t i = 0; i < n; i++) {
    o->cp[o->len + i] = v[i];
    o->off[o->len + i] = off;
  }
  o->len += n;
  return 0;
}

/* The offset a unit made of src characters i .. i+m-1 carries: its first
 * character's, or in the repair (cv->ranges) the input range all of them
 * cover, so that a unit of a later step that straddles two units of an
 * earlier one covers both. */
static inline uint64_t unit_tag(const conv *cv, const uint64_t *off, size_t i, size_t m) {
  return cv->ranges ? (off[i] & ~(uint64_t)0xFFFFFFFFu) | (off[i + m - 1] & 0xFFFFFFFFu) : off[i];
}

/* Copies src[i, j) with its own offsets. */
static inline int copy(zf_text *o, const zf_text *src, size_t i, size_t j) {
  size_t n = j - i;
  if (o->cap - o->len < n && zf_text_reserve(o, n)) return -1;
  if (n <= 8) {
    for (size_t k = 0; k < n; k++) {
      o->cp[o->len + k] = src->cp[i + k];
      o->off[o->len + k] = src->off[i + k];
    }
  } else {
    memcpy(o->cp + o->len, src->cp + i, n * sizeof *src->cp);
    memcpy(o->off + o->len, src->off + i, n * sizeof *src->off);
  }
  o->len += n;
  return 0;
}

/* ---- ideographic description sequences ----------------------------------- */

/* opencc-js getIdeographicDescriptionArity. */
static inline unsigned idc_arity(uint32_t c) {
  if (c < 0x2FF0 || c > 0x2FFF) return 0;
  return c == 0x2FF2 || c == 0x2FF3 ? 3 : 2;
}

static inline void ids_reset(conv *cv) { cv->ids_valid = 0; }

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

/* ---- the general path ---------------------------------------------------- */

/* Converts src[a, b) (one segment) with dictionary di, appending to dst:
 * at each place the longest key, else one character or a whole
 * ideographic description sequence unchanged.  A converted key carries
 * the offset of its first character. */
static int convert_range(conv *cv, int di, const zf_text *src, size_t a, size_t b, zf_text *dst) {
  const zf_occ_dict *d = &cv->t->d[di];
  const occ_inert *z = &cv->sh->inert[di];
  const uint32_t *cp = src->cp;
  ids_reset(cv);
  for (size_t i = a; i < b;) {
    uint32_t c = cp[i];
    if (inert(z, c)) {
      size_t j = i + 1;
      while (j < b && inert(z, cp[j])) j++;
      if (copy(dst, src, i, j)) return -1;
      i = j;
      continue;
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

/* The chain from step `first` on, segment by segment. */
static int run_chain(conv *cv, const occ_cfg *c, int first, const zf_text *src, seglist *segs,
                     zf_text *out) {
  seglist *next = segs == &cv->sa ? &cv->sb : &cv->sa;
  for (int s = first; s < c->nsteps; s++) {
    zf_text *dst = s == c->nsteps - 1 ? out : scratch(cv, src, NULL);
    if (dst != out) zf_text_clear(dst);
    size_t base = dst->len, from = 0;
    next->n = 0;
    for (size_t k = 0; k < segs->n; k++) {
      if (convert_range(cv, c->step[s], src, from, segs->end[k], dst)) return -1;
      from = segs->end[k];
      if (seg_push(next, dst->len - base)) return -1;
    }
    seglist *tmp = segs;
    segs = next;
    next = tmp;
    /* dst's own offsets start at base: later steps read it from 0 */
    if (dst != out) src = dst;
  }
  return 0;
}

static int run_general(conv *cv, const occ_cfg *c, const zf_text *src, zf_text *out) {
  seglist *segs = &cv->sa;
  segs->n = 0;
  if (c->seg >= 0) {
    zf_text *g = scratch(cv, src, NULL);
    if (segment(cv, c->seg, src, segs, g)) return -1;
    src = g;
  } else if (src->len && seg_push(segs, src->len)) {
    return -1;
  }
  return run_chain(cv, c, 0, src, segs, out);
}

/* ---- one-pass conversions ------------------------------------------------ */

#define BAIL 1
#define NORMALIZE 2

/* Converts the whole of src with dictionary di in one greedy pass (what
 * convert_range does, with the accelerator).  With segs, also the
 * segmentation of a K_FUSED configuration: a match longer than one
 * character is a key of the segmentation dictionary (covers[][]), so it is
 * a segment of its own, and the rest are runs; an ideographic description
 * sequence there returns BAIL (segmentation and conversion would measure
 * it against different ends: the general path does it).  With norm >= 0,
 * a key of that normalization dictionary anywhere in src returns
 * NORMALIZE, with nothing written to o (segs to be reset by the caller). */
static int run_pass(conv *cv, int di, int norm, const zf_text *src, zf_text *o, seglist *segs) {
  const zf_occ_dict *d = &cv->t->d[di];
  const zf_occ_dict *nd = norm >= 0 ? &cv->t->d[norm] : NULL;
  const occ_inert *z = &cv->sh->inert[di];
  const occ_accel *acc = cv->acc[di];
  const uint32_t *cp = src->cp, vm = d->vm, nlow = nd ? nd->min_cp : 0x110000;
  const uint64_t *off = src->off;
  const int errata = cv->errata;
  size_t n = src->len, base = o->len;
  if (nd && !cv->sh->norm_at_starts) {
    /* A key of the normalization dictionary anywhere: nothing written. */
    int any = 0;
    for (size_t i = 0; i < n; i++) any |= cp[i] >= nlow;
    for (size_t i = 0; any && i < n; i++)
      if (cp[i] >= nlow) {
        uint32_t node = zf_occ_root(nd, cp[i]);
        if (node && (nd->nodes[3u * (size_t)node + 2] & nd->vm)) return NORMALIZE;
      }
  }
  if (zf_text_reserve(o, n + 16)) return -1;
  ids_reset(cv);
  int run = 0;
  for (size_t i = 0; i < n;) {
    const uint32_t *v;
    size_t vl, m;
    uint32_t c = cp[i];
    if (inert(z, c) || quiet_ascii(z, acc, cp, i, n)) {
      size_t j = i + 1;
      while (j < n && (inert(z, cp[j]) || quiet_ascii(z, acc, cp, j, n))) j++;
      if (copy(o, src, i, j)) return -1;
      i = j;
      run = 1;
      continue;
    }
    if (acc && c - ACC_LO < ACC_SPAN) {
      uint32_t e = acc->ent[c - ACC_LO];
      if (!(e & ACC_SLOW)) {
        const acc_pair *q = (e & ACC_KIDS) && i + 1 < n ? acc_pair_find(acc, c, cp[i + 1]) : NULL;
        if (q) {
          uint64_t k = q->key;
          if ((k & P_DEEP) && i + 2 < n && acc_tri(acc, c, cp[i + 1], cp[i + 2])) {
            m = zf_occ_walk(d, vm, (uint32_t)(q->val >> 42), cp + i, n - i, 2, errata, &v, &vl, NULL);
            if (m) goto found;
          } else if (k & P_VAL) {
            if (k & P_SLOW) {
              zf_occ_value(d, d->nodes + 3u * (size_t)(q->val >> 42), errata, &v, &vl);
              m = 2;
              goto found;
            }
            uint32_t two[2] = {(uint32_t)(q->val & 0x1FFFFFu), (uint32_t)(q->val >> 21 & 0x1FFFFFu)};
            if (segs && run && seg_push(segs, o->len - base)) return -1;
            if (put(o, two, k & P_LEN2 ? 2 : 1, unit_tag(cv, off, i, 2))) return -1;
            if (segs && seg_push(segs, o->len - base)) return -1;
            run = 0;
            i += 2;
            continue;
          }
        }
        if (o->len == o->cap && zf_text_reserve(o, n - i + 16)) return -1;
        o->cp[o->len] = e & ACC_VAL ? e & 0x1FFFFFu : c;
        o->off[o->len++] = off[i];
        i++;
        run = 1;
        continue;
      }
    }
    if (c >= nlow && cv->sh->norm_at_starts) {
      uint32_t node = zf_occ_root(nd, c);
      if (node && (nd->nodes[3u * (size_t)node + 2] & nd->vm)) {
        o->len = base; /* undone: the caller normalizes first */
        return NORMALIZE;
      }
    }
    m = zf_occ_match_e(d, cp + i, n - i, errata, &v, &vl);
    if (m) {
    found:
      if (segs && m > 1 && run && seg_push(segs, o->len - base)) return -1;
      if (put(o, v, vl, unit_tag(cv, off, i, m))) return -1;
      if (segs && m > 1) {
        if (seg_push(segs, o->len - base)) return -1;
        run = 0;
      } else {
        run = 1;
      }
      i += m;
      continue;
    }
    size_t e = 0;
    if (idc_arity(c)) {
      if (segs) return BAIL;
      e = ids_end(cv, cp, i, n);
      if (e == (size_t)-1) return -1;
    }
    e = e ? e : i + 1;
    if (copy(o, src, i, e)) return -1;
    i = e;
    run = 1;
  }
  if (segs && run && seg_push(segs, o->len - base)) return -1;
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

/* Applies configuration c to in, appending to o. */
static int run_config(conv *cv, const occ_cfg *c, const zf_text *in, zf_text *o) {
  const zf_text *src = in;
  int norm = c->norm;
  if (c->kind == K_IDENTITY) return zf_text_append(o, in, 0, in->len);
  if (c->kind == K_GENERAL && norm >= 0 && needs_norm(cv, norm, in)) {
    if (!(src = normalize(cv, norm, in))) return -1;
    norm = -1;
  }
  if (c->kind == K_PASS) {
    for (int s = 0; s < c->nsteps; s++) {
      zf_text *dst = s == c->nsteps - 1 ? o : scratch(cv, src, NULL);
      size_t at = dst->len;
      if (dst != o) zf_text_clear(dst);
      int rc = run_pass(cv, c->step[s], s ? -1 : norm, src, dst, NULL);
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
      int rc = run_pass(cv, c->step[0], norm, src, first, &cv->sa);
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

/* ---- the stage ----------------------------------------------------------- */

static int create(void **st, const zf_opts *o) {
  *st = NULL;
  if (o->to == ZHFIX_TO_KEEP) return 0;
  if (o->to < ZHFIX_TO_SIMP || o->to > ZHFIX_TO_JP || o->script < ZHFIX_SCRIPT_SIMP ||
      o->script > ZHFIX_SCRIPT_JP)
    return ZHFIX_E_UNSUPPORTED;
  int err = 0;
  occ_shared *sh = shared_get(&err);
  if (!sh) return err;
  conv *cv = calloc(1, sizeof *cv);
  if (!cv) return ZHFIX_E_NOMEM;
  cv->sh = sh;
  cv->t = &sh->t;
  cv->script = o->script;
  cv->to = o->to;
  cv->errata = !o->opencc_exact;
  plan(sh, o->script, o->to, &cv->exact);
  /* Folding Simplified text means folding its Traditional residue. */
  plan(sh, o->script == ZHFIX_SCRIPT_SIMP ? ZHFIX_SCRIPT_TRAD : o->script, ZHFIX_TO_SIMP, &cv->fold);
  plan(sh, ZHFIX_SCRIPT_SIMP, o->to, &cv->back);
  /* Residue is what the second candidate may rewrite: possible
   * Traditional forms for the Simplified target; for a Traditional target,
   * possible Simplified forms and candidates a character-by-character
   * converter may have guessed wrongly (頭發, 沖突), not characters t2s
   * keeps (甯, a name character). */
  cv->residue_cap = o->to == ZHFIX_TO_SIMP ? ZF_OCC_TRAD_CAP : ZF_OCC_SIMP_CAP | ZF_OCC_TRAD_AMBIG;
  /* Text mixes scripts when it holds characters only the other script
   * has. */
  cv->other_only = o->script == ZHFIX_SCRIPT_SIMP ? ZF_OCC_TRAD_ONLY : ZF_OCC_SIMP_ONLY;
  /* An explicit, different script asks for OpenCC's exact output; the
   * repair is about Chinese scripts, not Japanese. */
  cv->repair = (o->script_detected || o->script == o->to) && o->script != ZHFIX_SCRIPT_JP &&
               o->to != ZHFIX_TO_JP;
  /* Characters no dictionary of this handle starts: a line of them only
   * passes through. */
  cv->line_inert.low = 0x110000;
  /* Accelerators of the one-pass steps this handle may run. */
  const occ_cfg *cfgs[3] = {&cv->exact, &cv->fold, &cv->back};
  for (int k = 0; k < (cv->repair ? 3 : 1); k++) {
    const occ_cfg *c = cfgs[k];
    if (c->kind == K_PASS)
      for (int s = 0; s < c->nsteps; s++) cv->acc[c->step[s]] = acc_get(sh, c->step[s]);
    if (c->kind == K_FUSED) cv->acc[c->step[0]] = acc_get(sh, c->step[0]);
    int ds[2 + STEPS_MAX] = {c->norm, c->seg, -1, -1, -1};
    for (int s = 0; s < c->nsteps; s++) ds[2 + s] = c->step[s];
    for (int k2 = 0; k2 < 2 + STEPS_MAX; k2++) {
      if (ds[k2] < 0) continue;
      const occ_inert *z = &sh->inert[ds[k2]];
      cv->line_inert.ascii[0] |= z->ascii[0];
      cv->line_inert.ascii[1] |= z->ascii[1];
      if (z->low < cv->line_inert.low) cv->line_inert.low = z->low;
    }
  }
  *st = cv;
  return 0;
}

static int line_mixed(const conv *cv, const zf_text *in) {
  for (size_t i = 0; i < in->len; i++)
    if (in->cp[i] >= 0x3400 && (zf_occ_class(cv->t, in->cp[i]) & cv->other_only)) return 1;
  return 0;
}

/* Distinct characters the repair rewrote, up to RESIDUE_DISTINCT. */
typedef struct residue_set {
  uint32_t c[8];
  size_t n;
} residue_set;

static void residue_add(residue_set *seen, uint32_t x) {
  size_t k = 0;
  while (k < seen->n && seen->c[k] != x) k++;
  if (k == seen->n && k < sizeof seen->c / sizeof seen->c[0]) seen->c[seen->n++] = x;
}

static int convert_line(conv *cv, const zf_text *in, zf_text *out, residue_set *seen);

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
    else if (convert_line(cv, &line, &tmp, &seen)) break;
    a = b;
  }
  if (seen.n >= RESIDUE_DISTINCT) cv->doc_mixed = 1;
  zf_text_free(&tmp);
}

#define R_START(o) ((size_t)((o) >> 32))
#define R_END(o) ((size_t)((o) & 0xFFFFFFFFu))

/* A folded character that stays Simplified: folding must not read a
 * Simplified form as a regional one (tw2s takes 么 for Taiwan's 幺, but
 * in half-converted text it is the residue of 麼).  Only where a unit of
 * the fold is one input character made one output character. */
static void keep_simp_forms(const conv *cv, const zf_text *x, zf_text *f) {
  for (size_t j = 0; j < f->len; j++) {
    uint64_t t = f->off[j];
    if (R_END(t) != R_START(t) + 1 || (j && f->off[j - 1] == t) || (j + 1 < f->len && f->off[j + 1] == t))
      continue;
    uint32_t c = x->cp[R_START(t)];
    if (c >= 0x3400 && (zf_occ_class(cv->t, c) & ZF_OCC_SIMP_FORM)) f->cp[j] = c;
  }
}

/* Marks in bnd (bit `bit`) the places inside a unit of t. */
static void mark_inside(const zf_text *t, unsigned char *bnd, unsigned char bit) {
  for (size_t j = 0; j < t->len; j++) {
    if (j && t->off[j] == t->off[j - 1]) continue;
    for (size_t p = R_START(t->off[j]) + 1; p < R_END(t->off[j]); p++) bnd[p] |= bit;
  }
}

/* The repair of one line (docs/conversion.md).  The two candidates are
 * computed on a copy of the line whose offsets are character ranges, so
 * each output character tells which input characters its unit, through
 * every step, covers; a span boundary is a place that no unit of either
 * candidate covers on both sides. */
static int run_repair(conv *cv, const zf_text *in, zf_text *out, residue_set *seen) {
  size_t n = in->len;
  zf_text *x = &cv->x, *e = &cv->e, *f = &cv->f, *r = &cv->r;
  if (n >= 0xFFFFFFFFu) return -1;
  zf_text_clear(x);
  if (zf_text_reserve(x, n)) return -1;
  memcpy(x->cp, in->cp, n * sizeof *x->cp);
  for (size_t i = 0; i < n; i++) x->off[i] = (uint64_t)i << 32 | (i + 1);
  x->len = n;
  zf_text_clear(e);
  zf_text_clear(f);
  zf_text_clear(r);
  cv->ranges = 1;
  int rc = run_config(cv, &cv->exact, x, e) || run_config(cv, &cv->fold, x, f);
  if (!rc) {
    keep_simp_forms(cv, x, f);
    rc = run_config(cv, &cv->back, f, r);
  }
  cv->ranges = 0;
  if (rc) return -1;
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
  for (size_t p = 0; p < n;) {
    size_t q = p + 1;
    while (q < n && cv->bnd[q]) q++;
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
        unsigned f = zf_occ_class(cv->t, in->cp[i]);
        simp |= (f & ZF_OCC_SIMP_ONLY) != 0;
        trad |= (f & ZF_OCC_TRAD_ONLY) != 0;
      }
    return simp && trad;
  }
  return cv->doc_mixed || line_mixed(cv, in);
}

/* Converts one line.  Its line break ("\n", "\r\n", "\r") is not part
 * of the text converted: a key never holds one, but an ideographic
 * description sequence at the end of the line would take it as a
 * component and so keep its last characters from being converted. */
static int convert_line(conv *cv, const zf_text *in, zf_text *out, residue_set *seen) {
  size_t k = in->len;
  if (k && in->cp[k - 1] == '\n') k--;
  if (k && in->cp[k - 1] == '\r') k--;
  zf_text body = {in->cp, in->off, k, k};
  /* prescan (seen) repairs every line it looks at */
  int rc = seen || wants_repair(cv, &body) ? run_repair(cv, &body, out, seen)
                                           : run_config(cv, &cv->exact, &body, out);
  return rc ? rc : zf_text_append(out, in, k, in->len - k);
}

static int run(void *st, const zf_text *in, zf_text *out, zf_stats *stats) {
  conv *cv = st;
  size_t i = 0;
  while (i < in->len && inert(&cv->line_inert, in->cp[i])) i++;
  if (i == in->len) return ZF_UNCHANGED; /* nothing any step could change */
  if (convert_line(cv, in, out, NULL)) return ZHFIX_E_NOMEM;
  stats->v[ZHFIX_STAT_CHARS_CONVERTED] += count_changed(in, out);
  return 0;
}

static void destroy(void *st) {
  conv *cv = st;
  zf_text *t[] = {&cv->nm, &cv->a, &cv->b, &cv->g, &cv->e, &cv->f, &cv->r, &cv->x};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) zf_text_free(t[i]);
  free(cv->sa.end);
  free(cv->sb.end);
  free(cv->ids);
  free(cv->bnd);
  free(cv);
}

const zf_stage_ops zf_stage_convert = {"convert", create, prescan, run, destroy};
