/*
 * Garbage converted by OpenCC after the wrong decode (moji.h): a UTF-8
 * page read as GBK or Big5 and then converted to Traditional (s2t: 娴 became
 * 嫺) or to Simplified (t2s: 鍘 became 铡, 鍒 became 𫔄) no longer encodes to
 * the original bytes.  These functions change the bytes of a run
 * (m->bytes) back, one converted character at a time, through the inverses
 * of OpenCC's character tables (zf_moji_unconv_cands); the caller then
 * decodes the run again.
 *
 *   fold-back     the bytes decode, but to a character nobody writes, or
 *                 one that fits its neighbours far worse than another
 *                 form's reading would;
 *   unconvert     the bytes stop decoding: a form that makes them decode
 *                 past the failure;
 *   lost-byte mark  whether a '?' cuts a UTF-8 sequence under every form
 *                 of the character before it.
 */
#include <stdlib.h>
#include <string.h>

#include "moji.h"
#include "shared.h"

/* CPython's cp950 codec (what Python's open(..., encoding="cp950")
 * uses) decodes rows C6A1..C7FC, which ICU's windows-950 (codec.c) reads
 * as private use, as the ETEN extension: kana, Cyrillic, circled and
 * parenthesised numbers.  GBK text read by it puts them where 启, 请, 区
 * and the rest of GBK's rows C6 and C7 were (③ for 请).  Ranges of
 * consecutive codes and code points, from Python's own codec (checked by
 * tools/mixed_docs.py, whose class gbk-as-cp950 decodes with it). */
static const struct {
  uint16_t code, n;
  uint16_t cp;
} cp950_eten[] = {
    {0xC6A1, 1, 0x30FE},  {0xC6A2, 2, 0x309D},  {0xC6A4, 1, 0x3005},  {0xC6A5, 83, 0x3041}, {0xC6F8, 7, 0x30A1},
    {0xC740, 63, 0x30A8}, {0xC7A1, 16, 0x30E7}, {0xC7B1, 2, 0x0414},  {0xC7B3, 1, 0x0401},  {0xC7B4, 7, 0x0416},
    {0xC7BB, 19, 0x0423}, {0xC7CE, 1, 0x0451},  {0xC7CF, 26, 0x0436}, {0xC7E9, 10, 0x2460}, {0xC7F3, 10, 0x2474},
};

/* The Big5 code CPython's cp950 decodes to c where ICU has none, or 0. */
static uint16_t cp950_code(uint32_t c) {
  for (size_t i = 0; i < sizeof cp950_eten / sizeof cp950_eten[0]; i++)
    if (c >= cp950_eten[i].cp && c < (uint32_t)cp950_eten[i].cp + cp950_eten[i].n)
      return (uint16_t)(cp950_eten[i].code + (c - cp950_eten[i].cp));
  return 0;
}

int zf_moji_x_put_run(const moji *m, const moji_class *cl, uint32_t c, uint8_t *p, int *lost) {
  int w = x_put(m, cl->x, c, p, lost);
  /* GBK read by CPython's cp950: its ETEN letters stand for their codes */
  if (!w && cl->x == X_BIG5 && cl->y == Y_GBK && c >= 0x0401 && c <= 0x30FE) {
    uint16_t e = cp950_code(c);
    if (e) {
      p[0] = (uint8_t)(e >> 8), p[1] = (uint8_t)e;
      return 2;
    }
  }
  if (w || cl->y != Y_UTF8 || cl->x == X_1252 || c < 0x2E80) return w;
  /* A Simplified conversion of the garbage makes characters X cannot
   * encode (鍒 became 𫔄, 鿔 came from a character GBK has), and s2t too
   * (刾 -> 㓨, which GBK lacks): such a character stands for the first of
   * its other forms that X encodes; unconvert and fold-back try the
   * others. */
  for (int dir = UNDO_T2S; dir >= UNDO_S2T; dir--) {
    uint32_t sc[4];
    int ns = zf_moji_unconv_cands(m->t, dir, c, sc, 4);
    for (int q = 0; q < ns; q++)
      if ((w = x_put(m, cl->x, sc[q], p, lost)) == 2) return w;
  }
  return 0;
}

double zf_moji_fold_score(fold_scorer *s, uint32_t c) {
  if (s->how == FOLD_UNIGRAM) return zf_lm_char(c);
  s->win[s->nl] = c;
  return zf_lm_rank_score(s->win, s->nl + 1 + s->nr);
}

