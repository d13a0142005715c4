/*
 * UTF-8 read by a Big5 decoder that dropped what it could not read
 * (errors="ignore", iconv -c; issue #15; docs/repair-lost.md has the other
 * classes).
 *
 * Only the byte pairs that happened to be valid Big5 survive, so the
 * surviving characters re-encoded in the reader are pieces of UTF-8: both
 * bytes of every pair are bytes UTF-8 writes outside ASCII (80-BF, C2-F4),
 * except where a pair swallowed an ASCII byte as its trail (a dangling
 * continuation byte read as a lead).  That is the evidence; clean text
 * (Traditional Chinese, Japanese, symbols) whose Big5 bytes happen to fit
 * it is told apart by what the bytes make when read as UTF-8: on damage,
 * whole characters of ordinary Chinese text (the pieces that survived
 * complete), on clean text a scatter of unrelated code points.
 *
 * Nothing the dropping decoder leaves is certain: the gaps have no mark
 * and no known length, and a gap may fall between the two pairs of any
 * three-byte character (E8 B0 | A8 E7 reads 谨 where 谁 E8 B0 81 lost its
 * last byte and 在's first two).  A character whose bytes survived
 * complete is written only where the model confirms it (a word with a
 * neighbour that also survived complete, LM_WORD); everything else,
 * each stretch of the line's non-ASCII text that is not written, is one
 * mark, reported at its input offset (a gap's length is unknown: one mark
 * a stretch).  ASCII passes as it came, also an ASCII byte a pair
 * swallowed.
 */
#include "lost_dbcs.h"
#include "lost_lat.h"
#ifdef LOST_DEBUG
#define DBG(...) fprintf(stderr, __VA_ARGS__)
#else
#define DBG(...) ((void)0)
#endif

/* Evidence (tuning slice, skip 1.5 MB; world corpus in view): at least
 * U8D_MIN_BYTES non-ASCII bytes, at least U8D_MIN_CHARS whole characters
 * read as UTF-8, all in the common Chinese blocks, covering at least
 * 1/U8D_COVER_DEN of the non-ASCII bytes, and known to the model on
 * average better than U8D_MEAN_LP. */
#define U8D_MIN_BYTES 6
/* A whole character outside the common blocks is a chance one when the
 * reader dropped bytes between its lead and its continuations
 * (/usr/local/bin；如 by glibc: EF BA BC, U+FEBC): a break, its bytes say
 * nothing.  More than one in U8D_SCATTER_DEN of the whole characters is a
 * scatter of code points (other text), not this damage. */
#define U8D_SCATTER_DEN 8
/* In a document where lines were already taken on that evidence (the
 * caller's `doc`), a line is taken on the bytes' shape alone: every
 * non-ASCII character a pair of UTF-8 bytes under the reader, something
 * broken, no whole character outside the common blocks, and the line as
 * it stands improbable (U8D_IN_LP).  Short lines (headings: 名称 leaves
 * one pair or none) carry too little evidence of their own. */
#define U8D_MIN_CHARS 1
#define U8D_COVER_DEN 4
#define U8D_MEAN_LP (-5.0)
#define U8D_IN_LP (-5.0)
#define U8D_GAIN_LP 1.5
/* A whole character is written when a whole neighbour makes a word with
 * it (log10 P(b | a) above U8D_WORD), or when it is a common character
 * (log10 P above U8D_COMMON).  Tuning slice (skip 1.5 MB), % of the
 * original's non-ASCII characters, restored / wrong fills added: words
 * only (-1.5) 1.9 / 0.0; common -3.0 4.4-5.2 / 0-0.1; -3.25 with words
 * at -2.0 7.7-8.1 / 0-0.1; -3.5 9.9-10.0 / 0.07-0.37; -4.0 12.4-12.7 /
 * 0.1-0.5 (glibc's decoder drops pairs: more gaps fall inside a
 * character, more whole-looking characters are wrong). */
