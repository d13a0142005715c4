/*
 * Stage 2: repair of text that was decoded with the wrong encoding
 * ("mojibake"), span by span.  See docs/repair-mojibake.md; moji.h lists
 * the files of the stage and what each holds.
 *
 * A line's way through the stage (run):
 *   1. a scan for anything at all to look at (non-ASCII, marks of lost
 *      bytes, C1 controls); a line of ASCII costs that scan;
 *   2. the trigger (moji_trigger.c): which classes could change anything;
 *      with none (almost all clean text), the line passes unchanged;
 *   3. the strategies (moji_strategy.c): passes of the classes that fire,
 *      in a few orders, each pass repairing run by run (moji_search.c),
 *      and the line the language model prefers is kept;
 *   4. C1 controls left in a Latin-1 line are read as Windows-1252;
 *   5. what is left that is certainly damage is counted (moji_lossy.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "moji.h"

/* ---- text with repair flags ------------------------------------------------ */

int zf_mline_reserve(mline *l, size_t n) {
  if (n > l->t.cap && zf_text_reserve(&l->t, n - l->t.len)) return -1;
  if (l->repcap < l->t.cap) {
    uint8_t *rep = realloc(l->rep, l->t.cap);
    if (!rep) return -1;
    l->rep = rep;
    l->repcap = l->t.cap;
  }
  return 0;
}

void zf_mline_copy(mline *dst, const mline *src) {
  memcpy(dst->t.cp, src->t.cp, src->t.len * sizeof *dst->t.cp);
  memcpy(dst->t.off, src->t.off, src->t.len * sizeof *dst->t.off);
  memcpy(dst->rep, src->rep, src->t.len);
  dst->t.len = src->t.len;
}

void zf_mline_free(mline *l) {
  zf_text_free(&l->t);
  free(l->rep);
  l->rep = NULL;
  l->repcap = 0;
}

int zf_moji_scratch_reserve(moji *m, size_t nchars) {
  if (nchars + 1 <= m->rcap) return 0;
  size_t cap = m->rcap ? m->rcap : 256;
  while (cap < nchars + 1) cap *= 2;
  /* The scratch holds nothing across calls: what was there is dropped,
   * not copied (a copy would touch pages the run never uses, and freed
   * pages stay in the process's resident memory).  Until every field
   * has its room, rcap is 0: a failed allocation leaves none in use. */
  m->rcap = 0;
#define GROW(field, n)                                                        \
  free(m->field);                                                             \
  if (!(m->field = malloc((n) * sizeof *m->field))) return -1
  GROW(bytes, cap * 4);
  GROW(marker, cap * 4);
  GROW(bnd, cap + 1);
  GROW(dec, cap * 4);
  GROW(dsrc, cap * 4);
  GROW(units, cap);
  GROW(vit, cap * 2 + 2);
  GROW(bp, cap * 2 + 2);
#undef GROW
  m->rcap = cap;
  return 0;
}

/* ---- the stage ------------------------------------------------------------- */

static int create(void **st, const zf_opts *o) {
  *st = NULL;
  if (!o->mojibake) return 0;
  if (!zf_lm_other_ok()) return ZHFIX_E_INTERNAL; /* a damaged model table: no judgement */
  /* Shared tables; a build that fails now is tried again by the next
   * document, and this one reports it. */
  int err;
  const moji_tables *t = zf_moji_tables(&err);
  if (!t) return err;
  moji *m = calloc(1, sizeof *m);
  if (!m) return ZHFIX_E_NOMEM;
  m->t = t;
  m->following = -1;
  *st = m;
  return 0;
}

static void destroy(void *st) {
  moji *m = st;
  zf_mline_free(&m->in0);
  zf_mline_free(&m->best);
  zf_mline_free(&m->a);
  zf_mline_free(&m->b);
  free(m->bytes);
  free(m->marker);
  free(m->bnd);
  free(m->dec);
  free(m->dsrc);
  free(m->units);
  free(m->vit);
  free(m->bp);
  free(m);
}

/* The next document on the handle (zf_stage_ops.reuse): create()'s
 * state, keeping the scratch of lines up to KEEP_CAP code points.
 * (Every pointer destroy() frees is kept here.) */
#define KEEP_CAP 4096
static int reuse(void *st, const zf_opts *o) {
  moji *m = st, k = *m;
  if (!o->mojibake || m->rcap > KEEP_CAP || m->in0.t.cap > KEEP_CAP || m->best.t.cap > KEEP_CAP ||
      m->a.t.cap > KEEP_CAP || m->b.t.cap > KEEP_CAP)
    return 0;
  memset(m, 0, sizeof *m);
  m->t = k.t;
  m->in0 = k.in0;
  m->best = k.best;
  m->a = k.a;
  m->b = k.b;
  m->in0.t.len = m->best.t.len = m->a.t.len = m->b.t.len = 0;
  m->bytes = k.bytes;
  m->marker = k.marker;
  m->bnd = k.bnd;
  m->dec = k.dec;
  m->dsrc = k.dsrc;
  m->units = k.units;
  m->vit = k.vit;
  m->bp = k.bp;
  m->rcap = k.rcap;
  m->following = -1;
  return 1;
}

