/* Public API: lifetime, options, streaming rules, bad input, threads. */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "convert_tables.h"
#include "zf.h"
#include "moji_sim.h"
#include "tu.h"

static void test_version(void **state) {
  (void)state;
  assert_string_equal(zhfix_version(), ZHFIX_VERSION_STRING);
  assert_int_equal(zhfix_version_number(), ZHFIX_VERSION_NUMBER);
  assert_string_equal(zhfix_strerror(ZHFIX_OK), "success");
  for (int s = ZHFIX_E_INTERNAL; s <= 0; s++) assert_non_null(zhfix_strerror(s));
  assert_string_equal(zhfix_strerror(12345), "unknown status");
  for (int i = 0; i < ZHFIX_STAT__COUNT; i++) assert_non_null(zhfix_stat_name((zhfix_stat)i));
  assert_null(zhfix_stat_name(ZHFIX_STAT__COUNT));
}

static void test_options(void **state) {
  (void)state;
  zhfix_free(NULL);
  zhfix *h = zhfix_create();
  assert_non_null(h);
  assert_int_equal(zhfix_get_option(h, ZHFIX_OPT_FROM), ZHFIX_ENC_AUTO);
  assert_int_equal(zhfix_get_option(h, ZHFIX_OPT_PUNCT), 1);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_TO, ZHFIX_TO_HK), ZHFIX_OK);
  assert_int_equal(zhfix_get_option(h, ZHFIX_OPT_TO), ZHFIX_TO_HK);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_TO, 99), ZHFIX_E_INVALID);
  assert_int_equal(zhfix_set_option(h, (zhfix_option)999, 0), ZHFIX_E_INVALID);
  assert_int_equal(zhfix_get_option(h, (zhfix_option)999), ZHFIX_E_INVALID);
  assert_int_equal(zhfix_set_option_string(h, "from", "GBK"), ZHFIX_OK);
  assert_int_equal(zhfix_get_option(h, ZHFIX_OPT_FROM), ZHFIX_ENC_GB18030);
  assert_int_equal(zhfix_set_option_string(h, "from", "latin9"), ZHFIX_E_INVALID);
  assert_int_equal(zhfix_set_option_string(h, "punct", "off"), ZHFIX_OK);
  assert_int_equal(zhfix_get_option(h, ZHFIX_OPT_PUNCT), 0);
  assert_int_equal(zhfix_set_option_string(h, "nonsense", "on"), ZHFIX_E_INVALID);
  assert_int_equal(zhfix_encoding_from_name("big5-hkscs"), ZHFIX_ENC_BIG5HKSCS);
  assert_string_equal(zhfix_encoding_name(ZHFIX_ENC_GB18030), "gb18030");
  assert_string_equal(zhfix_script_name(ZHFIX_SCRIPT_TW), "tw");

  /* Options are fixed once a document has started, and kept by reset. */
  char buf[64];
  zhfix_out out = {buf, sizeof buf, 0};
  zhfix_in in = {"abc", 3, 0};
  assert_int_equal(zhfix_stream(h, &out, &in, ZHFIX_CONTINUE, NULL), ZHFIX_OK);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_TO, ZHFIX_TO_SIMP), ZHFIX_E_STATE);
  assert_int_equal(zhfix_reset(h), ZHFIX_OK);
  assert_int_equal(zhfix_get_option(h, ZHFIX_OPT_TO), ZHFIX_TO_HK);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_TO, ZHFIX_TO_SIMP), ZHFIX_OK);
  zhfix_free(h);
}

