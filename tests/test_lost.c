/*
 * The lost-byte lattice (src/lost.c, issue #15) on simulated damage.
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

/* Valid UTF-8 -> code points with byte offsets (tests/util/tu_text.c). */
static void to_text(const char *p, size_t n, zf_text *t) { assert_int_equal(tu_text_utf8(p, n, t, 0), 0); }

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

static int parse_class(const char *name, zf_lost_hyp *h) {
  char src[32], rd[32], st[32];
  const char *as = strstr(name, "-as-");
  if (!as) return -1;
  snprintf(src, sizeof src, "%.*s", (int)(as - name), name);
  const char *rest = as + 4, *dash = strrchr(rest, '-');
  if (!dash) return -1;
  snprintf(rd, sizeof rd, "%.*s", (int)(dash - rest), rest);
  snprintf(st, sizeof st, "%s", dash + 1);
  h->src = strcmp(src, "utf8") == 0   ? ZF_LC_UTF8
           : strcmp(src, "gbk") == 0  ? ZF_LC_PY_GBK
           : strcmp(src, "big5") == 0 ? ZF_LC_PY_CP950
                                      : ZF_LC__COUNT;
  int r = zf_lost_codec_by_name(rd);
  if (h->src == ZF_LC__COUNT || r < 0) return -1;
  h->reader = (zf_lost_codec_id)r;
  h->style = strcmp(st, "replace") == 0 ? ZF_LOST_REPLACE
             : strcmp(st, "qmark") == 0 ? ZF_LOST_QMARK
                                        : ZF_LOST_DROP;
  return 0;
}

/* The simulator's file DIR/NAME.EXT, read whole; fails the test when it
 * is missing. */
static char *class_file(const char *dir, const char *name, const char *ext, size_t *n) {
  char *text = tu_lossy_file(dir, name, ext, n);
  if (!text) fail_msg("lost: %s/%s.%s missing", dir, name, ext);
  return text;
}

