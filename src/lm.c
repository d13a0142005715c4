/*
 * Character language model: lookups in data/lm.bin and data/lm_words.bin
 * (tools/gen_lm.py documents the model and the layouts).  Every code point
 * maps through a two-stage page table to a record holding its fold, class
 * and log-probabilities, so zf_lm_char and zf_lm_fold are three loads;
 * zf_lm_bigram adds a binary search in the row of the first character.
 */
#include "lm.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "zf.h"

#include "shared.h"

ZF_BLOB_DECLARE(lm);
ZF_BLOB_DECLARE(lm_words);
ZF_BLOB_DECLARE(lm_other);

enum { CLS_HAN = 0, LM_MAX_CP = 0x110000 };

typedef struct lm_hdr {
  uint32_t magic, version, ncls, off_prior, off_trans, nstage1, off_stage1, nblocks,
      off_stage2, nrec, off_rec, nvocab, off_rowstart, nbig, off_bcol, off_bval, scale,
      pad;
} lm_hdr;

typedef struct lm_rec {
  uint32_t fold;
  int16_t lp, init, bo;
  uint16_t vid;
  uint8_t cls, pad;
  int16_t rsv;
} lm_rec;

typedef struct lw_hdr {
  uint32_t magic, version, nslots, off_slots, npool, off_pool, maxlen, pad;
} lw_hdr;

#define BLOB_AT(blob, type, off) ((const type *)(const void *)(zf_blob_##blob + (off)))

static const lm_hdr *H(void) { return BLOB_AT(lm, lm_hdr, 0); }

/* ---- checking the tables (lm.h) -------------------------------------------- */

static uint32_t rd32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* 1 when count items of `size` bytes at off lie in [hdr, end), off 4-byte
 * aligned. */
static int section_ok(uint64_t off, uint64_t count, uint64_t size, uint64_t hdr, uint64_t end) {
  return off >= hdr && off % 4 == 0 && off <= end && count <= (end - off) / size;
}

static uint64_t align4(uint64_t n) { return (n + 3) & ~(uint64_t)3; }

#define LM_MAGIC 0x4D4C465Au /* "ZFLM" */
#define LM_VERSION 1u
#define LW_MAGIC 0x574C465Au /* "ZFLW" */
#define LW_VERSION 3u

/* lm.bin: header, sections in bounds and in order; with `walk`, also
 * every index a lookup follows (page table -> record -> vocabulary ->
 * bigram row) in range. */
static int lm_check(const unsigned char *b, size_t size, int walk) {
  enum { HDR = 18 * 4 };
  if (!b || size < HDR || ((uintptr_t)b & 3u)) return -1;
  uint32_t h[18];
  for (int i = 0; i < 18; i++) h[i] = rd32(b + 4 * i);
  if (h[0] != LM_MAGIC) return -2;
  if (h[1] != LM_VERSION) return -3;
  uint32_t ncls = h[2], off_prior = h[3], off_trans = h[4], nstage1 = h[5], off_stage1 = h[6],
           nblocks = h[7], off_stage2 = h[8], nrec = h[9], off_rec = h[10], nvocab = h[11],
           off_rowstart = h[12], nbig = h[13], off_bcol = h[14], off_bval = h[15], scale = h[16];
  /* the last section ends the file: anything cut off or added shows */
  if (align4((uint64_t)off_bval + 2 * (uint64_t)nbig) != size) return -4;
  if (ncls == 0 || ncls > 64 || scale == 0 || nstage1 != LM_MAX_CP >> 8 || nrec < ncls ||
      !section_ok(off_prior, ncls, 2, HDR, off_trans) ||
      !section_ok(off_trans, (uint64_t)ncls * ncls, 2, HDR, off_stage1) ||
      !section_ok(off_stage1, nstage1, 2, HDR, off_stage2) ||
      !section_ok(off_stage2, (uint64_t)nblocks * 256, 2, HDR, off_rec) ||
      !section_ok(off_rec, nrec, sizeof(lm_rec), HDR, off_rowstart) ||
      !section_ok(off_rowstart, (uint64_t)nvocab + 1, 4, HDR, off_bcol) ||
      !section_ok(off_bcol, nbig, 2, HDR, off_bval) || !section_ok(off_bval, nbig, 2, HDR, size))
    return -5;
  if (!walk) return 0;
  for (uint32_t i = 0; i < nstage1; i++)
    if (rd16(b + off_stage1 + 2 * (size_t)i) >= nblocks) return -5;
  const lm_rec *r = (const lm_rec *)(const void *)(b + off_rec);
  for (uint32_t i = 0; i < nrec; i++)
    if (r[i].cls >= ncls || r[i].fold >= LM_MAX_CP) return -5;
  /* a Han record a code point reaches has a vocabulary index (the class
   * default of Han, record 0, is reached by none) */
  for (uint64_t i = 0; i < (uint64_t)nblocks * 256; i++) {
    uint16_t id = rd16(b + off_stage2 + 2 * i);
    if (id >= nrec || (r[id].cls == CLS_HAN && r[id].vid >= nvocab)) return -5;
  }
  uint32_t prev = 0;
  for (uint32_t i = 0; i <= nvocab; i++) {
    uint32_t v = rd32(b + off_rowstart + 4 * (size_t)i);
    if (v < prev || v > nbig) return -5;
    prev = v;
  }
  for (uint32_t i = 0; i < nbig; i++)
    if (rd16(b + off_bcol + 2 * (size_t)i) >= nvocab) return -5;
  return 0;
}

