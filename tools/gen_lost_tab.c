/*
 * Writes build/lost_tab.bin (src/lost_tab.h): the lost-byte readers'
 * tables that zf_lost_tables_from builds from data/lost.bin, laid out to
 * be read in place.  Built by the same code the library falls back on
 * (src/lost_codec.c).  Run by the Makefile; usage: gen_lost_tab LOST.BIN OUT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lost_tab.h"
#include "zf.h"

/* lost_codec.c reads the embedded blobs in zf_lost_tables_new, which this
 * program does not call: empty ones (refused by every check) stand in. */
const unsigned char zf_blob_lost[8], zf_blob_lost_tab[8];
const uint64_t zf_blob_lost_size = 0, zf_blob_lost_tab_size = 0;

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: gen_lost_tab LOST.BIN OUT\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f || fseek(f, 0, SEEK_END)) return fprintf(stderr, "gen_lost_tab: cannot read %s\n", argv[1]), 1;
  long len = ftell(f);
  unsigned char *src = len > 0 ? malloc((size_t)len + 8) : NULL;
  if (!src || fseek(f, 0, SEEK_SET) || fread(src, 1, (size_t)len, f) != (size_t)len)
    return fprintf(stderr, "gen_lost_tab: cannot read %s\n", argv[1]), 1;
  fclose(f);
  zf_lost_tables *t;
  unsigned char *out;
  size_t n;
  if (zf_lost_tables_from(&t, src, (size_t)len, NULL, 0) || zf_lost_tab_write(t, (size_t)len, &out, &n))
    return fprintf(stderr, "gen_lost_tab: cannot build the tables of %s\n", argv[1]), 1;
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]) >= (int)sizeof tmp) return 1;
  FILE *o = fopen(tmp, "wb");
  if (!o || fwrite(out, 1, n, o) != n || fclose(o) || rename(tmp, argv[2]))
    return fprintf(stderr, "gen_lost_tab: cannot write %s\n", argv[2]), 1;
  zf_lost_tables_free(t);
  free(out);
  free(src);
  return 0;
}
