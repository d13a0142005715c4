/*
 * The conversion stage's internals, shared by its files (private to them):
 *   convert_shared.c  the process-wide derived tables (accelerators, inert
 *                     sets, covers) and the configuration of a pair (plan);
 *   convert_match.c   segmentation and matching: OpenCC's general path and
 *                     the one-pass conversions, ideographic description
 *                     sequences included;
 *   convert_tail.c    tw2s and hk2s as one pass of their second step,
 *                     mended where their first step converts;
 *   convert_repair.c  the repair of half-converted text;
 *   convert.c         the stage: handles, lines, which of them take the
 *                     repair.
 * The dictionaries themselves are convert_tables.h.
 */
#ifndef ZF_CONVERT_INT_H
#define ZF_CONVERT_INT_H

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "convert_tables.h"
#include "shared.h"
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
  /* K_GENERAL of two steps whose second covers the segmentation: on a
   * line where the first step can match nothing (zf_conv_run_config),
   * the configuration is the second step's one greedy pass. */
  unsigned char pass_tail;
} occ_cfg;

/* ---- process-wide tables ------------------------------------------------ */

/* The first two trie levels of a one-pass conversion, flattened.  The
 * trie's nodes lie scattered over megabytes, so each step of a walk is a
 * cache miss; run_pass answers most places from at most one.
 *   ent[c]: the character's own one-character value (in the low 21
 *     bits: the character itself where it has none), and whether keys
 *     continue past it (ACC_SPAN entries, U+0000..U+9FFF, 160 KB: ASCII,
 *     CJK punctuation and kana too, so a run of Han characters does not
 *     end at 「」，。 or a space and a Latin word, each end a
 *     mispredicted branch; ideographic description characters are
 *     ACC_SLOW, never plain);
 *   hi: a bitmap of the characters of U+A000..U+FFFF (full-width forms,
 *     CJK compatibility ideographs ...) that start a key of the
 *     dictionary or of the normalization (3 KB): the others are one
 *     unit each, themselves (plain_run);
 *   pair: a hash table of every two-character key prefix (a, b), holding
 *     its node, its value if (a, b) is a key and the value is short,
 *     whether keys continue past it, and a 16-bit filter of the characters
 *     they continue with; a bitmap rules most absent pairs out before the
 *     table is probed (acc_bit: the pairs of one first character share a
 *     cache line of it);
 *   filt: a blocked filter of the pairs that are keys themselves and of
 *     every three-character key prefix: the pair a, b picks one cache
 *     line of it (acc_filt_at), where one bit says the pair may be a key
 *     and the third characters of keys that go on past it set other bits
 *     (acc_filt_third), so the walk past two characters is taken only
 *     where a key may go on.  (Blocks of one 64-bit word were too small:
 *     a pair's own triples filled its word, stops +12%.)
 * plain_run asks filt, not bits: a character converts on its own unless
 * it and the next are a key, or it and the next two start one.  Most
 * pairs that start keys are no key and go on only with a few third
 * characters, so on zh_CN this stops the run at 128K places of 5 MB where
 * bits stopped it at 281K, and each stop costs a mispredicted branch and
 * a probe of the pair table.  filt is hashed over the whole table: lines
 * chosen by the first character (as bits) kept the common characters'
 * lines in cache but filled them, and let 181K stops by; measured, the
 * scattered reads cost less than the stops.  Both questions read one
 * line: as two bitmaps (pairs, triples) of 128 KB each, the two reads
 * were 3/4 of the conversion pass's first-level cache misses on the
 * bench's Simplified text (cachegrind: 771K of 1,047K in 3 MB).
 * The pair's filter costs no memory access of its own: it lives in the
 * word the lookup has loaded anyway.  (An 8-bit filter of second
 * characters in ent's spare bits saved bitmap reads but its branch
 * mispredicted more than the reads cost: measured, dropped.)
 * Built once per process and dictionary (acc_get). */
