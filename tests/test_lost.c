/*
 * The lost-byte lattice (src/lost.c, issue #15) on simulated damage, class
 * by class (tests/test_lost_doc.c has the pipeline and the documents).
 *
 * tools/lossy_sim.py damages corpus lines with the real decoders (CPython,
 * ICU, glibc's iconv -c, WHATWG) for every source encoding, decoder and
 * error style, into $ZHFIX_LOSSY_DIR (default: build/lossy/sSKIP-bBUDGET next to
 * the corpus, built here when missing: a missing corpus fails the test).
 * For each class the lattice runs three times on every damaged line:
 *   bytes  no language model: what every byte stream consistent with the
 *          line agrees on (the bytes-only ceiling);
 *   mark   the default: fills that win by the margin, the rest marked;
 *   guess  every gap filled with the best candidate.
 * and the output is aligned with the original (longest common
 * subsequence, a marked character matching nothing).  Asserted, per class:
 * every character the bytes determine is restored in mark mode, fewer
 * than 0.5% of characters are filled wrongly, and every line whose output
 * differs from the original shows a mark (nothing silent).  Figures are
 * printed per class; tools/lost_heldout.sh runs the same on other slices.
 *
 * Detection is checked on clean and damaged lines, and the gap filler of
 * UTF-8 read as Big5 (lost_u8.c) on its own.
 *
 * LOST_ONLY=class runs one class, LOST_SHOW=n prints the first n lines a
 * class gets wrong or silent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lm.h"
#include "lost.h"
#include "tu.h"
#include "zf.h"
#include "tu_lossy.h"
#include "tu_text.h"
#include "zhfix.h"

/* ---- input ------------------------------------------------------------------ */

static void print_text(FILE *f, const zf_text *t, const uint8_t *flags) {
  for (size_t i = 0; i < t->len; i++) {
    unsigned char u[4];
    uint32_t c = t->cp[i];
    if (c == '\n') continue;
    int n = zf_utf8_put(c, u);
    if (flags && flags[i] == ZF_LOST_GUESSED) fputc('[', f);
    fwrite(u, 1, (size_t)n, f);
    if (flags && flags[i] == ZF_LOST_GUESSED) fputc(']', f);
  }
  fputc('\n', f);
}

/* The simulated corpora (tests/util/tu_lossy.c): the lattice's margins
 * and penalties were tuned on the slice at the start of the corpus files
 * (skip 0); the test gates a held-out slice further on (LOST_SKIP,
 * LOST_BUDGET; e.g. for tools/lost_heldout.sh). */
static const char *lossy_dir(void) { return tu_lossy_dir(); }

/* ---- comparison ---------------------------------------------------------------- */

typedef struct match {
  uint8_t *a_ok;  /* per original character: an unmarked output one matches */
  size_t out_bad; /* unmarked output characters matching nothing: wrong    */
} match;

/* Longest common subsequence of a and the unmarked characters of b, over
 * the part between their common prefix and suffix. */
static void align(const uint32_t *a, size_t na, const zf_text *b, const uint8_t *fl, match *m) {
  size_t nb = b->len;
  memset(m->a_ok, 0, na);
  m->out_bad = 0;
  int marked[1];
  (void)marked;
#define MK(i) (fl[i] == ZF_LOST_MARKED)
  size_t p = 0;
  while (p < na && p < nb && !MK(p) && a[p] == b->cp[p]) m->a_ok[p] = 1, p++;
  size_t s = 0;
  while (s < na - p && s < nb - p && !MK(nb - 1 - s) && a[na - 1 - s] == b->cp[nb - 1 - s])
    m->a_ok[na - 1 - s] = 1, s++;
  size_t ma = na - p - s, mb = nb - p - s;
  if (ma == 0 || mb == 0) {
    for (size_t i = p; i < p + mb; i++) m->out_bad += !MK(i);
    return;
  }
  if (ma * mb > 4000000) { /* place by place */
    for (size_t i = 0; i < mb; i++) {
      if (MK(p + i)) continue;
      if (i < ma && a[p + i] == b->cp[p + i]) m->a_ok[p + i] = 1;
      else m->out_bad++;
    }
    return;
  }
  uint16_t *L = calloc((ma + 1) * (mb + 1), sizeof *L);
  assert_non_null(L);
#define LL(i, j) L[(i) * (mb + 1) + (j)]
  for (size_t i = ma; i-- > 0;)
    for (size_t j = mb; j-- > 0;) {
      if (!MK(p + j) && a[p + i] == b->cp[p + j]) LL(i, j) = (uint16_t)(LL(i + 1, j + 1) + 1);
      else LL(i, j) = LL(i + 1, j) > LL(i, j + 1) ? LL(i + 1, j) : LL(i, j + 1);
    }
  size_t i = 0, j = 0;
  while (i < ma && j < mb) {
    if (!MK(p + j) && a[p + i] == b->cp[p + j]) {
      m->a_ok[p + i] = 1;
      i++, j++;
    } else if (LL(i + 1, j) >= LL(i, j + 1)) {
      i++;
    } else {
      m->out_bad += !MK(p + j);
      j++;
    }
  }
  for (; j < mb; j++) m->out_bad += !MK(p + j);
  free(L);
#undef LL
#undef MK
}

