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
#include "lost_dbcs.h"
#include "lost_lat.h"

/* log10 units, tuned on the tuning slice (skip 1.5 MB) */
#ifndef SPLIT_MARGIN
#define SPLIT_MARGIN 2.0 /* a word of two within this of the one character (zf_lm_rank_score) */
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

int zf_lost_split_word(const lc_model *S, const lc_model *R, unsigned b0, unsigned b1, int after,
                       const uint32_t *win, size_t nw, size_t at, double pen) {
  uint32_t c1s[128], c2s[128], alt[2 * RANK_CTX + 2];
  size_t n1 = zf_lost_drop_cands(S, R, 1, b0, 0, 1, c1s, 128);
  size_t n2 = n1 ? zf_lost_drop_cands(S, R, 0, b1, after, 1, c2s, 128) : 0;
  if (n1 > 128) n1 = 128;
  if (n2 > 128) n2 = 128;
  if (!n1 || !n2 || nw > 2 * RANK_CTX + 1 || at >= nw) return 0;
  double base = zf_lm_rank_score(win, nw);
  memcpy(alt, win, at * sizeof *win);
  memcpy(alt + at + 2, win + at + 1, (nw - at - 1) * sizeof *win);
  for (size_t i = 0; i < n1; i++)
    for (size_t j = 0; j < n2; j++) {
      uint32_t wd[2] = {c1s[i], c2s[j]};
      if (!zf_lm_word(wd, 2, NULL)) continue;
      alt[at] = wd[0], alt[at + 1] = wd[1];
      if (zf_lm_rank_score(alt, nw + 1) - 2 * pen > base - SPLIT_MARGIN_V) return 1;
    }
  return 0;
}