#define ACC_SPAN 0xA000u /* ent: U+0000..U+9FFF */
#define ACC_KIDS 0x400000u /* keys continue past this character */
#define ACC_SLOW 0x800000u /* longer value, or an erratum: walk */
#define ACC_CP 0x1FFFFFu /* ent: the character's one-character value ... */
/* ent: a Traditional-only character (ZF_OCC_TRAD_ONLY) in an accelerator
 * with trad_ok: never plain, so the one pass meets it where plain_run
 * stops and notes it (pass_loop, convert.c's convert_line). */
#define ACC_MARK 0x200000u
#define ACC_HI_LO 0xA000u
#define ACC_HI_SPAN (0x10000u - ACC_HI_LO)
#define ACC_BITS 20u /* the pair filter: 2^20 bits, in lines of 2^9 */
#define ACC_LINE_BITS 9u
#define FILT_BITS 21u /* filt: at most 2^21 bits (256 KB) */
#define FILT_LINE 9u  /* ... in blocks of 2^9 bits, a cache line */
#define P_KEY (((uint64_t)1 << 42) - 1) /* a | b << 21 */
#define P_VAL ((uint64_t)1 << 42)       /* (a, b) is a key of the view */
#define P_LEN2 ((uint64_t)1 << 43)      /* ... with a two-character value */
#define P_SLOW ((uint64_t)1 << 44)      /* ... longer, or an erratum: read it */
#define P_DEEP ((uint64_t)1 << 45)      /* keys continue past b */
#define P_NEXT_SHIFT 48u                /* bits 48..63: filter of the characters
                                           keys continue with past b */
typedef struct acc_pair {
  uint64_t key; /* a | b << 21 | P_* flags; 0 marks a free slot */
  uint64_t val; /* value v0 | v1 << 21, node << 42 */
} acc_pair;
/* The pairs of two characters of U+3400..U+9FFF (nearly all), in one
 * word a pair (hpair): half the pair table's memory, so that it stays in
 * the second-level cache with the rest of the pass's tables.  Only pairs
 * that are keys of the view or that keys continue past are kept (every
 * word is then non-zero): a, b as offsets from H_LO (15 bits each); a
 * two-character value inline where both lie in the span too and it is
 * no erratum, else H_SLOW and the node in hnode. */
