/*
 * The lattice's entry points (lost.h): a segment set up under a
 * hypothesis, the forward search window by window, detection, and the
 * damage classes.
 */
#include "lost_lat.h"


/* ---- entry points ------------------------------------------------------------ */

zf_lost *zf_lost_new(const zf_lost_tables *t) {
  zf_lost *l = calloc(1, sizeof *l);
  if (!l) return NULL;
  l->t = t;
  l->marker = 0xFFFD;
  l->script = -1;
  l->total = SIZE_MAX;
  l->have_occ = zf_occ_open(&l->occ) == 0;
  return l;
}

void zf_lost_free(zf_lost *l) {
  if (!l) return;
  free(l->ukind);
  free(l->nodes);
  free(l->bstart);
  free(l->edges);
  free(l->estart);
  free(l->pool);
  free(l->hslot);
  free(l->best);
  free(l->bbound);
  free(l->cands);
  free(l->cbuf);
  free(l->flags);
  free(l->itrunc);
  free(l->order);
  free(l->tmp);
  free(l->remap);
  free(l->tmp2);
  free(l->ixb);
  free(l->cedge);
  free(l->dbuf);
  free(l->dlit);
  free(l->rmark);
  free(l->rrbits);
  free(l->uenc);
  free(l->nenc);
  zf_text_free(&l->det);
  free(l);
}

void zf_lost_set_marker(zf_lost *l, uint32_t marker) { l->marker = marker; }

void zf_lost_set_script(zf_lost *l, int script) { l->script = script; }

void zf_lost_set_budget(zf_lost *l, size_t per_unit, size_t total) {
  l->per_unit = per_unit;
  l->total = total ? total : SIZE_MAX;
  l->work = l->run0 = 0;
  l->over = 0;
}

void zf_lost_set_rate(zf_lost *l, size_t per_unit) { l->per_unit = per_unit; }

size_t zf_lost_work(const zf_lost *l) { return l->work; }

/* The script of the segment from what survives: the reader's bytes of the
 * characters between gaps, read in the source as they stand, Simplified-
 * only against Traditional-only characters (2:1 decides).  Returns the
 * ZF_OCC_* class to avoid, 0 when unclear. */
static unsigned line_avoid(zf_lost *l) {
  if (!l->have_occ) return 0;
  if (l->script == ZHFIX_SCRIPT_SIMP) return ZF_OCC_TRAD_ONLY;
  if (l->script >= 0 && l->script != ZHFIX_SCRIPT_AUTO) return ZF_OCC_SIMP_ONLY;
  size_t simp = 0, trad = 0;
  uint32_t st = 0;
  for (size_t j = 0; j < l->nu; j++) {
    int k = l->ukind[j];
    unsigned char by[4];
    int nb = 0;
    uint32_t c = l->ucp[j];
    if (k == UK_CHAR && l->R->kind == LC_KIND_UTF8) {
      nb = zf_utf8_put(c, by);
    } else if (k == UK_CHAR && c < 0x80) {
      by[nb++] = (unsigned char)c;
    } else if (k == UK_CHAR && l->nenc[j]) {
      unsigned code = l->uenc[j][0].code;
      if (code >= 0x100) by[nb++] = (unsigned char)(code >> 8);
      by[nb++] = (unsigned char)code;
    } else {
      st = 0; /* a gap: start again after it */
      continue;
    }
    for (int i = 0; i < nb; i++) {
      uint32_t cp;
      int ev = lc_source(l->S, &st, by[i], &cp);
      if (ev == EV_DEAD) {
        st = 0;
      } else if (ev == EV_CHAR && cp >= 0x3400) {
        unsigned cls = zf_occ_class(&l->occ, cp);
        simp += (cls & ZF_OCC_SIMP_ONLY) != 0;
        trad += (cls & ZF_OCC_TRAD_ONLY) != 0;
      }
    }
  }
  if (simp >= 2 && simp >= 2 * trad) return ZF_OCC_TRAD_ONLY;
  if (trad >= 2 && trad >= 2 * simp) return ZF_OCC_SIMP_ONLY;
  return 0;
}

const uint8_t *zf_lost_flags(const zf_lost *l, size_t *n) {
  *n = l->nflags;
  return l->flags;
}

/* Whether the reader can have written c at all. */
static int readable(const lc_model *R, uint32_t c) {
  if (c < 0x80) return 1;
  if (R->kind == LC_KIND_UTF8) return c <= 0x10FFFF && !(c >= 0xD800 && c <= 0xDFFF);
  size_t n;
  lc_encodings(R, c, &n);
  return n > 0;
}

