/*
 * The lost-byte stage (issue #15): a line that went through a decoder that
 * replaced or dropped bytes is rebuilt by the lattice (lost.h), before the
 * mojibake stage's lossless readings.  docs/repair-lost.md has the model.
 *
 * A line's way through the stage (run):
 *   1. a scan for a place a lost byte may have left: U+FFFD or '?' next
 *      to text that is not ASCII (without one, and with no drop evidence,
 *      the line passes unchanged: almost all text);
 *   2. every damage class of zf_lost_all_hyps whose markers the line shows
 *      is tested (zf_lost_detect: the surviving bytes read in the source
 *      beat the line as it stands by a clear margin); the best gain wins;
 *   3. the lattice rebuilds the line under that class in the handle's
 *      --lost mode; what it marks is reported with its input offset, and
 *      the later stages leave those spans alone (pipeline.c: no
 *      conversion, no punctuation of garbage).
 * Each line is judged on its own evidence: a document mixing damages is
 * repaired line by line.  A line on which an earlier stage (the farm
 * stage) reported damage is left to that stage's report.
 */
#ifdef LOST_DEBUG
#include <stdio.h>
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linefacts.h"
#include "lm.h"
#include "lost.h"
#include "lost_dbcs.h"
#include "shared.h"

static zf_shared_slot lost_tables_slot;

static void *tables_build(void *arg) {
  (void)arg;
  zf_lost_tables *t;
  return zf_lost_tables_new(&t, NULL, 0) ? NULL : t;
}

static void tables_drop(void *obj) { zf_lost_tables_free(obj); }

const zf_lost_tables *zf_lost_shared_tables(void) {
  return zf_shared_get(&lost_tables_slot, tables_build, NULL, tables_drop);
}

/* A document's evidence of damage without markers: lines taken on their
 * own evidence as UTF-8 read by a dropping Big5 decoder (u8_drop_line),
 * as GBK read by a dropping UTF-8 one (zf_lost_asutf8_line), by the
 * double-byte drop reader (dbcs_drop_line, per class of zf_lost_all_hyps)
 * and the lines it could read with drops.  From DOC_HITS on, the document
 * shows that damage and its short lines are read on less. */
typedef struct docev {
  size_t u8drop_hits, asutf8_hits;
  int asutf8_src; /* the source of the last line taken so */
  size_t asutf8_refused; /* lines the document's reading of that damage refused */
  size_t a8r_hits; /* GBK/Big5 read by a replacing UTF-8 decoder: lines taken on their own */
  size_t dbcs_hits[32];
  size_t dbcs_tries;
} docev;


typedef struct lstage {
  zf_lost *l; /* created at the first line that needs it */
  int mode;   /* ZF_LOST_MARK or ZF_LOST_GUESS */
  int script; /* the document's script when the caller gave it, else -1 */
  size_t drop_tries, drop_hits; /* this document's lines tested for drops */
  double whole_mass[32];        /* zf_lost_whole_mass per class, < 0 until known */
  docev ev, floor; /* the document's evidence: line by line; the window's (prescan) */
  docev eff; int dirty; /* doc_evidence, recomputed when dirty */
  int dbdoc; double dbll; /* dbcs_doc of eff, recomputed with it */
  int pre;         /* in prescan: the readers on a line's own evidence only */
  whole_ev whole;  /* whole_gone's evidence pooled over the document's lines */
} lstage;

static int dbcs_doc(const docev *e, double *ll);

/* A new document's state in s (zeroed) with options o. */
static void init(lstage *s, const zf_opts *o) {
  s->mode = o->lost == ZHFIX_LOST_GUESS ? ZF_LOST_GUESS : ZF_LOST_MARK;
  s->script = o->script_detected ? -1 : o->script;
  for (size_t k = 0; k < sizeof s->whole_mass / sizeof s->whole_mass[0]; k++) s->whole_mass[k] = -1;
  s->dbdoc = dbcs_doc(&s->eff, &s->dbll);
}

static int create(void **st, const zf_opts *o) {
  *st = NULL;
  if (!o->mojibake || o->lost == ZHFIX_LOST_OFF) return 0;
  lstage *s = calloc(1, sizeof *s);
  if (!s) return ZHFIX_E_NOMEM;
  init(s, o);
  *st = s;
  return 0;
}

/* The next document on the handle (zf_stage_ops.reuse): what destroy and
 * create would leave, without freeing and allocating the 1.7 KB state (a
 * --jsonl record is a document). */
static int reuse(void *st, const zf_opts *o) {
  lstage *s = st;
  if (!o->mojibake || o->lost == ZHFIX_LOST_OFF) return 0;
  zf_lost_free(s->l);
  memset(s, 0, sizeof *s);
  init(s, o);
  return 1;
}

static void destroy(void *st) {
  lstage *s = st;
  zf_lost_free(s->l);
  free(s);
}

/* Markers a lost byte leaves next to text that is not ASCII: bit 0 a
 * U+FFFD, bit 1 a '?'. */
unsigned zf_lost_markers(const zf_text *in) {
  const uint32_t *cp = in->cp;
  size_t n = in->len;
  unsigned f = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t c = cp[i];
    if (c != 0xFFFD && c != '?') continue;
    int near = 0;
    for (size_t q = i > 2 ? i - 2 : 0; q < n && q <= i + 2 && !near; q++)
      near = cp[q] >= 0x80 && cp[q] != 0xFFFD;
    if (near) f |= c == '?' ? 2u : 1u;
  }
  return f;
}