#define H_LO 0x3400u
#define H_SPAN (ACC_SPAN - H_LO)
#define H_KEY (((uint64_t)1 << 30) - 1) /* a - H_LO | (b - H_LO) << 15 */
#define H_VAL ((uint64_t)1 << 30)       /* (a, b) is a key of the view */
#define H_SLOW ((uint64_t)1 << 31)      /* ... whose value is read from the node */
#define H_DEEP ((uint64_t)1 << 32)      /* keys continue past b */
#define H_V0 33u                        /* bits 33..47: v0 - H_LO, 48..62: v1 - H_LO */
#define H_LEN2 ((uint64_t)1 << 63)      /* ... the value is two characters */
typedef struct occ_accel {
  uint32_t ent[ACC_SPAN];
  uint64_t hi[ACC_HI_SPAN / 64];
  uint32_t mask; /* pair slots - 1 */
  acc_pair *pair; /* the pairs hpair does not hold */
  unsigned shift; /* pair slot of a hash: its top bits (acc_slot) */
  uint64_t *hpair;  /* the pairs of the span (above), 0 a free slot */
  uint32_t *hnode;  /* their nodes, slot for slot */
  uint32_t hmask;   /* hpair slots - 1 */
  unsigned hshift;  /* as shift */
  uint64_t bits[(1u << ACC_BITS) / 64];
  _Alignas(64) uint64_t filt[(1u << FILT_BITS) / 64];
  /* busy: a bit per character of the first level whose ent is not the
   * character itself (it converts, or keys go on past it, or it is an
   * ideographic description character): a clear bit is a character that
   * converts to itself on its own, whatever follows.  5 KB, where ent is
   * 160 KB: a step that changes a few characters a line (TWVariantsRev)
   * is checked from the first-level cache (acc_quiet).  One set bit past
   * the span stands for every character above it. */
  uint64_t busy[ACC_SPAN / 64 + 1];
  /* filt uses its first 2^(32 - fshift) bits: enough for one bit in 64
   * to be set (acc_filter_bits), so the filter of a small dictionary
   * (TWPhrases: 265 pairs that are keys, 494 triples; TS's groups) is a
   * few KB that stays in the first-level cache; STPhrases' (19K pairs
   * that are keys, 28K triples) uses all 2^21 bits. */
  unsigned fshift;
  /* No Simplified form (ZF_OCC_SIMP_FORM) converts to another character
   * as a unit of its own, errata or not, nor is a key of the
   * normalization: a step of this dictionary keeps every one where the
   * repair's keep_simp_forms would put it back (TSCharacters; not
   * TWVariantsRev, which reads 么 as 幺). */
  int sf_stay;
  /* marks, where marks_ok: a bit per code point of the BMP (and a clear
   * one past it) such that every key of the view longer than one
   * character holds a marked character, and every character whose unit
   * of one may be anything but itself (a key of one character with
   * another value, either value of an erratum; an ideographic description
   * character; every character of a key whose value has another length)
   * is marked.  A stretch with no marked character is copied unchanged,
   * unit for unit, by a greedy pass of this dictionary.  Built for small
   * tries only (TWVariantsRev's group: 42 characters, 1.5% of the Han of
   * Taiwan text, where 418 start its phrases: 一 人 大 不 有); marks_ok
   * is 0 where none is built or a marked character would lie past the
   * BMP.  (marks_next) */
  int marks_ok;
  uint64_t marks[0x10000 / 64 + 1];
  /* trad_ok: every Traditional-only character of U+0000..U+9FFF has
   * ACC_MARK in ent, none lies in U+A000..U+FFFF nor below the
   * dictionary's inert bound, so a pass over a line (acc_trad_marks)
   * meets every Traditional-only character of it where plain_run stops,
   * inside a unit of several characters, or past the BMP.  Set for the
   * views of the trie of Simplified input (ZF_OCC_ST_CN's: s2t and the
   * repair's way back), where such characters are rare and each costs a
   * stop; never for Traditional input (t2s), where they are most Han. */
  int trad_ok;
  void *raw; /* the allocation (the object is aligned to 64 bytes in it) */
} occ_accel;

/* Which characters start no key of a dictionary's trie (any view), so a
 * run of them is copied as it is: ASCII by a bitmap (a few keys start
 * with Latin letters: SQL注入), the rest below `low`. */
typedef struct occ_inert {
  uint64_t ascii[2];     /* bit set: the ASCII character starts a key */
  uint64_t ascii_one[2]; /* ... and is one (of some view) */
  uint32_t low;          /* no key starts with a non-ASCII character below */
  unsigned char stop[128]; /* ascii, a byte per character (inert_end) */
  /* The ASCII characters that start keys when there are at most
   * INERT_STOPS of them (padded with a value no character has), else
   * nstops is INERT_STOPS + 1 (inert_finish). */
  unsigned nstops;
  uint32_t stops[4];
} occ_inert;
#define INERT_STOPS 4

static inline int inert(const occ_inert *z, uint32_t c) {
  return c < 0x80 ? !(z->ascii[c >> 6] >> (c & 63) & 1) : c < z->low && (c - 0x2FF0u) >= 16u;
}

/* The first j >= i with cp[j] not inert, or n.  Most inert runs are
 * ASCII (man pages, code, Latin text), and few ASCII characters start
 * keys (S of SQL注入, in s2t's group): where none does, eight code points
 * are passed on one test; where at most INERT_STOPS do, four are tested
 * at once (SSE2: above ASCII, or one of the stops) and a run's end is
 * found from the mask, with no branch per character; otherwise four are
 * passed on one test of the stop table, and the first that may end the
 * run is found from a mask. */
