/*
 * The streaming pipeline: input bytes -> detection window -> decoder ->
 * segments (lines) -> repair stages -> decisions -> the other stages ->
 * UTF-8 output queue.  docs/architecture.md draws it.
 *
 * Decisions on repaired text (issue 14).  Once the detection window is
 * full (or the input ends), decide() chooses the encoding, decodes the
 * window, and runs its complete segments through the repair stages only,
 * holding the results.  The document-level decisions -- the script, the
 * format, the prescans of the conversion and punctuation stages -- then
 * judge the repaired window, and the held segments go on through the other
 * stages.  Every segment is repaired exactly once; the repair stages
 * themselves are created with the script read from the text as decoded
 * (they repair damage, and damage is what misleads that reading) and
 * prescan the window as decoded.
 *
 * Invariants that make output independent of how input is fed:
 *  - the encoding is decided on exactly the first ZHFIX_DETECT_WINDOW bytes
 *    (or the whole input when shorter);
 *  - segments are cut from the decoded text by content alone (see
 *    next_segment), never at feed boundaries;
 *  - stages see segments in order and keep only their own state.
 * Memory is bounded: the window (and its held segments), one segment of at
 * most ZHFIX_MAX_SEGMENT code points plus one decode slice, and the output
 * of one slice.
 */
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "linefacts.h"
#include "pipeline.h"

/* Input is decoded in slices of this many bytes between output drains. */
#define SLICE 16384
/* A cut in an overlong line prefers a break in the last CUT_LOOKBACK code
 * points before ZHFIX_MAX_SEGMENT. */
#define CUT_LOOKBACK 1024
/* zhfix_reset keeps scratch buffers up to these sizes for the next
 * document (a handle that met one long line does not keep its memory). */
#define KEEP_TEXT 32768   /* code points */
#define KEEP_OUTQ 262144  /* bytes       */

static const zf_stage_ops *const stage_order[ZF_NSTAGES] = {
    &zf_stage_farm, &zf_stage_entities, &zf_stage_lost, &zf_stage_mojibake, /* repair: the first ZF_NREPAIR */
    &zf_stage_convert, &zf_stage_punct};

static void destroy_stages(zhfix *h) {
  for (int i = 0; i < ZF_NSTAGES; i++) {
    if (h->st[i]) h->ops[i]->destroy(h->st[i]);
    h->st[i] = NULL;
    h->ops[i] = NULL;
  }
}

static void text_keep(zf_text *t) {
  if (t->cap > KEEP_TEXT) zf_text_free(t);
  t->len = 0;
}

void zf_pipeline_reset(zhfix *h) {
  /* The stages stay, parked: the next document's decide() gives each
   * its new options (zf_stage_ops.reuse) or replaces it; so does the
   * decoder (zf_decoder_renew). */
  text_keep(&h->text);
  text_keep(&h->buf[0]);
  text_keep(&h->buf[1]);
  text_keep(&h->held);
  text_keep(&h->piece);
  if (h->hsegcap > KEEP_TEXT) {
    free(h->hseg);
    h->hseg = NULL;
    h->hsegcap = 0;
  }
  if (h->hdmgcap > KEEP_TEXT) {
    free(h->hdmg);
    h->hdmg = NULL;
    h->hdmgcap = 0;
  }
  if (h->outcap > KEEP_OUTQ) {
    free(h->outq);
    h->outq = NULL;
    h->outcap = 0;
  }
  h->nhseg = h->nhdmg = 0;
  h->winlen = h->outlen = h->outpos = 0;
  h->start = 0;
  h->decided = h->skip_bom = 0;
  h->facts = 0;
  h->in_off = 0;
  h->state = ZF_FRESH;
  h->fail_status = 0;
  zf_stats_init(&h->stats);
}

