/*
 * GBK or Big5 text read by a UTF-8 decoder that dropped what it could not
 * read (errors="ignore", iconv -c; issue #15; docs/repair-lost.md has the
 * other classes).
 *
 * A double-byte source read as UTF-8 loses nearly everything: only ASCII
 * and the byte runs that happen to be valid UTF-8 survive (C2-DF + one
 * continuation byte, E0-EF + two), as stray characters of every script
 * (ȡڣ, ֲҳƻ, İά, ʾ).  Those stray characters are the evidence: each
 * one's UTF-8 bytes are consecutive source bytes, so re-encoded they hold
 * one source character in one of two phases (C8 A1 = 取 where the pair is
 * aligned; D6 B2 the trail of 手 and the lead of 册 where it is not).  On
 * damage about half the stray characters read as common Chinese
 * characters in one phase; clean text in another script (Cyrillic, Greek,
 * Hebrew, Arabic, Latin with diacritics) reads as a scatter of Han and, as
 * it stands, makes words of its own script, which the any-language model
 * scores well, where the stray characters change script at every step.
 *
 * A line is taken (GBK or Big5, whichever reads better) when most of its
 * stray characters read as common Chinese characters and that reading
 * beats the line as it stands by a margin a character.  Nothing of it is certain: the phase of each stray
 * character and the length of each gap are unknown.  In mark mode every
 * stretch of the line's non-ASCII text becomes one mark, reported at its
 * input offset, and the ASCII passes as it came (it may hold a Big5 or
 * GBK trail byte, but it is never replaced); guess mode writes each stray
 * character's best reading, flagged.
 */
#include "lost_dbcs.h"
#include "lost_lat.h"
#ifdef LOST_DEBUG
#define DBG(...) fprintf(stderr, __VA_ARGS__)
#else
#define DBG(...) ((void)0)
#endif

/* Evidence (tuning slice, skip 1.5 MB, with the world corpus in view):
 * at least A8_MIN_STRAY stray characters, at least half of them of two
 * bytes (U+0080-07FF: where a GBK pair C2-DF + 80-BF lands; clean rare
 * Han word lists read as GBK pairs too); at least A8_HIT_NUM/A8_HIT_DEN
 * of them read in some phase as a Chinese character with log10 P above
 * A8_HIT_LP; the reading's mean log10 P a stray character beats the
 * line's own (any-language bigram model) by A8_GAIN.  Measured with a
 * GBK source, lines of 3+ stray characters: damage gains 0.5-3.4 (most
 * above 2), the world corpus's clean lines at most 1.67 (two stray
 * characters: IPA pairs like ["ʦ", "ʧ"] gain 3.5, so two are too few).
 * With a Big5 source (its trails 40-7E survive as ASCII letters: ӤO is
 * D3 | A4 4F, 是, so an ASCII byte after a stray character is read as a
 * trail too) damage on lines of 4+ stray characters gains 0.96-3.94 (17
 * of 22 above 2), the world corpus's clean lines at most 1.59; with three
 * stray characters clean lines reach 2.25: A8_MIN_STRAY_BIG5. */
#define A8_MIN_STRAY 3
#define A8_MIN_STRAY_BIG5 4
#define A8_HIT_LP (-4.0)
#define A8_HIT_NUM 1
#define A8_HIT_DEN 2
#define A8_GAIN 2.0
#define A8_UNKNOWN_LP (-8.0)
/* In a document where lines were already taken on that evidence (the
 * caller's `doc`: a GBK page read as UTF-8 loses every line alike), one
 * stray character suffices, of any length, one of them reading as a
 * common character, and the margin is A8_DOC_GAIN (tuning slice: damaged
 * lines of one or two stray characters gain 0.5-3.3; the world corpus
 * never gets here: none of its lines is taken on its own evidence). */
