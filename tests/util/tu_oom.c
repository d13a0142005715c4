/* The failing allocator of tu_oom.h. */
#include "tu_oom.h"

volatile size_t tu_oom_min = (size_t)-1, tu_oom_max = (size_t)-1;
volatile int tu_oom_left;
volatile int tu_oom_failed;

#if TU_OOM_INTERPOSE
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static int should_fail(size_t n) {
  if (n < tu_oom_min || n > tu_oom_max || tu_oom_left <= 0) return 0;
  tu_oom_left--;
  tu_oom_failed++;
  return 1;
}

void *malloc(size_t n) { return should_fail(n) ? NULL : __libc_malloc(n); }
void *calloc(size_t n, size_t s) {
  return s && n > (size_t)-1 / s ? NULL : should_fail(n * s) ? NULL : __libc_calloc(n, s);
}
void *realloc(void *p, size_t n) { return should_fail(n) ? NULL : __libc_realloc(p, n); }
#endif
