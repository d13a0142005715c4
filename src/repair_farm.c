/*
 * Content-farm repair (stage 1): undoes the damage of sites that turn
 * characters X into "X(pinyin)" with a byte-level replace on GBK text and
 * then decode the bytes leniently (docs/repair-farm.md has the whole story).
 *
 * The damage, as a forward model over bytes:
 *   B  original GBK bytes (Traditional text, char-by-char converted)
 *   D  = B with "(py)" inserted after every byte pair (any alignment) that
 *      encodes an annotated character, and every pair A3xx that encodes
 *      ，：；！？ replaced by , : ; ! ?
 *   O  = D decoded by a lenient GB18030 decoder: a lead byte followed by an
 *      invalid second byte gives '?' (the second byte is swallowed when it
 *      is '(', ')' or a digit in one decoder variant, kept in the other),
 *      or U+FFFD from the decoders that follow the WHATWG Encoding
 *      Standard (browsers; ICU and Python's errors="replace", so also
 *      zhfix's own decoder on the damaged GBK bytes), which keep it;
 *      a pair read out of phase decodes as a wrong character until an
 *      ASCII byte brings the decoder back in phase.
 *
 * The stage inverts it per line with a Viterbi search over B.  Every
 * observed character except '?' re-encodes exactly, so it contributes its
 * bytes; a '?' is a literal '?' or a lost lead byte (any of 126 values,
 * possibly followed by a swallowed byte), and so is a U+FFFD (a "lost
 * mark", is_lost); "(py)" may be an inserted
 * annotation, removable only when py is a reading of the character formed
 * by the two B bytes before it; an ASCII , : ; ! ? may stand for A3xx when
 * it sits in the middle of a B character.  B is re-decoded in phase as the
 * search goes, every re-formed pair must be a real character, and the
 * language model scores the decoded text.  Where all hypotheses meet again
 * (same decoder state, in phase) a span closes: its best reading is kept
 * when it beats the next different reading by a clear margin (10:1);
 * when the two differ in one or two characters only, the rest is kept and
 * those characters become '?'; otherwise the span is left as it was.
 * Either way the doubt is counted with zf_stats_unrecoverable.
 *
 * Aligned annotations X(py) go only under --pinyin=strip, or under auto
 * once the document shows the signature (sig_scan).  Readings of lost
 * bytes need that signature in any mode.  Clean lines cost one scan
 * (worth_a_look); the GB18030 tables are built on the first damaged line.
 */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "convert_tables.h"
#include "farm_codec.h"
#include "lm.h"
#include "readings.h"
#include "zf.h"

/* The two marks a lenient decoder leaves for a lead byte it could not
 * pair: '?' (also literal text) and U+FFFD (never text of a GBK page). */
static int is_lost(uint32_t c) { return c == '?' || c == 0xFFFD; }

/* The first '?', U+FFFD or '(' of cp[i..n), or n: the only characters the
 * scans of clean lines (sig_scan, worth_a_look) act on.  Blocks of 16
 * without an early exit vectorise, so a line is crossed at a fraction of
 * the cost of looking at each character. */
static size_t next_mark(const uint32_t *cp, size_t i, size_t n) {
  for (; i + 16 <= n; i += 16) {
    unsigned x = 0;
    for (size_t k = 0; k < 16; k++)
      x |= (unsigned)(cp[i + k] == '?') | (unsigned)(cp[i + k] == '(') |
           (unsigned)(cp[i + k] == 0xFFFD);
    if (x) break;
  }
  for (; i < n; i++)
    if (cp[i] == '?' || cp[i] == '(' || cp[i] == 0xFFFD) return i;
  return n;
}

/* Output placeholder for a digit the decoder swallowed: its value is lost,
 * the language model scores it as a digit, the output shows '?'. */
#define WILD_DIGIT 0x110001u
/* Flag on an output character rebuilt from a lost byte without byte
 * evidence for its value (see symbol_row). */
#define GUESSED 0x40000000u
/* Longest annotation "(" + syllable + ")" in code points. */
#define ANN_MAX_SYL 7
/* Transitions reach at most ANN_MAX_SYL + 2 positions ahead. */
#define RING 16

/* Search parameters, in log10 units of the language model.  A lost byte or
 * an undone punctuation replace costs a little so that text the model
 * finds equally likely keeps its literal reading; a span is repaired only
 * when its best reading beats every other by MARGIN. */
#define PEN_HOLE 1.0
#define PEN_PUNCT 1.0
#define MARGIN 1.0
#define PRUNE 30.0
#define MAX_KEYS 2048
#define HOLE_BEAM 16
#define FORCE_CUT 1024
#define NODE_LIMIT (1u << 22)
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

typedef struct tok {
  uint32_t cp;
  uint64_t off;
  unsigned char b[4];
  uint8_t nb;   /* bytes in b; 0 for an atom                       */
  uint8_t atom; /* a character that cannot be part of a GBK pair    */
  int16_t ann_end; /* index of ')' when cp starts "(py)" / "?py)"; 0 */
  uint8_t near;    /* non-ASCII text within three characters          */
  int16_t syl;
  int8_t tone;
} tok;

typedef struct hyp {
  double score;
  uint64_t hash;     /* output since the last cut, to tell readings apart */
  uint64_t pend_off; /* offset of the token that gave the pending byte    */
  uint32_t last;     /* last output character: the model's context       */
  uint32_t node;     /* last output node, 0 when none since the cut       */
  uint8_t pend;      /* lead byte of B waiting for its second byte; 0     */
  uint8_t pend_lost; /* ... and it is a lost byte, not one the input shows */
  uint8_t b1, b2;    /* last two bytes of B, b2 the latest                */
  uint8_t dmg;       /* 1 when the path repairs damage since the cut      */
  uint8_t open[NGROUPS]; /* quotes/brackets opened and not yet closed    */
  uint8_t lit;       /* 1 while every choice since the cut is literal     */
  uint8_t need;      /* the last two bytes form an annotated character    */
  uint8_t sep;       /* an annotation was removed after the last byte:
                      * a farm that replaces character by character still
                      * matches the pair across it (both 總 and 個 in
                      * 每個 = BF 82 | 82 80), one that scans once never
                      * does, so such a pair is no evidence either way  */
  uint16_t holes, alrm, misrm, punct;
} hyp;

