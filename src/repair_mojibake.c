/*
 * Stage 2: repair of text that was decoded with the wrong encoding
 * ("mojibake"), span by span.  See docs/repair-mojibake.md.
 *
 * Every class of damage is a pair of encodings (X, Y): the original bytes
 * were Y (UTF-8, GBK or Big5) and were read as X (GBK, Big5, Windows-1252).
 * Undoing it means encoding the garbage back to X bytes and decoding those
 * as Y.  That re-decoding is only a *candidate*: clean text often survives
 * it too (most Big5 pairs are valid GBK), so each candidate is scored by
 * the language model against the text as it stands, and a span is repaired
 * only when the model prefers the repair by a class-specific margin.
 *
 * One pass per class walks the line:
 *   1. a cheap trigger (characters typical of the class) decides whether
 *      the pass runs at all, so clean lines cost one scan;
 *   2. a *run* is a stretch of characters all encodable in X; its X bytes
 *      are decoded as Y from each character boundary, and the decoded text
 *      is cut into *units* at the places where garbage and Y characters end
 *      on the same byte (e.g. three GBK characters for two UTF-8 ones);
 *   3. a two-state Viterbi (keep / repair) over the units picks the best
 *      segmentation under the bigram LM, paying a fixed cost to enter the
 *      repair state: that cost is the "far more probable" margin, and it
 *      makes the decision local, so one damaged title or one damaged
 *      phrase in an English sentence is repaired and its neighbours kept.
 * Text repaired twice by the passes (UTF-8 read as 1252, saved, read as
 * 1252 again) is counted as double damage.
 *
 * Lossy classes: bytes lost to a replacement character or dropped by a
 * Windows-1252 decoder are filled from the surviving bytes when exactly
 * one byte of one character is missing, choosing among the few candidates
 * with the LM; when the LM does not choose clearly the character becomes
 * U+FFFD and the span is reported as unrecoverable.  Pure loss (U+FFFD
 * runs, 锟斤拷, 烫烫烫, 嚙踝蕭) is counted and left as it is.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "convert_tables.h"
#include "lm.h"
#include "moji_codec.h"
#include "readings.h"
#include "zf.h"

/* ---- classes ------------------------------------------------------------ */

enum { X_1252, X_GBK, X_BIG5 };
enum { Y_UTF8, Y_GBK, Y_BIG5 };

typedef struct moji_class {
  int x, y;
  zhfix_stat stat;
  /* log10 cost of entering the repair state: how much more probable a
   * repaired span must be.  Higher where the candidate decoding succeeds
   * on clean text as well (DBCS <-> DBCS, DBCS read as Latin-1). */
  double enter;
  /* Decide whole runs between ASCII at once: without a validity check to
   * cut them, DBCS<->DBCS and DBCS-as-Latin-1 candidates exist for every
   * character, and character-level choices would pick isolated "better"
   * characters out of clean text, or leave half of a damaged phrase. */
  int coarse;
} moji_class;

enum { C_U8_1252, C_U8_GBK, C_U8_BIG5, C_GBK_BIG5, C_BIG5_GBK, C_GBK_1252, C_BIG5_1252, NCLASS };

static const moji_class classes[NCLASS] = {
    [C_U8_1252] = {X_1252, Y_UTF8, ZHFIX_STAT_MOJIBAKE_UTF8_AS_LATIN1, 2.0, 0},
    [C_U8_GBK] = {X_GBK, Y_UTF8, ZHFIX_STAT_MOJIBAKE_UTF8_AS_GBK, 3.0, 0},
    [C_U8_BIG5] = {X_BIG5, Y_UTF8, ZHFIX_STAT_MOJIBAKE_UTF8_AS_BIG5, 3.0, 0},
    [C_GBK_BIG5] = {X_BIG5, Y_GBK, ZHFIX_STAT_MOJIBAKE_GBK_AS_BIG5, 3.0, 1},
    [C_BIG5_GBK] = {X_GBK, Y_BIG5, ZHFIX_STAT_MOJIBAKE_BIG5_AS_GBK, 3.0, 1},
    [C_GBK_1252] = {X_1252, Y_GBK, ZHFIX_STAT_MOJIBAKE_CJK_AS_LATIN1, 3.0, 1},
    [C_BIG5_1252] = {X_1252, Y_BIG5, ZHFIX_STAT_MOJIBAKE_CJK_AS_LATIN1, 3.0, 1},
};

/* GBK read as Big5 and Big5 read as GBK: each undoes the other. */
static int dbcs_pair(int k) { return k == C_GBK_BIG5 || k == C_BIG5_GBK; }
static int dbcs_other(int k) { return k == C_GBK_BIG5 ? C_BIG5_GBK : C_GBK_BIG5; }

/* Segments with confident repairs of a class that make it the document's. */
#define SIG_LINES 3
/* Floor of a Han character's log10 score in the garbage (keep_score). */
#define HAN_FLOOR -6.0
/* Cost per unusual shape in a repair: an ASCII character made from the
 * second byte of a double-byte garbage character in the middle of other
 * text (only a UTF-8 character right before an ASCII letter does that; not
 * counted where ASCII text follows, see do_run), a character outside the
 * BMP. */
#define ODD_SHAPE 2.0
/* Distinct characters a coarse repair needs in a line not known to be
 * damaged (veto_foreign). */
#define MIN_DISTINCT 2
/* log10 gain per Han character a DBCS<->DBCS repair needs there. */
#define GAIN_PER_HAN 2.0
/* Extra cost of a coarse repair that makes a single character. */
#define SINGLE_COST 2.0
/* Cost of entering a repair on a line already known to be damaged: small,
 * since there every garbage-looking piece was made the same way. */
#define KNOWN_ENTER 0.5
/* ... plus this for a piece that makes one character. */
#define KNOWN_SINGLE 1.0
/* log10 prior odds that a line of a document whose signature is a
 * DBCS<->DBCS reading was damaged the same way: such damage comes from
 * reading a whole file (or a whole span) with the wrong table, so once a
 * document has shown it, a line too short for the LM to judge (a heading
 * of one or two characters: 跋 read as 區 is "more probable" by unigram,
 * by 2.1) follows the document.  The same margin as the class's entry
 * cost: the evidence that starts a repair is the evidence that stops
 * following the document.  Longer clean text outweighs it (the LM score of
 * clean Traditional re-read as GBK drops by several units per character). */
#define FOLLOW_PRIOR 3.0
/* log10 unigram below which a Han character is rare enough to suggest a
 * DBCS read as the other DBCS. */
#define RARE_CHAR -5.0f
/* A converted garbage character is folded back where the character its
 * bytes decode to becomes this much more probable (log10 unigram). */
#define FOLD_MARGIN 2.0
/* The same under the context fold-back's rank score (zf_lm_rank_score,
 * the sum of two log10 scores: bigrams and segmentation). */
#ifndef FOLD_CTX_MARGIN
#define FOLD_CTX_MARGIN 2.0
#endif
/* The same in a document whose garbage has been shown converted
 * (conv_sig): there a garbage character that has a Traditional form was
 * as likely that form as itself, and the margin only settles near-ties
 * for the bytes as they are (可 for 叫 under t2s: 彲 became 彨, and 叫用
 * is 1.7 behind 可用; measured on held-out man pages, docs/repair-mojibake.md). */
#define FOLD_CONV_MARGIN 0.5
/* Decodes of one run from its start again after a fold-back or an
 * unconvert(): a long line under t2s needs one for each converted
 * garbage character. */
#define MAX_RESTARTS 64
/* A filled-in character must beat the runner-up by this much under
 * zf_lm_rank_score, the sum of two log10 scores (bigrams, segmentation):
 * 10:1 under each. */
#define FILL_MARGIN 2.0
/* Extra cost of starting a repair with a filled-in character. */
#define LOSSY_ENTER 3.0
/* Windows-1252 bytes that decoders without a mapping drop. */
static const uint8_t dropped_1252[5] = {0x81, 0x8D, 0x8F, 0x90, 0x9D};

/* ---- working text -------------------------------------------------------- */

typedef struct wtext {
  uint32_t *cp;
  uint64_t *off;
  uint8_t *rep; /* 1: produced by a repair in this segment */
  size_t len, cap;
} wtext;

static int wt_reserve(wtext *t, size_t n) {
  if (n <= t->cap) return 0;
  size_t cap = t->cap ? t->cap : 256;
  while (cap < n) cap *= 2;
  uint32_t *cp = realloc(t->cp, cap * sizeof *cp);
  if (!cp) return -1;
  t->cp = cp;
  uint64_t *off = realloc(t->off, cap * sizeof *off);
  if (!off) return -1;
  t->off = off;
  uint8_t *rep = realloc(t->rep, cap);
  if (!rep) return -1;
  t->rep = rep;
  t->cap = cap;
  return 0;
}

static void wt_copy(wtext *dst, const wtext *src) {
  memcpy(dst->cp, src->cp, src->len * sizeof *dst->cp);
  memcpy(dst->off, src->off, src->len * sizeof *dst->off);
  memcpy(dst->rep, src->rep, src->len);
  dst->len = src->len;
}

static void wt_free(wtext *t) {
  free(t->cp);
  free(t->off);
  free(t->rep);
}

/* Callers reserve first; push never fails. */
static inline void wt_push(wtext *t, uint32_t c, uint64_t off, uint8_t rep) {
  t->cp[t->len] = c;
  t->off[t->len] = off;
  t->rep[t->len] = rep;
  t->len++;
}

/* ---- state --------------------------------------------------------------- */

typedef struct unit {
  size_t g0, g1; /* garbage characters [g0, g1) of the run */
  size_t d0, d1; /* decoded characters [d0, d1)             */
  int lossy;     /* a character was filled in or lost        */
  int odd;       /* decoded shapes real damage rarely makes   */
  int hh;        /* double-byte characters not made of two Latin letters */
  int conv;      /* the garbage had been converted to Traditional        */
} unit;

/* Tables every handle reads and none writes: built once per process
 * (pthread_once), as building them from ICU costs about 1 ms, which a
 * handle reset per JSON Lines record would pay each time.  Never freed:
 * they live as long as the library. */
typedef struct moji_tables {
  moji_dbcs gbk, big5;
  /* Per-BMP-character bits for the trigger scan, which runs on every
   * line: looking them up in 8 KB beats the 128 KB tables and the LM. */
  uint8_t rare_bm[0x2000];  /* Han with zf_lm_char < RARE_CHAR        */
  /* GBK / Big5 bytes start UTF-8 of >= 3 bytes: a lead byte E0..F4 and a
   * continuation byte.  Garbage of two UTF-8 characters starts with such a
   * character; the trigger's window needs both bytes, so a character whose
   * second byte is no continuation (most of them) cannot start one. */
  uint8_t lead_bm[2][0x2000];
  /* Traditional characters whose Simplified form (zf_lm_fold) has such
   * GBK bytes: garbage converted to Traditional after the wrong decode
   * starts there (缂 of 缺 became 緙). */
  uint8_t fold_bm[0x2000];
  /* Han characters for which one trigger scan step does nothing but count
   * a Han character that is not rare: set when none of rare_bm, lead_bm,
   * fold_bm has the character's bit and it is no mark of lost bytes
   * (锟, 嚙).  One load instead of five for most of the text. */
  uint8_t plain_bm[0x2000];
  /* plain_bm, and the other characters whose trigger scan step does
   * nothing but end a kana run (most CJK and full-width punctuation):
   * not kana, private use, box drawing, U+FFFD nor dbcs_odd, no 1252
   * byte, no lead bit.  A line of these and ASCII sets no trigger. */
  uint8_t quiet_bm[0x2000];
  /* Inverses of OpenCC's character tables, first candidate only (what a
   * character-by-character conversion of the garbage wrote): converted
   * << 32 | original, sorted, for pairs whose original side is a BMP
   * character with two GBK or Big5 bytes.  A converted garbage character
   * is undone by trying each character that converts to it.
   * unconv[UNDO_S2T], of STCharacters: the Simplified forms of a
   * Traditional character (鞝 <- 绱, which the LM's fold alone, picking
   * one, misses); unconv[UNDO_T2S], of TSCharacters: the Traditional forms
   * of a Simplified one (铡 <- 鍘, after a UTF-8 page read as GBK was
   * normalised to Simplified; 𫔄 <- 鍒, which GBK cannot encode at all). */
  uint64_t unconv[2][8192];
  size_t nunconv[2];
  /* BMP characters with entries in unconv[dir]: most lookups are for
   * characters with none, answered without the search.  has_unconv[T2S]:
   * the characters a t2s conversion of the garbage may have made. */
  uint8_t has_unconv[2][0x2000];
  /* ... of which a Traditional form's GBK or Big5 bytes start UTF-8 of
   * three bytes (utf8_start) */
  uint8_t t2s_lead_bm[0x2000];
  /* characters whose GBK or Big5 bytes, or those of a Traditional form
   * t2s turns into them, spell one Latin-1 character (latin_reading():
   * 聽 and 听 for the no-break space) */
  uint8_t latin_bm[0x2000];
} moji_tables;

/* Which conversion of the garbage a candidate undoes.  One line went
 * through one of them, so unconvert() never pairs the two. */
enum { UNDO_S2T, UNDO_T2S, NUNDO };

static moji_tables shared_tables;
static int shared_rc; /* the build's status, read by every create() */
static pthread_once_t shared_once = PTHREAD_ONCE_INIT;

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static int dbcs_odd(uint32_t c);
static int latin_reading(uint32_t c);

/* Whether the double-byte code e spells one character latin_reading()
 * accepts, which goes to *u. */
static int spells_latin(uint16_t e, uint32_t *u) {
  uint8_t two[2] = {(uint8_t)(e >> 8), (uint8_t)e};
  return e >= 0x100 && moji_utf8_get(two, 2, u) == 2 && latin_reading(*u);
}

/* Whether the double-byte code e (lead << 8 | trail) spells the first two
 * bytes of a UTF-8 sequence of three or more bytes. */
static int utf8_start(uint16_t e) {
  return e >= 0x100 && moji_utf8_need((uint8_t)(e >> 8)) >= 3 && (e & 0xC0) == 0x80;
}

