/* The JSON Lines record reader and writer of --jsonl (src/cli/jsonline.c)
 * against jansson, the judge: on random lines built from the pieces that
 * matter (Chinese text, every escape, \u surrogate pairs and halves, \u0000,
 * controls, ill-formed UTF-8 of every kind, at every position relative to
 * the scanner's 6- and 8-byte steps), cli_jl_read must find what jansson
 * finds (valid or not, an object or not, the field's value byte for byte),
 * and cli_jl_encode_like must write what jansson's json_dumps writes.
 * The CLI is not a library, so its two source files are compiled in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/jsonline.c"
#include "cli/util.c"

static uint64_t rng_state;
static uint32_t rnd(void) {
  rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(rng_state >> 33);
}

/* Pieces of a string's quoted form: most well formed, some not. */
static const char *const good[] = {
    "简体", "發現", "中文，", "abc", " ", "\\\"", "\\\\", "\\/", "\\b\\f\\n\\r\\t", "\\u00e9",
    "\\u00E9", "\\u9019", "\\ud83d\\ude00", "\\uD83D\\uDE00", "é", "😀", "\x7f", "“”",
    "\xe0\xa0\x80",     /* U+0800: lead E0, smallest second byte */
    "\xed\x9f\xbf",     /* U+D7FF: lead ED, largest second byte  */
    "\xef\xbf\xbd",     /* U+FFFD */
    "\xf4\x8f\xbf\xbf", /* U+10FFFF */
    "\xee\x80\x80",     /* U+E000 */
    "ab\xe4\xb8\xad",   /* a character after ASCII: odd alignments */
    "x",
};
static const char *const bad[] = {
    "\"", "\\", "\\u0000", "\\ud83d", "\\ude00", "\\ud83d\\u0041", "\\x", "\\u12", "\xff",
    "\x01", "\t", "\xc0\xaf",
    "\xe0\x9f\xbf",     /* overlong */
    "\xe0\x80\x80",     /* overlong */
    "\xed\xa0\x80",     /* a surrogate */
    "\xed\xbf\xbf",     /* a surrogate */
    "\xf4\x90\x80\x80", /* beyond U+10FFFF */
    "\xe4\xb8",         /* cut short */
    "\xe4",             /* cut short */
    "\x80",             /* a lone continuation */
    "\xe4\x38\xad",     /* a lead without its continuation */
    "\xe4\xb8\xe4",     /* cut by the next lead */
};

/* Appends a random quoted string (without its quotes) to b. */
static void random_string(strbuf *b, int bad_rate) {
  int n = (int)(rnd() % 24);
  if (rnd() % 50 == 0) n += (int)(rnd() % 400);
  for (int k = 0; k < n; k++) {
    const char *p = bad_rate && (int)(rnd() % 1000) < bad_rate
                        ? bad[rnd() % (sizeof bad / sizeof *bad)]
                        : good[rnd() % (sizeof good / sizeof *good)];
    sb_add(b, p, strlen(p));
  }
}

/* A random line: an object with the field, or without it, or another
 * value where it stands; sometimes trailing garbage or a CR. */
static void random_line(strbuf *b) {
  b->len = 0;
  int shape = (int)(rnd() % 10);
  if (shape == 0) {
    sb_add(b, "[\"", 2);
    random_string(b, 20);
    sb_add(b, "\"]", 2);
    return;
  }
  sb_add(b, shape == 1 ? " { " : "{", shape == 1 ? 3 : 1);
  if (shape == 2) sb_add(b, "\"id\": 12, \"n\": [1, 2.5e3, null, true, {\"text\": \"x\"}], ", 53);
  sb_add(b, shape == 3 ? "\"other\"" : "\"text\"", shape == 3 ? 7 : 6);
  sb_add(b, ":", 1);
  if (shape == 4) {
    sb_add(b, "42", 2);
  } else {
    sb_add(b, "\"", 1);
    random_string(b, 30);
    sb_add(b, "\"", 1);
  }
  if (shape == 5) sb_add(b, ", \"text\": \"简体\"", 18);
  sb_add(b, "}", 1);
  if (shape == 6) sb_add(b, "\r", 1);
  if (shape == 7 && rnd() % 4 == 0) sb_add(b, " x", 2);
}

/* What jansson reads in line[0..n) for field "text", in cli_jl_read's
 * terms; *val is the value when a string. */
static int jansson_kind(const char *line, size_t n, json_t **root, const char **val,
                        size_t *vlen) {
  json_error_t err;
  *root = json_loadb(line, n, JSON_ALLOW_NUL, &err);
  if (!*root) return JL_INVALID;
  if (!json_is_object(*root)) return JL_NOT_OBJECT;
  json_t *v = json_object_get(*root, "text");
  if (!v) return JL_FIELD_ABSENT;
  if (!json_is_string(v)) return JL_FIELD_NOT_STRING;
  *val = json_string_value(v);
  *vlen = json_string_length(v);
  return JL_FIELD_STRING;
}

