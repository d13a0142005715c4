/*
 * UTF-8 read by a Big5 decoder that replaced what it could not read
 * (issue #15; docs/repair-lost.md, "UTF-8 read as Big5: the gap filler").
 *
 * The generic lattice (lost.c) searches every byte value of every gap; on
 * this damage a gap falls in nearly every character (a Big5 decoder pairs
 * UTF-8's bytes out of phase and rejects most pairs), so it costs 5,000 to
 * 30,000 steps a unit, and in mark mode almost everything it finds is
 * marked anyway.  This filler uses UTF-8's structure instead:
 *   - every surviving Big5 character re-encoded gives exact UTF-8 bytes; a
 *     known lead byte (C2-F4) always starts a character, a known 80-BF byte
 *     always continues one, so the character boundaries are fixed by the
 *     known bytes except inside runs of gaps;
 *   - a U+FFFD is one byte (CPython: the rejected lead, its trail read
 *     again) or one or two (ICU, WHATWG: lead and trail together when the
 *     decoder consumes both); the arrangements of a stretch between two
 *     fixed boundaries that make valid UTF-8 are enumerated (few: usually
 *     one);
 *   - a character whose bytes all survived is written (certain); one
 *     missing exactly one byte, with at least half its bytes surviving and
 *     between two certain characters that are not ASCII, has at most 64
 *     candidates (the UTF-8-valid values the decoder would have rejected
 *     there), ranked by the model: it is filled when the best wins by the
 *     lattice's margins (LOST_FILL_MARGIN under zf_lm_rank_score, 10:1
 *     posterior under zf_lm_score), guessed in guess mode, else marked;
 *   - every other character is marked and reported.
 * Cost: linear in the line, plus at most 64 candidates a fillable character.
 */
#include "lost_lat.h"

#define U8_MAX_GAPS 10   /* gaps of one stretch whose lengths are enumerated  */
#define U8_MAX_PARSES 64 /* valid arrangements of one stretch, at most        */

/* One byte of the rebuilt stream. */
typedef struct u8byte {
  uint8_t v, known;
  uint32_t unit; /* the input unit it came from */
  uint32_t gap;  /* for an unknown byte: its gap's index, the byte's place in it (<< 1) */
} u8byte;

/* One character of a parse: bytes [at, at + len) of the arrangement. */
typedef struct u8chr {
  uint32_t at;
  uint8_t len;
} u8chr;

typedef struct u8work {
  const lc_model *R;       /* the reader whose bytes the characters are */
  const lc_model *rej[3];  /* the readers a gap's byte may have been rejected by */
  size_t nrej;
  /* tokens: the input's units as known bytes and gaps */
  u8byte *tok;
  size_t ntok;
  /* one stretch's arrangement and its parses */
  u8byte *arr;
  size_t narr;
  u8chr *cur, *best;
  size_t ncur, nbest, nparse;
  int differ; /* the parses found so far disagree */
  u8byte *barr;
  size_t nbarr;
} u8work;

static int lead_len(unsigned b) { return b < 0x80 ? 1 : u8_need(b); }

/* Depth-first over the characters of w->arr[at..): every complete parse
 * is compared with the first one found. */