static void run_class(zf_lost *l, const char *dir, const char *name, tally *t) {
  memset(t, 0, sizeof *t);
  zf_lost_hyp h;
  assert_int_equal(parse_class(name, &h), 0);
  size_t no, nd, nf;
  char *orig = class_file(dir, name, "orig", &no);
  char *dam = class_file(dir, name, "dam", &nd);
  char *fl = class_file(dir, name, "lossy", &nf);
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
    to_text(buf, nlo + 1, &a);
    memcpy(buf, ld, nld);
    buf[nld] = '\n';
    to_text(buf, nld + 1, &in);
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

static double pct(size_t a, size_t b) { return b ? 100.0 * (double)a / (double)b : 0.0; }

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
  char path[4200];
  snprintf(path, sizeof path, "%s/MANIFEST.tsv", dir);
  size_t n;
  char *man = tu_read_file(path, &n);
  if (!man) fail_msg("lost: %s missing", path);
  zf_lost_tables *tab;
  assert_int_equal(zf_lost_tables_new(&tab, NULL, 0), 0);
  zf_lost *l = zf_lost_new(tab);
  assert_non_null(l);
  const char *only = getenv("LOST_ONLY");
  tu_lines it = {man, man + n};
  const char *ln;
  size_t nl;
  int bad = 0, classes = 0;
  fprintf(stderr, "lost %-28s %6s %8s | %7s | %7s %7s %7s | %7s %7s %7s\n", "class", "lines",
          "non-ASCII", "bytes", "mark", "wrong", "marked", "guess", "wrong", "guessed");
  while ((ln = tu_next_line(&it, &nl))) {
    if (nl == 0 || ln[0] == '#') continue;
    char name[128];
    size_t k = 0;
    while (k < nl && ln[k] != '\t' && k + 1 < sizeof name) name[k] = ln[k], k++;
    name[k] = 0;
    if (only && *only ? strcmp(only, name) != 0 : !is_gated(name)) continue;
    tally t;
    run_class(l, dir, name, &t);
    classes++;
    fprintf(stderr,
            "lost %-28s %6zu %8zu | %6.2f%% | %6.2f%% %6.3f%% %6.2f%% | %6.2f%% %6.3f%% %6.2f%% | "
            "not fitting %zu, silent %zu, determined not restored %zu, unreported %zu\n",
            name, t.lines, t.nonascii, pct(t.ceiling, t.nonascii), pct(t.mark_ok, t.nonascii),
            pct(t.mark_wrong, t.nonascii), pct(t.mark_marked, t.nonascii), pct(t.guess_ok, t.nonascii),
            pct(t.guess_wrong, t.nonascii), pct(t.guess_guessed, t.nonascii), t.nofit, t.mark_silent,
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
  free(man);
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
    to_text(buf, nl + 1, &t);
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
  char path[4200];
  snprintf(path, sizeof path, "%s/MANIFEST.tsv", dir);
  size_t n;
  char *man = tu_read_file(path, &n);
  if (!man) fail_msg("lost: %s missing", path);
  zf_lost_tables *tab;
  assert_int_equal(zf_lost_tables_new(&tab, NULL, 0), 0);
  zf_lost *l = zf_lost_new(tab);
  tu_lines it = {man, man + n};
  const char *ln;
  size_t nl;
  const char *only = getenv("LOST_ONLY");
  zf_text in = {0};
  char buf[65600];
  while ((ln = tu_next_line(&it, &nl))) {
    if (nl == 0 || ln[0] == '#') continue;
    char name[128];
    size_t k = 0;
    while (k < nl && ln[k] != '\t' && k + 1 < sizeof name) name[k] = ln[k], k++;
    name[k] = 0;
    if (only && *only && strcmp(only, name) != 0) continue;
    zf_lost_hyp h;
    assert_int_equal(parse_class(name, &h), 0);
    int listed = 0;
    for (size_t q = 0; q < zf_lost_nall_hyps; q++) listed |= same_hyp(&h, &zf_lost_all_hyps[q]);
    size_t nd, nf;
    char *dam = class_file(dir, name, "dam", &nd);
    char *fl = class_file(dir, name, "lossy", &nf);
    tu_lines id = {dam, dam + nd}, ifl = {fl, fl + nf};
    const char *ld, *lf;
    size_t nld, nlf, lines = 0, own = 0, best_own = 0, none = 0;
    while ((ld = tu_next_line(&id, &nld)) && (lf = tu_next_line(&ifl, &nlf))) {
      if (nlf < 1 || lf[0] != '1' || nld + 1 >= sizeof buf) continue;
      lines++;
      memcpy(buf, ld, nld);
      buf[nld] = '\n';
      to_text(buf, nld + 1, &in);
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
            name, lines, pct(own, lines), pct(best_own, lines), pct(none, lines),
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
  free(man);
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
      assert_int_equal(parse_class(name, &h), 0);
      size_t nd, nf;
      char *dam = class_file(dir, name, "dam", &nd);
      char *fl = class_file(dir, name, "lossy", &nf);
      tu_lines id = {dam, dam + nd}, ifl = {fl, fl + nf};
      const char *ld, *lf;
      size_t nld, nlf, lines = 0, shaped = 0;
      while ((ld = tu_next_line(&id, &nld)) && (lf = tu_next_line(&ifl, &nlf))) {
        if (nlf < 1 || lf[0] != '1' || nld + 1 >= sizeof buf) continue;
        memcpy(buf, ld, nld);
        buf[nld] = '\n';
        to_text(buf, nld + 1, &in);
        size_t big = 0;
        for (size_t i = 0; i < in.len; i++) big += in.cp[i] >= 0x80 && in.cp[i] != 0xFFFD;
        if (big < 8) continue; /* too short to have a shape either way */
        lines++;
        shaped += zf_lost_utf8_shaped(l, h.reader, &in) != 0;
      }
      fprintf(stderr, "lost shape %-28s %4zu lossy lines of 8+ characters: %6.2f%% have UTF-8's shape\n", name,
              lines, pct(shaped, lines));
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
  to_text(o, strlen(o), &t);
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
  to_text(gbk, strlen(gbk), &in);
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
    assert_int_equal(parse_class(u8[c], &h), 0);
    size_t nd, no, nl;
    char *dm = class_file(dir, u8[c], "dam", &nd), *og = class_file(dir, u8[c], "orig", &no),
         *fl = class_file(dir, u8[c], "lossy", &nl);
    tu_lines id = {dm, dm + nd}, io = {og, og + no}, ifl = {fl, fl + nl};
    const char *ld, *lo, *lf;
    size_t nld, nlo, nlf, lines = 0, fits = 0, want = 0, got = 0, wrong = 0, bad_kept = 0;
    while ((ld = tu_next_line(&id, &nld)) && (lo = tu_next_line(&io, &nlo)) && (lf = tu_next_line(&ifl, &nlf))) {
      if (nlf < 1 || lf[0] != '1' || nld + 1 >= sizeof buf || nlo + 1 >= sizeof buf) continue;
      memcpy(buf, ld, nld);
      buf[nld] = '\n';
      to_text(buf, nld + 1, &in);
      char o[65600];
      memcpy(o, lo, nlo);
      o[nlo] = 0;
      zf_text ot = {0};
      to_text(o, nlo, &ot);
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
            u8[c], lines, fits, pct(got, want), pct(wrong, want), bad_kept);
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

/* ---- the pipeline (issue #15 phase 2) ---------------------------------------- */

/* Lines of a class, lossy ones or lossless ones, as one document. */
static char *class_doc(const char *dir, const char *name, int want_lossy, size_t max, int orig,
                       size_t *len, size_t *nlines) {
  size_t nd, nf;
  char *dam = class_file(dir, name, orig ? "orig" : "dam", &nd);
  char *fl = class_file(dir, name, "lossy", &nf);
  char *doc = malloc(nd + 1);
  assert_non_null(doc);
  size_t w = 0, k = 0;
  tu_lines id = {dam, dam + nd}, ifl = {fl, fl + nf};
  const char *ld, *lf;
  size_t nld, nlf;
  while (k < max && (ld = tu_next_line(&id, &nld)) && (lf = tu_next_line(&ifl, &nlf))) {
    if (nlf < 1 || (lf[0] == '1') != want_lossy) continue;
    memcpy(doc + w, ld, nld);
    w += nld;
    doc[w++] = '\n';
    k++;
  }
  doc[w] = 0;
  free(dam);
  free(fl);
  *len = w;
  *nlines = k;
  return doc;
}

static size_t count_str(const char *s, size_t n, const char *what) {
  size_t c = 0, wl = strlen(what);
  for (size_t i = 0; i + wl <= n; i++)
    if (!memcmp(s + i, what, wl)) c++;
  return c;
}

/* Through the public API: a document of lossy lines comes out with the
 * same lines, the lines the lattice rebuilt counted, every mark reported;
 * guess mode fills marks and counts the fills; the marker option shows in
 * the marked places; a clean document is unchanged. */
static void test_pipeline(void **state) {
  (void)state;
  const char *dir = lossy_dir();
  if (!dir) fail_msg("lost: tools/lossy_sim.py failed (make corpus)");
  static const char *const classes[] = {"utf8-as-py-gbk-replace", "gbk-as-py-big5-replace",
                                        "utf8-as-icu-gbk-qmark", "big5-as-py-gbk-replace"};
  for (size_t c = 0; c < sizeof classes / sizeof classes[0]; c++) {
    size_t len, nlines, olen, onl;
    char *doc = class_doc(dir, classes[c], 1, 12, 0, &len, &nlines);
    char *orig = class_doc(dir, classes[c], 1, 12, 1, &olen, &onl);
    assert_int_equal(nlines, onl);
    assert_true(nlines >= 4);
    zhfix *h = zhfix_create();
    assert_non_null(h);
    assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_PUNCT, 0), ZHFIX_OK);
    char *out;
    size_t n;
    /* mark is the default; with off the lattice does not run */
    assert_int_equal(zhfix_get_option(h, ZHFIX_OPT_LOST), ZHFIX_LOST_MARK);
    assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_LOST, ZHFIX_LOST_OFF), ZHFIX_OK);
    assert_int_equal(zhfix_process(h, doc, len, &out, &n), ZHFIX_OK);
    assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_LOST_LINES), 0);
    free(out);
    assert_int_equal(zhfix_reset(h), ZHFIX_OK);
    /* mark */
    assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_LOST, ZHFIX_LOST_MARK), ZHFIX_OK);
    assert_int_equal(zhfix_process(h, doc, len, &out, &n), ZHFIX_OK);
    assert_int_equal(count_str(out, n, "\n"), nlines);
    uint64_t rebuilt = zhfix_get_stat(h, ZHFIX_STAT_LOST_LINES);
    size_t marks = count_str(out, n, "\xEF\xBF\xBD");
    fprintf(stderr, "lost pipeline %-24s %zu lines: %llu rebuilt, %zu marks, %llu spans\n", classes[c],
            nlines, (unsigned long long)rebuilt, marks,
            (unsigned long long)zhfix_get_stat(h, ZHFIX_STAT_UNRECOVERABLE_SPANS));
    /* most lines are rebuilt, but for UTF-8 read as GBK: where the lattice
     * leaves a mark, mark mode leaves those lines to the mojibake stage's
     * fills (lost_stage.c, moji_fills_better); guess mode rebuilds them */
    if (strncmp(classes[c], "utf8-as-", 8)) assert_true(rebuilt * 2 >= nlines);
    assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_LOST_GUESSED), 0);
    if (marks) assert_true(zhfix_get_stat(h, ZHFIX_STAT_UNRECOVERABLE_SPANS) > 0);
    zhfix_buffer_free(out);
    /* the marker: every U+FFFD left is in a reported span (the marker
     * option replaces exactly those) */
    assert_int_equal(zhfix_reset(h), ZHFIX_OK);
    assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_LOST_MARKER, 0x3013), ZHFIX_OK);
    assert_int_equal(zhfix_process(h, doc, len, &out, &n), ZHFIX_OK);
    assert_int_equal(count_str(out, n, "\xE3\x80\x93"), marks);
    assert_int_equal(count_str(out, n, "\xEF\xBF\xBD"), 0);
    zhfix_buffer_free(out);
    /* guess: fewer marks, the fills counted */
    assert_int_equal(zhfix_reset(h), ZHFIX_OK);
    assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_LOST_MARKER, 0), ZHFIX_OK);
    assert_int_equal(zhfix_set_option_string(h, "lost", "guess"), ZHFIX_OK);
    assert_int_equal(zhfix_process(h, doc, len, &out, &n), ZHFIX_OK);
    assert_int_equal(count_str(out, n, "\n"), nlines);
    size_t gmarks = count_str(out, n, "\xEF\xBF\xBD");
    uint64_t guessed = zhfix_get_stat(h, ZHFIX_STAT_LOST_GUESSED);
    assert_true(gmarks < marks || marks == 0);
    assert_true(guessed >= marks - gmarks);
    assert_true(zhfix_get_stat(h, ZHFIX_STAT_LOST_LINES) * 2 >= nlines);
    if (guessed) assert_true(zhfix_get_stat(h, ZHFIX_STAT_UNRECOVERABLE_SPANS) > 0);
    zhfix_buffer_free(out);
    /* the originals: nothing to do */
    assert_int_equal(zhfix_process(h, orig, olen, &out, &n), ZHFIX_OK);
    assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_LOST_LINES), 0);
    zhfix_buffer_free(out);
    assert_int_equal(zhfix_set_option_string(h, "lost", "maybe"), ZHFIX_E_INVALID);
    assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_LOST, ZHFIX_LOST_GUESS + 1), ZHFIX_E_INVALID);
    zhfix_free(h);
    free(doc);
    free(orig);
  }
}