static inline size_t inert_end(const occ_inert *z, const uint32_t *cp, size_t i, size_t n) {
  if (!z->nstops) {
    /* Every ASCII character is inert (most dictionaries): eight code
     * points a test, the end of the run found one by one. */
    for (;;) {
      while (n - i >= 8 && (cp[i] | cp[i + 1] | cp[i + 2] | cp[i + 3] | cp[i + 4] | cp[i + 5] |
                            cp[i + 6] | cp[i + 7]) < 0x80)
        i += 8;
      while (i < n && cp[i] < 0x80) i++;
      if (i == n || !inert(z, cp[i])) return i;
      i++; /* inert above ASCII (。 for s2t): the run goes on */
    }
  }
#ifdef __SSE2__
  if (z->nstops <= INERT_STOPS) {
    const __m128i sign = _mm_set1_epi32((int)0x80000000u), top = _mm_set1_epi32((int)(0x80000000u | 0x7Fu));
    const __m128i s0 = _mm_set1_epi32((int)z->stops[0]), s1 = _mm_set1_epi32((int)z->stops[1]);
    const __m128i s2 = _mm_set1_epi32((int)z->stops[2]), s3 = _mm_set1_epi32((int)z->stops[3]);
    for (;;) {
      for (; n - i >= 4; i += 4) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(cp + i));
        __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi32(v, s0), _mm_cmpeq_epi32(v, s1)),
                                    _mm_or_si128(_mm_cmpeq_epi32(v, s2), _mm_cmpeq_epi32(v, s3)));
        /* unsigned v > 0x7F */
        stop = _mm_or_si128(stop, _mm_cmpgt_epi32(_mm_xor_si128(v, sign), top));
        int m = _mm_movemask_ps(_mm_castsi128_ps(stop));
        if (m) {
          i += (size_t)__builtin_ctz((unsigned)m);
          break;
        }
      }
      if (n - i < 4)
        while (i < n && inert(z, cp[i]) && cp[i] < 0x80) i++;
      if (i == n || !inert(z, cp[i])) return i;
      i++; /* inert above ASCII (。 for s2t): the run goes on */
    }
  }
#endif
  while (n - i >= 4) {
    uint32_t a = cp[i], b = cp[i + 1], c = cp[i + 2], d = cp[i + 3];
    if ((a | b | c | d) < 0x80 && !(z->stop[a] | z->stop[b] | z->stop[c] | z->stop[d])) {
      i += 4;
      continue;
    }
    unsigned m = ((a >= 0x80) | z->stop[a & 0x7F]) | ((b >= 0x80) | z->stop[b & 0x7F]) << 1 |
                 ((c >= 0x80) | z->stop[c & 0x7F]) << 2 | ((d >= 0x80) | z->stop[d & 0x7F]) << 3;
    i += (size_t)__builtin_ctz(m);
    if (!inert(z, cp[i])) return i;
    i++;
  }
  for (; i < n; i++)
    if (!inert(z, cp[i])) return i;
  return n;
}

#define SF_LO 0x3400u
#define SF_SPAN (0x10000u - SF_LO)
/* The class flags kept as bitmaps (occ_shared.cls_bits). */
enum { SF_SIMP_FORM, SF_SIMP_ONLY, SF_TRAD_ONLY, SF_NFLAGS };
static const unsigned sf_flag[SF_NFLAGS] = {ZF_OCC_SIMP_FORM, ZF_OCC_SIMP_ONLY, ZF_OCC_TRAD_ONLY};
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
  /* The accelerators, built on first use (zf_conv_accel). */
  zf_shared_slot acc[ZF_OCC_NDICTS];
  /* cls_bits[k], bit c - SF_LO: c has class flag sf_flag[k] (SF_*), for
   * U+3400..U+FFFF, and one clear bit past them (sf_any: a test of
   * every character with no branch, in 6.5 KB a flag where the class
   * pages span 55 KB). */
  uint64_t cls_bits[SF_NFLAGS][SF_SPAN / 64 + 1];
} occ_shared;

