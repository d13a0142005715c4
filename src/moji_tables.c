/*
 * The mojibake stage's derived tables (moji.h, moji_tables): built once
 * per process from the codecs, the LM and OpenCC's character tables, and
 * shared read-only (shared.h).  A build that fails is retried by the next
 * stage created; it never disables the stage for the process.
 */
#include <stdlib.h>
#include <string.h>

#include "convert_tables.h"
#include "moji.h"
#include "shared.h"

static void set_bit(uint8_t *bm, uint32_t c) { bm[c >> 3] |= (uint8_t)(1u << (c & 7)); }

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* Whether the code e has two bytes and begins with a continuation byte. */
static int cont_code(uint16_t e) { return e >= 0x100 && (e >> 8 & 0xC0) == 0x80; }

/* rare_bm, latin_bm, lead_bm, fold_bm, then plain_bm and quiet_bm from
 * them; fold_gbk; trig but its TRIG_T2S (build_unconv). */
static void build_bitmaps(moji_tables *t) {
  for (uint32_t c = 0x80; c < 0x10000; c++) {
    const int rare = zf_is_han(c) && zf_lm_char(c) < RARE_CHAR;
    if (rare) set_bit(t->rare_bm, c);
    uint16_t g = t->gbk->enc[c], b = t->big5->enc[c];
    uint32_t u;
    if (spells_latin(g, &u) || spells_latin(b, &u)) set_bit(t->latin_bm, c);
    if (zf_moji_utf8_start(g)) set_bit(t->lead_bm[0], c);
    if (zf_moji_utf8_start(b)) set_bit(t->lead_bm[1], c);
    uint32_t f = zf_lm_fold(c);
    uint16_t gf = f != c && f < 0x10000 ? t->gbk->enc[f] : 0;
    if (zf_moji_utf8_start(gf)) set_bit(t->fold_bm, c);
    t->trig[c] = (uint8_t)(zf_moji_utf8_start(g) * TRIG_LEAD_GBK | zf_moji_utf8_start(b) * TRIG_LEAD_BIG5 |
                           zf_moji_utf8_start(gf) * TRIG_FOLD | rare * TRIG_RARE);
  }
  for (uint32_t c = 0x80; c < 0x10000; c++) {
    unsigned bit = 1u << (c & 7);
    if (zf_is_han(c) && !zf_mark_fffd_lead(c) &&
        !((t->rare_bm[c >> 3] | t->lead_bm[0][c >> 3] | t->lead_bm[1][c >> 3] | t->fold_bm[c >> 3]) & bit))
      t->plain_bm[c >> 3] |= (uint8_t)bit;
    if ((t->plain_bm[c >> 3] & bit) ||
        (!zf_is_han(c) && !(c >= 0x3041 && c <= 0x30FF) && !(c >= 0xE000 && c <= 0xF8FF) &&
         !(c >= 0x2500 && c <= 0x257F) && c != ZF_MARK_FFFD && zf_cp1252_byte(c) < 0 && !dbcs_odd(c) &&
         !((t->lead_bm[0][c >> 3] | t->lead_bm[1][c >> 3] | t->fold_bm[c >> 3]) & bit)))
      t->quiet_bm[c >> 3] |= (uint8_t)bit;
  }
  for (uint32_t c = 0; c < 0x10000; c++) {
    t->fold_gbk[c] = zf_moji_fold_code(t->gbk, c);
    t->trig[c] |= (uint8_t)(cont_code(t->gbk->enc[c]) * TRIG_CONT_GBK | cont_code(t->big5->enc[c]) * TRIG_CONT_BIG5 |
                            cont_code(t->fold_gbk[c]) * TRIG_CONT_FOLD);
  }
  /* ASCII is quiet too: the trigger's first test is then one lookup */
  for (uint32_t c = 0; c < 0x80; c++) set_bit(t->quiet_bm, c);
}

/* unconv[dir] from OpenCC's character table of the conversion dir undoes,
 * and what the t2s inverse adds to the trigger's bitmaps. */
