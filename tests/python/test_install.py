"""The README's install line in a fresh venv, and the package built against
an installed libzhfix found by pkg-config (shared, found through an rpath).
Each imports zhfix from outside the source tree and cleans a text."""
import os
import shutil
import subprocess
import sys


from conftest import SRCDIR, ZHFIX_BIN

CHECK = ("import zhfix, sys; "
         "sys.stdout.write(zhfix.fix('這是简体中文,测试。', to='simp') + ' ' + zhfix.__file__)")


def sh(cmd, **kw):
    r = subprocess.run(cmd, shell=isinstance(cmd, str), capture_output=True, text=True, **kw)
    assert r.returncode == 0, f"{cmd}: exit {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}"
    return r.stdout


def module_of(venv):
    out = sh([os.path.join(venv, "bin", "python"), "-c",
              "import zhfix._zhfix as m; print(m.__file__)"], cwd="/")
    return out.strip()


def test_readme_install_line(tmp_path):
    venv = tmp_path / "VENV"
    # exactly the README's two lines, from the top of the tree
    sh(f"/usr/bin/python3 -m venv --system-site-packages {venv} && "
       f"{venv}/bin/pip install --no-build-isolation --no-index ./python", cwd=SRCDIR)
    out = sh([str(venv / "bin" / "python"), "-c", CHECK], cwd=str(tmp_path))
    text, path = out.split(" ", 1)
    assert text == "这是简体中文，测试。"
    assert path.startswith(str(venv))
    # the build tree's library is linked in: the module needs no libzhfix.so
    ldd = sh(["ldd", module_of(str(venv))])
    assert "libzhfix" not in ldd and "libicuuc" in ldd


def test_against_installed_library(tmp_path):
    build = os.path.relpath(os.path.dirname(os.path.abspath(ZHFIX_BIN)), SRCDIR)
    prefix = tmp_path / "prefix"
    # what is built, installed; never rebuilt here (as tests/cli_install.sh)
    sh(["make", "-C", SRCDIR, "--no-print-directory", f"BUILD={build}", f"PREFIX={prefix}",
        "-o", f"{build}/zhfix", "-o", f"{build}/libzhfix.a", "-o", f"{build}/libzhfix.so",
        "install"])
    src = tmp_path / "src"   # a copy: nothing of the tree's build next to it
    shutil.copytree(os.path.join(SRCDIR, "python"), src,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "_zhfix*", "__pycache__"))
    venv = tmp_path / "venv"
    env = dict(os.environ, PKG_CONFIG_PATH=str(prefix / "lib" / "pkgconfig"),
               ZHFIX_USE_INSTALLED="1")
    env.pop("ZHFIX_BUILD", None)
    sh(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(venv)])
    sh([str(venv / "bin" / "pip"), "install", "--no-build-isolation", "--no-index", str(src)],
       env=env)
    out = sh([str(venv / "bin" / "python"), "-c", CHECK], cwd=str(tmp_path),
             env={k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"})
    assert out.split(" ", 1)[0] == "这是简体中文，测试。"
    ldd = sh(["ldd", module_of(str(venv))])
    assert f"{prefix}/lib/libzhfix.so.0" in ldd, ldd


def test_no_library_is_a_clear_error(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(os.path.join(SRCDIR, "python"), src,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "_zhfix*", "__pycache__"))
    env = dict(os.environ, PKG_CONFIG_PATH=str(tmp_path / "nothing"), ZHFIX_USE_INSTALLED="1",
               PKG_CONFIG_LIBDIR=str(tmp_path / "nothing"))
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation",
                        "--no-index", "--target", str(tmp_path / "t"), str(src)],
                       capture_output=True, text=True, env=env)
    assert r.returncode != 0
    assert "libzhfix not found" in r.stdout + r.stderr
