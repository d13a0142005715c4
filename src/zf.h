/*
 * Internal interfaces shared by the pipeline and its stages.  Private: not
 * installed.  Every internal symbol is zf_* and hidden by -fvisibility.
 *
 * A stage sees text as an array of Unicode code points (zf_text), one
 * *segment* at a time.  A segment is one line with its terminator ("\n",
 * "\r\n" or "\r"), or, for lines longer than ZHFIX_MAX_SEGMENT, a piece of
 * one cut at a deterministic place.  Segment boundaries depend only on the
 * decoded text, never on how the input was fed, which is what makes the
 * output independent of chunking.
 *
 * Each code point carries the byte offset in the input of the character it
 * came from, so a stage can report where damage was found even after an
 * earlier stage edited the text.  A stage that produces a character from
 * several input characters gives it the offset of the first.
 */
#ifndef ZF_H
#define ZF_H

#include <stddef.h>
#include <stdint.h>

#include "zhfix.h"

/* ---- text -------------------------------------------------------------- */

typedef struct zf_text {
  uint32_t *cp;  /* code points                             */
  uint64_t *off; /* input byte offset of each code point    */
  size_t len;
  size_t cap;
} zf_text;

/* All return 0, or -1 when memory is exhausted (the text is unchanged). */
int zf_text_reserve(zf_text *t, size_t extra);
/* Grows the array *p of *cap elements of elem bytes to hold at least need:
 * doubling from first (or from *cap).  0, or -1 with *p and *cap unchanged. */
int zf_grow(void **p, size_t *cap, size_t need, size_t elem, size_t first);
int zf_text_push(zf_text *t, uint32_t c, uint64_t off);
int zf_text_append(zf_text *t, const zf_text *src, size_t from, size_t n);
void zf_text_clear(zf_text *t);
void zf_text_free(zf_text *t);

/* ---- statistics --------------------------------------------------------- */

typedef struct zf_span {
  uint64_t off, len;
} zf_span;

/* Damage left unrepaired in the segment being processed, as input-offset
 * spans: at most ZF_SEG_DAMAGE of them (one more widens the last, so the
 * list covers at least every span recorded). */
#define ZF_SEG_DAMAGE 32

/* The facts of the segment being processed, read once by the pipeline
 * for the repair stages' gates (linefacts.h); valid only while no stage
 * has changed the segment. */
#define ZF_LOUD_AT 16
typedef struct zf_line_facts {
  int valid;
  size_t han, rare; /* Han characters (from U+3400), rare ones among them */
  size_t marker;    /* '?' and U+FFFD                                      */
  size_t paren;     /* '('                                                 */
  size_t mojix;     /* U+FFFD, 锟, 嚙, 烫, 屯 (marks.h) and C1 controls    */
  size_t loud;      /* characters the mojibake trigger must look at        */
  int wide;         /* a character that is not ASCII                       */
  size_t han_astral; /* Han characters beyond the BMP (of han)            */
  /* where the first loud characters are (all of them when loud is at
   * most ZF_LOUD_AT), in order: the trigger looks at those alone */
  uint32_t loud_at[ZF_LOUD_AT];
} zf_line_facts;

typedef struct zf_stats {
  uint64_t v[ZHFIX_STAT__COUNT];
  zf_span spans[ZHFIX_MAX_SPANS];
  size_t nspans;
  zf_span seg_damage[ZF_SEG_DAMAGE];
  size_t nseg_damage;
  zf_line_facts lf;
  /* Set by the lost-byte stage on a segment it rebuilt from dropped bytes
   * (lost_drop.c) and reported: the mojibake stage leaves it (issue #15
   * item 3).  Read only where nseg_damage is nonzero. */
  int lost_leave;
  /* Set by the content-farm stage on a segment where its search left
   * damage as it is and reported it (docs/repair-farm.md, "Wave 14"):
   * the mojibake stage's passes leave the segment's damage and read only
   * the text between.  Read only where nseg_damage is nonzero. */
  int farm_leave;
} zf_stats;

void zf_stats_init(zf_stats *s);
/* Records damage that was detected and left as it is: counts it in
 * ZHFIX_STAT_UNRECOVERABLE_SPANS, keeps the first ZHFIX_MAX_SPANS, and
 * adds it to the segment's damage list. */
