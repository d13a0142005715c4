/*
 * Dropped bytes with a double-byte source (issue #15), lost_drop.c's
 * reader: the candidates of a character that lost a byte, and the word
 * test of a character that may be two (docs/repair-lost.md, phase 14).
 *
 * The mechanism.  A dropping double-byte reader drops a lead it cannot
 * pair with the byte after it, and a trail it cannot read as one (CPython:
 * the lead alone; glibc: the lead, or lead and trail).  When a word of two
 * characters loses the first one's lead and the second one's trail, the
 * two bytes left between are the first character's trail and the second
 * one's lead, side by side, and read back in the source they make one
 * character: GBK 然后 (C8BB BAF3) read by CPython's Big5 keeps BB BA, 遣,
 * read back as 缓.  Nothing in the bytes tells the two readings apart, and
 * the character model weighs them alike (缓 -4.16, 然后 -4.15 alone), but
 * it weighs the two characters of the reading with drops one by one,
 * unigram each: the lattice knows no bigram between two characters whose
 * bytes are both half missing.  The word is what tells: 然后 is a word of
 * the lexicon, 缓 between its neighbours makes none.  zf_lost_split_word
 * asks whether some pair of candidates (x, b0) (b1, y) -- x a lead the
 * reader drops before b0, y a trail it drops before the byte after b1 --
 * makes a word of the lexicon whose window (up to RANK_CTX characters each
 * side) scores under zf_lm_rank_score (the bigram model, now with the
 * bigram between the two, plus the word segmentation), less the two drops,
 * within SPLIT_MARGIN of the window with the character read whole.  Then
 * the character is not certain: it is marked and reported, never written
 * as a fact.  (Tuning slice, 60 KB a class: the segment score alone with
 * margin 1.0 took GBK as CPython Big5 1.039 -> 0.784% wrong; the rank
 * score 0.583% at 2.0; at 3.0 and up lossless lines were marked.  Pairs
 * that make no word, scored by the bigram model alone, removed nothing
 * more and cost lossless lines.)
 */
#ifdef LOST_DEBUG
#include <stdio.h>
#endif
#include "lost_dbcs.h"
#include "lost_dwork.h"
#include "lost_lat.h"
#include "shared.h"

/* log10 units, tuned on the tuning slice (skip 1.5 MB) */
#ifndef SPLIT_MARGIN
#define SPLIT_MARGIN 2.0 /* a word of two within this of the one character (zf_lm_rank_score) */
#endif
#ifndef SPLIT_SHIFT_MARGIN
#define SPLIT_SHIFT_MARGIN 2.0 /* zf_lost_split_shift: as many drops each side */
#endif
#ifdef DROP_TUNE /* a tuning build: the margin from the environment */
#define SPLIT_MARGIN_V (getenv("SPLIT_MARGIN") ? atof(getenv("SPLIT_MARGIN")) : SPLIT_MARGIN)
#else
#define SPLIT_MARGIN_V SPLIT_MARGIN
#endif

int zf_lost_drop_ok(const lc_model *R, unsigned x, int y) {
  uint32_t st = 0, cp;
  int again;
  int ev = lc_read(R, &st, x, &cp, &again);
  if (ev == EV_ERR) return !again;
  if (ev != EV_NONE) return 0;
  if (y < 0) return 1;
  ev = lc_read(R, &st, (unsigned)y, &cp, &again);
  return ev == EV_ERR && again;
}

size_t zf_lost_drop_cands(const lc_model *S, const lc_model *R, int lead_missing, unsigned y, int after, int check,
                          uint32_t *cs, size_t max) {
  size_t n = 0;
  for (unsigned x = 0x81; x <= 0xFE; x++) {
    uint32_t v = lead_missing ? lc_pair(S, x, y) : lc_pair(S, y, x);
    if (!src_char(v)) continue;
    if (check && !zf_lost_drop_ok(R, x, lead_missing ? (int)y : after)) continue;
    if (cs && n < max) cs[n] = v;
    n++;
    if (!cs && n >= max) break; /* enough: whether there is one */
  }
  return n;
}

/* Whether the window win (nw characters) with win[at], and the skip
 * characters after it, replaced by the word (c1, c2) scores, less the
 * drops' penalty, within SPLIT_MARGIN of base (the window as read). */
