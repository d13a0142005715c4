/*
 * Mojibake stage (src/repair_mojibake.c): issue 5, mixed documents
 * (tests/test_mojibake.c has the strategies line by line).
 *
 *  - the classes of the issue span by span in mixed documents, through
 *    the stage and through the whole pipeline: whole pages read with the
 *    wrong table, clean and damaged lines interleaved, lone damaged
 *    lines, repeated headings, Private Use characters, signatures that
 *    exclude one another.
 * The stage run alone is tests/util/tu_moji.c.
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
#include <unistd.h>

#include "moji.h" /* REPEAT_LINES */
#include "moji_sim.h"
#include "tu.h"
#include "tu_mixdoc.h"
#include "tu_moji.h"
#include "zf.h"
#include "zhfix.h"

/* ---- mixed documents through the whole pipeline --------------------------- */

static char *damage(int cls, const char *s) {
  char *d = moji_sim_damage(cls, s, strlen(s), NULL);
  assert_non_null(d);
  return d;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whole pages read with the wrong double-byte table (every line of the
 * page damaged): the page's first lines, its title and headings, come
 * before any line has shown the document's reading.  The library looks
 * ahead over its detection window (prescan) and repairs them as well; the
 * stage run line by line without the look-ahead shows what that buys. */
static void whole_pages(int cls, const char *dir, size_t max_pages) {
  char list[512];
  snprintf(list, sizeof list, "%s", tu_corpus(dir));
  DIR *d = opendir(list);
  if (!d) {
    printf("%s: corpus missing, skipped\n", dir);
    return;
  }
  char **names = NULL;
  size_t nn = 0, cn = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    if (nn == cn) {
      cn = cn ? cn * 2 : 64;
      names = realloc(names, cn * sizeof *names);
      assert_non_null(names);
    }
    names[nn++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, nn, sizeof *names, cmp_str);
  size_t pages = 0, lines = 0, ok_pipe = 0, ok_stage = 0, first = 0, first_pipe = 0,
         first_stage = 0;
  for (size_t i = 0; i < nn && pages < max_pages; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", list, names[i]);
    size_t len;
    char *text = tu_read_file(path, &len);
    if (!text) continue;
    tu_buf doc = {0}, want = {0};
    tu_buf_put(&doc, "", 0);
    tu_buf_put(&want, "", 0);
    tu_lines it = {text, text + len};
    const char *l;
    size_t n;
    while ((l = tu_next_line(&it, &n)) != NULL) {
      char *line = malloc(n + 2);
      assert_non_null(line);
      memcpy(line, l, n);
      line[n] = '\n';
      line[n + 1] = 0;
      size_t dn;
      char *dam = moji_sim_damage(cls, line, n + 1, &dn);
      /* a line the table cannot damage losslessly stays as it was */
      tu_buf_put(&doc, dam ? dam : line, dam ? dn : n + 1);
      tu_buf_put(&want, line, n + 1);
      free(dam);
      free(line);
    }
    free(text);
    pages++;
    size_t gn;
    int rc;
    char *pipe = tu_run(doc.p, doc.n, "--punct=off --to=keep", &gn, &rc);
    assert_int_equal(rc, 0);
    tu_moji_stage s;
    tu_moji_open(&s);
    char *alone = tu_moji_doc(&s, doc.p, doc.n, NULL);
    tu_moji_close(&s);
    tu_lines w = {want.p, want.p + want.n}, a = {pipe, pipe + gn}, b = {alone, alone + strlen(alone)};
    const char *pw, *pa, *pb;
    size_t lw, la, lb, k = 0;
    while ((pw = tu_next_line(&w, &lw)) != NULL) {
      pa = tu_next_line(&a, &la);
      pb = tu_next_line(&b, &lb);
      if (!tu_has_non_ascii(pw, lw)) continue;
      int oa = pa && la == lw && memcmp(pa, pw, lw) == 0;
      int ob = pb && lb == lw && memcmp(pb, pw, lw) == 0;
      lines++;
      ok_pipe += oa;
      ok_stage += ob;
      if (k++ < 3) { /* the first three Chinese lines: title, headings */
        first++;
        first_pipe += oa;
        first_stage += ob;
      }
      if (!oa && getenv("MOJI_MISSES")) printf("  page miss: %.*s -> %.*s\n", (int)lw, pw, (int)la, pa);
    }
    free(pipe);
    free(alone);
    free(doc.p);
    free(want.p);
  }
  for (size_t i = 0; i < nn; i++) free(names[i]);
  free(names);
  printf("%s, %zu whole pages: lines with Chinese exact %zu/%zu (%.2f%%) through the library, "
         "%zu (%.2f%%) line by line without the look-ahead; the first three of each page %zu/%zu "
         "against %zu\n",
         moji_sim_name(cls), pages, ok_pipe, lines, 100.0 * (double)ok_pipe / (double)lines,
         ok_stage, 100.0 * (double)ok_stage / (double)lines, first_pipe, first, first_stage);
  assert_true(ok_pipe >= ok_stage);
  assert_true((double)ok_pipe >= 0.999 * (double)lines);
}

static void test_whole_pages(void **state) {
  (void)state;
  size_t max = tu_quick() ? 10 : 120;
  whole_pages(MOJI_SIM_GBK_AS_BIG5, "pages/zh_CN", max);
  whole_pages(MOJI_SIM_BIG5_AS_GBK, "pages/zh_TW", max);
}

/* Feeds lines[0..n) through the stage s, in order, each damaged as class
 * cls (as it is when cls < 0), and fails unless each comes back as it
 * was written. */
static void feed_doc(tu_moji_stage *s, int cls, const char *const *lines, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const tu_doc_line l = {lines[i], cls, NULL};
    tu_doc_feed(s, &l, 1);
  }
}

