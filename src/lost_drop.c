/*
 * Dropped bytes with a double-byte source (issue #15): GBK read by a Big5
 * decoder, or Big5 by a GBK decoder, that dropped what it could not read
 * (errors="ignore", iconv -c).  docs/repair-lost.md ("Phase 6") has the
 * measurements.
 *
 * The mechanism.  A dropping double-byte decoder reads the source's bytes
 * pair by pair; a lead whose pair it cannot read is dropped (CPython: the
 * lead alone, the next byte is read again; glibc: the lead, or lead and
 * trail), and nothing marks the place.  So:
 *   - the surviving characters re-encoded in the reader's codec are the
 *     source's bytes with some bytes missing, exactly;
 *   - a byte can only have gone at a place where the reader was between
 *     characters: a boundary of the re-encoded units, never inside one;
 *   - a dropped byte is one the reader rejects before the byte that
 *     follows it (the reader's own tables say which);
 *   - read in the source, the bytes are in phase up to a drop and out of
 *     phase after it, until the next one puts them back.
 * The reader here decodes the re-encoded bytes in the source with at most
 * two missing bytes at a unit boundary, as the lead or the trail of a
 * source character (or both), and lets the language model choose among
 * the phases (a Viterbi over byte positions; a node is a position and how
 * it was reached, which fixes the last character for the bigram).  Each
 * missing byte costs DROP_PEN, so a reading with fewer drops wins ties.
 * Then, per character of the best reading:
 *   - where every reading within DROP_MARGIN of the best agrees on it
 *     (max-marginals of the forward and backward passes over the edges
 *     that overlap its bytes), a character made of surviving bytes is
 *     written as certain;
 *   - a character holding a missing byte is written when the bytes leave
 *     it one value; in guess mode the model's best candidate is written
 *     and flagged; otherwise it is marked (DROP_LMFILL, a fill by the
 *     lattice's margins: +2.3 points restored, +0.5 wrong; off);
 *   - a character the phases disagree on, or read whole where a word
 *     may have lost its outer bytes (lost_split.c), is marked (guessed);
 *   - an ASCII byte stays as it came even where the phases disagree on it
 *     or read it as the trail of a character whose lead went (0x40-0x7E):
 *     markup, code, a table's '@' are never replaced; it is reported.
 * A missing byte's value is never invented (a mark, reported).  A reading
 * is refused when it does not beat the line as it stands, is not text
 * (text_odds), or does not beat the reading with nothing missing by
 * DROP_LOSSLESS.  Linear in the line (five nodes a byte, five edges a
 * node), plus at most 126 candidates a missing byte.
 */
#include "lost_dbcs.h"
#include "lost_dwork.h"
#include "lost_lat.h"
#include "shared.h"

/* log10 units, tuned on the tuning slice (skip 1.5 MB) */
#ifndef DROP_PEN
#define DROP_PEN 0.5 /* a byte the reader dropped */
#endif
#ifndef DROP_LOSSLESS
#define DROP_LOSSLESS 3.0 /* a reading with drops against one without */
#endif
#define DROP_UNKNOWN -6.0 /* the floor of a missing character's score */
#ifndef DROP_MARGIN
#define DROP_MARGIN 2.0 /* a character is certain when no differing reading comes this close */
#endif

#ifdef DROP_TUNE /* a tuning build: the parameters from the environment */
static double tune(const char *name, double dflt) { return getenv(name) ? atof(getenv(name)) : dflt; }
#define DROP_PEN_V tune("DROP_PEN", DROP_PEN)
#define DROP_MARGIN_V tune("DROP_MARGIN", DROP_MARGIN)
#define DROP_LOSSLESS_V tune("DROP_LOSSLESS", DROP_LOSSLESS)
#define DROP_LMFILL_V tune("DROP_LMFILL", 0)
#define DROP_ASC_V ((int)tune("DROP_ASC", 2))
#define DROP_TEXT_V ((int)tune("DROP_TEXT", 1))
#else
#define DROP_ASC_V 2
#define DROP_TEXT_V 1
#define DROP_LMFILL_V 0
#define DROP_PEN_V DROP_PEN
#define DROP_MARGIN_V DROP_MARGIN
#define DROP_LOSSLESS_V DROP_LOSSLESS
#endif


static int gaps_at(int k) { return k == K_TGAP ? 1 : k == K_DGAP ? 2 : 0; }

/* The last character of node (p, k); 0 when unknown (a gap's, the start). */
static uint32_t last_cp(const dwork *w, size_t p, int k) {
  if (k == K_PAIR) return lc_pair(w->S, w->b[p - 2].v, w->b[p - 1].v);
  if (k == K_ONE) return w->b[p - 1].v;
  return 0;
}