void zf_pipeline_release(zhfix *h) {
  zf_pipeline_reset(h);
  zf_decoder_free(h->dec);
  h->dec = NULL;
  destroy_stages(h);
  free(h->win);
  h->win = NULL;
  zf_text_free(&h->text);
  zf_text_free(&h->buf[0]);
  zf_text_free(&h->buf[1]);
  zf_text_free(&h->held);
  zf_text_free(&h->piece);
  free(h->hseg);
  free(h->hdmg);
  free(h->outq);
  h->hseg = NULL;
  h->hdmg = NULL;
  h->outq = NULL;
  h->hsegcap = h->hdmgcap = h->outcap = 0;
}

static int fail(zhfix *h, int status) {
  h->state = ZF_FAILED;
  h->fail_status = status;
  return status;
}

static int outq_reserve(zhfix *h, size_t extra) {
  if (h->outpos && h->outpos == h->outlen) h->outpos = h->outlen = 0;
  if (h->outcap - h->outlen >= extra) return 0;
  if (h->outpos) { /* compact before growing */
    memmove(h->outq, h->outq + h->outpos, h->outlen - h->outpos);
    h->outlen -= h->outpos;
    h->outpos = 0;
    if (h->outcap - h->outlen >= extra) return 0;
  }
  size_t cap = h->outcap ? h->outcap : 65536;
  while (cap - h->outlen < extra) cap *= 2;
  unsigned char *q = realloc(h->outq, cap);
  if (!q) return -1;
  h->outq = q;
  h->outcap = cap;
  return 0;
}

/* UTF-8 of t to the output: into the caller's buffer when nothing is
 * queued before it and it has the encoder's room (four bytes a
 * character; bytes past the ones written may be scribbled on), else into
 * the queue, which zhfix_stream drains. */
static int emit(zhfix *h, const zf_text *t) {
  if (t->len == 0) return 0; /* the queue may not exist yet: no pointer arithmetic on NULL */
  zhfix_out *o = h->sink;
  size_t n;
  if (o && h->outpos == h->outlen && o->size - o->pos >= t->len * 4) {
    n = zf_utf8_encode(t->cp, t->len, (unsigned char *)o->dst + o->pos);
    o->pos += n;
  } else {
    if (outq_reserve(h, t->len * 4)) return ZHFIX_E_NOMEM;
    n = zf_utf8_encode(t->cp, t->len, h->outq + h->outlen);
    h->outlen += n;
  }
  h->stats.v[ZHFIX_STAT_BYTES_OUT] += n;
  return 0;
}

/* Spans recorded while processing one segment all lie in it, after those
 * of earlier segments; stages may record them out of order.  A span that
 * lies inside one recorded before it in the segment is the same damage
 * seen by two stages (the lost-byte stage marks a gap, the mojibake stage
 * then meets its U+FFFD): it is kept and counted once. */
static void sort_spans(zf_stats *s, size_t from) {
  for (size_t i = from + 1; i < s->nspans; i++) {
    zf_span x = s->spans[i];
    size_t j = i;
    while (j > from && (s->spans[j - 1].off > x.off ||
                        (s->spans[j - 1].off == x.off && s->spans[j - 1].len < x.len))) {
      s->spans[j] = s->spans[j - 1];
      j--;
    }
    s->spans[j] = x;
  }
  size_t w = from;
  for (size_t i = from; i < s->nspans; i++) {
    const zf_span *p = w > from ? &s->spans[w - 1] : NULL;
    if (p && s->spans[i].off >= p->off && s->spans[i].off + s->spans[i].len <= p->off + p->len) {
      s->v[ZHFIX_STAT_UNRECOVERABLE_SPANS]--;
      continue;
    }
    s->spans[w++] = s->spans[i];
  }
  s->nspans = w;
}

/* A read-only view of n code points of t from `from`. */
static zf_text view_of(const zf_text *t, size_t from, size_t n) {
  zf_text v = {t->cp + from, t->off + from, n, n};
  return v;
}

/* Never convert garbage (issue 15): in a segment where a repair stage
 * left damage unrepaired, the conversion stage runs on the stretches
 * between the damaged characters, which go out as they came (the
 * punctuation stage protects them itself).  Same contract as a stage's
 * run. */
