/*
 * Encoding detection on real text: manpages-zh zh_CN pages encoded as
 * GB18030 and zh_TW pages encoded as Big5, whole and as short lines.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#include "decode.h"
#include "tu.h"

/* Encodes UTF-8 text to `cs`; returns NULL when a character has no mapping
 * (so the test only uses text the encoding can carry). */
static char *encode(const char *utf8, size_t len, const char *cs, size_t *outlen) {
  UErrorCode err = U_ZERO_ERROR;
  UConverter *u8 = ucnv_open("UTF-8", &err);
  UConverter *to = ucnv_open(cs, &err);
  ucnv_setFromUCallBack(to, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL, &err);
  size_t cap = len * 2 + 16;
  char *out = malloc(cap);
  char *t = out;
  const char *s = utf8;
  ucnv_convertEx(to, u8, &t, out + cap, &s, utf8 + len, NULL, NULL, NULL, NULL, 1, 1, &err);
  ucnv_close(u8);
  ucnv_close(to);
  if (U_FAILURE(err)) {
    free(out);
    return NULL;
  }
  *outlen = (size_t)(t - out);
  return out;
}

typedef struct {
  int pages, pages_right, lines, lines_right;
} tally;

static int han_count(const char *s, size_t n) {
  int k = 0;
  for (size_t i = 0; i + 2 < n; i++)
    if ((unsigned char)s[i] >= 0xE3 && (unsigned char)s[i] <= 0xE9) k++;
  return k;
}

static void run_dir(const char *dir, const char *cs, int want, tally *t, int max_pages) {
  DIR *d = opendir(tu_corpus(dir));
  assert_non_null(d);
  char **names = NULL;
  size_t nn = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    names = realloc(names, (nn + 1) * sizeof *names);
    names[nn++] = strdup(e->d_name);
  }
  closedir(d);
  for (size_t i = 0; i < nn; i++) {
    for (size_t j = i + 1; j < nn; j++)
      if (strcmp(names[j], names[i]) < 0) {
        char *x = names[i];
        names[i] = names[j];
        names[j] = x;
      }
  }
  for (size_t i = 0; i < nn && t->pages < max_pages; i++) {
    char rel[512];
    snprintf(rel, sizeof rel, "%s/%s", dir, names[i]);
    size_t len, elen;
    char *text = tu_read_file(tu_corpus(rel), &len);
    assert_non_null(text);
    size_t plen = len < ZHFIX_DETECT_WINDOW / 2 ? len : ZHFIX_DETECT_WINDOW / 2;
    while (plen < len && ((unsigned char)text[plen] & 0xC0) == 0x80) plen++;
    char *enc = encode(text, plen, cs, &elen);
    if (enc && han_count(text, plen) >= 10) {
      t->pages++;
      int got = zf_detect_encoding((unsigned char *)enc, elen, 1);
      if (got == want) t->pages_right++;
      else
        fprintf(stderr, "  %s: detected %s\n", rel, zhfix_encoding_name(got));
    }
    free(enc);
    /* Short inputs: each line with at least 20 Han characters, cut to its
     * first ~20 characters. */
    tu_lines it = {text, text + len};
    const char *l;
    size_t ll;
    while ((l = tu_next_line(&it, &ll))) {
      if (han_count(l, ll) < 20) continue;
      /* 20 characters from the first Han one: a short line of Chinese. */
      while (ll && (unsigned char)*l < 0xE3) {
        l++;
        ll--;
      }
      size_t cut = 0;
      for (int chars = 0; cut < ll && chars < 20; chars++) {
        cut++;
        while (cut < ll && ((unsigned char)l[cut] & 0xC0) == 0x80) cut++;
      }
      char *le = encode(l, cut, cs, &elen);
      if (!le) continue;
      t->lines++;
      if (zf_detect_encoding((unsigned char *)le, elen, 1) == want) t->lines_right++;
      free(le);
    }
    free(text);
  }
  for (size_t i = 0; i < nn; i++) free(names[i]);
  free(names);
}

static void test_detect_gb18030(void **state) {
  (void)state;
  tally t = {0};
  run_dir("pages/zh_CN", "GB18030", ZHFIX_ENC_GB18030, &t, tu_quick() ? 40 : 100000);
  printf("  zh_CN as GB18030: pages %d/%d, 20-char lines %d/%d (%.2f%%)\n", t.pages_right,
         t.pages, t.lines_right, t.lines, 100.0 * t.lines_right / (t.lines ? t.lines : 1));
  assert_true(t.pages > 30);
  assert_int_equal(t.pages_right, t.pages);
  assert_true(t.lines_right >= t.lines * 0.998);
}

