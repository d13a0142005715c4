/*
 * Dropped bytes with a double-byte source, a line at a time, for the
 * lost-byte stage (lost_stage.c): lost_dbcs.h.
 */
#ifdef LOST_DEBUG
#include <stdio.h>
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lm.h"
#include "lost_dbcs.h"
#include "lost_lat.h"
#include "shared.h"

/* ---- dropped bytes with a double-byte source (lost_drop.c) -----------------
 * GBK read by a Big5 decoder or Big5 by a GBK decoder, bytes dropped: the
 * reader of lost_drop.c (linear) instead of the lattice's search (100,000
 * steps a unit and more, past any budget).  The best class's reading is
 * taken when it dropped at least one byte and beats the line as it stands
 * by DBCS_DROP_GAIN in all and DBCS_DROP_PER_CHAR a character that is not
 * ASCII (see docs/repair-lost.md, phase 6, for the measured gains). */
#define DBCS_DROP_GAIN 15.0
#define DBCS_DROP_PER_CHAR 2.5
/* Fewer characters that are not ASCII than this are too little evidence:
 * a word list of rare characters (翾翾 盻盻 皜皜, clean) reads better with
 * a byte or two assumed lost */
#define DBCS_DROP_MIN_CHARS 8
/* A document that showed the damage (DOC_HITS lines taken on their own
 * evidence, a quarter of those it could read with drops): its short
 * lines are read under its class alone, from DOC_DROP_MIN_CHARS
 * characters that are not ASCII and DOC_DROP_GAIN.  Else the mojibake
 * stage read them as a lossless decode and printed misaligned pairs as
 * wrong characters (获取日期： dropped by CPython's Big5 to 鳳﹍梪琭, read
 * back as 获∪掌冢).  From DOC_LL_HITS lines of one class, the reading with
 * nothing lost gets no margin (DOC_DROP_LOSSLESS): the drop reader's own
 * certainty test marks what the two disagree on (如果 -> 蝜 wins by 0.6;
 * at 1.0 the mojibake stage wrote 绻).  docs/repair-lost.md, phase 8-9. */
#define DOC_DROP_MIN_CHARS 2
#define DOC_DROP_GAIN 5.0
/* A gain a character that is not ASCII, in such a document: the bar a
 * line meets on its own (DBCS_DROP_PER_CHAR) tells a damaged line from a
 * clean line of rare characters with no other evidence; the document's
 * lines taken on that bar are the evidence here.  At 2.5 a long line of
 * the damage that read at 2.0-2.5 a character (`--wrap=C计 b﹚害rじ计`,
 * gain 37.4 over 16) was left as it came, garbage reported.  Tuning
 * slices (skip 0 and 1.5 MB, 60 KB, Big5 read by CPython's GBK): 1.5 and
 * 2.0 alike, docs/repair-lost.md, phase 17. */
#ifndef DOC_DROP_PER_CHAR
#define DOC_DROP_PER_CHAR 2.0
#endif

/* Characters gone whole, the phase unbroken (glibc's decoders drop a pair
 * they cannot map whole): no reading with a byte missing beats the line
 * read with nothing missing, and the mojibake stage restores the survivors
 * as a lossless wrong decode, holes and all.  The line is reported as
 * damaged, not changed (zf_lost_drop_whole: the places are unknown), when
 * for a class whose reader drops whole pairs
 *   - the reading with nothing missing is that wrong decode: it beats the
 *     line as it stands by DBCS_DROP_PER_CHAR a character that is not
 *     ASCII (the reader's own test);
 *   - it is text: neighbouring characters go together better than apart
 *     under the model (pointwise, on average; a code chart spaced one by
 *     one has no neighbours);
 *   - no character of those the reader drops whole appears in n
 *     characters, where the model says 100:1 (WHOLE_ABSENT) at least one
 *     would (Big5 read by glibc's GBK: a third of the model's unigram
 *     mass, n >= 13).
 * Tuning slice (skip 1.5 MB), Big5 read by glibc's GBK: of the 33 lossy
 * lines that reach this test 20 pass; no lossless line of any class
 * reaches it; the Big5/GBK code charts and the rare-character lines of the
 * do-no-harm stress files: none passes (the charts have no neighbours,
 * the rare lines gain nothing read so). */
/* WHOLE_ABSENT (lost_dbcs.h) */

