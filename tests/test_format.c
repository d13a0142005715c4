/*
 * Formats (src/format*.c, issue #12): typography touches prose only.
 *
 *  - names, file names and content sniffing;
 *  - zf_fmt_codeish on the class of lines that read as code or data in
 *    plain text, and on prose that must stay prose;
 *  - every example of the issue, through the library with default
 *    options or the format the command line would pick;
 *  - oracles that do not share our lexers: cmark-gfm parses the Markdown
 *    and libxml2 the HTML of every fmt-* golden case (and, when
 *    ZHFIX_WORLD_DIR names a world corpus, of its markdown/ and html/
 *    files): every node but text must come out identical;
 *  - state across segments: a line longer than ZHFIX_MAX_SEGMENT inside
 *    a comment or a string is cut into pieces and judged as one.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "format.h"
#include "tu.h"

/* ---- helpers ---------------------------------------------------------------- */

static char *fix(const char *in, const char *args) {
  size_t n;
  int st;
  char *out = tu_run(in, strlen(in), args, &n, &st);
  if (!out) {
    fprintf(stderr, "zhfix failed (%s) on [%s]\n", zhfix_strerror(st), in);
    fail();
  }
  /* and chunked, which must agree */
  for (unsigned seed = 1; seed <= 2; seed++) {
    size_t m;
    char *c = tu_run_chunked(in, strlen(in), args, seed, &m, &st);
    assert_non_null(c);
    if (m != n || memcmp(c, out, n)) {
      fprintf(stderr, "chunked output differs for [%s]\n", in);
      fail();
    }
    free(c);
  }
  return out;
}

static void expect_(const char *args, const char *in, const char *want, int line) {
  char *got = fix(in, args);
  if (strcmp(got, want)) {
    fprintf(stderr, "line %d (%s):\n  in:   [%s]\n  want: [%s]\n  got:  [%s]\n", line,
            args ? args : "", in, want, got);
    free(got);
    fail();
  }
  free(got);
}
#define expect(args, in, want) expect_(args, in, want, __LINE__)
#define same(args, in) expect_(args, in, in, __LINE__)

static int format_of(const char *in) {
  zhfix *h = zhfix_create();
  char *out;
  size_t n;
  assert_int_equal(zhfix_process(h, in, strlen(in), &out, &n), ZHFIX_OK);
  zhfix_buffer_free(out);
  int f = (int)zhfix_get_stat(h, ZHFIX_STAT_FORMAT);
  zhfix_free(h);
  return f;
}

/* ---- names ------------------------------------------------------------------- */

static void test_names(void **state) {
  (void)state;
  for (int f = ZHFIX_FORMAT_AUTO; f <= ZHFIX_FORMAT_VUE; f++) {
    const char *n = zhfix_format_name(f);
    assert_string_not_equal(n, "unknown");
    assert_int_equal(zhfix_format_from_name(n), f);
  }
  assert_string_equal(zhfix_format_name(99), "unknown");
  assert_int_equal(zhfix_format_from_name("md"), ZHFIX_FORMAT_MARKDOWN);
  assert_int_equal(zhfix_format_from_name("XML"), ZHFIX_FORMAT_HTML);
  assert_int_equal(zhfix_format_from_name("yaml"), ZHFIX_FORMAT_DATA);
  assert_int_equal(zhfix_format_from_name("cpp"), ZHFIX_FORMAT_C);
  assert_int_equal(zhfix_format_from_name("typescript"), ZHFIX_FORMAT_JS);
  assert_int_equal(zhfix_format_from_name("bash"), ZHFIX_FORMAT_SHELL);
  assert_int_equal(zhfix_format_from_name("nonsense"), ZHFIX_E_INVALID);
  assert_int_equal(zhfix_format_from_name(NULL), ZHFIX_E_INVALID);
  zhfix *h = zhfix_create();
  assert_int_equal(zhfix_get_option(h, ZHFIX_OPT_FORMAT), ZHFIX_FORMAT_AUTO);
  assert_int_equal(zhfix_get_option(h, ZHFIX_OPT_CONTROLS), ZHFIX_CONTROLS_KEEP);
  assert_int_equal(zhfix_set_option_string(h, "format", "python"), ZHFIX_OK);
  assert_int_equal(zhfix_get_option(h, ZHFIX_OPT_FORMAT), ZHFIX_FORMAT_PYTHON);
  assert_int_equal(zhfix_set_option_string(h, "format", "cobol"), ZHFIX_E_INVALID);
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_FORMAT, 999), ZHFIX_E_INVALID);
  assert_int_equal(zhfix_set_option_string(h, "controls", "strip"), ZHFIX_OK);
  assert_int_equal(zhfix_get_option(h, ZHFIX_OPT_CONTROLS), ZHFIX_CONTROLS_STRIP);
  assert_int_equal(zhfix_set_option_string(h, "controls", "eat"), ZHFIX_E_INVALID);
  assert_string_equal(zhfix_stat_name(ZHFIX_STAT_FORMAT), "format");
  zhfix_free(h);
}

