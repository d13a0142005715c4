"""The README's Python example runs as written (test_dask.py runs its Dask
example)."""
import os
import pathlib
import re
import subprocess
import sys

from conftest import SRCDIR


def readme_blocks(section="## Python and clusters"):
    text = pathlib.Path(os.path.join(SRCDIR, "README.md")).read_text(encoding="utf-8")
    part = text[text.index(section):]
    part = part[:part.index("\n## ", 1)]
    return re.findall(r"```(\w+)\n(.*?)```", part, re.S)


def test_install_lines_are_the_tested_ones():
    sh = [b for lang, b in readme_blocks() if lang == "sh"][0]
    assert sh.split() == ("/usr/bin/python3 -m venv --system-site-packages VENV "
                          "VENV/bin/pip install --no-build-isolation --no-index ./python").split()


def test_python_example(tmp_path):
    code = [b for lang, b in readme_blocks() if lang == "python"][0]
    assert len(code.strip().splitlines()) == 5
    (tmp_path / "page.txt").write_bytes("這是一個測試頁面,简体字。".encode("gbk"))
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert out[0] == "当地时间10月24日，美国《华尔街日报》"
    assert out[1].startswith("gb18030 ")