/* The work budget (lost.h, zf_lost_set_budget; lost_stage.c, "cost"): a
 * run that exhausts it gives up with its output untouched, and so do the
 * runs after it until the budget is set again; through the pipeline, lines
 * whose search costs more than their length allows (dropped bytes of a
 * double-byte source: 100,000 steps a unit and more) come out as the
 * mojibake stage alone makes them, counted in lost_over_budget.  Nothing
 * here is timed: the budget counts search steps. */
static void test_budget(void **state) {
  (void)state;
  const char *dir = lossy_dir();
  if (!dir) fail_msg("lost: tools/lossy_sim.py failed (make corpus)");
  /* the lattice itself: a GBK-as-Big5 line */
  size_t len, nlines;
  char *doc = class_doc(dir, "gbk-as-py-big5-replace", 1, 1, 0, &len, &nlines);
  assert_int_equal(nlines, 1);
  zf_lost_tables *tab;
  assert_int_equal(zf_lost_tables_new(&tab, NULL, 0), 0);
  zf_lost *l = zf_lost_new(tab);
  assert_non_null(l);
  zf_text in, out;
  memset(&in, 0, sizeof in);
  memset(&out, 0, sizeof out);
  to_text(doc, len, &in);
  zf_lost_hyp h;
  assert_int_equal(parse_class("gbk-as-py-big5-replace", &h), 0);
  zf_lost_result res;
  assert_int_equal(zf_lost_run(l, &h, ZF_LOST_MARK, &in, &out, NULL, &res), 0); /* no budget: fits */
  size_t full = zf_lost_work(l);
  assert_true(full > 0);
  assert_true(out.len > 0);
  zf_text_clear(&out);
  zf_lost_set_budget(l, 0, full / 2); /* half the steps it takes */
  assert_int_equal(zf_lost_run(l, &h, ZF_LOST_MARK, &in, &out, NULL, &res), ZF_LOST_OVER);
  assert_int_equal(out.len, 0);
  assert_true(zf_lost_work(l) <= full / 2 + 1);
  assert_int_equal(zf_lost_run(l, &h, ZF_LOST_MARK, &in, &out, NULL, &res), ZF_LOST_OVER); /* still out */
  assert_int_equal(out.len, 0);
  zf_lost_set_budget(l, 1, 0); /* one step a unit: out within the slack */
  assert_int_equal(zf_lost_run(l, &h, ZF_LOST_MARK, &in, &out, NULL, &res), ZF_LOST_OVER);
  assert_true(zf_lost_work(l) < full);
  zf_lost_set_budget(l, 0, full); /* exactly enough */
  assert_int_equal(zf_lost_run(l, &h, ZF_LOST_MARK, &in, &out, NULL, &res), 0);
  assert_int_equal(zf_lost_work(l), full);
  zf_text_free(&in);
  zf_text_free(&out);
  zf_lost_free(l);
  zf_lost_tables_free(tab);
  free(doc);
  /* the pipeline: Big5 read as GBK with the bytes dropped */
  doc = class_doc(dir, "big5-as-py-gbk-ignore", 1, 1000, 0, &len, &nlines);
  assert_true(nlines >= 4);
  zhfix *z = zhfix_create();
  assert_non_null(z);
  char *outm, *outo;
  size_t nm, no;
  assert_int_equal(zhfix_set_option(z, ZHFIX_OPT_LOST, ZHFIX_LOST_OFF), ZHFIX_OK);
  assert_int_equal(zhfix_process(z, doc, len, &outo, &no), ZHFIX_OK);
  assert_int_equal(zhfix_get_stat(z, ZHFIX_STAT_LOST_OVER_BUDGET), 0);
  assert_int_equal(zhfix_reset(z), ZHFIX_OK);
  assert_int_equal(zhfix_set_option(z, ZHFIX_OPT_LOST, ZHFIX_LOST_MARK), ZHFIX_OK);
  assert_int_equal(zhfix_process(z, doc, len, &outm, &nm), ZHFIX_OK);
  uint64_t over = zhfix_get_stat(z, ZHFIX_STAT_LOST_OVER_BUDGET);
  fprintf(stderr, "lost budget: %zu dropped-byte Big5 lines, %llu over budget, %llu rebuilt\n", nlines,
          (unsigned long long)over, (unsigned long long)zhfix_get_stat(z, ZHFIX_STAT_LOST_LINES));
  /* Those lines are no longer searched: the linear reader of lost_drop.c
   * rebuilds most (test_dbcs_drop); a line it rejects may still go to the
   * lattice and over budget, then out as the mojibake stage makes it */
  uint64_t rebuilt = zhfix_get_stat(z, ZHFIX_STAT_LOST_LINES);
  assert_true(rebuilt * 3 >= nlines);
  assert_true(over + rebuilt <= nlines);
  assert_string_equal(zhfix_stat_name(ZHFIX_STAT_LOST_OVER_BUDGET), "lost_over_budget");
  zhfix_buffer_free(outm);
  zhfix_buffer_free(outo);
  zhfix_free(z);
  free(doc);
}

