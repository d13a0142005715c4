/* Tables built once per process, shared read-only.  See shared.h. */
#include <stddef.h>

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
