/*
 * The content-farm search's merge (src/farm_merge.c) against the walk it
 * stands for (docs/repair-farm.md, "The algorithm" and "Wave 11"): for
 * each state, its hypotheses in order (best score first, then the one
 * pushed first) are walked, keeping the first, then one whose reading
 * differs from the first while fewer than two are kept, the first
 * literal and the first unguessed one when none kept is; the hopeless
 * ones (PRUNE below the best of all) that are not literal are dropped;
 * the states come out in the order of their fields, each in walk order.
 * The merge finds all this in one pass with no sort of the hypotheses;
 * random beams with many ties (scores, readings, states) check that it
 * keeps exactly what the walk keeps, in the same order.  Also the choice
 * of a '?''s best readings (zf_farm_front) against a stable sort.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "farm.h"

static uint32_t rng_state = 12345;
static uint32_t rnd(uint32_t m) {
  rng_state = rng_state * 1103515245u + 12345u;
  return (rng_state >> 8) % m;
}

/* the state's fields, in the order the merge sorts the states by */
static int state_cmp(const hyp *a, const hyp *b) {
  const int fa[] = {a->pend, a->pend_lost, (int)a->last, a->b2, a->b1, a->need, a->sep,
                    a->open[0], a->open[1], a->open[2], a->open[3]};
  const int fb[] = {b->pend, b->pend_lost, (int)b->last, b->b2, b->b1, b->need, b->sep,
                    b->open[0], b->open[1], b->open[2], b->open[3]};
  for (size_t k = 0; k < sizeof fa / sizeof fa[0]; k++)
    if (fa[k] != fb[k]) return fa[k] < fb[k] ? -1 : 1;
  return 0;
}

/* the walk's order within a state */
static int rank_cmp(const void *x, const void *y) {
  const hyp *a = x, *b = y;
  int s = state_cmp(a, b);
  if (s) return s;
  if (a->score != b->score) return a->score > b->score ? -1 : 1;
  return (int32_t)(a->seq - b->seq) < 0 ? -1 : 1;
}

/* wide: states drawn from the whole key (every byte of it differs
 * between some of them, so the merge's radix sort has passes to make),
 * not from a few dozen; 2: many states that differ only in the last
 * character (the radix sort must pass over those three bytes, and only
 * those: an odd number of passes, which leave the order in the scratch
 * array) */
static int wide;

static void random_beam(hyp *v, size_t n, int low) {
  uint32_t *perm = malloc(n * sizeof *perm);
  assert_non_null(perm);
  for (size_t k = 0; k < n; k++) perm[k] = (uint32_t)k;
  for (size_t k = n; k > 1; k--) { /* the order of pushes is not the array's */
    size_t j = rnd((uint32_t)k);
    uint32_t t = perm[k - 1];
    perm[k - 1] = perm[j];
    perm[j] = t;
  }
  for (size_t k = 0; k < n; k++) {
    hyp *h = &v[k];
    memset(h, 0, sizeof *h);
    static const uint8_t pend[] = {0, 0, 0x81, 0xB0};
    h->pend = pend[rnd(4)];
    h->pend_lost = h->pend && rnd(2);
    h->last = 0x4E00 + rnd(3);
    h->b1 = (uint8_t)(0x81 + rnd(2));
    h->b2 = (uint8_t)(0xA1 + rnd(2));
    if (wide) {
      h->pend = (uint8_t)(rnd(3) ? 0 : 0x81 + rnd(126));
      h->last = rnd(3) ? 0x4E00 + rnd(0x5200) : rnd(0x30000);
      h->b1 = (uint8_t)rnd(256);
      h->b2 = (uint8_t)rnd(256);
    }
    h->need = rnd(4) == 0;
    h->sep = rnd(5) == 0;
    h->open[0] = (uint8_t)rnd(2);
    h->open[2] = (uint8_t)(rnd(3) == 0);
    if (wide == 2) {
      /* only the last character's bytes of the key differ (3 of 8) */
      h->pend = h->pend_lost = 0;
      h->last = 0x4E00 + rnd(0x5200);
      h->b1 = 0x81;
      h->b2 = 0xA1;
      h->need = h->sep = 0;
      memset(h->open, 0, sizeof h->open);
    }
    h->score = -0.5 * rnd(12) - (low && rnd(8) == 0 ? 100.0 : 0.0);
    h->hash = rnd(4); /* readings repeat: "other" must differ from the first */
    h->lit = rnd(5) == 0;
    h->guess = rnd(3) == 0;
    h->seq = perm[k];
  }
  free(perm);
}

/* What the walk keeps of v[0..n), into want; their number.  *states:
 * the states with a survivor. */
