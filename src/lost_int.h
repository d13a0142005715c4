/*
 * Private to lost.c and lost_codec.c: the decoder models of the lost-byte
 * lattice and their byte-at-a-time state machines.
 */
#ifndef ZF_LOST_INT_H
#define ZF_LOST_INT_H

#include <stdint.h>

#include "lost.h"

#define LC_NLEAD 126
#define LC_NTRAIL 192 /* trails 0x40..0xFF */
#define LC_TWO_CPS 0xFFFFFFFEu

enum { LC_KIND_UTF8 = 0, LC_KIND_DBCS = 1, LC_KIND_SBCS = 2 };

typedef struct lc_inv {
  uint32_t cp;
  uint16_t code; /* lead << 8 | trail, or a single byte */
  uint16_t pad;
} lc_inv;

#define LC_INV_BMP 1024
typedef struct lc_model {
  int present;
  int kind;
  uint32_t single[128];           /* byte 0x80+i alone; 0 = none        */
  uint32_t *pair;                 /* [LC_NLEAD * LC_NTRAIL]; 0 = invalid */
  uint8_t consume2[LC_NLEAD * 32];
  lc_inv *inv; /* every byte sequence of a character, sorted by cp     */
  size_t ninv;
  /* inv_at[k]: the first entry of inv whose cp is at least k << 6
   * (k <= LC_INV_BMP: the BMP in buckets of 64; lc_encodings) */
  uint32_t inv_at[LC_INV_BMP + 1];
  /* inv_rel[cp]: cp's first entry less its bucket's (inv_at), for every
   * BMP cp (a look-up instead of a binary search: lc_encodings); NULL
   * where a bucket holds more than 255 entries */
  uint8_t *inv_rel;
  /* bytes b (0x80..0xFF) that start no character alone: a lead, or an
   * error (bit set) */
  uint8_t errstart[32];
  /* As a reader, per lead: second bytes that make an error read again
   * (inv1) or consumed with the lead (inv2); as a source, per lead: second
   * bytes that make a character (pair_ok), and bytes that may start one
   * (start_ok).  256-bit sets. */
  uint64_t (*inv1)[4], (*inv2)[4], (*pair_ok)[4];
  uint64_t start_ok[4], err256[4];
} lc_model;

static inline void bs_set(uint64_t *s, unsigned b) { s[b >> 6] |= 1ull << (b & 63); }

struct zf_lost_tables {
  lc_model m[ZF_LC__COUNT];
};

/* ---- decoder steps --------------------------------------------------------
 * States are 32-bit values, 0 = between characters.  A double-byte state is
 * the pending lead byte; a UTF-8 state packs the bytes seen so far:
 * count << 24 | b0 << 16 | b1 << 8 | b2. */

enum { EV_NONE = 0, EV_CHAR = 1, EV_ERR = 2, EV_DEAD = 3 };

static inline uint32_t lc_pair(const lc_model *m, unsigned lead, unsigned trail) {
  if (lead < 0x81 || lead > 0xFE || trail < 0x40) return 0;
  return m->pair[(lead - 0x81) * LC_NTRAIL + (trail - 0x40)];
}

static inline int lc_consume2(const lc_model *m, unsigned lead, unsigned trail) {
  return (m->consume2[(lead - 0x81) * 32 + trail / 8] >> (trail % 8)) & 1;
}

/* UTF-8, WHATWG's algorithm: bounds of the second byte after a lead. */
static inline void u8_bounds(unsigned b0, unsigned *lo, unsigned *hi) {
  *lo = 0x80, *hi = 0xBF;
  if (b0 == 0xE0) *lo = 0xA0;
  else if (b0 == 0xED) *hi = 0x9F;
  else if (b0 == 0xF0) *lo = 0x90;
  else if (b0 == 0xF4) *hi = 0x8F;
}

static inline int u8_need(unsigned b) {
  if (b >= 0xC2 && b <= 0xDF) return 2;
  if (b >= 0xE0 && b <= 0xEF) return 3;
  if (b >= 0xF0 && b <= 0xF4) return 4;
  return 0;
}

/* One byte into a UTF-8 reader (maximal-subpart errors).  *again: b was
 * not consumed by the error and must be fed again. */
static inline int u8_step(uint32_t *st, unsigned b, uint32_t *cp, int *again) {
  *again = 0;
  unsigned cnt = *st >> 24;
  if (cnt == 0) {
    if (b < 0x80) {
      *cp = b;
      return EV_CHAR;
    }
    if (!u8_need(b)) return EV_ERR;
    *st = 1u << 24 | b << 16;
    return EV_NONE;
  }
  unsigned b0 = (*st >> 16) & 0xFF, lo = 0x80, hi = 0xBF;
  if (cnt == 1) u8_bounds(b0, &lo, &hi);
  if (b < lo || b > hi) {
    *st = 0;
    *again = 1;
    return EV_ERR;
  }
  int need = u8_need(b0);
  if ((int)cnt + 1 < need) {
    *st = (cnt + 1) << 24 | (*st & 0xFFFFFF) | b << (16 - 8 * cnt);
    return EV_NONE;
  }
  uint32_t v = b0 & (need == 2 ? 0x1F : need == 3 ? 0x0F : 0x07);
  for (unsigned k = 1; k < cnt; k++) v = v << 6 | (((*st >> (16 - 8 * k)) & 0xFF) & 0x3F);
  v = v << 6 | (b & 0x3F);
  *st = 0;
  *cp = v;
  return EV_CHAR;
}

/* One byte into the decoder (reader) m. */
static inline int lc_read(const lc_model *m, uint32_t *st, unsigned b, uint32_t *cp, int *again) {
  if (m->kind == LC_KIND_UTF8) return u8_step(st, b, cp, again);
  *again = 0;
  if (*st == 0) {
    if (b < 0x80) {
      *cp = b;
      return EV_CHAR;
    }
    if (m->single[b - 0x80]) {
      *cp = m->single[b - 0x80];
      return EV_CHAR;
    }
    if (b == 0x80 || b == 0xFF || m->kind == LC_KIND_SBCS) return EV_ERR;
    *st = b;
    return EV_NONE;
  }
  unsigned lead = *st;
  *st = 0;
  uint32_t v = lc_pair(m, lead, b);
  if (v == LC_TWO_CPS) return EV_DEAD;
  if (v) {
    *cp = v;
    return EV_CHAR;
  }
  if (!lc_consume2(m, lead, b)) *again = 1;
  return EV_ERR;
}

/* One byte into the strict source decoder m: EV_NONE (pending), EV_CHAR,
 * or EV_DEAD (the bytes are not text of that encoding). */
static inline int lc_source(const lc_model *m, uint32_t *st, unsigned b, uint32_t *cp) {
  if (m->kind == LC_KIND_UTF8) {
    int again;
    int ev = u8_step(st, b, cp, &again);
    return ev == EV_ERR ? EV_DEAD : ev;
  }
  if (*st == 0) {
    if (b < 0x80) {
      *cp = b;
      return EV_CHAR;
    }
    if (m->single[b - 0x80]) {
      *cp = m->single[b - 0x80];
      return EV_CHAR;
    }
    if (b == 0x80 || b == 0xFF) return EV_DEAD;
    *st = b;
    return EV_NONE;
  }
  uint32_t v = lc_pair(m, *st, b);
  *st = 0;
  if (!v || v == LC_TWO_CPS) return EV_DEAD;
  *cp = v;
  return EV_CHAR;
}

/* The byte sequences m reads as cp: a slice of m->inv (n entries). */
const lc_inv *lc_encodings(const lc_model *m, uint32_t cp, size_t *n);

#endif