static char *run_doc(int to, int lost, const char *doc, zhfix *h) {
  char *out;
  size_t n;
  assert_int_equal(zhfix_reset(h), ZHFIX_OK);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_TO, to), ZHFIX_OK);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_LOST, lost), ZHFIX_OK);
  assert_int_equal(zhfix_process(h, doc, strlen(doc), &out, &n), ZHFIX_OK);
  return out;
}

/* Dropped bytes (iconv -c, errors="ignore") are detected and rebuilt, the
 * byte lost at the end marked and reported; garbage left unrepaired is
 * not converted (the examples). */
static void test_drop_and_no_conversion(void **state) {
  (void)state;
  zhfix *h = zhfix_create();
  assert_non_null(h);
  /* 列出目录内容 in UTF-8, read as GBK with errors="ignore" */
  char *out = run_doc(ZHFIX_TO_SIMP, ZHFIX_LOST_MARK, "\xe9\x8d\x92\xe6\xa5\x80\xe5\x9a\xad\xe9\x90\xa9\xe8\xa4\xb0"
                      "\xe6\x9b\x9e\xe5\x94\xb4\xe7\x80\xb9\n", h);
  assert_string_equal(out, "列出目录内\xEF\xBF\xBD\n");
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_LOST_LINES), 1);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_UNRECOVERABLE_SPANS), 1);
  zhfix_buffer_free(out);
  /* 锟斤拷 (U+FFFD's bytes read as GBK) is damage, reported and not
   * converted; the text around it is */
  out = run_doc(ZHFIX_TO_TRAD, ZHFIX_LOST_MARK, "标题锟斤拷这是一个测试\n", h);
  assert_string_equal(out, "標題锟斤拷這是一個測試\n");
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_UNRECOVERABLE_SPANS), 1);
  zhfix_buffer_free(out);
  /* clean text with rare characters: no drop hypothesis is taken */
  out = run_doc(ZHFIX_TO_KEEP, ZHFIX_LOST_MARK, "茇茇\n翾翾 盻盻 皜皜\nsnmpd.conf と snmpd.local.conf の再読み込み\n", h);
  assert_string_equal(out, "茇茇\n翾翾 盻盻 皜皜\nsnmpd.conf と snmpd.local.conf の再読み込み\n");
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_LOST_LINES), 0);
  zhfix_buffer_free(out);
  /* the dropping classes of the gated slice: most lines rebuilt */
  const char *dir = lossy_dir();
  if (!dir) fail_msg("lost: tools/lossy_sim.py failed (make corpus)");
  static const char *const classes[] = {"utf8-as-glibc-gbk-ignore", "utf8-as-py-gbk-ignore"};
  for (size_t c = 0; c < 2; c++) {
    size_t len, nlines;
    char *doc = class_doc(dir, classes[c], 1, 80, 0, &len, &nlines);
    assert_true(nlines >= 40);
    out = run_doc(ZHFIX_TO_KEEP, ZHFIX_LOST_MARK, doc, h);
    uint64_t rebuilt = zhfix_get_stat(h, ZHFIX_STAT_LOST_LINES);
    fprintf(stderr, "lost drop %-24s %zu lines: %llu rebuilt\n", classes[c], nlines, (unsigned long long)rebuilt);
    /* more than half: measured 65% and 70% (80 lines), 62.5% and 67%
     * (the 64 of the quick slice), on two builds of the corpus from
     * different package versions; 20 lines were too few to gate on
     * (55% to 70% between those builds) */
    assert_true(rebuilt * 2 > nlines);
    zhfix_buffer_free(out);
    free(doc);
  }
  zhfix_free(h);
}