static int run_around_damage(zhfix *h, int i, const zf_text *in, zf_text *out) {
  int changed = 0;
  for (size_t a = 0, b; a < in->len; a = b) {
    int dmg = zf_stats_damaged(&h->stats, in->off[a]);
    for (b = a + 1; b < in->len && zf_stats_damaged(&h->stats, in->off[b]) == dmg; b++) {
    }
    zf_text v = view_of(in, a, b - a);
    int rc = ZF_UNCHANGED;
    if (!dmg) {
      h->piece.len = 0;
      rc = h->ops[i]->run(h->st[i], &v, &h->piece, &h->stats);
      if (rc < 0) return rc;
    }
    const zf_text *src = rc == ZF_UNCHANGED ? &v : &h->piece;
    changed |= rc != ZF_UNCHANGED;
    if (zf_text_append(out, src, 0, src->len)) return ZHFIX_E_NOMEM;
  }
  return changed ? 0 : ZF_UNCHANGED;
}

/* Runs stages [first, last) over one segment; *res is the result: `in`
 * itself when every stage passed it through, else one of h->buf. */
static int run_stages(zhfix *h, int first, int last, zf_text *in, zf_text **res) {
  zf_text *cur = in;
  for (int i = first; i < last; i++) {
    if (!h->st[i]) continue;
    zf_text *out = &h->buf[cur == &h->buf[0] ? 1 : 0];
    out->len = 0; /* zf_text_clear, without a call a stage a line */
    int rc = h->ops[i] == &zf_stage_convert && h->stats.nseg_damage ? run_around_damage(h, i, cur, out)
                                                     : h->ops[i]->run(h->st[i], cur, out, &h->stats);
    if (rc == ZF_UNCHANGED) continue;
    if (rc) return rc;
    cur = out;
    h->stats.lf.valid = 0; /* the facts were of the segment as it came */
  }
  *res = cur;
  return 0;
}

/* The end of a segment's journey: --lost-marker, then UTF-8. */
static int finish_segment(zhfix *h, zf_text *cur) {
  /* --lost-marker: the marks of lost bytes left unrepaired (in the spans
   * the stages reported) show the chosen character */
  if (h->run.lost_marker && h->stats.nseg_damage) {
    for (size_t i = 0; i < cur->len; i++)
      if ((cur->cp[i] == '?' || cur->cp[i] == 0xFFFD) && zf_stats_damaged(&h->stats, cur->off[i]))
        cur->cp[i] = (uint32_t)h->run.lost_marker;
  }
  return emit(h, cur);
}

/* Whether a repair stage that reads the line facts (linefacts.h) is on:
 * then the pipeline reads them once a segment for every gate.  Set in
 * h->facts once the repair stages are created. */
static int want_facts(const zhfix *h) {
  for (int i = 0; i < ZF_NREPAIR; i++)
    if (h->st[i] && (h->ops[i] == &zf_stage_lost || h->ops[i] == &zf_stage_mojibake)) return 1;
  return 0;
}

/* A new segment seg enters the stages: its damage list empties, and its
 * facts are those next_segment_facts read (h->stats.lf, when valid), or
 * are read now when a stage wants them (without them, or without memory
 * for the class table, each gate scans for itself). */
static void segment_start(zhfix *h, const zf_text *seg) {
  zf_stats_segment_start(&h->stats);
  if (!h->stats.lf.valid && h->facts) (void)zf_line_facts_scan(seg, &h->stats.lf);
}

/* Every stage over the segment text[start, start + n), whose facts
 * next_segment_facts read (h->stats.lf, when valid). */
static int run_segment(zhfix *h, size_t n) {
  zf_text view = view_of(&h->text, h->start, n), *cur;
  size_t spans_before = h->stats.nspans;
  segment_start(h, &view);
  int rc = run_stages(h, 0, ZF_NSTAGES, &view, &cur);
  if (rc) return rc;
  sort_spans(&h->stats, spans_before);
  h->start += n;
  return finish_segment(h, cur);
}

