/* Placeholder until the stage lands: disabled, so the pipeline skips it. */
#include "zf.h"

static int create(void **st, const zf_opts *o) {
  (void)o;
  *st = NULL;
  return 0;
}
static int run(void *st, const zf_text *in, zf_text *out, zf_stats *stats) {
  (void)st;
  (void)stats;
  return zf_text_append(out, in, 0, in->len) ? ZHFIX_E_NOMEM : 0;
}
static void destroy(void *st) { (void)st; }

const zf_stage_ops zf_stage_farm = {"farm", create, NULL, run, destroy};
