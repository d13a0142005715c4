/*
 * Internals shared by the format scanner's files (format*.c): the state
 * of one scanner and the helpers every lexer uses.  Private to them.
 *
 * A lexer is called once per segment with the scanner state; it marks the
 * prose code points of the body with prose_span() / prose_line() and
 * keeps whatever it needs for the next segment in the state.  f->bol says
 * whether the segment starts a line (a line longer than ZHFIX_MAX_SEGMENT
 * comes in several segments; only the first starts the line).
 */
#ifndef ZF_FORMAT_INT_H
#define ZF_FORMAT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "format.h"

/* Longest delimiter kept: heredoc words, C++ raw-string delimiters, the
 * name of an HTML raw-text element. */
#define FMT_DELIM_MAX 32
/* Nesting kept for JavaScript template literals and ${...}. */
#define FMT_NEST_MAX 16

/* Lexer states (st) of the code lexers and of the HTML islands. */
enum {
  CS_CODE = 0,
  CS_LINE_COMMENT,  /* to the end of the line                           */
  CS_BLOCK_COMMENT, /* to its closer; depth for nesting ones            */
  CS_STRING,        /* quote in f->quote; escapes with backslash        */
  CS_RAW,           /* raw string: ends at f->delim                     */
  CS_TEMPLATE,      /* JavaScript `...`                                 */
  CS_REGEX,         /* JavaScript /.../                                 */
  CS_HEREDOC,       /* lines until one equal to f->delim                */
  CS_LONG,          /* Lua long bracket string or comment (f->n '='s)   */
  CS_DATA,          /* __END__ and after: not prose                     */
  CS_POD            /* Perl POD, Ruby =begin: documentation lines       */
};

struct zf_fmt {
  int format;
  int bol;       /* this segment starts a line                          */
  int eol;       /* this segment ends one (it has a terminator)         */
  uint8_t *mask; /* the scan's prose[] (NULL outside a scan)            */
  size_t marked; /* prose code points marked in this scan               */

  /* Prose lines (plain text, comments, Markdown paragraphs). */
  uint32_t pl_fence; /* inside a ``` / ~~~ fence: its character        */
  int pl_fence_len;
  int pl_code;       /* the line being continued was judged code       */

  /* Code lexers. */
  int st;
  int depth;          /* block comment nesting; template/${} nesting    */
  int n;              /* '='s of a Lua long bracket, '#'s of a raw string */
  uint32_t quote;     /* closing quote of CS_STRING                      */
  int multiline;      /* the current string may span lines               */
  int str_esc;        /* backslash escapes in the current string         */
  int comment_line;   /* a line comment that a trailing '\' continues    */
  int comment_code;   /* a comment that is not text (MySQL hints, "#!") */
  int parts;          /* Perl s{}{} / tr///: delimited parts still to come */
  int ret;            /* state to return to after POD or a heredoc       */
  size_t scan_end;    /* the body's end in the current scan              */
  uint32_t last;      /* last significant code character (regex test)    */
  int last_word_expr; /* the last word ends an expression (not a keyword) */
  uint32_t delim[FMT_DELIM_MAX];
  size_t dlen;
  int heredoc_strip;  /* <<- : leading tabs (or any indent) before the word */
  uint32_t pend[FMT_DELIM_MAX]; /* heredoc announced on this line        */
  size_t pend_len;
  int pend_strip, pend_on;
  int tmpl[FMT_NEST_MAX]; /* JS: brace depth at each ${ opened           */
  int ntmpl;
  int braces;

  /* HTML (also PHP and Vue). */
  int h_st;          /* HS_* (format_html.c)                              */
  uint32_t h_quote;  /* attribute quote inside a tag                      */
  int h_pre;         /* depth of pre/code-like elements                   */
  int h_tag_pending; /* the tag being read opens a raw/pre element (HT_*) */
  int h_end_tag;     /* the tag being read is an end tag                  */
  uint32_t h_name[FMT_DELIM_MAX];
  size_t h_nlen;
  int island;        /* PHP code island / Vue script or style: its format */
  int h_after;       /* state to return to after a PHP island             */

  /* Markdown. */
  int md_front;      /* 1 in front matter (its closer in md_front_ch)     */
  uint32_t md_front_ch;
  int md_lineno;     /* lines seen, to recognise front matter on line 1   */
  uint32_t md_fence;
  int md_fence_len;
  int md_html;       /* in an HTML block: its type (1-7)                  */
  int md_prev_blank, md_prev_code, md_para;
  int md_list;       /* content column of the innermost list item, or 0   */
  int md_ticks;      /* an open code span across lines: its backtick count */
  int md_comment;    /* an open inline <!-- --> across lines              */