/* ---- one class ------------------------------------------------------------------- */

typedef struct tally {
  size_t lines, lossy, nofit, chars, nonascii;
  size_t ceiling;                 /* non-ASCII characters the bytes determine */
  size_t mark_ok, mark_wrong, mark_marked, mark_silent, mark_unreported;
  size_t guess_ok, guess_wrong, guess_guessed;
  size_t missed_ceiling;          /* determined, yet not restored (mark)   */
  size_t shown;
} tally;

static void run_class(zf_lost *l, const char *dir, const char *name, tally *t) {
  memset(t, 0, sizeof *t);
  zf_lost_hyp h;
  assert_int_equal(tu_lossy_parse_class(name, &h), 0);
  size_t no, nd, nf;
  char *orig = tu_lossy_class_file(dir, name, "orig", &no);
  char *dam = tu_lossy_class_file(dir, name, "dam", &nd);
  char *fl = tu_lossy_class_file(dir, name, "lossy", &nf);
  /* lossy lines per class (LOST_LINES; 0 = all): the lattice is slow on
   * the classes with most gaps, and make test runs every class */
  const char *ml = getenv("LOST_LINES");
  size_t max_lines = ml && *ml ? (size_t)atol(ml) : tu_quick() ? 12 : 40;
  if (max_lines == 0) max_lines = (size_t)-1;
  const char *show_env = getenv("LOST_SHOW");
  size_t show = show_env ? (size_t)atoi(show_env) : 0;
  tu_lines io = {orig, orig + no}, id = {dam, dam + nd}, ifl = {fl, fl + nf};
  const char *lo, *ld, *lf;
  size_t nlo, nld, nlf;
  zf_text a = {0}, in = {0}, ob = {0}, om = {0}, og = {0};
  uint8_t *fb = NULL, *fm = NULL;
  size_t cap = 0;
  match mb = {0}, mm = {0}, mg = {0};
  char buf[65600];
  while ((lo = tu_next_line(&io, &nlo)) && (ld = tu_next_line(&id, &nld)) &&
         (lf = tu_next_line(&ifl, &nlf))) {
    if (nlf < 1 || lf[0] != '1') continue; /* lossless: the mojibake stage's */
    if (t->lines >= max_lines) break;
    t->lines++;
    t->lossy++;
    assert_true(nlo + 1 < sizeof buf && nld + 1 < sizeof buf);
    memcpy(buf, lo, nlo);
    buf[nlo] = '\n';
    tu_text_valid(buf, nlo + 1, &a);
    memcpy(buf, ld, nld);
    buf[nld] = '\n';
    tu_text_valid(buf, nld + 1, &in);
    if (a.len > cap) {
      cap = a.len * 2;
      mb.a_ok = realloc(mb.a_ok, cap);
      mm.a_ok = realloc(mm.a_ok, cap);
      mg.a_ok = realloc(mg.a_ok, cap);
      assert_non_null(mb.a_ok);
      assert_non_null(mm.a_ok);
      assert_non_null(mg.a_ok);
    }
    size_t nonascii = 0;
    for (size_t i = 0; i < a.len; i++) nonascii += a.cp[i] >= 0x80;
    t->chars += a.len;
    t->nonascii += nonascii;
    zf_text_clear(&ob);
    zf_text_clear(&om);
    zf_text_clear(&og);
    zf_stats st;
    zf_stats_init(&st);
    zf_lost_result rb, rm, rg;
    int r1 = zf_lost_run(l, &h, ZF_LOST_BYTES, &in, &ob, NULL, &rb);
    size_t nfl;
    const uint8_t *f = zf_lost_flags(l, &nfl);
    free(fb);
    fb = malloc(nfl + 1);
    memcpy(fb, f, nfl);
    int r2 = zf_lost_run(l, &h, ZF_LOST_MARK, &in, &om, &st, &rm);
    f = zf_lost_flags(l, &nfl);
    free(fm);
    fm = malloc(nfl + 1);
    memcpy(fm, f, nfl);
    int r3 = zf_lost_run(l, &h, ZF_LOST_GUESS, &in, &og, NULL, &rg);
    assert_true(r1 >= 0 && r2 >= 0 && r3 >= 0);
    if (r1 || r2 || r3) {
      t->nofit++;
      if (t->shown < show) {
        t->shown++;
        fprintf(stderr, "  NOFIT (%d %d %d)\n   orig: %.*s\n   dam:  %.*s\n", r1, r2, r3, (int)nlo, lo,
                (int)nld, ld);
      }
      continue;
    }
    align(a.cp, a.len, &ob, fb, &mb);
    align(a.cp, a.len, &om, fm, &mm);
    f = zf_lost_flags(l, &nfl);
    align(a.cp, a.len, &og, f, &mg);
    size_t miss = 0;
    for (size_t i = 0; i < a.len; i++) {
      if (a.cp[i] < 0x80) continue;
      t->ceiling += mb.a_ok[i];
      t->mark_ok += mm.a_ok[i];
      t->guess_ok += mg.a_ok[i];
      if (mb.a_ok[i] && !mm.a_ok[i]) miss++;
    }
    t->missed_ceiling += miss;
    t->mark_wrong += mm.out_bad;
    t->guess_wrong += mg.out_bad;
    t->mark_marked += rm.marked;
    t->guess_guessed += rg.guessed;
    int differs = om.len != a.len || memcmp(om.cp, a.cp, a.len * sizeof *a.cp) != 0;
    if (differs && rm.marked == 0) t->mark_silent++;
    if (rm.marked && st.v[ZHFIX_STAT_UNRECOVERABLE_SPANS] == 0) t->mark_unreported++;
    if ((mm.out_bad || miss || (differs && rm.marked == 0)) && t->shown < show) {
      t->shown++;
      fprintf(stderr, "  %s%zu wrong, %zu determined but not restored\n   orig:  ",
              differs && rm.marked == 0 ? "SILENT " : "", mm.out_bad, miss);
      print_text(stderr, &a, NULL);
      fprintf(stderr, "   dam:   ");
      print_text(stderr, &in, NULL);
      fprintf(stderr, "   bytes: ");
      print_text(stderr, &ob, NULL);
      fprintf(stderr, "   mark:  ");
      print_text(stderr, &om, NULL);
      fprintf(stderr, "   guess: ");
      print_text(stderr, &og, f);
      fprintf(stderr, "   scores: original %.3f, guess %.3f (%s)\n", zf_lm_score(a.cp, a.len),
              zf_lm_score(og.cp, og.len),
              zf_lm_score(a.cp, a.len) > zf_lm_score(og.cp, og.len) ? "search error" : "model error");
    }
  }
  zf_text_free(&a);
  zf_text_free(&in);
  zf_text_free(&ob);
  zf_text_free(&om);
  zf_text_free(&og);
  free(fb);
  free(fm);
  free(mb.a_ok);
  free(mm.a_ok);
  free(mg.a_ok);
  free(orig);
  free(dam);
  free(fl);
}

