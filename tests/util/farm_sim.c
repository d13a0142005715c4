/*
 * Content-farm corruption simulator (see farm_sim.h).  It uses ICU and
 * libopencc directly, not the library's tables, except readings.h for the
 * annotations (the farm's pinyin source is "some primary reading").
 */
#include "farm_sim.h"

#include <opencc/opencc.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#include "readings.h"
#include "zf.h"

#define S2T_CACHE 0x30000u

struct farm_sim {
  UConverter *cnv;
  opencc_t cc;
  uint32_t *s2t;       /* cache: 0 = not looked up yet */
  uint32_t *ann;       /* two-byte code -> offset+1 into pool, 0 = none */
  unsigned char *pool; /* annotation bytes, each preceded by its length */
  size_t npool, cappool, count;
  uint16_t *order; /* annotated codes in the order they were added */
  int sequential;
  uint8_t *lost; /* per code point of the last damaged text: FARM_SIM_LOST_* */
  size_t nlost;
};

typedef struct buf {
  unsigned char *p;
  size_t n, cap;
  int oom;
} buf;

static void put(buf *b, const void *src, size_t n) {
  if (b->oom) return;
  if (b->n + n + 1 > b->cap) {
    size_t nc = b->cap ? b->cap * 2 : 256;
    while (nc < b->n + n + 1) nc *= 2;
    unsigned char *np = realloc(b->p, nc);
    if (!np) {
      b->oom = 1;
      return;
    }
    b->p = np;
    b->cap = nc;
  }
  memcpy(b->p + b->n, src, n);
  b->n += n;
  b->p[b->n] = 0;
}

/* Where each byte of a buffer came from: the index of the code point of
 * the step-1 text whose byte it is, times 4, plus the byte's index in that
 * character; -1 for a byte the farm inserted or replaced. */
typedef struct prov {
  int64_t *p;
  size_t n, cap;
  int oom;
} prov;

static void prov_put(prov *v, int64_t x, size_t n) {
  if (v->oom) return;
  if (v->n + n > v->cap) {
    size_t nc = v->cap ? v->cap * 2 : 256;
    while (nc < v->n + n) nc *= 2;
    int64_t *np = realloc(v->p, nc * sizeof *np);
    if (!np) {
      v->oom = 1;
      return;
    }
    v->p = np;
    v->cap = nc;
  }
  for (size_t i = 0; i < n; i++) v->p[v->n++] = x < 0 ? -1 : x + (int64_t)i;
}

static char *finish(buf *b, size_t *outlen) {
  if (b->oom) {
    free(b->p);
    return NULL;
  }
  if (!b->p) put(b, "", 0);
  if (b->oom) return NULL;
  if (outlen) *outlen = b->n;
  return (char *)b->p;
}

/* Next code point of UTF-8 text; invalid bytes come back as U+FFFD. */
static uint32_t next_cp(const unsigned char *s, size_t n, size_t *i) {
  unsigned c = s[*i];
  size_t k = 0;
  uint32_t cp;
  if (c < 0x80) {
    (*i)++;
    return c;
  }
  if (c >= 0xF0 && c < 0xF5) { k = 3; cp = c & 7; }
  else if (c >= 0xE0) { k = 2; cp = c & 15; }
  else if (c >= 0xC2) { k = 1; cp = c & 31; }
  else { (*i)++; return 0xFFFD; }
  for (size_t j = 1; j <= k; j++) {
    if (*i + j >= n || (s[*i + j] & 0xC0) != 0x80) {
      (*i)++;
      return 0xFFFD;
    }
    cp = cp << 6 | (s[*i + j] & 0x3F);
  }
  *i += k + 1;
  return cp;
}

static void put_cp(buf *b, uint32_t cp) {
  unsigned char u[4];
  put(b, u, (size_t)zf_utf8_put(cp, u));
}

farm_sim *farm_sim_new(void) {
  farm_sim *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  UErrorCode err = U_ZERO_ERROR;
  s->cnv = ucnv_open("gb18030", &err);
  s->cc = opencc_open("s2t.json");
  s->s2t = calloc(S2T_CACHE, sizeof *s->s2t);
  s->ann = calloc(0x10000, sizeof *s->ann);
  s->order = calloc(0x10000, sizeof *s->order);
  if (U_FAILURE(err) || !s->cnv || s->cc == (opencc_t)-1 || !s->s2t || !s->ann || !s->order) {
    if (s->cc == (opencc_t)-1) s->cc = NULL;
    farm_sim_free(s);
    return NULL;
  }
  return s;
}

