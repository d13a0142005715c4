/*
 * Compatibility wrappers, to be removed once repair_farm.c calls the codec
 * module directly (issue 14: one codec per encoding).  The content-farm
 * stage's GB18030 byte view is the shared, read-only GB18030 table of
 * codec.h, built once per process; these keep the stage's old calls
 * working unchanged:
 *   farm_codec_new()          zf_dbcs_table(ZF_DBCS_GB18030, NULL)
 *   farm_codec_free(c)        nothing (the table is shared)
 *   farm_codec_pair(c, l, t)  zf_gb18030_pair(c, l, t)
 *   farm_codec_encode(c, cp)  zf_gb18030_put(c, cp, out): 1 or 2 bytes,
 *                             0 where the stage only needs "not one of
 *                             those" (it used to get 4 from ICU)
 *   farm_is_lead / _trail     zf_dbcs_is_lead / _trail
 */
#ifndef ZF_FARM_CODEC_H
#define ZF_FARM_CODEC_H

#include "codec.h"

typedef const zf_dbcs farm_codec;

/* NULL when memory is exhausted (the next call tries again) or ICU has no
 * gb18030 converter. */
static inline farm_codec *farm_codec_new(void) { return zf_dbcs_table(ZF_DBCS_GB18030, NULL); }
static inline void farm_codec_free(farm_codec *c) { (void)c; }
static inline uint32_t farm_codec_pair(farm_codec *c, unsigned lead, unsigned trail) {
  return zf_gb18030_pair(c, lead, trail);
}
static inline int farm_codec_encode(farm_codec *c, uint32_t cp, unsigned char out[4]) {
  return zf_gb18030_put(c, cp, out);
}
static inline int farm_is_lead(unsigned b) { return zf_dbcs_is_lead(b); }
static inline int farm_is_trail(unsigned b) { return zf_dbcs_is_trail(b); }

#endif