/* A file goes through one decoder: the evidence of the lines that are
 * that wrong decode and text (the first two tests) is pooled per class
 * (pool), the characters of those lines being as independent as one
 * line's.  From WHOLE_ABSENT pooled, the document has shown that its
 * reader drops whole characters, and each of its lines that reads better
 * as that wrong decode than as it stands (gain > 0: the whole file went
 * through that decoder, a line of it that is not ASCII is this damage or
 * clean, and a clean line reads worse so; a short line has no pairs to
 * show it is text) may have lost characters.  The detection window's
 * pool (prescan, ev->floor) is a floor for the lines' own, so the lines
 * before the lines' pool reaches it are judged on it too (phase 11).
 * Such a line is reported when, by its n characters, the odds
 * that something went are 2:1 or better, (1 - m)^n <= 1/3 (WHOLE_LINE:
 * n >= 3 for Big5 read by glibc's GBK).  A heading of one or two
 * characters is not by that count (it lost nothing more often than not:
 * tuning slice, 10 of 36 such lines lost something, 19 of 20 of three to
 * five), but by its neighbours (broken_heading).  docs/repair-lost.md,
 * phases 10 and 11. */
#define WHOLE_LINE 0.4771 /* log10(3) */

/* A short line of a document that showed whole characters gone, too
 * short for WHOLE_LINE (one or two survivors): the odds that something
 * went are read from its Han runs' neighbours under the model
 * (zf_lost_whole_edges: the chance that the character next to 稱 or 歷 was
 * one the reader drops, 名 or 史 or 的, 一 ...), at the same 2:1
 * (WHOLE_LINE); a run of two characters that is a word of the lexicon
 * shows nothing (選項, 描述: a heading).  docs/repair-lost.md, phase 11. */
static int broken_heading(const zf_lost *l, const zf_lost_hyp *h, const zf_lost_whole *wh) {
  if (wh->nrd >= sizeof wh->rd / sizeof wh->rd[0]) return 0;
  double e = 0;
  for (size_t a = 0; a < wh->nrd;) {
    size_t z = a;
    while (z < wh->nrd && wh->rd[z] >= 0x3400) z++;
    /* a run of two that is a word of the lexicon is whole (選項) */
    if (z > a && (z - a == 1 || !zf_lm_word(wh->rd + a, z - a, NULL))) e += zf_lost_whole_edges(l, h, wh->rd + a, z - a);
    a = z > a ? z : a + 1;
  }
  return e >= WHOLE_LINE;
}

/* zf_lost_whole_mass of class k of zf_lost_all_hyps, once per process
 * (shared.h) when l reads with the process-wide tables: the mass depends
 * only on those and the model, and a document of one short record would
 * otherwise walk the 24,000 pairs again (4% of `--jsonl`'s CPU on short
 * records).  Other tables (tests build their own): computed each time.
 * Without memory for the cache the value is computed, not cached. */
static zf_shared_slot whole_mass_slot[32];

typedef struct mass_arg {
  const zf_lost *l;
  const zf_lost_hyp *h;
} mass_arg;

static void *mass_build(void *arg) {
  const mass_arg *a = arg;
  double *m = malloc(sizeof *m);
  if (m) *m = zf_lost_whole_mass(a->l, a->h);
  return m;
}

static double whole_mass_of(const zf_lost *l, size_t k) {
  const zf_lost_hyp *h = &zf_lost_all_hyps[k];
  if (k >= sizeof whole_mass_slot / sizeof whole_mass_slot[0] || l->t != zf_lost_shared_tables())
    return zf_lost_whole_mass(l, h);
  mass_arg a = {l, h};
  const double *m = zf_shared_get(&whole_mass_slot[k], mass_build, &a, free);
  return m ? *m : zf_lost_whole_mass(l, h);
}