static void test_stream_rules(void **state) {
  (void)state;
  zhfix *h = zhfix_create();
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_PUNCT, 0), ZHFIX_OK);
  char buf[64];
  zhfix_out out = {buf, sizeof buf, 0};
  zhfix_in in = {"hello\n", 6, 0};
  size_t pending = 99;
  assert_int_equal(zhfix_stream(NULL, &out, &in, ZHFIX_END, &pending), ZHFIX_E_INVALID);
  assert_int_equal(zhfix_stream(h, NULL, &in, ZHFIX_END, &pending), ZHFIX_E_INVALID);
  assert_int_equal(zhfix_stream(h, &out, &in, (zhfix_directive)7, &pending), ZHFIX_E_INVALID);
  assert_int_equal(zhfix_stream(h, &out, &in, ZHFIX_END, &pending), ZHFIX_OK);
  assert_int_equal(pending, 0);
  assert_int_equal(out.pos, 6);
  assert_memory_equal(buf, "hello\n", 6);
  /* Input after the end is a caller error; an empty call is fine. */
  zhfix_in more = {"x", 1, 0};
  assert_int_equal(zhfix_stream(h, &out, &more, ZHFIX_END, &pending), ZHFIX_E_STATE);
  assert_int_equal(zhfix_stream(h, &out, NULL, ZHFIX_END, &pending), ZHFIX_OK);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_BYTES_IN), 6);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_BYTES_OUT), 6);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_ENCODING), ZHFIX_ENC_UTF8);

  /* A full output buffer: the handle keeps the rest and reports it. */
  assert_int_equal(zhfix_reset(h), ZHFIX_OK);
  zhfix_out small = {buf, 2, 0};
  zhfix_in in2 = {"abcdef", 6, 0};
  assert_int_equal(zhfix_stream(h, &small, &in2, ZHFIX_END, &pending), ZHFIX_OK);
  assert_int_equal(small.pos, 2);
  assert_int_equal(pending, 4);
  zhfix_out rest = {buf + 2, 10, 0};
  assert_int_equal(zhfix_stream(h, &rest, &in2, ZHFIX_END, &pending), ZHFIX_OK);
  assert_int_equal(pending, 0);
  assert_int_equal(rest.pos, 4);
  assert_memory_equal(buf, "abcdef", 6);

  /* An empty document. */
  size_t n = 1;
  char *o = NULL;
  assert_int_equal(zhfix_process(h, "", 0, &o, &n), ZHFIX_OK);
  assert_int_equal(n, 0);
  assert_string_equal(o, "");
  zhfix_buffer_free(o);
  assert_int_equal(zhfix_process(h, NULL, 5, &o, &n), ZHFIX_E_INVALID);
  zhfix_free(h);
}

/* zhfix_reset between documents keeps the handle's UTF-8 decoder and
 * starts it afresh (zf_decoder_renew): a sequence cut by a reset in the
 * middle of a document is not completed by the next document's bytes.
 * The first document is past the detection window, so its decoder holds
 * the cut sequence when the reset comes. */
static void test_reset_mid_sequence(void **state) {
  (void)state;
  zhfix *h = zhfix_create();
  assert_non_null(h);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_PUNCT, 0), ZHFIX_OK);
  size_t len = 3 * 30000 + 2;
  char *doc = malloc(len), out[256];
  assert_non_null(doc);
  for (size_t i = 0; i + 3 <= len; i += 3) memcpy(doc + i, i % 300 == 297 ? "\n\n\n" : "\xe4\xb8\xad", 3);
  memcpy(doc + len - 2, "\xe6\x96", 2); /* 文 without its last byte */
  char *big = malloc(len * 4);
  assert_non_null(big);
  zhfix_out o = {big, len * 4, 0};
  zhfix_in in = {doc, len, 0};
  size_t pending;
  assert_int_equal(zhfix_stream(h, &o, &in, ZHFIX_CONTINUE, &pending), ZHFIX_OK);
  assert_int_equal(in.pos, len);
  assert_int_equal(zhfix_reset(h), ZHFIX_OK);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_PUNCT, 0), ZHFIX_OK);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_FROM, ZHFIX_ENC_UTF8), ZHFIX_OK);
  zhfix_out o2 = {out, sizeof out, 0};
  zhfix_in in2 = {"\x87" "ab\n", 4, 0};
  assert_int_equal(zhfix_stream(h, &o2, &in2, ZHFIX_END, &pending), ZHFIX_OK);
  assert_int_equal(pending, 0);
  /* the lone continuation byte is invalid: U+FFFD, not 文 */
  assert_int_equal(o2.pos, 6);
  assert_memory_equal(out, "\xef\xbf\xbd" "ab\n", 6);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_INVALID_SEQUENCES), 1);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_FIRST_INVALID_OFFSET), 0);
  free(doc);
  free(big);
  zhfix_free(h);
}

