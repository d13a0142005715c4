/*
 * Private use in a repair (issue #15, do no harm): icon fonts against
 * Big5 read as GBK.  See docs/repair-mojibake.md ("Icon fonts").
 *
 * ICU's windows-936 and every GB18030 decoder map GBK's user-defined rows
 * to private use (AAA1..AFFE to U+E000..E233, A140..A7A0 to
 * U+E4C6..E765), exactly where Big5 keeps its commonest Han and its
 * punctuation, so Big5 read as GBK leaves private use there.  Icon fonts
 * (Material, Powerline, Nerd fonts) put their glyphs at the same code
 * points, and text written with them carries the glyphs themselves.
 * Neither the code point nor the frequency of its reading tells a glyph
 * from damage, and the model scores a private-use character so low that
 * any reading of it wins.  What does tell them apart:
 *   - the rest of the line: a repair that also changes other characters
 *     must still gain with each replaced private-use character read the
 *     same on both sides (zf_moji_rest_gain);
 *   - the reading itself: damage read back gives the words the text had
 *     (作者, 名字, 小時), a glyph read as Big5 a common character standing
 *     alone, or two that make no word (炊 search, 扁 爬 扁);
 *   - Big5's punctuation and box drawing (rows A1-A2, in GBK's
 *     user-defined rows too): text where such marks belong (after Han, a
 *     line of marks, a table), where a glyph puts them nowhere;
 *   - the document: a document of Big5 read as GBK is damaged nearly
 *     everywhere, and its private-use lines that read as no word are a
 *     few among hundreds of repaired lines (`%Y 年`, `S 秒`); a document
 *     that holds icons shows such lines on and on beside few repairs.
 */
#include <string.h>

#include "moji.h"

static int is_pua(uint32_t c) { return c >= 0xE000 && c <= 0xF8FF; }

double zf_moji_rest_gain(const zf_text *in, size_t n, size_t g0, size_t g1, const uint32_t *rep, uint32_t *buf) {
  memcpy(buf, in->cp, n * sizeof *buf);
  for (size_t i = g0; i < g1; i++)
    if (is_pua(buf[i])) buf[i] = rep[i - g0];
  const mline line = {.t = {.cp = buf, .off = in->off, .len = n}};
  return zf_moji_span_gain(&line, g0, g1, rep, g1 - g0);
}

/* The longest word the test looks for around a reading. */
#define PUA_WORD 4

/* Whether s[i] lies in a lexicon word of two to PUA_WORD Han of
 * s[0..n) (Han in a row). */
static int in_word(const uint32_t *s, size_t n, size_t i) {
  if (!zf_is_han(s[i])) return 0;
  size_t a = i, z = i + 1;
  while (a > 0 && i - a < PUA_WORD - 1 && zf_is_han(s[a - 1])) a--;
  while (z < n && z - i < PUA_WORD && zf_is_han(s[z])) z++;
  for (size_t j = a; j <= i; j++)
    for (size_t e = (j + 2 > i + 1 ? j + 2 : i + 1); e <= z && e - j <= PUA_WORD; e++)
      if (zf_lm_word(s + j, e - j, NULL)) return 1;
  return 0;
}

/* Big5's punctuation of row A1 that GBK's user-defined rows hold (A140..
 * A17E): PUNCT_OPEN for an opening bracket or quote, PUNCT_REST for the
 * rest (sentence marks, closing brackets, dashes, ellipses, the ideographic
 * space), 0 for any other character. */
enum { PUNCT_REST = 1, PUNCT_OPEN = 2 };
static int punct_kind(uint32_t c) {
  if ((c >= 0x3008 && c <= 0x3011) || (c >= 0x3014 && c <= 0x301B)) return c & 1 ? PUNCT_REST : PUNCT_OPEN;
  if ((c >= 0xFE35 && c <= 0xFE44) || (c >= 0xFE59 && c <= 0xFE5E)) return c & 1 ? PUNCT_OPEN : PUNCT_REST;
  switch (c) {
  case 0xFF08: case 0xFF5B: return PUNCT_OPEN; /* （ ｛ */
  case 0x3000: case 0x3001: case 0x3002: case 0xFF0C: case 0xFF0E: case 0xFF1A: case 0xFF1B: case 0xFF1F:
  case 0xFF01: case 0xFF09: case 0xFF5D: case 0xFF5C: case 0xFF64: case 0x2013: case 0x2014: case 0x2022:
  case 0x2025: case 0x2026: case 0x2027: case 0x00B7: case 0xFE30: case 0xFE31: case 0xFE33: case 0xFE34:
    return PUNCT_REST;
  default: return c >= 0xFE4F && c <= 0xFE57 ? PUNCT_REST : 0;
  }
}