/* The classes make test gates.  The others (the dropping decoders with a
 * double-byte source or a Big5 reader, double-byte text read as UTF-8)
 * cost the lattice up to seconds a line on this machine: LOST_CLASSES=all runs them too, with the same
 * assertions (tools/lost_heldout.sh does). */
static const char *const gated[] = {
    "utf8-as-py-gbk-replace",     "utf8-as-py-gbk-ignore",      "utf8-as-whatwg-gbk-replace",
    "utf8-as-icu-gbk-replace",    "utf8-as-icu-gbk-qmark",      "utf8-as-glibc-gbk-ignore",
    "utf8-as-py-big5-replace",    "gbk-as-py-big5-replace",     "gbk-as-whatwg-big5-replace",
    "gbk-as-icu-big5-replace",    "big5-as-py-gbk-replace",     "utf8-as-py-cp1252-replace",
};

static int is_gated(const char *name) {
  const char *all = getenv("LOST_CLASSES");
  if (all && strcmp(all, "all") == 0) return 1;
  for (size_t i = 0; i < sizeof gated / sizeof *gated; i++)
    if (strcmp(gated[i], name) == 0) return 1;
  return 0;
}

static void test_classes(void **state) {
  (void)state;
  const char *dir = lossy_dir();
  if (!dir) fail_msg("lost: tools/lossy_sim.py failed (is the corpus built? make corpus)");
  tu_lossy_manifest man;
  tu_lossy_manifest_read(dir, "lost", &man);
  zf_lost_tables *tab;
  zf_lost *l = tu_lossy_reader(&tab);
  const char *only = getenv("LOST_ONLY");
  int bad = 0, classes = 0;
  fprintf(stderr, "lost %-28s %6s %8s | %7s | %7s %7s %7s | %7s %7s %7s\n", "class", "lines",
          "non-ASCII", "bytes", "mark", "wrong", "marked", "guess", "wrong", "guessed");
  for (size_t c = 0; c < man.n; c++) {
    const char *name = man.names[c];
    if (only && *only ? strcmp(only, name) != 0 : !is_gated(name)) continue;
    tally t;
    run_class(l, dir, name, &t);
    classes++;
    fprintf(stderr,
            "lost %-28s %6zu %8zu | %6.2f%% | %6.2f%% %6.3f%% %6.2f%% | %6.2f%% %6.3f%% %6.2f%% | "
            "not fitting %zu, silent %zu, determined not restored %zu, unreported %zu\n",
            name, t.lines, t.nonascii, tu_pct(t.ceiling, t.nonascii), tu_pct(t.mark_ok, t.nonascii),
            tu_pct(t.mark_wrong, t.nonascii), tu_pct(t.mark_marked, t.nonascii), tu_pct(t.guess_ok, t.nonascii),
            tu_pct(t.guess_wrong, t.nonascii), tu_pct(t.guess_guessed, t.nonascii), t.nofit, t.mark_silent,
            t.missed_ceiling, t.mark_unreported);
    if (t.lines == 0) continue;
    int ok = t.mark_wrong * 200 < t.nonascii && t.missed_ceiling == 0 && t.mark_silent == 0 &&
             t.mark_unreported == 0 && t.nofit == 0;
    if (!ok) {
      fprintf(stderr, "lost %-28s FAILS\n", name);
      bad++;
    }
  }
  zf_lost_free(l);
  zf_lost_tables_free(tab);
  tu_lossy_manifest_free(&man);
  assert_true(classes > 0);
  assert_int_equal(bad, 0);
}