/* Is there anything at all for the passes to look at?  One scan, in
 * blocks of 16 that the compiler vectorises (no early exit): bit 0, a
 * character that is not ASCII; bit 1, one where a span of certain damage
 * may start (marks.h; without one zf_moji_count_unrecoverable records
 * nothing); bit 2, a C1 control; bit 3, a mark of lost bytes
 * (zf_mark_lost: '?', U+FFFD). */
static unsigned scan(const zf_text *in) {
  const uint32_t *cp = in->cp;
  size_t n = in->len, i = 0;
  unsigned f = 0;
#define BITS(c)                                                                 \
  ((unsigned)((c) >= 0x80) | zf_mark_starts_span(c) << 1 | (unsigned)((c) >= 0x80 && (c) < 0xA0) << 2 | \
   (unsigned)zf_mark_lost(c) << 3)
  for (; i + 16 <= n; i += 16)
    for (size_t k = 0; k < 16; k++) f |= BITS(cp[i + k]);
  for (; i < n; i++) f |= BITS(cp[i]);
#undef BITS
  return f;
}

/* C1 controls left over are text read with ISO-8859-1 where the bytes
 * were Windows-1252: read as WHATWG's windows-1252 reads them (0x80 is €,
 * 0x93 “), its five undefined bytes staying the C1 controls they decode
 * to (issue 13: they used to be deleted as controls).  Only in a line
 * that ISO-8859-1 can have made, every character of it below U+0100: a
 * control beside Han or Cyrillic (Mule'\x80\x99 написав) is no byte of a
 * 1252 file. */
static void c1_as_1252(mline *l, zf_stats *stats) {
  uint32_t *cp = l->t.cp;
  int latin1 = 1;
  for (size_t i = 0; i < l->t.len && latin1; i++) latin1 = cp[i] < 0x100;
  for (size_t i = 0; i < l->t.len && latin1; i++) {
    uint32_t c = cp[i];
    if (c < 0x80 || c >= 0xA0 || zf_cp1252_hi[c - 0x80] == c) continue;
    cp[i] = zf_cp1252_hi[c - 0x80];
    stats->v[ZHFIX_STAT_C1_AS_1252]++;
  }
}

/* In a document carrying a DBCS<->DBCS signature, counts the lines with
 * Chinese that come out unchanged (moji::clean_han): a file read with the
 * wrong table has none. */
static void note_clean(moji *m, const uint32_t *cp, size_t n) {
  /* Only a line the document's reading could have made says so: every
   * Han character of it encodable in the table the garbage was read with
   * (a Simplified line with 为 cannot be GBK read as Big5).  And only a
   * line that looks clean: one with a lost-byte marker or a Han character
   * rare to the model may be garbage left unrepaired (a lossy line of the
   * same wrong table, its U+FFFD or its dropped bytes defeating the
   * repair), which says nothing against following the document (lossy
   * GBK-as-Big5 pages: 12 of 121 lossless lines of the tuning slice were
   * lost when such lines counted as clean). */
  if (m->lost_line) return; /* rebuilt by the lost-byte stage: not clean */
  const zf_dbcs *x = m->sig[C_GBK_BIG5] >= SIG_LINES ? m->t->big5 : m->t->gbk;
  size_t han = 0;
  for (size_t i = 0; i < n; i++) {
    if (zf_mark_replaced(cp[i])) return;
    if (!zf_is_han(cp[i])) continue;
    if (!common_han(cp[i]) || zf_lm_char(cp[i]) < RARE_CHAR) return;
    if (!x->enc[cp[i]]) return;
    han++;
  }
  if (han >= 2) {
    m->clean_han++;
    m->follow_run = 0;
    m->count_clean = m->clean_han < MIXED_LINES;
  }
}

/* Characters of t before its line break. */
static size_t body_len(const zf_text *t) {
  size_t n = t->len;
  while (n && (t->cp[n - 1] == '\n' || t->cp[n - 1] == '\r')) n--;
  return n;
}

/* Whether the passes' repair m->best of in is refused for the private
 * use it changes (zf_moji_pua_refused); cnt: its repair counts. */
static int pua_refused(moji *m, const zf_text *in, const uint64_t *cnt) {
  const zf_text *b = &m->best.t;
  size_t n = body_len(in), g0 = n, g1 = 0;
  if (b->len != in->len) return 0;
  for (size_t i = 0; i < n; i++)
    if (b->cp[i] != in->cp[i]) {
      if (g0 == n) g0 = i;
      g1 = i + 1;
    }
  if (g0 >= g1 || zf_moji_scratch_reserve(m, n)) return 0;
  const int dbcs = cnt[zf_moji_classes[C_BIG5_GBK].stat] || cnt[zf_moji_classes[C_GBK_BIG5].stat];
  return zf_moji_pua_refused(m, in, n, b->cp + g0, g0, g1, dbcs, m->dec);
}

static size_t line_reading(const moji *m, int k, const uint32_t *cp, size_t n, uint32_t *out, int any);
static int doc_shown(const moji *m);

/* Whether h[0..n) is a lexicon word, or (four) two of them. */
static int words(const uint32_t *h, size_t n) {
  return zf_lm_word(h, n, NULL) || (n == 4 && zf_lm_word(h, 2, NULL) && zf_lm_word(h + 2, 2, NULL));
}

