/*
 * One run of garbage (moji.h): a stretch of characters all encodable in
 * the class's X.  Its X bytes are decoded as Y from each character
 * boundary, and the decoded text is cut into *units* where garbage and Y
 * characters end on the same byte (three GBK characters for two UTF-8
 * ones); a two-state Viterbi over the units (moji_judge.c) then picks what
 * to repair, so one damaged title or one damaged phrase in an English
 * sentence is repaired and its neighbours kept.
 */
#include <string.h>

#include "moji.h"

/* One run being repaired. */
typedef struct run_ctx {
  moji *m;
  int k;
  const moji_class *cl;
  const mline *in;    /* the line; the run is in[base .. base + len) */
  size_t base, len;
  const uint32_t *r;  /* in's code points from base */
  size_t nb;          /* bytes of the run in m->bytes */
  mline *out;
  int ndir;           /* conversions of the garbage to try undoing */
  int lat, lat_doc;   /* Latin-1 readings: see run_bytes */
  int force;          /* first layer of a double decode */
  int marked;         /* a mark of lost bytes in the run (m->marker) */
} run_ctx;

/* The decode of a run from one start: where it is, and the unit being
 * gathered. */
typedef struct dstate {
  size_t b;          /* next byte */
  size_t ci;         /* run character holding byte b */
  size_t nd, nu;     /* decoded characters, closed units */
  size_t u_g0, u_d0; /* the open unit's first garbage and decoded characters */
  int u_lossy, u_conv;
} dstate;

/* The run's X bytes into m->bytes, its character boundaries into
 * m->bnd, the marks of lost bytes into m->marker; then which conversions
 * to try undoing and whether a Latin-1 reading is allowed. */
static void run_bytes(run_ctx *x) {
  moji *m = x->m;
  const moji_class *cl = x->cl;
  size_t nb = 0;
  for (size_t i = 0; i < x->len; i++) {
    int lost;
    m->bnd[i] = nb;
    int w = zf_moji_x_put_run(m, cl, x->r[i], m->bytes + nb, &lost);
    for (int j = 0; j < w; j++) m->marker[nb + (size_t)j] = (uint8_t)lost;
    /* '?' right after an incomplete UTF-8 sequence is what a cp936 or
     * Big5 decoder writes for a lead byte it could not pair; after a
     * complete one (吗? of a question, Perl?) it is a question mark. */
    if (x->r[i] == '?' && cl->y == Y_UTF8 && zf_moji_lost_byte_mark(m, cl, x->r, i, nb)) m->marker[nb] = 1;
    nb += (size_t)w;
  }
  m->bnd[x->len] = nb;
  x->nb = nb;
  /* Around lost bytes ('?' of cp936) a failing sequence is the loss, and
   * the many Traditional forms of a Simplified character would only
   * decode the neighbours into something else (wrong fills of UTF-8 read
   * by cp936 went from 0.009% to 0.018% of characters): a run with a
   * marker undoes s2t only. */
  x->marked = 0;
  for (size_t i = 0; i < nb && !x->marked; i++) x->marked = m->marker[i] != 0;
  x->ndir = x->marked ? UNDO_S2T + 1 : NUNDO;
  /* UTF-8 read as GBK or Big5: a Latin-1 reading where the document
   * (lat_doc) or the line (zf_moji_decide) has shown that damage; not
   * where bytes were lost: there garbage is what survived. */
  x->lat = !cl->coarse && cl->x != X_1252 && cl->y == Y_UTF8 && !x->force && m->no_marks && !m->lossy_line &&
           x->ndir == NUNDO;
  x->lat_doc = x->lat && m->sig[x->k] >= SIG_LINES;
}

/* Run character holding byte b, from ci on. */
static size_t char_at(const moji *m, size_t ci, size_t len, size_t b) {
  while (ci + 1 <= len && m->bnd[ci + 1] <= b) ci++;
  return ci;
}