/* ---- detection ------------------------------------------------------------ */

static int same_hyp(const zf_lost_hyp *a, const zf_lost_hyp *b) {
  return a->src == b->src && a->reader == b->reader && a->style == b->style;
}

/* Lenient UTF-8 check (the world corpus holds other encodings too). */
static int valid_utf8(const char *p, size_t n) {
  const unsigned char *s = (const unsigned char *)p;
  for (size_t i = 0; i < n;) {
    unsigned c = s[i];
    size_t k = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (!k || i + k > n) return 0;
    for (size_t j = 1; j < k; j++)
      if ((s[i + j] & 0xC0) != 0x80) return 0;
    i += k;
  }
  return 1;
}

/* Every line of text[0..n) through every hypothesis: the lines some
 * hypothesis fires on (shown up to `show`); *drop_only counts those on
 * which only dropping hypotheses (no marker to go by) fire. */
static size_t clean_fires(zf_lost *l, const char *what, const char *text, size_t n, size_t *lines,
                          size_t show, size_t *drop_only) {
  tu_lines it = {text, text + n};
  const char *ln;
  size_t nl, fires = 0;
  zf_text t = {0};
  char buf[65600];
  while ((ln = tu_next_line(&it, &nl))) {
    if (nl + 1 >= sizeof buf || !valid_utf8(ln, nl)) continue;
    (*lines)++;
    memcpy(buf, ln, nl);
    buf[nl] = '\n';
    tu_text_valid(buf, nl + 1, &t);
    int marked = 0, dropped = 0;
    for (size_t k = 0; k < zf_lost_nall_hyps && !marked; k++) {
      double g;
      if (!zf_lost_detect(l, &zf_lost_all_hyps[k], &t, &g)) continue;
      if (zf_lost_all_hyps[k].style == ZF_LOST_DROP) {
        dropped = 1;
        continue;
      }
      marked = 1;
      if (fires < show)
        fprintf(stderr, "  %s: %s-as-%s-%d fires (gain %.2f): %.*s\n", what,
                zf_lost_codec_name(zf_lost_all_hyps[k].src), zf_lost_codec_name(zf_lost_all_hyps[k].reader),
                (int)zf_lost_all_hyps[k].style, g, (int)(nl < 200 ? nl : 200), ln);
    }
    fires += marked;
    if (dropped && !marked) (*drop_only)++;
  }
  zf_text_free(&t);
  return fires;
}

/* Clean text: no hypothesis fires on any line of the corpora; on the
 * world corpus (when $ZHFIX_WORLD_DIR points at one, tools/make_world.py)
 * no hypothesis with markers fires.  The dropping hypotheses have no
 * marker to go by: their fires on the world corpus (dictionaries, word
 * lists, Japanese) are printed, not gated -- the pipeline (phase 2) must
 * not run them on such files without other evidence (docs/repair-lost.md). */
