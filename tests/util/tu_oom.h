/*
 * A failing allocator for the out-of-memory tests (test_convert_shared,
 * test_codec): tu_oom.c replaces malloc, calloc and realloc so that
 * allocations of tu_oom_min to tu_oom_max bytes fail while tu_oom_left
 * > 0, each failure counted in tu_oom_failed.  Linked into every test
 * program; until a test arms it (tu_oom_left > 0) every allocation is
 * glibc's own.  Not under AddressSanitizer, whose allocator cannot be
 * replaced: there TU_OOM_INTERPOSE is 0 and nothing ever fails.
 */
#ifndef TU_OOM_H
#define TU_OOM_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define TU_OOM_INTERPOSE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TU_OOM_INTERPOSE 0
#endif
#endif
#ifndef TU_OOM_INTERPOSE
#define TU_OOM_INTERPOSE 1
#endif

/* Allocations of tu_oom_min to tu_oom_max bytes fail while tu_oom_left > 0. */
extern volatile size_t tu_oom_min, tu_oom_max;
extern volatile int tu_oom_left;
extern volatile int tu_oom_failed;

#endif
