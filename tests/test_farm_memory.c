/*
 * Peak memory of realistic content-farm damage (issue 14: peak RSS at
 * most 32 MB; docs/repair-farm.md, "Wave 16").  The conversion tables'
 * one-time builds read every node of every OpenCC trie (4.7 MB of the
 * embedded blob), of which a document then reads a few hundred KB; the
 * builds give the walked pages back (zf_blob_release, shared.h).  These
 * tests hold that: the pages leave this process's resident set after
 * each build, and the blob reads back byte for byte the same.
 *
 * Residency is read from /proc/self/pagemap (the "present" bit, readable
 * without privileges since Linux 4.2); where it cannot be read the
 * residency checks are skipped, the content check still runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "convert_int.h"
#include "convert_tables.h"
#include "shared.h"
#include "zf.h"

ZF_BLOB_DECLARE(opencc_dicts);

/* Whole pages of the blob mapped in this process, or -1 when pagemap
 * cannot be read; *npages the blob's whole pages. */
static long present_pages(const void *blob, size_t size, long *npages) {
  long ps = sysconf(_SC_PAGESIZE);
  uintptr_t a = ((uintptr_t)blob + (uintptr_t)ps - 1) & ~((uintptr_t)ps - 1);
  uintptr_t b = ((uintptr_t)blob + size) & ~((uintptr_t)ps - 1);
  *npages = b > a ? (long)((b - a) / (uintptr_t)ps) : 0;
  FILE *f = fopen("/proc/self/pagemap", "rb");
  if (!f) return -1;
  long n = 0;
  for (uintptr_t p = a; p < b; p += (uintptr_t)ps) {
    uint64_t e;
    if (fseek(f, (long)(p / (uintptr_t)ps * 8), SEEK_SET) || fread(&e, 8, 1, f) != 1) {
      fclose(f);
      return -1;
    }
    n += (long)(e >> 63 & 1);
  }
  fclose(f);
  return n;
}

static uint64_t blob_sum(void) {
  uint64_t h = 1469598103934665603u;
  for (uint64_t i = 0; i < zf_blob_opencc_dicts_size; i++) h = (h ^ zf_blob_opencc_dicts[i]) * 1099511628211u;
  return h;
}

/* Runs first, in a fresh process: the builds of the shared conversion
 * tables and of the s2t phrase accelerator (the walks) leave at most a
 * tenth of the blob's pages resident. */
static void test_builds_release(void **state) {
  (void)state;
  long np, before = present_pages(zf_blob_opencc_dicts, (size_t)zf_blob_opencc_dicts_size, &np);
  int err = 0;
  occ_shared *sh = zf_conv_shared(&err);
  assert_non_null(sh);
  long shared = present_pages(zf_blob_opencc_dicts, (size_t)zf_blob_opencc_dicts_size, &np);
  assert_non_null(zf_conv_accel(sh, ZF_OCC_ST));
  long accel = present_pages(zf_blob_opencc_dicts, (size_t)zf_blob_opencc_dicts_size, &np);
  print_message("opencc blob: %ld pages; present before %ld, after the shared build %ld, after the accelerator %ld\n",
                np, before, shared, accel);
  if (before < 0) skip();
  assert_true(np > 1000); /* the walks read 4.7 MB: the check means something */
  assert_true(shared * 10 <= np);
  assert_true(accel * 10 <= np);
}

/* Every page read in, then given back: out of the resident set, and the
 * same bytes when read again. */
static void test_release_keeps_bytes(void **state) {
  (void)state;
  uint64_t h = blob_sum();
  long np, all = present_pages(zf_blob_opencc_dicts, (size_t)zf_blob_opencc_dicts_size, &np);
  zf_occ_release();
  long after = present_pages(zf_blob_opencc_dicts, (size_t)zf_blob_opencc_dicts_size, &np);
  assert_int_equal(blob_sum(), h);
  print_message("opencc blob: %ld pages; present after a full read %ld, after the release %ld\n", np, all, after);
  if (all < 0) return;
  assert_int_equal(all, np);
  assert_true(after * 100 <= np); /* nothing reads it in between */
  /* only whole pages inside the blob: a range inside one page is left */
  zf_blob_release(zf_blob_opencc_dicts + 1, 16);
  assert_int_equal(blob_sum(), h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_builds_release),
      cmocka_unit_test(test_release_keeps_bytes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
