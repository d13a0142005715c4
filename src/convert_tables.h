/*
 * OpenCC dictionaries as read-only tables (data/opencc_dicts.bin, written by
 * tools/gen_opencc.py from OpenCC 1.4.2's data in the npm packages opencc-js
 * and opencc; the generator documents the layout).  Shared by the
 * conversion stage (convert.c), script detection (script.c) and the repair
 * stages (character classes, character maps).
 *
 * A *group* of OpenCC dictionaries (STPhrases, then STCharacters, ...)
 * converts by the longest key any of them holds, the earlier winning a key
 * several hold; the generator merges each group into one trie over code
 * points.  Groups over the same dictionaries share a trie, each being a
 * *view*: a node says, by a bit per view, which groups hold its key.  A
 * zf_occ_dict is one view of one trie.
 *
 * The first trie level is a paged direct table, so the common case (a
 * character that starts no key, or a single-character key) costs two
 * loads; deeper levels are sorted child arrays, or hash tables for large
 * fan-outs.  Nothing is parsed at start-up: zf_occ_open only checks the
 * header and sets pointers into the embedded blob.
 */
#ifndef ZF_CONVERT_TABLES_H
#define ZF_CONVERT_TABLES_H

#include <stddef.h>
#include <stdint.h>

/* Order fixed by tools/gen_opencc.py (DICTS); the group each one is. */
enum zf_occ_dict_id {
  ZF_OCC_NORM,        /* CJK_Compatibility_Ideographs (normalization)     */
  ZF_OCC_ST,          /* STPhrases, STPhrases_Generated..., STCharacters  */
  ZF_OCC_ST_SEG,      /* STPhrases, STPhrases_Generated... (segmentation) */
  ZF_OCC_ST_CN,       /* STPhrases, STCharacters (opencc-js "from cn")    */
  ZF_OCC_ST_CHARS,    /* STCharacters                                     */
  ZF_OCC_TS,          /* TSPhrases, TSCharacters                          */
  ZF_OCC_TS_SEG,      /* TSPhrases (segmentation)                         */
  ZF_OCC_TS_CHARS,    /* TSCharacters, each key's first candidate other
                         than itself (what a t2s converter may write)    */
  ZF_OCC_TW,          /* TWVariantsPhrases, TWVariants                    */
  ZF_OCC_TWP,         /* TWPhrases, TWVariantsPhrases, TWVariants         */
  ZF_OCC_TW_PHRASES,  /* TWPhrases                                        */
  ZF_OCC_HK,          /* HKVariantsPhrases, HKVariants                    */
  ZF_OCC_HKP,         /* HKPhrases, HKVariantsPhrases, HKVariants         */
  ZF_OCC_TW_REV,      /* TWVariantsRevPhrases, TWVariantsRev              */
  ZF_OCC_TWP_REV,     /* TWPhrasesRev, TWVariantsRevPhrases, TWVariantsRev */
  ZF_OCC_HK_REV,      /* HKVariantsRevPhrases, HKVariantsRev              */
  ZF_OCC_HKP_REV,     /* HKPhrasesRev, HKVariantsRevPhrases, HKVariantsRev */
  ZF_OCC_JP2T,        /* JPShinjitaiPhrases, JPShinjitaiCharacters        */
  ZF_OCC_T2JP,        /* JPShinjitaiCharactersRev                         */
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
                             Simplified character (發 and 髮 of 发), unless
                             t2s keeps it as it is (甯 of 宁)             */
};

/* In a node's third word: value length, views holding the key, erratum. */
#define ZF_OCC_VLEN(w) ((w) & 0xFFu)
#define ZF_OCC_VIEWS 0xF00u
#define ZF_OCC_ERRATUM 0x1000u
#define ZF_OCC_NCHILD(w) ((w) >> 13)

typedef struct zf_occ_dict {
  /* 3 per node: child_start, val_off, word (macros above) */
  const uint32_t *nodes;
  const uint32_t *ccp;   /* child code points, sorted or hashed per node */
  const uint32_t *cnode; /* child node ids */
  const uint32_t *vals;  /* value code points */
  const uint16_t *pidx;  /* (cp >> 8) -> page + 1, 0 = none */
  const uint32_t *pages; /* 256 node ids per page, 0 = none */
  uint32_t nnodes, nchild, nvals, npages;
  uint32_t trie;         /* dictionaries sharing a trie share the arrays */
  uint32_t vm;           /* this view's bit, in the node word's position */
  uint32_t maxkey;       /* longest key of the view, in code points */
  uint32_t min_cp;       /* no key of the view starts below */
} zf_occ_dict;

/* One of OpenCC's configurations (its data/config/NAME.json, as opencc-js
 * reads it): normalization, segmentation and the conversion
 * chain, as dictionary ids (-1: none). */