/* Whether a character of cp[0, n) has class flag sf_flag[k] (one of
 * sh->cls_bits): one bit test a character, and a branch only past the
 * BMP.  Per line, the stage asks which scripts a line holds
 * (wants_repair, line_mixed): with the class pages, two dependent loads
 * and a branch a character, that was 7.8% of the CPU samples of
 * `zhfix --to=trad` on the bench's Simplified text. */
static inline uint64_t sf_bit(const uint64_t *bm, uint32_t c) {
  uint32_t j = c - SF_LO;
  j = j < SF_SPAN ? j : SF_SPAN; /* below U+3400 or astral: the clear bit */
  return bm[j >> 6] >> (j & 63u);
}

/* Whether c counts for sf_any(sh, k, ...): what its loops ask of one
 * character. */
static inline int sf_one(const occ_shared *sh, int k, uint32_t c) {
  return c > 0xFFFF ? (zf_occ_class(&sh->t, c) & sf_flag[k]) != 0 : (int)(sf_bit(sh->cls_bits[k], c) & 1u);
}

static inline int sf_any(const occ_shared *sh, int k, const uint32_t *cp, size_t n) {
  const uint64_t *bm = sh->cls_bits[k];
  const unsigned flag = sf_flag[k];
  uint64_t any = 0;
  uint32_t top = 0; /* or of the characters: astral ones are looked up after */
  size_t i = 0;
  /* four a step, no branch on the text (the line's scripts are asked of
   * every line: 4.6% of the instructions of `zhfix --to=trad`) */
  for (; i + 4 <= n; i += 4) {
    uint32_t a = cp[i], b = cp[i + 1], c = cp[i + 2], d = cp[i + 3];
    top |= a | b | c | d;
    any |= sf_bit(bm, a) | sf_bit(bm, b) | sf_bit(bm, c) | sf_bit(bm, d);
  }
  for (; i < n; i++) {
    top |= cp[i];
    any |= sf_bit(bm, cp[i]);
  }
  if (any & 1u) return 1;
  if (top > 0xFFFF)
    for (i = 0; i < n; i++)
      if (cp[i] > 0xFFFF && (zf_occ_class(&sh->t, cp[i]) & flag)) return 1;
  return 0;
}

/* The first j in [a, b) with cp[j] marked (occ_accel.marks, marks_ok),
 * or b: four a step, one branch. */
static inline size_t marks_next(const occ_accel *acc, const uint32_t *cp, size_t a, size_t b) {
  const uint64_t *m = acc->marks;
#define MK(c) (m[((c) < 0x10000u ? (c) : 0x10000u) >> 6] >> ((c) & 63u) & 1u)
  for (; a + 4 <= b; a += 4)
    if (MK(cp[a]) | MK(cp[a + 1]) | MK(cp[a + 2]) | MK(cp[a + 3])) break;
  for (; a < b; a++)
    if (MK(cp[a])) return a;
#undef MK
  return b;
}

/* Whether c is a character of the first level that converts to itself
 * on its own, whatever follows (occ_accel.busy): 1, else 0. */
static inline unsigned acc_quiet(const occ_accel *acc, uint32_t c) {
  uint32_t j = c < ACC_SPAN ? c : ACC_SPAN; /* above: the set bit past the span */
  return ~(unsigned)(acc->busy[j >> 6] >> (j & 63u)) & 1u;
}

/* The first j >= i with cp[j] not acc_quiet, or n.  (Four characters a
 * test and branch took more instructions: the branch on one is rarely
 * mispredicted where a step converts a few characters a line.) */
