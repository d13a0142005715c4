/*
 * The content-farm stage on a handle reused for document after document
 * (zhfix_reset, --jsonl records; src/repair_farm.c, reuse): the search's
 * scratch and the bigram memos stay for the next document, up to
 * KEEP_BYTES, and nothing the last document decided (signature,
 * annotated characters, numbers, budget, open quotes) reaches the next.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "farm.h"
#include "tu.h"
#include "tu_farm.h"
#include "zf.h"
#include "zhfix.h"

/* Documents of different kinds: farm damage (the sample), dense damage
 * with numbers and an open quote, clean text with a literal "(py)" and
 * '?', and a short record. */
static char *docs[4];
static size_t doclen[4];

static char *dense_doc(size_t *len) {
  tu_buf b = {0};
  tu_buf_put(&b, "", 0);
  static const char *piece[] = {"中?國??人(rén)時?;?間", "“數?(shù)地?py)", "發?,?網(wǎng)說",
                                "30小?0時?!?", "這?個(gè)來(lái)?"};
  for (unsigned k = 0; k < 60; k++) {
    const char *p = piece[k % 5];
    tu_buf_put(&b, p, strlen(p));
    if (k % 12 == 11) tu_buf_put(&b, "\n", 1);
  }
  *len = b.n;
  return b.p;
}

static int setup(void **state) {
  (void)state;
  docs[0] = tu_read_file(tu_src("data/samples/000_22c49fc42f219c9f.txt"), &doclen[0]);
  docs[1] = dense_doc(&doclen[1]);
  static const char clean[] = "他说：“今天(jīntiān)下雨吗?” 见第 30 页 (图 2)。\n";
  docs[2] = strdup(clean);
  doclen[2] = strlen(clean);
  static const char rec[] = "关系?(xì)很好";
  docs[3] = strdup(rec);
  doclen[3] = strlen(rec);
  for (int k = 0; k < 4; k++)
    if (!docs[k]) return -1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  for (int k = 0; k < 4; k++) free(docs[k]);
  return 0;
}

/* out, its length and the statistics the stage counts, for doc k on h */
typedef struct result {
  char *out;
  size_t n;
  uint64_t st[3];
} result;

static result process(zhfix *h, int k) {
  result r;
  char *o = NULL;
  assert_int_equal(zhfix_process(h, docs[k], doclen[k], &o, &r.n), ZHFIX_OK);
  r.out = malloc(r.n + 1);
  assert_non_null(r.out);
  memcpy(r.out, o, r.n);
  zhfix_buffer_free(o);
  r.st[0] = zhfix_get_stat(h, ZHFIX_STAT_UNRECOVERABLE_SPANS);
  r.st[1] = zhfix_get_stat(h, ZHFIX_STAT_PINYIN_REMOVED);
  r.st[2] = zhfix_get_stat(h, ZHFIX_STAT_LOST_BYTES_RESTORED);
  return r;
}

static zhfix *handle(void) {
  zhfix *h = zhfix_create();
  assert_non_null(h);
  assert_int_equal(zhfix_set_option_string(h, "to", "simp"), ZHFIX_OK);
  return h;
}

/* Every document after every other on one handle comes out as on a new
 * handle, output and statistics. */
static void test_reuse_same_output(void **state) {
  (void)state;
  result fresh[4];
  for (int k = 0; k < 4; k++) {
    zhfix *h = handle();
    fresh[k] = process(h, k);
    zhfix_free(h);
  }
  assert_true(fresh[0].st[1] > 0 && fresh[1].st[0] > 0); /* the stage worked on both */
  zhfix *h = handle();
  for (int a = 0; a < 4; a++)
    for (int b = 0; b < 4; b++) {
      assert_int_equal(zhfix_reset(h), ZHFIX_OK);
      result ra = process(h, a);
      free(ra.out);
      assert_int_equal(zhfix_reset(h), ZHFIX_OK);
      result rb = process(h, b);
      assert_int_equal(rb.n, fresh[b].n);
      assert_memory_equal(rb.out, fresh[b].out, rb.n);
      assert_memory_equal(rb.st, fresh[b].st, sizeof rb.st);
      free(rb.out);
    }
  zhfix_free(h);
  for (int k = 0; k < 4; k++) free(fresh[k].out);
}

