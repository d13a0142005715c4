/*
 * Fuzz target for the public streaming API.  The first input byte picks the
 * options; the rest is the document.  Checks, for any input:
 *  - no crash, leak or undefined behaviour (under the sanitizers);
 *  - zhfix_process and zhfix_stream fed in small pieces give the same
 *    status and the same bytes;
 *  - the output is valid UTF-8.
 * Built for libFuzzer with -fsanitize=fuzzer, or with tests/fuzz/replay.c,
 * which runs a corpus directory in `make check`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zhfix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void set_opts(zhfix *h, uint8_t sel) {
  static const char *const to[] = {"keep", "simp", "trad", "tw", "twp", "hk", "hkp", "jp"};
  static const char *const from[] = {"auto", "auto", "auto", "utf-8", "gb18030", "big5",
                                     "utf-16le", "big5-hkscs"};
  zhfix_set_option_string(h, "to", to[sel & 7]);
  zhfix_set_option_string(h, "from", from[(sel >> 3) & 7]);
  zhfix_set_option_string(h, "pinyin", (sel & 0x40) ? "strip" : "auto");
  zhfix_set_option_string(h, "force", "on");
  if (sel & 0x80) zhfix_set_option_string(h, "spacing", "on");
}

static int valid_utf8(const unsigned char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    unsigned char b = s[i];
    size_t k = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 ? 2 : 0;
    if (!k || i + k > n) return 0;
    for (size_t j = 1; j < k; j++)
      if ((s[i + j] & 0xC0) != 0x80) return 0;
    i += k;
  }
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint8_t sel = data[0];
  data++;
  size--;
  zhfix *h = zhfix_create();
  if (!h) return 0;
  set_opts(h, sel);
  char *one = NULL;
  size_t onelen = 0;
  int rc1 = zhfix_process(h, data, size, &one, &onelen);
  if (!rc1 && !valid_utf8((const unsigned char *)one, onelen)) abort();

  zhfix_reset(h);
  size_t cap = onelen + 64, n = 0, pos = 0;
  char *two = malloc(cap);
  int rc2 = 0;
  unsigned s = sel * 2654435761u + (unsigned)size;
  while (!rc2) {
    s = s * 1103515245u + 12345u;
    size_t piece = 1 + (s >> 16) % 13;
    if (piece > size - pos) piece = size - pos;
    int end = pos + piece == size;
    zhfix_in in = {data + pos, piece, 0};
    size_t pending;
    do {
      if (cap - n < 16) two = realloc(two, cap *= 2);
      zhfix_out out = {two + n, 7, 0};
      rc2 = zhfix_stream(h, &out, &in, end ? ZHFIX_END : ZHFIX_CONTINUE, &pending);
      n += out.pos;
    } while (!rc2 && (in.pos < in.size || (end && pending)));
    pos += piece;
    if (end) break;
  }
  if (rc1 != rc2) abort();
  if (!rc1 && (n != onelen || memcmp(one, two, n) != 0)) abort();
  free(two);
  zhfix_buffer_free(one);
  zhfix_free(h);
  return 0;
}