typedef struct onode {
  uint32_t parent;
  uint32_t cp;
  uint64_t off;
} onode;

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
  farm_codec *codec;
  int codec_failed;
  zf_occ_tables occ;
  unsigned avoid;   /* ZF_OCC_* class of characters the script never has; 0 */
  unsigned variant; /* ZF_OCC_* class of variants the script does not use */
  unsigned long swallow_seen, keep_seen; /* decoder variant evidence */
  uint8_t open[NGROUPS]; /* quotes still open at the end of the last line */
  /* Numbers of two or more digits seen in the document (detection window
   * and the lines so far, once the signature is on): the cache that can
   * give a swallowed digit back.  Open addressing, allocated once. */
  struct dslot { uint64_t key; uint32_t n; } *digits;
  size_t ndigits;
  tok *tk;
  size_t captk;
  hvec beam[RING]; /* hypotheses at position p live in beam[p % RING] */
  onode *nodes;
  size_t nnodes, capnodes;
  uint32_t *path, *path2;
  uint64_t *pathoff, *pathoff2;
  size_t cappath, cappath2;
} farm;

/* ---- small helpers ------------------------------------------------------ */

static int is_pinyin_letter(uint32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 0xC0 && c <= 0x24F) || c == 0x1E3F;
}

/* A tone digit ends a syllable written with numbers (wang3), as some
 * annotating sites write them. */
static int is_tone_digit(uint32_t c) { return c >= '1' && c <= '5'; }

/* Parses "(py)" or "?py)" starting at t[i]; returns the index of ')' and
 * the reading, or 0.  py has tone marks, a tone digit or no tone. */
static size_t parse_ann(const uint32_t *cp, size_t n, size_t i, int *syl, int *tone) {
  size_t j = i + 1;
  while (j < n && j - i - 1 <= ANN_MAX_SYL && is_pinyin_letter(cp[j])) j++;
  if (j < n && j > i + 1 && is_tone_digit(cp[j])) j++;
  if (j >= n || cp[j] != ')' || j == i + 1 || j - i - 1 > ANN_MAX_SYL) return 0;
  int s = zf_pinyin_parse(cp + i + 1, j - i - 1, tone);
  if (s < 0) return 0;
  *syl = s;
  return j;
}

static int primary_is(uint32_t cp, int syl, int tone) {
  uint32_t r[1];
  if (zf_readings(cp, r, 1) == 0) return 0;
  return (int)(r[0] >> 3) == syl && (int)(r[0] & 7) == tone;
}