void zf_stats_unrecoverable(zf_stats *s, uint64_t off, uint64_t len);
/* Damage stays visible (issue 13): the pipeline empties the segment's
 * damage list before the first stage sees a segment; a later stage asks
 * whether the character with input offset `off` lies in damage an earlier
 * stage left unrepaired, and leaves it as it is (a lost byte's '?' is
 * never made punctuation). */
void zf_stats_segment_start(zf_stats *s);
int zf_stats_damaged(const zf_stats *s, uint64_t off);

/* ---- options ------------------------------------------------------------ */

typedef struct zf_opts {
  int from;     /* zhfix_encoding */
  int to;       /* zhfix_target   */
  int script;   /* zhfix_script; resolved before stages are created     */
  int script_detected; /* 1 when script was AUTO and zf_detect_script chose */
  int pinyin;   /* zhfix_pinyin   */
  int mojibake; /* 0/1 */
  int punct;    /* 0/1 */
  int quotes;   /* zhfix_quotes   */
  int spacing;  /* 0/1 */
  int strict;   /* 0/1 */
  int force;    /* 0/1 */
  int format;   /* zhfix_format; resolved (never AUTO) before stages are created */
  int controls; /* zhfix_controls */
  int opencc_exact; /* 0/1: conversion without zhfix's errata */
  int lost_marker; /* 0: keep the damage's own mark; else the code point */
  int entities; /* 0/1: decode character references left in plain text */
  int lost;     /* zhfix_lost: mark (default) or guess */
} zf_opts;

/* ---- stages ------------------------------------------------------------- *
 * The pipeline runs, for each segment, every enabled stage in order:
 *   zf_stage_farm, zf_stage_entities, zf_stage_lost, zf_stage_mojibake,
 *   zf_stage_convert,
 *   zf_stage_punct.
 *
 * create:  allocate per-document state for these options.  It is called
 *          once the detection window has been read, so o->from and
 *          o->script are resolved (never AUTO).  *st = NULL means the stage
 *          is disabled for these options and is skipped.  Returns 0 or
 *          ZHFIX_E_NOMEM / ZHFIX_E_UNSUPPORTED.
 * prescan: (may be NULL) called once, before the first segment, with the
 *          decoded text of the detection window (at most ZHFIX_DETECT_WINDOW
 *          input bytes, possibly less than a whole line), for document-level
 *          decisions (script detection, damage signature).  The same
 *          segments will still be passed to run() afterwards.
 * run:     transform one segment: read `in`, append the result to `out`
 *          (which is empty on entry).  Must not keep pointers into in/out.
 *          Returns 0, ZF_UNCHANGED when the segment passes through as it
 *          is (then `out` is ignored: the common case costs no copy), or
 *          ZHFIX_E_NOMEM.  Deterministic: the same sequence of segments
 *          gives the same output.
 * destroy: free the state (st is never NULL here).
 *
 * State is per handle; shared tables are read-only, so handles in
 * different threads never interfere.                                       */

#define ZF_UNCHANGED 1

typedef struct zf_stage_ops {
  const char *name;
  int (*create)(void **st, const zf_opts *o);
  void (*prescan)(void *st, const zf_text *prefix);
  int (*run)(void *st, const zf_text *in, zf_text *out, zf_stats *stats);
  void (*destroy)(void *st);
  /* (may be NULL) The next document on the same handle: makes st, a state
   * this stage created for an earlier document, what create(o) would make,
   * keeping only scratch buffers of bounded size, and returns 1; or
   * returns 0 (st untouched), and the pipeline destroys it and calls
   * create.  Saves a record of --jsonl its allocations (issue 14). */
  int (*reuse)(void *st, const zf_opts *o);
} zf_stage_ops;

/* Runs a stage and always leaves its result in `out` (copying the input
 * when the stage reports ZF_UNCHANGED): for callers other than the
 * pipeline, such as tests.  Returns 0 or ZHFIX_E_NOMEM. */
static inline int zf_stage_run(const zf_stage_ops *ops, void *st, const zf_text *in,
                               zf_text *out, zf_stats *stats) {
  int rc = ops->run(st, in, out, stats);
  if (rc == ZF_UNCHANGED) {
    out->len = 0;
    return zf_text_append(out, in, 0, in->len) ? ZHFIX_E_NOMEM : 0;
  }
  return rc;
}