/* The mojibake counter of a damage class. */
static int class_stat(const zf_lost_hyp *h) {
  int r = h->reader;
  int rgbk = r == ZF_LC_PY_GBK || r == ZF_LC_WHATWG_GBK || r == ZF_LC_ICU_GBK || r == ZF_LC_GLIBC_GBK;
  if (h->src == ZF_LC_UTF8)
    return rgbk ? ZHFIX_STAT_MOJIBAKE_UTF8_AS_GBK
                : r == ZF_LC_PY_CP1252 ? ZHFIX_STAT_MOJIBAKE_UTF8_AS_LATIN1 : ZHFIX_STAT_MOJIBAKE_UTF8_AS_BIG5;
  if (h->src == ZF_LC_PY_GBK) return rgbk || r == ZF_LC_UTF8 ? -1 : ZHFIX_STAT_MOJIBAKE_GBK_AS_BIG5;
  return rgbk ? ZHFIX_STAT_MOJIBAKE_BIG5_AS_GBK : -1;
}

static int big5_reader(int r) {
  return r == ZF_LC_PY_BIG5 || r == ZF_LC_PY_CP950 || r == ZF_LC_WHATWG_BIG5 || r == ZF_LC_ICU_BIG5 ||
         r == ZF_LC_GLIBC_BIG5;
}

/* Classes whose lines are left to the mojibake stage's fills (one gap in
 * a UTF-8 character, cp1252's undefined bytes, cp936's '?': moji_lossy.c)
 * without a search: UTF-8 read as cp1252 with U+FFFD, and as GBK with
 * cp936's '?', where those fills restore more at the same wrong (tuning
 * slice, skip 1.5 MB, restored / wrong % through the command line, the
 * lattice's mark mode against --lost=off: cp1252 92.25 / 0.81 against
 * 97.72 / 0.81).  A line whose best class (or one tied with it) is one of
 * these goes there.  UTF-8 read as GBK with U+FFFD stays the lattice's:
 * Python's decoder (the commonest, requests' r.text) and the WHATWG and
 * ICU ones tie on most lines, and the fills there print seven times the
 * wrong characters for a tenth of a point more (Python: 84.12 / 1.45
 * against 84.22 / 7.22; WHATWG and ICU: 91.11 / 0.31 against 93.57 /
 * 0.31; held out, skip 3 MB: Python 87.24 / 0.41 against 86.98 / 4.15,
 * WHATWG 94.35 / 0.06 against 95.47 / 0.27, ICU 94.35 / 0.06 against
 * 95.53 / 0.15): a wrong character is worse than a marked one.  Cost on
 * the JSON Lines corpus of the Python tests: 1.19 s against 1.12 s. */
static int moji_fills_better(const zf_lost_hyp *h) {
  if (h->src != ZF_LC_UTF8 || h->style == ZF_LOST_DROP) return 0;
  return h->reader == ZF_LC_PY_CP1252 || h->style == ZF_LOST_QMARK;
}

/* ---- cost ----------------------------------------------------------------
 * A line's search is bounded (zf_lost_set_budget): a run may spend a
 * number of steps a unit it has reached, all runs of the line together
 * LINE_TOTAL a unit; a line that runs out goes on to the mojibake stage as
 * it came, counted in ZHFIX_STAT_LOST_OVER_BUDGET.  Measured on the tuning
 * slice (skip 1.5 MB), steps a unit of the runs that fit: UTF-8 read as
 * GBK or cp1252 at most 300 (median 6-36), Big5 read as GBK at most 853
 * (median 94), GBK read as Big5 median 500-930, 90th percentile
 * 1,100-3,200; UTF-8 read as Big5 median 5,300-13,500, which no budget
 * that keeps the JSON Lines corpus of the Python tests within 1.3 times
 * the stage's absence pays: those classes are not searched (at 1,000 and
 * 4,000 a unit the tuning slice gains 0.0-3.7 points restored, and the
 * JSON Lines part costs 3-4 times as much); their lines are rebuilt from
 * UTF-8's structure instead (u8_big5_fill, linear).  Dropped bytes with a double-byte
 * source cost 100,000 steps a unit and more: past DROP_STEPS, left as
 * they came (a document stops trying them after DROP_FAILS).
 * DBCS_STEPS and LINE_TOTAL were 4,000: GBK read by Python's Big5 decoder
 * then left 10.4% of the tuning slice's characters as garbage (lines over
 * budget), 1.2% at 8,000 (16,000 gains nothing more).  The search that
 * made the higher budget dear was the double-byte one on UTF-8 read as
 * Big5 that escapes that class's detection; zf_lost_utf8_shaped now keeps
 * it out, and the JSON Lines part costs 10.6% fewer instructions than
 * with 4,000 and no shape test.
 * Dropped bytes from a UTF-8 source (iconv -c) get U8_DROP_STEPS, a line
 * that many in all: at 16,000 glibc's dropping GBK decoder left 4.7% of
 * the tuning slice's characters as silent garbage (lines over budget),
 * 2.2% at 32,000 (64,000 gains nothing more); the world corpus's 1,950
 * files come out byte-identical either way. */
#define LINE_STEPS 600
#define DBCS_STEPS 8000
#define DROP_STEPS 16000
#define U8_DROP_STEPS 32000
#define LINE_TOTAL 8000
#define DBCS_GAIN 0.4

static size_t hyp_steps(const zf_lost_hyp *h) {
  if (h->style == ZF_LOST_DROP) return h->src == ZF_LC_UTF8 ? U8_DROP_STEPS : DROP_STEPS;
  return h->src == ZF_LC_UTF8 ? LINE_STEPS : DBCS_STEPS;
}

