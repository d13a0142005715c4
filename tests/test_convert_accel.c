/*
 * The conversion stage's first-level accelerators (src/convert_int.h,
 * occ_accel) against their own tries, for every dictionary: what the one
 * pass asks of them must be what the trie's greedy match (zf_occ_match_e,
 * the plain map the accelerator is built from) answers.
 *
 *   - plain_value (does a character convert on its own here, and to
 *     what: the first level, the pair and triple filters, the hi bitmap)
 *     on every key prefix of two and three characters of the dictionary,
 *     each with a random character after it, and on random text;
 *   - the pair tables: every two-character prefix is found with its node,
 *     its flags and its inline value, and random pairs that are no prefix
 *     are not found;
 *   - zf_conv_run_pass, the whole pass, against a greedy conversion by
 *     zf_occ_match_e on lines made of keys, key prefixes and random
 *     characters run together, with the errata and without.
 *
 * Nothing here reads a corpus: the tables are the input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "convert_int.h"
#include "convert_tables.h"
#include "convert_util.h"

static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint32_t rnd(uint32_t n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)((rng >> 11) % n);
}

/* A random character: Han mostly, some ASCII, CJK punctuation, kana,
 * full-width forms and compatibility ideographs (the hi span), astral
 * ones; never an ideographic description character (the pass and the
 * greedy match treat those differently on purpose: a whole sequence). */
static uint32_t rnd_char(void) {
  switch (rnd(8)) {
  case 0: return 0x20 + rnd(0x5F);
  case 1: return 0x3000 + rnd(0x100);
  case 2: return 0xA000 + rnd(0x6000);
  case 3: return 0x20000 + rnd(0x1000);
  default: return 0x4E00 + rnd(0x5200);
  }
}

/* The keys of dictionary d of two and three characters' prefixes, as
 * (a, b, c) with c 0 for a pair; pairs[] holds every two-character
 * prefix (view or not: the trie's nodes). */
typedef struct prefix {
  uint32_t a, b, c;
  uint32_t node; /* of (a, b) */
} prefix;

typedef struct plist {
  prefix *p;
  size_t n, cap;
} plist;

static void plist_push(plist *l, prefix x) {
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 1024;
    l->p = realloc(l->p, l->cap * sizeof *l->p);
    assert_non_null(l->p);
  }
  l->p[l->n++] = x;
}

/* Whether node (0: none) has a child for c. */
static int has_child(const zf_occ_dict *d, uint32_t node, uint32_t c) {
  if (!node) return 0;
  const uint32_t *nd = d->nodes + 3u * (size_t)node;
  uint32_t nc = ZF_OCC_NCHILD(nd[2]);
  size_t slots = nc ? occ_child_slots(nc) : 0;
  for (size_t j = 0; j < slots; j++)
    if (d->ccp[nd[0] + j] == c) return 1;
  return 0;
}

static void collect(const zf_occ_dict *d, plist *pairs, plist *triples) {
  for (uint32_t c = 0; c < 0x110000; c++) {
    uint32_t node = zf_occ_root(d, c);
    if (!node) continue;
    const uint32_t *nd = d->nodes + 3u * (size_t)node;
    size_t slots = occ_child_slots(ZF_OCC_NCHILD(nd[2]));
    for (size_t j = 0; ZF_OCC_NCHILD(nd[2]) && j < slots; j++) {
      uint32_t b = d->ccp[nd[0] + j];
      if (b == ZF_OCC_EMPTY) continue;
      uint32_t n2 = d->cnode[nd[0] + j];
      plist_push(pairs, (prefix){c, b, 0, n2});
      const uint32_t *nd2 = d->nodes + 3u * (size_t)n2;
      size_t slots2 = occ_child_slots(ZF_OCC_NCHILD(nd2[2]));
      for (size_t j2 = 0; ZF_OCC_NCHILD(nd2[2]) && j2 < slots2; j2++) {
        uint32_t c3 = d->ccp[nd2[0] + j2];
        if (c3 != ZF_OCC_EMPTY) plist_push(triples, (prefix){c, b, c3, n2});
      }
    }
  }
}

/* plain_value at t[0] of t[0, n) against the greedy match there, with
 * the errata and without: where it answers, the match is at most one
 * character long and its value (or the character) is the answer.
 * Returns whether plain_value answered. */
static int check_plain(const occ_accel *acc, const zf_occ_dict *d, const uint32_t *t, size_t n) {
  uint32_t pv = plain_value(acc, 1, t, 0, n);
  if (pv == NOT_PLAIN) return 0;
  for (int errata = 0; errata < 2; errata++) {
    const uint32_t *v = NULL;
    size_t vl = 0, m = zf_occ_match_e(d, t, n, errata, &v, &vl);
    if (m > 1 || (m == 1 && (vl != 1 || v[0] != pv)) || (!m && pv != t[0])) {
      print_error("plain_value(U+%04X U+%04X U+%04X, %zu) = U+%04X, the match %zu characters\n", t[0],
                  n > 1 ? t[1] : 0, n > 2 ? t[2] : 0, n, pv, m);
      fail();
    }
  }
  return 1;
}

