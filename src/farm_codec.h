/*
 * GB18030 byte view used by the content-farm repair (repair_farm.c) and by
 * the test suite's corruption simulator.
 *
 * The repair maps decoded text back to the byte stream the farm's lenient
 * decoder saw and re-decodes candidate byte streams, so it needs both
 * directions of the two-byte GBK/GB18030 code space many times per damaged
 * line.  The tables are built from ICU's "gb18030" converter when first
 * needed (clean documents never pay for them) and belong to one stage
 * state: ICU converters are not thread-safe and the library keeps no global
 * mutable state.
 */
#ifndef ZF_FARM_CODEC_H
#define ZF_FARM_CODEC_H

#include <stddef.h>
#include <stdint.h>

typedef struct farm_codec farm_codec;

/* NULL when memory is exhausted or ICU has no gb18030 converter. */
farm_codec *farm_codec_new(void);
void farm_codec_free(farm_codec *c);

/* The character of the two-byte code (lead, trail), or 0 when the pair is
 * not a two-byte code or stands for a private-use / unassigned position
 * (text encoded from real characters never contains those). */
uint32_t farm_codec_pair(const farm_codec *c, unsigned lead, unsigned trail);

/* GB18030 bytes of cp into out[4]; returns 1, 2 or 4, or 0 when cp cannot
 * be encoded (a surrogate, say). */
int farm_codec_encode(farm_codec *c, uint32_t cp, unsigned char out[4]);

/* Lead bytes 0x81..0xFE; valid second bytes of a two-byte code are
 * 0x40..0x7E and 0x80..0xFE. */
static inline int farm_is_lead(unsigned b) { return b >= 0x81 && b <= 0xFE; }
static inline int farm_is_trail(unsigned b) {
  return (b >= 0x40 && b <= 0x7E) || (b >= 0x80 && b <= 0xFE);
}

#endif