static int setup(zf_lost *l, const zf_lost_hyp *h, int mode, const zf_text *in) {
  if (h->src >= ZF_LC__COUNT || h->reader >= ZF_LC__COUNT) return -1;
  l->S = &l->t->m[h->src];
  l->R = &l->t->m[h->reader];
  if (!l->S->present || !l->R->present || l->S->kind == LC_KIND_SBCS) return -1;
  l->style = (int)h->style;
  l->mode = mode;
  l->ucp = in->cp;
  l->uoff = in->off;
  l->nu = in->len;
  l->end_off = zf_lat_unit_off(l, in->len);
  if (GROW(l, l->ukind, l->capu, in->len + 1)) return -2;
  for (size_t j = 0; j < in->len; j++) {
    uint32_t c = in->cp[j];
    if (c == 0xFFFD && h->style == ZF_LOST_REPLACE) l->ukind[j] = UK_MARK;
    else if (c == '?' && h->style == ZF_LOST_QMARK) l->ukind[j] = UK_QMARK;
    else l->ukind[j] = readable(l->R, c) ? UK_CHAR : UK_ATOM;
  }
  l->ukind[in->len] = UK_END;
  if (GROW(l, l->rrbits, l->caprr, in->len + 1) || GROW(l, l->uenc, l->capue, in->len + 1) ||
      GROW(l, l->nenc, l->capne, in->len + 1))
    return -2;
  for (size_t j = 0; j <= in->len; j++) {
    l->nenc[j] = 0;
    l->uenc[j] = NULL;
    if (l->ukind[j] == UK_CHAR && in->cp[j] >= 0x80 && l->R->kind != LC_KIND_UTF8) {
      size_t n;
      l->uenc[j] = lc_encodings(l->R, in->cp[j], &n);
      l->nenc[j] = (uint32_t)n;
    }
  }
  for (size_t j = 0; j <= in->len; j++) zf_lat_rr_set(l, j, l->rrbits[j]);
  return 0;
}

static int run1(zf_lost *l, const zf_lost_hyp *h, int mode, const zf_text *in, zf_text *out,
                zf_stats *stats, zf_lost_result *res);

int zf_lost_run(zf_lost *l, const zf_lost_hyp *h, int mode, const zf_text *in, zf_text *out,
                zf_stats *stats, zf_lost_result *res) {
  l->use_det = 0;
  if (mode != ZF_LOST_BYTES) {
    /* what the bytes alone determine is written whatever the model says:
     * the rules that keep the model's prior from filling runs of gaps
     * (emit_interval) apply only to the rest */
    zf_text_clear(&l->det);
    int rc = run1(l, h, ZF_LOST_BYTES, in, &l->det, NULL, NULL);
    if (rc == ZHFIX_E_NOMEM || rc == ZF_LOST_OVER) return rc;
    if (rc == 0) {
      size_t k = 0;
      for (size_t i = 0; i < l->det.len; i++)
        if (l->flags[i] == ZF_LOST_KEPT || l->flags[i] == ZF_LOST_FILLED) {
          l->det.cp[k] = l->det.cp[i];
          l->det.off[k] = l->det.off[i];
          k++;
        }
      l->det.len = k;
      l->use_det = 1;
    }
  }
  return run1(l, h, mode, in, out, stats, res);
}