/* Dictionary di's accelerator, its trie (*d) and its two- and
 * three-character key prefixes. */
static const occ_accel *dict_keys(occ_shared *sh, int di, const zf_occ_dict **d, plist *pairs, plist *triples) {
  const occ_accel *acc = zf_conv_accel(sh, di);
  assert_non_null(acc);
  *d = &sh->t.d[di];
  collect(*d, pairs, triples);
  return acc;
}

/* Every two- and three-character key prefix of every dictionary, alone
 * and followed by a random character, and random text, through
 * plain_value. */
static void test_plain_value(void **state) {
  (void)state;
  int err = 0;
  occ_shared *sh = zf_conv_shared(&err);
  assert_non_null(sh);
  for (int di = 0; di < ZF_OCC_NDICTS; di++) {
    const zf_occ_dict *d;
    plist pairs = {0}, triples = {0};
    const occ_accel *acc = dict_keys(sh, di, &d, &pairs, &triples);
    size_t asked = 0, plain = 0;
    for (size_t k = 0; k < pairs.n; k++) {
      uint32_t t[3] = {pairs.p[k].a, pairs.p[k].b, rnd_char()};
      asked += 3;
      plain += check_plain(acc, d, t, 1) + check_plain(acc, d, t, 2) + check_plain(acc, d, t, 3);
    }
    for (size_t k = 0; k < triples.n; k++) {
      uint32_t t[4] = {triples.p[k].a, triples.p[k].b, triples.p[k].c, rnd_char()};
      asked += 2;
      plain += check_plain(acc, d, t, 3) + check_plain(acc, d, t, 4);
    }
    for (int k = 0; k < 20000; k++) {
      /* a key's first character, then anything */
      uint32_t t[3] = {pairs.n && rnd(2) ? pairs.p[rnd((uint32_t)pairs.n)].a : rnd_char(), rnd_char(), rnd_char()};
      asked++;
      plain += check_plain(acc, d, t, 3);
    }
    /* ideographic description characters: never plain (a sequence is
     * copied whole by the pass, not matched) */
    for (uint32_t c = 0x2FF0; c < 0x3000; c++) assert_int_equal(plain_value(acc, 1, &c, 0, 1), NOT_PLAIN);
    printf("dictionary %2d: %zu pairs, %zu triples; plain_value answered %zu of %zu\n", di, pairs.n, triples.n,
           plain, asked);
    assert_true(plain > 0);
    free(pairs.p);
    free(triples.p);
  }
}

/* The pair tables against the trie: every two-character prefix found,
 * with the trie's node, flags and value; random non-prefixes not. */
static void test_pair_lookup(void **state) {
  (void)state;
  int err = 0;
  occ_shared *sh = zf_conv_shared(&err);
  assert_non_null(sh);
  for (int di = 0; di < ZF_OCC_NDICTS; di++) {
    const zf_occ_dict *d;
    plist pairs = {0}, triples = {0};
    const occ_accel *acc = dict_keys(sh, di, &d, &pairs, &triples);
    for (size_t k = 0; k < pairs.n; k++) {
      uint32_t a = pairs.p[k].a, b = pairs.p[k].b, n2 = pairs.p[k].node;
      const uint32_t *nd2 = d->nodes + 3u * (size_t)n2;
      int key = (nd2[2] & d->vm) != 0, deep = ZF_OCC_NCHILD(nd2[2]) != 0;
      if (!key && !deep) {
        /* a key of another view of the trie only: no key of this one
         * starts with it (the 16-byte table holds it all the same) */
        if (acc_in_h(a, b)) assert_true(acc_hpair_probe(acc, a, b) < 0);
        continue;
      }
      assert_true(acc_pair_find(acc, a, b));
      const uint32_t *v = NULL;
      size_t vl = 0;
      if (key) zf_occ_value(d, nd2, 1, &v, &vl);
      if (acc_in_h(a, b)) {
        long hs = acc_hpair_probe(acc, a, b);
        assert_true(hs >= 0);
        uint64_t w = acc->hpair[hs];
        assert_int_equal(acc->hnode[hs], n2);
        assert_int_equal(!!(w & H_VAL), key);
        assert_int_equal(!!(w & H_DEEP), deep);
        if (key && !(w & H_SLOW)) {
          assert_int_equal(vl, w & H_LEN2 ? 2 : 1);
          assert_int_equal((uint32_t)(w >> H_V0 & 0x7FFFu) + H_LO, v[0]);
          if (vl == 2) assert_int_equal((uint32_t)(w >> (H_V0 + 15) & 0x7FFFu) + H_LO, v[1]);
        }
      } else {
        const acc_pair *q = acc_pair_probe(acc, a, b);
        assert_non_null(q);
        assert_int_equal(q->val >> 42, n2);
        assert_int_equal(!!(q->key & P_VAL), key);
        assert_int_equal(!!(q->key & P_DEEP), deep);
        if (key && !(q->key & P_SLOW)) {
          assert_int_equal(vl, q->key & P_LEN2 ? 2 : 1);
          assert_int_equal((uint32_t)(q->val & 0x1FFFFFu), v[0]);
          if (vl == 2) assert_int_equal((uint32_t)(q->val >> 21 & 0x1FFFFFu), v[1]);
        }
      }
      if (key && a < ACC_SPAN) assert_true(acc_filt_test(acc, acc_filt_at(acc, a, b)));
    }
    for (size_t k = 0; k < triples.n; k++) assert_true(acc_tri(acc, triples.p[k].a, triples.p[k].b, triples.p[k].c));
    /* random pairs that are no prefix: a key's first character and
     * anything, or anything */
    size_t absent = 0;
    for (int k = 0; k < 50000; k++) {
      uint32_t a = pairs.n && rnd(2) ? pairs.p[rnd((uint32_t)pairs.n)].a : rnd_char(), b = rnd_char();
      if (has_child(d, zf_occ_root(d, a), b)) continue; /* a prefix */
      absent++;
      assert_false(acc_pair_find(acc, a, b));
      if (acc_in_h(a, b)) assert_true(acc_hpair_probe(acc, a, b) < 0);
      else assert_null(acc_pair_probe(acc, a, b));
    }
    assert_true(absent > 1000);
    free(pairs.p);
    free(triples.p);
  }
}

