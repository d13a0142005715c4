/*
 * The streaming pipeline: input bytes -> detection window -> decoder ->
 * segments (lines) -> stages -> UTF-8 output queue.
 *
 * Invariants that make output independent of how input is fed:
 *  - the encoding is decided on exactly the first ZHFIX_DETECT_WINDOW bytes
 *    (or the whole input when shorter);
 *  - segments are cut from the decoded text by content alone (see
 *    next_segment), never at feed boundaries;
 *  - stages see segments in order and keep only their own state.
 * Memory is bounded: the window, one segment of at most ZHFIX_MAX_SEGMENT
 * code points plus one decode slice, and the output of one slice.
 */
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "pipeline.h"

/* Input is decoded in slices of this many bytes between output drains. */
#define SLICE 16384
/* A cut in an overlong line prefers a break in the last CUT_LOOKBACK code
 * points before ZHFIX_MAX_SEGMENT. */
#define CUT_LOOKBACK 1024

static const zf_stage_ops *const stage_order[ZF_NSTAGES] = {
    &zf_stage_farm, &zf_stage_mojibake, &zf_stage_convert, &zf_stage_punct};

void zf_pipeline_release(zhfix *h) {
  for (int i = 0; i < ZF_NSTAGES; i++) {
    if (h->st[i]) h->ops[i]->destroy(h->st[i]);
    h->st[i] = NULL;
    h->ops[i] = NULL;
  }
  zf_decoder_free(h->dec);
  h->dec = NULL;
  free(h->win);
  h->win = NULL;
  zf_text_free(&h->text);
  zf_text_free(&h->buf[0]);
  zf_text_free(&h->buf[1]);
  free(h->outq);
  h->outq = NULL;
  h->winlen = h->outlen = h->outpos = h->outcap = 0;
  h->start = 0;
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

static int emit(zhfix *h, const zf_text *t) {
  if (t->len == 0) return 0; /* the queue may not exist yet: no pointer arithmetic on NULL */
  if (outq_reserve(h, t->len * 4)) return ZHFIX_E_NOMEM;
  unsigned char *p = h->outq + h->outlen;
  /* In locals: stores through p could alias t's fields.  ASCII goes 16 at
   * a time where it can (the loops vectorise), BMP characters outside the
   * surrogates inline. */
  const uint32_t *cp = t->cp;
  size_t len = t->len;
  for (size_t i = 0; i < len;) {
    uint32_t c = cp[i];
    if (c < 0x80) { /* an ASCII run */
      for (; i + 16 <= len; i += 16, p += 16) {
        uint32_t x = 0;
        for (unsigned k = 0; k < 16; k++) x |= cp[i + k];
        if (x >= 0x80) break;
        unsigned char b[16];
        for (unsigned k = 0; k < 16; k++) b[k] = (unsigned char)cp[i + k];
        memcpy(p, b, 16);
      }
      for (; i < len && cp[i] < 0x80; i++) *p++ = (unsigned char)cp[i];
      continue;
    }
    if (c - 0x800u < 0xD800u - 0x800u || c - 0xE000u < 0x10000u - 0xE000u) {
      /* three bytes, written as one little-endian word (the queue has
       * room for four bytes a character) */
      uint32_t w = (0xE0u | c >> 12) | (0x80u | (c >> 6 & 0x3Fu)) << 8 | (0x80u | (c & 0x3Fu)) << 16;
      unsigned char b[4] = {(unsigned char)w, (unsigned char)(w >> 8), (unsigned char)(w >> 16), 0};
      memcpy(p, b, 4);
      p += 3;
    } else {
      p += zf_utf8_put(c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) ? 0xFFFD : c, p);
    }
    i++;
  }
  size_t n = (size_t)(p - (h->outq + h->outlen));
  h->outlen += n;
  h->stats.v[ZHFIX_STAT_BYTES_OUT] += n;
  return 0;
}

/* Spans recorded while processing one segment all lie in it, after those
 * of earlier segments; stages may record them out of order. */
static void sort_spans(zf_stats *s, size_t from) {
  for (size_t i = from + 1; i < s->nspans; i++) {
    zf_span x = s->spans[i];
    size_t j = i;
    while (j > from && s->spans[j - 1].off > x.off) {
      s->spans[j] = s->spans[j - 1];
      j--;
    }
    s->spans[j] = x;
  }
}

