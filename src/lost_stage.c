/*
 * The lost-byte stage (issue #15): a line that went through a decoder that
 * replaced or dropped bytes is rebuilt by the lattice (lost.h), before the
 * mojibake stage's lossless readings.  docs/repair-lost.md has the model.
 *
 * A line's way through the stage (run):
 *   1. a scan for a place a lost byte may have left: U+FFFD or '?' next
 *      to text that is not ASCII (without one, and with no drop evidence,
 *      the line passes unchanged: almost all text);
 *   2. every damage class of zf_lost_all_hyps whose markers the line shows
 *      is tested (zf_lost_detect: the surviving bytes read in the source
 *      beat the line as it stands by a clear margin); the best gain wins;
 *   3. the lattice rebuilds the line under that class in the handle's
 *      --lost mode; what it marks is reported with its input offset, and
 *      the later stages leave those spans alone (pipeline.c: no
 *      conversion, no punctuation of garbage).
 * Each line is judged on its own evidence: a document mixing damages is
 * repaired line by line.  A line on which an earlier stage (the farm
 * stage) reported damage is left to that stage's report.
 */
#include <stdlib.h>
#include <string.h>

#include "lost.h"
#include "shared.h"

static zf_shared_slot lost_tables_slot;

static void *tables_build(void *arg) {
  (void)arg;
  zf_lost_tables *t;
  return zf_lost_tables_new(&t, NULL, 0) ? NULL : t;
}

static void tables_drop(void *obj) { zf_lost_tables_free(obj); }

const zf_lost_tables *zf_lost_shared_tables(void) {
  return zf_shared_get(&lost_tables_slot, tables_build, NULL, tables_drop);
}

typedef struct lstage {
  zf_lost *l; /* created at the first line that needs it */
  int mode;   /* ZF_LOST_MARK or ZF_LOST_GUESS */
  int script; /* the document's script when the caller gave it, else -1 */
} lstage;

static int create(void **st, const zf_opts *o) {
  *st = NULL;
  if (!o->mojibake) return 0;
  lstage *s = calloc(1, sizeof *s);
  if (!s) return ZHFIX_E_NOMEM;
  s->mode = o->lost == ZHFIX_LOST_GUESS ? ZF_LOST_GUESS : ZF_LOST_MARK;
  s->script = o->script_detected ? -1 : o->script;
  *st = s;
  return 0;
}

static void destroy(void *st) {
  lstage *s = st;
  zf_lost_free(s->l);
  free(s);
}

/* Markers a lost byte leaves next to text that is not ASCII: bit 0 a
 * U+FFFD, bit 1 a '?'. */
unsigned zf_lost_markers(const zf_text *in) {
  const uint32_t *cp = in->cp;
  size_t n = in->len;
  unsigned f = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t c = cp[i];
    if (c != 0xFFFD && c != '?') continue;
    int near = 0;
    for (size_t q = i > 2 ? i - 2 : 0; q < n && q <= i + 2 && !near; q++)
      near = cp[q] >= 0x80 && cp[q] != 0xFFFD;
    if (near) f |= c == '?' ? 2u : 1u;
  }
  return f;
}

/* The mojibake counter of a damage class. */
static int class_stat(const zf_lost_hyp *h) {
  int r = h->reader;
  int rgbk = r == ZF_LC_PY_GBK || r == ZF_LC_WHATWG_GBK || r == ZF_LC_ICU_GBK || r == ZF_LC_GLIBC_GBK;
  if (h->src == ZF_LC_UTF8)
    return rgbk ? ZHFIX_STAT_MOJIBAKE_UTF8_AS_GBK
                : r == ZF_LC_PY_CP1252 ? ZHFIX_STAT_MOJIBAKE_UTF8_AS_LATIN1 : ZHFIX_STAT_MOJIBAKE_UTF8_AS_BIG5;
  if (h->src == ZF_LC_PY_GBK) return rgbk || r == ZF_LC_UTF8 ? -1 : ZHFIX_STAT_MOJIBAKE_GBK_AS_BIG5;
  return rgbk ? ZHFIX_STAT_MOJIBAKE_BIG5_AS_GBK : -1;
}

