/* Placeholder until the generated readings land: no readings known. */
#include "readings.h"

int zf_pinyin_parse(const uint32_t *s, size_t n, int *tone) {
  (void)s;
  (void)n;
  *tone = 0;
  return -1;
}
int zf_reading_of(uint32_t cp, int syl, int tone) {
  (void)cp;
  (void)syl;
  (void)tone;
  return 0;
}
size_t zf_readings(uint32_t cp, uint32_t *out, size_t max) {
  (void)cp;
  (void)out;
  (void)max;
  return 0;
}
int zf_pinyin_format(int syl, int tone, char *buf, size_t cap) {
  (void)syl;
  (void)tone;
  if (cap) buf[0] = 0;
  return -1;
}