/* The edges out of node (p, k): up to 4 (to position, kind, character). */
typedef struct dedge {
  size_t to;
  int k;
  uint32_t cp; /* 0 for a character holding a missing byte */
  int gaps;
} dedge;

/* Whether a gap of one kind has any candidate at p (GM_TRAIL: (b[p], x)
 * before b[p + 1]; GM_LEAD: (x, b[p]), x rejected before b[p]; GM_LEAD_ANY:
 * (x, b[p]) unchecked, after another gap), memoised per position. */
enum { GM_TRAIL = 1, GM_LEAD = 2, GM_LEAD_ANY = 4 };

static int gap_ok(dwork *w, size_t p, int which) {
  uint8_t *m = &w->gm[p];
  if (!(*m & which)) {
    int next = p + 1 < w->nb ? (int)w->b[p + 1].v : -1;
    size_t n = which == GM_TRAIL ? zf_lost_drop_cands(w->S, w->R, 0, w->b[p].v, next, 1, NULL, 1)
                                 : zf_lost_drop_cands(w->S, w->R, 1, w->b[p].v, 0, which == GM_LEAD, NULL, 1);
    *m |= (uint8_t)(which | (n ? which << 4 : 0));
  }
  return (*m >> 4 & which) != 0;
}

/* The candidates of a gap of one kind at p (gap_ok's kinds), computed once
 * a line: every node at p asks for them, and the character after the gap
 * too.  On a failed allocation: none, and w->nomem set. */
static const uint32_t *cands_at(dwork *w, size_t p, int which, size_t *n) {
  size_t slot = p * 3 + (which == GM_TRAIL ? 0 : which == GM_LEAD ? 1 : 2);
  if (w->coff[slot] < 0) {
    uint32_t cs[128];
    int next = p + 1 < w->nb ? (int)w->b[p + 1].v : -1;
    size_t nc = which == GM_TRAIL ? zf_lost_drop_cands(w->S, w->R, 0, w->b[p].v, next, 1, cs, 128)
                                  : zf_lost_drop_cands(w->S, w->R, 1, w->b[p].v, 0, which == GM_LEAD, cs, 128);
    if (GROW(w, w->cpool, w->capcpool, w->ncpool + nc)) {
      w->nomem = 1;
      *n = 0;
      return NULL;
    }
    memcpy(w->cpool + w->ncpool, cs, nc * sizeof *cs);
    w->coff[slot] = (int32_t)w->ncpool;
    w->ccnt[slot] = (uint8_t)nc;
    w->ncpool += nc;
  }
  *n = w->ccnt[slot];
  return w->cpool + w->coff[slot];
}

/* ---- the bound pass: the gap sets (zf_lost_gapsets, lost_split.c) ------- */
/* The set holding the candidates of a gap of kind `kind` (K_TGAP,
 * K_LGAP) out of node (p, k): gap_ok's and cands_at's, or a superset. */
static const zf_lm_set *gap_set(const dwork *w, size_t p, int k, int kind) {
  int which = kind == K_TGAP ? SET_TRAIL : gaps_at(k) == 0 ? SET_LEAD : SET_ANY;
  return &w->gs->s[which][w->b[p].v];
}

static int set_empty(const zf_lm_set *s) { return !s->cls && !s->open; }

/* An upper bound of edge_w from the gap sets: a character holding a
 * missing byte at most its set's best after the node's last character, a
 * character after one at most its best after any of that set; in float,
 * as edge_w rounds, so each bound is at least edge_w's value. */
static float edge_ub(const dwork *w, size_t p, int k, const dedge *e) {
  if (!e->cp) {
    float best = (float)DROP_UNKNOWN, m = zf_lm_set_max_after(last_cp(w, p, k), gap_set(w, p, k, e->k));
    if (m > best) best = m;
    return best - (float)DROP_PEN_V;
  }
  if (k == K_LGAP || k == K_TGAP) {
    const zf_lm_set *s = &w->gs->s[k == K_LGAP ? SET_ANY : SET_TRAIL][w->b[p - 1].v];
    float m = zf_lm_set_max_before(s, e->cp), c = zf_lm_char(e->cp);
    return m > c ? m : c;
  }
  return lm_step(last_cp(w, p, k), e->cp);
}

/* The edges out of node (p, k); with `loose`, every gap edge whose gap
 * set (gap_set) is not empty (a superset: the bound pass). */
