/*
 * Character language model: lookups in data/lm.bin and data/lm_words.bin
 * (tools/gen_lm.py documents the model and the layouts).  Every code point
 * maps through a two-stage page table to a record holding its fold, class
 * and log-probabilities, so zf_lm_char and zf_lm_fold are three loads;
 * zf_lm_bigram adds a binary search in the row of the first character.
 */
#include "lm.h"

#include "zf.h"

#include <string.h>

ZF_BLOB_DECLARE(lm);
ZF_BLOB_DECLARE(lm_words);

enum { CLS_HAN = 0, LM_MAX_CP = 0x110000 };

typedef struct lm_hdr {
  uint32_t magic, version, ncls, off_prior, off_trans, nstage1, off_stage1, nblocks,
      off_stage2, nrec, off_rec, nvocab, off_rowstart, nbig, off_bcol, off_bval, scale,
      pad;
} lm_hdr;

typedef struct lm_rec {
  uint32_t fold;
  int16_t lp, init, bo;
  uint16_t vid;
  uint8_t cls, pad;
  int16_t rsv;
} lm_rec;

typedef struct lw_hdr {
  uint32_t magic, version, nslots, off_slots, npool, off_pool, maxlen, pad;
} lw_hdr;

#define BLOB_AT(blob, type, off) ((const type *)(const void *)(zf_blob_##blob + (off)))

static const lm_hdr *H(void) { return BLOB_AT(lm, lm_hdr, 0); }

static const lm_rec *rec(uint32_t cp) {
  const lm_hdr *h = H();
  if (cp >= LM_MAX_CP) cp = 0xFFFD; /* not a code point: scored as "other" */
  const uint16_t *s1 = BLOB_AT(lm, uint16_t, h->off_stage1);
  const uint16_t *s2 = BLOB_AT(lm, uint16_t, h->off_stage2);
  return BLOB_AT(lm, lm_rec, h->off_rec) + s2[(size_t)s1[cp >> 8] * 256 + (cp & 255)];
}

static float scaled(int v) { return (float)v / (float)H()->scale; }

uint32_t zf_lm_fold(uint32_t cp) {
  const lm_rec *r = rec(cp);
  return r->fold ? r->fold : cp;
}

float zf_lm_char(uint32_t cp) {
  const lm_hdr *h = H();
  const lm_rec *r = rec(cp);
  return scaled(BLOB_AT(lm, int16_t, h->off_prior)[r->cls] + r->lp);
}

/* log10 P(b | a) * scale for two lexicon characters, within Han. */
static int han_pair(const lm_rec *ra, const lm_rec *rb) {
  const lm_hdr *h = H();
  const uint32_t *rs = BLOB_AT(lm, uint32_t, h->off_rowstart);
  const uint16_t *col = BLOB_AT(lm, uint16_t, h->off_bcol);
  uint32_t lo = rs[ra->vid], hi = rs[ra->vid + 1];
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (col[mid] == rb->vid) return BLOB_AT(lm, int16_t, h->off_bval)[mid];
    if (col[mid] < rb->vid)
      lo = mid + 1;
    else
      hi = mid;
  }
  return ra->bo + rb->init; /* across a word boundary */
}

static int pair_scaled(const lm_rec *ra, const lm_rec *rb) {
  const lm_hdr *h = H();
  int t = BLOB_AT(lm, int16_t, h->off_trans)[ra->cls * h->ncls + rb->cls];
  if (rb->cls != CLS_HAN) return t + rb->lp;
  if (ra->cls != CLS_HAN) return t + rb->init; /* a Han run starts a word */
  return t + han_pair(ra, rb);
}

int zf_lm_known(uint32_t cp) { return rec(cp)->cls == CLS_HAN; }

float zf_lm_bigram(uint32_t a, uint32_t b) { return scaled(pair_scaled(rec(a), rec(b))); }

double zf_lm_score(const uint32_t *cp, size_t n) {
  if (n == 0) return 0.0;
  const lm_hdr *h = H();
  const lm_rec *prev = rec(cp[0]);
  /* Integer sum: exact, and fast enough for whole documents. */
  int64_t s = BLOB_AT(lm, int16_t, h->off_prior)[prev->cls] + prev->lp;
  for (size_t i = 1; i < n; i++) {
    const lm_rec *r = rec(cp[i]);
    s += pair_scaled(prev, r);
    prev = r;
  }
  return (double)s / (double)h->scale;
}

#define WORD_SCALE 200.0f /* gen_lm.py: -log10 p * 200 in 11 bits */
#define FNV_BASIS 0x811C9DC5u
#define FNV_PRIME 0x01000193u

