/*
 * The content-farm stage's own interface between its files (private to
 * src/farm*.c and src/repair_farm.c; docs/repair-farm.md tells the whole
 * story).
 *
 *   repair_farm.c   the stage: state, per-document prescan, per-line run
 *   farm_scan.c     a line as tokens; the document signature; the cheap
 *                   looks that keep clean lines out of the search
 *   farm_digits.c   the digit cache (swallowed digits given back)
 *   farm_search.c   the Viterbi search over the original bytes: the
 *                   transitions of a token, the line loop
 *   farm_setaside.c a lost byte's readings with a swallowed character,
 *                   set aside by state, only the survivors pushed
 *   farm_score.c    the score terms and the bigram cache (their hot paths
 *                   inline in farm_search.h, shared by the search files)
 *   farm_store.c    the hypotheses' arrays (and their pool), the output
 *                   nodes and their compaction
 *   farm_merge.c    merging a position's hypotheses by state
 *   farm_commit.c   a resolved span into output and statistics
 *   farm_marks.c    whether a mark rebuilt from a lost lead byte is shown
 *
 * The GB18030 byte view comes from farm_codec.h; every use goes through
 * the fb_* wrappers below, so pointing the stage at another codec module
 * means changing them and the two calls in repair_farm.c that make and
 * free it.
 */
#ifndef ZF_FARM_H
#define ZF_FARM_H

#include <stddef.h>
#include <stdint.h>

#include "convert_tables.h"
#include "farm_codec.h"
#include "zf.h"

/* ---- the byte view (GB18030) -------------------------------------------- */

typedef farm_codec farm_bytes;

/* The character of the two-byte code (lead, trail); 0 when not a real
 * character (private use, unassigned, not a two-byte code). */
static inline uint32_t fb_pair(const farm_bytes *c, unsigned lead, unsigned trail) {
  return farm_codec_pair(c, lead, trail);
}
/* GB18030 bytes of cp into out[4]: 1, 2 or 4, or 0. */
static inline int fb_encode(farm_bytes *c, uint32_t cp, unsigned char out[4]) {
  return farm_codec_encode(c, cp, out);
}
static inline int fb_is_lead(unsigned b) { return farm_is_lead(b); }
static inline int fb_is_trail(unsigned b) { return farm_is_trail(b); }

/* ---- search parameters ---------------------------------------------------- *
 * In log10 units of the language model.  A lost byte or an undone
 * punctuation replace costs a little so that text the model finds equally
 * likely keeps its literal reading; a span is repaired only when its best
 * reading beats every other by MARGIN. */
#define PEN_HOLE 1.0
#define PEN_PUNCT 1.0
#define MARGIN 1.0
#define PRUNE 30.0
#define MAX_KEYS 2048
#define HOLE_BEAM 16
#define FORCE_CUT 1024
#define NODE_LIMIT (1u << 22)
/* The node store is compacted (the nodes no hypothesis reaches dropped)
 * once it holds this many, so one long line of dense damage does not keep
 * every node it ever made: NODE_LIMIT still counts them all.  Each
 * compaction walks every live reading and the whole store: at 2^14 on
 * the one-line shape the live ones were often half of it, so it ran
 * every few thousand nodes (2.3% of the instructions; 2^15: 1.3%, peak
 * RSS +0.3 MB; docs/repair-farm.md, "Wave 13"). */
#define NODE_COMPACT (1u << 15)
/* A position drained of more than this many hypotheses' room gives its
 * array back, so that only the few positions dense damage fills at the
 * same time hold a large one, not all RING of them. */
#define BEAM_KEEP 1024
/* ... into the farm's pool of POOL_N such arrays (zf_farm_pool_give). */
#define POOL_N 2
/* A character the document's script never writes (a Simplified-only one
 * in a Traditional document: step 1 converted them all). */