static int is_break(uint32_t c) {
  return c == ' ' || c == '\t' || c == 0x3000 || c == 0x3002 || c == 0xFF01 ||
         c == 0xFF1F || c == 0xFF1B || c == 0xFF0C || c == 0x3001;
}

/* Length of the next segment of text[start..len), or 0 when more input is
 * needed to know it.  A segment is a line with its terminator; a line
 * longer than ZHFIX_MAX_SEGMENT is cut after the last break character in
 * the final CUT_LOOKBACK code points before the limit, else at the limit.
 * Depends only on the text, so it is the same however input was fed. */
static size_t next_segment(const zhfix *h, int at_end) {
  const uint32_t *cp = h->text.cp + h->start;
  size_t avail = h->text.len - h->start;
  size_t lim = avail < ZHFIX_MAX_SEGMENT ? avail : ZHFIX_MAX_SEGMENT, i = 0;
  /* Blocks of 16 with neither terminator are skipped first: a block test
   * with no early exit vectorises, the scan below would not. */
  for (; i + 16 <= lim; i += 16) {
    unsigned t = 0;
    for (size_t k = 0; k < 16; k++) t |= (unsigned)(cp[i + k] == '\n') | (unsigned)(cp[i + k] == '\r');
    if (t) break;
  }
  for (; i < lim; i++) {
    if (cp[i] == '\n') return i + 1;
    if (cp[i] == '\r') {
      if (i + 1 < avail) return cp[i + 1] == '\n' ? i + 2 : i + 1;
      return at_end ? i + 1 : 0;
    }
  }
  if (avail >= ZHFIX_MAX_SEGMENT) {
    for (size_t b = ZHFIX_MAX_SEGMENT; b > ZHFIX_MAX_SEGMENT - CUT_LOOKBACK; b--)
      if (is_break(cp[b - 1])) return b;
    return ZHFIX_MAX_SEGMENT;
  }
  return at_end ? avail : 0;
}

/* next_segment, reading the segment's facts in the same pass when a
 * stage wants them (linefacts.h) into h->stats.lf, valid when they are
 * the facts of exactly the segment returned. */
static size_t next_segment_facts(zhfix *h, int at_end) {
  zf_line_facts *lf = &h->stats.lf;
  lf->valid = 0;
  if (!h->facts) return next_segment(h, at_end);
  const uint32_t *cp = h->text.cp + h->start;
  size_t avail = h->text.len - h->start;
  size_t lim = avail < ZHFIX_MAX_SEGMENT ? avail : ZHFIX_MAX_SEGMENT;
  size_t i = zf_line_facts_to_break(cp, lim, lf);
  if (i < lim) { /* next_segment's cut at a terminator */
    if (cp[i] == '\n') return i + 1;
    if (i + 1 < avail) return cp[i + 1] == '\n' ? i + 2 : i + 1;
    return at_end ? i + 1 : 0;
  }
  /* no terminator: the rest at the end (a --jsonl record: its only
   * segment), without scanning it again, or the cut of an overlong line */
  if (avail < ZHFIX_MAX_SEGMENT) {
    if (!at_end) lf->valid = 0;
    return at_end ? avail : 0;
  }
  size_t n = next_segment(h, at_end);
  if (n != lim) lf->valid = 0;
  return n;
}

/* Drops text[0..start): only the undecided rest stays. */
static void compact_text(zhfix *h) {
  if (!h->start) return;
  size_t rest = h->text.len - h->start;
  memmove(h->text.cp, h->text.cp + h->start, rest * sizeof *h->text.cp);
  memmove(h->text.off, h->text.off + h->start, rest * sizeof *h->text.off);
  h->text.len = rest;
  h->start = 0;
}