static inline size_t acc_quiet_end(const occ_accel *acc, const uint32_t *cp, size_t i, size_t n) {
  while (i < n && acc_quiet(acc, cp[i])) i++;
  return i;
}

#define ACC_HA 0x9E3779B1u
#define ACC_HB 0x85EBCA77u
static inline uint32_t acc_hash(uint32_t a, uint32_t b) {
  return a * ACC_HA ^ b * ACC_HB;
}

/* The slot of the pair table a hash starts at: the product's top bits
 * (its low bits depend on the low bits of the characters only, which
 * clustered the table: 1.8 probes a lookup). */
static inline uint32_t acc_slot(const occ_accel *acc, uint32_t h) {
  return (uint32_t)((uint64_t)h << 32 >> acc->shift) & acc->mask;
}

/* The bit of character c in a pair's filter of third characters (a
 * superset test: a clear bit proves no key continues with c there). */
static inline uint64_t acc_third_bit(uint32_t c) {
  return (uint64_t)1 << ((c * 0x85EBCA77u) >> 28) << P_NEXT_SHIFT;
}

/* The bit of the pair a, b in filt: the top bits of its hash, so its
 * cache line (bit >> FILT_LINE) is what the pair's triples use too. */
static inline uint32_t acc_filt_at(const occ_accel *acc, uint32_t a, uint32_t b) {
  return acc_hash(a, b) >> acc->fshift;
}

/* Where a third character c puts its bit in the line of a pair t
 * (acc_filt_at): acc_filt_tbit. */
static inline uint32_t acc_filt_third(const occ_accel *acc, uint32_t c) {
  return (c * 0xC2B2AE3Du) >> acc->fshift;
}
static inline uint32_t acc_filt_tbit(uint32_t t, uint32_t third) {
  return t ^ (third & ((1u << FILT_LINE) - 1u));
}
static inline unsigned acc_filt_test(const occ_accel *acc, uint32_t t) {
  return (unsigned)(acc->filt[t >> 6] >> (t & 63u)) & 1u;
}

/* Whether a, b, c may start a key (keys go on past the pair with c). */
static inline int acc_tri(const occ_accel *acc, uint32_t a, uint32_t b, uint32_t c) {
  return acc_filt_test(acc, acc_filt_tbit(acc_filt_at(acc, a, b), acc_filt_third(acc, c)));
}

/* The bit of the pair a, b in the pair filter (bits): in the cache line
 * its first character selects, at the place its second one does, so the
 * pairs one character starts share a line and the lines of the common
 * characters stay in cache (over the whole bitmap, each pair of the text
 * read another line).  The products are acc_hash's own. */
static inline uint32_t acc_bit(uint32_t a, uint32_t b) {
  return (a * ACC_HA) >> (32u - (ACC_BITS - ACC_LINE_BITS)) << ACC_LINE_BITS |
         (b * ACC_HB) >> (32u - ACC_LINE_BITS);
}

