/*
 * Mixed documents through the mojibake stage run alone, for
 * test_mojibake_mixed and test_mojibake_heading.  Linked into every test
 * program; symbols are tu_doc_*.
 */
#include "tu_mixdoc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "moji_sim.h"

const tu_doc_line tu_doc_head_gbk[] = {
    {"这个工具可以指定单位时间内发出的请求数量。\n", MOJI_SIM_GBK_AS_BIG5, NULL},
    {"默认状态下是一次只执行一个请求。\n", MOJI_SIM_GBK_AS_BIG5, NULL},
    {"如果软件包想要自定义某些默认设置，必须将配置文件安装到目录中。\n", MOJI_SIM_GBK_AS_BIG5, NULL},
    {"請輸入使用者名稱和密碼，然後按下確定。\n", -1, NULL},
    {"預設狀態下是一次只執行一個請求。\n", -1, NULL},
    {"這個工具可以指定單位時間內發出的請求數量。\n", -1, NULL},
};
const size_t tu_doc_nhead_gbk = sizeof tu_doc_head_gbk / sizeof tu_doc_head_gbk[0];

void tu_doc_feed(tu_moji_stage *s, const tu_doc_line *l, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const char *name = l[i].cls < 0 ? "clean" : moji_sim_name(l[i].cls);
    char *d = l[i].cls < 0 ? strdup(l[i].text) : moji_sim_damage(l[i].cls, l[i].text, strlen(l[i].text), NULL);
    if (!d) fail_msg("%s: line %zu cannot be damaged losslessly: %s", name, i, l[i].text);
    const char *want = l[i].want ? l[i].want : l[i].text;
    char *got = tu_moji_line(s, d, strlen(d), 0);
    if (strcmp(got, want) != 0) fail_msg("%s: line %zu: %s -> %s, want %s", name, i, d, got, want);
    free(got);
    free(d);
  }
}

void tu_doc_check(const tu_doc_line *head, size_t nh, const tu_doc_line *l, size_t n) {
  tu_moji_stage s;
  tu_moji_open(&s);
  tu_doc_feed(&s, head, nh);
  tu_doc_feed(&s, l, n);
  tu_moji_close(&s);
}

void tu_doc_expect_after(const tu_doc_line *head, size_t nh, const tu_doc_line *more, size_t nm,
                         const char *in, const char *want) {
  tu_moji_stage s;
  tu_moji_open(&s);
  tu_doc_feed(&s, head, nh);
  tu_doc_feed(&s, more, nm);
  char *got = tu_moji_line(&s, in, strlen(in), 0);
  assert_string_equal(got, want);
  free(got);
  tu_moji_close(&s);
}