/* A heading's Han beside ASCII (吏挂匡兜, Big5's 環境選項 read as GBK,
 * before `ENVIRONMENT OPTIONS`): a line whose only characters that are
 * not ASCII are two to four Han in a row that make no word (nor two),
 * whose GBK<->Big5 reading makes them, in a document that has shown a
 * confident repair.  Bilingual labels and headings of any technical text
 * have this shape; the trigger asks three Han alone (heading_bits), so
 * such a line was never tried.  The veto judges the repair as any other
 * (2.0 log10 per Han: 環境選項 gains 9.5; 梓講 for 标量 does not pass).
 * The classes to try, as trigger bits. */
static unsigned han_heading_bits(const moji *m, const zf_text *in) {
  size_t n = body_len(in), nh = 0, first = 0, last = 0;
  uint32_t h[4], rd[2 * HEADING_CHARS];
  if (!doc_shown(m)) return 0;
  for (size_t i = 0; i < n; i++) {
    if (in->cp[i] < 0x80) continue;
    if (nh == 4 || !zf_is_han(in->cp[i])) return 0;
    if (!nh) first = i;
    last = i;
    h[nh++] = in->cp[i];
  }
  if (nh < 2 || last - first + 1 != nh || words(h, nh)) return 0;
  unsigned mask = 0;
  for (int k = C_GBK_BIG5; k <= C_BIG5_GBK; k++) {
    size_t nr = line_reading(m, k, h, nh, rd, 0);
    int han = nr == nh;
    for (size_t i = 0; i < nr && han; i++) han = zf_is_han(rd[i]);
    if (han && words(rd, nr)) mask |= 1u << k;
  }
  return mask;
}

static int run_line(moji *m, const zf_text *in, zf_text *out, zf_stats *stats) {
  /* the pipeline's facts of the line (linefacts.h) answer scan() where
   * they show none of its rarer bits */
  const zf_line_facts *lf = &stats->lf;
  unsigned f = lf->valid && !lf->mojix ? (unsigned)(lf->wide > 0) | (unsigned)(lf->marker > 0) << 3 : scan(in);
  if (!(f & 1)) return ZF_UNCHANGED; /* ASCII */
  /* A line the lost-byte stage rebuilt from dropped bytes is not read
   * again: its marks are reported damage, not a lossless decode's to fill
   * (issue #15 item 3; drop8's hunk, self-contained). */
  if (stats->nseg_damage && stats->lost_leave) return ZF_UNCHANGED;
  const int c1 = (f & 4) != 0;
  size_t nlost = 0;
  if (f & 2)
    for (size_t i = 0; i < in->len; i++) nlost += zf_mark_replaced(in->cp[i]);
  m->lossy_line = nlost >= 2;
  m->no_marks = !(f & 8);
  unsigned mask0 = zf_moji_trigger_known(m, in->cp, in->len, lf);
  if (!c1) mask0 |= han_heading_bits(m, in);
  if (!mask0 && !c1) { /* the common case: nothing to try */
    if (f & 2) zf_moji_count_unrecoverable(m, in, m->lossy_line, stats);
    if (m->count_clean) note_clean(m, in->cp, in->len);
    return ZF_UNCHANGED;
  }
  size_t need = in->len + 1;
  if (zf_mline_reserve(&m->in0, need) || zf_mline_reserve(&m->a, need) || zf_mline_reserve(&m->b, need) ||
      zf_mline_reserve(&m->best, need))
    return ZHFIX_E_NOMEM;
  memcpy(m->in0.t.cp, in->cp, in->len * sizeof *in->cp);
  memcpy(m->in0.t.off, in->off, in->len * sizeof *in->off);
  memset(m->in0.rep, 0, in->len);
  m->in0.t.len = in->len;
  uint64_t cnt[ZHFIX_STAT__COUNT] = {0};
  /* what the content-farm stage left of its damage, the passes leave */
  m->leave = stats->nseg_damage && stats->farm_leave ? stats : NULL;
  int rc = zf_moji_strategies(m, mask0, cnt);
  m->leave = NULL;
  if (rc) return rc;
  if (pua_refused(m, in, cnt)) {
    zf_moji_count_unrecoverable(m, in, m->lossy_line, stats);
    return ZF_UNCHANGED;
  }
  if (m->count_clean && m->best.t.len == in->len && !memcmp(m->best.t.cp, in->cp, in->len * sizeof *in->cp))
    note_clean(m, in->cp, in->len);
  if (c1) c1_as_1252(&m->best, stats);
  for (int s = 0; s < ZHFIX_STAT__COUNT; s++) stats->v[s] += cnt[s];
  if (zf_text_append(out, &m->best.t, 0, m->best.t.len)) return ZHFIX_E_NOMEM;
  zf_moji_count_unrecoverable(m, out, m->lossy_line, stats);
  return 0;
}