static int run1(zf_lost *l, const zf_lost_hyp *h, int mode, const zf_text *in, zf_text *out,
                zf_stats *stats, zf_lost_result *res) {
  memset(&l->res, 0, sizeof l->res);
  l->run0 = l->work;
  l->nflags = 0;
  l->nomem = 0;
  l->nctx = 0;
  int rc = setup(l, h, mode, in);
  if (rc == -2) return ZHFIX_E_NOMEM;
  if (rc) return ZF_LOST_NOFIT;
  int lm = mode != ZF_LOST_BYTES;
  if (lm) l->res.literal = zf_lm_score(in->cp, in->len);
  l->avoid = lm ? line_avoid(l) : 0;
  size_t out0 = out->len;
  l->out = out;
  l->stats = NULL; /* spans are reported once the segment is known to fit */
  /* the window starts with one node */
  l->nn = l->ne = l->np = 0;
  if (GROW(l, l->nodes, l->capn, 1) || GROW(l, l->bstart, l->capb, 2) ||
      GROW(l, l->estart, l->cape2, 2) || GROW(l, l->itrunc, l->capitrunc, 1) || zf_lat_hash_init(l))
    return ZHFIX_E_NOMEM;
  lnode *s = &l->nodes[l->nn++];
  memset(s, 0, sizeof *s);
  s->last = lm ? '\n' : 0;
  s->alphas = 0;
  s->bp = s->bn = NONE;
  s->beta = -FLT_MAX;
  size_t w0 = 0;
  l->bstart[0] = 0;
  l->bstart[1] = 1;
  int fit = 1;
  if (l->over) return ZF_LOST_OVER;
  for (size_t j = 0; j <= in->len && !l->nomem && !l->over; j++) {
    size_t rb = j - w0; /* relative boundary */
    if (GROW(l, l->bstart, l->capb, rb + 3) || GROW(l, l->estart, l->cape2, rb + 3) ||
        GROW(l, l->itrunc, l->capitrunc, rb + 2)) {
      l->nomem = 1;
      break;
    }
    uint32_t first = l->bstart[rb], last = l->bstart[rb + 1];
    size_t n = last - first;
    if (GROW(l, l->ixb, l->capixb, n) || GROW(l, l->tmp, l->captmp, n)) {
      l->nomem = 1;
      break;
    }
    /* indices, not pointers: expansion appends to nodes[] */
    uint32_t *ix = l->ixb;
    for (size_t k = 0; k < n; k++) ix[k] = first + (uint32_t)k;
    zf_lat_sort_by_alpha(ix, n, l->nodes, l->tmp);
    l->estart[rb] = (uint32_t)l->ne;
    l->trunc_iv = 0;
    zf_lat_hash_next(l);
    uint32_t nfirst = (uint32_t)l->nn;
    l->bnew = nfirst;
    size_t iv_edges = l->ne;
    int needs_gap = l->ukind[j] == UK_MARK || l->ukind[j] == UK_QMARK;
    int drop = h->style == ZF_LOST_DROP;
    for (size_t k = 0; k < n && !l->nomem; k++) {
      if (drop) {
        size_t before = l->ne;
        int now = k < (l->S->kind != LC_KIND_UTF8 ? LOST_DROP_BEAM : LOST_DROP_BEAM_U8);
        zf_lat_expand(l, ix[k], j, now);
        if (!now && l->ne == before && l->ne - iv_edges < LOST_GAP_EDGES) zf_lat_expand(l, ix[k], j, 1);
      } else {
        /* gap bytes for the best nodes first, within a budget of edges */
        int gaps_ok = !needs_gap || !lm || l->ne - iv_edges < LOST_GAP_EDGES;
        zf_lat_expand(l, ix[k], j, gaps_ok);
      }
      /* a budget per unit: the best nodes expand first; the ones left
       * out are the beam's usual loss, not a gap cut short */
      if (l->ne - iv_edges > LOST_INTERVAL_EDGES) break;
    }
    size_t kept = zf_lat_prune(l, nfirst, l->estart[rb]);
    l->itrunc[rb] = (uint8_t)l->trunc_iv;
    l->estart[rb + 1] = (uint32_t)l->ne;
    l->bstart[rb + 2] = (uint32_t)l->nn;
    if (l->nomem) break;
    if (kept == 0) {
      fit = 0;
      break;
    }
    int final = j == in->len;
    if (kept == 1 || final || rb + 1 >= LOST_WINDOW) {
      uint32_t keep = nfirst;
      for (uint32_t k = nfirst; k < l->nn; k++)
        if (l->nodes[k].alpha > l->nodes[keep].alpha) keep = k;
      if (kept > 1 && !final) l->res.truncated = 1; /* a window cut at its best node */
      zf_lat_decide(l, rb + 1, keep);
      if (final) break;
      /* the next window starts from that node */
      lnode k0 = l->nodes[keep];
      k0.alpha = k0.alphas = 0;
      k0.bp = k0.bn = NONE;
      l->nn = l->ne = l->np = 0;
      l->nodes[l->nn++] = k0;
      w0 = j + 1;
      l->bstart[0] = 0;
      l->bstart[1] = 1;
    }
  }
  if (l->nomem) {
    out->len = out0;
    return ZHFIX_E_NOMEM;
  }
  if (l->over) {
    out->len = out0;
    l->nflags = 0;
    return ZF_LOST_OVER;
  }
  if (!fit) {
    out->len = out0;
    l->nflags = 0;
    return ZF_LOST_NOFIT;
  }
  if (stats) {
    /* report the marked characters, neighbours as one span */
    for (size_t i = 0; i < l->nflags;) {
      if (l->flags[i] != ZF_LOST_MARKED && l->flags[i] != ZF_LOST_GUESSED) {
        i++;
        continue;
      }
      size_t e = i;
      while (e < l->nflags && (l->flags[e] == ZF_LOST_MARKED || l->flags[e] == ZF_LOST_GUESSED)) e++;
      uint64_t a = out->off[out0 + i], z = out->off[out0 + e - 1];
      zf_stats_unrecoverable(stats, a, z >= a ? z - a + 1 : 1);
      i = e;
    }
  }
  if (res) *res = l->res;
  return 0;
}

