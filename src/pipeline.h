/* The handle and the streaming pipeline (pipeline.c); api.c holds options,
 * names and statistics accessors. */
#ifndef ZF_PIPELINE_H
#define ZF_PIPELINE_H

#include "decode.h"
#include "zf.h"

#define ZF_NSTAGES 5

enum { ZF_FRESH, ZF_RUNNING, ZF_ENDED, ZF_FAILED };

struct zhfix {
  zf_opts opts;      /* as set by the caller                        */
  zf_opts run;       /* resolved for the current document           */
  int state;
  int fail_status;   /* the error a failed document keeps returning */
  zf_stats stats;
  /* Detection window: input held until the encoding is decided. */
  unsigned char *win;
  size_t winlen;
  int decided;
  int skip_bom;      /* BOM bytes still to drop                     */
  zf_decoder *dec;
  uint64_t in_off;   /* stream offset of the next byte to decode    */
  /* Decoded text not yet cut into segments: text.cp[start..len). */
  zf_text text;
  size_t start;
  const zf_stage_ops *ops[ZF_NSTAGES];
  void *st[ZF_NSTAGES];
  zf_text buf[2];    /* stage outputs, ping-pong                    */
  /* Output not yet handed to the caller: outq[outpos..outlen). */
  unsigned char *outq;
  size_t outlen, outpos, outcap;
};

void zf_pipeline_release(zhfix *h); /* frees per-document state */

#endif