/* ---- dropped bytes with a double-byte source (lost_drop.c) ------------------
 * GBK read by Big5 decoders and Big5 by a GBK decoder that dropped what
 * they could not read (tools/lossy_sim.py's real decoders, the gated
 * slice), each lossy line through the library on its own: a line the
 * lost stage rebuilds has no wrong character beyond 0.5% of the original's
 * non-ASCII characters over all such lines, reports damage wherever it
 * differs from the original (a mark, or an ASCII byte left as it came),
 * and has its marks reported; over a third of the lines are rebuilt (a
 * line not rebuilt goes on as before). */
static int utf8_has(const char *s, size_t n, const char *c, size_t cn) {
  for (size_t i = 0; i + cn <= n; i++)
    if (!memcmp(s + i, c, cn)) return 1;
  return 0;
}

static void test_dbcs_drop(void **state) {
  (void)state;
  zhfix *h = zhfix_create();
  assert_non_null(h);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_PUNCT, 0), ZHFIX_OK);
  /* 如果没有声明这个参数并且没有使用它，那么从环境变量里读取数据库名。 in GBK,
   * read by CPython's big5 with errors="ignore": 如 and 取 lose their lead,
   * 果 its trail; what the bytes leave open is marked and reported, the
   * rest restored, and --to=trad converts the text around the marks */
  char *out = run_doc(ZHFIX_TO_TRAD, ZHFIX_LOST_MARK,
                      "蝜羶衄汒隴涴跺統杅甜й羶衄妏蚚坳ㄛ饒繫植遠噫曹講爵黍﹋擂踱靡﹝\n", h);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_LOST_LINES), 1);
  assert_true(zhfix_get_stat(h, ZHFIX_STAT_UNRECOVERABLE_SPANS) >= 1);
  assert_non_null(strstr(out, "沒有聲明這個參數並且沒有使用它"));
  assert_non_null(strstr(out, "\xEF\xBF\xBD"));
  zhfix_buffer_free(out);

  const char *dir = lossy_dir();
  if (!dir) fail_msg("lost: tools/lossy_sim.py failed (make corpus)");
  static const char *const classes[] = {"gbk-as-py-big5-ignore", "gbk-as-glibc-big5-ignore",
                                        "big5-as-py-gbk-ignore"};
  char buf[65600];
  for (size_t c = 0; c < 3; c++) {
    size_t nd, no, nl;
    char *dm = class_file(dir, classes[c], "dam", &nd), *og = class_file(dir, classes[c], "orig", &no),
         *fl = class_file(dir, classes[c], "lossy", &nl);
    tu_lines id = {dm, dm + nd}, io = {og, og + no}, ifl = {fl, fl + nl};
    const char *ld, *lo, *lf;
    size_t nld, nlo, nlf, lines = 0, rebuilt = 0, chars = 0, wrong = 0, silent = 0, unreported = 0;
    while ((ld = tu_next_line(&id, &nld)) && (lo = tu_next_line(&io, &nlo)) && (lf = tu_next_line(&ifl, &nlf))) {
      if (nlf < 1 || lf[0] != '1' || nld + 1 >= sizeof buf) continue;
      lines++;
      memcpy(buf, ld, nld);
      buf[nld] = '\n';
      buf[nld + 1] = 0;
      out = run_doc(ZHFIX_TO_KEEP, ZHFIX_LOST_MARK, buf, h);
      if (zhfix_get_stat(h, ZHFIX_STAT_LOST_LINES)) {
        rebuilt++;
        size_t n = strlen(out), marks = 0;
        for (size_t i = 0; i < nlo; i++) chars += ((unsigned char)lo[i] & 0xC0) == 0xC0;
        for (size_t i = 0; i < n;) {
          size_t k = 1;
          while (i + k < n && ((unsigned char)out[i + k] & 0xC0) == 0x80) k++;
          if ((unsigned char)out[i] >= 0x80) {
            if (k == 3 && !memcmp(out + i, "\xEF\xBF\xBD", 3))
              marks++;
            else if (!utf8_has(lo, nlo, out + i, k))
              wrong++;
          }
          i += k;
        }
        int same = n == nlo + 1 && !memcmp(out, lo, nlo);
        if (!same && !zhfix_get_stat(h, ZHFIX_STAT_UNRECOVERABLE_SPANS)) silent++;
        if (getenv("LOST_SHOW") && !same && (!marks || wrong))
          fprintf(stderr, "  %s\n  %.*s\n  %s", marks ? "wrong?" : "silent", (int)nlo, lo, out);
        if (marks && !zhfix_get_stat(h, ZHFIX_STAT_UNRECOVERABLE_SPANS)) unreported++;
      }
      zhfix_buffer_free(out);
    }
    fprintf(stderr, "lost dbcs drop %-26s %zu lossy lines: %zu rebuilt, %zu wrong of %zu (%.3f%%), %zu silent\n",
            classes[c], lines, rebuilt, wrong, chars, pct(wrong, chars), silent);
    /* enough lines to mean something (the quick slice, under the
     * sanitizers, holds 16 of glibc's on the corpus a clean clone builds) */
    assert_true(lines >= (tu_quick() ? 10u : 20u));
    assert_true(rebuilt * 3 >= lines); /* measured 43-49% (gate slice), 44-56% (quick) */
    assert_true(wrong * 200 < chars); /* under 0.5% */
    assert_int_equal(silent, 0);
    assert_int_equal(unreported, 0);
    free(dm), free(og), free(fl);
  }
  zhfix_free(h);
}

/* Do no harm (docs/repair-lost.md, phase 6): clean lines of rare
 * characters read as GBK read by a Big5 decoder (or Big5 by a GBK one)
 * with bytes dropped land on common characters -- a Big5 code chart's
 * level 2 read as GBK is GB2312 level 1 in code order, 沈审婶甚肾慎渗 --
 * which the model prefers to the rare ones, and a mark costs it nothing.
 * The reader must refuse them: the reading is not text (no neighbours
 * spaced one by one; neighbours that make no words).  And a GBK line read
 * by ICU's Big5 with nothing lost (one Big5 C6A1-C8FE pair, private use)
 * whose letters read a little better as the trails of dropped leads is a
 * lossless wrong decode: refused, or written whole as that decode reads
 * (not 前��).  Each line was taken and marked or changed by the reader
 * before these rules; a real dropped-byte line still is taken. */