int zf_lost_whole_gone(zf_lost *l, const zf_text *in, size_t na, double *mass, whole_ev *ev) {
  double *pool = ev->pool;
  for (size_t k = 0; k < zf_lost_nall_hyps && k < 32; k++) {
    const zf_lost_hyp *h = &zf_lost_all_hyps[k];
    zf_lost_whole wh;
    if (h->style != ZF_LOST_DROP || h->src == ZF_LC_UTF8 || h->reader == ZF_LC_UTF8) continue;
    if (mass[k] < 0) mass[k] = whole_mass_of(l, k);
    if (mass[k] <= 0 || !na) continue;
    if (zf_lost_drop_whole(l, h, in, mass[k], &wh)) continue;
#ifdef LOST_DEBUG
    fprintf(stderr, "whole %s>%s n %zu na %zu gain/c %.2f pmi/c %.2f mass %.3f absent %.2f pool %.2f\n",
            zf_lost_codec_name(h->src), zf_lost_codec_name(h->reader), wh.n, na,
            (wh.reading - wh.literal) / (double)na, wh.pmi / (double)(wh.npairs ? wh.npairs : 1), wh.mass,
            wh.absent, pool[k]);
#endif
    double gain = wh.reading - wh.literal;
    if (pool[k] >= WHOLE_ABSENT || ev->floor[k] >= WHOLE_ABSENT) {
      if (gain > 0 && wh.absent >= WHOLE_LINE) return 1;
      if (gain > 0 && wh.absent < WHOLE_LINE && broken_heading(l, h, &wh)) return 1;
      continue;
    }
    if (gain < DBCS_DROP_PER_CHAR * (double)na || 2 * wh.npairs < wh.n || wh.pmi <= 0) continue;
    pool[k] += wh.absent;
    if (pool[k] >= WHOLE_ABSENT) return ev->shown = 1;
  }
  return 0;
}

/* Whole characters went, places unknown: one report of no length at the
 * line's end (its terminator, else its last character), the line
 * unchanged and left to the mojibake stage. */
int zf_lost_whole_report(const zf_text *in, zf_stats *stats) {
  zf_stats_unrecoverable(stats, in->off[in->len - 1], 0);
  return ZF_UNCHANGED;
}

/* Whether c parts a token of a line (space, bracket, the line's end). */
static int token_edge(uint32_t c) {
  return c == ' ' || c == '\t' || c == '(' || c == ')' || c == '[' || c == ']' || c == '\n' || c == '\r';
}

/* A line of nothing but ASCII in a document that showed the damage of
 * class doc, holding `@` as a token of its own: when the class's reader
 * drops a lead before `@` and reads the `@` again, the `@` is what is left
 * of a character (CPython's GBK on Big5 作者 = A740 AACC: A7 goes, 40 is
 * read as `@`, AA and CC go: `AUTHORS 作者` -> `AUTHORS @`).  A clean line
 * rarely holds a lone `@` (an address or a decorator is joined to a
 * word); only the document's class is asked.  docs/repair-lost.md,
 * phase 17. */
int zf_lost_lone_trail(int doc, const zf_text *in) {
  if (doc < 0 || (size_t)doc >= zf_lost_nall_hyps) return 0;
  int lone = 0, tokens = 0;
  for (size_t i = 0; i < in->len; i++) {
    if (in->cp[i] >= 0x80) return 0;
    int edge = !i || token_edge(in->cp[i - 1]);
    tokens += edge && !token_edge(in->cp[i]);
    if (in->cp[i] == '@') lone |= edge && (i + 1 == in->len || token_edge(in->cp[i + 1]));
  }
  /* a heading: the `@` and at most one word (`AUTHORS @`, `@ AUTHOR`) */
  if (tokens > 2) return 0;
  const zf_lost_hyp *h = &zf_lost_all_hyps[doc];
  const zf_lost_tables *t = lone ? zf_lost_shared_tables() : NULL;
  if (!t || h->style != ZF_LOST_DROP) return 0;
  const lc_model *S = &t->m[h->src], *R = &t->m[h->reader];
  if (!S->present || !R->present || S->kind != LC_KIND_DBCS || R->kind != LC_KIND_DBCS) return 0;
  return zf_lost_drop_cands(S, R, 1, '@', 0, 1, NULL, 1) > 0;
}

/* Whether the input character at byte offset off is ASCII. */
static int input_ascii(const zf_text *in, uint64_t off) {
  size_t lo = 0, hi = in->len;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (in->off[mid] < off) lo = mid + 1;
    else hi = mid;
  }
  return lo < in->len && in->off[lo] == off && in->cp[lo] < 0x80;
}

/* In a document that showed the damage, a line the reader does not take
 * (too short, or its margins refuse it) whose reading with drops is text
 * and beats both the line as it stands and the reading with nothing
 * missing (bytes more likely went than not: zf_lost_result.likely, or a
 * taken reading's gain under the document's floor) is reported, not
 * changed (*whole); so is such a line of the document's that the reader
 * is asked about only for that (only: too few characters or too few rare
 * ones to be read at all; W嘿 for 名稱, the W a trail whose lead went).
 * docs/repair-lost.md, phase 10. */