#define PEN_SCRIPT 3.0
/* A regional variant the document's standard does not use (為 where
 * OpenCC's s2t writes 爲): the model folds variants together, so without
 * this two byte values giving 爲 and 為 would tie. */
#define PEN_VARIANT 1.0
/* A closing quote or bracket that closes what the line opened, against
 * one that closes nothing: the model scores punctuation by frequency
 * only, so 。” and 。。 would otherwise be a toss-up. */
#define BAL_CLOSE 1.0
#define BAL_STRAY 2.0
#define NGROUPS 4
/* Two pause marks in a row (。。 ：。 ,，), or a pause mark next to a
 * question or exclamation mark (：？ ？；), which edited text hardly has;
 * the model scores punctuation by class and frequency only.  ?! and !?
 * combine and cost nothing. */
#define PEN_DOUBLE 2.0
/* Chinese typography puts the sentence mark inside the quote (。” ！」),
 * which the class-based model cannot see either. */
#define BAL_SENT 1.0
/* Bytes that form a character the page is seen to annotate everywhere,
 * with no annotation after them: the farm would have inserted one. */
#define PEN_UNANN 3.0
#define PEN_UNCLOSED 1.0
/* Bounds the memory on pathological input ("??????" next to Han text): a
 * position's hypotheses are merged whenever they pile up.  Above what
 * one '?' makes (its beam of 2 x MAX_KEYS read literally, and HOLE_BEAM
 * x 126 lead bytes x up to 5 forms): a merge on the way did the work of
 * the position's own merge twice over for the hypotheses it kept. */
#define HV_LIMIT 16384
/* A line may push WORK_BASE + WORK_PER_CHAR * (its characters)
 * hypotheses; past that the rest of it stays as it is, reported.  Realistic
 * damage needs at most about 80000 for 16000 characters and 10000 for a
 * short line (make bench's farm-realistic.txt); runs of '?' and split marks
 * with nothing else in between need thousands per character. */
#define WORK_BASE 32768u
#define WORK_PER_CHAR 64u
/* ... but never more than the document has left: WORK_BASE to start with,
 * WORK_PER_CHAR per character of every line (clean ones included), less
 * what the lines before pushed, saved up to BANK_CAP (repair_farm.c,
 * run).  So a document costs at most WORK_BASE + WORK_PER_CHAR per
 * character (plus, per line that runs out, the hypotheses of the position
 * where it did, at most HV_LIMIT), however its damage is spread, and a
 * burst of dense damage after a long clean stretch at most BANK_CAP. */
#define BANK_CAP (1 << 20)
/* Characters where two readings of the same length part; when they part
 * in more places than this, the span is left whole. */
#define MAX_UNSURE 2

/* Output placeholder for a digit the decoder swallowed: its value is lost,
 * the language model scores it as a digit, the output shows '?'. */
#define WILD_DIGIT 0x110001u
/* Flag on an output character rebuilt from a lost lead byte in GBK's
 * symbol rows (see symbol_row): shown only when farm_marks.c says so. */
#define GUESSED 0x40000000u
/* ... and its second byte is lost too: no byte says anything about it. */
#define TRAIL_LOST 0x20000000u
#define CP_FLAGS (GUESSED | TRAIL_LOST)
/* Longest annotation "(" + syllable + ")" in code points. */
#define ANN_MAX_SYL 7
/* Transitions reach at most ANN_MAX_SYL + 2 positions ahead. */
#define RING 16

/* ---- the stage's data ------------------------------------------------------ */

/* One input character of the line being searched. */
typedef struct tok { /* 24 bytes: the fields in order of size */
  uint64_t off;
  uint32_t cp;
  unsigned char b[4];
  int16_t ann_end; /* index of ')' when cp starts "(py)" / "?py)"; 0 */
  int16_t syl;
  uint8_t nb;      /* bytes in b; 0 for an atom                       */
  uint8_t atom;    /* a character that cannot be part of a GBK pair    */
  uint8_t near;    /* non-ASCII text within three characters          */
  int8_t tone;
} tok;