static size_t edges_of(dwork *w, size_t p, int k, dedge *e, int loose) {
  size_t n = 0;
  if (p >= w->nb) return 0;
  unsigned b0 = w->b[p].v;
  int g = gaps_at(k);
  if (b0 < 0x80) {
    e[n++] = (dedge){p + 1, K_ONE, b0, 0};
  } else {
    if (p + 1 < w->nb) {
      uint32_t v = lc_pair(w->S, b0, w->b[p + 1].v);
      if (src_char(v)) e[n++] = (dedge){p + 2, K_PAIR, v, 0};
    }
    /* (b0, x): x went at the boundary after b0 */
    if ((p + 1 == w->nb || w->b[p + 1].bnd) &&
        (loose ? !set_empty(gap_set(w, p, k, K_TGAP)) : gap_ok(w, p, GM_TRAIL)))
      e[n++] = (dedge){p + 1, K_TGAP, 0, 1};
  }
  /* (x, b0): x went right before b0 */
  if (w->b[p].bnd && g <= 1 && b0 >= 0x40 &&
      (loose ? !set_empty(gap_set(w, p, k, K_LGAP)) : gap_ok(w, p, g == 0 ? GM_LEAD : GM_LEAD_ANY)))
    e[n++] = (dedge){p + 1, K_LGAP, 0, 1};
  return n;
}

/* A character holding a missing byte scores as its best candidate after
 * the node's last character (memoised per node and kind of gap), less
 * DROP_PEN a missing byte. */
static float gap_w(dwork *w, size_t p, int k, int kind) {
  float *memo = &w->gw[(NI(p, k)) * 2 + (kind == K_TGAP)];
  if (*memo == *memo) return *memo;
  uint32_t prev = last_cp(w, p, k);
  size_t nc;
  const uint32_t *cs = cands_at(w, p, kind == K_TGAP ? GM_TRAIL : gaps_at(k) == 0 ? GM_LEAD : GM_LEAD_ANY, &nc);
  float best = (float)DROP_UNKNOWN;
  for (size_t i = 0; i < nc; i++) {
    float t = lm_step(prev, cs[i]);
    if (t > best) best = t;
  }
  return *memo = best - (float)DROP_PEN_V;
}

/* A character after one holding a missing byte: its bigram after the best
 * of that character's candidates (the node (p, k) fixes them: the byte
 * before p, and for a missing trail the byte at p). */
static float after_gap(dwork *w, size_t p, int k, uint32_t c) {
  float *memo = &w->aw[p * 2 + (k == K_TGAP)];
  if (*memo == *memo) return *memo;
  size_t nc;
  const uint32_t *cs = cands_at(w, p - 1, k == K_LGAP ? GM_LEAD_ANY : GM_TRAIL, &nc);
  float best = zf_lm_char(c);
  for (size_t i = 0; i < nc; i++) {
    float t = zf_lm_bigram(cs[i], c);
    if (t > best) best = t;
  }
  return *memo = best;
}

static float edge_w(dwork *w, size_t p, int k, const dedge *e) {
  if (!e->cp) return gap_w(w, p, k, e->k);
  if (k == K_LGAP || k == K_TGAP) return after_gap(w, p, k, e->cp);
  return lm_step(last_cp(w, p, k), e->cp);
}

static void relax(dnode *nd, size_t from, size_t to, float s) {
  if (s > nd[to].v) nd[to].v = s, nd[to].bp = (int32_t)from;
}

/* Forward pass: nd[].v and .bp.  With `bound`, over the loose edges
 * (edges_of) weighed by edge_ub: each node's value is then at least the
 * exact pass's (every edge of the exact lattice is one of these, weighed
 * at least as much, and rounding is monotone), so the best reading's
 * score is bounded in one model look-up an edge, with no candidates. */
static void forward(dwork *w, int bound) {
  if (!bound) {
    for (size_t i = 0; i < (w->nb + 1) * K_N * 2; i++) w->gw[i] = NAN;
    for (size_t i = 0; i < (w->nb + 1) * 2; i++) w->aw[i] = NAN;
  }
  dnode *nd = w->nd;
  for (size_t i = 0; i < (w->nb + 1) * K_N; i++) nd[i] = (dnode){-FLT_MAX, -FLT_MAX, -1};
  nd[NI(0, K_START)].v = 0;
  dedge e[4];
  for (size_t p = 0; p <= w->nb; p++) {
    /* both bytes of a source character went here */
    if (p < w->nb && w->b[p].bnd)
      for (int k = 0; k < K_DGAP; k++)
        if (nd[NI(p, k)].v > -FLT_MAX && gaps_at(k) == 0)
          relax(nd, NI(p, k), NI(p, K_DGAP), nd[NI(p, k)].v + (float)(DROP_UNKNOWN - 2 * DROP_PEN_V));
    for (int k = 0; k < K_N; k++) {
      if (nd[NI(p, k)].v == -FLT_MAX) continue;
      size_t ne = edges_of(w, p, k, e, bound);
      for (size_t i = 0; i < ne; i++) {
        float x = bound ? edge_ub(w, p, k, &e[i]) : edge_w(w, p, k, &e[i]);
        relax(nd, NI(p, k), NI(e[i].to, e[i].k), nd[NI(p, k)].v + x);
      }
    }
  }
}

