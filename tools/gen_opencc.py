#!/usr/bin/env python3
"""Generate data/opencc_dicts.bin from the OpenCC dictionaries Debian installs.

Usage: python3 tools/gen_opencc.py OUTDIR

Reads /usr/share/opencc/*.ocd2 (package libopencc-data) through
`opencc_dict -f ocd2 -t text` (package opencc), and writes one blob that
src/convert.c reads in place: every dictionary becomes a trie over Unicode
code points whose first level is a paged direct table (no hashing, no
parsing at start-up), plus a small table of per-character script classes
used by script detection and by the repair of half-converted text.

Only the first candidate of a multi-value entry is kept: it is the one
OpenCC emits (DictEntry::GetDefault).

Layout (all little-endian uint32 unless said otherwise, offsets in bytes
from the start of the blob, every array 4-byte aligned):

  header   magic 'ZFOC' (0x434F465A), version, ndicts, nclass, class_off
  dir      ndicts records of DIR_FIELDS uint32:
             maxkey    longest key, in code points
             nnodes    trie nodes (node 0 is the root)
             nodes     offset of nnodes x {child_start, val_off,
                       nchild << 8 | fused << 7 | val_len}
             nchild    total child slots
             ccp       offset of nchild uint32 code points: per node a
                       sorted run, or for nodes with more than HASH_MIN
                       children a hash table (see hash_slot)
             cnode     offset of nchild uint32 node ids (parallel to ccp)
             vals      offset of the value code points
             nvals     number of value code points
             pidx      offset of PAGE_SLOTS uint16 page numbers (0 = none,
                       else page + 1), indexed by cp >> 8
             pages     offset of npages x 256 uint32 node ids (0 = none)
             npages
             fused     the character dictionary fused in (see FUSED), or
                       0xFFFFFFFF
  class    nclass x {cp, flags}, sorted by cp (flags: CLASS_* below)

A node whose val_len (low 7 bits) is 0 ends no key; with the fused bit
(0x80) set, the key it ends is the fused character dictionary's only.  Children of every node below the
root are sorted by code point strictly increasing, or hashed with no code
point twice, which is also the proof that no dictionary holds a key twice
(tests/test_convert.c checks it).
"""

import os
import struct
import subprocess
import sys
import tempfile

OPENCC_DIR = "/usr/share/opencc"
MAGIC = 0x434F465A
VERSION = 2
DIR_FIELDS = 12
PAGE_SLOTS = 0x110000 >> 8

# Order is the ABI with src/convert.c (enum zf_occ_dict).
DICTS = [
    "STPhrases", "STCharacters", "TSPhrases", "TSCharacters",
    "TWPhrases", "TWPhrasesRev", "TWVariants", "TWVariantsRev",
    "TWVariantsRevPhrases", "HKVariants", "HKVariantsRev",
    "HKVariantsRevPhrases",
]

# A phrase dictionary also carries, flagged VAL_FUSED in its node's
# val_len byte, the entries of the character dictionary that follows it in
# OpenCC's groups ([STPhrases, STCharacters] ...) for characters that are
# not keys of its own.  Lookups for the phrase dictionary alone ignore
# them; the one-pass conversion (src/convert.c run_fast) uses them, which
# gives the group's result in one trie walk instead of two.
FUSED = {
    "STPhrases": "STCharacters",
    "TSPhrases": "TSCharacters",
    "TWVariantsRevPhrases": "TWVariantsRev",
    "HKVariantsRevPhrases": "HKVariantsRev",
}
VAL_FUSED = 0x80
NONE = 0xFFFFFFFF

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
CLASS_TRAD_AMBIG = 512  # one of several Traditional candidates (發 of 发: 發 髮)


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
    # Multiplicative hashing; the C side (zf_occ_match) computes the same.
    return ((cp * 0x9E3779B1) & 0xFFFFFFFF) >> (32 - cap.bit_length() + 1)


def die(msg):
    sys.stderr.write("gen_opencc.py: %s\n" % msg)
    sys.exit(1)


