/*
 * Content-farm repair (stage 1): undoes the damage of sites that turn
 * characters X into "X(pinyin)" with a byte-level replace on GBK text and
 * then decode the bytes leniently (docs/repair-farm.md has the whole story).
 *
 * The damage, as a forward model over bytes:
 *   B  original GBK bytes (Traditional text, char-by-char converted)
 *   D  = B with "(py)" inserted after every byte pair (any alignment) that
 *      encodes an annotated character, and every pair A3xx that encodes
 *      ，：；！？ replaced by , : ; ! ?
 *   O  = D decoded by a lenient GB18030 decoder: a lead byte followed by an
 *      invalid second byte gives '?' (the second byte is swallowed when it
 *      is '(', ')' or a digit in one decoder variant, kept in the other),
 *      or U+FFFD from the decoders that follow the WHATWG Encoding
 *      Standard (browsers; ICU and Python's errors="replace", so also
 *      zhfix's own decoder on the damaged GBK bytes), which keep it;
 *      a pair read out of phase decodes as a wrong character until an
 *      ASCII byte brings the decoder back in phase.
 *
 * The stage inverts it per line with a Viterbi search over B.  Every
 * observed character except '?' re-encodes exactly, so it contributes its
 * bytes; a '?' is a literal '?' or a lost lead byte (any of 126 values,
 * possibly followed by a swallowed byte), and so is a U+FFFD (a "lost
 * mark", is_lost); "(py)" may be an inserted
 * annotation, removable only when py is a reading of the character formed
 * by the two B bytes before it; an ASCII , : ; ! ? may stand for A3xx when
 * it sits in the middle of a B character.  B is re-decoded in phase as the
 * search goes, every re-formed pair must be a real character, and the
 * language model scores the decoded text.  Where all hypotheses meet again
 * (same decoder state, in phase) a span closes: its best reading is kept
 * when it beats the next different reading by a clear margin (10:1);
 * when the two differ in one or two characters only, the rest is kept and
 * those characters become '?'; otherwise the span is left as it was.
 * Either way the doubt is counted with zf_stats_unrecoverable.
 *
 * Aligned annotations X(py) go only under --pinyin=strip, or under auto
 * once the document shows the signature (farm_scan.c).  Readings of lost
 * bytes need that signature in any mode.  Clean lines cost one scan
 * (zf_farm_find_marks, zf_farm_worth_a_look); the GB18030 tables are built on the first
 * damaged line.
 *
 * This file is the stage itself (state, prescan, run); src/farm.h lists
 * the files that do the work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "farm_search.h"

/* A new document's state in f (zeroed) with options o. */
static void init(farm *f, const zf_opts *o) {
  f->o = *o;
  f->bank = WORK_BASE; /* the first line's own budget, as for any line */
  f->bm_a = f->bm_b = UINT32_MAX; /* no pair asked yet (bigram) */
  f->occ = zf_occ_get();
  if (f->occ) {
    f->avoid = o->script == ZHFIX_SCRIPT_SIMP ? ZF_OCC_TRAD_ONLY : ZF_OCC_SIMP_ONLY;
    f->variant = o->script == ZHFIX_SCRIPT_TRAD ? ZF_OCC_TW_FORM | ZF_OCC_HK_FORM
                 : o->script == ZHFIX_SCRIPT_TW || o->script == ZHFIX_SCRIPT_TWP
                     ? ZF_OCC_TW_STD
                 : o->script == ZHFIX_SCRIPT_HK || o->script == ZHFIX_SCRIPT_HKP ? ZF_OCC_HK_STD
                                                                                : 0;
  }
}

static int create(void **st, const zf_opts *o) {
  farm *f = calloc(1, sizeof *f);
  if (!f) return ZHFIX_E_NOMEM;
  init(f, o);
  *st = f;
  return 0;
}

/* What a document's lines leave behind for the next line: the per-line
 * scratch (each line sets up what it reads: zf_farm_prepare,
 * zf_farm_repair_line; merge's hash table and the set-aside heads are
 * left empty) and the bigram memos (the model's values, the same for
 * every document).  Freed, not f. */
