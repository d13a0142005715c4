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

/* The classes the count below reads, of U+3400..U+9FFF, one byte a
 * character (0: not Han, or no class counted; 27 KB, built once per
 * process from the conversion tables): one load a character where the
 * class pages take two, in a table a record of --jsonl, which detects its
 * script once among the other stages' tables, finds in cache more often;
 * and the counts are added without a branch. */
#define BM_LO 0x3400u
#define BM_HI 0xA000u
#define COUNTED                                                                 \
  (ZF_OCC_SIMP_CAP | ZF_OCC_SIMP_ONLY | ZF_OCC_TRAD_ONLY | ZF_OCC_TW_FORM | ZF_OCC_HK_FORM | \
   ZF_OCC_TW_STD | ZF_OCC_HK_STD)

static zf_shared_slot counted_slot;

static void *counted_build(void *arg) {
  const zf_occ_tables *t = arg;
  uint8_t *cls = malloc(BM_HI - BM_LO);
  if (!cls) return NULL;
  for (uint32_t c = BM_LO; c < BM_HI; c++)
    cls[c - BM_LO] = zf_is_han(c) ? (uint8_t)(zf_occ_class(t, c) & COUNTED) : 0;
  return cls;
}

int zf_detect_script(const zf_text *prefix) {
  const zf_occ_tables *t = zf_occ_get();
  size_t simp = 0, trad = 0, region = 0, tw = 0, hk = 0, std = 0;
  if (!t) return ZHFIX_SCRIPT_SIMP;
  /* (without memory for it, every Han character is looked up) */
  const uint8_t *cls = zf_shared_get(&counted_slot, counted_build, (void *)t, free);
  for (size_t i = 0; i < prefix->len; i++) {
    uint32_t c = prefix->cp[i];
    unsigned f;
    if (cls && c - BM_LO < BM_HI - BM_LO) {
      f = cls[c - BM_LO];
    } else {
      if (c < 0x3400 || !zf_is_han(c)) continue; /* (no Han below U+3400: ASCII in one test) */
      f = zf_occ_class(t, c);
    }
    const unsigned tw_hk = f & (ZF_OCC_TW_FORM | ZF_OCC_HK_FORM);
    simp += (f & ZF_OCC_SIMP_ONLY) != 0;
    trad += (f & ZF_OCC_TRAD_ONLY) != 0;
    region += tw_hk != 0;
    /* Forms both regions share (為, 眾 ...) say nothing about which. */
    tw += tw_hk == ZF_OCC_TW_FORM;
    hk += tw_hk == ZF_OCC_HK_FORM;
    /* An OpenCC-standard form that some region writes otherwise, unless it
     * is also an everyday Simplified character (着). */
    std += (f & (ZF_OCC_TW_STD | ZF_OCC_HK_STD)) != 0 && !(f & ZF_OCC_SIMP_CAP) && !tw_hk;
  }
  if (trad <= simp) return ZHFIX_SCRIPT_SIMP;
  if (region <= std) return ZHFIX_SCRIPT_TRAD;
  return hk > tw ? ZHFIX_SCRIPT_HK : ZHFIX_SCRIPT_TW;
}