#define ZF_OCC_STEPS_MAX 3
#define ZF_OCC_MAX_CONFIGS 32
typedef struct zf_occ_config {
  char name[8]; /* "s2twp" */
  int32_t norm, seg;
  uint32_t nsteps;
  int32_t step[ZF_OCC_STEPS_MAX];
} zf_occ_config;

typedef struct zf_occ_tables {
  zf_occ_dict d[ZF_OCC_NDICTS];
  zf_occ_config cfg[ZF_OCC_MAX_CONFIGS];
  uint32_t ncfg;
  const uint16_t *cls_pidx;  /* (cp >> 8) -> class page + 1, 0 = none */
  const uint16_t *cls_pages; /* nclass_pages x 256 flags */
  uint32_t nclass_pages;
  char version[33];    /* "opencc 1.4.2, opencc-js 1.4.2" */
} zf_occ_tables;

/* The tables of the embedded blob, set up once per process and shared
 * read-only; NULL if the blob is not what this code expects (a build mixing
 * generator and reader versions) or memory is short (the next call tries
 * again). */
const zf_occ_tables *zf_occ_get(void);
/* Gives the blob's pages back to the page cache (shared.h,
 * zf_blob_release): called by the builds that walk whole tries. */
void zf_occ_release(void);
/* Copies them into t (a few KB): 0, or as zf_occ_get fails
 * ZHFIX_E_INTERNAL (the blob is not usable) or ZHFIX_E_NOMEM. */
int zf_occ_open(zf_occ_tables *t);

/* Children of a node with more than ZF_OCC_HASH_MIN of them are a hash
 * table; ZF_OCC_EMPTY marks its free slots. */
#define ZF_OCC_HASH_MIN 8u
#define ZF_OCC_EMPTY 0xFFFFFFFFu

/* Size of the trie node table for pages (PAGE_SLOTS in the generator). */
#define ZF_OCC_PAGE_SLOTS (0x110000u >> 8)

static inline uint32_t zf_occ_root(const zf_occ_dict *d, uint32_t c) {
  uint32_t p;
  if (c >= 0x110000u) return 0;
  p = d->pidx[c >> 8];
  return p ? d->pages[(size_t)(p - 1) * 256u + (c & 0xFFu)] : 0;
}

/* The value of node nd: with errata, a corrected value where the blob has
 * one (data/opencc_errata.txt). */
static inline void zf_occ_value(const zf_occ_dict *d, const uint32_t *nd, int errata,
                                const uint32_t **val, size_t *vlen) {
  size_t n = ZF_OCC_VLEN(nd[2]);
  if (errata && (nd[2] & ZF_OCC_ERRATUM)) {
    *vlen = d->vals[nd[1] + n];
    *val = d->vals + nd[1] + n + 1;
  } else {
    *vlen = n;
    *val = d->vals + nd[1];
  }
}

/* The walk of zf_occ_match from `node`, reached after i characters of s:
 * the longest key of view vm longer than i characters (0 if none), its
 * value in *val / *vlen and its node in *bnode. */
static inline size_t zf_occ_walk(const zf_occ_dict *d, uint32_t vm, uint32_t node,
                                 const uint32_t *s, size_t n, size_t i, int errata,
                                 const uint32_t **val, size_t *vlen, uint32_t *bnode) {
  size_t best = 0;
  for (;;) {
    const uint32_t *nd = d->nodes + 3u * (size_t)node;
    uint32_t nc = ZF_OCC_NCHILD(nd[2]), lo;
    const uint32_t *cc;
    if (nd[2] & vm) {
      best = i;
      zf_occ_value(d, nd, errata, val, vlen);
      if (bnode) *bnode = node;
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
 * points (0 = none) and its value in *val / *vlen; errata as above. */
static inline size_t zf_occ_match_e(const zf_occ_dict *d, const uint32_t *s, size_t n,
                                    int errata, const uint32_t **val, size_t *vlen) {
  uint32_t node = zf_occ_root(d, s[0]);
  return node ? zf_occ_walk(d, d->vm, node, s, n, 1, errata, val, vlen, NULL) : 0;
}

/* OpenCC's own values (no errata). */
static inline size_t zf_occ_match(const zf_occ_dict *d, const uint32_t *s, size_t n,
                                  const uint32_t **val, size_t *vlen) {
  return zf_occ_match_e(d, s, n, 0, val, vlen);
}

/* Class flags of c (0 for most characters): two loads. */
static inline unsigned zf_occ_class(const zf_occ_tables *t, uint32_t c) {
  uint32_t p;
  if (c >= 0x110000u) return 0;
  p = t->cls_pidx[c >> 8];
  return p ? t->cls_pages[(size_t)(p - 1) * 256u + (c & 0xFFu)] : 0;
}

#endif /* ZF_CONVERT_TABLES_H */