/* Backward pass: nd[].w, the best reading from a node to the end. */
static void backward(dwork *w) {
  dnode *nd = w->nd;
  for (int k = 0; k < K_N; k++) nd[NI(w->nb, k)].w = 0;
  dedge e[4];
  for (size_t p = w->nb; p-- > 0;) {
    for (int k = 0; k < K_N; k++) {
      if (k == K_DGAP) continue;
      /* a node the forward pass never reached has no reading through it
       * (and its last character may lie before the line: (1, K_PAIR)) */
      if (nd[NI(p, k)].v == -FLT_MAX) continue;
      size_t ne = edges_of(w, p, k, e, 0);
      float best = -FLT_MAX;
      for (size_t i = 0; i < ne; i++) {
        float t = nd[NI(e[i].to, e[i].k)].w;
        if (t == -FLT_MAX) continue;
        t += edge_w(w, p, k, &e[i]);
        if (t > best) best = t;
      }
      nd[NI(p, k)].w = best;
    }
    /* the double gap's node has the same edges out as a K_TGAP one's
     * but two gaps here; its own edges come first, then others reach it */
    size_t ne = edges_of(w, p, K_DGAP, e, 0);
    float best = -FLT_MAX;
    for (size_t i = 0; i < ne; i++) {
      float t = nd[NI(e[i].to, e[i].k)].w;
      if (t != -FLT_MAX && t + edge_w(w, p, K_DGAP, &e[i]) > best) best = t + edge_w(w, p, K_DGAP, &e[i]);
    }
    nd[NI(p, K_DGAP)].w = best;
    if (w->b[p].bnd && best > -FLT_MAX)
      for (int k = 0; k < K_DGAP; k++)
        if (gaps_at(k) == 0) {
          float t = best + (float)(DROP_UNKNOWN - 2 * DROP_PEN_V);
          if (t > nd[NI(p, k)].w) nd[NI(p, k)].w = t;
        }
  }
}

/* Best score of a reading that has an edge over bytes [a, b) other than
 * the one from (a, ka) with character c (c = 0: any edge differing in
 * position or kind). */
static float best_other(dwork *w, size_t a, size_t bb, uint32_t c, int ek) {
  const dnode *nd = w->nd;
  float best = -FLT_MAX;
  dedge e[4];
  for (size_t p = a > 0 ? a - 1 : 0; p < bb && p < w->nb; p++)
    for (int k = 0; k < K_N; k++) {
      if (nd[NI(p, k)].v == -FLT_MAX) continue;
      size_t ne = edges_of(w, p, k, e, 0);
      for (size_t i = 0; i < ne; i++) {
        if (e[i].to <= a) continue;
        if (p == a && e[i].to == bb && e[i].k == ek && e[i].cp == c) continue; /* the same character */
        float t = nd[NI(e[i].to, e[i].k)].w;
        if (t == -FLT_MAX) continue;
        t += nd[NI(p, k)].v + edge_w(w, p, k, &e[i]);
        if (t > best) best = t;
      }
    }
  return best;
}


/* Is the reading text?  A double-byte wrong decode of text reads back as
 * text: neighbouring characters make the lexicon's words.  A clean line
 * of rare characters read so makes common characters that do not go
 * together (a Big5 code chart read as GBK is GB2312 in code order:
 * 沈审婶甚肾慎渗声生), and characters spaced one by one have no
 * neighbours at all.  Of the pairs of neighbouring Han characters on the
 * reading (both read from surviving bytes), k of m lie inside a word of
 * the lexicon (2 to 4 characters); the log10 odds that the reading is
 * text rather than its characters in random order, with each pair inside
 * a word with probability TEXT_P1 in text and TEXT_P0 in shuffled text
 * (both measured on build/corpus, zh_CN and zh_TW alike: 0.54 and 0.11).
 * Cost: a few lexicon look-ups a character, once a line passed the rest. */
#define TEXT_P1 0.54
#define TEXT_P0 0.11


static int known_han(const dstep *s) { return s->k == K_PAIR && han(s->cp); }

