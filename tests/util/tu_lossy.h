/*
 * The simulated lossy slice of the corpus (tools/lossy_sim.py), for the
 * lost-byte test programs (test_lost, test_lost_doc, test_lost_u8).
 * Linked into every test program; symbols are tu_lossy_*.
 */
#ifndef TU_LOSSY_H
#define TU_LOSSY_H

#include <stddef.h>

#include "lost.h"

/* The directory of the simulated classes: $ZHFIX_LOSSY_DIR, or
 * $ZHFIX_CORPUS/../lossy/sSKIP-bBUDGET (LOST_SKIP, default 1,500,000
 * bytes into each corpus file; LOST_BUDGET bytes of text per class,
 * default 12,000, 4,000 under ZHFIX_QUICK=1), built with
 * tools/lossy_sim.py when its MANIFEST.tsv is missing.  NULL when the
 * simulator failed.  Static buffer. */
const char *tu_lossy_dir(void);

/* The simulator's file DIR/NAME.EXT (orig, dam, lossy), read whole
 * (free()); NULL, with a message on stderr, when it is missing. */
char *tu_lossy_file(const char *dir, const char *name, const char *ext, size_t *n);
/* The same, failing the test when the file is missing. */
char *tu_lossy_class_file(const char *dir, const char *name, const char *ext, size_t *n);

/* The hypothesis of a class named SRC-as-READER-STYLE (utf8-as-py-gbk-
 * replace): its source encoding, reader and error style.  0, or -1 when
 * the name is not one. */
int tu_lossy_parse_class(const char *name, zf_lost_hyp *h);

/* The classes DIR/MANIFEST.tsv lists, in its order (comment lines and
 * empty lines left out): names[0..n).  Fails the test (WHO in the
 * message) when the manifest is missing.  tu_lossy_manifest_free(). */
typedef struct {
  char **names;
  size_t n;
} tu_lossy_manifest;
void tu_lossy_manifest_read(const char *dir, const char *who, tu_lossy_manifest *m);
void tu_lossy_manifest_free(tu_lossy_manifest *m);

/* A lost-byte reader on tables of its own (zf_lost_tables_new with no
 * blob), failing the test when either cannot be made.  Free with
 * zf_lost_free and zf_lost_tables_free(*tab). */
zf_lost *tu_lossy_reader(zf_lost_tables **tab);

/* Five lines of a man page in GBK read by CPython's big5 with
 * errors="ignore" (tuning slice): four of them the drop reader takes on
 * their own evidence, so the document shows the damage (DOC_LL_HITS);
 * tests/test_lost_u8.c describes them. */
extern const char tu_lossy_gbk_doc[];

#endif
