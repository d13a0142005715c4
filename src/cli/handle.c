/* A library handle configured as the command line asks. */
#include <stdio.h>

#include "cli.h"

zhfix *cli_handle_new(const cli_opts *o, char *err, size_t errlen) {
  zhfix *h = zhfix_create();
  if (!h) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  for (int i = 0; i < o->nlib; i++) {
    zhfix_status st = zhfix_set_option_string(h, o->lib_name[i], o->lib_value[i]);
    if (st != ZHFIX_OK) {
      snprintf(err, errlen, "invalid value '%s' for --%s", o->lib_value[i], o->lib_name[i]);
      zhfix_free(h);
      return NULL;
    }
  }
  if (o->jsonl) {
    /* A JSON string is UTF-8 text: no detection, and an escaped NUL in it
     * is text, not a sign of a binary file. */
    if (zhfix_set_option_string(h, "from", "utf-8") != ZHFIX_OK ||
        zhfix_set_option_string(h, "force", "on") != ZHFIX_OK) {
      snprintf(err, errlen, "cannot configure the library for JSON Lines");
      zhfix_free(h);
      return NULL;
    }
  }
  return h;
}