extern const zf_stage_ops zf_stage_farm;     /* repair_farm.c     */
extern const zf_stage_ops zf_stage_entities; /* entities.c        */
extern const zf_stage_ops zf_stage_lost;     /* lost_stage.c      */
extern const zf_stage_ops zf_stage_mojibake; /* repair_mojibake.c */
extern const zf_stage_ops zf_stage_convert;  /* convert.c         */
extern const zf_stage_ops zf_stage_punct;    /* punct.c           */

/* Script detection (script.c): the dominant script of a text prefix, as a
 * zhfix_script other than AUTO (SIMP when there is no evidence either
 * way).  The pipeline calls it on the detection window when the script
 * option is AUTO, before creating the stages. */
int zf_detect_script(const zf_text *prefix);

/* ---- embedded data ------------------------------------------------------ *
 * Every data/NAME.bin is linked into the library (see Makefile, blobs.S) as
 *   zf_blob_NAME[] and zf_blob_NAME_size, 8-byte aligned, little-endian
 * content as the generator wrote it.                                       */
#define ZF_BLOB_DECLARE(name)                                                 \
  extern const unsigned char zf_blob_##name[];                                \
  extern const uint64_t zf_blob_##name##_size

/* ---- small helpers ------------------------------------------------------ */

static inline int zf_is_han(uint32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x323AF) || (c >= 0xF900 && c <= 0xFAFF);
}

/* The UTF-8 form of cp[0..n) at dst, which must have room for 4 * n
 * bytes (the whole room may be written to); a surrogate or a value beyond
 * U+10FFFF is written as U+FFFD.  Returns the bytes written (text.c). */
size_t zf_utf8_encode(const uint32_t *cp, size_t n, unsigned char *dst);
/* Tests: the most zf_utf8_encode uses, 2 AVX-512 (the default), 1
 * SSSE3, 0 neither (each only where the CPU has it). */
void zf_utf8_encode_level(int level);

/* Appends the UTF-8 form of c; returns bytes written (1..4). */
static inline int zf_utf8_put(uint32_t c, unsigned char *p) {
  if (c < 0x80) {
    p[0] = (unsigned char)c;
    return 1;
  }
  if (c < 0x800) {
    p[0] = (unsigned char)(0xC0 | (c >> 6));
    p[1] = (unsigned char)(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    p[0] = (unsigned char)(0xE0 | (c >> 12));
    p[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    p[2] = (unsigned char)(0x80 | (c & 0x3F));
    return 3;
  }
  p[0] = (unsigned char)(0xF0 | (c >> 18));
  p[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
  p[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
  p[3] = (unsigned char)(0x80 | (c & 0x3F));
  return 4;
}

/* Decodes the UTF-8 sequence at p[0..n), n >= 1: the library's one UTF-8
 * decoder (input decoding, option values, re-reading repaired bytes).
 *   > 0  a valid sequence of that many bytes; *c is its code point;
 *   0    p[0..n) is a valid but incomplete start of one (*c = U+FFFD);
 *   < 0  minus the length of the maximal invalid subpart (Unicode's
 *        practice, which WHATWG and ICU follow), *c = U+FFFD.
 * Valid means shortest form, no surrogate, nothing above U+10FFFF (the
 * second byte's bounds of Unicode's Table 3-7). */
static inline int zf_utf8_get(const unsigned char *p, size_t n, uint32_t *c) {
  unsigned b = p[0], lo = 0x80, hi = 0xBF;
  int need;
  uint32_t v;
  if (b < 0x80) {
    *c = b;
    return 1;
  }
  if (b >= 0xC2 && b <= 0xDF) {
    need = 2, v = b & 0x1F;
  } else if (b >= 0xE0 && b <= 0xEF) {
    need = 3, v = b & 0x0F;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 4, v = b & 0x07;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;
  } else {
    *c = 0xFFFD;
    return -1;
  }
  for (int i = 1; i < need; i++) {
    if ((size_t)i >= n) {
      *c = 0xFFFD;
      return 0;
    }
    unsigned t = p[i];
    if (t < lo || t > hi) {
      *c = 0xFFFD;
      return -i;
    }
    lo = 0x80, hi = 0xBF;
    v = v << 6 | (t & 0x3F);
  }
  *c = v;
  return need;
}

#endif /* ZF_H */