static void test_invalid_utf8(void **state) {
  (void)state;
  /* Valid UTF-8 decides the encoding; the bad bytes come later. */
  const char in[] = "\xe4\xb8\xad\xe6\x96\x87 ok \xff\xfe bad \xe4\xb8 cut\n";
  size_t n;
  int st;
  zhfix *h = zhfix_create();
  zhfix_set_option(h, ZHFIX_OPT_PUNCT, 0);
  zhfix_set_option(h, ZHFIX_OPT_FROM, ZHFIX_ENC_UTF8);
  char *out = NULL;
  assert_int_equal(zhfix_process(h, in, sizeof in - 1, &out, &n), ZHFIX_OK);
  assert_string_equal(out, "\xe4\xb8\xad\xe6\x96\x87 ok \xef\xbf\xbd\xef\xbf\xbd bad \xef\xbf\xbd cut\n");
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_INVALID_SEQUENCES), 3);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_FIRST_INVALID_OFFSET), 10);
  zhfix_buffer_free(out);
  /* Strict: the same input is an error naming nothing lost. */
  zhfix_reset(h);
  zhfix_set_option(h, ZHFIX_OPT_STRICT, 1);
  assert_int_equal(zhfix_process(h, in, sizeof in - 1, &out, &n), ZHFIX_E_BAD_INPUT);
  assert_null(out);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_FIRST_INVALID_OFFSET), 10);
  zhfix_free(h);
  /* A sequence cut by the end of input. */
  char *o = tu_run("ab\xe4\xb8", 4, "--from=utf-8 --punct=off", &n, &st);
  assert_int_equal(st, 0);
  assert_string_equal(o, "ab\xef\xbf\xbd");
  free(o);
  /* Surrogates and overlongs are invalid. */
  o = tu_run("\xed\xa0\x80|\xc0\xaf|\xf4\x90\x80\x80", 11, "--from=utf-8 --punct=off", &n, &st);
  assert_string_equal(o, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|"
                         "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  free(o);
}

static void test_binary(void **state) {
  (void)state;
  const char in[] = "PK\x03\x04\x00\x00\x00binary";
  int st;
  size_t n;
  assert_null(tu_run(in, sizeof in - 1, NULL, &n, &st));
  assert_int_equal(st, ZHFIX_E_BINARY);
  char *o = tu_run(in, sizeof in - 1, "--force --punct=off", &n, &st);
  assert_int_equal(st, 0);
  assert_int_equal(n, sizeof in - 1);
  free(o);
  /* UTF-16 is full of NUL bytes and is not binary. */
  const char u16[] = "\xff\xfe\x2d\x4e\x87\x65\n\x00";
  o = tu_run(u16, sizeof u16 - 1, "--punct=off", &n, &st);
  assert_int_equal(st, 0);
  assert_string_equal(o, "\xe4\xb8\xad\xe6\x96\x87\n");
  free(o);
}

static void test_encodings(void **state) {
  (void)state;
  int st;
  size_t n;
  /* 中文 in each encoding. */
  char *o = tu_run("\xef\xbb\xbf\xe4\xb8\xad\xe6\x96\x87", 9, "--punct=off", &n, &st);
  assert_string_equal(o, "\xef\xbb\xbf\xe4\xb8\xad\xe6\x96\x87"); /* a UTF-8 BOM is kept */
  free(o);
  o = tu_run("\xfe\xff\x4e\x2d\x65\x87\xd8\x40\xdc\x0b", 10, "--punct=off", &n, &st);
  assert_string_equal(o, "\xe4\xb8\xad\xe6\x96\x87\xf0\xa0\x80\x8b"); /* with a surrogate pair */
  free(o);
  o = tu_run("\xd6\xd0\xce\xc4", 4, "--from=gbk --punct=off", &n, &st);
  assert_string_equal(o, "\xe4\xb8\xad\xe6\x96\x87");
  free(o);
  o = tu_run("\xa4\xa4\xa4\xe5", 4, "--from=big5 --punct=off", &n, &st);
  assert_string_equal(o, "\xe4\xb8\xad\xe6\x96\x87");
  free(o);
  /* GB18030 four-byte form: U+20000 is 95 32 82 36. */
  o = tu_run("\x95\x32\x82\x36", 4, "--from=gb18030 --punct=off", &n, &st);
  assert_string_equal(o, "\xf0\xa0\x80\x80");
  free(o);
  /* Invalid GB18030 bytes become U+FFFD with their offset. */
  zhfix *h = zhfix_create();
  zhfix_set_option(h, ZHFIX_OPT_FROM, ZHFIX_ENC_GB18030);
  zhfix_set_option(h, ZHFIX_OPT_PUNCT, 0);
  assert_int_equal(zhfix_process(h, "ab\xd6\xd0\x81\x20x", 7, &o, &n), 0);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_INVALID_SEQUENCES), 1);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_FIRST_INVALID_OFFSET), 4);
  assert_string_equal(o, "ab\xe4\xb8\xad\xef\xbf\xbd x");
  zhfix_buffer_free(o);
  zhfix_free(h);
}