int zf_lost_dbcs_drop_line(zf_lost *l, int mode, int doc, const zf_text *in, zf_text *out, zf_stats *stats,
                          zf_lost_result *res, const zf_lost_hyp **used, int *whole, double *mass, whole_ev *pool,
                          size_t *read, double ll, int only) {
  const zf_lost_hyp *best = NULL;
  double bg = 0;
  size_t na = nonascii(in), out0 = out->len;
  int likely = 0;
  /* in a document that showed the damage (doc: its class), a short line
   * is read under that class alone, on less */
  double need = doc >= 0 ? DOC_DROP_GAIN : DBCS_DROP_GAIN;
  double need_c = doc >= 0 ? DOC_DROP_PER_CHAR : DBCS_DROP_PER_CHAR;
  if (doc >= 0 && na < DOC_DROP_MIN_CHARS) only = 1;
  if (!na || (!only && na < (doc >= 0 ? DOC_DROP_MIN_CHARS : DBCS_DROP_MIN_CHARS))) return ZF_LOST_NOFIT;
  if (doc < 0) only = 0;
  for (size_t k = 0; k < zf_lost_nall_hyps; k++) {
    const zf_lost_hyp *h = &zf_lost_all_hyps[k];
    if (h->style != ZF_LOST_DROP || h->src == ZF_LC_UTF8 || h->reader == ZF_LC_UTF8) continue;
    if (doc >= 0 && k != (size_t)doc) continue;
    /* bytes that under this reader have UTF-8's shape are UTF-8 read by
     * it (zf_lost_utf8_shaped), not a double-byte source */
    if (zf_lost_utf8_shaped(l, h->reader, in)) continue;
    int rc = doc >= 0 ? zf_lost_drop_read_at(l, h, mode, ll, in, out, res)
                      : zf_lost_drop_read(l, h, mode, in, out, res);
    out->len = out0;
    if (rc == ZHFIX_E_NOMEM) return rc;
    likely |= doc >= 0 && (rc ? res->likely : res->score > res->literal);
    /* a line read only for that: taken when it holds a word that may
     * have lost its outer bytes (marked) */
    if (rc || (only && !res->split)) continue;
    if (read) ++*read, read = NULL;
    double g = res->score - res->literal;
#ifdef LOST_DEBUG
    fprintf(stderr, "dbcsdrop: %s>%s g %.1f na %zu gaps %zu\n", zf_lost_codec_name(h->src),
            zf_lost_codec_name(h->reader), g, na, res->gaps);
#endif
    if ((only || (g >= need && g >= need_c * (double)na)) && (!best || g > bg)) best = h, bg = g;
  }
  if (!best) {
    if (doc < 0) *whole |= zf_lost_whole_gone(l, in, na, mass, pool);
    *whole |= likely;
    return ZF_LOST_NOFIT;
  }
  int rc = doc >= 0 ? zf_lost_drop_read_at(l, best, mode, ll, in, out, res)
                    : zf_lost_drop_read(l, best, mode, in, out, res);
  if (rc) return rc;
  size_t nf;
  const uint8_t *f = zf_lost_flags(l, &nf);
  /* A reading that marks more characters than the line has characters
   * that are not ASCII invents damage: clean rare characters spaced one
   * by one (a Big5 code chart) read "better" as a mark and a swallowed
   * ASCII byte each, because a mark costs the model nothing (沇 as a
   * mark and V, its trail).  An ASCII byte of the input that the phases
   * disagree on (the L of Larry: a Big5 trail?) stays as it came and does
   * not count (docs/repair-lost.md, phase 8). */
  size_t nmark = 0;
  for (size_t i = 0; i < nf; i++)
    nmark += (f[i] == ZF_LOST_MARKED || f[i] == ZF_LOST_GUESSED || out->cp[out0 + i] < 0x80) &&
             !input_ascii(in, out->off[out0 + i]);
  if (nmark > na) {
    out->len = out0;
    return ZF_LOST_NOFIT;
  }
  zf_lost_report_marks(out, out0, f, nf, stats);
  stats->lost_leave = 1; /* the mojibake stage leaves the line */
  *used = best;
  return 0;
}
