/*
 * The inverse of each lost-byte reader (lost_codec.c, lc_encodings): the
 * look-up in the BMP (inv_rel, built for every reader: no bucket is too
 * full for it) and the bucketed search beyond it find, for every code
 * point, exactly the entries of the
 * sorted inverse that a scan of the whole table finds, in the same
 * order; and every entry of the table is found under its code point.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lost.h"
#include "lost_int.h"

static void test_encodings_every_cp(void **state) {
  (void)state;
  zf_lost_tables *tab;
  assert_int_equal(zf_lost_tables_new(&tab, NULL, 0), 0);
  size_t models = 0, found = 0;
  for (int r = 0; r < ZF_LC__COUNT; r++) {
    const lc_model *m = &tab->m[r];
    if (!m->present || !m->ninv) continue;
    models++;
    assert_non_null(m->inv_rel); /* the look-up, not the search, is what runs */
    for (size_t i = 1; i < m->ninv; i++) assert_true(m->inv[i - 1].cp <= m->inv[i].cp);
    size_t at = 0; /* the scan: entries of cp start at `at` */
    for (uint32_t cp = 0; cp < 0x110000; cp++) {
      while (at < m->ninv && m->inv[at].cp < cp) at++;
      size_t e = at;
      while (e < m->ninv && m->inv[e].cp == cp) e++;
      size_t n;
      const lc_inv *got = lc_encodings(m, cp, &n);
      if (n != e - at || (n && got != m->inv + at))
        fail_msg("reader %d, U+%04X: %zu entries at %td, want %zu at %zu", r, (unsigned)cp, n,
                 n ? got - m->inv : -1, e - at, at);
      found += n;
    }
    assert_true(at == m->ninv || m->inv[at].cp >= 0x110000);
  }
  fprintf(stderr, "  %zu readers, %zu entries found\n", models, found);
  assert_true(models >= 4);
  assert_true(found > 40000);
  zf_lost_tables_free(tab);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_encodings_every_cp)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
