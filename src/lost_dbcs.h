/*
 * Private to the lost-byte stage (lost_stage.c, lost_dbcs.c): dropped
 * bytes with a double-byte source, GBK read by a Big5 decoder or Big5 by a
 * GBK decoder (the linear reader of lost_drop.c), and the evidence of
 * characters gone whole pooled over a document.  docs/repair-lost.md,
 * phases 6-9.
 */
#ifndef ZF_LOST_DBCS_H
#define ZF_LOST_DBCS_H

#include "lost.h"

/* lines of one class a document shows before its short lines are read on
 * less (lost_stage.c) */
#define DOC_HITS 2
/* the margin of the reading with nothing lost, from DOC_LL_HITS lines
 * of one class (lost_dbcs.c) */
#define DOC_DROP_LOSSLESS 0.0
#define DOC_LL_HITS (2 * DOC_HITS)
/* pooled odds (log10) that the document's reader drops whole characters */
#define WHOLE_ABSENT 2.0

/* whole_gone's evidence pooled per class over a document's lines, and
 * whether some class reached WHOLE_ABSENT */
typedef struct whole_ev {
  double pool[32];
  double floor[32]; /* the detection window's pool (prescan): a floor */
  int shown;
} whole_ev;

static inline size_t nonascii(const zf_text *in) {
  size_t n = 0;
  for (size_t i = 0; i < in->len; i++) n += in->cp[i] >= 0x80;
  return n;
}

int zf_lost_whole_gone(zf_lost *l, const zf_text *in, size_t na, double *mass, whole_ev *ev);
int zf_lost_whole_report(const zf_text *in, zf_stats *stats);
int zf_lost_dbcs_drop_line(zf_lost *l, int mode, int doc, const zf_text *in, zf_text *out, zf_stats *stats,
                          zf_lost_result *res, const zf_lost_hyp **used, int *whole, double *mass, whole_ev *pool,
                          size_t *read, double ll, int only);

/* 1 when the line, nothing but ASCII, holds a lone `@` that the reader of
 * class doc leaves of a character whose lead it dropped (lost_dbcs.c) */
int zf_lost_lone_trail(int doc, const zf_text *in);

/* For tests (tests/test_lost_bound.c): the drop reader's bound pass and
 * exact pass (lost_drop.c) over one line under class h, no decision
 * taken: *bound and *exact the best readings' scores (-FLT_MAX: none),
 * *literal the line as it stands.  0; ZF_LOST_NOFIT when h is not a
 * double-byte class, the line not a dropping reader's, or the bound has
 * no sets (tables other than the process-wide ones); ZHFIX_E_NOMEM. */
int zf_lost_drop_bound(zf_lost *l, const zf_lost_hyp *h, const zf_text *in, float *bound, float *exact,
                       double *literal);

#endif