/* A line the lost-byte stage rebuilt (its counters grew since the last
 * line) was read under one damage class from the bytes the decoder left,
 * and won there by the lost stage's margins: for a DBCS<->DBCS class it is
 * the document's evidence of that reading as much as a confident repair
 * of the stage's own (the stage does not see the garbage any more).  A
 * document read by a dropping decoder loses bytes on most of its lines,
 * so its reading reached a lone heading (禰 for 跋) only through the
 * lines the stage repaired itself, before the drop reader took them.
 * Like the stage's own repairs, only a line of SIG_STRONG_HAN Han or more
 * counts; it is no clean line (note_clean), and it continues a stretch
 * of lines damaged that way (follow_run). */
enum { SEEN_LINES, SEEN_GBK_BIG5, SEEN_BIG5_GBK };

static void lost_evidence(moji *m, const zf_text *in, const zf_stats *stats) {
  const uint64_t *v = stats->v;
  int k = v[ZHFIX_STAT_MOJIBAKE_GBK_AS_BIG5] > m->seen_lost[SEEN_GBK_BIG5]   ? C_GBK_BIG5
          : v[ZHFIX_STAT_MOJIBAKE_BIG5_AS_GBK] > m->seen_lost[SEEN_BIG5_GBK] ? C_BIG5_GBK
                                                                             : -1;
  if (k < 0) return;
  size_t han = 0;
  for (size_t i = 0; i < in->len; i++) han += zf_is_han(in->cp[i]);
  if (han < SIG_STRONG_HAN) return;
  zf_moji_update_signatures(m, 1u << k, 0);
  m->follow_run = m->sig[k] >= SIG_LINES;
}

/* ---- a line the document holds intact elsewhere ---------------------------- */

/* Index of the remembered line cp[0..n), or -1. */
static int remembered_at(const moji *m, const uint32_t *cp, size_t n) {
  for (unsigned i = 0; i < m->nrpt && i < REPEAT_LINES; i++)
    if (m->rpt_len[i] == n && !memcmp(m->rpt[i], cp, n * sizeof *cp)) return (int)i;
  return -1;
}

/* Whether cp[0..n) is a remembered line that came out as it came in. */
static int is_remembered(const moji *m, const uint32_t *cp, size_t n) {
  int i = remembered_at(m, cp, n);
  return i >= 0 && !m->rpt_fix[i];
}

/* Remembers a short line that is not all ASCII as it came in, and
 * whether it was repaired (then it is no intact copy of anything). */
static void remember(moji *m, const uint32_t *cp, size_t n, int fixed) {
  if (!n || n > REPEAT_CHARS || m->nrpt > REPEAT_LINES) return;
  int wide = 0;
  for (size_t i = 0; i < n; i++) wide |= cp[i] >= 0x80;
  if (!wide) return;
  int at = remembered_at(m, cp, n);
  if (at >= 0) {
    m->rpt_fix[at] |= (uint8_t)fixed;
    return;
  }
  if (m->nrpt < REPEAT_LINES) {
    memcpy(m->rpt[m->nrpt], cp, n * sizeof *cp);
    m->rpt_len[m->nrpt] = (uint8_t)n;
    m->rpt_fix[m->nrpt] = (uint8_t)fixed;
  }
  m->nrpt++;
}

/* The whole line cp[0..n) read as class k: its characters back to the
 * garbage encoding's bytes (ASCII as itself), decoded strictly in the
 * source's, every character that is not ASCII text of the source
 * (zf_moji_source_text: GB2312 for GBK, Big5's level 1 and symbols for
 * Big5, what a file of that encoding holds).  Its length in out, or 0
 * (no reading, or the line itself). */
static const int repeat_cls[] = {C_GBK_BIG5, C_BIG5_GBK, C_GBK_1252, C_BIG5_1252};

static size_t line_reading(const moji *m, int k, const uint32_t *cp, size_t n, uint32_t *out, int any) {
  const moji_class *cl = &zf_moji_classes[k];
  const int gbk_src = cl->y == Y_GBK;
  const zf_dbcs *src = gbk_src ? m->t->gbk : m->t->big5;
  uint8_t b[2 * HEADING_CHARS];
  size_t nb = 0, no = 0;
  if (n > HEADING_CHARS) return 0;
  for (size_t i = 0; i < n; i++) {
    int lost = 0, w = cp[i] < 0x80 ? (b[nb] = (uint8_t)cp[i], 1) : zf_moji_x_put_run(m, cl, cp[i], b + nb, &lost);
    if (w <= 0 || lost) return 0;
    nb += (size_t)w;
  }
  for (size_t i = 0; i < nb;) {
    uint32_t d;
    int w = y_get(m, cl->y, b + i, nb - i, &d);
    if (w <= 0) return 0;
    if (!any && d >= 0x80 && (d > 0xFFFF || !zf_moji_source_text(gbk_src ? C_GBK_BIG5 : C_BIG5_GBK, src->enc[d], zf_is_han(d))))
      return 0;
    out[no++] = d;
    i += (size_t)w;
  }
  return no == n && !memcmp(out, cp, n * sizeof *cp) ? 0 : no;
}

/* Whether the remembered line y[0..ny) reads, under one of the classes,
 * as x[0..nx) or as another remembered line: then which of the two is
 * the damaged copy is not known (跋 and 區 are each other's GBK<->Big5
 * readings, both text of their source). */