static void build_tables(void) {
  moji_tables *t = &shared_tables;
  int rc = moji_dbcs_build(&t->gbk, "GBK");
  if (!rc) rc = moji_dbcs_build(&t->big5, "Big5");
  if (rc) {
    moji_dbcs_free(&t->gbk);
    moji_dbcs_free(&t->big5);
    shared_rc = rc;
    return;
  }
  for (uint32_t c = 0x80; c < 0x10000; c++) {
    if (zf_is_han(c) && zf_lm_char(c) < RARE_CHAR) t->rare_bm[c >> 3] |= (uint8_t)(1u << (c & 7));
    uint16_t g = t->gbk.enc[c], b = t->big5.enc[c];
    uint32_t u;
    if (spells_latin(g, &u) || spells_latin(b, &u)) t->latin_bm[c >> 3] |= (uint8_t)(1u << (c & 7));
    if (utf8_start(g)) t->lead_bm[0][c >> 3] |= (uint8_t)(1u << (c & 7));
    if (utf8_start(b)) t->lead_bm[1][c >> 3] |= (uint8_t)(1u << (c & 7));
    uint32_t f = zf_lm_fold(c);
    uint16_t gf = f != c && f < 0x10000 ? t->gbk.enc[f] : 0;
    if (utf8_start(gf)) t->fold_bm[c >> 3] |= (uint8_t)(1u << (c & 7));
  }
  for (uint32_t c = 0x80; c < 0x10000; c++) {
    unsigned bit = 1u << (c & 7);
    if (zf_is_han(c) && c != 0x951F && c != 0x5699 &&
        !((t->rare_bm[c >> 3] | t->lead_bm[0][c >> 3] | t->lead_bm[1][c >> 3] | t->fold_bm[c >> 3]) & bit))
      t->plain_bm[c >> 3] |= (uint8_t)bit;
    if ((t->plain_bm[c >> 3] & bit) ||
        (!zf_is_han(c) && !(c >= 0x3041 && c <= 0x30FF) && !(c >= 0xE000 && c <= 0xF8FF) &&
         !(c >= 0x2500 && c <= 0x257F) && c != 0xFFFD && moji_cp1252_byte(c) < 0 &&
         !dbcs_odd(c) && !((t->lead_bm[0][c >> 3] | t->lead_bm[1][c >> 3] | t->fold_bm[c >> 3]) & bit)))
      t->quiet_bm[c >> 3] |= (uint8_t)bit;
  }
  zf_occ_tables occ;
  if (zf_occ_open(&occ) == 0) {
    static const int dict[NUNDO] = {[UNDO_S2T] = ZF_OCC_ST_CHARS, [UNDO_T2S] = ZF_OCC_TS_CHARS};
    for (int dir = 0; dir < NUNDO; dir++) {
      const zf_occ_dict *d = &occ.d[dict[dir]];
      uint64_t *tab = t->unconv[dir];
      size_t cap = sizeof t->unconv[dir] / sizeof t->unconv[dir][0], n = 0;
      for (uint32_t c = 0x2E80; c < 0x10000; c++) {
        const uint32_t *val;
        size_t vlen;
        if ((t->gbk.enc[c] < 0x100 && t->big5.enc[c] < 0x100) || !zf_occ_match(d, &c, 1, &val, &vlen) ||
            !vlen || val[0] == c)
          continue;
        if (n == cap) break; /* table full: the rest untried */
        tab[n++] = (uint64_t)val[0] << 32 | c;
      }
      qsort(tab, n, sizeof tab[0], cmp_u64);
      t->nunconv[dir] = n;
      for (size_t q = 0; q < n; q++) {
        uint64_t cv = tab[q] >> 32;
        if (cv < 0x10000) t->has_unconv[dir][cv >> 3] |= (uint8_t)(1u << (cv & 7));
      }
      if (dir == UNDO_T2S)
        for (size_t q = 0; q < n; q++) {
          uint64_t cv = tab[q] >> 32;
          if (cv >= 0x10000) continue;
          uint32_t o = (uint32_t)tab[q];
          uint32_t u;
          if (spells_latin(t->gbk.enc[o], &u) || spells_latin(t->big5.enc[o], &u))
            t->latin_bm[cv >> 3] |= (uint8_t)(1u << (cv & 7));
          if (utf8_start(t->gbk.enc[o]) || utf8_start(t->big5.enc[o])) {
            /* such a character can start a window: not plain nor quiet */
            uint8_t bit = (uint8_t)(1u << (cv & 7));
            t->t2s_lead_bm[cv >> 3] |= bit;
            t->plain_bm[cv >> 3] &= (uint8_t)~bit;
            t->quiet_bm[cv >> 3] &= (uint8_t)~bit;
          }
        }
    }
  }
}

/* Characters (BMP, two GBK or Big5 bytes) that the conversion dir turns
 * into c, up to max of them into out; for s2t, the LM's fold (its
 * Simplified form) first.  The caller checks they encode in its X. */
static int unconv_cands(const moji_tables *t, int dir, uint32_t c, uint32_t *out, int max) {
  int n = 0;
  uint32_t f = dir == UNDO_S2T ? zf_lm_fold(c) : c;
  if (f != c && f < 0x10000 && t->gbk.enc[f] >= 0x100) out[n++] = f;
  if (c < 0x10000 && !((t->has_unconv[dir][c >> 3] >> (c & 7)) & 1)) return n;
  const uint64_t *tab = t->unconv[dir];
  size_t lo = 0, hi = t->nunconv[dir];
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if ((tab[mid] >> 32) < c) lo = mid + 1;
    else hi = mid;
  }
  for (; lo < t->nunconv[dir] && (tab[lo] >> 32) == c && n < max; lo++) {
    uint32_t s = (uint32_t)tab[lo];
    if (s != f) out[n++] = s;
  }
  return n;
}

typedef struct moji {
  const moji_tables *t;
  wtext in0, best; /* the line after character references; best result */
  wtext a, b;      /* ping-pong buffers for the passes */
  /* scratch for one run */
  uint8_t *bytes;
  uint8_t *marker; /* per byte: 1 when it stands for a lost byte ('?', U+FFFD) */
  size_t *bnd;     /* byte offset of each run character, plus the end */
  uint32_t *dec;   /* decoded characters */
  size_t *dsrc;    /* run character index each decoded character starts in */
  unit *units;
  double *vit;     /* Viterbi scores, 2 per unit */
  uint8_t *bp;     /* back pointers, 2 per unit */
  size_t rcap;
  int known; /* the line is known to be damaged by the current class */
  /* Document signature: segments so far whose chosen repair included a
   * confident one of class k.  Damage is usually document-wide; once a
   * document shows it SIG_LINES times, its lines start "known". */
  unsigned sig[NCLASS];
  /* Segments so far whose chosen repair had to undo a conversion of the
   * garbage (unconvert(), where the bytes did not decode otherwise), per
   * direction; run_dirs collects them during one strategy. */
  unsigned conv_sig[NUNDO];
  unsigned run_dirs;
  int lossy_line; /* the segment shows lost bytes (U+FFFD, 锟斤拷, 嚙踝蕭) */
  int no_marks;   /* ... nor any '?' or U+FFFD that could mark one */
  int markup;     /* the detection window is markup (HTML, XML): its
                   * character references are the markup's own */
  size_t confident; /* repaired units of >= 2 characters in this pass */
  /* viterbi() may read a garbage character as a Latin-1 one (see
   * latin_reading()) */
  int latin;
} moji;

static int scratch_reserve(moji *m, size_t nchars) {
  if (nchars + 1 <= m->rcap) return 0;
  size_t cap = m->rcap ? m->rcap : 256;
  while (cap < nchars + 1) cap *= 2;
  void *p;
#define GROW(field, n)                                                        \
  if (!(p = realloc(m->field, (n) * sizeof *m->field))) return -1;            \
  m->field = p
  GROW(bytes, cap * 4);
  GROW(marker, cap * 4);
  GROW(bnd, cap + 1);
  GROW(dec, cap * 4);
  GROW(dsrc, cap * 4);
  GROW(units, cap * 4);
  GROW(vit, cap * 8 + 2);
  GROW(bp, cap * 8 + 2);
#undef GROW
  m->rcap = cap;
  return 0;
}

static int create(void **st, const zf_opts *o) {
  *st = NULL;
  if (!o->mojibake) return 0;
  if (pthread_once(&shared_once, build_tables)) return ZHFIX_E_NOMEM;
  if (shared_rc) return shared_rc;
  if (!zf_lm_other_ok()) return ZHFIX_E_INTERNAL; /* a damaged model table: no judgement */
  moji *m = calloc(1, sizeof *m);
  if (!m) return ZHFIX_E_NOMEM;
  m->t = &shared_tables;
  *st = m;
  return 0;
}

static void destroy(void *st) {
  moji *m = st;
  wt_free(&m->in0);
  wt_free(&m->best);
  wt_free(&m->a);
  wt_free(&m->b);
  free(m->bytes);
  free(m->marker);
  free(m->bnd);
  free(m->dec);
  free(m->dsrc);
  free(m->units);
  free(m->vit);
  free(m->bp);
  free(m);
}

/* ---- encoding helpers ---------------------------------------------------- */

/* X bytes of c; 0 when c is not encodable.  U+FFFD is accepted as a
 * one-byte placeholder for a lost byte (flagged in *lost). */
static int x_put(const moji *m, int x, uint32_t c, uint8_t *p, int *lost) {
  *lost = 0;
  if (c == 0xFFFD) {
    *lost = 1;
    p[0] = '?';
    return 1;
  }
  if (x == X_1252) {
    int b = moji_cp1252_byte(c);
    if (b < 0) return 0;
    p[0] = (uint8_t)b;
    return 1;
  }
  return moji_dbcs_put(x == X_GBK ? &m->t->gbk : &m->t->big5, c, p);
}

/* X bytes of a character of a run that garbage of class cl may hold.
 * Besides x_put(): a garbage character X cannot encode, which a Simplified
 * conversion of the garbage can make (鍒 became 𫔄, 鿔 came from a
 * character GBK has), stands for the first of its Traditional forms that X
 * encodes; unconvert() and fold_back() try the others. */
static int x_put_run(const moji *m, const moji_class *cl, uint32_t c, uint8_t *p, int *lost) {
  int w = x_put(m, cl->x, c, p, lost);
  if (w || cl->y != Y_UTF8 || cl->x == X_1252 || c < 0x2E80) return w;
  /* s2t writes such characters too (刾 -> 㓨, which GBK lacks) */
  for (int dir = UNDO_T2S; dir >= UNDO_S2T; dir--) {
    uint32_t sc[4];
    int ns = unconv_cands(m->t, dir, c, sc, 4);
    for (int q = 0; q < ns; q++)
      if ((w = x_put(m, cl->x, sc[q], p, lost)) == 2) return w;
  }
  return 0;
}

static int y_get(const moji *m, int y, const uint8_t *b, size_t n, uint32_t *c) {
  if (y == Y_UTF8) return moji_utf8_get(b, n, c);
  return moji_dbcs_get(y == Y_GBK ? &m->t->gbk : &m->t->big5, b, n, c);
}

/* Characters a repair may produce.  Controls, private use, noncharacters
 * and unassigned-looking ranges never come out of a real repair, so a
 * candidate that yields one is wrong. */
static int plausible(uint32_t c, int x, int y) {
  if (c < 0x80) return c >= 0x20 || c == '\t' || c == '\n' || c == '\r';
  /* A C1 control is the middle layer of UTF-8 read twice as Latin-1. */
  if (c < 0xA0) return x == X_1252 && y == Y_UTF8;
  if (y != Y_UTF8) /* DBCS: Han, CJK punctuation, fullwidth, kana, symbols */
    return (zf_is_han(c) && c != 0x951F && c != 0x5699) || /* 锟 嚙: U+FFFD's mojibake */ (c >= 0x3000 && c <= 0x30FF) || (c >= 0xFF01 && c <= 0xFFEF) ||
           (c >= 0x2010 && c <= 0x266F) || c == 0xB7 || c == 0xA7 || c == 0xB0 || c == 0xB1 ||
           c == 0xD7 || c == 0xF7 || (c >= 0x391 && c <= 0x3C9) || (c >= 0x401 && c <= 0x451);
  if (c < 0x800) {
    /* Two-byte UTF-8 from a DBCS reading is one garbage character turned
     * into one European letter: far more often an accident of clean text
     * than a repair.  From Windows-1252 (whose garbage must spell a valid
     * sequence), the letters of every script of the range: Latin with its
     * accents, Greek, Cyrillic, Armenian, Hebrew, Arabic, Syriac, Thaana,
     * NKo (issue 13: UTF-8 Arabic read as 1252 came back as CJK); not the
     * soft hyphen, IPA, modifier letters nor combining marks alone. */
    if (x != X_1252) return 0;
    return c != 0xAD && !(c >= 0x250 && c < 0x370);
  }
  if (x == X_1252 && ((c >= 0x900 && c <= 0xDFF) || (c >= 0x10A0 && c <= 0x10FF) ||
                      (c >= 0x1100 && c <= 0x11FF) || (c >= 0x1F00 && c <= 0x1FFF) ||
                      (c >= 0x1F000 && c <= 0x1F2FF)))
    return 1; /* Indic, Georgian, Hangul jamo, Greek extended, tiles */
  if (c >= 0x0E00 && c <= 0x0E7F) return 1; /* Thai */
  if (c >= 0x1E00 && c <= 0x1EFF) return 1; /* Latin extended additional */
  if (c >= 0x2010 && c <= 0x2BFF) return 1; /* punctuation, symbols, boxes */
  if (c >= 0x3000 && c <= 0x30FF) return 1; /* CJK punctuation, kana */
  if (c >= 0x3100 && c <= 0x31BF) return 1; /* bopomofo */
  if (zf_is_han(c)) return 1;
  if (c >= 0xAC00 && c <= 0xD7A3) return 1; /* Hangul */
  if (c >= 0xFF01 && c <= 0xFFEF) return 1;
  if (c == 0xFFFD) return 1; /* 锟斤拷 is the mojibake of U+FFFD */
  if (c >= 0x1F300 && c <= 0x1FAFF) return 1; /* emoji */
  return 0;
}

/* Script of a letter that UTF-8 read as Windows-1252 may give back beyond
 * the European letters plausible() always took (Latin-1, Latin
 * Extended-A, basic Greek and Cyrillic): 0 for those and for anything
 * else.  Such a letter is taken only beside another of its script (a word:
 * Arabic, Hebrew, Armenian, Indic...); alone, a random pair of Latin-1
 * characters (Ó´ in Big5 garbage read as 1252) spells one too often. */
static int far_script(uint32_t c) {
  if (c <= 0x17F || (c >= 0x386 && c <= 0x3CE) || (c >= 0x401 && c <= 0x45F)) return 0;
  if (c < 0x250) return 1;
  if (c >= 0x370 && c < 0x400) return 2;
  if (c >= 0x400 && c < 0x530) return 3;
  if (c >= 0x530 && c < 0x590) return 4;
  if (c >= 0x590 && c < 0x600) return 5;
  if ((c >= 0x600 && c < 0x700) || (c >= 0x750 && c < 0x780)) return 6;
  if (c >= 0x700 && c < 0x800) return 7 + (int)((c - 0x700) >> 6);
  if (c >= 0x900 && c <= 0xDFF) return 20 + (int)((c - 0x900) >> 7);
  if (c >= 0x10A0 && c <= 0x10FF) return 40;
  if (c >= 0x1F00 && c <= 0x1FFF) return 2;
  return 0;
}

/* Same script, for far_script(): a basic Greek or Cyrillic letter counts
 * as a neighbour of an extended one. */
static int same_script(uint32_t a, int sc) {
  int sa = far_script(a);
  if (sa) return sa == sc;
  if (sc == 2) return a >= 0x386 && a <= 0x3CE;
  if (sc == 3) return a >= 0x401 && a <= 0x45F;
  if (sc == 1) return (a >= 0xC0 && a <= 0x17F) || ((a | 0x20) >= 'a' && (a | 0x20) <= 'z');
  return 0;
}

/* Whether decoded character d of the run (of nd) is a far-script letter
 * with no neighbour of its script. */
static int lone_far(const uint32_t *dec, size_t d, size_t nd) {
  int sc = far_script(dec[d]);
  if (!sc) return 0;
  return !((d > 0 && same_script(dec[d - 1], sc)) || (d + 1 < nd && same_script(dec[d + 1], sc)));
}

/* A two-byte UTF-8 character that plausible() refuses from a DBCS reading
 * (杨鹏路 for 杨鹏·, 枚 for ö): in a line or document shown to be damaged
 * that way, one garbage character may be such a letter or symbol after
 * all.  A line with that character alone (Copyright 漏 2001) is not
 * looked at: the LM cannot tell it from clean text. */
static int latin_reading(uint32_t c) { return c >= 0xA0 && c <= 0x17F && c != 0xAD; }

