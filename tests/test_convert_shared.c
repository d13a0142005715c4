/*
 * The conversion stage's process-wide tables (src/convert.c occ_shared,
 * src/convert_tables.c zf_occ_get): built once, shared by every handle and
 * thread, and a build that fails for lack of memory is retried by the next
 * call instead of disabling the stage.
 *
 * This program makes allocations fail on demand (tests/util/tu_oom.h;
 * not under AddressSanitizer, whose allocator cannot be replaced:
 * there only the thread test runs).  Its tests run in order in one
 * process, which matters: the first builds the tables.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "convert_int.h"
#include "convert_tables.h"
#include "convert_util.h"
#include "tu_oom.h"

static const char *in = "头发和发展，皇后以后，中俄关系\n";
static const char *want = "頭髮和發展，皇后以後，中俄關係\n";

/* Converts `in` through the library, every other stage off; returns the
 * status and the output in *out (NULL on error). */
static int convert(char **out) {
  zhfix *h = zhfix_create();
  if (!h) return ZHFIX_E_NOMEM;
  size_t len;
  int rc = zhfix_set_option_string(h, "to", "trad");
  if (!rc) rc = zhfix_set_option_string(h, "script", "simp");
  if (!rc) rc = zhfix_set_option_string(h, "punct", "off");
  if (!rc) rc = zhfix_set_option_string(h, "mojibake", "off");
  if (!rc) rc = zhfix_set_option_string(h, "pinyin", "keep");
  if (!rc) rc = zhfix_process(h, in, strlen(in), out, &len);
  zhfix_free(h);
  return rc;
}

/* Converting while allocations of min to max bytes fail: some failed,
 * the call says memory was short and gives no output. */
static void assert_convert_nomem(size_t min, size_t max) {
  char *out = NULL;
  tu_oom_min = min;
  tu_oom_max = max;
  tu_oom_left = 1000000;
  tu_oom_failed = 0;
  int rc = convert(&out);
  tu_oom_left = 0;
  assert_true(tu_oom_failed > 0);
  assert_int_equal(rc, ZHFIX_E_NOMEM);
  assert_null(out);
}

/* First in the process: the shared tables cannot be set up (allocations
 * of their size fail: the parsed blob, then the stage's tables, a little
 * larger); the call says so, and the next one, with memory back,
 * converts: nothing stays disabled. */
static void test_nomem_retried(void **state) {
  (void)state;
  if (!TU_OOM_INTERPOSE) {
    printf("nomem: allocator not replaceable under sanitizers, skipped\n");
    return;
  }
  char *out = NULL;
  /* the parsed blob alone: memory short, not a bad blob */
  assert_convert_nomem(sizeof(zf_occ_tables), sizeof(zf_occ_tables));
  /* (the stage's tables hold the parsed blob) */
  assert_convert_nomem(sizeof(zf_occ_tables), sizeof(occ_shared));
  assert_int_equal(convert(&out), ZHFIX_OK);
  assert_string_equal(out, want);
  zhfix_buffer_free(out);
}

/* Without the accelerators (their large tables cannot be allocated) the
 * stage converts all the same, on the plain tries. */
static void test_nomem_accelerator(void **state) {
  (void)state;
  if (!TU_OOM_INTERPOSE) return;
  char *out = NULL;
  /* A fresh pair of scripts, so its accelerator is not built yet. */
  zhfix *h = zhfix_create();
  size_t len;
  assert_int_equal(zhfix_set_option_string(h, "to", "simp"), 0);
  assert_int_equal(zhfix_set_option_string(h, "script", "trad"), 0);
  assert_int_equal(zhfix_set_option_string(h, "punct", "off"), 0);
  assert_int_equal(zhfix_set_option_string(h, "mojibake", "off"), 0);
  assert_int_equal(zhfix_set_option_string(h, "pinyin", "keep"), 0);
  tu_oom_min = 200000; /* the accelerators only */
  tu_oom_max = (size_t)-1;
  tu_oom_left = 1000000;
  tu_oom_failed = 0;
  assert_int_equal(zhfix_process(h, want, strlen(want), &out, &len), ZHFIX_OK);
  tu_oom_left = 0;
  assert_true(tu_oom_failed > 0);
  assert_string_equal(out, "头发和发展，皇后以后，中俄关系\n");
  zhfix_buffer_free(out);
  /* Retried: the next document builds them, same output. */
  assert_int_equal(zhfix_process(h, want, strlen(want), &out, &len), ZHFIX_OK);
  assert_string_equal(out, "头发和发展，皇后以后，中俄关系\n");
  zhfix_buffer_free(out);
  zhfix_free(h);
}