static void test_detect_big5(void **state) {
  (void)state;
  tally t = {0};
  run_dir("pages/zh_TW", "windows-950-2000", ZHFIX_ENC_BIG5, &t, tu_quick() ? 40 : 100000);
  printf("  zh_TW as Big5: pages %d/%d, 20-char lines %d/%d (%.2f%%)\n", t.pages_right, t.pages,
         t.lines_right, t.lines, 100.0 * t.lines_right / (t.lines ? t.lines : 1));
  assert_true(t.pages > 30);
  assert_int_equal(t.pages_right, t.pages);
  assert_true(t.lines_right >= t.lines * 0.998);
}

/* End to end: a GB18030 page through the public API comes back as the
 * UTF-8 it was made from, and the statistics name the encoding. */
static void test_roundtrip(void **state) {
  (void)state;
  size_t len, elen, n;
  char *text = tu_read_file(tu_corpus("pages/zh_CN/ls.1.txt"), &len);
  assert_non_null(text);
  char *enc = encode(text, len, "GB18030", &elen);
  assert_non_null(enc);
  zhfix *h = zhfix_create();
  zhfix_set_option_string(h, "punct", "off");
  zhfix_set_option_string(h, "mojibake", "off");
  zhfix_set_option_string(h, "pinyin", "keep");
  char *out;
  assert_int_equal(zhfix_process(h, enc, elen, &out, &n), ZHFIX_OK);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_ENCODING), ZHFIX_ENC_GB18030);
  assert_int_equal(n, len);
  assert_memory_equal(out, text, len);
  zhfix_buffer_free(out);
  zhfix_free(h);
  free(enc);
  free(text);
}

static void test_utf8_validity(void **state) {
  (void)state;
  assert_true(zf_utf8_valid((const unsigned char *)"abc", 3, 1));
  assert_true(zf_utf8_valid((const unsigned char *)"\xe4\xb8", 2, 0)); /* cut by the window */
  assert_false(zf_utf8_valid((const unsigned char *)"\xe4\xb8", 2, 1));
  assert_false(zf_utf8_valid((const unsigned char *)"\xd6\xd0\xce\xc4", 4, 1));
  assert_true(zf_utf8_valid((const unsigned char *)"\xef\xbf\xbd", 3, 1)); /* a real U+FFFD */
  int enc;
  assert_int_equal(zf_detect_bom((const unsigned char *)"\xff\xfe", 2, &enc), 2);
  assert_int_equal(enc, ZHFIX_ENC_UTF16LE);
}

/* The in-house UTF-8 decoder against ICU's (both substitute U+FFFD per
 * maximal subpart) on random strings of boundary bytes. */
static void test_utf8_against_icu(void **state) {
  (void)state;
  static const unsigned char pool[] = {0x41, 0x0a, 0xe4, 0xb8, 0xad, 0xe0, 0xa0, 0x80, 0xed,
                                       0x9f, 0xbf, 0xa0, 0xf0, 0x90, 0xf4, 0x8f, 0xc2, 0xc0,
                                       0xff, 0xef, 0xbd, 0xe1, 0xf5, 0x8e, 0xf1};
  unsigned seed = 12345;
  int mismatches = 0, runs = tu_quick() ? 300 : 3000;
  UErrorCode err = U_ZERO_ERROR;
  UConverter *u8 = ucnv_open("UTF-8", &err);
  assert_true(U_SUCCESS(err));
  for (int r = 0; r < runs; r++) {
    unsigned char in[64];
    seed = seed * 1103515245u + 12345u;
    size_t n = 1 + (seed >> 16) % 48;
    for (size_t i = 0; i < n; i++) {
      seed = seed * 1103515245u + 12345u;
      in[i] = pool[(seed >> 16) % sizeof pool];
    }
    UChar u[256];
    err = U_ZERO_ERROR;
    ucnv_reset(u8);
    int32_t nu = ucnv_toUChars(u8, u, 256, (const char *)in, (int32_t)n, &err);
    char want[1024];
    int32_t nw = 0;
    u_strToUTF8(want, sizeof want, &nw, u, nu, &err);
    assert_true(U_SUCCESS(err));
    size_t got_len;
    char *got = tu_run((const char *)in, n, "--from=utf-8 --punct=off --mojibake=off --pinyin=keep --force",
                       &got_len, NULL);
    assert_non_null(got);
    if (got_len != (size_t)nw || memcmp(got, want, got_len) != 0) mismatches++;
    free(got);
  }
  ucnv_close(u8);
  assert_int_equal(mismatches, 0);
}