static int contested(const moji *m, const uint32_t *y, size_t ny, const uint32_t *x, size_t nx) {
  uint32_t rd[2 * HEADING_CHARS];
  for (size_t j = 0; j < sizeof repeat_cls / sizeof *repeat_cls; j++) {
    size_t nr = line_reading(m, repeat_cls[j], y, ny, rd, 1);
    if (nr && ((nr == nx && !memcmp(rd, x, nx * sizeof *x)) || is_remembered(m, rd, nr))) return 1;
  }
  return 0;
}

static int has_han(const uint32_t *cp, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (zf_is_han(cp[i])) return 1;
  return 0;
}

/* Whether remembered line i is one of x[0..nx)'s readings: then it is
 * that reading's intact copy, not another damaged one. */
static int reads_to(const moji *m, const uint32_t *x, size_t nx, unsigned i) {
  uint32_t rd[2 * HEADING_CHARS];
  for (size_t j = 0; j < sizeof repeat_cls / sizeof *repeat_cls; j++) {
    size_t nr = line_reading(m, repeat_cls[j], x, nx, rd, 0);
    if (nr && nr == m->rpt_len[i] && !memcmp(rd, m->rpt[i], nr * sizeof *rd)) return 1;
  }
  return 0;
}

/* Whether another remembered line than x[0..nx) reads as y[0..ny), one
 * of the two without Han (a Latin-1 pair such as `¶[`): two lines of
 * Han that read as one line under two classes meet by chance among a
 * few dozen rare characters alone on their lines.  A line that is
 * itself one of x's readings is that reading's intact copy, not a
 * damaged one (跋 reads as 區 too). */
static int read_as(const moji *m, const uint32_t *y, size_t ny, const uint32_t *x, size_t nx) {
  uint32_t rd[2 * HEADING_CHARS];
  const int xhan = has_han(x, nx);
  for (unsigned i = 0; i < m->nrpt && i < REPEAT_LINES; i++) {
    if (m->rpt_len[i] == nx && !memcmp(m->rpt[i], x, nx * sizeof *x)) continue;
    if ((xhan && has_han(m->rpt[i], m->rpt_len[i])) || reads_to(m, x, nx, i)) continue;
    for (size_t j = 0; j < sizeof repeat_cls / sizeof *repeat_cls; j++) {
      size_t nr = line_reading(m, repeat_cls[j], m->rpt[i], m->rpt_len[i], rd, 0);
      if (nr == ny && !memcmp(rd, y, ny * sizeof *y)) return 1;
    }
  }
  return 0;
}

/* Whether the document has shown a confident repair of any class. */
static int doc_shown(const moji *m) {
  unsigned shown = 0;
  for (int k = 0; k < NCLASS; k++) shown += m->sig[k];
  return shown > 0;
}

/* The length of in's body when it is a line of at most max characters
 * that is not all ASCII (and no lost-byte line, and not too many
 * distinct short lines in the document): the lines repeat_line and
 * heading_line read as a whole; 0 otherwise.  run() calls them only in
 * a document that has shown a confident repair (doc_shown). */
static size_t short_line(const moji *m, const zf_text *in, size_t max) {
  size_t n = body_len(in);
  if (!n || n > max || m->nrpt > REPEAT_LINES || m->lost_line) return 0;
  int nonascii = 0;
  for (size_t i = 0; i < n; i++) nonascii |= in->cp[i] >= 0x80;
  return nonascii ? n : 0;
}

/* Writes got[0..ngot), in's reading under class hit, for in's body. */
static int put_reading(const zf_text *in, size_t n, const uint32_t *got, size_t ngot, int hit, zf_text *out,
                       zf_stats *stats) {
  for (size_t i = 0; i < ngot; i++)
    if (zf_text_push(out, got[i], in->off[0])) return ZHFIX_E_NOMEM;
  if (zf_text_append(out, in, n, in->len - n)) return ZHFIX_E_NOMEM;
  stats->v[zf_moji_classes[hit].stat]++;
  return 1;
}

/* The odds, log10, of b[0..nb) against a[0..na) as a line standing alone:
 * how many Chinese man pages have each as a heading (data/headings.bin),
 * plus 0.5 (a line never seen as a heading is not impossible as one).
 * What a reading must win by: HEADING_GAIN, what a piece of a line known
 * to be damaged needs against the line as it stands. */
#define HEADING_GAIN (KNOWN_ENTER + KNOWN_SINGLE)
static double heading_odds(const uint32_t *a, size_t na, const uint32_t *b, size_t nb) {
  return log10((zf_moji_heading_pages(b, nb) + 0.5) / (zf_moji_heading_pages(a, na) + 0.5));
}

/* A short line that came out unchanged, in a document that has shown
 * confident repairs, whose reading under one DBCS class (GBK<->Big5,
 * GBK or Big5 read as 1252) is, character for character, another short
 * line of the document, and under no other class another one.  A
 * document pasted together from several pages repeats their headings
 * (the colophon heading 跋 of every man page): where one copy came
 * through intact and another was read with the wrong table, the damaged
 * copy's reading is the intact copy.  Clean text does not do this by
 * chance while the document holds few distinct short lines (at most
 * REPEAT_LINES: a wrong reading of a clean character landing on one of
 * them has a chance of about REPEAT_LINES in the thousands of common
 * characters), so this stands for the model where a lone character gives
 * it nothing to judge (`¶[`, Big5's 跋 read as 1252).  Where the other
 * line reads as this one too, either may be the damaged copy: left.
 * Returns 1 with the reading in out. */