/* Group of a paired punctuation mark; *close set for the closing one. */
static int pair_group(uint32_t c, int *close) {
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
static int pause_mark(uint32_t c) {
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
static int stop_mark(uint32_t c) {
  return c == 0xFF1F || c == 0xFF01 || c == '?' || c == '!';
}

static uint64_t mix(uint64_t h, uint32_t c) {
  h ^= c + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h * 0xFF51AFD7ED558CCDull;
}

/* ---- document signature ------------------------------------------------- *
 * Farm pages annotate a fixed set of characters with their primary reading
 * everywhere they occur, and byte-level matches leave misaligned spans;
 * teaching material annotates selectively, with readings in context
 * (neutral tones, polyphones).  The signature is on after any misaligned
 * annotation, or after at least three primary-reading annotations with
 * few others and few unannotated occurrences of the annotated characters. */

static void annset_put(farm *f, uint32_t cp) {
  if (cp >= 0x40000) return;
  if (!f->annset) {
    f->annset = calloc(0x40000 / 8, 1);
    if (!f->annset) return; /* the signature then relies on the counts only */
  }
  f->annset[cp >> 3] |= (uint8_t)(1u << (cp & 7));
}

static int annset_has(const farm *f, uint32_t cp) {
  return f->annset && cp < 0x40000 && (f->annset[cp >> 3] >> (cp & 7) & 1);
}

/* cp[0..first) holds no mark (first = 0 when not known). */
static void sig_scan(farm *f, const uint32_t *cp, size_t n, size_t first) {
  for (size_t i = next_mark(cp, first, n); i < n; i = next_mark(cp, i + 1, n)) {
    int syl, tone;
    if (cp[i] == '(' && i > 0 && zf_is_han(cp[i - 1])) {
      if (parse_ann(cp, n, i, &syl, &tone) && zf_reading_of(cp[i - 1], syl, tone)) {
        if (tone >= 1 && tone <= 4 && primary_is(cp[i - 1], syl, tone)) {
          f->farm_like++;
          annset_put(f, cp[i - 1]);
        } else {
          f->other_ann++;
        }
      }
    } else if (is_lost(cp[i]) && i > 0 && cp[i - 1] >= 0x80 && cp[i - 1] != 0xFFFD) {
      size_t k = i + 1 < n && cp[i + 1] == '(' ? i + 1 : i;
      if (parse_ann(cp, n, k, &syl, &tone)) {
        f->mis++;
        if (k == i)
          f->swallow_seen++;
        else
          f->keep_seen++;
      }
    }
  }
  if (f->annset)
    for (size_t i = 0; i < n; i++)
      if (zf_is_han(cp[i]) && annset_has(f, cp[i]) && (i + 1 >= n || cp[i + 1] != '('))
        f->unann++;
  if (f->mis > 0 ||
      (f->farm_like >= 3 && f->other_ann * 10 <= f->farm_like && f->unann * 4 <= f->farm_like))
    f->sig = 1;
}

/* ---- stage state -------------------------------------------------------- */

static int create(void **st, const zf_opts *o) {
  farm *f = calloc(1, sizeof *f);
  if (!f) return ZHFIX_E_NOMEM;
  f->o = *o;
  if (zf_occ_open(&f->occ) == 0) {
    f->avoid = o->script == ZHFIX_SCRIPT_SIMP ? ZF_OCC_TRAD_ONLY : ZF_OCC_SIMP_ONLY;
    f->variant = o->script == ZHFIX_SCRIPT_TRAD ? ZF_OCC_TW_FORM | ZF_OCC_HK_FORM
                 : o->script == ZHFIX_SCRIPT_TW || o->script == ZHFIX_SCRIPT_TWP
                     ? ZF_OCC_TW_STD
                 : o->script == ZHFIX_SCRIPT_HK || o->script == ZHFIX_SCRIPT_HKP ? ZF_OCC_HK_STD
                                                : 0;
  }
  *st = f;
  return 0;
}

static void destroy(void *st) {
  farm *f = st;
  farm_codec_free(f->codec);
  free(f->annset);
  free(f->digits);
  free(f->tk);
  for (size_t i = 0; i < RING; i++) free(f->beam[i].v);
  free(f->nodes);
  free(f->path);
  free(f->pathoff);
  free(f->path2);
  free(f->pathoff2);
  free(f);
}

/* ---- digit cache -------------------------------------------------------- *
 * A swallowed digit is lost from the bytes, but articles repeat their
 * numbers (dates, counts, the 30 of "30 hours ... 30 days").  A number of
 * two or more digits is a key: its length in the top byte, its value
 * below.  A lone digit is no evidence: any digit makes one. */

/* The document decides only for a number seen DOC_MIN times when no other
 * candidate's number was seen at all: on number-dense text (a number
 * before every ，and 。, tests/test_farm.c) a weaker rule (twice, 3:1) made
 * 7 wrong digits of 90 where no number recurred, this one 4. */
#define DOC_MIN 3
#define DIGIT_SLOTS 4096u
#define DIGIT_MAX 15

static uint64_t digit_key(uint64_t value, size_t len) { return (uint64_t)len << 56 | value; }

static struct dslot *digit_slot(const farm *f, uint64_t key) {
  size_t i = (size_t)(mix(0, (uint32_t)key) ^ mix(1, (uint32_t)(key >> 32))) & (DIGIT_SLOTS - 1);
  while (f->digits[i].key && f->digits[i].key != key) i = (i + 1) & (DIGIT_SLOTS - 1);
  return &f->digits[i];
}

static void digits_add(farm *f, uint64_t key) {
  if (!f->digits) {
    f->digits = calloc(DIGIT_SLOTS, sizeof *f->digits);
    if (!f->digits) return; /* no cache: swallowed digits stay unknown */
  }
  struct dslot *d = digit_slot(f, key);
  if (!d->key) {
    if (f->ndigits >= DIGIT_SLOTS / 4 * 3) return; /* full: the first numbers suffice */
    d->key = key;
    f->ndigits++;
  }
  if (d->n < UINT32_MAX) d->n++;
}

static uint32_t digits_count(const farm *f, uint64_t key) {
  if (!f->digits) return 0;
  return digit_slot(f, key)->n;
}

static int is_digit(uint32_t c) { return c >= '0' && c <= '9'; }

/* Every run of 2..DIGIT_MAX digits of cp[0..n) (runs touching a letter are
 * identifiers, not numbers) into the cache. */
static void digits_scan(farm *f, const uint32_t *cp, size_t n) {
  for (size_t i = 0; i < n;) {
    if (!is_digit(cp[i])) {
      i++;
      continue;
    }
    size_t j = i;
    uint64_t v = 0;
    while (j < n && is_digit(cp[j])) v = v * 10 + (cp[j++] - '0');
    if (j - i >= 2 && j - i <= DIGIT_MAX) digits_add(f, digit_key(v, j - i));
    i = j;
  }
}

/* Occurrences of the number (value, len) as a whole run of tk[0..n). */
static size_t line_count(const farm *f, size_t n, uint64_t value, size_t len) {
  size_t c = 0;
  for (size_t i = 0; i < n;) {
    if (!is_digit(f->tk[i].cp)) {
      i++;
      continue;
    }
    size_t j = i;
    uint64_t v = 0;
    while (j < n && is_digit(f->tk[j].cp)) v = v * 10 + (f->tk[j++].cp - '0');
    c += j - i == len && v == value;
    i = j;
  }
  return c;
}

/* The digit a decoder swallowed after the '?' token q, from the numbers of
 * the document: the digits that follow it on the line make a number with
 * each candidate digit; the line itself decides when exactly one candidate
 * recreates a number it holds elsewhere, otherwise the document (detection
 * window and earlier lines) does when one candidate's number is seen there
 * DOC_MIN times and no other candidate's at all.  Returns the digit, or 0
 * when it stays unknown. */
static uint32_t guess_digit(const farm *f, size_t q, size_t n) {
  size_t e = q + 1;
  uint64_t tail = 0, scale = 1;
  while (e < n && is_digit(f->tk[e].cp) && e - q < DIGIT_MAX) {
    tail = tail * 10 + (f->tk[e].cp - '0');
    scale *= 10;
    e++;
  }
  if (e < n && is_digit(f->tk[e].cp)) return 0;
  size_t len = e - q;
  if (len < 2) return 0; /* a lone digit: nothing in the document points at it */
  int hit = -1, hits = 0;
  for (int d = 0; d <= 9; d++)
    if (line_count(f, n, (uint64_t)d * scale + tail, len)) {
      hit = d;
      hits++;
    }
  if (hits == 1) return '0' + (uint32_t)hit;
  if (hits > 1) return 0;
  uint32_t best = 0, next = 0;
  for (int d = 0; d <= 9; d++) {
    uint32_t c = digits_count(f, digit_key((uint64_t)d * scale + tail, len));
    if (c > best) {
      next = best;
      best = c;
      hit = d;
    } else if (c > next) {
      next = c;
    }
  }
  if (best >= DOC_MIN && next == 0) return '0' + (uint32_t)hit;
  return 0;
}

static void prescan(void *st, const zf_text *prefix) {
  farm *f = st;
  if (prefix->len == 0) return;
  f->have_pre = 1;
  f->pre_end = prefix->off[prefix->len - 1];
  if (!f->sig) sig_scan(f, prefix->cp, prefix->len, 0);
  if (f->sig) digits_scan(f, prefix->cp, prefix->len);
}

/* ---- the search --------------------------------------------------------- */

static int hv_push(hvec *h, const hyp *x) {
  if (h->n == h->cap) {
    size_t nc = h->cap ? h->cap * 2 : 64;
    hyp *nv = realloc(h->v, nc * sizeof *nv);
    if (!nv) return -1;
    h->v = nv;
    h->cap = nc;
  }
  h->v[h->n++] = *x;
  return 0;
}

static int emit(farm *f, hyp *h, uint32_t node_cp, uint64_t off) {
  uint32_t cp = node_cp & ~GUESSED;
  if (f->nnodes >= f->capnodes) {
    size_t nc = f->capnodes ? f->capnodes * 2 : 1024;
    onode *nn = realloc(f->nodes, nc * sizeof *nn);
    if (!nn) return -1;
    f->nodes = nn;
    f->capnodes = nc;
  }
  f->nodes[f->nnodes] = (onode){h->node, node_cp, off};
  h->node = (uint32_t)f->nnodes++;
  uint32_t lmcp = cp == WILD_DIGIT ? '0' : cp;
  h->score += zf_lm_bigram(h->last, lmcp);
  uint32_t prev = h->last;
  if (f->avoid && cp >= 0x3400) {
    unsigned cls = zf_occ_class(&f->occ, cp);
    if (cls & f->avoid) h->score -= PEN_SCRIPT;
    if (cls & f->variant) h->score -= PEN_VARIANT;
  }
  if ((pause_mark(cp) && (pause_mark(prev) || stop_mark(prev))) ||
      (stop_mark(cp) && pause_mark(prev)))
    h->score -= PEN_DOUBLE;
  int close, g = pair_group(cp, &close);
  if (g >= 0 && g <= 1 && close &&
      (prev == 0x3002 || prev == 0xFF01 || prev == 0xFF1F || prev == 0x2026))
    h->score += BAL_SENT;
  if (g >= 0) {
    if (!close) {
      if (h->open[g] < 3) h->open[g]++;
    } else if (h->open[g]) {
      h->open[g]--;
      /* quotes pair within a paragraph; parentheses in technical text
       * too often do not, so closing one earns nothing */
      if (g != 2) h->score += BAL_CLOSE;
    } else {
      h->score -= BAL_STRAY;
    }
  }
  h->last = lmcp;
  h->hash = mix(h->hash, node_cp);
  return 0;
}

/* Appends one byte to B.  Returns 1, 0 when B would be invalid, -1 on
 * allocation failure. */
/* GBK rows A1-A9 hold punctuation, symbols, full-width forms, kana,
 * Greek, Cyrillic, pinyin letters and box drawing: characters the
 * language model scores by class and frequency only (a mark between 的
 * and 可以 is as likely as any word).  Whether a character is one of them
 * is its lead byte's to say.  Where that lead byte is lost, nothing in the
 * bytes says the character is a mark at all (issue 13: 棧, 97 A3, of
 * 小一些的棧可以 came back as 。, A1 A3, a cross-boundary guess the page
 * never showed): the reading goes on as if it were that mark, so the rest
 * of the span is judged as before, but the character is marked GUESSED
 * and the output shows the lost byte's mark instead, reported as
 * unrecoverable.  A mark whose lead byte the input shows (A1 of ” in the
 * split 。” = A1 A3 A1 B1) is one by byte evidence; which one, the usual
 * margin decides. */
static int symbol_row(unsigned lead) { return lead >= 0xA1 && lead <= 0xA9; }

/* Feeds byte b of B; lost: b is a lost byte's value (a guess), not one
 * the input shows. */
static int feed(farm *f, hyp *h, unsigned b, uint64_t off, int lost) {
  if (h->need) {
    /* the pair before this byte is a character the page annotates, yet
     * no annotation follows it */
    h->score -= PEN_UNANN;
    h->need = 0;
  }
  if (h->pend) {
    uint32_t c = farm_codec_pair(f->codec, h->pend, b);
    if (!c) return 0;
    if (h->pend_lost && symbol_row(h->pend)) c |= GUESSED;
    if (emit(f, h, c, h->pend_off)) return -1;
    h->pend = 0;
    h->pend_lost = 0;
  } else if (b < 0x80) {
    if (emit(f, h, b, off)) return -1;
  } else if (farm_is_lead(b)) {
    h->pend = (uint8_t)b;
    h->pend_lost = (uint8_t)lost;
    h->pend_off = off;
  } else {
    return 0;
  }
  h->b1 = h->b2;
  h->b2 = (uint8_t)b;
  int sep = h->sep;
  h->sep = 0;
  if (f->annset && !sep && farm_is_lead(h->b1)) {
    uint32_t c = farm_codec_pair(f->codec, h->b1, h->b2);
    if (c && annset_has(f, c)) h->need = 1;
  }
  return 1;
}

/* The inserted annotation "(syl tone)" ends the B bytes so far: the pair
 * before it must be a character with that reading. */
static int window_reads(const farm *f, const hyp *h, int syl, int tone) {
  if (!farm_is_lead(h->b1)) return 0;
  uint32_t c = farm_codec_pair(f->codec, h->b1, h->b2);
  return c && zf_reading_of(c, syl, tone);
}

static size_t merge(hvec *bv);

/* Bounds the work on pathological input ("??????" next to Han text): a
 * position's hypotheses are merged whenever they pile up. */
#define HV_LIMIT 16384
static int push(farm *f, size_t pos, const hyp *h) {
  hvec *bv = &f->beam[pos % RING];
  if (bv->n >= HV_LIMIT) merge(bv);
  return hv_push(bv, h);
}

static int punct_second(uint32_t c) {
  switch (c) {
  case ',': return 0xAC;
  case ':': return 0xBA;
  case ';': return 0xBB;
  case '!': return 0xA1;
  case '?': return 0xBF;
  default: return 0;
  }
}

/* Feeds the bytes of token t (fixed reading). */
static int feed_tok(farm *f, hyp *h, const tok *t) {
  if (t->atom) {
    if (h->pend) return 0;
    if (emit(f, h, t->cp, t->off)) return -1;
    h->b1 = h->b2 = 0;
    return 1;
  }
  for (int k = 0; k < t->nb; k++) {
    int r = feed(f, h, t->b[k], t->off, 0);
    if (r <= 0) return r;
  }
  return 1;
}

static int expand(farm *f, size_t i, size_t n, const hyp *h0, int holes) {
  const tok *t = &f->tk[i];
  int strip_ok = f->o.pinyin == ZHFIX_PINYIN_STRIP ||
                 (f->o.pinyin == ZHFIX_PINYIN_AUTO && f->sig);
  int damage_ok = f->sig;
  int forced = 0;

  /* "(py)" after the pair it annotates. */
  if (t->cp == '(' && t->ann_end && window_reads(f, h0, t->syl, t->tone)) {
    /* aligned: the pair is the last character of B, not the end of one
     * and the start (or an ASCII byte) of the next */
    int aligned = !h0->pend && farm_codec_pair(f->codec, h0->b1, h0->b2) == h0->last;
    if (aligned && strip_ok) {
      hyp h = *h0;
      h.alrm++;
      h.need = 0;
      h.sep = 1;
      if (push(f, (size_t)t->ann_end + 1, &h)) return -1;
      forced = 1; /* an aligned annotation is not kept when stripping */
    } else if (!aligned) {
      hyp h = *h0;
      h.misrm++;
      h.need = 0;
      h.sep = 1;
      h.dmg = 1;
      h.lit = 0;
      if (push(f, (size_t)t->ann_end + 1, &h)) return -1;
    }
  }

  if (!forced) { /* the literal reading */
    hyp h = *h0;
    int r = feed_tok(f, &h, t);
    if (r < 0) return -1;
    if (r > 0 && push(f, i + 1, &h)) return -1;
  }

  /* , : ; ! ? standing for A3xx in the middle of a B character. */
  if (h0->pend && damage_ok && punct_second(t->cp)) {
    hyp h = *h0;
    h.punct++;
    h.dmg = 1;
      h.lit = 0;
    h.score -= PEN_PUNCT;
    int r = feed(f, &h, 0xA3, t->off, 0);
    if (r < 0) return -1;
    if (r > 0) {
      r = feed(f, &h, (unsigned)punct_second(t->cp), t->off, 0);
      if (r < 0) return -1;
      if (r > 0 && push(f, i + 1, &h)) return -1;
    }
  }

  /* A lost byte belongs to a GBK character, so a '?' run in pure ASCII
   * ("refer to ???") is never one. */
  if (!is_lost(t->cp) || !holes || (!t->ann_end && (!damage_ok || !t->near))) return 0;

  /* '?' as a lost lead byte L. */
  unsigned nb = i + 1 < n ? (f->tk[i + 1].nb ? f->tk[i + 1].b[0] : 0x81) : 0x0A;
  /* Which decoder made the document, once it has shown it: one that
   * swallows '(' ')' and digits after a bad lead byte never shows them
   * right after its '?', one that keeps them never loses them. */
  int swallows = f->swallow_seen > f->keep_seen,
      keeps = f->keep_seen > f->swallow_seen || t->cp == 0xFFFD;
  int nb_kept_ok = !farm_is_trail(nb) &&
                   !(swallows && (nb == '(' || nb == ')' || (nb >= '0' && nb <= '9')));
  int next_removable = i + 1 < n && (f->tk[i + 1].ann_end || punct_second(f->tk[i + 1].cp));
  /* '?' for a lone 0x80, which only a second byte can be */
  if (damage_ok && h0->pend) {
    hyp h = *h0;
    int r = feed(f, &h, 0x80, t->off, 1);
    if (r < 0) return -1;
    if (r > 0) {
      h.holes++;
      h.dmg = 1;
      h.lit = 0;
      h.score -= PEN_HOLE;
      if (push(f, i + 1, &h)) return -1;
    }
  }
  for (unsigned L = 0x81; L <= 0xFE; L++) {
    /* L followed by a swallowed '(' that opened an inserted annotation */
    if (t->ann_end) {
      hyp h = *h0;
      int r = feed(f, &h, L, t->off, 1);
      if (r < 0) return -1;
      if (r > 0 && window_reads(f, &h, t->syl, t->tone)) {
        h.holes++;
        h.misrm++;
        h.need = 0;
        h.sep = 1;
        h.dmg = 1;
      h.lit = 0;
        h.score -= PEN_HOLE;
        if (push(f, (size_t)t->ann_end + 1, &h)) return -1;
      }
    }
    if (!damage_ok) continue;
    /* L followed by an invalid second byte that the decoder kept */
    if (nb_kept_ok && (h0->pend || next_removable)) {
      hyp h = *h0;
      int r = feed(f, &h, L, t->off, 1);
      if (r < 0) return -1;
      if (r > 0) {
        h.holes++;
        h.dmg = 1;
      h.lit = 0;
        h.score -= PEN_HOLE;
        if (push(f, i + 1, &h)) return -1;
      }
    }
    /* L followed by a swallowed ')', '(' or digit: only after L completed
     * a pair, since none of them can be a second byte */
    if (!keeps && h0->pend && farm_codec_pair(f->codec, h0->pend, L)) {
      static const uint32_t sw[3] = {')', '(', WILD_DIGIT};
      for (int k = 0; k < 3; k++) {
        hyp h = *h0;
        int r = feed(f, &h, L, t->off, 1);
        if (r < 0) return -1;
        if (r == 0) continue;
        if (sw[k] == WILD_DIGIT) {
          if (h.need) {
            h.score -= PEN_UNANN;
            h.need = 0;
          }
          if (emit(f, &h, WILD_DIGIT, t->off)) return -1;
          h.b1 = h.b2;
          h.b2 = '0';
        } else if (feed(f, &h, sw[k], t->off, 0) <= 0) {
          continue;
        }
        h.holes++;
        h.dmg = 1;
      h.lit = 0;
        h.score -= PEN_HOLE;
        if (push(f, i + 1, &h)) return -1;
      }
    }
  }
  return 0;
}

static int key_cmp(const void *a, const void *b) {
  const hyp *x = a, *y = b;
  if (x->pend != y->pend) return x->pend < y->pend ? -1 : 1;
  if (x->pend_lost != y->pend_lost) return x->pend_lost < y->pend_lost ? -1 : 1;
  if (x->last != y->last) return x->last < y->last ? -1 : 1;
  if (x->b2 != y->b2) return x->b2 < y->b2 ? -1 : 1;
  if (x->b1 != y->b1) return x->b1 < y->b1 ? -1 : 1;
  if (x->need != y->need) return x->need < y->need ? -1 : 1;
  if (x->sep != y->sep) return x->sep < y->sep ? -1 : 1;
  int q = memcmp(x->open, y->open, NGROUPS);
  if (q) return q;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  return 0;
}

static int same_key(const hyp *x, const hyp *y) {
  return x->pend == y->pend && x->pend_lost == y->pend_lost && x->last == y->last &&
         x->b2 == y->b2 && x->b1 == y->b1 &&
         x->need == y->need && x->sep == y->sep &&
         !memcmp(x->open, y->open, NGROUPS);
}

static int score_desc(const void *a, const void *b) {
  const hyp *x = a, *y = b;
  return x->score > y->score ? -1 : x->score < y->score ? 1 : 0;
}

/* Keeps the two best different readings per state and the literal
 * reading, drops hopeless ones; returns the number of states. */
static size_t merge(hvec *bv) {
  if (bv->n == 0) return 0;
  qsort(bv->v, bv->n, sizeof *bv->v, key_cmp);
  size_t w = 0;
  for (size_t r = 0; r < bv->n;) {
    size_t e = r;
    while (e < bv->n && same_key(&bv->v[r], &bv->v[e])) e++;
    size_t first = w;
    bv->v[w++] = bv->v[r];
    int lit = bv->v[r].lit;
    for (size_t k = r + 1; k < e; k++) {
      int other = w - first < 2 && bv->v[k].hash != bv->v[first].hash;
      if (other || (bv->v[k].lit && !lit)) {
        bv->v[w++] = bv->v[k];
        lit |= bv->v[k].lit;
      }
    }
    r = e;
  }
  bv->n = w;
  double best = -DBL_MAX;
  for (size_t k = 0; k < w; k++)
    if (bv->v[k].score > best) best = bv->v[k].score;
  size_t w2 = 0;
  for (size_t k = 0; k < w; k++)
    if (bv->v[k].score >= best - PRUNE || bv->v[k].lit) bv->v[w2++] = bv->v[k];
  bv->n = w2;
  if (bv->n > MAX_KEYS * 2) {
    qsort(bv->v, bv->n, sizeof *bv->v, score_desc);
    for (size_t k = MAX_KEYS * 2; k < bv->n; k++)
      if (bv->v[k].lit) {
        bv->v[MAX_KEYS * 2 - 1] = bv->v[k];
        break;
      }
    bv->n = MAX_KEYS * 2;
    qsort(bv->v, bv->n, sizeof *bv->v, key_cmp);
  }
  size_t keys = 0;
  for (size_t k = 0; k < bv->n; k++)
    if (k == 0 || !same_key(&bv->v[k], &bv->v[k - 1])) keys++;
  return keys;
}

static int out_verbatim(farm *f, size_t a, size_t b, zf_text *out) {
  for (size_t k = a; k < b; k++)
    if (zf_text_push(out, f->tk[k].cp, f->tk[k].off)) return -1;
  return 0;
}

static uint64_t span_len(const farm *f, size_t a, size_t b, size_t n) {
  if (b < n) return f->tk[b].off - f->tk[a].off;
  return f->tk[n - 1].off - f->tk[a].off + 1;
}

/* Writes the span [a, b) ending in hypothesis best (second: the best other
 * reading, or NULL). */
#ifdef FARM_DEBUG
#include <stdio.h>
static void dbg_path(farm *f, const hyp *h) {
  if (!h) return;
  fprintf(stderr, " [%.2f dmg=%d] ", h->score, h->dmg);
  uint32_t buf[256]; size_t n = 0;
  for (uint32_t k = h->node; k && n < 256; k = f->nodes[k].parent) buf[n++] = f->nodes[k].cp;
  while (n--) { unsigned char u[4]; int m = zf_utf8_put(buf[n] == WILD_DIGIT ? '#' : buf[n], u); fwrite(u, 1, (size_t)m, stderr); }
  fputc('\n', stderr);
}
#endif
/* The output of hypothesis h since the cut into (*cp, *off)[0..return). */
static size_t path_of(farm *f, const hyp *h, uint32_t **cp, uint64_t **off, size_t *cap) {
  size_t len = 0;
  for (uint32_t k = h->node; k; k = f->nodes[k].parent) len++;
  if (len > *cap) {
    uint32_t *np = realloc(*cp, len * sizeof *np);
    if (!np) return (size_t)-1;
    *cp = np;
    uint64_t *no = realloc(*off, len * sizeof *no);
    if (!no) return (size_t)-1;
    *off = no;
    *cap = len;
  }
  size_t i = len;
  for (uint32_t k = h->node; k; k = f->nodes[k].parent) {
    i--;
    (*cp)[i] = f->nodes[k].cp;
    (*off)[i] = f->nodes[k].off;
  }
  return len;
}

/* Characters where two readings of the same length part; when they part
 * in more places than this, the span is left whole. */
#define MAX_UNSURE 2

/* Writes the span [a, b) ending in hypothesis best (second: the best other
 * reading, or NULL). */
static int commit(farm *f, size_t a, size_t b, size_t n, const hyp *best, const hyp *second,
                  zf_text *out, zf_stats *stats) {
  size_t len = path_of(f, best, &f->path, &f->pathoff, &f->cappath);
  if (len == (size_t)-1) return -1;
#ifdef FARM_DEBUG
  if (best->dmg || (second && second->dmg)) { dbg_path(f, best); dbg_path(f, second); }
#endif
  int unsure = best->dmg && second && best->score - second->score < MARGIN;
  size_t mark[MAX_UNSURE], nmark = 0;
  if (unsure) {
    /* Where the two best readings agree but for a character or two (the
     * byte that decided them is lost), the rest is kept and only those
     * characters stay '?'; otherwise the span stays as it was. */
    size_t len2 = path_of(f, second, &f->path2, &f->pathoff2, &f->cappath2);
    if (len2 == (size_t)-1) return -1;
    int ok = len2 == len;
    for (size_t k = 0; ok && k < len; k++)
      if (f->path[k] != f->path2[k]) {
        if (nmark == MAX_UNSURE)
          ok = 0;
        else
          mark[nmark++] = k;
      }
    if (!ok || nmark == 0) {
      zf_stats_unrecoverable(stats, f->tk[a].off, span_len(f, a, b, n));
      return out_verbatim(f, a, b, out);
    }
  } else if (!best->dmg && second && second->dmg) {
    /* Kept as it is, but a repair fitted every constraint (a '?' next to a
     * removable annotation or punctuation mark): damage, left unrepaired. */
    zf_stats_unrecoverable(stats, f->tk[a].off, span_len(f, a, b, n));
  }
  size_t nguess = 0;
  for (size_t k = 0, m = 0; k < len; k++) {
    uint32_t c = f->path[k];
    if (m < nmark && mark[m] == k) {
      /* from the input character that gave its first byte up to the next
       * output character: the bytes it was rebuilt from.  Neighbouring
       * unsure characters make one span, and a swallowed digit comes from
       * the same '?' as the byte before it, so it does not end one. */
      size_t e = k + 1;
      while (m + 1 < nmark && mark[m + 1] == e) {
        m++;
        e++;
      }
      while (e < len && f->path[e] == WILD_DIGIT) e++;
      uint64_t end = e < len ? f->pathoff[e] : f->tk[a].off + span_len(f, a, b, n);
      zf_stats_unrecoverable(stats, f->pathoff[k], end > f->pathoff[k] ? end - f->pathoff[k] : 1);
      for (; k + 1 < len && k < mark[m]; k++)
        if (zf_text_push(out, f->unknown, f->pathoff[k])) return -1;
      c = f->unknown;
      m++;
    } else if (c & GUESSED) {
      /* a mark the bytes do not show: the lost byte's mark stays */
      uint64_t end = k + 1 < len ? f->pathoff[k + 1] : f->tk[a].off + span_len(f, a, b, n);
      zf_stats_unrecoverable(stats, f->pathoff[k], end > f->pathoff[k] ? end - f->pathoff[k] : 1);
      c = f->unknown;
      nguess++;
    } else if (c == WILD_DIGIT) {
      size_t q = a;
      while (q < b && f->tk[q].off != f->pathoff[k]) q++;
      c = q < b ? guess_digit(f, q, n) : 0;
      if (c) {
        /* rebuilt from the document's numbers, not from the bytes */
        stats->v[ZHFIX_STAT_LOST_BYTES_RESTORED]++;
      } else {
        zf_stats_unrecoverable(stats, f->pathoff[k], 1);
        c = f->unknown;
      }
    }
    if (zf_text_push(out, c, f->pathoff[k])) return -1;
  }
  stats->v[ZHFIX_STAT_PINYIN_REMOVED] += best->alrm;
  if (best->dmg) {
    stats->v[ZHFIX_STAT_MISALIGNED_REPAIRED]++;
    /* a character left '?' did not get its lost byte back */
    size_t unrestored = nmark + nguess;
    stats->v[ZHFIX_STAT_LOST_BYTES_RESTORED] += best->holes > unrestored ? best->holes - unrestored : 0;
  }
  return 0;
}

static int prepare(farm *f, const zf_text *in) {
  size_t n = in->len;
  if (n + 1 > f->captk) {
    tok *nt = realloc(f->tk, (n + 1) * sizeof *nt);
    if (!nt) return -1;
    f->tk = nt;
    f->captk = n + 1;
  }
  for (size_t i = 0; i < RING; i++) {
    f->beam[i].n = 0;
    if (f->beam[i].cap > 4096) { /* give back what a bad line took */
      free(f->beam[i].v);
      f->beam[i].v = NULL;
      f->beam[i].cap = 0;
    }
  }
  f->unknown = '?';
  for (size_t i = 0; i < n; i++) {
    tok *t = &f->tk[i];
    memset(t, 0, sizeof *t);
    if (in->cp[i] == 0xFFFD) f->unknown = 0xFFFD;
    t->cp = in->cp[i];
    t->off = in->off[i];
    int k = farm_codec_encode(f->codec, t->cp, t->b);
    /* A private-use character is no character of B, but the decoder
     * makes one from a misaligned pair (A3 8E), so its bytes count. */
    if (k == 1 || k == 2)
      t->nb = (uint8_t)k;
    else
      t->atom = 1;
    if (t->cp == '(' || is_lost(t->cp)) {
      int syl, tone;
      size_t j = parse_ann(in->cp, n, i, &syl, &tone);
      if (j && j < 0x7FFF) {
        t->ann_end = (int16_t)j;
        t->syl = (int16_t)syl;
        t->tone = (int8_t)tone;
      }
    }
  }
  /* near: a character of GBK text within three characters, not counting
   * the annotations in between (they are inserted text) */
  for (size_t i = 0; i < n; i++) f->tk[i].near = 0;
  for (size_t i = 0, dist = 4; i < n; i++) {
    tok *t = &f->tk[i];
    if (t->ann_end) {
      size_t from = i;
      if (is_lost(t->cp)) { /* the mark is text, what follows is inserted */
        dist++;
        t->near |= dist <= 3;
        from = i + 1;
      }
      for (size_t k = from; k <= (size_t)t->ann_end; k++) f->tk[k].near |= dist <= 3;
      i = (size_t)t->ann_end;
      continue;
    }
    dist = t->cp >= 0x80 && t->cp != 0xFFFD ? 0 : dist + 1;
    t->near |= dist <= 3;
  }
  for (size_t i = n, dist = 4; i-- > 0;) {
    tok *t = &f->tk[i];
    if (t->cp == ')') {
      size_t k = i;
      if (k > 0 && is_tone_digit(f->tk[k - 1].cp)) k--;
      while (k > 0 && is_pinyin_letter(f->tk[k - 1].cp)) k--;
      if (k > 0 && (size_t)f->tk[k - 1].ann_end == i) {
        /* an annotation: transparent, unless it starts at a '?' */
        for (size_t m = k; m <= i; m++) f->tk[m].near |= dist <= 3;
        i = k;
        if (f->tk[k - 1].cp == '(') continue;
        i = k - 1;
        t = &f->tk[i];
      }
    }
    dist = t->cp >= 0x80 && t->cp != 0xFFFD ? 0 : dist + 1;
    t->near |= dist <= 3;
  }
  return 0;
}

static int repair_line(farm *f, const zf_text *in, zf_text *out, zf_stats *stats) {
  size_t n = in->len;
  if (prepare(f, in)) return ZHFIX_E_NOMEM;
  f->nnodes = 1;
  hyp h0;
  memset(&h0, 0, sizeof h0);
  h0.last = '\n';
  h0.lit = 1;
  memcpy(h0.open, f->open, NGROUPS);
  if (hv_push(&f->beam[0], &h0)) return ZHFIX_E_NOMEM;
  size_t cut = 0, reach = 0; /* reach: furthest position with hypotheses */
  for (size_t i = 0; i <= n; i++) {
    hvec *bv = &f->beam[i % RING];
    size_t keys = merge(bv);
    if (bv->n == 0) {
      if (reach > i) continue;
      /* every reading died: keep the rest of the line as it is */
      zf_stats_unrecoverable(stats, f->tk[cut].off, span_len(f, cut, n, n));
      return out_verbatim(f, cut, n, out) ? ZHFIX_E_NOMEM : 0;
    }
    if (i == n) {
      size_t w = 0;
      for (size_t k = 0; k < bv->n; k++)
        if (!bv->v[k].pend) {
          /* a parenthesis the line opened and never closed: a swallowed
           * ')' is the likelier reading */
          bv->v[k].score -= PEN_UNCLOSED * bv->v[k].open[2];
          bv->v[w++] = bv->v[k];
        }
      bv->n = w;
      if (w == 0) {
        zf_stats_unrecoverable(stats, f->tk[cut].off, span_len(f, cut, n, n));
        return out_verbatim(f, cut, n, out) ? ZHFIX_E_NOMEM : 0;
      }
      qsort(bv->v, w, sizeof *bv->v, score_desc);
      const hyp *second = NULL;
      for (size_t k = 1; k < w && !second; k++)
        if (bv->v[k].hash != bv->v[0].hash) second = &bv->v[k];
      memcpy(f->open, bv->v[0].open, 2); /* quotes only: see track_open */
      return commit(f, cut, n, n, &bv->v[0], second, out, stats) ? ZHFIX_E_NOMEM : 0;
    }
    if (reach <= i && i > cut && keys > 1 &&
        (i - cut > FORCE_CUT || f->nnodes > NODE_LIMIT)) {
      /* Damage that never resolves within FORCE_CUT characters: keep the
       * span as it was (the literal reading) and say so. */
      size_t k = 0;
      while (k < bv->n && !bv->v[k].lit) k++;
      if (k < bv->n && !bv->v[k].pend) {
        zf_stats_unrecoverable(stats, f->tk[cut].off, span_len(f, cut, i, n));
        if (commit(f, cut, i, n, &bv->v[k], NULL, out, stats)) return ZHFIX_E_NOMEM;
        hyp b = bv->v[k];
        b.node = 0;
        b.hash = 0;
        b.dmg = 0;
        b.holes = b.alrm = b.misrm = b.punct = 0;
        bv->v[0] = b;
        bv->n = 1;
        keys = 1;
        f->nnodes = 1;
        cut = i;
      }
    }
    if (keys == 1 && reach <= i && !bv->v[0].pend && i > cut) {
      const hyp *second = bv->n > 1 ? &bv->v[1] : NULL;
      if (commit(f, cut, i, n, &bv->v[0], second, out, stats)) return ZHFIX_E_NOMEM;
      hyp b = bv->v[0];
      b.node = 0;
      b.hash = 0;
      b.dmg = 0;
      b.holes = b.alrm = b.misrm = b.punct = 0;
      b.lit = 1;
      bv->v[0] = b;
      bv->n = 1;
      f->nnodes = 1;
      cut = i;
    }
    /* Only the best few readings try a lost byte at a '?' (126 values
     * each); the literal one always goes on. */
    if (is_lost(f->tk[i].cp) && bv->n > HOLE_BEAM)
      qsort(bv->v, bv->n, sizeof *bv->v, score_desc);
    for (size_t k = 0; k < bv->n; k++) {
      hyp h = bv->v[k];
      if (expand(f, i, n, &h, k < HOLE_BEAM)) return ZHFIX_E_NOMEM;
    }
    bv->n = 0;
    for (size_t p = i + 1; p < n + 2 && p <= i + ANN_MAX_SYL + 3; p++)
      if (f->beam[p % RING].n && p > reach) reach = p;
  }
  return 0;
}

/* Quotes and brackets a line leaves open, for the balance term of the
 * next lines; a blank line ends a paragraph and forgets them. */
static void track_open(farm *f, const zf_text *in) {
  int blank = 1;
  for (size_t i = 0; i < in->len; i++) {
    uint32_t c = in->cp[i];
    if (c > ' ') blank = 0;
    int close, g = pair_group(c, &close);
    if (g < 0) continue;
    if (!close) {
      if (f->open[g] < 3) f->open[g]++;
    } else if (f->open[g]) {
      f->open[g]--;
    }
  }
  /* only quotes run on into the next line; brackets stay in theirs */
  f->open[2] = f->open[3] = 0;
  if (blank) memset(f->open, 0, NGROUPS);
}

/* A cheap look for anything the search could change (in->cp[0..first)
 * holds no mark). */
static int worth_a_look(const farm *f, const zf_text *in, size_t first) {
  int strip_ok = f->o.pinyin == ZHFIX_PINYIN_STRIP ||
                 (f->o.pinyin == ZHFIX_PINYIN_AUTO && f->sig);
  const uint32_t *cp = in->cp;
  size_t n = in->len;
  if (!f->sig) {
    /* Without the signature the search can do one thing only: take out an
     * inserted annotation, "(py)" or "?py)" (lost bytes and split marks
     * need the signature: expand).  Every other reading of a line with no
     * such token dies, and the literal one is the line itself ("?x?" in a
     * Tcl synopsis), so such a line is not searched. */
    int any = 0;
    for (size_t i = next_mark(cp, first, n); i < n && !any; i = next_mark(cp, i + 1, n)) {
      int syl, tone;
      any = (cp[i] == '(' || is_lost(cp[i])) && parse_ann(cp, n, i, &syl, &tone);
    }
    if (!any) return 0;
  }
  for (size_t i = next_mark(cp, first, n); i < n; i = next_mark(cp, i + 1, n)) {
    if (is_lost(cp[i])) {
      /* damage leaves '?' next to non-ASCII text, possibly with the ASCII
       * punctuation of a split replace in between */
      if (i + 1 < n && is_pinyin_letter(cp[i + 1])) return 1;
      for (size_t k = i > 3 ? i - 3 : 0; k < n && k <= i + 3; k++)
        if (cp[k] >= 0x80 && cp[k] != 0xFFFD) return 1;
    } else if (cp[i] == '(' && strip_ok && i > 0 && cp[i - 1] > ' ' && i + 1 < n &&
               is_pinyin_letter(cp[i + 1])) {
      return 1;
    }
  }
  return 0;
}

static int run(void *st, const zf_text *in, zf_text *out, zf_stats *stats) {
  farm *f = st;
  size_t first = next_mark(in->cp, 0, in->len);
  int marked = first < in->len;
  if (in->len) {
    size_t from = 0;
    if (f->have_pre)
      while (from < in->len && in->off[from] <= f->pre_end) from++;
    int had = f->sig;
    if (marked && !f->sig && from < in->len)
      sig_scan(f, in->cp + from, in->len - from, first > from ? first - from : 0);
    /* a line the detection window did not hold: its numbers join the
     * cache (only in documents with the signature; clean text pays
     * nothing) */
    if (had && from < in->len) digits_scan(f, in->cp + from, in->len - from);
  }
  if (!marked || !worth_a_look(f, in, first)) {
    if (f->sig) track_open(f, in);
    return ZF_UNCHANGED;
  }
  if (!f->codec && !f->codec_failed) {
    f->codec = farm_codec_new();
    if (!f->codec) f->codec_failed = 1;
  }
  if (!f->codec) return ZF_UNCHANGED;
  size_t mark = out->len;
  int r = repair_line(f, in, out, stats);
  if (r) out->len = mark;
  return r;
}

const zf_stage_ops zf_stage_farm = {"farm", create, prescan, run, destroy};
