/* zf_text buffers and zf_stats: the small shared containers of the pipeline. */
#include <stdlib.h>
#include <string.h>

#include "zf.h"

int zf_text_reserve(zf_text *t, size_t extra) {
  if (t->cap - t->len >= extra) return 0;
  size_t want = t->len + extra;
  if (want < t->len) return -1; /* overflow */
  size_t cap = t->cap ? t->cap : 256;
  while (cap < want) {
    if (cap > SIZE_MAX / 2 / sizeof(uint64_t)) return -1;
    cap *= 2;
  }
  uint32_t *cp = realloc(t->cp, cap * sizeof *cp);
  if (!cp) return -1;
  t->cp = cp;
  uint64_t *off = realloc(t->off, cap * sizeof *off);
  if (!off) return -1; /* cp grew; harmless, cap is unchanged */
  t->off = off;
  t->cap = cap;
  return 0;
}

int zf_grow(void **p, size_t *cap, size_t need, size_t elem, size_t first) {
  if (need <= *cap) return 0;
  size_t nc = *cap ? *cap : first;
  while (nc < need) {
    if (nc > SIZE_MAX / 2 / elem) return -1;
    nc *= 2;
  }
  void *np = realloc(*p, nc * elem);
  if (!np) return -1;
  *p = np;
  *cap = nc;
  return 0;
}

int zf_text_push(zf_text *t, uint32_t c, uint64_t off) {
  if (t->len == t->cap && zf_text_reserve(t, 1)) return -1;
  t->cp[t->len] = c;
  t->off[t->len] = off;
  t->len++;
  return 0;
}

int zf_text_append(zf_text *t, const zf_text *src, size_t from, size_t n) {
  if (!n) return 0;
  if (zf_text_reserve(t, n)) return -1;
  memcpy(t->cp + t->len, src->cp + from, n * sizeof *t->cp);
  memcpy(t->off + t->len, src->off + from, n * sizeof *t->off);
  t->len += n;
  return 0;
}

void zf_text_clear(zf_text *t) { t->len = 0; }

void zf_text_free(zf_text *t) {
  free(t->cp);
  free(t->off);
  t->cp = NULL;
  t->off = NULL;
  t->len = t->cap = 0;
}

void zf_stats_init(zf_stats *s) {
  memset(s->v, 0, sizeof s->v);
  s->v[ZHFIX_STAT_FIRST_INVALID_OFFSET] = UINT64_MAX;
  s->nspans = 0;
  s->nseg_damage = 0;
  s->lf.valid = 0;
  s->lost_leave = 0;
}

void zf_stats_unrecoverable(zf_stats *s, uint64_t off, uint64_t len) {
  s->v[ZHFIX_STAT_UNRECOVERABLE_SPANS]++;
  if (s->nspans < ZHFIX_MAX_SPANS) {
    s->spans[s->nspans].off = off;
    s->spans[s->nspans].len = len;
    s->nspans++;
  }
  if (len == 0) len = 1;
  if (s->nseg_damage < ZF_SEG_DAMAGE) {
    s->seg_damage[s->nseg_damage++] = (zf_span){off, len};
  } else { /* full: the last span grows to cover this one too */
    zf_span *l = &s->seg_damage[ZF_SEG_DAMAGE - 1];
    uint64_t lo = l->off < off ? l->off : off;
    uint64_t hi = l->off + l->len > off + len ? l->off + l->len : off + len;
    l->off = lo;
    l->len = hi - lo;
  }
}

void zf_stats_segment_start(zf_stats *s) { s->nseg_damage = 0; }

int zf_stats_damaged(const zf_stats *s, uint64_t off) {
  for (size_t i = 0; i < s->nseg_damage; i++)
    if (off >= s->seg_damage[i].off && off - s->seg_damage[i].off < s->seg_damage[i].len) return 1;
  return 0;
}