/* The bytes at b decode (w of them) to a character that the conversion of
 * the garbage may have made.  Tries each other form (unconv_cands) of the
 * two-byte garbage characters under those bytes, at or after p, one
 * character at a time, and keeps in m->bytes the form whose bytes still
 * decode from b in w bytes to a Han character (or CJK symbol, or with
 * s->ascii an ASCII one) scoring at least `bar` under s, the best one of
 * the first character that has such a form.  FOLD_CONTEXT changes only
 * bytes inside the w bytes, so the characters before and after them
 * decode as before (the second byte of 涗 in 浜涗粦 may change: 涚 had
 * become 涗 under s2t, 些仑 for 些绑).  Returns 1 when the bytes were
 * changed (the caller decodes again). */
int zf_moji_fold_back(moji *m, const moji_class *cl, int dir, const uint32_t *r, size_t len, size_t p,
                      size_t ci, size_t b, int w, size_t nb, fold_scorer *s, double bar) {
  size_t j = ci;
  while (j + 1 <= len && m->bnd[j + 1] <= b) j++;
  int fixed = 0;
  for (; j < len && m->bnd[j] < b + (size_t)w && !fixed; j++) {
    if (j < p || m->bnd[j + 1] - m->bnd[j] != 2) continue;
    /* FOLD_CONTEXT: the byte that changes must lie inside the w bytes */
    int in0 = m->bnd[j] >= b, in1 = m->bnd[j] + 1 < b + (size_t)w;
    if (s->how == FOLD_CONTEXT && !in0 && !in1) continue;
    uint32_t sc[4];
    int ns = zf_moji_unconv_cands(m->t, dir, r[j], sc, 4);
    uint8_t *bp2 = m->bytes + m->bnd[j], save0 = bp2[0], save1 = bp2[1];
    double best = bar;
    uint8_t best0 = 0, best1 = 0;
    for (int q = 0; q < ns; q++) {
      uint8_t tmp[4];
      int lost;
      if (x_put(m, cl->x, sc[q], tmp, &lost) != 2) continue;
      if (s->how == FOLD_CONTEXT && ((!in0 && tmp[0] != save0) || (!in1 && tmp[1] != save1))) continue;
      bp2[0] = tmp[0], bp2[1] = tmp[1];
      uint32_t c2 = 0;
      int w2 = y_get(m, cl->y, m->bytes + b, nb - b, &c2);
      if (w2 == w && zf_moji_plausible(c2, cl->x, cl->y) &&
          (zf_is_han(c2) || cjk_symbol(c2) || (s->ascii && c2 > 0x20 && c2 < 0x7F)) &&
          zf_moji_fold_score(s, c2) >= best)
        best = zf_moji_fold_score(s, c2), best0 = tmp[0], best1 = tmp[1], fixed = 1;
    }
    if (fixed)
      bp2[0] = best0, bp2[1] = best1;
    else
      bp2[0] = save0, bp2[1] = save1;
  }
  return fixed;
}

/* Candidate byte changes for unconvert: up to 4 forms (unconv_cands) for
 * each of the NCAND positions cand[], as (two bytes, position). */
typedef struct cand_set {
  uint8_t fb[4 * NCAND][2];
  size_t idx[4 * NCAND];
  int n;
} cand_set;

static void collect_cands(const moji *m, const moji_class *cl, int dir, const uint32_t *r, size_t len, size_t p,
                          const size_t *cand, cand_set *cs) {
  cs->n = 0;
  for (int i = 0; i < NCAND; i++) {
    size_t j = cand[i];
    int dup = 0;
    for (int k = 0; k < cs->n; k++) dup |= cs->idx[k] == j;
    if (dup || j < p || j >= len || m->bnd[j + 1] - m->bnd[j] != 2) continue;
    uint32_t sc[4];
    int ns = zf_moji_unconv_cands(m->t, dir, r[j], sc, 4);
    for (int q = 0; q < ns; q++) {
      uint8_t tmp[4];
      int lost;
      if (x_put(m, cl->x, sc[q], tmp, &lost) != 2) continue;
      cs->fb[cs->n][0] = tmp[0], cs->fb[cs->n][1] = tmp[1];
      cs->idx[cs->n++] = j;
    }
  }
}

/* Puts candidates pick[0..np) of cs into m->bytes (saving what was there
 * in save, when not NULL). */