/* Handles in several threads at once, each on a configuration none has
 * used yet, so they race to build the same accelerators. */
typedef struct job {
  const char *to, *script, *in, *want;
  int ok;
} job;

static void *worker(void *arg) {
  job *j = arg;
  j->ok = 1;
  for (int k = 0; k < 20; k++) {
    zhfix *h = zhfix_create();
    char *out = NULL;
    size_t len;
    if (!h || zhfix_set_option_string(h, "to", j->to) || zhfix_set_option_string(h, "script", j->script) ||
        zhfix_set_option_string(h, "punct", "off") ||
        zhfix_process(h, j->in, strlen(j->in), &out, &len) || strcmp(out, j->want))
      j->ok = 0;
    zhfix_buffer_free(out);
    zhfix_free(h);
  }
  return NULL;
}

static void test_threads(void **state) {
  (void)state;
  job jobs[8];
  pthread_t th[8];
  for (int i = 0; i < 8; i++) {
    jobs[i] = i % 2 ? (job){"twp", "simp", "为了鼠标里的软件\n", "為了滑鼠裡的軟體\n", 0}
                    : (job){"hkp", "simp", "说着为了舒芙蕾\n", "説着為了梳芙厘\n", 0};
    assert_int_equal(pthread_create(&th[i], NULL, worker, &jobs[i]), 0);
  }
  for (int i = 0; i < 8; i++) {
    pthread_join(th[i], NULL);
    assert_true(jobs[i].ok);
  }
}

/* The accelerator of s2t's group (ZF_OCC_ST) against its trie, pair by
 * pair: every two-character prefix of the span whose pair is a key of the
 * view or that keys continue past is in hpair, with the trie's node, its
 * flags and, where inline, the trie's value; the rest of the span is not;
 * pairs outside the span are in the 16-byte table; the blocked filter
 * answers yes for every pair that is a key and every three-character
 * prefix, and its blocks are cache lines. */
static void test_accel_pairs(void **state) {
  (void)state;
  int err = 0;
  occ_shared *sh = zf_conv_shared(&err);
  assert_non_null(sh);
  const occ_accel *acc = zf_conv_accel(sh, ZF_OCC_ST);
  assert_non_null(acc);
  const zf_occ_dict *d = &sh->t.d[ZF_OCC_ST];
  assert_int_equal((uintptr_t)acc->filt % 64, 0);
  size_t in_h = 0, out_h = 0, left = 0, inline_vals = 0, tri = 0;
  for (uint32_t c = 0; c < 0x110000; c++) {
    uint32_t node = zf_occ_root(d, c);
    if (!node) continue;
    const uint32_t *nd = d->nodes + 3u * (size_t)node;
    uint32_t nc = ZF_OCC_NCHILD(nd[2]);
    if (!nc) continue;
    assert_true(c >= ACC_SPAN || (acc->ent[c] & ACC_KIDS));
    /* every child slot of the node (sorted runs and hashed arrays) */
    size_t slots = occ_child_slots(nc);
    for (size_t j = 0; j < slots; j++) {
      uint32_t b = d->ccp[nd[0] + j];
      if (b == ZF_OCC_EMPTY) continue;
      uint32_t n2 = d->cnode[nd[0] + j];
      const uint32_t *nd2 = d->nodes + 3u * (size_t)n2;
      int key = (nd2[2] & d->vm) != 0, deep = ZF_OCC_NCHILD(nd2[2]) != 0;
      assert_true(acc_pair_maybe(acc, c, b));
      if (key) {
        uint32_t t = acc_filt_at(acc, c, b);
        assert_true(acc_filt_test(acc, t));
      }
      if (!acc_in_h(c, b)) {
        assert_non_null(acc_pair_probe(acc, c, b));
        out_h++;
        continue;
      }
      long hs = acc_hpair_probe(acc, c, b);
      if (!key && !deep) {
        assert_true(hs < 0);
        left++;
        continue;
      }
      assert_true(hs >= 0);
      in_h++;
      uint64_t w = acc->hpair[hs];
      assert_int_equal(acc->hnode[hs], n2);
      assert_int_equal(!!(w & H_VAL), key);
      assert_int_equal(!!(w & H_DEEP), deep);
      if (key && !(w & H_SLOW)) {
        const uint32_t *v;
        size_t vl;
        zf_occ_value(d, nd2, 1, &v, &vl);
        assert_int_equal(vl, w & H_LEN2 ? 2 : 1);
        assert_int_equal((uint32_t)(w >> H_V0 & 0x7FFFu) + H_LO, v[0]);
        if (vl == 2) assert_int_equal((uint32_t)(w >> (H_V0 + 15) & 0x7FFFu) + H_LO, v[1]);
        inline_vals++;
      }
      if (deep) {
        size_t slots2 = occ_child_slots(ZF_OCC_NCHILD(nd2[2]));
        for (size_t j2 = 0; j2 < slots2; j2++) {
          uint32_t c3 = d->ccp[nd2[0] + j2];
          if (c3 == ZF_OCC_EMPTY) continue;
          assert_true(acc_tri(acc, c, b, c3));
          tri++;
        }
      }
    }
  }
  printf("accel: %zu pairs in hpair (%zu values inline), %zu outside the span, %zu left out, %zu triples\n",
         in_h, inline_vals, out_h, left, tri);
  /* STPhrases: tens of thousands of pairs, nearly all of the span */
  assert_true(in_h > 20000 && inline_vals > 10000 && tri > 20000);
}