static uint32_t fnv_vid(uint32_t h, uint16_t v) {
  h = (h ^ (v & 0xFFu)) * FNV_PRIME;
  return (h ^ (uint32_t)(v >> 8)) * FNV_PRIME;
}

/* Looks up the word of vids[0..n) whose FNV hash is `hash`; returns its
 * pool header (length << 11 | -log10 freq * 200) or 0 when absent. */
static uint16_t word_find(const uint16_t *vids, size_t n, uint32_t hash) {
  const lw_hdr *w = BLOB_AT(lm_words, lw_hdr, 0);
  const uint32_t *slots = BLOB_AT(lm_words, uint32_t, w->off_slots);
  const uint16_t *pool = BLOB_AT(lm_words, uint16_t, w->off_pool);
  uint32_t mask = w->nslots - 1;
  for (uint32_t i = hash & mask;; i = (i + 1) & mask) {
    uint32_t s = slots[i];
    if (s == 0) return 0;
    const uint16_t *e = pool + s - 1;
    if ((size_t)(e[0] >> 11) != n) continue;
    size_t k = 0;
    while (k < n && e[1 + k] == vids[k]) k++;
    if (k == n) return e[0];
  }
}

int zf_lm_word(const uint32_t *cp, size_t n, float *log10freq) {
  if (log10freq) *log10freq = -99.0f;
  if (n == 0 || n > 31) return 0;
  uint16_t vids[31];
  uint32_t hash = FNV_BASIS;
  for (size_t i = 0; i < n; i++) {
    const lm_rec *r = rec(cp[i]);
    if (r->cls != CLS_HAN) return 0;
    vids[i] = r->vid;
    hash = fnv_vid(hash, vids[i]);
  }
  uint16_t e = word_find(vids, n, hash);
  if (!e) return 0;
  if (log10freq) *log10freq = -(float)(e & 0x7FF) / WORD_SCALE;
  return 1;
}

/* Penalty, in log10 units, for a Han character that is no lexicon word on
 * its own and inside no word (jieba lists almost every common character as
 * a single-character word, so this mostly hits rare characters). */
#define SEG_LONE_HAN 2.0

double zf_lm_segment_score(const uint32_t *cp, size_t n) {
  if (n == 0) return 0.0;
  const lw_hdr *w = BLOB_AT(lm_words, lw_hdr, 0);
  size_t maxlen = w->maxlen < 31 ? w->maxlen : 31;
  /* best[] is a ring of W > maxlen positions, so memory is bounded
   * whatever n is: best[i % W] is the best score of cp[0..i) while i is
   * within reach of the words being extended. */
  enum { W = 32 };
  double best[W];
  uint16_t vids[W];
  for (size_t i = 0; i < W; i++) best[i] = -1e300;
  best[0] = 0.0;
  for (size_t i = 0; i < n; i++) {
    double base = best[i % W];
    best[i % W] = -1e300; /* the slot is position i + W from now on */
    double v = base + zf_lm_char(cp[i]) - (zf_is_han(cp[i]) ? SEG_LONE_HAN : 0.0);
    if (v > best[(i + 1) % W]) best[(i + 1) % W] = v;
    uint32_t hash = FNV_BASIS;
    for (size_t k = 0; k < maxlen && i + k < n; k++) {
      const lm_rec *r = rec(cp[i + k]);
      if (r->cls != CLS_HAN) break;
      vids[k] = r->vid;
      hash = fnv_vid(hash, vids[k]);
      uint16_t e = word_find(vids, k + 1, hash);
      if (!e) continue;
      v = base - (double)(e & 0x7FF) / WORD_SCALE;
      if (v > best[(i + k + 1) % W]) best[(i + k + 1) % W] = v;
    }
  }
  return best[n % W];
}

double zf_lm_rank_score(const uint32_t *cp, size_t n) {
  return zf_lm_score(cp, n) + zf_lm_segment_score(cp, n);
}

/* ---- text in any language (lm.h) ----------------------------------------- *
 * A hand-set class model, like the class part of gen_lm.py: log10 values
 * within each class, and transitions between classes.  Letters carry a
 * script so that a word never changes script in the middle. */

enum {
  O_START, O_LETTER, O_DIGIT, O_SPACE, O_APUNCT, O_ACCENT, O_LSYM, O_GPUNCT, O_SCRIPT,
  O_MARK, O_KANA, O_HANGUL, O_HAN, O_CJKP, O_SYM, O_EMOJI, O_CTRL, O_PUA, O_OTHER, O_N
};