static void apply_cands(moji *m, const cand_set *cs, const int *pick, int np, uint8_t save[2][2]) {
  for (int q = 0; q < np; q++) {
    uint8_t *bp = m->bytes + m->bnd[cs->idx[pick[q]]];
    if (save) save[q][0] = bp[0], save[q][1] = bp[1];
    bp[0] = cs->fb[pick[q]][0], bp[1] = cs->fb[pick[q]][1];
  }
}

/* Decodes m->bytes from `from` up to `stop` with a change applied:
 * whether all of it decodes to characters a repair may produce (*pos: how
 * far it got), the sum of the decoded characters' scores in *sc and
 * their number in *nc.  Decoding is not enough: a fold of the wrong
 * character can spell a sequence no repair makes (强 for 強 next to
 * garbage gives C7 BF, U+01FF), which would win over the right one (峰 for
 * 峯, whose GBK bytes 8D 6F had made E6 88 8D + 'o') only because it was
 * tried first. */
static int decode_trial(moji *m, const moji_class *cl, size_t from, size_t stop, size_t nb, size_t *pos,
                        double *sc, size_t *nc) {
  *pos = from, *sc = 0, *nc = 0;
  while (*pos < stop) {
    uint32_t c;
    int l = y_get(m, cl->y, m->bytes + *pos, nb - *pos, &c);
    if (!l || !(zf_moji_plausible(c, cl->x, cl->y) || (m->latin && zf_moji_latin_ok(m->latin, c, 0, 0))))
      return 0;
    *pos += (size_t)l;
    *sc += zf_is_han(c) ? zf_lm_char(c) : RARE_CHAR - FOLD_MARGIN;
    (*nc)++;
  }
  return 1;
}

/* What a byte can be in UTF-8 (the bound below): bits B_ONE (a sequence of
 * its own), B_CONT (a continuation byte), B_LEAD << (need - 2) (the lead
 * of a sequence of need bytes); 0: none of these. */
enum { B_ONE = 1, B_CONT = 2, B_LEAD = 4 };

static unsigned byte_kind(uint8_t v) {
  if (v < 0x80) return B_ONE;
  if (v < 0xC0) return B_CONT;
  int need = zf_utf8_need(v);
  return need ? B_LEAD << (need - 2) : 0;
}

/* The kinds of the bytes that the forms collect_cands takes for c (the
 * first four of zf_moji_unconv_cands with two bytes under table x) can
 * put in its place: the first byte's in bits 0-7, the second's in 8-15. */
static unsigned cand_kinds(const moji_tables *t, int x, int dir, uint32_t c) {
  uint32_t sc[4];
  int ns = zf_moji_unconv_cands(t, dir, c, sc, 4);
  unsigned k = 0;
  for (int q = 0; q < ns; q++) {
    uint8_t tmp[4];
    /* x_put's test: U+FFFD and X_1252 give one byte, never a candidate */
    if (x == X_1252 || sc[q] == ZF_MARK_FFFD || zf_dbcs_put(x == X_GBK ? t->gbk : t->big5, sc[q], tmp) != 2)
      continue;
    k |= byte_kind(tmp[0]) | byte_kind(tmp[1]) << 8;
  }
  return k;
}

/* cand_kinds of every BMP character for both conversions, dir d's in
 * bits 16 d .. 16 d + 15, [x - X_GBK][c]: built once per process
 * (shared.h) at the first unconvert, 512 KB, of which the pages of the
 * characters with forms are touched. */
typedef uint32_t kinds_table[2][0x10000];

static void *kinds_build(void *arg) {
  const moji_tables *t = arg;
  kinds_table *kt = calloc(1, sizeof *kt);
  if (!kt) return NULL;
  for (int x = X_GBK; x <= X_BIG5; x++)
    for (uint32_t c = 0; c < 0x10000; c++)
      for (int dir = 0; dir < NUNDO; dir++)
        /* zf_moji_unconv_cands' own test for a character with no form:
         * no entry in unconv[dir] and, undoing s2t, a fold of its own */
        if (moji_bit(t->has_unconv[dir], c) || (dir == UNDO_S2T && zf_lm_fold(c) != c))
          (*kt)[x - X_GBK][c] |= cand_kinds(t, x, dir, c) << 16 * dir;
  return kt;
}

static zf_shared_slot kinds_slot;

/* Whether a decode of kind[0..] (byte kinds, from `from`) gets past byte
 * b (b - from < MAY_SPAN), no sequence reaching nb: reach holds the byte
 * offsets a decode can stand at. */