static int is_marked(const occ_accel *a, uint32_t c) {
  return c <= 0xFFFF && (a->marks[c >> 6] >> (c & 63u) & 1u);
}

/* Every key below node (path[0, len) its characters, one of them marked
 * when marked is set) against the marks, recursively; its count. */
static size_t check_marks(const occ_accel *a, const zf_occ_dict *d, uint32_t node, uint32_t *path, size_t len,
                          int marked) {
  const uint32_t *nd = d->nodes + 3u * (size_t)node;
  size_t keys = 0;
  marked |= is_marked(a, path[len - 1]);
  if (nd[2] & d->vm) {
    keys++;
    if (len > 1) assert_true(marked); /* a match holds a marked character */
    for (int errata = 0; errata < 2; errata++) {
      const uint32_t *v;
      size_t vl;
      zf_occ_value(d, nd, errata, &v, &vl);
      for (size_t i = 0; i < len; i++)
        if (vl != len || v[i] != path[i]) assert_true(is_marked(a, path[i]));
    }
  }
  uint32_t nc = ZF_OCC_NCHILD(nd[2]);
  size_t slots = nc ? occ_child_slots(nc) : 0;
  assert_true(len < 64);
  for (size_t j = 0; j < slots; j++) {
    if (d->ccp[nd[0] + j] == ZF_OCC_EMPTY) continue;
    path[len] = d->ccp[nd[0] + j];
    keys += check_marks(a, d, d->cnode[nd[0] + j], path, len + 1, marked);
  }
  return keys;
}

/* The marks of the variants groups (occ_accel.marks, zf_conv_run_tail's
 * jumps): every key of the view longer than one character holds a marked
 * character, every character a unit of a key may change is marked (both
 * values of an erratum), and so is every ideographic description
 * character; few are (the walk is skipped where none is). */
static void test_accel_marks(void **state) {
  (void)state;
  int err = 0;
  occ_shared *sh = zf_conv_shared(&err);
  assert_non_null(sh);
  static const int dicts[] = {ZF_OCC_TW_REV, ZF_OCC_HK_REV};
  for (size_t k = 0; k < sizeof dicts / sizeof dicts[0]; k++) {
    const occ_accel *a = zf_conv_accel(sh, dicts[k]);
    assert_non_null(a);
    assert_true(a->marks_ok);
    const zf_occ_dict *d = &sh->t.d[dicts[k]];
    size_t keys = 0, marks = 0;
    uint32_t path[64];
    for (uint32_t c = 0; c < 0x110000; c++) {
      uint32_t node = zf_occ_root(d, c);
      if (!node) continue;
      path[0] = c;
      keys += check_marks(a, d, node, path, 1, 0);
    }
    for (uint32_t c = 0x2FF0; c < 0x3000; c++) assert_true(is_marked(a, c));
    for (uint32_t c = 0; c <= 0x10000; c++) marks += is_marked(a, c);
    printf("marks of dictionary %d: %zu keys, %zu characters marked\n", dicts[k], keys, marks);
    assert_true(keys > 300);
    assert_true(marks < 200); /* 42 + 16 for TWVariantsRev's group */
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_nomem_retried),
                                     cmocka_unit_test(test_nomem_accelerator),
                                     cmocka_unit_test(test_threads),
                                     cmocka_unit_test(test_accel_pairs),
                                     cmocka_unit_test(test_accel_marks)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