static void test_from_path(void **state) {
  (void)state;
  static const struct {
    const char *path;
    int fmt;
  } cases[] = {
      {"README.md", ZHFIX_FORMAT_MARKDOWN},   {"docs/guide.markdown", ZHFIX_FORMAT_MARKDOWN},
      {"index.html", ZHFIX_FORMAT_HTML},      {"a/b/feed.XML", ZHFIX_FORMAT_HTML},
      {"ls.1", ZHFIX_FORMAT_TROFF},           {"printf.3p", ZHFIX_FORMAT_TROFF},
      {"openssl.1ssl", ZHFIX_FORMAT_TROFF},   {"syslog.log.1", ZHFIX_FORMAT_AUTO},
      {"libfoo.so.1", ZHFIX_FORMAT_AUTO},     {"x.json", ZHFIX_FORMAT_DATA},
      {"x.yml", ZHFIX_FORMAT_DATA},           {"Cargo.toml", ZHFIX_FORMAT_DATA},
      {"zh_CN.po", ZHFIX_FORMAT_DATA},        {"data.csv", ZHFIX_FORMAT_DATA},
      {"holidays.ics", ZHFIX_FORMAT_DATA},    {"movie.srt", ZHFIX_FORMAT_SUBTITLE},
      {"a.vtt", ZHFIX_FORMAT_SUBTITLE},       {"main.c", ZHFIX_FORMAT_C},
      {"A.java", ZHFIX_FORMAT_C},             {"x.hpp", ZHFIX_FORMAT_C},
      {"app.ts", ZHFIX_FORMAT_JS},            {"app.jsx", ZHFIX_FORMAT_JS},
      {"main.go", ZHFIX_FORMAT_GO},           {"lib.rs", ZHFIX_FORMAT_RUST},
      {"a.scss", ZHFIX_FORMAT_CSS},           {"x.py", ZHFIX_FORMAT_PYTHON},
      {"x.sh", ZHFIX_FORMAT_SHELL},           {"Makefile", ZHFIX_FORMAT_SHELL},
      {"Makefile.am", ZHFIX_FORMAT_SHELL},    {"Dockerfile", ZHFIX_FORMAT_SHELL},
      {"CMakeLists.txt", ZHFIX_FORMAT_SHELL}, {"x.rb", ZHFIX_FORMAT_RUBY},
      {"Rakefile", ZHFIX_FORMAT_RUBY},        {"x.pl", ZHFIX_FORMAT_PERL},
      {"x.sql", ZHFIX_FORMAT_SQL},            {"x.lua", ZHFIX_FORMAT_LUA},
      {"x.php", ZHFIX_FORMAT_PHP},            {"App.vue", ZHFIX_FORMAT_VUE},
      {"notes.txt", ZHFIX_FORMAT_TEXT},       {"x.py~", ZHFIX_FORMAT_PYTHON},
      {"x.json.orig", ZHFIX_FORMAT_DATA},     {"README", ZHFIX_FORMAT_AUTO},
      {"noext", ZHFIX_FORMAT_AUTO},           {".hidden", ZHFIX_FORMAT_AUTO},
      {"dir.d/file", ZHFIX_FORMAT_AUTO},      {NULL, ZHFIX_FORMAT_AUTO},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    int got = zhfix_format_from_path(cases[i].path);
    if (got != cases[i].fmt) {
      fprintf(stderr, "%s: %s, want %s\n", cases[i].path ? cases[i].path : "(null)",
              zhfix_format_name(got), zhfix_format_name(cases[i].fmt));
      fail();
    }
  }
}