static int passes(const uint8_t *kind, size_t from, size_t b, size_t nb) {
  uint64_t reach = 1;
  for (size_t q = 0; q <= b - from; q++) {
    if (!(reach >> q & 1)) continue;
    unsigned k = kind[q];
    if (k & B_ONE) reach |= 2ull << q;
    for (size_t need = 2; need <= 4; need++) {
      if (!(k & (B_LEAD << (need - 2))) || from + q + need > nb) continue;
      size_t t = 1;
      while (t < need && (kind[q + t] & B_CONT)) t++;
      if (t == need) reach |= 1ull << (q + need);
    }
  }
  return (reach >> (b - from + 1) & 0xF) != 0;
}

/* The bound of unconvert (issue 14).  A change unconvert keeps decodes
 * the bytes from `from` past byte b (sizes 1 and 2 decode to `stop`,
 * beyond b; sizes 3 and 4 ask pos > b), every sequence valid UTF-8
 * (zf_utf8_strict): a lead of need bytes, then need - 1 continuation
 * bytes, all before nb.  This pass lets every byte of every candidate
 * position be its own or any of its forms' bytes (cand_kinds), each byte
 * on its own and any number of positions at once, so its paths are a
 * superset of the decodes of unconvert's changes: where it finds no path
 * past b, unconvert keeps no change, and refusing there is exact.  On
 * clean Traditional text, whose GBK bytes are seldom UTF-8, it refuses
 * 93% of the calls (198,267 of 212,174 on the lines of 10 MB of the bench
 * text that reach the search; 14 of the calls change something).
 * Returns bit dir set for each conversion dir (of ndir) that may pass; a
 * span of MAY_SPAN bytes or more, or no kinds table (no memory now), is
 * not bounded. */
enum { MAY_SPAN = 60 };

unsigned zf_moji_unconvert_bound(const moji *m, const moji_class *cl, int ndir, const uint32_t *r, size_t len,
                                 size_t p, const size_t *cand, size_t from, size_t b, size_t nb) {
  const unsigned all = (1u << ndir) - 1;
  if (b < from || b - from >= MAY_SPAN || cl->x == X_1252) return all;
  const kinds_table *kt = atomic_load_explicit(&kinds_slot, memory_order_acquire);
  if (!kt && !(kt = zf_shared_get(&kinds_slot, kinds_build, (void *)(uintptr_t)m->t, free))) return all;
  uint8_t kind[NUNDO][MAY_SPAN + 4];
  size_t end = b + 4 < nb ? b + 4 : nb;
  for (size_t q = from; q < end; q++) kind[0][q - from] = kind[1][q - from] = (uint8_t)byte_kind(m->bytes[q]);
  /* the positions collect_cands takes */
  for (int i = 0; i < NCAND; i++) {
    size_t j = cand[i], at;
    if (j < p || j >= len || (at = m->bnd[j]) + 1 < from || at >= end || m->bnd[j + 1] - at != 2) continue;
    uint32_t k = r[j] <= 0xFFFF ? (*kt)[cl->x - X_GBK][r[j]]
                                : cand_kinds(m->t, cl->x, 0, r[j]) | cand_kinds(m->t, cl->x, 1, r[j]) << 16;
    for (int dir = 0; dir < NUNDO; dir++, k >>= 16)
      for (size_t h = 0; h < 2; h++)
        if (at + h >= from && at + h < end) kind[dir][at + h - from] |= (uint8_t)(k >> 8 * h);
  }
  unsigned may = 0;
  for (int dir = 0; dir < ndir; dir++) may |= (unsigned)passes(kind[dir], from, b, nb) << dir;
  return may;
}

zf_moji_audit zf_moji_bound_audit;