#define A8_DOC_GAIN 0.5
/* ... and from DOC_LL_HITS such lines, a line the document's reading
 * refuses is reported, not changed (doc_report), when its stray
 * characters do not read as text of their own under the any-language
 * model: log10 P at most A8_REPORT_ASIS a character (the line as it
 * stands improbable, as U8D_IN_LP).  Tuning slice, lines the reading
 * refused in documents of the damage: GBK 10 of 20, Big5 10 of 14 are so;
 * 5,000 clean non-Han lines of the world corpus after such a document's
 * first 60 lines: 39 and 41 of about 4,400 (Latin words with one letter
 * outside ASCII: 117 each at -4.5, 253 and 220 at -4.0). */
#define A8_REPORT_ASIS (-5.0)

static size_t utf8_bytes(uint32_t c, uint8_t *b) {
  if (c < 0x80) return b[0] = (uint8_t)c, 1;
  if (c < 0x800) return b[0] = (uint8_t)(0xC0 | c >> 6), b[1] = (uint8_t)(0x80 | (c & 0x3F)), 2;
  if (c < 0x10000)
    return b[0] = (uint8_t)(0xE0 | c >> 12), b[1] = (uint8_t)(0x80 | (c >> 6 & 0x3F)),
           b[2] = (uint8_t)(0x80 | (c & 0x3F)), 3;
  return b[0] = (uint8_t)(0xF0 | c >> 18), b[1] = (uint8_t)(0x80 | (c >> 12 & 0x3F)),
         b[2] = (uint8_t)(0x80 | (c >> 6 & 0x3F)), b[3] = (uint8_t)(0x80 | (c & 0x3F)), 4;
}

static double han_lp(uint32_t v) {
  if (v < 0x3400) return A8_UNKNOWN_LP; /* a symbol or kana: not the evidence sought */
  return zf_lm_known(v) ? zf_lm_char(v) : A8_UNKNOWN_LP;
}

/* The best source character the bytes of in->cp[j] hold in some phase
 * (with the next character's first byte where it follows directly), and
 * its log10 P; 0 when none. */
static uint32_t best_reading(const lc_model *S, const zf_text *in, size_t j, double *lp) {
  uint8_t b[5];
  size_t k = utf8_bytes(in->cp[j], b);
  if (j + 1 < in->len && in->cp[j + 1] >= 0x80) {
    uint8_t nb[4];
    utf8_bytes(in->cp[j + 1], nb);
    b[k++] = nb[0];
  } else if (j + 1 < in->len && in->cp[j + 1] >= 0x40 && in->cp[j + 1] < 0x7F) {
    b[k++] = (uint8_t)in->cp[j + 1]; /* an ASCII byte may be a trail */
  }
  uint32_t best = 0;
  *lp = A8_UNKNOWN_LP;
  for (size_t i = 0; i + 1 < k; i++) {
    uint32_t v = lc_pair(S, b[i], b[i + 1]);
    if (!v || v == LC_TWO_CPS) continue;
    double p = han_lp(v);
    if (!best || p > *lp) best = v, *lp = p;
  }
  return best;
}

/* The stray characters' evidence: how many (ns), of two bytes (n2), read
 * as a common Chinese character in some phase (hits); their best readings'
 * log10 P summed (chin) against the line as it stands under the
 * any-language model (asis).  Gathered in three steps, each only when the
 * tests on the step before pass (the figures are sums, so the order in
 * which they are taken changes nothing): the counts, the readings, the
 * any-language sum (a line of rare clean Han seldom has the hits, and the
 * any-language model is a page look-up a character).  ZF_LOST_NOFIT for
 * a line this damage cannot leave. */
typedef struct a8ev {
  size_t ns, hits, n2, nf;
  double chin, asis;
} a8ev;

/* The counts (ns, n2; nf the U+FFFD when fffd, which a replacing reader
 * leaves: else a U+FFFD is other damage), or ZF_LOST_NOFIT. */