/* Whether the pair a, b may start a key (the bitmap alone). */
static inline int acc_pair_maybe(const occ_accel *acc, uint32_t a, uint32_t b) {
  uint32_t t = acc_bit(a, b);
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

/* Slots of a node's child array (hashed arrays hold ZF_OCC_EMPTY in free
 * slots). */
static inline size_t occ_child_slots(uint32_t nc) {
  if (nc <= ZF_OCC_HASH_MIN) return nc;
  unsigned b = 32u - (unsigned)__builtin_clz(2u * nc - 1u);
  return (size_t)1 << (b < 4 ? 4 : b);
}

/* Whether both characters lie in hpair's span. */
static inline int acc_in_h(uint32_t a, uint32_t b) {
  return a - H_LO < H_SPAN && b - H_LO < H_SPAN;
}

/* The slot of the pair a, b (both in the span) in hpair, or -1. */
static inline long acc_hpair_probe(const occ_accel *acc, uint32_t a, uint32_t b) {
  uint64_t key = (uint64_t)(a - H_LO) | (uint64_t)(b - H_LO) << 15;
  for (uint32_t h = (uint32_t)((uint64_t)acc_hash(a, b) << 32 >> acc->hshift) & acc->hmask;;
       h = (h + 1) & acc->hmask) {
    uint64_t w = acc->hpair[h];
    if (!w) return -1;
    if ((w & H_KEY) == key) return (long)h;
  }
}

/* The entry of the pair a, b, or NULL, the bitmap passed (a pair
 * hpair does not hold). */
static inline const acc_pair *acc_pair_probe(const occ_accel *acc, uint32_t a, uint32_t b) {
  uint64_t key = (uint64_t)a | (uint64_t)b << 21;
  for (uint32_t h = acc_slot(acc, acc_hash(a, b));; h = (h + 1) & acc->mask) {
    const acc_pair *q = &acc->pair[h];
    if ((q->key & P_KEY) == key) return q;
    if (!q->key) return NULL;
  }
}

/* Whether a key of the view starts with the pair a, b (superset). */
static inline int acc_pair_find(const occ_accel *acc, uint32_t a, uint32_t b) {
  if (!acc_pair_maybe(acc, a, b)) return 0;
  return acc_in_h(a, b) ? acc_hpair_probe(acc, a, b) >= 0 : acc_pair_probe(acc, a, b) != NULL;
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
  int fold_exact; /* zf_conv_fold_exact (asked of every line) */
  int repair_same; /* the repair of every line is the exact conversion */
  unsigned residue_cap;  /* class of characters that may be residue */
  int other_only;        /* SF_* class proving a line mixes scripts */
  const occ_accel *acc[ZF_OCC_NDICTS];
  zf_text nm, a, b, g, e, f, r, x; /* scratch, reused across segments */
  seglist sa, sb;
  size_t *ids;        /* ends of ideographic description sequences */
  size_t ids_cap, ids_lo;
  int ids_valid;
  unsigned char *bnd; /* unit starts of the repair's two candidates */
  size_t bnd_cap;
  occ_inert line_inert;  /* characters no dictionary of this handle starts */
  /* Set by zf_conv_run_config: the number of characters its output
   * changed, when its one pass counted them, else SIZE_MAX. */
  size_t chg;
  /* fuse_trad: the exact plan's first step is one pass over the line
   * (K_PASS, K_FUSED) whose accelerator has trad_ok,
   * and a line is repaired only if it holds a Traditional-only character
   * (Simplified text to a Traditional target): the pass itself tells
   * whether the line holds one (convert_line).  The pass over trad_src
   * (and no other text: not a normalized copy) sets trad_seen to 0 or 1;
   * -1 where it did not see the whole line. */
  int fuse_trad;
  int trad_seen;
  const zf_text *trad_src;
} conv;

/* Distinct characters the repair rewrote, up to RESIDUE_DISTINCT. */
typedef struct residue_set {
  uint32_t c[8];
  size_t n;
} residue_set;

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

/* Ends of repair ranges (offsets start << 32 | end, cv->ranges). */
#define R_START(o) ((size_t)((o) >> 32))
#define R_END(o) ((size_t)((o) & 0xFFFFFFFFu))

/* ---- characters that convert on their own -------------------------------- */

#define NOT_PLAIN 0xFFFFFFFFu

/* What cp[k] converts to on its own (plain_run), or NOT_PLAIN. */
static inline __attribute__((always_inline)) uint32_t plain_value(const occ_accel *acc, int hi_ok,
                                                                  const uint32_t *cp, size_t k, size_t n) {
  uint32_t c = cp[k];
  if (c < ACC_SPAN) {
    uint32_t e = acc->ent[c];
    if (e > ACC_CP) { /* flags */
      if (e & (ACC_SLOW | ACC_MARK)) return NOT_PLAIN;
      if (k + 1 < n) {
        /* the pair a key, or the triple a key's start: one line of
         * filt, one branch */
        uint32_t t = acc_filt_at(acc, c, cp[k + 1]);
        unsigned stop = acc_filt_test(acc, t);
        if (k + 2 < n) stop |= acc_filt_test(acc, acc_filt_tbit(t, acc_filt_third(acc, cp[k + 2])));
        if (stop) return NOT_PLAIN;
      }
      e &= ACC_CP;
    }
    return e;
  }
  if (c - ACC_HI_LO < ACC_HI_SPAN && hi_ok && !(acc->hi[(c - ACC_HI_LO) >> 6] >> (c & 63u) & 1u)) return c;
  return NOT_PLAIN;
}

/* Whether dictionary di converts every character of cp[a, n) to itself,
 * on its own (inert, or plain_value: no key goes on past it, nor past n),
 * so that converting cp[a, n) segment by segment copies it. */
static inline int range_idle(const conv *cv, int di, const uint32_t *cp, size_t a, size_t n) {
  const occ_accel *acc = cv->acc[di];
  const occ_inert *z = &cv->sh->inert[di];
  if (!acc) return 0;
  for (size_t i = a; i < n;) {
    if ((i = acc_quiet_end(acc, cp, i, n)) == n) break;
    if (inert(z, cp[i]) || quiet_ascii(z, acc, cp, i, n)) {
      i = inert_end(z, cp, i + 1, n);
      continue;
    }
    if (plain_value(acc, 1, cp, i, n) != cp[i]) return 0;
    i++;
  }
  return 1;
}

/* ---- convert_shared.c ---------------------------------------------------- */

/* The process-wide tables, set up by the first caller.  Returns NULL and
 * *err when the blob is unusable (E_INTERNAL) or memory short (E_NOMEM:
 * the next call tries again). */
occ_shared *zf_conv_shared(int *err);
/* The shared accelerator of dictionary di, built by the first caller;
 * NULL while memory is short (the next call tries again). */
const occ_accel *zf_conv_accel(occ_shared *sh, int di);
/* Sets z's nstops and stops from its stop table. */
void zf_conv_inert_finish(occ_inert *z);
/* The configuration opencc-js uses for from -> to. */
void zf_conv_plan(const occ_shared *sh, int from, int to, occ_cfg *c);

/* ---- convert_match.c ----------------------------------------------------- */

/* Applies configuration c to in, appending to o: 0, or -1 when memory is
 * short. */
int zf_conv_run_config(conv *cv, const occ_cfg *c, const zf_text *in, zf_text *o);

/* Converts the whole of src with dictionary di in one greedy pass
 * (convert_match.c, where its options are described): 0, -1 when memory
 * is short, or where it hands over another value (BAIL, NORMALIZE). */
int zf_conv_run_pass(conv *cv, int di, int norm, const zf_text *src, zf_text *o, seglist *segs, size_t *chg,
                     int *mirror);

/* ---- convert_tail.c ------------------------------------------------------ */

/* A pass_tail configuration c applied to in, appended to o: 0, -1 when
 * memory is short, or 1, nothing appended, where its one pass cannot be
 * exact (the general path then does the line). */
int zf_conv_run_tail(conv *cv, const occ_cfg *c, const zf_text *in, zf_text *o);

/* ---- convert_repair.c ---------------------------------------------------- */

/* The repair of one line, appending to out; seen (or NULL) collects the
 * residue it rewrote.  0, or -1 when memory is short. */
int zf_conv_repair(conv *cv, const zf_text *in, zf_text *out, residue_set *seen);
/* Whether the repair of in may differ from the exact conversion (0: it
 * is the exact conversion, unit for unit, offsets too). */
int zf_conv_repair_may_differ(const conv *cv, const zf_text *in);
/* Whether the fold is the exact plan and the way back the identity: set
 * into conv.fold_exact when the handle is made. */
int zf_conv_fold_exact(const conv *cv);

#endif