/* Clean text in the search (issue 14): zf_moji_do_run decodes its run
 * from every character that is not ASCII, and on clean Traditional text
 * read as GBK or Big5 most of those decodes fail at their first byte (a
 * GBK or Big5 lead byte 81..C1 or F5..FE is no UTF-8 start), each
 * failure paying try_unconvert and its bound (an 8,426-character ssh
 * paragraph of trad.txt: 16K bound calls a pass).  Where the failure is
 * certain and unconvert certainly refuses, the start is "dead": the
 * caller keeps the character as decode_units would, without the decode.
 *
 * Proof that the output and every side effect are those of the search,
 * for a start p of a run of a class reading UTF-8 from GBK or Big5
 * (cl->y == Y_UTF8, cl->x != X_1252), a BMP character c = r[p], b0 its
 * first byte in m->bytes as they stand (its w bytes there: b), the run without marks of lost
 * bytes (run_ctx::marked == 0), and b0 and every first byte of c's forms
 * under either conversion (kinds_table, bits 0-7 and 16-23) of no kind
 * but B_CONT (a continuation byte, or 0: C0, C1, F5..FF):
 *   1. decode_once(p, restarts 0) starts at b = m->bnd[p]; y_get there is
 *      zf_utf8_strict on b0, which starts no sequence: w = 0.  No
 *      fold-back runs (it needs w != 0).
 *   2. try_unconvert(p) runs (may_change: 0 < MAX_RESTARTS) with d.b = b,
 *      d.u_g0 = p, d.nu = 0, so `from` stays p (the loop over units has
 *      none) and m->bnd[from] = b.  The bound then does not return `all`
 *      (b - from = 0 < MAY_SPAN, x is GBK or Big5; the kinds table exists,
 *      since this test found it), and its kind[dir][0] is the kind of b0
 *      or'ed with the bits of the candidates whose bytes cover byte b:
 *      only c's first byte (a candidate j < p is skipped; c0 = p), whose
 *      bits for dir are in this test's union.  So kind[dir][0] has no
 *      B_ONE and no B_LEAD, passes() adds no offset to `reach` at q = 0,
 *      none after it is reachable, and it returns 0: may = 0.  unconvert
 *      with pass = 0 returns 0 at once (the audit off; with it on this
 *      test is not used, see zf_moji_do_run).  m->latin is set and reset
 *      to 0, as it was (decide resets it too).  m->run_dirs unchanged.
 *   3. Back in decode_once, w = 0: no fill, since the run has no marks
 *      and x is not 1252: break with nothing decoded: nu = 0, no unit,
 *      m->bytes, m->dec and m->dsrc untouched.
 *   4. zf_moji_do_run, for nu = 0: emit_keep(p), p + 1.  The caller does
 *      exactly that.
 * 2'. The same holds where b0 or a form's first byte is a lead (no byte
 *      of a two-byte code is ASCII: no B_ONE), c's own code has two bytes
 *      (w == 2) and neither its second byte b1 nor any form's second byte
 *      is a continuation byte: zf_utf8_strict fails at b (w = 0 in 1), and
 *      in the bound kind[dir][1] is b1's kind or'ed with the bits of the
 *      candidate covering byte b + 1, only c again, so it has no B_CONT:
 *      no lead at q = 0 finds its continuation, and passes() returns 0.
 * A start the test does not call dead goes through the search as before
 * (a character beyond the BMP, a start byte, marks, no table yet), so
 * the test may be conservative and is: its bits are a superset of what
 * the bound reads at byte b (both conversions, whatever ndir). */
int zf_moji_dead_start(const moji_class *cl, uint32_t c, const uint8_t *b, size_t w) {
  if (cl->y != Y_UTF8 || cl->x == X_1252 || c > 0xFFFF || w == 0) return 0;
  const kinds_table *kt = atomic_load_explicit(&kinds_slot, memory_order_acquire);
  if (!kt) return 0;
  uint32_t k = (*kt)[cl->x - X_GBK][c];
  k |= k >> 16;
  unsigned k0 = byte_kind(b[0]) | (k & 0xFF);
  if (!(k0 & ~(unsigned)B_CONT)) return 1;
  /* 2'. a lead at b whose next byte, c's second, is no continuation
   * under any form: the same, the sequence breaking at b + 1 */
  return w == 2 && !(k0 & B_ONE) && !((byte_kind(b[1]) | (k >> 8 & 0xFF)) & B_CONT);
}

/* Garbage converted after the wrong decode no longer encodes to the
 * original bytes, so the decode failed at byte b.  Tries the other forms
 * of the candidate characters cand[] (the one holding the byte that breaks
 * the sequence, and its neighbours), one and then two at a time, keeping
 * a change that lets the bytes from `from` through the failed sequence
 * decode.  Sizes 1 and 2: one or two characters changed, and the bytes
 * decode to 4 past the failure.  Sizes 3 and 4, the last resorts: one or
 * two changed, and the bytes decode past the failure and past the first
 * changed character, failing only at a sequence after it (a run of
 * converted characters: 歡縐誨 for 件移 needs three, undone one at a time
 * as the caller decodes again; 阃氲绷 for 通过 after t2s, two at once).
 * Of the changes of one size that pass, the one whose decoded characters
 * the LM finds most probable on average is kept: several may decode
 * (镙峰纺 for 样式: 峰 -> 峯 spells 栍 + 'o', the first pair tried, where
 * 镙 -> 鏍 with 纺 -> 紡 spells 样式).  Returns 1 when the bytes were
 * changed (the caller decodes the run again), 0 otherwise. */
