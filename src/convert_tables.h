/*
 * OpenCC dictionaries as read-only tables (data/opencc_dicts.bin, written by
 * tools/gen_opencc.py, which documents the layout).  Shared by the
 * conversion stage (convert.c) and script detection (script.c).
 *
 * Each dictionary is a trie over code points.  The first level is a paged
 * direct table, so the common case (a character that starts no key, or a
 * single-character key) costs two loads; deeper levels are sorted child
 * arrays searched by bisection.  Nothing is parsed at start-up: zf_occ_open
 * only checks the header and sets pointers into the embedded blob.
 */
#ifndef ZF_CONVERT_TABLES_H
#define ZF_CONVERT_TABLES_H

#include <stddef.h>
#include <stdint.h>

/* Order fixed by tools/gen_opencc.py (DICTS). */
enum zf_occ_dict_id {
  ZF_OCC_ST_PHRASES,
  ZF_OCC_ST_CHARS,
  ZF_OCC_TS_PHRASES,
  ZF_OCC_TS_CHARS,
  ZF_OCC_TW_PHRASES,
  ZF_OCC_TW_PHRASES_REV,
  ZF_OCC_TW_VARIANTS,
  ZF_OCC_TW_VARIANTS_REV,
  ZF_OCC_TW_VARIANTS_REV_PHRASES,
  ZF_OCC_HK_VARIANTS,
  ZF_OCC_HK_VARIANTS_REV,
  ZF_OCC_HK_VARIANTS_REV_PHRASES,
  ZF_OCC_NDICTS
};

/* Character classes (tools/gen_opencc.py CLASS_*). */
enum {
  ZF_OCC_SIMP_CAP = 1,   /* may be a Simplified form of something else   */
  ZF_OCC_SIMP_ONLY = 2,  /* Simplified-only: never written in Traditional,
                            not even as a regional form (群 is not)       */
  ZF_OCC_TRAD_CAP = 4,   /* may be a Traditional form of something else   */
  ZF_OCC_TRAD_ONLY = 8,  /* Traditional-only                              */
  ZF_OCC_TW_FORM = 16,   /* Taiwan variant of an OpenCC-standard form     */
  ZF_OCC_TW_STD = 32,    /* OpenCC-standard form Taiwan writes otherwise  */
  ZF_OCC_HK_FORM = 64,
  ZF_OCC_HK_STD = 128,
  ZF_OCC_SIMP_FORM = 256, /* Simplified form, though maybe also a regional
                             Traditional one (么: 麼 simplified, Taiwan's 幺) */
  ZF_OCC_TRAD_AMBIG = 512 /* one of several Traditional candidates of a
                             Simplified character (發 and 髮 of 发)      */
};

typedef struct zf_occ_dict {
  uint32_t maxkey; /* longest key in code points */
  uint32_t nnodes, nchild, nvals, npages;
  uint32_t fused; /* character dictionary fused in, or ZF_OCC_NONE */
  /* 3 per node: child_start, val_off, nchild << 8 | fused << 7 | val_len */
  const uint32_t *nodes;
  const uint32_t *ccp;   /* child code points, sorted per node */
  const uint32_t *cnode; /* child node ids */
  const uint32_t *vals;  /* value code points */
  const uint16_t *pidx;  /* (cp >> 8) -> page + 1, 0 = none */
  const uint32_t *pages; /* 256 node ids per page, 0 = none */
} zf_occ_dict;

typedef struct zf_occ_tables {
  zf_occ_dict d[ZF_OCC_NDICTS];
  const uint32_t *cls; /* nclass pairs {cp, flags}, sorted by cp */
  uint32_t nclass;
} zf_occ_tables;

/* Sets up t from the embedded blob.  Returns 0, or -1 if the blob is not
 * what this code expects (a build mixing generator and reader versions). */
int zf_occ_open(zf_occ_tables *t);

/* Children of a node with more than ZF_OCC_HASH_MIN of them are a hash
 * table; ZF_OCC_EMPTY marks its free slots. */
#define ZF_OCC_HASH_MIN 8u
#define ZF_OCC_EMPTY 0xFFFFFFFFu
#define ZF_OCC_NONE 0xFFFFFFFFu
/* In a node's val_len byte: the value is the fused character dictionary's
 * (tools/gen_opencc.py FUSED), not a key of this dictionary. */
#define ZF_OCC_VAL_FUSED 0x80u

/* Size of the trie node table for pages (PAGE_SLOTS in the generator). */
#define ZF_OCC_PAGE_SLOTS (0x110000u >> 8)

static inline uint32_t zf_occ_root(const zf_occ_dict *d, uint32_t c) {
  uint32_t p;
  if (c >= 0x110000u) return 0;
  p = d->pidx[c >> 8];
  return p ? d->pages[(size_t)(p - 1) * 256u + (c & 0xFFu)] : 0;
}

/* The walk of zf_occ_match_x from `node`, reached after i characters of s:
 * the longest key longer than i characters, or 0. */
static inline size_t zf_occ_walk(const zf_occ_dict *d, uint32_t node, const uint32_t *s,
                                 size_t n, size_t i, const uint32_t **val, size_t *vlen,
                                 int fused) {
  size_t best = 0;
  for (;;) {
    const uint32_t *nd = d->nodes + 3u * (size_t)node;
    uint32_t nc = nd[2] >> 8, lo;
    const uint32_t *cc;
    if ((nd[2] & 0x7Fu) && (fused || !(nd[2] & ZF_OCC_VAL_FUSED))) {
      best = i;
      *val = d->vals + nd[1];
      *vlen = nd[2] & 0x7Fu;
    }
    if (!nc || i >= n || s[i] >= 0x110000u) break;
    cc = d->ccp + nd[0];
    if (nc > ZF_OCC_HASH_MIN) {
      /* Hashed children (tools/gen_opencc.py hash_cap / hash_slot). */
      unsigned b = 32u - (unsigned)__builtin_clz(2u * nc - 1u);
      if (b < 4) b = 4;
      uint32_t mask = (1u << b) - 1u;
      lo = (uint32_t)(s[i] * 0x9E3779B1u) >> (32u - b);
      while (cc[lo] != s[i]) {
        if (cc[lo] == ZF_OCC_EMPTY) return best;
        lo = (lo + 1u) & mask;
      }
    } else {
      lo = 0;
      while (lo < nc && cc[lo] < s[i]) lo++;
      if (lo == nc || cc[lo] != s[i]) break;
    }
    node = d->cnode[nd[0] + lo];
    i++;
  }
  return best;
}

/* Longest key of d that is a prefix of s[0..n): returns its length in code
 * points (0 = none) and its value in *val / *vlen.  With fused, entries of
 * the fused character dictionary count too, which is the result of the
 * group [d, fused dictionary]. */
static inline size_t zf_occ_match_x(const zf_occ_dict *d, const uint32_t *s,
                                    size_t n, const uint32_t **val,
                                    size_t *vlen, int fused) {
  uint32_t node = zf_occ_root(d, s[0]);
  return node ? zf_occ_walk(d, node, s, n, 1, val, vlen, fused) : 0;
}

static inline size_t zf_occ_match(const zf_occ_dict *d, const uint32_t *s,
                                  size_t n, const uint32_t **val,
                                  size_t *vlen) {
  return zf_occ_match_x(d, s, n, val, vlen, 0);
}

/* Class flags of c (0 for most characters). */
unsigned zf_occ_class(const zf_occ_tables *t, uint32_t c);

#endif /* ZF_CONVERT_TABLES_H */