/* ---- detection --------------------------------------------------------------
 * The surviving bytes (the reader's bytes of every character; a marker is
 * a gap) are read in the source as they come.  Where the source cannot
 * read them, the character that held the offending byte is left out on
 * both sides and reading starts again after it; that costs DETECT_FAIL
 * unless it is next to a marker (a character that lost bytes there).  The
 * characters both sides cover are scored by the model: a damaged segment
 * reads far better in its source, clean text read so is garbage that
 * keeps failing.  The segment carries the damage when the source's
 * reading wins by DETECT_MARGIN, the mojibake stage's entry cost for
 * readings that clean text survives too (3.0). */
/* The bytes the reader R reads as c (its first encoding: ASCII as is,
 * UTF-8, or one or two bytes of a double-byte table) into by; returns
 * their count, 0 for a character R never writes. */
static int reencode(const lc_model *R, uint32_t c, unsigned char by[4]) {
  if (c < 0x80) {
    by[0] = (unsigned char)c;
    return 1;
  }
  if (R->kind == LC_KIND_UTF8) return zf_utf8_put(c, by);
  size_t n;
  const lc_inv *e = lc_encodings(R, c, &n);
  if (!n) return 0;
  int nb = 0;
  if (e[0].code >= 0x100) by[nb++] = (unsigned char)(e[0].code >> 8);
  by[nb++] = (unsigned char)e[0].code;
  return nb;
}

#define DETECT_MARGIN 3.0
#define DETECT_FAIL 3.0
#define DETECT_MIN_CHARS 2
#define DETECT_PHASE 1.0

/* The gain of the marker-free stretch in[a..b) (zf_lost_detect): its
 * surviving bytes, the first `skip` of them left out, read in the source
 * against the characters as they stand.  *decoded counts the source's
 * characters that are not ASCII; *bad is set for a character the reader
 * never writes. */
static double stretch_gain(zf_lost *l, const lc_model *S, const lc_model *R, const zf_text *in, uint32_t mk,
                           size_t a, size_t b, int skip, size_t *decoded, int *bad) {
  double g = 0;
  size_t nd = 0, nlit = 0, nds = 0, nlits = 0;
  uint32_t st = 0;
  for (size_t j = a; j <= b; j++) {
    unsigned char by[4];
    int nb = 0, mark = j == b;
    uint32_t c = mark ? 0 : in->cp[j];
    if (!mark && !(nb = reencode(R, c, by))) {
      *bad = 1;
      return 0;
    }
    int fail = 0;
    for (int i = 0; i < nb && !fail; i++) {
      uint32_t cp;
      if (skip > 0) {
        skip--;
        continue;
      }
      int ev = lc_source(S, &st, by[i], &cp);
      if (ev == EV_DEAD) fail = 1;
      else if (ev == EV_CHAR) l->dbuf[nd++] = cp, *decoded += cp >= 0x80;
    }
    if (!mark && !fail) {
      l->dlit[nlit++] = c;
      if (st == 0) nds = nd, nlits = nlit; /* both readings end here */
      continue;
    }
    /* the stretch up to the last place both readings ended together */
    g += (nds ? zf_lm_score(l->dbuf, nds) : 0) - (nlits ? zf_lm_score(l->dlit, nlits) : 0);
    if (fail) {
      int near = (j > 0 && mk && in->cp[j - 1] == mk) || (j + 1 < in->len && mk && in->cp[j + 1] == mk);
      if (!near) g -= DETECT_FAIL;
    }
    nd = nlit = nds = nlits = 0;
    st = 0;
  }
  return g;
}

