/* Placeholder until script detection lands. */
#include "zf.h"

int zf_detect_script(const zf_text *prefix) {
  (void)prefix;
  return ZHFIX_SCRIPT_SIMP;
}
