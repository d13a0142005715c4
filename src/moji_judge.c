/*
 * What decides a repair (moji.h): the characters a repair may produce,
 * the scores of the garbage and of its candidates, the two-state Viterbi
 * that picks the repaired units of a run, and the veto of any span that is
 * not far more probable than the line as it stands in any language.
 */
#include <string.h>

#include "moji.h"
#include "readings.h"

/* ---- characters a repair may produce -------------------------------------- */

/* Controls, private use, noncharacters and unassigned-looking ranges never
 * come out of a real repair, so a candidate that yields one is wrong. */
int zf_moji_plausible(uint32_t c, int x, int y) {
  if (c < 0x80) return c >= 0x20 || c == '\t' || c == '\n' || c == '\r';
  /* A C1 control is the middle layer of UTF-8 read twice as Latin-1. */
  if (c < 0xA0) return x == X_1252 && y == Y_UTF8;
  if (y != Y_UTF8) /* DBCS: Han (not U+FFFD's mojibake), CJK punctuation, fullwidth, kana, symbols */
    return (zf_is_han(c) && !zf_mark_fffd_lead(c)) || (c >= 0x3000 && c <= 0x30FF) || (c >= 0xFF01 && c <= 0xFFEF) ||
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
  if (c == ZF_MARK_FFFD) return 1; /* 锟斤拷 is the mojibake of U+FFFD */
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
  if (sc == 1) return (a >= 0xC0 && a <= 0x17F) || ascii_letter(a);
  return 0;
}

int zf_moji_lone_far(const uint32_t *dec, size_t d, size_t nd) {
  int sc = far_script(dec[d]);
  if (!sc) return 0;
  return !((d > 0 && same_script(dec[d - 1], sc)) || (d + 1 < nd && same_script(dec[d + 1], sc)));
}

/* How far latin_reading() goes: in a line where a phrase was repaired, any
 * such character; in a document merely known to be damaged (the line
 * itself may be clean: 登 录 with spaces, whose 录 is C2 BC, ¼), only the
 * no-break space (聽) and a Latin-1 letter beside an ASCII one
 * (Hall枚chen), the characters l and r around it (0 when unknown). */
int zf_moji_latin_ok(int mode, uint32_t c, uint32_t l, uint32_t r) {
  if (!latin_reading(c)) return 0;
  if (mode == LATIN_LINE || c == 0xA0) return 1;
  int letter = (c >= 0xC0 && c != 0xD7 && c != 0xF7) || c >= 0x100;
  return letter && (ascii_letter(l) || ascii_letter(r));
}

/* ---- scores -------------------------------------------------------------- */

double zf_moji_seq_score(uint32_t *prev, int *has, const uint32_t *s, size_t n) {
  double sc = 0;
  for (size_t i = 0; i < n; i++) {
    sc += *has ? zf_lm_bigram(*prev, s[i]) : zf_lm_char(s[i]);
    *prev = s[i];
    *has = 1;
  }
  return sc;
}

/* The evidence must be that the repair is common text, not that the input
 * has characters the model never saw (classical Chinese, names). */