/* Inserts class k with gain g into order[0..*n), kept best gain first
 * (ties keep the table's order). */
static void rank_insert(size_t *order, double *gain, size_t *n, size_t k, double g) {
  size_t at = (*n)++;
  while (at > 0 && gain[at - 1] < g) {
    gain[at] = gain[at - 1];
    order[at] = order[at - 1];
    at--;
  }
  gain[at] = g;
  order[at] = k;
}

/* One class's search of the line at its own step rate (hyp_steps). */
static int run_hyp(zf_lost *l, const zf_lost_hyp *h, int mode, const zf_text *in, zf_text *out,
                   zf_lost_result *res, double gain) {
  zf_lost_set_rate(l, hyp_steps(h));
  int rc = zf_lost_run(l, h, mode, in, out, NULL, res);
#ifdef LOST_DEBUG
  fprintf(stderr, "lost: %s>%s/%d gain %.1f rc %d work %zu len %zu\n", zf_lost_codec_name(h->src),
          zf_lost_codec_name(h->reader), h->style, gain, rc, zf_lost_work(l), in->len);
#else
  (void)gain;
#endif
  return rc;
}

/* lost.h */
void zf_lost_report_marks(const zf_text *out, size_t from, const uint8_t *f, size_t nf, zf_stats *stats) {
  for (size_t i = 0; i < nf;) {
    if (f[i] != ZF_LOST_MARKED && f[i] != ZF_LOST_GUESSED) {
      i++;
      continue;
    }
    size_t e = i;
    while (e < nf && (f[e] == ZF_LOST_MARKED || f[e] == ZF_LOST_GUESSED)) e++;
    uint64_t a = out->off[from + i], z = out->off[from + e - 1];
    zf_stats_unrecoverable(stats, a, z >= a ? z - a + 1 : 1);
    i = e;
  }
}

/* UTF-8 read by a Big5 decoder (U+FFFD): the lattice's search costs
 * 5,000-30,000 steps a unit there (hyp_steps), so a line no searched
 * class fits and whose surviving bytes have UTF-8's shape under a Big5
 * decoder (zf_lost_utf8_shaped) is rebuilt from UTF-8's structure
 * instead (zf_lost_u8_fill, linear). */
static int u8_big5_fill(zf_lost *l, int mode, const zf_text *in, zf_text *out, zf_stats *stats,
                        zf_lost_result *res, const zf_lost_hyp **used) {
  static const zf_lost_codec_id readers[] = {ZF_LC_PY_BIG5, ZF_LC_ICU_BIG5, ZF_LC_WHATWG_BIG5};
  for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
    if (!zf_lost_utf8_shaped(l, readers[i], in)) continue;
    /* the filler reads the gaps under all three decoders' rules; the
     * reader here re-encodes the surviving characters (their tables
     * differ in a few code points) */
    size_t out0 = out->len;
    int rc = zf_lost_u8_fill(l, readers[i], mode, in, out, res);
    if (rc == ZF_LOST_NOFIT) continue;
    if (rc) return rc;
    size_t nf;
    const uint8_t *f = zf_lost_flags(l, &nf);
    zf_lost_report_marks(out, out0, f, nf, stats);
    for (size_t k = 0; k < zf_lost_nall_hyps && used; k++) {
      const zf_lost_hyp *h = &zf_lost_all_hyps[k];
      if (h->src == ZF_LC_UTF8 && h->reader == readers[i] && h->style == ZF_LOST_REPLACE) *used = h;
    }
    return 0;
  }
  return ZF_LOST_NOFIT;
}

