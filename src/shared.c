/* Tables built once per process, shared read-only.  See shared.h. */
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shared.h"

void *zf_shared_get(zf_shared_slot *slot, void *(*build)(void *arg), void *arg,
                    void (*destroy)(void *obj)) {
  void *obj = atomic_load_explicit(slot, memory_order_acquire);
  if (obj) return obj;
  if (!(obj = build(arg))) return NULL;
  void *expected = NULL;
  if (!atomic_compare_exchange_strong_explicit(slot, &expected, obj, memory_order_acq_rel,
                                               memory_order_acquire)) {
    destroy(obj);
    obj = expected;
  }
  return obj;
}

void zf_blob_release(const void *blob, size_t size) {
#ifdef MADV_DONTNEED
  long ps = sysconf(_SC_PAGESIZE);
  if (ps <= 0 || (ps & (ps - 1))) return;
  uintptr_t page = (uintptr_t)ps; /* whole pages inside the blob only */
  uintptr_t a = ((uintptr_t)blob + page - 1) & ~(page - 1), b = ((uintptr_t)blob + size) & ~(page - 1);
  if (b > a) (void)madvise((void *)a, b - a, MADV_DONTNEED);
#else
  (void)blob;
  (void)size;
#endif
}