int zf_lost_detect(zf_lost *l, const zf_lost_hyp *h, const zf_text *in, double *gain) {
  if (gain) *gain = 0;
  if (h->src >= ZF_LC__COUNT || h->reader >= ZF_LC__COUNT) return 0;
  const lc_model *S = &l->t->m[h->src], *R = &l->t->m[h->reader];
  if (!S->present || !R->present || S->kind == LC_KIND_SBCS) return 0;
  /* the style's markers next to text that is not ASCII; without markers
   * (a dropping reader) text that looks like a wrong decode: a quarter of
   * its Han characters unknown to the model (clean text has almost none) */
  size_t marks = 0, han = 0, rare = 0;
  uint32_t mk = h->style == ZF_LOST_REPLACE ? 0xFFFD : h->style == ZF_LOST_QMARK ? '?' : 0;
  for (size_t j = 0; j < in->len; j++) {
    uint32_t c = in->cp[j];
    if (mk && c == mk) {
      int near = 0;
      for (size_t q = j > 2 ? j - 2 : 0; q < in->len && q <= j + 2 && !near; q++)
        near = in->cp[q] >= 0x80 && in->cp[q] != 0xFFFD;
      marks += near;
    } else if (!mk && zf_is_han(c)) {
      han++;
      rare += !zf_lm_known(c) || zf_lm_char(c) < -5.0f;
    }
  }
  if (mk && marks == 0) return 0;
  if (!mk && R->kind != LC_KIND_SBCS && (han < DETECT_MIN_CHARS || rare * 4 < han)) return 0;
  if (GROW(l, l->dbuf, l->capdbuf, 4 * in->len + 4) || GROW(l, l->dlit, l->capdlit, in->len + 1))
    return 0;
  /* A marker-free stretch at a time.  After a marker a double-byte
   * source may be out of phase: a decoder that rejects a lead byte and
   * reads its trail again (CPython's) leaves the lost character's trail as
   * the first surviving byte, and a decoder already out of phase lost a
   * trail and resumes at a lead.  The stretch is read both ways and the
   * better reading counts (stretch_gain, skip 0 or 1), the shifted one
   * less DETECT_PHASE (a choice made per stretch: on a line of two or
   * three characters the better of two readings of garbage is often
   * good enough). */
  int phase = S->kind == LC_KIND_DBCS && mk;
  double g = 0;
  size_t decoded = 0, a = 0;
  for (size_t j = 0; j <= in->len; j++) {
    if (j < in->len && !(mk && in->cp[j] == mk)) continue;
    if (j > a) {
      size_t d0 = 0, d1 = 0;
      int bad = 0;
      double g0 = stretch_gain(l, S, R, in, mk, a, j, 0, &d0, &bad);
      if (bad) return 0; /* a character the reader never writes */
      if (phase && a > 0) {
        double g1 = stretch_gain(l, S, R, in, mk, a, j, 1, &d1, &bad);
        if (g1 - DETECT_PHASE > g0) g0 = g1 - DETECT_PHASE, d0 = d1;
      }
      g += g0;
      decoded += d0;
    }
    a = j + 1;
  }
  if (decoded < DETECT_MIN_CHARS) return 0;
  if (gain) *gain = g;
  return g >= DETECT_MARGIN;
}

/* UTF-8 read by a double-byte decoder that replaced what it could not
 * read keeps UTF-8's shape between its markers: the reader's bytes of
 * each stretch are a piece of valid UTF-8 (up to three continuation bytes
 * where a gap cut a character's start, an unfinished character where one
 * cut its end).  Double-byte text rarely has that shape: its trail bytes
 * run over 0x40-0xFE, its lead bytes follow one another.  Counts the
 * stretches' non-ASCII bytes and the bytes that break the shape. */
static void u8_shape(const lc_model *R, const zf_text *in, uint32_t mk, size_t *bytes, size_t *bad) {
  int need = 0, start = 1; /* continuation bytes owed; at a stretch's start */
  unsigned lo = 0x80, hi = 0xBF;
  *bytes = *bad = 0;
  for (size_t j = 0; j < in->len; j++) {
    unsigned char by[4];
    int nb = in->cp[j] == mk ? 0 : reencode(R, in->cp[j], by);
    if (!nb) {
      need = 0, start = 1, lo = 0x80, hi = 0xBF;
      continue;
    }
    for (int i = 0; i < nb; i++) {
      unsigned b = by[i];
      if (b >= 0x80) ++*bytes;
      if (need) {
        int ok = b >= lo && b <= hi;
        lo = 0x80, hi = 0xBF;
        if (ok) {
          need--;
          continue;
        }
        ++*bad, need = 0; /* a character cut short: b starts afresh */
      }
      if (b >= 0x80 && b <= 0xBF) {
        if (!start) ++*bad; /* a continuation byte with no character to go on */
        continue;
      }
      start = 0;
      int n = u8_need(b);
      if (b >= 0x80 && !n) ++*bad; /* a byte UTF-8 never has */
      need = n > 1 ? n - 1 : 0;
      if (need) u8_bounds(b, &lo, &hi);
    }
  }
}