int zf_lost_repair_line(zf_lost *l, int mode, unsigned markers, const zf_text *in, zf_text *out,
                        zf_stats *stats, zf_lost_result *res, const zf_lost_hyp **used) {
  /* UTF-8 read by a Big5 decoder first: a line whose every surviving
   * byte is a piece of UTF-8 is that damage (u8_big5_fill), and the
   * searches below would spend their budget on it for nothing */
  if (markers & 1) {
    int rc = u8_big5_fill(l, mode, in, out, stats, res, used);
    if (rc != ZF_LOST_NOFIT) return rc;
  }
  /* the classes whose markers the line shows, best gain first */
  enum { MAXH = 32 };
  size_t order[MAXH], n = 0;
  double gain[MAXH];
  int u8big5 = 0;
  for (size_t k = 0; k < zf_lost_nall_hyps && k < MAXH; k++) {
    const zf_lost_hyp *h = &zf_lost_all_hyps[k];
    if (h->style == ZF_LOST_DROP) continue; /* no marker to go by */
    /* Double-byte text read as UTF-8: every lead byte is a marker and
     * only ASCII survives, the bytes determine nothing (docs/repair-lost.md)
     * and the search would cost seconds a line: the marks stay, reported
     * by the mojibake stage. */
    if (h->reader == ZF_LC_UTF8) continue;
    if (h->style == ZF_LOST_REPLACE && !(markers & 1)) continue;
    if (h->style == ZF_LOST_QMARK && !(markers & 2)) continue;
    double g;
    int det = zf_lost_detect(l, h, in, &g);
#ifdef LOST_DEBUG
    fprintf(stderr, "det: %s>%s/%d %d %.1f\n", zf_lost_codec_name(h->src), zf_lost_codec_name(h->reader),
            h->style, det, g);
#endif
    if (!det) continue;
    if (h->src == ZF_LC_UTF8 && big5_reader(h->reader)) {
      /* detected, but not searched (see hyp_steps): u8_big5_fill above
       * took the lines whose bytes are pieces of UTF-8 */
      u8big5 = 1;
      continue;
    }
    /* A double-byte source read by a Big5 decoder must read far better
     * than the line as it stands, DBCS_GAIN a unit: on the tuning slice
     * (skip 1.5 MB) GBK read as Big5 gains 0.58-0.96 a unit at the tenth
     * percentile, UTF-8 read as Big5 (where the GBK reading is garbage
     * too, and its search the most expensive of all) 0.30-0.75 at the
     * ninetieth. */
    if (h->src != ZF_LC_UTF8 && big5_reader(h->reader) && g < DBCS_GAIN * (double)in->len) continue;
    /* A line whose bytes under that Big5 decoder have UTF-8's shape is
     * UTF-8 read as Big5 even where that class's detection fails (its
     * gaps cut nearly every character, little is left to score): the
     * double-byte search there costs 50,000-200,000 steps a line only to
     * run out of budget or be rejected. */
    if (h->src != ZF_LC_UTF8 && big5_reader(h->reader) && zf_lost_utf8_shaped(l, h->reader, in)) {
      u8big5 = 1;
      continue;
    }
    rank_insert(order, gain, &n, k, g);
  }
  /* UTF-8 read as Big5 detected: a double-byte source read by a Big5
   * decoder is not searched on that line.  Double-byte text read as
   * UTF-8 fails nearly every byte and never passes that detection (on
   * the tuning slice, none of 209 GBK-as-Big5 lines did), while the
   * search for GBK read as Big5 on UTF-8 read as Big5 costs 70,000 to
   * 270,000 steps a line only to be rejected or to fit a wrong reading. */
  if (u8big5) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
      const zf_lost_hyp *h = &zf_lost_all_hyps[order[i]];
      if (h->src != ZF_LC_UTF8 && big5_reader(h->reader)) continue;
      order[m] = order[i];
      gain[m++] = gain[i];
    }
    n = m;
  }
  /* The mojibake stage's own fills (moji_lossy.c) restore more of these
   * in mark mode, at the same wrong: the line is left to it. */
  for (size_t i = 0; i < n && gain[i] == gain[0] && mode == ZF_LOST_MARK; i++)
    if (moji_fills_better(&zf_lost_all_hyps[order[i]])) return ZF_LOST_NOFIT; /* best, or tied with it */
  for (size_t i = 0; i < n; i++) {
    const zf_lost_hyp *h = &zf_lost_all_hyps[order[i]];
    size_t out0 = out->len;
    int rc = run_hyp(l, h, mode, in, out, res, gain[i]);
    if (rc == ZF_LOST_NOFIT) {
      out->len = out0;
      continue;
    }
    if (rc == 0) {
      size_t nf;
      const uint8_t *f = zf_lost_flags(l, &nf);
      zf_lost_report_marks(out, out0, f, nf, stats);
      if (used) *used = h;
    }
    return rc;
  }
  return ZF_LOST_NOFIT;
}

/* ---- dropped bytes (iconv -c, errors="ignore") -----------------------------
 * No marker says where bytes went, so the evidence must come from the text.
 * Clean text read as if bytes were dropped from it is garbage; a line whose
 * bytes were dropped reads as text once rebuilt.  A line is taken when
 *   1. a quarter of its Han characters are ones the model hardly knows
 *      (zf_lost_detect's test: wrong decodes are full of them), and the
 *      surviving bytes read in the source beat the line by 3.0 (log10);
 *   2. the lattice rebuilds it with at least one byte dropped, and the
 *      rebuilt reading beats the line as it stands by DROP_GAIN in all and
 *      by DROP_PER_CHAR per character that is not ASCII.
 * Measured (docs/repair-lost.md): on the world corpus's 1.28 M clean
 * lines, 364 pass (1) and the best rebuilt gain among them is 10.8; on
 * the tuning slice's dropped lines the gain is 15 to 470, mostly above 40
 * for UTF-8 text, and at least 1.9 a character. */
#define DROP_GAIN 15.0
#define DROP_PER_CHAR 1.5
/* Fewer characters than this that are not ASCII are too little evidence
 * (a dictionary's 茇茇); and a document where the lattice was tried this
 * many times more than DROP_TRIES_PER_HIT times its successes is not one
 * whose bytes were dropped: it stops trying (the search costs ~0.1 s a
 * line; a word list of rare characters would otherwise pay it a line). */
#define DROP_MIN_CHARS 5
#define DROP_FAILS 16
#define DROP_TRIES_PER_HIT 4

/* The clean-line gate reads the line's facts (linefacts.h: the Han
 * characters from U+3400, the rare ones among them -- not a model
 * character, or log10 P < ZF_RARE_LP, -5.0 -- and the markers '?' and
 * U+FFFD), which the pipeline read once for every repair stage; a line
 * an earlier stage changed is scanned here, with the same definition. */

/* Cheap first test: enough Han characters, a quarter of them rare. */
static int drop_suspect(const zf_line_facts *lf) { return lf->han >= 2 && lf->rare * 4 >= lf->han; }

/* In a document that showed double-byte drops, kana and bopomofo count as
 * rare Han: Big5's commonest rows (A4-A5: 中 文 手 ...) read by GBK land
 * on its kana rows (いゅ man もU董p购G), which the mojibake stage read as
 * a lossless decode, misaligned pairs and all (手冊頁 -> 手U雁). */