int zf_moji_unconvert(moji *m, const moji_class *cl, int dir, const uint32_t *r, size_t len, size_t p,
                      const size_t *cand, size_t from, size_t b, size_t nb, int pass) {
  if (!pass && !zf_moji_bound_audit.on) return 0;
  zf_moji_bound_audit.refused += !pass;
  cand_set cs;
  collect_cands(m, cl, dir, r, len, p, cand, &cs);
  size_t stop = b + 4 < nb ? b + 4 : nb;
  for (int size = 1; size <= 4; size++) {
    int np = size == 2 || size == 4 ? 2 : 1;
    double best = 0;
    int bi = -1, bk = -1;
    for (int i = 0; i < cs.n; i++)
      for (int k = np == 2 ? i + 1 : i; k < cs.n; k++) {
        if (np == 2 && cs.idx[k] == cs.idx[i]) continue; /* two candidates of one character */
        uint8_t save[2][2];
        int pick[2] = {i, k};
        apply_cands(m, &cs, pick, np, save);
        size_t pos, nc;
        double sc;
        int ok = decode_trial(m, cl, from, stop, nb, &pos, &sc, &nc);
        size_t first = cs.idx[i] < cs.idx[k] ? cs.idx[i] : cs.idx[k];
        if ((size <= 2 ? ok : ok || (pos > b && pos >= m->bnd[first + 1])) && nc &&
            (bi < 0 || sc / (double)nc > best))
          best = sc / (double)nc, bi = i, bk = k;
        for (int q = np; q-- > 0;) {
          uint8_t *bp = m->bytes + m->bnd[cs.idx[pick[q]]];
          bp[0] = save[q][0], bp[1] = save[q][1];
        }
        if (np == 1) break; /* k loop runs once for single changes */
      }
    if (bi >= 0) {
      int pick[2] = {bi, bk};
      apply_cands(m, &cs, pick, np, NULL);
      if (zf_moji_bound_audit.on) zf_moji_bound_audit.changed++, zf_moji_bound_audit.wrong += !pass;
      return 1;
    }
  }
  return 0;
}

/* Whether the byte at `at` falls inside the UTF-8 sequence started by
 * one of the three bytes before it: then a '?' there stands for a lost
 * continuation byte. */
static int cuts_sequence(const uint8_t *bytes, size_t at) {
  for (size_t d = 1; d <= 3 && d <= at; d++) {
    uint8_t b = bytes[at - d];
    if ((b & 0xC0) == 0x80) continue;
    return b >= 0xC0 && (size_t)zf_utf8_need(b) > d;
  }
  return 0;
}

/* Whether the '?' r[i], at byte `at` of m->bytes (the bytes of r[0..i)
 * before it), cuts a UTF-8 sequence under every reading of the garbage
 * character before it: in a document whose garbage has been shown
 * converted to Simplified (conv_sig), that character may be the
 * conversion of another (纺 of 紡 in 绀哄纺? for 示式?), whose bytes end
 * the sequence where its own do not. */
int zf_moji_lost_byte_mark(moji *m, const moji_class *cl, const uint32_t *r, size_t i, size_t at) {
  if (!cuts_sequence(m->bytes, at)) return 0;
  if (i == 0 || at < 2 || cl->x == X_1252 || r[i - 1] < 0x80 || m->conv_sig[UNDO_T2S] < SIG_LINES) return 1;
  uint32_t sc[4];
  int ns = zf_moji_unconv_cands(m->t, UNDO_T2S, r[i - 1], sc, 4), cut = 1;
  uint8_t *bp = m->bytes + at - 2, save0 = bp[0], save1 = bp[1];
  for (int q = 0; q < ns && cut; q++) {
    uint8_t tmp[4];
    int lost;
    if (x_put(m, cl->x, sc[q], tmp, &lost) != 2) continue;
    bp[0] = tmp[0], bp[1] = tmp[1];
    cut = cuts_sequence(m->bytes, at);
  }
  bp[0] = save0, bp[1] = save1;
  return cut;
}