/* Every output must be the same whatever the input and output pieces. */
static void check_chunking(const char *in, size_t len, const char *args) {
  size_t n1, n2;
  int s1, s2;
  char *a = tu_run(in, len, args, &n1, &s1);
  for (unsigned seed = 1; seed <= 3; seed++) {
    char *b = tu_run_chunked(in, len, args, seed, &n2, &s2);
    assert_int_equal(s1, s2);
    if (a) {
      assert_int_equal(n1, n2);
      assert_memory_equal(a, b, n1);
    }
    free(b);
  }
  free(a);
}

static void test_chunking(void **state) {
  (void)state;
  const char *cases[] = {"line one\r\nline two\rline three\n\n", "\xe4\xb8\xad\r", "\r\n\r\n\r",
                         "no newline at all", "\xef\xbb\xbf\xe4\xb8\xad\xe6\x96\x87\n",
                         "\xd6\xd0\xce\xc4\n\xd6\xd0\xce\xc4"};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    check_chunking(cases[i], strlen(cases[i]), NULL);
    check_chunking(cases[i], strlen(cases[i]), "--punct=off --mojibake=off --pinyin=keep");
  }
  size_t len;
  char *doc = tu_read_file(tu_src("data/samples/000_22c49fc42f219c9f.txt"), &len);
  assert_non_null(doc);
  check_chunking(doc, len, NULL);
  check_chunking(doc, len, "--to=simp");
  check_chunking(doc, len, "--to=trad");
  free(doc);
}

/* Decisions on repaired text (issue 14): a Simplified page whose UTF-8
 * was read as GBK looks Traditional before its repair (鎴戜滑 for 我们);
 * the document's script is read on the repaired text, so it is "simp" and
 * the page comes back as it was written.  Also when the damage fills the
 * whole detection window and the page is fed in small pieces. */
static void check_script_after_repair(const char *page, size_t n, const char *args, int cls) {
  size_t dlen, olen;
  char *bad = moji_sim_damage(cls, page, n, &dlen);
  assert_non_null(bad);
  zhfix *h = zhfix_create();
  assert_non_null(h);
  if (args) assert_int_equal(tu_apply_args(h, args), 0);
  char *out;
  assert_int_equal(zhfix_process(h, bad, dlen, &out, &olen), ZHFIX_OK);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_SCRIPT), ZHFIX_SCRIPT_SIMP);
  assert_true(zhfix_get_stat(h, ZHFIX_STAT_MOJIBAKE_UTF8_AS_GBK) > 0);
  if (cls < MOJI_SIM_FIRST_LOSSY) { /* lossless: the page comes back whole */
    assert_int_equal(olen, n);
    assert_memory_equal(out, page, n);
  }
  zhfix_buffer_free(out);
  zhfix_free(h);
  check_chunking(bad, dlen, args);
  free(bad);
}