static int kana_suspect(const zf_text *in, const zf_line_facts *lf) {
  size_t k = 0;
  for (size_t i = 0; i < in->len; i++) k += in->cp[i] >= 0x3040 && in->cp[i] <= 0x312F;
  return lf->han + k >= 2 && (lf->rare + k) * 4 >= lf->han + k;
}

static int drop_line(zf_lost *l, int mode, const zf_text *in, zf_text *out, zf_stats *stats,
                     zf_lost_result *res, const zf_lost_hyp **used, int *tried) {
  enum { MAXH = 32 };
  size_t order[MAXH], n = 0, na = nonascii(in);
  double gain[MAXH];
  for (size_t k = 0; k < zf_lost_nall_hyps && k < MAXH; k++) {
    const zf_lost_hyp *h = &zf_lost_all_hyps[k];
    double g;
    if (h->style != ZF_LOST_DROP || !zf_lost_detect(l, h, in, &g)) continue;
    /* readable with nothing dropped: a lossless wrong decode, the mojibake
     * stage's (and the search would cost seconds a page for nothing) */
    if (zf_lost_lossless(l, h, in)) continue;
#ifdef LOST_DEBUG
    fprintf(stderr, "dropdet: %s>%s g %.1f na %zu pc %.2f\n", zf_lost_codec_name(h->src),
            zf_lost_codec_name(h->reader), g, na, g / (double)na);
#endif
    rank_insert(order, gain, &n, k, g);
  }
  *tried = n > 0;
  for (size_t i = 0; i < n; i++) {
    const zf_lost_hyp *h = &zf_lost_all_hyps[order[i]];
    size_t out0 = out->len;
    int rc = run_hyp(l, h, mode, in, out, res, gain[i]);
    if (rc == ZHFIX_E_NOMEM || rc == ZF_LOST_OVER) return rc;
    double g = res->score - res->literal;
    /* no byte dropped is a lossless wrong decode: the mojibake stage's
     * (翾翾 盻盻 皜皜 is 蚩蚩 湘湘 娓娓's Big5 read as GBK, and clean) */
    if (rc == 0 && res->gaps > 0 && g >= DROP_GAIN && g >= DROP_PER_CHAR * (double)na) {
      size_t nf;
      const uint8_t *f = zf_lost_flags(l, &nf);
      zf_lost_report_marks(out, out0, f, nf, stats);
      *used = h;
      return 0;
    }
    out->len = out0;
  }
  return ZF_LOST_NOFIT;
}

/* UTF-8 read by a Big5 decoder that dropped bytes (errors="ignore", iconv
 * -c): no marker, and the lattice's drop search cannot afford it; the line
 * is rebuilt from UTF-8's structure when its bytes are pieces of UTF-8
 * (zf_lost_u8_drop, lost_u8drop.c), every stretch not rebuilt marked and
 * reported. */
/* glibc's Big5 decoder passes the byte 0x80 alone (U+0080) where it
 * stood between characters and right after a lead it dropped: a line that
 * holds one reads as lossless UTF-8 (雿 U+0080 as 佀, where 作者 lost
 * bytes) without showing that nothing went.  In a document that showed
 * the damage (doc) such a line is not refused as a lossless wrong decode. */
static int has_lone80(const zf_text *in) {
  for (size_t i = 0; i < in->len; i++)
    if (in->cp[i] == 0x80) return 1;
  return 0;
}

/* Whether the line reads as UTF-8 under a Big5 reader with nothing lost:
 * a lossless wrong decode, the mojibake stage's, which restores it whole
 * (the mixed documents' utf8-as-big5 lines).  In a document that showed
 * the damage (doc), a line holding a lone 0x80 is not refused so. */
static int u8_lossless(const zf_lost *l, int doc, const zf_text *in) {
  for (size_t k = 0; k < zf_lost_nall_hyps && !(doc && has_lone80(in)); k++) {
    const zf_lost_hyp *h = &zf_lost_all_hyps[k];
    if (h->src == ZF_LC_UTF8 && big5_reader(h->reader) && zf_lost_lossless(l, h, in)) return 1;
  }
  return 0;
}

/* A lossless line is refused whether a reader would take it or not, so
 * the readers' own first test (the bytes' shape, which refuses nearly
 * every clean line at its first characters) runs before the lossless test
 * (five readings of the line, each in a reader's inverse table): the
 * result is the same, and a clean line costs the readers' tables only. */
static int u8_drop_line(zf_lost *l, int mode, int doc, const zf_text *in, zf_text *out, zf_stats *stats,
                        zf_lost_result *res, const zf_lost_hyp **used) {
  static const zf_lost_codec_id readers[] = {ZF_LC_PY_BIG5, ZF_LC_GLIBC_BIG5, ZF_LC_PY_CP950};
  for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
    size_t out0 = out->len;
    int rc = zf_lost_u8_drop(l, readers[i], mode, doc, in, out, res);
    if (rc == ZF_LOST_NOFIT) {
      out->len = out0;
      continue;
    }
    if (u8_lossless(l, doc, in)) {
      out->len = out0; /* (the flags count only after a reading is taken) */
      return ZF_LOST_NOFIT;
    }
    if (rc) return rc;
    size_t nf;
    const uint8_t *f = zf_lost_flags(l, &nf);
    zf_lost_report_marks(out, out0, f, nf, stats);
    for (size_t k = 0; k < zf_lost_nall_hyps; k++) {
      const zf_lost_hyp *h = &zf_lost_all_hyps[k];
      if (h->src == ZF_LC_UTF8 && big5_reader(h->reader) && h->style == ZF_LOST_DROP) *used = h;
    }
    return 0;
  }
  return ZF_LOST_NOFIT;
}

