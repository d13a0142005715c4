/*
 * Stage 3: Simplified <-> Traditional conversion, OpenCC-compatible.
 *
 * OpenCC's current data and configurations (1.4.2, from the npm packages
 * opencc-js and opencc, read by tools/gen_opencc.py into
 * data/opencc_dicts.bin), with the semantics of
 * opencc-js, the oracle of tests/test_opencc_oracle.c (docs/conversion.md):
 *   0. Normalization: the line is converted with CJK_Compatibility_Ideographs
 *      (compatibility ideographs to their unified forms) first.
 *   1. Segmentation: maximum forward match on the segmentation group.  A
 *      matched key is one segment; a run of characters that start no key is
 *      one segment.  Without a segmentation group the line is one segment.
 *   2. Each step of the conversion chain converts each segment on its own
 *      by the longest key of its group (the earlier dictionary of the group
 *      wins a key several hold), writing the first candidate.  Segment
 *      boundaries survive the chain.
 *   In every pass an ideographic description sequence (⿰氵青) that starts
 *   no key is copied whole, so its components are never converted.
 * A pair with no OpenCC configuration is opencc-js's composition of its
 * locale groups ("from tw" then "to hk"); same-script pairs are the
 * identity.  By default the errata (data/opencc_errata.txt) replace the
 * upstream values they correct; ZHFIX_OPT_OPENCC_EXACT turns them off.
 *
 * Half-converted text (docs/conversion.md, "Half-converted text"): unless
 * the script was given explicitly and differs from the target, a line of a
 * document that mixes scripts gets two candidate conversions: OpenCC's for
 * the script of the document, and OpenCC's for the line read as Simplified
 * (folded to Simplified, then converted to the target).  The line is cut
 * into spans at the places where neither conversion has a phrase crossing,
 * and each span takes one candidate whole, the second only where the span
 * holds possible residue; two phrase conversions are never merged
 * character by character.
 *
 * Files: the process-wide tables are convert_shared.c, segmentation and
 * matching convert_match.c and convert_tail.c, the repair of half-converted text
 * convert_repair.c (convert_int.h); this file is the stage.  The derived
 * tables are built once per process and shared read-only; a handle
 * allocates only its scratch buffers.
 */
#include "convert_int.h"

/* ---- the stage ----------------------------------------------------------- */

/* Whether the repair of any line is the exact conversion, unit for unit
 * (zf_conv_repair_may_differ): the fold is the exact plan, the way back
 * the identity, and no step of the plan converts a Simplified form to
 * anything else as a unit of its own (occ_accel.sf_stay), so
 * keep_simp_forms never writes and the candidates are equal.  A
 * Traditional document to Simplified (t2s): its lines then take the
 * exact conversion without the scripts of each line being asked. */
static int repair_is_exact(const conv *cv) {
  const occ_cfg *c = &cv->exact;
  if (!cv->fold_exact || c->kind == K_IDENTITY || (c->norm >= 0 && c->norm != ZF_OCC_NORM)) return 0;
  for (int s = 0; s < c->nsteps; s++)
    if (!cv->acc[c->step[s]] || !cv->acc[c->step[s]]->sf_stay) return 0;
  return 1;
}