static void test_script_after_repair(void **state) {
  (void)state;
  /* Lines whose UTF-8 survives a GBK decode whole (moji_sim_damage says
   * which: a byte pair GBK lacks would be lost); each ends in a newline,
   * so the damage of the page is the damage of its lines put together. */
  static const char *const lines[] = {
      "Debian 项目是一个由个人组成的团体，该团体的成员均把创建一个自由操\n",
      "作系统作为共同事业。Debian 的发布具有下列特征：\n",
      "一个文档可能通过文件名来指示它的位置，文件名将由双引号括起来的打\n",
      "启动系统之后，如果你没有安装 X 窗口系统和显示管理器（例如gdm3），\n",
      "在登录提示符下，你输入你的用户名，例如penguin，然后按回车键，接下\n",
      "得这看起来有点可笑，这里故意保留这种风格是为了让文档看起来尽可能\n",
      "有帮助的，但你必须自己练习。为了帮助你平滑起步，我详细说明一些基\n",
      "popcon 数据被用来客观地衡量每个包的流行度。它的下载时间为\n",
      "我们今天去北京参观了许多历史博物馆，这些博物馆里收藏着大量珍贵的文物和艺术品。\n"};
  tu_buf para = {0};
  size_t kept = 0;
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
    size_t dl;
    char *d = moji_sim_damage(MOJI_SIM_UTF8_AS_GBK, lines[i], strlen(lines[i]), &dl);
    if (!d) continue;
    free(d);
    tu_buf_put(&para, lines[i], strlen(lines[i]));
    kept++;
  }
  assert_true(kept >= 6);
  check_script_after_repair(para.p, para.n, NULL, MOJI_SIM_UTF8_AS_GBK);
  /* the page longer than the detection window */
  tu_buf page = {0};
  while (page.n < 3 * ZHFIX_DETECT_WINDOW) tu_buf_put(&page, para.p, para.n);
  check_script_after_repair(page.p, page.n, NULL, MOJI_SIM_UTF8_AS_GBK);
  check_script_after_repair(page.p, page.n, "--to=keep", MOJI_SIM_UTF8_AS_GBK);
  free(page.p);
  free(para.p);
  /* As a GBK decoder that replaces the bytes it cannot pair (most real
   * pages: the text above was chosen to survive whole): judged on the
   * damaged text this page reads as Traditional. */
  static const char lossy[] =
      "我们今天去北京参观了许多历史博物馆，这些博物馆里收藏着大量珍贵的文物和艺术品。\n"
      "经济发展带来了很多变化，人们的生活水平不断提高。\n"
      "这个问题需要认真研究，并且尽快解决。\n";
  check_script_after_repair(lossy, strlen(lossy), NULL, MOJI_SIM_UTF8_AS_GBK_Q);
  check_script_after_repair(lossy, strlen(lossy), "--to=trad", MOJI_SIM_UTF8_AS_GBK_Q);
}

/* Output buffers of every size: the handle encodes a line straight into
 * the caller's buffer when nothing is queued before it and the buffer has
 * four bytes a character, else through its queue.  Whatever the sizes,
 * the output is zhfix_process's, and nothing is written past out.size
 * (a guard after the buffer stays as it was). */
static void test_out_sizes(void **state) {
  (void)state;
  size_t len, wlen;
  char *doc = tu_read_file(tu_src("data/samples/000_22c49fc42f219c9f.txt"), &len);
  assert_non_null(doc);
  zhfix *h = zhfix_create();
  assert_non_null(h);
  assert_int_equal(tu_apply_args(h, "--to=trad"), 0);
  char *want;
  assert_int_equal(zhfix_process(h, doc, len, &want, &wlen), ZHFIX_OK);
  static const size_t sizes[] = {1, 3, 4, 5, 63, 64, 65, 300, 4096, 70000, 1u << 20};
  enum { GUARD = 64 };
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
    unsigned char *buf = malloc(sizes[k] + GUARD);
    char *got = malloc(wlen + 1);
    assert_non_null(buf);
    assert_non_null(got);
    assert_int_equal(zhfix_reset(h), ZHFIX_OK);
    assert_int_equal(tu_apply_args(h, "--to=trad"), 0);
    size_t n = 0, pending = 0;
    zhfix_in zin = {doc, len, 0};
    do {
      memset(buf, 0xA5, sizes[k] + GUARD);
      zhfix_out zout = {buf, sizes[k], 0};
      assert_int_equal(zhfix_stream(h, &zout, &zin, ZHFIX_END, &pending), ZHFIX_OK);
      for (size_t g = 0; g < GUARD; g++) assert_int_equal(buf[sizes[k] + g], 0xA5);
      assert_true(n + zout.pos <= wlen);
      memcpy(got + n, buf, zout.pos);
      n += zout.pos;
    } while (pending || zin.pos < zin.size);
    assert_int_equal(n, wlen);
    assert_memory_equal(got, want, wlen);
    free(buf);
    free(got);
  }
  zhfix_buffer_free(want);
  zhfix_free(h);
  free(doc);
}

/* A line far longer than ZHFIX_MAX_SEGMENT, no newline, > the detection
 * window: output equals input (nothing to repair) and what the handle
 * holds stays bounded. */