/* UTF-8 read as GBK, the garbage then converted to Simplified, as one
 * document: a converted character alone between ASCII (钖 of 鍚 in
 * 钖慡amba), long lines with many converted characters, and, once the
 * document has shown the conversion, a question mark after garbage that
 * it changed (绀哄纺? for 示式?) and a garbage character as likely its
 * Traditional form as itself (彨: 叫 as it stands, 可 as 彲). */
static void test_t2s_document(void **state) {
  (void)state;
  static const char *const lines[] = {
      "lmhosts: 向Samba的lmhosts文件查询IP地址。If the line in lmhosts has no name type, any matches.\n",
      "配置档会被剖析成一系列的叙述。空白行及以杂凑(hash)符号起始 的行会被忽略。每个叙述的形式都是\n",
      "默认情况下，man 会试图将命令行上提供的一对手册页名视同包含连字符或下划线的单个手册页名来解释。"
      "这会支持那些实现了多个子命令的程序的常见模式，允许程序为每个子命令提供手册页，并用和调用各子命令的语法类似的方式访问它们。例如：\n",
      "\\(bu 如何以交互的方式使用 Perl?\n",
      "\\(bu 我如何有效率地一次对应多个正规表示式?\n",
      "readline 包含额外的可用于定制它的行为的变量。可以在 inputrc 文件中设置变量，使用如下形式的语句：\n",
      "\\-s 以程序可读的方式显示 readline 键序列和对应的宏\n",
      "默认情况下，date 输出的数字字段以 0 填充。以下可选的标志可以跟在 \"%\" 后：\n",
  };
  tu_moji_stage s;
  tu_moji_open(&s);
  feed_doc(&s, MOJI_SIM_UTF8_GBK_T2S, lines, sizeof lines / sizeof lines[0]);
  tu_moji_close(&s);
}

/* No-break spaces (&nbsp; of web pages) in a document read as GBK, and in
 * one whose garbage was then converted to Simplified (聽 became 听): once
 * the document shows the damage, a line of them alone is read back too. */
static void test_nbsp_document(void **state) {
  (void)state;
  static const char *const lines[] = {
      "下列定义在文档余下部分中通用.\n",
      "用来编译的编译器\n",
      "上面的命令等价于\n",
      "\u00a0\u00a0\u00a0 $ man 1 bash\n",
      "2.\u00a0什么是 Debian\n",
      "\u00a0\u00a0\u00a0   * 大量预编译的高质量软件包\n",
  };
  static const int cls[] = {MOJI_SIM_UTF8_AS_GBK, MOJI_SIM_UTF8_GBK_T2S};
  for (size_t c = 0; c < 2; c++) {
    tu_moji_stage s;
    tu_moji_open(&s);
    feed_doc(&s, cls[c], lines, sizeof lines / sizeof lines[0]);
    /* clean lines of the same document stay as they are: Chinese spaced
     * out (录 is C2 BC in GBK, ¼; 路 is C2 B7, ·) */
    static const char *const clean[] = {
        "utmp, wtmp - 登 录 记 录（login records）\n",
        "都要增补路 由地址。\n",
        "Route 路 66 and 漏 2001\n",
    };
    feed_doc(&s, -1, clean, sizeof clean / sizeof clean[0]);
    tu_moji_close(&s);
  }
}

/* A table drawn with box characters in a document read with the wrong
 * double-byte table: GBK's box drawing read as Big5 is Han (─ is 岸), and
 * the document's reading is followed for the rules too. */