/* The greedy conversion of t[0, n) by d, the plain way. */
static void greedy(const zf_occ_dict *d, int errata, const uint32_t *t, size_t n, zf_text *o) {
  zf_text_clear(o);
  for (size_t i = 0; i < n;) {
    const uint32_t *v;
    size_t vl, m = zf_occ_match_e(d, t + i, n - i, errata, &v, &vl);
    if (m) {
      for (size_t k = 0; k < vl; k++) assert_int_equal(zf_text_push(o, v[k], i), 0);
      i += m;
    } else {
      assert_int_equal(zf_text_push(o, t[i], i), 0);
      i++;
    }
  }
}

/* Lines of keys, key prefixes and random characters run together, so
 * that keys overlap and end where another starts, converted by the one
 * pass and by greedy(), for every dictionary, errata on and off. */
static void test_pass_vs_greedy(void **state) {
  (void)state;
  int err = 0;
  occ_shared *sh = zf_conv_shared(&err);
  assert_non_null(sh);
  const int lines = cu_quick() ? 300 : 3000;
  zf_text src = {0}, o = {0}, ref = {0};
  for (int di = 0; di < ZF_OCC_NDICTS; di++) {
    const zf_occ_dict *d = &sh->t.d[di];
    plist pairs = {0}, triples = {0};
    collect(d, &pairs, &triples);
    if (!pairs.n) {
      free(pairs.p);
      free(triples.p);
      continue;
    }
    size_t chars = 0, changed = 0;
    for (int errata = 0; errata < 2; errata++) {
      conv cv;
      memset(&cv, 0, sizeof cv);
      cv.sh = sh;
      cv.t = &sh->t;
      cv.errata = errata;
      cv.acc[di] = zf_conv_accel(sh, di);
      assert_non_null(cv.acc[di]);
      for (int l = 0; l < lines; l++) {
        zf_text_clear(&src);
        size_t len = 1 + rnd(60);
        while (src.len < len) {
          uint32_t pick = rnd(4);
          const prefix *p = pick < 2 ? &pairs.p[rnd((uint32_t)pairs.n)]
                                     : pick == 2 && triples.n ? &triples.p[rnd((uint32_t)triples.n)] : NULL;
          if (p) {
            assert_int_equal(zf_text_push(&src, p->a, src.len), 0);
            assert_int_equal(zf_text_push(&src, p->b, src.len), 0);
            if (p->c && rnd(2)) assert_int_equal(zf_text_push(&src, p->c, src.len), 0);
          } else {
            assert_int_equal(zf_text_push(&src, rnd_char(), src.len), 0);
          }
        }
        zf_text_clear(&o);
        size_t chg = 0;
        int mirror = 0;
        assert_int_equal(zf_conv_run_pass(&cv, di, -1, &src, &o, NULL, &chg, &mirror), 0);
        greedy(d, errata, src.cp, src.len, &ref);
        if (o.len != ref.len || memcmp(o.cp, ref.cp, o.len * sizeof *o.cp)) {
          print_error("dictionary %d, errata %d: the pass differs from the greedy match on a line of %zu\n", di,
                      errata, src.len);
          fail();
        }
        chars += src.len;
        changed += o.len != src.len || memcmp(o.cp, src.cp, o.len * sizeof *o.cp);
      }
      free(cv.ids);
    }
    printf("dictionary %2d: %zu characters, %zu of %d lines changed\n", di, chars, changed, 2 * lines);
    free(pairs.p);
    free(triples.p);
  }
  zf_text_free(&src);
  zf_text_free(&o);
  zf_text_free(&ref);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_plain_value), cmocka_unit_test(test_pair_lookup),
                                     cmocka_unit_test(test_pass_vs_greedy)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
