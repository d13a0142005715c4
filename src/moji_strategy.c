/*
 * Passes and strategies (moji.h).  A pass runs one class over a line, run
 * by run (moji_search.c).  Passes commit greedily and several classes can
 * read the same garbage (GBK bytes read as Latin-1 often look like UTF-8
 * read as Latin-1), so the passes run in a few orders, the strategies, and
 * the line the LM prefers is kept.  A strategy starting with a forced
 * layer undoes a double decode whose middle layer the LM alone would not
 * prefer to the outer garbage (UTF-8 read as GBK, then that read as 1252).
 * Text repaired twice by the passes (UTF-8 read as 1252, saved, read as
 * 1252 again) is counted as double damage.
 */
#include <string.h>

#include "moji.h"

const moji_class zf_moji_classes[NCLASS] = {
    [C_U8_1252] = {X_1252, Y_UTF8, ZHFIX_STAT_MOJIBAKE_UTF8_AS_LATIN1, 2.0, 0},
    [C_U8_GBK] = {X_GBK, Y_UTF8, ZHFIX_STAT_MOJIBAKE_UTF8_AS_GBK, 3.0, 0},
    [C_U8_BIG5] = {X_BIG5, Y_UTF8, ZHFIX_STAT_MOJIBAKE_UTF8_AS_BIG5, 3.0, 0},
    [C_GBK_BIG5] = {X_BIG5, Y_GBK, ZHFIX_STAT_MOJIBAKE_GBK_AS_BIG5, 3.0, 1},
    [C_BIG5_GBK] = {X_GBK, Y_BIG5, ZHFIX_STAT_MOJIBAKE_BIG5_AS_GBK, 3.0, 1},
    [C_GBK_1252] = {X_1252, Y_GBK, ZHFIX_STAT_MOJIBAKE_CJK_AS_LATIN1, 3.0, 1},
    [C_BIG5_1252] = {X_1252, Y_BIG5, ZHFIX_STAT_MOJIBAKE_CJK_AS_LATIN1, 3.0, 1},
};

#define classes zf_moji_classes

/* ---- one pass -------------------------------------------------------------- */

/* One pass of class k over in, into out: each run of characters X
 * encodes, up to the line's end, is repaired on its own.  In a line the
 * content-farm stage searched and left damage in (moji::leave), that
 * damage is the garbage of a GBK page read as GB18030 out of phase,
 * which no reading with a wrong table explains: a pass leaves it as the
 * conversion and punctuation stages do, and reads the text between on
 * its own (docs/repair-farm.md, "Wave 14"). */
static int pass1(moji *m, int k, const mline *in, mline *out, uint64_t *cnt, int force) {
  const moji_class *cl = &classes[k];
  out->t.len = 0;
  /* Repairs never lengthen the text, except a lost byte becoming U+FFFD
   * in place of one garbage character: the input length bounds it. */
  if (zf_mline_reserve(out, in->t.len + 1) || zf_moji_scratch_reserve(m, in->t.len)) return ZHFIX_E_NOMEM;
  const uint32_t *cp = in->t.cp;
  size_t i = 0, n = in->t.len;
  while (i < n) {
    uint8_t by[4];
    int lost;
    if (cp[i] < 0x80 || !zf_moji_x_put_run(m, cl, cp[i], by, &lost) || lost) {
      mline_push(out, cp[i], in->t.off[i], in->rep[i]);
      i++;
      continue;
    }
    size_t j = i;
    /* in a line the farm left damage in (moji::leave), a run stops where
     * that damage starts or ends, and a run in it is left as it is */
    int left = m->leave && zf_stats_damaged(m->leave, in->t.off[i]);
    while (j < n && cp[j] != '\n' && cp[j] != '\r' && zf_moji_x_put_run(m, cl, cp[j], by, &lost) &&
           (!m->leave || zf_stats_damaged(m->leave, in->t.off[j]) == left))
      j++;
    if (left) {
      for (; i < j; i++) mline_push(out, cp[i], in->t.off[i], in->rep[i]);
      continue;
    }
    zf_moji_do_run(m, k, in, i, j - i, out, cnt, force);
    i = j;
  }
  return 0;
}