static int ascii_letter(uint32_t c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

/* How far latin_reading() goes: in a line where a phrase was repaired, any
 * such character; in a document merely known to be damaged (the line
 * itself may be clean: 登 录 with spaces, whose 录 is C2 BC, ¼), only the
 * no-break space (聽) and a Latin-1 letter beside an ASCII one
 * (Hall枚chen), the characters l and r around it (0 when unknown). */
enum { LATIN_LINE = 1, LATIN_DOC = 2 };
static int latin_ok(int mode, uint32_t c, uint32_t l, uint32_t r) {
  if (!latin_reading(c)) return 0;
  if (mode == LATIN_LINE || c == 0xA0) return 1;
  int letter = (c >= 0xC0 && c != 0xD7 && c != 0xF7) || c >= 0x100;
  return letter && (ascii_letter(l) || ascii_letter(r));
}

/* ---- scoring ------------------------------------------------------------- */

/* Sum of log10 P over s[0..n) following prev (none when !*has). */
static double seq_score(uint32_t *prev, int *has, const uint32_t *s, size_t n) {
  double sc = 0;
  for (size_t i = 0; i < n; i++) {
    sc += *has ? zf_lm_bigram(*prev, s[i]) : zf_lm_char(s[i]);
    *prev = s[i];
    *has = 1;
  }
  return sc;
}

/* Score of the garbage as it stands.  For the readings checked by UTF-8
 * validity, a rare Han character counts no worse than HAN_FLOOR: the
 * evidence must be that the repair is common text, not that the input
 * has characters the model never saw (classical Chinese, names). */
static double keep_score(uint32_t *prev, int *has, const uint32_t *s, size_t n,
                         const moji_class *cl) {
  if (cl->y != Y_UTF8 || cl->x == X_1252) return seq_score(prev, has, s, n);
  double sc = 0;
  for (size_t i = 0; i < n; i++) {
    double v = *has ? zf_lm_bigram(*prev, s[i]) : zf_lm_char(s[i]);
    if (zf_is_han(s[i]) && v < HAN_FLOOR) v = HAN_FLOOR;
    sc += v;
    *prev = s[i];
    *has = 1;
  }
  return sc;
}

/* ---- lossy fill ---------------------------------------------------------- */

/* Characters of context on each side of a filled-in character: enough
 * for the two-character word it usually belongs to (小明, 拍了). */
#define FILL_CTX 3

/* The UTF-8 decode failed at bytes b[0..n): b[0] is a lead byte with fewer
 * continuation bytes than it needs.  If the garbage says where the missing
 * bytes were (replacement markers, up to one per continuation byte for a
 * Windows-1252 decoder, one for a DBCS decoder) or exactly one byte was
 * dropped (a Windows-1252 byte decoders drop), try every byte value the
 * gaps can hold and keep the character the LM prefers by FILL_MARGIN in
 * its context (left[0..nleft) before it, the characters the bytes after
 * it decode to after it); U+FFFD when none is clear.  Returns the number
 * of input bytes consumed (0: not a fillable gap). */
static size_t try_fill(const uint8_t *b, const uint8_t *mk, size_t n, int x, const uint32_t *left,
                       size_t nleft, uint32_t *out, int *clear) {
  int need = moji_utf8_need(b[0]);
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
  /* Each hypothesis: the byte positions the gaps take and how many. */
  int ngap, npos;
  int pos[4][3];
  size_t used;
  if (t == need - 1 && nmark >= 1 && (x == X_1252 || nmark == 1)) { /* replaced in place */
    npos = 1, ngap = nmark, used = (size_t)need;
    for (int g = 0; g < nmark; g++) pos[0][g] = mpos[g];
  } else if (t == need - 2 && nmark == 0 && x == X_1252) { /* one byte dropped */
    npos = 0, ngap = 1, used = (size_t)(1 + t);
    for (int q = 1; q <= t + 1; q++) pos[npos++][0] = q;
  } else {
    return 0;
  }
  /* Right context: what the bytes after the gap decode to, up to the next
   * gap or invalid sequence. */
  uint32_t win[2 * FILL_CTX + 1];
  size_t nl = nleft < FILL_CTX ? nleft : FILL_CTX, nr = 0;
  memcpy(win, left + nleft - nl, nl * sizeof *win);
  for (size_t at = used; nr < FILL_CTX && at < n && !mk[at];) {
    uint32_t c;
    int k = moji_utf8_get(b + at, n - at, &c);
    if (k <= 0) break;
    win[nl + 1 + nr++] = c;
    at += (size_t)k;
  }
  double best = -1e30, second = -1e30;
  uint32_t bestc = 0;
  int ncand = 0, combos = 1;
  for (int g = 0; g < ngap; g++) combos *= nv;
  for (int pi = 0; pi < npos; pi++)
    for (int combo = 0; combo < combos; combo++) {
      uint8_t cand[4];
      int w = 0, gi = 0, rest = combo;
      cand[w++] = b[0];
      for (int i = 1, src = 1; i < need; i++) {
        if (gi < ngap && i == pos[pi][gi]) {
          cand[w++] = vals[rest % nv];
          rest /= nv;
          gi++;
          if (src < 1 + t && mk[src]) src++; /* the marker stands for this byte */
        } else {
          cand[w++] = b[src++];
        }
      }
      uint32_t c;
      if (!moji_utf8_get(cand, (size_t)need, &c) || !plausible(c, x, Y_UTF8)) continue;
      if (ncand && c == bestc) continue;
      win[nl] = c;
      double sc = zf_lm_rank_score(win, nl + 1 + nr);
      ncand++;
      if (sc > best) second = best, best = sc, bestc = c;
      else if (sc > second) second = sc;
    }
  if (!ncand) return 0;
  *clear = ncand == 1 || best - second >= FILL_MARGIN;
  *out = *clear ? bestc : 0xFFFD;
  return used;
}

/* ---- one run ------------------------------------------------------------- */

/* Appends the garbage characters [g0, g1) of the run starting at `base`
 * in `in` unchanged. */
static void emit_keep(wtext *out, const wtext *in, size_t base, size_t g0, size_t g1) {
  for (size_t g = g0; g < g1; g++)
    wt_push(out, in->cp[base + g], in->off[base + g], in->rep[base + g]);
}

/* Two-state Viterbi over the units m->units[0..nu) of the run r: state 0
 * keeps the garbage, 1 repairs; entering 1 costs `enter` (+ `single` for a
 * unit that makes one character).  Leaves the chosen state of unit u in
 * m->bp[2u] and returns how many repaired units make >= 2 characters. */
static int viterbi(moji *m, const moji_class *cl, const uint32_t *r, size_t rlen, size_t nu,
                   uint32_t lc, int has_l, uint32_t rc, int has_r, int force, double enter,
                   double single) {
  double *v = m->vit;
  uint8_t *bp = m->bp;
  /* DBCS garbage of Chinese always has Han (or private use) in it; a run
   * of symbols alone (a box drawn with lines) is left to itself. */
  int han = !cl->coarse || cl->x == X_1252 || enter < 0; /* not in a document's own reading:
                                                            * Big5 示例 read as GBK is ボㄒ */
  for (size_t g = m->units[0].g0; g < m->units[nu - 1].g1 && !han; g++)
    han = zf_is_han(r[g]) || (r[g] >= 0xE000 && r[g] <= 0xF8FF);
  for (size_t u = 0; u < nu; u++) {
    const unit *un = &m->units[u];
    int ok = 1;
    /* A forced first layer may produce anything its second layer can
     * read back (private-use characters of GBK, C1 controls). */
    uint32_t nb_l = un->g0 > 0 ? r[un->g0 - 1] : has_l ? lc : 0, nb_r = un->g1 < rlen ? r[un->g1] : has_r ? rc : 0;
    for (size_t d = un->d0; d < un->d1 && ok; d++)
      ok = force ? m->dec[d] >= 0x20 || m->dec[d] == '\t'
                 : (plausible(m->dec[d], cl->x, cl->y) &&
                    !(cl->x == X_1252 && lone_far(m->dec, d, m->units[nu - 1].d1))) ||
                       (m->latin && latin_ok(m->latin, m->dec[d], nb_l, nb_r));
    if (!han) ok = 0;
    /* Next to U+FFFD, a short valid-looking piece is what survived of
     * bytes that were lost (GBK read as UTF-8), not a wrong decode. */
    if (cl->coarse && ((un->g0 > 0 ? r[un->g0 - 1] == 0xFFFD : has_l && lc == 0xFFFD) ||
                       (un->g1 < rlen && r[un->g1] == 0xFFFD)))
      ok = 0;
    for (int s = 0; s < 2; s++) {
      double bestv = -1e300;
      int bests = 0;
      for (int ps = 0; ps < 2; ps++) {
        double base_v;
        uint32_t pc;
        int hp;
        if (u == 0) {
          if (ps == 1) continue;
          base_v = 0, pc = lc, hp = has_l;
        } else {
          const unit *pu = &m->units[u - 1];
          base_v = v[2 * (u - 1) + ps];
          hp = 1;
          pc = ps ? m->dec[pu->d1 - 1] : r[pu->g1 - 1];
        }
        if (base_v < -1e299) continue;
        double e;
        if (s == 0) {
          e = keep_score(&pc, &hp, r + un->g0, un->g1 - un->g0, cl);
        } else {
          if (!ok) continue;
          e = seq_score(&pc, &hp, m->dec + un->d0, un->d1 - un->d0) - un->odd * ODD_SHAPE;
          if (ps == 0) {
            /* A filled-in character is weak evidence of damage: starting
             * a repair with one costs extra. */
            if (un->lossy) e -= LOSSY_ENTER;
            /* A private-use character alone proves nothing: the LM scores
             * it so low that any reading would beat it. */
            /* Latin-1 letters followed by ASCII ones ("égée") pair up as
             * GBK/Big5 too; garbage of Chinese has a pair of two high bytes
             * or a Latin-1 symbol as lead byte somewhere, which must start
             * a repair. */
            if (cl->coarse && cl->x == X_1252 && enter > KNOWN_ENTER && !un->hh) continue;
            if (cl->coarse && enter > KNOWN_ENTER) {
              int all_pua = 1;
              for (size_t g = un->g0; g < un->g1 && all_pua; g++)
                all_pua = r[g] >= 0xE000 && r[g] <= 0xF8FF;
              if (all_pua && un->g1 - un->g0 == 1) continue;
            }
            /* A negative entry cost (a document's own reading) rewards a
             * repair, never a unit it leaves as it was: else every ASCII
             * piece would be "entered" for the reward. */
            int change = enter >= 0 || un->d1 - un->d0 != un->g1 - un->g0 ||
                         memcmp(m->dec + un->d0, r + un->g0, (un->g1 - un->g0) * sizeof *r) != 0;
            if (change) e -= enter;
            if (un->d1 - un->d0 == 1) e -= single;
          }
        }
        if (base_v + e > bestv) bestv = base_v + e, bests = ps;
      }
      v[2 * u + s] = bestv;
      bp[2 * u + s] = (uint8_t)bests;
    }
  }
  /* Right context: the character after the units, as it stands. */
  double f[2];
  for (int s = 0; s < 2; s++) {
    f[s] = v[2 * (nu - 1) + s];
    if (has_r && f[s] > -1e299) {
      const unit *lu = &m->units[nu - 1];
      uint32_t last = s ? m->dec[lu->d1 - 1] : r[lu->g1 - 1];
      f[s] += zf_lm_bigram(last, rc);
    }
  }
  int fs = f[1] > f[0];
  /* Back-track; bp[2u] then holds the chosen state of unit u. */
  for (size_t u = nu; u-- > 0;) {
    int prev_s = bp[2 * u + fs];
    bp[2 * u] = (uint8_t)fs;
    fs = prev_s;
  }
  int nrep = 0;
  for (size_t u = 0; u < nu; u++)
    nrep += bp[2 * u] && m->units[u].d1 - m->units[u].d0 >= 2;
  return nrep;
}

static int cjk_symbol(uint32_t u);

/* How fold_back() judges the character a candidate's bytes decode to. */
/* Characters of context on each side for FOLD_CONTEXT. */
#define FOLD_CTX 3

typedef struct fold_scorer {
  enum {
    FOLD_UNIGRAM, /* its own probability: a rare character made common    */
    FOLD_CONTEXT  /* the decoded characters around it, as words (rank score) */
  } how;
  /* FOLD_CONTEXT: win[0..nl) before it, win[nl] its slot, nr after it */
  uint32_t win[2 * FOLD_CTX + 1];
  size_t nl, nr;
  int ascii; /* FOLD_CONTEXT: the slot holds an ASCII character */
} fold_scorer;

static double fold_score(fold_scorer *s, uint32_t c) {
  if (s->how == FOLD_UNIGRAM) return zf_lm_char(c);
  s->win[s->nl] = c;
  return zf_lm_rank_score(s->win, s->nl + 1 + s->nr);
}

/* The bytes at b decode (w of them) to a character that the conversion of
 * the garbage to Traditional may have made.  Tries each Simplified form
 * (unconv_cands) of the two-byte garbage characters under those bytes, at
 * or after p, one character at a time, and keeps in m->bytes the form
 * whose bytes still decode from b in w bytes to a Han character scoring
 * at least `bar` under s, the best one of the first character that has
 * such a form.  FOLD_CONTEXT changes only bytes inside the w bytes, so
 * the characters before and after them decode as before (the second byte
 * of 涗 in 浜涗粦 may change: 涚 had become 涗 under s2t, 些仑 for 些绑).
 * Returns 1 when the bytes were changed (the caller decodes again). */
static int fold_back(moji *m, const moji_class *cl, int dir, const uint32_t *r, size_t len, size_t p,
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
    int ns = unconv_cands(m->t, dir, r[j], sc, 4);
    uint8_t *bp2 = m->bytes + m->bnd[j], save0 = bp2[0], save1 = bp2[1];
    double best = bar;
    uint8_t best0 = 0, best1 = 0;
    for (int q = 0; q < ns; q++) {
      uint8_t tmp[4];
      int lost;
      if (x_put(m, cl->x, sc[q], tmp, &lost) != 2) continue;
      if (s->how == FOLD_CONTEXT && ((!in0 && tmp[0] != save0) || (!in1 && tmp[1] != save1))) continue;
      bp2[0] = tmp[0], bp2[1] = tmp[1];
      uint32_t c2;
      int w2 = y_get(m, cl->y, m->bytes + b, nb - b, &c2);
      if (w2 == w && plausible(c2, cl->x, cl->y) &&
          (zf_is_han(c2) || cjk_symbol(c2) || (s->ascii && c2 > 0x20 && c2 < 0x7F)) &&
          fold_score(s, c2) >= best)
        best = fold_score(s, c2), best0 = tmp[0], best1 = tmp[1], fixed = 1;
    }
    if (fixed)
      bp2[0] = best0, bp2[1] = best1;
    else
      bp2[0] = save0, bp2[1] = save1;
  }
  return fixed;
}

/* Characters unconvert() tries: the one holding the byte that breaks the
 * sequence, and those around it up to three after (the bytes it checks,
 * to 4 past the failure, can reach into the third: 姘村鉤璺蟲 for 水平跳
 * needs 鉤 and 蟲 both folded back). */
#define NCAND 7

/* Garbage converted to Traditional after the wrong decode (s2t turns 娴
 * into 嫺) no longer encodes to the original bytes.  Tries the Simplified
 * form (zf_lm_fold) of the candidate characters cand[], one and then two
 * at a time, keeping the first change that lets the bytes from `from`
 * through the failed sequence at b decode to characters a repair may
 * produce (plausible()).  Returns 1 when the bytes were
 * changed (the caller decodes the run again), 0 otherwise. */