void farm_sim_free(farm_sim *s) {
  if (!s) return;
  if (s->cnv) ucnv_close(s->cnv);
  if (s->cc) opencc_close(s->cc);
  free(s->s2t);
  free(s->ann);
  free(s->order);
  free(s->pool);
  free(s->lost);
  free(s);
}

uint32_t farm_sim_s2t_char(farm_sim *s, uint32_t cp) {
  if (cp < 0x80 || !zf_is_han(cp)) return cp;
  if (cp < S2T_CACHE && s->s2t[cp]) return s->s2t[cp];
  unsigned char u[5];
  int n = zf_utf8_put(cp, u);
  u[n] = 0;
  uint32_t r = cp;
  char *o = opencc_convert_utf8(s->cc, (const char *)u, (size_t)n);
  if (o) {
    size_t i = 0, len = strlen(o);
    if (len) r = next_cp((const unsigned char *)o, len, &i);
    opencc_convert_utf8_free(o);
  }
  if (cp < S2T_CACHE) s->s2t[cp] = r;
  return r;
}

char *farm_sim_s2t(farm_sim *s, const char *utf8, size_t len, size_t *outlen) {
  buf b = {0};
  const unsigned char *p = (const unsigned char *)utf8;
  for (size_t i = 0; i < len;) put_cp(&b, farm_sim_s2t_char(s, next_cp(p, len, &i)));
  return finish(&b, outlen);
}

/* GB18030 bytes of one code point; 0 when it has none. */
static int enc_cp(farm_sim *s, uint32_t cp, unsigned char out[4]) {
  UChar u[2];
  int32_t nu = 0;
  if (cp < 0x80) {
    out[0] = (unsigned char)cp;
    return 1;
  }
  if (cp < 0x10000) {
    u[nu++] = (UChar)cp;
  } else {
    u[nu++] = (UChar)(0xD7C0 + (cp >> 10));
    u[nu++] = (UChar)(0xDC00 | (cp & 0x3FF));
  }
  char tmp[8];
  UErrorCode err = U_ZERO_ERROR;
  int32_t n = ucnv_fromUChars(s->cnv, tmp, (int32_t)sizeof tmp, u, nu, &err);
  if (U_FAILURE(err) || n < 1 || n > 4) return 0;
  memcpy(out, tmp, (size_t)n);
  return (int)n;
}

int farm_sim_annotate(farm_sim *s, uint32_t cp) {
  unsigned char code[4];
  if (enc_cp(s, cp, code) != 2) return -1;
  uint32_t r[1];
  if (zf_readings(cp, r, 1) == 0) return -1;
  char py[32];
  if (zf_pinyin_format((int)(r[0] >> 3), (int)(r[0] & 7), py, sizeof py) < 0) return -1;
  /* "(" + pinyin in GBK + ")" */
  buf a = {0};
  put(&a, "(", 1);
  const unsigned char *p = (const unsigned char *)py;
  size_t len = strlen(py);
  for (size_t i = 0; i < len;) {
    unsigned char e[4];
    int k = enc_cp(s, next_cp(p, len, &i), e);
    if (k == 0) {
      free(a.p);
      return -1;
    }
    put(&a, e, (size_t)k);
  }
  put(&a, ")", 1);
  if (a.oom || a.n > 255) {
    free(a.p);
    return -1;
  }
  if (s->npool + a.n + 1 > s->cappool) {
    size_t nc = s->cappool ? s->cappool * 2 : 4096;
    while (nc < s->npool + a.n + 1) nc *= 2;
    unsigned char *np = realloc(s->pool, nc);
    if (!np) {
      free(a.p);
      return -1;
    }
    s->pool = np;
    s->cappool = nc;
  }
  unsigned key = (unsigned)code[0] << 8 | code[1];
  if (!s->ann[key]) s->order[s->count++] = (uint16_t)key;
  s->ann[key] = (uint32_t)s->npool + 1;
  s->pool[s->npool++] = (unsigned char)a.n;
  memcpy(s->pool + s->npool, a.p, a.n);
  s->npool += a.n;
  free(a.p);
  return 0;
}

void farm_sim_clear(farm_sim *s) {
  memset(s->ann, 0, 0x10000 * sizeof *s->ann);
  s->npool = 0;
  s->count = 0;
}

