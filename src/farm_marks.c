/*
 * Content-farm stage: whether a mark rebuilt from a lost lead byte is
 * shown (docs/repair-farm.md, "Marks from a lost lead byte").
 *
 * Whether a GBK character is a punctuation mark or symbol (rows A1-A9) is
 * its lead byte's to say.  Where the lead byte is lost and the trail byte
 * T survives (the input shows it, or a split mark gives it: the A3 of
 * `?!` in 。” = A1 A3 | A1 B1), the bytes say only "one of the characters
 * L T".  The search picks among them with its bigram model, which scores
 * a mark by class and frequency and so likes a full stop between any two
 * words (棧, 97 A3, of 小一些的棧可以 came back as 。, A1 A3).  So the mark
 * is looked at again: every character L' T (Han or not) in the context of
 * the chosen reading, a window of WIN characters on each side, scored by
 * the model's rank score (bigrams and words, zf_lm_rank_score) plus the
 * stage's own terms for what the model cannot see in punctuation
 * (typography: doubled marks, 。 inside a closing quote, quotes that close
 * what is open).  The mark is shown when it beats every other character
 * by MARK_MARGIN; otherwise the lost byte's mark stays and is reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "farm.h"
#include "lm.h"

/* Characters of context on each side. */
#define WIN 6

/* log10 units of the rank score plus the stage's terms, chosen on the
 * tuning slice of the simulation (tests/test_farm.c, test_heldout with
 * FARM_SIM_SLICE=tune) and measured on the held-out one;
 * docs/repair-farm.md has the sweep and the figures.  5.0 is the lowest
 * margin with no mark shown wrongly on the tuning slice: below it each
 * step buys right marks at about 6.5 to 1 wrong ones (a 。 for 福 of
 * 非分之福), under the 10:1 the search holds itself to, and a wrong mark
 * is silent damage where '?' is reported damage. */
#ifndef MARK_MARGIN
#define MARK_MARGIN 5.0
#endif

#ifndef MARK_SEARCH_MARGIN
#define MARK_SEARCH_MARGIN 1.0
#endif

static double search_margin_min(void) {
#ifdef FARM_TUNE
  const char *e = getenv("FARM_MARK_SEARCH");
  if (e) return atof(e);
#endif
  return MARK_SEARCH_MARGIN;
}

static double mark_margin(void) {
#ifdef FARM_TUNE
  const char *e = getenv("FARM_MARK_MARGIN");
  if (e) return atof(e);
#endif
  return MARK_MARGIN;
}

/* The character path[k] as the model sees it. */
static uint32_t model_cp(uint32_t c) {
  c &= ~CP_FLAGS;
  return c == WILD_DIGIT ? '0' : c;
}

/* Quotes and brackets open before the character being judged: those the
 * paragraph carries into the line, then the line's output so far (which
 * ends right before it). */
static void open_before(const farm *f, const zf_text *out, uint8_t open[NGROUPS]) {
  memcpy(open, f->open, NGROUPS);
  for (size_t i = f->line0; i < out->len; i++) {
    int close, g = pair_group(out->cp[i], &close);
    if (g < 0) continue;
    if (!close) {
      if (open[g] < 3) open[g]++;
    } else if (open[g]) {
      open[g]--;
    }
  }
}

/* The score of x as the character at win[nl], between nl characters of
 * left context and nr of right context (win[nl] is overwritten). */
static double mark_score(const farm *f, uint32_t *win, size_t nl, size_t nr,
                         const uint8_t open[NGROUPS], uint32_t prev, uint32_t x, uint32_t next) {
  win[nl] = x;
  return zf_lm_rank_score(win, nl + 1 + nr) + zf_farm_terms(f, open, prev, x, next);
}

int zf_farm_mark_shown(farm *f, const zf_text *out, size_t k, size_t len, size_t b, size_t n,
                       double search_margin) {
  if (f->path[k] & TRAIL_LOST) return 0; /* no byte of it survives */
  if (search_margin < search_margin_min()) return 0;
  uint32_t c = f->path[k] & ~CP_FLAGS;
  unsigned char bytes[4];
  if (fb_encode(f->codec, c, bytes) != 2) return 0;
  unsigned trail = bytes[1];
  /* the window: left context from the line's output, right context from
   * the span, then the input after it */
  uint32_t win[2 * WIN + 1];
  size_t nl = 0, nr = 0;
  size_t have = out->len - f->line0;
  for (size_t i = have > WIN ? WIN : have; i > 0; i--) win[nl++] = out->cp[out->len - i];
  for (size_t i = k + 1; i < len && nr < WIN; i++) win[nl + 1 + nr++] = model_cp(f->path[i]);
  for (size_t i = b; i < n && nr < WIN; i++) {
    if (f->tk[i].cp == '(' && f->tk[i].ann_end) { /* an annotation, most likely inserted */
      i = (size_t)f->tk[i].ann_end;
      continue;
    }
    win[nl + 1 + nr++] = f->tk[i].cp;
  }
  uint32_t prev = nl ? win[nl - 1] : '\n', next = nr ? win[nl + 1] : '\n';
  uint8_t open[NGROUPS];
  open_before(f, out, open);
  double margin = mark_margin();
#ifdef FARM_TUNE
  if (getenv("FARM_MARK_DEBUG") || !(margin > 0)) margin = -1; /* the whole table, below */
#endif
  if (margin > 0) {
    /* Shown when c (with lead byte bytes[0]) scores margin above every
     * other L' T: with a margin above 0 that is exactly "c is the best
     * and the second best is margin behind" (a difference rounds
     * monotonically, so the smallest one decides), and the first L' T
     * that comes within the margin decides "no" without scoring the
     * rest (most marks that stay '?'). */
    if (fb_pair(f->codec, bytes[0], trail) != c) return 0; /* c is no candidate */
    double sc = mark_score(f, win, nl, nr, open, prev, c, next);
    /* any order gives the same answer: GB2312's Han rows (B0-F7, the
     * common characters, the likeliest to come within the margin) first,
     * then the rest */
    for (unsigned j = 0; j < 0xFE - 0x81 + 1; j++) {
      unsigned L = 0xB0 + j <= 0xFE ? 0xB0 + j : 0x81 + (0xB0 + j - 0xFF);
      uint32_t x = L == bytes[0] ? 0 : fb_pair(f->codec, L, trail);
      if (x && !(sc - mark_score(f, win, nl, nr, open, prev, x, next) >= margin)) return 0;
    }
    return 1;
  }
  double best = -1e30, second = -1e30;
  uint32_t bestc = 0;
  for (unsigned L = 0x81; L <= 0xFE; L++) {
    uint32_t x = fb_pair(f->codec, L, trail);
    if (!x) continue;
    double s = mark_score(f, win, nl, nr, open, prev, x, next);
    if (s > best) {
      second = best;
      best = s;
      bestc = x;
    } else if (s > second) {
      second = s;
    }
  }
#ifdef FARM_TUNE
  if (getenv("FARM_MARK_DEBUG")) {
    fprintf(stderr, "MARK %s margin %.2f search %.2f:", bestc == c ? "best" : "other", best - second,
            search_margin);
    for (size_t i = 0; i < nl + 1 + nr; i++) {
      unsigned char u[4];
      int m = zf_utf8_put(i == nl ? c : win[i], u);
      fwrite(u, 1, (size_t)m, stderr);
    }
    fputc('\n', stderr);
  }
#endif
  return bestc == c && best - second >= mark_margin();
}