static void test_sniff(void **state) {
  (void)state;
  assert_int_equal(format_of("---\ntitle: 中文\n---\n# 标题\n正文。\n"), ZHFIX_FORMAT_MARKDOWN);
  assert_int_equal(format_of("---\nname: 注音\ntitle: 中文\n"), ZHFIX_FORMAT_DATA);
  assert_int_equal(format_of("<!DOCTYPE html>\n<p>你好</p>\n"), ZHFIX_FORMAT_HTML);
  assert_int_equal(format_of("<?xml version=\"1.0\"?>\n<a>中文</a>\n"), ZHFIX_FORMAT_HTML);
  assert_int_equal(format_of(".TH LS 1\n.SH 名称\nls\n"), ZHFIX_FORMAT_TROFF);
  assert_int_equal(format_of(".\\\" 注释\n.TH LS 1\n"), ZHFIX_FORMAT_TROFF);
  assert_int_equal(format_of("{\"title\": \"偏好设置\"}\n"), ZHFIX_FORMAT_DATA);
  assert_int_equal(format_of("[{\"a\": 1}]\n"), ZHFIX_FORMAT_DATA);
  assert_int_equal(format_of("#!/usr/bin/env python3\n# 注释\n"), ZHFIX_FORMAT_PYTHON);
  assert_int_equal(format_of("#!/bin/bash\necho 你好\n"), ZHFIX_FORMAT_SHELL);
  assert_int_equal(format_of("#!/usr/bin/perl -w\n"), ZHFIX_FORMAT_PERL);
  assert_int_equal(format_of("<?php\necho '中文';\n"), ZHFIX_FORMAT_PHP);
  assert_int_equal(format_of("WEBVTT\n\n00:01.000 --> 00:02.000\n你好\n"), ZHFIX_FORMAT_SUBTITLE);
  assert_int_equal(format_of("1\n00:00:01,000 --> 00:00:02,000\n你好\n"), ZHFIX_FORMAT_SUBTITLE);
  assert_int_equal(format_of("id,name,city\n1,张三,北京\n2,李四,上海\n"), ZHFIX_FORMAT_DATA);
  assert_int_equal(format_of("id\tname\n1\t张三\n2\t李四\n"), ZHFIX_FORMAT_DATA);
  /* prose typed with ASCII commas is no CSV */
  assert_int_equal(format_of("第1行：简体字,测试...\n第2行：简体字,测试...\n第3行：简体字,测试...\n"
                             "第4行：简体字,测试...\n第5行：简体字,测试...\n第6行：简体字,测试...\n"),
                   ZHFIX_FORMAT_TEXT);
  assert_int_equal(format_of("他说,你好,再见。\n她说,好的,明天。\n我说,是的,对的。\n"
                             "你说,不是,不对。\n它说,也许,可能。\n"),
                   ZHFIX_FORMAT_TEXT);
  assert_int_equal(format_of("msgid \"Hello\"\nmsgstr \"你好\"\n"), ZHFIX_FORMAT_DATA);
  assert_int_equal(format_of("BEGIN:VCALENDAR\nNAME:中国节假日\n"), ZHFIX_FORMAT_DATA);
  assert_int_equal(format_of("[ti:梦醒时分]\n[ar:陈淑桦]\n[00:01.00]你说,我听\n"), ZHFIX_FORMAT_DATA);
  assert_int_equal(format_of("[\n  {\"a\": \"中文\"}\n]\n"), ZHFIX_FORMAT_DATA);
  assert_int_equal(format_of("code,name\n11,\"北京市\"\n12,\"天津市\"\n13,\"河北省\"\n14,\"山西省\"\n"),
                   ZHFIX_FORMAT_DATA);
  assert_int_equal(format_of("# 配置\nname: 注音\ntitle: 中文\nmenu:\n  home: 首页\n  - 中文,英文\n"),
                   ZHFIX_FORMAT_DATA);
  assert_int_equal(format_of(".a {\n  color: red;\n  font-family: \"微软雅黑\";\n}\n.b {\n"
                             "  margin: 0;\n}\n"),
                   ZHFIX_FORMAT_CSS);
  /* a README that opens with HTML badges is Markdown */
  assert_int_equal(format_of("<a href=\"x\"><img src=\"logo.svg\"></a>\n\n# 标题\n\n"
                             "[![v](https://a/b.svg)](https://c)\n## 安装\n"),
                   ZHFIX_FORMAT_MARKDOWN);
  assert_int_equal(format_of("<div>\n<p>你好</p>\n</div>\n"), ZHFIX_FORMAT_HTML);
  assert_int_equal(format_of("#include <stdio.h>\n#include <stdlib.h>\nint main(void) {\n"
                             "  return 0;\n}\n"),
                   ZHFIX_FORMAT_C);
  /* prose, and prose that shows some code, is text */
  assert_int_equal(format_of("他说,你好.\n"), ZHFIX_FORMAT_TEXT);
  assert_int_equal(format_of("安装步骤如下:\nimport os\nx = 1;\n然后运行.\n下一步.\n"),
                   ZHFIX_FORMAT_TEXT);
  assert_int_equal(format_of(""), ZHFIX_FORMAT_TEXT);
  /* the caller's format is kept */
  zhfix *h = zhfix_create();
  char *out;
  size_t n;
  assert_int_equal(zhfix_set_option(h, ZHFIX_OPT_FORMAT, ZHFIX_FORMAT_SQL), ZHFIX_OK);
  assert_int_equal(zhfix_process(h, "他说,好\n", 11, &out, &n), ZHFIX_OK);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_FORMAT), ZHFIX_FORMAT_SQL);
  assert_string_equal(out, "他说,好\n");
  zhfix_buffer_free(out);
  zhfix_free(h);
}

/* ---- plain text: the class of code and data lines ----------------------------- */

static int codeish(const char *s) {
  uint32_t cp[1024];
  size_t n = 0;
  const unsigned char *u = (const unsigned char *)s;
  while (*u && n < 1024) {
    uint32_t c = *u;
    int k = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
    c = k == 0 ? c : k == 1 ? (c & 0x1F) : k == 2 ? (c & 0x0F) : (c & 0x07);
    for (int j = 1; j <= k; j++) c = (c << 6) | (u[j] & 0x3F);
    cp[n++] = c;
    u += k + 1;
  }
  return zf_fmt_codeish(cp, 0, n);
}

