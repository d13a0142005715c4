/*
 * Content-farm stage: a span the search has resolved, into output and
 * statistics (docs/repair-farm.md, "The algorithm": the margin, the
 * characters left '?', the spans left as they were).
 */
#include <float.h>
#include <stdlib.h>

#include "farm.h"

int zf_farm_out_verbatim(farm *f, size_t a, size_t b, zf_text *out) {
  for (size_t k = a; k < b; k++)
    if (zf_text_push(out, f->tk[k].cp, f->tk[k].off)) return -1;
  return 0;
}

/* Input bytes of tokens [a, b) of a line of n tokens. */
uint64_t zf_farm_span_len(const farm *f, size_t a, size_t b, size_t n) {
  if (b < n) return f->tk[b].off - f->tk[a].off;
  return f->tk[n - 1].off - f->tk[a].off + 1;
}

#ifdef FARM_DEBUG
#include <stdio.h>
static void dbg_path(farm *f, const hyp *h) {
  if (!h) return;
  fprintf(stderr, " [%.2f dmg=%d] ", h->score, h->dmg);
  uint32_t buf[256];
  size_t n = 0;
  for (uint32_t k = h->node; k && n < 256; k = f->nodes[k].parent) buf[n++] = f->nodes[k].cp;
  while (n--) {
    unsigned char u[4];
    uint32_t c = buf[n] == WILD_DIGIT ? '#' : buf[n] & ~CP_FLAGS;
    int m = zf_utf8_put(c, u);
    fwrite(u, 1, (size_t)m, stderr);
  }
  fputc('\n', stderr);
}
#endif

/* The output of hypothesis h since the cut into (*cp, *off)[0..return). */
static size_t path_of(farm *f, const hyp *h, uint32_t **cp, uint64_t **off, size_t *cap) {
  size_t len = 0;
  for (uint32_t k = h->node; k; k = f->nodes[k].parent) len++;
  if (len > *cap) {
    uint32_t *np = realloc(*cp, len * sizeof *np);
    if (!np) return (size_t)-1;
    *cp = np;
    uint64_t *no = realloc(*off, len * sizeof *no);
    if (!no) return (size_t)-1;
    *off = no;
    *cap = len;
  }
  size_t i = len;
  for (uint32_t k = h->node; k; k = f->nodes[k].parent) {
    i--;
    (*cp)[i] = f->nodes[k].cp;
    (*off)[i] = f->tk[f->nodes[k].tok].off;
  }
  return len;
}

/* Where the two best readings (f->path, len, and second) part, when they
 * are as long and part in one or two characters: their indices in
 * mark[0..*nmark).  Returns 1 then, 0 when the span stays whole, -1 on
 * failure. */
static int unsure_chars(farm *f, size_t len, const hyp *second, size_t mark[MAX_UNSURE],
                        size_t *nmark) {
  size_t len2 = path_of(f, second, &f->path2, &f->pathoff2, &f->cappath2);
  if (len2 == (size_t)-1) return -1;
  int ok = len2 == len;
  *nmark = 0;
  for (size_t k = 0; ok && k < len; k++)
    if (f->path[k] != f->path2[k]) {
      if (*nmark == MAX_UNSURE)
        ok = 0;
      else
        mark[(*nmark)++] = k;
    }
  return ok && *nmark > 0;
}

/* Input extent of output character k of the path in a span [a, b): from
 * its offset to the next character's (or the span's end). */
static uint64_t char_extent(const farm *f, size_t k, size_t e, size_t len, size_t a, size_t b,
                            size_t n) {
  uint64_t end = e < len ? f->pathoff[e] : f->tk[a].off + zf_farm_span_len(f, a, b, n);
  return end > f->pathoff[k] ? end - f->pathoff[k] : 1;
}

/* Writes the span [a, b) ending in hypothesis best (second: the best other
 * reading, or NULL; plain: the best reading with no mark rebuilt from a
 * lost lead byte, or NULL). */