static size_t walk(const hyp *v, size_t n, hyp *want, size_t *states) {
  hyp *s = malloc(n * sizeof *s);
  assert_non_null(s);
  memcpy(s, v, n * sizeof *s);
  qsort(s, n, sizeof *s, rank_cmp);
  double best = -1e300;
  for (size_t k = 0; k < n; k++)
    if (s[k].score > best) best = s[k].score;
  size_t w = 0;
  *states = 0;
  for (size_t a = 0, b; a < n; a = b) {
    for (b = a + 1; b < n && state_cmp(&s[a], &s[b]) == 0; b++) {
    }
    size_t kept = 1, w0 = w;
    int lit = s[a].lit, plain = !s[a].guess;
    if (s[a].score >= best - PRUNE || s[a].lit) want[w++] = s[a];
    for (size_t k = a + 1; k < b; k++) {
      int other = kept < 2 && s[k].hash != s[a].hash;
      if (other || (s[k].lit && !lit) || (!s[k].guess && !plain)) {
        kept++;
        lit |= s[k].lit;
        plain |= !s[k].guess;
        if (s[k].score >= best - PRUNE || s[k].lit) want[w++] = s[k];
      }
    }
    if (w > w0) ++*states;
  }
  free(s);
  return w;
}

static void merge_rounds(void);

static void test_merge_is_the_walk(void **state) {
  (void)state;
  wide = 0;
  merge_rounds();
}

/* the same with states that differ anywhere in their key: a large
 * position's states are sorted by radix (radix_keys), a small one's by
 * sort_keys; both must give the order of the fields */
static void test_merge_wide_states(void **state) {
  (void)state;
  wide = 1;
  merge_rounds();
  wide = 0;
}

/* many states sharing all but three bytes of their key: the radix sort
 * skips the bytes every key shares (their one value has all the
 * counts), and sorts by the others */
static void test_merge_narrow_states(void **state) {
  (void)state;
  wide = 2;
  merge_rounds();
  wide = 0;
}

/* zf_farm_front: the HOLE_BEAM best of a beam by score, equal ones in
 * the order they are, best first, as a stable sort of the whole beam
 * by score would put them (what a '?' expands first) */
static void test_front_is_the_sort(void **state) {
  (void)state;
  for (int round = 0; round < 300; round++) {
    size_t n = HOLE_BEAM + 1 + rnd(round < 150 ? 40 : 3000);
    hvec bv = {malloc(n * sizeof(hyp)), n, n};
    uint32_t *idx = malloc(n * sizeof *idx);
    assert_true(bv.v && idx);
    for (size_t k = 0; k < n; k++) {
      memset(&bv.v[k], 0, sizeof bv.v[k]);
      /* few distinct scores: ties everywhere, -0.0 among them */
      bv.v[k].score = round % 3 == 0 ? -0.25 * rnd(6) : -0.001 * rnd(5000);
      if (bv.v[k].score == 0 && rnd(2)) bv.v[k].score = -0.0;
      idx[k] = (uint32_t)k;
    }
    /* insertion sort by score, best first: stable */
    for (size_t k = 1; k < n; k++) {
      uint32_t x = idx[k];
      size_t j = k;
      while (j > 0 && bv.v[x].score > bv.v[idx[j - 1]].score) {
        idx[j] = idx[j - 1];
        j--;
      }
      idx[j] = x;
    }
    uint32_t top[HOLE_BEAM];
    zf_farm_front(&bv, HOLE_BEAM, top);
    for (size_t j = 0; j < HOLE_BEAM; j++) assert_int_equal(top[j], idx[j]);
    free(bv.v);
    free(idx);
  }
}

static void merge_rounds(void) {
  farm *f = calloc(1, sizeof *f);
  assert_non_null(f);
  for (int round = 0; round < 400; round++) {
    size_t n = 2 + rnd(round < 200 ? 60 : 1500);
    hvec bv = {malloc(n * sizeof(hyp)), n, n};
    hyp *in = malloc(n * sizeof *in), *want = malloc(n * sizeof *want);
    assert_true(bv.v && in && want);
    random_beam(in, n, round % 2);
    memcpy(bv.v, in, n * sizeof *in);
    size_t states, m = walk(in, n, want, &states);
    size_t keys = zf_farm_merge(f, &bv);
    assert_true(m <= 2 * MAX_KEYS); /* no beam cut in these: the walk alone */
    assert_int_equal(keys, states);
    assert_int_equal(bv.n, m);
    for (size_t k = 0; k < m; k++) {
      assert_int_equal(bv.v[k].seq, want[k].seq); /* the same one, in the same place */
      assert_true(bv.v[k].score == want[k].score);
    }
    /* the hash table is left empty for the next merge */
    for (size_t k = 0; k < f->captab; k++) assert_int_equal(f->htab[k], UINT32_MAX);
    free(bv.v);
    free(in);
    free(want);
  }
  free(f->hr);
  free(f->hr2);
  free(f->mv);
  free(f->grp);
  free(f->gid);
  free(f->htab);
  for (size_t i = 0; i < f->npool; i++) free(f->pool[i]);
  free(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_merge_is_the_walk),
      cmocka_unit_test(test_merge_wide_states),
      cmocka_unit_test(test_merge_narrow_states),
      cmocka_unit_test(test_front_is_the_sort),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