double zf_moji_keep_score(uint32_t *prev, int *has, const uint32_t *s, size_t n, const moji_class *cl) {
  if (cl->y != Y_UTF8 || cl->x == X_1252) return zf_moji_seq_score(prev, has, s, n);
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

/* ---- the Viterbi ---------------------------------------------------------- */

/* Whether unit u of the run may be repaired at all: its decoded characters
 * are ones a repair makes, and it stands apart from lost bytes. */
static int unit_ok(const moji *m, const moji_class *cl, const uint32_t *r, size_t rlen, const unit *un,
                   size_t nd, const run_edges *e, int force) {
  int ok = 1;
  /* A forced first layer may produce anything its second layer can read
   * back (private-use characters of GBK, C1 controls). */
  uint32_t nb_l = un->g0 > 0 ? r[un->g0 - 1] : e->has_l ? e->lc : 0;
  uint32_t nb_r = un->g1 < rlen ? r[un->g1] : e->has_r ? e->rc : 0;
  for (size_t d = un->d0; d < un->d1 && ok; d++)
    ok = force ? m->dec[d] >= 0x20 || m->dec[d] == '\t'
               : (zf_moji_plausible(m->dec[d], cl->x, cl->y) &&
                  !(cl->x == X_1252 && zf_moji_lone_far(m->dec, d, nd))) ||
                     (m->latin && zf_moji_latin_ok(m->latin, m->dec[d], nb_l, nb_r));
  /* Next to U+FFFD, a short valid-looking piece is what survived of bytes
   * that were lost (GBK read as UTF-8), not a wrong decode. */
  if (cl->coarse && ((un->g0 > 0 ? r[un->g0 - 1] == ZF_MARK_FFFD : e->has_l && e->lc == ZF_MARK_FFFD) ||
                     (un->g1 < rlen && r[un->g1] == ZF_MARK_FFFD)))
    ok = 0;
  return ok;
}

/* The costs of entering the repair state at unit un (from the keep
 * state), taken from *e in the order they always were; 0 when the unit
 * may not start a repair. */
static int entry_cost(const moji *m, const moji_class *cl, const uint32_t *r, const unit *un, double enter,
                      double single, double *e) {
  /* A filled-in character is weak evidence of damage: starting a repair
   * with one costs extra. */
  if (un->lossy) *e -= LOSSY_ENTER;
  /* Latin-1 letters followed by ASCII ones ("égée") pair up as GBK/Big5
   * too; garbage of Chinese has a pair of two high bytes or a Latin-1
   * symbol as lead byte somewhere, which must start a repair. */
  if (cl->coarse && cl->x == X_1252 && enter > KNOWN_ENTER && !un->hh) return 0;
  /* A private-use character alone proves nothing: the LM scores it so low
   * that any reading would beat it. */
  if (cl->coarse && enter > KNOWN_ENTER) {
    int all_pua = 1;
    for (size_t g = un->g0; g < un->g1 && all_pua; g++) all_pua = r[g] >= 0xE000 && r[g] <= 0xF8FF;
    if (all_pua && un->g1 - un->g0 == 1) return 0;
  }
  /* A negative entry cost (a document's own reading) rewards a repair,
   * never a unit it leaves as it was: else every ASCII piece would be
   * "entered" for the reward. */
  int change = enter >= 0 || un->d1 - un->d0 != un->g1 - un->g0 ||
               memcmp(m->dec + un->d0, r + un->g0, (un->g1 - un->g0) * sizeof *r) != 0;
  if (change) *e -= enter;
  if (un->d1 - un->d0 == 1) *e -= single;
  return 1;
}

/* The script of a letter GBK's and Big5's symbol rows hold (kana,
 * bopomofo, pinyin and Latin extensions, Greek, Cyrillic), or 0. */
static int letter_script(uint32_t c) {
  if (c >= 0x3041 && c <= 0x309F) return 1;
  if (c >= 0x30A0 && c <= 0x30FF) return 6;
  if (c >= 0x3105 && c <= 0x312F) return 2;
  if (c >= 0x0100 && c <= 0x02AF) return 3;
  if (c >= 0x0391 && c <= 0x03C9) return 4;
  if (c >= 0x0401 && c <= 0x0451) return 5;
  return 0;
}

/* Two letters of different scripts side by side (ボㄒ, katakana then
 * bopomofo: Big5's 示例 read as GBK, whose rows A4-A8 hold Big5's
 * commonest characters and GBK's kana, Greek, Cyrillic and bopomofo):
 * no text writes them so, and DBCS garbage with no Han in it does. */
static int is_kana(uint32_t c) { return c >= 0x3041 && c <= 0x30FF; }

/* Hiragana beside katakana is Japanese (のテスト) where kana run on;
 * a pair of them alone, no kana on either side (じン, Big5's 元件 read as
 * GBK: A4 B8 and A5 F3 are GBK's hiragana and katakana rows), is not.
 * g: the first of the pair in r[0..n). */
static int mixed_pair(const uint32_t *r, size_t g, size_t n) {
  int sa = letter_script(r[g]), sb = letter_script(r[g + 1]);
  if (!sa || !sb || sa == sb) return 0;
  if (is_kana(r[g]) && is_kana(r[g + 1]))
    return !(g > 0 && is_kana(r[g - 1])) && !(g + 2 < n && is_kana(r[g + 2]));
  return 1;
}

/* Isolated hiragana-katakana pairs in r[g0..g1) of r[0..n): the model
 * scores kana after kana as the start of a Japanese word, which such a
 * pair never is, so the garbage as it stands pays ODD_SHAPE for each. */
static int lone_kana_pairs(const uint32_t *r, size_t g0, size_t g1, size_t n) {
  int k = 0;
  for (size_t g = g0; g + 1 < g1; g++) k += is_kana(r[g]) && mixed_pair(r, g, n);
  return k;
}

int zf_moji_viterbi(moji *m, const moji_class *cl, const uint32_t *r, size_t rlen, size_t nu,
                    const run_edges *ed, int force, double enter, double single) {
  double *v = m->vit;
  uint8_t *bp = m->bp;
  /* DBCS garbage of Chinese always has Han (or private use) in it; a run
   * of symbols alone (a box drawn with lines) is left to itself.  Not in a
   * document's own reading: Big5 示例 read as GBK is ボㄒ. */
  int han = !cl->coarse || cl->x == X_1252 || enter < 0;
  for (size_t g = m->units[0].g0; g < m->units[nu - 1].g1 && !han; g++)
    han = zf_is_han(r[g]) || (r[g] >= 0xE000 && r[g] <= 0xF8FF) ||
          (cl->y != Y_UTF8 && g + 1 < m->units[nu - 1].g1 && mixed_pair(r, g, rlen));
  size_t nd = m->units[nu - 1].d1;
  for (size_t u = 0; u < nu; u++) {
    const unit *un = &m->units[u];
    int ok = han && unit_ok(m, cl, r, rlen, un, nd, ed, force);
    for (int s = 0; s < 2; s++) {
      double bestv = -1e300;
      int bests = 0;
      for (int ps = 0; ps < 2; ps++) {
        double base_v;
        uint32_t pc;
        int hp;
        if (u == 0) {
          if (ps == 1) continue;
          base_v = 0, pc = ed->lc, hp = ed->has_l;
        } else {
          const unit *pu = &m->units[u - 1];
          base_v = v[2 * (u - 1) + ps];
          hp = 1;
          pc = ps ? m->dec[pu->d1 - 1] : r[pu->g1 - 1];
        }
        if (base_v < -1e299) continue;
        double e;
        if (s == 0) {
          e = zf_moji_keep_score(&pc, &hp, r + un->g0, un->g1 - un->g0, cl);
          if (cl->coarse && cl->y != Y_UTF8) e -= lone_kana_pairs(r, un->g0, un->g1, rlen) * ODD_SHAPE;
        } else {
          if (!ok) continue;
          e = zf_moji_seq_score(&pc, &hp, m->dec + un->d0, un->d1 - un->d0) - un->odd * ODD_SHAPE;
          if (ps == 0 && !entry_cost(m, cl, r, un, enter, single, &e)) continue;
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
    if (ed->has_r && f[s] > -1e299) {
      const unit *lu = &m->units[nu - 1];
      uint32_t last = s ? m->dec[lu->d1 - 1] : r[lu->g1 - 1];
      f[s] += zf_lm_bigram(last, ed->rc);
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
  for (size_t u = 0; u < nu; u++) nrep += bp[2 * u] && m->units[u].d1 - m->units[u].d0 >= 2;
  return nrep;
}

/* ---- the veto --------------------------------------------------------------- */

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
    while (j < len && (ascii_letter(line[j]) || (line[j] >= 0xC0 && line[j] < 0x250 && line[j] != 0xD7 &&
                                                 line[j] != 0xF7)))
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

/* Whether the ASCII letters lw[0..nl) hold, from position p on, the
 * readings of h[0..nh) one after another, in the order o[]. */
static int spells_at(const char *lw, size_t nl, size_t p, const uint32_t *h, const int *o, size_t nh) {
  if (!nh) return 1;
  uint32_t rd[8];
  size_t nr = zf_readings(h[o[0]], rd, 8);
  if (nr > 8) nr = 8;
  for (size_t r = 0; r < nr; r++) {
    char sy[16];
    int k = zf_pinyin_format((int)(rd[r] >> 3), 0, sy, sizeof sy);
    if (k <= 0 || (size_t)k > nl - p || memcmp(sy, lw + p, (size_t)k) != 0) continue;
    if (spells_at(lw, nl, p + (size_t)k, h, o + 1, nh - 1)) return 1;
  }
  return 0;
}

/* Whether the two or three Han of s[0..n) are spelled, syllable by
 * syllable, by the name part of an e-mail address that follows them in
 * line[at..len) (徐明 <xuming@...>, 梁萌 <mengliang99@...>: surname
 * first, or last as in the Latin order): a name as the author wrote it.
 * Letters of the name part only, lower case.  With initials, spelled by
 * their first letters instead, as one whole token of the name part
 * (唐友 <tony_ty@...>: t(ang) y(ou) after the underscore), in the same
 * two orders. */
static int initials_at(const char *lw, size_t p, const uint32_t *h, const int *o, size_t nh) {
  for (size_t i = 0; i < nh; i++) {
    uint32_t rd[8];
    size_t nr = zf_readings(h[o[i]], rd, 8), r;
    if (nr > 8) nr = 8;
    for (r = 0; r < nr; r++) {
      char sy[16];
      if (zf_pinyin_format((int)(rd[r] >> 3), 0, sy, sizeof sy) > 0 && sy[0] == lw[p + i]) break;
    }
    if (r == nr) return 0;
  }
  return 1;
}

static int email_spells(const uint32_t *s, size_t n, const uint32_t *line, size_t at, size_t len, int initials) {
  uint32_t h[3];
  size_t nh = 0;
  for (size_t i = 0; i < n; i++)
    if (zf_is_han(s[i])) {
      if (nh == 3) return 0;
      h[nh++] = s[i];
    }
  if (nh < 2) return 0;
  /* the address: after spaces and an optional backslash, '<', then the
   * name part up to '@' */
  size_t i = at;
  while (i < len && line[i] == ' ') i++;
  if (i < len && line[i] == '\\') i++;
  if (i >= len || line[i] != '<') return 0;
  char lw[48];
  size_t nl = 0;
  /* tok[k]: letter k starts a token (the first, or one after a digit, a
   * dot, an underscore or a hyphen) */
  uint8_t tok[48 + 1];
  int brk = 1;
  for (i++; i < len && line[i] != '@'; i++) {
    uint32_t c = line[i];
    if (c >= 'A' && c <= 'Z') c += 32;
    if (c >= 'a' && c <= 'z') {
      if (nl == sizeof lw) return 0;
      tok[nl] = (uint8_t)brk;
      brk = 0;
      lw[nl++] = (char)c;
    } else if (!((c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) {
      return 0;
    } else {
      brk = 1;
    }
  }
  if (i >= len) return 0;
  tok[nl] = 1;
  static const int orders[2][3][3] = {{{0}, {0, 1}, {0, 1, 2}}, {{0}, {1, 0}, {1, 2, 0}}};
  if (initials) {
    for (int q = 0; q < 2; q++)
      for (size_t p = 0; p + nh <= nl; p++)
        if (tok[p] && tok[p + nh] && !tok[p + 1] && (nh < 3 || !tok[p + 2]) &&
            initials_at(lw, p, h, orders[q][nh - 1], nh))
          return 1;
    return 0;
  }
  for (int q = 0; q < 2; q++)
    for (size_t p = 0; p < nl; p++)
      if (spells_at(lw, nl, p, h, orders[q][nh - 1], nh)) return 1;
  return 0;
}

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

/* A phrase: three Han in a row or a two-character word, and no more than
 * a third of the Han rare.  Han spaced out one by one (文 件 中 是) are
 * judged together, as the words they are: a single space between two Han
 * does not end the row, and such a row is a phrase once two of its
 * neighbouring pairs are lexicon words.  A repair that is one lexicon word as a whole
 * (總攬, whose 攬 the model holds rare) is a phrase whatever its
 * characters.  So is common text made of garbage that holds a private-use
 * character (無。 for 礚 and one of GBK's user-defined codes): clean text
 * has none beside its Han, and the repair must still win by the margin. */
static int makes_phrase(const uint32_t *dec, size_t d0, size_t d1, const uint32_t *g, size_t ng) {
  int phrase = 0, pua = 0;
  size_t run = 0, han = 0, rare = 0, other = 0;
  uint32_t prev = 0, hs[4];
  for (size_t i = 0; i < ng; i++) pua |= g[i] >= 0xE000 && g[i] <= 0xF8FF;
  int gap = 0, spaced_words = 0;
  size_t crun = 0; /* Han in a row, nothing between */
  for (size_t d = d0; d < d1; d++) {
    if (!zf_is_han(dec[d])) {
      int spaced = dec[d] == ' ' && run && d + 1 < d1 && zf_is_han(dec[d + 1]);
      if (!spaced) run = 0, spaced_words = 0, prev = 0;
      gap |= spaced;
      crun = 0;
      other += dec[d] >= 0xE000 && dec[d] <= 0xF8FF;
      continue;
    }
    if (han < 4) hs[han] = dec[d];
    run++;
    crun++;
    han++;
    rare += zf_lm_char(dec[d]) < RARE_CHAR;
    uint32_t pair[2] = {prev, dec[d]};
    int word = prev && zf_lm_word(pair, 2, NULL);
    /* a row spaced out counts by its words (two of them), not its
     * length: a code chart's row read with the other table is a row of
     * common characters that make none */
    if (gap)
      spaced_words += word;
    else
      phrase |= crun >= 3 || (crun == 2 && word);
    phrase |= spaced_words >= 2;
    gap = 0;
    prev = dec[d];
  }
  if (han >= 2 && han <= 3 && run == han && zf_lm_word(hs, han, NULL)) return 1;
  if (pua && han && !rare && !other) return 1;
  return phrase && rare * 3 <= han;
}

/* The evidence of a span is its distinct characters: one that repeats one
 * or two (NÃÃÃÃO, 俔俔, 踢踢躂躂) shows no more damage than those
 * characters alone, which clean text of any kind holds. */
static int distinct_enough(const uint32_t *g, size_t n, size_t min_distinct) {
  uint32_t seen[MIN_DISTINCT];
  size_t nseen = 0;
  for (size_t i = 0; i < n && nseen < min_distinct; i++) {
    size_t k = 0;
    while (k < nseen && seen[k] != g[i]) k++;
    if (k == nseen) seen[nseen++] = g[i];
  }
  return nseen >= min_distinct || n < 2; /* one character: SINGLE_COST's */
}

/* The Han of s[0..n), consecutive, into h (up to 3): their number, or 0
 * when there are more or they are apart. */
static size_t han_run(const uint32_t *s, size_t n, uint32_t h[3]) {
  size_t nh = 0, first = 0, last = 0;
  for (size_t i = 0; i < n; i++)
    if (zf_is_han(s[i])) {
      if (nh == 3) return 0;
      if (!nh) first = i;
      last = i;
      h[nh++] = s[i];
    }
  return nh && last - first + 1 == nh ? nh : 0;
}

/* Whether the span g[g0..g1) of the line cp[0..len) holds all its Han, two
 * or three in a row that make no lexicon word, and their repair rep[0..nrep)
 * is two or three Han in a row that make one. */
static int heading_word(const uint32_t *cp, size_t len, size_t g0, size_t g1, const uint32_t *rep, size_t nrep) {
  uint32_t hg[3], hr[3];
  size_t ng = han_run(cp + g0, g1 - g0, hg), nr = han_run(rep, nrep, hr);
  /* Han for Han, as a DBCS<->DBCS reading re-reads them (ク娃娃 for the
   * clean 弁俅俅 makes a word of two of them, and a kana of the third) */
  if (ng < 2 || nr != ng || zf_lm_word(hg, ng, NULL) || !zf_lm_word(hr, nr, NULL)) return 0;
  for (size_t i = 0; i < nrep; i++)
    if (rep[i] >= 0x80 && !zf_is_han(rep[i])) return 0;
  size_t all = 0;
  for (size_t i = 0; i < len; i++) all += zf_is_han(cp[i]);
  return all == ng;
}

/* How much more probable the line is with the span g[g0..g1) replaced by
 * rep[0..nrep) than as it stands, each under its better model; line[2] is
 * the line's score under each model, computed once per line. */
static double line_gain(const uint32_t *cp, size_t len, size_t g0, size_t g1, const uint32_t *rep,
                        size_t nrep, const double line[2]) {
  uint32_t left = g0 > 0 ? cp[g0 - 1] : 0;
  int hr = g1 < len;
  double rep_best = -1e300;
  for (int o = 0; o < 2; o++) {
    double keep = model_score(o, left, cp + g0, g1 - g0);
    double rp = model_score(o, left, rep, nrep);
    if (hr) {
      keep += model_score(o, cp[g1 - 1], cp + g1, 1);
      rp += model_score(o, rep[nrep - 1], cp + g1, 1);
    }
    double v = line[o] - keep + rp;
    if (v > rep_best) rep_best = v;
  }
  return rep_best - (line[0] > line[1] ? line[0] : line[1]);
}

double zf_moji_span_gain(const mline *in, size_t g0, size_t g1, const uint32_t *rep, size_t nrep) {
  const uint32_t *cp = in->t.cp;
  size_t len = in->t.len;
  while (len > 0 && (cp[len - 1] == '\n' || cp[len - 1] == '\r')) len--;
  double line[2];
  for (int o = 0; o < 2; o++) line[o] = model_score(o, 0, cp, len);
  return line_gain(cp, len, g0, g1, rep, nrep, line);
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
 * at the known line's cost. */
int zf_moji_veto(moji *m, const mline *in, size_t base, size_t nu, double margin, int need_han,
                 size_t min_distinct, double per_han) {
  uint8_t *bp = m->bp;
  const uint32_t *cp = in->t.cp;
  double line[2] = {0, 0};
  int scored = 0;
  /* the line's terminator is no evidence either way */
  size_t len = in->t.len;
  while (len > 0 && (cp[len - 1] == '\n' || cp[len - 1] == '\r')) len--;
  for (size_t u = 0; u < nu;) {
    if (!bp[2 * u]) {
      u++;
      continue;
    }
    size_t e = u;
    while (e < nu && bp[2 * e]) e++;
    const unit *a = &m->units[u], *z = &m->units[e - 1];
    size_t g0 = base + a->g0, g1 = base + z->g1;
    int ok = !need_han || makes_phrase(m->dec, a->d0, z->d1, cp + g0, g1 - g0);
    /* a name that its own e-mail address spells, where the characters as
     * they stand are not spelled so (剢隴 <xuming@...> for 徐明) */
    int named = need_han && email_spells(m->dec + a->d0, z->d1 - a->d0, cp, g1, len, 0) &&
                !email_spells(cp + g0, g1 - g0, cp, g1, len, 0);
    /* ... or spells by their initials, a weaker sign: it stands for the
     * phrase only, and the repair still needs every margin below */
    int initialed = need_han && !named && !ok && email_spells(m->dec + a->d0, z->d1 - a->d0, cp, g1, len, 1) &&
                    !email_spells(cp + g0, g1 - g0, cp, g1, len, 1);
    ok |= named || initialed;
    /* readings in the line that spell the characters as they stand */
    if (ok && spelled_out(cp + g0, g1 - g0, cp, len) && !spelled_out(m->dec + a->d0, z->d1 - a->d0, cp, len))
      ok = 0;
    if (ok && min_distinct) ok = distinct_enough(cp + g0, g1 - g0, min_distinct);
    if (ok) {
      if (!scored)
        for (int o = 0; o < 2; o++) line[o] = model_score(o, 0, cp, len);
      scored = 1;
      double gain = line_gain(cp, len, g0, g1, m->dec + a->d0, z->d1 - a->d0, line);
      if (need_han) gain += lone_kana_pairs(cp, g0, g1, len) * ODD_SHAPE;
      ok = gain >= margin || (named && gain > 0);
      if (ok && per_han > 0 && !named) {
        /* A wrong DBCS reading turns each character of text into one
         * about as improbable as any: re-read, common text gains some
         * 10^4 per character (我是 over и琌: 10.8 for two).  Clean text
         * of rare characters (a dictionary of classical words, 吊拷絣把
         * over 裂蕭締參: 3.9 for four) gains little per character,
         * however many there are, so the gain must also grow with the
         * span. */
        size_t nh = 0;
        for (size_t g = g0; g < g1; g++) nh += zf_is_han(cp[g]);
        /* A heading of two or three Han that are no word, whose reading
         * is one (羆凝 for 總覽): a clean heading is a word, and that is
         * the evidence a document's signature gives elsewhere. */
        double ph = per_han > SIG_GAIN_PER_HAN && heading_word(cp, len, g0, g1, m->dec + a->d0, z->d1 - a->d0)
                        ? SIG_GAIN_PER_HAN
                        : per_han;
        ok = gain >= ph * (double)nh;
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