static int unconvert(moji *m, const moji_class *cl, int dir, const uint32_t *r, size_t len, size_t p,
                     const size_t *cand, size_t from, size_t b, size_t nb) {
  /* Up to 4 Simplified candidates (unconv_cands) for each of NCAND positions. */
  uint8_t fb[4 * NCAND][2];
  size_t idx[4 * NCAND];
  int n = 0;
  for (int i = 0; i < NCAND; i++) {
    size_t j = cand[i];
    int dup = 0;
    for (int k = 0; k < n; k++) dup |= idx[k] == j;
    if (dup || j < p || j >= len || m->bnd[j + 1] - m->bnd[j] != 2) continue;
    uint32_t sc[4];
    int ns = unconv_cands(m->t, dir, r[j], sc, 4);
    for (int q = 0; q < ns; q++) {
      uint8_t tmp[4];
      int lost;
      if (x_put(m, cl->x, sc[q], tmp, &lost) != 2) continue;
      fb[n][0] = tmp[0], fb[n][1] = tmp[1];
      idx[n++] = j;
    }
  }
  size_t stop = b + 4 < nb ? b + 4 : nb;
  /* Sizes 1 and 2: one or two characters changed, and the bytes decode
   * to 4 past the failure.  Sizes 3 and 4, the last resorts: one or two
   * changed, and the bytes decode past the failure and past the first
   * changed character, failing only at a sequence after it (a run of
   * converted characters: 歡縐誨 for 件移 needs three, undone one at a time
   * as the caller decodes again; 阃氲绷 for 通过 after t2s, two at once).
   * Of the changes of one size that pass, the one whose decoded
   * characters the LM finds most probable on average is kept: several
   * may decode (镙峰纺 for 样式: 峰 -> 峯 spells 栍 + 'o', the first pair
   * tried, where 镙 -> 鏍 with 纺 -> 紡 spells 样式). */
  for (int size = 1; size <= 4; size++) {
    int np = size == 2 || size == 4 ? 2 : 1;
    double best = 0;
    int bi = -1, bk = -1;
    for (int i = 0; i < n; i++)
      for (int k = np == 2 ? i + 1 : i; k < n; k++) {
        if (np == 2 && idx[k] == idx[i]) continue; /* two candidates of one character */
        uint8_t save[2][2];
        int pick[2] = {i, k};
        for (int q = 0; q < np; q++) {
          uint8_t *bp = m->bytes + m->bnd[idx[pick[q]]];
          save[q][0] = bp[0], save[q][1] = bp[1];
          bp[0] = fb[pick[q]][0], bp[1] = fb[pick[q]][1];
        }
        size_t pos = from, nc = 0;
        double sc = 0;
        int ok = 1;
        while (ok && pos < stop) {
          uint32_t c;
          int l = y_get(m, cl->y, m->bytes + pos, nb - pos, &c);
          /* Decoding is not enough: a fold of the wrong character can
           * spell a sequence no repair makes (强 for 強 next to garbage
           * gives C7 BF, U+01FF), which would win over the right one (峰
           * for 峯, whose GBK bytes 8D 6F had made E6 88 8D + 'o') only
           * because it was tried first. */
          if (l && (plausible(c, cl->x, cl->y) || (m->latin && latin_ok(m->latin, c, 0, 0)))) {
            pos += (size_t)l;
            sc += zf_is_han(c) ? zf_lm_char(c) : RARE_CHAR - FOLD_MARGIN;
            nc++;
          } else {
            ok = 0;
          }
        }
        size_t first = idx[i] < idx[k] ? idx[i] : idx[k];
        if ((size <= 2 ? ok : ok || (pos > b && pos >= m->bnd[first + 1])) && nc &&
            (bi < 0 || sc / (double)nc > best))
          best = sc / (double)nc, bi = i, bk = k;
        for (int q = np; q-- > 0;) {
          uint8_t *bp = m->bytes + m->bnd[idx[pick[q]]];
          bp[0] = save[q][0], bp[1] = save[q][1];
        }
        if (np == 1) break; /* k loop runs once for single changes */
      }
    if (bi >= 0) {
      int pick[2] = {bi, bk};
      for (int q = 0; q < np; q++) {
        uint8_t *bp = m->bytes + m->bnd[idx[pick[q]]];
        bp[0] = fb[pick[q]][0], bp[1] = fb[pick[q]][1];
      }
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
    return b >= 0xC0 && (size_t)moji_utf8_need(b) > d;
  }
  return 0;
}

/* Whether the '?' r[i], at byte `at` of m->bytes (the bytes of r[0..i)
 * before it), cuts a UTF-8 sequence under every reading of the garbage
 * character before it: in a document whose garbage has been shown
 * converted to Simplified (conv_sig), that character may be the
 * conversion of another (纺 of 紡 in 绀哄纺? for 示式?), whose bytes end
 * the sequence where its own do not. */
static int lost_byte_mark(moji *m, const moji_class *cl, const uint32_t *r, size_t i, size_t at) {
  if (!cuts_sequence(m->bytes, at)) return 0;
  if (i == 0 || at < 2 || cl->x == X_1252 || r[i - 1] < 0x80 || m->conv_sig[UNDO_T2S] < SIG_LINES) return 1;
  uint32_t sc[4];
  int ns = unconv_cands(m->t, UNDO_T2S, r[i - 1], sc, 4), cut = 1;
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

/* Whether the Han characters of s[0..n) (at least two) are spelled out,
 * in order, by consecutive pinyin syllables of line[0..len): a dictionary
 * entry (棠谿<TAB>tang xi), a reading aid, a romanised gloss.  Written for
 * these very characters, readings are evidence that they are no wrong
 * decode of others (磁疗 reads ci liao). */
static int spelled_out(const uint32_t *s, size_t n, const uint32_t *line, size_t len) {
  uint32_t han[8];
  size_t nh = 0;
  for (size_t i = 0; i < n; i++)
    if (zf_is_han(s[i])) {
      if (nh == sizeof han / sizeof han[0]) return 0;
      han[nh++] = s[i];
    }
  if (nh < 2) return 0;
  /* syllables of the line, in order; a token that is not one breaks runs */
  size_t run = 0;
  for (size_t i = 0; i < len;) {
    size_t j = i;
    while (j < len && (((line[j] | 0x20) - 'a' < 26u) || (line[j] >= 0xC0 && line[j] < 0x250 &&
                                                         line[j] != 0xD7 && line[j] != 0xF7)))
      j++;
    if (j < len && line[j] >= '1' && line[j] <= '5' && j > i) j++; /* wang3 */
    if (j == i) {
      i++;
      continue;
    }
    int tone, syl = zf_pinyin_parse(line + i, j - i, &tone);
    if (syl < 0) {
      run = 0;
    } else {
      /* extend every possible alignment: han[run] must read syl */
      if (run < nh && zf_reading_of(han[run], syl, 0))
        run++;
      else
        run = zf_reading_of(han[0], syl, 0) ? 1 : 0;
      if (run == nh) return 1;
    }
    i = j;
  }
  return 0;
}

/* (rare: more than a third of the span's Han rarer than RARE_CHAR) */
/* Sum of the bigram scores of s[0..n) after prev (0: none) under the
 * Chinese model (other = 0) or the model of text in any language. */
static double model_score(int other, uint32_t prev, const uint32_t *s, size_t n) {
  double sc = 0;
  for (size_t i = 0; i < n; i++) {
    sc += other ? zf_lm_other_bigram(prev, s[i]) : prev ? zf_lm_bigram(prev, s[i]) : zf_lm_char(s[i]);
    prev = s[i];
  }
  return sc;
}

/* A repair must be far more probable than the text as it stands in any
 * language, not only under the Chinese model the Viterbi uses (issue 13:
 * »Ziel« read as GBK bytes became 與iel俞, ¡Hola as ！ola, «@» in a
 * Ukrainian page as 獲籠, 古い版の as Big5 read as GBK 嘉中唳及).  Each
 * maximal span the Viterbi chose to repair is judged on the whole line:
 * the line as it stands and the line with the span repaired are each
 * scored under the Chinese model and under the model of text in any
 * language (zf_lm_other_bigram), and each takes its better model; the
 * repair must win by `margin`.  The line chooses the model, so Han in a
 * Cyrillic or German line is as improbable as it is, and garbage in a
 * Chinese line is judged as Chinese.  With need_han (a reading without a
 * validity check, in a line not known to be damaged) a span must also
 * make a Han character, and no rare one: CJK punctuation alone (¡¡ read
 * as GBK is the ideographic space) or a rare character (継続 of a
 * Japanese page read as 輥適) is no evidence of damage, and neither is
 * one character alone, nor two apart (»References« read as GBK bytes is
 * 舞eferences俞), nor two that make no word (»@« as Big5 is 罰俞): a
 * phrase is three Han in a row or a two-character word.  A line
 * damaged this way shows a phrase first, then its single pieces follow
 * at the known line's cost.  Returns how many
 * repaired units of two or more characters are left (as viterbi()). */
static int veto_foreign(moji *m, const wtext *in, size_t base, size_t nu, double margin,
                        int need_han, size_t min_distinct, double per_han) {
  uint8_t *bp = m->bp;
  double line[2] = {0, 0};
  int scored = 0;
  /* the line's terminator is no evidence either way */
  size_t len = in->len;
  while (len > 0 && (in->cp[len - 1] == '\n' || in->cp[len - 1] == '\r')) len--;
  for (size_t u = 0; u < nu;) {
    if (!bp[2 * u]) {
      u++;
      continue;
    }
    size_t e = u;
    while (e < nu && bp[2 * e]) e++;
    const unit *a = &m->units[u], *z = &m->units[e - 1];
    int ok = 1;
    if (need_han) {
      int phrase = 0;
      size_t run = 0, han = 0, rare = 0;
      for (size_t d = a->d0; d < z->d1; d++) {
        if (!zf_is_han(m->dec[d])) {
          run = 0;
          continue;
        }
        run++;
        han++;
        rare += zf_lm_char(m->dec[d]) < RARE_CHAR;
        phrase |= run >= 3 || (run == 2 && zf_lm_word(m->dec + d - 1, 2, NULL));
      }
      ok = phrase && rare * 3 <= han;
    }
    /* readings in the line that spell the characters as they stand */
    if (ok && spelled_out(in->cp + base + a->g0, z->g1 - a->g0, in->cp, len) &&
        !spelled_out(m->dec + a->d0, z->d1 - a->d0, in->cp, len))
      ok = 0;
    if (ok && min_distinct) {
      /* The evidence of a span is its distinct characters: one that
       * repeats one or two (NÃÃÃÃO, 俔俔, 踢踢躂躂) shows no more damage
       * than those characters alone, which clean text of any kind holds. */
      uint32_t seen[MIN_DISTINCT];
      size_t nseen = 0;
      for (size_t g = base + a->g0; g < base + z->g1 && nseen < min_distinct; g++) {
        size_t k = 0;
        while (k < nseen && seen[k] != in->cp[g]) k++;
        if (k == nseen) seen[nseen++] = in->cp[g];
      }
      ok = nseen >= min_distinct || z->g1 - a->g0 < 2; /* one character: SINGLE_COST's */
    }
    if (ok) {
      if (!scored)
        for (int o = 0; o < 2; o++) line[o] = model_score(o, 0, in->cp, len);
      scored = 1;
      size_t g0 = base + a->g0, g1 = base + z->g1;
      uint32_t left = g0 > 0 ? in->cp[g0 - 1] : 0;
      int hr = g1 < len;
      double rep_best = -1e300;
      for (int o = 0; o < 2; o++) {
        double keep = model_score(o, left, in->cp + g0, g1 - g0);
        double rep = model_score(o, left, m->dec + a->d0, z->d1 - a->d0);
        if (hr) {
          keep += model_score(o, in->cp[g1 - 1], in->cp + g1, 1);
          rep += model_score(o, m->dec[z->d1 - 1], in->cp + g1, 1);
        }
        double v = line[o] - keep + rep;
        if (v > rep_best) rep_best = v;
      }
      double keep_best = line[0] > line[1] ? line[0] : line[1];
      ok = rep_best - keep_best >= margin;
      if (ok && per_han > 0) {
        /* A wrong DBCS reading turns each character of text into one
         * about as improbable as any: re-read, common text gains some
         * 10^4 per character (我是 over и琌: 10.8 for two).  Clean text
         * of rare characters (a dictionary of classical words, 吊拷絣把
         * over 裂蕭締參: 3.9 for four) gains little per character,
         * however many there are, so the gain must also grow with the
         * span. */
        size_t nh = 0;
        for (size_t g = base + a->g0; g < base + z->g1; g++) nh += zf_is_han(in->cp[g]);
        ok = rep_best - keep_best >= per_han * (double)nh;
      }
    }
    if (!ok)
      for (size_t f = u; f < e; f++) bp[2 * f] = 0;
    u = e;
  }
  int nrep = 0;
  for (size_t u = 0; u < nu; u++) nrep += bp[2 * u] && m->units[u].d1 - m->units[u].d0 >= 2;
  return nrep;
}

/* Repairs what it can of the run in->cp[base .. base+len) for class k. */
static void do_run(moji *m, int k, const wtext *in, size_t base, size_t len, wtext *out,
                   uint64_t *cnt, int force) {
  const moji_class *cl = &classes[k];
  const uint32_t *r = in->cp + base;
  size_t nb = 0;
  for (size_t i = 0; i < len; i++) {
    int lost;
    m->bnd[i] = nb;
    int w = x_put_run(m, cl, r[i], m->bytes + nb, &lost);
    for (int j = 0; j < w; j++) m->marker[nb + (size_t)j] = (uint8_t)lost;
    /* '?' right after an incomplete UTF-8 sequence is what a cp936 or
     * Big5 decoder writes for a lead byte it could not pair; after a
     * complete one (吗? of a question, Perl?) it is a question mark. */
    if (r[i] == '?' && cl->y == Y_UTF8 && lost_byte_mark(m, cl, r, i, nb)) m->marker[nb] = 1;
    nb += (size_t)w;
  }
  m->bnd[len] = nb;
  /* Around lost bytes ('?' of cp936) a failing sequence is the loss, and
   * the many Traditional forms of a Simplified character would only
   * decode the neighbours into something else (wrong fills of UTF-8 read
   * by cp936 went from 0.009% to 0.018% of characters): a run with a
   * marker undoes s2t only. */
  int ndir = NUNDO;
  for (size_t i = 0; i < nb && ndir == NUNDO; i++)
    if (m->marker[i]) ndir = UNDO_S2T + 1;
  /* UTF-8 read as GBK or Big5: a Latin-1 reading where the document
   * (here) or, below, the line has shown that damage */
  const int lat = !cl->coarse && cl->x != X_1252 && cl->y == Y_UTF8 && !force && m->no_marks &&
                  !m->lossy_line && ndir == NUNDO; /* no lost bytes: there garbage is what survived */
  const int lat_doc = lat && m->sig[k] >= SIG_LINES;

  size_t p = 0;
  while (p < len) {
    if (r[p] < 0x80 || r[p] == 0xFFFD) {
      emit_keep(out, in, base, p, p + 1);
      p++;
      continue;
    }
    /* Decode from p, cutting units where both sides end on one byte. */
    size_t b, ci, nd, nu, u_g0, u_d0;
    int u_lossy, u_conv, restarts = 0;
  decode:
    b = m->bnd[p], ci = p, nd = 0, nu = 0, u_g0 = p, u_d0 = 0;
    u_lossy = 0, u_conv = restarts > 0;
    while (b < nb) {
      uint32_t c;
      int w = y_get(m, cl->y, m->bytes + b, nb - b, &c);
      size_t used = (size_t)w;
      int lossy = 0;
      if (w && m->marker[b] && c == '?') w = 0; /* a marker is never text */
      /* A garbage character converted to Traditional may still give bytes
       * that decode, to a character nobody writes (缓 of 建 became 緩, and
       * 建 became 徏): where the character decoded is rare and a garbage
       * character under it has another Simplified form, that form is
       * tried, and kept when it decodes to a character far more common. */
      /* A Hangul syllable amid the decoded Han is the same accident (鞝
       * of 绱 spells EC A0 A2, 젢, where 索 was meant), and so is any other
       * three-byte character that is neither Han nor a CJK symbol (鐧 of
       * 登 became 锏 under t2s, and EF B5 BB spells U+FD7B, an Arabic
       * presentation form). */
      int alien = c >= 0x800 && c <= 0xFFFF && !zf_is_han(c) && !cjk_symbol(c);
      if (w && cl->y == Y_UTF8 && cl->x == X_GBK && restarts < MAX_RESTARTS && c <= 0xFFFF &&
          ((zf_is_han(c) && zf_lm_char(c) < RARE_CHAR) || alien)) {
        fold_scorer fs = {.how = FOLD_UNIGRAM};
        /* Any Han the LM knows beats such a character there. */
        double c_score = alien ? RARE_CHAR - FOLD_MARGIN : zf_lm_char(c);
        for (int dir = 0; dir < ndir; dir++)
          if (fold_back(m, cl, dir, r, len, p, ci, b, w, nb, &fs, c_score + FOLD_MARGIN)) {
            restarts++;
            goto decode;
          }
      }
      /* Where both Simplified forms decode to common characters (储 and 儲
       * both fit: 搜索 comes back as 搜烦), the characters around decide:
       * a candidate is kept when its bigrams with the character before and
       * the one after are FOLD_MARGIN more probable. */
      /* An ASCII character made of a garbage character's second byte is
       * judged the same way, with the text after it (如|dm3 or 如gdm3: 倈
       * is itself, 82 7C, and the s2t conversion of 俫, 82 67). */
      int tailc = w == 1 && c > 0x20 && c < 0x7F && b > 0 && m->bytes[b - 1] >= 0x81;
      if (tailc) {
        size_t j = ci;
        while (j + 1 <= len && m->bnd[j + 1] <= b) j++;
        tailc = j < len && m->bnd[j] < b && r[j] >= 0x80;
      }
      if (w && cl->y == Y_UTF8 && cl->x == X_GBK && restarts < MAX_RESTARTS && c <= 0xFFFF &&
          (zf_is_han(c) || cjk_symbol(c) || tailc)) {
        fold_scorer fs = {.how = FOLD_CONTEXT, .ascii = tailc};
        for (size_t d = nd > FOLD_CTX ? nd - FOLD_CTX : 0; d < nd; d++) fs.win[fs.nl++] = m->dec[d];
        for (size_t at = b + (size_t)w; fs.nr < FOLD_CTX && at < nb;) {
          uint32_t cn;
          int kk = y_get(m, cl->y, m->bytes + at, nb - at, &cn);
          if (kk <= 0 || (!zf_is_han(cn) && !tailc)) break;
          fs.win[fs.nl + 1 + fs.nr++] = cn;
          at += (size_t)kk;
        }
        for (int dir = 0; dir < ndir; dir++)
          if (fold_back(m, cl, dir, r, len, p, ci, b, w, nb, &fs,
                        fold_score(&fs, c) + (m->conv_sig[dir] >= SIG_LINES ? FOLD_CONV_MARGIN : FOLD_CTX_MARGIN))) {
            restarts++;
            goto decode;
          }
      }
      if (!w && cl->y == Y_UTF8 && cl->x != X_1252 && restarts < MAX_RESTARTS) {
        /* The garbage may have been converted to Traditional after the
         * wrong decode: see unconvert(). */
        size_t c0 = ci;
        while (c0 + 1 <= len && m->bnd[c0 + 1] <= b) c0++;
        /* First the character holding the byte that breaks the sequence */
        size_t bad = b;
        int need = moji_utf8_need(m->bytes[b]);
        for (int kk = 1; kk < need && b + (size_t)kk < nb; kk++)
          if ((m->bytes[b + (size_t)kk] & 0xC0) != 0x80) {
            bad = b + (size_t)kk;
            break;
          }
        size_t cb = c0;
        while (cb + 1 <= len && m->bnd[cb + 1] <= bad) cb++;
        /* ... then its neighbours: a converted character can also decode
         * validly but wrongly and break only the sequence after it */
        size_t cand[NCAND] = {cb, c0 - 1, c0, c0 - 2, c0 + 1, c0 + 2, c0 + 3}, from = u_g0;
        for (int ci2 = 0; ci2 < NCAND; ci2++) /* start of the unit holding the earliest */
          if (cand[ci2] >= p && cand[ci2] < len)
            for (size_t uu = nu; cand[ci2] < from && uu-- > 0;) from = m->units[uu].g0;
        int got = 0;
        m->latin = lat_doc ? LATIN_DOC : 0; /* 听 of t2s for 聽, the no-break space */
        for (int dir = 0; dir < ndir && !got; dir++)
          if ((got = unconvert(m, cl, dir, r, len, p, cand, m->bnd[from], b, nb)))
            m->run_dirs |= 1u << dir;
        m->latin = 0;
        if (got && restarts < MAX_RESTARTS) {
          restarts++;
          goto decode;
        }
      }
      if (!w) {
        if (cl->y != Y_UTF8) break;
        /* left context: this run's decoded characters, then the output */
        uint32_t left[FILL_CTX];
        size_t nleft = 0;
        for (size_t d = nd; d > 0 && nleft < FILL_CTX; d--) left[FILL_CTX - 1 - nleft++] = m->dec[d - 1];
        for (size_t o = out->len; o > 0 && nleft < FILL_CTX; o--)
          left[FILL_CTX - 1 - nleft++] = out->cp[o - 1];
        int clear = 0;
        used = try_fill(m->bytes + b, m->marker + b, nb - b, cl->x, left + FILL_CTX - nleft, nleft,
                        &c, &clear);
        if (!used) break;
        lossy = 1;
        (void)clear;
      }
      while (ci + 1 <= len && m->bnd[ci + 1] <= b) ci++;
      m->dec[nd] = c;
      m->dsrc[nd] = ci;
      nd++;
      b += used;
      u_lossy |= lossy;
      size_t cj = ci;
      while (cj < len && m->bnd[cj + 1] <= b) cj++;
      if (m->bnd[cj] == b && cj > u_g0) { /* aligned: close a unit */
        int odd = 0, hh = 0;
        /* An ASCII character made from a garbage character's second byte
         * is odd amid Chinese (a lone letter between Han), but it is the
         * very shape of a UTF-8 character whose last byte a GBK or Big5
         * reader paired with the ASCII byte after it ([数]... read as
         * [鏁癩..., 、smb as 銆乻mb): there the ASCII closes the unit and
         * the text goes on in ASCII, and a one-character repair cannot
         * carry the extra cost on top of the entry cost. */
        uint32_t after = cj < len ? r[cj] : base + len < in->len ? in->cp[base + len] : '\n';
        for (size_t d = u_d0; d < nd; d++) {
          int tail = m->dec[d] < 0x80 && r[m->dsrc[d]] >= 0x80;
          if (tail && d + 1 == nd && after < 0x80) tail = 0;
          odd += m->dec[d] > 0xFFFF || tail;
        }
        if (cl->y != Y_UTF8)
          for (size_t bb = m->bnd[u_g0]; bb + 1 < b; bb++)
            if (m->bytes[bb] >= 0x81) {
              /* a lead byte that is a Latin-1 symbol (¡..¿) is never part
               * of a French or German word either */
              hh += m->bytes[bb + 1] >= 0x80 || (m->bytes[bb] >= 0xA1 && m->bytes[bb] <= 0xBF);
              bb++;
            }
        /* GBK text is GB2312 text: a Han character from GBK's extension
         * rows (a lead or trail byte below A1: 蕭 締 參) is rare in it (5
         * in a million in the Simplified man pages, 3% in classical
         * poetry), so an "original" full of them is more often clean
         * Traditional text re-read.  (Symbols there, – of GBK's A844,
         * are common: not counted.) */
        if (cl->y == Y_GBK)
          for (size_t d = u_d0; d < nd; d++) {
            uint32_t hc = m->dec[d];
            if (hc > 0xFFFF || !zf_is_han(hc)) continue;
            unsigned e = m->t->gbk.enc[hc];
            odd += e > 0xFF && ((e >> 8) < 0xA1 || (e & 0xFF) < 0xA1);
          }
        m->units[nu++] = (unit){u_g0, cj, u_d0, nd, u_lossy, odd, hh, u_conv};
        u_g0 = cj;
        u_d0 = nd;
        u_lossy = 0;
        u_conv = 0;
      }
      ci = cj;
    }
    if (nu == 0) {
      emit_keep(out, in, base, p, p + 1);
      p++;
      continue;
    }
    size_t q = m->units[nu - 1].g1;
    if (cl->coarse) { /* merge neighbouring units that change something */
      size_t w = 0;
      int prev_change = 0;
      for (size_t u = 0; u < nu; u++) {
        unit un = m->units[u];
        int change = un.d1 - un.d0 != un.g1 - un.g0 ||
                     memcmp(m->dec + un.d0, r + un.g0, (un.g1 - un.g0) * sizeof *r) != 0;
        if (change && prev_change) {
          m->units[w - 1].g1 = un.g1;
          m->units[w - 1].d1 = un.d1;
          m->units[w - 1].lossy |= un.lossy;
          m->units[w - 1].odd += un.odd;
          m->units[w - 1].hh += un.hh;
          m->units[w - 1].conv |= un.conv;
        } else {
          m->units[w++] = un;
        }
        prev_change = change;
      }
      nu = w;
    }

    uint32_t lc = out->len ? out->cp[out->len - 1] : 0;
    int has_l = out->len > 0;
    int has_r = base + q < in->len;
    uint32_t rc = has_r ? in->cp[base + q] : 0;
    int nrep = 0;
    if (force) /* first layer of a double decode: repair whatever decodes */
      for (size_t u = 0; u < nu; u++) {
        int ok = 1;
        for (size_t d = m->units[u].d0; d < m->units[u].d1 && ok; d++)
          ok = m->dec[d] >= 0x20 || m->dec[d] == '\t';
        m->bp[2 * u] = (uint8_t)ok;
      }
    else if (m->known == 2)
      nrep = viterbi(m, cl, r, len, nu, lc, has_l, rc, has_r, force, -FOLLOW_PRIOR, 0);
    else if (m->known) {
      nrep = viterbi(m, cl, r, len, nu, lc, has_l, rc, has_r, force, KNOWN_ENTER, KNOWN_SINGLE);
      nrep = veto_foreign(m, in, base, nu, KNOWN_ENTER, 0, 0, 0);
    } else {
      m->latin = lat_doc ? LATIN_DOC : 0;
      /* a document known damaged this way: every piece needs less */
      double enter = lat_doc ? KNOWN_ENTER : cl->enter;
      nrep = viterbi(m, cl, r, len, nu, lc, has_l, rc, has_r, force, enter,
                     cl->coarse ? SINGLE_COST : 0);
      nrep = veto_foreign(m, in, base, nu, enter, cl->coarse && cl->y != Y_UTF8 && !lat_doc,
                          cl->coarse && !lat_doc ? MIN_DISTINCT : 0,
                          cl->coarse && cl->x != X_1252 ? GAIN_PER_HAN : 0);
      if (lat && nrep) {
        int any = 0;
        for (size_t d = 0; d < m->units[nu - 1].d1 && !any; d++)
          any = latin_reading(m->dec[d]) && !plausible(m->dec[d], cl->x, cl->y);
        /* the line is known damaged now: the pieces left need less */
        if (any) {
          m->latin = LATIN_LINE;
          nrep = viterbi(m, cl, r, len, nu, lc, has_l, rc, has_r, force, KNOWN_ENTER, 0);
          nrep = veto_foreign(m, in, base, nu, KNOWN_ENTER, 0, 0, 0);
        }
      }
      m->latin = 0;
    }
    /* Once a phrase of the line is confidently repaired, the line is known
     * to be damaged this way; its short pieces between ASCII (a lone
     * character before "(" or at the end) no longer need the full margin. */
    if (cl->coarse && nrep && !force && !m->known) {
      viterbi(m, cl, r, len, nu, lc, has_l, rc, has_r, force, KNOWN_ENTER, KNOWN_SINGLE);
      veto_foreign(m, in, base, nu, KNOWN_ENTER, 0, 0, 0);
    }
    m->confident += (size_t)nrep;
    uint8_t *bp = m->bp;
    /* A repair that would only turn garbage into U+FFFD (锟斤拷 back into
     * the replacement characters it was made of) changes nothing a reader
     * can use: such spans are left as they are and reported. */
    for (size_t u = 0; u < nu;) {
      if (!bp[2 * u]) {
        u++;
        continue;
      }
      size_t e = u;
      while (e < nu && bp[2 * e]) e++;
      /* Useful: two characters in a row, or any text where nothing was
       * lost; a lone character among replacement characters is what
       * accidentally valid bytes of lost text make. */
      int useful = 0, fffd = m->lossy_line;
      size_t d0 = m->units[u].d0, d1 = m->units[e - 1].d1;
      for (size_t d = d0; d < d1; d++) fffd |= m->dec[d] == 0xFFFD;
      for (size_t d = d0; d < d1 && !useful; d++) {
        uint32_t c = m->dec[d];
        if (c < 0x80 || c == 0xFFFD) continue;
        int pair = d + 1 < d1 && m->dec[d + 1] >= 0x80 && m->dec[d + 1] != 0xFFFD;
        useful = pair || !fffd;
      }
      if (!useful)
        for (size_t f = u; f < e; f++) bp[2 * f] = 0;
      u = e;
    }
    /* Emit, counting maximal repaired spans. */
    int in_span = 0, span_double = 0, span_lossy = 0;
    for (size_t u = 0; u <= nu; u++) {
      int s = u < nu ? bp[2 * u] : 0;
      if (in_span && !s) {
        cnt[span_double ? ZHFIX_STAT_MOJIBAKE_UTF8_DOUBLE : cl->stat]++;
        if (span_lossy) cnt[ZHFIX_STAT_MOJIBAKE_LOSSY]++;
        in_span = 0;
      }
      if (u == nu) break;
      const unit *un = &m->units[u];
      if (!s) {
        emit_keep(out, in, base, un->g0, un->g1);
        continue;
      }
      if (!in_span) in_span = 1, span_double = 0, span_lossy = 0;
      span_lossy |= un->lossy;
      span_double |= un->conv;
      for (size_t g = un->g0; g < un->g1; g++) span_double |= in->rep[base + g];
      for (size_t d = un->d0; d < un->d1; d++)
        wt_push(out, m->dec[d], in->off[base + m->dsrc[d]], 1);
    }
    p = q;
  }
}

/* ---- triggers ------------------------------------------------------------ */


/* Characters outside Han and common punctuation that GBK/Big5 garbage is
 * full of: kana, bopomofo, pinyin letters, Greek, Cyrillic, box drawing,
 * circled numbers, private use (GBK's user-defined rows). */
static int dbcs_odd(uint32_t c) {
  return (c >= 0x3041 && c <= 0x30FF) || (c >= 0x3105 && c <= 0x312F) ||
         (c >= 0x0100 && c <= 0x02DF) || (c >= 0x0391 && c <= 0x0451) ||
         (c >= 0x2160 && c <= 0x22FF) || (c >= 0x2460 && c <= 0x25FF) ||
         (c >= 0xE000 && c <= 0xF8FF) || (c >= 0xFE30 && c <= 0xFE4F);
}

/* A Han character text is made of: one the LM has seen (HAN_FLOOR, the
 * floor keep_score gives the garbage), not the Extension A or
 * compatibility characters accidental byte sequences decode to. */
static int common_han(uint32_t u) { return u <= 0xFFFF && zf_is_han(u) && zf_lm_char(u) >= HAN_FLOOR; }
/* Punctuation and symbols Chinese text uses (general punctuation, arrows,
 * box drawing, CJK punctuation and kana, fullwidth forms). */
static int cjk_symbol(uint32_t u) {
  return (u >= 0x2010 && u <= 0x2BFF) || (u >= 0x3000 && u <= 0x30FF) || (u >= 0xFF01 && u <= 0xFFEF);
}

/* Whether c[0..n) holds only ASCII and quiet characters (quiet_bm).
 * Written without branches on the character: in text that mixes ASCII
 * and Chinese a branch on either is mispredicted at every switch, which
 * costs more than the whole test. */
static int all_plain(const uint8_t *plain, const uint32_t *c, size_t n) {
  unsigned other = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t ch = c[i];
    unsigned bit = (unsigned)(plain[(ch & 0xFFFFu) >> 3] >> (ch & 7)) & 1u;
    other |= (unsigned)(ch >= 0x80) & ~((unsigned)(ch <= 0xFFFF) & bit);
  }
  return !other;
}

/* Cheap per-class evidence that a pass can change anything: bit k set
 * when class k may.  One scan of the line. */
/* Appends the bytes of double-byte code e (one byte below 0x100) at by[w];
 * returns the new length. */
static size_t put_code(uint8_t *by, size_t w, uint16_t e) {
  if (e >= 0x100) by[w++] = (uint8_t)(e >> 8);
  by[w++] = (uint8_t)e;
  return w;
}

/* The trigger's sets 4 (GBK) and 5 (Big5): garbage converted to
 * Simplified after the wrong decode (鍘 -> 铡, 鍒 -> 𫔄).  The window
 * c[0..3) is read with its first character as it stands or through each
 * of its Traditional forms (up to four that the set encodes), and each of
 * the two after it as it stands or through its first form (garbage t2s
 * left alone is Simplified too: 诲 of 登录 stands for itself).  Forty
 * readings of every window find a common character by chance on clean
 * Simplified text (one line in seven of the man pages), so the two
 * sequences the three characters spell must both be Chinese, as two
 * garbled Chinese characters are.  Returns the class bits to set. */
static unsigned t2s_window(const moji_tables *t, const uint32_t *c, size_t avail, unsigned mask) {
  uint32_t fm[3][5];
  int nf[3], conv = 0;
  for (int j = 0; j < 3; j++) {
    fm[j][0] = c[j];
    nf[j] = 1;
    /* (t2s writes characters beyond the BMP too: 鍒 -> 𫔄, 鎵 -> 𬭼) */
    if (c[j] > 0xFFFF || ((t->has_unconv[UNDO_T2S][c[j] >> 3] >> (c[j] & 7)) & 1)) {
      int k = unconv_cands(t, UNDO_T2S, c[j], fm[j] + 1, 4);
      conv |= k > 0;
      nf[j] += k;
    }
  }
  if (!conv) return 0;
  unsigned add = 0;
  for (int set = 0; set < 2; set++) {
    int cls = set ? C_U8_BIG5 : C_U8_GBK;
    if (mask & (1u << cls)) continue;
    const moji_dbcs *d = set ? &t->big5 : &t->gbk;
    uint16_t e[3][5];
    int ne[3];
    for (int j = 0; j < 3; j++) {
      ne[j] = 0;
      e[j][ne[j]++] = fm[j][0] <= 0xFFFF ? d->enc[fm[j][0]] : 0;
      for (int q = 1, got = 0; q < nf[j] && got < (j == 0 ? 4 : 1); q++)
        if (fm[j][q] <= 0xFFFF && d->enc[fm[j][q]] >= 0x100) {
          e[j][ne[j]++] = d->enc[fm[j][q]];
          got++;
        }
    }
    int hit = 0;
    for (int x = 0; x < ne[0] && !hit; x++) {
      if (!utf8_start(e[0][x])) continue; /* no sequence of three bytes */
      for (int y = 0; y < ne[1] && !hit; y++) {
        if (e[1][y] < 0x100 || (e[1][y] >> 8 & 0xC0) != 0x80) continue;
        for (int z = 0; z < ne[2] && !hit; z++) {
          if (e[2][z] < 0x80) continue;
          uint8_t by[8] = {(uint8_t)(e[0][x] >> 8), (uint8_t)e[0][x], (uint8_t)(e[1][y] >> 8),
                           (uint8_t)e[1][y]};
          size_t w = 4;
          /* a one-byte code (GBK's 0x80, €: a continuation byte read
           * alone) takes one byte, and the character after the window
           * then lends the bytes the second sequence still needs */
          w = put_code(by, w, e[2][z]);
          /* ... as it stands or through its first Traditional form (鐨勯€
           * 氬憡 for 的通告 became 镄勯€氩憡) */
          uint32_t lend[2] = {avail > 3 ? c[3] : 0, 0};
          if (w < 6 && lend[0] && lend[0] <= 0xFFFF && ((t->has_unconv[UNDO_T2S][lend[0] >> 3] >> (lend[0] & 7)) & 1))
            unconv_cands(t, UNDO_T2S, lend[0], lend + 1, 1);
          for (int v = 0; v < (w < 6 ? 2 : 1) && !hit; v++) {
            size_t w2 = w;
            if (w < 6 && lend[v] && lend[v] <= 0xFFFF && d->enc[lend[v]] >= 0x80) w2 = put_code(by, w, d->enc[lend[v]]);
            else if (v) continue;
            uint32_t u, u2;
            int l1 = moji_utf8_get(by, w2, &u);
            hit = l1 >= 3 && (zf_is_han(u) ? common_han(u) : cjk_symbol(u)) &&
                  moji_utf8_get(by + l1, w2 - (size_t)l1, &u2) >= 3 &&
                  (zf_is_han(u2) ? common_han(u2) : cjk_symbol(u2));
          }
        }
      }
    }
    if (hit) add |= 1u << cls;
  }
  return add;
}

/* Whether ch's bytes under class k's table (GBK, Big5) spell one Latin-1
 * character (latin_reading()), which goes to *u. */
static int latin_garbage(const moji *m, int k, uint32_t ch, uint32_t *u) {
  const moji_dbcs *d = k == C_U8_GBK ? &m->t->gbk : &m->t->big5;
  uint32_t sc[5];
  int ns = 1;
  sc[0] = ch;
  /* in a document whose garbage was converted to Simplified, its
   * Traditional forms too (聽 became 听) */
  if (m->conv_sig[UNDO_T2S] >= SIG_LINES) ns += unconv_cands(m->t, UNDO_T2S, ch, sc + 1, 4);
  for (int q = 0; q < ns; q++)
    if (sc[q] <= 0xFFFF && spells_latin(d->enc[sc[q]], u)) return 1;
  return 0;
}

static unsigned trigger_cp(const moji *m, const uint32_t *c, size_t n) {
  unsigned mask = 0;
  size_t kana_run = 0, nhan = 0, nrare = 0, nodd = 0;
  int japanese = 0, pua = 0, boxes = 0, lost = 0;
  /* In a document carrying a DBCS<->DBCS signature every character is
   * looked up in the other table below: no shortcut then. */
  const int follow = m->sig[C_GBK_BIG5] >= SIG_LINES || m->sig[C_BIG5_GBK] >= SIG_LINES;
  /* In a document carrying UTF-8 read as GBK or Big5, a garbage character
   * next to ASCII or to another such may be one Latin-1 character
   * (latin_reading(): 聽 for the no-break space, C2 A0): plain Han then
   * needs the lookup below too.  Not in a line where bytes were lost ('?'
   * of cp936, U+FFFD, 锟斤拷): there a garbage character is what survived,
   * and do_run() does not read it so. */
  const int latin = (m->sig[C_U8_GBK] >= SIG_LINES || m->sig[C_U8_BIG5] >= SIG_LINES) && m->no_marks &&
                    !m->lossy_line;
  const uint8_t *plain = m->t->plain_bm;
  /* Most lines: ASCII and quiet steps only reset kana_run, plain Han
   * ones (below) also count nhan, so no bit is set in the loop, and with
   * no private use, odd or rare character none after it either. */
  if (!follow && all_plain(m->t->quiet_bm, c, n)) {
    if (!latin) return 0;
    unsigned any = 0;
    for (size_t i = 0; i < n; i++)
      any |= c[i] >= 0x80 && c[i] <= 0xFFFF && ((m->t->latin_bm[c[i] >> 3] >> (c[i] & 7)) & 1);
    if (!any) return 0;
  }
  for (size_t i = 0; i < n; i++) {
    uint32_t ch = c[i];
    if (ch < 0x80) {
      kana_run = 0;
      continue;
    }
    if (latin && ch <= 0xFFFF && ((m->t->latin_bm[ch >> 3] >> (ch & 7)) & 1))
      for (int k = C_U8_GBK; k <= C_U8_BIG5; k++) {
        uint32_t u;
        uint32_t u2, l = i > 0 ? c[i - 1] : 0, rr = i + 1 < n ? c[i + 1] : 0;
        if (m->sig[k] >= SIG_LINES && latin_garbage(m, k, ch, &u) &&
            (u == 0xA0 ? (l && (l < 0x80 || latin_garbage(m, k, l, &u2))) ||
                             (rr && (rr < 0x80 || latin_garbage(m, k, rr, &u2)))
                       : latin_ok(LATIN_DOC, u, l, rr)))
          mask |= 1u << k;
      }
    if (ch <= 0xFFFF && !follow && ((plain[ch >> 3] >> (ch & 7)) & 1)) {
      /* A plain Han character (plain_bm): of the steps below only
       * kana_run = 0 and nhan++ apply.  It is neither kana, private use,
       * box drawing nor a lost-byte mark, has no 1252 byte (it lies above
       * U+2122), no lead bit (lg, lb, lf all 0), is not rare, and is not
       * dbcs_odd (Han). */
      kana_run = 0;
      nhan++;
      continue;
    }
    kana_run = ch >= 0x3041 && ch <= 0x30FF ? kana_run + 1 : 0;
    /* Japanese: GBK has the kana where Big5 has its commonest characters,
     * so the LM (a Chinese model) would "repair" Japanese into Chinese.
     * Garbage has isolated kana; Japanese has runs of them. */
    if (kana_run >= 3) japanese = 1;
    if (ch >= 0xE000 && ch <= 0xF8FF) pua = 1;
    if (ch >= 0x2500 && ch <= 0x257F) boxes++;
    if (ch == 0xFFFD || ch == 0x951F || ch == 0x5699) lost++;
    uint8_t by[8];
    int b0 = moji_cp1252_byte(ch);
    if (b0 >= 0x80 && i + 1 < n) {
      /* UTF-8 read as 1252: the characters spell a valid sequence */
      int w = 0;
      for (size_t j = i; j < n && j < i + 4; j++) {
        int bj = moji_cp1252_byte(c[j]);
        if (bj < 0) break;
        by[w++] = (uint8_t)bj;
      }
      uint32_t u;
      if (moji_utf8_get(by, (size_t)w, &u) >= 2) mask |= 1u << C_U8_1252;
      /* GBK/Big5 read as 1252: a pair that is not two Latin letters */
      int b1 = moji_cp1252_byte(c[i + 1]);
      if (b0 >= 0x81 && b0 <= 0xFE && b1 >= 0x40 && b1 != 0x7F &&
          (b1 >= 0x80 || (b0 >= 0xA1 && b0 <= 0xBF)))
        mask |= 1u << C_GBK_1252 | 1u << C_BIG5_1252;
    }
    if (ch > 0xFFFF) {
      /* no GBK or Big5 bytes of its own, but t2s garbage may start here */
      if (i + 2 < n && (mask & (1u << C_U8_GBK | 1u << C_U8_BIG5)) != (1u << C_U8_GBK | 1u << C_U8_BIG5))
        mask |= t2s_window(m->t, c + i, n - i, mask);
      continue;
    }
    int lg = (m->t->lead_bm[0][ch >> 3] >> (ch & 7)) & 1, lb = (m->t->lead_bm[1][ch >> 3] >> (ch & 7)) & 1;
    /* UTF-8 read as GBK/Big5: this character and the next two spell two
     * valid multi-byte sequences (two Chinese characters make three
     * garbage ones), or one that is a common Han character */
    int lf = (m->t->fold_bm[ch >> 3] >> (ch & 7)) & 1;
    /* set 2: GBK, with the three characters folded to Simplified (the
     * garbage was converted to Traditional after the wrong decode); set 3:
     * the first one as it stands, the two after it folded (鏍 of 样 is
     * garbage no conversion touched, 峯 after it was 峰) */
    if ((lg || lb || lf) && i + 2 < n && c[i + 1] <= 0xFFFF && c[i + 2] <= 0xFFFF)
      for (int set = 0; set < 4; set++) {
        const moji_dbcs *d = set == 1 ? &m->t->big5 : &m->t->gbk;
        if (!(set >= 2 ? (set == 2 ? lf : lg) && !(mask & 1u << C_U8_GBK) : set ? lb : lg)) continue;
        int w = 0;
        for (size_t j = i; j < i + 3; j++) {
          uint32_t cj = set == 2 || (set == 3 && j > i) ? zf_lm_fold(c[j]) : c[j];
          /* a fold GBK cannot encode (欓 folds to 𣗋) is no conversion
           * of the garbage: the character stands as it is */
          if (cj != c[j] && (cj > 0xFFFF || d->enc[cj] < 0x100)) cj = c[j];
          uint16_t e = cj <= 0xFFFF ? d->enc[cj] : 0;
          if (e < 0x100) break;
          by[w++] = (uint8_t)(e >> 8), by[w++] = (uint8_t)e;
          /* l1 >= 3 below needs by[1] and by[2] to be continuation
           * bytes (moji_utf8_get reads no further to fail): once one is
           * not, the characters after it (and their LM folds) cannot
           * change the outcome, and l1 comes out the same from the bytes
           * so far. */
          if (j < i + 2 && (by[j == i ? 1 : 2] & 0xC0) != 0x80) break;
        }
        uint32_t u, u2 = 0;
        int l1 = moji_utf8_get(by, (size_t)w, &u);
        /* Clean Traditional text spells valid UTF-8 in its GBK bytes in
         * 1.6% of its lines (zh_TW), but rarely text: Hangul, Ethiopic,
         * private use, then a Latin letter.  A Han character must be one
         * the LM has seen before the full pass is paid for; a symbol or
         * punctuation mark (box drawing) needs a second three-byte one, or
         * its last byte paired with the ASCII byte that ends the garbage
         * (、smb read as 銆乻mb: 81 73 is 乻). */
        if (l1 >= 3 &&
            (zf_is_han(u) ? common_han(u)
                          : cjk_symbol(u) && (moji_utf8_get(by + l1, (size_t)(w - l1), &u2) >= 3 ||
                                              (w == 4 && l1 == 3 && by[3] >= 0x40 && by[3] < 0x80))))
          mask |= 1u << (set == 1 ? C_U8_BIG5 : C_U8_GBK);
      }
    /* sets 4 (GBK) and 5 (Big5): garbage converted to Simplified */
    if (i + 2 < n && (mask & (1u << C_U8_GBK | 1u << C_U8_BIG5)) != (1u << C_U8_GBK | 1u << C_U8_BIG5) &&
        (lg || lb || ((m->t->t2s_lead_bm[ch >> 3] >> (ch & 7)) & 1)))
      mask |= t2s_window(m->t, c + i, n - i, mask);
    if (zf_is_han(ch)) {
      nhan++;
      nrare += (m->t->rare_bm[ch >> 3] >> (ch & 7)) & 1;
    } else if (dbcs_odd(ch)) {
      nodd++;
    }
    if (m->sig[C_GBK_BIG5] >= SIG_LINES && m->t->big5.enc[ch]) mask |= 1u << C_GBK_BIG5;
    if (m->sig[C_BIG5_GBK] >= SIG_LINES && m->t->gbk.enc[ch]) mask |= 1u << C_BIG5_GBK;
  }
  /* DBCS read as the other DBCS: every character re-decodes, so look for
   * what garbage has and clean text lacks: private-use characters, odd
   * symbols among Han, many characters the LM has (almost) never seen. */
  if (pua || nodd >= 2 || (nrare >= 2 && nrare * 5 >= nhan))
    mask |= 1u << C_GBK_BIG5 | 1u << C_BIG5_GBK;
  /* Big5 garbage nearly always has private-use characters too (GBK's
   * user-defined rows hold Big5's commonest characters); Japanese never.
   * A line drawn with box characters (a table) is a drawing: GBK's box
   * row holds ordinary Big5 characters, so the LM would turn it into Han.
   * Garbage has them too, but then with private-use characters.  In a
   * document carrying one of these readings, its lines follow it all the
   * same (Big5's 文件 read as GBK is セゅン, 提示 is 矗ボ). */
  if ((japanese || boxes >= 3) && !pua) {
    unsigned keep = 0;
    for (int k = C_GBK_BIG5; k <= C_BIG5_GBK; k++)
      if (m->sig[k] >= SIG_LINES) keep |= 1u << k;
    mask &= ~((1u << C_GBK_BIG5 | 1u << C_BIG5_GBK) & ~keep);
  }
  /* Where bytes were lost (U+FFFD, 锟斤拷, 嚙踝蕭), what is left of them
   * reads as random characters of either set: readings that have no
   * validity check to cut them are not tried there. */
  if (lost >= 2)
    mask &= ~(1u << C_GBK_BIG5 | 1u << C_BIG5_GBK | 1u << C_GBK_1252 | 1u << C_BIG5_1252);
  return mask;
}

static unsigned trigger_mask(const moji *m, const wtext *t) { return trigger_cp(m, t->cp, t->len); }


/* One pass of class k over in, into out. */
static int pass1(moji *m, int k, const wtext *in, wtext *out, uint64_t *cnt, int force);

/* One pass of class k; for the coarse classes, a line where a phrase was
 * confidently repaired is passed again with the lower KNOWN_ENTER cost
 * everywhere, pieces before that phrase included. */
static int pass(moji *m, int k, const wtext *in, wtext *out, uint64_t *cnt, int force) {
  m->known = classes[k].coarse && !force && m->sig[k] >= SIG_LINES;
  /* DBCS<->DBCS in a document that carries it: follow the document */
  if (m->known && classes[k].x != X_1252) m->known = 2;
  m->confident = 0;
  uint64_t c1[ZHFIX_STAT__COUNT] = {0};
  if (pass1(m, k, in, out, c1, force)) return ZHFIX_E_NOMEM;
  if (classes[k].coarse && !force && m->confident && !m->known) {
    m->known = 1;
    memset(c1, 0, sizeof c1);
    int rc = pass1(m, k, in, out, c1, force);
    m->known = 0;
    if (rc) return rc;
  }
  /* DBCS<->DBCS damage covers whole lines: a line where most of the Han
   * stays as it was, or where one or two characters beside others that
   * stay read "better" the other way, is far more often clean text (a rare name, a quoted
   * example of mojibake) than a damaged line.  Unless the document's
   * signature says otherwise, such a pass is dropped. */
  if (classes[k].coarse && classes[k].x != X_1252 && !force) {
    size_t han_in = 0, han_kept = 0;
    for (size_t i = 0; i < in->len; i++) han_in += zf_is_han(in->cp[i]);
    for (size_t i = 0; i < out->len; i++) han_kept += !out->rep[i] && zf_is_han(out->cp[i]);
    /* Even in a document that carries the reading, a line it damaged has
     * nearly all its Han re-read: one where most stays is one of its
     * clean lines, whose odd character or two the reading would only turn
     * into others (你 -> 斕, 冒號 -> 簸號 in a page where some paragraphs
     * were read with the wrong table and some were not). */
    int own = m->sig[k] >= SIG_LINES;
    if (han_in && (han_kept * 10 > han_in * 3 || (!own && han_in - han_kept < 3 && han_kept))) {
      wt_copy(out, in);
      m->confident = 0;
      return 0;
    }
  }
  /* UTF-8 read as Windows-1252 makes every byte above 0x7F of a line part
   * of a sequence: a continuation byte (80-BF) comes after its lead byte
   * or another continuation, and C0, C1, F5-FF never occur.  A line that
   * a repair would leave with a continuation standing alone (£ in
   * MÄ£ÄM Q £ÄGÌ, the 1252 dash of DrÃ¥ber – X) or such a byte was not
   * made that way, and its pieces that spell UTF-8 are an accident of
   * clean text.  Dropped bytes (0x81 0x8D 0x8F 0x90 0x9D: continuations)
   * never leave a continuation alone; bytes replaced by U+FFFD may, so a
   * line with one is not judged so. */
  if (classes[k].x == X_1252 && classes[k].y == Y_UTF8 && !force) {
    int rep = 0, stray = 0, fffd = 0;
    for (size_t i = 0; i < out->len; i++) {
      uint32_t c = out->cp[i];
      fffd |= c == 0xFFFD;
      if (out->rep[i]) {
        rep = 1;
        continue;
      }
      int b = c >= 0x80 ? moji_cp1252_byte(c) : -1;
      if (b < 0x80) continue;
      if (b < 0xC0) {
        int pb = i > 0 && !out->rep[i - 1] && out->cp[i - 1] >= 0x80 ? moji_cp1252_byte(out->cp[i - 1]) : -1;
        stray |= !(pb >= 0x80 && pb <= 0xF4 && pb != 0xC0 && pb != 0xC1);
      } else {
        stray |= b < 0xC2 || b > 0xF4;
      }
    }
    if (rep && stray && !fffd) {
      wt_copy(out, in);
      m->confident = 0;
      return 0;
    }
  }
  for (int s = 0; s < ZHFIX_STAT__COUNT; s++) cnt[s] += c1[s];
  return 0;
}

static int pass1(moji *m, int k, const wtext *in, wtext *out, uint64_t *cnt, int force) {
  const moji_class *cl = &classes[k];
  out->len = 0;
  /* Repairs never lengthen the text, except a lost byte becoming U+FFFD
   * in place of one garbage character: the input length bounds it. */
  if (wt_reserve(out, in->len + 1) || scratch_reserve(m, in->len)) return ZHFIX_E_NOMEM;
  size_t i = 0, n = in->len;
  while (i < n) {
    uint32_t c = in->cp[i];
    uint8_t by[4];
    int lost;
    if (c < 0x80 || !x_put_run(m, cl, c, by, &lost) || lost) {
      wt_push(out, c, in->off[i], in->rep[i]);
      i++;
      continue;
    }
    size_t j = i;
    while (j < n && in->cp[j] != '\n' && in->cp[j] != '\r' && x_put_run(m, cl, in->cp[j], by, &lost))
      j++;
    do_run(m, k, in, i, j - i, out, cnt, force);
    i = j;
  }
  return 0;
}

/* ---- character references ------------------------------------------------ */

static int hexval(uint32_t c) {
  if (c >= '0' && c <= '9') return (int)(c - '0');
  if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return (int)(c - 'A' + 10);
  return -1;
}

/* Parses a numeric reference body at s[i..n) after "#": "x4e2d;" or
 * "65292;".  Returns the length consumed (including ';') or 0. */
static size_t parse_num(const uint32_t *s, size_t i, size_t n, int need_x, uint32_t *out) {
  size_t j = i;
  int hex = 0;
  if (j < n && (s[j] == 'x' || s[j] == 'X')) hex = 1, j++;
  if (need_x && !hex) return 0;
  uint32_t v = 0;
  size_t d0 = j;
  while (j < n && j - d0 < 7) {
    int h = hex ? hexval(s[j]) : (s[j] >= '0' && s[j] <= '9' ? (int)(s[j] - '0') : -1);
    if (h < 0) break;
    v = v * (hex ? 16 : 10) + (uint32_t)h;
    j++;
  }
  if (j == d0 || j >= n || s[j] != ';') return 0;
  *out = v;
  return j + 1 - i;
}

static const struct {
  const char *name;
  uint32_t cp;
} named[] = {{"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
             {"apos", '\''},    {"nbsp", 0xA0},    {"ldquo", 0x201C}, {"rdquo", 0x201D},
             {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"hellip", 0x2026}, {"mdash", 0x2014},
             {"middot", 0xB7}};

static size_t parse_named(const uint32_t *s, size_t i, size_t n, uint32_t *out) {
  for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
    size_t l = strlen(named[k].name);
    if (i + l >= n || s[i + l] != ';') continue;
    size_t j = 0;
    while (j < l && s[i + j] == (uint32_t)(unsigned char)named[k].name[j]) j++;
    if (j == l) {
      *out = named[k].cp;
      return l + 1;
    }
  }
  return 0;
}

/* A character a reference may stand for in plain text: one a reader sees.
 * Controls, format characters (U+200B, U+2060.., U+FEFF), variation
 * selectors, private use (icon fonts: &#xe606; in a component list) and
 * noncharacters are code's business, not damage (issue 13: &#8203; in a
 * TypeScript string became an invisible character). */
static int visible_ref(uint32_t v) {
  if (v < 0x20 || (v >= 0x7F && v < 0xA0)) return 0;
  if ((v >= 0x200B && v <= 0x200F) || (v >= 0x2028 && v <= 0x202E) || (v >= 0x2060 && v <= 0x206F))
    return 0;
  if ((v >= 0xFE00 && v <= 0xFE0F) || v == 0xFEFF || (v >= 0xFFF0 && v <= 0xFFFB)) return 0;
  if ((v >= 0xE000 && v <= 0xF8FF) || v >= 0xF0000 || (v >= 0xE0000 && v <= 0xE0FFF)) return 0;
  if ((v >= 0xFDD0 && v <= 0xFDEF) || (v & 0xFFFE) == 0xFFFE) return 0;
  return 1;
}

/* 1 when s[0..n) holds a markup tag: '<' then a letter, '/', '!' or '?',
 * and a '>' after it. */
static int has_tag(const uint32_t *s, size_t n) {
  for (size_t i = 0; i + 1 < n; i++) {
    if (s[i] != '<') continue;
    uint32_t c = s[i + 1];
    if (!((c | 0x20) - 'a' < 26u || c == '/' || c == '!' || c == '?')) continue;
    for (size_t j = i + 2; j < n && s[j] != '<'; j++)
      if (s[j] == '>') return 1;
  }
  return 0;
}

/* Decodes references that can only be leftovers of HTML in plain text:
 * numeric references to characters of CJK text (U+2000 and up; a reference
 * to '&' or '±' is as likely a document *about* HTML, as in man pages),
 * any double-escaped reference (&amp;quot; &amp;#65292;), and the stripped
 * form #xff1a; that scrapers leave after removing the '&'. */
static size_t entities(const wtext *in, wtext *out, uint64_t *count) {
  const uint32_t *s = in->cp;
  size_t n = in->len, i = 0;
  out->len = 0;
  while (i < n) {
    uint32_t c = s[i], v = 0;
    size_t used = 0;
    if (c == '&' && i + 1 < n) {
      if (s[i + 1] == '#') {
        used = parse_num(s, i + 2, n, 0, &v);
        if (used) used += 2;
        if (used && v < 0x2000) used = 0;
      } else if (i + 5 < n && s[i + 1] == 'a' && s[i + 2] == 'm' && s[i + 3] == 'p' &&
                 s[i + 4] == ';') {
        if (s[i + 5] == '#') {
          used = parse_num(s, i + 6, n, 0, &v);
          if (used) used += 6;
        } else {
          used = parse_named(s, i + 5, n, &v);
          if (used) used += 5;
        }
      }
    } else if (c == '#' && (i == 0 || (s[i - 1] != '&' && !(s[i - 1] < 0x80 && (s[i - 1] == '_' ||
                                       (s[i - 1] | 0x20) - 'a' < 26u || s[i - 1] - '0' < 10u))))) {
      used = parse_num(s, i + 1, n, 1, &v);
      if (used) used += 1;
      if (used && (v < 0x2000 || used < 5)) used = 0;
    }
    if (used && (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) || !visible_ref(v))) used = 0;
    if (used) {
      wt_push(out, v, in->off[i], 1);
      (*count)++;
      i += used;
    } else {
      wt_push(out, c, in->off[i], in->rep[i]);
      i++;
    }
  }
  return out->len;
}