/* Issue 13: a stray byte in UTF-8 text does not switch the document to
 * GB18030; the text stays UTF-8, the byte becomes U+FFFD and is counted. */
static void test_utf8_with_stray_byte(void **state) {
  (void)state;
  static const char in[] = "马斯克与普京定期进行秘密对话，克宫回应。\ncaf\xe9\n";
  zf_detection d;
  zf_detect((const unsigned char *)in, sizeof in - 1, 1, &d);
  assert_int_equal(d.enc, ZHFIX_ENC_UTF8);
  assert_int_equal(d.guessed, 0);
  assert_int_equal(d.invalid, 1);
  int st;
  size_t n;
  char *out = tu_run(in, sizeof in - 1, "--punct=off", &n, &st);
  assert_non_null(out);
  assert_string_equal(out, "马斯克与普京定期进行秘密对话，克宫回应。\ncaf\xef\xbf\xbd\n");
  free(out);
  zhfix *h = zhfix_create();
  assert_int_equal(zhfix_process(h, in, sizeof in - 1, &out, &n), ZHFIX_OK);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_INVALID_SEQUENCES), 1);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_FIRST_INVALID_OFFSET), 64);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_ENCODING_GUESSED), 0);
  zhfix_buffer_free(out);
  zhfix_free(h);
  /* A whole man page with one 0xFF byte in the middle: still UTF-8. */
  size_t len;
  char *page = tu_read_file(tu_corpus("pages/zh_CN/bash.1.txt"), &len);
  assert_non_null(page);
  size_t at = len / 2;
  while (at < len && ((unsigned char)page[at] & 0xC0) == 0x80) at++;
  page[at] = (char)0xFF;
  zf_detect((const unsigned char *)page, len < ZHFIX_DETECT_WINDOW ? len : ZHFIX_DETECT_WINDOW, 1, &d);
  assert_int_equal(d.enc, ZHFIX_ENC_UTF8);
  free(page);
}

/* Whether each line of a GB18030 / Big5 corpus keeps its legacy reading,
 * and how often it is flagged as a guess.  The premise of the detection
 * model: legacy text forms valid UTF-8 sequences in about one high-byte
 * sequence in five; a window of it never reaches the odds UTF-8 needs. */
static void test_legacy_never_utf8(void **state) {
  (void)state;
  static const struct {
    const char *file, *cs;
    int want;
  } set[] = {{"zh_CN.txt", "GB18030", ZHFIX_ENC_GB18030},
             {"zh_TW.txt", "windows-950-2000", ZHFIX_ENC_BIG5},
             {"fortunes.txt", "GB18030", ZHFIX_ENC_GB18030}};
  for (size_t k = 0; k < sizeof set / sizeof set[0]; k++) {
    size_t len, elen;
    char *text = tu_read_file(tu_corpus(set[k].file), &len);
    assert_non_null(text);
    if (tu_quick() && len > 1000000) len = 1000000; /* ~15 windows, some all ASCII */
    while (len && ((unsigned char)text[len - 1] & 0xC0) == 0x80) len--;
    if (len && (unsigned char)text[len - 1] >= 0xC0) len--;
    uint64_t v = 0, inv = 0;
    int windows = 0, utf8_windows = 0;
    for (size_t off = 0; off < len; off += ZHFIX_DETECT_WINDOW) {
      size_t n = len - off < ZHFIX_DETECT_WINDOW ? len - off : ZHFIX_DETECT_WINDOW;
      while (off + n < len && ((unsigned char)text[off + n] & 0xC0) == 0x80) n--;
      if (n < 1000) break;
      while (n && ((unsigned char)text[off + n - 1]) >= 0xC0) n--;
      char *enc = encode(text + off, n, set[k].cs, &elen);
      if (!enc) continue;
      zf_detection d;
      zf_detect((const unsigned char *)enc, elen, 1, &d);
      free(enc);
      if (!d.invalid && !d.valid) continue; /* ASCII: UTF-8 is right */
      windows++;
      utf8_windows += d.enc == ZHFIX_ENC_UTF8;
      assert_true(d.valid <= (d.valid + d.invalid) * DETECT_P_LEGACY);
      v += d.valid;
      inv += d.invalid;
    }
    printf("  %s as %s: %d windows, %d read as UTF-8; valid UTF-8 in %.1f%% of high-byte "
           "sequences\n", set[k].file, set[k].cs, windows, utf8_windows,
           100.0 * (double)v / (double)(v + inv ? v + inv : 1));
    assert_true(windows > 3);
    assert_int_equal(utf8_windows, 0);
    free(text);
  }
}