  /* troff. */
  int t_nofill;      /* .nf / .EX / .TS / .EQ / .PS ...                    */
  int t_skip;        /* .de / .ig: until ".." (or the given end)          */
  uint32_t t_end[8];
  size_t t_endlen;
  int t_synopsis;    /* in a SYNOPSIS section                             */
  int t_tag;         /* the next text line is a .TP tag                   */
  int t_mdoc;        /* an mdoc page (.Dd / .Dt seen)                     */

  /* Subtitles. */
  int s_zone;        /* SZ_* (format_sub.c)                               */
};

/* ---- marking ---------------------------------------------------------- */

static inline void fmt_mark(zf_fmt *f, size_t s, size_t e) {
  if (e > s) {
    memset(f->mask + s, 1, e - s);
    f->marked += e - s;
  }
}
static inline void fmt_unmark(zf_fmt *f, size_t s, size_t e) {
  for (size_t i = s; i < e; i++) {
    f->marked -= f->mask[i];
    f->mask[i] = 0;
  }
}

/* Marks cp[s..e) prose when, read as one line of plain text (or the part
 * of one that a previous piece of a cut line began: cont), it is neither
 * inside a ``` fence nor code-like.  The fence state is f->pl_fence. */
void fmt_prose_line(zf_fmt *f, const uint32_t *cp, size_t s, size_t e, int cont);

/* Marks the table structure of cp[s..e) (pipes and the spaces around
 * them) not prose; returns whether the line is a table row. */
int fmt_table_row(zf_fmt *f, const uint32_t *cp, size_t s, size_t e);

/* ---- lexers (one per family) ----------------------------------------- */

void fmt_scan_text(zf_fmt *f, const uint32_t *cp, size_t end);
/* Whether fmt_scan_text() takes the plain-text line cp[0..end) (end > 0)
 * whole for prose at once (it starts with Chinese and ends in no space),
 * trailing layout such as a no-break space included. */
int fmt_text_all_prose(const zf_fmt *f, const uint32_t *cp, size_t end);
/* The state fmt_scan_text() leaves after a whole line (f->bol) whose mask
 * is not wanted: only a fence changes what the lines after it are. */
void fmt_skip_text(zf_fmt *f, const uint32_t *cp, size_t end);
void fmt_scan_markdown(zf_fmt *f, const uint32_t *cp, size_t end);
void fmt_scan_html(zf_fmt *f, const uint32_t *cp, size_t end);
void fmt_scan_troff(zf_fmt *f, const uint32_t *cp, size_t end);
void fmt_scan_subtitle(zf_fmt *f, const uint32_t *cp, size_t end);
/* Code of format fmt (a ZHFIX_FORMAT_ code value) over cp[s..e); returns
 * where it stopped: e, or for a PHP island the position of its "?>" and
 * for a Vue block the position of its "</" end tag (stop_at_close). */
size_t fmt_scan_code(zf_fmt *f, int fmt, const uint32_t *cp, size_t s, size_t e,
                     int line_start, int stop_at_close);
/* Resets the code lexer's state (a new PHP island or Vue block). */
void fmt_code_reset(zf_fmt *f);

/* ---- character helpers ------------------------------------------------ */

static inline int fmt_is_alpha(uint32_t c) { return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }
static inline int fmt_is_digit(uint32_t c) { return c >= '0' && c <= '9'; }
static inline int fmt_is_ident(uint32_t c) {
  return fmt_is_alpha(c) || fmt_is_digit(c) || c == '_';
}
static inline int fmt_is_space(uint32_t c) { return c == ' ' || c == '\t'; }
/* Every space that can indent a line. */
static inline int fmt_is_layout_space(uint32_t c) {
  return c == ' ' || c == '\t' || c == 0x3000 || c == 0xA0 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x202F || c == 0x205F;
}
static inline uint32_t fmt_lower(uint32_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* Characters of Chinese (and Japanese) running text, and the full-width
 * punctuation around them: a line that starts with one is prose. */
static inline int fmt_is_cjk(uint32_t c) {
  return zf_is_han(c) || (c >= 0x3000 && c <= 0x30FF) || (c >= 0xFF00 && c <= 0xFFEF) ||
         (c >= 0x3100 && c <= 0x31FF) || (c >= 0xAC00 && c <= 0xD7AF) ||
         (c >= 0x2018 && c <= 0x201F);
}

/* Whether cp[i..e) starts with the ASCII string s (case-sensitive). */
static inline int fmt_at(const uint32_t *cp, size_t i, size_t e, const char *s) {
  for (; *s; s++, i++)
    if (i >= e || cp[i] != (unsigned char)*s) return 0;
  return 1;
}
/* Same, ignoring ASCII case (s in lower case). */
static inline int fmt_at_ci(const uint32_t *cp, size_t i, size_t e, const char *s) {
  for (; *s; s++, i++)
    if (i >= e || fmt_lower(cp[i]) != (unsigned char)*s) return 0;
  return 1;
}

#endif