/* Runs the stage's lines of doc (no detection window) on s. */
static void run_doc(void *s, const char *doc, size_t len, tu_buf *b) {
  uint32_t *cp = malloc((len + 1) * sizeof *cp);
  uint64_t *off = malloc((len + 1) * sizeof *off);
  assert_non_null(cp);
  assert_non_null(off);
  size_t n = tu_farm_u8_decode(doc, len, cp, off);
  zf_stats st;
  zf_stats_init(&st);
  tu_farm_run_lines(s, cp, off, n, &st, b);
  free(cp);
  free(off);
}

/* The scratch a damaged document used is the next one's (the same
 * arrays), what it decided is not; a document whose scratch passes
 * KEEP_BYTES (a 150,000-character line: its tokens alone 3.6 MB) gives
 * it back. */
static void test_reuse_keeps_scratch(void **state) {
  (void)state;
  zf_opts o;
  memset(&o, 0, sizeof o);
  o.from = ZHFIX_ENC_UTF8;
  o.to = ZHFIX_TO_KEEP;
  o.script = ZHFIX_SCRIPT_TRAD;
  o.pinyin = ZHFIX_PINYIN_AUTO;
  o.mojibake = 1;
  void *s = NULL;
  assert_int_equal(zf_stage_farm.create(&s, &o), 0);
  farm *f = s;
  tu_buf first = {0}, again = {0};
  tu_buf_put(&first, "", 0);
  tu_buf_put(&again, "", 0);
  run_doc(s, docs[1], doclen[1], &first);
  assert_true(f->sig && f->doc_work > 0);
  assert_non_null(f->tk);
  assert_non_null(f->bg);
  size_t held = zf_farm_scratch_bytes(f);
  assert_true(held > 0 && held < (2u << 20));
  tok *tk = f->tk;
  void *bg = f->bg, *hr = f->hr, *grp = f->grp;
  assert_int_equal(zf_stage_farm.reuse(s, &o), 1);
  assert_ptr_equal(f->tk, tk);
  assert_ptr_equal(f->bg, bg);
  assert_ptr_equal(f->hr, hr);
  assert_ptr_equal(f->grp, grp);
  size_t kept = zf_farm_scratch_bytes(f); /* less the beams past BEAM_KEEP */
  assert_true(kept > 0 && kept <= held);
  /* the document's own state is a new document's */
  assert_false(f->sig);
  assert_null(f->annset);
  assert_null(f->digits);
  assert_int_equal(f->doc_work, 0);
  assert_int_equal(f->bank, WORK_BASE);
  assert_int_equal(f->swallow_seen + f->keep_seen + f->farm_like, 0);
  for (size_t g = 0; g < RING; g++) assert_int_equal(f->beam[g].n, 0);
  run_doc(s, docs[1], doclen[1], &again);
  assert_int_equal(again.n, first.n);
  assert_memory_equal(again.p, first.p, first.n);
  /* the dense document with one more line of 150,000 characters, damage
   * at its start: past the bound */
  size_t big = 150000, d = doclen[1];
  char *line = malloc(d + big + 1);
  assert_non_null(line);
  memcpy(line, docs[1], d);
  memcpy(line + d, "中?國??人(rén)", strlen("中?國??人(rén)"));
  memset(line + d + strlen("中?國??人(rén)"), 'a', big - strlen("中?國??人(rén)"));
  line[d + big] = '\n';
  tu_buf skip = {0};
  assert_int_equal(zf_stage_farm.reuse(s, &o), 1);
  run_doc(s, line, d + big + 1, &skip);
  assert_true(f->captk * sizeof(tok) > (2u << 20)); /* its tokens alone */
  assert_int_equal(zf_stage_farm.reuse(s, &o), 1);
  assert_null(f->tk);
  assert_int_equal(zf_farm_scratch_bytes(f), 0);
  free(line);
  free(skip.p);
  free(first.p);
  free(again.p);
  zf_stage_farm.destroy(s);
}

int main(void) {
  if (!tu_corpora_present()) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reuse_same_output),
      cmocka_unit_test(test_reuse_keeps_scratch),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
