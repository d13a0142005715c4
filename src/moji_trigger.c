/*
 * The trigger (moji.h): one cheap scan of a line decides which classes
 * could change anything, so that clean lines (almost all text) cost one
 * scan.  A class's bit may be set where its pass then changes nothing;
 * it must be set wherever the pass could change something.
 *
 *   UTF-8 read as 1252        characters that spell a valid sequence;
 *   UTF-8 read as GBK/Big5    three garbage characters that spell two
 *                             sequences, or one that is a common Han
 *                             character and is not followed by a
 *                             continuation byte (sets 0-3), also after a
 *                             conversion of the garbage (sets 2-5), or
 *                             read as GBK twice (spells_twice);
 *   GBK/Big5 read as 1252     a pair that is not two Latin letters and
 *                             spells a common Han character or a CJK
 *                             symbol;
 *   GBK <-> Big5              private use, odd symbols, many rare Han,
 *                             or one in a two- or three-Han line that
 *                             the other table reads as a common one.
 */
#include <stdlib.h>

#include "moji.h"
#include "shared.h"

/* Whether c[0..n) holds only quiet characters (quiet_bm, which has
 * ASCII too).  Written without branches on the character: in text that
 * mixes ASCII and Chinese a branch on either is mispredicted at every
 * switch, which costs more than the whole test; one branch a block of 16
 * ends the test at the first block that fails. */
static int all_plain(const uint8_t *plain, const uint32_t *c, size_t n) {
  for (size_t i = 0; i < n;) {
    size_t e = n - i > 16 ? i + 16 : n;
    if (e - i == 16) {
      /* ASCII is quiet: a block of it needs no lookup (this test
       * vectorises) */
      uint32_t x = 0;
      for (size_t k = 0; k < 16; k++) x |= c[i + k];
      if (x < 0x80) {
        i = e;
        continue;
      }
    }
    unsigned other = 0;
    for (; i < e; i++) {
      uint32_t ch = c[i];
      unsigned bit = (unsigned)(plain[(ch & 0xFFFFu) >> 3] >> (ch & 7)) & 1u;
      other |= (ch >> 16) | (bit ^ 1u); /* beyond the BMP: never quiet */
    }
    if (other) return 0;
  }
  return 1;
}

/* Appends the bytes of double-byte code e (one byte below 0x100) at by[w];
 * returns the new length. */
static size_t put_code(uint8_t *by, size_t w, uint16_t e) {
  if (e >= 0x100) by[w++] = (uint8_t)(e >> 8);
  by[w++] = (uint8_t)e;
  return w;
}

/* Whether the bytes by[0..w) spell two sequences of three bytes or more
 * that are both Chinese: a common Han character or a CJK symbol each. */
static int spells_two_chinese(const uint8_t *by, size_t w) {
  uint32_t u, u2;
  int l1 = zf_utf8_strict(by, w, &u);
  return l1 >= 3 && (zf_is_han(u) ? common_han(u) : cjk_symbol(u)) &&
         zf_utf8_strict(by + l1, w - (size_t)l1, &u2) >= 3 && (zf_is_han(u2) ? common_han(u2) : cjk_symbol(u2));
}

/* The codes of each window character through its forms (t2s_window). */
typedef struct t2s_codes {
  uint16_t e[3][5];
  int ne[3];
} t2s_codes;

/* Whether some reading of the window's codes spells two Chinese
 * sequences; lend: the character after the window, as it stands and
 * through its first Traditional form. */
static int t2s_hit(const zf_dbcs *d, const t2s_codes *tc, const uint32_t lend[2]) {
  for (int x = 0; x < tc->ne[0]; x++) {
    if (!zf_moji_utf8_start(tc->e[0][x])) continue; /* no sequence of three bytes */
    for (int y = 0; y < tc->ne[1]; y++) {
      if (tc->e[1][y] < 0x100 || (tc->e[1][y] >> 8 & 0xC0) != 0x80) continue;
      for (int z = 0; z < tc->ne[2]; z++) {
        if (tc->e[2][z] < 0x80) continue;
        uint8_t by[8] = {(uint8_t)(tc->e[0][x] >> 8), (uint8_t)tc->e[0][x], (uint8_t)(tc->e[1][y] >> 8),
                         (uint8_t)tc->e[1][y]};
        /* a one-byte code (GBK's 0x80, €: a continuation byte read
         * alone) takes one byte, and the character after the window then
         * lends the bytes the second sequence still needs, as it stands
         * or through its first Traditional form (鐨勯€氬憡 for 的通告
         * became 镄勯€氩憡) */
        size_t w = put_code(by, 4, tc->e[2][z]);
        for (int v = 0; v < (w < 6 ? 2 : 1); v++) {
          size_t w2 = w;
          if (w < 6 && lend[v] && lend[v] <= 0xFFFF && d->enc[lend[v]] >= 0x80)
            w2 = put_code(by, w, d->enc[lend[v]]);
          else if (v)
            continue;
          if (spells_two_chinese(by, w2)) return 1;
        }
      }
    }
  }
  return 0;
}

