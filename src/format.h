/*
 * The format scanner: which code points of a segment are prose, so that
 * typography (punct.c) touches prose only.  docs/formats.md describes, per
 * format, what is prose and why.
 *
 * One scanner per document, fed every segment in order (also the segments
 * the punctuation stage then passes through unchanged), because its state
 * carries across lines: block comments, fences, front matter, <pre>,
 * heredocs, multi-line strings.  Its decisions depend only on the
 * segments' content (and on whether a segment starts a line), never on how
 * the input was fed, so output stays independent of chunking.  The cost
 * is linear in the segment, and on a plain-text line that starts with
 * Chinese it is a few comparisons.
 */
#ifndef ZF_FORMAT_H
#define ZF_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "zf.h"

#define ZF_FORMAT_MAX ZHFIX_FORMAT_VUE

/* The format of a document whose format option is AUTO, from the decoded
 * detection window: never AUTO (TEXT when nothing else is clear). */
int zf_format_sniff(const zf_text *window);

typedef struct zf_fmt zf_fmt;

/* A scanner for a resolved format (AUTO is read as TEXT).  Returns 0 or
 * ZHFIX_E_NOMEM. */
int zf_fmt_new(zf_fmt **f, int format);
void zf_fmt_free(zf_fmt *f);
/* f as zf_fmt_new(.., format) makes it: a new document. */
void zf_fmt_reinit(zf_fmt *f, int format);

enum {
  ZF_PROSE_NONE = 0, /* no code point of the body is prose               */
  ZF_PROSE_ALL = 1,  /* all of it is                                     */
  ZF_PROSE_SOME = 2  /* prose[i] is 1 exactly for the prose code points  */
};

/* Scans one segment: cp[0..end) is its body, cp[end..len) its line
 * terminator (empty when a long line was cut there).  prose has room for
 * end entries and is written only when SOME is returned. */
int zf_fmt_scan(zf_fmt *f, const uint32_t *cp, size_t end, size_t len, uint8_t *prose);

/* For a segment whose prose the caller does not need (no rule could
 * change any of it): when the scanner can carry its state over such a
 * segment more cheaply than zf_fmt_scan, does so and returns 1 (a whole
 * plain-text line: only its fence matters to the lines after it); else
 * returns 0, and the caller scans it with zf_fmt_scan as usual. */
int zf_fmt_skip(zf_fmt *f, const uint32_t *cp, size_t end, size_t len);

/* Whether the space at k of the segment cp[0..end) that f scans next is
 * certainly not prose, if the segment holds prose at all: in plain text,
 * a layout space of the line's indentation or of its end, or one of the
 * spaces beside a table row's pipe.  (The punctuation stage's shortcut:
 * such a space is protected, so it stays beside full-width
 * punctuation.) */
int zf_fmt_layout_space(const zf_fmt *f, const uint32_t *cp, size_t end, size_t k);

/* Whether f scans plain text (ZHFIX_FORMAT_TEXT, what AUTO is read as):
 * its only code points that are not prose are a line's layout spaces,
 * the pipes of a table row and their spaces, and whole lines of code. */
int zf_fmt_is_text(const zf_fmt *f);

/* Whether cp[s..e), one line of plain text (or of a comment), reads as
 * code or data rather than prose: an assignment, a statement, a JSON or
 * object literal, an SQL statement, a shell command, a `key: value` line,
 * a line ending in ';' or '{'.  Exposed for the tests. */
int zf_fmt_codeish(const uint32_t *cp, size_t s, size_t e);

#endif
