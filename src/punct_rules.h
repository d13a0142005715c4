/*
 * What the punctuation stage (punct*.c) shows its tests
 * (tests/test_punct.c) and nothing else: the rule identifiers, the edits
 * counted per rule, and a switch for the shortcut.  The tests run the
 * stage through zf_stage_punct (zf.h).  The rules are described in
 * docs/punctuation.md.
 */
#ifndef ZF_PUNCT_RULES_H
#define ZF_PUNCT_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "zf.h"

typedef enum zf_punct_rule {
  ZF_PR_CONTROL = 0, /* --controls=strip: C0/C1 controls, ANSI escapes removed */
  ZF_PR_INVISIBLE,   /* zero-width characters and stray BOMs removed       */
  ZF_PR_FW_ALNUM,    /* full-width ASCII letters and digits -> half-width  */
  ZF_PR_WIDTH,       /* , ; : ? ! -> ， ； ： ？ ！ in Chinese context      */
  ZF_PR_PERIOD,      /* . -> 。 where it ends a Chinese sentence           */
  ZF_PR_PAREN,       /* ( ) -> （ ） around or after Chinese text          */
  ZF_PR_QUOTE,       /* quote style, level and pairing                     */
  ZF_PR_ELLIPSIS,    /* ... 。。。 ··· and a lone … -> ……                  */
  ZF_PR_DASH,        /* -- and a lone — between Chinese -> ——              */
  ZF_PR_INTERPUNCT,  /* ‧ • ・ ･ between Han name parts -> ·               */
  ZF_PR_SPACE,       /* spaces next to full-width punctuation removed      */
  ZF_PR_IDSPACE,     /* ideographic spaces removed (or made one ASCII space) */
  ZF_PR_SPACING,     /* --spacing: space inserted between Han and Latin    */
  ZF_PR__COUNT
} zf_punct_rule;

/* Stable snake_case name of a rule ("width", "quote", ...). */
const char *zf_punct_rule_name(int rule);

/* Edits per rule made so far by a punct stage state (st from
 * zf_stage_punct.create, not NULL). */
void zf_punct_rule_counts(const void *st, uint64_t counts[ZF_PR__COUNT]);

/* Turns the shortcut for lines no rule can change on (default) or off, so
 * the tests can check that it changes nothing. */
void zf_punct_set_fast_path(void *st, int on);

#endif