static int word_near(const uint32_t *win, size_t nw, size_t at, size_t skip, uint32_t c1, uint32_t c2,
                     double cost, double base) {
  uint32_t alt[2 * RANK_CTX + 2], wd[2] = {c1, c2};
  if (!zf_lm_word(wd, 2, NULL)) return 0;
#ifdef LOST_DEBUG
  fprintf(stderr, "split word %04X %04X\n", (unsigned)c1, (unsigned)c2);
#endif
  memcpy(alt, win, at * sizeof *win);
  alt[at] = c1, alt[at + 1] = c2;
  memcpy(alt + at + 2, win + at + 1 + skip, (nw - at - 1 - skip) * sizeof *win);
  return zf_lm_rank_score(alt, nw + 1 - skip) - cost > base - SPLIT_MARGIN_V;
}

int zf_lost_split_word(const lc_model *S, const lc_model *R, unsigned b0, unsigned b1, int after,
                       const uint32_t *win, size_t nw, size_t at, double pen) {
  uint32_t c1s[128], c2s[128];
  if (nw > 2 * RANK_CTX + 1 || at >= nw) return 0;
  size_t n1 = zf_lost_drop_cands(S, R, 1, b0, 0, 1, c1s, 128);
  if (n1 > 128) n1 = 128;
  if (!n1) return 0;
  size_t n2 = zf_lost_drop_cands(S, R, 0, b1, after, 1, c2s, 128);
  if (n2 > 128) n2 = 128;
  /* the second character's trail an ASCII byte, which the reader read
   * as it came after the pair b0 b1 (版權 -> ┡v: only 版's lead went) */
  uint32_t asc = after >= 0x40 && after < 0x7F ? lc_pair(S, b1, (unsigned)after) : 0;
  if (!src_char(asc)) asc = 0;
  if (!n2 && !asc) return 0;
  double base = zf_lm_rank_score(win, nw);
  size_t skip = asc && at + 1 < nw && win[at + 1] == (uint32_t)after;
  for (size_t i = 0; i < n1; i++) {
    for (size_t j = 0; j < n2; j++)
      if (word_near(win, nw, at, 0, c1s[i], c2s[j], 2 * pen, base)) return 1;
    if (asc && word_near(win, nw, at, skip, c1s[i], asc, pen, base)) return 1;
  }
  return 0;
}

/* The mirror shape: the first character's trail x and the second one's
 * lead y went, b0 (its lead) and b1 (its trail) left side by side: the
 * reader ended a unit with b0, then rejected x before y and y before b1
 * (指令 = AB FC A5 4F read by CPython's GBK after 到's lead went: EC AB
 * 飓, FC and A5 dropped, 4F `O`; AB 4F read back as 保). */
int zf_lost_split_inner(const lc_model *S, const lc_model *R, unsigned b0, unsigned b1, const uint32_t *win,
                        size_t nw, size_t at, double pen) {
  uint32_t c1s[128], c2s[128];
  uint8_t xs[128], ys[128];
  size_t n1 = 0, n2 = 0;
  if (nw > 2 * RANK_CTX + 1 || at >= nw) return 0;
  for (unsigned v = 0x81; v <= 0xFE; v++) {
    uint32_t c = lc_pair(S, b0, v);
    if (src_char(c) && n1 < 128) c1s[n1] = c, xs[n1++] = (uint8_t)v;
    c = lc_pair(S, v, b1);
    if (src_char(c) && zf_lost_drop_ok(R, v, (int)b1) && n2 < 128) c2s[n2] = c, ys[n2++] = (uint8_t)v;
  }
  if (!n1 || !n2) return 0;
  double base = zf_lm_rank_score(win, nw);
  for (size_t i = 0; i < n1; i++)
    for (size_t j = 0; j < n2; j++)
      if (zf_lost_drop_ok(R, xs[i], ys[j]) && word_near(win, nw, at, 0, c1s[i], c2s[j], 2 * pen, base)) return 1;
  return 0;
}

/* The best window score with win[at] each of cs[0..n) (all of them when
 * win2 is set: win[at + 1] = win2). */