int zf_lost_utf8_shaped(const zf_lost *l, int reader, const zf_text *in) {
  if (reader < 0 || reader >= ZF_LC__COUNT || !l->t->m[reader].present) return 0;
  size_t bytes, bad;
  u8_shape(&l->t->m[reader], in, 0xFFFD, &bytes, &bad);
  return bytes >= 8 && bad * 16 <= bytes;
}

int zf_lost_lossless(const zf_lost *l, const zf_lost_hyp *h, const zf_text *in) {
  if (h->src >= ZF_LC__COUNT || h->reader >= ZF_LC__COUNT) return 0;
  const lc_model *S = &l->t->m[h->src], *R = &l->t->m[h->reader];
  if (!S->present || !R->present || S->kind == LC_KIND_SBCS) return 0;
  uint32_t st = 0;
  for (size_t j = 0; j < in->len; j++) {
    uint32_t c = in->cp[j], cp;
    unsigned char by[4];
    int nb = reencode(R, c, by);
    if (!nb) return 0;
    for (int i = 0; i < nb; i++)
      if (lc_source(S, &st, by[i], &cp) == EV_DEAD) return 0;
  }
  return st == 0;
}

/* The damage classes the lattice models (docs/repair-lost.md): every
 * source read by every decoder of another encoding that loses bytes.
 * Double-byte text read as UTF-8 and dropped is left out: the decoder
 * keeps ASCII and nothing else, there is nothing to rebuild. */
const zf_lost_hyp zf_lost_all_hyps[] = {
    {ZF_LC_UTF8, ZF_LC_PY_GBK, ZF_LOST_REPLACE},      {ZF_LC_UTF8, ZF_LC_PY_GBK, ZF_LOST_DROP},
    {ZF_LC_UTF8, ZF_LC_WHATWG_GBK, ZF_LOST_REPLACE},  {ZF_LC_UTF8, ZF_LC_ICU_GBK, ZF_LOST_REPLACE},
    {ZF_LC_UTF8, ZF_LC_ICU_GBK, ZF_LOST_QMARK},       {ZF_LC_UTF8, ZF_LC_GLIBC_GBK, ZF_LOST_DROP},
    {ZF_LC_UTF8, ZF_LC_PY_BIG5, ZF_LOST_REPLACE},     {ZF_LC_UTF8, ZF_LC_PY_BIG5, ZF_LOST_DROP},
    {ZF_LC_UTF8, ZF_LC_WHATWG_BIG5, ZF_LOST_REPLACE}, {ZF_LC_UTF8, ZF_LC_ICU_BIG5, ZF_LOST_REPLACE},
    {ZF_LC_UTF8, ZF_LC_GLIBC_BIG5, ZF_LOST_DROP},     {ZF_LC_UTF8, ZF_LC_PY_CP1252, ZF_LOST_REPLACE},
    {ZF_LC_UTF8, ZF_LC_PY_CP1252, ZF_LOST_DROP},      {ZF_LC_PY_GBK, ZF_LC_PY_BIG5, ZF_LOST_REPLACE},
    {ZF_LC_PY_GBK, ZF_LC_PY_BIG5, ZF_LOST_DROP},      {ZF_LC_PY_GBK, ZF_LC_WHATWG_BIG5, ZF_LOST_REPLACE},
    {ZF_LC_PY_GBK, ZF_LC_ICU_BIG5, ZF_LOST_REPLACE},  {ZF_LC_PY_GBK, ZF_LC_GLIBC_BIG5, ZF_LOST_DROP},
    {ZF_LC_PY_GBK, ZF_LC_UTF8, ZF_LOST_REPLACE},      {ZF_LC_PY_CP950, ZF_LC_PY_GBK, ZF_LOST_REPLACE},
    {ZF_LC_PY_CP950, ZF_LC_PY_GBK, ZF_LOST_DROP},     {ZF_LC_PY_CP950, ZF_LC_GLIBC_GBK, ZF_LOST_DROP},
    {ZF_LC_PY_CP950, ZF_LC_UTF8, ZF_LOST_REPLACE},
};
const size_t zf_lost_nall_hyps = sizeof zf_lost_all_hyps / sizeof zf_lost_all_hyps[0];