static void test_drop_not_text(void **state) {
  (void)state;
  static const char *const clean[] = {
      "C9F2: 朻 机 朿 朼 朳 氘 汆 汒 汜 汏 汊 汔 汋 汌 灱 牞\n",
      "CD7C: 矹 矻 矺 矷 祂 礿 秅 穸 穻 竻 籵 糽 耵 肏 肮 肣\n",
      "D4F3: 屙 崞 崋 崝 崚 崠 崌 崨 崍 崦 崥 崏 崰 崒 崣 崟\n",
      "EDFE: 薞 蕷 蕼 薉 薡 蕺 蕸 蕗 薎 薖 薆 薍 薙 薝 薁 薢\n",
      "DBC8: 袾袶袼袷袽袲褁裉覕覘覗觝觚觛詎詍\n",
      "DEC1: 瓾瓽甝畹畷榃痯瘏瘃痷痾痼痹痸瘐痻\n",
      "E2CD: 獌瑢瑳瑱瑵瑲瑧瑮甀甂甃畽疐瘖瘈瘌\n",
      "牣衄欙晇礌玹掊儤\n",
      "狌婕襓陟氿踑貤朒炴\n",
      "疪曒滶堙瀳竫櫮媌竻裖极坅\n",
      "岏憰欴觛葝煪靮踚楗虷嗂颩悀鯦\n",
      /* 所指定的尺寸值参数是一个整数，... 二进制前缀：KiB=K ... in GBK read by ICU's
       * Big5 (mixed documents, tune slice, 069 line 25) */
      "垀硌隅腔喜渡硉統杅岆珨跺淕杅ㄛ綴醱褫眕躲珨跺等弇ㄗ瞰\xEF\xA0\xB1""ㄩ10K 硌 10*1024"
      "ㄘ﹝褫蚚腔等弇衄 K﹜M﹜G﹜T﹜P﹜E﹜Z﹜Yㄗ1024 腔蹶ㄘ眕摯 KB﹜MB﹜...ㄗ1000 腔蹶ㄘ﹝珩褫眕妏蚚媼輛秶\xEF\x9D\x9D""袟ㄩKiB=K﹜MiB=Mㄛ眕森濬芢﹝\n",
  };
  zf_lost_tables *tab;
  assert_int_equal(zf_lost_tables_new(&tab, NULL, 0), 0);
  zf_lost *l = zf_lost_new(tab);
  assert_non_null(l);
  static const char lossless_want[] =
      "所指定的尺寸值参数是一个整数，后面可以跟一个单位（例如：10K 指 10*1024）。可用的单位有 K、M、G、T、P、E、Z、"
      "Y（1024 的幂）以及 KB、MB、...（1000 的幂）。也可以使用二进制前缀：KiB=K、MiB=M，以此类推。\n";
  size_t nclean = sizeof clean / sizeof clean[0];
  zf_text in = {0}, out = {0}, want = {0};
  zf_lost_result res;
  to_text(lossless_want, strlen(lossless_want), &want);
  for (size_t i = 0; i < nclean; i++) {
    to_text(clean[i], strlen(clean[i]), &in);
    for (size_t k = 0; k < zf_lost_nall_hyps; k++) {
      const zf_lost_hyp *h = &zf_lost_all_hyps[k];
      if (h->style != ZF_LOST_DROP || h->src == ZF_LC_UTF8 || h->reader == ZF_LC_UTF8) continue;
      out.len = 0;
      int rc = zf_lost_drop_read(l, h, ZF_LOST_MARK, &in, &out, &res);
      /* the lossless line: refused, or read as the lossless repair reads
       * it, every character written (its letters reported) */
      if (i == nclean - 1 && rc == 0 && out.len == want.len &&
          !memcmp(out.cp, want.cp, want.len * sizeof *want.cp))
        continue;
      if (rc != ZF_LOST_NOFIT)
        fail_msg("lost: %s>%s took a clean or lossless line (rc %d, gain %.1f): %s", zf_lost_codec_name(h->src),
                 zf_lost_codec_name(h->reader), rc, res.score - res.literal, clean[i]);
      assert_int_equal(out.len, 0);
    }
  }
  /* a real one (如果没有声明这个参数... in GBK, CPython's big5, ignore) is
   * still read with its drops */
  const char *dam = "蝜羶衄汒隴涴跺統杅甜й羶衄妏蚚坳ㄛ饒繫植遠噫曹講爵黍﹋擂踱靡﹝\n";
  to_text(dam, strlen(dam), &in);
  size_t taken = 0;
  for (size_t k = 0; k < zf_lost_nall_hyps; k++) {
    const zf_lost_hyp *h = &zf_lost_all_hyps[k];
    if (h->style != ZF_LOST_DROP || h->src == ZF_LC_UTF8 || h->reader == ZF_LC_UTF8) continue;
    out.len = 0;
    if (zf_lost_drop_read(l, h, ZF_LOST_MARK, &in, &out, &res) == 0 && res.gaps > 0 && res.score > res.literal)
      taken++;
  }
  assert_true(taken >= 1);
  zf_text_free(&in);
  zf_text_free(&out);
  zf_text_free(&want);
  zf_lost_free(l);
  zf_lost_tables_free(tab);
}

/* Whole characters gone (glibc's GBK decoder reading Big5 drops the pairs
 * it cannot map, lead and trail: punctuation, 的, 一 ...): nothing in the
 * bytes shows it, the survivors read as a lossless wrong decode.  A line
 * whose reading lacks every such character where the model expects some
 * is reported (one span of no length at its end) and not changed; a clean
 * line and a lossless damaged one are never reported so. */