static double best_with(uint32_t *win, size_t nw, size_t at, const uint32_t *cs, size_t n) {
  double best = -1e30;
  for (size_t i = 0; i < n; i++) {
    win[at] = cs[i];
    double t = zf_lm_rank_score(win, nw);
    if (t > best) best = t;
  }
  return best;
}

int zf_lost_split_shift(const lc_model *S, const lc_model *R, unsigned b0, unsigned b1, unsigned after,
                        const uint32_t *win, size_t nw, size_t at, double pen) {
  uint32_t c1s[128], gs[128], alt[2 * RANK_CTX + 2];
  if (nw > 2 * RANK_CTX + 2 || at + 1 >= nw) return 0;
  uint32_t c2 = lc_pair(S, b1, after);
  if (!src_char(c2)) return 0;
  size_t n1 = zf_lost_drop_cands(S, R, 1, b0, 0, 1, c1s, 128);
  if (n1 > 128) n1 = 128;
  if (!n1) return 0;
  /* as read: b0 b1 whole, then `after` the trail of a lead that went (its
   * best candidate) or an ASCII byte as it came (win[at + 1], pen: the
   * shifted reading's one drop more); shifted: (x, b0) (b1, after) */
  memcpy(alt, win, nw * sizeof *win);
  double base;
  if (after >= 0x80) {
    size_t ng = zf_lost_drop_cands(S, R, 1, after, 0, 1, gs, 128);
    if (ng > 128) ng = 128;
    if (!ng) return 0;
    base = best_with(alt, nw, at + 1, gs, ng);
  } else {
    base = zf_lm_rank_score(win, nw) + pen;
  }
  alt[at + 1] = c2;
  double shifted = best_with(alt, nw, at, c1s, n1);
#ifdef LOST_DEBUG
  fprintf(stderr, "split shift %04X%02X: %04X: %.2f vs %.2f\n", b0, b1, (unsigned)c2, shifted, base);
#endif
  return shifted > base - SPLIT_SHIFT_MARGIN;
}

/* A chain of shifts: m characters read whole from b[0..2m), each of the
 * source's characters shifted by the one before (檔案為“ = C0C9 AED7 ACB0
 * A1A7 read by CPython's GBK: AE dropped, D7AC and B0A1 read, A7 dropped
 * before the `-`; read back 蚻陛).  The same bytes read with the drops
 * outside the run, (x, b0) (b1, b2) ... (b[2m-1], y), make m + 1
 * characters, the m - 1 inner ones fixed by the bytes.  1 when that
 * reading (x and y each its best candidate) scores, less two drops (pen),
 * within SPLIT_SHIFT_MARGIN of the window as read (win[at..at+m) the run). */
int zf_lost_split_chain(const lc_model *S, const lc_model *R, const uint8_t *b, size_t m, int after,
                        const uint32_t *win, size_t nw, size_t at, double pen) {
  uint32_t c1s[128], c2s[128], alt[2 * RANK_CTX + 8];
  if (m < 2 || m > 4 || at + m > nw || nw - m > 2 * RANK_CTX) return 0;
  size_t n = 0;
  for (size_t q = 0; q < at; q++) alt[n++] = win[q];
  size_t first = n++;
  for (size_t j = 1; j < m; j++) {
    uint32_t c = lc_pair(S, b[2 * j - 1], b[2 * j]);
    if (!src_char(c) || c < 0x3400) return 0;
    alt[n++] = c;
  }
  size_t last = n++;
  for (size_t q = at + m; q < nw; q++) alt[n++] = win[q];
  size_t n1 = zf_lost_drop_cands(S, R, 1, b[0], 0, 1, c1s, 128);
  size_t n2 = zf_lost_drop_cands(S, R, 0, b[2 * m - 1], after, 1, c2s, 128);
  if (!n1 || !n2) return 0;
  if (n1 > 128) n1 = 128;
  if (n2 > 128) n2 = 128;
  /* x given y's best unigram candidate, then y given that x */
  size_t by = 0;
  for (size_t j = 1; j < n2; j++)
    if (zf_lm_char(c2s[j]) > zf_lm_char(c2s[by])) by = j;
  alt[last] = c2s[by];
  double best = -1e30;
  uint32_t bx = 0;
  for (size_t i = 0; i < n1; i++) {
    alt[first] = c1s[i];
    double t = zf_lm_rank_score(alt, n);
    if (t > best) best = t, bx = c1s[i];
  }
  alt[first] = bx;
  double shifted = best_with(alt, n, last, c2s, n2) - 2 * pen, base = zf_lm_rank_score(win, nw);
#ifdef LOST_DEBUG
  fprintf(stderr, "split chain m %zu U+%04X: %.2f vs %.2f\n", m, (unsigned)win[at], shifted, base);
#endif
  return shifted > base - SPLIT_SHIFT_MARGIN;
}

