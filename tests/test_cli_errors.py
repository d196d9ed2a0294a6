"""Bad input from the command line: a clear message (file, line, what to do), exit 1, and no
output written — an earlier good PDF at the output path survives."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from typeset.cli import main

FIXTURE = Path(__file__).parent / "data" / "model" / "issue"
GUANGXI = Path(__file__).resolve().parents[1] / "layouts" / "guangxi.yaml"


@pytest.fixture
def issue(tmp_path) -> Path:
    dst = tmp_path / "issue"
    shutil.copytree(FIXTURE, dst)
    return dst


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def run_failing(issue: Path, tmp_path: Path, capsys) -> str:
    """Build into a path that already holds a good PDF; the build must fail and leave it."""
    out = tmp_path / "out.pdf"
    out.write_bytes(b"%PDF-1.4 an earlier good build\n")
    code = main(["build", str(issue / "issue.yaml"), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 1, err
    assert out.read_bytes() == b"%PDF-1.4 an earlier good build\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.pdf")] == []
    assert err.startswith("typeset: error: ")
    return err


def test_the_fixture_builds(issue, tmp_path):
    assert main(["build", str(issue / "issue.yaml"), "-o", str(tmp_path / "ok.pdf")]) == 0


def test_malformed_manifest_yaml(issue, tmp_path, capsys):
    edit(issue / "issue.yaml", "year: 2024", "year: [2024")
    err = run_failing(issue, tmp_path, capsys)
    assert re.search(r"issue\.yaml:\d+:\d+: ", err)


def test_unknown_layout(issue, tmp_path, capsys):
    edit(issue / "issue.yaml", "layout: guangxi", "layout: guangxii")
    err = run_failing(issue, tmp_path, capsys)
    assert "issue.yaml:2:" in err and "unknown layout 'guangxii'" in err
    assert "did you mean 'guangxi'" in err


def test_missing_article_file(issue, tmp_path, capsys):
    (issue / "articles" / "02-diaoyan.md").unlink()
    err = run_failing(issue, tmp_path, capsys)
    assert "issue.yaml:11:" in err and "02-diaoyan.md" in err


def test_missing_required_field(issue, tmp_path, capsys):
    edit(issue / "issue.yaml", "year: 2024\n", "")
    err = run_failing(issue, tmp_path, capsys)
    assert "year" in err and "issue.yaml" in err


def test_unknown_front_matter_key(issue, tmp_path, capsys):
    art = issue / "articles" / "01-huiyi.md"
    text = art.read_text(encoding="utf-8")
    art.write_text(text.replace("---\n", "---\nauther: 张三\n", 1), encoding="utf-8")
    err = run_failing(issue, tmp_path, capsys)
    assert "01-huiyi.md:2:" in err and "did you mean 'authors'" in err


def test_unknown_layout_key(issue, tmp_path, capsys):
    layout = issue / "house.yaml"
    layout.write_text(GUANGXI.read_text(encoding="utf-8").replace("running_heads:", "runing_heads:"),
                      encoding="utf-8")
    edit(issue / "issue.yaml", "layout: guangxi", "layout: house.yaml")
    err = run_failing(issue, tmp_path, capsys)
    assert "house.yaml:" in err and "did you mean 'running_heads'" in err


def test_empty_section(issue, tmp_path, capsys):
    edit(issue / "issue.yaml", "      - articles/03-jianyan.md\n", "")
    err = run_failing(issue, tmp_path, capsys)
    assert "issue.yaml:13:" in err and "sections[2].articles" in err


def test_unreadable_font(issue, tmp_path, capsys):
    bad = issue / "broken.otf"
    bad.write_bytes(b"this is not a font")
    layout = issue / "house.yaml"
    layout.write_text(GUANGXI.read_text(encoding="utf-8").replace(
        "song: [NotoSerifCJKsc-Regular.otf]", f"song: [{bad}]"), encoding="utf-8")
    edit(issue / "issue.yaml", "layout: guangxi", "layout: house.yaml")
    err = run_failing(issue, tmp_path, capsys)
    assert "broken.otf" in err


def test_missing_glyph_names_character_and_place(issue, tmp_path, capsys):
    art = issue / "articles" / "03-jianyan.md"
    art.write_text(art.read_text(encoding="utf-8") + "\n线形文字\U00010000在此。\n",
                   encoding="utf-8")
    err = run_failing(issue, tmp_path, capsys)
    assert "U+10000" in err and "03-jianyan.md:" in err
