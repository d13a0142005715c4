"""Decoders that lose bytes, as the lost-byte lattice models them.

Shared by tools/gen_lost.py (which writes their tables into data/lost.bin)
and tools/lossy_sim.py (which damages test corpora with them), so the
simulator and the model read the same definitions; the decoders themselves
are the real ones wherever the machine has them:

  py-*      CPython's codecs (the reference for Python-style decoding:
            requests' r.text, open(..., errors=...)).  A lead byte whose
            pair is invalid is one error; the byte after it is read again
            (CJKCodecs return 1).
  icu-*     ICU's converters through uconv (icu-devtools): windows-936 and
            windows-950, with the substitute callback (U+FFFD) or the skip
            callback.  An invalid pair whose second byte is a trail byte of
            the converter's state table is one error over both bytes.
  glibc-*   glibc's iconv -c (libc-bin): bytes it cannot convert are
            dropped, with its own rules per encoding.
  whatwg-*  The WHATWG Encoding Standard's gb18030 ("gbk" label) and big5
            decoders, implemented below from the standard's algorithms;
            the indexes are approximated with the tables on the machine:
            gb18030 from CPython's gb18030 codec (GB18030-2005 two-byte
            codes, user-defined areas as private use, as index-gb18030),
            big5 as CPython's big5hkscs (HKSCS-2004) plus the HKSCS-2008
            additions of glibc's BIG5-HKSCS (index-big5 is HKSCS-2008).
            A non-ASCII byte after an invalid lead is consumed with it.

Every double-byte decoder is reduced to the same three tables by probing
it byte by byte (probe()): what each byte 0x80..0xFF is alone, what each
pair lead (0x81..0xFE) + trail (0x40..0xFF) decodes to, and for a pair
that does not decode, whether the error takes the second byte with it
(consume 2) or leaves it to be read again (consume 1).  UTF-8 decoders
(CPython, ICU, WHATWG all replace each maximal invalid subpart) are not
probed: the lattice implements that rule directly.
"""
import subprocess

# Source encodings of the lattice (the S side): what the text was written in.
SOURCES = {"gbk": "py-gbk", "big5": "py-cp950"}

# name -> (kind, family, description); kind "dbcs" (double-byte, probed),
# "sbcs" (single-byte, probed), "utf8" (rule in the C code).
MODELS = [
    ("utf8", "utf8", None, "UTF-8, one error per maximal invalid subpart"),
    ("py-gbk", "dbcs", "gbk", "CPython gbk"),
    ("whatwg-gbk", "dbcs", "gbk", "WHATWG gb18030 decoder (gbk label)"),
    ("icu-gbk", "dbcs", "gbk", "ICU windows-936"),
    ("glibc-gbk", "dbcs", "gbk", "glibc iconv GBK"),
    ("py-big5", "dbcs", "big5", "CPython big5"),
    ("py-cp950", "dbcs", "big5", "CPython cp950"),
    ("whatwg-big5", "dbcs", "big5", "WHATWG big5 decoder"),
    ("icu-big5", "dbcs", "big5", "ICU windows-950"),
    ("glibc-big5", "dbcs", "big5", "glibc iconv BIG5"),
    ("py-cp1252", "sbcs", None, "CPython cp1252"),
]

FFFD = "\ufffd"


# ---- WHATWG decoders ------------------------------------------------------

_WH = {}


def _pairs_of(codec):
    table = {}
    for lead in range(0x81, 0xFF):
        for trail in list(range(0x40, 0x7F)) + list(range(0x80, 0xFF)):
            try:
                s = bytes([lead, trail]).decode(codec)
            except UnicodeDecodeError:
                continue
            table[(lead, trail)] = s
    return table


def _glibc_pairs(enc):
    """Pairs glibc's iconv decodes as one character (probed like probe())."""
    order = [(l, t) for l in range(0x81, 0xFF) for t in range(0x40, 0xFF) if t != 0x7F]
    src = b"".join(b"\x01" + bytes(p) + b"\x02\n" for p in order)
    out = subprocess.run(["iconv", "-c", "-f", enc, "-t", "UTF-8"], input=src,
                         capture_output=True, check=False).stdout.decode("utf-8")
    table = {}
    for p, line in zip(order, out.split("\n")):
        inner = line[1:-1]
        if len(inner) >= 1 and ord(inner[0]) >= 0x80 and FFFD not in inner:
            # a pair is one character consuming both bytes: the lead alone
            # and the trail alone would not give a character >= U+0100
            if len(inner) == 1 or (len(inner) == 2 and 0x300 <= ord(inner[1]) < 0x370):
                table[p] = inner
    return table