static void parse_from(u8work *w, size_t at) {
  if (w->nparse > U8_MAX_PARSES || w->differ) return;
  if (at == w->narr) {
    if (w->nparse++ == 0) {
      memcpy(w->best, w->cur, w->ncur * sizeof *w->cur);
      w->nbest = w->ncur;
      memcpy(w->barr, w->arr, w->narr * sizeof *w->arr);
      w->nbarr = w->narr;
      return;
    }
    /* the same characters with the same known bytes? */
    int same = w->ncur == w->nbest && w->narr == w->nbarr;
    for (size_t i = 0; same && i < w->ncur; i++) {
      const u8chr *a = &w->cur[i], *b = &w->best[i];
      same = a->at == b->at && a->len == b->len;
    }
    for (size_t i = 0; same && i < w->narr; i++)
      same = w->arr[i].known == w->barr[i].known && (!w->arr[i].known || w->arr[i].v == w->barr[i].v);
    if (!same) w->differ = 1;
    return;
  }
  const u8byte *b = &w->arr[at];
  int lens[4], nl = 0;
  if (b->known) {
    int n = lead_len(b->v);
    if (!n) return; /* a continuation byte, or a byte UTF-8 never has, where a character starts */
    lens[nl++] = n;
  } else {
    lens[nl++] = 3, lens[nl++] = 2, lens[nl++] = 4;
    /* the second byte of a two-byte gap may be ASCII: ICU's windows-950
     * takes a trail byte 0x40-0x7E along with a lead it rejects */
    if (b->gap & 1) lens[nl - 1] = 1, lens[nl++] = 4;
  }
  for (int k = 0; k < nl; k++) {
    size_t n = (size_t)lens[k];
    if (at + n > w->narr) continue;
    int ok = 1;
    for (size_t i = 1; i < n && ok; i++) {
      const u8byte *c = &w->arr[at + i];
      if (!c->known) continue;
      unsigned lo = 0x80, hi = 0xBF;
      if (i == 1 && b->known) u8_bounds(b->v, &lo, &hi);
      ok = c->v >= lo && c->v <= hi;
    }
    if (!ok) continue;
    w->cur[w->ncur++] = (u8chr){(uint32_t)at, (uint8_t)n};
    parse_from(w, at + n);
    w->ncur--;
  }
}

/* Would the reader have rejected byte v where it stands, the next byte of
 * the stream being nx (-1: unknown or none)?  A one-byte gap: v starts no
 * character alone, and as a lead it makes no character with nx and does
 * not take it along. */
static int rejected1(const lc_model *R, unsigned v, int nx) {
  uint32_t st = 0, cp;
  int again;
  int ev = lc_read(R, &st, v, &cp, &again);
  if (ev == EV_ERR) return 1;
  if (ev != EV_NONE) return 0;
  if (nx < 0) return 1;
  ev = lc_read(R, &st, (unsigned)nx, &cp, &again);
  return ev == EV_ERR && again;
}

static int plausible(uint32_t c) {
  if (c < 0xA0 || (c >= 0xD800 && c <= 0xDFFF) || (c >= 0xE000 && c <= 0xF8FF) || c >= 0xF0000) return 0;
  if ((c & 0xFFFE) == 0xFFFE || (c >= 0xFDD0 && c <= 0xFDEF)) return 0;
  return 1;
}

/* A decoded character of the output, before the decisions. */
typedef struct u8out {
  uint32_t cp;
  uint64_t off;
  uint8_t kind; /* 0 certain, 1 one byte missing (a candidate), 2 marked */
  uint32_t at;  /* for kind 1: its bytes in the line's arrangement (w->line) */
  uint8_t len;
} u8out;

typedef struct u8line {
  u8byte *b;
  size_t n, cap;
  u8out *o;
  size_t no, capo;
} u8line;

static int line_push_out(u8line *L, u8out o) {
  if (L->no == L->capo) {
    size_t nc = L->capo ? 2 * L->capo : 64;
    u8out *p = realloc(L->o, nc * sizeof *p);
    if (!p) return -1;
    L->o = p, L->capo = nc;
  }
  L->o[L->no++] = o;
  return 0;
}

static int line_push_bytes(u8line *L, const u8byte *b, size_t n) {
  if (L->n + n > L->cap) {
    size_t nc = L->cap ? 2 * L->cap : 256;
    while (nc < L->n + n) nc *= 2;
    u8byte *p = realloc(L->b, nc * sizeof *p);
    if (!p) return -1;
    L->b = p, L->cap = nc;
  }
  memcpy(L->b + L->n, b, n * sizeof *b);
  L->n += n;
  return 0;
}

/* Decodes the n bytes at by (all known) as one UTF-8 character; 0 when
 * they are not one. */