static int run_segments(zhfix *h, int at_end) {
  size_t n;
  while (h->start < h->text.len && (n = next_segment_facts(h, at_end)) > 0) {
    int rc = run_segment(h, n);
    if (rc) return rc;
  }
  compact_text(h);
  return 0;
}

static int decode_bytes(zhfix *h, const unsigned char *p, size_t n, int flush) {
  size_t skip = 0;
  if (h->skip_bom) {
    skip = (size_t)h->skip_bom < n ? (size_t)h->skip_bom : n;
    h->skip_bom -= (int)skip;
  }
  uint64_t before = h->stats.v[ZHFIX_STAT_INVALID_SEQUENCES];
  int rc = zf_decode(h->dec, p + skip, n - skip, h->in_off + skip, flush, &h->text, &h->stats);
  h->in_off += n;
  if (rc) return rc;
  if (h->run.strict && h->stats.v[ZHFIX_STAT_INVALID_SEQUENCES] > before)
    return ZHFIX_E_BAD_INPUT;
  return 0;
}

/* ---- the window: repair first, then decide ------------------------------ */

/* Holds one repaired segment of the window: its length, its damage list
 * and, once a repair changed any segment (h->held in use), its text. */
static int hold(zhfix *h, const zf_text *seg, int copy) {
  if (h->nhseg == h->hsegcap) {
    size_t nc = h->hsegcap ? h->hsegcap * 2 : 64;
    zf_held *v = realloc(h->hseg, nc * sizeof *v);
    if (!v) return ZHFIX_E_NOMEM;
    h->hseg = v;
    h->hsegcap = nc;
  }
  size_t nd = h->stats.nseg_damage;
  if (h->hdmgcap - h->nhdmg < nd) {
    size_t nc = h->hdmgcap ? h->hdmgcap : 64;
    while (nc - h->nhdmg < nd) nc *= 2;
    zf_span *v = realloc(h->hdmg, nc * sizeof *v);
    if (!v) return ZHFIX_E_NOMEM;
    h->hdmg = v;
    h->hdmgcap = nc;
  }
  if (copy && zf_text_append(&h->held, seg, 0, seg->len)) return ZHFIX_E_NOMEM;
  if (nd) memcpy(h->hdmg + h->nhdmg, h->stats.seg_damage, nd * sizeof *h->hdmg);
  h->hseg[h->nhseg++] = (zf_held){seg->len, h->nhdmg, nd};
  h->nhdmg += nd;
  return 0;
}

/* Runs the window's complete segments through the repair stages and holds
 * them.  Sets *changed when a repair changed any of them; then h->held
 * has the text of every held segment, else they are text[0..start). */
static int repair_window(zhfix *h, int at_end, int *changed) {
  size_t n;
  *changed = 0;
  h->held.len = 0;
  h->nhseg = h->nhdmg = 0;
  while (h->start < h->text.len && (n = next_segment_facts(h, at_end)) > 0) {
    zf_text view = view_of(&h->text, h->start, n), *cur;
    size_t spans_before = h->stats.nspans;
    segment_start(h, &view);
    int rc = run_stages(h, 0, ZF_NREPAIR, &view, &cur);
    if (rc) return rc;
    sort_spans(&h->stats, spans_before);
    if (cur != &view && !*changed) {
      /* the first change: the segments before it join the held text */
      *changed = 1;
      if (zf_text_append(&h->held, &h->text, 0, h->start)) return ZHFIX_E_NOMEM;
    }
    rc = hold(h, cur, *changed);
    if (rc) return rc;
    h->start += n;
  }
  return 0;
}