static double text_odds(const dstep *path, size_t np) {
  size_t m = 0, k = 0;
  for (size_t i = 0; i + 1 < np; i++) {
    if (!known_han(&path[i]) || !known_han(&path[i + 1])) continue;
    m++;
    int hit = 0;
    for (size_t a = i >= 3 ? i - 3 : 0; a <= i && !hit; a++)
      for (size_t len = 2; len <= 4 && !hit; len++) {
        if (a + len < i + 2 || a + len > np) continue;
        uint32_t wd[4];
        size_t q = 0;
        while (q < len && known_han(&path[a + q])) wd[q] = path[a + q].cp, q++;
        hit = q == len && zf_lm_word(wd, len, NULL);
      }
    k += hit;
  }
  return (double)k * log10(TEXT_P1 / TEXT_P0) + (double)(m - k) * log10((1 - TEXT_P1) / (1 - TEXT_P0));
}

/* The surviving bytes: every unit of the line re-encoded as the reader
 * read it (w->b, w->nb); *literal: the line's score as it stands.  0 when
 * the line is not a dropping reader's (a marker, a character the reader
 * cannot have written). */
static int survivors(dwork *w, const zf_text *in, double *literal) {
  uint32_t prev = 0;
  *literal = 0;
  for (size_t j = 0; j < in->len; j++) {
    uint32_t c = in->cp[j];
    if (c == 0xFFFD) return 0; /* a marker: not a dropping reader */
    *literal += lm_step(prev, c);
    prev = c;
    if (c < 0x80) {
      w->b[w->nb++] = (dbyte){(uint8_t)c, 1, (uint32_t)j};
      continue;
    }
    size_t ne;
    const lc_inv *enc = lc_encodings(w->R, c, &ne);
    if (!ne) {
#ifdef LOST_DEBUG
      fprintf(stderr, "dropread: U+%04X not in the reader\n", (unsigned)c);
#endif
      return 0;
    }
    if (enc[0].code >= 0x100) {
      w->b[w->nb++] = (dbyte){(uint8_t)(enc[0].code >> 8), 1, (uint32_t)j};
      w->b[w->nb++] = (dbyte){(uint8_t)enc[0].code, 0, (uint32_t)j};
    } else {
      w->b[w->nb++] = (dbyte){(uint8_t)enc[0].code, 1, (uint32_t)j};
    }
  }
  return 1;
}

/* The best reading, from the forward pass's back pointers, in order into
 * path; *gaps: the bytes it drops, *asc: its gaps that are ASCII bytes
 * read as a trail.  Returns the number of steps. */
static size_t best_path(const dwork *w, int kend, dstep *path, size_t *gaps, size_t *asc) {
  size_t np = 0;
  *gaps = *asc = 0;
  for (size_t ni = NI(w->nb, kend); w->nd[ni].bp >= 0; ni = (size_t)w->nd[ni].bp) {
    size_t from = (size_t)w->nd[ni].bp;
    size_t p = ni / K_N, q = from / K_N;
    int k = (int)(ni % K_N);
    uint32_t cp = 0;
    if (k == K_PAIR) cp = lc_pair(w->S, w->b[q].v, w->b[q + 1].v);
    else if (k == K_ONE) cp = w->b[q].v;
    path[np++] = (dstep){q, p, k, cp, 0, 0};
    *gaps += k == K_DGAP ? 2 : k == K_LGAP || k == K_TGAP;
    *asc += k == K_LGAP && w->b[q].v < 0x80;
  }
  for (size_t i = 0; i < np / 2; i++) {
    dstep t = path[i];
    path[i] = path[np - 1 - i];
    path[np - 1 - i] = t;
  }
  return np;
}

/* The best score of a reading to the line's end (-FLT_MAX: none). */
static float best_end(const dwork *w) {
  float total = -FLT_MAX;
  for (int k = 0; k < K_N; k++)
    if (w->nd[NI(w->nb, k)].v > total) total = w->nd[NI(w->nb, k)].v;
  return total;
}

/* The bytes read with nothing missing: its score into *score, 0 when a
 * pair is not a source character (*score then covers the part read). */
static int nogap_read(const dwork *w, double *score) {
  uint32_t prev = 0;
  *score = 0;
  for (size_t p = 0; p < w->nb;) {
    uint32_t c = w->b[p].v;
    int pair = c >= 0x80;
    if (pair) c = p + 1 < w->nb ? lc_pair(w->S, w->b[p].v, w->b[p + 1].v) : 0;
    p += pair ? 2 : 1;
    *score += lm_step(prev, c);
    prev = c;
    if (pair && !src_char(c)) return 0;
  }
  return 1;
}

