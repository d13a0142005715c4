/*
 * Internals of the mojibake stage (stage 2), shared by its files and
 * private to them.  docs/repair-mojibake.md describes the method; the
 * files hold one concern each:
 *
 *   repair_mojibake.c  the stage: a line's way through, C1 controls,
 *                      the document's look-ahead (prescan)
 *   moji_tables.c      tables derived once per process (bitmaps for the
 *                      trigger, inverses of OpenCC's character tables)
 *   moji_trigger.c     the cheap scan that decides which classes may
 *                      change a line at all
 *   moji_strategy.c    passes (one class over a line) and strategies (the
 *                      orders of the passes), and the line the LM prefers
 *   moji_search.c      one run of garbage: bytes, units, the decision, the
 *                      output
 *   moji_judge.c       what decides: plausible characters, the scores,
 *                      the two-state Viterbi and the any-language veto
 *   moji_fold.c        garbage converted by OpenCC after the wrong decode:
 *                      fold-back and unconversion of the run's bytes
 *   moji_lossy.c       lost bytes: the fill, and counting what is left
 *   moji_pua.c         private use in a repair (icon fonts, Big5 as GBK)
 *
 * Every class of damage is a pair of encodings (X, Y): the original bytes
 * were Y (UTF-8, GBK or Big5) and were read as X (GBK, Big5,
 * Windows-1252).  Undoing it means encoding the garbage back to X bytes
 * and decoding those as Y; that is only a candidate, which the language
 * model must prefer to the text as it stands by a class-specific margin.
 */
#ifndef ZF_MOJI_H
#define ZF_MOJI_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "lm.h"
#include "marks.h"
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

extern const moji_class zf_moji_classes[NCLASS];

/* GBK read as Big5 and Big5 read as GBK: each undoes the other. */
static inline int dbcs_pair(int k) { return k == C_GBK_BIG5 || k == C_BIG5_GBK; }
static inline int dbcs_other(int k) { return k == C_GBK_BIG5 ? C_BIG5_GBK : C_GBK_BIG5; }

/* Which conversion of the garbage a candidate undoes.  One line went
 * through one of them, so unconvert never pairs the two. */
enum { UNDO_S2T, UNDO_T2S, NUNDO };

/* ---- constants ----------------------------------------------------------- */

/* Segments with confident repairs of a class that make it the document's. */
#define SIG_LINES 3
/* Han characters a line's repair must make for a coarse class's confident
 * repair to count towards the document's signature (moji_strategy.c). */
#define SIG_STRONG_HAN 4
/* Floor of a Han character's log10 score in the garbage (keep score). */
#define HAN_FLOOR -6.0
/* Cost per unusual shape in a repair: an ASCII character made from the
 * second byte of a double-byte garbage character in the middle of other
 * text (only a UTF-8 character right before an ASCII letter does that; not
 * counted where ASCII text follows, see moji_search.c), a character outside
 * the BMP. */
#define ODD_SHAPE 2.0
/* Distinct characters a coarse repair needs in a line not known to be
 * damaged (zf_moji_veto). */
#define MIN_DISTINCT 2
/* log10 gain per Han character a DBCS<->DBCS repair needs there. */
#define GAIN_PER_HAN 2.0
/* The same in a document that carries the reading but whose lines are
 * judged on their own (a clean line among them, moji::clean_han): the
 * document's evidence halves what the line must show. */
#define SIG_GAIN_PER_HAN 1.0
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
/* Clean Chinese lines that make a document with a DBCS<->DBCS signature
 * one whose lines are judged on their own (moji::clean_han). */
#define MIXED_LINES 3
/* log10 unigram below which a Han character is rare enough to suggest a
 * DBCS read as the other DBCS. */
#define RARE_CHAR -5.0f
/* A converted garbage character is folded back where the character its
 * bytes decode to becomes this much more probable (log10 unigram). */
#define FOLD_MARGIN 2.0
/* The same under the context fold-back's rank score (zf_lm_rank_score,
 * the sum of two log10 scores: bigrams and segmentation). */