/* A garbage character converted to Traditional may still give bytes that
 * decode, to a character nobody writes (缓 of 建 became 緩, and 建 became
 * 徏): where the character decoded is rare and a garbage character under
 * it has another form, that form is tried, and kept when it decodes to a
 * character far more common.  A Hangul syllable amid the decoded Han is
 * the same accident (鞝 of 绱 spells EC A0 A2, 젢, where 索 was meant), and
 * so is any other three-byte character that is neither Han nor a CJK
 * symbol (鐧 of 登 became 锏 under t2s, and EF B5 BB spells U+FD7B, an
 * Arabic presentation form).  1 when the bytes changed. */
static int fold_rare(run_ctx *x, const dstate *d, size_t p, uint32_t c, int w) {
  const moji_class *cl = x->cl;
  int alien = c >= 0x800 && c <= 0xFFFF && !zf_is_han(c) && !cjk_symbol(c);
  if (cl->y != Y_UTF8 || cl->x != X_GBK || c > 0xFFFF || !((zf_is_han(c) && zf_lm_char(c) < RARE_CHAR) || alien))
    return 0;
  fold_scorer fs = {.how = FOLD_UNIGRAM};
  /* Any Han the LM knows beats such a character there. */
  double c_score = alien ? RARE_CHAR - FOLD_MARGIN : zf_lm_char(c);
  for (int dir = 0; dir < x->ndir; dir++)
    if (zf_moji_fold_back(x->m, cl, dir, x->r, x->len, p, d->ci, d->b, w, x->nb, &fs, c_score + FOLD_MARGIN))
      return 1;
  return 0;
}

/* Where both forms decode to common characters (储 and 儲 both fit: 搜索
 * comes back as 搜烦), the characters around decide: a candidate is kept
 * when the decoded words around it are FOLD_CTX_MARGIN more probable.  An
 * ASCII character made of a garbage character's second byte is judged the
 * same way, with the text after it (如|dm3 or 如gdm3: 倈 is itself, 82 7C,
 * and the s2t conversion of 俫, 82 67).  1 when the bytes changed. */
static int fold_context(run_ctx *x, const dstate *d, size_t p, uint32_t c, int w) {
  moji *m = x->m;
  const moji_class *cl = x->cl;
  size_t b = d->b;
  int tailc = w == 1 && c > 0x20 && c < 0x7F && b > 0 && m->bytes[b - 1] >= 0x81;
  if (tailc) {
    size_t j = char_at(m, d->ci, x->len, b);
    tailc = j < x->len && m->bnd[j] < b && x->r[j] >= 0x80;
  }
  if (cl->y != Y_UTF8 || cl->x != X_GBK || c > 0xFFFF || !(zf_is_han(c) || cjk_symbol(c) || tailc)) return 0;
  fold_scorer fs = {.how = FOLD_CONTEXT, .ascii = tailc};
  for (size_t i = d->nd > FOLD_CTX ? d->nd - FOLD_CTX : 0; i < d->nd; i++) fs.win[fs.nl++] = m->dec[i];
  for (size_t at = b + (size_t)w; fs.nr < FOLD_CTX && at < x->nb;) {
    uint32_t cn;
    int kk = y_get(m, cl->y, m->bytes + at, x->nb - at, &cn);
    if (kk <= 0 || (!zf_is_han(cn) && !tailc)) break;
    fs.win[fs.nl + 1 + fs.nr++] = cn;
    at += (size_t)kk;
  }
  for (int dir = 0; dir < x->ndir; dir++)
    if (zf_moji_fold_back(m, cl, dir, x->r, x->len, p, d->ci, b, w, x->nb, &fs,
                          zf_moji_fold_score(&fs, c) +
                              (m->conv_sig[dir] >= SIG_LINES ? FOLD_CONV_MARGIN : FOLD_CTX_MARGIN)))
      return 1;
  return 0;
}

/* The decode failed at byte d->b: the garbage may have been converted
 * after the wrong decode (moji_fold.c, zf_moji_unconvert).  1 when the
 * bytes changed. */