int zf_lm_check(const unsigned char *b, size_t size) { return lm_check(b, size, 1); }

/* lm_words.bin: header, sections; with `walk`, also every slot's word
 * inside the pool, and an empty slot somewhere (the probe stops at one). */
static int lm_words_check(const unsigned char *b, size_t size, int walk) {
  enum { HDR = 8 * 4 };
  if (!b || size < HDR || ((uintptr_t)b & 3u)) return -1;
  uint32_t h[8];
  for (int i = 0; i < 8; i++) h[i] = rd32(b + 4 * i);
  if (h[0] != LW_MAGIC) return -2;
  if (h[1] != LW_VERSION) return -3;
  uint32_t nslots = h[2], off_slots = h[3], npool = h[4], off_pool = h[5], maxlen = h[6];
  if (align4((uint64_t)off_pool + 2 * (uint64_t)npool) != size) return -4;
  if (nslots == 0 || (nslots & (nslots - 1)) || maxlen == 0 || maxlen > 31 ||
      !section_ok(off_slots, nslots, 4, HDR, off_pool) || !section_ok(off_pool, npool, 2, HDR, size))
    return -5;
  if (!walk) return 0;
  int empty = 0;
  for (uint32_t i = 0; i < nslots; i++) {
    uint32_t s = rd32(b + off_slots + 4 * (size_t)i);
    if (s == 0) {
      empty = 1;
      continue;
    }
    if (s > npool) return -5;
    uint32_t len = rd16(b + off_pool + 2 * (size_t)(s - 1)) >> 11;
    if (len == 0 || len > maxlen || (uint64_t)s + len > npool) return -5;
  }
  return empty ? 0 : -5;
}

int zf_lm_words_check(const unsigned char *b, size_t size) { return lm_words_check(b, size, 1); }

/* The embedded tables, checked once per process (shared.h): the slot holds
 * a pointer to the result.  lm.bin and lm_words.bin are checked here as far
 * as the header goes (magic, version, size, every section in bounds); the
 * walk over every index (6.4 MB of table, 12M instructions and most of a
 * process's cache misses before its first line) is made on the same
 * embedded bytes by zf_lm_deep_ok, which tests/test_lm_blob.c asserts: the
 * bytes are part of the program and cannot change after it is built.
 * lm_other.bin (77 KB) keeps its full check with its checksum. */
