#include "tu_text.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

int tu_text_utf8(const char *p, size_t n, zf_text *t, int fffd) {
  zf_text_clear(t);
  const unsigned char *s = (const unsigned char *)p;
  size_t i = 0;
  while (i < n) {
    uint32_t c = s[i];
    size_t l = 1;
    if (c >= 0xF0 && i + 3 < n) {
      c = (c & 7) << 18 | (s[i + 1] & 0x3Fu) << 12 | (s[i + 2] & 0x3Fu) << 6 | (s[i + 3] & 0x3Fu);
      l = 4;
    } else if (c >= 0xE0 && i + 2 < n) {
      c = (c & 15) << 12 | (s[i + 1] & 0x3Fu) << 6 | (s[i + 2] & 0x3Fu);
      l = 3;
    } else if (c >= 0xC0 && i + 1 < n) {
      c = (c & 31) << 6 | (s[i + 1] & 0x3Fu);
      l = 2;
    } else if (c >= 0x80 && fffd) {
      c = 0xFFFD;
    }
    if (zf_text_push(t, c, i)) return ZHFIX_E_NOMEM;
    i += l;
  }
  return 0;
}

void tu_text_valid(const char *p, size_t n, zf_text *t) { assert_int_equal(tu_text_utf8(p, n, t, 0), 0); }
