/*
 * The conversion stage's process-wide tables (convert_int.h).
 *
 * Tables: the dictionaries are the embedded blob, read in place.  The
 * derived tables (occ_shared in convert_int.h, and in it the first-level
 * accelerators of the one-pass conversions, one per dictionary, built on
 * first use) are built once per process, lazily, into immutable objects
 * shared by every handle and thread, through zf_shared_get (shared.h); a
 * build that fails for lack of memory is retried by the next handle, and
 * meanwhile conversion runs on the plain tries, with the same output.  A handle allocates only its scratch
 * buffers.
 */
#include <stdint.h>
#include <stdio.h>

#include "convert_int.h"

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

static zf_shared_slot g_shared;

/* How many bits (log2) a hashed filter of n members gets: at least 64
 * bits a member, so that about one test in 64 of a non-member answers
 * yes, at most 2^max.  A small filter stays in cache: each test of one
 * over 2^20 bits reads another line of 128 KB. */
static unsigned acc_filter_bits(size_t n, unsigned max) {
  unsigned b = 12;
  while (b < max && ((size_t)1 << b) < 64 * n) b++;
  return b;
}

/* Slots of an open-addressing table of n entries: at most two thirds
 * full, so a probe that misses stops soon (and the bitmap rules most
 * misses out before), and the table stays small. */
static size_t pair_cap(size_t n) {
  size_t cap = 16;
  while (cap < n + n / 2 + 2) cap *= 2;
  return cap;
}

/* Whether the pair a, b goes to hpair (occ_accel): both in the span, and
 * a key of the view or keys go on past it (the others start no key). */
static int pair_in_h(uint32_t a, uint32_t b, uint64_t key) {
  return acc_in_h(a, b) && (key & (P_VAL | P_DEEP));
}

/* Puts the pair a, b (key and val as acc_pair's) into its table. */
static void pair_put(occ_accel *x, uint32_t a, uint32_t b, uint64_t key, uint64_t val) {
  uint64_t h = acc_hash(a, b);
  if (!acc_in_h(a, b)) {
    uint32_t s = acc_slot(x, (uint32_t)h);
    while (x->pair[s].key) s = (s + 1) & x->mask;
    x->pair[s] = (acc_pair){key, val};
    return;
  }
  if (!pair_in_h(a, b, key)) return;
  uint64_t w = (uint64_t)(a - H_LO) | (uint64_t)(b - H_LO) << 15;
  uint32_t v0 = (uint32_t)(val & 0x1FFFFFu), v1 = (uint32_t)(val >> 21 & 0x1FFFFFu);
  if (key & P_VAL) {
    w |= H_VAL;
    if ((key & P_SLOW) || v0 - H_LO >= H_SPAN || ((key & P_LEN2) && v1 - H_LO >= H_SPAN))
      w |= H_SLOW;
    else if (key & P_LEN2)
      w |= (uint64_t)(v0 - H_LO) << H_V0 | (uint64_t)(v1 - H_LO) << (H_V0 + 15) | H_LEN2;
    else
      w |= (uint64_t)(v0 - H_LO) << H_V0;
  }
  if (key & P_DEEP) w |= H_DEEP;
  uint32_t s = (uint32_t)(h << 32 >> x->hshift) & x->hmask;
  while (x->hpair[s]) s = (s + 1) & x->hmask;
  x->hpair[s] = w;
  x->hnode[s] = (uint32_t)(val >> 42);
}

/* The accelerator of dictionary d, or NULL when memory is short (or the
 * trie is too large for its fields: then the walk runs unaided).  Out of
 * line: inlined into zf_conv_accel, GCC compiles its loops 3% longer. */
