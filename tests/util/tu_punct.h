/* The punctuation stage run alone (tu_punct.c). */
#ifndef TU_PUNCT_H
#define TU_PUNCT_H

#include <stddef.h>
#include <stdint.h>

typedef struct popts {
  int quotes, spacing, to, script, controls, format;
} popts;

/* Simplified with curly quotes; Taiwan with corner brackets. */
extern const popts SIMP, TW;

/* Normalizes the UTF-8 text in[0..len) line by line with the stage state
 * st; returns malloc'ed UTF-8, and the edits counted in *edits (if not
 * NULL). */
char *tu_punct_run(void *st, const char *in, size_t len, uint64_t *edits);
/* A new stage state with the options po (free it with the stage's destroy). */
void *tu_punct_make(popts po);
/* in normalized with a new state. */
char *tu_punct_norm(popts po, const char *in, uint64_t *edits);
/* Asserts in -> want, that want is a fixed point, and that the edit count
 * is zero exactly when nothing changed (line: the caller's, for the
 * message). */
void tu_punct_check(popts po, const char *in, const char *want, int line);
#define check(po, in, want) tu_punct_check(po, in, want, __LINE__)
#define same(po, in) tu_punct_check(po, in, in, __LINE__)
/* check(SIMP) of each case {in, want} after 0 to 8 Han characters. */
void tu_punct_check_at_offsets(const char *const cases[][2], size_t ncases, int maxk);

/* The corpora of the whole-corpus tests, and one of them read (shortened
 * under ZHFIX_QUICK); fails the test when it is missing. */
#define TU_PUNCT_NCORPORA 4
extern const char *const tu_punct_corpora[TU_PUNCT_NCORPORA];
char *tu_punct_load_corpus(const char *name, size_t *len);

#endif