/* Script of a letter: 1 Latin, 2 Greek, 3 Cyrillic, 4 Armenian, 5 Hebrew,
 * 6 Arabic, 7 Indic, 8 Thai, 9 Georgian; 0 not a letter class. */
static int o_class(uint32_t c, int *script) {
  *script = 0;
  if (c < 0x80) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return O_SPACE;
    if (c < 0x20 || c == 0x7F) return O_CTRL;
    if (c >= '0' && c <= '9') return O_DIGIT;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return *script = 1, O_LETTER;
    return O_APUNCT;
  }
  if (c < 0xA0) return O_CTRL;
  if (c == 0xA0 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F) return O_SPACE;
  if (c < 0xC0 || c == 0xD7 || c == 0xF7) return O_LSYM;
  if (c <= 0x24F || (c >= 0x1E00 && c <= 0x1EFF)) return *script = 1, O_ACCENT;
  if (c < 0x2B0) return *script = 1, O_ACCENT; /* IPA */
  if (c < 0x370) return O_MARK; /* modifier letters, combining marks */
  if (c < 0x400 || (c >= 0x1F00 && c <= 0x1FFF)) return *script = 2, O_SCRIPT;
  if (c < 0x530) return *script = 3, O_SCRIPT;
  if (c < 0x590) return *script = 4, O_SCRIPT;
  if (c < 0x600) return *script = 5, O_SCRIPT;
  if (c < 0x800 && !(c >= 0x700 && c < 0x750)) return *script = 6, O_SCRIPT;
  if (c >= 0x900 && c < 0xE00) return *script = 7, O_SCRIPT;
  if (c >= 0xE00 && c < 0xE80) return *script = 8, O_SCRIPT;
  if (c >= 0x10A0 && c < 0x1100) return *script = 9, O_SCRIPT;
  if (c >= 0x2010 && c <= 0x205E) return O_GPUNCT;
  if (c >= 0x2070 && c <= 0x2BFF) return c >= 0x2600 && c <= 0x27BF ? O_EMOJI : O_SYM;
  if (c >= 0x3000 && c <= 0x303F) return O_CJKP;
  if ((c >= 0x3040 && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF) || (c >= 0xFF66 && c <= 0xFF9F))
    return O_KANA;
  if ((c >= 0xAC00 && c <= 0xD7A3) || (c >= 0x1100 && c <= 0x11FF) || (c >= 0x3130 && c <= 0x318F))
    return O_HANGUL;
  if (zf_is_han(c)) return O_HAN;
  if ((c >= 0xFF01 && c <= 0xFF65) || (c >= 0xFE30 && c <= 0xFE4F)) return O_CJKP;
  if (c >= 0x1F000 && c <= 0x1FAFF) return O_EMOJI;
  if ((c >= 0xE000 && c <= 0xF8FF) || c >= 0xF0000) return O_PUA;
  return O_OTHER;
}

/* log10 P(c | its class). */
static float o_member(uint32_t c, int cls) {
  static const char common_kana[] =
      "のにはをたがてでとしいかなるれもらうこますありっくんきけせそつ"
      "ンーストルクリイアラッドタレシプジフ";
  static const char small_kana[] = "ぁぃぅぇぉゕゖゎゐゑァィゥェォヵヶヮヰヱゝゞヽヾ";
  switch (cls) {
  case O_LETTER: return -1.45f;
  case O_DIGIT: return -1.0f;
  case O_SPACE: return c == ' ' ? -0.1f : c == '\n' ? -1.0f : c == '\t' || c == '\r' ? -1.5f : c == 0xA0 ? -2.0f : -3.0f;
  case O_APUNCT: return c == '.' || c == ',' ? -0.8f : -1.6f;
  case O_ACCENT: return c <= 0xFF ? -1.8f : -2.4f;
  case O_LSYM:
    /* the symbols of European text; the rest (¤ ¦ ¨ ¬ ´ ¸, the soft
     * hyphen...) are rare in it and common in GBK and Big5 bytes read as
     * Latin-1, whose lead bytes they are */
    switch (c) {
    case 0xAB: case 0xBB: case 0xB0: case 0xA7: case 0xA9: case 0xAE: case 0xB1: case 0xB7:
    case 0xB2: case 0xB3: case 0xBD: case 0xA1: case 0xBF: case 0xA3: case 0xB5: case 0xD7:
      return -1.5f;
    case 0xAD: return -4.0f;
    default: return -3.0f;
    }
  case O_GPUNCT: return -1.3f;
  case O_SCRIPT: return -1.5f;
  case O_MARK: return -2.5f;
  case O_KANA: {
    unsigned char u[4];
    int w = zf_utf8_put(c, u);
    for (size_t i = 0; i + 3 <= sizeof common_kana - 1; i += 3)
      if (w == 3 && !memcmp(common_kana + i, u, 3)) return -1.4f;
    for (size_t i = 0; i + 3 <= sizeof small_kana - 1; i += 3)
      if (w == 3 && !memcmp(small_kana + i, u, 3)) return -3.3f;
    return -2.2f;
  }
  case O_HANGUL: return -2.8f;
  case O_HAN: return zf_lm_char(c);
  case O_CJKP: return -1.2f;
  case O_SYM: return -2.5f;
  case O_EMOJI: return -2.5f;
  case O_CTRL: return c >= 0x80 ? -8.0f : -4.0f;
  case O_PUA: return -8.0f;
  default: return -5.0f;
  }
}

