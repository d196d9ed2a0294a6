"""Titles that wrap: at the author's spaces, else at a phrase boundary, else evenly."""
from __future__ import annotations

import pytest

from typeset.build import compose
from typeset.layout.page import TextRun


@pytest.fixture
def titles_of(tmp_path):
    def run(title_yaml: str) -> list[str]:
        (tmp_path / "a.md").write_text(f"---\ntitle: {title_yaml}\n---\n\n正文。\n", encoding="utf-8")
        (tmp_path / "issue.yaml").write_text(
            "layout: guangxi\nyear: 2025\nnumber: 1\nsections:\n  - title: 栏目\n"
            "    articles: [a.md]\n", encoding="utf-8")
        page = compose(tmp_path / "issue.yaml", use_cache=False).body[0]
        runs = sorted((it for it in page.items if isinstance(it, TextRun) and it.role == "title"),
                      key=lambda r: -r.y)
        return [r.text for r in runs]
    return run


def test_breaks_at_the_authors_space(titles_of):
    # 24 characters at 二号 on a 384 pt measure (17 a line) must wrap
    assert titles_of("事争一流 奋发有为 在新征程上展现政协委员新担当") == \
        ["事争一流 奋发有为", "在新征程上展现政协委员新担当"]


def test_breaks_at_a_phrase_boundary(titles_of):
    assert titles_of("市政协召开“加强提案办理工作”专题协商会议") == \
        ["市政协召开“加强提案办理工作”", "专题协商会议"]


def test_otherwise_lines_are_even_between_words(titles_of):
    # as even as whole words allow: 11 + 9, never 10 + 10 with 乡村 split (issue 9)
    lines = titles_of("关于推动红水河沿岸乡村旅游提质升级的建议")
    assert lines == ["关于推动红水河沿岸乡村", "旅游提质升级的建议"]


def test_the_balance_ratio_is_layout_data(tmp_path):
    """paragraph.balance_ratio: with a stricter ratio the phrase boundary above (6 against 14
    characters) is too uneven, and the title is split evenly instead."""
    from typeset.model.layout import LAYOUTS_DIR
    src = (LAYOUTS_DIR / "guangxi.yaml").read_text(encoding="utf-8")
    (tmp_path / "strict.yaml").write_text(
        src.replace("paragraph:\n", "paragraph:\n  balance_ratio: 0.9\n", 1), encoding="utf-8")
    (tmp_path / "a.md").write_text("---\ntitle: 市政协召开“加强提案办理工作”专题协商会议\n---\n\n正文。\n",
                                   encoding="utf-8")
    (tmp_path / "issue.yaml").write_text(
        "layout: strict.yaml\nyear: 2025\nnumber: 1\nsections:\n  - title: 栏目\n"
        "    articles: [a.md]\n", encoding="utf-8")
    page = compose(tmp_path / "issue.yaml", use_cache=False).body[0]
    lines = [r.text for r in sorted((it for it in page.items if isinstance(it, TextRun)
                                     and it.role == "title"), key=lambda r: -r.y)]
    assert len(lines) == 2 and lines[0] != "市政协召开“加强提案办理工作”"
    assert abs(len(lines[0]) - len(lines[1])) <= 1