static void test_long_line(void **state) {
  (void)state;
  size_t len = 3u << 20;
  char *in = malloc(len);
  static const char unit[] = "\xe4\xb8\xad\xe6\x96\x87 abc 123 "; /* 中文 abc 123 */
  for (size_t i = 0; i < len; i++) in[i] = unit[i % (sizeof unit - 1)];
  len -= len % (sizeof unit - 1);
  zhfix *h = zhfix_create();
  zhfix_set_option(h, ZHFIX_OPT_PUNCT, 0);
  char out[4096];
  size_t maxpend = 0, total = 0, pending = 0;
  zhfix_in zin = {in, len, 0};
  do {
    zhfix_out zout = {out, sizeof out, 0};
    assert_int_equal(zhfix_stream(h, &zout, &zin, ZHFIX_END, &pending), ZHFIX_OK);
    assert_memory_equal(out, in + total, zout.pos);
    total += zout.pos;
    if (pending > maxpend) maxpend = pending;
  } while (pending || zin.pos < zin.size);
  assert_int_equal(total, len);
  /* window + one segment in UTF-8 + one decode slice, with slack */
  assert_true(maxpend < ZHFIX_DETECT_WINDOW + 4 * ZHFIX_MAX_SEGMENT + 4 * 16384 + 65536);
  zhfix_free(h);
  free(in);
}

typedef struct {
  const char *in;
  size_t len;
  const char *args;
  char *out;
  size_t outlen;
} job;

static void *worker(void *arg) {
  job *j = arg;
  for (int k = 0; k < 3; k++) {
    free(j->out);
    j->out = tu_run(j->in, j->len, j->args, &j->outlen, NULL);
  }
  return NULL;
}

/* Separate handles in separate threads give what one thread gives. */
static void test_threads(void **state) {
  (void)state;
  size_t len;
  char *doc = tu_read_file(tu_src("data/samples/000_22c49fc42f219c9f.txt"), &len);
  assert_non_null(doc);
  const char *args[] = {"--to=simp", "--to=trad", "--to=tw --quotes=corner", NULL};
  enum { N = 6 };
  job jobs[N];
  pthread_t th[N];
  for (int i = 0; i < N; i++) {
    jobs[i] = (job){doc, len, args[i % 4], NULL, 0};
    assert_int_equal(pthread_create(&th[i], NULL, worker, &jobs[i]), 0);
  }
  for (int i = 0; i < N; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < N; i++) {
    size_t n;
    char *ref = tu_run(doc, len, args[i % 4], &n, NULL);
    assert_non_null(jobs[i].out);
    assert_int_equal(n, jobs[i].outlen);
    assert_memory_equal(ref, jobs[i].out, n);
    free(ref);
    free(jobs[i].out);
  }
  free(doc);
}

/* ---- one handle, many documents ------------------------------------------ *
 * zhfix_reset parks the stages and the next document reuses them
 * (zf_stage_ops.reuse): every golden case run on one handle, after every
 * other case, with other options, after a failed document and after a
 * line too long for a stage to keep its scratch, gives its own output. */

typedef struct gcase {
  char *name, *args, *in, *out;
  size_t inlen, outlen;
} gcase;

/* The options back to a new handle's, then the case's. */
static void set_case_options(zhfix *h, const zhfix *fresh, const char *args) {
  assert_int_equal(zhfix_reset(h), ZHFIX_OK);
  for (int o = ZHFIX_OPT_FROM; o <= ZHFIX_OPT_LOST; o++)
    assert_int_equal(zhfix_set_option(h, (zhfix_option)o, zhfix_get_option(fresh, (zhfix_option)o)),
                     ZHFIX_OK);
  assert_int_equal(tu_apply_args(h, args), ZHFIX_OK);
}

/* The case on h, against its golden output and a new handle's
 * statistics and spans. */
static int run_on(zhfix *h, const zhfix *fresh, const gcase *c) {
  set_case_options(h, fresh, c->args);
  char *got = NULL;
  size_t n = 0;
  int rc = zhfix_process(h, c->in, c->inlen, &got, &n);
  int bad = rc != ZHFIX_OK || n != c->outlen || memcmp(got, c->out, n) != 0;
  zhfix_buffer_free(got);
  zhfix *ref = zhfix_create();
  assert_non_null(ref);
  set_case_options(ref, fresh, c->args);
  assert_int_equal(zhfix_process(ref, c->in, c->inlen, &got, &n), ZHFIX_OK);
  zhfix_buffer_free(got);
  for (int k = 0; k < ZHFIX_STAT__COUNT; k++)
    bad |= zhfix_get_stat(h, (zhfix_stat)k) != zhfix_get_stat(ref, (zhfix_stat)k);
  uint64_t o1, l1, o2, l2;
  for (size_t k = 0; zhfix_get_span(ref, k, &o1, &l1); k++)
    bad |= !zhfix_get_span(h, k, &o2, &l2) || o1 != o2 || l1 != l2;
  zhfix_free(ref);
  if (bad) fprintf(stderr, "reused handle: golden %s differs (%s)\n", c->name, zhfix_strerror(rc));
  return bad;
}