/* What t2s_window needs of its first two characters, per BMP character
 * and table (GBK, Big5), from the same forms it reads.  The first
 * character's codes (its own or a Traditional form's) must start UTF-8
 * of three bytes or more (zf_moji_utf8_start: a lead E0..EF, or F0..F4
 * for a sequence of four); one of the second's codes (its own, or its
 * first Traditional form's of two bytes) must then go on: a continuation byte
 * and, after a sequence of three, a lead of another of three bytes or
 * more (spells_two_chinese), after one of four a continuation byte.  A
 * window that fails this in both tables finds nothing, and is answered
 * with one lookup a character before any form is searched.  Bits (GBK,
 * Big5 one above): W_START3, W_START4 of a first character, W_MID3,
 * W_MID4 of a second (four above the start bit they go with).  Those of
 * the characters with Traditional forms are built once per process
 * (shared.h) at the first window. */
enum { W_START3 = 1, W_START4 = 4, W_MID3 = 16, W_MID4 = 64 };

static unsigned code_bits(uint16_t e, int start, int mid) {
  unsigned hi = e >> 8, lo = e & 0xFF, bits = 0;
  if (e < 0x100) return 0;
  if (start && (lo & 0xC0) == 0x80) bits |= hi >= 0xE0 && hi <= 0xEF ? W_START3 : hi >= 0xF0 && hi <= 0xF4 ? W_START4 : 0;
  if (mid && (hi & 0xC0) == 0x80) bits |= lo >= 0xE0 && lo <= 0xF4 ? W_MID3 : (lo & 0xC0) == 0x80 ? W_MID4 : 0;
  return bits;
}

/* The bits of a character without Traditional forms: its own codes. */
static unsigned own_bits(const moji_tables *t, uint32_t c) {
  return code_bits(t->gbk->enc[c], 1, 1) | code_bits(t->big5->enc[c], 1, 1) << 1;
}

/* The bits of every BMP character, indexed by the character: those with
 * Traditional forms (has_unconv[T2S], a few thousand) from their forms,
 * the others' own_bits (one load for the window's test, issue 14).
 * The forms are read in one pass over the sorted inverse table, in the
 * order zf_moji_unconv_cands gives them (the first four of each). */
static void *window_build(void *arg) {
  const moji_tables *t = arg;
  uint8_t *w = calloc(0x10000, 1);
  if (!w) return NULL;
  const uint64_t *tab = t->unconv[UNDO_T2S];
  size_t n = t->nunconv[UNDO_T2S];
  /* every other character's are its own codes' */
  for (uint32_t c = 0; c < 0x10000; c++)
    if (!moji_bit(t->has_unconv[UNDO_T2S], c)) w[c] = (uint8_t)own_bits(t, c);
  for (size_t q = 0, e; q < n; q = e) {
    uint32_t c = (uint32_t)(tab[q] >> 32), fm[4];
    int nf = 0;
    for (e = q; e < n && tab[e] >> 32 == c; e++)
      if ((uint32_t)tab[e] != c && nf < 4) fm[nf++] = (uint32_t)tab[e];
    if (c > 0xFFFF) continue;
    unsigned bits = own_bits(t, c);
    for (int set = 0; set < 2; set++) {
      const zf_dbcs *d = set ? t->big5 : t->gbk;
      int mid = 1; /* of the forms, only the first of two bytes */
      for (int k = 0; k < nf; k++) {
        if (fm[k] > 0xFFFF || d->enc[fm[k]] < 0x100) continue;
        bits |= code_bits(d->enc[fm[k]], 1, mid) << set;
        mid = 0;
      }
    }
    w[c] = (uint8_t)bits;
  }
  return w;
}

static zf_shared_slot window_slot;

/* 0 when the window c[0..3) cannot hit in either table (window_build);
 * 1 when it may, or when the table cannot be built now. */