static int try_unconvert(run_ctx *x, const dstate *d, size_t p) {
  moji *m = x->m;
  const moji_class *cl = x->cl;
  size_t b = d->b, len = x->len;
  if (cl->y != Y_UTF8 || cl->x == X_1252) return 0;
  size_t c0 = char_at(m, d->ci, len, b);
  /* First the character holding the byte that breaks the sequence */
  size_t bad = b;
  int need = zf_utf8_need(m->bytes[b]);
  for (int kk = 1; kk < need && b + (size_t)kk < x->nb; kk++)
    if ((m->bytes[b + (size_t)kk] & 0xC0) != 0x80) {
      bad = b + (size_t)kk;
      break;
    }
  size_t cb = char_at(m, c0, len, bad);
  /* ... then its neighbours: a converted character can also decode
   * validly but wrongly and break only the sequence after it (the bytes
   * checked, to 4 past the failure, can reach into the third after it:
   * 姘村鉤璺蟲 for 水平跳 needs 鉤 and 蟲 both folded back).  Positions
   * before the run (c0 - 1 wrapping) are skipped by unconvert. */
  size_t cand[NCAND] = {cb, c0 - 1, c0, c0 - 2, c0 + 1, c0 + 2, c0 + 3}, from = d->u_g0;
  for (int i = 0; i < NCAND; i++) /* start of the unit holding the earliest */
    if (cand[i] >= p && cand[i] < len)
      for (size_t uu = d->nu; cand[i] < from && uu-- > 0;) from = m->units[uu].g0;
  int got = 0;
  m->latin = x->lat_doc ? LATIN_DOC : 0; /* 听 of t2s for 聽, the no-break space */
  unsigned may = zf_moji_unconvert_bound(m, cl, x->ndir, x->r, len, p, cand, m->bnd[from], b, x->nb);
  for (int dir = 0; dir < x->ndir && !got; dir++)
    if ((got = zf_moji_unconvert(m, cl, dir, x->r, len, p, cand, m->bnd[from], b, x->nb, (may >> dir) & 1)))
      m->run_dirs |= 1u << dir;
  m->latin = 0;
  return got;
}

/* The decode failed at byte d->b with lost bytes there: the fill
 * (moji_lossy.c), with the run's decoded characters, then the output, as
 * left context.  The bytes it took (0: none), the character in *c. */
static size_t fill_gap(run_ctx *x, const dstate *d, uint32_t *c) {
  moji *m = x->m;
  uint32_t left[FILL_CTX];
  size_t nleft = 0;
  for (size_t i = d->nd; i > 0 && nleft < FILL_CTX; i--) left[FILL_CTX - 1 - nleft++] = m->dec[i - 1];
  for (size_t o = x->out->t.len; o > 0 && nleft < FILL_CTX; o--) left[FILL_CTX - 1 - nleft++] = x->out->t.cp[o - 1];
  int clear = 0;
  return zf_moji_try_fill(m->bytes + d->b, m->marker + d->b, x->nb - d->b, x->cl->x, left + FILL_CTX - nleft,
                          nleft, c, &clear);
}

/* Closes the open unit at run character cj (decoded characters up to
 * d->nd): its odd shapes and its double-byte characters. */
