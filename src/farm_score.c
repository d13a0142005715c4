/*
 * Content-farm search: the score terms of a reading (docs/repair-farm.md,
 * "The algorithm"): the bigram cache's slow path and the terms the
 * commit and the marks ask for.  The hot paths are in farm_search.h.
 */
#include <stdlib.h>
#include <string.h>

#include "farm_search.h"
#include "lm.h"

double zf_farm_terms(const farm *f, const uint8_t open[NGROUPS], uint32_t prev, uint32_t c,
                     uint32_t next) {
  hyp h;
  memset(&h, 0, sizeof h);
  memcpy(h.open, open, NGROUPS);
  typography(f, &h, c, prev);
  typography(f, &h, next, c);
  return h.score;
}

static void bg_alloc(farm *f, unsigned bits) {
  bgslot *t = malloc(sizeof *t << (bits + 1));
  if (!t) { /* keep the table there is, or none; try again later */
    f->bg_miss = 0;
    return;
  }
  for (size_t k = 0; k < (size_t)2 << bits; k++) t[k].a = t[k].b = UINT32_MAX;
  free(f->bg);
  f->bg = t;
  f->bg_bits = bits;
  f->bg_miss = 0;
}

float zf_farm_bigram_miss(farm *f, uint32_t a, uint32_t b) {
  if (!f->bg) {
    bg_alloc(f, BG_BITS_MIN);
    if (!f->bg) return zf_lm_bigram(a, b);
  }
  bgslot *s = bg_set(f, a, b);
  if (s[0].a == a && s[0].b == b) return s[0].v;
  if (s[1].a == a && s[1].b == b) {
    bgslot t = s[1];
    s[1] = s[0];
    s[0] = t;
    return t.v;
  }
  float v = zf_lm_bigram(a, b);
  if (f->bg_bits < BG_BITS && ++f->bg_miss > (size_t)BG_GROW << (f->bg_bits + 1)) {
    bg_alloc(f, BG_BITS);
    return v; /* the new table starts empty */
  }
  s[1] = s[0];
  s[0] = (bgslot){a, b, v};
  return v;
}