static int window_may_hit(const moji_tables *t, const uint32_t *c) {
  if (c[0] > 0xFFFF || c[1] > 0xFFFF) return 1;
  const uint8_t *w = atomic_load_explicit(&window_slot, memory_order_acquire);
  if (!w && !(w = zf_shared_get(&window_slot, window_build, (void *)(uintptr_t)t, free))) return 1;
  return (w[c[0]] & 0x0F & w[c[1]] >> 4) != 0;
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
  if (!window_may_hit(t, c)) return 0;
  uint32_t fm[3][5];
  int nf[3], conv = 0;
  for (int j = 0; j < 3; j++) {
    fm[j][0] = c[j];
    nf[j] = 1;
    /* (t2s writes characters beyond the BMP too: 鍒 -> 𫔄, 鎵 -> 𬭼) */
    if (c[j] > 0xFFFF || moji_bit(t->has_unconv[UNDO_T2S], c[j])) {
      int k = zf_moji_unconv_cands(t, UNDO_T2S, c[j], fm[j] + 1, 4);
      conv |= k > 0;
      nf[j] += k;
    }
  }
  if (!conv) return 0;
  uint32_t lend[2] = {avail > 3 ? c[3] : 0, 0};
  if (lend[0] && lend[0] <= 0xFFFF && moji_bit(t->has_unconv[UNDO_T2S], lend[0]))
    zf_moji_unconv_cands(t, UNDO_T2S, lend[0], lend + 1, 1);
  unsigned add = 0;
  for (int set = 0; set < 2; set++) {
    int cls = set ? C_U8_BIG5 : C_U8_GBK;
    if (mask & (1u << cls)) continue;
    const zf_dbcs *d = set ? t->big5 : t->gbk;
    t2s_codes tc;
    for (int j = 0; j < 3; j++) {
      tc.ne[j] = 0;
      tc.e[j][tc.ne[j]++] = fm[j][0] <= 0xFFFF ? d->enc[fm[j][0]] : 0;
      for (int q = 1, got = 0; q < nf[j] && got < (j == 0 ? 4 : 1); q++)
        if (fm[j][q] <= 0xFFFF && d->enc[fm[j][q]] >= 0x100) {
          tc.e[j][tc.ne[j]++] = d->enc[fm[j][q]];
          got++;
        }
    }
    if (t2s_hit(d, &tc, lend)) add |= 1u << cls;
  }
  return add;
}

/* Whether ch's bytes under class k's table (GBK, Big5) spell one Latin-1
 * character (latin_reading()), which goes to *u. */
static int latin_garbage(const moji *m, int k, uint32_t ch, uint32_t *u) {
  const zf_dbcs *d = k == C_U8_GBK ? m->t->gbk : m->t->big5;
  uint32_t sc[5];
  int ns = 1;
  sc[0] = ch;
  /* in a document whose garbage was converted to Simplified, its
   * Traditional forms too (聽 became 听) */
  if (m->conv_sig[UNDO_T2S] >= SIG_LINES) ns += zf_moji_unconv_cands(m->t, UNDO_T2S, ch, sc + 1, 4);
  for (int q = 0; q < ns; q++)
    if (sc[q] <= 0xFFFF && spells_latin(d->enc[sc[q]], u)) return 1;
  return 0;
}

/* In a document carrying UTF-8 read as GBK or Big5: the classes whose
 * garbage c[i] may be one Latin-1 character next to ASCII or to another
 * such (the no-break space, 聽) or beside an ASCII letter. */
static unsigned latin_bits(const moji *m, const uint32_t *c, size_t n, size_t i) {
  unsigned mask = 0;
  uint32_t ch = c[i], l = i > 0 ? c[i - 1] : 0, rr = i + 1 < n ? c[i + 1] : 0;
  for (int k = C_U8_GBK; k <= C_U8_BIG5; k++) {
    uint32_t u, u2;
    if (m->sig[k] >= SIG_LINES && latin_garbage(m, k, ch, &u) &&
        (u == 0xA0 ? (l && (l < 0x80 || latin_garbage(m, k, l, &u2))) || (rr && (rr < 0x80 || latin_garbage(m, k, rr, &u2)))
                   : zf_moji_latin_ok(LATIN_DOC, u, l, rr)))
      mask |= 1u << k;
  }
  return mask;
}

/* Whether the pair b0 b1, read with table d, is a character Chinese text
 * is made of: a common Han character or a CJK symbol. */
static int spells_chinese_pair(const zf_dbcs *d, int b0, int b1) {
  uint8_t by[2] = {(uint8_t)b0, (uint8_t)b1};
  uint32_t u;
  return zf_dbcs_get(d, by, 2, &u) == 2 && (zf_is_han(u) ? common_han(u) : cjk_symbol(u));
}

static int reads_chinese(const zf_dbcs *from, const zf_dbcs *to, uint32_t ch) {
  uint16_t e = ch <= 0xFFFF ? from->enc[ch] : 0;
  return e >= 0x100 && spells_chinese_pair(to, e >> 8, e & 0xFF);
}