static const char *const code_lines[] = {
    /* Chinese in a trailing comment only (format_text.c, han_outside_quotes) */
    "x = 1 # 中文注释", "x = 1 // 中文注释", "x = 1 -- 中文注释", "y = f(a) /* 中文注释 */",
    /* the stop hook's */
    "let opts = {\"title\": \"用户手册\", \"lang\": \"zh\"};",
    "UPDATE users SET note='已审核,通过' WHERE id=3;",
    "echo \"安装完成: $PREFIX/bin\"",
    /* the issue's */
    "x = {\"a\": \"你好\", \"b\": \"世界\"}",
    "\"title\": \"偏好设置\",",
    "name: 注音",
    "title: 中文",
    "tags: [\"HTML\", \"中文\"]",
    "  COMMENT '表名',",
    "VALUES (1,'zh','中文…');",
    "if (x.name().equals(\"中文\")) {",
    "$a = array('标题' => '中文,标题');",
    /* more of the class */
    "const msg = '你好,世界';",
    "var s = \"中文,\" + x;",
    "my $s = \"你好,世界\";",
    "local t = {\"中文\", \"英文\"}",
    "s := \"你好,世界\"",
    "name = 张三,李四",
    "DESCRIPTION = \"说明,文字\"",
    "print(\"你好,世界\")",
    "console.log('中文,测试');",
    "printf(\"%s,%d\\n\", \"中文\", 1);",
    "fmt.Println(\"你好,世界\")",
    "return \"中文,结果\";",
    "import os",
    "from os import path",
    "def search(lst, key):",
    "#include <stdio.h>",
    "@app.route(\"/中文\")",
    "SELECT name, note FROM users WHERE note = '中文,备注';",
    "insert into t values (1, '中文');",
    "DELETE FROM t WHERE name='张三';",
    "$ grep -r \"中文,测试\" /usr/share/doc",
    "git commit -m \"修复:中文\"",
    "export LANG=\"zh_CN.UTF-8\"",
    "curl -d '{\"msg\": \"你好\"}' http://x",
    "{\"id\": 1, \"name\": \"张三\"},",
    "[1, \"中文\", true],",
    "[\"中文\", \"英文\"]",
    "\"中文\", \"英文\", \"日文\"",
    "- name: 注音",
    "zh-CN: 取消",
    "} else {",
    "};",
    "<?php echo '中文'; ?>",
    /* members with Chinese keys, dense and minified code */
    "    这个: 'zhè ge',",
    "\"键\": \"值,说明\",",
    "    chuí: ['倕', '垂'],",
    ".md-amount{font-family:PingFang SC,微软雅黑,Arial,sans-serif}",
    "a,b,c{margin:0}d{padding:0}e{font:12px \"微软雅黑\",Arial}f{color:red}g{x:1}"
    "h{y:2}i{z:3}j{w:4}k{v:5}l{u:6}m{t:7}n{s:8}o{r:9}p{q:0}q{p:1}r{o:2}s{n:3}t{m:4}",
    NULL};

static const char *const prose_lines[] = {
    "他说,你好.",
    "美媒称马斯克与普京定期进行\"秘密对话\",克宫回应",
    "MAGA基本盘还能\"忍\"特朗普多久? 评论 139",
    "最后更新: 2024-10-25 20:28:45",
    "Note: 请注意,这里是正文.",
    "API(应用程序接口)是一组函数.",
    "DESCRIPTION(描述)",
    "DROP DATABASE 删除一个现存数据库的目录入口并且删除包含数据的目录.",
    "chown -hR root /u 将 /u 及其子目录下所有文件的属主更改为\"root\".",
    "si: 从磁盘交换到内存的交换页数量，单位：KB/秒",
    "password= password 通过 password 口令保护映像.",
    "kill -l [sigspec | exit_status] 向以 pid 为名的进程发送信号.",
    "namespace code script 为以后执行脚本 script 而捕获当前的名字空间上下文.",
    "valid users (S) 这是一份允许登录的用户列表.以'@','+'和'&'开始的名称",
    "1. 下载源码,解压缩.",
    "- 列表项,第一",
    "# 安装说明",
    "// 注释,说明",
    "if 你愿意,就来吧.",
    "for example, 中文的例子,很多.",
    "Überprüfung der Größe: naïve Ansätze, “quoted”.",
    "Тест: проверка кодировки, «кавычки».",
    "\xE3\x80\x80\xE3\x80\x80第一章,开始.",
    "",
    "   ",
    NULL};

static void test_codeish(void **state) {
  (void)state;
  int bad = 0;
  for (const char *const *l = code_lines; *l; l++)
    if (!codeish(*l)) {
      fprintf(stderr, "should read as code or data: [%s]\n", *l);
      bad++;
    }
  for (const char *const *l = prose_lines; *l; l++)
    if (codeish(*l)) {
      fprintf(stderr, "should read as prose: [%s]\n", *l);
      bad++;
    }
  assert_int_equal(bad, 0);
}

/* Each code line alone on standard input (the stop hook's way) comes out
 * unchanged. */
static void test_code_lines_unchanged(void **state) {
  (void)state;
  char buf[2048];
  for (const char *const *l = code_lines; *l; l++) {
    snprintf(buf, sizeof buf, "%s\n", *l);
    same(NULL, buf);
  }
  same(NULL, "参考 https://example.org/文档/安装?lang=zh&v=2 第三节\n");
  same(NULL, "Überprüfung der Größe: naïve Ansätze, “quoted”.\n");
  same(NULL, "Тест: проверка кодировки, «кавычки».\n");
  same(NULL, "见 https://zh.wikipedia.org/wiki/北京?variant=zh-cn, 和\n");
  same(NULL, "邮件发到 editor@example.com 即可\n");
  same(NULL, "文件位于 /usr/share/doc/中文/README 中\n");
  same(NULL, "运行 `ls -l,中文.` 即可\n");
  same(NULL, "版本 v1.2.3-rc1 和 2.0.1 发布\n");
  same(NULL, "Hello, world! It's fine; really.\n");
  /* commands with unquoted Chinese read as prose, and nothing in them
   * changes either */
  same(NULL, "sudo apt-get install fonts-中文\n");
  same(NULL, "ls -l | grep 中文\n");
  same(NULL, "Content-Type: text/html; charset=中文\n");
}