static int run_segment(zhfix *h, size_t n) {
  zf_text view = {h->text.cp + h->start, h->text.off + h->start, n, n};
  const zf_text *cur = &view;
  size_t spans_before = h->stats.nspans;
  int which = 0;
  zf_stats_segment_start(&h->stats);
  for (int i = 0; i < ZF_NSTAGES; i++) {
    if (!h->st[i]) continue;
    zf_text *out = &h->buf[which];
    zf_text_clear(out);
    int rc = h->ops[i]->run(h->st[i], cur, out, &h->stats);
    if (rc == ZF_UNCHANGED) continue;
    if (rc) return rc;
    cur = out;
    which ^= 1;
  }
  /* --lost-marker: the marks of lost bytes left unrepaired (in the spans
   * the stages reported) show the chosen character */
  if (h->run.lost_marker && h->stats.nseg_damage) {
    uint32_t *cp = cur == &view ? view.cp : h->buf[which ^ 1].cp;
    for (size_t i = 0; i < cur->len; i++)
      if ((cp[i] == '?' || cp[i] == 0xFFFD) && zf_stats_damaged(&h->stats, cur->off[i]))
        cp[i] = (uint32_t)h->run.lost_marker;
  }
  sort_spans(&h->stats, spans_before);
  h->start += n;
  return emit(h, cur);
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

static int run_segments(zhfix *h, int at_end) {
  size_t n;
  while (h->start < h->text.len && (n = next_segment(h, at_end)) > 0) {
    int rc = run_segment(h, n);
    if (rc) return rc;
  }
  /* Keep only the undecided rest. */
  if (h->start) {
    size_t rest = h->text.len - h->start;
    memmove(h->text.cp, h->text.cp + h->start, rest * sizeof *h->text.cp);
    memmove(h->text.off, h->text.off + h->start, rest * sizeof *h->text.off);
    h->text.len = rest;
    h->start = 0;
  }
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

/* Called once the window is full or the input ended: decide the encoding,
 * check for binary input, decode the window, resolve the script, create
 * the stages and let them see the window. */
static int decide(zhfix *h, int at_end) {
  h->decided = 1;
  h->run = h->opts;
  int enc = h->opts.from;
  size_t bom = 0;
  int bom_enc;
  size_t b = zf_detect_bom(h->win, h->winlen, &bom_enc);
  if (enc == ZHFIX_ENC_AUTO) {
    if (b) {
      enc = bom_enc;
      bom = b;
    } else {
      zf_detection det;
      zf_detect(h->win, h->winlen, at_end, &det);
      enc = det.enc;
      h->stats.v[ZHFIX_STAT_ENCODING_GUESSED] = (uint64_t)det.guessed;
    }
  } else if (b && bom_enc == enc) {
    bom = b; /* a BOM of another encoding is decoded as text */
  }
  if (enc != ZHFIX_ENC_UTF16LE && enc != ZHFIX_ENC_UTF16BE && !h->opts.force &&
      memchr(h->win, 0, h->winlen))
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
    memcpy(h->outq + h->outlen, h->win, bom);
    h->outlen += bom;
    h->stats.v[ZHFIX_STAT_BYTES_OUT] += bom;
  }
  int rc = zf_decoder_new(&h->dec, enc);
  if (rc) return rc;
  rc = decode_bytes(h, h->win, h->winlen, at_end);
  if (rc) return rc;
  if (h->run.script == ZHFIX_SCRIPT_AUTO) {
    h->run.script = zf_detect_script(&h->text);
    h->run.script_detected = 1;
  }
  h->stats.v[ZHFIX_STAT_SCRIPT] = (uint64_t)h->run.script;
  /* What kind of file it is decides where typography applies (format.c). */
  if (h->run.format == ZHFIX_FORMAT_AUTO) h->run.format = zf_format_sniff(&h->text);
  h->stats.v[ZHFIX_STAT_FORMAT] = (uint64_t)h->run.format;
  for (int i = 0; i < ZF_NSTAGES; i++) {
    h->ops[i] = stage_order[i];
    rc = h->ops[i]->create(&h->st[i], &h->run);
    if (rc) return rc;
  }
  for (int i = 0; i < ZF_NSTAGES; i++)
    if (h->st[i] && h->ops[i]->prescan) h->ops[i]->prescan(h->st[i], &h->text);
  free(h->win);
  h->win = NULL;
  h->winlen = 0;
  return run_segments(h, at_end);
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

zhfix_status zhfix_stream(zhfix *h, zhfix_out *out, zhfix_in *in, zhfix_directive end,
                          size_t *pending) {
  if (pending) *pending = 0;
  if (!h || !out || (out->size && !out->dst) || out->pos > out->size ||
      (end != ZHFIX_CONTINUE && end != ZHFIX_END))
    return ZHFIX_E_INVALID;
  if (in && ((in->size && !in->src) || in->pos > in->size)) return ZHFIX_E_INVALID;
  if (h->state == ZF_FAILED) return (zhfix_status)h->fail_status;
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
    in_left = in ? in->size - in->pos : 0;
    const unsigned char *src = in ? (const unsigned char *)in->src + in->pos : NULL;
    if (!h->decided) {
      if (in_left) {
        if (!h->win && !(h->win = malloc(ZHFIX_DETECT_WINDOW))) return fail(h, ZHFIX_E_NOMEM);
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
        if (!h->win && !(h->win = malloc(1))) return fail(h, ZHFIX_E_NOMEM);
        rc = decide(h, at_end);
        if (rc) return fail(h, rc);
        if (at_end) break;
        continue;
      }
      break; /* need more input to fill the window */
    }
    if (in_left) {
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
