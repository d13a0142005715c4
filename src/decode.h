/*
 * Stage 0: bytes -> code points.  UTF-8 is decoded here directly (it is the
 * common case and must be fast); every other encoding goes through an ICU
 * converter.  Invalid sequences become U+FFFD, counted in the statistics
 * with the offset of the first.
 */
#ifndef ZF_DECODE_H
#define ZF_DECODE_H

#include "zf.h"

typedef struct zf_decoder zf_decoder;

/* enc is a resolved zhfix_encoding (not AUTO).  Returns 0, ZHFIX_E_NOMEM or
 * ZHFIX_E_UNSUPPORTED. */
int zf_decoder_new(zf_decoder **d, int enc);
void zf_decoder_free(zf_decoder *d);

/* Decodes src[0..len), the bytes at stream offset `base` onward, appending
 * to out.  An incomplete sequence at the end is kept for the next call;
 * flush = 1 ends the stream (a kept incomplete sequence becomes U+FFFD).
 * Returns 0 or ZHFIX_E_NOMEM / ZHFIX_E_INTERNAL. */
int zf_decode(zf_decoder *d, const unsigned char *src, size_t len,
              uint64_t base, int flush, zf_text *out, zf_stats *stats);

/* Byte-order mark at the start of p: sets *enc and returns its length, or
 * returns 0 when there is none. */
size_t zf_detect_bom(const unsigned char *p, size_t len, int *enc);

/* Chooses the encoding of a prefix without BOM: UTF-8 when it is valid
 * UTF-8 (a sequence cut by the end of the prefix counts as valid unless
 * at_eof), else GB18030, Big5 or Big5-HKSCS by the language model's score
 * of each decoding. */
int zf_detect_encoding(const unsigned char *p, size_t len, int at_eof);

/* 1 when p[0..len) is valid UTF-8 (see zf_detect_encoding for at_eof). */
int zf_utf8_valid(const unsigned char *p, size_t len, int at_eof);

#endif
