/*
 * The frame checks every embedded table's loader makes (lm_other.bin,
 * lm.bin, lm_words.bin, readings.bin): shared by test_lm_blob and
 * test_readings, whose table-specific checks (checksums, indexes out of
 * their tables) stay in the tests.
 */
#ifndef TU_BLOB_H
#define TU_BLOB_H

#include <stddef.h>
#include <stdint.h>

typedef int (*tu_blob_check_fn)(const unsigned char *blob, size_t size);

/* b is a 4-byte aligned buffer of at least n + 16 bytes holding a copy of
 * blob[0..n), which check accepts.  Asserts that check refuses a NULL
 * blob (-1), the table cut at each of cuts[0..ncuts) (< 0), padded by pad
 * bytes (-4), misaligned by 2 (-1), a wrong magic (-2) and a version one
 * higher (-3).  On return b holds the copy again. */
void tu_blob_frame(tu_blob_check_fn check, unsigned char *b, const unsigned char *blob, size_t n,
                   const size_t *cuts, size_t ncuts, size_t pad);

/* A 32-bit header field in the machine's byte order, at any alignment
 * (for poking the fields of a copy). */
void tu_put32n(unsigned char *p, uint32_t v);
uint32_t tu_get32n(const unsigned char *p);

#endif