/* DBCS<->DBCS damage covers whole lines: a line where most of the Han
 * stays as it was, or where one or two characters beside others that stay
 * read "better" the other way, is far more often clean text (a rare name,
 * a quoted example of mojibake) than a damaged line.  Unless the
 * document's signature says otherwise, such a pass is dropped.  Even in a
 * document that carries the reading, a line it damaged has nearly all its
 * Han re-read: one where most stays is one of its clean lines, whose odd
 * character or two the reading would only turn into others (你 -> 斕,
 * 冒號 -> 簸號 in a page where some paragraphs were read with the wrong
 * table and some were not). */
static int dbcs_mostly_kept(const moji *m, int k, const mline *in, const mline *out) {
  size_t han_in = 0, han_kept = 0;
  for (size_t i = 0; i < in->t.len; i++) han_in += zf_is_han(in->t.cp[i]);
  for (size_t i = 0; i < out->t.len; i++) han_kept += !out->rep[i] && zf_is_han(out->t.cp[i]);
  int own = m->following == k;
  return han_in && (han_kept * 10 > han_in * 3 || (!own && han_in - han_kept < 3 && han_kept));
}

/* UTF-8 read as Windows-1252 makes every byte above 0x7F of a line part
 * of a sequence: a continuation byte (80-BF) comes after its lead byte or
 * another continuation, and C0, C1, F5-FF never occur.  A line that a
 * repair would leave with a continuation standing alone (£ in MÄ£ÄM Q
 * £ÄGÌ, the 1252 dash of DrÃ¥ber – X) or such a byte was not made that
 * way, and its pieces that spell UTF-8 are an accident of clean text.
 * Dropped bytes (0x81 0x8D 0x8F 0x90 0x9D: continuations) never leave a
 * continuation alone; bytes replaced by U+FFFD may, so a line with one is
 * not judged so.  1: the repaired line out holds such a stray byte. */
static int stray_1252(const mline *out) {
  int rep = 0, stray = 0, fffd = 0;
  const uint32_t *cp = out->t.cp;
  for (size_t i = 0; i < out->t.len; i++) {
    uint32_t c = cp[i];
    fffd |= c == ZF_MARK_FFFD;
    if (out->rep[i]) {
      rep = 1;
      continue;
    }
    int b = c >= 0x80 ? zf_cp1252_byte(c) : -1;
    if (b < 0x80) continue;
    if (b < 0xC0) {
      int pb = i > 0 && !out->rep[i - 1] && cp[i - 1] >= 0x80 ? zf_cp1252_byte(cp[i - 1]) : -1;
      stray |= !(pb >= 0x80 && pb <= 0xF4 && pb != 0xC0 && pb != 0xC1);
    } else {
      stray |= b < 0xC2 || b > 0xF4;
    }
  }
  return rep && stray && !fffd;
}

/* One pass of class k; for the coarse classes, a line where a phrase was
 * confidently repaired is passed again with the lower KNOWN_ENTER cost
 * everywhere, pieces before that phrase included. */
static int pass(moji *m, int k, const mline *in, mline *out, uint64_t *cnt, int force) {
  const moji_class *cl = &classes[k];
  m->known = cl->coarse && !force && m->sig[k] >= SIG_LINES;
  /* DBCS<->DBCS in a document that carries it: follow the document, in
   * the strategy that follows it; the other strategies judge the line on
   * its own evidence, as in any document */
  if (m->known && cl->x != X_1252) m->known = m->following == k ? 2 : 0;
  m->confident = 0;
  uint64_t c1[ZHFIX_STAT__COUNT] = {0};
  /* A line of a document known damaged this way (its signature) whose
   * own evidence shows the reading too, as it would in any document (a
   * confident repair at the full costs: 相同 for ÏàÍ¬), is a line of GBK
   * text, its extension characters included (與 for Åc beside it), as in
   * the second pass below.  The signature alone does not exempt them. */
  if (m->known == 1 && cl->y == Y_GBK) {
    m->known = 0;
    if (pass1(m, k, in, out, c1, force)) return ZHFIX_E_NOMEM;
    m->known = 1;
    m->known_own = m->confident > 0;
    m->confident = 0;
    memset(c1, 0, sizeof c1);
  }
  int rc0 = pass1(m, k, in, out, c1, force);
  m->known_own = 0;
  if (rc0) return ZHFIX_E_NOMEM;
  if (cl->coarse && !force && m->confident && !m->known) {
    /* A line read with the wrong double-byte table is read so whole: once
     * its own evidence shows the reading, its lone pieces between ASCII
     * (麼 for 或 between troff escapes, 瑩 for 键 after End) follow the
     * line as a followed document's lines follow the document. */
    m->known = cl->x != X_1252 && !dbcs_mostly_kept(m, k, in, out) ? 2 : 1;
    m->known_own = 1;
    memset(c1, 0, sizeof c1);
    int rc = pass1(m, k, in, out, c1, force);
    m->known = 0;
    m->known_own = 0;
    if (rc) return rc;
  }
  if (!force && ((cl->coarse && cl->x != X_1252 && dbcs_mostly_kept(m, k, in, out)) ||
                 (cl->x == X_1252 && cl->y == Y_UTF8 && stray_1252(out)))) {
    zf_mline_copy(out, in);
    m->confident = 0;
    return 0;
  }
  for (int s = 0; s < ZHFIX_STAT__COUNT; s++) cnt[s] += c1[s];
  return 0;
}