size_t farm_sim_count(const farm_sim *s) { return s->count; }

typedef struct freq {
  uint32_t cp;
  size_t n;
} freq;

/* most frequent first, ties by code point (reproducible) */
static int freq_desc(const void *a, const void *b) {
  const freq *x = a, *y = b;
  if (x->n != y->n) return x->n > y->n ? -1 : 1;
  return x->cp < y->cp ? -1 : x->cp > y->cp;
}

int farm_sim_pick_set(farm_sim *s, const char *utf8, size_t len, size_t k) {
  freq *f = calloc(0x30000, sizeof *f);
  if (!f) return -1;
  const unsigned char *p = (const unsigned char *)utf8;
  for (size_t i = 0; i < len;) {
    uint32_t c = next_cp(p, len, &i);
    if (c < 0x30000 && zf_is_han(c)) f[c].n++;
  }
  if (k == 0) /* every character that step 1 converts, seen or not */
    for (uint32_t c = 0x4E00; c <= 0x9FFF; c++) f[c].n++;
  size_t m = 0;
  for (uint32_t c = 0; c < 0x30000; c++) {
    if (!f[c].n) continue;
    uint32_t t = farm_sim_s2t_char(s, c);
    if (t == c) continue;
    f[m].cp = t;
    f[m].n = f[c].n;
    m++;
  }
  qsort(f, m, sizeof *f, freq_desc);
  farm_sim_clear(s);
  size_t added = 0;
  for (size_t i = 0; i < m && (k == 0 || added < k); i++)
    if (farm_sim_annotate(s, f[i].cp) == 0) added++;
  free(f);
  return 0;
}

static int punct_ascii(unsigned trail) {
  switch (trail) {
  case 0xAC: return ',';
  case 0xBA: return ':';
  case 0xBB: return ';';
  case 0xA1: return '!';
  case 0xBF: return '?';
  default: return 0;
  }
}

void farm_sim_sequential(farm_sim *s, int on) { s->sequential = on; }

/* Step 3 the str_replace way: each pattern in turn over the whole text. */
static int replace_all(farm_sim *s, buf *g, prov *gp) {
  for (size_t k = 0; k < s->count + 5; k++) {
    static const unsigned char pt[5] = {0xAC, 0xBA, 0xBB, 0xA1, 0xBF};
    unsigned key = k < s->count ? s->order[k] : 0xA300u | pt[k - s->count];
    buf d = {0};
    prov dp = {0};
    for (size_t i = 0; i < g->n;) {
      if (i + 1 < g->n && g->p[i] == key >> 8 && g->p[i + 1] == (key & 0xFF)) {
        if (k < s->count) {
          uint32_t a = s->ann[key];
          put(&d, g->p + i, 2);
          prov_put(&dp, gp->p[i], 1);
          prov_put(&dp, gp->p[i + 1], 1);
          put(&d, s->pool + a, s->pool[a - 1]);
          prov_put(&dp, -1, s->pool[a - 1]);
        } else {
          unsigned char ch = (unsigned char)punct_ascii(key & 0xFF);
          put(&d, &ch, 1);
          prov_put(&dp, -1, 1);
        }
        i += 2;
        continue;
      }
      put(&d, g->p + i, 1);
      prov_put(&dp, gp->p[i], 1);
      i++;
    }
    if (d.oom || dp.oom) {
      free(d.p);
      free(dp.p);
      return -1;
    }
    free(g->p);
    free(gp->p);
    *g = d;
    *gp = dp;
  }
  return 0;
}


static uint32_t dec_bytes(farm_sim *s, const unsigned char *p, size_t n) {
  UChar u[4];
  UErrorCode err = U_ZERO_ERROR;
  int32_t k = ucnv_toUChars(s->cnv, u, 4, (const char *)p, (int32_t)n, &err);
  if (U_FAILURE(err) || k < 1) return '?';
  if (k == 2 && u[0] >= 0xD800 && u[0] < 0xDC00) return 0x10000 + ((uint32_t)(u[0] - 0xD800) << 10) + (u[1] - 0xDC00);
  return u[0];
}