/* One reading of the line up to a position. */
typedef struct hyp {
  double score;
  uint64_t hash;     /* output since the last cut, to tell readings apart */
  uint32_t pend_tok; /* the token (index in f->tk) that gave the pending
                      * byte                                              */
  uint32_t last;     /* last output character: the model's context       */
  uint32_t node;     /* last output node, 0 when none since the cut       */
  uint8_t pend;      /* lead byte of B waiting for its second byte; 0     */
  uint8_t b1, b2;    /* last two bytes of B, b2 the latest                */
  uint8_t open[NGROUPS]; /* quotes/brackets opened and not yet closed    */
  /* one bit each (a hypothesis is copied for every reading tried: 48
   * bytes, not 56) */
  uint8_t pend_lost : 1; /* the pending byte is a lost byte, not one the
                          * input shows                                  */
  uint8_t dmg : 1;   /* 1 when the path repairs damage since the cut      */
  uint8_t lit : 1;   /* 1 while every choice since the cut is literal     */
  uint8_t guess : 1; /* the output since the cut holds a GUESSED mark     */
  uint8_t need : 1;  /* the last two bytes form an annotated character    */
  uint8_t sep : 1;   /* an annotation was removed after the last byte:
                      * a farm that replaces character by character still
                      * matches the pair across it (both 總 and 個 in
                      * 每個 = BF 82 | 82 80), one that scans once never
                      * does, so such a pair is no evidence either way  */
  uint16_t holes, alrm, misrm, punct;
  /* when it was pushed (f->seq): ties between equal scores of one state
   * go to the one pushed first, also when a reading set aside at a lost
   * byte is pushed after the others (farm_setaside.c, sw_defer) */
  uint32_t seq;
} hyp;
_Static_assert(sizeof(hyp) <= 48, "a hypothesis is copied for every reading tried");

/* Output characters of the readings since the last cut, as a tree. */
typedef struct onode {
  uint32_t parent;
  uint32_t cp;
  uint32_t tok; /* the token that gave it (its offset is the token's) */
} onode;

/* A sort record (farm_merge.c): a state's key, or a score made a number
 * (score_key), and the index of what it stands for. */
typedef struct krec {
  uint64_t key;
  uint32_t idx;
} krec;

typedef struct hvec {
  hyp *v;
  size_t n, cap;
} hvec;

