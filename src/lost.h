/*
 * Lost bytes (issue #15): one lattice for text that went through a decoder
 * that replaced or dropped bytes.  docs/repair-lost.md has the model, the
 * measurements and the plan for the stages.
 *
 * A hypothesis says how the text was damaged: its bytes were written in a
 * source encoding S (UTF-8, GBK, Big5) and read by a decoder D of another
 * encoding R that writes U+FFFD or '?' for what it cannot read, or drops
 * it.  Under a hypothesis the lattice rebuilds the possible byte streams
 * of S: every decoded character is re-encoded as D reads it (all its byte
 * sequences: a decoder may map several to one character), every marker
 * (and in a dropping decoder, any place) is a gap whose bytes are the
 * ones D would have rejected there and whose resynchronisation reproduces
 * what follows; the streams are decoded in S as the search goes, and the
 * language model (lm.h) scores the characters.  A forward Viterbi with a
 * bounded beam and a backward pass give, for every place, the best
 * reading and the best reading that differs there; a character is written
 * only when its reading wins by the project's fill margin, otherwise it
 * is marked (U+FFFD or the caller's marker) and reported with its input
 * offset.  In guess mode every gap is filled with the best candidate and
 * those fills are counted apart.
 *
 * Decoder tables come from data/lost.bin (tools/gen_lost.py), probed from
 * the decoders themselves: CPython's codecs, ICU, glibc's iconv, the
 * WHATWG decoders.  Tables are read-only once built and may be shared by
 * threads; a zf_lost (work state) belongs to one thread.
 */
#ifndef ZF_LOST_H
#define ZF_LOST_H

#include <stddef.h>
#include <stdint.h>

#include "zf.h"

/* Decoders and encodings of data/lost.bin (tools/lost_codecs.py MODELS). */
typedef enum zf_lost_codec_id {
  ZF_LC_UTF8 = 0,
  ZF_LC_PY_GBK,      /* CPython gbk (also the GBK source encoding)      */
  ZF_LC_WHATWG_GBK,  /* WHATWG gb18030 decoder                          */
  ZF_LC_ICU_GBK,     /* ICU windows-936 (the pipeline's own GBK reader)  */
  ZF_LC_GLIBC_GBK,   /* glibc iconv GBK                                 */
  ZF_LC_PY_BIG5,     /* CPython big5                                    */
  ZF_LC_PY_CP950,    /* CPython cp950 (also the Big5 source encoding)   */
  ZF_LC_WHATWG_BIG5, /* WHATWG big5 (HKSCS)                             */
  ZF_LC_ICU_BIG5,    /* ICU windows-950                                 */
  ZF_LC_GLIBC_BIG5,  /* glibc iconv BIG5                                */
  ZF_LC_PY_CP1252,   /* CPython cp1252                                  */
  ZF_LC__COUNT
} zf_lost_codec_id;

/* What the decoder did with what it could not read. */
typedef enum zf_lost_style {
  ZF_LOST_REPLACE = 0, /* one U+FFFD per error                            */
  ZF_LOST_QMARK,       /* one '?' per error (cp936); '?' may be literal   */
  ZF_LOST_DROP         /* nothing: iconv -c, errors="ignore"              */
} zf_lost_style;

typedef struct zf_lost_hyp {
  zf_lost_codec_id src;    /* ZF_LC_UTF8, ZF_LC_PY_GBK or ZF_LC_PY_CP950 */
  zf_lost_codec_id reader; /* the decoder that read it                   */
  zf_lost_style style;
} zf_lost_hyp;

/* Short stable name of a codec ("py-gbk"); "?" when out of range. */
const char *zf_lost_codec_name(int id);
/* The codec of that name, or -1. */
int zf_lost_codec_by_name(const char *name);

/* ---- tables -------------------------------------------------------------- */

typedef struct zf_lost_tables zf_lost_tables;

/* Builds the tables of the codecs in ids[0..n) (all of them when ids is
 * NULL) from the embedded blob, checking its magic, version and sizes.
 * Returns 0, ZHFIX_E_NOMEM, or ZHFIX_E_INTERNAL when the blob is damaged. */
int zf_lost_tables_new(zf_lost_tables **out, const zf_lost_codec_id *ids, size_t n);
void zf_lost_tables_free(zf_lost_tables *t);
/* Same from a caller's blob (tests feed truncated and corrupted copies). */
int zf_lost_tables_from(zf_lost_tables **out, const unsigned char *blob, size_t size,
                        const zf_lost_codec_id *ids, size_t n);

