/*
 * Mojibake stage (src/repair_mojibake.c), issue 15 item 4, wave 17: the
 * headings of mixed documents and the document's first line.
 *
 *  - a heading after a heading (跋 after 概述) is no item of a list of
 *    short lines, and is read against the manuals' headings;
 *  - a bilingual heading (`SEE ALSO(又见)`, `NAME(名稱)`) is judged by its
 *    Chinese core, which the manuals write in many layouts;
 *  - the document's first line follows no line: not the last line of
 *    the detection window that prescan ran;
 *  - (wave 18) one short line before a heading makes no list.
 * Each test fails without its change (docs/repair-mojibake.md, wave 17).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "moji_sim.h"
#include "tu.h"
#include "tu_mixdoc.h"

/* The documents below are tu_doc_line (the text written, its damage,
 * what comes out) after tu_doc_head_gbk: lines of GBK read as Big5 (the
 * document's signature) and clean Traditional ones that reading could
 * have made (so the document is not followed: lines damaged one by one),
 * or (fresh) after nothing (tests/util/tu_mixdoc.c). */
static void run_doc(int fresh, const tu_doc_line *l, size_t n) {
  tu_doc_check(tu_doc_head_gbk, fresh ? 0 : tu_doc_nhead_gbk, l, n);
}

/* 跋 (區 as GBK read as Big5) right after a damaged heading the stage
 * read back (概述, 例子) is read back too: a heading follows a heading
 * where pages are pasted together.  Before, any short line before it
 * made it an item of a list.  After a clean heading (跋 then 區: a list
 * as much) and after short lines that are no headings (甲, 乙) a
 * damaged 跋 and a clean 區 stay, as before (test_heading_alone). */
static void test_heading_after_heading(void **state) {
  (void)state;
  static const tu_doc_line body[] = {
      {"概述\n", MOJI_SIM_GBK_AS_BIG5, NULL},
      {"跋\n", MOJI_SIM_GBK_AS_BIG5, NULL},
      {"系統管理員可以利用下面的邏輯來覆蓋預設設定。\n", -1, NULL},
      {"例子\n", MOJI_SIM_GBK_AS_BIG5, NULL},
      {"跋\n", MOJI_SIM_GBK_AS_BIG5, NULL},
      {"系統管理員可以利用下面的邏輯來覆蓋預設設定。\n", -1, NULL},
      {"跋\n", -1, NULL},
      {"跋\n", MOJI_SIM_GBK_AS_BIG5, "區\n"},
      {"系統管理員可以利用下面的邏輯來覆蓋預設設定。\n", -1, NULL},
      {"甲\n", -1, NULL},
      {"乙\n", -1, NULL},
      {"區\n", -1, NULL},
      {"跋\n", MOJI_SIM_GBK_AS_BIG5, "區\n"},
  };
  run_doc(0, body, sizeof body / sizeof body[0]);
}

/* Wave 18: one short line between a paragraph and 跋 (區 as GBK read as
 * Big5) makes no list: a translator's name (寒蝉退士), a clean heading of
 * an empty section (描述), a short line the stage repaired that heads no
 * page (调用 from 覃蚚).  跋 is read back after each.  After two short
 * lines (甲, 乙: a list) a damaged 跋 stays 區, and so does a clean 區;
 * right after a clean 跋 (its own reading: a list of such pairs as
 * much) a damaged 跋 stays 區 too (test_heading_after_heading). */
static void test_heading_after_short_line(void **state) {
  (void)state;
  static const tu_doc_line body[] = {
      {"系統管理員可以利用下面的邏輯來覆蓋預設設定。\n", -1, NULL},
      {"寒蝉退士\n", -1, NULL},
      {"跋\n", MOJI_SIM_GBK_AS_BIG5, NULL},
      {"系統管理員可以利用下面的邏輯來覆蓋預設設定。\n", -1, NULL},
      {"描述\n", -1, NULL},
      {"跋\n", MOJI_SIM_GBK_AS_BIG5, NULL},
      {"系統管理員可以利用下面的邏輯來覆蓋預設設定。\n", -1, NULL},
      {"调用\n", MOJI_SIM_GBK_AS_BIG5, NULL},
      {"跋\n", MOJI_SIM_GBK_AS_BIG5, NULL},
      {"系統管理員可以利用下面的邏輯來覆蓋預設設定。\n", -1, NULL},
      {"甲\n", -1, NULL},
      {"乙\n", -1, NULL},
      {"跋\n", MOJI_SIM_GBK_AS_BIG5, "區\n"},
      {"系統管理員可以利用下面的邏輯來覆蓋預設設定。\n", -1, NULL},
      {"甲\n", -1, NULL},
      {"乙\n", -1, NULL},
      {"區\n", -1, NULL},
  };
  run_doc(0, body, sizeof body / sizeof body[0]);
}