static void release_scratch(farm *f) {
  free(f->mk);
  free(f->tk);
  for (size_t i = 0; i < RING; i++) free(f->beam[i].v);
  free(f->nodes);
  free(f->path);
  free(f->pathoff);
  free(f->path2);
  free(f->pathoff2);
  free(f->hr);
  free(f->hr2);
  free(f->mv);
  free(f->bg);
  free(f->remap);
  free(f->grp);
  free(f->gid);
  free(f->htab);
  free(f->swg);
  free(f->swhead);
  free(f->swb);
  free(f->swmemo);
  free(f->bgrow);
}

/* Frees what f holds, not f. */
static void release(farm *f) {
  farm_codec_free(f->codec);
  free(f->annset);
  free(f->digits);
  for (size_t i = 0; i < f->npool; i++) free(f->pool[i]);
  release_scratch(f);
}

static void destroy(void *st) {
  farm *f = st;
#ifdef FARM_TUNE
  if (getenv("FARM_WORK_LOG")) {
    size_t b = 0;
    for (size_t i = 0; i < RING; i++) b += f->beam[i].cap * sizeof(hyp);
    fprintf(stderr, "MEM beams %zu nodes %zu tk %zu path %zu\n", b, f->capnodes * sizeof *f->nodes,
            f->captk * sizeof *f->tk, f->cappath * (sizeof *f->path + sizeof *f->pathoff));
  }
#endif
  release(f);
  free(f);
}

/* The scratch and memos a document may leave to the next one on the
 * handle (reuse): a damaged record of realistic text holds about 1 MB
 * (the memos 0.8 MB of it, touched as used); a long line of dense
 * damage more, given back. */
enum { KEEP_BYTES = 2u << 20 };

/* The next document on the handle (zf_stage_ops.reuse): what destroy and
 * create would leave, without freeing and allocating the 1.8 KB state (a
 * --jsonl record is a document; the large calloc also made malloc
 * consolidate its small free chunks every record), and with the
 * scratch of a damaged record kept for the next one, up to KEEP_BYTES:
 * freeing and allocating it again per record cost page faults and
 * clearing (docs/repair-farm.md, "Wave 17").  What a document decides
 * (signature, annotated characters, numbers, budget, open quotes) starts
 * anew. */
static int reuse(void *st, const zf_opts *o) {
  farm *f = st;
  free(f->annset);
  free(f->digits);
  for (size_t i = 0; i < f->npool; i++) free(f->pool[i]);
  f->npool = 0;
  for (size_t i = 0; i < RING; i++)
    if (f->beam[i].cap > BEAM_KEEP) {
      free(f->beam[i].v);
      f->beam[i].v = NULL;
      f->beam[i].cap = 0;
    }
  if (f->nswg || f->nswb || f->nswh0) zf_farm_sw_clear(f); /* after a failure */
  if (zf_farm_scratch_bytes(f) > KEEP_BYTES) release_scratch(f);
  else {
    farm k = *f;
    memset(f, 0, sizeof *f);
#define KEEP(x) f->x = k.x;
    KEEP(codec) KEEP(mk) KEEP(capmk) KEEP(tk) KEEP(captk) KEEP(nodes) KEEP(capnodes)
    KEEP(remap) KEEP(capremap) KEEP(path) KEEP(path2) KEEP(pathoff) KEEP(pathoff2)
    KEEP(cappath) KEEP(cappath2) KEEP(hr) KEEP(hr2) KEEP(caphr) KEEP(mv) KEEP(capmv)
    KEEP(grp) KEEP(gid) KEEP(htab) KEEP(capgrp) KEEP(capgid) KEEP(captab) KEEP(swg)
    KEEP(capswg) KEEP(swhead) KEEP(swb) KEEP(capswb) KEEP(swmemo) KEEP(bgrow) KEEP(bg)
    KEEP(bg_bits) KEEP(bg_miss)
#undef KEEP
    for (size_t i = 0; i < RING; i++) {
      f->beam[i].v = k.beam[i].v;
      f->beam[i].cap = k.beam[i].cap;
    }
    init(f, o);
    return 1;
  }
  memset(f, 0, sizeof *f);
  init(f, o);
  return 1;
}