static void test_detect_clean(void **state) {
  (void)state;
  zf_lost_tables *tab;
  assert_int_equal(zf_lost_tables_new(&tab, NULL, 0), 0);
  zf_lost *l = zf_lost_new(tab);
  static const char *names[] = {"zh_CN.txt", "zh_TW.txt", "fortunes.txt", "mixed.txt"};
  size_t total = 0, lines = 0;
  for (size_t i = 0; i < 4; i++) {
    size_t n;
    char *text = tu_read_file(tu_corpus(names[i]), &n);
    if (!text) fail_msg("lost: %s missing (make corpus)", tu_corpus(names[i]));
    if (tu_quick() && n > 300000) n = 300000;
    size_t ln0 = lines, dr = 0, f = clean_fires(l, names[i], text, n, &lines, 5, &dr);
    fprintf(stderr, "lost clean %-14s %8zu lines: %zu fire, %zu more with a dropping hypothesis\n",
            names[i], lines - ln0, f, dr);
    total += f + dr;
    free(text);
  }
  const char *world = getenv("ZHFIX_WORLD_DIR");
  if (world && *world) {
    char path[4200];
    snprintf(path, sizeof path, "%s/MANIFEST.tsv", world);
    size_t mn;
    char *man = tu_read_file(path, &mn);
    if (!man) fail_msg("lost: %s missing", path);
    tu_lines it = {man, man + mn};
    const char *ln;
    size_t nl, files = 0, wl = 0, wf = 0, wd = 0;
    while ((ln = tu_next_line(&it, &nl))) {
      const char *tab1 = memchr(ln, '\t', nl);
      if (!tab1 || strncmp(ln, "kind\t", 5) == 0) continue;
      const char *tab2 = memchr(tab1 + 1, '\t', nl - (size_t)(tab1 + 1 - ln));
      if (!tab2) continue;
      snprintf(path, sizeof path, "%s/%.*s", world, (int)(tab2 - tab1 - 1), tab1 + 1);
      size_t n;
      char *text = tu_read_file(path, &n);
      if (!text) continue;
      files++;
      wf += clean_fires(l, path, text, n, &wl, 5, &wd);
      free(text);
    }
    free(man);
    fprintf(stderr, "lost clean world %zu files, %zu lines: %zu fire with markers, %zu with a dropping hypothesis only (not gated)\n",
            files, wl, wf, wd);
    total += wf;
  }
  zf_lost_free(l);
  zf_lost_tables_free(tab);
  assert_int_equal(total, 0);
}

/* Damaged lines: the class's own hypothesis fires, and is the one with
 * the best gain (or one that rebuilds the same text). */
static void test_detect_damaged(void **state) {
  (void)state;
  const char *dir = lossy_dir();
  if (!dir) fail_msg("lost: tools/lossy_sim.py failed (make corpus)");
  tu_lossy_manifest man;
  tu_lossy_manifest_read(dir, "lost", &man);
  zf_lost_tables *tab;
  zf_lost *l = tu_lossy_reader(&tab);
  const char *only = getenv("LOST_ONLY");
  zf_text in = {0};
  char buf[65600];
  for (size_t c = 0; c < man.n; c++) {
    const char *name = man.names[c];
    if (only && *only && strcmp(only, name) != 0) continue;
    zf_lost_hyp h;
    assert_int_equal(tu_lossy_parse_class(name, &h), 0);
    int listed = 0;
    for (size_t q = 0; q < zf_lost_nall_hyps; q++) listed |= same_hyp(&h, &zf_lost_all_hyps[q]);
    size_t nd, nf;
    char *dam = tu_lossy_class_file(dir, name, "dam", &nd);
    char *fl = tu_lossy_class_file(dir, name, "lossy", &nf);
    tu_lines id = {dam, dam + nd}, ifl = {fl, fl + nf};
    const char *ld, *lf;
    size_t nld, nlf, lines = 0, own = 0, best_own = 0, none = 0;
    while ((ld = tu_next_line(&id, &nld)) && (lf = tu_next_line(&ifl, &nlf))) {
      if (nlf < 1 || lf[0] != '1' || nld + 1 >= sizeof buf) continue;
      lines++;
      memcpy(buf, ld, nld);
      buf[nld] = '\n';
      tu_text_valid(buf, nld + 1, &in);
      double bg = -1e30, og = -1e30;
      int fired = 0;
      for (size_t q = 0; q < zf_lost_nall_hyps; q++) {
        double g;
        int f = zf_lost_detect(l, &zf_lost_all_hyps[q], &in, &g);
        if (!f) continue;
        fired = 1;
        if (same_hyp(&h, &zf_lost_all_hyps[q])) own++, og = g;
        if (g > bg) bg = g;
      }
      none += !fired;
      /* the class's own reading has the best gain (several readings of
       * the same surviving characters tie: py-gbk and icu-gbk for UTF-8) */
      best_own += fired && og >= bg - 1e-9;
    }
    fprintf(stderr, "lost detect %-28s %6zu lossy lines: own class fires %6.2f%%, best gain %6.2f%%, nothing fires %6.2f%%%s\n",
            name, lines, tu_pct(own, lines), tu_pct(best_own, lines), tu_pct(none, lines),
            listed ? "" : " (not a detected class)");
    /* Big5 read by CPython's GBK decoder: after a U+FFFD the surviving
     * bytes start with the lost character's trail, and detection reads
     * them in both phases (84.00% of the gate slice's lines fire, 79.41%
     * of the sanitizer slice's; 74.67% of the gate slice's when read in
     * one phase only) */
    if (!strcmp(name, "big5-as-py-gbk-replace")) assert_true(own * 100 >= lines * 77);
    free(dam);
    free(fl);
  }
  zf_text_free(&in);
  zf_lost_free(l);
  zf_lost_tables_free(tab);
  tu_lossy_manifest_free(&man);
}

