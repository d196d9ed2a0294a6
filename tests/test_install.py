"""typeset installs like a Python tool (issue 8, part 7): a wheel built with `python -m build`
carries the layouts, fonts and ICC profiles, installs into a fresh virtual environment and
builds the sample issue from another directory — the same bytes as a build from the checkout.

Without network: the wheel is built with --no-isolation (setuptools and build come with the
test extra), the fresh venv has no pip (the test's own pip installs into it with --python,
--no-deps, --no-index), and it finds typeset's dependencies through a .pth file naming this
environment's site-packages (where only the wheel's `typeset` package is new)."""
from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE


def test_every_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "typeset").rglob("*.py") if "__pycache__" not in p.parts}
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert {"typeset._data.fonts", "typeset._data.layouts"} <= listed


def _copy_source(dst: Path) -> None:
    """The files a wheel is built from (a clean copy: building writes build/ and egg-info)."""
    dst.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dst / name)

    def link_or_copy(src, d):
        try:
            os.link(src, d)
        except OSError:
            shutil.copy2(src, d)
    for name in ("typeset", "fonts", "layouts"):
        shutil.copytree(ROOT / name, dst / name, copy_function=link_or_copy,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    pytest.importorskip("build")
    pytest.importorskip("setuptools")
    work = tmp_path_factory.mktemp("install")
    src, dist, venv = work / "src", work / "dist", work / "venv"
    _copy_source(src)
    run = dict(check=True, capture_output=True, text=True, timeout=300)
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", str(dist),
                    str(src)], **run)
    (wheel,) = dist.glob("typeset-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], **run)
    py = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--quiet",
                    "--no-deps", "--no-index", str(wheel)], **run)
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()"
                              "['purelib'])"], **run).stdout.strip()
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    Path(purelib, "typeset-test-deps.pth").write_text("\n".join(deps) + "\n")
    return venv


def _bin(venv: Path, name: str) -> str:
    return str(venv / ("Scripts" if os.name == "nt" else "bin") / name)


def test_the_wheel_carries_its_data_and_runs_from_anywhere(installed, tmp_path, sample_pdf):
    elsewhere = tmp_path / "desk"
    shutil.copytree(SAMPLE.parent, elsewhere / "sample")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["TYPESET_CACHE"] = str(tmp_path / "cache")
    run = dict(capture_output=True, text=True, timeout=300, cwd=elsewhere, env=env)

    where = subprocess.run([_bin(installed, "python"), "-c",
                            "import typeset, typeset.resources as r; "
                            "print(typeset.__file__); print(r.FONTS_DIR); print(r.LAYOUTS_DIR); "
                            "print(r.ICC_DIR)"], **run)
    assert where.returncode == 0, where.stderr
    for line in where.stdout.split():
        assert Path(line).resolve().is_relative_to(installed.resolve()), line
    assert (Path(where.stdout.split()[1]) / "NotoSerifCJKsc-Regular.otf").is_file()
    assert (Path(where.stdout.split()[1]) / "OFL-NotoCJK.txt").is_file()

    version = subprocess.run([_bin(installed, "typeset"), "--version"], **run)
    from typeset import __version__
    assert version.returncode == 0 and version.stdout.strip() == f"typeset {__version__}"

    res = subprocess.run([_bin(installed, "typeset"), "build", "sample/issue.yaml", "-o",
                          "sample.pdf"], **run)
    assert res.returncode == 0, res.stderr
    assert "built sample.pdf" in res.stdout
    built = (elsewhere / "sample.pdf").read_bytes()
    assert built == sample_pdf.read_bytes()          # the same fonts, layout and profiles

    # the message catalogue travels with the wheel: a Chinese locale gets Chinese
    zh = subprocess.run([_bin(installed, "typeset"), "build", "missing/issue.yaml"],
                        **dict(run, env=dict(env, LANG="zh_CN.UTF-8", LANGUAGE="")))
    assert zh.returncode == 1 and zh.stderr.startswith("typeset: 错误："), zh.stderr