/* Latin-1 European text read as GB18030 is a guess, not a decision. */
static void test_latin1_is_a_guess(void **state) {
  (void)state;
  static const char *lines[] = {
      "Gr\xf6\xdf" "e und L\xe4nge der Datei \xfc" "ber die Stra\xdf" "e und zur\xfc" "ck\n",
      "Le syst\xe8me de fichiers a \xe9t\xe9 cr\xe9\xe9 \xe0 partir de l'archive d\xe9j\xe0 pr\xe9sente.\n",
      "\xbf" "D\xf3nde est\xe1 la estaci\xf3n? \xa1" "Ma\xf1" "ana ser\xe1 otro d\xed" "a!\n"};
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
    zf_detection d;
    zf_detect((const unsigned char *)lines[i], strlen(lines[i]), 1, &d);
    if (!d.guessed) fprintf(stderr, "  not a guess: %s (enc %d, mean %.2f, margin %.2f)\n", lines[i], d.enc, d.mean, d.margin);
    assert_int_equal(d.guessed, 1);
  }
}

/* Issue 13: a valid U+FFFD cut by a 16 KiB read slice after the detection
 * window is text, not an invalid sequence. */
static void test_fffd_across_slices(void **state) {
  (void)state;
  for (size_t pre = 65530; pre < 65540 + 16384 * 2; pre += pre < 65540 ? 1 : 16383) {
    tu_buf b = {0};
    for (size_t i = 0; i < pre; i++) tu_buf_put(&b, "a", 1);
    tu_buf_put(&b, "\xef\xbf\xbd中文\n", 10);
    int st = 0;
    size_t n;
    char *out = tu_run(b.p, b.n, "--strict --punct=off", &n, &st);
    if (!out) fprintf(stderr, "  U+FFFD after %zu bytes: status %d\n", pre, st);
    assert_non_null(out);
    assert_int_equal(n, b.n);
    assert_memory_equal(out, b.p, n);
    free(out);
    out = tu_run_chunked(b.p, b.n, "--strict --punct=off", (unsigned)pre, &n, &st);
    assert_non_null(out);
    assert_memory_equal(out, b.p, n);
    free(out);
    free(b.p);
  }
}


/* zf_utf8_encode (the pipeline's UTF-8 out: 16 lanes a step where the
 * CPU has AVX-512 VBMI2, four with SSSE3, else scalar; each path)
 * against zf_utf8_put one character at a time: every code point,
 * non-characters and out-of-range values (U+FFFD), in runs that mix
 * one-, two-, three- and four-byte forms at every alignment of the
 * vector steps, and ASCII blocks of 16 cut at every length. */
static size_t put_ref(const uint32_t *cp, size_t n, unsigned char *p0) {
  unsigned char *p = p0;
  for (size_t i = 0; i < n; i++) {
    uint32_t c = cp[i];
    p += zf_utf8_put(c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) ? 0xFFFD : c, p);
  }
  return (size_t)(p - p0);
}

static void check_encode(const uint32_t *cp, size_t n) {
  unsigned char *a = malloc(4 * n + 1), *b = malloc(4 * n + 1);
  assert_non_null(a);
  assert_non_null(b);
  size_t nb = put_ref(cp, n, b);
  for (int level = 2; level >= 0; level--) { /* AVX-512, SSSE3, scalar */
    zf_utf8_encode_level(level);
    size_t na = zf_utf8_encode(cp, n, a);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
  }
  zf_utf8_encode_level(2);
  free(a);
  free(b);
}