static uint32_t u8_decode(const unsigned char *by, size_t n) {
  uint32_t st = 0, cp = 0;
  int again;
  for (size_t i = 0; i < n; i++) {
    int ev = u8_step(&st, by[i], &cp, &again);
    if (ev == EV_ERR) return 0;
    if (ev == EV_CHAR) return i + 1 == n ? cp : 0;
  }
  return 0;
}

/* Adds one stretch (tokens [s, e)) to L: its arrangements enumerated, its
 * characters written when they agree, else one mark a gap.  edge: the
 * stretch touches the line's start or end (a character cut by the
 * segment's boundary may be incomplete there).  Returns 0, -1 (no memory)
 * or ZF_LOST_NOFIT (no arrangement is UTF-8). */
static int add_stretch(u8work *w, u8line *L, size_t s, size_t e, int edge) {
  size_t ng = 0;
  for (size_t t = s; t < e; t++) ng += !w->tok[t].known;
  w->nparse = 0, w->differ = 0;
  size_t ncomb = ng > U8_MAX_GAPS ? 0 : (size_t)1 << ng;
  for (size_t m = 0; m < ncomb && !w->differ && w->nparse <= U8_MAX_PARSES; m++) {
    /* gap k is two bytes when bit k of m is set */
    w->narr = 0;
    size_t k = 0;
    for (size_t t = s; t < e; t++) {
      u8byte b = w->tok[t];
      if (b.known) {
        w->arr[w->narr++] = b;
        continue;
      }
      int two = (m >> k) & 1;
      k++;
      b.gap = (uint32_t)t << 1;
      w->arr[w->narr++] = b;
      if (two) {
        b.gap |= 1;
        w->arr[w->narr++] = b;
      }
    }
    w->ncur = 0;
    parse_from(w, 0);
  }
  /* no arrangement is UTF-8: not this damage (at the line's ends a
   * character may be cut by the segment's boundary; a stretch of more
   * than U8_MAX_GAPS gaps is not enumerated: both marked) */
  if (w->nparse == 0 && !edge && ncomb) return ZF_LOST_NOFIT;
  if (w->nparse == 0 || w->differ || w->nparse > U8_MAX_PARSES) {
    /* undecided: one mark a gap (at least one) */
    size_t marks = 0;
    for (size_t t = s; t < e; t++)
      if (!w->tok[t].known) {
        if (line_push_out(L, (u8out){0, w->tok[t].unit, 2, 0, 0})) return -1;
        marks++;
      }
    if (!marks && line_push_out(L, (u8out){0, w->tok[s].unit, 2, 0, 0})) return -1;
    return 0;
  }
  size_t base = L->n;
  if (line_push_bytes(L, w->barr, w->nbarr)) return -1;
  for (size_t i = 0; i < w->nbest; i++) {
    const u8chr *c = &w->best[i];
    const u8byte *b = L->b + base + c->at;
    unsigned char by[4];
    size_t unk = 0;
    for (size_t q = 0; q < c->len; q++) {
      by[q] = b[q].v;
      unk += !b[q].known;
    }
    u8out o = {0, b[0].unit, 2, (uint32_t)(base + c->at), c->len};
    if (unk == 0) {
      o.cp = u8_decode(by, c->len);
      if (!o.cp) return ZF_LOST_NOFIT;
      o.kind = 0;
    } else if (unk == 1 && (c->len - 1) * LOST_SURV_DEN >= c->len) {
      o.kind = 1;
    }
    if (line_push_out(L, o)) return -1;
  }
  return 0;
}

/* The candidates of output character i (kind 1) into cand[]; returns
 * their count. */