static int repeat_line(moji *m, const zf_text *in, zf_text *out, zf_stats *stats) {
  size_t n = m->nrpt ? short_line(m, in, REPEAT_CHARS) : 0;
  if (!n) return 0;
  uint32_t rd[2 * HEADING_CHARS], got[2 * HEADING_CHARS];
  size_t ngot = 0;
  int hit = -1, kept = 0;
  for (size_t j = 0; j < sizeof repeat_cls / sizeof *repeat_cls; j++) {
    size_t nr = line_reading(m, repeat_cls[j], in->cp, n, rd, 0);
    if (!nr) continue;
    int intact = is_remembered(m, rd, nr);
    if (!intact && !read_as(m, rd, nr, in->cp, n)) continue;
    if (hit >= 0 && (nr != ngot || memcmp(rd, got, nr * sizeof *rd))) return 0; /* two readings: no evidence */
    hit = repeat_cls[j];
    kept |= intact;
    memcpy(got, rd, nr * sizeof *rd);
    ngot = nr;
  }
  if (hit < 0 || (kept && contested(m, got, ngot, in->cp, n))) return 0;
  /* a heading of the manuals read as a line that heads none (跋 as 區,
   * where `°Ï` reads as either): the headings say which copy is intact */
  if (heading_odds(got, ngot, in->cp, n) >= HEADING_GAIN) return 0;
  return put_reading(in, n, got, ngot, hit, out, stats);
}

/* The Chinese of a bilingual heading (`SEE ALSO(另见)`, `鍚獗 SEE ALSO`,
 * `NAME(名稱)`): one run of two or more characters that are not ASCII, with English
 * words (two letters or more) and only spaces and brackets around it,
 * full-width brackets at its ends dropped; its start in *at and its
 * length, or 0 for a line of another shape.  The manuals write one
 * heading in many layouts, each on few pages (又见(SEE ALSO) heads one,
 * 又见 alone eleven): tools/gen_headings.py counts the pages of each
 * core, in every layout and alone, as a record of CORE_MARK and the
 * core, and a bilingual line is judged by its core. */
#define CORE_MARK 0x01u
static size_t heading_core(const uint32_t *cp, size_t n, size_t *at) {
  size_t a = n, b = 0, letters = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t c = cp[i];
    if (c >= 0x80) {
      if (a == n) a = i;
      else if (b < i) return 0; /* a second run */
      b = i + 1;
    } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
      letters++;
    } else if (c != ' ' && c != '(' && c != ')' && c != '[' && c != ']') {
      return 0;
    }
  }
  if (a == n || letters < 2) return 0;
  static const uint32_t br[] = {0xFF08, 0xFF09, 0xFF3B, 0xFF3D, 0x3010, 0x3011}; /* （）［］【】 */
  for (int again = 1; again && a < b;) {
    again = 0;
    for (size_t k = 0; k < sizeof br / sizeof *br; k++) {
      if (a < b && cp[a] == br[k]) a++, again = 1;
      if (a < b && cp[b - 1] == br[k]) b--, again = 1;
    }
  }
  /* one character beside English is a glossary's entry as much as a
   * heading (區 District): the whole line is judged then */
  if (b - a < 2 || b - a >= HEADING_CHARS) return 0;
  *at = a;
  return b - a;
}

/* The pages the core of cp[0..n) heads (heading_core), or, for a line of
 * another shape, the pages the line heads as it is; a line of 2+
 * characters, none ASCII, is a core too (又见: 11 pages alone, 16 as a core). */
static unsigned line_pages(const uint32_t *cp, size_t n) {
  size_t at = 0, nc = heading_core(cp, n, &at);
  unsigned whole = nc ? 0 : zf_moji_heading_pages(cp, n);
  if (!nc) {
    for (size_t i = 0; i < n; i++)
      if (cp[i] < 0x80) return whole;
    if (n < 2 || n >= HEADING_CHARS) return whole;
    nc = n;
  }
  uint32_t key[HEADING_CHARS];
  key[0] = CORE_MARK;
  memcpy(key + 1, cp + at, nc * sizeof *cp);
  unsigned core = zf_moji_heading_pages(key, nc + 1);
  return core > whole ? core : whole;
}

/* Whether the short line before is x[0..nx) or its reading y[0..ny): 跋
 * then 區 is a list of such pairs as much as a heading and its copy. */
static int pair_before(const moji *m, const uint32_t *x, size_t nx, const uint32_t *y, size_t ny) {
  return (m->prev_len == nx && !memcmp(m->prev_line, x, nx * sizeof *x)) ||
         (m->prev_len == ny && !memcmp(m->prev_line, y, ny * sizeof *y));
}

/* A short line standing alone that came out unchanged, in a document that
 * has shown a confident repair, whose reading under one DBCS class is a
 * heading of Chinese manuals and which is none itself.  The language
 * model knows running text: a one-character word such as 区 is 80 times
 * as frequent there as 跋, so the heading 跋 read with the wrong table
 * (區, 禰, `¶[`, `°Ï`) stays.  A line of its own is another population:
 * the headings of the Chinese man pages (data/headings.bin), where 跋
 * heads 1,424 pages and 區 none.  The reading must win by HEADING_GAIN
 * in heading_odds; one reading only.  Not after two short lines (an item
 * of a list), nor after one that is its pair (pair_before); one short
 * line alone (a name, an empty section's heading) makes no list (wave 18).
 * Returns 1 with the reading in out. */