static void close_unit(run_ctx *x, dstate *d, size_t cj) {
  moji *m = x->m;
  const moji_class *cl = x->cl;
  const uint32_t *r = x->r;
  int odd = 0, hh = 0;
  /* An ASCII character made from a garbage character's second byte is
   * odd amid Chinese (a lone letter between Han), but it is the very
   * shape of a UTF-8 character whose last byte a GBK or Big5 reader
   * paired with the ASCII byte after it ([数]... read as [鏁癩..., 、smb
   * as 銆乻mb): there the ASCII closes the unit and the text goes on in
   * ASCII, and a one-character repair cannot carry the extra cost on top
   * of the entry cost. */
  uint32_t after = cj < x->len ? r[cj] : x->base + x->len < x->in->t.len ? x->in->t.cp[x->base + x->len] : '\n';
  for (size_t i = d->u_d0; i < d->nd; i++) {
    int tail = m->dec[i] < 0x80 && r[m->dsrc[i]] >= 0x80;
    if (tail && i + 1 == d->nd && after < 0x80) tail = 0;
    odd += m->dec[i] > 0xFFFF || tail;
  }
  if (cl->y != Y_UTF8)
    for (size_t bb = m->bnd[d->u_g0]; bb + 1 < d->b; bb++)
      if (m->bytes[bb] >= 0x81) {
        /* a lead byte that is a Latin-1 symbol (¡..¿) is never part of a
         * French or German word either */
        hh += m->bytes[bb + 1] >= 0x80 || (m->bytes[bb] >= 0xA1 && m->bytes[bb] <= 0xBF);
        bb++;
      }
  /* GBK text is GB2312 text: a Han character from GBK's extension rows (a
   * lead or trail byte below A1: 蕭 締 參) is rare in it (5 in a million in
   * the Simplified man pages, 3% in classical poetry), so an "original"
   * full of them is more often clean Traditional text re-read.  (Symbols
   * there, – of GBK's A844, are common: not counted.)  Not in a line
   * whose own evidence already showed it GBK read so (m->known_own: a
   * confident repair of this class in it, 相同 for 眈肮 beside 與 for
   * 鷂): there it is GBK text, its rare extension characters too.  A
   * document's signature alone does not exempt a line: clean rare
   * Traditional characters (a Big5 code chart) after a damaged part
   * would be re-read with the extension characters free. */
  if (cl->y == Y_GBK && !m->known_own)
    for (size_t i = d->u_d0; i < d->nd; i++) {
      uint32_t hc = m->dec[i];
      if (hc > 0xFFFF || !zf_is_han(hc)) continue;
      unsigned e = m->t->gbk->enc[hc];
      odd += e > 0xFF && ((e >> 8) < 0xA1 || (e & 0xFF) < 0xA1);
    }
  m->units[d->nu++] = (unit){d->u_g0, cj, d->u_d0, d->nd, d->u_lossy, odd, hh, d->u_conv};
  d->u_g0 = cj;
  d->u_d0 = d->nd;
  d->u_lossy = 0;
  d->u_conv = 0;
}

enum { DECODED, CHANGED };

/* Decodes the run from character p into units (m->units[0..*nu)).
 * CHANGED when a fold-back or an unconversion changed the bytes first
 * (then the decode must start again); restarts: the changes made so far. */
static int decode_once(run_ctx *x, size_t p, int restarts, size_t *nu) {
  moji *m = x->m;
  const moji_class *cl = x->cl;
  const int may_change = restarts < MAX_RESTARTS;
  dstate d = {m->bnd[p], p, 0, 0, p, 0, 0, restarts > 0};
  while (d.b < x->nb) {
    uint32_t c;
    int w = y_get(m, cl->y, m->bytes + d.b, x->nb - d.b, &c);
    size_t used = (size_t)w;
    int lossy = 0;
    if (w && m->marker[d.b] && c == '?') w = 0; /* a marker is never text */
    /* The first layer of a double decode is garbage itself (篏 of 为G,
     * read as GBK once more, is 瘡): a rare character there is no sign of
     * a conversion (瘡 -> 疮 would spell 累), so no fold-back. */
    if (w && may_change && !x->force && (fold_rare(x, &d, p, c, w) || fold_context(x, &d, p, c, w)))
      return CHANGED;
    if (!w && may_change && try_unconvert(x, &d, p)) return CHANGED;
    if (!w) {
      /* a gap is filled where a mark shows it, or (1252) where one byte
       * was dropped (gap_hypotheses): a run without marks of GBK or Big5
       * has none to fill */
      if (cl->y != Y_UTF8 || (!x->marked && cl->x != X_1252) || !(used = fill_gap(x, &d, &c))) break;
      lossy = 1;
    }
    d.ci = char_at(m, d.ci, x->len, d.b);
    m->dec[d.nd] = c;
    m->dsrc[d.nd] = d.ci;
    d.nd++;
    d.b += used;
    d.u_lossy |= lossy;
    size_t cj = d.ci;
    while (cj < x->len && m->bnd[cj + 1] <= d.b) cj++;
    if (m->bnd[cj] == d.b && cj > d.u_g0) close_unit(x, &d, cj); /* aligned: close a unit */
    d.ci = cj;
  }
  *nu = d.nu;
  return DECODED;
}