/* Bilingual headings: 又见 heads eleven pages alone and one in each of
 * five layouts beside SEE ALSO; counted by its Chinese, in every layout,
 * `SEE ALSO(衱獗)` reads back.  NAME(名稱): 稱 is no GB2312 text, but the
 * Simplified manuals write that heading (167 pages), so the headings
 * stand for the test of what a GBK file holds.  又见 alone (衱獗) is a
 * core itself, of 16 pages where the whole line heads 11 (wave 18).
 * One character beside
 * English (區 District) is judged as the whole line, and stays; so does
 * a bilingual line whose reading heads no page. */
static void test_bilingual_heading(void **state) {
  (void)state;
  static const tu_doc_line body[] = {
      {"SEE ALSO(又见)\n", MOJI_SIM_GBK_AS_BIG5, NULL},
      {"系統管理員可以利用下面的邏輯來覆蓋預設設定。\n", -1, NULL},
      {"NAME(名稱)\n", MOJI_SIM_GBK_AS_BIG5, NULL},
      {"系統管理員可以利用下面的邏輯來覆蓋預設設定。\n", -1, NULL},
      {"另见 SEE ALSO\n", MOJI_SIM_GBK_AS_BIG5, NULL},
      {"系統管理員可以利用下面的邏輯來覆蓋預設設定。\n", -1, NULL},
      {"又见\n", MOJI_SIM_GBK_AS_BIG5, NULL},
      {"系統管理員可以利用下面的邏輯來覆蓋預設設定。\n", -1, NULL},
      {"區 District\n", -1, NULL},
      {"系統管理員可以利用下面的邏輯來覆蓋預設設定。\n", -1, NULL},
      {"區域 (ZONE)\n", -1, NULL},
  };
  run_doc(0, body, sizeof body / sizeof body[0]);
  /* a fresh document has shown no damage: nothing is read as a heading */
  static const tu_doc_line fresh[] = {{"SEE ALSO(又见)\n", MOJI_SIM_GBK_AS_BIG5, "SEE ALSO(衱獗)\n"},
                                        {"又见\n", MOJI_SIM_GBK_AS_BIG5, "衱獗\n"}};
  run_doc(1, fresh, 2);
}

/* The first line of a document is judged on its own, whatever line the
 * detection window ended with: a clean 跋 at the top of a document whose
 * window ends in GBK-as-Big5 lines stays (it came out as 禰: the real
 * run started inside the window's last stretch of followed lines). */
static void test_first_line_follows_none(void **state) {
  (void)state;
  static const char *const tail[] = {
      "这个工具可以指定单位时间内发出的请求数量。\n",
      "默认状态下是一次只执行一个请求。\n",
      "如果软件包想要自定义某些默认设置，必须将配置文件安装到目录中。\n",
      "一个空格分隔的地址列表，用作系统的全局服务器。\n",
  };
  char doc[4096], want[4096];
  size_t nd = (size_t)snprintf(doc, sizeof doc, "跋\n說明文件請見手冊頁。\n請輸入使用者名稱和密碼，然後按下確定。\n");
  memcpy(want, doc, nd + 1);
  for (size_t i = 0; i < sizeof tail / sizeof *tail; i++) {
    char *d = moji_sim_damage(MOJI_SIM_GBK_AS_BIG5, tail[i], strlen(tail[i]), NULL);
    assert_non_null(d);
    strcat(doc, d);
    strcat(want, tail[i]);
    free(d);
  }
  size_t n;
  int rc;
  char *out = tu_run(doc, strlen(doc), "--punct=off", &n, &rc);
  assert_int_equal(rc, 0);
  assert_string_equal(out, want);
  free(out);
}

int main(void) {
  if (!tu_corpora_present()) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_heading_after_heading),
      cmocka_unit_test(test_heading_after_short_line),
      cmocka_unit_test(test_bilingual_heading),
      cmocka_unit_test(test_first_line_follows_none),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
