/*
 * Lost bytes (moji.h): bytes lost to a replacement character or dropped
 * by a Windows-1252 decoder are filled from the surviving bytes when the
 * gaps are few, choosing among the candidates with the LM; when the LM
 * does not choose clearly the character becomes U+FFFD and the span is
 * reported.  Pure loss (U+FFFD runs, 锟斤拷, 烫烫烫, 嚙踝蕭: marks.h) is
 * counted and left as it is.
 */
#include <string.h>

#include "moji.h"

/* Windows-1252 bytes that decoders without a mapping drop. */
static const uint8_t dropped_1252[5] = {0x81, 0x8D, 0x8F, 0x90, 0x9D};

/* Where the gaps of one character can lie: npos hypotheses, each a set of
 * ngap byte positions, and the input bytes the character takes. */
typedef struct gap_hyp {
  int ngap, npos;
  int pos[4][3];
  size_t used;
} gap_hyp;

/* The hypotheses for the character whose lead byte is b[0] (need bytes),
 * t continuation bytes or markers following it, nmark of them markers at
 * mpos[]: 0 when the gap cannot be filled. */
static int gap_hypotheses(int need, int t, int nmark, const int *mpos, int x, gap_hyp *h) {
  if (t == need - 1 && nmark >= 1 && (x == X_1252 || nmark == 1)) { /* replaced in place */
    h->npos = 1, h->ngap = nmark, h->used = (size_t)need;
    for (int g = 0; g < nmark; g++) h->pos[0][g] = mpos[g];
    return 1;
  }
  if (t == need - 2 && nmark == 0 && x == X_1252) { /* one byte dropped */
    h->npos = 0, h->ngap = 1, h->used = (size_t)(1 + t);
    for (int q = 1; q <= t + 1; q++) h->pos[h->npos++][0] = q;
    return 1;
  }
  return 0;
}

/* The UTF-8 decode failed at bytes b[0..n): b[0] is a lead byte with fewer
 * continuation bytes than it needs.  If the garbage says where the missing
 * bytes were (replacement markers, up to one per continuation byte for a
 * Windows-1252 decoder, one for a DBCS decoder) or exactly one byte was
 * dropped (a Windows-1252 byte decoders drop), try every byte value the
 * gaps can hold and keep the character the LM prefers by FILL_MARGIN in
 * its context (left[0..nleft) before it, the characters the bytes after
 * it decode to after it); U+FFFD when none is clear.  Returns the number
 * of input bytes consumed (0: not a fillable gap). */