/* ---- the lattice -------------------------------------------------------- */

enum {
  ZF_LOST_MARK = 0,  /* fill only where the reading wins by the margin      */
  ZF_LOST_GUESS = 1, /* fill every gap with the best reading                */
  ZF_LOST_BYTES = 2  /* no language model: keep only what every byte stream
                        consistent with the input agrees on (the bytes-only
                        ceiling); the rest is marked                       */
};

/* Per output character (zf_lost_flags). */
enum {
  ZF_LOST_KEPT = 0,    /* rebuilt from surviving bytes, certain            */
  ZF_LOST_FILLED = 1,  /* holds bytes of a gap, certain by the margin      */
  ZF_LOST_MARKED = 2,  /* uncertain: the marker was written                */
  ZF_LOST_GUESSED = 3  /* uncertain, best candidate written (guess mode)   */
};

typedef struct zf_lost_result {
  size_t kept, filled, marked, guessed; /* output characters by flag      */
  size_t gaps;      /* markers or drops on the chosen reading             */
  size_t regions;   /* places where readings competed                      */
  double score;     /* log10 score of the chosen reading (LM modes)       */
  double literal;   /* log10 score of the input as it stands               */
  int truncated;    /* the beam or a cap cut something off                 */
  int likely;       /* zf_lost_drop_read_at refused the line by its margin
                     * against the reading with nothing missing, though a
                     * reading with drops, text, beats that one and the
                     * line as it stands: bytes more likely went than not */
  size_t split;     /* characters marked as a word that may have lost its
                     * outer bytes (zf_lost_drop_read_at, lost_split.c) */
} zf_lost_result;

typedef struct zf_lost zf_lost;

zf_lost *zf_lost_new(const zf_lost_tables *t);
void zf_lost_free(zf_lost *l);

/* Marker written for an uncertain character (default U+FFFD). */
void zf_lost_set_marker(zf_lost *l, uint32_t marker);
/* The document's script (a zhfix_script), when the caller knows it; a
 * character of the other script costs a reading 3.0.  Default -1: judged
 * per segment from the characters the surviving bytes make. */
void zf_lost_set_script(zf_lost *l, int script);

#define ZF_LOST_NOFIT 2 /* the segment cannot have been damaged this way */
#define ZF_LOST_OVER 3  /* the work budget ran out (zf_lost_set_budget)    */

/* A budget of search steps (one step tries one byte for one node) for the
 * runs that follow, until the next call: a run may spend per_unit steps a
 * unit it has reached (plus a slack of 4 units), all runs together at
 * most total; 0 = no limit (the default, both).  A run that exhausts it
 * stops and returns ZF_LOST_OVER with out unchanged, as do the runs after
 * it: the caller leaves the segment to the other stages.  zf_lost_work()
 * gives the steps spent since the budget was set. */
void zf_lost_set_budget(zf_lost *l, size_t per_unit, size_t total);
/* Changes the steps a unit of the runs that follow, the count and the
 * total kept (a caller's cheaper and dearer hypotheses on one segment). */
void zf_lost_set_rate(zf_lost *l, size_t per_unit);
size_t zf_lost_work(const zf_lost *l);

/* Rebuilds in[0..len) (one segment, code points with input offsets) under
 * hypothesis h in mode (ZF_LOST_MARK, _GUESS, _BYTES), appending the result
 * to out.  Every marked character is also reported in stats (when not
 * NULL) with zf_stats_unrecoverable (neighbouring ones as one span).
 * Returns 0, ZF_LOST_NOFIT (out unchanged), ZF_LOST_OVER (the budget ran
 * out: out unchanged) or ZHFIX_E_NOMEM.
 * After a successful call zf_lost_flags() gives one ZF_LOST_* flag per
 * character appended (valid until the next call).
 * Cost: linear in the segment, bounded per unit by the beam (lost.c,
 * LOST_STATES, LOST_GAP_EDGES; docs/repair-lost.md gives the worst case). */
int zf_lost_run(zf_lost *l, const zf_lost_hyp *h, int mode, const zf_text *in, zf_text *out,
                zf_stats *stats, zf_lost_result *res);
const uint8_t *zf_lost_flags(const zf_lost *l, size_t *n);

/* ---- detection ------------------------------------------------------------ */