static int create(void **st, const zf_opts *o) {
  *st = NULL;
  if (o->to == ZHFIX_TO_KEEP) return 0;
  if (o->to < ZHFIX_TO_SIMP || o->to > ZHFIX_TO_JP || o->script < ZHFIX_SCRIPT_SIMP ||
      o->script > ZHFIX_SCRIPT_JP)
    return ZHFIX_E_UNSUPPORTED;
  int err = 0;
  occ_shared *sh = zf_conv_shared(&err);
  if (!sh) return err;
  conv *cv = calloc(1, sizeof *cv);
  if (!cv) return ZHFIX_E_NOMEM;
  cv->sh = sh;
  cv->t = &sh->t;
  cv->script = o->script;
  cv->to = o->to;
  cv->errata = !o->opencc_exact;
  zf_conv_plan(sh, o->script, o->to, &cv->exact);
  /* Folding Simplified text means folding its Traditional residue. */
  zf_conv_plan(sh, o->script == ZHFIX_SCRIPT_SIMP ? ZHFIX_SCRIPT_TRAD : o->script, ZHFIX_TO_SIMP, &cv->fold);
  zf_conv_plan(sh, ZHFIX_SCRIPT_SIMP, o->to, &cv->back);
  cv->fold_exact = zf_conv_fold_exact(cv);
  /* Residue is what the second candidate may rewrite: possible
   * Traditional forms for the Simplified target; for a Traditional target,
   * possible Simplified forms and candidates a character-by-character
   * converter may have guessed wrongly (頭發, 沖突), not characters t2s
   * keeps (甯, a name character). */
  cv->residue_cap = o->to == ZHFIX_TO_SIMP ? ZF_OCC_TRAD_CAP : ZF_OCC_SIMP_CAP | ZF_OCC_TRAD_AMBIG;
  /* Text mixes scripts when it holds characters only the other script
   * has. */
  cv->other_only = o->script == ZHFIX_SCRIPT_SIMP ? SF_TRAD_ONLY : SF_SIMP_ONLY;
  /* An explicit, different script asks for OpenCC's exact output; the
   * repair is about Chinese scripts, not Japanese. */
  cv->repair = (o->script_detected || o->script == o->to) && o->script != ZHFIX_SCRIPT_JP &&
               o->to != ZHFIX_TO_JP;
  /* Characters no dictionary of this handle starts: a line of them only
   * passes through. */
  cv->line_inert.low = 0x110000;
  /* Accelerators of the one-pass steps this handle may run. */
  const occ_cfg *cfgs[3] = {&cv->exact, &cv->fold, &cv->back};
  for (int k = 0; k < (cv->repair ? 3 : 1); k++) {
    const occ_cfg *c = cfgs[k];
    /* (the general path's steps use the first level too: convert_range) */
    if (c->kind != K_IDENTITY)
      for (int s = 0; s < c->nsteps; s++) cv->acc[c->step[s]] = zf_conv_accel(sh, c->step[s]);
    int ds[2 + STEPS_MAX] = {c->norm, c->seg, -1, -1, -1};
    for (int s = 0; s < c->nsteps; s++) ds[2 + s] = c->step[s];
    for (int k2 = 0; k2 < 2 + STEPS_MAX; k2++) {
      if (ds[k2] < 0) continue;
      const occ_inert *z = &sh->inert[ds[k2]];
      cv->line_inert.ascii[0] |= z->ascii[0];
      cv->line_inert.ascii[1] |= z->ascii[1];
      for (int a = 0; a < 128; a++) cv->line_inert.stop[a] |= z->stop[a];
      if (z->low < cv->line_inert.low) cv->line_inert.low = z->low;
    }
  }
  zf_conv_inert_finish(&cv->line_inert);
  cv->repair_same = repair_is_exact(cv);
  /* Simplified text to a Traditional target whose first step is one
   * pass over the line (s2t; s2tw, s2twp, s2hk, s2hkp fused with their
   * segmentation): the pass tells whether a line holds a
   * Traditional-only character (convert_line) */
  const occ_accel *a0 =
      cv->exact.kind == K_PASS || cv->exact.kind == K_FUSED ? cv->acc[cv->exact.step[0]] : NULL;
  cv->fuse_trad = cv->repair && cv->script == ZHFIX_SCRIPT_SIMP && cv->to != ZHFIX_TO_SIMP && a0 &&
                  a0->trad_ok;
  *st = cv;
  return 0;
}

/* Whether the line holds a character only the other script has. */
static int line_mixed(const conv *cv, const zf_text *in) {
  return sf_any(cv->sh, cv->other_only, in->cp, in->len);
}

static int convert_line(conv *cv, const zf_text *in, zf_text *out, residue_set *seen);

/* How many different ambiguous characters the repair must find to rewrite
 * in the detection window before it calls a document half-converted.
 * Clean text disagrees with the round trip on one or two characters at
 * most, however often (游標 and 碼表 in the zh_TW man pages: OpenCC's s2t
 * writes 遊, 錶); a converter working character by character leaves many
 * different ones (the sample: 后 并 于 周 布 斗 么 系 干 里 雇). */
#define RESIDUE_DISTINCT 4

/* The detection window decides whether the whole document is mixed: a
 * character only the other script has is proof, and so is residue of
 * RESIDUE_DISTINCT different ambiguous characters. */
static void prescan(void *st, const zf_text *prefix) {
  conv *cv = st;
  residue_set seen = {{0}, 0};
  zf_text tmp = {0};
  /* Simplified to Traditional decides line by line (wants_repair). */
  /* Nor where the repair is the exact conversion (repair_is_exact). */
  if (!cv->repair || cv->repair_same || (cv->script == ZHFIX_SCRIPT_SIMP && cv->to != ZHFIX_TO_SIMP)) return;
  cv->doc_mixed = 0;
  for (size_t a = 0; a < prefix->len && !cv->doc_mixed;) {
    size_t b = a;
    while (b < prefix->len && prefix->cp[b] != '\n') b++;
    if (b < prefix->len) b++;
    /* A read-only view of one line of the window. */
    zf_text line = {prefix->cp + a, prefix->off + a, b - a, b - a};
    zf_text_clear(&tmp);
    if (line_mixed(cv, &line) || seen.n >= RESIDUE_DISTINCT) cv->doc_mixed = 1;
    else if (convert_line(cv, &line, &tmp, &seen)) break;
    a = b;
  }
  if (seen.n >= RESIDUE_DISTINCT) cv->doc_mixed = 1;
  zf_text_free(&tmp);
}

/* Four code points at a time (GCC's generic vectors: SSE2 here, plain
 * code where the target has none). */
