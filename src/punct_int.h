/*
 * Internals of the punctuation stage, shared by its files and private to
 * them (tests reach the stage through punct_rules.h).  docs/punctuation.md
 * has the rule table, the standards each rule follows and the test that
 * pins it.
 *
 * A segment is handled in passes over its body (the line without its
 * terminator, which is copied unchanged), one file each.  Only clean()
 * and emit() read every character; the others visit the positions
 * clean() listed (ix[], qx[], tk[]):
 *   punct.c          the stage: options, the format scan (only prose gets
 *                    typography, format.h), the shortcut for lines no rule
 *                    can change, and the passes below in order.
 *   punct_clean.c    1. clean:   into w[]: zero-width characters and stray
 *                    BOMs dropped, full-width letters and digits made ASCII,
 *                    controls kept (protected) or, with --controls=strip,
 *                    dropped with their ANSI escapes; what is not prose is
 *                    copied protected.  Lists the positions the passes
 *                    below visit.
 *   punct_protect.c  2. protect: URLs, e-mail addresses, paths, `code`,
 *                    $VAR, <tags>, &entities; (F_PROT), from tk[].
 *   punct_pair.c     3. pair:    from qx[], quotes of every kind in one
 *                    stack (straight quotes pair in order within the
 *                    segment, or not at all when their count is odd), round
 *                    brackets in another.
 *   punct_decide.c   4. decide:  left to right, choose each character's
 *                    output.  Tests on the left look at outputs already
 *                    decided; tests on the right look only at properties no
 *                    rule changes (Han or Latin, spaces skipped).  That is
 *                    what makes the stage idempotent: on its own output
 *                    every decision comes out the same and every rule is a
 *                    no-op.
 *   punct_emit.c     5. emit:    spaces next to full-width punctuation are
 *                    dropped here, once the neighbours' final forms are
 *                    known; --spacing inserts its spaces here too.
 * Every look-around is bounded (LOOK code points), so the cost is linear.
 * The character classes are in punct_class.h.
 */
#ifndef ZF_PUNCT_INT_H
#define ZF_PUNCT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "format.h"
#include "punct_rules.h"
#include "zf.h"

/* How far any rule looks left or right of a character. */
#define LOOK 96

/* The positions of o1[] past a body that emit() zeroes and reads (its
 * space blocks, 16 code points a step). */
#define ZF_PUNCT_PAD 16

/* What Chinese quotes become.  STYLE_DOC (--to=keep, --quotes=auto):
 * quotes keep the style they are typed in (nesting still alternates
 * levels within it), and straight quotes take the style the document
 * already uses most (doc_style). */
enum { STYLE_KEEP = 0, STYLE_CURLY = 1, STYLE_CORNER = 2, STYLE_DOC = 3 };

/* Per-position flags (fl[]). */
enum {
  F_PROT = 1 << 0,   /* protected: output as input, looked through as a word */
  F_QOPEN = 1 << 1,  /* a quote that opens a pair                           */
  F_QCLOSE = 1 << 2, /* a quote that closes a pair                          */
  F_QCHN = 1 << 3,   /* a quote in Chinese context                          */
  F_DONE = 1 << 4,   /* output already decided (closing half of a pair)     */
  F_SQ = 1 << 5,     /* straight quote that takes part in pairing           */
  F_INT = 1 << 6,    /* a character some rule of decide() acts on           */
  F_KEEPSP = 1 << 7, /* a mark named between spaces: its spaces stay        */
  F_FMT = 1 << 8,    /* not prose in the document's format (also F_PROT)    */
  F_WORD = 1 << 9    /* a protected token that reads as a Latin word: $VAR,
                        <placeholder>, &entity; (also F_PROT)              */
};

/* What a segment contains, so passes with nothing to do are skipped. */
enum { HAS_QUOTE = 1, HAS_PAREN = 2, HAS_LINKISH = 4 };