static int stray_count(const zf_text *in, int fffd, a8ev *e) {
  *e = (a8ev){0, 0, 0, 0, 0, 0};
  for (size_t j = 0; j < in->len; j++) {
    uint32_t c = in->cp[j];
    if (c < 0x80) continue;
    if (c == 0xFFFD && fffd) {
      e->nf++;
      continue;
    }
    /* a marker or a surrogate is other damage, or clean text, and so is
     * a character of the planes text uses (emoji, CJK extensions B-H,
     * tags and variation selectors to U+E01EF, private use from U+F0000);
     * the unassigned planes 4-13 and the rest of plane 14 are stray
     * characters (F1-F3 and three continuation bytes: GBK's F2 A1 B5 A4
     * survives as U+A18F5, Big5's F3 AA BA A4, 套件's bytes in phase
     * with a trail before them, as U+EAEA4 on the tuning slice) */
    if (c == 0xFFFD || (c >= 0xD800 && c <= 0xDFFF) ||
        (c > 0xFFFF && (c < 0x40000 || (c >= 0xE0000 && c < 0xE01F0) || c >= 0xF0000)))
      return ZF_LOST_NOFIT;
    e->ns++;
    e->n2 += c < 0x800;
  }
  return 0;
}

/* The readings (hits, chin). */
static void stray_read(const lc_model *S, const zf_text *in, a8ev *e) {
  for (size_t j = 0; j < in->len; j++) {
    if (in->cp[j] < 0x80) continue;
    double lp;
    best_reading(S, in, j, &lp);
    e->hits += lp > A8_HIT_LP;
    e->chin += lp;
  }
}

/* The line as it stands under the any-language model (asis). */
static void stray_asis(const zf_text *in, a8ev *e) {
  uint32_t prev = 0;
  for (size_t j = 0; j < in->len; j++) {
    uint32_t c = in->cp[j];
    if (c >= 0x80 && c != 0xFFFD) e->asis += zf_lm_any_bigram(prev, c);
    prev = c;
  }
}

static int emit_line(zf_lost *l, const lc_model *S, int mode, const zf_text *in, zf_text *out, zf_lost_result *res);

int zf_lost_asutf8_drop(zf_lost *l, int src, int mode, int doc, const zf_text *in, zf_text *out,
                        zf_lost_result *res) {
  const lc_model *S = zf_lat_begin(l, src, res);
  if (!S) return ZF_LOST_NOFIT;
  a8ev e;
  if (stray_count(in, 0, &e)) return ZF_LOST_NOFIT;
  size_t ns = e.ns, n2 = e.n2;
  size_t minstray = src == ZF_LC_PY_GBK ? A8_MIN_STRAY : A8_MIN_STRAY_BIG5;
  if (ns < (doc ? 1 : minstray) || (!doc && n2 * 2 < ns)) return ZF_LOST_NOFIT;
  stray_read(S, in, &e);
  size_t hits = e.hits;
  if (doc ? hits < 1 : hits * A8_HIT_DEN < ns * A8_HIT_NUM) return ZF_LOST_NOFIT;
  stray_asis(in, &e);
  double chin = e.chin, asis = e.asis;
#ifdef LOST_DEBUG
  fprintf(stderr, "asutf8 doc %d s%d ns %zu hits %zu n2 %zu chin %.2f asis %.2f LINE ", doc, src, ns, hits, n2, chin / (double)ns, asis / (double)ns);
  for (size_t j = 0; j < in->len && j < 40; j++) fprintf(stderr, "%04X ", (unsigned)in->cp[j]);
  fprintf(stderr, "\n");
#endif
  if (chin - asis < (doc ? A8_DOC_GAIN : A8_GAIN) * (double)ns) return ZF_LOST_NOFIT;
  res->score = chin;
  res->literal = asis;
  return emit_line(l, S, mode, in, out, res);
}