static void test_whole_gone(void **state) {
  (void)state;
  zhfix *h = zhfix_create();
  assert_non_null(h);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_PUNCT, 0), ZHFIX_OK);
  const char *dir = lossy_dir();
  if (!dir) fail_msg("lost: tools/lossy_sim.py failed (make corpus)");
  const char *name = "big5-as-glibc-gbk-ignore";
  size_t nd, no, nl;
  char *dm = class_file(dir, name, "dam", &nd), *og = class_file(dir, name, "orig", &no),
       *fl = class_file(dir, name, "lossy", &nl);
  tu_lines id = {dm, dm + nd}, io = {og, og + no}, ifl = {fl, fl + nl};
  const char *ld, *lo, *lf;
  size_t nld, nlo, nlf, lossy = 0, reported = 0, lossless = 0, clean = 0;
  char buf[65600];
  while ((ld = tu_next_line(&id, &nld)) && (lo = tu_next_line(&io, &nlo)) && (lf = tu_next_line(&ifl, &nlf))) {
    if (nlf < 1 || nld + 1 >= sizeof buf || nlo + 1 >= sizeof buf) continue;
    int is_lossy = lf[0] == '1';
    memcpy(buf, ld, nld);
    buf[nld] = '\n';
    buf[nld + 1] = 0;
    char *off = run_doc(ZHFIX_TO_KEEP, ZHFIX_LOST_OFF, buf, h);
    char *out = run_doc(ZHFIX_TO_KEEP, ZHFIX_LOST_MARK, buf, h);
    uint64_t spans = zhfix_get_stat(h, ZHFIX_STAT_UNRECOVERABLE_SPANS);
    if (!zhfix_get_stat(h, ZHFIX_STAT_LOST_LINES) && spans) {
      /* reported, not changed: the output is the one without the stage */
      assert_string_equal(out, off);
      if (!is_lossy) fail_msg("lost: a lossless line reported: %s", buf);
      reported++;
    }
    lossy += is_lossy;
    lossless += !is_lossy;
    zhfix_buffer_free(off);
    zhfix_buffer_free(out);
    /* the original, clean: nothing reported */
    memcpy(buf, lo, nlo);
    buf[nlo] = '\n';
    buf[nlo + 1] = 0;
    out = run_doc(ZHFIX_TO_KEEP, ZHFIX_LOST_MARK, buf, h);
    assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_UNRECOVERABLE_SPANS), 0);
    zhfix_buffer_free(out);
    clean++;
  }
  fprintf(stderr, "lost whole characters gone %s: %zu lossy lines, %zu reported; %zu lossless, %zu clean: none\n",
          name, lossy, reported, lossless, clean);
  assert_true(lossy >= (tu_quick() ? 10u : 20u));
  /* measured line by line: 18 of 75 (gate slice), 8 of 24 (quick slice) */
  assert_true(reported * 5 >= lossy);
  free(dm), free(og), free(fl);
  zhfix_free(h);
}

/* Whole characters gone, a document's evidence (docs/repair-lost.md,
 * phase 10): a file goes through one decoder.  Three lines of Big5 read by
 * glibc's GBK (iconv -c), none of which shows the damage at 100:1 on its
 * own, pool it; from there every line of the document that reads better
 * as that decode is reported (one span of no length at its end), short
 * ones of three characters too (命令列選項 -> ㏑匡兜), and nothing is
 * changed.  The clean
 * lines of the same document (Traditional, Simplified, Japanese kana, the
 * characters the damage looks like) are not reported, and the same short
 * lines in a document that has not shown the damage are not either. */
static size_t span_lines(const zhfix *h, const char *doc, int *line) {
  size_t n = 0;
  uint64_t off, len;
  for (size_t i = 0; zhfix_get_span(h, i, &off, &len); i++, n++) {
    int k = 0;
    for (uint64_t j = 0; j < off; j++) k += doc[j] == '\n';
    line[k < 16 ? k : 15]++;
  }
  return n;
}

/* The document read with lost bytes marked comes out as with the stage
 * off (reported, not changed); line[k] counts the spans reported on
 * line k, and every span is one of the statistics'. */
static void reported_lines(zhfix *h, const char *doc, int *line) {
  char *off = run_doc(ZHFIX_TO_KEEP, ZHFIX_LOST_OFF, doc, h);
  char *out = run_doc(ZHFIX_TO_KEEP, ZHFIX_LOST_MARK, doc, h);
  assert_string_equal(out, off);
  size_t n = span_lines(h, doc, line);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_UNRECOVERABLE_SPANS), n);
  zhfix_buffer_free(off);
  zhfix_buffer_free(out);
}

static void test_whole_doc(void **state) {
  (void)state;
  static const char longs[] = /* 顯示已登入使用者... 舊的輸出風格... 使用短格式... */
      "w - 陪ボ祅ㄏノのタ稦ぐ或\n"
      "-o, --old-style 侣块ぶだ牧盯竚丁フじ\n"
      "-s, --short ㄏノ祏Αぃ璶祅丁JCPU ㎝ PCPU 丁\n";
  static const char shorts[] = /* 名稱, 命令列選項, w [選項] 使用者 [...], /proc 程序資訊 */
      "嘿\n㏑匡兜\nw [匡兜] ㄏノ [...]\n/proc 祘戈癟\n";
  static const char clean[] = "名稱\n命令行选项\n本ページの日本語版は有志によって提供されています。\n使用者\n";
  char doc[1024];
  snprintf(doc, sizeof doc, "%s%s%s", longs, shorts, clean);
  zhfix *h = zhfix_create();
  assert_non_null(h);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_PUNCT, 0), ZHFIX_OK);
  int line[16] = {0};
  reported_lines(h, doc, line);
  /* the three long lines pool the evidence (the detection window's pool
   * is a floor for the lines before it completes: phase 11) and every
   * line of the document's damage is reported once, 嘿 too (稱 without
   * the 名 the model expects before it: phase 11) */
  for (int k = 0; k <= 6; k++) assert_int_equal(line[k], 1);
  /* the clean lines after them are not */
  for (int k = 7; k < 16; k++) assert_int_equal(line[k], 0);
  /* the short lines and the clean ones without the long lines: the
   * document has not shown the damage, nothing is reported */
  snprintf(doc, sizeof doc, "%s%s", shorts, clean);
  char *out = run_doc(ZHFIX_TO_KEEP, ZHFIX_LOST_MARK, doc, h);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_UNRECOVERABLE_SPANS), 0);
  zhfix_buffer_free(out);
  /* one long line alone does not show it either (fewer than 13 survivors) */
  snprintf(doc, sizeof doc, "-o, --old-style 侣块ぶだ牧盯竚丁フじ\n%s%s", shorts, clean);
  out = run_doc(ZHFIX_TO_KEEP, ZHFIX_LOST_MARK, doc, h);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_UNRECOVERABLE_SPANS), 0);
  zhfix_buffer_free(out);
  zhfix_free(h);
}