typedef struct farm {
  zf_opts o;
  int sig; /* the document shows the corruption signature */
  unsigned long farm_like, other_ann, mis, unann;
  uint32_t unknown; /* what a character that stays unknown shows: the
                     * line's own lost mark, '?' or U+FFFD */
  int have_pre;
  uint64_t pre_end;
  uint8_t *annset; /* bitmap of characters seen with a primary annotation */
  farm_bytes *codec;
  int codec_failed;
  const zf_occ_tables *occ; /* shared conversion tables, or NULL */
  unsigned avoid;   /* ZF_OCC_* class of characters the script never has; 0 */
  unsigned variant; /* ZF_OCC_* class of variants the script does not use */
  unsigned long swallow_seen, keep_seen; /* decoder variant evidence */
  uint8_t open[NGROUPS]; /* quotes still open at the end of the last line */
  /* Numbers of two or more digits seen in the document (detection window
   * and the lines so far, once the signature is on): the cache that can
   * give a swallowed digit back.  Open addressing, allocated once. */
  struct dslot {
    uint64_t key;
    uint32_t n;
  } *digits;
  size_t ndigits;
  zf_text *direct; /* the one reading left writes here (farm_search.c) */
  size_t line0;     /* where the line's output starts in the stage's out */
  /* The document's budget (repair_farm.c): hypotheses saved from earlier
   * lines (at most BANK_CAP; below 0 after a line overran it), what the
   * line being searched may push (bank + WORK_PER_CHAR per character),
   * and what it pushed. */
  int64_t bank, avail;
  uint64_t lwork;
  /* hypotheses pushed that a merge on the way (push, HV_LIMIT) dropped
   * before their position was reached: the budget counts them too */
  uint64_t merged_away;
  uint64_t doc_work; /* what the document's lines pushed so far (tests) */
#ifdef FARM_TUNE
  size_t work;
#endif
  /* per-line scratch, kept across lines */
  uint32_t *mk; /* the line's marks (zf_farm_find_marks) */
  size_t capmk;
  tok *tk;
  size_t captk;
  hvec beam[RING]; /* hypotheses at position p live in beam[p % RING] */
  onode *nodes;
  size_t nnodes, capnodes;
  /* nodes made since the cut that a compaction dropped (NODE_LIMIT counts
   * them), and the live nodes it left (farm_store.c) */
  size_t ndropped, nlive;
  /* nodes the readings of one lost byte share (expand_lost feeds the byte
   * once for all of them): NODE_LIMIT counts them as if each had its own */
  size_t nshared;
  size_t reach; /* the line's furthest position with hypotheses (push) */
  uint32_t seq; /* pushes so far in the line: the next one's hyp.seq */
  /* A '?''s readings with a swallowed ')', '(' or digit, set aside by
   * state while the position is expanded, only those the merge would keep
   * pushed (farm_setaside.c, sw_defer and zf_farm_sw_flush) */
  struct swgrp *swg;
  size_t nswg, capswg;
  /* the groups by the swallowed character k and L: SW_HEADS chains of
   * the groups with that (L, k), one per open[] (UINT32_MAX: none) */
  uint32_t *swhead;
  /* the readings with L fed whose forms are set aside (sw_flush builds
   * the survivors from them), their output node made only then */
  struct swbase *swb;
  size_t nswb, capswb;
  /* zf_lm_bigram of a lost byte's character P L and each swallowed one,
   * by (P, L) (c = 0: empty); NULL until used */
  struct swmemo {
    uint32_t c;
    float v[3];
  } *swmemo;
  /* zf_lm_bigram of a reading's last character and each character its
   * pending byte P forms with a lost byte L (expand_fast), a row of 126
   * per (last, P), direct-mapped (row.P = 0: empty); NULL until used */
  struct bgrow *bgrow;
  /* the readings expand_fast took a lost byte from at this position */
  hyp swh0[HOLE_BEAM];
  size_t nswh0;
  /* emit without the output node (expand_lost): what it would have
   * held, and whether there was one */
  int nonode;
  uint32_t nn_cp;
  uint32_t nn_tok;
  int nn_made;
  uint32_t *remap;
  size_t capremap;
  uint32_t *path, *path2;
  uint64_t *pathoff, *pathoff2;
  size_t cappath, cappath2;
  /* merge's scratch (farm_merge.c): sort records and the merged beam */
  struct krec *hr, *hr2;
  size_t caphr;
  hyp *mv;
  size_t capmv;
  struct hgroup *grp; /* merge's states, their index per hypothesis, */
  uint32_t *gid, *htab; /* and the hash table that finds them          */
  size_t capgrp, capgid, captab;
  /* large hypothesis arrays drained positions gave back (beam_release,
   * merge_room), for the next position that fills up: reused rather than
   * freed and allocated again, which cost the copies of realloc and left
   * glibc's heap fragmented (peak RSS) */
  hyp *pool[POOL_N];
  size_t poolcap[POOL_N];
  size_t npool;
  /* zf_lm_bigram results of this handle's searches (farm_score.c): the
   * same pairs come back for every hypothesis; NULL until the first */
  struct bgslot *bg;
  unsigned bg_bits; /* its size: 2 << bg_bits slots            */
  size_t bg_miss;   /* pairs it missed since it was made        */
  int dense; /* the position being expanded holds many readings */
  uint32_t bm_a, bm_b; /* the pair bigram() answered last (UINT32_MAX: */
  float bm_v;          /* none yet), and its value                     */
} farm;