static size_t candidates(const u8work *w, const u8line *L, const u8out *o, uint32_t cc[64]) {
  const u8byte *b = L->b + o->at;
  size_t miss = 0;
  for (size_t q = 0; q < o->len; q++)
    if (!b[q].known) miss = q;
  /* the stream's next byte after the missing one: known, or -1 */
  int nx = -1;
  size_t at = o->at + miss + 1;
  if (at < L->n && L->b[at].known) nx = L->b[at].v;
  int twobyte = at < L->n && !L->b[at].known && (L->b[at].gap >> 1) == (b[miss].gap >> 1);
  size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;
  if (miss == 0) lo = o->len == 2 ? 0xC2 : o->len == 3 ? 0xE0 : 0xF0, hi = o->len == 2 ? 0xDF : o->len == 3 ? 0xEF : 0xF4;
  for (unsigned v = lo; v <= hi; v++) {
    unsigned char by[4];
    for (size_t q = 0; q < o->len; q++) by[q] = q == miss ? (unsigned char)v : b[q].v;
    uint32_t cp = u8_decode(by, o->len);
    if (!cp || !plausible(cp)) continue;
    /* a one-byte gap's byte is one the decoder rejected there (a
     * two-byte gap's pair is left unchecked: looser, never wrong) */
    int rej = twobyte || (b[miss].gap & 1);
    for (size_t r = 0; r < w->nrej && !rej; r++) rej = rejected1(w->rej[r], v, nx);
    if (!rej) continue;
    cc[n++] = cp;
  }
  return n;
}

/* Left and right context of output character i: up to RANK_CTX certain
 * characters each side, stopping at any other. */
static size_t context(const u8line *L, size_t i, uint32_t *win, size_t *pos) {
  size_t a = i;
  while (a > 0 && i - a < RANK_CTX && L->o[a - 1].kind == 0) a--;
  size_t z = i + 1;
  while (z < L->no && z - i - 1 < RANK_CTX && L->o[z].kind == 0) z++;
  size_t n = 0;
  for (size_t k = a; k < z; k++) win[n++] = L->o[k].cp;
  *pos = i - a;
  return n;
}