/* UTF-8's shape (zf_lost_utf8_shaped): the lossy lines of UTF-8 read by
 * a Big5 decoder with U+FFFD have it under their own decoder, GBK read by
 * that decoder does not (the stage skips the double-byte search on a line
 * that has it, so a GBK line taken for one would lose its repair). */
static void test_utf8_shape(void **state) {
  (void)state;
  const char *dir = lossy_dir();
  if (!dir) fail_msg("lost: tools/lossy_sim.py failed (make corpus)");
  static const char *const u8[] = {"utf8-as-py-big5-replace", "utf8-as-whatwg-big5-replace",
                                   "utf8-as-icu-big5-replace"};
  static const char *const gbk[] = {"gbk-as-py-big5-replace", "gbk-as-whatwg-big5-replace",
                                    "gbk-as-icu-big5-replace"};
  zf_lost_tables *tab;
  assert_int_equal(zf_lost_tables_new(&tab, NULL, 0), 0);
  zf_lost *l = zf_lost_new(tab);
  zf_text in = {0};
  char buf[65600];
  for (int src = 0; src < 2; src++) {
    for (int c = 0; c < 3; c++) {
      const char *name = src ? gbk[c] : u8[c];
      zf_lost_hyp h;
      assert_int_equal(tu_lossy_parse_class(name, &h), 0);
      size_t nd, nf;
      char *dam = tu_lossy_class_file(dir, name, "dam", &nd);
      char *fl = tu_lossy_class_file(dir, name, "lossy", &nf);
      tu_lines id = {dam, dam + nd}, ifl = {fl, fl + nf};
      const char *ld, *lf;
      size_t nld, nlf, lines = 0, shaped = 0;
      while ((ld = tu_next_line(&id, &nld)) && (lf = tu_next_line(&ifl, &nlf))) {
        if (nlf < 1 || lf[0] != '1' || nld + 1 >= sizeof buf) continue;
        memcpy(buf, ld, nld);
        buf[nld] = '\n';
        tu_text_valid(buf, nld + 1, &in);
        size_t big = 0;
        for (size_t i = 0; i < in.len; i++) big += in.cp[i] >= 0x80 && in.cp[i] != 0xFFFD;
        if (big < 8) continue; /* too short to have a shape either way */
        lines++;
        shaped += zf_lost_utf8_shaped(l, h.reader, &in) != 0;
      }
      fprintf(stderr, "lost shape %-28s %4zu lossy lines of 8+ characters: %6.2f%% have UTF-8's shape\n", name,
              lines, tu_pct(shaped, lines));
      assert_true(lines > 0);
      if (src) assert_int_equal(shaped, 0);
      else assert_true(shaped * 10 >= lines * 9);
      free(dam);
      free(fl);
    }
  }
  zf_text_free(&in);
  zf_lost_free(l);
  zf_lost_tables_free(tab);
}

/* Detection reads a double-byte source in both phases after a marker:
 * "PCPU 時間是當前程序所用的時間，即對應“what”一欄的程序名。" in Big5 read
 * by CPython's GBK decoder scores 2.8 (under the 3.0 margin) read in one
 * phase, 65.5 in both. */