/* The units of the run from character p.  Invariant of the loop: m->bytes
 * holds the run's bytes with every change made so far; each change sends
 * the decode back to p, and after MAX_RESTARTS of them no more are tried,
 * so the decode that follows is final. */
static size_t decode_units(run_ctx *x, size_t p, int *changes) {
  size_t nu = 0;
  int restarts = 0;
  while (decode_once(x, p, restarts, &nu) == CHANGED) restarts++;
  *changes = restarts;
  return nu;
}

/* decode_units for a start zf_moji_dead_start called dead, with the
 * audit on (tests/test_moji_trigger_bound.c): the search must have
 * decoded nothing and changed no byte there. */
static size_t audit_dead(run_ctx *x, size_t p) {
  int changes;
  size_t nu = decode_units(x, p, &changes);
  zf_moji_bound_audit.dead++;
  zf_moji_bound_audit.dead_wrong += nu != 0 || changes != 0;
  return nu;
}

/* Coarse classes decide whole pieces: neighbouring units that change
 * something merge into one.  Returns the new number of units. */
static size_t merge_changes(moji *m, const uint32_t *r, size_t nu) {
  size_t w = 0;
  int prev_change = 0;
  for (size_t u = 0; u < nu; u++) {
    unit un = m->units[u];
    int change = un.d1 - un.d0 != un.g1 - un.g0 || memcmp(m->dec + un.d0, r + un.g0, (un.g1 - un.g0) * sizeof *r) != 0;
    if (change && prev_change) {
      unit *pv = &m->units[w - 1];
      pv->g1 = un.g1;
      pv->d1 = un.d1;
      pv->lossy |= un.lossy;
      pv->odd += un.odd;
      pv->hh += un.hh;
      pv->conv |= un.conv;
    } else {
      m->units[w++] = un;
    }
    prev_change = change;
  }
  return w;
}

/* Han spaced out one by one (文 件 中 是): repaired units of one Han
 * each, with units of spaces between them, are a phrase as much as a
 * unit of two characters is: 1 when, in one repaired stretch, two pairs
 * of neighbouring Han (spaces between them only) are lexicon words (注意,
 * 这里).  Words, not just Han: a code chart of rare characters spaced so
 * reads as the other table's row of common characters, which are no
 * words. */
static int spaced_phrase(const moji *m, size_t nu) {
  uint32_t prev = 0;
  int words = 0;
  for (size_t u = 0; u < nu; u++) {
    const unit *un = &m->units[u];
    if (!m->bp[2 * u]) {
      prev = 0;
      words = 0;
      continue;
    }
    for (size_t d = un->d0; d < un->d1; d++) {
      uint32_t c = m->dec[d];
      if (zf_is_han(c)) {
        uint32_t pair[2] = {prev, c};
        if (prev && zf_lm_word(pair, 2, NULL)) words++;
        prev = c;
      } else if (c != ' ') {
        prev = 0;
        words = 0;
      }
    }
    if (words >= 2) return 1;
  }
  return 0;
}

/* Whether the reading d (encoded e in the table of the document's source)
 * is text of that source: for GBK read as Big5, GB2312 (both bytes A1 or
 * above), a Han character or a symbol of rows A1..A9; for Big5 read as
 * GBK, Big5's level 1 of frequent Han characters (A440..C67E) or one of
 * its symbols (A140..A3BF).  han: the garbage character is Han. */
int zf_moji_source_text(int k, unsigned e, int han) {
  if (k == C_GBK_BIG5) return (e >> 8) >= 0xA1 && (e & 0xFF) >= 0xA1 && (han || (e >> 8) <= 0xA9);
  return han ? e >= 0xA440 && e <= 0xC67E : e >= 0xA140 && e <= 0xA3BF;
}

