/*
 * Experiment, not part of the library or of `make data`: does a stronger
 * language model pay for the lost-byte and content-farm repairs (issue #15
 * item 5)?  docs/lm.md ("fcitx5's word model, measured") has the figures.
 *
 * Built by `make lm-kenlm-exp` into build/kenlm/: the command line and
 * tests/test_farm_sim linked with -Wl,--wrap=zf_lm_rank_score, so that every
 * caller of zf_lm_rank_score (lost-byte lattice, mojibake lossy fill,
 * content-farm marks, ...) gets, with ZHFIX_KENLM=add,
 *
 *   zf_lm_rank_score(x) + W * K(x)
 *
 * where K is fcitx5's KenLM word trigram model (Debian
 * libime-data-language-model, read through libIMECore) over each run of
 * Han characters in x (folded to Simplified by zf_lm_fold), best
 * segmentation by a beam over (position, last two words); W is
 * ZHFIX_KENLM_WEIGHT (default 1).  ZHFIX_KENLM=replace uses zf_lm_score(x)
 * + W * K(x) (the jieba segment score dropped); ZHFIX_KENLM_UNIGRAM=1
 * scores every word without context (what an export of word unigrams
 * alone would give).  Unset: the wrapped function unchanged.
 *
 * Only Han runs are scored: the model's vocabulary holds no punctuation,
 * digits or Latin letters (each is <unk>, -14 log10), which made a
 * punctuation fill lose to any Han character.  Only the public libIME
 * interface is used (index, isUnknown, singleWordScore, wordsScore): the
 * trigram probability of w after (u, v) is wordsScore(u v w) - wordsScore(u
 * v) from the null state, exact for the order-3 model this is.
 */
#include <libime/core/languagemodel.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

extern "C" {
uint32_t zf_lm_fold(uint32_t cp);
double zf_lm_score(const uint32_t *cp, size_t n);
double __real_zf_lm_rank_score(const uint32_t *cp, size_t n);
double __wrap_zf_lm_rank_score(const uint32_t *cp, size_t n);
}

namespace {

const char *kModel = "/usr/lib/x86_64-linux-gnu/libime/zh_CN.lm";

struct Config {
  int mode = 0; /* 0 off, 1 add, 2 replace */
  double weight = 1.0;
  bool unigram = false;
  std::unique_ptr<libime::LanguageModel> lm;
};

Config &config() {
  static Config c;
  static std::once_flag once;
  std::call_once(once, [] {
    const char *m = std::getenv("ZHFIX_KENLM");
    if (m && !std::strcmp(m, "add")) c.mode = 1;
    else if (m && !std::strcmp(m, "replace")) c.mode = 2;
    if (const char *w = std::getenv("ZHFIX_KENLM_WEIGHT")) c.weight = std::atof(w);
    if (const char *u = std::getenv("ZHFIX_KENLM_UNIGRAM")) c.unigram = std::atoi(u) != 0;
    if (c.mode) c.lm = std::make_unique<libime::LanguageModel>(kModel);
  });
  return c;
}

void put_utf8(std::string &s, uint32_t c) {
  if (c < 0x80) {
    s += static_cast<char>(c);
  } else if (c < 0x800) {
    s += static_cast<char>(0xC0 | (c >> 6));
    s += static_cast<char>(0x80 | (c & 63));
  } else if (c < 0x10000) {
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 63));
    s += static_cast<char>(0x80 | (c & 63));
  } else {
    s += static_cast<char>(0xF0 | (c >> 18));
    s += static_cast<char>(0x80 | ((c >> 12) & 63));
    s += static_cast<char>(0x80 | ((c >> 6) & 63));
    s += static_cast<char>(0x80 | (c & 63));
  }
}

bool is_han(uint32_t c) {
  return (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0x20000 && c <= 0x3FFFF);
}

struct Hyp {
  double score;
  std::string u, v; /* the last two words (u before v; empty: none) */
};

/* log10 P(w | u v) under the model, from the null state. */
double cond(const libime::LanguageModel &lm, const std::string &u, const std::string &v,
            const std::string &w) {
  const libime::State &null = lm.nullState();
  if (v.empty()) return lm.singleWordScore(w);
  if (u.empty()) return lm.wordsScore(null, {v, w}) - lm.singleWordScore(v);
  return lm.wordsScore(null, {u, v, w}) - lm.wordsScore(null, {u, v});
}

double run_score(const Config &c, const uint32_t *cp, size_t n) {
  const size_t kBeam = 4, kMaxWord = 8;
  std::vector<std::vector<Hyp>> at(n + 1);
  at[0].push_back({0.0, "", ""});
  for (size_t i = 0; i < n; i++) {
    auto &h = at[i];
    if (h.empty()) continue;
    std::sort(h.begin(), h.end(), [](const Hyp &a, const Hyp &b) { return a.score > b.score; });
    if (h.size() > kBeam) h.resize(kBeam);
    std::string w;
    for (size_t l = 1; l <= kMaxWord && i + l <= n; l++) {
      put_utf8(w, zf_lm_fold(cp[i + l - 1]));
      if (l > 1 && c.lm->isUnknown(c.lm->index(w), w)) continue;
      for (const Hyp &p : h) {
        double s = c.unigram ? c.lm->singleWordScore(w) : cond(*c.lm, p.u, p.v, w);
        at[i + l].push_back({p.score + s, p.v, w});
      }
    }
  }
  double best = -1e300;
  for (const Hyp &p : at[n]) best = std::max(best, p.score);
  return best;
}

double kenlm_score(const Config &c, const uint32_t *cp, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n;) {
    if (!is_han(cp[i])) {
      i++;
      continue;
    }
    size_t j = i;
    while (j < n && is_han(cp[j])) j++;
    s += run_score(c, cp + i, j - i);
    i = j;
  }
  return s;
}

} // namespace

double __wrap_zf_lm_rank_score(const uint32_t *cp, size_t n) {
  const Config &c = config();
  if (c.mode == 1) return __real_zf_lm_rank_score(cp, n) + c.weight * kenlm_score(c, cp, n);
  if (c.mode == 2) return zf_lm_score(cp, n) + c.weight * kenlm_score(c, cp, n);
  return __real_zf_lm_rank_score(cp, n);
}
