#include "tu_lossy.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tu.h"

const char *tu_lossy_dir(void) {
  static char dir[4096];
  const char *d = getenv("ZHFIX_LOSSY_DIR");
  if (d && *d) return d;
  const char *corpus = getenv("ZHFIX_CORPUS");
  if (!corpus || !*corpus) corpus = "build/corpus";
  const char *e = getenv("LOST_SKIP");
  long skip = e && *e ? atol(e) : 1500000;
  e = getenv("LOST_BUDGET");
  long budget = e && *e ? atol(e) : tu_quick() ? 4000 : 12000;
  snprintf(dir, sizeof dir, "%s/../lossy/s%ld-b%ld", corpus, skip, budget);
  char man[4200];
  snprintf(man, sizeof man, "%s/MANIFEST.tsv", dir);
  FILE *f = fopen(man, "r");
  if (f) {
    fclose(f);
    return dir;
  }
  char cmd[9000];
  snprintf(cmd, sizeof cmd, "python3 '%s' --corpus '%s' --out '%s' --skip %ld --budget %ld",
           tu_src("tools/lossy_sim.py"), corpus, dir, skip, budget);
  fprintf(stderr, "tests: %s\n", cmd);
  if (system(cmd) != 0) return NULL;
  return dir;
}

char *tu_lossy_file(const char *dir, const char *name, const char *ext, size_t *n) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext);
  char *text = tu_read_file(path, n);
  if (!text) fprintf(stderr, "tests: %s missing\n", path);
  return text;
}

int tu_lossy_parse_class(const char *name, zf_lost_hyp *h) {
  char src[32], rd[32], st[32];
  const char *as = strstr(name, "-as-");
  if (!as) return -1;
  snprintf(src, sizeof src, "%.*s", (int)(as - name), name);
  const char *rest = as + 4, *dash = strrchr(rest, '-');
  if (!dash) return -1;
  snprintf(rd, sizeof rd, "%.*s", (int)(dash - rest), rest);
  snprintf(st, sizeof st, "%s", dash + 1);
  h->src = strcmp(src, "utf8") == 0   ? ZF_LC_UTF8
           : strcmp(src, "gbk") == 0  ? ZF_LC_PY_GBK
           : strcmp(src, "big5") == 0 ? ZF_LC_PY_CP950
                                      : ZF_LC__COUNT;
  int r = zf_lost_codec_by_name(rd);
  if (h->src == ZF_LC__COUNT || r < 0) return -1;
  h->reader = (zf_lost_codec_id)r;
  h->style = strcmp(st, "replace") == 0 ? ZF_LOST_REPLACE
             : strcmp(st, "qmark") == 0 ? ZF_LOST_QMARK
                                        : ZF_LOST_DROP;
  return 0;
}

char *tu_lossy_class_file(const char *dir, const char *name, const char *ext, size_t *n) {
  char *text = tu_lossy_file(dir, name, ext, n);
  if (!text) fail_msg("lost: %s/%s.%s missing", dir, name, ext);
  return text;
}

void tu_lossy_manifest_read(const char *dir, const char *who, tu_lossy_manifest *m) {
  char path[4200];
  snprintf(path, sizeof path, "%s/MANIFEST.tsv", dir);
  size_t n;
  char *man = tu_read_file(path, &n);
  if (!man) fail_msg("%s: %s missing", who, path);
  m->names = NULL;
  m->n = 0;
  size_t cap = 0;
  tu_lines it = {man, man + n};
  const char *ln;
  size_t nl;
  while ((ln = tu_next_line(&it, &nl))) {
    if (nl == 0 || ln[0] == '#') continue;
    size_t k = 0;
    while (k < nl && ln[k] != '\t') k++;
    if (m->n == cap) {
      cap = cap ? 2 * cap : 32;
      char **g = realloc(m->names, cap * sizeof *g);
      assert_non_null(g);
      m->names = g;
    }
    char *name = malloc(k + 1);
    assert_non_null(name);
    memcpy(name, ln, k);
    name[k] = 0;
    m->names[m->n++] = name;
  }
  free(man);
}