/* The line written: ASCII as it came, each stretch of stray characters
 * one mark (guess mode: each stray character's best reading, flagged). */
static int emit_line(zf_lost *l, const lc_model *S, int mode, const zf_text *in, zf_text *out, zf_lost_result *res) {
  int inmark = 0;
  for (size_t j = 0; j < in->len; j++) {
    uint32_t c = in->cp[j];
    uint64_t off = in->off[j];
    int r;
    if (c < 0x80) {
      r = zf_lat_emit(l, out, c, off, ZF_LOST_KEPT);
      res->kept++;
      inmark = 0;
    } else if (mode == ZF_LOST_GUESS) {
      double lp;
      uint32_t v = best_reading(S, in, j, &lp);
      r = zf_lat_emit(l, out, v ? v : l->marker, off, v ? ZF_LOST_GUESSED : ZF_LOST_MARKED);
      if (v) res->guessed++;
      else res->marked++, res->gaps++;
      inmark = 0;
    } else {
      r = zf_lat_mark_stretch(l, out, off, res, &inmark);
    }
    if (r) {
      l->nflags = 0;
      return ZHFIX_E_NOMEM;
    }
  }
  return 0;
}

/* ---- the stage's use (lost_stage.c) -------------------------------------- */

/* The reader's own first test (zf_lost_asutf8_drop: 3+ stray characters, half
 * of them of two bytes, no U+FFFD), before the lost tables are built: a
 * clean line with a middle dot or a short heading costs nothing more. */
int zf_lost_asutf8_maybe(const zf_text *in) {
  size_t ns = 0, n2 = 0;
  for (size_t i = 0; i < in->len; i++) {
    uint32_t c = in->cp[i];
    if (c < 0x80) continue;
    if (c == 0xFFFD) return 0;
    ns++;
    n2 += c < 0x800;
  }
  return ns >= 3 && n2 * 2 >= ns;
}

/* A line of a document of this damage (DOC_LL_HITS lines of one source
 * taken on their own evidence) that the document's reading refused, where
 * the caller does not allow doc_mark (below): its stray characters are
 * reported, each stretch at its input offset, and
 * the line left as it came, when they do not read as text of their own
 * (A8_REPORT_ASIS; a file goes through one decoder: `/proc YӍ` and
 * `ڣ2016-12-18` read no common character, yet no script's words either;
 * `vacuumdb в` reads as a Russian word and is not reported).  ZF_UNCHANGED
 * when reported, else ZF_LOST_NOFIT. */
static const lc_model *stray_notext(zf_lost *l, int src, const zf_text *in, zf_lost_result *res);

/* The end of a line written with marks: on failure (rc) the line's
 * output is taken back; otherwise every mark written since out0 is
 * reported at its input offset. */
static int marked_tail(zf_lost *l, int rc, zf_text *out, size_t out0, zf_stats *stats) {
  if (rc) {
    out->len = out0;
    return rc;
  }
  size_t nf;
  const uint8_t *f = zf_lost_flags(l, &nf);
  zf_lost_report_marks(out, out0, f, nf, stats);
  return 0;
}

static int doc_report(zf_lost *l, int src, const zf_text *in, zf_stats *stats, zf_lost_result *res) {
  if (!stray_notext(l, src, in, res)) return ZF_LOST_NOFIT;
  for (size_t j = 0; j < in->len;) {
    if (in->cp[j] < 0x80) {
      j++;
      continue;
    }
    size_t k = j;
    while (k < in->len && in->cp[k] >= 0x80) k++;
    uint64_t a = in->off[j], z = k < in->len ? in->off[k] : in->off[k - 1] + 1;
    zf_stats_unrecoverable(stats, a, z > a ? z - a : 1);
    j = k;
  }
  return ZF_UNCHANGED;
}

