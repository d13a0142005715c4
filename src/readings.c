/*
 * Pinyin readings: lookups in data/readings.bin (tools/gen_readings.py
 * documents its layout).  Per-character data goes through a two-stage page
 * table, so zf_reading_of and zf_readings cost two loads plus a scan of the
 * character's few readings.
 */
#include "readings.h"

#include <string.h>

#include "shared.h"
#include "zf.h"

ZF_BLOB_DECLARE(readings);

#define RD_MAX_CP 0x40000u
#define SYL_LEN 8 /* bytes per syllable record */

typedef struct rd_hdr {
  uint32_t magic, version, nsyl, off_syl, nstage1, off_stage1, nblocks,
      off_stage2, nchars, off_start, nreadings, off_rd;
} rd_hdr;

static const rd_hdr *hdr(void) { return (const rd_hdr *)(const void *)zf_blob_readings; }

/* ---- checking the table (readings.h) ---------------------------------------- */

#define RD_MAGIC 0x4452465Au /* "ZFRD" */
#define RD_VERSION 1u

static uint32_t rd32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* 1 when count items of `size` bytes at off lie in [lo, end), off 4-byte
 * aligned. */
static int section_ok(uint64_t off, uint64_t count, uint64_t size, uint64_t lo, uint64_t end) {
  return off >= lo && off % 4 == 0 && off <= end && count <= (end - off) / size;
}

int zf_readings_check(const unsigned char *b, size_t size) {
  enum { HDR = 12 * 4 };
  if (!b || size < HDR || ((uintptr_t)b & 3u)) return -1;
  uint32_t h[12];
  for (int i = 0; i < 12; i++) h[i] = rd32(b + 4 * i);
  if (h[0] != RD_MAGIC) return -2;
  if (h[1] != RD_VERSION) return -3;
  uint32_t nsyl = h[2], off_syl = h[3], nstage1 = h[4], off_stage1 = h[5], nblocks = h[6],
           off_stage2 = h[7], nchars = h[8], off_start = h[9], nreadings = h[10], off_rd = h[11];
  /* the last section ends the file: anything cut off or added shows */
  if ((((uint64_t)off_rd + 2 * (uint64_t)nreadings + 3) & ~(uint64_t)3) != size) return -4;
  if (nsyl == 0 || nsyl > 0xFFFF / 8 || nstage1 == 0 || nstage1 > RD_MAX_CP >> 8 ||
      !section_ok(off_syl, nsyl, SYL_LEN, HDR, off_stage1) ||
      !section_ok(off_stage1, nstage1, 2, HDR, off_stage2) ||
      !section_ok(off_stage2, (uint64_t)nblocks * 256, 2, HDR, off_start) ||
      !section_ok(off_start, (uint64_t)nchars + 1, 4, HDR, off_rd) ||
      !section_ok(off_rd, nreadings, 2, HDR, size))
    return -5;
  for (uint32_t i = 0; i < nstage1; i++)
    if (rd16(b + off_stage1 + 2 * (size_t)i) >= nblocks) return -5;
  for (uint64_t i = 0; i < (uint64_t)nblocks * 256; i++)
    if (rd16(b + off_stage2 + 2 * i) >= nchars) return -5;
  uint32_t prev = 0;
  for (uint32_t i = 0; i <= nchars; i++) {
    uint32_t v = rd32(b + off_start + 4 * (size_t)i);
    if (v < prev || v > nreadings) return -5;
    prev = v;
  }
  for (uint32_t i = 0; i < nreadings; i++) {
    uint16_t r = rd16(b + off_rd + 2 * (size_t)i);
    if ((r >> 3) >= nsyl || (r & 7) > 5) return -5;
  }
  /* syllables: NUL padded lowercase ASCII, sorted (syl_find bisects) */
  for (uint32_t i = 0; i < nsyl; i++) {
    const char *sy = (const char *)b + off_syl + (size_t)i * SYL_LEN;
    if (!sy[0] || (i && strncmp(sy - SYL_LEN, sy, SYL_LEN) >= 0)) return -5;
    for (int k = 0; k < SYL_LEN && sy[k]; k++)
      if (sy[k] < 'a' || sy[k] > 'z') return -5;
  }
  return 0;
}

/* The embedded table, checked once per process (shared.h): the slot holds
 * a pointer to the verdict. */
static const int rd_verdict[2] = {0, 1};
static void *rd_check_embedded(void *arg) {
  (void)arg;
  int ok = zf_readings_check(zf_blob_readings, (size_t)zf_blob_readings_size) == 0;
  return (void *)(uintptr_t)&rd_verdict[ok];
}
static void rd_verdict_drop(void *obj) { (void)obj; }
static zf_shared_slot rd_checked;

int zf_readings_ok(void) {
  const int *v = zf_shared_get(&rd_checked, rd_check_embedded, NULL, rd_verdict_drop);
  return v && *v;
}

static const char *syl_name(int syl) {
  return (const char *)zf_blob_readings + hdr()->off_syl + (size_t)syl * SYL_LEN;
}

