/*
 * Writes build/dbcs.bin (src/codec.h, ZF_DBCS_BLOB_*): the double-byte
 * tables as this system's ICU reads them, built by the same code the
 * library falls back on (src/codec_icu.c), so the embedded tables are
 * byte for byte what a build at run time would make.  Run by the
 * Makefile; usage: gen_dbcs OUT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: gen_dbcs OUT\n");
    return 2;
  }
  static zf_dbcs t[ZF_DBCS__COUNT];
  for (int w = 0; w < ZF_DBCS__COUNT; w++) {
    int rc = zf_dbcs_from_icu(w, &t[w]);
    if (rc) {
      fprintf(stderr, "gen_dbcs: table %d: ICU build failed (%d)\n", w, rc);
      return 1;
    }
  }
  unsigned char hdr[ZF_DBCS_BLOB_HDR] = {0};
  uint32_t h32[4] = {ZF_DBCS_BLOB_MAGIC, ZF_DBCS_BLOB_VERSION, ZF_DBCS__COUNT, (uint32_t)sizeof(zf_dbcs)};
  uint64_t total = ZF_DBCS_BLOB_HDR + sizeof t;
  uint32_t icu = ZF_DBCS_BLOB_ICU;
  memcpy(hdr, h32, sizeof h32);
  memcpy(hdr + 16, &total, 8);
  memcpy(hdr + 24, &icu, 4);
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]) >= (int)sizeof tmp) return 1;
  FILE *f = fopen(tmp, "wb");
  if (!f || fwrite(hdr, 1, sizeof hdr, f) != sizeof hdr || fwrite(t, 1, sizeof t, f) != sizeof t) {
    fprintf(stderr, "gen_dbcs: cannot write %s\n", tmp);
    if (f) fclose(f);
    return 1;
  }
  if (fclose(f) || rename(tmp, argv[1])) {
    fprintf(stderr, "gen_dbcs: cannot write %s\n", argv[1]);
    return 1;
  }
  return 0;
}
