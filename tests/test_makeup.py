"""Make-up as a print editor signs it off (issue 9): headings and contents entries from
tests/data/makeup_cases.yaml, and the measures `typeset check` reports."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from typeset.build import compose
from typeset.cli import main
from typeset.layout.flow import Band
from typeset.model.layout import LAYOUTS_DIR
from typeset.report import check_composition
from typeset.text import cjk

DATA = yaml.safe_load((Path(__file__).parent / "data" / "makeup_cases.yaml")
                      .read_text(encoding="utf-8"))


def _issue(root: Path, layout: str, front: dict, body: str = "正文。\n") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "a.md").write_text("---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n\n"
                               + body, encoding="utf-8")
    (root / "issue.yaml").write_text(
        f"layout: {layout}\nyear: 2025\nnumber: 1\nsections:\n  - title: 栏目\n"
        "    articles: [a.md]\n", encoding="utf-8")
    return root / "issue.yaml"


def _band_lines(frame, roles):
    out = {}
    for pl in frame.placements:
        if isinstance(pl.item, Band):
            for part in pl.item.parts:
                for sl in part.lines:
                    if sl.role in roles:
                        out.setdefault(sl.role, []).append(sl)
    return out


@pytest.mark.parametrize("case", DATA["headings"], ids=[c["id"] for c in DATA["headings"]])
def test_heading(case, tmp_path):
    comp = compose(_issue(tmp_path, case["layout"], case["front"], case.get("body", "正文。\n")),
                   use_cache=False)
    got = _band_lines(comp.frames[0], set(case["lines"]))
    for role, expected in case["lines"].items():
        assert [sl.line.text for sl in got.get(role, [])] == expected, case["rule"]
    for role in case.get("same_x", []):
        starts = {round(sl.x + sl.line.glyphs[0].x, 2) for sl in got[role]}
        assert len(starts) == 1, (case["rule"], starts)
    for role in case.get("unsqueezed", []):
        for sl in got[role]:
            gl = sl.line.glyphs
            for i, g in enumerate(gl[:-1]):
                marks = [cjk.char_class(h.ch) in ("open", "close", "stop")
                         for h in gl[max(0, i - 1):i + 2]]
                if marks.count(True) == 1 and cjk.char_class(g.ch) in ("close", "stop"):
                    assert g.width == pytest.approx(comp.book.advance(g.ch, g.style)), \
                        f"{g.ch} squeezed in {sl.line.text}"
    rep = check_composition(comp)
    assert rep.split_words == []


@pytest.mark.parametrize("case", DATA["contents"], ids=[c["id"] for c in DATA["contents"]])
def test_contents_entry(case, tmp_path):
    comp = compose(_issue(tmp_path, case["layout"], case["front"]), use_cache=False)
    (band,) = [pl.item for pl in comp.contents_frames[0].placements
               if pl.item.role == "contents-entry"]
    lines = band.parts[0].lines
    assert [sl.line.text for sl in lines] == case["entry"], case["rule"]
    tail = lines[-1].tail
    assert tail[-1][0] == case["credit"]
    c = comp.layout.contents
    leader_w = comp.book.width(c.leader, c.entry_style)
    # no entry line is letter-spaced, and none reaches into the page-number column
    for sl in lines:
        assert sl.line.adjust <= 1e-9
    # the leader's dots stand on cells measured from the right edge, set at their advance
    leader = [t for t in tail if set(t[0]) == set(c.leader)]
    assert leader and leader[0][3] == 0.0
    cells = (comp.layout.measure - leader[0][2]) / leader_w
    assert cells == pytest.approx(round(cells)), cells
    assert check_composition(comp).split_words == []


def test_leaders_line_up_from_entry_to_entry(sample_composition):
    comp = sample_composition
    c = comp.layout.contents
    leader_w = comp.book.width(c.leader, c.entry_style)
    starts = []
    for frame in comp.contents_frames:
        for pl in frame.placements:
            if pl.item.role == "contents-entry":
                (leader,) = [t for t in pl.item.parts[0].lines[-1].tail if t[0][0] == c.leader]
                starts.append((comp.layout.measure - leader[2]) / leader_w)
    assert len(starts) == 10 and all(s == pytest.approx(round(s)) for s in starts)


# --- the measures -------------------------------------------------------------------------------

def test_sample_and_fixture_are_clean_on_the_line_measures(sample_composition):
    rep = check_composition(sample_composition)
    assert rep.short_lines == [] and rep.notched_ends == [] and rep.split_words == []
    assert rep.clean


def _quanjiao_layout(tmp_path) -> Path:
    src = (LAYOUTS_DIR / "guangxi.yaml").read_text(encoding="utf-8")
    path = tmp_path / "quanjiao.yaml"
    path.write_text(src.replace("punctuation: hangmo", "punctuation: quanjiao"), encoding="utf-8")
    return path


# every line ends in ， at full width: 29 + 1 characters after the 2-em indent, then 31 + 1
_CLAUSE = "我们在这里认真学习研究讨论各项工作安排部署落实情况并提出意见建议要求"
NOTCHED = _CLAUSE[:29] + "，" + "".join(_CLAUSE[:31] + "，" for _ in range(5)) + "好的。"


def test_notched_ends_fail_the_check_when_the_layout_says_so(tmp_path, capsys):
    """全角式 keeps a full-width mark at the line end: its blank half is a notch in the right
    edge; check reports every such line and fails (check.notched_ends: error)."""
    lay = _quanjiao_layout(tmp_path)
    issue = _issue(tmp_path / "i", str(lay), {"title": "标题"}, NOTCHED + "\n")
    comp = compose(issue, use_cache=False)
    rep = check_composition(comp)
    assert rep.notched_ends and all(f.text.endswith("，") for f in rep.notched_ends)
    assert "leaves 0.50 em blank" in rep.notched_ends[0].detail
    assert main(["check", str(issue)]) == 1
    out = capsys.readouterr().out
    assert "notched line ends:" in out and "(an error)" in out
    # reported only: the check passes
    lay.write_text(lay.read_text(encoding="utf-8").replace("notched_ends: error",
                                                           "notched_ends: report"),
                   encoding="utf-8")
    assert main(["check", str(issue)]) == 0
    # the same text in 行末半角 (the shipped guangxi): no notch
    comp = compose(_issue(tmp_path / "j", "guangxi", {"title": "标题"}, NOTCHED + "\n"),
                   use_cache=False)
    assert check_composition(comp).notched_ends == []


def _line(n, measure, last=False, text="字"):
    from typeset.text.types import Glyph, Line
    return Line([Glyph(text, "body", 10.0 * i, 10.0) for i in range(n)], measure,
                10.0 * n, 0.0, last, start=0, end=n)


def test_short_lines_are_found():
    """A short line is found with its size; the threshold is the layout's."""
    from typeset.layout.flow import SetLine
    from typeset.report import Report
    from typeset.report.makeup import _line_edges

    rep = Report()
    for ln in (_line(4, 50.0), _line(5, 50.0), _line(4, 44.4), _line(2, 50.0, last=True)):
        _line_edges(rep, SetLine(ln, 0.0, 10.0, "body"), "3", 0.45)
    assert [(f.page, f.detail) for f in rep.short_lines] == [("3", "1.00 em short")]
    rep = Report()
    _line_edges(rep, SetLine(_line(4, 44.4), 0.0, 10.0, "body"), "3", 0.4)
    assert [f.detail for f in rep.short_lines] == ["0.44 em short"]