__attribute__((noinline)) static occ_accel *acc_build(const zf_occ_dict *d, const zf_occ_dict *norm) {
  if (d->nnodes >= (1u << 22)) return NULL;
  /* filt's blocks are cache lines: the object is aligned to 64 bytes */
  void *raw = calloc(1, sizeof(occ_accel) + 63);
  if (!raw) return NULL;
  occ_accel *a = (occ_accel *)(((uintptr_t)raw + 63) & ~(uintptr_t)63);
  a->raw = raw;
  for (uint32_t c = 0; c < ACC_SPAN; c++) a->ent[c] = c;
  for (uint32_t c = ACC_HI_LO; c < ACC_HI_LO + ACC_HI_SPAN; c++) {
    if (!d->pidx[c >> 8] && !norm->pidx[c >> 8]) {
      c |= 0xFF; /* neither has the page */
      continue;
    }
    if (zf_occ_root(d, c) || zf_occ_root(norm, c)) a->hi[(c - ACC_HI_LO) >> 6] |= (uint64_t)1 << (c & 63u);
  }
  size_t nkeys = 0, ntri = 0; /* pairs that are keys, triples (pass 0) */
  for (int pass = 0; pass < 2; pass++) {
    size_t npairs = 0, nh = 0; /* pairs: in pair, in hpair (pass 0) */
    for (uint32_t p = 0; p < ZF_OCC_PAGE_SLOTS; p++) {
      if (!d->pidx[p]) continue;
      const uint32_t *page = d->pages + (size_t)(d->pidx[p] - 1) * 256u;
      for (uint32_t k = 0; k < 256; k++) {
        uint32_t c = p << 8 | k, node = page[k], e = c;
        if (!node) continue;
        const uint32_t *nd = d->nodes + 3u * (size_t)node;
        uint32_t nc = ZF_OCC_NCHILD(nd[2]), vl = ZF_OCC_VLEN(nd[2]);
        if (nd[2] & d->vm)
          e = vl == 1 && !(nd[2] & ZF_OCC_ERRATUM) ? d->vals[nd[1]] : ACC_SLOW;
        if (nc) {
          e |= ACC_KIDS;
          const uint32_t *cc = d->ccp + nd[0];
          size_t slots = occ_child_slots(nc);
          for (size_t j = 0; j < slots; j++) {
            if (cc[j] == ZF_OCC_EMPTY) continue;
            uint32_t n2 = d->cnode[nd[0] + j];
            const uint32_t *nd2 = d->nodes + 3u * (size_t)n2;
            if (!pass) {
              nkeys += (nd2[2] & d->vm) != 0;
              ntri += ZF_OCC_NCHILD(nd2[2]);
              uint64_t kind = ((nd2[2] & d->vm) ? P_VAL : 0) | (ZF_OCC_NCHILD(nd2[2]) ? P_DEEP : 0);
              if (!acc_in_h(c, cc[j])) npairs++;
              else nh += pair_in_h(c, cc[j], kind);
              continue;
            }
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
              size_t slots2 = occ_child_slots(nc2);
              for (size_t j2 = 0; j2 < slots2; j2++) {
                if (cc2[j2] == ZF_OCC_EMPTY) continue;
                key |= acc_third_bit(cc2[j2]);
                uint32_t t = acc_filt_tbit(acc_filt_at(a, c, cc[j]), acc_filt_third(a, cc2[j2]));
                a->filt[t >> 6] |= (uint64_t)1 << (t & 63u);
              }
            }
            uint32_t t = acc_bit(c, cc[j]);
            a->bits[t >> 6] |= (uint64_t)1 << (t & 63u);
            if (key & P_VAL) {
              uint32_t v = acc_filt_at(a, c, cc[j]);
              a->filt[v >> 6] |= (uint64_t)1 << (v & 63u);
            }
            pair_put(a, c, cc[j], key, val);
          }
        }
        if (pass && c < ACC_SPAN) a->ent[c] = e;
      }
    }
    if (!pass) {
      size_t cap = pair_cap(npairs), hcap = pair_cap(nh);
      if (cap > 0x80000000u || hcap > 0x80000000u || !(a->pair = calloc(cap, sizeof *a->pair)) ||
          !(a->hpair = calloc(hcap, sizeof *a->hpair)) || !(a->hnode = calloc(hcap, sizeof *a->hnode))) {
        free(a->pair);
        free(a->hpair);
        free(raw);
        return NULL;
      }
      a->mask = (uint32_t)(cap - 1);
      a->shift = 64u - (unsigned)__builtin_ctzll(cap);
      a->hmask = (uint32_t)(hcap - 1);
      a->hshift = 64u - (unsigned)__builtin_ctzll(hcap);
      a->fshift = 32u - acc_filter_bits(nkeys + ntri, FILT_BITS);
    }
  }
  /* Ideographic description characters are never plain (a sequence is
   * copied whole); no key of the normalization starts in the span (its
   * keys are the compatibility ideographs), but if one did, the walk
   * would see it. */
  for (uint32_t c = 0x2FF0; c < 0x3000; c++) a->ent[c] = ACC_SLOW;
  for (uint32_t c = 0; c < ACC_SPAN; c++) {
    if (!norm->pidx[c >> 8]) {
      c |= 0xFF; /* no page */
      continue;
    }
    if (zf_occ_root(norm, c)) a->ent[c] = ACC_SLOW;
  }
  for (uint32_t c = 0; c < ACC_SPAN; c++)
    if (a->ent[c] != c) a->busy[c >> 6] |= (uint64_t)1 << (c & 63u);
  a->busy[ACC_SPAN / 64] = 1;
  return a;
}