char *farm_sim_damage(farm_sim *s, const char *utf8, size_t len, farm_sim_decoder dec,
                      size_t *outlen) {
  /* step 2 */
  buf g = {0};
  prov gp = {0};
  const unsigned char *p = (const unsigned char *)utf8;
  size_t ncp = 0;
  for (size_t i = 0; i < len; ncp++) {
    unsigned char e[4];
    int k = enc_cp(s, next_cp(p, len, &i), e);
    if (k == 0) {
      put(&g, "?", 1);
      prov_put(&gp, -1, 1);
    } else {
      put(&g, e, (size_t)k);
      prov_put(&gp, (int64_t)ncp * 4, (size_t)k);
    }
  }
  free(s->lost);
  s->lost = calloc(ncp + 1, 1);
  s->nlost = ncp;
  if (g.oom || gp.oom || !s->lost) {
    free(g.p);
    free(gp.p);
    return NULL;
  }
  /* step 3 */
  if (s->sequential && replace_all(s, &g, &gp)) return NULL;
  buf d = {0};
  prov dp = {0};
  for (size_t i = 0; i < g.n;) {
    if (i + 1 < g.n) {
      unsigned key = (unsigned)g.p[i] << 8 | g.p[i + 1];
      uint32_t a = s->sequential ? 0 : s->ann[key];
      if (a) {
        put(&d, g.p + i, 2);
        prov_put(&dp, gp.p[i], 1);
        prov_put(&dp, gp.p[i + 1], 1);
        put(&d, s->pool + a, s->pool[a - 1]);
        prov_put(&dp, -1, s->pool[a - 1]);
        i += 2;
        continue;
      }
      int c = g.p[i] == 0xA3 && !s->sequential ? punct_ascii(g.p[i + 1]) : 0;
      if (c) {
        unsigned char ch = (unsigned char)c;
        put(&d, &ch, 1);
        prov_put(&dp, -1, 1);
        i += 2;
        continue;
      }
    }
    put(&d, g.p + i, 1);
    prov_put(&dp, gp.p[i], 1);
    i++;
  }
  free(g.p);
  free(gp.p);
  if (d.oom || dp.oom) {
    free(d.p);
    free(dp.p);
    return NULL;
  }
  /* step 4 */
  buf o = {0};
  const char *lost = dec == FARM_SIM_REPLACE ? "\xEF\xBF\xBD" : "?";
  const unsigned char *q = d.p;
  size_t n = d.n;
  for (size_t i = 0; i < n;) {
    unsigned b = q[i];
    if (b < 0x80) {
      put(&o, q + i, 1);
      i++;
      continue;
    }
    unsigned t = i + 1 < n ? q[i + 1] : 0x100;
    int bad = b == 0x80 || b == 0xFF;
    if (!bad && ((t >= 0x40 && t <= 0x7E) || (t >= 0x80 && t <= 0xFE))) {
      put_cp(&o, dec_bytes(s, q + i, 2));
      i += 2;
      continue;
    }
    if (!bad && t >= 0x30 && t <= 0x39 && i + 3 < n && q[i + 2] >= 0x81 && q[i + 2] <= 0xFE &&
        q[i + 3] >= 0x30 && q[i + 3] <= 0x39) {
      put_cp(&o, dec_bytes(s, q + i, 4));
      i += 4;
      continue;
    }
    /* the byte is lost: say whose it was */
    if (dp.p[i] >= 0) s->lost[dp.p[i] / 4] |= dp.p[i] % 4 ? FARM_SIM_LOST_TRAIL : FARM_SIM_LOST_LEAD;
    put(&o, lost, strlen(lost));
    i++;
    if (!bad && dec == FARM_SIM_SWALLOW && (t == '(' || t == ')' || (t >= '0' && t <= '9'))) i++;
  }
  free(d.p);
  free(dp.p);
  return finish(&o, outlen);
}

const uint8_t *farm_sim_lost(const farm_sim *s, size_t *n) {
  *n = s->nlost;
  return s->lost;
}

char *farm_sim_target(const char *utf8, size_t len, size_t *outlen) {
  buf b = {0};
  const unsigned char *p = (const unsigned char *)utf8;
  for (size_t i = 0; i < len;) {
    uint32_t c = next_cp(p, len, &i);
    switch (c) {
    case 0xFF0C: c = ','; break;
    case 0xFF1A: c = ':'; break;
    case 0xFF1B: c = ';'; break;
    case 0xFF01: c = '!'; break;
    case 0xFF1F: c = '?'; break;
    default: break;
    }
    put_cp(&b, c);
  }
  return finish(&b, outlen);
}