def test_short_pages_and_note_only_pages_name_their_cause():
    """Page-level measures from frames: which page ends short, by how much and why; a page
    holding only an end note. An article's last page (a new article follows on a new page)
    is not short."""
    from typeset.layout.flow import Band, Part, Run, SetLine
    from typeset.layout.paginate import Frame, Placement
    from typeset.model.layout import load_layout
    from typeset.report import Report
    from typeset.report.makeup import _pages

    layout = load_layout("guangxi")           # 28 lines a page, new_page articles
    pitch = layout.textblock.line_pitch

    def run(n, role="body"):
        return Run([SetLine(_line(3, 30.0, last=i == n - 1), 0.0, 10.0, role)
                    for i in range(n)], role=role)

    def band(role, keep=False):
        return Band([Part([SetLine(_line(3, 30.0, True), 0.0, 10.0, role)], pitch)],
                    keep_with_next=keep, role=role)
    long_para, sub, note, head = run(40), band("subhead", keep=True), run(1, "note"), \
        band("head", keep=True)
    frames = [
        Frame([Placement(long_para, 0, 0, 27)]),                          # 1: widow rule
        Frame([Placement(long_para, 0, 27, 40), Placement(run(5), 13, 0, 5)]),   # 2: 10 short
        Frame([Placement(sub, 0), Placement(run(30), 1, 0, 27)]),         # 3: full
        Frame([Placement(note, 0, 0, 1)]),                                # 4: note alone
        Frame([Placement(head, 0), Placement(run(3), 2, 0, 3)]),          # 5: last page
    ]
    rep = Report()
    _pages(rep, frames, ["1", "2", "3", "4", "5"], layout)
    got = [(f.page, f.detail.split(":")[0]) for f in rep.short_pages]
    assert got == [("1", "1 line short"), ("2", "10 lines short")]
    assert "孤行" in rep.short_pages[0].detail
    assert "subhead kept with the lines after it" in rep.short_pages[1].detail
    assert [f.page for f in rep.note_only_pages] == ["4"]