int zf_farm_commit(farm *f, size_t a, size_t b, size_t n, const hyp *best, const hyp *second,
                   const hyp *plain, zf_text *out, zf_stats *stats) {
  size_t len = path_of(f, best, &f->path, &f->pathoff, &f->cappath);
  if (len == (size_t)-1) return -1;
#ifdef FARM_DEBUG
  if (best->dmg || (second && second->dmg)) {
    dbg_path(f, best);
    dbg_path(f, second);
  }
#endif
  int unsure = best->dmg && second && best->score - second->score < MARGIN;
  size_t mark[MAX_UNSURE], nmark = 0;
  if (unsure) {
    /* Where the two best readings agree but for a character or two (the
     * byte that decided them is lost), the rest is kept and only those
     * characters stay '?'; otherwise the span stays as it was. */
    int r = unsure_chars(f, len, second, mark, &nmark);
    if (r < 0) return -1;
    if (r == 0) {
      zf_stats_unrecoverable(stats, f->tk[a].off, zf_farm_span_len(f, a, b, n));
      return zf_farm_out_verbatim(f, a, b, out);
    }
  } else if (!best->dmg && second && second->dmg) {
    /* Kept as it is, but a repair fitted every constraint (a '?' next to a
     * removable annotation or punctuation mark): damage, left unrepaired. */
    zf_stats_unrecoverable(stats, f->tk[a].off, zf_farm_span_len(f, a, b, n));
  }
  size_t nguess = 0;
  for (size_t k = 0, m = 0; k < len; k++) {
    uint32_t c = f->path[k];
    if (m < nmark && mark[m] == k) {
      /* from the input character that gave its first byte up to the next
       * output character: the bytes it was rebuilt from.  Neighbouring
       * unsure characters make one span, and a swallowed digit comes from
       * the same '?' as the byte before it, so it does not end one. */
      size_t e = k + 1;
      while (m + 1 < nmark && mark[m + 1] == e) {
        m++;
        e++;
      }
      while (e < len && f->path[e] == WILD_DIGIT) e++;
      zf_stats_unrecoverable(stats, f->pathoff[k], char_extent(f, k, e, len, a, b, n));
      for (; k + 1 < len && k < mark[m]; k++)
        if (zf_text_push(out, f->unknown, f->pathoff[k])) return -1;
      c = f->unknown;
      m++;
    } else if (c & GUESSED) {
      /* a mark rebuilt from a lost lead byte: farm_marks.c */
      if (zf_farm_mark_shown(f, out, k, len, b, n,
                             plain ? best->score - plain->score : DBL_MAX)) {
        c &= ~CP_FLAGS;
      } else {
        zf_stats_unrecoverable(stats, f->pathoff[k], char_extent(f, k, k + 1, len, a, b, n));
        c = f->unknown;
        nguess++;
      }
    } else if (c == WILD_DIGIT) {
      size_t q = a;
      while (q < b && f->tk[q].off != f->pathoff[k]) q++;
      c = q < b ? zf_farm_guess_digit(f, q, n) : 0;
      if (c) {
        /* rebuilt from the document's numbers, not from the bytes */
        stats->v[ZHFIX_STAT_LOST_BYTES_RESTORED]++;
      } else {
        zf_stats_unrecoverable(stats, f->pathoff[k], 1);
        c = f->unknown;
      }
    }
    if (zf_text_push(out, c, f->pathoff[k])) return -1;
  }
  stats->v[ZHFIX_STAT_PINYIN_REMOVED] += best->alrm;
  if (best->dmg) {
    stats->v[ZHFIX_STAT_MISALIGNED_REPAIRED]++;
    /* a character left '?' did not get its lost byte back */
    size_t unrestored = nmark + nguess;
    stats->v[ZHFIX_STAT_LOST_BYTES_RESTORED] +=
        best->holes > unrestored ? best->holes - unrestored : 0;
  }
  return 0;
}
