/*
 * UTF-8 into the library's internal text (code points with byte offsets),
 * for the test programs that drive a stage directly (test_lost,
 * test_lost_u8).  Linked into every test program; symbols are tu_text_*.
 */
#ifndef TU_TEXT_H
#define TU_TEXT_H

#include <stddef.h>

#include "zf.h"

/* Decodes p[0..n) into t (cleared first), each code point with the byte
 * offset it starts at.  A byte that starts no sequence (or one cut by the
 * end) becomes U+FFFD when fffd is nonzero, else stays as the code point
 * of its own value.  0, or ZHFIX_E_NOMEM. */
int tu_text_utf8(const char *p, size_t n, zf_text *t, int fffd);
/* Valid UTF-8 -> code points with byte offsets: tu_text_utf8 with fffd 0,
 * failing the test when it fails. */
void tu_text_valid(const char *p, size_t n, zf_text *t);

#endif