/* Whole characters gone, the short lines (docs/repair-lost.md, phase 11):
 * in a document of Big5 read by glibc's GBK (iconv -c), the lines before
 * the long ones complete the evidence are judged on the detection
 * window's evidence, and a heading of one survivor is reported when the
 * model says 2:1 that a neighbour went (稱 of 名稱, 歷 of 歷史); a
 * two-character heading that is a word (選項) and the lone 跋 (a heading
 * of its own) are not, nor the clean lines; nothing changes. */
static void test_whole_heading(void **state) {
  (void)state;
  static const char doc[] = "嘿\n" /* 名稱: before the evidence */
                            "w - 陪ボ祅ㄏノのタ稦ぐ或\n"
                            "-o, --old-style 侣块ぶだ牧盯竚丁フじ\n"
                            "-s, --short ㄏノ祏Αぃ璶祅丁JCPU ㎝ PCPU 丁\n"
                            "菌\n匡兜\n禰\n" /* 歷史, 選項, 跋 */
                            "名稱\n選項\n歷史\n";
  zhfix *h = zhfix_create();
  assert_non_null(h);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_PUNCT, 0), ZHFIX_OK);
  int line[16] = {0};
  reported_lines(h, doc, line);
  static const int want[16] = {1, 1, 1, 1, 1, 0, 0, 0, 0, 0};
  for (int k = 0; k < 16; k++) assert_int_equal(line[k], want[k]);
  /* the same headings in a document that showed nothing: not reported */
  char *out = run_doc(ZHFIX_TO_KEEP, ZHFIX_LOST_MARK, "嘿\n菌\n匡兜\n禰\n名稱\n", h);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_UNRECOVERABLE_SPANS), 0);
  zhfix_buffer_free(out);
  zhfix_free(h);
}

/* A document that showed dropped bytes (Big5 read by CPython's GBK,
 * errors="ignore": the drop reader took its lines): a line the reader
 * refuses by its margin against the reading with nothing missing, though a
 * reading with drops beats that one and the line as it stands, is
 * reported, never changed silently (docs/repair-lost.md, phase 10).  The same line
 * in a document that showed nothing, and the clean original after it, are
 * not reported. */
static void test_dbcs_doc_report(void **state) {
  (void)state;
  /* w 顯示目前在該機器上有關使用者的資訊... -h, --no-header 不要列印頭行。
   * -s, --short 使用短格式。... --help 顯示幫助資訊並退出。 */
  static const char shown[] = "w 陪ボヘ玡b赣诀竟WΤ闽ㄏノ酞焊臧TAHのL酞害娴{C\n"
                              "-h, --no-header ぃ璶CL繷︽C\n"
                              "-s, --short ㄏノ祏姒　Cぃ璶CL祅J啥　BJCPU ㎝ PCPU 啥　C\n";
  static const char line[] = "--help 陪ボ腊U戈癟冒hXC\n--help 顯示幫助資訊並退出。\n";
  char doc[1024];
  snprintf(doc, sizeof doc, "%s%s", shown, line);
  zhfix *h = zhfix_create();
  assert_non_null(h);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_PUNCT, 0), ZHFIX_OK);
  char *off = run_doc(ZHFIX_TO_KEEP, ZHFIX_LOST_OFF, doc, h);
  char *out = run_doc(ZHFIX_TO_KEEP, ZHFIX_LOST_MARK, doc, h);
  int lines[16] = {0};
  span_lines(h, doc, lines);
  assert_true(lines[3] >= 1);    /* reported */
  assert_int_equal(lines[4], 0); /* the clean original is not */
  /* either left as it came (reported only) or read with its gaps marked
   * (the document's reading, wrong11's margin): never changed silently */
  const char *a = strstr(out, "--help "), *b = strstr(off, "--help ");
  assert_non_null(a);
  assert_non_null(b);
  size_t n = strlen("--help 陪ボ腊U戈癟冒hXC\n");
  const char *e = strchr(a, '\n');
  assert_non_null(e);
  if (memcmp(a, b, n) != 0) {
    char *l = strndup(a, (size_t)(e - a));
    assert_non_null(l);
    assert_non_null(strstr(l, "\xEF\xBF\xBD"));
    free(l);
  }
  assert_string_equal(e + 1, "--help 顯示幫助資訊並退出。\n");
  zhfix_buffer_free(off);
  zhfix_buffer_free(out);
  /* the document showed nothing: nothing reported */
  out = run_doc(ZHFIX_TO_KEEP, ZHFIX_LOST_MARK, line, h);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_UNRECOVERABLE_SPANS), 0);
  zhfix_buffer_free(out);
  zhfix_free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_detect_clean),
      cmocka_unit_test(test_detect_damaged),
      cmocka_unit_test(test_utf8_shape),
      cmocka_unit_test(test_u8_fill),
      cmocka_unit_test(test_detect_phase),
      cmocka_unit_test(test_classes),
      cmocka_unit_test(test_pipeline),
      cmocka_unit_test(test_drop_and_no_conversion),
      cmocka_unit_test(test_budget),
      cmocka_unit_test(test_dbcs_drop),
      cmocka_unit_test(test_drop_not_text),
      cmocka_unit_test(test_whole_gone),
      cmocka_unit_test(test_whole_doc),
      cmocka_unit_test(test_whole_heading),
      cmocka_unit_test(test_dbcs_doc_report),
  };
  /* LOST_TEST=name runs one test (for work on them) */
  if (getenv("LOST_TEST")) cmocka_set_test_filter(getenv("LOST_TEST"));
  return cmocka_run_group_tests(tests, NULL, NULL);
}