/* Windows-1252 readings at c[i] (b0: its byte, >= 0x80): UTF-8 read as
 * 1252 where the characters spell a valid sequence; GBK/Big5 read as 1252
 * at a pair that is not two Latin letters and that spells, in that
 * table, a character of Chinese text.  Garbage of GBK or Big5 text is
 * made of such pairs, each a character of the text; a pair of clean text
 * that happens to be a valid code (two no-break spaces are GBK's A0A0,
 * 牋; "……" its 8585, 厖) spells a rare character or none, which the
 * pass's LM would have to prefer to the text (on 2,982 of 87,056 clean
 * lines of tools/make_trad_text.py the trigger fired on two no-break
 * spaces alone).  In a document carrying the reading (its signature),
 * any pair, as the pass then asks less. */
static unsigned bits_1252(const moji *m, const uint32_t *c, size_t n, size_t i, int b0) {
  unsigned mask = 0;
  uint8_t by[4];
  int w = 0;
  for (size_t j = i; j < n && j < i + 4; j++) {
    int bj = zf_cp1252_byte(c[j]);
    if (bj < 0) break;
    by[w++] = (uint8_t)bj;
  }
  uint32_t u;
  if (zf_utf8_strict(by, (size_t)w, &u) >= 2) mask |= 1u << C_U8_1252;
  int b1 = zf_cp1252_byte(c[i + 1]);
  if (b0 >= 0x81 && b0 <= 0xFE && b1 >= 0x40 && b1 != 0x7F && (b1 >= 0x80 || (b0 >= 0xA1 && b0 <= 0xBF))) {
    if (m->sig[C_GBK_1252] >= SIG_LINES || spells_chinese_pair(m->t->gbk, b0, b1)) mask |= 1u << C_GBK_1252;
    if (m->sig[C_BIG5_1252] >= SIG_LINES || spells_chinese_pair(m->t->big5, b0, b1)) mask |= 1u << C_BIG5_1252;
  }
  return mask;
}

/* Whether c[i..n), read as GBK, starts UTF-8 garbage read as GBK twice
 * (控制 -> 鎺у埗 -> 閹貉冨煑): the GBK bytes of up to four characters
 * spell two characters of a first layer (a three-byte sequence, then one
 * of two or three bytes: GBK's Cyrillic and Greek are two), whose own GBK
 * bytes spell a common Han character, not followed by a continuation
 * byte.  A window of the second layer spells the rare garbage of the
 * first (閹 is no character of text), so the one-level test never fires
 * on it; two levels of accident on clean text are rarer than one, and the
 * pass must still find the repair far more probable. */
static int spells_twice(const zf_dbcs *d, const uint32_t *c, size_t i, size_t n) {
  uint8_t by[8];
  size_t w = 0;
  for (size_t j = i; j < n && j < i + 4 && w < 6; j++) {
    uint16_t e = c[j] <= 0xFFFF ? d->enc[c[j]] : 0;
    if (e < 0x80) break;
    w = put_code(by, w, e);
  }
  uint32_t a, b, u;
  if (w < 5 || zf_utf8_strict(by, w, &a) != 3 || zf_utf8_strict(by + 3, w - 3, &b) < 2 || b > 0xFFFF) return 0;
  uint16_t ea = d->enc[a], eb = d->enc[b];
  if (ea < 0x100 || eb < 0x80 || ((eb > 0xFF ? eb >> 8 : eb) & 0xC0) != 0x80) return 0;
  uint8_t b2[4];
  size_t n2 = put_code(b2, put_code(b2, 0, ea), eb);
  int l = zf_utf8_strict(b2, n2, &u);
  return l == 3 && common_han(u) && ((size_t)l >= n2 || (b2[l] & 0xC0) != 0x80);
}

/* UTF-8 read as GBK/Big5 at c[i] (its trig byte tb): this character
 * and the next two spell two valid multi-byte sequences (two Chinese
 * characters make three garbage ones), or one that is a common Han
 * character.  Set 0: GBK; 1: Big5; 2: GBK, with the three characters
 * folded to Simplified (the garbage was converted to Traditional after the
 * wrong decode); 3: the first one as it stands, the two after it folded
 * (鏍 of 样 is garbage no conversion touched, 峯 after it was 峰). */