/* ---- strategies ------------------------------------------------------------ */

typedef struct strategy {
  int force; /* class forced first, or -1 */
  int order[NCLASS];
} strategy;

static const strategy strategies[] = {
    {-1, {C_U8_1252, C_U8_GBK, C_U8_BIG5, C_GBK_1252, C_BIG5_1252, C_GBK_BIG5, C_BIG5_GBK}},
    {-1, {C_U8_1252, C_U8_GBK, C_U8_BIG5, C_BIG5_1252, C_GBK_1252, C_BIG5_GBK, C_GBK_BIG5}},
    {-1, {C_GBK_1252, C_BIG5_1252, C_U8_1252, C_U8_GBK, C_U8_BIG5, C_GBK_BIG5, C_BIG5_GBK}},
    {-1, {C_BIG5_1252, C_GBK_1252, C_U8_1252, C_U8_GBK, C_U8_BIG5, C_BIG5_GBK, C_GBK_BIG5}},
    {-1, {C_GBK_BIG5, C_BIG5_GBK, C_U8_1252, C_U8_GBK, C_U8_BIG5, C_GBK_1252, C_BIG5_1252}},
    {-1, {C_BIG5_GBK, C_GBK_BIG5, C_U8_1252, C_U8_GBK, C_U8_BIG5, C_BIG5_1252, C_GBK_1252}},
    {C_U8_1252, {C_U8_1252, C_U8_GBK, C_U8_BIG5, C_GBK_1252, C_BIG5_1252, C_GBK_BIG5, C_BIG5_GBK}},
    {C_U8_GBK, {C_U8_GBK, C_U8_1252, C_U8_BIG5, C_GBK_1252, C_BIG5_1252, C_GBK_BIG5, C_BIG5_GBK}},
};
#define NSTRAT (sizeof strategies / sizeof strategies[0])
/* A forced first layer must win by this much over the plain strategies. */
#define FORCE_MARGIN 3.0

static int same(const mline *a, const mline *b) {
  return a->t.len == b->t.len && memcmp(a->t.cp, b->t.cp, a->t.len * sizeof *a->t.cp) == 0;
}

/* Whether strategy sg may run class k at all (xdone[x]: the class that
 * repaired garbage of encoding x so far in this strategy, or -1). */
static int class_allowed(const moji *m, const strategy *sg, int k, const int *xdone) {
  /* under a forced layer only another UTF-8 reading makes a double */
  if (sg->force >= 0 && classes[k].y != Y_UTF8) return 0;
  /* One line was read one way: once a class has repaired garbage of an
   * encoding X (say 1252), the other readings of X garbage (GBK bytes as
   * 1252) are not tried on the rest, where they would only turn what is
   * left of lossy damage into other garbage. */
  if (xdone[classes[k].x] >= 0 && xdone[classes[k].x] != k) return 0;
  /* A document's signature does not stop the other readings of the same
   * garbage (GBK vs Big5 bytes read as 1252, the other DBCS<->DBCS table):
   * in a document whose lines were damaged each its own way, a line read
   * the other way must be judged on its own evidence (issue 15).  They
   * need that evidence in full (no signature of theirs lowers their
   * costs), and the document's own reading keeps its prior. */
  (void)m;
  return 1;
}