static const int lm_verdict[2] = {0, 1};
static void *lm_check_embedded(void *arg) {
  (void)arg;
  int ok = lm_check(zf_blob_lm, (size_t)zf_blob_lm_size, 0) == 0 &&
           lm_words_check(zf_blob_lm_words, (size_t)zf_blob_lm_words_size, 0) == 0 &&
           zf_lm_other_check(zf_blob_lm_other, (size_t)zf_blob_lm_other_size) == 0;
  return (void *)(uintptr_t)&lm_verdict[ok];
}
static void lm_verdict_drop(void *obj) { (void)obj; }
static zf_shared_slot lm_checked;

int zf_lm_ok(void) {
  const int *v = zf_shared_get(&lm_checked, lm_check_embedded, NULL, lm_verdict_drop);
  return v && *v;
}

int zf_lm_deep_ok(void) {
  return zf_lm_check(zf_blob_lm, (size_t)zf_blob_lm_size) == 0 &&
         zf_lm_words_check(zf_blob_lm_words, (size_t)zf_blob_lm_words_size) == 0 &&
         zf_lm_other_check(zf_blob_lm_other, (size_t)zf_blob_lm_other_size) == 0;
}


static const lm_rec *rec(uint32_t cp) {
  const lm_hdr *h = H();
  if (cp >= LM_MAX_CP) cp = 0xFFFD; /* not a code point: scored as "other" */
  const uint16_t *s1 = BLOB_AT(lm, uint16_t, h->off_stage1);
  const uint16_t *s2 = BLOB_AT(lm, uint16_t, h->off_stage2);
  return BLOB_AT(lm, lm_rec, h->off_rec) + s2[(size_t)s1[cp >> 8] * 256 + (cp & 255)];
}

static float scaled(int v) { return (float)v / (float)H()->scale; }

uint32_t zf_lm_fold(uint32_t cp) {
  const lm_rec *r = rec(cp);
  return r->fold ? r->fold : cp;
}

float zf_lm_char(uint32_t cp) {
  const lm_hdr *h = H();
  const lm_rec *r = rec(cp);
  return scaled(BLOB_AT(lm, int16_t, h->off_prior)[r->cls] + r->lp);
}

/* log10 P(b | a) * scale for two lexicon characters, within Han. */
static int han_pair(const lm_rec *ra, const lm_rec *rb) {
  const lm_hdr *h = H();
  const uint32_t *rs = BLOB_AT(lm, uint32_t, h->off_rowstart);
  const uint16_t *col = BLOB_AT(lm, uint16_t, h->off_bcol);
  uint32_t lo = rs[ra->vid], hi = rs[ra->vid + 1];
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (col[mid] == rb->vid) return BLOB_AT(lm, int16_t, h->off_bval)[mid];
    if (col[mid] < rb->vid)
      lo = mid + 1;
    else
      hi = mid;
  }
  return ra->bo + rb->init; /* across a word boundary */
}

static int pair_scaled(const lm_rec *ra, const lm_rec *rb) {
  const lm_hdr *h = H();
  int t = BLOB_AT(lm, int16_t, h->off_trans)[ra->cls * h->ncls + rb->cls];
  if (rb->cls != CLS_HAN) return t + rb->lp;
  if (ra->cls != CLS_HAN) return t + rb->init; /* a Han run starts a word */
  return t + han_pair(ra, rb);
}

int zf_lm_known(uint32_t cp) { return rec(cp)->cls == CLS_HAN; }

float zf_lm_bigram(uint32_t a, uint32_t b) { return scaled(pair_scaled(rec(a), rec(b))); }

/* ---- bounds of zf_lm_bigram over a set of characters (lm.h) ---------------
 * pair_scaled's value is a class transition plus one of: the next
 * character's lp (not Han), its init (a Han run starts), a stored pair
 * (a row of the bigram table) or the first character's bo plus the next's
 * init.  Over a set, each part's largest value bounds the value; a stored
 * pair is at most both its row's largest (the first character's) and its
 * column's (the second's).  The rows' and columns' largest stored pairs are
 * found once per process (shared.h; one walk over the 300,000 stored
 * pairs).  In the scaled integers pair_scaled adds, so a bound converts to
 * float as the value does. */