int zf_lost_u8_fill(zf_lost *l, int reader, int mode, const zf_text *in, zf_text *out, zf_lost_result *res) {
  memset(res, 0, sizeof *res);
  l->nflags = 0;
  if (reader < 0 || reader >= ZF_LC__COUNT || !l->t->m[reader].present) return ZF_LOST_NOFIT;
  u8work w = {0};
  u8line L = {0};
  w.R = &l->t->m[reader];
  if (w.R->kind != LC_KIND_DBCS) return ZF_LOST_NOFIT;
  /* CPython's, ICU's and WHATWG's Big5 decoders leave the same marks for
   * different gaps (one byte, or one or two), and a line read by one of
   * them also parses as pieces of UTF-8 under the others' rules (CPython's
   * one-byte gaps are a case of the others'): the gaps are one or two
   * bytes, and a gap's byte is one any of them rejects.  An arrangement
   * the rules leave open is marked, never guessed at. */
  static const zf_lost_codec_id rej[] = {ZF_LC_PY_BIG5, ZF_LC_ICU_BIG5, ZF_LC_WHATWG_BIG5};
  for (size_t i = 0; i < 3; i++)
    if (l->t->m[rej[i]].present) w.rej[w.nrej++] = &l->t->m[rej[i]];
  size_t cap = 2 * in->len + 2;
  int rc = ZHFIX_E_NOMEM;
  w.tok = malloc(cap * sizeof *w.tok);
  w.arr = malloc(2 * cap * sizeof *w.arr);
  w.barr = malloc(2 * cap * sizeof *w.barr);
  w.cur = malloc(2 * cap * sizeof *w.cur);
  w.best = malloc(2 * cap * sizeof *w.best);
  if (!w.tok || !w.arr || !w.barr || !w.cur || !w.best) goto done;
  /* the tokens: every unit's bytes as the reader wrote them, a U+FFFD a gap */
  rc = ZF_LOST_NOFIT;
  size_t gaps = 0;
  for (size_t j = 0; j < in->len; j++) {
    uint32_t c = in->cp[j];
    if (c == 0xFFFD) {
      w.tok[w.ntok++] = (u8byte){0, 0, (uint32_t)j, 0};
      gaps++;
      continue;
    }
    if (c < 0x80) {
      w.tok[w.ntok++] = (u8byte){(uint8_t)c, 1, (uint32_t)j, 0};
      continue;
    }
    size_t ne;
    const lc_inv *enc = lc_encodings(w.R, c, &ne);
    if (ne != 1) { /* no byte sequence, or several: not this damage, or not certain */
#ifdef LOST_DEBUG
      fprintf(stderr, "u8fill %s: unit %zu U+%04X has %zu encodings\n", zf_lost_codec_name(reader), j, (unsigned)c, ne);
#endif
      goto done;
    }
    if (enc[0].code >= 0x100) w.tok[w.ntok++] = (u8byte){(uint8_t)(enc[0].code >> 8), 1, (uint32_t)j, 0};
    w.tok[w.ntok++] = (u8byte){(uint8_t)enc[0].code, 1, (uint32_t)j, 0};
  }
  if (!gaps) goto done;
  /* stretches: a known lead or ASCII byte starts one; a known lead with
   * all its continuation bytes known is a certain character of its own */
  for (size_t s = 0; s < w.ntok;) {
    size_t e = s + 1;
    const u8byte *b = &w.tok[s];
    int n = b->known ? lead_len(b->v) : 0;
    int whole = b->known && n >= 1 && s + (size_t)n <= w.ntok;
    for (int q = 1; whole && q < n; q++) whole = w.tok[s + (size_t)q].known;
    if (whole) {
      e = s + (size_t)n;
    } else {
      while (e < w.ntok && !(w.tok[e].known && lead_len(w.tok[e].v) >= 1)) e++;
    }
    int r = add_stretch(&w, &L, s, e, s == 0 || e == w.ntok);
    if (r == -1) {
      rc = ZHFIX_E_NOMEM;
      goto done;
    }
    if (r) {
#ifdef LOST_DEBUG
      fprintf(stderr, "u8fill %s: stretch %zu-%zu of %zu does not parse\n", zf_lost_codec_name(reader), s, e, w.ntok);
#endif
      goto done;
    }
    s = e;
  }
  /* offsets: units to input offsets */
  for (size_t i = 0; i < L.no; i++) L.o[i].off = in->off[L.o[i].off];
  /* the decisions */
  uint32_t cs[64], win[2 * RANK_CTX + 1];
  double rank[64], sc[64];
  size_t base = out->len;
  for (size_t i = 0; i < L.no; i++) {
    u8out *o = &L.o[i];
    int r = 0;
    if (o->kind == 0) {
      r = zf_lat_emit(l, out, o->cp, o->off, ZF_LOST_KEPT);
      res->kept++;
    } else {
      size_t nc = o->kind == 1 ? candidates(&w, &L, o, cs) : 0;
      int left = i > 0 && L.o[i - 1].kind == 0 && L.o[i - 1].cp >= 0x80;
      int right = i + 1 < L.no && L.o[i + 1].kind == 0 && L.o[i + 1].cp >= 0x80;
      size_t bi = 0, pos;
      if (nc) {
        size_t nw = context(&L, i, win, &pos);
        for (size_t k = 0; k < nc; k++) {
          win[pos] = cs[k];
          rank[k] = zf_lm_rank_score(win, nw);
          sc[k] = zf_lm_score(win, nw);
          if (rank[k] > rank[bi]) bi = k;
        }
      }
      int fill = nc == 1 && left && right; /* the bytes leave one reading */
      if (nc > 1 && left && right) fill = zf_lat_fill_wins(rank, sc, nc, bi);
      r = zf_lat_emit_gap(l, out, mode, fill, cs, nc, bi, o->off, res);
    }
    if (r) {
      rc = zf_lat_emit_undo(l, out, base);
      goto done;
    }
  }
  res->gaps = gaps;
  rc = 0;
done:
  free(w.tok), free(w.arr), free(w.barr), free(w.cur), free(w.best);
  free(L.b), free(L.o);
  if (rc) l->nflags = 0;
  return rc;
}