typedef struct zf_punct {
  int style;      /* STYLE_*: what Chinese quotes become */
  int doc_style;  /* STYLE_CURLY or STYLE_CORNER: straight quotes under STYLE_DOC */
  int japanese;   /* the detection window is Japanese: no typography */
  int spacing;    /* insert spaces between Han and Latin letters/digits */
  int strip;      /* remove control characters (--controls=strip) */
  int fast;       /* take the shortcut for lines no rule can change */
  int text;       /* the format is plain text (zf_fmt_is_text) */
  zf_fmt *fmt;    /* which code points are prose (format.h) */
  uint64_t rule[ZF_PR__COUNT];  /* edits per rule */
  uint64_t saved[ZF_PR__COUNT]; /* the counts before the current segment */
  /* The current segment, set by clean(). */
  int chinese;   /* its prose holds Chinese */
  unsigned has;  /* HAS_* */
  size_t lbr;    /* index of its first ASCII '[', or SIZE_MAX */
  /* Scratch, grown to the longest segment seen. */
  size_t cap;
  uint8_t *prose; /* the format scan's mask */
  const uint32_t *w;  /* cleaned body: the input's code points, or wbuf */
  const uint64_t *wo; /* its input offsets: the input's, or wobuf */
  uint32_t *wbuf;     /* the cleaned body where it differs from the input */
  uint64_t *wobuf;    /* and its offsets */
  uint32_t *o1;   /* decided output: first code point, 0 = deleted */
  uint32_t *o2;   /* second code point of a two-character output, or 0 */
  uint16_t *fl;   /* F_* */
  int32_t *mate;  /* partner of a paired bracket or quote, -1 if none;
                     set by pair() at the positions of qx[] only */
  uint32_t *han;  /* han[i] = Han-like characters in w[0..i), once han_ok */
  int han_ok;     /* han[] is built for this segment (zf_punct_han_in) */
  int32_t *stk;   /* pairing stack; decide()'s stack of open quotes */
  uint32_t *ix;   /* the positions clean() flagged F_INT, in order, but
                     closing round brackets (decide() acts on a pair at
                     its opener) */
  size_t nix;     /* how many */
  uint32_t *qx;   /* the positions flagged F_INT that hold a quote or a round
                     bracket, in order: all pair() reads */
  size_t nqx;     /* how many */
  uint32_t *tk;   /* the positions protect() looks for a token at */
  size_t ntk;     /* how many */
  int multi;      /* a position gives no code point or two (o1 0, o2 set) */
  const uint8_t *cc; /* zf_punct_classes(), once fetched */
} zf_punct;

/* Classes of the BMP code points for the stage's hottest loops
 * (zf_punct_classes): PLAIN, kept by clean() as it is with no flag
 * (printable ASCII of plain_ascii, CJK Unified Ideographs); HAN, a CJK
 * Unified Ideograph (U+4E00..U+9FFF); QUIET, passed over by needs_work()
 * at once (ASCII of nw_quiet, CJK Unified Ideographs); NOTOKEN, no
 * protected token is recognised at it (every code point but the ASCII
 * of protect()'s token_start).  Nothing beyond the BMP is in any class. */
enum { ZF_PC_PLAIN = 1, ZF_PC_HAN = 2, ZF_PC_QUIET = 4, ZF_PC_NOTOKEN = 8 };
/* The table, 0x10000 bytes (and ZF_PC_NIBBLES), built once per process
 * (shared.h); NULL when it cannot be built (no memory). */
const uint8_t *zf_punct_classes(void);
/* The class of c. */
static inline unsigned zf_punct_class(const uint8_t *cc, uint32_t c) { return c <= 0xFFFF ? cc[c] : 0u; }

/* Runs of code points whose class has a bit (ZF_PC_PLAIN or ZF_PC_QUIET),
 * read 64 at a time: the stops of a block (the positions whose class
 * lacks the bit) go into one mask with no branch, and a run ends at the
 * mask's next set bit.  On man pages a run ends every few characters
 * (marks, non-ASCII), and a loop that stopped there mispredicted about
 * once a run; this one about once a block.  (punct_runs.c) */
typedef struct zf_punct_runs {
  size_t base, lim; /* the block read: [base, lim), lim 0 before the first */
  uint64_t stop;    /* bit k: the class of cp[base + k] lacks the bit */
} zf_punct_runs;

/* After the 0x10000 classes, the table holds for PLAIN and for QUIET (in
 * that order) 16 bytes: byte lo has bit hi set when the ASCII character
 * hi * 16 + lo has the class (punct_runs.c reads them 16 at a time). */
#define ZF_PC_NIBBLES 0x10000

/* Reads the block of cp[b..min(b + 64, end)) into *r, for bit
 * ZF_PC_PLAIN or ZF_PC_QUIET; ORs ZF_PC_HAN into *acc if it holds a CJK
 * Unified Ideograph. */
void zf_punct_runs_read(zf_punct_runs *r, const uint8_t *cc, const uint32_t *cp, size_t b, size_t end,
                        unsigned bit, unsigned *acc);