static void test_detect_phase(void **state) {
  (void)state;
  static const uint32_t dam[] = {'P',    'C',    'P',    'U',    ' ',    0xfffd, 0x5565, 0x2016, 'O',
                                 0x8bbd, 0x73a1, 0x7958, 0xfffd, 0x7b7e, 0x8c23, 0x4e3a, 0x5bd2, 0x5565,
                                 0x3000, 'A',    0xfffd, 'Y',    0x7678, 0x83b1, 0xa8,   'w',    'h',
                                 'a',    't',    0x3003, 0xfffd, '@',    0x9006, 0xfffd, 0x65f1, '{',
                                 0xfffd, 0x94c5, 'W',    0xfffd, 'C',    '\n'};
  zf_lost_tables *tab;
  assert_int_equal(zf_lost_tables_new(&tab, NULL, 0), 0);
  zf_lost *l = zf_lost_new(tab);
  zf_text in = {0};
  for (size_t i = 0; i < sizeof dam / sizeof dam[0]; i++) assert_int_equal(zf_text_push(&in, dam[i], i), 0);
  zf_lost_hyp h = {ZF_LC_PY_CP950, ZF_LC_PY_GBK, ZF_LOST_REPLACE};
  double g;
  assert_true(zf_lost_detect(l, &h, &in, &g));
  assert_true(g >= 10.0);
  zf_text_free(&in);
  zf_lost_free(l);
  zf_lost_tables_free(tab);
}

/* ---- UTF-8 read as Big5: the gap filler (lost_u8.c) ------------------------------ */

/* Is c one of the characters of the UTF-8 string o? */
static int in_utf8(const char *o, uint32_t c) {
  zf_text t = {0};
  tu_text_valid(o, strlen(o), &t);
  int found = 0;
  for (size_t i = 0; i < t.len && !found; i++) found = t.cp[i] == c;
  zf_text_free(&t);
  return found;
}

/* The filler writes only characters the bytes determine or the model
 * fills by the margin, marks the rest, and refuses text that is not
 * UTF-8 read by a Big5 decoder.  On the gate slice's UTF-8-as-Big5 lines
 * (all three decoders) every character it keeps is the original's, its
 * wrong fills stay under 0.5% and it restores more than the bytes-only
 * share the old path left (the lines went through unsearched); it
 * refuses nearly every GBK-as-Big5 line. */