/* The held segments through the remaining stages, in order. */
static int finish_window(zhfix *h, int changed) {
  const zf_text *src = changed ? &h->held : &h->text;
  size_t pos = 0;
  for (size_t k = 0; k < h->nhseg; k++) {
    const zf_held *s = &h->hseg[k];
    zf_text view = view_of(src, pos, s->len), *cur;
    pos += s->len;
    h->stats.nseg_damage = s->ndmg;
    h->stats.lf.valid = 0;
    if (s->ndmg) memcpy(h->stats.seg_damage, h->hdmg + s->dmg, s->ndmg * sizeof *h->hdmg);
    size_t spans_before = h->stats.nspans;
    int rc = run_stages(h, ZF_NREPAIR, ZF_NSTAGES, &view, &cur);
    if (rc) return rc;
    sort_spans(&h->stats, spans_before);
    rc = finish_segment(h, cur);
    if (rc) return rc;
  }
  h->held.len = 0;
  h->nhseg = h->nhdmg = 0;
  compact_text(h);
  return 0;
}

/* The encoding of the window w[0..n): the BOM's, the option's, or
 * detected.  Sets *bom to the length of a BOM to drop. */
static int choose_encoding(zhfix *h, const unsigned char *w, size_t n, int at_end, size_t *bom) {
  int enc = h->opts.from, bom_enc;
  size_t b = zf_detect_bom(w, n, &bom_enc);
  *bom = 0;
  if (enc == ZHFIX_ENC_AUTO) {
    if (b) {
      enc = bom_enc;
      *bom = b;
    } else {
      zf_detection det;
      zf_detect(w, n, at_end, &det);
      enc = det.enc;
      h->stats.v[ZHFIX_STAT_ENCODING_GUESSED] = (uint64_t)det.guessed;
    }
  } else if (b && bom_enc == enc) {
    *bom = b; /* a BOM of another encoding is decoded as text */
  }
  return enc;
}

/* Creates the stages [first, last) with options o and lets them see the
 * window.  A stage parked by zhfix_reset is reused when it can be (a
 * record of --jsonl then allocates nothing), else replaced. */
static int create_stages(zhfix *h, int first, int last, const zf_opts *o, const zf_text *win) {
  for (int i = first; i < last; i++) {
    void *old = h->st[i];
    h->st[i] = NULL;
    h->ops[i] = stage_order[i];
    if (old) {
      if (h->ops[i]->reuse && h->ops[i]->reuse(old, o)) {
        h->st[i] = old;
        continue;
      }
      h->ops[i]->destroy(old);
    }
    int rc = h->ops[i]->create(&h->st[i], o);
    if (rc) return rc;
  }
  for (int i = first; i < last; i++)
    if (h->st[i] && h->ops[i]->prescan) h->ops[i]->prescan(h->st[i], win);
  return 0;
}

/* The document-level decisions on the repaired window dw: the script and
 * the format when they are AUTO (pre_script, pre_format: already read
 * from dw, else -1), then the other stages, which prescan it. */
static int decide_on(zhfix *h, const zf_text *dw, int pre_script, int pre_format) {
  if (h->opts.script == ZHFIX_SCRIPT_AUTO) {
    h->run.script = pre_script >= 0 ? pre_script : zf_detect_script(dw);
    h->run.script_detected = 1;
  }
  h->stats.v[ZHFIX_STAT_SCRIPT] = (uint64_t)h->run.script;
  /* What kind of file it is decides where typography applies (format.c). */
  if (h->run.format == ZHFIX_FORMAT_AUTO) h->run.format = pre_format >= 0 ? pre_format : zf_format_sniff(dw);
  h->stats.v[ZHFIX_STAT_FORMAT] = (uint64_t)h->run.format;
  return create_stages(h, ZF_NREPAIR, ZF_NSTAGES, &h->run, dw);
}

/* Called once the window w[0..n) is full or the input ended: decide the
 * encoding, check for binary input, decode the window, repair its
 * segments, take the decisions on the repaired text, and send the held
 * segments on.  w is h->win, or the caller's input when it held the whole
 * window (then nothing was copied). */