static void build_unconv(moji_tables *t, const zf_occ_tables *occ, int dir) {
  static const int dict[NUNDO] = {[UNDO_S2T] = ZF_OCC_ST_CHARS, [UNDO_T2S] = ZF_OCC_TS_CHARS};
  const zf_occ_dict *d = &occ->d[dict[dir]];
  uint64_t *tab = t->unconv[dir];
  size_t cap = sizeof t->unconv[dir] / sizeof t->unconv[dir][0], n = 0;
  for (uint32_t c = 0x2E80; c < 0x10000; c++) {
    const uint32_t *val;
    size_t vlen;
    if ((t->gbk->enc[c] < 0x100 && t->big5->enc[c] < 0x100) || !zf_occ_match(d, &c, 1, &val, &vlen) || !vlen ||
        val[0] == c)
      continue;
    if (n == cap) break; /* table full: the rest untried */
    tab[n++] = (uint64_t)val[0] << 32 | c;
  }
  qsort(tab, n, sizeof tab[0], cmp_u64);
  t->nunconv[dir] = n;
  for (size_t q = 0; q < n; q++) {
    uint64_t cv = tab[q] >> 32;
    if (cv < 0x10000) set_bit(t->has_unconv[dir], (uint32_t)cv);
  }
  if (dir != UNDO_T2S) return;
  for (size_t q = 0; q < n; q++) {
    uint64_t cv = tab[q] >> 32;
    if (cv >= 0x10000) continue;
    uint32_t o = (uint32_t)tab[q], u;
    if (spells_latin(t->gbk->enc[o], &u) || spells_latin(t->big5->enc[o], &u)) set_bit(t->latin_bm, (uint32_t)cv);
    if (zf_moji_utf8_start(t->gbk->enc[o]) || zf_moji_utf8_start(t->big5->enc[o])) {
      /* such a character can start a window: not plain nor quiet */
      uint8_t bit = (uint8_t)(1u << (cv & 7));
      t->t2s_lead_bm[cv >> 3] |= bit;
      t->trig[cv] |= TRIG_T2S;
      t->plain_bm[cv >> 3] &= (uint8_t)~bit;
      t->quiet_bm[cv >> 3] &= (uint8_t)~bit;
    }
  }
}

typedef struct build_arg {
  int err;
} build_arg;

static void *build(void *arg) {
  build_arg *a = arg;
  const zf_dbcs *gbk = zf_dbcs_table(ZF_DBCS_GBK, &a->err);
  const zf_dbcs *big5 = gbk ? zf_dbcs_table(ZF_DBCS_BIG5, &a->err) : NULL;
  if (!big5) return NULL;
  /* OpenCC's tables: NULL when memory is short (or the blob is not what
   * this code reads, which the conversion's tests catch) */
  const zf_occ_tables *occ = zf_occ_get();
  moji_tables *t = occ ? calloc(1, sizeof *t) : NULL;
  if (!t) {
    a->err = ZHFIX_E_NOMEM;
    return NULL;
  }
  t->gbk = gbk;
  t->big5 = big5;
  build_bitmaps(t);
  for (int dir = 0; dir < NUNDO; dir++) build_unconv(t, occ, dir);
  return t;
}

static zf_shared_slot slot;

const moji_tables *zf_moji_tables(int *err) {
  build_arg a = {0};
  const moji_tables *t = zf_shared_get(&slot, build, &a, free);
  if (err) *err = t ? 0 : a.err;
  return t;
}

int zf_moji_unconv_cands(const moji_tables *t, int dir, uint32_t c, uint32_t *out, int max) {
  int n = 0;
  uint32_t f = dir == UNDO_S2T ? zf_lm_fold(c) : c;
  if (f != c && f < 0x10000 && t->gbk->enc[f] >= 0x100) out[n++] = f;
  if (c < 0x10000 && !moji_bit(t->has_unconv[dir], c)) return n;
  const uint64_t *tab = t->unconv[dir];
  size_t lo = 0, hi = t->nunconv[dir];
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if ((tab[mid] >> 32) < c) lo = mid + 1;
    else hi = mid;
  }
  for (; lo < t->nunconv[dir] && (tab[lo] >> 32) == c && n < max; lo++) {
    uint32_t s = (uint32_t)tab[lo];
    if (s != f) out[n++] = s;
  }
  return n;
}

/* ---- headings (data/headings.bin, tools/gen_headings.py) ------------------ */

ZF_BLOB_DECLARE(headings);

#define HD_MAGIC 0x4448465Au /* 'ZFHD' */
#define HD_REC (2 + HEADING_CHARS) /* u32 pages, u32 length, u32 cp[HEADING_CHARS] */

/* Order of the blob's records: by length, then code point by code point. */
static int hd_cmp(const uint32_t *r, const uint32_t *cp, size_t n) {
  if (r[1] != n) return r[1] < n ? -1 : 1;
  for (size_t i = 0; i < n; i++)
    if (r[2 + i] != cp[i]) return r[2 + i] < cp[i] ? -1 : 1;
  return 0;
}

unsigned zf_moji_heading_pages(const uint32_t *cp, size_t n) {
  const uint32_t *w = (const uint32_t *)(const void *)zf_blob_headings;
  uint64_t size = zf_blob_headings_size;
  if (!n || n > HEADING_CHARS || size < 16 || w[0] != HD_MAGIC || w[1] != 1 ||
      w[2] > (size - 16) / (HD_REC * 4))
    return 0; /* no table: no heading known */
  size_t lo = 0, hi = w[2];
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const uint32_t *r = w + 4 + mid * HD_REC;
    int c = hd_cmp(r, cp, n);
    if (!c) return r[0];
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return 0;
}