/* ---- GBK read by a dropping UTF-8 decoder (lost_asutf8.c) ------------------
 * Only ASCII and stray characters of other scripts survive (ȡڣ, ֲҳƻ);
 * a line holding fewer than ASUTF8_MAX_HAN common Han characters is
 * tested (zf_lost_asutf8_line). */
#define ASUTF8_MAX_HAN 3
/* Lines the document's reading refuses, at most this many per line taken
 * on its own evidence, for that reading to mark a line's stray characters
 * (lost_asutf8.c, doc_mark); past it they are reported and left.  Tuning
 * slice (skip 1.5 MB, 60 KB a class), Big5 read as UTF-8: wrong 2.140%
 * before doc_mark, 1.309% with 1 (part of the document refuses more lines
 * than it takes), 0.591% with 2 or 4.  5,000 clean non-Han lines of the
 * world corpus after 60 damaged lines (GBK or Big5): refused by the
 * thousand, output identical to that without doc_mark with 1, 2 or 4. */
#define A8_REFUSED 2

static void doc_evidence(const lstage *s, docev *e) {
  const docev *f = &s->floor, *o = &s->ev;
  *e = *o;
  if (f->u8drop_hits > e->u8drop_hits) e->u8drop_hits = f->u8drop_hits;
  if (f->a8r_hits > e->a8r_hits) e->a8r_hits = f->a8r_hits;
  if (f->asutf8_hits > e->asutf8_hits) e->asutf8_hits = f->asutf8_hits, e->asutf8_src = f->asutf8_src;
  if (f->dbcs_tries > e->dbcs_tries) e->dbcs_tries = f->dbcs_tries;
  for (size_t k = 0; k < sizeof e->dbcs_hits / sizeof e->dbcs_hits[0]; k++)
    if (f->dbcs_hits[k] > e->dbcs_hits[k]) e->dbcs_hits[k] = f->dbcs_hits[k];
}

/* The class of the double-byte drop reader's document, or -1: a
 * document where it took fewer than one in DROP_TRIES_PER_HIT of the
 * lines it could read with drops does not show the damage (the stress
 * files' rare characters: 4 of 2,190, 11 of 298); *ll: the margin of
 * the reading with nothing lost in it.  A function of the document's
 * evidence alone, so it is computed when that is (run: once a line read
 * it, not on every line; 32 classes a line were 3.6% of the
 * instructions of other Traditional text). */
static int dbcs_doc(const docev *e, double *ll) {
  int dbdoc = -1;
  size_t dbhits = 0;
  for (size_t k = 0; k < sizeof e->dbcs_hits / sizeof e->dbcs_hits[0]; k++) {
    dbhits += e->dbcs_hits[k];
    if (e->dbcs_hits[k] >= DOC_HITS && (dbdoc < 0 || e->dbcs_hits[k] > e->dbcs_hits[dbdoc])) dbdoc = (int)k;
  }
  if (DROP_TRIES_PER_HIT * dbhits < e->dbcs_tries) dbdoc = -1;
  *ll = dbdoc >= 0 && e->dbcs_hits[dbdoc] >= DOC_LL_HITS ? DOC_DROP_LOSSLESS : 3.0;
  return dbdoc;
}

/* A document's evidence as the readers' `doc` argument: the lines taken on
 * their own evidence, capped (lost.h). */
static int doc_strength(size_t hits) { return hits > 255 ? 255 : (int)hits; }

/* The document's reader, created at the first line that needs it: 0, or
 * ZHFIX_E_NOMEM. */
static int reader(lstage *s) {
  if (!s->l) {
    const zf_lost_tables *t = zf_lost_shared_tables();
    if (!t || !(s->l = zf_lost_new(t))) return ZHFIX_E_NOMEM;
    zf_lost_set_script(s->l, s->script);
  }
  return 0;
}

/* In the detection window (prescan), a line with markers counts only as
 * evidence of GBK or Big5 read by a replacing UTF-8 decoder, on its own
 * (zf_lost_asutf8_repl, output dropped): the document's first short lines
 * (b �˸� (ASCII 8), 退格) are then read with the document's evidence. */
static int pre_repl(lstage *s, unsigned markers, const zf_line_facts *lf, const zf_text *in, zf_text *out) {
  if (!(markers & 1) || lf->han - lf->rare >= ASUTF8_MAX_HAN) return ZF_UNCHANGED;
  if (reader(s)) return ZHFIX_E_NOMEM;
  zf_stats scratch;
  zf_stats_init(&scratch);
  zf_lost_result res;
  const zf_lost_hyp *h;
  int rc = zf_lost_asutf8_repl(s->l, 0, in, out, &scratch, &res, &h);
  if (rc == 0) s->ev.a8r_hits++;
  return rc == ZHFIX_E_NOMEM ? rc : ZF_UNCHANGED;
}