static void test_u8_fill(void **state) {
  (void)state;
  zf_lost_tables *tab;
  assert_int_equal(zf_lost_tables_new(&tab, NULL, 0), 0);
  zf_lost *l = zf_lost_new(tab);
  zf_text in = {0}, out = {0};
  zf_lost_result res;
  /* 请将错误报告发到这个地址，谢谢你们的帮助。 as UTF-8, read by CPython's big5 */
  static const char orig[] = "\xe8\xaf\xb7\xe5\xb0\x86\xe9\x94\x99\xe8\xaf\xaf\xe6\x8a\xa5\xe5\x91\x8a\xe5\x8f\x91"
                             "\xe5\x88\xb0\xe8\xbf\x99\xe4\xb8\xaa\xe5\x9c\xb0\xe5\x9d\x80\xef\xbc\x8c\xe8\xb0\xa2"
                             "\xe8\xb0\xa2\xe4\xbd\xa0\xe4\xbb\xac\xe7\x9a\x84\xe5\xb8\xae\xe5\x8a\xa9\xe3\x80\x82";
  static const uint32_t dam[] = {0x9702, 0x7455, 0xfffd, 0xfffd, 0xfffd, 0xfffd, 0xfffd, 0x9702, 0x8200,
                                 0xfffd, 0x4e99, 0xfffd, 0xfffd, 0xfffd, 0xfffd, 0xfffd, 0xfffd, 0xfffd,
                                 0x5557, 0xfffd, 0xfffd, 0x929d, 0x82b8, 0xfffd, 0x5563, 0xfffd, 0xfffd,
                                 0x5697, 0xfffd, 0x975a, 0xff3a, 0x965d, 0x96ff, 0xfffd, 0x969e, 0x7949,
                                 0xfffd, 0xfffd, 0x64a3, 0x6840, 0xfffd, 0x62bc, 0xfffd, 0xfffd, '\n'};
  for (size_t i = 0; i < sizeof dam / sizeof dam[0]; i++) assert_int_equal(zf_text_push(&in, dam[i], i), 0);
  assert_true(zf_lost_utf8_shaped(l, ZF_LC_PY_BIG5, &in));
  assert_int_equal(zf_lost_u8_fill(l, ZF_LC_PY_BIG5, ZF_LOST_MARK, &in, &out, &res), 0);
  size_t nf, kept = 0, marked = 0;
  const uint8_t *f = zf_lost_flags(l, &nf);
  assert_int_equal(nf, out.len);
  for (size_t i = 0; i < out.len; i++) {
    if (out.cp[i] == '\n') continue;
    if (f[i] == ZF_LOST_MARKED) {
      assert_int_equal(out.cp[i], 0xFFFD);
      marked++;
    } else {
      assert_true(f[i] == ZF_LOST_KEPT || f[i] == ZF_LOST_FILLED);
      assert_true(in_utf8(orig, out.cp[i])); /* 请 谢谢 们 帮 ... */
      kept++;
    }
  }
  assert_true(kept >= 5);
  assert_true(marked >= 5);
  /* GBK read by the same decoder (本软件是自由软件：...) is not pieces of UTF-8 */
  static const char gbk[] = "\xe6\x8e\x9b\xef\xbf\xbd\xe7\xaf\xb2\xef\xbf\xbd\xe5\xb2\x86\xe8\xb5\xbb\xe8\x9a\x95\n";
  tu_text_valid(gbk, strlen(gbk), &in);
  out.len = 0;
  assert_int_equal(zf_lost_u8_fill(l, ZF_LC_PY_BIG5, ZF_LOST_MARK, &in, &out, &res), ZF_LOST_NOFIT);
  assert_int_equal(out.len, 0);

  const char *dir = lossy_dir();
  if (!dir) fail_msg("lost: tools/lossy_sim.py failed (make corpus)");
  static const char *const u8[] = {"utf8-as-py-big5-replace", "utf8-as-whatwg-big5-replace",
                                   "utf8-as-icu-big5-replace", "gbk-as-py-big5-replace"};
  char buf[65600];
  for (int c = 0; c < 4; c++) {
    zf_lost_hyp h;
    assert_int_equal(tu_lossy_parse_class(u8[c], &h), 0);
    size_t nd, no, nl;
    char *dm = tu_lossy_class_file(dir, u8[c], "dam", &nd), *og = tu_lossy_class_file(dir, u8[c], "orig", &no),
         *fl = tu_lossy_class_file(dir, u8[c], "lossy", &nl);
    tu_lines id = {dm, dm + nd}, io = {og, og + no}, ifl = {fl, fl + nl};
    const char *ld, *lo, *lf;
    size_t nld, nlo, nlf, lines = 0, fits = 0, want = 0, got = 0, wrong = 0, bad_kept = 0;
    while ((ld = tu_next_line(&id, &nld)) && (lo = tu_next_line(&io, &nlo)) && (lf = tu_next_line(&ifl, &nlf))) {
      if (nlf < 1 || lf[0] != '1' || nld + 1 >= sizeof buf || nlo + 1 >= sizeof buf) continue;
      memcpy(buf, ld, nld);
      buf[nld] = '\n';
      tu_text_valid(buf, nld + 1, &in);
      char o[65600];
      memcpy(o, lo, nlo);
      o[nlo] = 0;
      zf_text ot = {0};
      tu_text_valid(o, nlo, &ot);
      for (size_t i = 0; i < ot.len; i++) want += ot.cp[i] >= 0x80;
      lines++;
      out.len = 0;
      int rc = zf_lost_u8_fill(l, h.reader, ZF_LOST_MARK, &in, &out, &res);
      assert_true(rc == 0 || rc == ZF_LOST_NOFIT);
      if (rc == 0) {
        fits++;
        f = zf_lost_flags(l, &nf);
        /* matched against the original in order (each character once) */
        size_t at = 0;
        for (size_t i = 0; i < out.len; i++) {
          if (out.cp[i] < 0x80 || f[i] == ZF_LOST_MARKED) continue;
          size_t k = at;
          while (k < ot.len && ot.cp[k] != out.cp[i]) k++;
          if (k < ot.len) {
            got++;
            at = k + 1;
          } else {
            wrong++;
            bad_kept += f[i] == ZF_LOST_KEPT;
          }
        }
      }
      zf_text_free(&ot);
    }
    fprintf(stderr, "lost u8 fill %-28s %4zu lossy lines, %4zu fit: restored %6.2f%%, wrong %.3f%% (%zu kept)\n",
            u8[c], lines, fits, tu_pct(got, want), tu_pct(wrong, want), bad_kept);
    assert_true(lines > 0);
    if (c < 3) {
      assert_true(fits * 2 >= lines);    /* the lines of 8+ bytes, and more */
      assert_true(got * 100 >= want * 10); /* more than the old path's 3-17% */
      assert_true(wrong * 200 < want);     /* under 0.5% */
      assert_true(bad_kept * 1000 <= want);
    } else {
      assert_true(fits * 5 <= lines); /* GBK read as Big5: refused (the stage asks for UTF-8's shape first) */
    }
    free(dm);
    free(og);
    free(fl);
  }
  zf_text_free(&in);
  zf_text_free(&out);
  zf_lost_free(l);
  zf_lost_tables_free(tab);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_detect_clean),
      cmocka_unit_test(test_detect_damaged),
      cmocka_unit_test(test_utf8_shape),
      cmocka_unit_test(test_u8_fill),
      cmocka_unit_test(test_detect_phase),
      cmocka_unit_test(test_classes),
  };
  /* LOST_TEST=name runs one test (for work on them) */
  if (getenv("LOST_TEST")) cmocka_set_test_filter(getenv("LOST_TEST"));
  return cmocka_run_group_tests(tests, NULL, NULL);
}