/* A lone character in a document that carries GBK read as Big5 (its
 * signature: SIG_LINES lines whose own repair made SIG_STRONG_HAN Han or
 * more) but is not followed (it shows clean Chinese lines too: its lines
 * were damaged each its own way).  The line holds one Han character and
 * otherwise ASCII, or CJK punctuation of the same garbage (同 read as 肮
 * between stty's options, 时 as 奀 in `<奀> 0-23`, 秒 as 鏃 before `(00 -
 * 59)﹝`): too little for the line's own evidence (a single character
 * never makes a phrase for the veto).  The document's evidence stands in
 * for it, as a line's own confident repair does for the line's other
 * pieces, with the line's own bytes:
 *   - the character is rare to the model (RARE_CHAR), as such garbage is,
 *     and its reading is a common Han character of GB2312 (both bytes A1
 *     or above): a GBK file's Chinese is GB2312 text (GBK's extension
 *     rows hold 5 in a million of the Simplified man pages' characters);
 *   - every other character that is not ASCII is one whose reading is a
 *     GB2312 symbol (rows A1..A9: ﹝ -> 。);
 *   - the line so read gains the cost of a piece of a line known to be
 *     damaged (KNOWN_ENTER + KNOWN_SINGLE).
 * Clean common characters alone (跋, 同, 數 in the corpora) are never
 * rare; a clean rare one alone in such a document may be re-read
 * (docs/repair-mojibake.md: the stress figures).  The heading 跋 read
 * as 區 stays: 區 is common, and its reading loses 2.06 under the model.
 * The same for a document that carries Big5 read as GBK (禰 for the
 * heading 跋), mirrored: the reading is a Big5 level-1 character (or a
 * symbol of rows A1..A3), and the garbage a GBK extension character of
 * rows A1.. with a trail byte below A1: half of Big5's codes (trail bytes
 * 40..7E) land there, GB2312 text never does.  That shape is the line's
 * own evidence on top of the document's, so the reading need only gain
 * (the model holds 跋 at 10^-5.0, 禰 at 10^-5.4: +0.44); a clean lone
 * 跋 (GB2312 B0CF, re-read as 區) is no such garbage.
 * 1 when the units to repair are marked in m->bp. */
static int lone_in_doc(const run_ctx *x, size_t nu) {
  const moji *m = x->m;
  if ((x->k != C_GBK_BIG5 && x->k != C_BIG5_GBK) || m->sig[x->k] < SIG_LINES || m->known || x->force) return 0;
  /* every character of the line that is not ASCII is in this run */
  const zf_text *t = &x->in->t;
  for (size_t i = 0; i < t->len; i++)
    if (t->cp[i] >= 0x80 && (i < x->base || i >= x->base + x->len)) return 0;
  const zf_dbcs *src = x->k == C_GBK_BIG5 ? m->t->gbk : m->t->big5;
  size_t nhan = 0, first = nu, last = 0;
  for (size_t u = 0; u < nu; u++) {
    const unit *un = &m->units[u];
    if (un->g1 == un->g0 + 1 && x->r[un->g0] < 0x80) continue; /* ASCII, as it stands */
    if (un->g1 != un->g0 + 1 || un->d1 != un->d0 + 1) return 0;
    uint32_t g = x->r[un->g0], d = m->dec[un->d0];
    unsigned e = d <= 0xFFFF ? src->enc[d] : 0;
    if (!zf_moji_source_text(x->k, e, zf_is_han(g))) return 0;
    if (zf_is_han(g) && (nhan++ || g > 0xFFFF || !moji_bit(m->t->rare_bm, g) || !common_han(d))) return 0;
    if (zf_is_han(g) && x->k == C_BIG5_GBK && (m->t->gbk->enc[g] & 0xFF) >= 0xA1) return 0;
    if (first == nu) first = u;
    last = u;
  }
  if (nhan != 1) return 0;
  const unit *a = &m->units[first], *z = &m->units[last];
  size_t g0 = x->base + a->g0, g1 = x->base + z->g1;
  double need = x->k == C_BIG5_GBK ? 0.0 : KNOWN_ENTER + KNOWN_SINGLE;
  if (zf_moji_span_gain(x->in, g0, g1, m->dec + a->d0, z->d1 - a->d0) <= need) return 0;
  for (size_t u = 0; u < nu; u++) m->bp[2 * u] = u >= first && u <= last && x->r[m->units[u].g0] >= 0x80;
  return 1;
}