static void prescan(void *st, const zf_text *prefix) {
  farm *f = st;
  if (prefix->len == 0) return;
  f->have_pre = 1;
  f->pre_end = prefix->off[prefix->len - 1];
  if (!f->sig) zf_farm_sig_scan(f, prefix->cp, prefix->len, 0);
  if (f->sig) zf_farm_digits_scan(f, prefix->cp, prefix->len);
}

static int run_line(farm *f, const zf_text *in, zf_text *out, zf_stats *stats) {
  /* the line's marks, found once for the signature and the look */
  size_t nmk = stats->lf.valid && !stats->lf.marker && !stats->lf.paren
                   ? 0 /* the pipeline's facts (linefacts.h): no '?', U+FFFD or '(' */
                   : zf_farm_find_marks(f, in->cp, in->len);
  if (nmk == SIZE_MAX) return ZHFIX_E_NOMEM;
  int marked = nmk > 0;
  if (in->len) {
    size_t from = 0;
    if (f->have_pre)
      while (from < in->len && in->off[from] <= f->pre_end) from++;
    int had = f->sig;
    if (marked && !f->sig && from < in->len) zf_farm_sig_marks(f, in->cp, from, in->len, f->mk, nmk);
    /* a line the detection window did not hold: its numbers join the
     * cache (only in documents with the signature; clean text pays
     * nothing) */
    if (had && from < in->len) zf_farm_digits_scan(f, in->cp + from, in->len - from);
  }
  if (!marked || !zf_farm_worth_a_look(f, in, f->mk, nmk)) {
    if (f->sig) zf_farm_track_open(f, in);
    return ZF_UNCHANGED;
  }
  if (!f->codec && !f->codec_failed) {
    f->codec = farm_codec_new();
    if (!f->codec) f->codec_failed = 1;
  }
  if (!f->codec) return ZF_UNCHANGED;
  size_t mark = out->len;
  f->line0 = mark;
#ifdef FARM_TUNE
  f->work = 0;
#endif
  if (zf_farm_prepare(f, in) || zf_farm_repair_line(f, in, out, stats)) {
    out->len = mark;
    return ZHFIX_E_NOMEM;
  }
#ifdef FARM_TUNE
  if (getenv("FARM_WORK_LOG")) fprintf(stderr, "WORK %zu %zu %llu\n", f->work, in->len,
                                      (unsigned long long)(in->len ? in->off[0] : 0));
#endif
  return 0;
}

/* The document's budget (docs/repair-farm.md, "Bounded work"): every line
 * adds WORK_PER_CHAR per character, a searched line takes what it pushed,
 * and what is left carries over up to BANK_CAP.  A line whose search
 * runs past what it may use keeps the rest of its text as it is,
 * reported (farm_search.c). */
static int run(void *st, const zf_text *in, zf_text *out, zf_stats *stats) {
  farm *f = st;
  uint64_t add = WORK_PER_CHAR * (uint64_t)in->len;
  f->avail = add > (uint64_t)(INT64_MAX / 2) ? INT64_MAX / 2 : f->bank + (int64_t)add;
  f->lwork = 0;
  uint64_t spans = stats->v[ZHFIX_STAT_UNRECOVERABLE_SPANS];
  int rc = run_line(f, in, out, stats);
  /* damage the search left as it is, in a page with the signature: the
   * mojibake stage does not read it again (zf.h, farm_leave) */
  stats->farm_leave = f->sig && stats->v[ZHFIX_STAT_UNRECOVERABLE_SPANS] != spans;
  f->doc_work += f->lwork;
  int64_t left = f->avail - (int64_t)f->lwork;
  f->bank = left > BANK_CAP ? BANK_CAP : left;
  return rc;
}

const zf_stage_ops zf_stage_farm = {"farm", create, prescan, run, destroy, reuse};