static void test_box_document(void **state) {
  (void)state;
  static const char *const lines[] = {
      "这个工具可以指定单位时间内发出的请求数量。\n",
      "默认状态下是一次只执行一个请求。\n",
      "如果软件包想要自定义某些默认设置，必须将配置文件安装到目录中。\n",
      "┌────────┬──────────────┐\n",
      "│ 选项   │ 说明         │\n",
      "├────────┼──────────────┤\n",
      "│ -n     │ 请求的数量   │\n",
      "└────────┴──────────────┘\n",
  };
  tu_moji_stage s;
  tu_moji_open(&s);
  feed_doc(&s, MOJI_SIM_GBK_AS_BIG5, lines, sizeof lines / sizeof lines[0]);
  tu_moji_close(&s);
  /* the same table in clean text stays as it is */
  tu_moji_open(&s);
  feed_doc(&s, -1, lines, sizeof lines / sizeof lines[0]);
  tu_moji_close(&s);
}

/* Big5 read as GBK puts kana where Big5 has its commonest characters (文件
 * is ゅン, 中文化 いゅて), which outside such a document is Japanese and left
 * alone; in one, the lines follow the document's reading. */
static void test_kana_document(void **state) {
  (void)state;
  static const char *const lines[] = {
      "請輸入使用者名稱和密碼，然後按下確定。\n",
      "這個工具可以指定單位時間內發出的請求數量。\n",
      "預設狀態下是一次只執行一個請求。\n",
      "perlfaq \\- 本文件\n",
      "Linux 軟體中文化計劃 <http://www.linux.org.tw/CLDP/>\n",
  };
  tu_moji_stage s;
  tu_moji_open(&s);
  feed_doc(&s, MOJI_SIM_BIG5_AS_GBK, lines, sizeof lines / sizeof lines[0]);
  tu_moji_close(&s);
}

/* A page where some paragraphs were read with the wrong double-byte table
 * and others not: once the document carries the reading, its clean lines
 * must not be "followed" character by character (你 -> 斕, 冒號 -> 簸號). */
static void test_interleaved_dbcs(void **state) {
  (void)state;
  static const struct {
    const char *text;
    int damaged;
  } lines[] = {
      {"請輸入使用者名稱和密碼，然後按下確定。\n", 1},
      {"ab 是一個測試你Apache http伺服器的工具，你可以透過這個工具指定請求數量。\n", 0},
      {"這個工具可以指定單位時間內發出的請求數量。\n", 1},
      {"使用者名稱和密碼之間使用\"冒號\" : 分隔開,ab將以明文方式傳送過去.\n", 0},
      {"預設狀態下是一次只執行一個請求。\n", 1},
      {"也就是說執行多個請求在一個 http 會話當中，預設是不允許的也就是no KeepAlive啦;)\n", 0},
      {"如果軟體包想要自訂某些預設設定，必須將設定檔安裝到目錄中。\n", 1},
      {"ab 是一個測試你Apache http伺服器的工具，你可以透過這個工具指定請求數量。\n", 0},
  };
  tu_moji_stage s;
  tu_moji_open(&s);
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
    feed_doc(&s, lines[i].damaged ? MOJI_SIM_BIG5_AS_GBK : -1, &lines[i].text, 1);
  tu_moji_close(&s);
}

/* The lines of the mixed documents below are tu_doc_line (how each is
 * damaged, what comes out), and they start with tu_doc_head_gbk: GBK read
 * as Big5 shown, not followed (tests/util/tu_mixdoc.c). */
#define MIXED_HEAD tu_doc_head_gbk, tu_doc_nhead_gbk

/* Issue 15, item 4: a document whose lines were damaged each its own
 * way.  Once it carries GBK read as Big5 and has shown clean Chinese lines
 * that reading could have made, a clean heading 跋 is not followed (Big5
 * bytes of 跋 read as GBK are 禰), a line read the other way (Big5 as GBK)
 * and one of UTF-8 read as GBK are repaired on their own evidence, and so
 * is a later GBK-as-Big5 line.  Before, the signature blocked the other
 * DBCS reading and 跋 became 禰. */