static void *pairmax_build(void *arg) {
  (void)arg;
  const lm_hdr *h = H();
  int16_t *m = malloc(2 * (size_t)h->nvocab * sizeof *m);
  if (!m) return NULL;
  const uint32_t *rs = BLOB_AT(lm, uint32_t, h->off_rowstart);
  const uint16_t *col = BLOB_AT(lm, uint16_t, h->off_bcol);
  const int16_t *val = BLOB_AT(lm, int16_t, h->off_bval);
  for (uint32_t v = 0; v < 2 * h->nvocab; v++) m[v] = INT16_MIN;
  for (uint32_t v = 0; v < h->nvocab; v++)
    for (uint32_t j = rs[v]; j < rs[v + 1]; j++) {
      if (val[j] > m[v]) m[v] = val[j];
      if (val[j] > m[h->nvocab + col[j]]) m[h->nvocab + col[j]] = val[j];
    }
  return m;
}

static zf_shared_slot pairmax_slot;

/* Per vid: the largest stored pair of its row, then (from nvocab) of its
 * column; NULL without memory. */
static const int16_t *pairmax(void) {
  const int16_t *m = atomic_load_explicit(&pairmax_slot, memory_order_acquire);
  return m ? m : zf_shared_get(&pairmax_slot, pairmax_build, NULL, free);
}

#define SET_NONE INT16_MIN

void zf_lm_set_clear(zf_lm_set *s) {
  s->cls = 0;
  s->init = s->bo = s->in = s->out = SET_NONE;
  s->open = 0;
  for (size_t c = 0; c < sizeof s->lp / sizeof s->lp[0]; c++) s->lp[c] = SET_NONE;
}

static int16_t max16(int16_t a, int16_t b) { return a > b ? a : b; }

int zf_lm_set_add(zf_lm_set *s, uint32_t cp) {
  const lm_hdr *h = H();
  const lm_rec *r = rec(cp);
  const int16_t *m = pairmax();
  if (!m) return -1;
  if (r->cls >= sizeof s->lp / sizeof s->lp[0] || (r->cls == CLS_HAN && r->vid >= h->nvocab)) {
    s->open = 1; /* no bound */
    return 0;
  }
  s->cls |= 1u << r->cls;
  s->lp[r->cls] = max16(s->lp[r->cls], r->lp);
  if (r->cls == CLS_HAN) {
    s->init = max16(s->init, r->init);
    s->bo = max16(s->bo, r->bo);
    s->out = max16(s->out, m[r->vid]);
    s->in = max16(s->in, m[h->nvocab + r->vid]);
  }
  return 0;
}

/* No bound (a set holding a character the tables do not describe, or no
 * memory): above any log10 probability. */
#define LM_NO_BOUND 1e6f

static int imax(int a, int b) { return a > b ? a : b; }
static int imin(int a, int b) { return a < b ? a : b; }

float zf_lm_set_max_after(uint32_t a, const zf_lm_set *s) {
  if (s->open) return LM_NO_BOUND;
  const lm_hdr *h = H();
  const int16_t *prior = BLOB_AT(lm, int16_t, h->off_prior), *t = BLOB_AT(lm, int16_t, h->off_trans);
  const lm_rec *ra = a ? rec(a) : NULL;
  const int16_t *m = a ? pairmax() : NULL;
  if (a && (!m || (ra->cls == CLS_HAN && ra->vid >= h->nvocab))) return LM_NO_BOUND;
  int best = INT32_MIN;
  for (uint32_t c = 0; c < h->ncls && c < 32; c++) {
    if (!(s->cls >> c & 1)) continue;
    int v;
    if (!a) v = prior[c] + s->lp[c]; /* zf_lm_char */
    else if (c != CLS_HAN) v = t[ra->cls * h->ncls + c] + s->lp[c];
    else if (ra->cls != CLS_HAN) v = t[ra->cls * h->ncls + c] + s->init;
    else v = t[ra->cls * h->ncls + c] + imax(imin(m[ra->vid], s->in), ra->bo + s->init);
    best = imax(best, v);
  }
  return best == INT32_MIN ? -FLT_MAX : scaled(best);
}

