/*
 * Private to the lattice's files (lost.h; docs/repair-lost.md): its
 * parameters, its structures, and the steps one file hands another.
 *   lost.c         the forward search: edges, nodes, pruning
 *   lost_decide.c  the backward pass and the decisions: regions, marks
 *   lost_run.c     the entry points, detection, the damage classes
 *   lost_stage.c   the pipeline's stage
 */
#ifndef ZF_LOST_LAT_H
#define ZF_LOST_LAT_H

#include <float.h>
#include <math.h>
#ifdef LOST_DEBUG
#include <stdio.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "convert_tables.h"
#include "lm.h"
#include "lost.h"
#include "lost_int.h"


/* ---- parameters (log10 units) --------------------------------------------- */

#define LOST_STATES 256    /* nodes kept per boundary                         */
#define LOST_BYTES_STATES 4096 /* the same without a model (ZF_LOST_BYTES)   */
#define LOST_PRUNE 10.0    /* nodes this far below the best are dropped       */
#define LOST_GAP_EDGES 16384 /* a unit that needs gap bytes: nodes expand, best
                                first, until their edges reach this        */
#define LOST_EDGE_CAP 65536 /* edges one node may open for one unit (a cap
                                * cuts its gap: the region is then marked)    */
#define LOST_WINDOW 512    /* units decided at once at most                   */
#define LOST_WIDE 4.0      /* readings this close to the best compete         */
#define LOST_CANDS 32      /* competing readings kept per region              */
#define LOST_BYTES_CANDS 4096
#define LOST_MAX_DROPS 2   /* bytes a dropping reader may hide before a unit */
/* A dropping reader leaves no mark: a node tries hidden errors before a
 * unit when its reading cannot go on without one (the source's bytes stop
 * making sense: with UTF-8, usually right where bytes went), and the
 * LOST_DROP_BEAM best nodes at every unit: a double-byte source's bytes
 * read one byte out of phase still make characters, and UTF-8 bytes after
 * a drop may still continue a character by chance (E8 A8 [AD E5] 80 BC:
 * E8 A8 80 is a character, the reading only fails one unit later). */
#define LOST_DROP_BEAM 2
#define LOST_DROP_BEAM_U8 1
#define LOST_VISITS 65536  /* search steps one node may take for one unit     */
/* A region's winner must beat every reading that differs from it by this
 * much under zf_lm_rank_score (the sum of two log10 scores: 10:1 under
 * each), as the mojibake stage's lossy fill (FILL_MARGIN there) ... */
#define LOST_FILL_MARGIN 2.0
/* Where readings differ, a character of three or four bytes (UTF-8) is
 * filled only when at least 1/LOST_SURV_DEN of its bytes survived, and any
 * character only between two the surviving bytes make (not ASCII); the
 * rest is marked, or guessed in guess mode.  Among runs of gaps the
 * model's margin is its prior, not evidence. */
#define LOST_SURV_DEN 2
/* ... or under the bigram score alone where the readings differ in length
 * (10:1, the content-farm stage's MARGIN). */
#define LOST_BIGRAM_MARGIN 1.0
/* A '?' read as an error rather than as itself, and an error a dropping
 * reader hid: the literal reading wins ties (the farm stage's PEN_HOLE). */
#define PEN_HOLE 1.0
#define PEN_DROP 1.0
/* A character made with lost bytes that real text does not hold
 * (controls, private use, unassigned). */
#define PEN_IMPLAUSIBLE 5.0
/* A character the text's script never writes (a Traditional-only one in
 * Simplified text): the model folds Traditional onto Simplified, so without
 * this 個 would fill a gap of 个's text as readily as 个 (the content-farm
 * stage's PEN_SCRIPT). */
#define PEN_SCRIPT 3.0
#define RANK_CTX 3
/* A character is written only where the readings that agree on it are
 * 10:1 against all the others together under the bigram model (the
 * content-farm stage's MARGIN, counted against every alternative: with
 * thousands of candidates for a lost character, the runner-up alone
 * understates the doubt). */