#define FOLD_CTX_MARGIN 2.0
/* The same in a document whose garbage has been shown converted
 * (conv_sig): there a garbage character that has a Traditional form was
 * as likely that form as itself, and the margin only settles near-ties
 * for the bytes as they are (可 for 叫 under t2s: 彲 became 彨, and 叫用
 * is 1.7 behind 可用; measured on held-out man pages, docs/repair-mojibake.md). */
#define FOLD_CONV_MARGIN 0.5
/* Decodes of one run from its start again after a fold-back or an
 * unconversion: a long line under t2s needs one for each converted
 * garbage character. */
#define MAX_RESTARTS 64
/* Characters of context on each side for the context fold-back. */
#define FOLD_CTX 3
/* Extra cost of starting a repair with a filled-in character. */
#define LOSSY_ENTER 3.0
/* A filled-in character must beat the runner-up by this much under
 * zf_lm_rank_score, the sum of two log10 scores (bigrams, segmentation):
 * 10:1 under each. */
#define FILL_MARGIN 2.0
/* Characters unconvert tries: the one holding the byte that breaks the
 * sequence, and those around it up to three after. */
#define NCAND 7

/* ---- derived tables ------------------------------------------------------ */

/* Tables every handle reads and none writes, derived once per process
 * (moji_tables.c; zf_shared_get): building them costs about 1 ms, which a
 * handle reset per JSON Lines record would pay each time.  Bitmaps are
 * per BMP character, 8 KB each: the trigger scan, which runs on every
 * line, looks them up instead of the 128 KB tables and the LM. */
typedef struct moji_tables {
  const zf_dbcs *gbk, *big5; /* the shared codecs (codec.h) */
  uint8_t rare_bm[0x2000];   /* Han with zf_lm_char < RARE_CHAR */
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
   * byte, no lead bit; and ASCII.  A line of these sets no trigger. */
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
  uint64_t unconv[NUNDO][8192];
  size_t nunconv[NUNDO];
  /* BMP characters with entries in unconv[dir]: most lookups are for
   * characters with none, answered without the search.  has_unconv[T2S]:
   * the characters a t2s conversion of the garbage may have made. */
  uint8_t has_unconv[NUNDO][0x2000];
  /* ... of which a Traditional form's GBK or Big5 bytes start UTF-8 of
   * three bytes (zf_moji_utf8_start) */
  uint8_t t2s_lead_bm[0x2000];
  /* characters whose GBK or Big5 bytes, or those of a Traditional form
   * t2s turns into them, spell one Latin-1 character (latin_reading():
   * 聽 and 听 for the no-break space) */
  uint8_t latin_bm[0x2000];
  /* The GBK code the trigger reads for a BMP character through its fold
   * (zf_lm_fold; sets 2 and 3 of bits_utf8_dbcs): the fold's when it
   * differs and GBK encodes it in two bytes, else the character's own.
   * One load from 128 KB instead of the LM's three (issue 14: the LM's
   * record loads were 2% of CPU samples on clean Traditional text). */
  uint16_t fold_gbk[0x10000];
  /* What the trigger's scan_char asks of a loud character and of the
   * character after it, one byte per BMP character (issue 14: the five
   * bitmaps and the codes were as many cache lines a character, the
   * stage's top cost on clean Traditional text): TRIG_LEAD_GBK,
   * TRIG_LEAD_BIG5, TRIG_FOLD and TRIG_T2S are lead_bm[0], lead_bm[1],
   * fold_bm and t2s_lead_bm, TRIG_RARE rare_bm; TRIG_CONT_GBK,
   * TRIG_CONT_BIG5 and TRIG_CONT_FOLD: its GBK code, its Big5 code, its
   * fold_gbk code has two bytes and begins with a continuation byte
   * (80..BF), which the second character of a window of bits_utf8_dbcs
   * needs before the window can spell three bytes. */
  uint8_t trig[0x10000];
} moji_tables;

enum {
  TRIG_LEAD_GBK = 1,
  TRIG_LEAD_BIG5 = 2,
  TRIG_FOLD = 4,
  TRIG_T2S = 8,
  TRIG_RARE = 16,
  TRIG_CONT_GBK = 32,
  TRIG_CONT_BIG5 = 64,
  TRIG_CONT_FOLD = 128
};

/* The shared tables; NULL when they cannot be built now (*err:
 * ZHFIX_E_NOMEM, retried by the next call, or ZHFIX_E_UNSUPPORTED). */