static int heading_line(moji *m, const zf_text *in, zf_text *out, zf_stats *stats) {
  size_t n = m->prev_short >= 2 && !m->prev_heading ? 0 : short_line(m, in, HEADING_CHARS);
  if (!n) return 0;
  uint32_t rd[2 * HEADING_CHARS], got[2 * HEADING_CHARS];
  size_t ngot = 0;
  int hit = -1;
  for (size_t j = 0; j < sizeof repeat_cls / sizeof *repeat_cls; j++) {
    size_t nr = line_reading(m, repeat_cls[j], in->cp, n, rd, 1);
    if (!nr || log10((line_pages(rd, nr) + 0.5) / (line_pages(in->cp, n) + 0.5)) < HEADING_GAIN) continue;
    if (hit >= 0 && (nr != ngot || memcmp(rd, got, nr * sizeof *rd))) return 0; /* two readings */
    hit = repeat_cls[j];
    memcpy(got, rd, nr * sizeof *rd);
    ngot = nr;
  }
  if (hit < 0 || (m->prev_short && !m->prev_heading && pair_before(m, in->cp, n, got, ngot))) return 0;
  return put_reading(in, n, got, ngot, hit, out, stats);
}

/* GBK's user-defined rows as a GBK decoder maps them (ICU, Python, WHATWG:
 * AAA1..AFFE to U+E000.., A140..A7A0 to U+E4C6..U+E765): the rows where
 * Big5 keeps its most frequent Han characters (A440..A7A0, AAA1..AFFE:
 * 一 同 年 ...), so Big5 read as GBK leaves private use there. */
static int gbk_user_row(unsigned e) {
  unsigned a = e >> 8, b = e & 0xFF;
  return (a >= 0xAA && a <= 0xAF && b >= 0xA1) || (a >= 0xA1 && a <= 0xA7 && b >= 0x40 && b <= 0xA0);
}

/* A line that came out unchanged with a private-use character of GBK's
 * user-defined rows, in a document that has shown a confident repair of
 * Big5 read as GBK (its signature): that damage again (同 between stty's
 * options, 年 of `20027る13ら`).  The stage leaves a private-use
 * character alone (entry_cost: the model scores it so low that any
 * reading beats it), and icon fonts put such code points in clean text;
 * but a character of these rows whose bytes are Big5's level 1, in a
 * document known to hold that damage, is what the mechanism makes.  Every character of the line that is not ASCII must
 * read as Big5's level 1 or its symbols (zf_moji_source_text), at least
 * one be such a private-use character, and the line so read gain under
 * the models (zf_moji_span_gain > 0: the shape is the line's own
 * evidence, as for wave 11's lone character).  Returns 1 with the
 * reading in out. */
#define PUA_LINE_MAX 512
static int pua_line(moji *m, const zf_text *in, zf_text *out, zf_stats *stats) {
  size_t n = body_len(in);
  if (!n || n > PUA_LINE_MAX || m->lost_line || !m->sig[C_BIG5_GBK]) return 0;
  const moji_class *cl = &zf_moji_classes[C_BIG5_GBK];
  size_t pua = 0, g0 = n, g1 = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t c = in->cp[i];
    if (c < 0x80) continue;
    if (c > 0xFFFF) return 0;
    unsigned e = m->t->gbk->enc[c];
    pua += c >= 0xE000 && c <= 0xF8FF && gbk_user_row(e);
    if (g0 == n) g0 = i;
    g1 = i + 1;
  }
  if (!pua || zf_moji_scratch_reserve(m, n)) return 0;
  uint32_t *rd = m->dec;
  size_t nr = 0;
  for (size_t i = g0; i < g1; i++) {
    uint32_t c = in->cp[i], d;
    uint8_t b[4];
    int lost = 0;
    if (c < 0x80) {
      rd[nr++] = c;
      continue;
    }
    if (zf_moji_x_put_run(m, cl, c, b, &lost) != 2 || lost || y_get(m, cl->y, b, 2, &d) != 2 || d > 0xFFFF ||
        !zf_moji_source_text(C_BIG5_GBK, m->t->big5->enc[d], zf_is_han(d)))
      return 0;
    rd[nr++] = d;
  }
  const mline line = {.t = *in};
  if (zf_moji_span_gain(&line, g0, g1, rd, nr) <= 0 || zf_moji_pua_refused(m, in, n, rd, g0, g1, 1, m->dec + n))
    return 0;
  if (zf_text_append(out, in, 0, g0)) return ZHFIX_E_NOMEM;
  for (size_t i = 0; i < nr; i++)
    if (zf_text_push(out, rd[i], in->off[g0 + i])) return ZHFIX_E_NOMEM;
  if (zf_text_append(out, in, g1, in->len - g1)) return ZHFIX_E_NOMEM;
  stats->v[cl->stat]++;
  return 1;
}