static int decide(zhfix *h, const unsigned char *w, size_t n, int at_end) {
  h->decided = 1;
  h->run = h->opts;
  size_t bom;
  int enc = choose_encoding(h, w, n, at_end, &bom);
  if (enc != ZHFIX_ENC_UTF16LE && enc != ZHFIX_ENC_UTF16BE && !h->opts.force && memchr(w, 0, n))
    return ZHFIX_E_BINARY;
  h->run.from = enc;
  h->stats.v[ZHFIX_STAT_ENCODING] = (uint64_t)enc;
  h->skip_bom = (int)bom;
  /* A UTF-8 BOM stays: the output is UTF-8 too, and a source file or CSV
   * keeps the mark its tools may rely on (issue 13: headers lost theirs).
   * It goes out as it came, ahead of the text, unseen by the stages.  A
   * UTF-16 BOM described the input's encoding, not the output's. */
  if (enc == ZHFIX_ENC_UTF8 && bom) {
    if (outq_reserve(h, bom)) return ZHFIX_E_NOMEM;
    memcpy(h->outq + h->outlen, w, bom);
    h->outlen += bom;
    h->stats.v[ZHFIX_STAT_BYTES_OUT] += bom;
  }
  int rc = zf_decoder_renew(&h->dec, enc);
  if (!rc) rc = decode_bytes(h, w, n, at_end);
  if (rc) return rc;
  h->winlen = 0;
  /* The repair stages read the script from the text as decoded. */
  zf_opts pre = h->run;
  if (pre.script == ZHFIX_SCRIPT_AUTO) {
    pre.script = zf_detect_script(&h->text);
    pre.script_detected = 1;
  }
  /* So does the entities stage, the one repair stage that reads the
   * format (it is off unless the document is plain text). */
  int pre_format = -1;
  if (pre.format == ZHFIX_FORMAT_AUTO && pre.entities) pre.format = pre_format = zf_format_sniff(&h->text);
  int changed;
  rc = create_stages(h, 0, ZF_NREPAIR, &pre, &h->text);
  h->facts = !rc && want_facts(h);
  if (!rc) rc = repair_window(h, at_end, &changed);
  if (rc) return rc;
  if (!changed) {
    /* Nothing repaired: the window is its own repaired text, and the
     * script is the one already read. */
    rc = decide_on(h, &h->text, h->opts.script == ZHFIX_SCRIPT_AUTO ? pre.script : -1, pre_format);
  } else {
    /* The repaired segments, and the rest of the window (less than a
     * segment) as decoded, borrowed for the decisions. */
    size_t held = h->held.len;
    if (zf_text_append(&h->held, &h->text, h->start, h->text.len - h->start))
      return ZHFIX_E_NOMEM;
    rc = decide_on(h, &h->held, -1, -1);
    h->held.len = held;
  }
  if (rc) return rc;
  return finish_window(h, changed);
}

static void drain(zhfix *h, zhfix_out *out) {
  size_t have = h->outlen - h->outpos;
  size_t room = out->size - out->pos;
  size_t n = have < room ? have : room;
  if (n) {
    memcpy((unsigned char *)out->dst + out->pos, h->outq + h->outpos, n);
    out->pos += n;
    h->outpos += n;
  }
  if (h->outpos == h->outlen) h->outpos = h->outlen = 0;
}

static size_t pending_bytes(const zhfix *h) {
  size_t p = h->outlen - h->outpos + h->winlen;
  /* Decoded but unsegmented text will become at least this much output. */
  p += h->text.len - h->start;
  return p;
}

/* Fills the window from the input, and decides once it is full or the
 * input ended.  Returns 0 (with *wait set when more input is needed) or an
 * error. */