/* Runs strategy sg on m->in0 into m->a/m->b; returns the result buffer or
 * NULL when nothing changed (or memory ran out: *rc). */
static mline *run_strategy(moji *m, const strategy *sg, unsigned mask0, uint64_t *cnt, unsigned *conf, unsigned *used,
                           unsigned *noop, int *rc) {
  mline *cur = &m->a, *nxt = &m->b;
  zf_mline_copy(cur, &m->in0);
  int changed = 0;
  unsigned mask = mask0; /* the trigger of cur, again when cur changes */
  if (sg->force >= 0) {
    if (!((mask >> sg->force) & 1)) return NULL;
    uint64_t scratch[ZHFIX_STAT__COUNT] = {0};
    if (pass(m, sg->force, cur, nxt, scratch, 1)) return *rc = ZHFIX_E_NOMEM, NULL;
    if (same(cur, nxt)) return NULL;
    mline *t = cur;
    cur = nxt, nxt = t;
    /* only worth going on if the layer revealed garbage of a UTF-8 reading */
    mask = zf_moji_trigger(m, cur->t.cp, cur->t.len);
    if (!(mask & (1u << C_U8_1252 | 1u << C_U8_GBK | 1u << C_U8_BIG5))) return NULL;
    cnt[ZHFIX_STAT_MOJIBAKE_UTF8_DOUBLE]++;
  }
  uint64_t local[ZHFIX_STAT__COUNT] = {0};
  int xdone[3] = {-1, -1, -1};
  for (int o = 0; o < NCLASS; o++) {
    int k = sg->order[o];
    if (!class_allowed(m, sg, k, xdone)) continue;
    /* a class may need a second pass for text it made (1252 twice) */
    for (int it = 0; it < 2; it++) {
      if (!((mask >> k) & 1)) break;
      /* the plain strategies start from the same line: a pass that left
       * it as it came, with nothing counted, does so again (noop) */
      const unsigned key = !changed && sg->force < 0 ? 1u << (2 * k + (m->following == k)) : 0;
      if (*noop & key) break;
      const unsigned dirs0 = m->run_dirs;
      uint64_t nloc = 0;
      for (int s = 0; s < ZHFIX_STAT__COUNT; s++) nloc += local[s];
      m->run_dirs = 0;
      if (pass(m, k, cur, nxt, local, 0)) return *rc = ZHFIX_E_NOMEM, NULL;
      const unsigned pdirs = m->run_dirs;
      m->run_dirs |= dirs0;
      if (m->confident) *conf |= 1u << k;
      if (same(cur, nxt)) {
        for (int s = 0; s < ZHFIX_STAT__COUNT; s++) nloc -= local[s];
        if (!m->confident && !pdirs && !nloc) *noop |= key;
        break;
      }
      mline *t = cur;
      cur = nxt, nxt = t;
      mask = zf_moji_trigger(m, cur->t.cp, cur->t.len);
      changed = 1;
      xdone[classes[k].x] = k;
      *used |= 1u << k;
      /* GBK<->Big5 read twice is not a damage seen in practice, and
       * following the document's reading would re-read its own repair */
      if (dbcs_pair(k)) break;
    }
    /* A line read with the wrong double-byte table holds that damage only;
     * the other readings would take pieces of the repair for garbage
     * (GBK bytes of 模块 are valid UTF-8 too). */
    if (dbcs_pair(k) && xdone[classes[k].x] == k) break;
  }
  /* (under a forced layer the whole line counts as one double decode) */
  if (!changed) return NULL;
  if (sg->force < 0)
    for (int s = 0; s < ZHFIX_STAT__COUNT; s++) cnt[s] += local[s];
  return cur;
}

/* Score of a whole line for choosing among the strategies' results: the
 * Chinese model's, or the model of text in any language where that one
 * fits better (issue 13: UTF-8 Arabic read as 1252 spells ØªØ..., which
 * GBK bytes read as 1252 make 丕賱..., and only the second model knows
 * that the Arabic is text). */