static void test_prose_still_fixed(void **state) {
  (void)state;
  expect(NULL, "他说,你好.\n", "他说，你好。\n");
  expect(NULL, "美媒称马斯克与普京定期进行\"秘密对话\",克宫回应\n",
         "美媒称马斯克与普京定期进行“秘密对话”，克宫回应\n");
  expect(NULL, "DROP DATABASE 删除一个数据库.只有所有者能执行.\n",
         "DROP DATABASE 删除一个数据库。只有所有者能执行。\n");
  expect(NULL, "设置 $HOME 变量,然后重新登录.\n", "设置 $HOME 变量，然后重新登录。\n");
  expect(NULL, "使用 <a title=\"Debian 参考手册\">链接</a>,或者其他.\n",
         "使用 <a title=\"Debian 参考手册\">链接</a>，或者其他。\n");
  /* a URL keeps what was typed right after it; the sentence goes on */
  expect(NULL, "详见 https://example.com/a, 然后,再说.\n", "详见 https://example.com/a, 然后，再说。\n");
  /* the space that ends a URL's word stays (GFM autolinks run to it) */
  same(NULL, "访问http://127.0.0.1:4000， 详细内容\n");
}

/* ---- the issue's examples, per format ------------------------------------------- */

static void test_issue_examples(void **state) {
  (void)state;
  /* data */
  same("--format=data", "{\"title\": \"偏好设置\", \"desc\": \"你好,世界\"}\n");
  same("--format=data", "name: 注音\ntitle: 中文\ntags: [\"HTML\", \"中文\"]\n");
  same("--format=data", "1,\"张三\",\"北京,朝阳\"\n2,李四,上海\n");
  same(NULL, "{\n  \"title\": \"偏好设置\",\n  \"desc\": \"你好,世界\"\n}\n");
  /* front matter */
  expect(NULL, "---\ntitle: 中文\ntags: [\"HTML\", \"中文\"]\n---\n正文,这里.\n",
         "---\ntitle: 中文\ntags: [\"HTML\", \"中文\"]\n---\n正文，这里。\n");
  /* code */
  same("--format=java", "if (x.name().equals(\"中文,名字\")) { return; }\n");
  expect("--format=java", "int a; // 注释,说明\n", "int a; // 注释，说明\n");
  same("--format=python", "def f():\n    \"\"\"顺序查找\"\"\"\n    return 1\n");
  same("--format=python", "x = {\"a\": \"你好\", \"b\": \"世界\"}\n");
  same("--format=js", "const o = {\"title\": \"偏好设置\", b: '你好,世界'};\n");
  same("--format=php", "<?php $a = array('标题' => '中文,标题'); ?>\n");
  same("--format=sql", "CREATE TABLE t (id INT COMMENT '表名,说明');\n"
                       "INSERT INTO t VALUES (1,'zh','中文…');\n");
  /* HTML attributes */
  expect("--format=html", "<p title=\"Debian 参考手册\">你好,世界</p>\n",
         "<p title=\"Debian 参考手册\">你好，世界</p>\n");
  /* troff requests, escapes, synopses */
  same("--format=troff", ".SH \"名称\"\n");
  same("--format=troff", ".TH LS 1 2022年9月 \"GNU coreutils 9.1\" 用户命令\n");
  same("--format=troff", ".SH SYNOPSIS\n\\fBscp\\fP [\\fI主机名\\fP:]\\fI文件\\fP\n");
  expect("--format=troff", ".SH 描述\n列出\\fB文件\\fP的信息,默认.\n",
         ".SH 描述\n列出\\fB文件\\fP的信息，默认。\n");
  /* Markdown headings and tables */
  same("--format=markdown", "### （1）\n");
  expect("--format=markdown", "### （1）说明,一\n", "### （1）说明，一\n");
  expect("--format=markdown", "| 名称 | 说明 |\n|------|------|\n| 甲   | 说明,一 |\n",
         "| 名称 | 说明 |\n|------|------|\n| 甲   | 说明，一 |\n");
  /* URLs with Chinese */
  same(NULL, "https://zh.wikipedia.org/wiki/北京?variant=zh-cn,\n");
  /* restore, not restyle */
  same(NULL, "\xE3\x80\x80\xE3\x80\x80第一章开始。\xE3\x80\x80\n");
  expect(NULL, "\xE3\x80\x80\xE3\x80\x80第一章,开始.\n", "\xE3\x80\x80\xE3\x80\x80第一章，开始。\n");
  same(NULL, "int a;\f\n/* 分页 */\n");
  same(NULL, ".B \x07" "名称\x07\n");
  same(NULL, "\x1B[31m错误\x1B[0m 文件不存在。\n");
  expect("--controls=strip", "\x1B[31m错误\x1B[0m 文件不存在。\n", "错误 文件不存在。\n");
  same("--to=keep", "他說“你好”，然後離開了。\n");
  expect("--to=tw", "他說“你好”，然後離開了。\n", "他說「你好」，然後離開了。\n");
  expect("--to=keep --quotes=corner", "他說“你好”。\n", "他說「你好」。\n");
}