static int run(void *st, const zf_text *in, zf_text *out, zf_stats *stats) {
  lstage *s = st;
  stats->lost_leave = 0;
  if (s->dirty) doc_evidence(s, &s->eff), s->dbdoc = dbcs_doc(&s->eff, &s->dbll), s->dirty = 0;
  const docev *e = &s->eff;
  /* The clean-line gate: one pass over the line gives what both tests
   * need; the exact marker test runs only on a line holding a marker. */
  unsigned markers;
  const zf_line_facts *lf = &stats->lf;
  zf_line_facts own;
  if (!lf->valid) {
    if (zf_line_facts_scan(in, &own)) return ZHFIX_E_NOMEM;
    lf = &own;
  }
  markers = lf->marker ? zf_lost_markers(in) : 0;
  if (s->pre && markers) return pre_repl(s, markers, lf, in, out); /* no evidence of a damage without markers */
  int u8only = 0;
  /* a '?' alone (`--help, -? 曄內 撣桀拐縑.`) marks no dropped byte: the
   * markerless readers below read such a line too, before the classes
   * that write '?' */
  int nodrop = !markers || markers == 2;
  /* GBK read by a dropping UTF-8 decoder: hardly any common Han */
  int asu8 = nodrop && lf->wide && lf->han - lf->rare < ASUTF8_MAX_HAN &&
             (e->asutf8_hits >= DOC_HITS || zf_lost_asutf8_maybe(in));
  /* in a document that showed UTF-8 read by a dropping Big5 decoder, a
   * short line of rare Han too (one pair: a heading) */
  int u8doc = e->u8drop_hits >= DOC_HITS;
  int u8try = nodrop && (drop_suspect(lf) || (u8doc && lf->wide && (lf->rare * 4 >= lf->han || e->u8drop_hits >= DOC_LL_HITS)));
  /* the class of the double-byte drop reader's document (dbcs_doc) */
  int dbdoc = s->dbdoc;
  double dbll = s->dbll;
  int dbshort = 0;
  /* a document that showed whole characters gone: its lines are tested */
  int wdoc = !markers && lf->wide && s->whole.shown;
  if (!markers && (!drop_suspect(lf) || nonascii(in) < DROP_MIN_CHARS)) {
    dbshort = dbdoc >= 0 && !s->pre && lf->wide;
    if (!u8try && !asu8 && !dbshort && !wdoc) /* a lone `@` of the damage: reported (lost_dbcs.c) */
      return !s->pre && zf_lost_lone_trail(dbdoc, in) ? zf_lost_whole_report(in, stats) : ZF_UNCHANGED;
    u8only = 1; /* only UTF-8 read by a dropping Big5 decoder is tried */
  }
  /* the lattice's dropping classes stop in a document where they keep
   * failing (DROP_FAILS); the linear readers (UTF-8 read by a dropping Big5
   * decoder, the double-byte reader) do not */
  int lattice_drops = !s->pre && s->drop_tries < DROP_FAILS + DROP_TRIES_PER_HIT * s->drop_hits;
  if (stats->nseg_damage) return ZF_UNCHANGED; /* an earlier stage reported this line's damage */
  s->dirty = 1; /* the readers below may add to the document's evidence */
  if (reader(s)) return ZHFIX_E_NOMEM;
  zf_lost_set_budget(s->l, LINE_STEPS, (markers ? LINE_TOTAL : U8_DROP_STEPS) * (in->len + 4));
  zf_lost_result res;
  const zf_lost_hyp *h = NULL;
  int tried = 0, whole = 0;
  int rc = ZF_LOST_NOFIT;
  if (asu8) {
    int src = e->asutf8_src;
    rc = zf_lost_asutf8_line(s->l, s->mode, 0, 0, &src, in, out, stats, &res, &h);
    if (rc == 0) {
      /* the count is of lines of one source in a row */
      s->ev.asutf8_hits = src == s->ev.asutf8_src ? s->ev.asutf8_hits + 1 : 1;
      s->ev.asutf8_src = src;
    } else if (rc == ZF_LOST_NOFIT && e->asutf8_hits >= DOC_HITS && !s->pre) {
      /* a line the document's reading refuses has its stray characters
       * marked (from DOC_LL_HITS) only while such lines are at most as
       * many as the lines taken on their own evidence (A8_REFUSED): a
       * document where they are not may hold text of its own (a clean
       * page after the damaged one); it is reported, as before */
      int markok = e->asutf8_refused <= A8_REFUSED * e->asutf8_hits;
      rc = zf_lost_asutf8_line(s->l, s->mode, doc_strength(e->asutf8_hits), markok, &src, in, out, stats, &res, &h);
      if (rc == ZF_LOST_NOFIT || rc == ZF_UNCHANGED) s->ev.asutf8_refused++;
    }
  }
  if (rc == ZF_LOST_NOFIT && u8try) {
    rc = drop_suspect(lf) ? u8_drop_line(s->l, s->mode, 0, in, out, stats, &res, &h) : ZF_LOST_NOFIT;
    if (rc == 0) s->ev.u8drop_hits++;
    else if (rc == ZF_LOST_NOFIT && u8doc && !s->pre) rc = u8_drop_line(s->l, s->mode, doc_strength(e->u8drop_hits), in, out, stats, &res, &h);
  }
  if (rc == ZF_LOST_NOFIT && u8only && dbshort)
    rc = zf_lost_dbcs_drop_line(s->l, s->mode, dbdoc, in, out, stats, &res, &h, &whole, s->whole_mass, &s->whole, NULL, dbll,
                        !drop_suspect(lf) && !kana_suspect(in, lf));
  if (rc == ZF_LOST_NOFIT && u8only)
    return whole || (wdoc && zf_lost_whole_gone(s->l, in, nonascii(in), s->whole_mass, &s->whole)) ? zf_lost_whole_report(in, stats)
                                                                                              : ZF_UNCHANGED;
  if (rc == ZF_LOST_NOFIT) {
    if (markers) {
      rc = zf_lost_repair_line(s->l, s->mode, markers, in, out, stats, &res, &h);
      /* GBK or Big5 read by a replacing UTF-8 decoder (lost_asutf8.c):
       * U+FFFD and stray characters, hardly any common Han */
      if (rc == ZF_LOST_NOFIT && (markers & 1) && lf->han - lf->rare < ASUTF8_MAX_HAN) {
        rc = zf_lost_asutf8_repl(s->l, 0, in, out, stats, &res, &h);
        if (rc == 0) s->ev.a8r_hits++;
        else if (rc == ZF_LOST_NOFIT && e->a8r_hits >= DOC_HITS)
          rc = zf_lost_asutf8_repl(s->l, doc_strength(e->a8r_hits), in, out, stats, &res, &h);
      }
    } else {
      rc = zf_lost_dbcs_drop_line(s->l, s->mode, -1, in, out, stats, &res, &h, &whole, s->whole_mass, &s->whole, &s->ev.dbcs_tries, 0, 0);
      if (rc == 0) s->ev.dbcs_hits[h - zf_lost_all_hyps]++;
      else if (rc == ZF_LOST_NOFIT && dbdoc >= 0 && !s->pre)
        rc = zf_lost_dbcs_drop_line(s->l, s->mode, dbdoc, in, out, stats, &res, &h, &whole, s->whole_mass, &s->whole, NULL, dbll, 0);
      if (rc == ZF_LOST_NOFIT && lattice_drops) rc = drop_line(s->l, s->mode, in, out, stats, &res, &h, &tried);
    }
  }
  if (tried) s->drop_tries++, s->drop_hits += rc == 0;
  if (rc == ZF_LOST_OVER) {
    /* the line's budget ran out: it goes on to the mojibake stage as it
     * came, counted */
    stats->v[ZHFIX_STAT_LOST_OVER_BUDGET]++;
    return ZF_UNCHANGED;
  }
  if (rc == ZF_LOST_NOFIT && !whole && wdoc) whole = zf_lost_whole_gone(s->l, in, nonascii(in), s->whole_mass, &s->whole);
  if (rc == ZF_LOST_NOFIT && whole) return zf_lost_whole_report(in, stats);
  if (rc == ZF_LOST_NOFIT) return ZF_UNCHANGED;
  if (rc) return rc;
  /* The terminator goes out as it came: the lattice reads it (a line's
   * end is evidence), but a mark never replaces it. */
  size_t body = in->len;
  while (body > 0 && (in->cp[body - 1] == '\n' || in->cp[body - 1] == '\r')) body--;
  if (body < in->len) {
    size_t k = out->len;
    while (k > 0 && (out->off[k - 1] >= in->off[body] || out->cp[k - 1] == '\n' || out->cp[k - 1] == '\r'))
      k--;
    out->len = k;
    if (zf_text_append(out, in, body, in->len - body)) return ZHFIX_E_NOMEM;
  }
  stats->v[ZHFIX_STAT_LOST_LINES]++;
  stats->v[ZHFIX_STAT_LOST_GUESSED] += res.guessed;
  int cs = class_stat(h);
  if (cs >= 0) stats->v[cs]++;
  if (out->len == in->len && !memcmp(out->cp, in->cp, in->len * sizeof *in->cp)) return ZF_UNCHANGED;
  return 0;
}