/* log10 P(class b | class a); same: both letters of one script. */
static float o_trans(int a, int b, int same) {
  int la = a == O_LETTER || a == O_ACCENT || a == O_SCRIPT;
  int lb = b == O_LETTER || b == O_ACCENT || b == O_SCRIPT;
  if (a == O_START) return b == O_CTRL || b == O_PUA || b == O_OTHER || b == O_MARK ? -1.5f : -0.5f;
  if (la && lb) return same ? -0.1f : -4.0f;
  if (la && b == O_MARK) return -1.5f;
  if (b == O_CTRL) return a == O_CTRL ? -2.0f : -4.0f;
  if (b == O_PUA) return a == O_PUA ? -1.0f : -6.0f;
  if (b == O_OTHER) return a == O_OTHER ? -1.5f : -4.0f;
  switch (a) {
  case O_LETTER: case O_ACCENT: case O_SCRIPT:
    switch (b) {
    case O_SPACE: return -0.9f;
    case O_APUNCT: return -1.2f;
    case O_GPUNCT: return -1.6f;
    case O_DIGIT: return -2.5f;
    case O_LSYM: return a == O_LETTER ? -2.0f : -3.0f; /* Ziel«, but not Â£ */
    case O_SYM: return -2.5f;
    case O_EMOJI: return -3.0f;
    default: return -3.0f; /* Han, kana, Hangul, CJK punctuation */
    }
  case O_DIGIT:
    switch (b) {
    case O_DIGIT: return -0.3f;
    case O_SPACE: case O_APUNCT: return -1.0f;
    case O_LETTER: case O_LSYM: case O_SYM: case O_GPUNCT: case O_HAN: case O_CJKP: case O_KANA: return -1.5f;
    case O_SCRIPT: return -2.5f;
    default: return -3.0f;
    }
  case O_SPACE:
    switch (b) {
    case O_LETTER: case O_ACCENT: case O_SCRIPT: return -0.4f;
    case O_SPACE: return -0.8f;
    case O_HANGUL: return -0.8f;
    case O_DIGIT: case O_APUNCT: case O_HAN: return -1.2f;
    case O_GPUNCT: return -1.3f;
    case O_LSYM: case O_KANA: return -1.5f;
    case O_SYM: case O_CJKP: return -1.8f;
    case O_EMOJI: return -2.0f;
    default: return -4.0f;
    }
  case O_APUNCT:
    switch (b) {
    case O_SPACE: return -0.5f;
    case O_LETTER: case O_ACCENT: case O_SCRIPT: return -0.9f;
    case O_DIGIT: case O_APUNCT: return -1.2f;
    case O_HAN: return -1.5f;
    case O_LSYM: case O_GPUNCT: case O_KANA: case O_HANGUL: case O_CJKP: case O_SYM: return -2.0f;
    default: return -3.5f;
    }
  case O_LSYM:
    switch (b) {
    case O_LETTER: case O_SCRIPT: return -0.9f; /* »Ziel, «K», ¿Qué */
    case O_SPACE: case O_DIGIT: return -1.0f;   /* ± 3, §5, 5° */
    case O_APUNCT: return -1.1f;
    case O_ACCENT: return -2.5f;
    case O_LSYM: case O_GPUNCT: case O_HAN: return -2.5f;
    default: return -3.0f;
    }
  case O_GPUNCT:
    switch (b) {
    case O_SPACE: return -0.6f;
    case O_LETTER: case O_ACCENT: case O_SCRIPT: return -0.8f;
    case O_HAN: return -1.0f;
    case O_APUNCT: return -1.2f;
    case O_DIGIT: case O_KANA: case O_CJKP: return -1.5f;
    case O_GPUNCT: return -1.8f;
    default: return -3.0f;
    }
  case O_MARK:
    switch (b) {
    case O_LETTER: case O_ACCENT: case O_SCRIPT: return -0.8f;
    case O_SPACE: return -1.0f;
    case O_APUNCT: return -1.5f;
    case O_MARK: return -2.0f;
    default: return -3.0f;
    }
  case O_HAN:
    switch (b) {
    case O_HAN: return -0.3f;
    case O_KANA: return -0.5f;
    case O_CJKP: return -1.0f;
    case O_SPACE: return -1.5f;
    case O_APUNCT: case O_GPUNCT: return -1.8f;
    case O_DIGIT: return -2.0f;
    case O_LETTER: return -2.2f;
    case O_SYM: return -2.5f;
    default: return -3.5f;
    }
  case O_KANA:
    switch (b) {
    case O_KANA: return -0.3f;
    case O_HAN: return -0.5f;
    case O_CJKP: return -1.0f;
    case O_SPACE: return -1.8f;
    case O_APUNCT: case O_GPUNCT: return -2.0f;
    case O_LETTER: case O_DIGIT: return -2.5f;
    default: return -4.0f;
    }
  case O_HANGUL:
    switch (b) {
    case O_HANGUL: return -0.15f;
    case O_SPACE: return -0.8f;
    case O_APUNCT: return -1.3f;
    case O_GPUNCT: return -1.8f;
    case O_CJKP: case O_DIGIT: return -2.0f;
    case O_HAN: case O_LETTER: return -2.5f;
    default: return -4.0f;
    }
  case O_CJKP:
    switch (b) {
    case O_HAN: return -0.5f;
    case O_KANA: return -0.8f;
    case O_CJKP: case O_SPACE: return -1.3f;
    case O_HANGUL: return -1.5f;
    case O_LETTER: case O_DIGIT: case O_APUNCT: return -2.0f;
    default: return -3.5f;
    }
  case O_SYM:
    switch (b) {
    case O_SPACE: case O_SYM: return -0.8f;
    case O_DIGIT: return -1.2f;
    case O_LETTER: case O_ACCENT: case O_SCRIPT: case O_APUNCT: return -1.5f;
    case O_HAN: return -1.8f;
    case O_CJKP: return -2.0f;
    default: return -3.0f;
    }
  case O_EMOJI:
    switch (b) {
    case O_SPACE: return -0.7f;
    case O_EMOJI: return -1.0f;
    case O_LETTER: case O_HAN: case O_APUNCT: return -1.5f;
    case O_CJKP: return -1.8f;
    default: return -3.0f;
    }
  case O_CTRL: return -1.5f;
  default: return -2.0f; /* after private use or other */
  }
}