static unsigned bits_utf8_dbcs(const moji *m, const uint32_t *c, size_t n, size_t i, unsigned tb, unsigned mask) {
  const int lg = (tb & TRIG_LEAD_GBK) != 0, lb = (tb & TRIG_LEAD_BIG5) != 0, lf = (tb & TRIG_FOLD) != 0;
  /* c[i + 1] is in the BMP (scan_char) */
  const unsigned tn = m->t->trig[c[i + 1]];
  for (int set = 0; set < 4; set++) {
    const zf_dbcs *d = set == 1 ? m->t->big5 : m->t->gbk;
    if (!(set >= 2 ? (set == 2 ? lf : lg) && !(mask & 1u << C_U8_GBK) : set ? lb : lg)) continue;
    /* Both tests below need l1 >= 3, so by[2], the first byte of the
     * second character's code as this set reads it, must be a
     * continuation byte.  Where TRIG_CONT_* says it is not (or the code
     * has one byte), the loop stops at that character (w = 2 or 4, by[2]
     * no continuation), zf_utf8_strict cannot read three bytes (l1 < 3),
     * and the set adds nothing: skipped without reading a code (issue
     * 14).  With the audit on, the set runs all the same and must add
     * nothing (tests/test_moji_trigger_cont.c). */
    const int dead = !(tn & (set == 1 ? TRIG_CONT_BIG5 : set ? TRIG_CONT_FOLD : TRIG_CONT_GBK));
    if (dead && !zf_moji_bound_audit.on) continue;
    uint8_t by[8];
    int w = 0;
    for (size_t j = i; j < i + 3; j++) {
      /* folded (sets 2 and 3: d is GBK), through moji_tables' fold_gbk */
      int fold = set == 2 || (set == 3 && j > i);
      uint16_t e = c[j] > 0xFFFF ? (fold ? zf_moji_fold_code(d, c[j]) : 0) : fold ? m->t->fold_gbk[c[j]] : d->enc[c[j]];
      if (e < 0x100) break;
      by[w++] = (uint8_t)(e >> 8), by[w++] = (uint8_t)e;
      /* l1 >= 3 below needs by[1] and by[2] to be continuation bytes
       * (the decoder reads no further to fail): once one is not, the
       * characters after it (and their LM folds) cannot change the
       * outcome, and l1 comes out the same from the bytes so far. */
      if (j < i + 2 && (by[j == i ? 1 : 2] & 0xC0) != 0x80) break;
    }
    uint32_t u, u2 = 0;
    int l1 = zf_utf8_strict(by, (size_t)w, &u);
    /* Clean Traditional text spells valid UTF-8 in its GBK bytes in 1.6%
     * of its lines (zh_TW), but rarely text: Hangul, Ethiopic, private
     * use, then a Latin letter.  A Han character must be one the LM has
     * seen before the full pass is paid for; a symbol or punctuation mark
     * (box drawing) needs a second three-byte one, or its last byte paired
     * with the ASCII byte that ends the garbage (、smb read as 銆乻mb: 81
     * 73 is 乻). */
    /* UTF-8 goes on after a whole sequence with a byte that can start
     * one (ASCII, a lead byte), never with a continuation byte: GBK's 鑰
     * (E8 80) before 環 (AD B7) spells 耍 (E8 80 AD) and then B7, which
     * no UTF-8 text holds there (金鑰環 of the clean man pages). */
    int goes_on = l1 >= w || (by[l1] & 0xC0) != 0x80;
    unsigned add = 0;
    if (l1 >= 3 && goes_on && (zf_is_han(u) ? common_han(u)
                                 : cjk_symbol(u) && (zf_utf8_strict(by + l1, (size_t)(w - l1), &u2) >= 3 ||
                                                     (w == 4 && l1 == 3 && by[3] >= 0x40 && by[3] < 0x80))))
      add = 1u << (set == 1 ? C_U8_BIG5 : C_U8_GBK);
    else if (set == 0 && l1 == 3 && !(mask & 1u << C_U8_GBK) && spells_twice(d, c, i, n))
      add = 1u << C_U8_GBK; /* GBK twice: the forced first layer reveals it */
    if (dead) zf_moji_bound_audit.cont_dead++, zf_moji_bound_audit.cont_wrong += add != 0;
    mask |= add;
  }
  return mask;
}

/* What a line shows of DBCS<->DBCS garbage (the scan's counts). */
typedef struct dbcs_evidence {
  size_t kana_run, nhan, nrare, nodd, boxes, lost;
  int japanese, pua;
  uint32_t rare_ch; /* the last rare Han */
  uint32_t odd_ch;  /* the last odd letter beside a Han character (odd_letter) */
} dbcs_evidence;

/* A letter of GBK's and Big5's symbol rows (kana, bopomofo, pinyin and
 * Latin extensions, Greek, Cyrillic) that garbage puts where a Chinese
 * character was: GBK's rows A4-A8 hold Big5's commonest characters. */
static int odd_letter(uint32_t c) {
  return (c >= 0x3041 && c <= 0x30FF) || (c >= 0x3105 && c <= 0x312F) || (c >= 0x0100 && c <= 0x02DF) ||
         (c >= 0x0391 && c <= 0x0451);
}