/* ---- lost_drop.c's reading: its characters split ------------------------- */

/* zf_lost_split_shift for path[i] (lost_split.c), its window win[0..nw)
 * (path[i] at win[at]): after a trail whose lead went, the window stops
 * at that gap: its slot and up to RANK_CTX characters after it are added;
 * after an ASCII byte it is the window as it is. */
static int shift_at(const dwork *w, const dstep *path, size_t np, size_t i, const uint32_t *win, size_t nw,
                    size_t at, double pen) {
  uint32_t sw[2 * RANK_CTX + 2];
  const dstep *s = &path[i];
  unsigned b0 = w->b[s->from].v, b1 = w->b[s->from + 1].v, after = w->b[s->to].v;
  if (after < 0x80) return zf_lost_split_shift(w->S, w->R, b0, b1, after, win, nw, at, pen);
  if (at + 1 != nw) return 0;
  memcpy(sw, win, nw * sizeof *win);
  size_t n = nw + 1;
  sw[nw] = 0;
  for (size_t z = i + 2; z < np && z - i - 2 < RANK_CTX && path[z].cp; z++) sw[n++] = path[z].cp;
  return zf_lost_split_shift(w->S, w->R, b0, b1, after, sw, n, at, 0);
}

/* A chain of shifts from path[i] (zf_lost_split_chain): 2 or 3 characters
 * read whole, one after another, none split yet, split.  Returns
 * how many. */
static size_t chain_at(const dwork *w, dstep *path, size_t np, size_t i, double pen) {
  uint32_t win[2 * RANK_CTX + 3];
  uint8_t b[6];
  size_t m = 0;
  for (; m < 3 && i + m < np; m++) {
    const dstep *s = &path[i + m];
    if (s->k != K_PAIR || !han(s->cp) || s->split || s->to != s->from + 2 ||
        (m && s->from != s[-1].to))
      break;
    b[2 * m] = (uint8_t)w->b[s->from].v, b[2 * m + 1] = (uint8_t)w->b[s->from + 1].v;
  }
  for (size_t k = 2; k <= m; k++) {
    size_t to = path[i + k - 1].to, a = i, z = i + k, nw = 0;
    if (to < w->nb && !w->b[to].bnd) continue;
    while (a > 0 && i - a < RANK_CTX && path[a - 1].cp) a--;
    while (z < np && z - i - k < RANK_CTX && path[z].cp) z++;
    for (size_t q = a; q < z; q++) win[nw++] = path[q].cp;
    if (zf_lost_split_chain(w->S, w->R, b, k, to < w->nb ? (int)w->b[to].v : -1, win, nw, i - a, pen)) {
      for (size_t q = i; q < i + k; q++) path[q].split = 1;
      return k;
    }
  }
  return 0;
}

/* Characters read whole that may be a word of two whose outer bytes went
 * (lost_split.c; window: RANK_CTX each side): split.  Returns how many. */