/* Box drawing and block elements (Big5's A2 row: ─ │ ┼ ▁). */
static int is_box(uint32_t c) { return c >= 0x2500 && c <= 0x259F; }

/* Whether s[0..n) from i on holds only punctuation and white space. */
static int punct_to_end(const uint32_t *s, size_t n, size_t i) {
  for (; i < n; i++)
    if (!punct_kind(s[i]) && s[i] != ' ' && s[i] != '\t') return 0;
  return 1;
}

/* Whether punctuation s[i] of s[0..n) stands where punctuation belongs:
 * after Han (over other punctuation: 」。), or an opening bracket before
 * Han whose closing one follows, or in a line of punctuation alone (the
 * tail of a wrapped sentence, `）。`).  A glyph reads as punctuation at a
 * line's start, before Latin or after a space, where text has none. */
static int punct_in_place(const uint32_t *s, size_t n, size_t i) {
  size_t j = i;
  while (j > 0 && punct_kind(s[j - 1])) j--;
  if (j > 0) return zf_is_han(s[j - 1]);
  if (punct_to_end(s, n, i)) return 1;
  if (punct_kind(s[i]) != PUNCT_OPEN) return 0;
  for (j = i + 1; j < n && punct_kind(s[j]); j++) {}
  if (j == n || !zf_is_han(s[j])) return 0;
  for (; j < n; j++)
    if (punct_kind(s[j]) == PUNCT_REST && s[j] != 0x3000) return 1;
  return 0;
}

/* Whether box drawing in s[0..n) draws a table: three pieces, or a row
 * framed by two (│ ... │).  Icon lines hold one glyph, or two side by
 * side. */
static int box_line(const uint32_t *s, size_t n) {
  size_t a = 0, z = n, k = 0;
  for (size_t i = 0; i < n; i++) k += is_box(s[i]);
  while (a < z && (s[a] == ' ' || s[a] == '\t')) a++;
  while (z > a && (s[z - 1] == ' ' || s[z - 1] == '\t')) z--;
  return k >= 3 || (k == 2 && z - a > 2 && is_box(s[a]) && is_box(s[z - 1]));
}

/* Whether the reading s[i] of a private-use character of s[0..n) is text:
 * 1 for a Han inside a word, READ_MARK for Big5's punctuation where it
 * belongs or box drawing in a table, 0 for neither.  Once the document
 * has drawn PUA_TABLES lines of tables with Big5's box drawing, a piece
 * of it alone (the trunk of a tree, `  │ command`) is drawing too. */
#define PUA_TABLES 2
#define READ_MARK 2
static int reads_as_text(const moji *m, const uint32_t *s, size_t n, size_t i) {
  if (zf_is_han(s[i])) return in_word(s, n, i);
  if (punct_kind(s[i])) return punct_in_place(s, n, i) ? READ_MARK : 0;
  return is_box(s[i]) && (box_line(s, n) || m->pua_tables >= PUA_TABLES) ? READ_MARK : 0;
}

int zf_moji_pua_refused(moji *m, const zf_text *in, size_t n, const uint32_t *rep, size_t g0, size_t g1, int dbcs,
                        uint32_t *buf) {
  size_t npua = 0, nother = 0;
  for (size_t i = g0; i < g1; i++)
    if (rep[i - g0] != in->cp[i]) {
      npua += is_pua(in->cp[i]);
      nother += !is_pua(in->cp[i]);
    }
  if (!npua || (nother && zf_moji_rest_gain(in, n, g0, g1, rep, buf) > 0)) {
    m->pua_dmg_lines += dbcs && nother;
    return 0;
  }
  /* private use only, or what else changes does not gain alone (參看 of
   * 看, the rest 傲看): the reading of the private use is the evidence,
   * and the document's private-use lines that read as no word weigh
   * against it */
  memcpy(buf, in->cp, n * sizeof *buf);
  memcpy(buf + g0, rep, (g1 - g0) * sizeof *buf);
  int words = 1, marks = 0;
  for (size_t i = g0; i < g1 && words; i++)
    if (rep[i - g0] != in->cp[i]) {
      words = reads_as_text(m, buf, n, i);
      marks |= words == READ_MARK;
    }
  m->pua_nonword += !words;
  /* Big5's punctuation where text has it, or a table drawn whole, is the
   * damage's own shape: evidence like a line repaired beyond private use
   * (a glyph reads so only by chance: punct_in_place, box_line) */
  m->pua_dmg_lines += words && marks;
  m->pua_tables += words && marks && box_line(buf, n);
  return m->pua_nonword * PUA_DOC_RATIO > m->pua_dmg_lines;
}
