/*
 * One scan of a segment whose facts every repair stage's gate shares
 * (issue 14): instead of each stage crossing a clean line on its own (the
 * content-farm stage for its marks, the lost-byte stage for its Han and
 * rare characters, the mojibake stage for anything not ASCII), the
 * pipeline reads the segment once before the first stage, into
 * zf_stats::lf, and a stage's gate answers the common "certainly nothing
 * here" case from it.  The facts describe the segment as the pipeline
 * cut it; once a stage changes the text the pipeline marks them invalid
 * and each later gate scans for itself (zf_line_facts_scan, the same
 * definition), so the output never depends on whether facts were there.
 */
#ifndef ZF_LINEFACTS_H
#define ZF_LINEFACTS_H

#include "zf.h"

/* Fills *lf with the facts of in (lf->valid = 1).  Returns 0, or -1 when
 * the shared class table cannot be built (no memory; *lf is then marked
 * invalid). */
int zf_line_facts_scan(const zf_text *in, zf_line_facts *lf);

/* Finds the first '\n' or '\r' of cp[0..n) and returns its index (n when
 * there is none), with the facts of cp[0..index) in *lf (a terminator
 * adds nothing): the pipeline cuts a segment and reads its facts in one
 * pass.  Without memory for the class table *lf is marked invalid and
 * the index is still found. */
size_t zf_line_facts_to_break(const uint32_t *cp, size_t n, zf_line_facts *lf);

/* Tests: 0 makes the scans take their portable path only, 1 (the
 * default) their AVX-512 path where the CPU has it. */
void zf_line_facts_level(int level);

/* Han characters the model hardly knows: not a model character, or log10
 * P below ZF_RARE_LP (the lost-byte stage's drop test, lost_stage.c). */
#define ZF_RARE_LP -5.0f
int zf_line_rare_han(uint32_t c);

#endif
