/*
 * Content-farm stage: the digit cache (docs/repair-farm.md, "Swallowed
 * digits").  A swallowed digit is lost from the bytes, but articles repeat
 * their numbers (dates, counts, the 30 of "30 hours ... 30 days").  A
 * number of two or more digits is a key: its length in the top byte, its
 * value below.  A lone digit is no evidence: any digit makes one.
 */
#include <stdlib.h>

#include "farm.h"

/* The document decides only for a number seen DOC_MIN times when no other
 * candidate's number was seen at all: on number-dense text (a number
 * before every ，and 。, tests/test_farm.c) a weaker rule (twice, 3:1) made
 * 7 wrong digits of 90 where no number recurred, this one 4. */
#define DOC_MIN 3
#define DIGIT_SLOTS 4096u
#define DIGIT_MAX 15

static uint64_t digit_key(uint64_t value, size_t len) { return (uint64_t)len << 56 | value; }

static struct dslot *digit_slot(const farm *f, uint64_t key) {
  size_t i = (size_t)(mix(0, (uint32_t)key) ^ mix(1, (uint32_t)(key >> 32))) & (DIGIT_SLOTS - 1);
  while (f->digits[i].key && f->digits[i].key != key) i = (i + 1) & (DIGIT_SLOTS - 1);
  return &f->digits[i];
}

static void digits_add(farm *f, uint64_t key) {
  if (!f->digits) {
    f->digits = calloc(DIGIT_SLOTS, sizeof *f->digits);
    if (!f->digits) return; /* no cache: swallowed digits stay unknown */
  }
  struct dslot *d = digit_slot(f, key);
  if (!d->key) {
    if (f->ndigits >= DIGIT_SLOTS / 4 * 3) return; /* full: the first numbers suffice */
    d->key = key;
    f->ndigits++;
  }
  if (d->n < UINT32_MAX) d->n++;
}

static uint32_t digits_count(const farm *f, uint64_t key) {
  if (!f->digits) return 0;
  return digit_slot(f, key)->n;
}

/* Every run of 2..DIGIT_MAX digits of cp[0..n) (runs touching a letter are
 * identifiers, not numbers) into the cache. */
void zf_farm_digits_scan(farm *f, const uint32_t *cp, size_t n) {
  for (size_t i = 0; i < n;) {
    if (!is_digit(cp[i])) {
      i++;
      continue;
    }
    size_t j = i;
    uint64_t v = 0;
    while (j < n && is_digit(cp[j])) v = v * 10 + (cp[j++] - '0');
    if (j - i >= 2 && j - i <= DIGIT_MAX) digits_add(f, digit_key(v, j - i));
    i = j;
  }
}

/* Occurrences of the number (value, len) as a whole run of tk[0..n). */
static size_t line_count(const farm *f, size_t n, uint64_t value, size_t len) {
  size_t c = 0;
  for (size_t i = 0; i < n;) {
    if (!is_digit(f->tk[i].cp)) {
      i++;
      continue;
    }
    size_t j = i;
    uint64_t v = 0;
    while (j < n && is_digit(f->tk[j].cp)) v = v * 10 + (f->tk[j++].cp - '0');
    c += j - i == len && v == value;
    i = j;
  }
  return c;
}

/* The digit a decoder swallowed after the '?' token q, from the numbers of
 * the document: the digits that follow it on the line make a number with
 * each candidate digit; the line itself decides when exactly one candidate
 * recreates a number it holds elsewhere, otherwise the document (detection
 * window and earlier lines) does when one candidate's number is seen there
 * DOC_MIN times and no other candidate's at all.  Returns the digit, or 0
 * when it stays unknown. */
uint32_t zf_farm_guess_digit(const farm *f, size_t q, size_t n) {
  size_t e = q + 1;
  uint64_t tail = 0, scale = 1;
  while (e < n && is_digit(f->tk[e].cp) && e - q < DIGIT_MAX) {
    tail = tail * 10 + (f->tk[e].cp - '0');
    scale *= 10;
    e++;
  }
  if (e < n && is_digit(f->tk[e].cp)) return 0;
  size_t len = e - q;
  if (len < 2) return 0; /* a lone digit: nothing in the document points at it */
  int hit = -1, hits = 0;
  for (int d = 0; d <= 9; d++)
    if (line_count(f, n, (uint64_t)d * scale + tail, len)) {
      hit = d;
      hits++;
    }
  if (hits == 1) return '0' + (uint32_t)hit;
  if (hits > 1) return 0;
  uint32_t best = 0, next = 0;
  for (int d = 0; d <= 9; d++) {
    uint32_t c = digits_count(f, digit_key((uint64_t)d * scale + tail, len));
    if (c > best) {
      next = best;
      best = c;
      hit = d;
    } else if (c > next) {
      next = c;
    }
  }
  if (best >= DOC_MIN && next == 0) return '0' + (uint32_t)hit;
  return 0;
}
