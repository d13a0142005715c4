/*
 * Script detection: the dominant script of the detection window, from
 * characters that exist in one script only (per OpenCC's character tables,
 * classes computed by tools/gen_opencc.py).
 *
 *   Simplified-only (发, 这, 么 ...) against Traditional-only (發, 這, 麼 ...):
 *   the larger count wins; no evidence at all means SIMP, as documented in
 *   zf.h.  Half-converted text (Traditional with Simplified residue) still
 *   comes out Traditional, since a content farm's converter leaves only the
 *   ambiguous few unconverted.
 *
 *   Within Traditional, the regional variant forms decide: a form only Hong
 *   Kong writes (説, 户, 衞 ...) against one only Taiwan writes (裡, 著, 啟
 *   ...), and both against OpenCC's own standard forms (爲, 裏, 啓 ...),
 *   which hardly any real text uses.  Nothing to tell them apart means TRAD.
 */
#include <stdlib.h>

#include "convert_tables.h"
#include "shared.h"
#include "zf.h"

/* The classes the count below reads, of U+3400..U+FAFF (the Han of the
 * BMP, through the compatibility ideographs), one byte a character (0:
 * not Han, or no class counted; 51 KB, of which text touches the 27 KB
 * below U+A000; built once per process from the conversion tables), and
 * what each class adds to the six counts, packed into one word.  A record
 * of --jsonl detects its script once: the loop below takes each character
 * with one table load and one add, and no branch on its class or on
 * whether it is Han (only the supplementary planes take a rare one). */
#define BM_LO 0x3400u
#define BM_HI 0xFB00u
#define COUNTED                                                                 \
  (ZF_OCC_SIMP_CAP | ZF_OCC_SIMP_ONLY | ZF_OCC_TRAD_ONLY | ZF_OCC_TW_FORM | ZF_OCC_HK_FORM | \
   ZF_OCC_TW_STD | ZF_OCC_HK_STD)

/* The six counts packed in a word: ten bits each, flushed to full
 * counters every FLUSH characters so that none overflows. */
enum { C_SIMP, C_TRAD, C_REGION, C_TW, C_HK, C_STD, C_N };
#define C_BITS 10
#define C_MASK ((1u << C_BITS) - 1)
#define FLUSH C_MASK

typedef struct counted {
  uint64_t inc[256];          /* by class byte: the packed increments */
  uint8_t cls[BM_HI - BM_LO + 1]; /* by character - BM_LO; the last: 0 */
} counted;

static zf_shared_slot counted_slot;

/* What a character of class f (its COUNTED bits) adds to the counts. */
static uint64_t increments(unsigned f) {
  const unsigned tw_hk = f & (ZF_OCC_TW_FORM | ZF_OCC_HK_FORM);
  uint64_t one[C_N];
  one[C_SIMP] = (f & ZF_OCC_SIMP_ONLY) != 0;
  one[C_TRAD] = (f & ZF_OCC_TRAD_ONLY) != 0;
  one[C_REGION] = tw_hk != 0;
  /* Forms both regions share (為, 眾 ...) say nothing about which. */
  one[C_TW] = tw_hk == ZF_OCC_TW_FORM;
  one[C_HK] = tw_hk == ZF_OCC_HK_FORM;
  /* An OpenCC-standard form that some region writes otherwise, unless it
   * is also an everyday Simplified character (着). */
  one[C_STD] = (f & (ZF_OCC_TW_STD | ZF_OCC_HK_STD)) != 0 && !(f & ZF_OCC_SIMP_CAP) && !tw_hk;
  uint64_t v = 0;
  for (int k = 0; k < C_N; k++) v |= one[k] << (k * C_BITS);
  return v;
}

static void *counted_build(void *arg) {
  const zf_occ_tables *t = arg;
  counted *ct = malloc(sizeof *ct);
  if (!ct) return NULL;
  for (unsigned f = 0; f < 256; f++) ct->inc[f] = increments(f);
  for (uint32_t c = BM_LO; c < BM_HI; c++)
    ct->cls[c - BM_LO] = zf_is_han(c) ? (uint8_t)(zf_occ_class(t, c) & COUNTED) : 0;
  ct->cls[BM_HI - BM_LO] = 0;
  return ct;
}

/* The class byte of a character the table does not hold. */
static unsigned class_of(const zf_occ_tables *t, uint32_t c) {
  return zf_is_han(c) ? zf_occ_class(t, c) & COUNTED : 0;
}

static void flush(uint64_t *acc, size_t *sum) {
  for (int k = 0; k < C_N; k++) sum[k] += (size_t)(*acc >> (k * C_BITS) & C_MASK);
  *acc = 0;
}

int zf_detect_script(const zf_text *prefix) {
  const zf_occ_tables *t = zf_occ_get();
  size_t sum[C_N] = {0};
  if (!t) return ZHFIX_SCRIPT_SIMP;
  const counted *ct = zf_shared_get(&counted_slot, counted_build, (void *)t, free);
  if (ct) {
    const uint32_t *cp = prefix->cp;
    size_t n = prefix->len;
    for (size_t i = 0; i < n;) {
      size_t end = n - i > FLUSH ? i + FLUSH : n;
      uint64_t acc = 0;
      /* blocks of 8 without a character beyond U+1FFFF (the test
       * vectorises) take no branch at all */
      for (; i + 8 <= end; i += 8) {
        uint32_t big = 0;
        for (size_t k = 0; k < 8; k++) big |= cp[i + k] >> 17;
        if (big) break;
#pragma GCC unroll 8
        for (size_t k = 0; k < 8; k++) {
          uint32_t x = cp[i + k] - BM_LO;
          acc += ct->inc[ct->cls[x < BM_HI - BM_LO ? x : BM_HI - BM_LO]];
        }
      }
      for (; i < end; i++) {
        uint32_t c = cp[i], k = c - BM_LO;
        unsigned f;
        if (c >= 0x20000u)
          f = class_of(t, c); /* Han beyond the table (rare) */
        else
          f = ct->cls[k < BM_HI - BM_LO ? k : BM_HI - BM_LO];
        acc += ct->inc[f];
      }
      flush(&acc, sum);
    }
  } else {
    /* without memory for the table, every character is looked up */
    uint64_t acc = 0;
    for (size_t i = 0; i < prefix->len; i++) {
      acc += increments(class_of(t, prefix->cp[i]));
      if (i % FLUSH == FLUSH - 1) flush(&acc, sum);
    }
    flush(&acc, sum);
  }
  if (sum[C_TRAD] <= sum[C_SIMP]) return ZHFIX_SCRIPT_SIMP;
  if (sum[C_REGION] <= sum[C_STD]) return ZHFIX_SCRIPT_TRAD;
  return sum[C_HK] > sum[C_TW] ? ZHFIX_SCRIPT_HK : ZHFIX_SCRIPT_TW;
}