float zf_lm_set_max_before(const zf_lm_set *s, uint32_t b) {
  if (s->open) return LM_NO_BOUND;
  const lm_hdr *h = H();
  const int16_t *t = BLOB_AT(lm, int16_t, h->off_trans);
  const lm_rec *rb = rec(b);
  const int16_t *m = pairmax();
  if (!m || (rb->cls == CLS_HAN && rb->vid >= h->nvocab)) return LM_NO_BOUND;
  int best = INT32_MIN;
  for (uint32_t c = 0; c < h->ncls && c < 32; c++) {
    if (!(s->cls >> c & 1)) continue;
    int v = t[c * h->ncls + rb->cls];
    if (rb->cls != CLS_HAN) v += rb->lp;
    else if (c != CLS_HAN) v += rb->init;
    else v += imax(imin(m[h->nvocab + rb->vid], s->out), s->bo + rb->init);
    best = imax(best, v);
  }
  return best == INT32_MIN ? -FLT_MAX : scaled(best);
}

double zf_lm_score(const uint32_t *cp, size_t n) {
  if (n == 0) return 0.0;
  const lm_hdr *h = H();
  const lm_rec *prev = rec(cp[0]);
  /* Integer sum: exact, and fast enough for whole documents. */
  int64_t s = BLOB_AT(lm, int16_t, h->off_prior)[prev->cls] + prev->lp;
  for (size_t i = 1; i < n; i++) {
    const lm_rec *r = rec(cp[i]);
    s += pair_scaled(prev, r);
    prev = r;
  }
  return (double)s / (double)h->scale;
}

#define WORD_SCALE 200.0f /* gen_lm.py: -log10 p * 200 in 11 bits */
#define FNV_BASIS 0x811C9DC5u
#define FNV_PRIME 0x01000193u

static uint32_t fnv_vid(uint32_t h, uint16_t v) {
  h = (h ^ (v & 0xFFu)) * FNV_PRIME;
  return (h ^ (uint32_t)(v >> 8)) * FNV_PRIME;
}

/* Looks up the word of vids[0..n) whose FNV hash is `hash`; returns its
 * pool header (length << 11 | -log10 freq * 200) or 0 when absent. */
static uint16_t word_find(const uint16_t *vids, size_t n, uint32_t hash) {
  const lw_hdr *w = BLOB_AT(lm_words, lw_hdr, 0);
  const uint32_t *slots = BLOB_AT(lm_words, uint32_t, w->off_slots);
  const uint16_t *pool = BLOB_AT(lm_words, uint16_t, w->off_pool);
  uint32_t mask = w->nslots - 1;
  for (uint32_t i = hash & mask;; i = (i + 1) & mask) {
    uint32_t s = slots[i];
    if (s == 0) return 0;
    const uint16_t *e = pool + s - 1;
    if ((size_t)(e[0] >> 11) != n) continue;
    size_t k = 0;
    while (k < n && e[1 + k] == vids[k]) k++;
    if (k == n) return e[0];
  }
}

/* The lexicon's prefilter: one bit per (length, first two characters) of
 * its words, hashed into 2^PRE_BITS bits (256 KB; the 345,584 words set
 * 10.9% of them).  A look-up in the lexicon is a chain of probes in a 4.8 MB table,
 * each a cache miss, and the callers mostly ask for strings that are no
 * word (garbage read back through the other table: heading_bits, the
 * drop reader's text test); a clear bit answers no in one load.  Every
 * word sets its bit, so the answer is the lexicon's.  Built once per
 * process (shared.h) from one pass over the word pool; a pool that does
 * not walk (it never fails lm_words_check's bounds, but the walk does not
 * rely on it) sets every bit: no filter. */
#define PRE_BITS 21
static zf_shared_slot pre_slot;

static uint32_t pre_hash(size_t n, uint16_t a, uint16_t b) {
  uint64_t k = (uint64_t)n << 32 | (uint64_t)a << 16 | b;
  return (uint32_t)((k * 0x9E3779B97F4A7C15u) >> (64 - PRE_BITS));
}

