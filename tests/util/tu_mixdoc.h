/* Mixed documents through the mojibake stage run alone (tu_mixdoc.c):
 * lines each damaged its own way, fed in order, each checked. */
#ifndef TU_MIXDOC_H
#define TU_MIXDOC_H

#include <stddef.h>

#include "tu_moji.h"

/* A line of a document: the text written, the damage it went through
 * (a MOJI_SIM_* class; -1: clean), and what must come out (NULL: the
 * text as written). */
typedef struct {
  const char *text;
  int cls;
  const char *want;
} tu_doc_line;

/* Three lines of GBK read as Big5 (the document's signature) and three
 * clean Traditional lines that reading could have made (so the signature
 * is not followed: the lines are damaged one by one). */
extern const tu_doc_line tu_doc_head_gbk[];
extern const size_t tu_doc_nhead_gbk;

/* Feeds l[0..n) through s in order, each damaged as its class says, and
 * fails unless each comes out as it should. */
void tu_doc_feed(tu_moji_stage *s, const tu_doc_line *l, size_t n);
/* One document in a fresh stage: head[0..nh), then l[0..n), each checked. */
void tu_doc_check(const tu_doc_line *head, size_t nh, const tu_doc_line *l, size_t n);
/* The line in, after head[0..nh) and more[0..nm) (each checked), comes
 * out as want. */
void tu_doc_expect_after(const tu_doc_line *head, size_t nh, const tu_doc_line *more, size_t nm,
                         const char *in, const char *want);

#endif