/* Cheap test of whether a segment carries damage of hypothesis h: every
 * character is readable by h's decoder, the markers (or, dropping, the
 * places where the source cannot be read) are there, and the surviving
 * bytes read in the source score better than the text as it stands by a
 * clear margin.  Returns 1 (and the margin, log10, in *gain when not
 * NULL), 0 when not. */
int zf_lost_detect(zf_lost *l, const zf_lost_hyp *h, const zf_text *in, double *gain);

/* 1 when the reader's bytes of every character of in read as text in h's
 * source with nothing missing: a lossless wrong decode (the mojibake
 * stage's), not one that dropped bytes. */
int zf_lost_lossless(const zf_lost *l, const zf_lost_hyp *h, const zf_text *in);

/* 1 when the reader's bytes of in, read between its U+FFFD, have the
 * shape of UTF-8 (pieces of valid UTF-8, at least 8 bytes that are not
 * ASCII, at most one in 16 breaking it): UTF-8 read by that double-byte
 * decoder, not double-byte text.  Cheap, no model. */
int zf_lost_utf8_shaped(const zf_lost *l, int reader, const zf_text *in);

/* UTF-8 read by the double-byte decoder `reader` (a Big5 one) with U+FFFD
 * for what it could not read, rebuilt from UTF-8's structure without the
 * lattice (lost_u8.c): the characters whose bytes all survived are
 * written, one missing a single byte is filled when the model's best
 * candidate wins by the lattice's margins (guessed in guess mode), the
 * rest marked (zf_lost_flags as after zf_lost_run).  Returns 0,
 * ZF_LOST_NOFIT (the surviving bytes are not pieces of UTF-8 so read:
 * out unchanged) or ZHFIX_E_NOMEM.  Cost: linear in the segment. */
int zf_lost_u8_fill(zf_lost *l, int reader, int mode, const zf_text *in, zf_text *out, zf_lost_result *res);

/* UTF-8 read by a dropping Big5 decoder (errors="ignore", iconv -c): the
 * line is rebuilt when its bytes are pieces of UTF-8 (lost_u8drop.c);
 * whole characters the model confirms are written (ZF_LOST_FILLED), every
 * other non-ASCII stretch is one mark.  ZF_LOST_NOFIT when the line is
 * not this damage.  doc: the document already showed this damage on
 * lines of their own (the bytes' shape then suffices, short lines too). */
int zf_lost_u8_drop(zf_lost *l, int reader, int mode, int doc, const zf_text *in, zf_text *out,
                    zf_lost_result *res);
/* A double-byte source `src` (ZF_LC_PY_GBK, ZF_LC_PY_CP950) read by a
 * UTF-8 decoder that dropped what it could not read (lost_asutf8.c): taken
 * when most stray characters re-encoded read as common Chinese characters
 * in some phase and that reading beats the line as it stands (res->score,
 * res->literal: the two sums); every non-ASCII stretch is one mark (a
 * stray character's best reading, flagged, in guess mode), ASCII kept.
 * Returns 0, ZF_LOST_NOFIT (out unchanged) or ZHFIX_E_NOMEM.  Linear. */
int zf_lost_asutf8_drop(zf_lost *l, int src, int mode, int doc, const zf_text *in, zf_text *out,
                        zf_lost_result *res);
/* A double-byte source (GBK, Big5) read by a double-byte decoder that
 * dropped what it could not read (h->style ZF_LOST_DROP), rebuilt from the
 * re-encoded surviving bytes with at most two missing bytes at a boundary
 * of the reader's units, the model choosing the phase (lost_drop.c).
 * Characters the readings within the margin agree on are written, a
 * missing byte's character filled only when the bytes or the lattice's
 * margins decide it (guessed in guess mode), the rest marked (zf_lost_flags
 * as after zf_lost_run).  res->gaps is the bytes dropped on the best
 * reading, res->score and res->literal its score and the input's (the
 * caller judges the gain).  Returns 0, ZF_LOST_NOFIT (not readable so,
 * nothing dropped, no better than the line as it stands, or not text: out
 * unchanged) or ZHFIX_E_NOMEM.  Cost: linear. */
int zf_lost_drop_read(zf_lost *l, const zf_lost_hyp *h, int mode, const zf_text *in, zf_text *out,
                      zf_lost_result *res);
/* The same with the caller's margin (log10) by which a reading with drops
 * must beat the one without (zf_lost_drop_read: DROP_LOSSLESS, 3.0). */
int zf_lost_drop_read_at(zf_lost *l, const zf_lost_hyp *h, int mode, double lossless, const zf_text *in,
                         zf_text *out, zf_lost_result *res);