static void test_reuse(void **state) {
  (void)state;
  char root[4096];
  snprintf(root, sizeof root, "%s", tu_src("tests/golden"));
  DIR *d = opendir(root);
  assert_non_null(d);
  gcase cs[256];
  size_t nc = 0;
  struct dirent *e;
  while ((e = readdir(d)) && nc < 256) {
    if (e->d_name[0] == '.') continue;
    char dir[4096 + 256];
    snprintf(dir, sizeof dir, "%s/%s", root, e->d_name);
    gcase c = {strdup(e->d_name), NULL, NULL, NULL, 0, 0};
    c.in = tu_case_file(dir, "in", &c.inlen);
    c.out = tu_case_file(dir, "out", &c.outlen);
    c.args = tu_case_file(dir, "args", NULL);
    if (!c.in || !c.out) {
      free(c.name), free(c.args), free(c.in), free(c.out);
      continue;
    }
    cs[nc++] = c;
  }
  closedir(d);
  assert_true(nc >= 50);
  zhfix *fresh = zhfix_create(), *h = zhfix_create();
  assert_non_null(fresh);
  assert_non_null(h);
  /* a line longer than a stage keeps scratch for (20,000 characters) */
  size_t llen = 20000 * 3 + 1;
  char *longdoc = malloc(llen);
  assert_non_null(longdoc);
  for (size_t i = 0; i < llen - 1; i += 3) memcpy(longdoc + i, i % 60 ? "\xe4\xb8\xad" : "\xef\xbc\x8c", 3);
  longdoc[llen - 1] = '\n';
  int bad = 0;
  for (int pass = 0; pass < 3; pass++) {
    for (size_t k = 0; k < nc; k++) {
      /* forward, backward, then every case after the one half the list
       * away */
      size_t i = pass == 0 ? k : pass == 1 ? nc - 1 - k : (k * 37 + nc / 2) % nc;
      bad += run_on(h, fresh, &cs[i]);
      if (k % 16 == 5) { /* a document that fails, on the same handle */
        char *o = NULL;
        set_case_options(h, fresh, "");
        assert_int_equal(zhfix_process(h, "a\0b", 3, &o, NULL), ZHFIX_E_BINARY);
        assert_null(o);
      }
      if (k % 16 == 11) { /* one long line */
        char *o = NULL;
        size_t n;
        set_case_options(h, fresh, "--to=trad");
        assert_int_equal(zhfix_process(h, longdoc, llen, &o, &n), ZHFIX_OK);
        assert_true(n > llen / 2);
        zhfix_buffer_free(o);
      }
    }
  }
  printf("  one handle: %zu golden cases x 3 orders, %d differ\n", nc, bad);
  assert_int_equal(bad, 0);
  free(longdoc);
  zhfix_free(h);
  zhfix_free(fresh);
  for (size_t k = 0; k < nc; k++) free(cs[k].name), free(cs[k].args), free(cs[k].in), free(cs[k].out);
}

/* zf_detect_script (script.c counts with a table and packed counters)
 * against the plain count it replaces, on random texts drawn from every
 * class of Han character (in the table's range, the compatibility
 * ideographs and the supplementary planes), ASCII and punctuation, long
 * enough that the packed counts must be flushed (more than 1023 of one
 * class). */
static int script_by_count(const zf_text *t) {
  const zf_occ_tables *o = zf_occ_get();
  size_t simp = 0, trad = 0, region = 0, tw = 0, hk = 0, std = 0;
  for (size_t i = 0; i < t->len; i++) {
    uint32_t c = t->cp[i];
    if (!zf_is_han(c)) continue;
    unsigned f = zf_occ_class(o, c);
    unsigned tw_hk = f & (ZF_OCC_TW_FORM | ZF_OCC_HK_FORM);
    simp += (f & ZF_OCC_SIMP_ONLY) != 0;
    trad += (f & ZF_OCC_TRAD_ONLY) != 0;
    region += tw_hk != 0;
    tw += tw_hk == ZF_OCC_TW_FORM;
    hk += tw_hk == ZF_OCC_HK_FORM;
    std += (f & (ZF_OCC_TW_STD | ZF_OCC_HK_STD)) != 0 && !(f & ZF_OCC_SIMP_CAP) && !tw_hk;
  }
  if (trad <= simp) return ZHFIX_SCRIPT_SIMP;
  if (region <= std) return ZHFIX_SCRIPT_TRAD;
  return hk > tw ? ZHFIX_SCRIPT_HK : ZHFIX_SCRIPT_TW;
}

