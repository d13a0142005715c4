#!/usr/bin/env python3
"""Generates data/lost.bin: the decoders the lost-byte lattice (src/lost.c)
models, as tables probed from the decoders themselves (tools/lost_codecs.py
says which and how): CPython's codecs, ICU's converters (uconv), glibc's
iconv and the WHATWG decoders.

    python3 tools/gen_lost.py OUTDIR

For each double-byte decoder: what each byte 0x80..0xFF decodes to alone,
what each pair lead 0x81..0xFE + trail 0x40..0xFF decodes to, and for an
invalid pair whether the error takes the trail byte along.  The pair tables
of one family (GBK readers, Big5 readers) are stored once as a base (per
pair the value most of the family's decoders give) and per decoder as the
pairs where it differs.

Layout, little-endian, sections 4-byte aligned:
  header  u32[8]: magic 'ZFLB', version, nmodels, off_models, nbases,
          off_bases, total size, 0
  bases   nbases * u32[126*192]: character of lead l, trail t at
          (l-0x81)*192 + (t-0x40); 0 = no character; 0xFFFFFFFE = a pair
          that decodes to two code points (HKSCS letters with a combining
          mark), valid but never produced by the lattice
  models  nmodels * 64 bytes: char name[16]; u32 kind (0 UTF-8, 1 double-
          byte, 2 single-byte), base (index, or 0xFFFFFFFF), nexc, off_exc,
          off_single, off_consume, 0 * 6
  single  u32[128] per model: character of byte 0x80+i alone, 0 = none
  consume u8[126*32] per double-byte model: bit t of row l-0x81 set when
          an invalid pair l t is one error over both bytes
  exc     per model nexc * (u32 slot, u32 character): pairs that differ
          from the base, sorted by slot
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lost_codecs  # noqa: E402

MAGIC = b"ZFLB"
VERSION = 1
NLEAD, NTRAIL = 126, 192
TWO_CPS = 0xFFFFFFFE


def align4(b):
    return b + b"\0" * (-len(b) % 4)


def pair_value(s):
    if len(s) == 1:
        return ord(s)
    return TWO_CPS


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_lost.py OUTDIR")
    outdir = sys.argv[1]
    models = []
    for name, kind, family, _desc in lost_codecs.MODELS:
        if kind == "utf8":
            models.append((name, 0, None, None, None, None))
            continue
        single, pair, consume2 = lost_codecs.probe(name)
        tab = [0] * (NLEAD * NTRAIL)
        for (l, t), s in pair.items():
            tab[(l - 0x81) * NTRAIL + (t - 0x40)] = pair_value(s)
        cons = bytearray(NLEAD * 32)
        for (l, t) in consume2:
            cons[(l - 0x81) * 32 + t // 8] |= 1 << (t % 8)
        models.append((name, 1 if kind == "dbcs" else 2, family, single, tab, bytes(cons)))
    families = []
    for m in models:
        if m[2] and m[2] not in families:
            families.append(m[2])
    bases = []
    for fam in families:
        tabs = [m[4] for m in models if m[2] == fam]
        base = []
        for i in range(NLEAD * NTRAIL):
            counts = {}
            for t in tabs:
                counts[t[i]] = counts.get(t[i], 0) + 1
            # the most frequent value; ties to the first decoder's
            best = tabs[0][i]
            for v, c in counts.items():
                if c > counts[best]:
                    best = v
            base.append(best)
        bases.append(base)

    # layout
    hdr_size = 32
    off = hdr_size
    off_bases = off
    off += len(bases) * NLEAD * NTRAIL * 4
    off_models = off
    off += len(models) * 64
    body = []
    recs = []
    for name, kind, fam, single, tab, cons in models:
        base = families.index(fam) if fam else 0xFFFFFFFF
        off_single = off_consume = off_exc = nexc = 0
        if kind:
            off_single = off
            chunk = struct.pack("<128I", *single)
            body.append(chunk)
            off += len(chunk)
        if kind == 1:
            off_consume = off
            body.append(cons)
            off += len(cons)
            exc = [(i, v) for i, v in enumerate(tab) if v != bases[base][i]]
            nexc = len(exc)
            off_exc = off
            chunk = b"".join(struct.pack("<II", i, v) for i, v in exc)
            body.append(chunk)
            off += len(chunk)
        nm = name.encode("ascii")
        if len(nm) >= 16:
            sys.exit("gen_lost: model name too long: " + name)
        recs.append(struct.pack("<16s12I", nm, kind, base, nexc, off_exc, off_single,
                                off_consume, 0, 0, 0, 0, 0, 0))
    total = off
    out = bytearray()
    out += struct.pack("<4s7I", MAGIC, VERSION, len(models), off_models, len(bases),
                       off_bases, total, 0)
    for b in bases:
        out += struct.pack("<%dI" % (NLEAD * NTRAIL), *b)
    for r in recs:
        assert len(r) == 64
        out += r
    for c in body:
        out += c
    assert len(out) == total, (len(out), total)
    with open(os.path.join(outdir, "lost.bin"), "wb") as f:
        f.write(bytes(out))


if __name__ == "__main__":
    main()