/* ---- character classes ------------------------------------------------------ */

/* The two marks a lenient decoder leaves for a lead byte it could not
 * pair: '?' (also literal text) and U+FFFD (never text of a GBK page). */
static inline int is_lost(uint32_t c) { return c == '?' || c == 0xFFFD; }

static inline int is_pinyin_letter(uint32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 0xC0 && c <= 0x24F) || c == 0x1E3F;
}

/* A tone digit ends a syllable written with numbers (wang3), as some
 * annotating sites write them. */
static inline int is_tone_digit(uint32_t c) { return c >= '1' && c <= '5'; }

static inline int is_digit(uint32_t c) { return c >= '0' && c <= '9'; }

/* Group of a paired punctuation mark; *close set for the closing one. */
static inline int pair_group(uint32_t c, int *close) {
  switch (c) {
  case 0x201C: *close = 0; return 0;
  case 0x201D: *close = 1; return 0;
  case 0x300C: case 0x300E: *close = 0; return 1;
  case 0x300D: case 0x300F: *close = 1; return 1;
  case 0xFF08: case '(': *close = 0; return 2;
  case 0xFF09: case ')': *close = 1; return 2;
  case 0x300A: *close = 0; return 3;
  case 0x300B: *close = 1; return 3;
  default: return -1;
  }
}

/* Marks that end a clause or sentence and are not doubled: 。，、；： and
 * their ASCII forms (! and ? combine, "?!", so they are not here). */
static inline int pause_mark(uint32_t c) {
  switch (c) {
  case 0x3002: case 0xFF0C: case 0x3001: case 0xFF1B: case 0xFF1A:
  case ',': case ';': case ':':
    return 1;
  default:
    return 0;
  }
}

/* Marks that end a sentence and combine with each other (?! !?), but not
 * with a pause mark: ：？ ？；  in a row are not edited text. */
static inline int stop_mark(uint32_t c) {
  return c == 0xFF1F || c == 0xFF01 || c == '?' || c == '!';
}

/* The second byte of the pair A3xx a farm replaced by this ASCII mark
 * (，：；！？ -> , : ; ! ?); 0 for any other character. */
static inline int punct_second(uint32_t c) {
  switch (c) {
  case ',': return 0xAC;
  case ':': return 0xBA;
  case ';': return 0xBB;
  case '!': return 0xA1;
  case '?': return 0xBF;
  default: return 0;
  }
}

/* GBK rows A1-A9 hold punctuation, symbols, full-width forms, kana,
 * Greek, Cyrillic, pinyin letters and box drawing: characters the
 * language model scores by class and frequency only.  Whether a character
 * is one of them is its lead byte's to say (farm_marks.c). */
static inline int symbol_row(unsigned lead) { return lead >= 0xA1 && lead <= 0xA9; }

static inline uint64_t mix(uint64_t h, uint32_t c) {
  h ^= c + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h * 0xFF51AFD7ED558CCDull;
}

/* ---- between the files ------------------------------------------------------- */

/* farm_scan.c */
size_t zf_farm_parse_ann(const uint32_t *cp, size_t n, size_t i, int *syl, int *tone);
/* cp is a character the page annotates (inline: every byte a reading
 * feeds asks, farm_search.c) */
static inline int zf_farm_annset_has(const farm *f, uint32_t cp) {
  return f->annset && cp < 0x40000 && (f->annset[cp >> 3] >> (cp & 7) & 1);
}
/* cp[0..first) holds no mark (first = 0 when not known) */
void zf_farm_sig_scan(farm *f, const uint32_t *cp, size_t n, size_t first);
/* the same over the line cp[from..n) whose marks ('?', U+FFFD, '(') are
 * the sorted positions mk[0..nmk) (those before from are skipped) */
