"""Traditional/variant -> Simplified character fold shared by the generators
(gen_lm.py, gen_readings.py), so the model and the readings fold alike.
Reads OpenCC's dictionaries through `opencc_dict` (libopencc-data, opencc).
Not a generator itself: `make data` runs only tools/gen_*.py."""
import os
import subprocess
import tempfile

OPENCC = "/usr/share/opencc"


def opencc_map(name, tmp):
    """First candidate of each single-character entry of an OpenCC dictionary."""
    out = os.path.join(tmp, name + ".txt")
    subprocess.run(["opencc_dict", "-i", os.path.join(OPENCC, name + ".ocd2"),
                    "-o", out, "-f", "ocd2", "-t", "text"], check=True)
    m = {}
    with open(out, encoding="utf-8") as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("\t")
            v = v.split(" ")[0]
            if len(k) == 1 and len(v) == 1:
                m[k] = v
    return m


def fold_map():
    """{char: Simplified char} for every character that folds elsewhere:
    variant -> OpenCC Traditional -> Simplified, with chains followed to the
    end so folding is idempotent; a cycle (台 -> 臺 -> 台) ends where it
    started."""
    with tempfile.TemporaryDirectory() as tmp:
        ts = opencc_map("TSCharacters", tmp)
        var = dict(opencc_map("TWVariantsRev", tmp))
        var.update(opencc_map("HKVariantsRev", tmp))

    def step(c):
        v = var.get(c, c)
        return ts.get(v, v)

    fold = {}
    for c in sorted(set(ts) | set(var)):
        x, seen = c, [c]
        while True:
            y = step(x)
            if y == x or y in seen:
                break
            seen.append(y)
            x = y
        if x != c:
            fold[c] = x
    return fold