static void *pre_build(void *arg) {
  (void)arg;
  const lw_hdr *w = BLOB_AT(lm_words, lw_hdr, 0);
  const uint16_t *pool = BLOB_AT(lm_words, uint16_t, w->off_pool);
  size_t nw = (size_t)1 << (PRE_BITS - 6);
  uint64_t *bits = calloc(nw, sizeof *bits);
  if (!bits) return NULL;
  for (size_t i = 0; i < w->npool;) {
    size_t n = pool[i] >> 11;
    if (n == 0 || n > w->npool - i - 1) {
      memset(bits, 0xFF, nw * sizeof *bits);
      break;
    }
    uint32_t h = pre_hash(n, pool[i + 1], n > 1 ? pool[i + 2] : 0);
    bits[h >> 6] |= (uint64_t)1 << (h & 63);
    i += 1 + n;
  }
  return bits;
}

/* 0 when no word of the lexicon has length n and starts with vids[0..2)
 * (1 when the filter cannot be built now). */
static int pre_may_hold(const uint16_t *vids, size_t n) {
  const uint64_t *bits = atomic_load_explicit(&pre_slot, memory_order_acquire);
  if (!bits && !(bits = zf_shared_get(&pre_slot, pre_build, NULL, free))) return 1;
  uint32_t h = pre_hash(n, vids[0], n > 1 ? vids[1] : 0);
  return (int)(bits[h >> 6] >> (h & 63) & 1);
}

int zf_lm_word_filter_check(size_t *nwords, double *fill) {
  const lw_hdr *w = BLOB_AT(lm_words, lw_hdr, 0);
  const uint32_t *slots = BLOB_AT(lm_words, uint32_t, w->off_slots);
  const uint16_t *pool = BLOB_AT(lm_words, uint16_t, w->off_pool);
  const uint64_t *bits = zf_shared_get(&pre_slot, pre_build, NULL, free);
  if (!bits) return -1;
  int ok = 1;
  *nwords = 0;
  /* the words as word_find reaches them: through the slots */
  for (uint32_t i = 0; i < w->nslots; i++) {
    if (!slots[i]) continue;
    const uint16_t *e = pool + slots[i] - 1;
    ok &= pre_may_hold(e + 1, (size_t)(e[0] >> 11));
    ++*nwords;
  }
  size_t set = 0, nw = (size_t)1 << (PRE_BITS - 6);
  for (size_t k = 0; k < nw; k++) set += (size_t)__builtin_popcountll(bits[k]);
  *fill = (double)set / (double)(nw * 64);
  return ok;
}

int zf_lm_word(const uint32_t *cp, size_t n, float *log10freq) {
  if (log10freq) *log10freq = -99.0f;
  if (n == 0 || n > 31) return 0;
  uint16_t vids[31];
  uint32_t hash = FNV_BASIS;
  for (size_t i = 0; i < n; i++) {
    const lm_rec *r = rec(cp[i]);
    if (r->cls != CLS_HAN) return 0;
    vids[i] = r->vid;
    hash = fnv_vid(hash, vids[i]);
  }
  if (!pre_may_hold(vids, n)) return 0;
  uint16_t e = word_find(vids, n, hash);
  if (!e) return 0;
  if (log10freq) *log10freq = -(float)(e & 0x7FF) / WORD_SCALE;
  return 1;
}

/* Penalty, in log10 units, for a Han character that is no lexicon word on
 * its own and inside no word (jieba lists almost every common character as
 * a single-character word, so this mostly hits rare characters). */
#define SEG_LONE_HAN 2.0

