/*
 * Subtitles: SubRip (.srt), WebVTT (.vtt) and ASS/SSA.  Only the text of a
 * cue is prose.  Cue numbers and identifiers, timing lines ("-->"), the
 * WebVTT header and its NOTE / STYLE / REGION blocks, ASS section headers
 * and every field of an ASS event but its text are not; in the text,
 * markup (<i>, <c.yellow>, <00:01.000>) and ASS override blocks ({\an8})
 * and line breaks (\N) are not either.
 */
#include "format_int.h"

enum { SZ_ID = 0, SZ_TEXT, SZ_BLOCK };

static void cue_text(zf_fmt *f, const uint32_t *cp, size_t s, size_t e) {
  fmt_mark(f, s, e);
  for (size_t i = s; i < e; i++) {
    uint32_t c = cp[i];
    uint32_t close = c == '<' ? '>' : c == '{' ? '}' : 0;
    if (close) {
      size_t k = i + 1;
      while (k < e && cp[k] != close) k++;
      if (k < e) {
        fmt_unmark(f, i, k + 1);
        i = k;
      }
    } else if (c == '\\' && i + 1 < e && (cp[i + 1] == 'N' || cp[i + 1] == 'n' || cp[i + 1] == 'h')) {
      fmt_unmark(f, i, i + 2);
      i++;
    }
  }
}

void fmt_scan_subtitle(zf_fmt *f, const uint32_t *cp, size_t end) {
  if (!f->bol) { /* the rest of a cut line */
    if (f->pl_code == 2) cue_text(f, cp, 0, end);
    return;
  }
  f->pl_code = 0;
  size_t a = 0;
  while (a < end && (fmt_is_space(cp[a]) || cp[a] == 0xFEFF)) a++;
  if (a == end) { /* a blank line ends a cue or a block */
    f->s_zone = SZ_ID;
    return;
  }
  /* ASS / SSA */
  if (cp[a] == '[') return; /* [Script Info], [Events] */
  if (fmt_at(cp, a, end, "Dialogue:") || fmt_at(cp, a, end, "Comment:")) {
    /* Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text */
    size_t i = a, commas = 0;
    while (i < end && commas < 9) commas += cp[i++] == ',';
    if (commas == 9 && cp[a] == 'D') {
      cue_text(f, cp, i, end);
      f->pl_code = 2;
    }
    return;
  }
  for (size_t i = a; i + 2 < end; i++)
    if (cp[i] == '-' && cp[i + 1] == '-' && cp[i + 2] == '>') { /* timing */
      f->s_zone = SZ_TEXT;
      return;
    }
  if (fmt_at(cp, a, end, "WEBVTT") || fmt_at(cp, a, end, "NOTE") ||
      fmt_at(cp, a, end, "STYLE") || fmt_at(cp, a, end, "REGION")) {
    if (f->s_zone == SZ_ID) f->s_zone = SZ_BLOCK;
  }
  if (f->s_zone != SZ_TEXT) return;
  cue_text(f, cp, a, end);
  f->pl_code = 2;
}
