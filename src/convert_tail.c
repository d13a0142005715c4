/*
 * tw2s, hk2s, tw2sp and hk2sp by one greedy pass of their second step,
 * mended where their first step converts (convert_int.h,
 * zf_conv_run_tail; docs/conversion.md, "One pass").
 */
#include "convert_int.h"

/* A pass_tail configuration (tw2s, hk2s and their p forms: the variants
 * step, then the t2s group, segmented by TSPhrases, which the t2s group
 * covers) as one greedy pass of its second step over the line, mended
 * where the first step converts something.
 *
 * The pass over the line as it is gives the segmentation (its matches
 * longer than one character, and the runs between them) and what the
 * chain gives wherever the first step copies a segment: there the second
 * step meets the same text, and the greedy pass finds in a segment the
 * segment's own longest keys.  In Taiwan text the first step changes a
 * character in a third of the lines (為 -> 爲, 裡 -> 裏) and TSPhrases
 * matches rarely, so a segment is mostly the whole line; the general path
 * walked such a line with the t2s group three times (segment_by_pass,
 * step_idle, step_same), with the variants step three times
 * (first_step_idle, step_idle, step_same) and needs_norm once more.
 *
 * Here the variants step walks each segment once, reading (every unit
 * must be one character to one: else the general path does the line),
 * and where it changes characters of a run segment, the second step is
 * redone over a window only: from maxkey - 1 places before the first
 * change (a key starting earlier cannot reach it, so the pass's units
 * there are the chain's, one character each, and a greedy pass restarted
 * at the window's start is in step) to the first unit that starts past
 * the last change (from there the text is the line as it is, and the
 * pass's units are the chain's again).  A segment that is one key is
 * redone whole.  The window's units are written over the pass's output,
 * which must keep its length.  Returns 0 (done, appended to o), -1 when
 * memory is short, or 1, nothing appended, where this is not exact: a key
 * of the normalization, an ideographic description sequence, a unit of
 * another length, a unit of the variants step longer than a character. */
int zf_conv_run_tail(conv *cv, const occ_cfg *c, const zf_text *in, zf_text *o) {
  const int s0 = c->step[0], s1 = c->step[1];
  const zf_occ_dict *d0 = &cv->t->d[s0], *d1 = &cv->t->d[s1];
  const occ_inert *z0 = &cv->sh->inert[s0];
  const occ_accel *acc0 = cv->acc[s0], *acc1 = cv->acc[s1];
  const size_t base = o->len, n = in->len;
  const uint32_t *cp = in->cp;
  const size_t back = d1->maxkey ? d1->maxkey - 1 : 0, back0 = d0->maxkey ? d0->maxkey - 1 : 0;
  seglist *segs = &cv->sa;
  uint32_t *w = NULL; /* the line after the variants step, once it changes */
  int mirror = 0;
  if (!acc0 || !acc1) return 1;
  segs->n = 0;
  int rc = zf_conv_run_pass(cv, s1, c->norm, in, o, segs, &cv->chg, &mirror);
  if (rc < 0) return -1;
  if (rc || !mirror) goto undo;
  uint32_t *ocp = o->cp + base;
  uint64_t *ooff = o->off + base; /* the segmentation's offsets: the chain's input */
  size_t chg = cv->chg;
  for (size_t k = 0, from = 0; k < segs->n; from = segs->end[k++]) {
    const size_t b = segs->end[k];
    /* The next marked place (occ_accel.marks): where the variants step
     * has no marked character within its longest key ahead, its unit is
     * one character, itself, so the walk goes straight on to back0
     * places before the mark, and stops past the last one.  80% of the
     * lines of Taiwan text hold none, where a third of its Han characters
     * start a phrase of the step and each ended acc_quiet_end's run. */
    size_t nm = acc0->marks_ok ? marks_next(acc0, cp, from, b) : from;
    if (nm == b) continue;
    const int whole = b - from > 1 && ooff[from] == ooff[from + 1]; /* one key */
    size_t first = SIZE_MAX, last = 0;
    for (size_t i = from; i < b;) {
      if (acc0->marks_ok) {
        if (nm < i) nm = marks_next(acc0, cp, i, b);
        if (nm == b) break;
        if (nm - i > back0) i = nm - back0;
      }
      if ((i = acc_quiet_end(acc0, cp, i, b)) == b) break;
      uint32_t x = cp[i];
      if (inert(z0, x) || quiet_ascii(z0, acc0, cp, i, b)) {
        i = inert_end(z0, cp, i + 1, b);
        continue;
      }
      uint32_t e = plain_value(acc0, 1, cp, i, b);
      const uint32_t *v = &e;
      size_t vl = 1, m = 1;
      if (e == NOT_PLAIN) {
        m = zf_occ_match_e(d0, cp + i, b - i, cv->errata, &v, &vl);
        if (!m) {
          if (idc_arity(x)) goto undo;
          i++;
          continue;
        }
        if (vl != m) goto undo;
      }
      if (m == 1 && v[0] == x) {
        i++;
        continue;
      }
      if (!w) {
        if (zf_text_reserve(&cv->a, n)) return -1;
        w = cv->a.cp;
        memcpy(w, cp, n * sizeof *cp);
      }
      /* A unit of several characters (參見) is tagged as one: the second
       * step reads its offsets from ooff, redone over the whole unit. */
      uint64_t tag = m > 1 ? unit_tag(cv, ooff, i, m) : 0;
      for (size_t u = 0; u < m; u++) {
        w[i + u] = v[u];
        if (m > 1) ooff[i + u] = tag;
      }
      first = first == SIZE_MAX ? i : first;
      last = i + m - 1;
      i += m;
    }
    if (first == SIZE_MAX) continue;
    /* the second step over the window of w */
    size_t i = whole || first - from < back ? from : first - back;
    while (i < b && (whole || i <= last)) {
      uint32_t e = plain_value(acc1, 1, w, i, b);
      if (e != NOT_PLAIN) {
        chg += (size_t)(e != cp[i]) - (size_t)(ocp[i] != cp[i]);
        ocp[i++] = e;
        continue;
      }
      const uint32_t *v;
      size_t vl, m = zf_occ_match_e(d1, w + i, b - i, cv->errata, &v, &vl);
      if (!m) {
        if (idc_arity(w[i])) goto undo;
        v = w + i;
        vl = m = 1;
      }
      if (vl != m) goto undo;
      uint64_t tag = unit_tag(cv, ooff, i, m);
      for (size_t u = 0; u < m; u++, i++) {
        chg += (size_t)(v[u] != cp[i]) - (size_t)(ocp[i] != cp[i]);
        ocp[i] = v[u];
        ooff[i] = tag;
      }
    }
  }
  cv->chg = chg;
  return 0;
undo:
  o->len = base;
  cv->chg = SIZE_MAX;
  return 1;
}