/* ---- state across segments ------------------------------------------------------------ */

/* A line longer than ZHFIX_MAX_SEGMENT is cut into pieces; the pieces of
 * a string literal stay code and those of a comment stay prose. */
static void test_long_lines(void **state) {
  (void)state;
  size_t reps = ZHFIX_MAX_SEGMENT / 6 + 100;
  tu_buf in = {0}, want = {0};
  tu_buf_put(&in, "var s = \"", 9);
  for (size_t i = 0; i < reps; i++) tu_buf_put(&in, "中文,// ", strlen("中文,// "));
  tu_buf_put(&want, in.p, in.n);
  /* the string stays; the comment after it on the same line is prose */
  tu_buf_put(&in, "\"; // 注释,说明\n/* ", strlen("\"; // 注释,说明\n/* "));
  tu_buf_put(&want, "\"; // 注释，说明\n/* ", strlen("\"; // 注释，说明\n/* "));
  for (size_t i = 0; i < reps * 3; i++) {
    tu_buf_put(&in, "中文,", strlen("中文,"));
    tu_buf_put(&want, "中文，", strlen("中文，"));
  }
  tu_buf_put(&in, " */\nvar t = \"中文,\";\n", strlen(" */\nvar t = \"中文,\";\n"));
  tu_buf_put(&want, " */\nvar t = \"中文,\";\n", strlen(" */\nvar t = \"中文,\";\n"));
  char *got = fix(in.p, "--format=js");
  assert_true(strcmp(got, want.p) == 0);
  free(got);
  free(in.p);
  free(want.p);
}

/* Random documents of the tokens the lexers react to, in every format:
 * the output must not depend on how the input is fed (and the sanitizer
 * build runs the scanners over them). */
static void test_soup_chunking(void **state) {
  (void)state;
  static const char *const toks[] = {
      "\"", "'", "`", "/*", "*/", "//", "#", "<!--", "-->", "<", ">", "\n", "\r\n", "${", "}",
      "{", "<<EOF", "\nEOF\n", "[[", "]]", "\"\"\"", "--", "?>", "<?php", "<script>",
      "</script>", "<pre>", "</pre>", ".TH", "\n.", "\\f", "\\(", "```", "~~~", "    ", "|",
      "---", "=begin", "=end", "__END__", "\n=cut\n", "$", "&amp;", "r#\"", "R\"x(", ")x\"",
      "中文", "你好,世界.", "他说\"好\"", ",", ".", ":", ";", "(", ")", " ", "\t", "　",
      "https://a.org/文档?x=1,", "x = 1;", "key: 值", "1. ", "- ", "> ", "# 标题"};
  const size_t nt = sizeof toks / sizeof *toks;
  unsigned seed = 12345;
  int docs = tu_quick() ? 6 : 25;
  for (int f = ZHFIX_FORMAT_TEXT; f <= ZHFIX_FORMAT_VUE; f++) {
    char args[64];
    snprintf(args, sizeof args, "--format=%s", zhfix_format_name(f));
    for (int d = 0; d < docs; d++) {
      tu_buf b = {0};
      int len = 20 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 200;
      for (int k = 0; k < len; k++) {
        seed = seed * 1103515245u + 12345u;
        const char *t = toks[(seed >> 16) % nt];
        tu_buf_put(&b, t, strlen(t));
      }
      free(fix(b.p, args)); /* fix() compares one-shot and chunked runs */
      free(b.p);
    }
  }
}

/* ---- oracles ------------------------------------------------------------------------- */

static char *read_all(const char *path, size_t *n) { return tu_read_file(path, n); }

static char *run_args(const char *in, size_t len, const char *args, size_t *n) {
  int st;
  char *out = tu_run(in, len, args, n, &st);
  assert_non_null(out);
  return out;
}

static cmark_node *md_parse(const char *s, size_t n) {
  cmark_gfm_core_extensions_ensure_registered();
  cmark_parser *p = cmark_parser_new(CMARK_OPT_DEFAULT);
  static const char *const exts[] = {"table", "autolink", "strikethrough", "tasklist"};
  for (size_t i = 0; i < 4; i++) {
    cmark_syntax_extension *e = cmark_find_syntax_extension(exts[i]);
    if (e) cmark_parser_attach_syntax_extension(p, e);
  }
  cmark_parser_feed(p, s, n);
  cmark_node *doc = cmark_parser_finish(p);
  cmark_parser_free(p);
  return doc;
}

static int str_eq(const char *a, const char *b) {
  return (a ? a : "")[0] == (b ? b : "")[0] && strcmp(a ? a : "", b ? b : "") == 0;
}

/* Every node but text identical: types, code and HTML literals, link and
 * image destinations and titles, fence info, heading levels, list kinds. */