/* The detection window's lines read by the readers that judge a line on
 * its own evidence (no lattice, no document-mode reading), output dropped:
 * a document's first lines (获取日期：) were read before any line showed the
 * damage, by the mojibake stage (获∪掌冢).  The window's counts are a floor
 * (doc_evidence: each count the window's or the lines' own, the larger). */
static void prescan(void *st, const zf_text *prefix) {
  lstage *s = st;
  size_t nl = 0, j = 0; /* a window of fewer lines than DOC_HITS shows nothing (--jsonl) */
  for (; j + 16 <= prefix->len && nl < DOC_HITS; j += 16) {
    unsigned any = 0;
    for (size_t k = 0; k < 16; k++) any |= prefix->cp[j + k] == '\n';
    for (size_t k = 0; k < 16 && any; k++) nl += prefix->cp[j + k] == '\n';
  }
  for (; j < prefix->len && nl < DOC_HITS; j++) nl += prefix->cp[j] == '\n';
  if (nl < DOC_HITS) return;
  zf_text out = {0};
  zf_stats scratch; /* zf_stats_init'ed a line */
  whole_ev whole = s->whole; /* pooled by the lines themselves, once */
  s->pre = 1;
  for (size_t a = 0, i = 0; i < prefix->len; i++) {
    if (prefix->cp[i] != '\n') continue;
    zf_text line = {prefix->cp + a, prefix->off + a, i + 1 - a, 0}; /* a view: run reads it only */
    zf_text_clear(&out);
    zf_stats_init(&scratch);
    if (run(s, &line, &out, &scratch) < 0) break;
    a = i + 1;
  }
  zf_text_free(&out);
  /* the window's pooled absence is a floor for the lines' own, as docev's
   * counts are: the lines before the lines' pool reaches WHOLE_ABSENT are
   * judged on the document's evidence too */
  memcpy(whole.floor, s->whole.pool, sizeof whole.floor);
  whole.shown |= s->whole.shown;
  s->pre = 0, s->floor = s->ev, s->dirty = 1, s->whole = whole;
  memset(&s->ev, 0, sizeof s->ev);
}

const zf_stage_ops zf_stage_lost = {"lost", create, prescan, run, destroy, reuse};