def _whatwg_tables():
    if not _WH:
        _WH["gbk"] = _pairs_of("gb18030")
        big5 = _pairs_of("big5hkscs")
        for p, s in _glibc_pairs("BIG5-HKSCS").items():
            if p not in big5 and ord(s[0]) >= 0x100 and not (0xE000 <= ord(s[0]) <= 0xF8FF):
                big5[p] = s
        _WH["big5"] = big5
    return _WH


def whatwg_decode(name, data, errors="replace"):
    """The WHATWG decoder `name` ("gbk" or "big5") over bytes `data`;
    errors "replace" writes U+FFFD per error, "ignore" nothing."""
    tab = _whatwg_tables()[name]
    out = []
    err = FFFD if errors == "replace" else ""
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b < 0x80:
            out.append(chr(b))
            i += 1
            continue
        if name == "gbk" and b == 0x80:
            out.append("\u20ac")
            i += 1
            continue
        if b == 0xFF or (name == "big5" and b == 0x80):
            out.append(err)
            i += 1
            continue
        if i + 1 >= n:
            out.append(err)
            i += 1
            continue
        t = data[i + 1]
        if name == "gbk" and 0x30 <= t <= 0x39:
            # four-byte sequence: lead, 0x30..0x39, 0x81..0xFE, 0x30..0x39
            if i + 3 < n and 0x81 <= data[i + 2] <= 0xFE and 0x30 <= data[i + 3] <= 0x39:
                try:
                    out.append(bytes(data[i:i + 4]).decode("gb18030"))
                    i += 4
                    continue
                except UnicodeDecodeError:
                    pass
                out.append(err)
                i += 4
                continue
            out.append(err)  # the second byte and what follows are read again
            i += 1
            continue
        s = tab.get((b, t))
        if s is not None:
            out.append(s)
            i += 2
            continue
        out.append(err)
        i += 1 if t < 0x80 else 2
    return "".join(out)


# ---- one decoder by name ---------------------------------------------------

def decode(model, data, errors="replace"):
    """Decodes bytes with the named decoder.  errors: "replace" (U+FFFD per
    error) or "ignore" (dropped).  glibc decoders only drop."""
    if model == "utf8":
        return data.decode("utf-8", errors)
    if model.startswith("py-"):
        return data.decode(model[3:], errors)
    if model.startswith("whatwg-"):
        return whatwg_decode(model[7:], data, errors)
    if model.startswith("icu-"):
        conv = {"icu-gbk": "windows-936", "icu-big5": "windows-950"}[model]
        cb = "substitute" if errors == "replace" else "skip"
        r = subprocess.run(["uconv", "--from-callback", cb, "-f", conv, "-t", "UTF-8"],
                           input=data, capture_output=True, check=True)
        return r.stdout.decode("utf-8")
    if model.startswith("glibc-"):
        if errors != "ignore":
            raise ValueError("glibc's iconv -c only drops")
        enc = {"glibc-gbk": "GBK", "glibc-big5": "BIG5"}[model]
        r = subprocess.run(["iconv", "-c", "-f", enc, "-t", "UTF-8"], input=data,
                           capture_output=True, check=False)
        return r.stdout.decode("utf-8")
    raise ValueError(model)


def encode(source, text):
    """text in the source encoding ("utf8", "gbk", "big5"), or None when a
    character has no code there or the bytes do not decode back to text."""
    if source == "utf8":
        return text.encode("utf-8")
    codec = {"gbk": "gbk", "big5": "cp950"}[source]
    try:
        b = text.encode(codec)
    except UnicodeEncodeError:
        return None
    try:
        if b.decode(codec) != text:
            return None
    except UnicodeDecodeError:
        return None
    return b


# ---- probing ----------------------------------------------------------------