const moji_tables *zf_moji_tables(int *err);

/* Bit c of a per-BMP-character bitmap (c <= 0xFFFF). */
static inline int moji_bit(const uint8_t *bm, uint32_t c) { return (bm[c >> 3] >> (c & 7)) & 1; }

/* The code in table d of c's fold (zf_lm_fold) when the fold differs and
 * d encodes it in two bytes, else c's own (0 beyond the BMP): how the
 * trigger reads garbage that may have been converted to Traditional
 * (moji_tables' fold_gbk holds it for GBK). */
static inline uint16_t zf_moji_fold_code(const zf_dbcs *d, uint32_t c) {
  uint32_t f = zf_lm_fold(c);
  /* a fold GBK cannot encode (欓 folds to 𣗋) is no conversion of the
   * garbage: the character stands as it is */
  if (f != c && (f > 0xFFFF || d->enc[f] < 0x100)) f = c;
  return f <= 0xFFFF ? d->enc[f] : 0;
}

/* Characters (BMP, two GBK or Big5 bytes) that the conversion dir turns
 * into c, up to max of them into out; for s2t, the LM's fold (its
 * Simplified form) first.  The caller checks they encode in its X. */
int zf_moji_unconv_cands(const moji_tables *t, int dir, uint32_t c, uint32_t *out, int max);

/* Whether the double-byte code e (lead << 8 | trail) spells the first two
 * bytes of a UTF-8 sequence of three or more bytes. */
static inline int zf_moji_utf8_start(uint16_t e) {
  return e >= 0x100 && zf_utf8_need((uint8_t)(e >> 8)) >= 3 && (e & 0xC0) == 0x80;
}

/* ---- character kinds ------------------------------------------------------ */

/* Characters outside Han and common punctuation that GBK/Big5 garbage is
 * full of: kana, bopomofo, pinyin letters, Greek, Cyrillic, box drawing,
 * circled numbers, private use (GBK's user-defined rows). */
static inline int dbcs_odd(uint32_t c) {
  return (c >= 0x3041 && c <= 0x30FF) || (c >= 0x3105 && c <= 0x312F) ||
         (c >= 0x0100 && c <= 0x02DF) || (c >= 0x0391 && c <= 0x0451) ||
         (c >= 0x2160 && c <= 0x22FF) || (c >= 0x2460 && c <= 0x25FF) ||
         (c >= 0xE000 && c <= 0xF8FF) || (c >= 0xFE30 && c <= 0xFE4F);
}

/* A two-byte UTF-8 character that plausible() refuses from a DBCS reading
 * (杨鹏路 for 杨鹏·, 枚 for ö): in a line or document shown to be damaged
 * that way, one garbage character may be such a letter or symbol after
 * all.  A line with that character alone (Copyright 漏 2001) is not
 * looked at: the LM cannot tell it from clean text. */
static inline int latin_reading(uint32_t c) { return c >= 0xA0 && c <= 0x17F && c != 0xAD; }