static void test_read_like_jansson(void **state) {
  (void)state;
  rng_state = 14;
  strbuf line = {0};
  cli_jl_rec r;
  memset(&r, 0, sizeof r);
  int kinds[5] = {0};
  for (int it = 0; it < 60000; it++) {
    random_line(&line);
    json_t *root;
    const char *val = NULL;
    size_t vlen = 0;
    int want = jansson_kind(line.p, line.len, &root, &val, &vlen);
    cli_jl_read(&r, line.p, line.len, "text");
    if ((int)r.kind != want) fail_msg("line %d: kind %d, jansson %d: %.*s", it, (int)r.kind, want, (int)line.len, line.p);
    if (want == JL_FIELD_STRING) {
      assert_int_equal(r.slen, vlen);
      assert_memory_equal(r.str, val, vlen);
      /* the span is the value's quoted form */
      assert_true(r.span);
      assert_int_equal(line.p[r.vs], '"');
      assert_int_equal(line.p[r.ve - 1], '"');
    }
    kinds[want]++;
    json_decref(root);
    cli_jl_done(&r);
  }
  /* the lines reach every verdict, and most are valid records */
  for (int k = 0; k < 5; k++) assert_true(kinds[k] > 100);
  assert_true(kinds[JL_FIELD_STRING] > 20000);
  cli_jl_free(&r);
  sb_free(&line);
}

/* Every ill-formed piece at every offset from the string's start and end
 * (the 8-byte loads of the scanner see it at each position), among
 * Chinese characters. */
static void test_read_bad_utf8_everywhere(void **state) {
  (void)state;
  strbuf line = {0};
  cli_jl_rec r;
  memset(&r, 0, sizeof r);
  for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
    if (bad[b][0] != '\\' && (unsigned char)bad[b][0] < 0x80 && bad[b][0] != '\t' &&
        bad[b][0] != '\x01')
      continue; /* the quote: a shorter string, not an encoding error */
    for (int before = 0; before < 9; before++)
      for (int after = 0; after < 9; after++) {
        line.len = 0;
        sb_add(&line, "{\"text\":\"", 9);
        for (int k = 0; k < before; k++) sb_add(&line, "中", 3);
        sb_add(&line, bad[b], strlen(bad[b]));
        for (int k = 0; k < after; k++) sb_add(&line, "文", 3);
        sb_add(&line, "\"}", 2);
        json_t *root;
        const char *val;
        size_t vlen;
        int want = jansson_kind(line.p, line.len, &root, &val, &vlen);
        cli_jl_read(&r, line.p, line.len, "text");
        assert_int_equal(r.kind, want);
        /* raw bytes that are not UTF-8 make the line invalid (\u0000 is
         * jansson's to allow) */
        if (bad[b][0] != '\\') assert_int_equal(want, JL_INVALID);
        json_decref(root);
        cli_jl_done(&r);
      }
  }
  cli_jl_free(&r);
  sb_free(&line);
}

/* A random UTF-8 string (raw, unescaped): well formed, unless bad. */
static void random_raw(strbuf *b, int bad_rate) {
  static const char *const raw[] = {
      "简体", "發現", "中文，", "abc", " ", "\"", "\\", "/", "\b\f\n\r\t", "\x01\x1f", "\x7f",
      "é", "😀", "“”", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xef\xbf\xbd", "\xf4\x8f\xbf\xbf", "ab"};
  b->len = 0;
  int n = (int)(rnd() % 30);
  if (rnd() % 50 == 0) n += (int)(rnd() % 300);
  for (int k = 0; k < n; k++) {
    const char *p = bad_rate && (int)(rnd() % 1000) < bad_rate
                        ? bad[7 + rnd() % (sizeof bad / sizeof *bad - 9)] /* raw bytes only */
                        : raw[rnd() % (sizeof raw / sizeof *raw)];
    sb_add(b, p, strlen(p));
  }
}

static void test_encode_like_jansson(void **state) {
  (void)state;
  rng_state = 15;
  strbuf s = {0}, out = {0};
  /* the originals: raw UTF-8 (write raw), or ASCII with \u escapes in
   * upper case (write every character beyond ASCII escaped) */
  static const char raw_orig[] = "\"中文\"", esc_orig[] = "\"\\u4E2D\\u6587\"";
  int failed = 0;
  for (int it = 0; it < 40000; it++) {
    random_raw(&s, it % 2 ? 30 : 0);
    int ascii = it % 4 >= 2;
    const char *orig = ascii ? esc_orig : raw_orig;
    out.len = 0;
    int rc = cli_jl_encode_like(&out, orig, strlen(orig), s.p ? s.p : "", s.len, 0);
    json_t *js = json_stringn(s.p ? s.p : "", s.len);
    if (!js) { /* not UTF-8: neither writes it */
      assert_int_equal(rc, -1);
      failed++;
      continue;
    }
    char *want = json_dumps(js, JSON_ENCODE_ANY | (ascii ? JSON_ENSURE_ASCII : 0));
    assert_int_equal(rc, 0);
    assert_int_equal(out.len, strlen(want));
    assert_memory_equal(out.p, want, out.len);
    /* the same for a string known to be UTF-8, appended after a prefix */
    out.len = 0;
    sb_add(&out, "ab", 2);
    assert_int_equal(cli_jl_encode_like(&out, orig, strlen(orig), s.p ? s.p : "", s.len, 1), 0);
    assert_int_equal(out.len, 2 + strlen(want));
    assert_memory_equal(out.p + 2, want, out.len - 2);
    free(want);
    json_decref(js);
  }
  assert_true(failed > 1000 && failed < 20000);
  /* lower-case hex in the original: the cleaned value follows it */
  out.len = 0;
  assert_int_equal(cli_jl_encode_like(&out, "\"\\u4e2d\"", 8, "中é", 5, 0), 0);
  assert_int_equal(out.len, 14);
  assert_memory_equal(out.p, "\"\\u4e2d\\u00e9\"", 14);
  sb_free(&s);
  sb_free(&out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_read_like_jansson),
      cmocka_unit_test(test_read_bad_utf8_everywhere),
      cmocka_unit_test(test_encode_like_jansson),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