/* Whether character ch, encoded with table from and decoded with table
 * to, is a character Chinese text is made of (common Han, CJK symbol). */
static int reads_chinese(const zf_dbcs *from, const zf_dbcs *to, uint32_t ch);

/* DBCS read as the other DBCS: every character re-decodes, so look for
 * what garbage has and clean text lacks: private-use characters, odd
 * symbols among Han, many characters the LM has (almost) never seen. */
static unsigned dbcs_bits(const moji *m, const dbcs_evidence *ev, unsigned mask) {
  if (ev->pua || ev->nodd >= 2 || (ev->nrare >= 2 && ev->nrare * 5 >= ev->nhan))
    mask |= 1u << C_GBK_BIG5 | 1u << C_BIG5_GBK;
  /* A heading of two or three characters has room for one rare one only
   * (鏡扴 for 描述, 盪妢 for 历史): there the rare character must be one
   * that the other table's reading turns into a character of Chinese
   * text (扴 -> 述).  A lone character is no evidence either way (跋,
   * the heading of every man page's colophon, is Big5's 區 read as GBK's
   * table too). */
  if (ev->nrare == 1 && ev->nhan >= 2 && ev->nhan <= 3) {
    uint32_t r = ev->rare_ch;
    if (reads_chinese(m->t->big5, m->t->gbk, r)) mask |= 1u << C_GBK_BIG5;
    if (reads_chinese(m->t->gbk, m->t->big5, r)) mask |= 1u << C_BIG5_GBK;
  }
  /* The same for one odd letter right beside a Han character in a line
   * of one to three Han (參見 read as GBK is 把ǎ, 範例 is 絛ㄒ: Big5's
   * 見 and 例 are GBK's pinyin and bopomofo): no text writes a pinyin
   * letter or a bopomofo glued to a Han character of a heading, and the
   * letter must be a Chinese character under the other table. */
  if (ev->odd_ch && ev->nodd == 1 && ev->nhan >= 1 && ev->nhan <= 3) {
    if (reads_chinese(m->t->big5, m->t->gbk, ev->odd_ch)) mask |= 1u << C_GBK_BIG5;
    if (reads_chinese(m->t->gbk, m->t->big5, ev->odd_ch)) mask |= 1u << C_BIG5_GBK;
  }
  /* Big5 garbage nearly always has private-use characters too (GBK's
   * user-defined rows hold Big5's commonest characters); Japanese never.
   * A line drawn with box characters (a table) is a drawing: GBK's box
   * row holds ordinary Big5 characters, so the LM would turn it into Han.
   * Garbage has them too, but then with private-use characters.  In a
   * document carrying one of these readings, its lines follow it all the
   * same (Big5's 文件 read as GBK is セゅン, 提示 is 矗ボ). */
  if ((ev->japanese || ev->boxes >= 3) && !ev->pua) {
    unsigned keep = 0;
    for (int k = C_GBK_BIG5; k <= C_BIG5_GBK; k++)
      if (m->sig[k] >= SIG_LINES) keep |= 1u << k;
    mask &= ~((1u << C_GBK_BIG5 | 1u << C_BIG5_GBK) & ~keep);
  }
  /* Where bytes were lost (U+FFFD, 锟斤拷, 嚙踝蕭), what is left of them
   * reads as random characters of either set: readings that have no
   * validity check to cut them are not tried there. */
  if (ev->lost >= 2) mask &= ~(1u << C_GBK_BIG5 | 1u << C_BIG5_GBK | 1u << C_GBK_1252 | 1u << C_BIG5_1252);
  return mask;
}

