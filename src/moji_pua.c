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
  int words = 1;
  for (size_t i = g0; i < g1 && words; i++)
    if (rep[i - g0] != in->cp[i]) words = in_word(buf, n, i);
  m->pua_nonword += !words;
  return m->pua_nonword * PUA_DOC_RATIO > m->pua_dmg_lines;
}