static int md_same(const char *name, const char *a, size_t na, const char *b, size_t nb) {
  cmark_node *da = md_parse(a, na), *db = md_parse(b, nb);
  cmark_iter *ia = cmark_iter_new(da), *ib = cmark_iter_new(db);
  int ok = 1;
  cmark_event_type ea, eb;
  while (ok) {
    ea = cmark_iter_next(ia);
    eb = cmark_iter_next(ib);
    if (ea != eb) {
      ok = 0;
      break;
    }
    if (ea == CMARK_EVENT_DONE) break;
    cmark_node *x = cmark_iter_get_node(ia), *y = cmark_iter_get_node(ib);
    const char *tx = cmark_node_get_type_string(x), *ty = cmark_node_get_type_string(y);
    if (strcmp(tx, ty)) {
      fprintf(stderr, "%s: Markdown node %s became %s (line %d)\n", name, tx, ty,
              cmark_node_get_start_line(x));
      ok = 0;
      break;
    }
    if (ea != CMARK_EVENT_ENTER) continue;
    cmark_node_type t = cmark_node_get_type(x);
    if (t == CMARK_NODE_TEXT) continue;
    const char *what = NULL;
    if (!str_eq(cmark_node_get_literal(x), cmark_node_get_literal(y))) what = "literal";
    else if ((t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE) &&
             (!str_eq(cmark_node_get_url(x), cmark_node_get_url(y)) ||
              !str_eq(cmark_node_get_title(x), cmark_node_get_title(y))))
      what = "destination or title";
    else if (t == CMARK_NODE_CODE_BLOCK &&
             !str_eq(cmark_node_get_fence_info(x), cmark_node_get_fence_info(y)))
      what = "fence info";
    else if (t == CMARK_NODE_HEADING &&
             cmark_node_get_heading_level(x) != cmark_node_get_heading_level(y))
      what = "heading level";
    else if (t == CMARK_NODE_LIST &&
             (cmark_node_get_list_type(x) != cmark_node_get_list_type(y) ||
              cmark_node_get_list_start(x) != cmark_node_get_list_start(y) ||
              cmark_node_get_list_delim(x) != cmark_node_get_list_delim(y)))
      what = "list kind";
    if (what) {
      fprintf(stderr, "%s: Markdown %s %s changed (line %d)\n", name, tx, what,
              cmark_node_get_start_line(x));
      ok = 0;
    }
  }
  if (!ok && ea != eb) fprintf(stderr, "%s: Markdown structure changed\n", name);
  cmark_iter_free(ia);
  cmark_iter_free(ib);
  cmark_node_free(da);
  cmark_node_free(db);
  return ok;
}

/* Table rows keep their pipes and the spaces around them. */
static int table_padding_same(const char *name, const char *a, const char *b) {
  tu_lines la = {a, a + strlen(a)}, lb = {b, b + strlen(b)};
  size_t na, nb;
  const char *x, *y;
  while ((x = tu_next_line(&la, &na)) && (y = tu_next_line(&lb, &nb))) {
    if (!memchr(x, '|', na)) continue;
    /* the runs of spaces and pipes, in order */
    size_t i = 0, j = 0;
    for (;;) {
      while (i < na && x[i] != '|') i++;
      while (j < nb && y[j] != '|') j++;
      if (i >= na || j >= nb) break;
      size_t i0 = i, j0 = j;
      while (i0 > 0 && x[i0 - 1] == ' ') i0--;
      while (j0 > 0 && y[j0 - 1] == ' ') j0--;
      size_t i1 = i + 1, j1 = j + 1;
      while (i1 < na && x[i1] == ' ') i1++;
      while (j1 < nb && y[j1] == ' ') j1++;
      if (i1 - i0 != j1 - j0 || i - i0 != j - j0) {
        fprintf(stderr, "%s: table padding changed:\n  %.*s\n  %.*s\n", name, (int)na, x, (int)nb,
                y);
        return 0;
      }
      i = i1;
      j = j1;
    }
    if ((i < na) != (j < nb)) return 0;
  }
  return 1;
}

static const char *const code_elems[] = {"script", "style", "pre", "code", "textarea", "kbd",
                                         "samp", "tt", "var", NULL};

static int in_code(xmlNode *n) {
  for (xmlNode *p = n->parent; p; p = p->parent)
    if (p->type == XML_ELEMENT_NODE)
      for (const char *const *e = code_elems; *e; e++)
        if (!xmlStrcasecmp(p->name, (const xmlChar *)*e)) return 1;
  return 0;
}

/* Elements, attributes, comments, and all text inside code elements
 * identical; other text may differ. */