size_t zf_lost_split_words(const dwork *w, dstep *path, size_t np, double pen) {
  size_t n = 0;
  uint32_t win[2 * RANK_CTX + 1];
  for (size_t i = 0; i < np; i++) {
    dstep *s = &path[i];
    if (s->k != K_PAIR || !han(s->cp) || w->b[s->from].v < 0x80) continue;
    /* outer bytes gone: b0 starts a unit of the reader, b1 ends one */
    int outer = w->b[s->from].bnd && (s->to >= w->nb || w->b[s->to].bnd);
    /* inner bytes gone: the reader ended a unit with b0 (lost_split.c) */
    int inner = w->b[s->from + 1].bnd;
    /* a phase shift: the next step the byte after b1, read as a trail
     * whose lead went or as ASCII (lost_split.c) */
    int shift = w->b[s->from].bnd && i + 1 < np && path[i + 1].from == s->to && path[i + 1].to == s->to + 1 &&
                ((path[i + 1].k == K_LGAP && w->b[s->to].v >= 0x80) ||
                 (path[i + 1].k == K_ONE && w->b[s->to].v >= 0x40 && w->b[s->to].v < 0x7F));
    if (!outer && !inner && !shift) continue;
    size_t a = i, z = i + 1, nw = 0;
    while (a > 0 && i - a < RANK_CTX && path[a - 1].cp) a--;
    while (z < np && z - i - 1 < RANK_CTX && path[z].cp) z++;
    for (size_t q = a; q < z; q++) win[nw++] = path[q].cp;
    int after = s->to < w->nb ? (int)w->b[s->to].v : -1;
    unsigned b0 = w->b[s->from].v, b1 = w->b[s->from + 1].v;
    if ((outer && zf_lost_split_word(w->S, w->R, b0, b1, after, win, nw, i - a, pen)) ||
        (inner && zf_lost_split_inner(w->S, w->R, b0, b1, win, nw, i - a, pen)) ||
        (shift && shift_at(w, path, np, i, win, nw, i - a, pen)))
      s->split = 1, n++;
  }
  /* from the right: the shortest chain that explains the characters */
  for (size_t i = np; i-- > 0;)
    if (path[i].from < w->nb && w->b[path[i].from].bnd) n += chain_at(w, path, np, i, pen);
  for (size_t i = 0; i < np; i++)
    if (path[i].split) path[i].certain = 0;
  return n;
}

/* ---- lost_drop.c's bound pass: the gap sets ------------------------------
 * Every candidate of a gap has its known byte at a fixed place: (x, y)
 * with the lead x missing is in the column of trail y (of the leads the
 * reader rejects before y: GM_LEAD; of any: GM_LEAD_ANY), (y, x) with the
 * trail missing in the row of lead y (a superset of GM_TRAIL's, which also
 * asks the byte after).  Those 3 x 256 sets of each class are summarised
 * once per process (zf_lm_set), so the bound pass weighs a gap in a few
 * loads where the exact pass asks the model about its 126 candidates. */

typedef struct gapsets_arg {
  const lc_model *S, *R;
} gapsets_arg;

static void *gapsets_build(void *arg) {
  const gapsets_arg *w = arg;
  zf_lost_gapsets_t *g = malloc(sizeof *g);
  if (!g) return NULL;
  for (unsigned y = 0; y < 256; y++) {
    for (int k = 0; k < SET_N; k++) zf_lm_set_clear(&g->s[k][y]);
    for (unsigned x = 0x81; x <= 0xFE; x++) {
      uint32_t lead = lc_pair(w->S, x, y), trail = lc_pair(w->S, y, x);
      int bad = 0;
      if (src_char(lead)) {
        bad |= zf_lm_set_add(&g->s[SET_ANY][y], lead);
        if (zf_lost_drop_ok(w->R, x, (int)y)) bad |= zf_lm_set_add(&g->s[SET_LEAD][y], lead);
      }
      if (y >= 0x80 && src_char(trail)) bad |= zf_lm_set_add(&g->s[SET_TRAIL][y], trail);
      if (bad) {
        free(g);
        return NULL;
      }
    }
  }
  return g;
}

static zf_shared_slot gapsets_slot[32];

/* The gap sets of class h, with the process-wide tables only (a test's
 * own tables: NULL, and the exact pass runs alone). */
const zf_lost_gapsets_t *zf_lost_gapsets(const zf_lost *l, const zf_lost_hyp *h, const lc_model *S,
                                         const lc_model *R) {
  size_t k = (size_t)(h - zf_lost_all_hyps);
  if (k >= zf_lost_nall_hyps || k >= sizeof gapsets_slot / sizeof gapsets_slot[0] || l->t != zf_lost_shared_tables())
    return NULL;
  const zf_lost_gapsets_t *g = atomic_load_explicit(&gapsets_slot[k], memory_order_acquire);
  gapsets_arg w = {S, R};
  return g ? g : zf_shared_get(&gapsets_slot[k], gapsets_build, &w, free);
}