void tu_lossy_manifest_free(tu_lossy_manifest *m) {
  for (size_t i = 0; i < m->n; i++) free(m->names[i]);
  free(m->names);
  m->names = NULL;
  m->n = 0;
}

zf_lost *tu_lossy_reader(zf_lost_tables **tab) {
  assert_int_equal(zf_lost_tables_new(tab, NULL, 0), 0);
  zf_lost *l = zf_lost_new(*tab);
  assert_non_null(l);
  return l;
}

const char tu_lossy_gbk_doc[] =
    "w - \xe9\x9e\x9e\xe5\xb0\xa8\xe7\x9c\x92\xe8\x85\x8e\xe8\xbc\xae\xe5\xa2\x93\xe8\xad\x8f\xe8\x91\x92\xe5\x9f\xae"
    "\xe5\x8c\x90\xe6\xb7\x8f\xe5\xa9\x93\xe7\xaa\x90\xe8\x8d\xb7N\xef\xb9\x9d\n"
    "\xe6\xb1\xa1\xe5\xa6\x8f\xe8\x9a\x9a\xe6\xb0\xaa\xe3\x84\x9b\xe9\x9e\x9e\xe5\xb0\xa8\xe7\x8b\x9f\xe8\xb9\x88l"
    "\xe9\x86\xb4\xe3\x84\xa9\xe8\x85\x8e\xe8\xb8\xbc\xef\xb9\x9ctty \xe9\x9d\xa1\xef\xb9\x9c\xe7\xbd\xab\xe5\x82\xb7"
    "\xe7\xbf\x8b" "C\xef\xb9\x9c\xe8\x85\x8er\xe5\xb6\xb2\xef\xb9\x9c\xe5\xb6\xa8\xe7\xa6\xbbr\xe5\xb6\xb2\xef\xb9\x9c"
    "JCPU\xef\xb9\x9cPCPU \xe7\x9d\xbf\xe3\x83\xb6\xe6\x9c\x80\xe5\x94\x97\xe8\x85\x94\xe9\x9f\x9c\xe9\x8d\x94\xe8"
    "\xb9\x88\xef\xb9\x9d\n"
    "JCPU r\xe5\xb6\xb2\xe5\xb2\x86\xe3\x83\xb6\xe8\x9c\x87\xe6\xa8\x93\xe5\x96\x84 tty \xe5\xa5\xbb\xe8\x85\x94\xe5"
    "\x9e\x80\xe8\xa1\x84\xe6\x9c\x80\xe5\x94\x97\xe5\x9e\x80\xe5\xa6\x8f\xe8\x9a\x9a\xe8\x85\x94r\xe5\xb6\xb2\xef"
    "\xb9\x9d\xe5\x9d\xb3\xe7\xa5\xa5\xe5\xa9\xa6\xe5\xac\xa4\xe7\xb6\x8e\xe7\x96\x8b\xe7\xad\x88\xe6\x85\x9e_\xe6"
    "\x98\x90\xe8\xbf\xae\xe8\xb4\x8f\xe5\xb0\xa4\xe9\xa9\x90\xe7\x82\xb8\xe5\xb0\x81\xe3\x83\xb6\xe5\xac\xa4\xe3"
    "\x83\xb6\xe6\xb7\x8f\xe5\xa9\x93\xe6\x91\xbd\xe9\xb0\xad\xe6\x98\x90\xe8\xbf\xae\xe8\xb4\x8f\xe5\xb0\xa4\xe9"
    "\xa9\x89\n"
    "PCPU r\xe5\xb6\xb2\xe5\xb2\x86\xe3\x83\xb6\xe6\x9c\x80\xe5\x94\x97\xe5\x9e\x80\xe8\x9a\x9a\xe8\x85\x94r\xe5\xb6"
    "\xb2\xe3\x84\x9b\xe6\x92\x88\xe7\x82\x95\xe9\x87\x9dhat\xc2\xa7\xe7\x8f\xa8\xe7\x97\xa4\xe8\xad\xb0\xe6\x98\x90"
    "\xe8\x89\xa4\xef\xb9\x9d\n"
    "\xe6\xa5\xb9\xe8\x8e\xa9\xe6\xa2\xaa\xe7\x90\xad" "2018-04-17\n";
