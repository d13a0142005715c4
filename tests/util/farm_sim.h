/*
 * Content-farm corruption simulator: the project's own implementation of
 * the damage described in issue 4 (docs/repair-farm.md), used to measure
 * the farm repair stage on text nobody has seen.  Linked into every test
 * program; symbols are farm_sim_*.
 *
 *   1. Simplified -> Traditional character by character (libopencc's s2t
 *      applied to each character alone, so phrases get no say: 关系 ->
 *      關系, 最后 -> 最后).                           farm_sim_s2t
 *   2. GBK (GB18030) encoding.
 *   3. One left-to-right byte scan (PHP strtr style): at every byte
 *      position, a byte pair that encodes an annotated character is kept
 *      and followed by "(pinyin)" (its primary reading, tone marks, GBK);
 *      a pair that encodes ，：；！？ becomes , : ; ! ?.  Positions are bytes,
 *      not characters, so pairs straddling two characters match too.
 *   4. A lenient GB18030 decode: valid one-, two- and four-byte sequences
 *      decode; a lead byte followed by an invalid second byte gives '?'.
 *      FARM_SIM_SWALLOW: the second byte is consumed with the lead when it
 *      is '(' ')' or a digit (the decoder of the sample);
 *      FARM_SIM_KEEP: it is never consumed.  0x80 and 0xFF give '?'.
 *      FARM_SIM_REPLACE: as KEEP, with U+FFFD instead of '?' (the
 *      WHATWG decoder of browsers, ICU's and Python's errors="replace":
 *      what a page saved from a browser, or the damaged GBK bytes read
 *      by zhfix's own decoder, show).
 *                                                    farm_sim_damage
 */
#ifndef FARM_SIM_H
#define FARM_SIM_H

#include <stddef.h>
#include <stdint.h>

typedef enum farm_sim_decoder {
  FARM_SIM_SWALLOW = 0,
  FARM_SIM_KEEP = 1,
  FARM_SIM_REPLACE = 2
} farm_sim_decoder;

typedef struct farm_sim farm_sim;

/* NULL when ICU's gb18030 converter or libopencc's s2t is unavailable. */
farm_sim *farm_sim_new(void);
void farm_sim_free(farm_sim *s);

/* Step 1.  Returns a malloc'ed NUL-terminated UTF-8 buffer or NULL. */
char *farm_sim_s2t(farm_sim *s, const char *utf8, size_t len, size_t *outlen);
/* The Traditional form step 1 gives a single character. */
uint32_t farm_sim_s2t_char(farm_sim *s, uint32_t cp);

/* Adds cp to the annotated set with its primary reading (readings.h).
 * Returns 0, or -1 when cp has no reading or no two-byte GBK code. */
int farm_sim_annotate(farm_sim *s, uint32_t cp);
void farm_sim_clear(farm_sim *s);
size_t farm_sim_count(const farm_sim *s);

/* Annotates the k most frequent characters of the UTF-8 text whose
 * Traditional form (step 1) differs, ties broken by code point
 * (reproducible); k = 0: every character of the URO block step 1
 * converts, seen or not.  The set a site picks in the tests and in
 * `make bench` (tools/farm_bench_gen.c).  Returns 0, -1 when out of
 * memory. */
int farm_sim_pick_set(farm_sim *s, const char *utf8, size_t len, size_t k);

/* Step 3 as a loop of str_replace calls instead of one scan: each
 * annotated character in the order it was added, over the whole text, then
 * ，：；！？.  Overlapping matches resolve differently (1), or the one scan
 * (0, the default). */
void farm_sim_sequential(farm_sim *s, int on);

/* Steps 2-4 on UTF-8 text.  Returns a malloc'ed NUL-terminated UTF-8
 * buffer or NULL. */
char *farm_sim_damage(farm_sim *s, const char *utf8, size_t len, farm_sim_decoder dec,
                      size_t *outlen);

/* Which characters of the step-1 text the last farm_sim_damage call lost
 * a byte of (a '?' or U+FFFD of the output stands for it): one flag byte
 * per code point of its input, *n of them.  LEAD: the character's first
 * byte (the decoder took it for a lead byte and found no second byte);
 * TRAIL: a later byte (the decoder was out of phase).  Valid until the
 * next farm_sim_damage call. */
#define FARM_SIM_LOST_LEAD 1
#define FARM_SIM_LOST_TRAIL 2
const uint8_t *farm_sim_lost(const farm_sim *s, size_t *n);

/* What a perfect repair stage gives back for the step-1 text utf8: the
 * same text with the replaced punctuation in its ASCII form (restoring
 * ，：；！？ is the punctuation stage's work). */
char *farm_sim_target(const char *utf8, size_t len, size_t *outlen);

#endif