static inline int ascii_letter(uint32_t c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

/* A Han character text is made of: one the LM has seen (HAN_FLOOR, the
 * floor the keep score gives the garbage), not the Extension A or
 * compatibility characters accidental byte sequences decode to. */
static inline int common_han(uint32_t u) { return u <= 0xFFFF && zf_is_han(u) && zf_lm_char(u) >= HAN_FLOOR; }

/* Punctuation and symbols Chinese text uses (general punctuation, arrows,
 * box drawing, CJK punctuation and kana, fullwidth forms). */
static inline int cjk_symbol(uint32_t u) {
  return (u >= 0x2010 && u <= 0x2BFF) || (u >= 0x3000 && u <= 0x30FF) || (u >= 0xFF01 && u <= 0xFFEF);
}

/* Whether the double-byte code e spells one character latin_reading()
 * accepts, which goes to *u. */
static inline int spells_latin(uint16_t e, uint32_t *u) {
  uint8_t two[2] = {(uint8_t)(e >> 8), (uint8_t)e};
  return e >= 0x100 && zf_utf8_strict(two, 2, u) == 2 && latin_reading(*u);
}

/* ---- a line being repaired ----------------------------------------------- */

/* Text (zf_text) with one flag per code point: 1 when a repair of this
 * segment made it. */
typedef struct mline {
  zf_text t;
  uint8_t *rep;
  size_t repcap;
} mline;

/* Room for n code points in all.  0, or -1 when memory is exhausted. */
int zf_mline_reserve(mline *l, size_t n);
/* dst = src; dst has room (zf_mline_reserve). */
void zf_mline_copy(mline *dst, const mline *src);
void zf_mline_free(mline *l);

/* Appends one code point; the caller reserved room. */
static inline void mline_push(mline *l, uint32_t c, uint64_t off, uint8_t rep) {
  l->t.cp[l->t.len] = c;
  l->t.off[l->t.len] = off;
  l->rep[l->t.len] = rep;
  l->t.len++;
}

/* Short lines a document repeats (repeat_line in repair_mojibake.c):
 * lines of at most REPEAT_CHARS characters are remembered, at most
 * REPEAT_LINES distinct ones; past that a match is chance. */
#define REPEAT_CHARS 8
#define REPEAT_LINES 32
/* The longest line read against the headings of the Chinese man pages
 * (heading_line, data/headings.bin: MAX_CHARS of tools/gen_headings.py). */
#define HEADING_CHARS 16

/* ---- the stage's state -------------------------------------------------- */

/* One unit of a run: garbage characters that decode to whole characters
 * of the original, ending on the same byte. */
typedef struct unit {
  size_t g0, g1; /* garbage characters [g0, g1) of the run */
  size_t d0, d1; /* decoded characters [d0, d1)             */
  int lossy;     /* a character was filled in or lost        */
  int odd;       /* decoded shapes real damage rarely makes   */
  int hh;        /* double-byte characters not made of two Latin letters */
  int conv;      /* the garbage had been converted to Traditional        */
} unit;

typedef struct moji {
  const moji_tables *t;
  /* the line's damage list when the content-farm stage searched the line
   * and left damage in it (zf_stats.farm_leave): the passes leave that
   * damage and read the text between (moji_strategy.c, pass1); NULL */
  const zf_stats *leave;
  mline in0, best; /* the line as it came; best result so far */
  mline a, b;      /* ping-pong buffers for the passes */
  /* scratch for one run */
  uint8_t *bytes;
  uint8_t *marker; /* per byte: 1 when it stands for a lost byte ('?', U+FFFD) */
  size_t *bnd;     /* byte offset of each run character, plus the end */
  uint32_t *dec;   /* decoded characters */
  size_t *dsrc;    /* run character index each decoded character starts in */
  unit *units;
  double *vit;     /* Viterbi scores, 2 per unit */
  uint8_t *bp;     /* back pointers, 2 per unit; then the chosen states */
  size_t rcap;
  int known; /* the line is known to be damaged by the current class;
              * 2: following the document's DBCS<->DBCS reading */
  int known_own; /* known from the line's own confident repair, not from
                  * the document's signature */
  /* Document signature: segments so far whose chosen repair included a
   * confident one of class k.  Damage is usually document-wide; once a
   * document shows it SIG_LINES times, its lines start "known". */
  unsigned sig[NCLASS];
  /* The detection window's lines are seen twice, by prescan and then for
   * real: what prescan found stays in sig and conv_sig as a floor, and the
   * real run counts each line once on its own (own_sig, own_conv), sig
   * and conv_sig being the greater of the two.  (Counting a line in both
   * made two repaired lines of a window a signature of three.) */
  unsigned own_sig[NCLASS];
  unsigned own_conv[NUNDO];
  /* Segments so far whose chosen repair had to undo a conversion of the
   * garbage (unconvert, where the bytes did not decode otherwise), per
   * direction; run_dirs collects them during one strategy. */
  unsigned conv_sig[NUNDO];
  unsigned run_dirs;
  /* Lines with two or more common Han characters that came out unchanged
   * while the document carried a DBCS<->DBCS signature (saturating at
   * MIXED_LINES).  A file read with the wrong table has none: every
   * Chinese line of it is garbage.  A document that shows MIXED_LINES of
   * them mixes clean and damaged lines, and its lines are judged on their
   * own evidence, not followed (a clean heading 跋 after a damaged line). */
  unsigned clean_han;
  /* clean_han is counting: a DBCS<->DBCS signature and fewer than
   * MIXED_LINES clean lines (one test per line on the common path) */
  int count_clean;
  /* The last line that told (repaired, or clean and counted in clean_han)
   * was repaired with the document's DBCS<->DBCS reading: a line is
   * followed only inside a stretch damaged that way, not right after a
   * line repaired another way or a clean one. */
  int follow_run;
  /* the DBCS<->DBCS class the current strategy follows (FOLLOW_PRIOR), or -1 */
  int following;
  /* The lost-byte stage's counters as the last line left them (lost lines,
   * GBK read as Big5, Big5 read as GBK): a line whose count grew was
   * rebuilt by the drop reader, and its class is the one that grew
   * (repair_mojibake.c, lost_evidence). */
  uint64_t seen_lost[3];
  int lost_line; /* the current line is one of them */
  int lossy_line; /* the segment shows lost bytes (U+FFFD, 锟斤拷, 嚙踝蕭) */
  int no_marks;   /* ... nor any '?' or U+FFFD that could mark one */
  size_t confident; /* repaired units of >= 2 characters in this pass */
  /* the Viterbi may read a garbage character as a Latin-1 one (LATIN_*) */
  int latin;
  /* The document's short lines as they came in (repair_mojibake.c,
   * repeat_line): a damaged copy of a line another part of the document
   * holds intact, or damaged another way, reads as it.  nrpt > REPEAT_LINES: too many distinct
   * short lines for a match to be more than chance. */
  uint32_t rpt[REPEAT_LINES][REPEAT_CHARS];
  uint8_t rpt_len[REPEAT_LINES];
  uint8_t rpt_fix[REPEAT_LINES]; /* the line was repaired: no intact copy */
  unsigned nrpt;
  /* how many of the last lines that were not blank were short (at most
   * REPEAT_CHARS characters), in a row, up to 2: a line after two of
   * them is an item of a list, not a heading standing alone between
   * paragraphs (heading_line); the last of them as it came in */
  int prev_short;
  uint32_t prev_line[REPEAT_CHARS];
  size_t prev_len;
  /* ... and the stage repaired it into a heading of the manuals
   * (HEADING_GAIN against a line that heads none): a line after it is no
   * item of a list of short lines */
  int prev_heading;
  /* Private use in repairs (moji_pua.c): lines repaired under a
   * DBCS<->DBCS class with more than private use changed, and lines whose
   * repair changes private use only and reads as no word. */
  unsigned pua_dmg_lines, pua_nonword;
  /* lines whose private use read as a table drawn with Big5's box
   * drawing (moji_pua.c) */
  unsigned pua_tables;
} moji;

/* Room for a run of nchars characters in the run scratch. */
int zf_moji_scratch_reserve(moji *m, size_t nchars);

/* ---- encoding --------------------------------------------------------- */

/* X bytes of c; 0 when c is not encodable.  U+FFFD is accepted as a
 * one-byte placeholder for a lost byte (flagged in *lost). */
static inline int x_put(const moji *m, int x, uint32_t c, uint8_t *p, int *lost) {
  *lost = 0;
  if (c == ZF_MARK_FFFD) {
    *lost = 1;
    p[0] = '?';
    return 1;
  }
  if (x == X_1252) {
    int b = zf_cp1252_byte(c);
    if (b < 0) return 0;
    p[0] = (uint8_t)b;
    return 1;
  }
  return zf_dbcs_put(x == X_GBK ? m->t->gbk : m->t->big5, c, p);
}

static inline int y_get(const moji *m, int y, const uint8_t *b, size_t n, uint32_t *c) {
  if (y == Y_UTF8) return zf_utf8_strict(b, n, c);
  return zf_dbcs_get(y == Y_GBK ? m->t->gbk : m->t->big5, b, n, c);
}

/* X bytes of a character of a run that garbage of class cl may hold
 * (moji_fold.c): x_put, or, for a character X cannot encode that a
 * conversion of the garbage made, the first of its other forms X encodes. */
int zf_moji_x_put_run(const moji *m, const moji_class *cl, uint32_t c, uint8_t *p, int *lost);

/* ---- judgement (moji_judge.c) ------------------------------------------- */

/* Characters a repair from X to Y may produce. */
int zf_moji_plausible(uint32_t c, int x, int y);
/* Whether decoded character d of dec[0..nd) is a letter of a script far
 * from Latin-1 with no neighbour of its script. */
int zf_moji_lone_far(const uint32_t *dec, size_t d, size_t nd);

/* How far latin_reading() goes (zf_moji_latin_ok). */
enum { LATIN_LINE = 1, LATIN_DOC = 2 };
int zf_moji_latin_ok(int mode, uint32_t c, uint32_t l, uint32_t r);

/* Sum of log10 P over s[0..n) following *prev (none when !*has). */
double zf_moji_seq_score(uint32_t *prev, int *has, const uint32_t *s, size_t n);
/* The same for the garbage as it stands: a rare Han character counts no
 * worse than HAN_FLOOR for the readings checked by UTF-8 validity. */
double zf_moji_keep_score(uint32_t *prev, int *has, const uint32_t *s, size_t n, const moji_class *cl);

/* The context of a run for the Viterbi: the characters before and after
 * it (has_l, has_r: whether there are any). */
typedef struct run_edges {
  uint32_t lc, rc;
  int has_l, has_r;
} run_edges;

/* Two-state Viterbi over the units m->units[0..nu) of the run r[0..rlen):
 * state 0 keeps the garbage, 1 repairs; entering 1 costs `enter`
 * (+ `single` for a unit that makes one character).  Leaves the chosen
 * state of unit u in m->bp[2u] and returns how many repaired units make
 * >= 2 characters. */
int zf_moji_viterbi(moji *m, const moji_class *cl, const uint32_t *r, size_t rlen, size_t nu,
                    const run_edges *e, int force, double enter, double single);
/* Drops the repaired spans that are not far more probable than the line
 * as it stands in any language (see moji_judge.c); returns what
 * zf_moji_viterbi does, for what is left. */
int zf_moji_veto(moji *m, const mline *in, size_t base, size_t nu, double margin, int need_han,
                 size_t min_distinct, double per_han);

/* How much more probable the line in is, under its better model, with
 * its characters [g0, g1) replaced by rep[0..nrep) (log10). */
double zf_moji_span_gain(const mline *in, size_t g0, size_t g1, const uint32_t *rep, size_t nrep);

/* Whether the reading encoded e in the table of the source of DBCS<->DBCS
 * class k is text of that source (moji_search.c): GB2312 for GBK (a Han
 * character, or a symbol of rows A1..A9), Big5's level 1 of frequent Han
 * characters or its symbols for Big5.  han: the garbage character is Han. */
int zf_moji_source_text(int k, unsigned e, int han);

/* How many Chinese man pages (zh_CN and zh_TW, as installed when `make
 * data` ran) have cp[0..n) as a section heading: data/headings.bin,
 * tools/gen_headings.py.  0 for none, or n over HEADING_CHARS. */
unsigned zf_moji_heading_pages(const uint32_t *cp, size_t n);

/* ---- private use (moji_pua.c) ------------------------------------------ */

/* A document whose private-use lines that read as no word reach one for
 * every PUA_DOC_RATIO lines repaired under a DBCS<->DBCS class holds
 * private use of its own (icon fonts): no repair of private use alone. */
#define PUA_DOC_RATIO 8
/* zf_moji_span_gain of the body of in (n characters) with its span
 * [g0, g1) replaced one for one by rep, each private-use character of the
 * span read as rep reads it on both sides: the gain of the rest of the
 * line.  buf: room for n characters. */
double zf_moji_rest_gain(const zf_text *in, size_t n, size_t g0, size_t g1, const uint32_t *rep, uint32_t *buf);
/* Whether the repair of in's body (n characters) that replaces [g0, g1)
 * one for one by rep is to be refused for the private use it changes: one
 * that changes other characters too must gain on the rest of the line;
 * one that changes private use only must read as words, and the document
 * must not show private use of its own.  dbcs: the repair is of a
 * DBCS<->DBCS class.  Counts the document's evidence.  buf: room for n. */
int zf_moji_pua_refused(moji *m, const zf_text *in, size_t n, const uint32_t *rep, size_t g0, size_t g1, int dbcs,
                        uint32_t *buf);

/* ---- converted garbage (moji_fold.c) ------------------------------------- */

/* How zf_moji_fold_back judges the character a candidate's bytes decode to. */
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

double zf_moji_fold_score(fold_scorer *s, uint32_t c);
int zf_moji_fold_back(moji *m, const moji_class *cl, int dir, const uint32_t *r, size_t len, size_t p,
                      size_t ci, size_t b, int w, size_t nb, fold_scorer *s, double bar);
/* For tests (tests/test_moji_trigger_bound.c): with `on` set, unconvert
 * runs its exact pass where its bound refuses too, and counts the calls
 * the bound refused, the calls that changed the bytes, and those of them
 * the bound had refused (`wrong`: 0 when the bound is a bound).  Not for
 * threads: set it only in a single-threaded test. */
typedef struct zf_moji_audit {
  int on;
  unsigned long refused, changed, wrong;
  /* zf_moji_dead_start: starts it skipped, and of them the ones whose
   * search decoded something or changed the bytes (must be 0) */
  unsigned long dead, dead_wrong;
  /* the trigger's windows (bits_utf8_dbcs) whose second character
   * TRIG_CONT_* says cannot go on, and of them the ones that set a bit (must
   * be 0): with `on`, they are read all the same */
  unsigned long cont_dead, cont_wrong;
} zf_moji_audit;
extern zf_moji_audit zf_moji_bound_audit;

/* unconvert's bound (moji_fold.c): bit dir set for each conversion dir
 * below ndir whose unconvert may change the bytes; a dir whose bit is
 * clear would change nothing.  unconvert takes the bit as `pass`, and
 * returns 0 at once without it. */
unsigned zf_moji_unconvert_bound(const moji *m, const moji_class *cl, int ndir, const uint32_t *r, size_t len,
                                 size_t p, const size_t *cand, size_t from, size_t b, size_t nb);
int zf_moji_unconvert(moji *m, const moji_class *cl, int dir, const uint32_t *r, size_t len, size_t p,
                      const size_t *cand, size_t from, size_t b, size_t nb, int pass);
int zf_moji_lost_byte_mark(moji *m, const moji_class *cl, const uint32_t *r, size_t i, size_t at);
/* Whether a decode of a run of class cl from character c, whose w bytes
 * in m->bytes are b[0..w), certainly fails at once with nothing for
 * unconvert to change (moji_fold.c; the proof there). */
int zf_moji_dead_start(const moji_class *cl, uint32_t c, const uint8_t *b, size_t w);

/* ---- lost bytes (moji_lossy.c) ------------------------------------------- */

/* Characters of context on each side of a filled-in character. */
#define FILL_CTX 3
size_t zf_moji_try_fill(const uint8_t *b, const uint8_t *mk, size_t n, int x, const uint32_t *left,
                        size_t nleft, uint32_t *out, int *clear);
void zf_moji_count_unrecoverable(const moji *m, const zf_text *t, int lossy_line, zf_stats *stats);

/* ---- search, passes, trigger ---------------------------------------------- */

/* Repairs what it can of the run in[base .. base+len) for class k into
 * out, counting repairs in cnt. */
void zf_moji_do_run(moji *m, int k, const mline *in, size_t base, size_t len, mline *out,
                    uint64_t *cnt, int force);
/* Per-class evidence that a pass can change anything: bit k set when
 * class k may.  One scan of the line. */
unsigned zf_moji_trigger(const moji *m, const uint32_t *c, size_t n);
/* The same, with the pipeline's facts of the line c[0..n) (linefacts.h;
 * NULL or invalid: the same as zf_moji_trigger): whether every character
 * is quiet (quiet_bm), and where the loud ones are. */
unsigned zf_moji_trigger_known(const moji *m, const uint32_t *c, size_t n, const zf_line_facts *lf);
/* Runs the strategies over m->in0 (whose trigger mask is mask0) and
 * leaves the line the LM prefers in m->best, its repair counts in cnt,
 * and updates the document's signatures.  0 or ZHFIX_E_NOMEM. */
int zf_moji_strategies(moji *m, unsigned mask0, uint64_t *cnt);
/* The document's signatures after a line that made confident repairs of
 * the classes in conf, undoing the conversions in dirs (moji_strategy.c). */
void zf_moji_update_signatures(moji *m, unsigned conf, unsigned dirs);

#endif