#define U8D_WORD (-2.0)
#define U8D_COMMON (-3.25)
/* A document of this damage (`doc` at least DOC_LL_HITS lines taken on
 * their own evidence; the world corpus takes none, test_corpora): a file
 * goes through one decoder, so its lines without rare Han are read on the
 * shape too, and whether the line as it stands is probable no longer
 * counts.  The garbage a short line leaves is as often common characters
 * as rare ones (另见 -> 西, 選項 -> 賊, 显示 版本信息 -> 曄內 砌縑: log10 P
 * -4.87 a character, above U8D_IN_LP); what survived of it is marked.
 * In any document a line read on the document's evidence must also show
 * the damage in its pairs' kinds (pair_odds): their odds together at
 * least U8D_DOC_ODDS (log10; 3:1): 西 (A6 E8, CL) 0.98, 曄內 砌縑 (CL CC CL
 * CC) 1.28; clean 版本 (CC CC) -0.68, 概述 (CC CA) -1.98, 跋 (CA) -1.64. */
#define U8D_DOC_ODDS 0.5

typedef struct u8dbyte {
  uint8_t v;
  uint8_t single; /* a byte the reader passed alone (glibc: 0x80) */
  uint32_t unit;
} u8dbyte;

typedef struct u8ditem {
  uint32_t cp;   /* the character (0: part of a break) */
  uint32_t unit; /* the input unit of its first byte */
  uint8_t kind;  /* 0 ASCII, 1 whole multi-byte character, 2 break byte */
  uint8_t lone;  /* completed by a byte the reader passed alone */
} u8ditem;

/* The evidence of one pair the reader kept, log10 of its odds as this
 * damage against clean Traditional text read as Big5.  A byte is a
 * continuation a Big5 decoder reads (C: A1-BF), the lead of the blocks
 * Chinese text writes (L: E2-E9, EF: punctuation, CJK symbols,
 * ideographs, fullwidth forms), ASCII (A: a trail 40-7E) or other (O).
 * Frequencies of the kinds, damage (UTF-8 read by CPython's dropping Big5
 * decoder, lossy lines of the tuning slice, skip 1.5 MB; glibc's alike)
 * against 2 MB of build/corpus zh_TW: LC 0.467 / under 0.0001, CL 0.436 /
 * 0.046, CC 0.087 / 0.189, CA 0.009 / 0.414, any O 0 / 0.34. */
static double pair_odds(unsigned hi, unsigned lo) {
  int hc = hi >= 0xA1 && hi <= 0xBF, hl = (hi >= 0xE2 && hi <= 0xE9) || hi == 0xEF;
  int lc = lo >= 0xA1 && lo <= 0xBF, ll = (lo >= 0xE2 && lo <= 0xE9) || lo == 0xEF;
  if (hl && lc) return 2.0; /* capped: clean text shows it only in level 2 */
  if (hc && ll) return 0.98;
  if (hc && lc) return -0.34;
  if (hc && lo < 0x80) return -1.64;
  return -2.0;
}

static int cjk_common(uint32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF01 && c <= 0xFF5E);
}

/* Whether every non-ASCII character of the line is a pair of UTF-8 bytes
 * under the reader R (or a byte it passes alone): 0 with the non-ASCII
 * bytes (*nb), the pairs that swallowed an ASCII byte (*swal) and the
 * pairs' summed pair_odds (*odds); else ZF_LOST_NOFIT. */
static int utf8_pieces(const lc_model *R, int reader, const zf_text *in, size_t *pnb, size_t *pswal, double *podds) {
  size_t nb = 0, swal = 0;
  double odds = 0;
  (void)reader;
  for (size_t j = 0; j < in->len; j++) {
    uint32_t c = in->cp[j];
    if (c < 0x80) continue;
    size_t ne;
    const lc_inv *enc = lc_encodings(R, c, &ne);
    if (ne != 1) { DBG("r%d enc U+%04X ne %zu\n", reader, (unsigned)c, ne); return ZF_LOST_NOFIT; }
    if (enc[0].code < 0x100) { /* a byte the reader passes alone (glibc: 0x80) */
      if (enc[0].code > 0xBF && !(enc[0].code >= 0xC2 && enc[0].code <= 0xF4)) return ZF_LOST_NOFIT;
      nb += 1;
      continue;
    }
    unsigned hi = enc[0].code >> 8, lo = enc[0].code & 0xFF;
    odds += pair_odds(hi, lo);
    int hic = hi >= 0x80 && hi <= 0xBF, hil = hi >= 0xC2 && hi <= 0xF4;
    if (!hic && !hil) { DBG("r%d hi %04X\n", reader, enc[0].code); return ZF_LOST_NOFIT; }
    if (lo < 0x80) {
      /* a swallowed ASCII byte follows a continuation.  What follows it
       * is ASCII, the line's end or the next character's bytes: a UTF-8
       * lead, or, when the reader dropped that lead, a continuation (到X選
       * by glibc: E5 88 B0 58 E9 81 B8 E6: B0 58 one pair, E9 81 dropped,
       * B8 E6 the next).  Requiring ASCII after it refused such lines. */
      if (!hic || lo < 0x40) { DBG("r%d lo %04X\n", reader, enc[0].code); return ZF_LOST_NOFIT; }
      swal++;
      nb += 1;
    } else {
      if (!(lo <= 0xBF || (lo >= 0xC2 && lo <= 0xF4))) { DBG("r%d lo2 %04X\n", reader, enc[0].code); return ZF_LOST_NOFIT; }
      nb += 2;
    }
  }
  *pnb = nb, *pswal = swal, *podds = odds;
  return 0;
}