/* Whether Simplified form c stays itself in d (simp_forms_stay). */
static int simp_form_stays(const zf_occ_dict *d, const zf_occ_dict *norm, uint32_t c) {
  if (zf_occ_root(norm, c)) return 0;
  for (int errata = 0; errata < 2; errata++) {
    const uint32_t *v;
    size_t vl, m = zf_occ_match_e(d, &c, 1, errata, &v, &vl);
    if (m && (vl != 1 || v[0] != c)) return 0;
  }
  return 1;
}

/* Whether no Simplified form (class ZF_OCC_SIMP_FORM) is a key of the
 * normalization norm or converts in d, as a unit of one character, to
 * anything but itself, with the errata or without (occ_accel.sf_stay):
 * the BMP's from sh->cls_bits, the astral planes' from the class pages. */
static int simp_forms_stay(const occ_shared *sh, const zf_occ_dict *d, const zf_occ_dict *norm) {
  const uint64_t *bm = sh->cls_bits[SF_SIMP_FORM];
  for (uint32_t w = 0; w < SF_SPAN / 64; w++)
    for (uint64_t b = bm[w]; b; b &= b - 1)
      if (!simp_form_stays(d, norm, SF_LO + w * 64 + (uint32_t)__builtin_ctzll(b))) return 0;
  for (uint32_t p = 0x100; p < 0x110000u >> 8; p++) {
    if (!sh->t.cls_pidx[p]) continue;
    for (uint32_t c = p << 8; c < (p + 1) << 8; c++)
      if ((zf_occ_class(&sh->t, c) & ZF_OCC_SIMP_FORM) && !simp_form_stays(d, norm, c)) return 0;
  }
  return 1;
}

/* Tries of at most MARKS_NODES nodes get marks (occ_accel): TWVariantsRev's
 * and HKVariantsRev's groups, not the phrase tables of thousands. */
#define MARKS_NODES 8192u
#define MARKS_DEPTH 32u

static void mark(occ_accel *a, uint32_t c) {
  if (c > 0xFFFF) a->marks_ok = 0;
  else a->marks[c >> 6] |= (uint64_t)1 << (c & 63u);
}

static int marked(const occ_accel *a, uint32_t c) {
  return c <= 0xFFFF && (a->marks[c >> 6] >> (c & 63u) & 1u);
}

/* One key of the view, path[0, len), in marks' two rounds: first the
 * characters a unit of it may change, then, for a longer key that holds
 * no marked character yet, its last one. */
static void mark_key(occ_accel *a, const zf_occ_dict *d, const uint32_t *nd, const uint32_t *path,
                     size_t len, int round) {
  if (round) {
    for (size_t i = 0; i < len; i++)
      if (marked(a, path[i])) return;
    if (len > 1) mark(a, path[len - 1]);
    return;
  }
  for (int errata = 0; errata < 2; errata++) {
    const uint32_t *v;
    size_t vl;
    zf_occ_value(d, nd, errata, &v, &vl);
    for (size_t i = 0; i < len; i++)
      if (vl != len || v[i] != path[i]) mark(a, path[i]);
  }
}