/* One step of the scan for a character that is neither ASCII nor plain. */
static unsigned scan_char(const moji *m, const uint32_t *c, size_t n, size_t i, dbcs_evidence *ev, unsigned mask) {
  uint32_t ch = c[i];
  ev->kana_run = ch >= 0x3041 && ch <= 0x30FF ? ev->kana_run + 1 : 0;
  /* Japanese: GBK has the kana where Big5 has its commonest characters,
   * so the LM (a Chinese model) would "repair" Japanese into Chinese.
   * Garbage has isolated kana; Japanese has runs of them. */
  if (ev->kana_run >= 3) ev->japanese = 1;
  if (ch >= 0xE000 && ch <= 0xF8FF) ev->pua = 1;
  if (ch >= 0x2500 && ch <= 0x257F) ev->boxes++;
  if (zf_mark_replaced(ch)) ev->lost++;
  int b0 = zf_cp1252_byte(ch);
  if (b0 >= 0x80 && i + 1 < n) mask |= bits_1252(m, c, n, i, b0);
  const moji_tables *t = m->t;
  const unsigned both = 1u << C_U8_GBK | 1u << C_U8_BIG5;
  if (ch > 0xFFFF) {
    /* no GBK or Big5 bytes of its own, but t2s garbage may start here */
    if (i + 2 < n && (mask & both) != both) mask |= t2s_window(t, c + i, n - i, mask);
    return mask;
  }
  /* one load for lead_bm, fold_bm, t2s_lead_bm and rare_bm (trig) */
  const unsigned tb = t->trig[ch];
  if ((tb & (TRIG_LEAD_GBK | TRIG_LEAD_BIG5 | TRIG_FOLD)) && i + 2 < n && c[i + 1] <= 0xFFFF && c[i + 2] <= 0xFFFF)
    mask = bits_utf8_dbcs(m, c, n, i, tb, mask);
  /* sets 4 (GBK) and 5 (Big5): garbage converted to Simplified */
  if (i + 2 < n && (mask & both) != both && (tb & (TRIG_LEAD_GBK | TRIG_LEAD_BIG5 | TRIG_T2S)))
    mask |= t2s_window(t, c + i, n - i, mask);
  if (zf_is_han(ch)) {
    ev->nhan++;
    if (tb & TRIG_RARE) ev->nrare++, ev->rare_ch = ch;
  } else if (dbcs_odd(ch)) {
    ev->nodd++;
    if (odd_letter(ch) && ((i > 0 && zf_is_han(c[i - 1])) || (i + 1 < n && zf_is_han(c[i + 1])))) ev->odd_ch = ch;
  }
  if (m->sig[C_GBK_BIG5] >= SIG_LINES && t->big5->enc[ch]) mask |= 1u << C_GBK_BIG5;
  if (m->sig[C_BIG5_GBK] >= SIG_LINES && t->gbk->enc[ch]) mask |= 1u << C_BIG5_GBK;
  return mask;
}

/* The reading of h[0..n) (Han) encoded with table from and decoded with
 * table to, into o: 1 when every character has one and it is Han. */
static int reread_han(const zf_dbcs *from, const zf_dbcs *to, const uint32_t *h, size_t n, uint32_t *o) {
  for (size_t i = 0; i < n; i++) {
    uint16_t e = h[i] <= 0xFFFF ? from->enc[h[i]] : 0;
    uint8_t by[2] = {(uint8_t)(e >> 8), (uint8_t)(e & 0xFF)};
    if (e < 0x100 || zf_dbcs_get(to, by, 2, &o[i]) != 2 || !zf_is_han(o[i])) return 0;
  }
  return 1;
}

/* A heading of two or three Han in a row, the line's only characters
 * that are not ASCII, which make no lexicon word while the other table's
 * reading of them makes one (辦豎瑩 for 快捷键, 梓講 for 标量): a clean
 * heading is a word.  The veto asks such a repair for 1.0 log10 per Han
 * (heading_word in moji_judge.c). */
static unsigned heading_bits(const moji *m, const uint32_t *c, size_t n) {
  uint32_t h[3], o[3];
  size_t nh = 0, first = 0, last = 0;
  for (size_t i = 0; i < n; i++) {
    if (c[i] < 0x80) continue;
    if (nh == 3 || !zf_is_han(c[i])) return 0;
    if (!nh) first = i;
    last = i;
    h[nh++] = c[i];
  }
  if (nh < 3 || last - first + 1 != nh) return 0;
  /* The same bits as "not a word, and a reading that is one", asked in
   * the cheapest order: the rereads are two table look-ups a character, a
   * lexicon look-up a few cache misses (a probe chain in a 4.8 MB table).
   * A clean heading rereads as Han in neither table, or as no word (a
   * Traditional character's GBK code is seldom a Big5 one); only a
   * reading that is a word asks whether the heading is one. */
  unsigned mask = 0;
  if (reread_han(m->t->big5, m->t->gbk, h, nh, o) && zf_lm_word(o, nh, NULL)) mask |= 1u << C_GBK_BIG5;
  if (reread_han(m->t->gbk, m->t->big5, h, nh, o) && zf_lm_word(o, nh, NULL)) mask |= 1u << C_BIG5_GBK;
  return mask && !zf_lm_word(h, nh, NULL) ? mask : 0;
}

unsigned zf_moji_trigger(const moji *m, const uint32_t *c, size_t n) { return zf_moji_trigger_known(m, c, n, NULL); }