#define LOST_POST_ODDS 1.0

#define MAXB 12 /* bytes one edge may choose */
#define MAXC 8  /* source characters one edge may complete */
#define NONE 0xFFFFFFFFu

/* ---- structures ------------------------------------------------------------ */

enum { UK_CHAR, UK_MARK, UK_QMARK, UK_ATOM, UK_END };

typedef struct lnode {
  uint32_t ss, last;
  uint8_t rr, hasrr, sgap, rrins; /* rrins: rr is in the pending source bytes */
  uint8_t spend; /* surviving bytes among the pending source bytes */
  float alpha, beta;   /* best reading into / out of the node (log10)  */
  float alphas, betas; /* mass of all readings into / out of it         */
  uint32_t bp, bn; /* best incoming / outgoing edge */
  uint64_t soff;   /* input offset of the pending source character */
} lnode;

typedef struct ledge {
  uint32_t from, to;
  float w, pen;
  uint32_t c0;
  uint8_t nc, gaps, trunc, pad;
} ledge;

typedef struct pchar {
  uint32_t cp;
  uint8_t gap;  /* bytes of the character that came from gaps */
  uint8_t surv; /* bytes of it that survived (the input's own)   */
  uint64_t off;
} pchar;

typedef struct cand {
  double score, d;
  uint32_t c0, n; /* characters in l->cbuf */
  uint32_t e0;    /* its edges in l->cedge, one per unit of the region */
  uint64_t hash;
} cand;

struct zf_lost {
  const zf_lost_tables *t;
  uint32_t marker;
  zf_occ_tables occ;
  int have_occ;
  int script;    /* set by the caller: ZHFIX_SCRIPT_*, or -1 (judged per line) */
  unsigned avoid; /* ZF_OCC_* class the segment's script never writes      */
  /* the segment */
  const lc_model *S, *R;
  int style, mode;
  const uint32_t *ucp;
  const uint64_t *uoff;
  uint8_t *ukind;
  size_t nu, capu;
  uint64_t (*rrbits)[4]; /* per unit: bytes that can start it            */
  const lc_inv **uenc;  /* per unit: the reader's byte sequences for it   */
  uint32_t *nenc;
  size_t caprr, capue, capne;
  /* the window's lattice */
  lnode *nodes;
  size_t nn, capn;
  uint32_t *bstart; /* nodes of boundary b: bstart[b - w0] .. */
  size_t capb;
  ledge *edges;
  size_t ne, cape;
  uint32_t *estart; /* edges of interval b: estart[b - w0] .. */
  pchar *pool;
  size_t np, capp;
  struct hs { uint32_t gen, node; } *hslot; /* nodes of the boundary being built */
  size_t hcap;
  uint32_t gen;
  size_t bnew; /* first node of the boundary being built */
  uint32_t *ixb;
  size_t capixb;
  size_t cape2, capbb;
  /* decisions */
  pchar *best;
  size_t nbest, capbest;
  uint32_t *bbound; /* index in best[] where boundary b's output starts */
  cand *cands;
  size_t ncand, capcand;
  uint32_t *cedge;
  size_t ncedge, capcedge;
  uint8_t *rmark;
  size_t caprmark;
  uint32_t *dbuf, *dlit;
  size_t capdbuf, capdlit;
  pchar *cbuf;
  size_t ncbuf, capcbuf;
  uint32_t ctx[RANK_CTX]; /* last characters written (left context) */
  size_t nctx;
  /* output */
  uint8_t *flags;
  size_t nflags, capflags;
  zf_text *out;
  zf_stats *stats;
  zf_lost_result res;
  int trunc_iv; /* the interval being expanded hit a cap */
  uint8_t *itrunc; /* per interval of the window: a cap cut it */
  size_t capitrunc;
  uint32_t *order, *tmp, *remap, *tmp2;
  size_t caporder, captmp, capremap, captmp2;
  uint64_t end_off;
  const uint32_t *emit_path; /* the chosen edge of every interval (decide) */
  /* characters the bytes alone determine (a ZF_LOST_BYTES pass before a
   * model's): input offset and code point, in output order */
  zf_text det;
  int use_det;
  size_t emit_nb;
  int nomem;
  /* the caller's work budget (zf_lost_set_budget): search steps counted
   * over every run since it was set (work; the run's own from run0), at
   * most per_unit a unit so far (plus LOST_BUDGET_SLACK units) in a run
   * and total in all; over: it ran out */
  size_t work, run0, per_unit, total;
  int over;
};