static void test_detect_script(void **state) {
  (void)state;
  const zf_occ_tables *o = zf_occ_get();
  assert_non_null(o);
  /* the characters of each class the count reads, from every Han range */
  enum { NCLS = 6 };
  static const unsigned cls[NCLS] = {ZF_OCC_SIMP_ONLY, ZF_OCC_TRAD_ONLY, ZF_OCC_TW_FORM,
                                     ZF_OCC_HK_FORM, ZF_OCC_TW_STD | ZF_OCC_HK_STD, 0};
  uint32_t *pool[NCLS];
  size_t npool[NCLS] = {0}, far = 0;
  for (int k = 0; k < NCLS; k++) pool[k] = malloc(0x40000 * sizeof(uint32_t));
  for (uint32_t c = 0x3400; c < 0x32400; c++) {
    if (!zf_is_han(c)) continue;
    unsigned f = zf_occ_class(o, c);
    for (int k = 0; k < NCLS; k++)
      if (cls[k] ? (f & cls[k]) != 0 : !f) {
        pool[k][npool[k]++] = c;
        far += c >= 0xF900;
        break;
      }
  }
  for (int k = 0; k < NCLS; k++) assert_true(npool[k] > 0);
  assert_true(far > 0);
  static const uint32_t other[] = {'a', ' ', 0x3002, 0xFF0C, 0x4DC0, 0xA000, 0xF8FF, 0xFB00,
                                   0x1F600, 0x20000 - 1, 0x323B0, 0x10FFFF};
  zf_text t = {0};
  uint64_t seed = 7;
  int seen[8] = {0};
  for (int it = 0; it < 3000; it++) {
    size_t n = it % 10 == 0 ? 1000 + (size_t)(it % 7) * 700 : (size_t)(it % 150);
    t.len = 0;
    /* a mix weighted per text, so that every verdict comes up */
    unsigned w[NCLS + 1];
    for (int k = 0; k <= NCLS; k++) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      w[k] = (unsigned)(seed >> 60);
    }
    for (size_t i = 0; i < n; i++) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      unsigned r = (unsigned)(seed >> 33), sum = 0, tot = 0, k;
      for (k = 0; k <= NCLS; k++) tot += w[k] + 1;
      unsigned pick = r % tot;
      for (k = 0; k < NCLS && pick >= sum + w[k] + 1; k++) sum += w[k] + 1;
      uint32_t c = k == NCLS ? other[(r >> 8) % (sizeof other / sizeof *other)]
                             : pool[k][(r >> 8) % npool[k]];
      assert_int_equal(zf_text_push(&t, c, i), 0);
    }
    int want = script_by_count(&t);
    assert_int_equal(zf_detect_script(&t), want);
    seen[want & 7]++;
  }
  assert_true(seen[ZHFIX_SCRIPT_SIMP] > 0 && seen[ZHFIX_SCRIPT_TRAD] > 0);
  assert_true(seen[ZHFIX_SCRIPT_TW] > 0 && seen[ZHFIX_SCRIPT_HK] > 0);
  /* a count beyond one packed field: 1100 Simplified-only against 1050
   * Traditional-only is Simplified */
  t.len = 0;
  for (size_t i = 0; i < 2150; i++) assert_int_equal(zf_text_push(&t, i < 1050 ? pool[1][0] : pool[0][0], i), 0);
  assert_int_equal(zf_detect_script(&t), ZHFIX_SCRIPT_SIMP);
  assert_int_equal(script_by_count(&t), ZHFIX_SCRIPT_SIMP);
  zf_text_free(&t);
  for (int k = 0; k < NCLS; k++) free(pool[k]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_version),      cmocka_unit_test(test_options),
      cmocka_unit_test(test_stream_rules), cmocka_unit_test(test_invalid_utf8),
      cmocka_unit_test(test_binary),       cmocka_unit_test(test_encodings),
      cmocka_unit_test(test_chunking),     cmocka_unit_test(test_out_sizes), cmocka_unit_test(test_long_line),
      cmocka_unit_test(test_threads),      cmocka_unit_test(test_script_after_repair),
      cmocka_unit_test(test_reuse),        cmocka_unit_test(test_detect_script),
      cmocka_unit_test(test_reset_mid_sequence),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