def _decode_batch(model, probes):
    """Decodes each probe (bytes) framed as 0x01 probe 0x02, in one call;
    returns the text between the frames, U+FFFD for each error (decoders
    that only drop: nothing)."""
    errors = "ignore" if model.startswith("glibc-") else "replace"
    blob = b"".join(b"\x01" + p + b"\x02\n" for p in probes)
    text = decode(model, blob, errors)
    lines = text.split("\n")
    res = []
    for p, line in zip(probes, lines):
        if not (line.startswith("\x01") and line.endswith("\x02")):
            raise RuntimeError("%s: probe %s framed wrongly: %r" % (model, p.hex(), line))
        res.append(line[1:-1])
    if len(res) != len(probes):
        raise RuntimeError("%s: %d probes, %d lines" % (model, len(probes), len(res)))
    return res


def probe(model):
    """Tables of a double- or single-byte decoder:
    single[b-0x80]  the character byte b alone decodes to (0: none),
    pair[(lead, trail)]  the character of a valid pair,
    consume2 set of (lead, trail) whose error takes the trail byte along."""
    singles = _decode_batch(model, [bytes([b]) for b in range(0x80, 0x100)])
    single = [0] * 128
    for b in range(0x80, 0x100):
        s = singles[b - 0x80]
        if len(s) == 1 and s != FFFD:
            single[b - 0x80] = ord(s)
    kind = dict((m[0], m[1]) for m in MODELS)[model]
    pair, consume2 = {}, set()
    if kind == "sbcs":
        return single, pair, consume2
    order = [(l, t) for l in range(0x81, 0xFF) for t in range(0x00, 0x100)
             if t not in (0x01, 0x02, 0x0A)]
    outs = _decode_batch(model, [bytes(p) for p in order])
    alone = {}
    for t in range(0x00, 0x100):
        if t in (0x01, 0x02, 0x0A):
            continue
        alone[t] = None
    alone_out = _decode_batch(model, [bytes([t]) for t in alone])
    for t, s in zip(alone, alone_out):
        alone[t] = s
    drops = model.startswith("glibc-")
    ambiguous = []
    for (l, t), s in zip(order, outs):
        if single[l - 0x80] and s == chr(single[l - 0x80]) + alone[t]:
            continue  # l is a character alone (0x80 = U+20AC); t read after it
        # a valid pair: one character (or two: HKSCS's letter + combining mark)
        # that is neither the lead's error followed by t, nor t alone
        first_err = (FFFD if not drops else "")
        if s != first_err + alone[t] and s != first_err and FFFD not in s and s:
            if 0x40 <= t <= 0xFE and t != 0x7F:
                pair[(l, t)] = s
                continue
            raise RuntimeError("%s: %02X %02X decodes to %r outside the trail range" % (model, l, t, s))
        if not drops:
            if s == FFFD:
                if alone[t] == "":
                    raise RuntimeError("%s: %02X alone gives nothing" % (model, t))
                consume2.add((l, t))
            elif s == FFFD + alone[t]:
                pass
            else:
                raise RuntimeError("%s: %02X %02X -> %r, %02X alone %r" % (model, l, t, s, t, alone[t]))
        else:
            if s == "" and alone[t] != "":
                consume2.add((l, t))
            elif s == alone[t] and alone[t] != "":
                pass
            elif s == "" and alone[t] == "":
                ambiguous.append((l, t))
            else:
                raise RuntimeError("%s: %02X %02X -> %r, %02X alone %r" % (model, l, t, s, t, alone[t]))
    if ambiguous:
        # t is itself dropped when read alone (a lead before 0x02): follow it
        # with a byte k that makes t k a character; consume 1 shows it
        probes, ks = [], []
        for (l, t) in ambiguous:
            k = next((k for k in list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF))
                      if (t, k) in pair and ord(pair[(t, k)][0]) >= 0x100), None)
            if k is None:
                # t pairs with nothing: whether it is read again or not, the
                # same bytes vanish; call it read again (consume 1)
                ks.append(None)
                probes.append(None)
                continue
            ks.append(k)
            probes.append(bytes([l, t, k]))
        real = [p for p in probes if p is not None]
        res = iter(_decode_batch(model, real)) if real else iter(())
        for (l, t), k, p in zip(ambiguous, ks, probes):
            if p is None:
                continue
            s = next(res)
            if s == pair[(t, k)]:
                pass  # consume 1
            elif s == alone.get(k, None) or s == chr(k):
                consume2.add((l, t))
            else:
                raise RuntimeError("%s: %02X %02X %02X -> %r" % (model, l, t, k, s))
    return single, pair, consume2