/* marks (occ_accel) of d's view, by a walk of every key: two rounds. */
static void acc_marks(occ_accel *a, const zf_occ_dict *d) {
  if (d->nnodes > MARKS_NODES) return;
  a->marks_ok = 1;
  for (uint32_t c = 0x2FF0; c < 0x3000; c++) mark(a, c);
  uint32_t path[MARKS_DEPTH], node[MARKS_DEPTH];
  size_t slot[MARKS_DEPTH];
  for (int round = 0; round < 2 && a->marks_ok; round++)
    for (uint32_t c = 0; c < 0x110000u && a->marks_ok; c++) {
      if (!d->pidx[c >> 8]) {
        c |= 0xFF; /* no page */
        continue;
      }
      uint32_t r = zf_occ_root(d, c);
      if (!r) continue;
      /* depth-first over the keys below r, path[0, depth) the key */
      size_t depth = 1;
      path[0] = c;
      node[0] = r;
      slot[0] = 0;
      for (;;) {
        const uint32_t *nd = d->nodes + 3u * (size_t)node[depth - 1];
        if (slot[depth - 1] == 0 && (nd[2] & d->vm)) mark_key(a, d, nd, path, depth, round);
        uint32_t nc = ZF_OCC_NCHILD(nd[2]);
        size_t j = slot[depth - 1], slots = nc ? occ_child_slots(nc) : 0;
        while (j < slots && d->ccp[nd[0] + j] == ZF_OCC_EMPTY) j++;
        if (j < slots) {
          slot[depth - 1] = j + 1;
          if (depth == MARKS_DEPTH) {
            a->marks_ok = 0; /* (no such key) */
            break;
          }
          path[depth] = d->ccp[nd[0] + j];
          node[depth] = d->cnode[nd[0] + j];
          slot[depth++] = 0;
          continue;
        }
        if (--depth == 0) break;
      }
    }
  if (!a->marks_ok) memset(a->marks, 0, sizeof a->marks);
}

/* ACC_MARK and trad_ok (occ_accel) for the views of the trie of
 * Simplified input.  A line of a Simplified document is repaired only
 * where it holds a Traditional-only character (convert.c, wants_repair),
 * and such lines are few: the scan for one was its own pass over every
 * line (sf_any, 3.5-4.2% of the CPU samples of `zhfix --to=trad` on the
 * bench's Simplified text), while the conversion's pass reads the first
 * level of every character anyway.  Marking those characters not plain
 * makes the pass stop at each (rare in Simplified text) and note it. */
static void acc_trad_marks(occ_accel *a, const occ_shared *sh, const zf_occ_dict *d) {
  const uint64_t *bm = sh->cls_bits[SF_TRAD_ONLY];
  const uint32_t low = sh->inert[d - sh->t.d].low;
  if (d->trie != sh->t.d[ZF_OCC_ST_CN].trie) return;
  for (uint32_t c = SF_LO; c < SF_LO + SF_SPAN; c++)
    if (sf_bit(bm, c) & 1u) {
      if (c >= ACC_SPAN || c < low) return; /* not met by the pass's first level */
    }
  for (uint32_t c = SF_LO; c < ACC_SPAN; c++)
    if (sf_bit(bm, c) & 1u) a->ent[c] |= ACC_MARK;
  a->trad_ok = 1;
}

/* What acc_build_slot builds from. */
typedef struct acc_arg {
  const occ_shared *sh;
  const zf_occ_dict *d, *norm;
} acc_arg;

static void *acc_build_slot(void *arg) {
  const acc_arg *x = arg;
  occ_accel *a = acc_build(x->d, x->norm);
  if (a) {
    a->sf_stay = simp_forms_stay(x->sh, x->d, x->norm);
    acc_marks(a, x->d);
    acc_trad_marks(a, x->sh, x->d);
  }
  zf_occ_release(); /* the build read the whole trie; the text reads a few pages */
  return a;
}

static void acc_free(void *obj) {
  occ_accel *a = obj;
  free(a->pair);
  free(a->hpair);
  free(a->hnode);
  free(a->raw);
}

/* The shared accelerator of dictionary di, built by the first caller;
 * NULL while memory is short (the next call tries again). */