static void test_mixed_lines(void **state) {
  (void)state;
  static const tu_doc_line lines[] = {
      {"跋\n", -1, NULL},
      {"如果軟體包想要自訂某些預設設定，必須將設定檔安裝到目錄中。\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {"跋\n", -1, NULL},
      {"服务器性能测试工具说明\n", MOJI_SIM_UTF8_AS_GBK, NULL},
      {"一个空格分隔的地址列表，用作系统的全局服务器。\n", MOJI_SIM_GBK_AS_BIG5, NULL},
      {"跋\n", -1, NULL},
  };
  tu_doc_check(MIXED_HEAD, lines, sizeof lines / sizeof lines[0]);
}

static void assert_unchanged_after(const tu_doc_line *head, size_t nh, const char *d) {
  tu_doc_expect_after(head, nh, NULL, 0, d, d);
}

static void assert_fresh_unchanged(const char *d) { assert_unchanged_after(NULL, 0, d); }

/* Issue 15, item 4: a lone character of a document that carries GBK read
 * as Big5 but whose lines were damaged each their own way (not followed).
 * A line whose only Han is one rare character, the rest ASCII or GBK
 * punctuation read as Big5 (同 as 肮 between stty's options, 时 as 奀, 秒
 * as 鏃 with 。 as ﹝), is read so when its reading is a common GB2312
 * character: the document's evidence stands in for the line's own.  The
 * same lines alone, with no such document around them, stay as they are;
 * clean lone characters (跋, 同, 數: common ones) stay in both. */
static void test_mixed_lone(void **state) {
  (void)state;
  static const tu_doc_line lines[] = {
      {"-cbreak 同 icanon\n", MOJI_SIM_GBK_AS_BIG5, NULL},
      {"跋\n", -1, NULL},
      {"<时> 0-23\n", MOJI_SIM_GBK_AS_BIG5, NULL},
      {"-NUMBER 同 -l NUMBER\n", -1, NULL},
      {"\\fB%S\\fR 秒 (00 - 59)。\n", MOJI_SIM_GBK_AS_BIG5, NULL},
      {"factor [數]...\n", -1, NULL},
      {"段 SECTIONS\n", MOJI_SIM_GBK_AS_BIG5, NULL},
  };
  size_t n = sizeof lines / sizeof lines[0];
  tu_doc_check(MIXED_HEAD, lines, n);
  /* without the document's evidence: a fresh document each */
  for (size_t i = 0; i < n; i++) {
    char *d = lines[i].cls < 0 ? strdup(lines[i].text)
                               : moji_sim_damage(lines[i].cls, lines[i].text, strlen(lines[i].text), NULL);
    assert_non_null(d);
    assert_fresh_unchanged(d);
    free(d);
  }
}

/* The same for a document that carries Big5 read as GBK (wave 11): the
 * heading 跋, whose Big5 bytes B6 5B read as GBK are the extension
 * character 禰, is read back on the document's evidence (the model alone
 * gains only 0.44 log10 there), while a clean 跋 in the same document (GB2312
 * B0 CF, which Big5 reads as 區) stays; a fresh document keeps 禰. */
static const tu_doc_line mixed_head_big5[] = {
    {"如果軟體包想要自訂某些預設設定，必須將設定檔安裝到目錄中。\n", MOJI_SIM_BIG5_AS_GBK, NULL},
    {"預設狀態下是一次只執行一個請求。\n", MOJI_SIM_BIG5_AS_GBK, NULL},
    {"這個工具可以指定單位時間內發出的請求數量。\n", MOJI_SIM_BIG5_AS_GBK, NULL},
    {"请输入用户名和密码，然后按下确定。\n", -1, NULL},
    {"默认状态下是一次只执行一个请求。\n", -1, NULL},
    {"系统管理员可以利用下面的逻辑来覆盖默认设置。\n", -1, NULL},
};

static void test_mixed_lone_big5(void **state) {
  (void)state;
  static const tu_doc_line lines[] = {
      {"跋\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {"跋\n", -1, NULL},
      {"說明文件請見手冊頁。\n", -1, NULL},
      {"跋\n", MOJI_SIM_BIG5_AS_GBK, NULL},
  };
  tu_doc_check(mixed_head_big5, sizeof mixed_head_big5 / sizeof mixed_head_big5[0], lines, sizeof lines / sizeof lines[0]);
  char *d = moji_sim_damage(MOJI_SIM_BIG5_AS_GBK, "跋\n", strlen("跋\n"), NULL);
  assert_non_null(d);
  assert_string_equal(d, "禰\n");
  assert_fresh_unchanged(d);
  free(d);
}

/* A document pasted together from pages repeats their headings: a lone
 * line that one DBCS class reads as another line of the document that
 * came through intact (`¶[`, Big5's 跋 read as 1252; `°Ï`, GBK's), or as
 * what another damaged copy reads as under another class (禰, Big5's 跋
 * read as GBK, beside `¶[`), is that copy; the model alone prefers 區.
 * Clean lines that are each other's readings byte for byte (跋 and 區,
 * 跋 and 禰: no way to tell the damaged one) stay, and so does all of it
 * in a document of more distinct short lines than REPEAT_LINES. */
static void test_repeat_heading(void **state) {
  (void)state;
  static const tu_doc_line lines[] = {
      {"跋\n", -1, NULL},
      {"說明文件請見手冊頁。\n", -1, NULL},
      {"跋\n", MOJI_SIM_BIG5_AS_1252, NULL},
      {"跋\n", MOJI_SIM_GBK_AS_1252, NULL},
  };
  static const tu_doc_line copies[] = {
      {"跋\n", MOJI_SIM_BIG5_AS_1252, NULL},
      {"跋\n", MOJI_SIM_BIG5_AS_GBK, NULL},
  };
  static const tu_doc_line pairs[] = {
      {"跋\n", -1, NULL}, {"區\n", -1, NULL}, {"禰\n", -1, NULL}, {"跋\n", -1, NULL}, {"區\n", -1, NULL},
  };
  tu_moji_stage s;
  tu_doc_check(MIXED_HEAD, lines, sizeof lines / sizeof lines[0]);
  /* no intact copy: damaged copies agree (the first 禰, after a
   * paragraph, is read as the heading 跋 since wave 13: test_heading_alone) */
  tu_moji_open(&s);
  tu_doc_feed(&s, tu_doc_head_gbk, tu_doc_nhead_gbk);
  char *d = moji_sim_damage(MOJI_SIM_BIG5_AS_GBK, "跋\n", strlen("跋\n"), NULL);
  assert_non_null(d);
  char *got = tu_moji_line(&s, d, strlen(d), 0);
  assert_string_equal(got, "跋\n");
  free(got);
  tu_doc_feed(&s, copies, sizeof copies / sizeof copies[0]);
  free(d);
  tu_moji_close(&s);
  tu_doc_check(MIXED_HEAD, pairs, sizeof pairs / sizeof pairs[0]);
  /* past REPEAT_LINES distinct short lines a match is chance: left */
  tu_moji_open(&s);
  tu_doc_feed(&s, tu_doc_head_gbk, tu_doc_nhead_gbk);
  for (uint32_t c = 0x4E00; c < 0x4E00 + REPEAT_LINES + 1; c++) {
    unsigned char u[8];
    int n = zf_utf8_put(c, u);
    u[n] = '\n';
    char *o = tu_moji_line(&s, (const char *)u, (size_t)n + 1, 0);
    free(o);
  }
  tu_doc_feed(&s, lines, 2);
  d = moji_sim_damage(MOJI_SIM_BIG5_AS_1252, "跋\n", strlen("跋\n"), NULL);
  assert_non_null(d);
  got = tu_moji_line(&s, d, strlen(d), 0);
  assert_string_equal(got, d);
  free(got);
  free(d);
  tu_moji_close(&s);
}

/* Wave 13: what stands alone on a line.  The headings of the Chinese man
 * pages (data/headings.bin) hold 跋 on most pages and 區 on none; a short
 * line after a paragraph, in a document that showed a confident repair,
 * is read as the heading its DBCS reading is (區, GBK's 跋 read as Big5;
 * 禰, Big5's read as GBK; `°Ï`, GBK's read as 1252), where the model alone
 * prefers 區; so is a longer one (鍚獗 (SEE ALSO), 另见 not being in the
 * lexicon).  A clean 跋 stays, and so does a repeated heading whose
 * other copy (`°Ï`, read as 跋 or as 區) would make it 區; 區 among short
 * lines (an item of a list) and in a fresh document stays. */
static void test_heading_alone(void **state) {
  (void)state;
  static const uint32_t ba[] = {0x8DCB}, qu[] = {0x5340};
  assert_true(zf_moji_heading_pages(ba, 1) > 1000);
  assert_int_equal(zf_moji_heading_pages(qu, 1), 0);
  static const tu_doc_line lines[] = {
      {"說明文件請見手冊頁。\n", -1, NULL},
      {"跋\n", MOJI_SIM_GBK_AS_BIG5, NULL},
      {"如果軟體包想要自訂某些預設設定，必須將設定檔安裝到目錄中。\n", -1, NULL},
      {"跋\n", MOJI_SIM_GBK_AS_1252, NULL},
      {"請輸入使用者名稱和密碼，然後按下確定。\n", -1, NULL},
      {"跋\n", -1, NULL},
      {"系统管理员可以利用下面的逻辑来覆盖默认设置。\n", -1, NULL},
      {"跋\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {"跋\n", -1, NULL},
      {"區\n", -1, NULL},
      {"說明文件請見手冊頁。\n", -1, NULL},
      {"另见 (SEE ALSO)\n", MOJI_SIM_GBK_AS_BIG5, NULL},
  };
  tu_doc_check(MIXED_HEAD, lines, sizeof lines / sizeof lines[0]);
  assert_fresh_unchanged("區\n");
}

/* Wave 13: Big5 read as GBK leaves private use where Big5 keeps its most
 * frequent Han (GBK's user-defined rows: 年 A67E as U+E6E4, 作者 A740 AACC
 * as two of them).  In a document that showed that damage, such a line is
 * read back; in a fresh document it stays.  Wave 15: icon fonts
 * (Powerline, Material, Nerd fonts) put their glyphs at the same code
 * points (moji_pua.c).  A repair that changes private use only is made
 * when its reading is words (作者), and while the document's private-use
 * lines that read as no word stay few against the lines it repaired
 * (PUA_DOC_RATIO): clean icon lines after three damaged lines stay (a
 * glyph alone, a Chinese path beside glyphs), and once they have shown,
 * even a damaged 作者 stays.  A lone 同 between stty's options is read
 * back in a document of many damaged lines, not after three: nothing
 * else tells it from a glyph.  (Two private-use characters that read as
 * a word are read back even in a fresh document, as before: the passes'
 * phrase.) */
static const char pua_author[] = "作者 AUTHOR\n", pua_hour[] = "%H 小時 (00..23)\n";
static const char pua_stty[] = "[-]parity 同 [-]evenp\n";

static void test_pua_big5(void **state) {
  (void)state;
  static const tu_doc_line lines[] = {
      {"2002年7月13日\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {pua_author, MOJI_SIM_BIG5_AS_GBK, NULL},
      {"\xee\x82\xa0 main \xee\x82\xb0 ~/src \xee\x82\xb0 \xee\x80\x83 \xee\x82\xb1\n", -1, NULL},
      {"\xee\x80\x83 search\n", -1, NULL},
      {"- \xee\x9a\xb6 build \xee\x9a\xb6\xee\x80\x85 done\n", -1, NULL},
      {"## \xee\x80\x83 \xe8\xae\xbe\xe7\xbd\xae\n", -1, NULL},                         /* 设置 */
      {".icon-home:before { content: \"\xee\x9c\x8a\"; }\n", -1, NULL},
      {"\xee\x82\xa2 \xee\x82\xb0 ~/\xe6\x96\x87\xe6\xa1\xa3 \xee\x82\xa0 main\n", -1, NULL}, /* 文档 */
      {"\xee\x80\x83\xee\x80\x83 search\n", -1, NULL},
  };
  char *author = moji_sim_damage(MOJI_SIM_BIG5_AS_GBK, pua_author, strlen(pua_author), NULL);
  assert_non_null(author);
  uint32_t c = 0;
  assert_int_equal(zf_utf8_get((const unsigned char *)author, strlen(author), &c), 3);
  assert_true(c >= 0xE000 && c <= 0xF8FF);
  free(author);
  char *hour = moji_sim_damage(MOJI_SIM_BIG5_AS_GBK, pua_hour, strlen(pua_hour), NULL);
  assert_non_null(hour);
  const size_t nh = sizeof mixed_head_big5 / sizeof mixed_head_big5[0];
  /* after the icon lines the document holds icons; before them, it is read back */
  tu_doc_expect_after(mixed_head_big5, nh, lines, sizeof lines / sizeof lines[0], hour, hour);
  tu_doc_expect_after(mixed_head_big5, nh, NULL, 0, hour, pua_hour);
  free(hour);

  char *d = moji_sim_damage(MOJI_SIM_BIG5_AS_GBK, pua_stty, strlen(pua_stty), NULL);
  assert_non_null(d);
  assert_int_equal(zf_utf8_get((const unsigned char *)d + 10, strlen(d) - 10, &c), 3);
  assert_true(c >= 0xE000 && c <= 0xF8FF);
  assert_fresh_unchanged(d);
  assert_unchanged_after(mixed_head_big5, nh, d); /* three damaged lines: a glyph as much */
  /* a document damaged through and through */
  static const tu_doc_line many[] = {
      {"說明文件請見手冊頁，或者執行這個程式時加上說明選項。\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {"系統管理員可以利用下面的邏輯來覆蓋預設設定。\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {"請輸入使用者名稱和密碼，然後按下確定。\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {"設定終端機的輸入輸出選項，並顯示目前的設定。\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {"沒有指定檔案時，從標準輸入讀取資料。\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {"這個選項會讓程式在背景執行，並把訊息寫入記錄檔。\n", MOJI_SIM_BIG5_AS_GBK, NULL},
  };
  tu_doc_expect_after(mixed_head_big5, nh, many, sizeof many / sizeof many[0], d, pua_stty);
  free(d);
}

/* Wave 16: Big5's punctuation and box drawing (rows A1-A2) fall in GBK's
 * user-defined rows too, so Big5 read as GBK leaves private use that reads
 * as no word: the tail of a wrapped sentence (`。`, `）。`), the lines of a
 * table, a tree's trunk.  Where such marks belong (after Han, a line of
 * punctuation alone, a table drawn whole) they are text, and evidence of
 * the damage: the document stays repaired after many of them (mixed15
 * counted them as glyphs and refused every private-use line after a few,
 * 99.975% -> 30.265% on held-out slice d).  The same marks where text has
 * none (a glyph before Latin, before a word with no closing bracket, two
 * glyphs side by side) stay. */
static void test_pua_big5_marks(void **state) {
  (void)state;
  static const tu_doc_line lines[] = {
      {"。\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {"）。\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {"┌──────┬──────┐\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {"│      │      │\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {"├──────┼──────┤\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {"│ I:20 │      │\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {"└──────┴──────┘\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {"  │ systemctl start\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {"。\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {"、\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {"  │ update-grub\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {pua_author, MOJI_SIM_BIG5_AS_GBK, NULL},
  };
  tu_doc_check(mixed_head_big5, sizeof mixed_head_big5 / sizeof mixed_head_big5[0], lines,
            sizeof lines / sizeof lines[0]);
  /* out of place, each in a document that showed three damaged lines:
   * 。 home, 《设置, （设置, ── main, │ build, - 》 search, the marks as
   * Big5 read as GBK leaves them (U+E4C9, U+E4F3, U+E4E3, U+E55D,
   * U+E55E, U+E4F4: Material icons' code points) */
  static const char *const glyphs[] = {
      "\xee\x93\x89 home\n", "\xee\x93\xb3\xe8\xae\xbe\xe7\xbd\xae\n", "\xee\x93\xa3\xe8\xae\xbe\xe7\xbd\xae\n",
      "\xee\x95\x9d\xee\x95\x9d main\n", "\xee\x95\x9e build\n", "- \xee\x93\xb4 search\n"};
  for (size_t i = 0; i < sizeof glyphs / sizeof glyphs[0]; i++)
    assert_unchanged_after(mixed_head_big5, sizeof mixed_head_big5 / sizeof mixed_head_big5[0], glyphs[i]);
}

/* Wave 14: a heading's Han beside ASCII, Big5's 環境選項 read as GBK
 * (吏挂匡兜: four common Han that make no word, never tried by the
 * trigger), is read back in a document that showed damage (another:
 * GBK read as Big5); clean lines
 * of the same shape stay, and so does the damaged line in a fresh
 * document. */
static void test_han_beside_ascii(void **state) {
  (void)state;
  static const tu_doc_line lines[] = {
      {"環境選項 ENVIRONMENT OPTIONS\n", MOJI_SIM_BIG5_AS_GBK, NULL},
      {"返回值 (RETURN VALUE)\n", -1, NULL},
      {"环境变量 ENVIRONMENT\n", -1, NULL},
      {"選項 OPTIONS\n", -1, NULL},
      {"Scalar values 标量\n", -1, NULL},
  };
  tu_doc_check(MIXED_HEAD, lines, sizeof lines / sizeof lines[0]);
  char *d = moji_sim_damage(MOJI_SIM_BIG5_AS_GBK, lines[0].text, strlen(lines[0].text), NULL);
  assert_non_null(d);
  assert_string_equal(d, "吏挂匡兜 ENVIRONMENT OPTIONS\n");
  assert_fresh_unchanged(d);
  free(d);
}

/* A document carrying UTF-8 read by cp936 (lossy: '?' for lost bytes)
 * whose damaged lines also read "better" as Big5 read as GBK (退格 of a
 * table of control characters became 閫€鏍?) must not take that reading
 * as its signature: followed, it turned every later line into garbage
 * (17% of the characters of held-out man pages filled in wrongly). */
static void test_signature_exclusive(void **state) {
  (void)state;
  static const char *const lines[] = {
      "这个工具可以指定单位时间内发出的请求数量。\n",
      "默认状态下是一次只执行一个请求。\n",
      "如果软件包想要自定义某些默认设置，必须将配置文件安装到目录中。\n",
      "\\b 退格 Backspace (8)\n",
      "7 \\b 退格 (0x8).\n",
      "\\b 退格 (ASCII 8)\n",
      "b 退格 Backspace\n",
      "系统管理员可以利用下面的逻辑来覆盖默认设置。\n",
      "一个空格分隔的地址列表，用作系统的全局服务器。\n",
  };
  /* the later lines come out the same with and without the 退格 lines
   * before them (with them, the document had taken the Big5-as-GBK
   * signature and they came out as 閫€鏍 turned into other garbage) */
  tu_moji_stage with, without;
  tu_moji_open(&with);
  tu_moji_open(&without);
  size_t nl = sizeof lines / sizeof lines[0];
  for (size_t i = 0; i < nl; i++) {
    char *d = damage(MOJI_SIM_UTF8_AS_GBK_Q, lines[i]);
    char *a = tu_moji_line(&with, d, strlen(d), 0);
    if (i < 3 || i >= 7) {
      char *b = tu_moji_line(&without, d, strlen(d), 0);
      assert_string_equal(a, b);
      free(b);
    }
    free(a);
    free(d);
  }
  tu_moji_close(&with);
  tu_moji_close(&without);
}

static void test_mixed_documents(void **state) {
  (void)state;
  const char *title = "服务器性能测试工具说明\n";
  const char *body1 = "这个工具可以指定单位时间内发出的请求数量。\n";
  const char *body2 = "The tool is called ab, see the manual for details.\n";
  const char *body3 = "默认状态下是一次只执行一个请求。\n";
  char *t = damage(MOJI_SIM_UTF8_AS_GBK, title);
  char *b3 = damage(MOJI_SIM_UTF8_AS_1252, body3);
  /* damaged title, clean lines, another kind of damage further down */
  char doc[4096], want[4096];
  snprintf(doc, sizeof doc, "%s%s%s%s", t, body1, body2, b3);
  snprintf(want, sizeof want, "%s%s%s%s", title, body1, body2, body3);
  size_t n;
  int rc;
  char *out = tu_run(doc, strlen(doc), "--punct=off", &n, &rc);
  assert_int_equal(rc, 0);
  assert_string_equal(out, want);
  free(out);
  /* the same in random pieces */
  out = tu_run_chunked(doc, strlen(doc), "--punct=off", 7, &n, &rc);
  assert_int_equal(rc, 0);
  assert_string_equal(out, want);
  free(out);

  /* damaged Chinese inside clean English on one line */
  char *zh = damage(MOJI_SIM_UTF8_AS_1252, "服务器");
  snprintf(doc, sizeof doc, "Start the %s before the client, then run ab -n 100.\n", zh);
  out = tu_run(doc, strlen(doc), "--punct=off", &n, &rc);
  assert_string_equal(out, "Start the 服务器 before the client, then run ab -n 100.\n");
  free(out);
  free(zh);

  /* per-class statistics through the public API */
  snprintf(doc, sizeof doc, "%s%s%s", t, body1, b3);
  zhfix *h = zhfix_create();
  assert_int_equal(zhfix_set_option_string(h, "punct", "off"), 0);
  out = NULL;
  assert_int_equal(zhfix_process(h, doc, strlen(doc), &out, &n), 0);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_MOJIBAKE_UTF8_AS_GBK), 1);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_MOJIBAKE_UTF8_AS_LATIN1), 1);
  zhfix_buffer_free(out);
  /* and off when the option is off */
  assert_int_equal(zhfix_reset(h), 0);
  assert_int_equal(zhfix_set_option_string(h, "mojibake", "off"), 0);
  assert_int_equal(zhfix_process(h, doc, strlen(doc), &out, &n), 0);
  assert_int_equal(zhfix_get_stat(h, ZHFIX_STAT_MOJIBAKE_UTF8_AS_GBK), 0);
  assert_true(strstr(out, title) == NULL);
  zhfix_buffer_free(out);
  zhfix_free(h);
  free(t);
  free(b3);
}

int main(void) {
  if (!tu_corpora_present()) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mixed_documents),
      cmocka_unit_test(test_signature_exclusive),
      cmocka_unit_test(test_t2s_document),
      cmocka_unit_test(test_nbsp_document),
      cmocka_unit_test(test_box_document),
      cmocka_unit_test(test_kana_document),
      cmocka_unit_test(test_interleaved_dbcs),
      cmocka_unit_test(test_mixed_lines),
      cmocka_unit_test(test_mixed_lone),
      cmocka_unit_test(test_mixed_lone_big5),
      cmocka_unit_test(test_repeat_heading),
      cmocka_unit_test(test_heading_alone),
      cmocka_unit_test(test_pua_big5),
      cmocka_unit_test(test_pua_big5_marks),
      cmocka_unit_test(test_han_beside_ascii),
      cmocka_unit_test(test_whole_pages),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