/* The first j >= i (j < end) whose class lacks bit, or end, for i at or
 * after every i asked before on this r (zeroed for a new body).  ORs
 * ZF_PC_HAN into *acc when a block it reads holds a CJK Unified
 * Ideograph, which may lie beyond j: a caller gathers a fact of the
 * whole body. */
static inline size_t zf_punct_runs_next(zf_punct_runs *r, const uint8_t *cc, const uint32_t *cp,
                                        size_t i, size_t end, unsigned bit, unsigned *acc) {
  for (;;) {
    if (i >= r->lim) {
      if (i >= end) return end;
      zf_punct_runs_read(r, cc, cp, i, end, bit, acc);
    }
    uint64_t m = r->stop >> (i - r->base);
    if (m) return i + (size_t)__builtin_ctzll(m);
    i = r->lim;
  }
}

/* Runs of the commonest characters, four code points on one test with
 * GCC's generic vectors (SSE2 on x86-64, plain code where the target has
 * none), where the lanes of a comparison can be told apart (little-endian);
 * elsewhere one at a time, with the same results. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ZF_PV 1
typedef uint32_t zf_pv4 __attribute__((vector_size(16)));
static inline zf_pv4 zf_pv_load(const uint32_t *p) {
  zf_pv4 v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline zf_pv4 zf_pv_dup(uint32_t c) { return (zf_pv4){c, c, c, c}; }
/* The first lane of m (each lane 0 or all ones) that is set, or 4. */
static inline unsigned zf_pv_first(zf_pv4 m) {
#ifdef __SSE2__
  /* (the lanes' sign bits in one instruction, and no branch) */
  unsigned b = (unsigned)__builtin_ia32_movmskps((__attribute__((vector_size(16))) float)m);
  return (0x12131210u >> (2 * b) & 3u) | (unsigned)(b == 0) << 2;
#else
  uint64_t u[2];
  memcpy(u, &m, sizeof u);
  if (u[0]) return (unsigned)__builtin_ctzll(u[0]) >> 5;
  if (u[1]) return 2 + ((unsigned)__builtin_ctzll(u[1]) >> 5);
  return 4;
#endif
}
/* The lanes of m (each 0 or all ones) as four bits, lane 0 lowest. */
static inline unsigned zf_pv_bits(zf_pv4 m) {
#ifdef __SSE2__
  return (unsigned)__builtin_ia32_movmskps((__attribute__((vector_size(16))) float)m);
#else
  return (m[0] & 1u) | (m[1] & 1u) << 1 | (m[2] & 1u) << 2 | (m[3] & 1u) << 3;
#endif
}
#endif

/* The passes, in order; n is the length of the cleaned body. */

/* Pass 1: fills w[] and the per-position arrays from in->cp[0..end) and
 * returns n.  mask: NULL when the whole body is prose, else 1 per prose
 * code point.  Sets w, wo, chinese, has, lbr, ix and tk. */
size_t zf_punct_clean(zf_punct *p, const zf_text *in, size_t end, const uint8_t *mask);
/* Whether w[a..b) holds a Han-like character (a <= b <= n). */
int zf_punct_han_in(zf_punct *p, size_t n, size_t a, size_t b);
/* Pass 2: protects the tokens that are not words of the sentence; looks
 * only at the positions clean() listed in tk[]. */
void zf_punct_protect(zf_punct *p, size_t n);
/* For the ':' at i of w[0..n): where the scheme of the URL it is part of
 * ("https://") starts, or i when it starts none.  protect() protects
 * such a URL from there, the ':' with it. */
size_t zf_punct_scheme_start(const uint32_t *w, size_t i, size_t n);
/* Whether a protected token may start at c (the table's NOTOKEN). */
int zf_punct_token_start(uint32_t c);
/* Pass 3: pairs quotes and round brackets (mate[], F_QOPEN, F_QCLOSE). */
void zf_punct_pair(zf_punct *p, size_t n);
/* Pass 4: decides o1[] / o2[] and counts the edits per rule. */
void zf_punct_decide(zf_punct *p, size_t n);
/* Pass 5: appends the body to out, which has room for 3n more code
 * points (each position gives at most two, plus one inserted space). */
void zf_punct_emit(zf_punct *p, size_t n, zf_text *out);

/* The last code point decided for position j. */
static inline uint32_t zf_punct_last_out(const zf_punct *p, size_t j) {
  return p->o2[j] ? p->o2[j] : p->o1[j];
}

/* Whether an output … or — at j belongs to a doubled Chinese mark
 * (…… or ——), which counts as full-width punctuation (punct_decide.c). */
int zf_punct_doubled(const zf_punct *p, size_t n, size_t j);

#endif