double zf_lm_segment_score(const uint32_t *cp, size_t n) {
  if (n == 0) return 0.0;
  const lw_hdr *w = BLOB_AT(lm_words, lw_hdr, 0);
  size_t maxlen = w->maxlen < 31 ? w->maxlen : 31;
  /* best[] is a ring of W > maxlen positions, so memory is bounded
   * whatever n is: best[i % W] is the best score of cp[0..i) while i is
   * within reach of the words being extended. */
  enum { W = 32 };
  double best[W];
  uint16_t vids[W];
  for (size_t i = 0; i < W; i++) best[i] = -1e300;
  best[0] = 0.0;
  for (size_t i = 0; i < n; i++) {
    double base = best[i % W];
    best[i % W] = -1e300; /* the slot is position i + W from now on */
    double v = base + zf_lm_char(cp[i]) - (zf_is_han(cp[i]) ? SEG_LONE_HAN : 0.0);
    if (v > best[(i + 1) % W]) best[(i + 1) % W] = v;
    uint32_t hash = FNV_BASIS;
    for (size_t k = 0; k < maxlen && i + k < n; k++) {
      const lm_rec *r = rec(cp[i + k]);
      if (r->cls != CLS_HAN) break;
      vids[k] = r->vid;
      hash = fnv_vid(hash, vids[k]);
      uint16_t e = word_find(vids, k + 1, hash);
      if (!e) continue;
      v = base - (double)(e & 0x7FF) / WORD_SCALE;
      if (v > best[(i + k + 1) % W]) best[(i + k + 1) % W] = v;
    }
  }
  return best[n % W];
}

double zf_lm_rank_score(const uint32_t *cp, size_t n) {
  return zf_lm_score(cp, n) + zf_lm_segment_score(cp, n);
}

/* ---- text in any language (lm.h) ----------------------------------------- *
 * data/lm_other.bin, written by tools/gen_lm_other.py (which documents the
 * model and the layout): a class of every code point, with a script for
 * letters and marks and log10 P(c | class), as runs of code points; and
 * log10 P(class b, same script | class a). */

#define LO_MAGIC 0x4F4C465Au /* "ZFLO" */
#define LO_VERSION 1u
#define LO_MAX_CLS 64u
#define LO_HAN_BACKOFF 0xFF /* script byte of a Han run: its share + zf_lm_char */

typedef struct lo_hdr {
  uint32_t magic, version, size, ncls, nrun, off_flags, off_run, off_trans, scale, cls_start,
      cls_han, checksum;
} lo_hdr;

typedef struct lo_run {
  uint32_t first;
  uint8_t cls, script;
  int16_t lp;
} lo_run;

int zf_lm_other_check(const unsigned char *blob, size_t size) {
  enum { HDR = 12 * 4 };
  if (!blob || size < HDR) return -1;                 /* truncated header */
  if (((uintptr_t)blob & 3u) != 0) return -1;         /* the lookups read it in place */
  uint32_t h[12];
  for (int i = 0; i < 12; i++) h[i] = rd32(blob + 4 * i);
  uint32_t magic = h[0], version = h[1], bsize = h[2], ncls = h[3], nrun = h[4],
           off_flags = h[5], off_run = h[6], off_trans = h[7], scale = h[8],
           cls_start = h[9], cls_han = h[10], checksum = h[11];
  if (magic != LO_MAGIC) return -2;
  if (version != LO_VERSION) return -3;
  if (bsize != size) return -4;                       /* truncated or padded */
  if (ncls == 0 || ncls > LO_MAX_CLS || cls_start >= ncls || cls_han >= ncls || scale == 0)
    return -5;
  uint64_t trans_bytes = (uint64_t)ncls * ncls * 2 * sizeof(int16_t);
  if (off_flags != HDR || (uint64_t)off_flags + ncls > off_run || off_run % 4 ||
      off_trans % 4 || nrun == 0 || (uint64_t)off_run + (uint64_t)nrun * sizeof(lo_run) > off_trans ||
      (uint64_t)off_trans + trans_bytes > size)
    return -5;
  uint32_t fnv = 0x811C9DC5u;
  for (size_t i = HDR; i < size; i++) fnv = (fnv ^ blob[i]) * 0x01000193u;
  if (fnv != checksum) return -6;                     /* corrupted */
  const lo_run *r = (const lo_run *)(const void *)(blob + off_run);
  if (r[0].first != 0) return -5;
  for (uint32_t i = 0; i < nrun; i++)
    if (r[i].cls >= ncls || (i && r[i].first <= r[i - 1].first) || r[i].first >= LM_MAX_CP)
      return -5;
  return 0;
}