/* ---- unrecoverable damage ------------------------------------------------ */

/* Counts what is left that is certainly damage: runs of U+FFFD, 锟斤拷 (the
 * GBK reading of U+FFFD's bytes), 嚙踝蕭 (its Big5 reading), and 烫烫烫 /
 * 屯屯屯 (uninitialised 0xCC / 0xCD memory read as GBK). */
static void count_unrecoverable(const moji *m, const zf_text *t, int lossy_line,
                                zf_stats *stats) {
  const uint32_t *s = t->cp;
  size_t n = t->len, i = 0;
  while (i < n) {
    size_t j = i;
    uint32_t c = s[i];
    if (c == 0xFFFD) {
      while (j < n && s[j] == 0xFFFD) j++;
    } else if (c == 0x951F /* 锟 */ || c == 0x5699 /* 嚙 */) {
      /* U+FFFD's bytes EF BF BD read as GBK give 锟斤拷, as Big5 嚙踝蕭;
       * between two of them, the bytes of whatever survived (锟轿硷拷).
       * The span runs while a character of the triple turns up within
       * the next three. */
      const uint32_t *tri = c == 0x951F ? (const uint32_t[]){0x951F, 0x65A4, 0x62F7}
                                       : (const uint32_t[]){0x5699, 0x8E1D, 0x856D};
      size_t last = i;
      for (size_t k = i + 1; k < n && k <= last + 3; k++)
        if (s[k] == tri[0] || s[k] == tri[1] || s[k] == tri[2]) last = k;
      /* 锟 (EF BF) is always followed by a character starting with the
       * byte BD that completed U+FFFD: 锟芥本 is U+FFFD and 汾. */
      const moji_dbcs *set = c == 0x951F ? &m->t->gbk : &m->t->big5;
      int bd = i + 1 < n && s[i + 1] <= 0xFFFF && (set->enc[s[i + 1]] >> 8) == 0xBD;
      j = last > i ? last + 1 : (lossy_line || bd) ? i + 1 : i;
    } else if (c == 0x70EB /* 烫 */ || c == 0x5C6F /* 屯 */) {
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

/* ---- stage --------------------------------------------------------------- */

/* Bits of suspicious() for one character: 1 non-ASCII, 2 '&' or '#',
 * 4 a character count_unrecoverable starts a span at (U+FFFD, 锟, 嚙, 烫,
 * 屯).  No branch on the character: in text that mixes ASCII and Chinese a
 * branch on either is mispredicted at every switch. */
static inline unsigned susp_bits(uint32_t c) {
  return (unsigned)(c >= 0x80) | ((unsigned)(c == '&') | (unsigned)(c == '#')) << 1 |
         ((unsigned)(c == 0xFFFD) | (unsigned)(c == 0x951F) | (unsigned)(c == 0x5699) |
          (unsigned)(c == 0x70EB) | (unsigned)(c == 0x5C6F))
             << 2;
}

/* Is there anything at all for the passes to look at?  One scan, in
 * blocks of 16 that the compiler vectorises (no early exit).
 * 0: nothing but ASCII without '&' or '#'; otherwise bit 0 = non-ASCII,
 * bit 1 = '&' or '#' (a character reference may start there).  *marks:
 * whether count_unrecoverable would find anything to start at (without
 * such a character it records nothing). */
static int suspicious(const zf_text *in, int *marks) {
  const uint32_t *cp = in->cp;
  size_t n = in->len, i = 0;
  unsigned f = 0;
  for (; i + 16 <= n; i += 16)
    for (size_t k = 0; k < 16; k++) f |= susp_bits(cp[i + k]);
  for (; i < n; i++) f |= susp_bits(cp[i]);
  *marks = (f & 4) != 0;
  return (int)(f & 3);
}

/* Orders in which the passes are tried on a line.  The passes commit
 * greedily, so where two classes read the same garbage (GBK bytes read as
 * Latin-1 often look like UTF-8 read as Latin-1), each order is tried and
 * the line the LM prefers is kept.  A strategy starting with a forced
 * layer undoes a double decode whose middle layer the LM alone would not
 * prefer to the outer garbage (UTF-8 read as GBK, then that read as 1252). */
typedef struct strategy {
  int force; /* class forced first, or -1 */
  int order[NCLASS];
} strategy;

static const strategy strategies[] = {
    {-1, {C_U8_1252, C_U8_GBK, C_U8_BIG5, C_GBK_1252, C_BIG5_1252, C_GBK_BIG5, C_BIG5_GBK}},
    {-1, {C_U8_1252, C_U8_GBK, C_U8_BIG5, C_BIG5_1252, C_GBK_1252, C_BIG5_GBK, C_GBK_BIG5}},
    {-1, {C_GBK_1252, C_BIG5_1252, C_U8_1252, C_U8_GBK, C_U8_BIG5, C_GBK_BIG5, C_BIG5_GBK}},
    {-1, {C_BIG5_1252, C_GBK_1252, C_U8_1252, C_U8_GBK, C_U8_BIG5, C_BIG5_GBK, C_GBK_BIG5}},
    {-1, {C_GBK_BIG5, C_BIG5_GBK, C_U8_1252, C_U8_GBK, C_U8_BIG5, C_GBK_1252, C_BIG5_1252}},
    {-1, {C_BIG5_GBK, C_GBK_BIG5, C_U8_1252, C_U8_GBK, C_U8_BIG5, C_BIG5_1252, C_GBK_1252}},
    {C_U8_1252, {C_U8_1252, C_U8_GBK, C_U8_BIG5, C_GBK_1252, C_BIG5_1252, C_GBK_BIG5, C_BIG5_GBK}},
    {C_U8_GBK, {C_U8_GBK, C_U8_1252, C_U8_BIG5, C_GBK_1252, C_BIG5_1252, C_GBK_BIG5, C_BIG5_GBK}},
};
#define NSTRAT (sizeof strategies / sizeof strategies[0])
/* A forced first layer must win by this much over the plain strategies. */
#define FORCE_MARGIN 3.0


static int same(const wtext *a, const wtext *b) {
  return a->len == b->len && memcmp(a->cp, b->cp, a->len * sizeof *a->cp) == 0;
}

/* Runs strategy s on m->in0 into m->a/m->b; returns the result buffer or
 * NULL when nothing changed (or memory ran out: *rc). */
static wtext *run_strategy(moji *m, const strategy *sg, unsigned mask0, uint64_t *cnt,
                           unsigned *conf, int *rc) {
  wtext *cur = &m->a, *nxt = &m->b;
  wt_copy(cur, &m->in0);
  int changed = 0;
  unsigned mask = mask0; /* trigger_mask(cur), recomputed when cur changes */
  if (sg->force >= 0) {
    if (!((mask >> sg->force) & 1)) return NULL;
    uint64_t scratch[ZHFIX_STAT__COUNT] = {0};
    if (pass(m, sg->force, cur, nxt, scratch, 1)) return *rc = ZHFIX_E_NOMEM, NULL;
    if (same(cur, nxt)) return NULL;
    wtext *t = cur;
    cur = nxt, nxt = t;
    /* only worth going on if the layer revealed garbage of a UTF-8 reading */
    mask = trigger_mask(m, cur);
    if (!(mask & (1u << C_U8_1252 | 1u << C_U8_GBK | 1u << C_U8_BIG5))) return NULL;
    cnt[ZHFIX_STAT_MOJIBAKE_UTF8_DOUBLE]++;
  }
  uint64_t local[ZHFIX_STAT__COUNT] = {0};
  /* One line was read one way: once a class has repaired garbage of an
   * encoding X (say 1252), the other readings of X garbage (GBK bytes as
   * 1252) are not tried on the rest, where they would only turn what is
   * left of lossy damage into other garbage. */
  int xdone[3] = {-1, -1, -1};
  for (int o = 0; o < NCLASS; o++) {
    int k = sg->order[o];
    /* under a forced layer only another UTF-8 reading makes a double */
    if (sg->force >= 0 && classes[k].y != Y_UTF8) continue;
    if (xdone[classes[k].x] >= 0 && xdone[classes[k].x] != k) continue;
    /* nor, in a document whose signature is another coarse reading of
     * the same garbage (GBK vs Big5 bytes read as 1252), this one */
    int other = 0;
    for (int k2 = 0; k2 < NCLASS; k2++)
      other |= k2 != k && classes[k].coarse && classes[k2].coarse &&
               classes[k2].x == classes[k].x && m->sig[k2] >= SIG_LINES && m->sig[k] < SIG_LINES;
    if (other) continue;
    /* nor the other DBCS<->DBCS reading in a document that carries one:
     * it would only turn the repaired text into garbage again */
    if (dbcs_pair(k) && m->sig[dbcs_other(k)] >= SIG_LINES) continue;
    /* a class may need a second pass for text it made (1252 twice) */
    for (int it = 0; it < 2; it++) {
      if (!((mask >> k) & 1)) break;
      if (pass(m, k, cur, nxt, local, 0)) return *rc = ZHFIX_E_NOMEM, NULL;
      if (m->confident) *conf |= 1u << k;
      if (same(cur, nxt)) break;
      wtext *t = cur;
      cur = nxt, nxt = t;
      mask = trigger_mask(m, cur);
      changed = 1;
      xdone[classes[k].x] = k;
      /* GBK<->Big5 read twice is not a damage seen in practice, and
       * following the document's reading would re-read its own repair */
      if (dbcs_pair(k)) break;
    }
    /* A line read with the wrong double-byte table holds that damage only;
     * the other readings would take pieces of the repair for garbage
     * (GBK bytes of 模块 are valid UTF-8 too). */
    if (dbcs_pair(k) && xdone[classes[k].x] == k) break;
  }
  if (!changed && sg->force < 0) return NULL;
  if (sg->force >= 0) {
    /* the whole line counts as one double decode */
    if (!changed) return NULL;
  } else {
    for (int s = 0; s < ZHFIX_STAT__COUNT; s++) cnt[s] += local[s];
  }
  return cur;
}

/* Score of a whole line for choosing among the strategies' results: the
 * Chinese model's, or the model of text in any language where that one
 * fits better (issue 13: UTF-8 Arabic read as 1252 spells ØªØ..., which
 * GBK bytes read as 1252 make 丕賱..., and only the second model knows
 * that the Arabic is text). */
static double line_score(const wtext *t) {
  size_t n = t->len; /* the terminator is no evidence either way */
  while (n > 0 && (t->cp[n - 1] == '\n' || t->cp[n - 1] == '\r')) n--;
  double zh = zf_lm_score(t->cp, n), other = 0;
  uint32_t prev = 0;
  for (size_t i = 0; i < n; i++) {
    other += zf_lm_other_bigram(prev, t->cp[i]);
    prev = t->cp[i];
  }
  return zh > other ? zh : other;
}

static int run(void *st, const zf_text *in, zf_text *out, zf_stats *stats) {
  moji *m = st;
  int marks;
  int susp = suspicious(in, &marks);
  if (!susp) return ZF_UNCHANGED;
  size_t nlost = 0;
  if (marks)
    for (size_t i = 0; i < in->len; i++) {
      uint32_t c = in->cp[i];
      nlost += c == 0xFFFD || c == 0x951F || c == 0x5699;
    }
  m->lossy_line = nlost >= 2;
  m->no_marks = 1;
  for (size_t i = 0; i < in->len && m->no_marks; i++) m->no_marks = in->cp[i] != '?' && in->cp[i] != 0xFFFD;
  int c1 = 0;
  for (size_t i = 0; i < in->len; i++) c1 |= in->cp[i] >= 0x80 && in->cp[i] < 0xA0;
  if (!(susp & 2) && !c1 && !trigger_cp(m, in->cp, in->len)) { /* the common case */
    if (marks) count_unrecoverable(m, in, m->lossy_line, stats);
    return ZF_UNCHANGED;
  }
  size_t need = in->len + 1;
  if (wt_reserve(&m->in0, need) || wt_reserve(&m->a, need) || wt_reserve(&m->b, need) ||
      wt_reserve(&m->best, need))
    return ZHFIX_E_NOMEM;
  memcpy(m->in0.cp, in->cp, in->len * sizeof *in->cp);
  memcpy(m->in0.off, in->off, in->len * sizeof *in->off);
  memset(m->in0.rep, 0, in->len);
  m->in0.len = in->len;

  /* In markup, references are the markup's (an HTML page that shows
   * &amp;quot; means it): only plain text has leftovers to decode. */
  uint64_t ent = 0;
  if (!m->markup && !has_tag(in->cp, in->len)) {
    entities(&m->in0, &m->a, &ent);
    if (ent) wt_copy(&m->in0, &m->a);
  }

  unsigned mask0 = trigger_mask(m, &m->in0);

  if (!mask0 && !ent && !c1) { /* the common case: nothing to try */
    count_unrecoverable(m, in, m->lossy_line, stats);
    return ZF_UNCHANGED;
  }
  /* The best line so far: the input, unless a strategy beats it. */
  wt_copy(&m->best, &m->in0);
  double best_score = line_score(&m->in0);
  int have_best = 1, rc = 0;
  uint64_t best_cnt[ZHFIX_STAT__COUNT] = {0};
  unsigned best_conf = 0, best_dirs = 0;
  unsigned mask = mask0;
  int seen[NSTRAT][NCLASS];
  memset(seen, 0x7f, sizeof seen); /* never a class nor -1 */
  /* A document carrying a DBCS<->DBCS reading: its lines are read that
   * way first (other damage in them is undone after it), or kept. */
  int follow = -1;
  for (int k = C_GBK_BIG5; k <= C_BIG5_GBK; k++)
    if (m->sig[k] >= SIG_LINES && ((mask >> k) & 1)) follow = k;
  for (size_t s = 0; s < NSTRAT && mask; s++) {
    const strategy *sg = &strategies[s];
    if (sg->force >= 0 && !((mask >> sg->force) & 1)) continue;
    if (follow >= 0 && (sg->force >= 0 || sg->order[0] != follow)) continue;
    /* Orders that differ only in classes that cannot fire are the same. */
    int w = 0;
    for (int o = 0; o < NCLASS; o++)
      if ((mask >> sg->order[o]) & 1) seen[s][w++] = sg->order[o];
    for (; w < NCLASS; w++) seen[s][w] = -1;
    int dup = 0;
    for (size_t t = 0; t < s && !dup; t++)
      dup = strategies[t].force == sg->force && memcmp(seen[t], seen[s], sizeof seen[s]) == 0;
    if (dup) continue;
    uint64_t cnt[ZHFIX_STAT__COUNT] = {0};
    unsigned conf = 0;
    m->run_dirs = 0;
    wtext *r = run_strategy(m, &strategies[s], mask0, cnt, &conf, &rc);
    if (rc) return rc;
    if (!r || same(r, &m->best)) continue;
    double sc = line_score(r);
    if (strategies[s].force >= 0) sc -= FORCE_MARGIN;
    /* the document's prior for its own DBCS<->DBCS reading, once per
     * line (FOLLOW_PRIOR) */
    if (follow >= 0 && cnt[classes[follow].stat]) sc += FOLLOW_PRIOR;
    if (have_best && sc <= best_score) continue;
    wt_copy(&m->best, r);
    best_score = sc;
    have_best = 1;
    memcpy(best_cnt, cnt, sizeof cnt);
    best_conf = conf;
    best_dirs = m->run_dirs;
  }
  /* A document is read with one wrong table: once it carries one
   * DBCS<->DBCS reading, the other one does not become its signature, nor
   * does either once it carries UTF-8 read as GBK or Big5 (whose lossy
   * garbage, 閫€鏍? for 退格, also reads "better" as Big5 read as GBK;
   * followed, that reading would turn every later line into garbage). */
  const int utf8_doc = m->sig[C_U8_GBK] >= SIG_LINES || m->sig[C_U8_BIG5] >= SIG_LINES;
  for (int k = 0; k < NCLASS; k++)
    if ((best_conf >> k) & 1 && m->sig[k] < SIG_LINES &&
        !(dbcs_pair(k) && (m->sig[dbcs_other(k)] >= SIG_LINES || utf8_doc)))
      m->sig[k]++;
  for (int dir = 0; dir < NUNDO; dir++)
    if (best_conf && (best_dirs >> dir) & 1 && m->conv_sig[dir] < SIG_LINES) m->conv_sig[dir]++;
  /* C1 controls left over are text read with ISO-8859-1 where the bytes
   * were Windows-1252: read as WHATWG's windows-1252 reads them (0x80 is
   * €, 0x93 “), its five undefined bytes staying the C1 controls they
   * decode to (issue 13: they used to be deleted as controls).  Only in a
   * line that ISO-8859-1 can have made, every character of it below
   * U+0100: a control beside Han or Cyrillic (Mule'\x80\x99 написав) is
   * no byte of a 1252 file. */
  if (c1) {
    int latin1 = 1;
    for (size_t i = 0; i < m->best.len && latin1; i++) latin1 = m->best.cp[i] < 0x100;
    for (size_t i = 0; i < m->best.len && latin1; i++) {
      uint32_t c = m->best.cp[i];
      if (c < 0x80 || c >= 0xA0 || moji_cp1252_hi[c - 0x80] == c) continue;
      m->best.cp[i] = moji_cp1252_hi[c - 0x80];
      stats->v[ZHFIX_STAT_C1_AS_1252]++;
    }
  }
  stats->v[ZHFIX_STAT_ENTITIES_DECODED] += ent;
  for (int s = 0; s < ZHFIX_STAT__COUNT; s++) stats->v[s] += best_cnt[s];
  if (zf_text_reserve(out, m->best.len)) return ZHFIX_E_NOMEM;
  for (size_t i = 0; i < m->best.len; i++) zf_text_push(out, m->best.cp[i], m->best.off[i]);
  count_unrecoverable(m, out, m->lossy_line, stats);
  return 0;
}

/* The detection window's complete lines run as the document's lines will,
 * output discarded, for the document signature alone: a page read with the
 * wrong double-byte table is damaged from its first line, and its title
 * should not stay damaged until three lines have shown the reading.  Only
 * confident repairs count towards the signature, so clean text gains
 * none; the lines are run again, for real, afterwards (the counts stop at
 * SIG_LINES, so seeing a line twice changes nothing). */
/* Lines of the detection window with a tag that make it markup. */
#define MARKUP_LINES 2

static void prescan(void *st, const zf_text *prefix) {
  moji *m = st;
  zf_text line = {0}, out = {0};
  zf_stats scratch;
  size_t tags = 0;
  for (size_t a = 0, i = 0; i <= prefix->len && tags < MARKUP_LINES; i++)
    if (i == prefix->len || prefix->cp[i] == '\n') {
      tags += has_tag(prefix->cp + a, i - a);
      a = i + 1;
    }
  m->markup = tags >= MARKUP_LINES;
  for (size_t a = 0, i = 0; i < prefix->len; i++) {
    if (prefix->cp[i] != '\n') continue;
    zf_text_clear(&line);
    if (zf_text_append(&line, prefix, a, i + 1 - a)) break; /* no memory: no head start */
    zf_text_clear(&out);
    zf_stats_init(&scratch);
    if (run(m, &line, &out, &scratch) < 0) break;
    a = i + 1;
  }
  zf_text_free(&line);
  zf_text_free(&out);
}

const zf_stage_ops zf_stage_mojibake = {"mojibake", create, prescan, run, destroy};