/* Chooses the units to repair (m->bp[2u]); returns how many repaired
 * units make two characters or more. */
static int decide(run_ctx *x, size_t nu, const run_edges *e) {
  moji *m = x->m;
  const moji_class *cl = x->cl;
  const uint32_t *r = x->r;
  size_t len = x->len;
  int nrep = 0;
  if (x->force) { /* first layer of a double decode: repair whatever decodes */
    for (size_t u = 0; u < nu; u++) {
      int ok = 1;
      for (size_t d = m->units[u].d0; d < m->units[u].d1 && ok; d++) ok = m->dec[d] >= 0x20 || m->dec[d] == '\t';
      m->bp[2 * u] = (uint8_t)ok;
    }
  } else if (m->known == 2) {
    nrep = zf_moji_viterbi(m, cl, r, len, nu, e, 0, -FOLLOW_PRIOR, 0);
  } else if (m->known) {
    zf_moji_viterbi(m, cl, r, len, nu, e, 0, KNOWN_ENTER, KNOWN_SINGLE);
    nrep = zf_moji_veto(m, x->in, x->base, nu, KNOWN_ENTER, 0, 0, 0);
  } else {
    m->latin = x->lat_doc ? LATIN_DOC : 0;
    /* a document known damaged this way: every piece needs less */
    double enter = x->lat_doc ? KNOWN_ENTER : cl->enter;
    zf_moji_viterbi(m, cl, r, len, nu, e, 0, enter, cl->coarse ? SINGLE_COST : 0);
    nrep = zf_moji_veto(m, x->in, x->base, nu, enter, cl->coarse && cl->y != Y_UTF8 && !x->lat_doc,
                        cl->coarse && !x->lat_doc ? MIN_DISTINCT : 0,
                        cl->coarse && cl->x != X_1252 ? (m->sig[x->k] >= SIG_LINES ? SIG_GAIN_PER_HAN : GAIN_PER_HAN)
                                                      : 0);
    if (x->lat && nrep) {
      int any = 0;
      for (size_t d = 0; d < m->units[nu - 1].d1 && !any; d++)
        any = latin_reading(m->dec[d]) && !zf_moji_plausible(m->dec[d], cl->x, cl->y);
      /* the line is known damaged now: the pieces left need less */
      if (any) {
        m->latin = LATIN_LINE;
        zf_moji_viterbi(m, cl, r, len, nu, e, 0, KNOWN_ENTER, 0);
        nrep = zf_moji_veto(m, x->in, x->base, nu, KNOWN_ENTER, 0, 0, 0);
      }
    }
    m->latin = 0;
  }
  /* a lone character in a document that carries GBK read as Big5 */
  if (!m->known && !x->force && !nrep && lone_in_doc(x, nu)) return 0;
  if (cl->coarse && !nrep && !x->force && spaced_phrase(m, nu)) nrep = 1;
  /* Once a phrase of the line is confidently repaired, the line is known
   * to be damaged this way; its short pieces between ASCII (a lone
   * character before "(" or at the end) no longer need the full margin. */
  if (cl->coarse && nrep && !x->force && !m->known) {
    zf_moji_viterbi(m, cl, r, len, nu, e, 0, KNOWN_ENTER, KNOWN_SINGLE);
    zf_moji_veto(m, x->in, x->base, nu, KNOWN_ENTER, 0, 0, 0);
  }
  return nrep;
}

/* A repair that would only turn garbage into U+FFFD (锟斤拷 back into the
 * replacement characters it was made of) changes nothing a reader can
 * use: such spans are left as they are (and reported).  Useful: two
 * characters in a row, or any text where nothing was lost; a lone
 * character among replacement characters is what accidentally valid
 * bytes of lost text make. */