/* The reading with nothing missing (nogap_read: readable) as a path. */
static size_t nogap_path(const dwork *w, dstep *path) {
  size_t np = 0;
  for (size_t p = 0; p < w->nb;) {
    int pair = w->b[p].v >= 0x80 && p + 1 < w->nb;
    uint32_t c = pair ? lc_pair(w->S, w->b[p].v, w->b[p + 1].v) : w->b[p].v;
    path[np++] = (dstep){p, p + 1 + (size_t)pair, pair ? K_PAIR : K_ONE, c, 0, 0};
    p += 1 + (size_t)pair;
  }
  return np;
}

static int read_at(zf_lost *l, const zf_lost_hyp *h, int mode, double lossless, int indoc, const zf_text *in,
                   zf_text *out, zf_lost_result *res);

int zf_lost_drop_read(zf_lost *l, const zf_lost_hyp *h, int mode, const zf_text *in, zf_text *out,
                      zf_lost_result *res) {
  return read_at(l, h, mode, DROP_LOSSLESS_V, 0, in, out, res);
}

int zf_lost_drop_read_at(zf_lost *l, const zf_lost_hyp *h, int mode, double lossless, const zf_text *in,
                         zf_text *out, zf_lost_result *res) {
  return read_at(l, h, mode, lossless, 1, in, out, res);
}

/* A line's work: the surviving bytes (survivors), *literal, the nodes and
 * memos, and the bound pass's sets (NULL: none).  0, ZF_LOST_NOFIT (not
 * a double-byte class, or not a dropping reader's line) or
 * ZHFIX_E_NOMEM; work_close frees it whatever it returned. */
static int work_open(dwork *w, const zf_lost *l, const zf_lost_hyp *h, const zf_text *in, double *literal) {
  *w = (dwork){0};
  if (h->style != ZF_LOST_DROP || h->src == ZF_LC_UTF8 || h->reader == ZF_LC_UTF8) return ZF_LOST_NOFIT;
  w->S = &l->t->m[h->src], w->R = &l->t->m[h->reader];
  if (!w->S->present || !w->R->present || w->S->kind != LC_KIND_DBCS || w->R->kind != LC_KIND_DBCS)
    return ZF_LOST_NOFIT;
  if (!(w->b = malloc((2 * in->len + 1) * sizeof *w->b))) return ZHFIX_E_NOMEM;
  if (!survivors(w, in, literal)) return ZF_LOST_NOFIT;
  size_t n = w->nb + 1;
  w->nd = malloc(n * K_N * sizeof *w->nd);
  w->gw = malloc(n * K_N * 2 * sizeof *w->gw);
  w->aw = malloc(n * 2 * sizeof *w->aw);
  w->gm = calloc(n, 1);
  w->coff = malloc(n * 3 * sizeof *w->coff);
  w->ccnt = malloc(n * 3 * sizeof *w->ccnt);
  if (!w->nd || !w->gw || !w->aw || !w->gm || !w->coff || !w->ccnt) return ZHFIX_E_NOMEM;
  for (size_t i = 0; i < n * 3; i++) w->coff[i] = -1;
  w->gs = zf_lost_gapsets(l, h, w->S, w->R);
  return 0;
}

static void work_close(dwork *w) {
  free(w->b), free(w->nd), free(w->gw), free(w->aw), free(w->gm), free(w->coff), free(w->ccnt), free(w->cpool);
}

int zf_lost_drop_bound(zf_lost *l, const zf_lost_hyp *h, const zf_text *in, float *bound, float *exact,
                       double *literal) {
  dwork w;
  int rc = work_open(&w, l, h, in, literal);
  if (!rc && !w.gs) rc = ZF_LOST_NOFIT;
  if (!rc) {
    forward(&w, 1);
    *bound = best_end(&w);
    forward(&w, 0);
    *exact = best_end(&w);
    if (w.nomem) rc = ZHFIX_E_NOMEM;
  }
  work_close(&w);
  return rc;
}

/* The output of the best reading, path[0..np): certain characters as
 * read, ASCII as it came, a character the phases disagree on marked (or
 * guessed), a missing byte's character filled where its candidates leave
 * one value or the model's ranking between certain neighbours wins (else
 * marked).  0, or ZHFIX_E_NOMEM (the line's output undone). */