/* A line of a document of this damage (DOC_LL_HITS lines of one source
 * taken on their own evidence) that the document's reading refused: its
 * stray characters are marked (each stretch one mark, reported at its
 * input offset) and its ASCII kept, when they do not read as text of their
 * own (A8_REPORT_ASIS; a file goes through one decoder: `/proc YӍ` and
 * `ڣ2016-12-18` read no common character, yet no script's words either;
 * `vacuumdb в` reads as a Russian word and is left).  Such a character's
 * bytes are source bytes that happened to be valid UTF-8: what it shows is
 * garbage, so it is marked, as the lines taken are (until wave 17 the line
 * was reported and left as it came: the garbage stayed in the text, 0.52%
 * (GBK) and 0.99% (Big5) of the original's characters on the tuning
 * slice).  ZF_LOST_NOFIT when the characters read as text. */
static int doc_mark(zf_lost *l, int src, int mode, const zf_text *in, zf_text *out, zf_lost_result *res) {
  const lc_model *S = stray_notext(l, src, in, res);
  return S ? emit_line(l, S, mode, in, out, res) : ZF_LOST_NOFIT;
}

/* The reader of src when in's stray characters read as no text of their
 * own (A8_REPORT_ASIS), else NULL. */
static const lc_model *stray_notext(zf_lost *l, int src, const zf_text *in, zf_lost_result *res) {
  const lc_model *S = zf_lat_begin(l, src, res);
  a8ev e;
  if (!S || stray_count(in, 0, &e) || !e.ns) return NULL;
  stray_asis(in, &e);
  return e.asis > A8_REPORT_ASIS * (double)e.ns ? NULL : S;
}

int zf_lost_asutf8_line(zf_lost *l, int mode, int doc, int markok, int *src, const zf_text *in, zf_text *out,
                        zf_stats *stats, zf_lost_result *res, const zf_lost_hyp **used) {
  static const zf_lost_hyp gbk_as_utf8 = {ZF_LC_PY_GBK, ZF_LC_UTF8, ZF_LOST_DROP};
  static const zf_lost_hyp big5_as_utf8 = {ZF_LC_PY_CP950, ZF_LC_UTF8, ZF_LOST_DROP};
  size_t out0 = out->len;
  /* the source that reads better (in a document that showed the damage,
   * the source it showed) */
  int best = -1;
  double bg = 0;
  for (int k = 0; k < 2; k++) {
    int sc = k ? ZF_LC_PY_CP950 : ZF_LC_PY_GBK;
    if (doc && sc != *src) continue;
    int rc = zf_lost_asutf8_drop(l, sc, mode, doc, in, out, res);
    out->len = out0;
    if (rc == ZHFIX_E_NOMEM) return rc;
    if (rc == 0 && (best < 0 || res->score - res->literal > bg)) best = sc, bg = res->score - res->literal;
  }
  int rc;
  if (best >= 0) rc = zf_lost_asutf8_drop(l, best, mode, doc, in, out, res);
  else if (doc >= DOC_LL_HITS && markok) rc = doc_mark(l, best = *src, mode, in, out, res);
  else return doc >= DOC_LL_HITS ? doc_report(l, *src, in, stats, res) : ZF_LOST_NOFIT;
  if ((rc = marked_tail(l, rc, out, out0, stats)) != 0) return rc;
  *src = best;
  stats->lost_leave = 1;
  *used = best == ZF_LC_PY_GBK ? &gbk_as_utf8 : &big5_as_utf8;
  return 0;
}