/* Char id of cp in the readings table, 0 when it has none. */
static uint32_t char_id(uint32_t cp) {
  const rd_hdr *h = hdr();
  if (cp >= RD_MAX_CP || (cp >> 8) >= h->nstage1) return 0;
  const uint16_t *s1 = (const uint16_t *)(const void *)(zf_blob_readings + h->off_stage1);
  const uint16_t *s2 = (const uint16_t *)(const void *)(zf_blob_readings + h->off_stage2);
  return s2[(size_t)s1[cp >> 8] * 256 + (cp & 255)];
}

static const uint16_t *char_readings(uint32_t cp, size_t *n) {
  const rd_hdr *h = hdr();
  if (!zf_readings_ok()) {
    *n = 0;
    return NULL;
  }
  uint32_t id = char_id(cp);
  const uint32_t *st = (const uint32_t *)(const void *)(zf_blob_readings + h->off_start);
  const uint16_t *rd = (const uint16_t *)(const void *)(zf_blob_readings + h->off_rd);
  if (id == 0 || id >= h->nchars) {
    *n = 0;
    return rd;
  }
  *n = st[id + 1] - st[id];
  return rd + st[id];
}

/* Binary search of the ASCII spelling (v for ü) in the sorted syllables. */
static int syl_find(const char *s) {
  if (!zf_readings_ok()) return -1;
  int lo = 0, hi = (int)hdr()->nsyl - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    int c = strncmp(s, syl_name(mid), SYL_LEN);
    if (c == 0) return mid;
    if (c < 0)
      hi = mid - 1;
    else
      lo = mid + 1;
  }
  return -1;
}

/* Letters with a tone mark or umlaut, precomposed, both cases. */
static const struct {
  uint16_t cp;
  char base; /* 'v' stands for ü */
  char tone;
} marked[] = {
    {0x0101, 'a', 1}, {0x00E1, 'a', 2}, {0x01CE, 'a', 3}, {0x00E0, 'a', 4},
    {0x0100, 'a', 1}, {0x00C1, 'a', 2}, {0x01CD, 'a', 3}, {0x00C0, 'a', 4},
    {0x0113, 'e', 1}, {0x00E9, 'e', 2}, {0x011B, 'e', 3}, {0x00E8, 'e', 4},
    {0x0112, 'e', 1}, {0x00C9, 'e', 2}, {0x011A, 'e', 3}, {0x00C8, 'e', 4},
    {0x012B, 'i', 1}, {0x00ED, 'i', 2}, {0x01D0, 'i', 3}, {0x00EC, 'i', 4},
    {0x012A, 'i', 1}, {0x00CD, 'i', 2}, {0x01CF, 'i', 3}, {0x00CC, 'i', 4},
    {0x014D, 'o', 1}, {0x00F3, 'o', 2}, {0x01D2, 'o', 3}, {0x00F2, 'o', 4},
    {0x014C, 'o', 1}, {0x00D3, 'o', 2}, {0x01D1, 'o', 3}, {0x00D2, 'o', 4},
    {0x016B, 'u', 1}, {0x00FA, 'u', 2}, {0x01D4, 'u', 3}, {0x00F9, 'u', 4},
    {0x016A, 'u', 1}, {0x00DA, 'u', 2}, {0x01D3, 'u', 3}, {0x00D9, 'u', 4},
    {0x01D6, 'v', 1}, {0x01D8, 'v', 2}, {0x01DA, 'v', 3}, {0x01DC, 'v', 4},
    {0x01D5, 'v', 1}, {0x01D7, 'v', 2}, {0x01D9, 'v', 3}, {0x01DB, 'v', 4},
    {0x00FC, 'v', 0}, {0x00DC, 'v', 0},
    {0x0144, 'n', 2}, {0x0148, 'n', 3}, {0x01F9, 'n', 4},
    {0x0143, 'n', 2}, {0x0147, 'n', 3}, {0x01F8, 'n', 4},
    {0x1E3F, 'm', 2}, {0x1E3E, 'm', 2},
    {0x0251, 'a', 0}, /* ɑ and ɡ: the shapes pinyin fonts and typists use */
    {0x0261, 'g', 0},
};