/* The trigger's loop where the line facts list every loud character
 * (lf->loud_at) and no signature asks for more (skip below): a quiet
 * character only ends a kana run and counts when it is Han (plain_bm is
 * quiet_bm's Han), and a loud one of the BMP counts when Han in
 * scan_char, so the count comes to the BMP's Han of the line, and only
 * the loud characters need scan_char. */
static unsigned trigger_loud(const moji *m, const uint32_t *c, size_t n, const zf_line_facts *lf) {
  unsigned mask = 0;
  dbcs_evidence ev = {0};
  for (size_t j = 0; j < lf->loud; j++) {
    size_t i = lf->loud_at[j];
    if (j == 0 || i != (size_t)lf->loud_at[j - 1] + 1) ev.kana_run = 0;
    mask = scan_char(m, c, n, i, &ev, mask);
  }
  ev.nhan = lf->han - lf->han_astral;
  if (ev.nhan == 3) mask |= heading_bits(m, c, n);
  return dbcs_bits(m, &ev, mask);
}

unsigned zf_moji_trigger_known(const moji *m, const uint32_t *c, size_t n, const zf_line_facts *lf) {
  const moji_tables *t = m->t;
  if (lf && !lf->valid) lf = NULL;
  /* In a document carrying a DBCS<->DBCS signature every character is
   * looked up in the other table below: no shortcut then. */
  const int follow = m->sig[C_GBK_BIG5] >= SIG_LINES || m->sig[C_BIG5_GBK] >= SIG_LINES;
  /* In a document carrying UTF-8 read as GBK or Big5, a garbage character
   * next to ASCII or to another such may be one Latin-1 character
   * (latin_reading(): 聽 for the no-break space, C2 A0): plain Han then
   * needs the lookup below too.  Not in a line where bytes were lost ('?'
   * of cp936, U+FFFD, 锟斤拷): there a garbage character is what survived,
   * and the pass does not read it so. */
  const int latin = (m->sig[C_U8_GBK] >= SIG_LINES || m->sig[C_U8_BIG5] >= SIG_LINES) && m->no_marks &&
                    !m->lossy_line;
  /* Most lines: ASCII and quiet steps only reset kana_run, plain Han
   * ones (below) also count nhan, so no bit is set in the loop, and with
   * no private use, odd or rare character none after it either. */
  if (!follow && (lf ? lf->loud == 0 : all_plain(t->quiet_bm, c, n))) {
    /* a heading is three Han and nothing else beyond ASCII: the line
     * facts' count of Han (astral too, as heading_bits counts them)
     * answers the rest without the walk over the line */
    if (!latin) return lf && lf->han != 3 ? 0 : heading_bits(m, c, n);
    unsigned any = 0;
    for (size_t i = 0; i < n; i++) any |= c[i] >= 0x80 && c[i] <= 0xFFFF && moji_bit(t->latin_bm, c[i]);
    if (!any) return 0;
  }
  const int skip = !follow && !latin;
  if (skip && lf && lf->loud <= ZF_LOUD_AT) return trigger_loud(m, c, n, lf);
  unsigned mask = 0;
  dbcs_evidence ev = {0};
  for (size_t i = 0; i < n; i++) {
    uint32_t ch = c[i];
    if (skip && ch <= 0xFFFF && moji_bit(t->quiet_bm, ch)) {
      /* ASCII (quiet_bm has it) or a quiet character, in one branch that
       * a line of both predicts: the steps below come to kana_run = 0 and
       * nhan counting the plain Han (plain_bm has no ASCII). */
      ev.kana_run = 0;
      ev.nhan += moji_bit(t->plain_bm, ch);
      continue;
    }
    if (ch < 0x80) {
      ev.kana_run = 0;
      continue;
    }
    if (latin && ch <= 0xFFFF && moji_bit(t->latin_bm, ch)) mask |= latin_bits(m, c, n, i);
    if (ch <= 0xFFFF && !follow && moji_bit(t->quiet_bm, ch)) {
      /* A plain Han character (plain_bm): of the steps of scan_char only
       * kana_run = 0 and nhan++ apply.  It is neither kana, private use,
       * box drawing nor a lost-byte mark, has no 1252 byte (it lies above
       * U+2122), no lead bit (lg, lb, lf all 0), is not rare, and is not
       * dbcs_odd (Han).  Any other quiet character (quiet_bm: most CJK
       * and full-width punctuation) is no Han, and of those steps only
       * kana_run = 0 applies (the two signature tests need follow). */
      ev.kana_run = 0;
      ev.nhan += moji_bit(t->plain_bm, ch) != 0;
      continue;
    }
    mask = scan_char(m, c, n, i, &ev, mask);
  }
  if (ev.nhan == 3) mask |= heading_bits(m, c, n);
  return dbcs_bits(m, &ev, mask);
}