static int html_node_same(const char *name, xmlNode *x, xmlNode *y) {
  for (; x || y; x = x->next, y = y->next) {
    if (!x || !y || x->type != y->type) {
      fprintf(stderr, "%s: HTML structure changed\n", name);
      return 0;
    }
    if (x->type == XML_ELEMENT_NODE) {
      if (xmlStrcmp(x->name, y->name)) {
        fprintf(stderr, "%s: element %s became %s\n", name, x->name, y->name);
        return 0;
      }
      xmlAttr *ax = x->properties, *ay = y->properties;
      for (; ax || ay; ax = ax->next, ay = ay->next) {
        if (!ax || !ay || xmlStrcmp(ax->name, ay->name)) {
          fprintf(stderr, "%s: attributes of <%s> changed\n", name, x->name);
          return 0;
        }
        xmlChar *vx = xmlNodeGetContent((xmlNode *)ax), *vy = xmlNodeGetContent((xmlNode *)ay);
        int eq = xmlStrcmp(vx, vy) == 0;
        if (!eq) fprintf(stderr, "%s: attribute %s=\"%s\" became \"%s\"\n", name, ax->name, vx, vy);
        xmlFree(vx);
        xmlFree(vy);
        if (!eq) return 0;
      }
    } else if (x->type == XML_COMMENT_NODE || x->type == XML_PI_NODE ||
               x->type == XML_CDATA_SECTION_NODE ||
               ((x->type == XML_TEXT_NODE) && in_code(x))) {
      if (xmlStrcmp(x->content, y->content)) {
        fprintf(stderr, "%s: protected HTML text changed: [%s] -> [%s]\n", name, x->content,
                y->content);
        return 0;
      }
    }
    if (!html_node_same(name, x->children, y->children)) return 0;
  }
  return 1;
}

static int html_same(const char *name, const char *a, size_t na, const char *b, size_t nb) {
  int opts = HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET;
  htmlDocPtr da = htmlReadMemory(a, (int)na, name, "UTF-8", opts);
  htmlDocPtr db = htmlReadMemory(b, (int)nb, name, "UTF-8", opts);
  int ok = da && db && html_node_same(name, xmlDocGetRootElement(da), xmlDocGetRootElement(db));
  xmlFreeDoc(da);
  xmlFreeDoc(db);
  return ok;
}

/* The golden cases' expected outputs satisfy the oracles (so a golden
 * file cannot pin a harmful output), and so do fresh runs. */
static void test_oracles_golden(void **state) {
  (void)state;
  static const struct {
    const char *dir;
    int html;
  } cases[] = {{"tests/golden/fmt-markdown", 0}, {"tests/golden/punct-markdown", 0},
               {"tests/golden/fmt-html", 1}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char path[4096];
    size_t na, nb;
    snprintf(path, sizeof path, "%s/in", tu_src(cases[i].dir));
    char *a = read_all(path, &na);
    snprintf(path, sizeof path, "%s/out", tu_src(cases[i].dir));
    char *b = read_all(path, &nb);
    assert_non_null(a);
    assert_non_null(b);
    if (cases[i].html) {
      assert_true(html_same(cases[i].dir, a, na, b, nb));
    } else {
      assert_true(md_same(cases[i].dir, a, na, b, nb));
      assert_true(table_padding_same(cases[i].dir, a, b));
    }
    /* the oracle is not blind: a harmful output is caught */
    if (cases[i].html) {
      assert_false(html_same("harm", "<p title=\"a,b\">x</p>", 20, "<p title=\"a，b\">x</p>", 22));
    } else {
      assert_false(md_same("harm", "### （1）\n", 13, "###（1）\n", 12));
      assert_false(md_same("harm", "[a](b,c)\n", 9, "[a](b，c)\n", 11));
    }
    free(a);
    free(b);
  }
}

static void walk_world(const char *dir, int html, int *files, int *bad) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat sb;
    if (stat(path, &sb)) continue;
    if (S_ISDIR(sb.st_mode)) {
      walk_world(path, html, files, bad);
      continue;
    }
    size_t n, m;
    char *in = read_all(path, &n);
    if (!in) continue;
    int fmt = zhfix_format_from_path(path);
    char args[64];
    snprintf(args, sizeof args, "--format=%s", zhfix_format_name(fmt));
    char *out = run_args(in, n, fmt == ZHFIX_FORMAT_AUTO ? NULL : args, &m);
    (*files)++;
    int ok = html ? html_same(path, in, n, out, m)
                  : md_same(path, in, n, out, m) && table_padding_same(path, in, out);
    *bad += !ok;
    free(in);
    free(out);
  }
  closedir(d);
}

/* With ZHFIX_WORLD_DIR set (tools/make_world.py's output), every Markdown
 * and HTML file of the world corpus through the same oracles. */
static void test_oracles_world(void **state) {
  (void)state;
  const char *w = getenv("ZHFIX_WORLD_DIR");
  if (!w || !*w) {
    printf("  (ZHFIX_WORLD_DIR not set: world corpus oracles skipped)\n");
    return;
  }
  int files = 0, bad = 0;
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/markdown", w);
  walk_world(dir, 0, &files, &bad);
  printf("  world markdown: %d files, %d with a change outside text\n", files, bad);
  int f2 = 0, b2 = 0;
  snprintf(dir, sizeof dir, "%s/html", w);
  walk_world(dir, 1, &f2, &b2);
  printf("  world html: %d files, %d with a change outside text\n", f2, b2);
  assert_int_equal(bad + b2, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_from_path),
      cmocka_unit_test(test_sniff),
      cmocka_unit_test(test_codeish),
      cmocka_unit_test(test_code_lines_unchanged),
      cmocka_unit_test(test_prose_still_fixed),
      cmocka_unit_test(test_issue_examples),
      cmocka_unit_test(test_long_lines),
      cmocka_unit_test(test_soup_chunking),
      cmocka_unit_test(test_oracles_golden),
      cmocka_unit_test(test_oracles_world),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  xmlCleanupParser();
  return rc;
}