def export(name, tmp):
    src = os.path.join(OPENCC_DIR, name + ".ocd2")
    dst = os.path.join(tmp, name + ".txt")
    if not os.path.exists(src):
        die("%s missing (apt-get install libopencc-data)" % src)
    subprocess.run(["opencc_dict", "-i", src, "-o", dst, "-f", "ocd2",
                    "-t", "text"], check=True, stdout=subprocess.DEVNULL)
    entries = {}
    with open(dst, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            parts = line.split("\t")
            if len(parts) != 2 or not parts[0] or not parts[1]:
                die("%s:%d: malformed entry %r" % (name, lineno, line))
            key, vals = parts[0], parts[1].split(" ")
            if key in entries:
                die("%s: duplicate key %r" % (name, key))
            if any(not v for v in vals):
                die("%s:%d: empty candidate" % (name, lineno))
            entries[key] = vals
    if not entries:
        die("%s: empty dictionary" % name)
    return entries


def u32(v):
    if not 0 <= v < 1 << 32:
        die("value %d overflows uint32" % v)
    return v


def build_dict(entries, fused=None):
    """Returns (fields-without-offsets, byte chunks) for one dictionary.

    fused: a character dictionary whose entries are added, flagged
    VAL_FUSED, for characters that are not keys of their own."""
    # Trie as nested dicts; node ids assigned breadth-first in code point
    # order so the output is deterministic.
    root = {}
    for key, vals in entries.items():
        node = root
        for ch in key:
            node = node.setdefault(ord(ch), {})
        node[None] = ([ord(c) for c in vals[0]], 0)
    for key, vals in (fused or {}).items():
        if len(key) != 1:
            die("fused dictionary with a multi-character key %r" % key)
        node = root.setdefault(ord(key), {})
        if None not in node:
            node[None] = ([ord(c) for c in vals[0]], VAL_FUSED)
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
                # lookup costs about one probe instead of a bisection.
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
        v, flag = node.get(None, (None, 0))
        voff = len(vals)
        if v:
            vals.extend(v)
        vlen = len(v) if v else 0
        nkids = len(kids) if j != 0 else 0
        if vlen >= VAL_FUSED or nkids >= 1 << 24:
            die("node field overflow")
        nodes.append((u32(start), u32(voff), u32(nkids << 8 | flag | vlen)))
    if len(order) >= 1 << 32:
        die("too many nodes")
    # Root level: paged direct table.
    pidx = [0] * PAGE_SLOTS
    pages = []
    for k in children_of[0]:
        p = k >> 8
        if pidx[p] == 0:
            pages.append([0] * 256)
            if len(pages) >= 0xFFFF:
                die("too many pages")
            pidx[p] = len(pages)
        pages[pidx[p] - 1][k & 0xFF] = ids[id(root[k])]
    maxkey = max(len(k) for k in entries)  # of the dictionary's own keys
    chunks = [
        b"".join(struct.pack("<3I", *n) for n in nodes),
        struct.pack("<%dI" % len(ccp), *ccp),
        struct.pack("<%dI" % len(cnode), *cnode),
        struct.pack("<%dI" % len(vals), *vals),
        struct.pack("<%dH" % PAGE_SLOTS, *pidx),
        b"".join(struct.pack("<256I", *p) for p in pages),
    ]
    return (maxkey, len(nodes), len(ccp), len(vals), len(pages)), chunks


def classes(d):
    flags = {}

    def add(ch, bit):
        flags[ord(ch)] = flags.get(ord(ch), 0) | bit

    st, ts = d["STCharacters"], d["TSCharacters"]
    # Taiwan and Hong Kong forms are Traditional even where OpenCC's
    # standard writes another (群 for 羣), so they are never Simplified-only.
    regional = set()
    for region in ("TWVariants", "HKVariants"):
        for v in d[region].values():
            regional.update(x for x in v if len(x) == 1)
    for k, v in st.items():
        if any(x != k for x in v):
            add(k, CLASS_SIMP_CAP)
            if k not in v and k not in ts:
                add(k, CLASS_SIMP_FORM)
                if k not in regional:
                    add(k, CLASS_SIMP_ONLY)
    for k, v in st.items():
        if len(v) > 1:
            for x in v:
                if x != k and len(x) == 1:
                    add(x, CLASS_TRAD_AMBIG)
    for k, v in ts.items():
        if any(x != k for x in v):
            add(k, CLASS_TRAD_CAP)
            if k not in v and k not in st:
                add(k, CLASS_TRAD_ONLY)
    # A regional form marks regional text only where OpenCC's standard
    # would write something else: 為 (s2t writes 爲) does, 才 or 參 (s2t
    # writes them too) do not.
    def std_of(ch):
        simp = ts[ch][0] if ch in ts else ch
        return st[simp][0] if simp in st else simp

    for region, std_bit, form_bit in (("TWVariants", CLASS_TW_STD, CLASS_TW_FORM),
                                      ("HKVariants", CLASS_HK_STD, CLASS_HK_FORM)):
        for k, v in d[region].items():
            if len(k) == 1 and v[0] != k and len(v[0]) == 1:
                add(k, std_bit)
                if std_of(v[0]) != v[0]:
                    add(v[0], form_bit)
    return sorted(flags.items())


def main():
    if len(sys.argv) != 2:
        die("usage: gen_opencc.py OUTDIR")
    outdir = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        d = {name: export(name, tmp) for name in DICTS}
    built = [build_dict(d[name], d[FUSED[name]] if name in FUSED else None)
             for name in DICTS]
    cls = classes(d)
    head_size = 4 * 5 + 4 * DIR_FIELDS * len(DICTS)
    body = bytearray()
    dirs = []
    for name, ((maxkey, nnodes, nchild, nvals, npages), chunks) in zip(DICTS, built):
        offs = []
        for c in chunks:
            offs.append(head_size + len(body))
            body += c
            body += b"\0" * (-len(body) % 4)
        nodes_o, ccp_o, cnode_o, vals_o, pidx_o, pages_o = offs
        fused = DICTS.index(FUSED[name]) if name in FUSED else NONE
        dirs.append((maxkey, nnodes, nodes_o, nchild, ccp_o, cnode_o, vals_o,
                     nvals, pidx_o, pages_o, npages, fused))
    class_off = head_size + len(body)
    body += b"".join(struct.pack("<2I", cp, f) for cp, f in cls)
    out = bytearray(struct.pack("<5I", MAGIC, VERSION, len(DICTS), len(cls),
                                u32(class_off)))
    for rec in dirs:
        out += struct.pack("<%dI" % DIR_FIELDS, *(u32(x) for x in rec))
    out += body
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "opencc_dicts.bin"), "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