static void test_utf8_encode(void **state) {
  (void)state;
  enum { N = 0x110000 + 8 };
  uint32_t *all = malloc(N * sizeof *all);
  assert_non_null(all);
  for (uint32_t c = 0; c < 0x110000; c++) all[c] = c;
  const uint32_t bad[8] = {0x110000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xD800, 0xDFFF, 0xFFFF, 0x10FFFF};
  memcpy(all + 0x110000, bad, sizeof bad);
  check_encode(all, N);
  /* mixes: one value of each length class and the boundaries, in a
   * pseudo-random order, at each start offset */
  static const uint32_t kinds[] = {'a', 0x7F, 0x80, 0x7FF, 0x800, 0x4E2D, 0xD7FF, 0xD800, 0xDBFF,
                                   0xDFFF, 0xE000, 0xFF0C, 0xFFFD, 0xFFFF, 0x10000, 0x2A6D6,
                                   0x10FFFF, 0x110000, 0xFFFFFFFF, '\n', 0x3002, ' '};
  const size_t nk = sizeof kinds / sizeof kinds[0];
  uint32_t mix[4096];
  uint32_t x = 12345;
  for (size_t i = 0; i < 4096; i++) {
    x = x * 1103515245u + 12345u;
    /* runs: ASCII and Han in streaks, the other kinds now and then */
    uint32_t r = x >> 16;
    mix[i] = r % 8 < 3 ? 'a' + r % 26 : r % 8 < 6 ? 0x4E00 + r % 0x5000 : kinds[r % nk];
  }
  for (size_t start = 0; start < 20; start++)
    for (size_t len = 0; len < 70; len++) check_encode(mix + start, len);
  check_encode(mix, 4096);
  uint32_t ascii[64];
  for (size_t i = 0; i < 64; i++) ascii[i] = 'A' + i % 26;
  for (size_t cut = 0; cut < 64; cut++) {
    ascii[cut] = 0x4E2D; /* one character not ASCII at each place */
    for (size_t len = 1; len <= 64; len++) check_encode(ascii, len);
    ascii[cut] = 'A' + cut % 26;
  }
  free(all);
}

/* ---- the UTF-8 decoder's block path and its scalar path ------------------- */

/* What zf_decode must give for p[0..n) fed whole with flush: one
 * character at a time through zf_utf8_get, U+FFFD for each maximal
 * invalid subpart (and for a sequence cut by the end), each character at
 * the offset of its first byte. */
typedef struct u8ref {
  uint32_t cp[512];
  uint64_t off[512];
  size_t n;
  uint64_t invalid, first;
} u8ref;

static void utf8_reference(const unsigned char *p, size_t n, u8ref *r) {
  r->n = 0;
  r->invalid = 0;
  r->first = UINT64_MAX;
  for (size_t i = 0; i < n;) {
    uint32_t c = p[i];
    int k = 1;
    if (c >= 0x80) {
      k = zf_utf8_get(p + i, n - i, &c);
      if (k <= 0) {
        if (r->invalid++ == 0) r->first = i;
        k = k ? -k : (int)(n - i);
      }
    }
    r->cp[r->n] = c;
    r->off[r->n++] = i;
    i += (size_t)k;
  }
}

/* zf_decode on p[0..n) fed in pieces of the lengths cuts[] (the rest in
 * a last piece), against the reference. */
static void check_decode(const unsigned char *p, size_t n, const size_t *cuts, size_t ncuts, const u8ref *want) {
  zf_decoder *d;
  assert_int_equal(zf_decoder_new(&d, ZHFIX_ENC_UTF8), 0);
  zf_text t = {0};
  zf_stats st;
  zf_stats_init(&st);
  size_t at = 0;
  for (size_t c = 0; c <= ncuts; c++) {
    size_t m = c < ncuts ? cuts[c] : n - at;
    if (m > n - at) m = n - at;
    assert_int_equal(zf_decode(d, p + at, m, at, c == ncuts, &t, &st), 0);
    at += m;
  }
  assert_int_equal(t.len, want->n);
  assert_memory_equal(t.cp, want->cp, t.len * sizeof *t.cp);
  assert_memory_equal(t.off, want->off, t.len * sizeof *t.off);
  assert_int_equal(st.v[ZHFIX_STAT_INVALID_SEQUENCES], want->invalid);
  assert_int_equal(st.v[ZHFIX_STAT_FIRST_INVALID_OFFSET], want->first);
  zf_text_free(&t);
  zf_decoder_free(d);
}

