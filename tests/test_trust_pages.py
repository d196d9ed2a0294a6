"""Everything inside the trim box (issue 8 part 2): a colophon longer than its page continues,
running heads show a short title and never meet, and the shipped layouts pass the geometry
checks that refuse absurd ones."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from typeset.build import compose
from typeset.errors import TypesetError
from typeset.layout.page import TextRun
from typeset.model.layout import load_layout
from typeset.model.yamlsrc import written_path

MANIFEST = ("layout: {layout}\nyear: 2025\nnumber: 1\nsections:\n  - title: {title}\n"
            "{short}    articles: [a.md]\n{colophon}")


def issue(root: Path, *, body: str = "正文。", title: str = "栏目", short: str = "",
          colophon: str = "", layout: str = "guangxi") -> Path:
    (root / "a.md").write_text(f"---\ntitle: 标题\n---\n\n{body}\n", encoding="utf-8")
    path = root / "issue.yaml"
    path.write_text(MANIFEST.format(layout=layout, title=title, colophon=colophon,
                                    short=f"    short_title: {short}\n" if short else ""),
                    encoding="utf-8")
    return path


def runs(page, role: str | None = None) -> list[TextRun]:
    return [it for it in page.items if isinstance(it, TextRun) and (role is None or it.role == role)]


def inside_text_block(comp, run: TextRun) -> bool:
    lay = comp.layout
    top = lay.page.height - lay.textblock.top
    bottom = top - lay.textblock.lines * lay.textblock.line_pitch
    return bottom - 1e-6 <= run.y <= top


def test_a_colophon_longer_than_its_page_continues(tmp_path):
    entries = "".join(f"  - label: 发{i}\n    text: 政协委员会第{i}号\n" for i in range(45))
    comp = compose(issue(tmp_path, colophon="colophon:\n" + entries), use_cache=False)
    pages = [p for p in comp.body if runs(p, "colophon")]
    assert len(pages) == 2                       # 45 entries on a 28-line page: two pages
    shown = "".join(r.text for p in pages for r in runs(p, "colophon"))
    assert re.sub(r"\s", "", shown) == "".join(f"发{i}：政协委员会第{i}号" for i in range(45))
    for p in pages:
        assert all(inside_text_block(comp, r) for r in runs(p, "colophon"))
        assert runs(p, "running-head") == []     # no running head over the colophon's pages
        assert runs(p, "folio")
    # saddle stitching: the blanks stand before the colophon's first page, not between
    kinds = [p.kind for p in comp.body]
    first = comp.body.index(pages[0])
    assert comp.body[first + 1] is pages[1] and "blank" not in kinds[first:]
    assert (len(comp.front) + len(comp.body)) % 4 == 0


def test_a_title_over_max_chars_needs_a_short_title(tmp_path):
    with pytest.raises(TypesetError) as info:
        compose(issue(tmp_path, title="调查研究与建言献策专栏调查研究与建言献策"), use_cache=False)
    err = info.value
    assert err.file.endswith("issue.yaml") and err.line == 5
    assert "20 characters" in err.message and "short_title" in err.hint


def test_the_running_head_shows_the_short_title(tmp_path):
    comp = compose(issue(tmp_path, title="调查研究与建言献策专栏", short="调研建言"),
                   use_cache=False)
    heads = "".join(r.text for p in comp.body for r in runs(p, "running-head"))
    assert "※ 调研建言 ※" in heads and "专栏" not in heads
    contents = "".join(r.text for p in comp.contents for r in runs(p))
    assert "调查研究与建言献策专栏" in contents


def test_sides_of_every_running_head_keep_apart(sample_composition):
    comp = sample_composition
    em = comp.book.em(comp.layout.running_heads.style)
    for page in comp.body:
        head = sorted(runs(page, "running-head"), key=lambda r: r.x)
        if len(head) < 2:
            continue
        left_end = max(r.x + comp.book.width(r.text, comp.layout.running_heads.style)
                       for r in head if r.x < page.width / 2)
        right_start = min(r.x for r in head if r.x >= page.width / 2)
        assert right_start - left_end >= em - 1e-6


def test_the_overlap_is_refused_even_without_max_chars(tmp_path):
    guangxi = Path(__file__).resolve().parents[1] / "layouts" / "guangxi.yaml"
    lines = [l for l in guangxi.read_text(encoding="utf-8").split("\n")
             if not l.strip().startswith("max_chars:")]
    (tmp_path / "house.yaml").write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(TypesetError) as info:
        compose(issue(tmp_path, title="很长的栏目标题" * 6, layout="house.yaml"),
                use_cache=False)
    err = info.value
    assert err.file.endswith("issue.yaml") and err.line == 5
    assert "does not fit" in err.message and "short_title" in err.hint


@pytest.mark.parametrize("name", ["guangxi", "chongqing"])
def test_shipped_layouts_keep_everything_on_the_page(name):
    lay = load_layout(name)
    tb, rh = lay.textblock, lay.running_heads
    assert tb.top + tb.lines * tb.line_pitch <= lay.page.height
    assert lay.measure <= lay.page.width
    assert 0 < rh.baseline < tb.top


def test_written_path_reads_backslashes_only_when_needed(tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "01.md").write_text("x", encoding="utf-8")
    assert written_path("articles\\01.md", tmp_path) == tmp_path / "articles" / "01.md"
    literal = tmp_path / "odd\\name.md"          # a file whose name holds a backslash
    literal.write_text("x", encoding="utf-8")
    assert written_path("odd\\name.md", tmp_path) == literal
    assert written_path("articles/01.md", tmp_path) == tmp_path / "articles" / "01.md"