static int emit_path(zf_lost *l, dwork *w, dstep *path, size_t np, int mode, const zf_text *in, zf_text *out,
                     zf_lost_result *res) {
  size_t base = out->len;
  uint32_t cs[128], win[2 * RANK_CTX + 1];
  double rank[128], sc[128];
  for (size_t i = 0; i < np; i++) {
    dstep *s = &path[i];
    size_t at = s->from < w->nb ? s->from : w->nb - 1;
    uint64_t off = in->off[w->b[at].unit];
    int r;
    if (s->cp && s->certain) {
      r = zf_lat_emit(l, out, s->cp, off, ZF_LOST_KEPT);
      res->kept++;
    } else if ((s->cp && s->cp < 0x80) || (!s->cp && s->k == K_LGAP && w->b[s->from].v < 0x80)) {
      /* An ASCII byte the phases disagree on, or one read as the trail of
       * a character whose lead went (0x40-0x7E): it stays as it came
       * (markup, code, a table's @ are never replaced), reported all the
       * same (flagged as a guess, counted as kept). */
      r = zf_lat_emit(l, out, w->b[s->from].v, off, ZF_LOST_GUESSED);
      res->kept++;
    } else if (s->cp) { /* the phases disagree here */
      if (mode == ZF_LOST_GUESS) {
        r = zf_lat_emit(l, out, s->cp, off, ZF_LOST_GUESSED);
        res->guessed++;
      } else {
        r = zf_lat_emit(l, out, l->marker, off, ZF_LOST_MARKED);
        res->marked++;
      }
    } else {
      size_t nc = 0;
      if (s->certain && s->k == K_LGAP) nc = zf_lost_drop_cands(w->S, w->R, 1, w->b[s->from].v, 0, 1, cs, 128);
      if (s->certain && s->k == K_TGAP)
        nc = zf_lost_drop_cands(w->S, w->R, 0, w->b[s->from].v, s->to < w->nb ? (int)w->b[s->to].v : -1, 1, cs, 128);
      if (nc > 128) nc = 0;
      int left = i > 0 && path[i - 1].cp >= 0x80 && path[i - 1].certain;
      int right = i + 1 < np && path[i + 1].cp >= 0x80 && path[i + 1].certain;
      size_t bi = 0;
      if (nc > 1) {
        /* up to RANK_CTX certain characters each side */
        size_t a = i, z = i + 1, nw = 0;
        while (a > 0 && i - a < RANK_CTX && path[a - 1].cp && path[a - 1].certain) a--;
        while (z < np && z - i - 1 < RANK_CTX && path[z].cp && path[z].certain) z++;
        for (size_t q = a; q < z; q++) win[nw++] = path[q].cp;
        for (size_t k = 0; k < nc; k++) {
          win[i - a] = cs[k];
          rank[k] = zf_lm_rank_score(win, nw);
          sc[k] = zf_lm_score(win, nw);
          if (rank[k] > rank[bi]) bi = k;
        }
      }
      int fill = nc == 1;
      if (nc > 1 && left && right && DROP_LMFILL_V) fill = zf_lat_fill_wins(rank, sc, nc, bi);
      r = zf_lat_emit_gap(l, out, mode, fill, cs, nc, bi, off, res);
    }
    if (r) return zf_lat_emit_undo(l, out, base);
  }
  return 0;
}

/* indoc: the line is of a document that showed the damage (the caller's
 * doc), where a word may have lost its outer bytes (split_words) */
