#include "tu_lossy.h"

#include <stdio.h>
#include <stdlib.h>

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