static void drop_useless(moji *m, size_t nu) {
  uint8_t *bp = m->bp;
  for (size_t u = 0; u < nu;) {
    if (!bp[2 * u]) {
      u++;
      continue;
    }
    size_t e = u;
    while (e < nu && bp[2 * e]) e++;
    int useful = 0, fffd = m->lossy_line;
    size_t d0 = m->units[u].d0, d1 = m->units[e - 1].d1;
    for (size_t d = d0; d < d1; d++) fffd |= m->dec[d] == ZF_MARK_FFFD;
    for (size_t d = d0; d < d1 && !useful; d++) {
      uint32_t c = m->dec[d];
      if (c < 0x80 || c == ZF_MARK_FFFD) continue;
      int pair = d + 1 < d1 && m->dec[d + 1] >= 0x80 && m->dec[d + 1] != ZF_MARK_FFFD;
      useful = pair || !fffd;
    }
    if (!useful)
      for (size_t f = u; f < e; f++) bp[2 * f] = 0;
    u = e;
  }
}

/* Appends the garbage characters [g0, g1) of the run unchanged. */
static void emit_keep(run_ctx *x, size_t g0, size_t g1) {
  const mline *in = x->in;
  for (size_t g = x->base + g0; g < x->base + g1; g++) mline_push(x->out, in->t.cp[g], in->t.off[g], in->rep[g]);
}

/* Appends the units, kept or repaired, counting maximal repaired spans. */
static void emit_units(run_ctx *x, size_t nu, uint64_t *cnt) {
  moji *m = x->m;
  int in_span = 0, span_double = 0, span_lossy = 0;
  for (size_t u = 0; u <= nu; u++) {
    int s = u < nu ? m->bp[2 * u] : 0;
    if (in_span && !s) {
      cnt[span_double ? ZHFIX_STAT_MOJIBAKE_UTF8_DOUBLE : x->cl->stat]++;
      if (span_lossy) cnt[ZHFIX_STAT_MOJIBAKE_LOSSY]++;
      in_span = 0;
    }
    if (u == nu) break;
    const unit *un = &m->units[u];
    if (!s) {
      emit_keep(x, un->g0, un->g1);
      continue;
    }
    if (!in_span) in_span = 1, span_double = 0, span_lossy = 0;
    span_lossy |= un->lossy;
    span_double |= un->conv;
    for (size_t g = un->g0; g < un->g1; g++) span_double |= x->in->rep[x->base + g];
    for (size_t d = un->d0; d < un->d1; d++)
      mline_push(x->out, m->dec[d], x->in->t.off[x->base + m->dsrc[d]], 1);
  }
}

void zf_moji_do_run(moji *m, int k, const mline *in, size_t base, size_t len, mline *out, uint64_t *cnt,
                    int force) {
  run_ctx x = {.m = m, .k = k, .cl = &zf_moji_classes[k], .in = in, .base = base, .len = len,
               .r = in->t.cp + base, .out = out, .force = force};
  run_bytes(&x);
  size_t p = 0;
  while (p < len) {
    if (x.r[p] < 0x80 || x.r[p] == ZF_MARK_FFFD) {
      emit_keep(&x, p, p + 1);
      p++;
      continue;
    }
    /* a start whose decode certainly fails at once, with nothing for
     * unconvert to change: kept as the search would keep it (the proof
     * at zf_moji_dead_start); with the audit on, searched and checked */
    const int dead =
        !x.marked && zf_moji_dead_start(x.cl, x.r[p], m->bytes + m->bnd[p], m->bnd[p + 1] - m->bnd[p]);
    if (dead && !zf_moji_bound_audit.on) {
      emit_keep(&x, p, p + 1);
      p++;
      continue;
    }
    int changes;
    size_t nu = dead ? audit_dead(&x, p) : decode_units(&x, p, &changes);
    if (nu == 0) {
      emit_keep(&x, p, p + 1);
      p++;
      continue;
    }
    size_t q = m->units[nu - 1].g1;
    if (x.cl->coarse) nu = merge_changes(m, x.r, nu);
    run_edges e = {.lc = out->t.len ? out->t.cp[out->t.len - 1] : 0, .has_l = out->t.len > 0,
                   .has_r = base + q < in->t.len};
    e.rc = e.has_r ? in->t.cp[base + q] : 0;
    int nrep = decide(&x, nu, &e);
    m->confident += (size_t)nrep;
    drop_useless(m, nu);
    emit_units(&x, nu, cnt);
    p = q;
  }
}
