/* The handle and the streaming pipeline (pipeline.c); api.c holds options,
 * names and statistics accessors.  docs/architecture.md describes the
 * journey of a line. */
#ifndef ZF_PIPELINE_H
#define ZF_PIPELINE_H

#include "decode.h"
#include "zf.h"

/* The stages, in order: the first ZF_NREPAIR repair the text (they see the
 * text as decoded and take no decision that depends on the document's
 * script); the others take their document-level decisions on the repaired
 * text (pipeline.c, stage_order). */
#define ZF_NSTAGES 6
#define ZF_NREPAIR 4 /* farm, entities (input cleaning), lost bytes, mojibake */

enum { ZF_FRESH, ZF_RUNNING, ZF_ENDED, ZF_FAILED };

/* A segment of the detection window after the repair stages, held until
 * the document-level decisions are taken: its length in the held text and
 * the damage the repairs left in it (zf_stats seg_damage). */
typedef struct zf_held {
  size_t len;
  size_t dmg, ndmg; /* its spans: held_dmg[dmg .. dmg + ndmg) */
} zf_held;

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
  int facts;         /* read each segment's facts (linefacts.h)     */
  zf_text buf[2];    /* stage outputs, ping-pong                    */
  zf_text piece;     /* conversion of a stretch between damage      */
  /* The window's segments, repaired, waiting for the decisions: their
   * text (used only when a repair changed one; else they are still in
   * `text`), lengths and damage lists.  Empty outside decide(). */
  zf_text held;
  zf_held *hseg;
  size_t nhseg, hsegcap;
  zf_span *hdmg;
  size_t nhdmg, hdmgcap;
  /* The caller's buffer during zhfix_stream: while the queue below is
   * empty, emit encodes straight into it (no copy through the queue). */
  zhfix_out *sink;
  /* Output not yet handed to the caller: outq[outpos..outlen). */
  unsigned char *outq;
  size_t outlen, outpos, outcap;
};

/* Ends the document: its decoder goes, its stages are parked for the
 * next document to reuse, the scratch buffers stay (bounded: see
 * pipeline.c and each stage's reuse). */
void zf_pipeline_reset(zhfix *h);
/* Frees everything the handle owns but the handle itself. */
void zf_pipeline_release(zhfix *h);

#endif