/* Whole characters gone without a trace (lost_drop.c).  zf_lost_whole_mass:
 * the model's unigram mass of the characters h's reader drops whole (0
 * when h is not a dropping double-byte class or its reader drops none);
 * constant per class, the caller keeps it.  zf_lost_drop_whole: the line
 * read in h's source with nothing missing;
 * reading, literal: its score and the line's as it stands (log10); uni:
 * the reading's unigram score of its n characters that are not ASCII;
 * mass: the model's unigram mass of the characters the reader drops whole;
 * absent = -n log10(1 - mass): the evidence (log10) that characters went
 * where nothing shows it.  Returns 0 or ZF_LOST_NOFIT (not readable so,
 * or a character there the reader would have dropped). */
typedef struct zf_lost_whole {
  size_t n, npairs;
  double reading, literal, uni, mass, absent, pmi;
  /* rd[0..nrd): the reading's first characters that are not ASCII, a 0
   * where ASCII came between two of them */
  uint32_t rd[8];
  size_t nrd;
} zf_lost_whole;
double zf_lost_whole_mass(const zf_lost *l, const zf_lost_hyp *h);
int zf_lost_drop_whole(zf_lost *l, const zf_lost_hyp *h, const zf_text *in, double mass, zf_lost_whole *r);
/* The log10 odds that h's reader dropped a character next to the Han run
 * run[0..n) (n 1 or 2) standing without Han neighbours (lost_drop.c). */
double zf_lost_whole_edges(const zf_lost *l, const zf_lost_hyp *h, const uint32_t *run, size_t n);

/* The damage classes the lattice models, for a caller that has to find
 * which one a segment carries (run zf_lost_detect for each, keep the best
 * gain). */
extern const zf_lost_hyp zf_lost_all_hyps[];
extern const size_t zf_lost_nall_hyps;

/* ---- the pipeline's use (lost_stage.c) -------------------------------------- */

/* The tables of every codec, built once per process (shared.h). */
const zf_lost_tables *zf_lost_shared_tables(void);
/* Markers a lost byte leaves next to text that is not ASCII: bit 0 U+FFFD,
 * bit 1 '?'; 0 when the line shows none. */
unsigned zf_lost_markers(const zf_text *in);
/* Finds the damage class of a line with markers (zf_lost_detect over the
 * classes whose markers it shows, best gain first) and rebuilds it with
 * the first that fits, appending to out.  *used (when not NULL) is that
 * class.  Returns 0, ZF_LOST_NOFIT (no class fits: out unchanged) or
 * ZHFIX_E_NOMEM. */
int zf_lost_repair_line(zf_lost *l, int mode, unsigned markers, const zf_text *in, zf_text *out,
                        zf_stats *stats, zf_lost_result *res, const zf_lost_hyp **used);
/* Reports the marked or guessed characters of out[from..) (flags f). */
void zf_lost_report_marks(const zf_text *out, size_t from, const uint8_t *f, size_t nf, zf_stats *stats);
/* GBK or Big5 read by a dropping UTF-8 decoder (lost_asutf8.c), a line at
 * a time: zf_lost_asutf8_maybe is the reader's own first test, before the
 * tables are built; zf_lost_asutf8_line reads the line under the source
 * that reads better (doc: the one *src the document showed), reports its
 * marks, sets *src and *used; 0, ZF_LOST_NOFIT, ZF_UNCHANGED (reported,
 * left) or ZHFIX_E_NOMEM.  markok: from DOC_LL_HITS, a line the document's
 * reading refuses whose stray characters read as no text is marked (else
 * reported and left as it came). */
int zf_lost_asutf8_maybe(const zf_text *in);
/* GBK or Big5 read by a replacing UTF-8 decoder (lost_asutf8.c): a line
 * of U+FFFD and stray characters that read as no text has each non-ASCII
 * stretch marked (ASCII kept) and reported; doc: lines taken so on their
 * own evidence before.  0, ZF_LOST_NOFIT or ZHFIX_E_NOMEM. */
int zf_lost_asutf8_repl(zf_lost *l, int doc, const zf_text *in, zf_text *out, zf_stats *stats,
                        zf_lost_result *res, const zf_lost_hyp **used);
int zf_lost_asutf8_line(zf_lost *l, int mode, int doc, int markok, int *src, const zf_text *in, zf_text *out,
                        zf_stats *stats, zf_lost_result *res, const zf_lost_hyp **used);

#endif