size_t zf_moji_try_fill(const uint8_t *b, const uint8_t *mk, size_t n, int x, const uint32_t *left,
                        size_t nleft, uint32_t *out, int *clear) {
  int need = zf_utf8_need(b[0]);
  if (!need) return 0;
  int t = 0, nmark = 0, mpos[3] = {0, 0, 0};
  while (1 + t < need && (size_t)(1 + t) < n && (mk[1 + t] || (b[1 + t] & 0xC0) == 0x80)) {
    if (mk[1 + t]) mpos[nmark++] = 1 + t;
    t++;
  }
  /* Candidate bytes for a gap: a Windows-1252 decoder loses only its five
   * undefined bytes; a DBCS decoder may lose any continuation byte. */
  uint8_t vals[64];
  int nv = 0;
  if (x == X_1252)
    for (int d = 0; d < 5; d++) vals[nv++] = dropped_1252[d];
  else
    for (unsigned v = 0x80; v <= 0xBF; v++) vals[nv++] = (uint8_t)v;
  gap_hyp h;
  if (!gap_hypotheses(need, t, nmark, mpos, x, &h)) return 0;
  /* Right context: what the bytes after the gap decode to, up to the next
   * gap or invalid sequence. */
  uint32_t win[2 * FILL_CTX + 1];
  size_t nl = nleft < FILL_CTX ? nleft : FILL_CTX, nr = 0;
  memcpy(win, left + nleft - nl, nl * sizeof *win);
  for (size_t at = h.used; nr < FILL_CTX && at < n && !mk[at];) {
    uint32_t c;
    int k = zf_utf8_strict(b + at, n - at, &c);
    if (k <= 0) break;
    win[nl + 1 + nr++] = c;
    at += (size_t)k;
  }
  double best = -1e30, second = -1e30;
  uint32_t bestc = 0;
  int ncand = 0, combos = 1;
  for (int g = 0; g < h.ngap; g++) combos *= nv;
  for (int pi = 0; pi < h.npos; pi++)
    for (int combo = 0; combo < combos; combo++) {
      uint8_t cand[4];
      int w = 0, gi = 0, rest = combo;
      cand[w++] = b[0];
      for (int i = 1, src = 1; i < need; i++) {
        if (gi < h.ngap && i == h.pos[pi][gi]) {
          cand[w++] = vals[rest % nv];
          rest /= nv;
          gi++;
          if (src < 1 + t && mk[src]) src++; /* the marker stands for this byte */
        } else {
          cand[w++] = b[src++];
        }
      }
      uint32_t c;
      if (!zf_utf8_strict(cand, (size_t)need, &c) || !zf_moji_plausible(c, x, Y_UTF8)) continue;
      if (ncand && c == bestc) continue;
      win[nl] = c;
      double sc = zf_lm_rank_score(win, nl + 1 + nr);
      ncand++;
      if (sc > best) second = best, best = sc, bestc = c;
      else if (sc > second) second = sc;
    }
  if (!ncand) return 0;
  *clear = ncand == 1 || best - second >= FILL_MARGIN;
  *out = *clear ? bestc : ZF_MARK_FFFD;
  return h.used;
}

/* End of the span of U+FFFD's mojibake (锟斤拷, 嚙踝蕭) starting at s[i]:
 * the span runs while a character of the triple turns up within the next
 * three (between two of them, the bytes of whatever survived: 锟轿硷拷).
 * A lone 锟 counts in a line with lost bytes, or where the character after
 * it starts with the byte BD that completed U+FFFD (锟芥本 is U+FFFD and
 * 汾); otherwise it is no span (returns i). */
static size_t fffd_span_end(const moji *m, const uint32_t *s, size_t n, size_t i, int lossy_line) {
  uint32_t c = s[i];
  size_t last = i;
  for (size_t k = i + 1; k < n && k <= last + 3; k++)
    if (zf_mark_in_triple(c, s[k])) last = k;
  const zf_dbcs *set = c == ZF_MARK_GBK_1 ? m->t->gbk : m->t->big5;
  int bd = i + 1 < n && s[i + 1] <= 0xFFFF && (set->enc[s[i + 1]] >> 8) == 0xBD;
  return last > i ? last + 1 : (lossy_line || bd) ? i + 1 : i;
}

/* Counts what is left that is certainly damage (marks.h): runs of U+FFFD,
 * 锟斤拷 and 嚙踝蕭, and three or more 烫 or 屯 in a row. */
void zf_moji_count_unrecoverable(const moji *m, const zf_text *t, int lossy_line, zf_stats *stats) {
  const uint32_t *s = t->cp;
  size_t n = t->len, i = 0;
  while (i < n) {
    size_t j = i;
    uint32_t c = s[i];
    if (c == ZF_MARK_FFFD) {
      while (j < n && s[j] == ZF_MARK_FFFD) j++;
    } else if (zf_mark_fffd_lead(c)) {
      j = fffd_span_end(m, s, n, i, lossy_line);
    } else if (zf_mark_fill(c)) {
      while (j < n && s[j] == c) j++;
      if (j - i < 3) j = i;
    }
    if (j > i) {
      uint64_t end = j < n ? t->off[j] : t->off[j - 1] + 1;
      zf_stats_unrecoverable(stats, t->off[i], end - t->off[i]);
      i = j;
    } else {
      i++;
    }
  }
}