static double line_score(const mline *l) {
  const uint32_t *cp = l->t.cp;
  size_t n = l->t.len; /* the terminator is no evidence either way */
  while (n > 0 && (cp[n - 1] == '\n' || cp[n - 1] == '\r')) n--;
  double zh = zf_lm_score(cp, n), other = 0;
  uint32_t prev = 0;
  for (size_t i = 0; i < n; i++) {
    other += zf_lm_other_bigram(prev, cp[i]);
    prev = cp[i];
  }
  return zh > other ? zh : other;
}

/* Whether class k reads the same garbage as class k2 another way: the two
 * DBCS<->DBCS readings, or GBK and Big5 bytes read as 1252. */
static int rivals(int k, int k2) {
  return k != k2 && classes[k].coarse && classes[k2].coarse &&
         (classes[k].x == classes[k2].x || (dbcs_pair(k) && dbcs_pair(k2)));
}

/* A document is read with one wrong table: a line repaired by a rival of
 * the document's signature (Big5 bytes read as 1252 where the document
 * carries GBK bytes read so) must win by the margin of the class's entry
 * cost on top.  A line of a document whose lines were damaged each its
 * own way has that evidence (a Chinese line read the wrong way gains
 * several log10 units per character); a lone heading (虫虫 read as 單單,
 * 跋 as 區) has not. */
static double rival_cost(const moji *m, unsigned used) {
  for (int k = 0; k < NCLASS; k++)
    if ((used >> k) & 1 && m->sig[k] < SIG_LINES)
      for (int k2 = 0; k2 < NCLASS; k2++)
        if (m->sig[k2] >= SIG_LINES && rivals(k, k2)) return FOLLOW_PRIOR;
  return 0;
}

/* Whether strategy s is the same as an earlier one for the classes that
 * may fire (mask); seen[s] records its order of those. */
static int duplicate_order(size_t s, unsigned mask, int seen[][NCLASS]) {
  const strategy *sg = &strategies[s];
  int w = 0;
  for (int o = 0; o < NCLASS; o++)
    if ((mask >> sg->order[o]) & 1) seen[s][w++] = sg->order[o];
  for (; w < NCLASS; w++) seen[s][w] = -1;
  for (size_t t = 0; t < s; t++)
    if (strategies[t].force == sg->force && memcmp(seen[t], seen[s], sizeof seen[s]) == 0) return 1;
  return 0;
}

/* The document's signatures after a line whose chosen result made
 * confident repairs of the classes in conf, undoing the conversions in
 * dirs.  A document is read with one wrong table: once it carries one
 * DBCS<->DBCS reading, the other one does not become its signature, nor
 * does either once it carries UTF-8 read as GBK or Big5 (whose lossy
 * garbage, 閫€鏍? for 退格, also reads "better" as Big5 read as GBK;
 * followed, that reading would turn every later line into garbage). */
#define COARSE_CLASSES (1u << C_GBK_BIG5 | 1u << C_BIG5_GBK | 1u << C_GBK_1252 | 1u << C_BIG5_1252)

void zf_moji_update_signatures(moji *m, unsigned conf, unsigned dirs) {
  const int utf8_doc = m->sig[C_U8_GBK] >= SIG_LINES || m->sig[C_U8_BIG5] >= SIG_LINES;
  for (int k = 0; k < NCLASS; k++)
    if ((conf >> k) & 1 && m->own_sig[k] < SIG_LINES &&
        !(dbcs_pair(k) && (m->sig[dbcs_other(k)] >= SIG_LINES || utf8_doc))) {
      m->own_sig[k]++;
      if (m->own_sig[k] > m->sig[k]) m->sig[k] = m->own_sig[k];
    }
  for (int dir = 0; dir < NUNDO; dir++)
    if (conf && (dirs >> dir) & 1 && m->own_conv[dir] < SIG_LINES) {
      m->own_conv[dir]++;
      if (m->own_conv[dir] > m->conv_sig[dir]) m->conv_sig[dir] = m->own_conv[dir];
    }
  m->count_clean = m->clean_han < MIXED_LINES && (m->sig[C_GBK_BIG5] >= SIG_LINES || m->sig[C_BIG5_GBK] >= SIG_LINES);
}