int zf_lost_u8_drop(zf_lost *l, int reader, int mode, int doc, const zf_text *in, zf_text *out,
                    zf_lost_result *res) {
  const lc_model *R = zf_lat_begin(l, reader, res);
  if (!R) return ZF_LOST_NOFIT;
  /* the cheap test first, without memory */
  size_t nb, swal;
  double odds;
  if (utf8_pieces(R, reader, in, &nb, &swal, &odds)) return ZF_LOST_NOFIT;
  if (nb < U8D_MIN_BYTES && !doc) { DBG("r%d short %zu\n", reader, nb); return ZF_LOST_NOFIT; }
  int rc = ZHFIX_E_NOMEM;
  u8dbyte *b = malloc((2 * in->len + 1) * sizeof *b);
  u8ditem *it = malloc((2 * in->len + 1) * sizeof *it);
  size_t n = 0, ni = 0;
  if (!b || !it) goto done;
  for (size_t j = 0; j < in->len; j++) {
    uint32_t c = in->cp[j];
    if (c < 0x80) {
      b[n++] = (u8dbyte){(uint8_t)c, 0, (uint32_t)j};
      continue;
    }
    size_t ne;
    const lc_inv *enc = lc_encodings(R, c, &ne);
    if (enc[0].code >= 0x100) b[n++] = (u8dbyte){(uint8_t)(enc[0].code >> 8), 0, (uint32_t)j};
    b[n++] = (u8dbyte){(uint8_t)enc[0].code, enc[0].code < 0x100, (uint32_t)j};
  }
  /* greedy UTF-8: a lead with all its continuation bytes is a whole
   * character; every other non-ASCII byte is a break */
  size_t whole = 0, wbytes = 0, breaks = 0, lone = 0, scatter = 0;
  double lp = 0;
  for (size_t i = 0; i < n;) {
    unsigned v = b[i].v;
    if (v < 0x80) {
      it[ni++] = (u8ditem){v, b[i].unit, 0, 0};
      i++;
      continue;
    }
    int need = u8_need(v);
    uint32_t cp = 0;
    int single = 0;
    if (need >= 2 && i + (size_t)need <= n) {
      uint32_t st = 0, c = 0;
      int again, ev = EV_NONE;
      size_t q = 0;
      for (; q < (size_t)need && ev == EV_NONE; q++) ev = u8_step(&st, b[i + q].v, &c, &again);
      if (ev == EV_CHAR && q == (size_t)need) cp = c;
      /* glibc reads a lead followed by 0x80 as an error, drops the lead
       * alone and passes the 0x80 through: a byte passed alone may follow
       * a dropped byte, so a character it continues from an earlier unit
       * is no evidence either way; outside the common blocks its lead is
       * a break (E4 | [E5 dropped] 80 80 is not U+4000) */
      for (size_t k = 1; cp && k < (size_t)need; k++)
        if (b[i + k].single) {
          lone++, single = 1;
          if (!cjk_common(cp)) cp = 0;
        }
    }
    if (cp && !cjk_common(cp)) scatter++, cp = 0; /* a chance character: a break (U8D_SCATTER_DEN) */
    if (cp) {
      it[ni++] = (u8ditem){cp, b[i].unit, 1, (uint8_t)single};
      whole++, wbytes += (size_t)need;
      lp += zf_lm_known(cp) ? zf_lm_char(cp) : -8.0;
      i += (size_t)need;
    } else {
      it[ni++] = (u8ditem){0, b[i].unit, 2, 0};
      breaks++;
      i++;
    }
  }
  rc = ZF_LOST_NOFIT;
  if (scatter * U8D_SCATTER_DEN > whole) goto done; /* a scatter of code points: not this damage */
  /* nothing broken: nothing was dropped (a lossless wrong decode, the
   * mojibake stage's), unless a character was completed by a byte the
   * reader passed alone: glibc passes 0x80 alone both where it stood
   * between characters and right after a lead it dropped (E4 BD | [E8]
   * 80: 作者's 雿 and 80 read back as 佀), so such a character shows no
   * more that nothing went than that something did */
  if (breaks == 0 && (lone == 0 || !doc)) { DBG("r%d lossless\n", reader); goto done; }
  /* the line as it stands: its non-ASCII characters under the model */
  double inlp = 0;
  size_t nna = 0;
  {
    uint32_t *na = malloc((in->len + 1) * sizeof *na);
    if (!na) {
      rc = ZHFIX_E_NOMEM;
      goto done;
    }
    for (size_t j = 0; j < in->len; j++)
      if (in->cp[j] >= 0x80) na[nna++] = in->cp[j];
    inlp = nna ? zf_lm_score(na, nna) / (double)nna : 0;
    free(na);
  }
  DBG("r%d in %.2f sw %zu nb %zu whole %zu wbytes %zu mean %.2f\n", reader, inlp, swal, nb, whole, wbytes, whole ? lp / (double)whole : 0.0);
  if (doc && odds < U8D_DOC_ODDS) goto done;
  if (inlp > U8D_IN_LP && doc < DOC_LL_HITS) goto done;
  if (!doc) {
    if (whole < U8D_MIN_CHARS || wbytes * U8D_COVER_DEN < nb) goto done;
    double mean = lp / (double)whole;
    if (mean < U8D_MEAN_LP || mean - inlp < U8D_GAIN_LP) goto done;
  }
  /* the decisions: a whole character is written when it makes a word with
   * a whole neighbour; the rest of the non-ASCII text is marked, one mark
   * a stretch */
  int inmark = 0;
  for (size_t k = 0; k < ni; k++) {
    const u8ditem *x = &it[k];
    uint64_t off = in->off[x->unit];
    int r = 0;
    if (x->kind == 0) {
      /* an ASCII byte a pair swallowed sits inside a stretch of damage:
       * it still goes out as it came */
      r = zf_lat_emit(l, out, x->cp, off, ZF_LOST_KEPT);
      res->kept++;
      inmark = 0;
      continue;
    }
    int keep = 0;
    if (x->kind == 1) {
      if (k > 0 && it[k - 1].kind == 1 && zf_lm_bigram(it[k - 1].cp, x->cp) > U8D_WORD) keep = 1;
      if (k + 1 < ni && it[k + 1].kind == 1 && zf_lm_bigram(x->cp, it[k + 1].cp) > U8D_WORD) keep = 1;
      /* a character completed by a byte the reader passed alone is as
       * likely a lead's 0x80 after a dropped lead (这与通 -> 銝 U+0080 ->
       * 一): only a word confirms it */
      if (!x->lone && zf_lm_known(x->cp) && zf_lm_char(x->cp) > U8D_COMMON) keep = 1;
    }
    if (keep) {
      r = zf_lat_emit(l, out, x->cp, off, ZF_LOST_FILLED);
      res->filled++;
      inmark = 0;
    } else if (x->kind == 1 && mode == ZF_LOST_GUESS) {
      r = zf_lat_emit(l, out, x->cp, off, ZF_LOST_GUESSED);
      res->guessed++;
      inmark = 0;
    } else {
      r = zf_lat_mark_stretch(l, out, off, res, &inmark);
    }
    if (r) {
      rc = ZHFIX_E_NOMEM;
      goto done;
    }
  }
  DBG("ACCEPT r%d\n", reader);
  rc = 0;
done:
  free(b), free(it);
  if (rc) l->nflags = 0;
  return rc;
}