/* Both paths, the input whole, cut in two at every place, and in random
 * pieces of 1 to 20 bytes. */
static void check_all_feeds(const unsigned char *p, size_t n, unsigned *seed) {
  u8ref *want = malloc(sizeof *want);
  assert_non_null(want);
  utf8_reference(p, n, want);
  for (int level = 0; level < 3; level++) {
    zf_utf8_decode_level(level);
    check_decode(p, n, NULL, 0, want);
    for (size_t cut = 0; cut <= n; cut++) check_decode(p, n, &cut, 1, want);
    size_t cuts[256], nc = 0;
    for (size_t sum = 0; sum < n && nc < 256; nc++) {
      *seed = *seed * 1103515245u + 12345u;
      cuts[nc] = 1 + (*seed >> 16) % 20;
      sum += cuts[nc];
    }
    check_decode(p, n, cuts, nc, want);
  }
  zf_utf8_decode_level(2);
  free(want);
}

/* Text the block path takes (ASCII, three-byte sequences of every lead
 * it accepts) with every kind of byte it must stop at, written over each
 * position in turn; and random strings of those bytes. */
static void test_utf8_blocks(void **state) {
  (void)state;
  static const char *const pieces[] = {"a", "Z", "\n", " ", "\xe4\xb8\xad", "\xe6\x96\x87", "\xef\xbc\x8c",
                                       "\xe1\x80\x80", "\xec\xbf\xbf", "\xee\x80\x80", "\xef\xbf\xbd", "\xef\xbf\xbf"};
  static const unsigned char odd[] = {0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xe4,
                                      0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x00, 0x7f};
  unsigned seed = 2026;
  unsigned char buf[160];
  size_t n = 0;
  while (n < 96) {
    seed = seed * 1103515245u + 12345u;
    const char *pc = pieces[(seed >> 16) % (sizeof pieces / sizeof *pieces)];
    memcpy(buf + n, pc, strlen(pc));
    n += strlen(pc);
  }
  check_all_feeds(buf, n, &seed);
  unsigned char mod[160];
  for (size_t at = 0; at < n; at++)
    for (size_t k = 0; k < sizeof odd; k++) {
      memcpy(mod, buf, n);
      mod[at] = odd[k];
      check_all_feeds(mod, n, &seed);
      /* and inserted, shifting the rest across the blocks */
      memcpy(mod, buf, at);
      mod[at] = odd[k];
      memcpy(mod + at + 1, buf + at, n - at);
      check_all_feeds(mod, n + 1, &seed);
    }
  /* good sequences of the other lengths, and the edges of E0 and ED */
  static const char *const others[] = {"\xc2\xa9", "\xdf\xbf", "\xe0\xa0\x80", "\xe0\xbf\xbf", "\xed\x9f\xbf",
                                       "\xed\xa0\x80", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xe4\xb8"};
  for (size_t at = 0; at < n; at += 1)
    for (size_t k = 0; k < sizeof others / sizeof *others; k++) {
      size_t l = strlen(others[k]);
      memcpy(mod, buf, at);
      memcpy(mod + at, others[k], l);
      memcpy(mod + at + l, buf + at, n - at);
      check_all_feeds(mod, n + l, &seed);
    }
  int runs = tu_quick() ? 200 : 2000;
  for (int r = 0; r < runs; r++) {
    seed = seed * 1103515245u + 12345u;
    size_t m = (seed >> 16) % 120;
    for (size_t i = 0; i < m;) {
      seed = seed * 1103515245u + 12345u;
      unsigned x = seed >> 16;
      if (x % 4) {
        const char *pc = pieces[x / 4 % (sizeof pieces / sizeof *pieces)];
        size_t l = strlen(pc);
        if (i + l > m) l = m - i;
        memcpy(mod + i, pc, l);
        i += l;
      } else {
        mod[i++] = odd[x / 4 % sizeof odd];
      }
    }
    check_all_feeds(mod, m, &seed);
  }
}

/* Decodes p[0..n) whole with the block decoders of the given level. */
static void decode_level(int level, const unsigned char *p, size_t n, zf_text *t, zf_stats *st) {
  zf_decoder *d;
  zf_utf8_decode_level(level);
  assert_int_equal(zf_decoder_new(&d, ZHFIX_ENC_UTF8), 0);
  zf_stats_init(st);
  assert_int_equal(zf_decode(d, p, n, 0, 1, t, st), 0);
  zf_decoder_free(d);
  zf_utf8_decode_level(2);
}

/* Every corpus file, as it is and with a stray byte every 997 bytes (a
 * lone lead, continuation or ASCII byte by turns, so stops fall at every
 * position of the 16- and 64-byte blocks): the block decoders of each
 * level give the scalar path's code points, offsets and invalid counts. */
static void test_utf8_levels_corpus(void **state) {
  (void)state;
  static const char *const files[] = {"zh_CN.txt", "zh_TW.txt", "mixed.txt", "fortunes.txt"};
  static const unsigned char stray[] = {0xE4, 0x80, 0xC3, 0xF0, 0xED, 0xE0, 0x0A};
  for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
    size_t len;
    unsigned char *text = (unsigned char *)tu_read_file(tu_corpus(files[f]), &len);
    assert_non_null(text);
    if (tu_quick() && len > 1000000) len = 1000000;
    for (int damaged = 0; damaged < 2; damaged++) {
      if (damaged)
        for (size_t at = 500, k = 0; at < len; at += 997, k++) text[at] = stray[k % sizeof stray];
      zf_text ref = {0};
      zf_stats rst;
      decode_level(0, text, len, &ref, &rst);
      for (int level = 1; level < 3; level++) {
        zf_text t = {0};
        zf_stats st;
        decode_level(level, text, len, &t, &st);
        assert_int_equal(t.len, ref.len);
        assert_memory_equal(t.cp, ref.cp, t.len * sizeof *t.cp);
        assert_memory_equal(t.off, ref.off, t.len * sizeof *t.off);
        assert_int_equal(st.v[ZHFIX_STAT_INVALID_SEQUENCES], rst.v[ZHFIX_STAT_INVALID_SEQUENCES]);
        assert_int_equal(st.v[ZHFIX_STAT_FIRST_INVALID_OFFSET], rst.v[ZHFIX_STAT_FIRST_INVALID_OFFSET]);
        zf_text_free(&t);
      }
      zf_text_free(&ref);
    }
    free(text);
  }
}

