/* The content-farm stage run alone (tu_farm.c). */
#ifndef TU_FARM_H
#define TU_FARM_H

#include <stddef.h>
#include <stdint.h>

#include "tu.h"
#include "zf.h"

/* UTF-8 s[0..n) -> code points in cp (and the byte offset each starts at
 * in off, when not NULL); a byte that starts no sequence stays as the
 * code point of its own value.  Returns the number of code points. */
size_t tu_farm_u8_decode(const char *s, size_t n, uint32_t *cp, uint64_t *off);
/* Runs the farm stage state s (zf_stage_farm) over the lines of
 * cp[0..n) (offsets off), each line's output appended to b. */
void tu_farm_run_lines(void *s, uint32_t *cp, uint64_t *off, size_t n, zf_stats *st, tu_buf *b);
/* Runs the farm stage over a whole UTF-8 document as the pipeline does
 * (detected script, prescan of the detection window, each line).  Returns
 * the output (free()), its length in *outlen, the statistics in *st and,
 * when work is not NULL, the stage's work counter in *work. */
char *tu_farm_doc_work(const char *doc, size_t len, int pinyin, zf_stats *st, size_t *outlen,
                       uint64_t *work);
/* tu_farm_doc_work without the work counter. */
char *tu_farm_doc(const char *doc, size_t len, int pinyin, zf_stats *st, size_t *outlen);

#endif