typedef uint32_t cc_v4u __attribute__((vector_size(16)));
typedef int32_t cc_v4i __attribute__((vector_size(16)));

static uint64_t count_changed(const zf_text *in, const zf_text *out) {
  size_t n = in->len < out->len ? in->len : out->len, i = 0;
  uint64_t k = in->len > out->len ? in->len - out->len : out->len - in->len;
  const uint32_t *a = in->cp, *b = out->cp;
  cc_v4i d = {0, 0, 0, 0}; /* -1 per differing code point */
  for (; i + 4 <= n; i += 4) {
    cc_v4u x, y;
    memcpy(&x, a + i, sizeof x);
    memcpy(&y, b + i, sizeof y);
    d += (cc_v4i)(x != y);
  }
  k += (uint64_t)-(int64_t)((int64_t)d[0] + d[1] + d[2] + d[3]);
  for (; i < n; i++) k += a[i] != b[i];
  return k;
}

/* Whether this line takes the repair. */
static int wants_repair(const conv *cv, const zf_text *in) {
  if (!cv->repair) return 0;
  if (cv->script == ZHFIX_SCRIPT_SIMP && cv->to != ZHFIX_TO_SIMP) {
    /* Simplified text to Traditional: Traditional characters in it are
     * Traditional already, and a Traditional line quoted in a Simplified
     * document (a poem in fortunes-zh) is better left to the exact
     * conversion; only a line that mixes both scripts has phrases the
     * mixing broke (头發). */
    return sf_any(cv->sh, SF_TRAD_ONLY, in->cp, in->len) && sf_any(cv->sh, SF_SIMP_ONLY, in->cp, in->len);
  }
  return cv->doc_mixed || line_mixed(cv, in);
}

/* Converts one line.  Its line break ("\n", "\r\n", "\r") is not part
 * of the text converted: a key never holds one, but an ideographic
 * description sequence at the end of the line would take it as a
 * component and so keep its last characters from being converted. */
static int convert_line(conv *cv, const zf_text *in, zf_text *out, residue_set *seen) {
  size_t k = in->len;
  if (k && in->cp[k - 1] == '\n') k--;
  if (k && in->cp[k - 1] == '\r') k--;
  zf_text body = {in->cp, in->off, k, k};
  /* prescan (seen) repairs every line it looks at */
  int rc;
  if (!seen && cv->fuse_trad) {
    /* wants_repair's first question answered by the exact conversion's
     * own pass, which meets every Traditional-only character of the line
     * that sf_any would find (occ_accel.trad_ok; -1: it did not see the
     * line whole, e.g. normalized it first): the line is converted
     * exactly, and only a line that holds one and a Simplified-only
     * character, whose repair may differ, is done again by the repair.
     * So a line goes the way wants_repair sends it, and the scan of
     * every line for Traditional-only characters is gone
     * (tests/test_convert_repair.c, test_fused_trad). */
    size_t at = out->len;
    cv->trad_seen = -1;
    cv->trad_src = &body;
    rc = zf_conv_run_config(cv, &cv->exact, &body, out);
    cv->trad_src = NULL;
    if (!rc && (cv->trad_seen < 0 ? sf_any(cv->sh, SF_TRAD_ONLY, body.cp, body.len) : cv->trad_seen) &&
        sf_any(cv->sh, SF_SIMP_ONLY, body.cp, body.len) && zf_conv_repair_may_differ(cv, &body)) {
      out->len = at;
      rc = zf_conv_repair(cv, &body, out, NULL);
      cv->chg = SIZE_MAX;
    }
  } else if (seen || (!cv->repair_same && wants_repair(cv, &body) && zf_conv_repair_may_differ(cv, &body))) {
    rc = zf_conv_repair(cv, &body, out, seen);
    cv->chg = SIZE_MAX;
  } else {
    rc = zf_conv_run_config(cv, &cv->exact, &body, out);
  }
  return rc ? rc : copy(out, in, k, in->len);
}

static int run(void *st, const zf_text *in, zf_text *out, zf_stats *stats) {
  conv *cv = st;
  /* nothing any step could change */
  if (inert_end(&cv->line_inert, in->cp, 0, in->len) == in->len) return ZF_UNCHANGED;
  if (convert_line(cv, in, out, NULL)) return ZHFIX_E_NOMEM;
  /* the line break is copied: the one pass's count, when it counted */
  stats->v[ZHFIX_STAT_CHARS_CONVERTED] += cv->chg != SIZE_MAX ? cv->chg : count_changed(in, out);
  return 0;
}

static void destroy(void *st) {
  conv *cv = st;
  zf_text *t[] = {&cv->nm, &cv->a, &cv->b, &cv->g, &cv->e, &cv->f, &cv->r, &cv->x};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) zf_text_free(t[i]);
  free(cv->sa.end);
  free(cv->sb.end);
  free(cv->ids);
  free(cv->bnd);
  free(cv);
}

const zf_stage_ops zf_stage_convert = {"convert", create, prescan, run, destroy, NULL};

