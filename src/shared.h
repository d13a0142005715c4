/*
 * Tables built once per process and shared read-only by every handle and
 * thread (issue 14): the first caller builds the object, publishes it with
 * a compare-and-swap, and every later caller reads it without a lock.  Two
 * threads that race both build; the loser frees its copy and uses the
 * winner's.  A build that fails (no memory) publishes nothing, so the next
 * call tries again: a failure never disables a stage for the process.
 *
 * Objects are never freed (they live as long as the process, like the
 * embedded blobs they are derived from).
 */
#ifndef ZF_SHARED_H
#define ZF_SHARED_H

#include <stdatomic.h>

typedef _Atomic(void *) zf_shared_slot;

/* Returns the object in *slot, building it with build(arg) first when the
 * slot is empty.  build returns the new object or NULL on failure; destroy
 * frees an object that lost the race.  Returns NULL only when the slot is
 * empty and build failed. */
void *zf_shared_get(zf_shared_slot *slot, void *(*build)(void *arg), void *arg,
                    void (*destroy)(void *obj));

#endif