void zf_farm_sig_marks(farm *f, const uint32_t *cp, size_t from, size_t n, const uint32_t *mk,
                       size_t nmk);
int zf_farm_prepare(farm *f, const zf_text *in);
size_t zf_farm_next_mark(const uint32_t *cp, size_t i, size_t n);
/* the marks of cp[0..n) into f->mk, in one pass; their number, or
 * SIZE_MAX when out of memory */
size_t zf_farm_find_marks(farm *f, const uint32_t *cp, size_t n);
int zf_farm_worth_a_look(const farm *f, const zf_text *in, const uint32_t *mk, size_t nmk);
void zf_farm_track_open(farm *f, const zf_text *in);

/* farm_digits.c */
void zf_farm_digits_scan(farm *f, const uint32_t *cp, size_t n);
uint32_t zf_farm_guess_digit(const farm *f, size_t q, size_t n);

/* farm_search.c: the line in f->tk[0..in->len) (zf_farm_prepare) into out. */
int zf_farm_repair_line(farm *f, const zf_text *in, zf_text *out, zf_stats *stats);

/* farm_merge.c: keeps the best readings of each state of bv (the two best
 * different ones, the literal one, the best with no guessed mark), drops
 * hopeless ones; the states in the order of their keys, each best first.
 * Returns the number of states, MERGE_FAILED on allocation failure. */
#define MERGE_FAILED ((size_t)-1)
size_t zf_farm_merge(farm *f, hvec *bv);
/* farm_store.c: the array v of cap hypotheses, no longer needed, kept in
 * the pool (or freed); the largest pool array of more than min
 * hypotheses, taken out of the pool (NULL when none, *cap its size). */
void zf_farm_pool_give(farm *f, hyp *v, size_t cap);
hyp *zf_farm_pool_take(farm *f, size_t min, size_t *cap);
/* farm_store.c: the bytes of the per-line scratch and the bigram memos
 * f holds (what reuse may keep for the next document); merge's and the
 * set-aside readings' part of it */
size_t zf_farm_scratch_bytes(const farm *f);
size_t zf_farm_merge_bytes(const farm *f);
size_t zf_farm_sw_bytes(const farm *f);
/* farm_merge.c: orders bv by score, best first, equal ones in the order
 * they are; -1 on allocation failure. */
int zf_farm_order(farm *f, hvec *bv);
/* farm_merge.c: the indices of the m best of bv (m <= HOLE_BEAM < bv->n)
 * into top[0..m), best first (by score, equal ones in the order they
 * are).  What a '?' needs (only the best HOLE_BEAM try a lost byte, and
 * they go first) without sorting or moving the beam. */
void zf_farm_front(const hvec *bv, size_t m, uint32_t *top);

/* farm_score.c: the stage's own score terms around c (between prev, c
 * and next) with the quotes and brackets open[] open before it. */
double zf_farm_terms(const farm *f, const uint8_t open[NGROUPS], uint32_t prev, uint32_t c,
                     uint32_t next);

/* farm_marks.c: whether the mark f->path[k] (GUESSED) of a span [.., b)
 * of a line of n tokens, whose path is len long, is shown; out holds the
 * line's output up to it; search_margin: how far the best reading with
 * no such mark is behind (DBL_MAX when the search kept none). */
int zf_farm_mark_shown(farm *f, const zf_text *out, size_t k, size_t len, size_t b, size_t n,
                       double search_margin);

/* farm_commit.c */
int zf_farm_out_verbatim(farm *f, size_t a, size_t b, zf_text *out);
uint64_t zf_farm_span_len(const farm *f, size_t a, size_t b, size_t n);
int zf_farm_commit(farm *f, size_t a, size_t b, size_t n, const hyp *best, const hyp *second,
                   const hyp *plain, zf_text *out, zf_stats *stats);

#endif
