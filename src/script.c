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
#include "convert_tables.h"
#include "zf.h"

int zf_detect_script(const zf_text *prefix) {
  const zf_occ_tables *t = zf_occ_get();
  size_t simp = 0, trad = 0, region = 0, tw = 0, hk = 0, std = 0;
  if (!t) return ZHFIX_SCRIPT_SIMP;
  for (size_t i = 0; i < prefix->len; i++) {
    uint32_t c = prefix->cp[i];
    unsigned f;
    if (c < 0x3400 || !zf_is_han(c)) continue; /* (no Han below U+3400: ASCII in one test) */
    f = zf_occ_class(t, c);
    if (!f) continue;
    if (f & ZF_OCC_SIMP_ONLY) simp++;
    if (f & ZF_OCC_TRAD_ONLY) trad++;
    if (f & (ZF_OCC_TW_FORM | ZF_OCC_HK_FORM)) region++;
    /* Forms both regions share (為, 眾 ...) say nothing about which. */
    if ((f & ZF_OCC_TW_FORM) && !(f & ZF_OCC_HK_FORM)) tw++;
    if ((f & ZF_OCC_HK_FORM) && !(f & ZF_OCC_TW_FORM)) hk++;
    /* An OpenCC-standard form that some region writes otherwise, unless it
     * is also an everyday Simplified character (着). */
    if ((f & (ZF_OCC_TW_STD | ZF_OCC_HK_STD)) && !(f & ZF_OCC_SIMP_CAP) &&
        !(f & (ZF_OCC_TW_FORM | ZF_OCC_HK_FORM)))
      std++;
  }
  if (trad <= simp) return ZHFIX_SCRIPT_SIMP;
  if (region <= std) return ZHFIX_SCRIPT_TRAD;
  return hk > tw ? ZHFIX_SCRIPT_HK : ZHFIX_SCRIPT_TW;
}