/* ---- GBK or Big5 read by a replacing UTF-8 decoder --------------------------
 * errors="replace" (Python), WHATWG, ICU: each invalid byte (Python) or
 * maximal invalid subpart (WHATWG) becomes one U+FFFD, and the byte runs
 * that happen to be valid UTF-8 survive as the same stray characters as
 * under a dropping reader (��ȡ���ڣ�2005-04-14 is 获取日期：2005-04-14).
 * The U+FFFD say bytes went, and the stray characters beside them are
 * garbage: source bytes whose phase is unknown (a stray character's first
 * byte may be a trail whose lead a U+FFFD hides, its last a lead whose
 * trail went), so nothing is written for them: each stretch of non-ASCII
 * text (U+FFFD and stray characters) becomes one mark, reported at its
 * input offset, and the ASCII passes as it came (guess mode too).
 *
 * A line is taken on its own evidence when it holds at least A8R_MIN_FFFD
 * U+FFFD, no more stray characters than U+FFFD, at least half of the
 * stray characters of two bytes (U+0080-07FF: where C2-DF + a trail
 * lands; the replacing Big5 and GBK readers of UTF-8 leave Han of three
 * bytes beside their U+FFFD, 雿����, and their classes are the lattice's),
 * every stray character in a stretch of non-ASCII text that holds a U+FFFD
 * (a clean word with an accented letter stands apart: El niño � la
 * señora ��), and the stray characters read as no text of their own:
 * log10 P at most A8R_ASIS a character under the any-language model
 * (José��� -2.72, Пр���вет -2.16 a character).  The caller tries it only
 * on lines holding fewer than three common Han characters that no other
 * class took.  Tuning slice (skip 1.5 MB): of the lines with a stray
 * character, GBK 111 of 134 taken so (the most probable -4.02 a
 * character), Big5 53 of 62 (-4.29); other classes' lines with 3+ U+FFFD,
 * fewer than three Han and no more stray characters: UTF-8 read as Big5
 * (Python) 41, as Big5 by ICU and WHATWG 11 each, Big5 and GBK read by
 * each other's Python decoder 6 and 2, all of them with Han of three bytes
 * or no stray character at all (nothing to mark). */
#define A8R_MIN_FFFD 3
#define A8R_ASIS (-3.75)
/* In a document where DOC_HITS lines were taken on their own evidence,
 * one U+FFFD suffices, and the stray characters need not be of two bytes
 * (a rare Han character of three chance bytes: ԭʼ������ispell) nor
 * beside a U+FFFD (ȡ between ASCII), but they must still read as no text
 * of their own. */

/* Stray characters in stretches of non-ASCII text that hold no U+FFFD. */
static size_t loose_strays(const zf_text *in) {
  size_t loose = 0;
  for (size_t j = 0; j < in->len;) {
    if (in->cp[j] < 0x80) {
      j++;
      continue;
    }
    size_t k = j, s = 0;
    int f = 0;
    for (; k < in->len && in->cp[k] >= 0x80; k++) {
      f |= in->cp[k] == 0xFFFD;
      s += in->cp[k] != 0xFFFD;
    }
    loose += f ? 0 : s;
    j = k;
  }
  return loose;
}

int zf_lost_asutf8_repl(zf_lost *l, int doc, const zf_text *in, zf_text *out, zf_stats *stats,
                        zf_lost_result *res, const zf_lost_hyp **used) {
  static const zf_lost_hyp gbk_as_utf8 = {ZF_LC_PY_GBK, ZF_LC_UTF8, ZF_LOST_REPLACE};
  const lc_model *S = zf_lat_begin(l, ZF_LC_PY_GBK, res);
  a8ev e;
  if (!S || stray_count(in, 1, &e) || !e.ns || e.nf < (doc ? 1 : A8R_MIN_FFFD)) return ZF_LOST_NOFIT;
  if (!doc && (e.ns > e.nf || e.n2 * 2 < e.ns || loose_strays(in))) return ZF_LOST_NOFIT;
  stray_asis(in, &e);
  if (e.asis > A8R_ASIS * (double)e.ns) return ZF_LOST_NOFIT;
  size_t out0 = out->len;
  int rc = marked_tail(l, emit_line(l, S, ZF_LOST_MARK, in, out, res), out, out0, stats);
  if (rc) return rc;
  *used = &gbk_as_utf8;
  return 0;
}