int zf_lost_repair_line(zf_lost *l, int mode, unsigned markers, const zf_text *in, zf_text *out,
                        zf_stats *stats, zf_lost_result *res, const zf_lost_hyp **used) {
  /* the classes whose markers the line shows, best gain first */
  enum { MAXH = 32 };
  size_t order[MAXH], n = 0;
  double gain[MAXH];
  for (size_t k = 0; k < zf_lost_nall_hyps && k < MAXH; k++) {
    const zf_lost_hyp *h = &zf_lost_all_hyps[k];
    if (h->style == ZF_LOST_DROP) continue; /* no marker to go by */
    /* Double-byte text read as UTF-8: every lead byte is a marker and
     * only ASCII survives, the bytes determine nothing (docs/repair-lost.md)
     * and the search would cost seconds a line: the marks stay, reported
     * by the mojibake stage. */
    if (h->reader == ZF_LC_UTF8) continue;
    if (h->style == ZF_LOST_REPLACE && !(markers & 1)) continue;
    if (h->style == ZF_LOST_QMARK && !(markers & 2)) continue;
    double g;
    if (!zf_lost_detect(l, h, in, &g)) continue;
    size_t at = n++;
    while (at > 0 && gain[at - 1] < g) {
      gain[at] = gain[at - 1];
      order[at] = order[at - 1];
      at--;
    }
    gain[at] = g;
    order[at] = k;
  }
  for (size_t i = 0; i < n; i++) {
    const zf_lost_hyp *h = &zf_lost_all_hyps[order[i]];
    size_t out0 = out->len;
    int rc = zf_lost_run(l, h, mode, in, out, stats, res);
    if (rc == ZF_LOST_NOFIT) {
      out->len = out0;
      continue;
    }
    if (rc == 0 && used) *used = h;
    return rc;
  }
  return ZF_LOST_NOFIT;
}

static int run(void *st, const zf_text *in, zf_text *out, zf_stats *stats) {
  lstage *s = st;
  unsigned markers = zf_lost_markers(in);
  if (!markers) return ZF_UNCHANGED;
  if (stats->nseg_damage) return ZF_UNCHANGED; /* an earlier stage reported this line's damage */
  if (!s->l) {
    const zf_lost_tables *t = zf_lost_shared_tables();
    if (!t) return ZHFIX_E_NOMEM;
    if (!(s->l = zf_lost_new(t))) return ZHFIX_E_NOMEM;
    zf_lost_set_script(s->l, s->script);
  }
  zf_lost_result res;
  const zf_lost_hyp *h = NULL;
  int rc = zf_lost_repair_line(s->l, s->mode, markers, in, out, stats, &res, &h);
  if (rc == ZF_LOST_NOFIT) return ZF_UNCHANGED;
  if (rc) return rc;
  /* The terminator goes out as it came: the lattice reads it (a line's
   * end is evidence), but a mark never replaces it. */
  size_t body = in->len;
  while (body > 0 && (in->cp[body - 1] == '\n' || in->cp[body - 1] == '\r')) body--;
  if (body < in->len) {
    size_t k = out->len;
    while (k > 0 && (out->off[k - 1] >= in->off[body] || out->cp[k - 1] == '\n' || out->cp[k - 1] == '\r'))
      k--;
    out->len = k;
    if (zf_text_append(out, in, body, in->len - body)) return ZHFIX_E_NOMEM;
  }
  stats->v[ZHFIX_STAT_LOST_LINES]++;
  stats->v[ZHFIX_STAT_LOST_GUESSED] += res.guessed;
  int cs = class_stat(h);
  if (cs >= 0) stats->v[cs]++;
  if (out->len == in->len && !memcmp(out->cp, in->cp, in->len * sizeof *in->cp)) return ZF_UNCHANGED;
  return 0;
}

const zf_stage_ops zf_stage_lost = {"lost", create, NULL, run, destroy};