/* Units of search a run may spend ahead of its progress under the
 * caller's budget (a gap near the start of a line costs more than its
 * share). */
#define LOST_BUDGET_SLACK 4
#define LOST_INTERVAL_EDGES 65536 /* edges of one unit, all nodes together */


/* lost_drop.c, lost_whole.c: a byte pair that is one source character
 * (not a pair of code points), and the model's step from prev (0: none)
 * to c. */
static inline int src_char(uint32_t v) { return v && v != LC_TWO_CPS; }
static inline float lm_step(uint32_t prev, uint32_t c) { return prev ? zf_lm_bigram(prev, c) : zf_lm_char(c); }

/* lost_split.c: zf_lost_drop_ok, 1 when the reader R, between
 * characters, rejects x before the byte y and reads y again (y < 0: the
 * end of the text); zf_lost_drop_cands, the candidates of a source
 * character (x, y) with x missing, x rejected before y when `check`, or
 * (y, x) with x rejected before `after`: up to max of them into cs (NULL:
 * count up to max only), returns how many; zf_lost_split_word, 1 when
 * the character at win[at] (win: nw <= 2 RANK_CTX + 1 characters), read
 * whole from bytes b0 b1 (after: the byte after b1, -1 none), may be two
 * characters that lost b0's lead and b1's trail and make a word of the
 * lexicon scoring, less 2 pen, within SPLIT_MARGIN of it. */
int zf_lost_drop_ok(const lc_model *R, unsigned x, int y);
size_t zf_lost_drop_cands(const lc_model *S, const lc_model *R, int lead_missing, unsigned y, int after, int check,
                          uint32_t *cs, size_t max);
int zf_lost_split_word(const lc_model *S, const lc_model *R, unsigned b0, unsigned b1, int after,
                       const uint32_t *win, size_t nw, size_t at, double pen);
/* lost_split.c: the bound pass's gap sets of a class (lost_drop.c), once
 * per process, with the process-wide tables only (else NULL) */
enum { SET_LEAD, SET_ANY, SET_TRAIL, SET_N };
typedef struct zf_lost_gapsets_t {
  zf_lm_set s[SET_N][256];
} zf_lost_gapsets_t;
const zf_lost_gapsets_t *zf_lost_gapsets(const zf_lost *l, const zf_lost_hyp *h, const lc_model *S,
                                         const lc_model *R);
/* zf_lost_split_inner: the same for a word that lost b0's trail and b1's
 * lead, the reader having ended a unit with b0 (lost_split.c). */
int zf_lost_split_inner(const lc_model *S, const lc_model *R, unsigned b0, unsigned b1, const uint32_t *win,
                        size_t nw, size_t at, double pen);
/* zf_lost_split_shift: a phase shift.  b0 b1 read whole, then the next
 * byte `after` read as the trail of a lead that went (win[at + 1], its
 * slot in the window), or an ASCII byte 40-7E as it came (win[at + 1]);
 * the same bytes read with the drop before b0 instead, (x, b0) (b1,
 * after), have as many drops and no gap (one drop more, pen, after ASCII):
 * 1 when the best such reading scores within SPLIT_SHIFT_MARGIN of the
 * window as read, its gap filled with the best candidate (頁翻 = AD B6 C2
 * BD: AD dropped, B6 C2 read back as 黑, BD a trail without its lead;
 * 案， = AE D7 A1 41: AE dropped, D7 A1 read back as 蛂, then `A`). */