int zf_lm_other_ok(void) { return zf_lm_ok(); }

static const lo_hdr *LO(void) { return BLOB_AT(lm_other, lo_hdr, 0); }

/* The last run whose first <= c, in runs [lo, hi) (r[lo].first <= c). */
static size_t lo_search(const lo_run *r, size_t lo, size_t hi, uint32_t c) {
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (r[mid].first <= c)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

/* For each page of 256 code points (and one past the last), the run its
 * first code point falls in: c's run lies between its page's and the next
 * page's, a few runs instead of the whole table's binary search (issue
 * 14: the any-language bigram of the lost-byte stage's UTF-8 reader ran
 * two searches of 14 steps each).  17 KB, once per process (shared.h). */
enum { LO_PAGES = (LM_MAX_CP >> 8) + 1 };
static void *lo_pages_build(void *arg) {
  (void)arg;
  const lo_hdr *h = LO();
  const lo_run *r = BLOB_AT(lm_other, lo_run, h->off_run);
  uint32_t *pg = malloc(LO_PAGES * sizeof *pg);
  if (!pg) return NULL;
  for (size_t p = 0, i = 0; p < LO_PAGES; p++) {
    while (i + 1 < h->nrun && r[i + 1].first <= (uint32_t)p << 8) i++;
    pg[p] = (uint32_t)i;
  }
  return pg;
}
static zf_shared_slot lo_pages_slot;

static const lo_run *lo_find(uint32_t c) {
  const lo_hdr *h = LO();
  const lo_run *r = BLOB_AT(lm_other, lo_run, h->off_run);
  if (c >= LM_MAX_CP) c = 0xFFFD; /* not a code point: damage */
  const uint32_t *pg = atomic_load_explicit(&lo_pages_slot, memory_order_acquire);
  if (!pg) pg = zf_shared_get(&lo_pages_slot, lo_pages_build, NULL, free);
  if (!pg) return r + lo_search(r, 0, h->nrun, c); /* no memory now: the whole table */
  size_t hi = (size_t)pg[(c >> 8) + 1] + 1;
  return r + lo_search(r, pg[c >> 8], hi < h->nrun ? hi : h->nrun, c);
}

size_t zf_lm_other_run(uint32_t c) { return (size_t)(lo_find(c) - BLOB_AT(lm_other, lo_run, LO()->off_run)); }

float zf_lm_other_bigram(uint32_t a, uint32_t b) {
  /* ASCII after ASCII (or at the start) is scored as the Chinese model
   * scores it, so that the two models differ only where the text is not
   * ASCII, and a line's English words favour neither. */
  if (b < 0x80 && a < 0x80) return a ? zf_lm_bigram(a, b) : zf_lm_char(b);
  const lo_hdr *h = LO();
  const uint8_t *letter = BLOB_AT(lm_other, uint8_t, h->off_flags);
  const lo_run *rb = lo_find(b);
  uint32_t ca = h->cls_start, sa = 0;
  if (a) {
    const lo_run *ra = lo_find(a);
    ca = ra->cls;
    sa = ra->script;
  }
  int same = letter[ca] && letter[rb->cls] && (sa == rb->script || !sa || !rb->script);
  int t = BLOB_AT(lm_other, int16_t, h->off_trans)[((size_t)ca * h->ncls + rb->cls) * 2 + (size_t)same];
  float m = (float)rb->lp / (float)h->scale;
  if (rb->cls == h->cls_han && rb->script == LO_HAN_BACKOFF) m += zf_lm_char(b);
  return (float)t / (float)h->scale + m;
}

float zf_lm_any_bigram(uint32_t a, uint32_t b) {
  float zh = a ? zf_lm_bigram(a, b) : zf_lm_char(b);
  float ot = zf_lm_other_bigram(a, b);
  return zh > ot ? zh : ot;
}

double zf_lm_any_score(uint32_t prev, const uint32_t *cp, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) {
    s += zf_lm_any_bigram(prev, cp[i]);
    prev = cp[i];
  }
  return s;
}