const occ_accel *zf_conv_accel(occ_shared *sh, int di) {
  acc_arg x = {sh, &sh->t.d[di], &sh->t.d[ZF_OCC_NORM]};
  return zf_shared_get(&sh->acc[di], acc_build_slot, &x, acc_free);
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
      size_t slots = occ_child_slots(ZF_OCC_NCHILD(nd[2]));
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

/* Sets z's nstops and stops from its stop table. */
void zf_conv_inert_finish(occ_inert *z) {
  z->nstops = 0;
  for (uint32_t c = 0; c < 128; c++)
    if (z->stop[c] && z->nstops++ < INERT_STOPS) z->stops[z->nstops - 1] = c;
  for (unsigned k = z->nstops; k < INERT_STOPS; k++) z->stops[k] = 0xFFFFFFFFu; /* no character */
  if (z->nstops > INERT_STOPS) z->nstops = INERT_STOPS + 1;
}

/* Builds the process-wide tables for zf_conv_shared; NULL and *err (arg)
 * when it cannot. */
static void *shared_build(void *arg) {
  int *err = arg;
  occ_shared *s = calloc(1, sizeof *s);
  if (!s) {
    *err = ZHFIX_E_NOMEM;
    return NULL;
  }
  int rc = zf_occ_open(&s->t);
  if (rc) {
    free(s);
    *err = rc;
    return NULL;
  }
  for (int i = 0; i < ZF_OCC_NDICTS; i++) {
    const zf_occ_dict *d = &s->t.d[i];
    occ_inert *z = &s->inert[i];
    atomic_init(&s->acc[i], (void *)NULL);
    /* from the trie's roots, whatever the view: the views of a trie share it */
    int twin = -1;
    for (int k = 0; k < i && twin < 0; k++)
      if (s->t.d[k].trie == d->trie) twin = k;
    if (twin >= 0) {
      *z = s->inert[twin];
      continue;
    }
    z->low = 0x110000;
    for (uint32_t c = 0; c < 0x110000 && c < z->low; c++) {
      uint32_t node = zf_occ_root(d, c);
      if (node && c < 0x80) {
        z->ascii[c >> 6] |= (uint64_t)1 << (c & 63);
        z->stop[c] = 1;
        if (d->nodes[3u * (size_t)node + 2] & ZF_OCC_VIEWS) z->ascii_one[c >> 6] |= (uint64_t)1 << (c & 63);
      } else if (node) {
        z->low = c;
      } else if (c >= 0x80 && !d->pidx[c >> 8]) {
        c |= 0xFF; /* no page: skip it */
      }
    }
    zf_conv_inert_finish(z);
  }
  compute_covers(s);
  for (uint32_t c = SF_LO; c < SF_LO + SF_SPAN; c++) {
    if (!s->t.cls_pidx[c >> 8]) {
      c |= 0xFF; /* no page */
      continue;
    }
    unsigned f = zf_occ_class(&s->t, c);
    for (int k = 0; k < SF_NFLAGS; k++)
      if (f & sf_flag[k]) s->cls_bits[k][(c - SF_LO) >> 6] |= (uint64_t)1 << ((c - SF_LO) & 63u);
  }
  s->norm_at_starts = 1;
  for (int i = 0; i < ZF_OCC_NDICTS; i++) {
    const zf_occ_dict *d = &s->t.d[i], *nd = &s->t.d[ZF_OCC_NORM];
    int first = 1; /* views of one trie share its children */
    for (int k = 0; k < i; k++) first &= s->t.d[k].trie != d->trie;
    for (uint32_t k = 0; first && k < d->nchild && s->norm_at_starts; k++) {
      uint32_t c = d->ccp[k], node = c == ZF_OCC_EMPTY || c < nd->min_cp ? 0 : zf_occ_root(nd, c);
      if (node && (nd->nodes[3u * (size_t)node + 2] & ZF_OCC_VIEWS)) s->norm_at_starts = 0;
    }
  }
  zf_occ_release(); /* compute_covers read every trie node */
  return s;
}

/* An occ_shared that lost the race: no accelerator is built yet (they are
 * built only on a published object). */
static void shared_free(void *obj) { free(obj); }

/* The process-wide tables, set up by the first caller.  Returns NULL and
 * *err when the blob is unusable (E_INTERNAL) or memory short (E_NOMEM:
 * the next call tries again). */
occ_shared *zf_conv_shared(int *err) {
  return zf_shared_get(&g_shared, shared_build, err, shared_free);
}

/* ---- configurations ----------------------------------------------------- */

/* The configuration opencc-js uses for from -> to (ConverterBuilder): the
 * OpenCC configuration of that name if the data has one, else the "from"
 * groups then the "to" groups, one whole-line step each.  Same script:
 * the identity. */
void zf_conv_plan(const occ_shared *sh, int from, int to, occ_cfg *c) {
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
  /* tw2s, hk2s: TWVariantsRev then the t2s group, segmented by
   * TSPhrases, which the t2s group covers */
  c->pass_tail = c->kind == K_GENERAL && c->nsteps == 2 && sh->covers[c->step[1]][c->seg];
}