/* The whole pipeline on text with stray bytes at block edges: the same
 * output with the block path and without, whole and fed in pieces. */
static void test_utf8_blocks_pipeline(void **state) {
  (void)state;
  tu_buf b = {0};
  for (int i = 0; i < 3000; i++) {
    const char *pc = i % 3 ? "中文字符abc, " : "English text 。";
    tu_buf_put(&b, pc, strlen(pc));
    if (i % 37 == 0) tu_buf_put(&b, "\xff", 1);
    if (i % 41 == 0) tu_buf_put(&b, "\xe4\xb8", 2);
    if (i % 43 == 0) tu_buf_put(&b, "\xc3\xa9\xf0\x9f\x98\x80", 6);
    if (i % 10 == 9) tu_buf_put(&b, "\n", 1);
  }
  size_t n1, n2, n3;
  char *simd = tu_run(b.p, b.n, "--punct=off", &n1, NULL);
  char *chunked = tu_run_chunked(b.p, b.n, "--punct=off", 7, &n2, NULL);
  zf_utf8_decode_simd(0);
  char *scalar = tu_run(b.p, b.n, "--punct=off", &n3, NULL);
  zf_utf8_decode_simd(1);
  assert_non_null(simd);
  assert_non_null(chunked);
  assert_non_null(scalar);
  assert_int_equal(n1, n3);
  assert_memory_equal(simd, scalar, n1);
  assert_int_equal(n1, n2);
  assert_memory_equal(simd, chunked, n1);
  free(simd);
  free(chunked);
  free(scalar);
  free(b.p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_utf8_validity),
      cmocka_unit_test(test_utf8_against_icu),
      cmocka_unit_test(test_roundtrip),
      cmocka_unit_test(test_detect_gb18030),
      cmocka_unit_test(test_detect_big5),
      cmocka_unit_test(test_utf8_with_stray_byte),
      cmocka_unit_test(test_legacy_never_utf8),
      cmocka_unit_test(test_latin1_is_a_guess),
      cmocka_unit_test(test_fffd_across_slices),
      cmocka_unit_test(test_utf8_encode),
      cmocka_unit_test(test_utf8_blocks),
      cmocka_unit_test(test_utf8_blocks_pipeline),
      cmocka_unit_test(test_utf8_levels_corpus),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