/* Whether in has something but white space, whether it is short, and
 * whether the stage repaired it (got: its output, else NULL) into a
 * heading of the manuals.  A list of short lines (a character table) has
 * items, not headings; a damaged heading read back (跋 after 概述 read
 * from 璁膩: pages pasted together) is no such item.  A clean heading
 * before is no such evidence: 跋 then a clean 區 may be a list. */
static void note_short(moji *m, const zf_text *in, const zf_text *got) {
  size_t n = body_len(in), i = 0;
  while (i < n && (in->cp[i] == ' ' || in->cp[i] == '\t' || in->cp[i] == 0x3000)) i++;
  if (i >= n) return;
  m->prev_short = n > REPEAT_CHARS ? 0 : m->prev_short < 2 ? m->prev_short + 1 : 2;
  m->prev_len = m->prev_short ? n : 0;
  if (m->prev_short) memcpy(m->prev_line, in->cp, n * sizeof *in->cp);
  size_t ng = got ? body_len(got) : 0;
  m->prev_heading = m->prev_short && ng && ng <= REPEAT_CHARS &&
                    heading_odds(got->cp, 0, got->cp, ng) >= HEADING_GAIN;
}

static int run(void *st, const zf_text *in, zf_text *out, zf_stats *stats) {
  moji *m = st;
  uint64_t *v = stats->v;
  m->lost_line = v[ZHFIX_STAT_LOST_LINES] > m->seen_lost[SEEN_LINES];
  if (m->lost_line) lost_evidence(m, in, stats);
  int rc = run_line(m, in, out, stats);
  int fixed_by_repeat = 0;
  if (rc == ZF_UNCHANGED || (!rc && out->len == in->len && !memcmp(out->cp, in->cp, in->len * sizeof *in->cp))) {
    zf_text_clear(out);
    /* the whole-line readings need a document that showed damage */
    if (doc_shown(m)) {
      fixed_by_repeat = repeat_line(m, in, out, stats);
      if (!fixed_by_repeat) fixed_by_repeat = heading_line(m, in, out, stats);
      if (!fixed_by_repeat) fixed_by_repeat = pua_line(m, in, out, stats);
    }
    if (fixed_by_repeat < 0) return fixed_by_repeat;
    rc = fixed_by_repeat ? 0 : ZF_UNCHANGED;
  }
  if (rc == 0 || rc == ZF_UNCHANGED) {
    remember(m, in->cp, body_len(in), rc == 0);
    /* what the stage's own passes made of a line is text too (a copy
     * of the heading read as UTF-8 and repaired so); not what the
     * repeated line made, which is no evidence of itself */
    if (rc == 0 && !fixed_by_repeat) remember(m, out->cp, body_len(out), 0);
  }
  note_short(m, in, rc == 0 ? out : NULL);
  m->seen_lost[SEEN_LINES] = v[ZHFIX_STAT_LOST_LINES];
  m->seen_lost[SEEN_GBK_BIG5] = v[ZHFIX_STAT_MOJIBAKE_GBK_AS_BIG5];
  m->seen_lost[SEEN_BIG5_GBK] = v[ZHFIX_STAT_MOJIBAKE_BIG5_AS_GBK];
  return rc;
}

/* The detection window's complete lines run as the document's lines will,
 * output discarded, for the document signature alone: a page read with the
 * wrong double-byte table is damaged from its first line, and its title
 * should not stay damaged until three lines have shown the reading.  Only
 * confident repairs count towards the signature, so clean text gains
 * none; the lines are run again, for real, afterwards, counted afresh
 * over the window's floor (moji::own_sig), so no line counts twice. */
static void prescan(void *st, const zf_text *prefix) {
  moji *m = st;
  zf_text line = {0}, out = {0};
  zf_stats scratch;
  for (size_t a = 0, i = 0; i < prefix->len; i++) {
    /* to the next line break: blocks of 16 without one in one test (a
     * record of --jsonl is usually one line with none) */
    while (i + 16 <= prefix->len) {
      unsigned nl = 0;
      for (size_t k = 0; k < 16; k++) nl |= prefix->cp[i + k] == '\n';
      if (nl) break;
      i += 16;
    }
    if (i >= prefix->len) break;
    if (prefix->cp[i] != '\n') continue;
    zf_text_clear(&line);
    if (zf_text_append(&line, prefix, a, i + 1 - a)) break; /* no memory: no head start */
    zf_text_clear(&out);
    zf_stats_init(&scratch);
    if (run(m, &line, &out, &scratch) < 0) break;
    a = i + 1;
  }
  zf_text_free(&line);
  zf_text_free(&out);
  /* what the window showed stays as a floor; the real run counts each
   * line once more, on its own (moji::own_sig) */
  memset(m->own_sig, 0, sizeof m->own_sig);
  memset(m->own_conv, 0, sizeof m->own_conv);
  /* the document's first line follows no line: not the window's last
   * (a clean heading 跋 at the top of a document whose window ended in a
   * GBK-as-Big5 line was read as 禰) */
  m->prev_short = m->prev_heading = m->follow_run = 0;
  m->prev_len = 0;
}

const zf_stage_ops zf_stage_mojibake = {"mojibake", create, prescan, run, destroy, reuse};