/* Lower- and upper-case Latin letters (ASCII, Latin-1, Latin Extended-A
 * pairs). */
static int o_lower(uint32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7) ||
         (c >= 0x100 && c <= 0x17F && (c & 1));
}
static int o_upper(uint32_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
         (c >= 0x100 && c <= 0x17F && !(c & 1));
}

float zf_lm_other_bigram(uint32_t a, uint32_t b) {
  /* ASCII after ASCII (or at the start) is scored as the Chinese model
   * scores it, so that the two models differ only where the text is not
   * ASCII, and a line's English words favour neither. */
  if (b < 0x80 && a < 0x80) return a ? zf_lm_bigram(a, b) : zf_lm_char(b);
  int sa = 0, sb, ca = a ? o_class(a, &sa) : O_START;
  int cb = o_class(b, &sb);
  float t = o_trans(ca, cb, sa && sa == sb);
  if (sa == 1 && sb == 1 && (ca == O_ACCENT || cb == O_ACCENT)) {
    /* Accented letters sit among plain ones: two in a row are rare
     * (créée), and a word does not turn to capitals at one (ÃèÊö, the
     * GBK bytes of 描述 read as 1252). */
    if (ca == O_ACCENT && cb == O_ACCENT) t = -1.2f;
    if (o_lower(a) && o_upper(b)) t = -2.5f;
  }
  return t + o_member(b, cb);
}

float zf_lm_any_bigram(uint32_t a, uint32_t b) {
  float zh = a ? zf_lm_bigram(a, b) : zf_lm_char(b);
  float ot = zf_lm_other_bigram(a, b);
  return zh > ot ? zh : ot;
}

double zf_lm_any_score(uint32_t prev, const uint32_t *cp, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) {
    s += zf_lm_any_bigram(prev, cp[i]);
    prev = cp[i];
  }
  return s;
}
