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
/* *d (NULL, or a decoder of the last document) made a fresh decoder of
 * enc: a UTF-8 one is reset in place (a --jsonl record allocates
 * nothing), any other is replaced.  Returns as zf_decoder_new. */
int zf_decoder_renew(zf_decoder **d, int enc);

/* Decodes src[0..len), the bytes at stream offset `base` onward, appending
 * to out.  An incomplete sequence at the end is kept for the next call;
 * flush = 1 ends the stream (a kept incomplete sequence becomes U+FFFD).
 * Returns 0 or ZHFIX_E_NOMEM / ZHFIX_E_INTERNAL. */
int zf_decode(zf_decoder *d, const unsigned char *src, size_t len,
              uint64_t base, int flush, zf_text *out, zf_stats *stats);

/* Byte-order mark at the start of p: sets *enc and returns its length, or
 * returns 0 when there is none. */
size_t zf_detect_bom(const unsigned char *p, size_t len, int *enc);

/* Encoding detection on a prefix without BOM (a sequence cut by the end of
 * the prefix counts as valid unless at_eof).
 *
 * UTF-8 when the prefix is valid UTF-8, or when its valid multi-byte
 * sequences outweigh its invalid ones by clear odds: in GB18030 and Big5
 * text about one high-byte sequence in five happens to be valid UTF-8
 * (measured on the man-page corpora re-encoded: 19.5% for GB18030, 16.6%
 * for Big5, at most 31% in any 64 KiB window), while UTF-8 text with a
 * stray byte has nearly all of them valid.  With p = DETECT_P_LEGACY (the
 * legacy worst case) and a noise rate DETECT_NOISE of bad bytes in UTF-8,
 * each valid sequence is worth log10((1 - noise) / p) and each invalid one
 * costs -log10(noise / (1 - p)); UTF-8 is taken at DETECT_CLEAR (1000:1).
 * Otherwise GB18030, Big5, Big5-HKSCS and (unless its odds are clearly
 * against it) UTF-8 are scored by the language model and the best wins;
 * the choice is a guess when it wins by less than DETECT_CLEAR, when it
 * is UTF-8 without the clear odds, or when its characters are no better
 * than random (DETECT_PLAUSIBLE). */
#define DETECT_P_LEGACY 0.31
#define DETECT_NOISE 0.05
#define DETECT_VALID_W 0.4872   /* log10(0.95 / 0.31) */
#define DETECT_INVALID_W 1.1399 /* -log10(0.05 / 0.69) */
#define DETECT_CLEAR 3.0
/* mean log10 score per non-ASCII character below which a legacy reading
 * is no evidence (see test_decode: GB18030 and Big5 pages score about
 * -3.1 per 64 KiB window and no line of the corpora below -5.2 (0.1%
 * of lines below -5.0); Latin-1 German and French man pages read as
 * GB18030 -5.3 to -187 per window, -7.4 per line at the median) */
#define DETECT_PLAUSIBLE -5.0

typedef struct zf_detection {
  int enc;         /* the zhfix_encoding chosen */
  int guessed;     /* 1: chosen on weak evidence (see above) */
  double margin;   /* log10 odds of the choice against the runner-up */
  double mean;     /* legacy or weak choice: mean log10 score per non-ASCII
                    * character of its reading (0 when not scored) */
  uint64_t valid, invalid; /* multi-byte UTF-8 sequences, invalid subparts */
} zf_detection;

void zf_detect(const unsigned char *p, size_t len, int at_eof, zf_detection *out);
/* zf_detect's choice alone. */
int zf_detect_encoding(const unsigned char *p, size_t len, int at_eof);

/* 1 when p[0..len) is valid UTF-8 (see zf_detect_encoding for at_eof). */
int zf_utf8_valid(const unsigned char *p, size_t len, int at_eof);

/* Tests: 0 makes the UTF-8 decoder take its scalar path only, 1 its
 * SIMD blocks where the CPU has AVX-512 (the default: the 64-byte blocks
 * too where it has VBMI2). */
void zf_utf8_decode_simd(int on);
/* Tests: 0 the scalar path, 1 the 16-byte blocks (AVX-512F) only, 2 the
 * 64-byte blocks as well (AVX-512 VBMI2), each where the CPU has it. */
void zf_utf8_decode_level(int level);

#endif