static int read_at(zf_lost *l, const zf_lost_hyp *h, int mode, double lossless, int indoc, const zf_text *in,
                   zf_text *out, zf_lost_result *res) {
  memset(res, 0, sizeof *res);
  l->nflags = 0;
  dwork w;
  dstep *path = NULL;
  double literal;
  int rc = work_open(&w, l, h, in, &literal);
  if (rc) goto done;
  rc = ZHFIX_E_NOMEM;
  if (!(path = malloc((w.nb + 1) * 2 * sizeof *path))) goto done;
  /* A reading that does not beat the line as it stands is refused (below):
   * when the bound of the best reading's score does not, no reading does,
   * and the exact pass (candidates for every gap, 126 model look-ups
   * each: 400K instructions a line of clean rare Han) is not made. */
  if (w.gs) forward(&w, 1);
#ifdef LOST_DEBUG
  if (w.gs)
    fprintf(stderr, "dropbound %s>%s nb %zu bound %.2f literal %.2f\n", zf_lost_codec_name(h->src),
            zf_lost_codec_name(h->reader), w.nb, best_end(&w), literal);
#endif
  if (w.gs && best_end(&w) <= literal) {
    rc = ZF_LOST_NOFIT;
    goto done;
  }
  forward(&w, 0);
  if (w.nomem) goto done; /* rc is ZHFIX_E_NOMEM */
  /* the best reading */
  rc = ZF_LOST_NOFIT;
  int kend = -1;
  float total = -FLT_MAX;
  for (int k = 0; k < K_N; k++)
    if (w.nd[NI(w.nb, k)].v > total) total = w.nd[NI(w.nb, k)].v, kend = k;
  if (kend < 0) goto done;
#ifdef LOST_DEBUG
  fprintf(stderr, "dropfwd %s>%s nb %zu total %.2f literal %.2f\n", zf_lost_codec_name(h->src),
          zf_lost_codec_name(h->reader), w.nb, total, literal);
#endif
  /* A reading that does not beat the line as it stands repairs nothing
   * (the caller takes a reading only by a positive gain): refused before
   * the backward pass and the certainty test, which cost most. */
  if (total <= literal) goto done;
  size_t gaps, asc, np = best_path(&w, kend, path, &gaps, &asc);
  /* Nothing dropped: a lossless wrong decode, the mojibake stage's; but
   * in a document of this damage (docmode) a reading with drops within
   * DROP_MARGIN makes its characters uncertain and the line is reported,
   * not changed (marking them marked lossless headings, 总览), and in any
   * document that showed it (indoc) a word may have lost its outer bytes
   * (然后 -> 遣 -> 缓: split_words).  docs/repair-lost.md, phases 13-14. */
  int docmode = lossless <= DOC_DROP_LOSSLESS;
  if (!gaps && !docmode && !indoc) goto done;
  /* Every gap an ASCII byte read as the trail of a character whose lead
   * went (0x40-0x7E): the no-drop reading's characters, written (certain),
   * the letters reported (asking the readings within DROP_MARGIN marked 前缀： of a lossless
   * GBK line read by ICU's Big5 as 前��; refusing such lines left lines
   * with a letter where a lead went unreported).  In docmode such a
   * letter is a drop like any other: the certainty test decides
   * (いゅ┖臔H, 版's lead gone, was written 中文征護H). */
  if (DROP_ASC_V == 1 && gaps && asc == gaps) goto done;
  /* The bytes read with nothing missing, where they can be: a reading
   * with drops must beat it by DROP_LOSSLESS_V, or the line is a lossless
   * wrong decode (the mojibake stage's) that a drop or two fits a little
   * better. */
  double nogap;
  int readable = nogap_read(&w, &nogap);
  double odds = text_odds(path, np);
#ifdef LOST_DEBUG
  fprintf(stderr, "dropread %s>%s nb %zu total %.1f literal %.1f nogap %.1f readable %d gaps %zu asc %zu text %.2f\n",
          zf_lost_codec_name(h->src), zf_lost_codec_name(h->reader), w.nb, total, literal, nogap, readable, gaps,
          asc, odds);
#endif
  if (readable && total - nogap < lossless && (gaps || !indoc)) {
    res->likely = total > nogap && odds > 0;
    goto refused;
  }
  /* not text: refused, but with nothing missing in a document of the
   * damage it may hold a word that lost its outer bytes (版本 -> ━ -> 岩) */
  int textless = DROP_TEXT_V && odds <= 0;
  if (textless && (gaps || !indoc)) {
  refused:
    /* in a document of the damage the reading with nothing missing may
     * hold a word that lost bytes (版權 -> ┡v -> 怵v): split ones marked */
    if (!indoc || !readable || !zf_lost_split_words(&w, path, np = nogap_path(&w, path), DROP_PEN_V)) goto done;
    for (size_t i = 0; i < np; i++) path[i].certain = !path[i].split;
    gaps = 0;
    goto split;
  }
  backward(&w);
  /* certainty: no differing reading within DROP_MARGIN_V over its bytes */
  size_t unsure = 0;
  for (size_t i = 0; i < np; i++) {
    dstep *s = &path[i];
    if (s->k == K_DGAP) continue;
    s->certain = (DROP_ASC_V == 2 && asc == gaps && !docmode) ||
                 best_other(&w, s->from, s->to, s->cp, s->k) < total - (float)DROP_MARGIN_V;
    unsure += !s->certain;
  }
  if (w.nomem) {
    rc = ZHFIX_E_NOMEM;
    goto done;
  }
  size_t nsplit = zf_lost_split_words(&w, path, np, DROP_PEN_V);
  if (!gaps && !nsplit) { /* lossless where certain, else reported (not changed) */
    res->likely = docmode && unsure > 0 && !textless;
    goto done;
  }
  if (!gaps) /* nothing missing but words split: those marked, the rest as read */
    for (size_t i = 0; i < np; i++) path[i].certain |= !path[i].split;
split:
  nsplit = 0;
  for (size_t i = 0; i < np; i++) nsplit += path[i].split;
  if ((rc = emit_path(l, &w, path, np, mode, in, out, res))) goto done;
  res->gaps = gaps + nsplit;
  res->split = nsplit;
  res->score = total;
  res->literal = literal;
  rc = 0;
done:
  work_close(&w);
  free(path);
  if (rc) l->nflags = 0;
  return rc;
}
