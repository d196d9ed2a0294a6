"""Page building on the grid, as data: cjk-rules.md §5's widow and keep-with-next rows, and the
孤行 rules at every split."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from typeset.layout.flow import Band, PageBreak, Part, Run, SetLine
from typeset.layout.paginate import paginate
from typeset.text.paragraph import SpecMetrics, set_paragraph
from typeset.text.types import BreakSettings, Span

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