int zf_pinyin_parse(const uint32_t *s, size_t n, int *tone) {
  char buf[SYL_LEN + 4];
  size_t len = 0;
  int t = 0;
  *tone = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t c = s[i];
    char base = 0;
    int ct = 0;
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    if (c >= 'a' && c <= 'z') {
      base = (char)c;
    } else if (c >= '0' && c <= '5') {
      /* A tone digit ends the syllable; 0 is sometimes written for the
       * neutral tone. */
      if (i + 1 != n || len == 0 || t != 0) return -1;
      t = c == '0' ? 5 : (int)(c - '0');
      break;
    } else if (c == ':' && len > 0 && buf[len - 1] == 'u') {
      buf[len - 1] = 'v';
      continue;
    } else if (c == 0x0304 || c == 0x0301 || c == 0x030C || c == 0x0300) {
      /* combining tone marks after their vowel */
      if (len == 0 || t != 0) return -1;
      t = c == 0x0304 ? 1 : c == 0x0301 ? 2 : c == 0x030C ? 3 : 4;
      continue;
    } else if (c == 0x0308) {
      if (len == 0 || buf[len - 1] != 'u') return -1;
      buf[len - 1] = 'v';
      continue;
    } else {
      for (size_t k = 0; k < sizeof marked / sizeof marked[0]; k++)
        if (marked[k].cp == c) {
          base = marked[k].base;
          ct = marked[k].tone;
          break;
        }
      if (!base) return -1;
    }
    if (ct) {
      if (t != 0) return -1; /* two tone marks */
      t = ct;
    }
    if (len >= SYL_LEN - 1) return -1;
    buf[len++] = base;
  }
  if (len == 0) return -1;
  buf[len] = 0;
  int syl = syl_find(buf);
  if (syl < 0 && len >= 3 && (buf[0] == 'n' || buf[0] == 'l') && buf[1] == 'u' &&
      buf[2] == 'e') {
    /* nüe and lüe are commonly written nue, lue (as in jue, xue), and
     * those spellings name no other syllable. */
    buf[1] = 'v';
    syl = syl_find(buf);
  }
  if (syl < 0) return -1;
  *tone = t;
  return syl;
}

int zf_reading_of(uint32_t cp, int syl, int tone) {
  size_t n;
  const uint16_t *rd = char_readings(cp, &n);
  for (size_t i = 0; i < n; i++)
    if ((int)(rd[i] >> 3) == syl && (tone == 0 || (int)(rd[i] & 7) == tone)) return 1;
  return 0;
}

size_t zf_readings(uint32_t cp, uint32_t *out, size_t max) {
  size_t n;
  const uint16_t *rd = char_readings(cp, &n);
  for (size_t i = 0; i < n && i < max; i++) out[i] = rd[i];
  return n;
}

/* Lowercase precomposed letters for zf_pinyin_format, tones 1..4; 0 where
 * Unicode has none. */
static const char mark_base[] = "aeiouvnm";
static const uint16_t mark_lower[8][4] = {
    {0x0101, 0x00E1, 0x01CE, 0x00E0}, {0x0113, 0x00E9, 0x011B, 0x00E8},
    {0x012B, 0x00ED, 0x01D0, 0x00EC}, {0x014D, 0x00F3, 0x01D2, 0x00F2},
    {0x016B, 0x00FA, 0x01D4, 0x00F9}, {0x01D6, 0x01D8, 0x01DA, 0x01DC},
    {0, 0x0144, 0x0148, 0x01F9},      {0, 0x1E3F, 0, 0},
};

int zf_pinyin_format(int syl, int tone, char *buf, size_t cap) {
  if (!zf_readings_ok() || syl < 0 || (uint32_t)syl >= hdr()->nsyl || tone < 0 || tone > 5) {
    if (cap) buf[0] = 0;
    return -1;
  }
  const char *s = syl_name(syl);
  size_t len = strnlen(s, SYL_LEN);
  /* Which letter carries the mark: a or e if present, o in "ou", else the
   * last vowel; m or n in the vowel-less interjections (hm, ng, n). */
  size_t at = len;
  if (tone >= 1 && tone <= 4) {
    for (size_t i = 0; i < len && at == len; i++)
      if (s[i] == 'a' || s[i] == 'e') at = i;
    for (size_t i = 0; i + 1 < len && at == len; i++)
      if (s[i] == 'o' && s[i + 1] == 'u') at = i;
    for (size_t i = len; i-- > 0 && at == len;)
      if (strchr("iouv", s[i])) at = i;
    for (size_t i = 0; i < len && at == len; i++)
      if (s[i] == 'm' || s[i] == 'n') at = i;
  }
  unsigned char tmp[SYL_LEN * 4 + 4];
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    uint32_t c = (unsigned char)s[i];
    uint32_t comb = 0;
    if (i == at) {
      uint32_t pre = 0;
      const char *row = strchr(mark_base, (int)c);
      if (row) pre = mark_lower[row - mark_base][tone - 1];
      if (pre) {
        c = pre;
      } else {
        /* no precomposed letter (n̄, m̀ ...): base + combining mark */
        if (c == 'v') c = 0x00FC;
        comb = tone == 1 ? 0x0304 : tone == 2 ? 0x0301 : tone == 3 ? 0x030C : 0x0300;
      }
    } else if (c == 'v') {
      c = 0x00FC;
    }
    o += (size_t)zf_utf8_put(c, tmp + o);
    if (comb) o += (size_t)zf_utf8_put(comb, tmp + o);
  }
  if (o + 1 > cap) {
    if (cap) buf[0] = 0;
    return -1;
  }
  memcpy(buf, tmp, o);
  buf[o] = 0;
  return (int)o;
}
