/* Placeholder until the generated model lands: a flat model. */
#include "lm.h"
#include "zf.h"

uint32_t zf_lm_fold(uint32_t cp) { return cp; }
float zf_lm_char(uint32_t cp) { return zf_is_han(cp) ? -4.0f : -2.0f; }
float zf_lm_bigram(uint32_t a, uint32_t b) {
  (void)a;
  return zf_lm_char(b);
}
double zf_lm_score(const uint32_t *cp, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += i ? zf_lm_bigram(cp[i - 1], cp[i]) : zf_lm_char(cp[i]);
  return s;
}
int zf_lm_word(const uint32_t *cp, size_t n, float *log10freq) {
  (void)cp;
  (void)n;
  if (log10freq) *log10freq = -9.0f;
  return 0;
}
