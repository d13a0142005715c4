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
#include <stddef.h>

typedef _Atomic(void *) zf_shared_slot;

/* Returns the object in *slot, building it with build(arg) first when the
 * slot is empty.  build returns the new object or NULL on failure; destroy
 * frees an object that lost the race.  Returns NULL only when the slot is
 * empty and build failed. */
void *zf_shared_get(zf_shared_slot *slot, void *(*build)(void *arg), void *arg,
                    void (*destroy)(void *obj));

/* Gives back the pages of the embedded blob [blob, blob + size) that a
 * build walked once: read-only and file-backed, they leave the process's
 * resident set (not the page cache) and come back, unchanged, from the
 * page cache on the next read.  A build that reads every entry of a blob
 * of which the text then reads a few pages calls it when done, so the
 * walk does not stay in the peak RSS (docs/repair-farm.md, "Wave 16").
 * Only whole pages inside the blob are touched; safe while other threads
 * read it.  No-op where madvise has no MADV_DONTNEED. */
void zf_blob_release(const void *blob, size_t size);

#endif