static int fill_window(zhfix *h, zhfix_in *in, zhfix_directive end, int *wait) {
  size_t in_left = in ? in->size - in->pos : 0;
  const unsigned char *src = in ? (const unsigned char *)in->src + in->pos : NULL;
  *wait = 0;
  /* The caller's buffer holds the whole window: decide on it in place. */
  if (!h->winlen && (in_left >= ZHFIX_DETECT_WINDOW || (end == ZHFIX_END && in_left))) {
    size_t take = in_left < ZHFIX_DETECT_WINDOW ? in_left : ZHFIX_DETECT_WINDOW;
    in->pos += take;
    h->stats.v[ZHFIX_STAT_BYTES_IN] += take;
    return decide(h, src, take, end == ZHFIX_END && take == in_left);
  }
  if (in_left) {
    if (!h->win && !(h->win = malloc(ZHFIX_DETECT_WINDOW))) return ZHFIX_E_NOMEM;
    size_t take = ZHFIX_DETECT_WINDOW - h->winlen;
    if (take > in_left) take = in_left;
    memcpy(h->win + h->winlen, src, take);
    h->winlen += take;
    in->pos += take;
    h->stats.v[ZHFIX_STAT_BYTES_IN] += take;
    in_left -= take;
  }
  int at_end = end == ZHFIX_END && !in_left;
  if (h->winlen == ZHFIX_DETECT_WINDOW || at_end) {
    static const unsigned char none[1] = {0};
    return decide(h, h->winlen ? h->win : none, h->winlen, at_end);
  }
  *wait = 1; /* need more input to fill the window */
  return 0;
}

static zhfix_status stream(zhfix *h, zhfix_out *out, zhfix_in *in, zhfix_directive end, size_t *pending);

zhfix_status zhfix_stream(zhfix *h, zhfix_out *out, zhfix_in *in, zhfix_directive end,
                          size_t *pending) {
  if (pending) *pending = 0;
  if (!h || !out || (out->size && !out->dst) || out->pos > out->size ||
      (end != ZHFIX_CONTINUE && end != ZHFIX_END))
    return ZHFIX_E_INVALID;
  if (in && ((in->size && !in->src) || in->pos > in->size)) return ZHFIX_E_INVALID;
  if (h->state == ZF_FAILED) return (zhfix_status)h->fail_status;
  h->sink = out;
  zhfix_status rc = stream(h, out, in, end, pending);
  h->sink = NULL;
  return rc;
}

/* zhfix_stream on valid arguments. */
static zhfix_status stream(zhfix *h, zhfix_out *out, zhfix_in *in, zhfix_directive end, size_t *pending) {
  size_t in_left = in ? in->size - in->pos : 0;
  if (h->state == ZF_ENDED) {
    if (in_left) return ZHFIX_E_STATE;
    drain(h, out);
    if (pending) *pending = pending_bytes(h);
    return ZHFIX_OK;
  }
  h->state = ZF_RUNNING;
  drain(h, out);
  int rc = 0;
  while (h->outpos == h->outlen) {
    if (!h->decided) {
      int wait;
      rc = fill_window(h, in, end, &wait);
      if (rc) return fail(h, rc);
      if (wait) break;
      if (end == ZHFIX_END && !(in && in->pos < in->size)) break;
      continue;
    }
    in_left = in ? in->size - in->pos : 0;
    if (in_left) {
      const unsigned char *src = (const unsigned char *)in->src + in->pos;
      size_t take = in_left < SLICE ? in_left : SLICE;
      int at_end = end == ZHFIX_END && take == in_left;
      rc = decode_bytes(h, src, take, at_end);
      in->pos += take;
      h->stats.v[ZHFIX_STAT_BYTES_IN] += take;
      if (!rc) rc = run_segments(h, at_end);
      if (rc) return fail(h, rc);
      drain(h, out);
      if (at_end) break;
      continue;
    }
    if (end == ZHFIX_END) {
      rc = decode_bytes(h, NULL, 0, 1);
      if (!rc) rc = run_segments(h, 1);
      if (rc) return fail(h, rc);
    }
    break;
  }
  drain(h, out);
  if (end == ZHFIX_END && !(in && in->pos < in->size) && h->decided &&
      h->text.len == h->start) {
    /* Everything is decoded and segmented: the document is complete once
     * the queue drains; later calls only drain. */
    h->state = ZF_ENDED;
  }
  if (pending) *pending = pending_bytes(h);
  return ZHFIX_OK;
}
