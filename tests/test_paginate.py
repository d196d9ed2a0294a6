"""Page building on the grid, as data: cjk-rules.md §5's widow and keep-with-next rows, and the
孤行 rules at every split."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from typeset.layout.flow import Band, PageBreak, Part, Run, SetLine
from typeset.layout.paginate import paginate
from typeset.text.paragraph import SpecMetrics, set_paragraph
from typeset.text.types import BreakSettings, Span
from tests import issuekit

METRICS = SpecMetrics(size=10)
FLAT = BreakSettings(indent=0)
PITCH = 10.0


def run(text: str, width_em: float = 5) -> Run:
    lines = set_paragraph([Span(text)], width_em * 10, METRICS, FLAT)
    return Run([SetLine(ln, 0.0, 10.0, "body") for ln in lines])


def heading(text: str) -> Band:
    lines = set_paragraph([Span(text)], 50, METRICS, FLAT)
    return Band([Part([SetLine(ln, 0.0, 10.0, "subhead") for ln in lines], PITCH)],
                keep_with_next=True, role="subhead")


def layout_as_text(items, lines_per_page: int) -> list[list[str]]:
    pages = []
    for frame in paginate(items, lines_per_page, PITCH):
        page = []
        for pl in frame.placements:
            if isinstance(pl.item, Run):
                page += [sl.line.text for sl in pl.item.lines[pl.first:pl.last]]
            else:
                page += [sl.line.text for p in pl.item.parts for sl in p.lines]
        pages.append(page)
    return pages


def test_widow_20_han_characters_3_lines_a_page():
    """cjk-rules §5 'widow': pages of 2 + 2 lines, never 3 + 1."""
    pages = layout_as_text([run("一二三四五六七八九十甲乙丙丁戊己庚辛壬癸")], 3)
    assert [len(p) for p in pages] == [2, 2]


def test_keep_with_next_heading_starts_page_2():
    """cjk-rules §5 'keep with next': 2-line paragraph, heading, paragraph; 3 lines a page."""
    pages = layout_as_text([run("一二三四五六七八九十"), heading("标题"),
                            run("甲乙丙丁戊己庚辛壬癸")], 3)
    assert pages == [["一二三四五", "六七八九十"], ["标题", "甲乙丙丁戊", "己庚辛壬癸"]]


def test_page_break_and_recto():
    items = [run("一二三"), PageBreak(recto=True), run("四五六")]
    frames = paginate(items, 5, PITCH)
    # page 1 holds the first paragraph, page 2 is left blank, the next starts on page 3
    assert [f.blank for f in frames] == [False, True, False]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=8),
       st.integers(min_value=4, max_value=9))
def test_no_lone_lines_at_page_edges(sizes, per_page):
    """孤行 (cjk-rules §4): a paragraph of two or more lines never leaves one line alone at the
    foot or the head of a page; nothing is lost or reordered."""
    items = [run("字" * (5 * n)) for n in sizes]
    frames = paginate(items, per_page, PITCH)
    placed = []
    for frame in frames:
        used = 0
        for pl in frame.placements:
            n = len(pl.item.lines)
            count = pl.last - pl.first
            assert pl.slot == used
            used += count
            if n > 1 and count < n:
                assert count >= 2, f"{count} of {n} lines on a page"
            placed.append((id(pl.item), pl.first, pl.last))
        assert used <= per_page
    # every line of every paragraph placed once, in order
    for item in items:
        ranges = [(a, b) for i, a, b in placed if i == id(item)]
        assert ranges[0][0] == 0 and ranges[-1][1] == len(item.lines)
        assert all(x[1] == y[0] for x, y in zip(ranges, ranges[1:]))


# --- end to end: issues of unusual shape (adversarial round 8) --------------------------------

_HAN = issuekit.pool(2)


def _words(r, n: int) -> str:
    return issuekit.words(r, n, _HAN)


def _sentence(r, n: int | None = None) -> str:
    return issuekit.sentence(r, n, _HAN)


def _one_article_issue(root, body: str):
    return issuekit.one_article_issue(root, body, article="a.md")


def _typeset(tmp_path, *args):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT
    env = dict(os.environ, TYPESET_CACHE=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "typeset", *map(str, args)], env=env,
                          capture_output=True, text=True, cwd=tmp_path)


def test_a_table_row_nearly_a_page_tall_leaves_no_empty_body_page(tmp_path):
    """A table whose middle row of 1,280 characters fits a page, not with the rows before it
    (nor with caption and header on a page of its own): no page keeps two rows on each side
    of a break, so caption, header and row 1 stay under the text, row 2 and row 3 follow
    under 续表 — it left two pages holding nothing but their folio, and `check` passed."""
    import random
    import re

    from pypdf import PdfReader

    r = random.Random(6)
    body = ("".join(_sentence(r) for _ in range(3)) + "\n\n| 序号 | 说明 |\n|--:|:--|\n"
            f"| 1 | 短 |\n| 2 | {_words(r, 1280)} |\n| 3 | 短 |\n\n: 表1 说明\n\n"
            + "".join(_sentence(r) for _ in range(3)))
    m = _one_article_issue(tmp_path, body)
    res = _typeset(tmp_path, "build", m, "-o", tmp_path / "out.pdf")
    assert res.returncode == 0, res.stderr
    texts = [p.extract_text() or "" for p in PdfReader(str(tmp_path / "out.pdf")).pages]
    start = next(i for i, t in enumerate(texts) if i > 0 and "王小明" in t)
    end = max(i for i, t in enumerate(texts) if len(t.strip()) > 10)
    assert [i + 1 for i in range(start, end + 1)
            if not re.sub(r"\s|\d", "", texts[i])] == []
    body_pages = [re.sub(r"\s", "", t) for t in texts[start:end + 1]]
    assert len(body_pages) == 3
    assert "表1说明" in body_pages[0] and "短" in body_pages[0]      # caption, header, row 1
    assert "续表" in body_pages[1] and "续表" in body_pages[2]
    chk = _typeset(tmp_path, "check", m)
    assert "empty pages" not in chk.stdout


def test_twenty_subheads_in_a_row_do_not_take_a_page_each(tmp_path):
    """An outline pasted as 20 `##` subheads with no text between them: the run cannot move
    to a page as a whole, so it is set on where it stands and breaks where the page fills
    (it took a page per subhead: 10 body pages for what fills 2). Ten in a row, which fit a
    page, still keep together."""
    import random
    import re

    r = random.Random(7)
    body = ("".join(_sentence(r) for _ in range(6)) + "\n\n"
            + "\n\n".join(f"## 第{i + 1}部分" for i in range(20)) + "\n\n"
            + "".join(_sentence(r) for _ in range(6)))
    m = _one_article_issue(tmp_path, body)
    res = _typeset(tmp_path, "build", m, "-o", tmp_path / "out.pdf")
    assert res.returncode == 0, res.stderr
    assert int(re.search(r"\+ (\d+) body", res.stdout).group(1)) == 2, res.stdout
    # one heading ends page 1 (a run of headings taller than a page breaks somewhere)
    assert "1 stranded headings" in res.stdout