int zf_lost_split_shift(const lc_model *S, const lc_model *R, unsigned b0, unsigned b1, unsigned after,
                        const uint32_t *win, size_t nw, size_t at, double pen);

/* lost_split.c: a chain of shifts, m (2-4) characters read whole from
 * b[0..2m), win[at..at+m) in the window win[0..nw) (lost_drop.c) */
int zf_lost_split_chain(const lc_model *S, const lc_model *R, const uint8_t *b, size_t m, int after,
                        const uint32_t *win, size_t nw, size_t at, double pen);

#define GROW(l, arr, cap, need) zf_grow((void **)&(arr), &(cap), (need), sizeof *(arr), 64)

/* log10(10^a + 10^b) */
static inline float lse(float a, float b) {
  if (a == -FLT_MAX) return b;
  if (b == -FLT_MAX) return a;
  float m = a > b ? a : b, d = a > b ? b - a : a - b;
  if (d < -12.0f) return m;
  return m + log10f(1.0f + powf(10.0f, d));
}

/* lost_decide.c: the output of the linear readers (lost_drop.c, lost_u8.c).
 * zf_lat_emit writes one character and its flag (-1: out of memory);
 * zf_lat_fill_wins says whether candidate bi of a gap (rank: under
 * zf_lm_rank_score, sc: under zf_lm_score) beats every other by
 * LOST_FILL_MARGIN and all of them together by LOST_POST_ODDS;
 * zf_lat_emit_gap writes a gap's character: the fill when `fill`, the best
 * candidate flagged as a guess in guess mode, else a mark, counted in res;
 * zf_lat_emit_undo rolls the output back to `base` after a failed emit and
 * returns ZHFIX_E_NOMEM. */
int zf_lat_emit(zf_lost *l, zf_text *out, uint32_t cp, uint64_t off, int flag);
/* zf_lat_begin starts a linear reader's line: res and the flags cleared,
 * and the model of double-byte codec `codec`, NULL when it is not one or
 * its table is absent. */
const lc_model *zf_lat_begin(zf_lost *l, int codec, zf_lost_result *res);
/* zf_lat_mark_stretch writes one mark for a stretch of characters not
 * rebuilt: the mark at the stretch's first character (counted as a gap),
 * nothing for the rest while *inmark stays set (-1: out of memory). */
int zf_lat_mark_stretch(zf_lost *l, zf_text *out, uint64_t off, zf_lost_result *res, int *inmark);
int zf_lat_fill_wins(const double *rank, const double *sc, size_t nc, size_t bi);
int zf_lat_emit_gap(zf_lost *l, zf_text *out, int mode, int fill, const uint32_t *cs, size_t nc, size_t bi,
                    uint64_t off, zf_lost_result *res);
int zf_lat_emit_undo(zf_lost *l, zf_text *out, size_t base);

/* lost.c */
void zf_lat_rr_set(const zf_lost *l, size_t j, uint64_t out[4]);
void zf_lat_expand(zf_lost *l, uint32_t ni, size_t j, int gaps_ok);
uint64_t zf_lat_unit_off(const zf_lost *l, size_t j);
int zf_lat_hash_init(zf_lost *l);
void zf_lat_hash_next(zf_lost *l);
void zf_lat_sort_by_alpha(uint32_t *ix, size_t n, const lnode *nodes, uint32_t *tmp);
size_t zf_lat_prune(zf_lost *l, uint32_t first, uint32_t efirst);
/* lost_decide.c */
void zf_lat_decide(zf_lost *l, size_t nb, uint32_t keep);

#endif