int zf_moji_strategies(moji *m, unsigned mask0, uint64_t *cnt) {
  /* The best line so far: the input, unless a strategy beats it. */
  zf_mline_copy(&m->best, &m->in0);
  /* scored when a strategy first changes the line (most lines that reach
   * the strategies come out of them unchanged: issue 14) */
  double best_score = 0;
  int scored = 0;
  int rc = 0;
  unsigned best_conf = 0, best_dirs = 0, best_used = 0;
  int seen[NSTRAT][NCLASS];
  unsigned noop = 0; /* passes over m->in0 that change nothing (run_strategy) */
  memset(seen, 0x7f, sizeof seen); /* never a class nor -1 */
  /* A document carrying a DBCS<->DBCS reading: its lines are read that
   * way first (other damage in them is undone after it), or kept. */
  /* Not in a document that has shown clean Chinese lines (clean_han): one
   * whose lines were damaged each its own way, where a line is judged on
   * its own evidence.  The other strategies run too, without the prior:
   * a line of a followed document damaged another way (UTF-8 read as GBK)
   * still wins on its own evidence. */
  int follow = -1;
  if (m->clean_han < MIXED_LINES && m->follow_run)
    for (int k = C_GBK_BIG5; k <= C_BIG5_GBK; k++)
      if (m->sig[k] >= SIG_LINES && ((mask0 >> k) & 1)) follow = k;
  for (size_t s = 0; s < NSTRAT && mask0; s++) {
    const strategy *sg = &strategies[s];
    if (sg->force >= 0 && !((mask0 >> sg->force) & 1)) continue;
    /* Orders that differ only in classes that cannot fire are the same. */
    if (duplicate_order(s, mask0, seen)) continue;
    /* the strategy whose first class that fires is the document's reading */
    m->following = follow >= 0 && sg->force < 0 && seen[s][0] == follow ? follow : -1;
    uint64_t sc_cnt[ZHFIX_STAT__COUNT] = {0};
    unsigned conf = 0, used = 0;
    m->run_dirs = 0;
    mline *r = run_strategy(m, sg, mask0, sc_cnt, &conf, &used, &noop, &rc);
    if (rc) return rc;
    if (!r || same(r, &m->best)) continue;
    if (!scored) best_score = line_score(&m->in0), scored = 1;
    double sc = line_score(r);
    if (sg->force >= 0) sc -= FORCE_MARGIN;
    sc -= rival_cost(m, used);
    /* the document's prior for its own DBCS<->DBCS reading: FOLLOW_PRIOR
     * for each span it repaired, as the pass's Viterbi rewarded each (the
     * other strategies, judging the line on its own evidence, compete
     * with it; a long line whose one short piece reads as well unrepaired,
     * 刚刚 for 試試, stays followed) */
    if (m->following >= 0) sc += FOLLOW_PRIOR * (double)sc_cnt[classes[follow].stat];
    if (sc <= best_score) continue;
    zf_mline_copy(&m->best, r);
    best_score = sc;
    memcpy(cnt, sc_cnt, sizeof sc_cnt);
    best_conf = conf;
    best_dirs = m->run_dirs;
    best_used = used;
  }
  m->following = -1;
  /* Only a line whose own evidence is decisive feeds the document's
   * reading of a coarse class (a whole page read with the wrong table has
   * plenty of those): a short heading's repair (參見 for 把ǎ) wins by a
   * margin the class's entry cost allows, and counted, three of them
   * would carry the reading to a clean lone heading (跋 -> 區). */
  if (best_conf & COARSE_CLASSES) {
    size_t han = 0;
    for (size_t i = 0; i < m->best.t.len; i++) han += m->best.rep[i] && zf_is_han(m->best.t.cp[i]);
    if (han < SIG_STRONG_HAN) best_conf &= ~COARSE_CLASSES;
  }
  zf_moji_update_signatures(m, best_conf, best_dirs);
  if (best_used) {
    unsigned sig = 0;
    for (int k = C_GBK_BIG5; k <= C_BIG5_GBK; k++) sig |= (unsigned)(m->sig[k] >= SIG_LINES) << k;
    m->follow_run = (best_used & sig) != 0;
  }
  return 0;
}
